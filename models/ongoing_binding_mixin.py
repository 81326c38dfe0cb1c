import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from odoo.addons.queue_job.exception import RetryableJobError

from ..clients.errors import FixRequestError, RetryLaterError
from .remote_error_text import remote_error_text

_logger = logging.getLogger(__name__)

# Seconds before the next attempt after the n-th failed one (the last value repeats).
RETRY_DELAYS = (30, 60, 120, 300, 600, 1200, 1800, 3600)
# After this many failed attempts in a row, automatic retries stop until the
# hourly cron or a user sends the record again.
MAX_AUTOMATIC_ATTEMPTS = 12

SYNC_STATES = [
    ("never", "Never Sent"),
    ("pending", "Pending"),
    ("synced", "Synced"),
    ("failed", "Failed"),
]


def retry_delay(attempt, retry_after=None):
    """Return the seconds to wait before attempt number ``attempt + 1``."""
    delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS)) - 1] if attempt > 0 else RETRY_DELAYS[0]
    if retry_after:
        delay = max(delay, int(retry_after) + 1)
    return delay


def job_retry_error(env, error, minimum=0):
    """Return the RetryableJobError that postpones the running job by a growing delay.

    The delay is :func:`retry_delay` of the job's attempt number (at least
    ``minimum`` seconds), so an outage costs a few attempts an hour instead of
    one a minute. The job must be queued with ``max_retries`` set, because
    queue_job counts the attempts only then. Outside a job the attempt is the first.
    """
    attempt = 1
    uuid = env.context.get("job_uuid")
    if uuid:
        job = env["queue.job"].sudo().search([("uuid", "=", uuid)], limit=1)
        # queue_job stores the count of the attempts before this one.
        attempt = job.retry + 1
    seconds = max(minimum, retry_delay(attempt, getattr(error, "retry_after", None)))
    return RetryableJobError(str(error), seconds=seconds)


class OngoingBindingMixin(models.AbstractModel):
    """Link between an Odoo record and its copy in Ongoing WMS, with an explicit sync state.

    ``sync_state`` is never sent, pending (a job will send it), synced (Ongoing holds
    the current version) or failed (with the error, its time, and whether it is
    worth retrying unchanged). Models that use it implement :meth:`_ongoing_export`.
    """

    _name = "ongoing.binding.mixin"
    _description = "Ongoing WMS Binding"

    backend_id = fields.Many2one(
        "ongoing.backend", required=True, index=True, ondelete="restrict", readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    sync_state = fields.Selection(
        SYNC_STATES,
        string="Ongoing State",
        default="never",
        required=True,
        index=True,
        readonly=True,
        copy=False,
    )
    sync_date = fields.Datetime(string="Last Sent", readonly=True, copy=False)
    sync_error = fields.Text(string="Ongoing Error", readonly=True, copy=False)
    sync_error_date = fields.Datetime(string="Error Time", readonly=True, copy=False)
    sync_retryable = fields.Boolean(
        string="Temporary Error",
        readonly=True,
        copy=False,
        help="The last error came from Ongoing being unavailable; the record is sent again "
        "automatically.",
    )
    sync_attempts = fields.Integer(
        string="Failed Attempts",
        readonly=True,
        copy=False,
        help="Failed attempts in a row since the last successful send.",
    )
    sync_next_attempt = fields.Datetime(string="Next Attempt", readonly=True, copy=False)

    # ------------------------------------------------------------------
    # Scheduling
    # ------------------------------------------------------------------

    def _ongoing_job_identity(self):
        self.ensure_one()
        return f"ongoing-export:{self._name}:{self.id}"

    def _ongoing_job_description(self):
        self.ensure_one()
        return _("Send %(record)s to Ongoing WMS", record=self.display_name)

    def _ongoing_schedule_export(self):
        """Mark the records pending and queue one export job each."""
        self.sudo().write({"sync_state": "pending", "sync_next_attempt": False})
        for binding in self:
            binding._ongoing_enqueue_export()

    def _ongoing_enqueue_export(self, eta=None):
        """Queue the export job, unless one for the same record is already waiting."""
        self.ensure_one()
        # As superuser, so the export does not depend on the rights of the user who
        # changed the record or pressed the button.
        binding = self.sudo()
        return binding.with_delay(
            channel=self.backend_id._get_job_channel(),
            identity_key=self._ongoing_job_identity(),
            description=self._ongoing_job_description(),
            eta=eta,
            max_retries=3,
        )._ongoing_run_export()

    def action_ongoing_send(self):
        """Button: send the records to Ongoing again, in the background, as soon as possible."""
        self.check_access("write")
        self.sudo().write({"sync_attempts": 0})
        # A retry already waiting for its time is brought forward instead of doubled.
        waiting = (
            self.env["queue.job"]
            .sudo()
            .search(
                [
                    ("identity_key", "in", [binding._ongoing_job_identity() for binding in self]),
                    ("state", "=", "pending"),
                    ("eta", "!=", False),
                ]
            )
        )
        waiting.write({"eta": False})
        self._ongoing_schedule_export()
        return True

    # ------------------------------------------------------------------
    # Job body
    # ------------------------------------------------------------------

    def _ongoing_run_export(self):
        """Job: send each record's current state to Ongoing and record the outcome.

        A failure of one record is written on that record and does not stop the others.
        """
        clients = {}
        outcomes = []
        for binding in self.exists():
            outcomes.append(binding._ongoing_export_one(clients))
        return "\n".join(outcomes) or _("The records were deleted before they could be sent.")

    def _ongoing_export_one(self, clients):
        """Export one record with its backend's client (created once per job)."""
        self.ensure_one()
        backend = self.backend_id
        try:
            with self.env.cr.savepoint():
                if backend.id not in clients:
                    clients[backend.id] = backend._get_client()
                result = self._ongoing_export(clients[backend.id])
        except RetryLaterError as error:
            return self._ongoing_mark_retry_later(error)
        except (FixRequestError, UserError, ValidationError) as error:
            return self._ongoing_mark_failed(error)
        self._ongoing_mark_synced()
        return result or _("%(record)s sent.", record=self.display_name)

    def _ongoing_export(self, client):
        """Send the record with ``client``; raise a client error or a UserError on failure."""
        raise NotImplementedError

    def _ongoing_enqueue_export_batch(self, batch_size=100):
        """Queue one job per batch of records, for bulk exports such as a first export."""
        jobs = []
        for backend in self.backend_id:
            bindings = self.filtered(lambda binding, backend=backend: binding.backend_id == backend)
            for start in range(0, len(bindings), batch_size):
                batch = bindings[start : start + batch_size].sudo()
                jobs.append(
                    batch.with_delay(
                        channel=backend._get_job_channel(),
                        description=_(
                            "Send %(count)s %(model)s to Ongoing WMS",
                            count=len(batch),
                            model=self._description,
                        ),
                        max_retries=3,
                    )._ongoing_run_export()
                )
        return jobs

    def _ongoing_mark_synced(self):
        self.sudo().write(
            {
                "sync_state": "synced",
                "sync_date": fields.Datetime.now(),
                "sync_error": False,
                "sync_error_date": False,
                "sync_retryable": False,
                "sync_attempts": 0,
                "sync_next_attempt": False,
            }
        )

    def _ongoing_mark_failed(self, error):
        """Record a permanent failure: nothing is retried until the data changes."""
        message = self._ongoing_error_text(error)
        _logger.warning("%s %s: Ongoing rejected the export: %s", self._name, self.id, message)
        self.sudo().write(
            {
                "sync_state": "failed",
                "sync_error": message,
                "sync_error_date": fields.Datetime.now(),
                "sync_retryable": False,
                "sync_attempts": self.sync_attempts + 1,
                "sync_next_attempt": False,
            }
        )
        self._ongoing_notify_failure(message)
        return message

    def _ongoing_mark_retry_later(self, error):
        """Record a temporary failure and queue the next attempt after a growing delay."""
        message = self._ongoing_error_text(error)
        attempts = self.sync_attempts + 1
        eta = False
        if attempts < MAX_AUTOMATIC_ATTEMPTS:
            eta = fields.Datetime.now() + timedelta(
                seconds=retry_delay(attempts, getattr(error, "retry_after", None))
            )
        self.sudo().write(
            {
                "sync_state": "failed",
                "sync_error": message,
                "sync_error_date": fields.Datetime.now(),
                "sync_retryable": True,
                "sync_attempts": attempts,
                "sync_next_attempt": eta,
            }
        )
        if eta:
            self._ongoing_enqueue_export(eta=eta)
            _logger.info(
                "%s %s: Ongoing unavailable (%s); attempt %s failed, next at %s",
                self._name,
                self.id,
                message,
                attempts,
                eta,
            )
        else:
            _logger.warning(
                "%s %s: Ongoing unavailable after %s attempts, retries left to the cron: %s",
                self._name,
                self.id,
                attempts,
                message,
            )
        return message

    @api.model
    def _ongoing_error_text(self, error):
        if isinstance(error, (UserError, ValidationError)):
            return str(error.args[0]) if error.args else str(error)
        return remote_error_text(self.env, error)

    def _ongoing_notify_failure(self, message):
        """Tell the user where they look; bindings override to post on their document."""
