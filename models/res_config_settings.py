from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    ongoing_backend_count = fields.Integer(compute="_compute_ongoing_backend_count")

    def _compute_ongoing_backend_count(self):
        for settings in self:
            settings.ongoing_backend_count = self.env["ongoing.backend"].search_count(
                [("company_id", "=", settings.company_id.id)]
            )
