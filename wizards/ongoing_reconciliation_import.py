import base64
import binascii

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..reconciliation.sources import SourceError, check_file_size, read_stock_file


class OngoingReconciliationImport(models.TransientModel):
    """Import a stock-balance file from the warehouse and reconcile Odoo's stock with it."""

    _name = "ongoing.reconciliation.import"
    _description = "Import an Ongoing WMS Stock-Balance File"

    backend_id = fields.Many2one("ongoing.backend", required=True, readonly=True)
    file = fields.Binary(string="Stock-Balance File", required=True, attachment=False)
    file_name = fields.Char()
    mode = fields.Selection(
        [("report", "Report only"), ("apply", "Apply the differences")],
        required=True,
        default=lambda self: self._default_mode(),
        help="Report only lists the differences without changing Odoo's stock.",
    )

    def _default_mode(self):
        backend = self.env["ongoing.backend"].browse(self.env.context.get("default_backend_id"))
        return backend.reconciliation_mode or "report"

    def action_import(self):
        """Check the whole file now, then queue its reconciliation and open it."""
        self.ensure_one()
        try:
            # Checked on the upload's base64 length (4 characters per 3 bytes), before decoding.
            check_file_size(len(self.file or b"") * 3 // 4)
            try:
                data = base64.b64decode(self.file or b"", validate=True)
            except binascii.Error as error:
                raise UserError(
                    _("The uploaded file could not be read; upload it again.")
                ) from error
            stock = read_stock_file(data, self.file_name, self.backend_id._ongoing_file_mapping())
        except SourceError as error:
            raise UserError(
                _(
                    "The file %(file)s was refused and nothing was changed. %(error)s",
                    file=self.file_name or _("(unnamed)"),
                    error=str(error),
                )
            ) from error
        reconciliation = self.backend_id._ongoing_start_reconciliation(
            file_name=self.file_name or _("stock-balance"), data=data, mode=self.mode
        )
        reconciliation.message_post(
            body=_(
                "File %(file)s imported: %(count)s articles.",
                file=reconciliation.file_name,
                count=len(stock),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return reconciliation._ongoing_open_action()
