from odoo import fields, models


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

    def _create_backorder_picking(self):
        backorder = super()._create_backorder_picking()
        if self.ongoing_order_id:
            backorder.ongoing_order_id = self.ongoing_order_id
        return backorder
