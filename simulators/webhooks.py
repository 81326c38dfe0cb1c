"""Webhook delivery of the simulators: one subscriber, retries, and test hooks.

A :class:`WebhookDispatcher` receives event payloads from a simulator and
POSTs them as JSON to one subscriber URL, with the subscriber's token in the
``X-Auth-Token`` header. Delivery runs in a background thread, so the
simulator responds to its API callers at once. A retry sends the same payload
again, so the receiver can drop repeats by ``webhookEventId``.

Retry policies are those Ongoing WMS offers on a webhook:

* ``none``: one attempt.
* ``one_day``: retries after 1, 5, 15 and 30 minutes, then every 2 hours
  until 24 hours have passed since the first attempt (16 attempts in all).
  Ongoing documents the steps, not whether they count from the first attempt
  or from the previous one; they are taken here as the gaps between attempts.

``time_factor`` scales every delay, so a test can run the 24-hour schedule in
a second (``time_factor=1e-5``). In ``manual`` mode no thread runs: events
wait in :attr:`WebhookDispatcher.outbox` until the test reads them or calls
:meth:`WebhookDispatcher.flush`. Only loopback URLs are accepted, because the
simulators must never send traffic to another host.
"""

import ipaddress
import itertools
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import urlsplit

import requests

_logger = logging.getLogger(__name__)

RETRY_POLICIES = ("none", "one_day")
ONE_DAY_SECONDS = 24 * 3600
ONE_DAY_FIRST_DELAYS = (60, 5 * 60, 15 * 60, 30 * 60)
ONE_DAY_LATER_DELAY = 2 * 3600


def retry_delays(policy):
    """Return the seconds to wait before each retry of a failed delivery."""
    if policy == "none":
        return ()
    if policy != "one_day":
        raise ValueError(f"Unknown retry policy {policy!r}: use one of {RETRY_POLICIES}.")
    delays = list(ONE_DAY_FIRST_DELAYS)
    elapsed = sum(delays)
    while elapsed + ONE_DAY_LATER_DELAY <= ONE_DAY_SECONDS:
        delays.append(ONE_DAY_LATER_DELAY)
        elapsed += ONE_DAY_LATER_DELAY
    return tuple(delays)


def _new_event_ids():
    """Count event ids up from the current time in milliseconds.

    Ongoing's event ids are unique for good, and a receiver drops an id it has
    seen; starting each run at the clock keeps a restarted simulator's events new.
    """
    return itertools.count(int(time.time() * 1000))


def check_loopback_url(url):
    """Raise ValueError unless ``url`` is an http(s) URL on a loopback address."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"The webhook URL must be an http:// or https:// URL, not {url!r}.")
    host = parts.hostname
    if host == "localhost":
        return url
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is None or not address.is_loopback:
        raise ValueError(
            f"The simulator only sends webhooks to loopback addresses "
            f"(127.0.0.1, ::1, localhost), not to {host!r}."
        )
    return url


@dataclass
class Delivery:
    """One event on its way to the subscriber."""

    event: dict
    sequence: int
    due: float
    attempts: int = 0
    state: str = "pending"  # pending, sending, delivered, failed
    last_error: str = ""

    @property
    def event_id(self):
        return self.event.get("webhookEventId")


@dataclass
class DeliveryAttempt:
    """The outcome of one attempt to deliver an event: HTTP status or error."""

    event_id: int
    template: str
    attempt: int
    url: str
    status_code: int | None
    error: str = ""
    time: datetime = field(default_factory=lambda: datetime.now(timezone.utc))

    @property
    def succeeded(self):
        return self.status_code is not None and 200 <= self.status_code < 300

    def to_json(self):
        return {
            "webhookEventId": self.event_id,
            "webhookTemplate": self.template,
            "attempt": self.attempt,
            "url": self.url,
            "statusCode": self.status_code,
            "error": self.error,
            "time": self.time.isoformat(),
        }


class WebhookDispatcher:
    """Queue events and deliver them to one loopback subscriber."""

    def __init__(
        self,
        url=None,
        token=None,
        *,
        retry_policy="one_day",
        time_factor=1.0,
        manual=False,
        timeout=10.0,
    ):
        self._condition = threading.Condition()
        self._event_ids = _new_event_ids()
        self._sequence = itertools.count(1)
        self._thread = None
        self._closed = False
        self._session = requests.Session()
        self.url = None
        self.token = None
        self.retry_policy = "one_day"
        self.time_factor = float(time_factor)
        self.manual = manual
        self.timeout = timeout
        self.paused = False
        self.events = []
        self.deliveries = []
        self.attempts = []
        self._duplicate_next = 0
        self._reorder_count = 0
        self._reorder_buffer = []
        self.configure(url, token, retry_policy)

    # ------------------------------------------------------------------
    # Configuration
    # ------------------------------------------------------------------

    def configure(self, url=None, token=None, retry_policy=None):
        """Set the subscriber; ``url=None`` stops sending (events are still recorded)."""
        if url:
            check_loopback_url(url)
        if retry_policy is not None and retry_policy not in RETRY_POLICIES:
            raise ValueError(f"Unknown retry policy {retry_policy!r}: use one of {RETRY_POLICIES}.")
        with self._condition:
            self.url = url or None
            self.token = token or None
            if retry_policy is not None:
                self.retry_policy = retry_policy
            self._condition.notify_all()
        if self.url:
            _logger.info("Sending webhooks to %s (retry policy %s)", self.url, self.retry_policy)

    def subscriber_json(self):
        return {
            "url": self.url,
            "hasToken": bool(self.token),
            "retryPolicy": self.retry_policy,
            "timeFactor": self.time_factor,
            "manual": self.manual,
            "paused": self.paused,
        }

    # ------------------------------------------------------------------
    # Events
    # ------------------------------------------------------------------

    def emit(self, payload):
        """Give the event an id, record it and queue it for the subscriber; return it."""
        with self._condition:
            event = {"webhookEventId": next(self._event_ids), **payload}
            self.events.append(event)
            if not (self.url or self.manual):
                return event

            copies = 1
            if self._duplicate_next:
                self._duplicate_next -= 1
                copies = 2
            if self._reorder_count:
                self._reorder_buffer.extend([event] * copies)
                if len(self._reorder_buffer) >= self._reorder_count:
                    self._release_reordered()
            else:
                for _ in range(copies):
                    self._enqueue(event)
            self._condition.notify_all()
        self._ensure_thread()
        return event

    def _enqueue(self, event):
        self.deliveries.append(
            Delivery(event=event, sequence=next(self._sequence), due=time.monotonic())
        )

    def _release_reordered(self):
        buffered, self._reorder_buffer = self._reorder_buffer, []
        self._reorder_count = 0
        for event in reversed(buffered):
            self._enqueue(event)

    @property
    def outbox(self):
        """Return the events not yet delivered (nor given up), in delivery order."""
        with self._condition:
            pending = sorted(
                (d for d in self.deliveries if d.state in ("pending", "sending")),
                key=lambda d: (d.due, d.sequence),
            )
            return [d.event for d in pending] + list(self._reorder_buffer)

    def take_outbox(self):
        """Return the pending events and forget them, so the caller delivers them itself."""
        with self._condition:
            events = self.outbox
            self._reorder_buffer = []
            self._reorder_count = 0
            self.deliveries = [d for d in self.deliveries if d.state not in ("pending",)]
            return events

    # ------------------------------------------------------------------
    # Test hooks
    # ------------------------------------------------------------------

    def duplicate_next(self, count=1):
        """Deliver each of the next ``count`` events twice, with the same event id."""
        with self._condition:
            self._duplicate_next += count

    def reorder_next(self, count=2):
        """Hold the next ``count`` events, then deliver them newest first."""
        if count < 2:
            raise ValueError("Reordering needs at least 2 events.")
        with self._condition:
            self._reorder_count = count

    def pause(self):
        """Keep new and pending events queued until :meth:`resume`."""
        with self._condition:
            self.paused = True

    def resume(self):
        with self._condition:
            self.paused = False
            self._condition.notify_all()

    def flush(self, include_retries=True):
        """Deliver every pending event now, once each, in this thread; return the attempts.

        With ``include_retries=False`` only the events whose next attempt is
        already due are sent. Held reordered events are released first.
        """
        with self._condition:
            if self._reorder_buffer:
                self._release_reordered()
            now = time.monotonic()
            batch = sorted(
                (
                    d
                    for d in self.deliveries
                    if d.state == "pending" and (include_retries or d.due <= now)
                ),
                key=lambda d: (d.due, d.sequence),
            )
            for delivery in batch:
                delivery.state = "sending"
        return [self._attempt(delivery) for delivery in batch]

    def wait_idle(self, timeout=5.0):
        """Wait until no delivery is due or being sent; return whether that happened."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                now = time.monotonic()
                busy = any(
                    d.state == "sending" or (d.state == "pending" and d.due <= now)
                    for d in self.deliveries
                )
                if not busy:
                    return True
                if now >= deadline:
                    return False
                self._condition.wait(min(0.05, deadline - now))

    def reset(self):
        """Forget events, deliveries and test hooks; keep the subscriber."""
        with self._condition:
            self.events.clear()
            self.deliveries.clear()
            self.attempts.clear()
            self._duplicate_next = 0
            self._reorder_count = 0
            self._reorder_buffer = []
            self.paused = False
            self._event_ids = _new_event_ids()

    def close(self):
        with self._condition:
            self._closed = True
            self._condition.notify_all()
        if self._thread:
            self._thread.join(timeout=5)
        self._session.close()

    # ------------------------------------------------------------------
    # Delivery
    # ------------------------------------------------------------------

    def _ensure_thread(self):
        if self.manual or self._closed:
            return
        with self._condition:
            if self._thread and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, name="webhook-delivery", daemon=True)
            self._thread.start()

    def _run(self):
        while True:
            with self._condition:
                delivery = self._next_due_or_wait()
                if delivery is None:
                    if self._closed:
                        return
                    continue
                delivery.state = "sending"
            self._attempt(delivery)

    def _next_due_or_wait(self):
        """Return the next due delivery, or wait on the condition and return None."""
        if self._closed:
            return None
        pending = [d for d in self.deliveries if d.state == "pending"]
        if self.paused or not self.url or not pending:
            self._condition.wait()
            return None
        delivery = min(pending, key=lambda d: (d.due, d.sequence))
        wait = delivery.due - time.monotonic()
        if wait > 0:
            self._condition.wait(wait)
            return None
        return delivery

    def _attempt(self, delivery):
        url, token = self.url, self.token
        event = delivery.event
        delivery.attempts += 1
        status_code, error = None, ""
        if not url:
            error = "no subscriber URL is configured"
        else:
            try:
                check_loopback_url(url)
                headers = {"X-Auth-Token": token} if token else {}
                response = self._session.post(
                    url, json=event, headers=headers, timeout=self.timeout, allow_redirects=False
                )
                status_code = response.status_code
            except (requests.RequestException, ValueError) as exc:
                error = f"{type(exc).__name__}: {exc}"

        attempt = DeliveryAttempt(
            event_id=delivery.event_id,
            template=event.get("webhookTemplate", ""),
            attempt=delivery.attempts,
            url=url or "",
            status_code=status_code,
            error=error,
        )
        with self._condition:
            self.attempts.append(attempt)
            if attempt.succeeded:
                delivery.state = "delivered"
            else:
                delivery.last_error = error or f"HTTP {status_code}"
                self._schedule_retry(delivery)
            self._condition.notify_all()
        return attempt

    def _schedule_retry(self, delivery):
        delays = retry_delays(self.retry_policy)
        retry_number = delivery.attempts  # the first retry follows the first attempt
        if retry_number > len(delays):
            delivery.state = "failed"
            _logger.warning(
                "Gave up webhook event %s after %s attempts: %s",
                delivery.event_id,
                delivery.attempts,
                delivery.last_error,
            )
            return
        delay = delays[retry_number - 1] * self.time_factor
        delivery.state = "pending"
        delivery.due = time.monotonic() + delay
        _logger.info(
            "Webhook event %s failed (%s), retry %s in %.3f s",
            delivery.event_id,
            delivery.last_error,
            retry_number,
            delay,
        )
