"""State shared by every worker of the database: the Fortnox request window.

Fortnox counts requests per client id and company in a 5-second sliding
window, whichever Odoo worker sends them. The limiter here keeps the send
times of the recent requests of each connection in one PostgreSQL row and
takes that row's lock for each decision. A short transaction of its own
does the work and commits at once. A long export job therefore does not keep
the row locked, and its rollback does not undo the recorded requests.
"""

import logging
import time
from datetime import timedelta

from psycopg2 import errors as pg_errors

_logger = logging.getLogger(__name__)

#: Attempts of a short transaction that lost a race for a row under
#: PostgreSQL's repeatable-read isolation, which Odoo's cursors use.
SERIALIZATION_ATTEMPTS = 10

RATE_LIMIT_TABLE_SQL = """
    CREATE TABLE IF NOT EXISTS fortnox_rate_limit (
        backend_id integer PRIMARY KEY REFERENCES fortnox_backend(id) ON DELETE CASCADE,
        sent_at timestamptz[] NOT NULL DEFAULT '{}',
        blocked_until timestamptz
    )
"""


def run_in_own_transaction(cursor_factory, work):
    """Run ``work(cr)`` in a new transaction and commit it; return its result.

    Odoo's cursors use repeatable read: a transaction that waited for a row
    lock held by another one that then changed the row fails with a
    serialization error. The work is then run again in a fresh transaction,
    which reads the committed change. ``work`` must take its row locks before
    any side effect outside the database, so a retry never repeats one.
    """
    for attempt in range(1, SERIALIZATION_ATTEMPTS + 1):
        cr = cursor_factory()
        try:
            result = work(cr)
            cr.commit()
            return result
        except pg_errors.SerializationFailure:
            if attempt == SERIALIZATION_ATTEMPTS:
                raise
            _logger.debug("Concurrent update of a shared row, attempt %s; retrying", attempt)
        finally:
            # Closing rolls back whatever was not committed.
            cr.close()
    return None


class DatabaseRateLimiter:
    """At most ``max_requests`` per ``window_seconds`` for one backend, across all workers.

    ``acquire()`` blocks until a request may go out and returns the seconds
    it waited. ``backoff(seconds)`` makes every worker wait that long, for
    example after Fortnox answered 429. Times come from the database clock,
    so workers on several machines share one clock. ``cursor_factory``
    returns a new database cursor (``registry.cursor``).
    """

    def __init__(self, cursor_factory, backend_id, max_requests, window_seconds, sleep=time.sleep):
        if max_requests < 1 or window_seconds <= 0:
            raise ValueError("The limiter needs at least one request per positive window.")
        self._cursor_factory = cursor_factory
        self.backend_id = backend_id
        self.max_requests = max_requests
        self.window_seconds = window_seconds
        self._sleep = sleep

    def acquire(self):
        waited = 0.0
        while True:
            wait = run_in_own_transaction(self._cursor_factory, self._take_slot)
            if wait <= 0:
                return waited
            self._sleep(wait)
            waited += wait

    def backoff(self, seconds):
        def block(cr):
            self._lock_row(cr)
            cr.execute(
                """
                UPDATE fortnox_rate_limit
                   SET blocked_until = GREATEST(
                           COALESCE(blocked_until, '-infinity'),
                           clock_timestamp() + %s * interval '1 second')
                 WHERE backend_id = %s
                """,
                [max(0.0, float(seconds)), self.backend_id],
            )

        run_in_own_transaction(self._cursor_factory, block)

    def _lock_row(self, cr):
        cr.execute(
            "INSERT INTO fortnox_rate_limit (backend_id) VALUES (%s) ON CONFLICT DO NOTHING",
            [self.backend_id],
        )
        cr.execute(
            """
            SELECT sent_at, blocked_until, clock_timestamp()
              FROM fortnox_rate_limit
             WHERE backend_id = %s
               FOR UPDATE
            """,
            [self.backend_id],
        )
        return cr.fetchone()

    def _take_slot(self, cr):
        """Record a request now and return 0, or return the seconds to wait first."""
        sent_at, blocked_until, now = self._lock_row(cr)
        if blocked_until and blocked_until > now:
            return (blocked_until - now).total_seconds()

        window_start = now - timedelta(seconds=self.window_seconds)
        recent = sorted(moment for moment in sent_at if moment > window_start)
        if len(recent) >= self.max_requests:
            # The oldest requests must leave the window until one slot is free;
            # there can be more than the maximum after the setting was lowered.
            freeing = recent[len(recent) - self.max_requests]
            return max(
                (freeing + timedelta(seconds=self.window_seconds) - now).total_seconds(), 0.001
            )

        recent.append(now)
        cr.execute(
            "UPDATE fortnox_rate_limit SET sent_at = %s WHERE backend_id = %s",
            [recent, self.backend_id],
        )
        return 0.0
