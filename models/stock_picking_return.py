from odoo import fields, models

# States in which an Odoo return goes to Ongoing as a return order.
RETURN_READY_STATES = ("confirmed", "waiting", "assigned")


class StockPicking(models.Model):
    _inherit = "stock.picking"

    ongoing_return_cause_id = fields.Many2one(
        "ongoing.return.cause",
        string="Return Cause",
        copy=False,
        index="btree_not_null",
        help="Why the customer returns the goods, in Ongoing WMS's terms. Causes marked as "
        "damaged send the goods to the quarantine location.",
    )

    def _ongoing_is_customer_return(self):
        """Return whether the transfer takes back goods of a delivery that went through Ongoing."""
        self.ensure_one()
        return (
            self.picking_type_code == "incoming"
            and bool(self.return_id)
            and self.return_id.ongoing_order_id.order_type == "outbound"
        )

    def _ongoing_schedule_if_ready(self):
        """Send new customer returns as Ongoing return orders, besides the deliveries."""
        super()._ongoing_schedule_if_ready()
        # Returns that Odoo books from Ongoing's own report must not go back to it.
        if self.env.context.get("ongoing_booking"):
            return
        for picking in self:
            if picking.ongoing_order_id or picking.state not in RETURN_READY_STATES:
                continue
            if not picking._ongoing_is_customer_return():
                continue
            origin = picking.return_id.ongoing_order_id
            if picking._ongoing_backend() != origin.backend_id:
                continue
            if not picking.move_ids.filtered(lambda move: move.product_id.is_storable):
                continue
            binding = (
                self.env["ongoing.order"]
                .sudo()
                .create(
                    {
                        "backend_id": origin.backend_id.id,
                        "order_type": "return",
                        "name": picking.name,
                        "origin_order_id": origin.id,
                    }
                )
            )
            picking.sudo().ongoing_order_id = binding
            binding._ongoing_schedule_export()

    def _ongoing_sent_document_type(self):
        if self.ongoing_order_id.order_type == "return":
            return "return"
        return super()._ongoing_sent_document_type()

    def _ongoing_record_manual_validation(self):
        """Count a return validated by hand as returns booked on the original order lines too."""
        super()._ongoing_record_manual_validation()
        for picking in self.filtered(lambda p: p.ongoing_order_id.order_type == "return"):
            for move in picking.move_ids.filtered(
                lambda m: m.state == "done" and m.ongoing_line_id.origin_line_id
            ):
                move.ongoing_line_id.origin_line_id.sudo().returned_booked_qty += move.product_qty
