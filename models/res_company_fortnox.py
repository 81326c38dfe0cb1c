from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    fortnox_backend_id = fields.Many2one(
        "fortnox.backend",
        string="Fortnox Connection",
        compute="_compute_fortnox_backend_id",
        help="The active Fortnox connection of the company.",
    )

    def _compute_fortnox_backend_id(self):
        backends = self.env["fortnox.backend"].sudo()
        for company in self:
            company.fortnox_backend_id = backends._fortnox_backend_for(company)
