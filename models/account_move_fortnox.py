import logging

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

_logger = logging.getLogger(__name__)

CUSTOMER_MOVE_TYPES = ("out_invoice", "out_refund")
SUPPLIER_MOVE_TYPES = ("in_invoice", "in_refund")
FORTNOX_MOVE_TYPES = CUSTOMER_MOVE_TYPES + SUPPLIER_MOVE_TYPES


class AccountMove(models.Model):
    """Export of posted invoices to Fortnox.

    Customer invoices and credit notes become Fortnox invoices. Vendor bills
    and refunds become Fortnox supplier invoices when the connection's Export
    Vendor Bills is on. Posting marks an invoice pending and queues one job for
    it in its connection's channel. The job sends the customer or supplier,
    the articles and the invoice, and records the outcome on the invoice (see
    ``fortnox.export.mixin``).
    """

    _name = "account.move"
    _inherit = ["account.move", "fortnox.export.mixin"]

    fortnox_document_number = fields.Char(
        string="Fortnox Invoice Number", readonly=True, copy=False, index=True
    )
    fortnox_booked = fields.Boolean(string="Booked in Fortnox", readonly=True, copy=False)

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

    def _fortnox_is_exportable(self, backend):
        """Return whether the connection ``backend`` sends this kind of invoice to Fortnox."""
        self.ensure_one()
        if self.move_type in CUSTOMER_MOVE_TYPES:
            return True
        return self.move_type in SUPPLIER_MOVE_TYPES and backend.export_vendor_bills

    def _fortnox_to_export_after_post(self):
        """Return the invoices posting sends to Fortnox: those of companies with a connection."""
        to_export = self.env["account.move"]
        for move in self.filtered(lambda m: m.move_type in FORTNOX_MOVE_TYPES):
            backend = move._fortnox_backend()
            if not backend or move.fortnox_state == "exported":
                continue
            if not move._fortnox_is_exportable(backend):
                continue
            if backend.export_start_date and move.invoice_date < backend.export_start_date:
                continue
            to_export |= move
        return to_export

    def _check_draftable(self):
        super()._check_draftable()
        exported = self.filtered("fortnox_document_number")
        if exported and exported[0].move_type in SUPPLIER_MOVE_TYPES:
            raise UserError(
                _(
                    "%(bill)s is in Fortnox as supplier invoice %(number)s, and Fortnox keeps "
                    "it. Register a refund instead of resetting the bill to draft.",
                    bill=exported[0].display_name,
                    number=exported[0].fortnox_document_number,
                )
            )
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
        for move in self:
            backend = move._fortnox_backend()
            if not backend:
                raise UserError(
                    _(
                        "The company %(company)s has no Fortnox connection: add one under "
                        "Invoicing > Configuration > Fortnox.",
                        company=move.company_id.display_name,
                    )
                )
            if (
                move.state != "posted"
                or move.move_type not in FORTNOX_MOVE_TYPES
                or not move._fortnox_is_exportable(backend)
            ):
                raise UserError(
                    _(
                        "Only posted customer invoices and credit notes go to Fortnox, and "
                        "vendor bills and refunds when Export Vendor Bills is on in the Fortnox "
                        "connection; %(move)s is not one.",
                        move=move.display_name,
                    )
                )
        moves = self.filtered(lambda m: m.fortnox_state != "exported" or not m._fortnox_done())
        moves._fortnox_send_again()
        return True

    def _fortnox_job_identity(self):
        self.ensure_one()
        return f"fortnox-invoice-export:{self.id}"

    def _fortnox_job_description(self):
        return _("Export %(invoice)s to Fortnox", invoice=self.display_name)

    @api.model
    def _fortnox_resume_blocked(self, backend):
        blocked = super()._fortnox_resume_blocked(backend)
        self.env["fortnox.voucher"]._fortnox_resume_blocked(backend)
        return blocked

    @api.model
    def _cron_fortnox_export(self, stale_minutes=15):
        """Cron: queue what is pending without a job, and temporary failures whose time has come."""
        moves = self.sudo().search(
            [
                ("move_type", "in", FORTNOX_MOVE_TYPES),
                ("state", "=", "posted"),
                *self._fortnox_due_domain(stale_minutes),
            ]
        )
        queued = self.browse()
        for move in moves:
            backend = move._fortnox_backend()
            if backend and move._fortnox_is_exportable(backend):
                move._fortnox_enqueue_export()
                queued |= move
        if queued:
            _logger.info("Queued %s invoice export(s) to Fortnox", len(queued))
        return queued

    # ------------------------------------------------------------------
    # Job
    # ------------------------------------------------------------------

    def _fortnox_done(self):
        """Return whether Fortnox has everything: the invoice, and its booking when asked for."""
        if self.move_type in SUPPLIER_MOVE_TYPES:
            return bool(self.fortnox_document_number)
        backend = self._fortnox_backend()
        return bool(self.fortnox_document_number) and (
            self.fortnox_booked or not backend.bookkeep_invoices
        )

    def _fortnox_skip_reason(self):
        backend = self._fortnox_backend()
        if (
            self.state != "posted"
            or self.move_type not in FORTNOX_MOVE_TYPES
            or (backend and not self._fortnox_is_exportable(backend))
        ):
            self.write({"fortnox_state": "not_exported", "fortnox_next_attempt": False})
            return _(
                "%(invoice)s is not posted, or not sent to Fortnox; nothing was exported.",
                invoice=self.display_name,
            )
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
        number: a create whose response was lost is not repeated. Vendor
        bills go to :meth:`_fortnox_export_supplier_invoice`.
        """
        self.ensure_one()
        if self.move_type in SUPPLIER_MOVE_TYPES:
            return self._fortnox_export_supplier_invoice(backend, client)
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
        if self.move_type in SUPPLIER_MOVE_TYPES:
            return self._fortnox_mark_supplier_invoice_exported(invoice)
        number = str(invoice["DocumentNumber"])
        self.write(
            {
                **self._fortnox_success_values(),
                "fortnox_document_number": number,
                "fortnox_booked": bool(invoice.get("Booked")),
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
