from odoo import models


class StockQuant(models.Model):
    _inherit = "stock.quant"

    def _get_inventory_move_values(
        self, qty, location_id, location_dest_id, package_id=False, package_dest_id=False
    ):
        # Adjustments made by a reconciliation run keep a link to it, for the report.
        values = super()._get_inventory_move_values(
            qty, location_id, location_dest_id, package_id, package_dest_id
        )
        reconciliation_id = self.env.context.get("ongoing_reconciliation_id")
        if reconciliation_id:
            values["ongoing_reconciliation_id"] = reconciliation_id
        return values
