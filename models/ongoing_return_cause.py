from odoo import api, fields, models


class OngoingReturnCause(models.Model):
    """A return cause of the Ongoing WMS installation, read from ``returnOrders/returnCauses``.

    ``damaged`` is the merchant's decision: returned goods with such a cause go
    to the backend's quarantine location instead of the sellable stock.
    """

    _name = "ongoing.return.cause"
    _description = "Ongoing WMS Return Cause"
    _order = "backend_id, name, code"

    backend_id = fields.Many2one(
        "ongoing.backend", required=True, ondelete="cascade", index=True, readonly=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    code = fields.Char(required=True, readonly=True, help="The cause's code in Ongoing WMS.")
    name = fields.Char(required=True, translate=False)
    remove_in_ongoing = fields.Boolean(
        string="Removed by Ongoing",
        readonly=True,
        help="Ongoing WMS removes items returned with this cause from its stock with an "
        "inventory adjustment.",
    )
    damaged = fields.Boolean(
        help="Goods returned with this cause are damaged: Odoo books them into the quarantine "
        "location of the backend, where deliveries cannot reserve them.",
    )
    active = fields.Boolean(
        default=True, help="Causes that Ongoing WMS no longer lists are archived."
    )

    _sql_constraints = [
        (
            "code_uniq",
            "unique(backend_id, code)",
            "A return cause code appears once per Ongoing backend.",
        ),
    ]

    @api.depends("code", "name")
    def _compute_display_name(self):
        for cause in self:
            cause.display_name = (
                f"{cause.name} ({cause.code})" if cause.name != cause.code else cause.code
            )
