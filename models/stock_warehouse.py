from odoo import api, models


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    @api.constrains("reception_steps", "delivery_steps")
    def _check_ongoing_mirrorable(self):
        backends = self.env["ongoing.backend"].sudo().search([("warehouse_id", "in", self.ids)])
        backends._check_warehouse_mirrorable()


class StockPickingType(models.Model):
    _inherit = "stock.picking.type"

    @api.constrains("create_backorder")
    def _check_ongoing_mirrorable(self):
        backends = (
            self.env["ongoing.backend"]
            .sudo()
            .search([("warehouse_id", "in", self.warehouse_id.ids)])
        )
        backends._check_warehouse_mirrorable()


class ProductCategory(models.Model):
    _inherit = "product.category"

    @api.constrains("property_valuation", "property_cost_method")
    def _check_ongoing_mirrorable(self):
        self.env["ongoing.backend"].sudo().search([])._check_warehouse_mirrorable()


class ProductTemplate(models.Model):
    _inherit = "product.template"

    @api.constrains("categ_id", "is_storable")
    def _check_ongoing_mirrorable(self):
        if self.filtered("is_storable"):
            self.env["ongoing.backend"].sudo().search([])._check_warehouse_mirrorable()
