import logging

from odoo import _, api, fields, models
from odoo.tools import float_compare

from ..clients.errors import FixRequestError, RetryLaterError
from .ongoing_binding_mixin import MAX_AUTOMATIC_ATTEMPTS, job_retry_error
from .remote_error_text import remote_error_text

_logger = logging.getLogger(__name__)

ORDER_TYPES = [
    ("outbound", "Order"),
    ("purchase", "Purchase Order"),
    ("return", "Return Order"),
]


class OngoingOrder(models.Model):
    """An order, purchase order or return order in Ongoing WMS and the Odoo transfers it drives.

    The lines keep, per Ongoing row, the quantity Odoo has booked (``booked_qty``)
    and the quantity reported back to Ongoing as booked (``reported_qty``). Inbound events book only
    Ongoing's quantity minus ``booked_qty``, and a separate job writes
    ``booked_qty`` back as Ongoing's reported quantity, so a crash between the
    two steps neither loses nor repeats a quantity.
    """

    _name = "ongoing.order"
    _inherit = ["ongoing.binding.mixin"]
    _description = "Ongoing WMS Order"
    _order = "id desc"

    name = fields.Char(
        string="Number in Ongoing",
        required=True,
        readonly=True,
        index=True,
        help="Order number, purchase order number or return order number; Ongoing upserts by it.",
    )
    order_type = fields.Selection(ORDER_TYPES, required=True, readonly=True, index=True)
    remote_id = fields.Integer(string="Ongoing ID", readonly=True, index=True, copy=False)
    remote_status = fields.Integer(string="Ongoing Status Number", readonly=True, copy=False)
    remote_status_text = fields.Char(string="Ongoing Status", readonly=True, copy=False)
    last_read_date = fields.Datetime(
        string="Last Read",
        readonly=True,
        copy=False,
        help="When Odoo last read this document's state from Ongoing.",
    )
    picking_ids = fields.One2many("stock.picking", "ongoing_order_id", string="Transfers")
    line_ids = fields.One2many("ongoing.order.line", "order_id", string="Lines")
    import_error = fields.Text(
        string="Booking Problem",
        readonly=True,
        copy=False,
        help="What Odoo could not book from Ongoing's last report, kept for a person to resolve.",
    )
    import_error_date = fields.Datetime(readonly=True, copy=False)

    _sql_constraints = [
        (
            "number_uniq",
            "unique(backend_id, order_type, name)",
            "Ongoing already has a document of this type with this number for the backend.",
        ),
    ]

    @api.depends("name", "order_type")
    def _compute_display_name(self):
        labels = dict(self._fields["order_type"]._description_selection(self.env))
        for order in self:
            order.display_name = f"{labels.get(order.order_type, '')} {order.name}".strip()

    def _ongoing_notify_failure(self, message):
        for picking in self.picking_ids.filtered(lambda p: p.state not in ("done", "cancel")):
            picking.message_post(
                body=_("Sending to Ongoing WMS failed: %(error)s", error=message),
                subtype_xmlid="mail.mt_note",
            )

    def _ongoing_lock(self):
        """Lock the rows so that concurrent bookings of the same document wait for each other."""
        if self.ids:
            self.env.cr.execute(
                "SELECT id FROM ongoing_order WHERE id IN %s FOR UPDATE", [tuple(self.ids)]
            )
            self.invalidate_recordset()
            self.line_ids.invalidate_recordset()

    def _ongoing_record_status(self, status):
        """Store Ongoing's status (number and localised text) as last read."""
        self.write(
            {
                "remote_status": status.number or 0,
                "remote_status_text": status.text,
                "last_read_date": fields.Datetime.now(),
            }
        )

    def action_ongoing_refresh(self):
        """Button: read the documents' state from Ongoing now (in the background)."""
        self.check_access("write")
        for order in self.filtered("remote_id"):
            order.backend_id._ongoing_schedule_sync(
                order.order_type, remote_id=order.remote_id, remote_number=order.name
            )
        return True

    def _ongoing_report_problem(self, message):
        """Keep a booking problem on the document and tell the people on its transfers."""
        self.ensure_one()
        _logger.warning("Ongoing %s %s: %s", self.order_type, self.name, message)
        self.write({"import_error": message, "import_error_date": fields.Datetime.now()})
        for picking in self.picking_ids.filtered(lambda p: p.state != "cancel")[-1:]:
            picking.message_post(body=message, subtype_xmlid="mail.mt_note")
            picking.activity_schedule(
                "mail.mail_activity_data_warning",
                summary=_("Ongoing WMS: check the booking"),
                note=message,
                user_id=picking.user_id.id or self.env.user.id,
            )

    # ------------------------------------------------------------------
    # Acknowledgement: write booked quantities back to Ongoing
    # ------------------------------------------------------------------

    def _ongoing_schedule_acknowledge(self):
        """Queue the job that reports booked quantities to Ongoing (one per document)."""
        for order in self:
            order.sudo().with_delay(
                channel=order.backend_id._get_job_channel(),
                identity_key=f"ongoing-acknowledge:{order.id}",
                description=_(
                    "Report booked quantities of %(order)s to Ongoing WMS", order=order.display_name
                ),
                # A job that gives up leaves the lines unreported, and polling reports them.
                max_retries=MAX_AUTOMATIC_ATTEMPTS,
            )._ongoing_run_acknowledge()

    def _ongoing_run_acknowledge(self):
        """Job: PATCH the reported quantity of every line whose booking Ongoing does not know."""
        self.ensure_one()
        self._ongoing_lock()
        lines = self.line_ids.filtered(lambda line: line._ongoing_needs_acknowledge())
        if not lines:
            return _("Nothing to report.")
        client = self.backend_id._get_client()
        try:
            for line in lines:
                line._ongoing_acknowledge(client)
        except RetryLaterError as error:
            raise job_retry_error(self.env, error) from error
        except FixRequestError as error:
            message = remote_error_text(self.env, error)
            self._ongoing_report_problem(
                _("Ongoing rejected the booked quantities: %(error)s", error=message)
            )
            return message
        return _("Reported %(count)s line(s).", count=len(lines))


class OngoingOrderLine(models.Model):
    _name = "ongoing.order.line"
    _description = "Ongoing WMS Order Line"
    _order = "order_id, sequence, id"

    order_id = fields.Many2one("ongoing.order", required=True, ondelete="cascade", index=True)
    order_type = fields.Selection(related="order_id.order_type", store=True)
    sequence = fields.Integer(default=10)
    row_number = fields.Char(
        required=True,
        readonly=True,
        help="The line's row number in Ongoing, fixed when the line is first sent.",
    )
    remote_line_id = fields.Integer(string="Ongoing Line ID", readonly=True, copy=False)
    product_id = fields.Many2one("product.product", readonly=True, index=True)
    article_number = fields.Char(readonly=True)
    ordered_qty = fields.Float(
        string="Sent Quantity", digits="Product Unit of Measure", readonly=True
    )
    remote_done_qty = fields.Float(
        string="Done in Ongoing",
        digits="Product Unit of Measure",
        readonly=True,
        help="Picked (orders) or received (purchase orders) quantity as Ongoing last reported it.",
    )
    booked_qty = fields.Float(
        string="Booked in Odoo",
        digits="Product Unit of Measure",
        readonly=True,
        help="Quantity of this line that Odoo has booked from Ongoing's reports.",
    )
    reported_qty = fields.Float(
        string="Reported to Ongoing",
        digits="Product Unit of Measure",
        readonly=True,
        help="Booked quantity reported back to Ongoing (its reportedNumberOfItems).",
    )
    remote_returned_qty = fields.Float(
        string="Returned in Ongoing", digits="Product Unit of Measure", readonly=True
    )
    returned_booked_qty = fields.Float(
        string="Returns Booked in Odoo", digits="Product Unit of Measure", readonly=True
    )
    returned_reported_qty = fields.Float(
        string="Returns Reported to Ongoing", digits="Product Unit of Measure", readonly=True
    )
    move_ids = fields.One2many("stock.move", "ongoing_line_id", string="Stock Moves")
    unexpected = fields.Boolean(
        readonly=True,
        help="Ongoing reported this line although Odoo never sent it (an article the "
        "document did not contain).",
    )

    _sql_constraints = [
        (
            "row_uniq",
            "unique(order_id, row_number)",
            "Row numbers are unique per Ongoing document.",
        ),
    ]

    def _ongoing_needs_acknowledge(self):
        self.ensure_one()
        if not self.remote_line_id:
            return False
        rounding = self.product_id.uom_id.rounding or 0.001
        return (
            float_compare(self.booked_qty, self.reported_qty, precision_rounding=rounding) != 0
            or float_compare(
                self.returned_booked_qty, self.returned_reported_qty, precision_rounding=rounding
            )
            != 0
        )

    def _ongoing_acknowledge(self, client):
        """Report the booked quantities; they are absolute values, so a repeat is harmless."""
        self.ensure_one()
        order = self.order_id
        rounding = self.product_id.uom_id.rounding or 0.001
        if float_compare(self.booked_qty, self.reported_qty, precision_rounding=rounding):
            if order.order_type == "purchase":
                client.report_purchase_order_line(
                    order.remote_id, self.remote_line_id, self.booked_qty
                )
            else:
                client.report_order_line(order.remote_id, self.remote_line_id, self.booked_qty)
            self.reported_qty = self.booked_qty
        if float_compare(
            self.returned_booked_qty, self.returned_reported_qty, precision_rounding=rounding
        ):
            client.report_order_line_returned(
                order.remote_id, self.remote_line_id, self.returned_booked_qty
            )
            self.returned_reported_qty = self.returned_booked_qty
