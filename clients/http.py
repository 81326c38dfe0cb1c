"""JSON-over-HTTP transport shared by the remote clients.

It owns one ``requests.Session``, applies connect and read timeouts, and turns
every failure into a :mod:`.errors` exception. A 429 whose ``Retry-After`` fits
in ``max_retry_wait`` is waited out and sent again; anything else is left to
the caller's retry policy. Log lines carry the method, the path and the status,
never headers, bodies or credentials.
"""

import email.utils
import json
import logging
import re
import time
from datetime import datetime, timezone

import requests

from .errors import FixCredentialsError, FixRequestError, NotFoundError, RetryLaterError

_logger = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER = 5.0


def parse_retry_after(value, now=None):
    """Return the seconds a ``Retry-After`` header asks to wait, or None.

    The header holds either a number of seconds or an HTTP date.
    """
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


# The operating system's reason in a connection error, such as "[Errno 111] Connection refused".
_ERRNO_REASON = re.compile(r"\[Errno -?\d+\] ([^'\")\]]+)")


def connection_failure_reason(error):
    """Return the operating system's reason of a failed connection ("Connection refused"), or ""."""
    match = _ERRNO_REASON.search(str(error))
    return match.group(1).strip() if match else ""


class JsonHttpTransport:
    """Send JSON requests to one base URL and classify the failures."""

    #: Name of the remote system in messages, set by subclasses.
    system_name = "remote system"

    def __init__(
        self,
        base_url,
        *,
        connect_timeout=5.0,
        read_timeout=30.0,
        max_retry_wait=30.0,
        max_429_retries=3,
        session=None,
        sleep=time.sleep,
    ):
        if not base_url or not base_url.startswith(("http://", "https://")):
            raise ValueError(f"The API URL must start with http:// or https://, not {base_url!r}.")
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = (connect_timeout, read_timeout)
        self.max_retry_wait = max_retry_wait
        self.max_429_retries = max_429_retries
        self.session = session or requests.Session()
        self._sleep = sleep

    # Subclasses add authentication and the remote system's error format.

    def _prepare_headers(self):
        return {"Accept": "application/json"}

    def _extract_error(self, body):
        """Return (message, code) from a decoded error body."""
        return None, None

    def request(self, method, path, *, params=None, json_body=None, data=None, auth=None):
        """Send one request and return the decoded JSON body (None when empty)."""
        url = self.base_url + path.lstrip("/")
        headers = self._prepare_headers()
        attempt = 0
        while True:
            attempt += 1
            started = time.monotonic()
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    data=data,
                    headers=headers,
                    auth=auth,
                    timeout=self.timeout,
                    allow_redirects=False,
                )
            except requests.Timeout as error:
                _logger.warning("%s %s %s: timed out", self.system_name, method, path)
                raise RetryLaterError(
                    f"{self.system_name} did not respond in time ({method} {path}).",
                    kind="timeout",
                    params=self._error_params(method, path),
                ) from error
            except requests.ConnectionError as error:
                reason = connection_failure_reason(error)
                _logger.warning(
                    "%s %s %s: connection failed: %s", self.system_name, method, path, reason
                )
                detail = f": {reason}" if reason else ""
                raise RetryLaterError(
                    f"Could not connect to {self.system_name} at {self.base_url} "
                    f"({method} {path}){detail}.",
                    kind="connect",
                    params=self._error_params(method, path, reason=reason),
                ) from error
            except requests.RequestException as error:
                raise RetryLaterError(
                    f"The request to {self.system_name} failed ({method} {path}): "
                    f"{type(error).__name__}.",
                    kind="request_failed",
                    params=self._error_params(method, path, detail=type(error).__name__),
                ) from error

            elapsed_ms = (time.monotonic() - started) * 1000
            _logger.debug(
                "%s %s %s: %s in %.0f ms",
                self.system_name,
                method,
                path,
                response.status_code,
                elapsed_ms,
            )

            if response.status_code == 429:
                wait = parse_retry_after(response.headers.get("Retry-After"))
                if attempt <= self.max_429_retries and (wait or 0) <= self.max_retry_wait:
                    wait = DEFAULT_RETRY_AFTER if wait is None else wait
                    _logger.info(
                        "%s %s %s: rate limited, retrying in %.1f s",
                        self.system_name,
                        method,
                        path,
                        wait,
                    )
                    self._sleep(wait)
                    continue
            return self._handle_response(method, path, response)

    def _handle_response(self, method, path, response):
        status = response.status_code
        body = self._decode(response)
        if 200 <= status < 300:
            return body

        remote_message, remote_code = (None, None)
        if isinstance(body, (dict, list)):
            remote_message, remote_code = self._extract_error(body)
        if remote_message is None and isinstance(body, str) and body.strip():
            remote_message = body.strip()[:500]
        detail = f": {remote_message}" if remote_message else ""
        code = f" (code {remote_code})" if remote_code else ""
        kwargs = {
            "status": status,
            "remote_message": remote_message,
            "remote_code": remote_code,
            "params": self._error_params(method, path, status=status),
        }

        if status == 429:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise RetryLaterError(
                f"{self.system_name} rate limit reached ({method} {path}); retry later.",
                kind="rate_limit",
                retry_after=retry_after,
                **kwargs,
            )
        if status >= 500:
            _logger.warning("%s %s %s: HTTP %s%s", self.system_name, method, path, status, detail)
            raise RetryLaterError(
                f"{self.system_name} failed with HTTP {status} ({method} {path}){detail}",
                kind="server_error",
                **kwargs,
            )
        if status in (401, 403):
            raise FixCredentialsError(
                f"{self.system_name} rejected the credentials with HTTP {status} "
                f"({method} {path}){detail}{code}",
                kind="credentials",
                **kwargs,
            )
        if status == 404:
            raise NotFoundError(
                f"{self.system_name} found nothing at {method} {path} (HTTP 404){detail}",
                kind="not_found",
                **kwargs,
            )
        if 300 <= status < 400:
            raise FixRequestError(
                f"{self.system_name} redirected {method} {path} with HTTP {status}: "
                f"check the API URL.",
                kind="redirect",
                **kwargs,
            )
        raise FixRequestError(
            f"{self.system_name} rejected {method} {path} with HTTP {status}{detail}{code}",
            kind="rejected",
            **kwargs,
        )

    def _error_params(self, method, path, **values):
        """Return the values of an error's message, for a translated copy of it."""
        return {
            "system": self.system_name,
            "url": self.base_url,
            "request": f"{method} {path}",
            **values,
        }

    @staticmethod
    def _decode(response):
        if not response.content:
            return None
        try:
            return response.json()
        except (ValueError, json.JSONDecodeError):
            return response.text
