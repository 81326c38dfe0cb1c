import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..clients.errors import FixCredentialsError, FixRequestError, RetryLaterError
from .fortnox_backend import FortnoxReconnectNeeded
from .ongoing_binding_mixin import MAX_AUTOMATIC_ATTEMPTS, retry_delay
from .remote_error_text import remote_error_text

_logger = logging.getLogger(__name__)

#: States of a queue job that will still run or is running.
LIVE_JOB_STATES = ("wait_dependencies", "pending", "enqueued", "started")

FORTNOX_STATES = [
    ("not_exported", "Not Exported"),
    ("pending", "Pending"),
    ("exported", "Exported"),
    ("failed", "Failed"),
    ("reconnect", "Reconnect Needed"),
]


class FortnoxExportMixin(models.AbstractModel):
    """Export state of a record sent to Fortnox, and the job that sends it.

    A record waiting for its job is pending. The job sends it and records the
    outcome on it. The outcome is exported, failed (with Fortnox's message and
    code) or reconnect needed. A failed record waits until someone fixes the
    cause and sends it again, but a temporary failure is retried after growing
    delays. Each model implements :meth:`_fortnox_backend`,
    :meth:`_fortnox_skip_reason`, :meth:`_fortnox_export` and
    :meth:`_fortnox_mark_exported`.
    """

    _name = "fortnox.export.mixin"
    _description = "Fortnox Export State"

    fortnox_state = fields.Selection(
        FORTNOX_STATES,
        string="Fortnox State",
        default="not_exported",
        required=True,
        index=True,
        readonly=True,
        copy=False,
    )
    fortnox_exported_date = fields.Datetime(string="Exported On", readonly=True, copy=False)
    fortnox_error = fields.Text(string="Fortnox Error", readonly=True, copy=False)
    fortnox_error_code = fields.Char(string="Fortnox Error Code", readonly=True, copy=False)
    fortnox_error_date = fields.Datetime(string="Fortnox Error Time", readonly=True, copy=False)
    fortnox_retryable = fields.Boolean(
        string="Temporary Fortnox Error",
        readonly=True,
        copy=False,
        help="The last error came from Fortnox being unavailable; the record is sent again "
        "automatically.",
    )
    fortnox_attempts = fields.Integer(
        string="Failed Fortnox Attempts",
        readonly=True,
        copy=False,
        help="Failed attempts in a row since the last successful export.",
    )
    fortnox_next_attempt = fields.Datetime(string="Next Fortnox Attempt", readonly=True, copy=False)
    fortnox_job_alive = fields.Boolean(
        string="Fortnox Job Waiting",
        compute="_compute_fortnox_job_alive",
        help="A queue job that sends the record is waiting or running. A pending record "
        "without one was left by a job that failed or was cancelled, and can be sent again.",
    )

    def _compute_fortnox_job_alive(self):
        records = self.filtered(lambda record: isinstance(record.id, int))
        keys = {record._fortnox_job_identity(): record for record in records}
        jobs = (
            self.env["queue.job"]
            .sudo()
            .search([("identity_key", "in", list(keys)), ("state", "in", LIVE_JOB_STATES)])
        )
        alive = set(jobs.mapped("identity_key"))
        for record in self:
            record.fortnox_job_alive = record in records and record._fortnox_job_identity() in alive

    # ------------------------------------------------------------------
    # What each model provides
    # ------------------------------------------------------------------

    def _fortnox_backend(self):
        """Return the Fortnox connection the record is sent through (empty when there is none)."""
        return self.env["fortnox.backend"]._fortnox_backend_for(self.company_id)

    def _fortnox_skip_reason(self):
        """Return why the record needs no export now (recording it), or None."""
        return None

    def _fortnox_export(self, backend, client):
        """Send the record with ``client``; return what :meth:`_fortnox_mark_exported` takes.

        It may run twice for one export (see ``fortnox.backend._fortnox_run``),
        so it must find what an earlier run created instead of creating it again.
        """
        raise NotImplementedError

    def _fortnox_mark_exported(self, result):
        """Record the successful export of ``result``; return a message for the job's result."""
        raise NotImplementedError

    def _fortnox_job_identity(self):
        self.ensure_one()
        return f"fortnox-export:{self._name}:{self.id}"

    def _fortnox_job_description(self):
        return _("Send %(record)s to Fortnox", record=self.display_name)

    # ------------------------------------------------------------------
    # Jobs
    # ------------------------------------------------------------------

    def _fortnox_enqueue_export(self, eta=None):
        """Queue the export job, unless one for the same record is already waiting."""
        self.ensure_one()
        backend = self._fortnox_backend()
        # As superuser, like the Ongoing jobs: the user who posts or presses a button only
        # triggers the export.
        return (
            self.sudo()
            .with_delay(
                channel=backend._get_job_channel(),
                identity_key=self._fortnox_job_identity(),
                description=self._fortnox_job_description(),
                eta=eta,
                max_retries=3,
            )
            ._fortnox_run_export()
        )

    def _fortnox_schedule_export(self):
        """Mark the records pending and queue one export job each."""
        self.sudo().write({"fortnox_state": "pending", "fortnox_next_attempt": False})
        for record in self:
            record._fortnox_enqueue_export()

    def _fortnox_send_again(self):
        """Queue the records again at once, with a fresh count of attempts."""
        self.sudo().write({"fortnox_attempts": 0})
        # A retry already waiting for its time is brought forward instead of doubled.
        self.env["queue.job"].sudo().search(
            [
                ("identity_key", "in", [record._fortnox_job_identity() for record in self]),
                ("state", "=", "pending"),
                ("eta", "!=", False),
            ]
        ).write({"eta": False})
        self._fortnox_schedule_export()

    @api.model
    def _fortnox_due_domain(self, stale_minutes=15):
        """Return the domain of records the cron queues.

        Those are pending records whose job was lost, and temporary failures
        whose next attempt has come.
        """
        now = fields.Datetime.now()
        stale = now - timedelta(minutes=stale_minutes)
        return [
            "|",
            "&",
            ("fortnox_state", "=", "pending"),
            ("write_date", "<", stale),
            "&",
            "&",
            ("fortnox_state", "=", "failed"),
            ("fortnox_retryable", "=", True),
            "|",
            ("fortnox_next_attempt", "=", False),
            ("fortnox_next_attempt", "<=", now),
        ]

    def _fortnox_run_export(self):
        """Job: export each record and record the outcome on it; return a summary."""
        outcomes = [record._fortnox_export_one() for record in self.sudo().exists()]
        return "\n".join(outcomes) or _("The records were deleted before they could be exported.")

    def _fortnox_export_one(self):
        self.ensure_one()
        skipped = self._fortnox_skip_reason()
        if skipped:
            return skipped
        backend = self._fortnox_backend()
        try:
            if not backend:
                raise UserError(
                    _(
                        "The company %(company)s has no Fortnox connection.",
                        company=self.company_id.display_name,
                    )
                )
            result = backend._fortnox_run(lambda client: self._fortnox_export(backend, client))
        except (RetryLaterError, FixRequestError, UserError, ValidationError) as error:
            return self._fortnox_record_failure(error)
        return self._fortnox_mark_exported(result)

    # ------------------------------------------------------------------
    # Outcomes
    # ------------------------------------------------------------------

    def _fortnox_success_values(self):
        return {
            "fortnox_state": "exported",
            "fortnox_exported_date": fields.Datetime.now(),
            "fortnox_error": False,
            "fortnox_error_code": False,
            "fortnox_error_date": False,
            "fortnox_retryable": False,
            "fortnox_attempts": 0,
            "fortnox_next_attempt": False,
        }

    def _fortnox_record_failure(self, error):
        """Record a failed export by its kind: reconnect, retry later or fix first."""
        # A 401 even with a refreshed token means only a new connection helps.
        if isinstance(error, FortnoxReconnectNeeded) or (
            isinstance(error, FixCredentialsError) and error.status == 401
        ):
            return self._fortnox_mark_reconnect(error)
        if isinstance(error, RetryLaterError):
            return self._fortnox_mark_retry_later(error)
        return self._fortnox_mark_failed(error)

    def _fortnox_error_values(self, error, state, retryable):
        code = getattr(error, "remote_code", None)
        return {
            "fortnox_state": state,
            "fortnox_error": self._fortnox_error_text(error),
            "fortnox_error_code": str(code) if code not in (None, "") else False,
            "fortnox_error_date": fields.Datetime.now(),
            "fortnox_retryable": retryable,
            "fortnox_attempts": self.fortnox_attempts + 1,
            "fortnox_next_attempt": False,
        }

    @api.model
    def _fortnox_error_text(self, error):
        if isinstance(error, (UserError, ValidationError)):
            return str(error.args[0]) if error.args else str(error)
        if isinstance(error, FixRequestError) and error.remote_message:
            return _(
                "Fortnox rejected the request: %(message)s (code %(code)s)",
                message=error.remote_message,
                code=error.remote_code or "-",
            )
        return remote_error_text(self.env, error)

    def _fortnox_mark_failed(self, error):
        """Record a permanent failure: nothing is retried until someone sends it again."""
        values = self._fortnox_error_values(error, "failed", retryable=False)
        _logger.warning(
            "%s %s (id %s): Fortnox export failed: %s",
            self._description,
            self.display_name,
            self.id,
            values["fortnox_error"],
        )
        self.write(values)
        self.message_post(
            body=_("Export to Fortnox failed: %(error)s", error=values["fortnox_error"]),
            subtype_xmlid="mail.mt_note",
        )
        return values["fortnox_error"]

    def _fortnox_mark_reconnect(self, error):
        values = self._fortnox_error_values(error, "reconnect", retryable=False)
        first_time = self.fortnox_state != "reconnect"
        self.write(values)
        if first_time:
            self.message_post(
                body=_(
                    "Not exported to Fortnox: %(error)s It is exported once the connection is "
                    "renewed.",
                    error=values["fortnox_error"],
                ),
                subtype_xmlid="mail.mt_note",
            )
        return values["fortnox_error"]

    def _fortnox_mark_retry_later(self, error):
        """Record a temporary failure and queue the next attempt after a growing delay."""
        values = self._fortnox_error_values(error, "failed", retryable=True)
        attempts = values["fortnox_attempts"]
        if attempts < MAX_AUTOMATIC_ATTEMPTS:
            values["fortnox_next_attempt"] = fields.Datetime.now() + timedelta(
                seconds=retry_delay(attempts, getattr(error, "retry_after", None))
            )
        self.write(values)
        if values["fortnox_next_attempt"]:
            self._fortnox_enqueue_export(eta=values["fortnox_next_attempt"])
            _logger.info(
                "%s %s: Fortnox unavailable (%s); attempt %s failed, next at %s",
                self._description,
                self.display_name,
                values["fortnox_error"],
                attempts,
                values["fortnox_next_attempt"],
            )
        else:
            _logger.warning(
                "%s %s: Fortnox unavailable after %s attempts, left to the cron: %s",
                self._description,
                self.display_name,
                attempts,
                values["fortnox_error"],
            )
        if attempts == 1 or not values["fortnox_next_attempt"]:
            self.message_post(
                body=_(
                    "Fortnox could not take it now: %(error)s It is sent again automatically.",
                    error=values["fortnox_error"],
                ),
                subtype_xmlid="mail.mt_note",
            )
        return values["fortnox_error"]

    @api.model
    def _fortnox_resume_blocked(self, backend):
        """Queue again the records that waited for the connection to be renewed."""
        blocked = self.sudo().search(
            [("company_id", "=", backend.company_id.id), ("fortnox_state", "=", "reconnect")]
        )
        blocked.write({"fortnox_attempts": 0})
        blocked._fortnox_schedule_export()
        return blocked
