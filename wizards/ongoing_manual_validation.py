from odoo import fields, models


class OngoingManualValidation(models.TransientModel):
    """Confirmation asked before validating by hand a transfer that Ongoing WMS books."""

    _name = "ongoing.manual.validation"
    _description = "Validate a Transfer Handled by Ongoing WMS"

    picking_ids = fields.Many2many("stock.picking", string="Transfers", readonly=True)

    def action_confirm(self):
        """Validate the transfers in Odoo although Ongoing has not reported them."""
        return self.picking_ids.with_context(ongoing_manual_confirmed=True).button_validate()
