"""Outcome hooks of the addon's queue jobs: reasons of failures, closing of stale failures.

queue_job marks a job failed and stops there. The addon's jobs are keyed by
record (``identity_key``), so two rules apply to them:

* When a job fails on an error its method does not handle, the record it
  concerns shows the reason. A model opts in with a method named after the
  job method plus ``_failed`` (``_ongoing_run_sync_failed(job)``), which runs
  in the transaction that stores the failure.
* When a job is done, the earlier failed jobs with the same identity key are
  set done with a note, keeping their traceback. The newer job recorded the
  record's current outcome, so a stale failure is no longer work for anyone,
  and the failed jobs list keeps only what still needs a person.

NOTE: queue_job's runner marks a job failed by SQL when it finds the job dead
after too many retries, which these hooks do not see.
"""

import logging
from contextlib import contextmanager

from odoo import _, fields, models

_logger = logging.getLogger(__name__)

#: Identity keys of the jobs the rules apply to.
IDENTITY_PREFIXES = ("ongoing-", "fortnox-")
#: Maximum wait for a row lock while a failure is shown on its records (PostgreSQL interval).
FAILURE_LOCK_TIMEOUT = "10s"


class QueueJob(models.Model):
    _inherit = "queue.job"

    def write(self, vals):
        result = super().write(vals)
        if self.env.context.get("ongoing_fortnox_job_outcome"):
            return result
        ours = self.filtered(
            lambda job: job.identity_key and job.identity_key.startswith(IDENTITY_PREFIXES)
        )
        if vals.get("state") == "done":
            ours._ongoing_fortnox_close_superseded()
        elif vals.get("state") == "failed":
            ours._ongoing_fortnox_report_failure()
        return result

    def _ongoing_fortnox_close_superseded(self):
        """Set done the failed jobs older than these with the same identity key."""
        for job in self:
            superseded = self.sudo().search(
                [
                    ("identity_key", "=", job.identity_key),
                    ("state", "=", "failed"),
                    ("id", "<", job.id),
                ]
            )
            if not superseded:
                continue
            note = _(
                "Superseded: the later job %(uuid)s for the same record finished on "
                "%(date)s, and the record shows its current state.",
                uuid=job.uuid,
                date=fields.Datetime.to_string(job.date_done or fields.Datetime.now()),
            )
            superseded.with_context(
                _job_edit_sentinel=self.EDIT_SENTINEL, ongoing_fortnox_job_outcome=True
            ).write({"state": "done", "date_done": fields.Datetime.now(), "result": note})
            _logger.info(
                "Queue jobs %s (%s) set done: superseded by job %s",
                superseded.mapped("uuid"),
                job.identity_key,
                job.uuid,
            )

    def _ongoing_fortnox_report_failure(self):
        """Let the records of each failed job show why it failed."""
        for job in self:
            records = job.records.sudo().exists()
            handler = getattr(records, f"{job.method_name}_failed", None)
            if not records or handler is None:
                continue
            # The failure itself must be stored even when showing it on the record fails.
            try:
                with self._ongoing_fortnox_lock_timeout(), self.env.cr.savepoint():
                    handler(job)
            except Exception:  # see the comment above
                _logger.exception(
                    "Queue job %s failed, and its failure could not be shown on %s",
                    job.uuid,
                    records,
                )

    @contextmanager
    def _ongoing_fortnox_lock_timeout(self):
        """Bound the wait for row locks while a failure is shown on its records.

        queue_job stores a failure in a new transaction while the failed job's
        own transaction is still open, so a row that the job locked would make
        the handler wait for ever.
        """
        cr = self.env.cr
        cr.execute("SELECT current_setting('lock_timeout')")
        previous = cr.fetchone()[0]
        cr.execute("SELECT set_config('lock_timeout', %s, true)", [FAILURE_LOCK_TIMEOUT])
        try:
            yield
        finally:
            cr.execute("SELECT set_config('lock_timeout', %s, true)", [previous])

    def _ongoing_fortnox_failure_text(self):
        """Return the reason of the job's failure in one line, for a record's message."""
        self.ensure_one()
        text = str(self.exc_message or self.exc_name or "").strip()
        return text.splitlines()[0] if text else _("unknown error")
