from odoo import api, fields, models


class StockReturnPicking(models.TransientModel):
    _inherit = "stock.return.picking"

    ongoing_backend_id = fields.Many2one(
        "ongoing.backend",
        compute="_compute_ongoing_backend_id",
        help="The Ongoing backend that delivered the transfer, which also takes the return.",
    )
    ongoing_return_cause_id = fields.Many2one(
        "ongoing.return.cause",
        string="Return Cause",
        domain="[('backend_id', '=', ongoing_backend_id)]",
        help="Sent to Ongoing WMS with the return. Causes marked as damaged book the goods "
        "into the quarantine location.",
    )

    @api.depends("picking_id")
    def _compute_ongoing_backend_id(self):
        for wizard in self:
            binding = wizard.picking_id.ongoing_order_id
            wizard.ongoing_backend_id = (
                binding.backend_id if binding.order_type == "outbound" else False
            )

    def _prepare_picking_default_values(self):
        values = super()._prepare_picking_default_values()
        location_id = self.env.context.get("ongoing_return_location_id")
        if not location_id and self.ongoing_backend_id:
            location_id = self.ongoing_backend_id._ongoing_return_location(
                self.ongoing_return_cause_id
            ).id
        if location_id:
            values["location_dest_id"] = location_id
        if self.ongoing_return_cause_id:
            values["ongoing_return_cause_id"] = self.ongoing_return_cause_id.id
        return values
