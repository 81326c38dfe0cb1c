from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .ongoing_binding_mixin import SYNC_STATES


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    ongoing_order_id = fields.Many2one(
        "ongoing.order",
        string="Ongoing Purchase Order",
        compute="_compute_ongoing_order",
        help="The purchase order in Ongoing WMS that announces this order's goods to the "
        "warehouse.",
    )
    ongoing_sync_state = fields.Selection(
        SYNC_STATES, string="Ongoing State", compute="_compute_ongoing_order"
    )
    ongoing_status = fields.Char(string="Ongoing Status", compute="_compute_ongoing_order")
    ongoing_sync_error = fields.Text(string="Ongoing Error", compute="_compute_ongoing_order")
    ongoing_import_error = fields.Text(
        string="Ongoing Booking Problem", compute="_compute_ongoing_order"
    )
    ongoing_managed = fields.Boolean(
        string="Received by Ongoing WMS",
        compute="_compute_ongoing_order",
        help="The goods arrive in a warehouse run on Ongoing WMS, which books the receipts.",
    )

    @api.depends("picking_ids.ongoing_order_id", "picking_type_id")
    def _compute_ongoing_order(self):
        # Buyers see the state without access to the bindings themselves.
        for order in self:
            binding = order.picking_ids.sudo().ongoing_order_id.filtered(
                lambda binding: binding.order_type == "purchase"
            )[:1]
            order.ongoing_order_id = binding
            order.ongoing_sync_state = binding.sync_state
            order.ongoing_status = binding.remote_status_text
            order.ongoing_sync_error = binding.sync_error
            order.ongoing_import_error = binding.import_error
            order.ongoing_managed = bool(
                binding
                or self.env["ongoing.backend"]
                .sudo()
                .search_count([("warehouse_id", "=", order.picking_type_id.warehouse_id.id)])
            )

    def _ongoing_open_receipts(self):
        return self.picking_ids.filtered(
            lambda picking: (
                picking.state not in ("done", "cancel") and picking.picking_type_code == "incoming"
            )
        )

    def action_ongoing_send(self):
        """Button: announce the open receipts to Ongoing now, or send their changes again."""
        receipts = self._ongoing_open_receipts()
        if not receipts:
            raise UserError(_("The purchase order has no open receipt to send to Ongoing WMS."))
        return receipts.action_ongoing_send()

    def action_ongoing_refresh(self):
        """Button: read what Ongoing received (in the background)."""
        return self.picking_ids.action_ongoing_refresh()

    def button_cancel(self):
        # Odoo cancels the receipt's moves before the receipt itself, which then looks
        # cancelled already. So Ongoing is asked first, and its refusal stops everything.
        if not self.env.context.get("ongoing_skip_remote_cancel"):
            for receipt in self._ongoing_open_receipts().filtered("ongoing_order_id"):
                receipt._ongoing_cancel_remote()
        return super(
            PurchaseOrder, self.with_context(ongoing_skip_remote_cancel=True)
        ).button_cancel()
