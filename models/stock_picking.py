import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..clients.errors import FixRequestError, RetryLaterError
from .remote_error_text import remote_error_text

_logger = logging.getLogger(__name__)

# Picking states in which a delivery goes to Ongoing, per backend setting.
READY_STATES = {
    "confirmed": ("confirmed", "waiting", "assigned"),
    "assigned": ("assigned",),
}


class StockPicking(models.Model):
    _inherit = "stock.picking"

    ongoing_order_id = fields.Many2one(
        "ongoing.order",
        string="Ongoing Document",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The Ongoing WMS order, purchase order or return order this transfer belongs to. "
        "Backorders keep it: Ongoing sees one document however often Odoo splits it.",
    )
    ongoing_sync_state = fields.Selection(
        related="ongoing_order_id.sync_state", string="Ongoing State"
    )
    ongoing_sync_error = fields.Text(related="ongoing_order_id.sync_error", string="Ongoing Error")
    ongoing_import_error = fields.Text(
        related="ongoing_order_id.import_error", string="Ongoing Booking Problem"
    )
    ongoing_status = fields.Char(
        related="ongoing_order_id.remote_status_text", string="Ongoing Status"
    )
    ongoing_managed = fields.Boolean(
        string="Handled by Ongoing WMS",
        compute="_compute_ongoing_managed",
        help="The transfer is in a warehouse run on Ongoing WMS, which books it.",
    )

    @api.depends("picking_type_id", "ongoing_order_id")
    def _compute_ongoing_managed(self):
        for picking in self:
            picking.ongoing_managed = bool(picking.ongoing_order_id or picking._ongoing_backend())

    def _ongoing_backend(self):
        """Return the active backend running this transfer's warehouse, if any."""
        self.ensure_one()
        warehouse = self.picking_type_id.warehouse_id
        if not warehouse or self.picking_type_code not in ("incoming", "outgoing"):
            return self.env["ongoing.backend"]
        return (
            self.env["ongoing.backend"]
            .sudo()
            .search([("warehouse_id", "=", warehouse.id)], limit=1)
        )

    def _action_done(self):
        result = super()._action_done()
        done_time = self.env.context.get("ongoing_done_time")
        if done_time:
            self.filtered(lambda picking: picking.state == "done").write({"date_done": done_time})
        return result

    def _create_backorder_picking(self):
        backorder = super()._create_backorder_picking()
        if self.ongoing_order_id:
            backorder.ongoing_order_id = self.ongoing_order_id
        return backorder

    # ------------------------------------------------------------------
    # Deliveries and purchase receipts go to Ongoing when they become ready
    # ------------------------------------------------------------------

    def _ongoing_is_outbound(self):
        self.ensure_one()
        return self.picking_type_code == "outgoing" and not self.return_id

    def _ongoing_is_purchase_receipt(self):
        """Return whether the transfer receives goods bought on a purchase order."""
        self.ensure_one()
        return (
            self.picking_type_code == "incoming"
            and not self.return_id
            and bool(self.purchase_id)
            and self.picking_type_id == self.picking_type_id.warehouse_id.in_type_id
        )

    def _ongoing_document_type(self):
        """Return the type of Ongoing document the transfer is sent as, or False."""
        self.ensure_one()
        if self._ongoing_is_outbound():
            return "outbound"
        if self._ongoing_is_purchase_receipt():
            return "purchase"
        return False

    def _ongoing_is_ready(self, backend, document_type):
        """Return whether the transfer has reached the state in which it goes to Ongoing."""
        self.ensure_one()
        if document_type == "outbound":
            return self.state in READY_STATES[backend.order_trigger]
        # The warehouse needs the expected delivery as soon as the goods are ordered.
        return self.state in READY_STATES["confirmed"]

    def _ongoing_document_name(self, document_type):
        """Return the number the transfer's document has in Ongoing."""
        self.ensure_one()
        if document_type == "purchase":
            return self.purchase_id.name
        return self.name

    def _ongoing_schedule_if_ready(self):
        """Send transfers that reached their backend's trigger state and were never sent."""
        for picking in self:
            if picking.ongoing_order_id:
                continue
            document_type = picking._ongoing_document_type()
            if not document_type:
                continue
            backend = picking._ongoing_backend()
            if not backend or not picking._ongoing_is_ready(backend, document_type):
                continue
            if not picking.move_ids.filtered(lambda move: move.product_id.is_storable):
                continue
            order_model = self.env["ongoing.order"].sudo()
            values = {
                "backend_id": backend.id,
                "order_type": document_type,
                "name": picking._ongoing_document_name(document_type),
            }
            # A purchase order whose receipts were all done gets a new receipt when a line is
            # added; Ongoing keeps one purchase order per number, so the binding is shared.
            binding = order_model.search(
                [(key, "=", value) for key, value in values.items()], limit=1
            ) or order_model.create(values)
            picking.sudo().ongoing_order_id = binding
            binding._ongoing_schedule_export()

    def _ongoing_sent_document_type(self):
        """Return the type of the Ongoing document the transfer was sent as, or False."""
        self.ensure_one()
        return self._ongoing_document_type()

    def _ongoing_resend_if_changed(self, document_types=("outbound", "purchase", "return")):
        """Send changed transfers again; Ongoing rejects the change once it has started."""
        if self.env.context.get("ongoing_booking") or self.env.context.get(
            "ongoing_manual_confirmed"
        ):
            return
        # Salespeople and buyers change orders without access to the bindings.
        changed = self.sudo().filtered(
            lambda picking: (
                picking.ongoing_order_id
                and picking.state not in ("draft", "done", "cancel")
                and picking._ongoing_sent_document_type() in document_types
            )
        )
        for binding in changed.ongoing_order_id:
            if binding.sync_state != "never":
                binding._ongoing_schedule_export()

    def action_ongoing_send(self):
        """Button: send the transfer to Ongoing now (creating its order if needed)."""
        self.check_access("write")
        unsent = self.filtered(lambda picking: not picking.ongoing_order_id)
        unsent._ongoing_schedule_if_ready()
        not_ready = unsent.filtered(lambda picking: not picking.ongoing_order_id)
        if not_ready:
            raise UserError(
                _(
                    "%(pickings)s cannot go to Ongoing WMS yet: only ready transfers of a "
                    "warehouse run on Ongoing are sent.",
                    pickings=", ".join(not_ready.mapped("display_name")),
                )
            )
        (self - unsent).ongoing_order_id.sudo().action_ongoing_send()
        return True

    def action_ongoing_refresh(self):
        """Button: read the transfer's state from Ongoing now (in the background)."""
        for binding in self.ongoing_order_id.filtered("remote_id"):
            binding.backend_id._ongoing_schedule_sync(
                binding.order_type, remote_id=binding.remote_id, remote_number=binding.name
            )
        return True

    # ------------------------------------------------------------------
    # Cancelling asks Ongoing first
    # ------------------------------------------------------------------

    def action_cancel(self):
        if not self.env.context.get("ongoing_skip_remote_cancel"):
            for picking in self.filtered(lambda p: p.state not in ("done", "cancel")):
                picking._ongoing_cancel_remote()
        return super().action_cancel()

    def _ongoing_cancel_remote(self):
        """Cancel the transfer's document in Ongoing; raise UserError when Ongoing refuses."""
        self.ensure_one()
        binding = self.ongoing_order_id.sudo()
        if not binding:
            return
        others = binding._ongoing_open_pickings() - self
        if others:
            return
        if not binding.remote_id:
            # Never reached Ongoing: the waiting export finds nothing open and stops.
            binding.write({"sync_state": "synced", "sync_error": False})
            return

        force = self.env.context.get("ongoing_force_cancel")
        try:
            binding._ongoing_cancel_in_wms()
        except (FixRequestError, RetryLaterError, UserError) as error:
            reason = remote_error_text(self.env, error)
            if not force:
                raise UserError(
                    _(
                        "Ongoing WMS did not cancel %(document)s, so %(picking)s stays open: "
                        "%(reason)s\nA manager can force the cancellation in Odoo and cancel "
                        "it in Ongoing WMS by hand.",
                        document=binding.display_name,
                        picking=self.display_name,
                        reason=reason,
                    )
                ) from error
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Cancel %(document)s in Ongoing WMS", document=binding.display_name),
                note=_(
                    "The transfer was cancelled in Odoo only; Ongoing WMS answered: %(reason)s",
                    reason=reason,
                ),
                user_id=self.env.user.id,
            )
            self.message_post(
                body=_(
                    "Cancelled in Odoo only, by %(user)s; cancel it in Ongoing WMS by hand.",
                    user=self.env.user.name,
                )
            )
            return
        self.message_post(
            body=_("Cancelled in Ongoing WMS as %(document)s.", document=binding.display_name),
            subtype_xmlid="mail.mt_note",
        )

    def action_ongoing_force_cancel(self):
        """Button (managers): cancel in Odoo even when Ongoing refuses or is unreachable."""
        if not self.env.user.has_group("ongoing_fortnox_sync.group_ongoing_fortnox_manager"):
            raise UserError(_("Only an Ongoing/Fortnox manager may force a cancellation."))
        return self.with_context(ongoing_force_cancel=True).action_cancel()

    # ------------------------------------------------------------------
    # Validating by hand what Ongoing books
    # ------------------------------------------------------------------

    def button_validate(self):
        context = self.env.context
        handled = self.filtered(lambda picking: picking.ongoing_order_id)
        if handled and not (
            context.get("ongoing_booking") or context.get("ongoing_manual_confirmed")
        ):
            return {
                "name": _("Validate in Odoo?"),
                "type": "ir.actions.act_window",
                "res_model": "ongoing.manual.validation",
                "view_mode": "form",
                "target": "new",
                "context": {"default_picking_ids": self.ids},
            }
        result = super().button_validate()
        if context.get("ongoing_manual_confirmed") and result is True:
            handled._ongoing_record_manual_validation()
        return result

    def _ongoing_record_manual_validation(self):
        """Count quantities validated by hand as booked, so Ongoing's report adds nothing twice."""
        for picking in self:
            for move in picking.move_ids.filtered(
                lambda m: m.state == "done" and m.ongoing_line_id
            ):
                move.ongoing_line_id.sudo().booked_qty += move.product_qty
            picking.message_post(
                body=_(
                    "Validated by hand in Odoo by %(user)s, not from Ongoing WMS's report.",
                    user=self.env.user.name,
                )
            )
            _logger.info(
                "Picking %s validated by hand by user %s although Ongoing books it",
                picking.id,
                self.env.uid,
            )
