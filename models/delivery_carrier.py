from odoo import fields, models


class DeliveryCarrier(models.Model):
    _inherit = "delivery.carrier"

    ongoing_transporter_code = fields.Char(
        string="Ongoing Transporter Code",
        help="The transporter's code in Ongoing WMS (for example PLAB for PostNord), sent with "
        "every order of this carrier. The warehouse's transporter contracts list the codes.",
    )
    ongoing_transporter_service_code = fields.Char(
        string="Ongoing Service Code",
        help="The transporter's service in Ongoing WMS (for example P19, PostNord MyPack Collect).",
    )
