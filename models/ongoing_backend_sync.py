import logging
from datetime import timedelta

from odoo import _, api, fields, models

from ..clients.errors import FixRequestError, NotFoundError, RetryLaterError
from .ongoing_binding_mixin import MAX_AUTOMATIC_ATTEMPTS, job_retry_error
from .remote_error_text import remote_error_text

_logger = logging.getLogger(__name__)

#: Event states a sync job settles: waiting ones, and failed ones that a new read may resolve.
OPEN_EVENT_STATES = ("queued", "failed")


class OngoingBackend(models.Model):
    """Inbound side: reading Ongoing's state after a webhook or a polling run.

    Every path (webhook, polling cron, resync button) ends in one job per Ongoing
    object, :meth:`_ongoing_run_sync`, keyed by the object so that it is queued
    once however many hints arrive. Each kind of object has a handler
    ``_ongoing_sync_<kind>(remote_id, remote_number)`` that reads the object from
    Ongoing and books what changed; it returns ``(event state, message)``.
    """

    _inherit = "ongoing.backend"

    def _ongoing_schedule_sync(self, kind, remote_id=0, remote_number=""):
        """Queue the job that reads one Ongoing object and books what changed."""
        self.ensure_one()
        key = remote_id or remote_number or "all"
        # The job runs with the rights of the stored recordset. A user's button only asks
        # for the sync, so the booking must not depend on that user's access rights.
        backend = self.sudo()
        return backend.with_delay(
            channel=self._get_job_channel(),
            identity_key=f"ongoing-sync:{self.id}:{kind}:{key}",
            description=_(
                "Read %(kind)s %(key)s from Ongoing WMS", kind=kind, key=remote_number or key
            ),
            # While Ongoing is unavailable the job waits longer after each attempt, and
            # after the last one the polling cron queues the object again.
            max_retries=MAX_AUTOMATIC_ATTEMPTS,
        )._ongoing_run_sync(kind, remote_id or 0, remote_number or "")

    def _ongoing_sync_events(self, kind, remote_id, remote_number):
        """Return the open events of one Ongoing object.

        Failed events are included: they concern the same object, so the
        outcome of reading it again replaces theirs.
        """
        return self.env["ongoing.webhook.event"].search(
            [
                ("backend_id", "=", self.id),
                ("kind", "=", kind),
                ("state", "in", OPEN_EVENT_STATES),
                "|",
                ("remote_id", "=", remote_id or -1),
                ("remote_number", "=", remote_number or False),
            ]
        )

    def _ongoing_run_sync(self, kind, remote_id=0, remote_number=""):
        """Job: read one object's current state from Ongoing and book it; settle its events."""
        self.ensure_one()
        events = self._ongoing_sync_events(kind, remote_id, remote_number)
        handler = getattr(self, f"_ongoing_sync_{kind}", None)
        if handler is None:
            message = _("Events of this kind are not handled.")
            events._mark("ignored", message)
            return message

        try:
            with self.env.cr.savepoint():
                state, message = handler(remote_id, remote_number)
        except NotFoundError as error:
            state, message = (
                "failed",
                _(
                    "Ongoing does not know this object: %(error)s",
                    error=remote_error_text(self.env, error),
                ),
            )
        except RetryLaterError as error:
            retry = job_retry_error(self.env, error)
            _logger.info(
                "Ongoing backend %s: %s %s: %s; tried again in %s s",
                self.id,
                kind,
                remote_id,
                error,
                retry.seconds,
            )
            raise retry from error
        except FixRequestError as error:
            state, message = "failed", remote_error_text(self.env, error)

        if state == "failed":
            _logger.warning(
                "Ongoing backend %s: %s %s %s not booked: %s",
                self.id,
                kind,
                remote_id,
                remote_number,
                message,
            )
        events._mark(state, message)
        return message

    def _ongoing_run_sync_failed(self, job):
        """Fail the events of a sync job that stopped on an error, with the reason.

        Called when the job is stored as failed: after an error the job did not
        expect, or after its last attempt while Ongoing was unavailable.
        """
        kind, remote_id, remote_number = [*job.args, 0, ""][:3]
        events = self._ongoing_sync_events(kind, remote_id, remote_number)
        message = _(
            "Reading %(kind)s %(key)s from Ongoing WMS failed after %(attempts)s attempt(s): "
            "%(error)s Requeue the event, or its job, once the cause is fixed.",
            kind=kind,
            key=remote_number or remote_id,
            attempts=max(job.retry, 1),
            error=job._ongoing_fortnox_failure_text(),
        )
        _logger.warning(
            "Ongoing backend %s: sync job %s failed, %s event(s) failed: %s",
            self.id,
            job.uuid,
            len(events),
            message,
        )
        events._mark("failed", message)

    def _ongoing_booking_outcome(self, binding, summary):
        """Return the event state and message after ``binding`` booked Ongoing's report.

        A booking problem left on the document (nothing booked for a cancelled
        delivery, a row Odoo never sent, ...) fails the event with that reason, so
        the event list shows why a quantity was not booked.
        """
        if binding.import_error:
            return "failed", f"{summary}\n{binding.import_error}"
        return "done", summary

    # ------------------------------------------------------------------
    # Polling, the safety net behind the webhooks
    # ------------------------------------------------------------------

    @api.model
    def _cron_ongoing_poll(self):
        """Cron: ask every active backend for what its webhooks may have missed."""
        for backend in self.search([]):
            try:
                with self.env.cr.savepoint():
                    backend._ongoing_poll()
            except RetryLaterError as error:
                _logger.warning("Ongoing backend %s: polling skipped: %s", backend.id, error)
            except FixRequestError as error:
                _logger.error("Ongoing backend %s: polling failed: %s", backend.id, error)

    def _ongoing_poll(self):
        """Queue a sync job for every object Ongoing has news about.

        Each feature extends this method with its own query (orders with lines to
        report, purchase orders with receipts to report, adjustments since the
        last run).
        """
        self.ensure_one()

    # ------------------------------------------------------------------
    # Requeue, the safety net behind the export jobs
    # ------------------------------------------------------------------

    @api.model
    def _cron_ongoing_requeue_exports(self, stale_minutes=15):
        """Cron: send again what a lost or crashed job left pending or temporarily failed."""
        stale = fields.Datetime.now() - timedelta(minutes=stale_minutes)
        binding_models = self.env.registry["ongoing.binding.mixin"]._inherit_children
        for model_name in binding_models:
            model = self.env[model_name]
            if model._abstract or model._transient:
                continue
            bindings = model.search(
                [
                    ("backend_id.active", "=", True),
                    ("write_date", "<", stale),
                    "|",
                    ("sync_state", "=", "pending"),
                    "&",
                    ("sync_state", "=", "failed"),
                    ("sync_retryable", "=", True),
                ]
            )
            for binding in bindings:
                if binding.sync_next_attempt and binding.sync_next_attempt > stale:
                    continue
                binding._ongoing_enqueue_export()
            if bindings:
                _logger.info("Requeued %s %s export(s) to Ongoing", len(bindings), model_name)
