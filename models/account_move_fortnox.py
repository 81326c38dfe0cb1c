import logging
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..clients.errors import FixCredentialsError, FixRequestError, RetryLaterError
from .fortnox_backend import FortnoxReconnectNeeded
from .ongoing_binding_mixin import MAX_AUTOMATIC_ATTEMPTS, retry_delay

_logger = logging.getLogger(__name__)

FORTNOX_STATES = [
    ("not_exported", "Not Exported"),
    ("pending", "Pending"),
    ("exported", "Exported"),
    ("failed", "Failed"),
    ("reconnect", "Reconnect Needed"),
]
FORTNOX_MOVE_TYPES = ("out_invoice", "out_refund")


class AccountMove(models.Model):
    """Export of posted customer invoices and credit notes to Fortnox.

    Posting marks an invoice pending and queues one job for it in its
    connection's channel. The job sends the customer, the articles and the
    invoice, and records the outcome on the invoice. The outcome is exported
    (with Fortnox's document number), failed (with Fortnox's message and code)
    or reconnect needed. A failed invoice waits until someone fixes the cause
    and presses Export to Fortnox, but a temporary failure is retried after
    growing delays.
    """

    _inherit = "account.move"

    fortnox_state = fields.Selection(
        FORTNOX_STATES,
        string="Fortnox State",
        default="not_exported",
        required=True,
        index=True,
        readonly=True,
        copy=False,
    )
    fortnox_document_number = fields.Char(
        string="Fortnox Invoice Number", readonly=True, copy=False, index=True
    )
    fortnox_booked = fields.Boolean(string="Booked in Fortnox", readonly=True, copy=False)
    fortnox_exported_date = fields.Datetime(string="Exported On", readonly=True, copy=False)
    fortnox_error = fields.Text(string="Fortnox Error", readonly=True, copy=False)
    fortnox_error_code = fields.Char(string="Fortnox Error Code", readonly=True, copy=False)
    fortnox_error_date = fields.Datetime(string="Fortnox Error Time", readonly=True, copy=False)
    fortnox_retryable = fields.Boolean(
        string="Temporary Fortnox Error",
        readonly=True,
        copy=False,
        help="The last error came from Fortnox being unavailable; the invoice is sent again "
        "automatically.",
    )
    fortnox_attempts = fields.Integer(
        string="Failed Fortnox Attempts",
        readonly=True,
        copy=False,
        help="Failed attempts in a row since the last successful export.",
    )
    fortnox_next_attempt = fields.Datetime(string="Next Fortnox Attempt", readonly=True, copy=False)

    # ------------------------------------------------------------------
    # Triggers
    # ------------------------------------------------------------------

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # No error of the Fortnox export reaches the caller of posting. The export is a
        # job of its own, and an invoice whose job could not be queued stays pending
        # for the cron.
        try:
            with self.env.cr.savepoint():
                to_export = posted._fortnox_to_export_after_post()
                to_export.sudo().write({"fortnox_state": "pending", "fortnox_next_attempt": False})
        except Exception:  # see the comment above
            _logger.exception("Invoices %s: the Fortnox export could not be prepared", posted.ids)
            return posted
        for move in to_export:
            try:
                with self.env.cr.savepoint():
                    move._fortnox_enqueue_export()
            except Exception:  # see the comment above
                _logger.exception(
                    "Invoice %s: the Fortnox export job could not be queued, so the cron will",
                    move.id,
                )
        return posted

    def _fortnox_to_export_after_post(self):
        """Return the invoices posting sends to Fortnox: those of companies with a connection."""
        to_export = self.env["account.move"]
        for move in self.filtered(lambda m: m.move_type in FORTNOX_MOVE_TYPES):
            backend = self.env["fortnox.backend"]._fortnox_backend_for(move.company_id)
            if not backend or move.fortnox_state == "exported":
                continue
            if backend.export_start_date and move.invoice_date < backend.export_start_date:
                continue
            to_export |= move
        return to_export

    def _check_draftable(self):
        super()._check_draftable()
        exported = self.filtered("fortnox_document_number")
        if exported:
            raise UserError(
                _(
                    "%(invoice)s is in Fortnox as invoice %(number)s, and Fortnox keeps it. "
                    "Issue a credit note instead of resetting the invoice to draft.",
                    invoice=exported[0].display_name,
                    number=exported[0].fortnox_document_number,
                )
            )

    def action_fortnox_export(self):
        """Button: export the invoices to Fortnox again, in the background, as soon as possible."""
        if not self.env.user.has_group("ongoing_fortnox_sync.group_ongoing_fortnox_user"):
            raise AccessError(_("Only Fortnox users may export invoices to Fortnox."))
        self.check_access("write")
        invalid = self.filtered(
            lambda m: m.state != "posted" or m.move_type not in FORTNOX_MOVE_TYPES
        )
        if invalid:
            raise UserError(
                _(
                    "Only posted customer invoices and credit notes go to Fortnox; "
                    "%(move)s is not one.",
                    move=invalid[0].display_name,
                )
            )
        for move in self:
            if not self.env["fortnox.backend"]._fortnox_backend_for(move.company_id):
                raise UserError(
                    _(
                        "The company %(company)s has no Fortnox connection: add one under "
                        "Accounting > Configuration > Fortnox.",
                        company=move.company_id.display_name,
                    )
                )
        moves = self.filtered(lambda m: m.fortnox_state != "exported" or not m._fortnox_done())
        moves.sudo().write({"fortnox_attempts": 0})
        # A retry already waiting for its time is brought forward instead of doubled.
        self.env["queue.job"].sudo().search(
            [
                ("identity_key", "in", [move._fortnox_job_identity() for move in moves]),
                ("state", "=", "pending"),
                ("eta", "!=", False),
            ]
        ).write({"eta": False})
        moves._fortnox_schedule_export()
        return True

    def _fortnox_schedule_export(self):
        """Mark the invoices pending and queue one export job each."""
        self.sudo().write({"fortnox_state": "pending", "fortnox_next_attempt": False})
        for move in self:
            move._fortnox_enqueue_export()

    def _fortnox_job_identity(self):
        self.ensure_one()
        return f"fortnox-invoice-export:{self.id}"

    def _fortnox_enqueue_export(self, eta=None):
        """Queue the export job, unless one for the same invoice is already waiting."""
        self.ensure_one()
        backend = self.env["fortnox.backend"]._fortnox_backend_for(self.company_id)
        # As superuser, like the Ongoing jobs: the accountant who posts only triggers it.
        move = self.sudo()
        return move.with_delay(
            channel=backend._get_job_channel(),
            identity_key=self._fortnox_job_identity(),
            description=_("Export %(invoice)s to Fortnox", invoice=self.display_name),
            eta=eta,
            max_retries=3,
        )._fortnox_run_export()

    @api.model
    def _fortnox_resume_blocked(self, backend):
        """Queue again the invoices that waited for the connection to be renewed."""
        blocked = self.sudo().search(
            [("company_id", "=", backend.company_id.id), ("fortnox_state", "=", "reconnect")]
        )
        blocked.write({"fortnox_attempts": 0})
        blocked._fortnox_schedule_export()
        return blocked

    @api.model
    def _cron_fortnox_export(self, stale_minutes=15):
        """Cron: queue what is pending without a job, and temporary failures whose time has come."""
        now = fields.Datetime.now()
        stale = now - timedelta(minutes=stale_minutes)
        moves = self.sudo().search(
            [
                ("move_type", "in", FORTNOX_MOVE_TYPES),
                ("state", "=", "posted"),
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
        )
        for move in moves:
            if self.env["fortnox.backend"]._fortnox_backend_for(move.company_id):
                move._fortnox_enqueue_export()
        if moves:
            _logger.info("Queued %s invoice export(s) to Fortnox", len(moves))
        return moves

    # ------------------------------------------------------------------
    # Job
    # ------------------------------------------------------------------

    def _fortnox_run_export(self):
        """Job: export each invoice and record the outcome on it; return a summary."""
        outcomes = [move._fortnox_export_one() for move in self.sudo().exists()]
        return "\n".join(outcomes) or _("The invoices were deleted before they could be exported.")

    def _fortnox_done(self):
        """Return whether Fortnox has everything: the invoice, and its booking when asked for."""
        backend = self.env["fortnox.backend"]._fortnox_backend_for(self.company_id)
        return bool(self.fortnox_document_number) and (
            self.fortnox_booked or not backend.bookkeep_invoices
        )

    def _fortnox_export_one(self):
        self.ensure_one()
        skipped = self._fortnox_skip_reason()
        if skipped:
            return skipped
        backend = self.env["fortnox.backend"]._fortnox_backend_for(self.company_id)
        try:
            if not backend:
                raise UserError(
                    _(
                        "The company %(company)s has no Fortnox connection.",
                        company=self.company_id.display_name,
                    )
                )
            invoice = backend._fortnox_run(lambda client: self._fortnox_export(backend, client))
        except (RetryLaterError, FixRequestError, UserError, ValidationError) as error:
            return self._fortnox_record_failure(error)
        return self._fortnox_mark_exported(invoice)

    def _fortnox_record_failure(self, error):
        """Record a failed export as its kind asks: reconnect, retry later or fix first."""
        # A 401 even with a refreshed token means only a new connection helps.
        if isinstance(error, FortnoxReconnectNeeded) or (
            isinstance(error, FixCredentialsError) and error.status == 401
        ):
            return self._fortnox_mark_reconnect(error)
        if isinstance(error, RetryLaterError):
            return self._fortnox_mark_retry_later(error)
        return self._fortnox_mark_failed(error)

    def _fortnox_skip_reason(self):
        """Return why the invoice needs no export now (recording it), or None."""
        if self.state != "posted" or self.move_type not in FORTNOX_MOVE_TYPES:
            self.write({"fortnox_state": "not_exported", "fortnox_next_attempt": False})
            return _("%(invoice)s is not posted; nothing was exported.", invoice=self.display_name)
        if self._fortnox_done():
            self.write({"fortnox_state": "exported"})
            return _(
                "%(invoice)s was already exported as %(number)s.",
                invoice=self.display_name,
                number=self.fortnox_document_number,
            )
        return None

    def _fortnox_export(self, backend, client):
        """Send the customer, articles and invoice with ``client``; return Fortnox's invoice.

        Each step stores its result at once (customer number, article
        fingerprint, document number), so a failure in a later step leaves
        nothing to send twice. The invoice is first looked up by its Odoo
        number: a create whose response was lost is not repeated.
        """
        self.ensure_one()
        if self.fortnox_document_number:
            invoice = client.get_invoice(self.fortnox_document_number)
        else:
            credited = self._fortnox_credited_number(backend, client)
            customer_number = self.commercial_partner_id._fortnox_sync_customer(
                backend, client, self._fortnox_vat_type(), self._fortnox_customer_currency()
            )
            article_numbers = {}
            if backend.use_articles:
                for product in self.invoice_line_ids.product_id:
                    article_numbers[product] = product._fortnox_sync_article(backend, client)
            payload = self._fortnox_invoice_payload(
                backend, customer_number, article_numbers, credited=credited
            )

            invoice = client.find_invoice_by_external_reference(
                self.name, from_date=self.invoice_date
            )
            if invoice and invoice.get("Cancelled"):
                invoice = None
            if invoice:
                _logger.info(
                    "Invoice %s: found in Fortnox as %s, not created again",
                    self.name,
                    invoice["DocumentNumber"],
                )
            else:
                invoice = client.create_invoice(payload)
            self.write({"fortnox_document_number": str(invoice["DocumentNumber"])})

        if backend.bookkeep_invoices and not invoice.get("Booked"):
            invoice = client.bookkeep_invoice(invoice["DocumentNumber"])
        self.write({"fortnox_booked": bool(invoice.get("Booked"))})
        return invoice

    def _fortnox_credited_number(self, backend, client):
        """Return the Fortnox number of the invoice a credit note reverses, exporting it first."""
        original = self.reversed_entry_id
        if self.move_type != "out_refund" or not original:
            return None
        if not original.fortnox_document_number:
            if original.state != "posted":
                raise UserError(
                    _(
                        "The credit note reverses %(invoice)s, which is not posted, so Fortnox "
                        "has no invoice to credit.",
                        invoice=original.display_name,
                    )
                )
            original._fortnox_mark_exported(original._fortnox_export(backend, client))
        return original.fortnox_document_number

    # ------------------------------------------------------------------
    # Outcomes
    # ------------------------------------------------------------------

    def _fortnox_mark_exported(self, invoice):
        number = str(invoice["DocumentNumber"])
        self.write(
            {
                "fortnox_state": "exported",
                "fortnox_document_number": number,
                "fortnox_booked": bool(invoice.get("Booked")),
                "fortnox_exported_date": fields.Datetime.now(),
                "fortnox_error": False,
                "fortnox_error_code": False,
                "fortnox_error_date": False,
                "fortnox_retryable": False,
                "fortnox_attempts": 0,
                "fortnox_next_attempt": False,
            }
        )
        booked = invoice.get("Booked")
        if invoice.get("Credit"):
            message = (
                _("Exported to Fortnox as credit invoice %(number)s and booked.", number=number)
                if booked
                else _("Exported to Fortnox as credit invoice %(number)s.", number=number)
            )
        else:
            message = (
                _("Exported to Fortnox as invoice %(number)s and booked.", number=number)
                if booked
                else _("Exported to Fortnox as invoice %(number)s.", number=number)
            )
        self.message_post(body=message, subtype_xmlid="mail.mt_note")
        _logger.info("Invoice %s exported to Fortnox as %s", self.name, number)
        return message

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
        return str(error)

    def _fortnox_mark_failed(self, error):
        """Record a permanent failure: nothing is retried until someone presses the button."""
        values = self._fortnox_error_values(error, "failed", retryable=False)
        _logger.warning(
            "Invoice %s (id %s): Fortnox export failed: %s",
            self.name,
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
                    "Not exported to Fortnox: %(error)s The invoice is exported once the "
                    "connection is renewed.",
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
                "Invoice %s: Fortnox unavailable (%s); attempt %s failed, next at %s",
                self.name,
                values["fortnox_error"],
                attempts,
                values["fortnox_next_attempt"],
            )
        else:
            _logger.warning(
                "Invoice %s: Fortnox unavailable after %s attempts, left to the cron: %s",
                self.name,
                attempts,
                values["fortnox_error"],
            )
        if attempts == 1 or not values["fortnox_next_attempt"]:
            self.message_post(
                body=_(
                    "Fortnox could not take the invoice now: %(error)s It is sent again "
                    "automatically.",
                    error=values["fortnox_error"],
                ),
                subtype_xmlid="mail.mt_note",
            )
        return values["fortnox_error"]
