from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    fortnox_backend_state = fields.Selection(
        related="company_id.fortnox_backend_id.state", string="Fortnox Connection State"
    )
