from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class FortnoxAccountMap(models.Model):
    """A Fortnox account for an Odoo account whose code Fortnox does not use.

    Without a line here an invoice row is booked in Fortnox on the account
    with the same number as the Odoo account's code.
    """

    _name = "fortnox.account.map"
    _description = "Fortnox Account Mapping"
    _order = "backend_id, account_id"

    backend_id = fields.Many2one(
        "fortnox.backend", string="Fortnox Connection", required=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    account_id = fields.Many2one(
        "account.account",
        string="Odoo Account",
        required=True,
        ondelete="cascade",
        domain="[('company_ids', 'in', company_id)]",
    )
    fortnox_account = fields.Integer(
        string="Fortnox Account",
        required=True,
        help="Number of the account in Fortnox's chart of accounts (BAS), four digits.",
    )

    _sql_constraints = [
        (
            "account_uniq",
            "unique(backend_id, account_id)",
            "The Odoo account is already mapped for this Fortnox connection.",
        ),
    ]

    @api.constrains("fortnox_account")
    def _check_fortnox_account(self):
        for mapping in self:
            if not 1000 <= mapping.fortnox_account <= 9999:
                raise ValidationError(
                    _(
                        "The Fortnox account %(number)s is not a four-digit account number.",
                        number=mapping.fortnox_account,
                    )
                )
