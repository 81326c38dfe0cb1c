from odoo import fields, models


class StockMove(models.Model):
    _inherit = "stock.move"

    ongoing_line_id = fields.Many2one(
        "ongoing.order.line",
        string="Ongoing Line",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The Ongoing order row this move was sent as; split moves keep it.",
    )

    def _prepare_move_split_vals(self, qty):
        values = super()._prepare_move_split_vals(qty)
        if self.ongoing_line_id:
            values["ongoing_line_id"] = self.ongoing_line_id.id
        return values
