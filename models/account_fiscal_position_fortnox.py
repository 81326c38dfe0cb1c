from odoo import fields, models

#: Fortnox's VAT types of a customer; the invoice takes its customer's.
FORTNOX_VAT_TYPES = [
    ("SEVAT", "Swedish VAT"),
    ("SEREVERSEDVAT", "Swedish reverse charge (construction)"),
    ("EUREVERSEDVAT", "EU reverse charge"),
    ("EUVAT", "EU consumer, Swedish VAT"),
    ("EXPORT", "Export outside the EU"),
]


class AccountFiscalPosition(models.Model):
    _inherit = "account.fiscal.position"

    fortnox_vat_type = fields.Selection(
        FORTNOX_VAT_TYPES,
        string="Fortnox VAT Type",
        help="VAT type of customers invoiced under this fiscal position in Fortnox. Empty: "
        "derived from the customer's country and VAT number (Sweden: Swedish VAT; EU with a "
        "VAT number: EU reverse charge; EU without: EU consumer; elsewhere: export).",
    )
