import logging
import secrets

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..clients.errors import RemoteError
from ..clients.ongoing import OngoingClient
from .remote_error_text import remote_error_text

_logger = logging.getLogger(__name__)

# Valuation settings under which every stock move of the warehouse is booked
# in the accounts at once, so the stock accounting follows the 3PL's events.
AUTOMATED_VALUATION = "real_time"
MIRRORABLE_COST_METHODS = ("average", "fifo")


def generate_webhook_token(_records=None):
    return secrets.token_urlsafe(32)


class OngoingBackend(models.Model):
    _name = "ongoing.backend"
    _description = "Ongoing WMS Backend"
    _inherit = ["mail.thread", "ongoing.fortnox.job.channel.mixin"]
    _order = "company_id, name"
    _job_channel_parent = "ongoing_fortnox_sync.channel_ongoing"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        string="3PL Warehouse",
        required=True,
        check_company=True,
        tracking=True,
        help="The Odoo warehouse that mirrors the stock the 3PL keeps in Ongoing WMS.",
    )
    base_url = fields.Char(
        string="API URL",
        required=True,
        tracking=True,
        help="Ongoing's REST API address for this warehouse, for example "
        "https://api.ongoingsystems.se/WarehouseName/api/v1/",
    )
    goods_owner_id = fields.Integer(
        string="Goods Owner ID",
        required=True,
        tracking=True,
        help="The goods owner's numeric id in Ongoing WMS, given by the warehouse.",
    )
    api_user = fields.Char(string="API User", groups="base.group_system")
    api_password = fields.Char(string="API Password", groups="base.group_system")
    webhook_token = fields.Char(
        copy=False,
        default=generate_webhook_token,
        groups="base.group_system",
        help="Secret that Ongoing sends in the X-Auth-Token header of every webhook.",
    )
    webhook_url = fields.Char(
        string="Webhook URL",
        compute="_compute_webhook_url",
        help="Address to enter in Ongoing WMS (Administration > Webhooks).",
    )
    connect_timeout = fields.Float(
        default=5.0, help="Seconds to wait for a connection to Ongoing before giving up."
    )
    read_timeout = fields.Float(
        default=30.0, help="Seconds to wait for Ongoing's response once connected."
    )
    connection_state = fields.Selection(
        [("untested", "Not tested"), ("ok", "Connected"), ("failed", "Failed")],
        default="untested",
        required=True,
        readonly=True,
        copy=False,
    )
    connection_message = fields.Text(readonly=True, copy=False)
    connection_date = fields.Datetime(string="Last Connection Test", readonly=True, copy=False)
    order_trigger = fields.Selection(
        [("confirmed", "When confirmed"), ("assigned", "When reserved")],
        string="Send Deliveries",
        default="confirmed",
        required=True,
        help="When a delivery of the warehouse goes to Ongoing as an order: as soon as it is "
        "confirmed, or only once Odoo has reserved its products.",
    )
    orders_polled_at = fields.Datetime(
        string="Orders Read Until",
        readonly=True,
        copy=False,
        help="Order status changes up to this time have been read by the polling cron.",
    )
    quarantine_location_id = fields.Many2one(
        "stock.location",
        string="Quarantine Location",
        check_company=True,
        help="Internal location, outside the sellable stock, that mirrors Ongoing's quarantined "
        "goods (for example damaged returns). Deliveries cannot reserve from it.",
    )
    locked_location_id = fields.Many2one(
        "stock.location",
        string="Locked Location",
        check_company=True,
        help="Internal location, outside the sellable stock, that mirrors the items Ongoing has "
        "locked or blocked for quality. Deliveries cannot reserve from it.",
    )
    job_channel_id = fields.Many2one(
        "queue.job.channel",
        string="Job Channel",
        readonly=True,
        copy=False,
        help="Background jobs of this backend run in this channel, one at a time, "
        "because Ongoing executes the writes of a goods owner one after another.",
    )
    # Stored so that a webhook request reads the channel with the backend, in one query.
    job_channel_name = fields.Char(related="job_channel_id.complete_name", store=True)

    @api.depends()
    def _compute_webhook_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for backend in self:
            backend.webhook_url = (
                f"{base_url.rstrip('/')}/ongoing/webhook/{backend.id}" if backend.id else False
            )

    # ------------------------------------------------------------------
    # Configuration checks
    # ------------------------------------------------------------------

    @api.constrains("base_url", "goods_owner_id", "connect_timeout", "read_timeout")
    def _check_connection_settings(self):
        for backend in self:
            if not (backend.base_url or "").startswith(("http://", "https://")):
                raise ValidationError(
                    _(
                        "The API URL must start with http:// or https://, for example "
                        "https://api.ongoingsystems.se/WarehouseName/api/v1/."
                    )
                )
            if backend.goods_owner_id <= 0:
                raise ValidationError(
                    _("The goods owner id is a positive number given by the warehouse.")
                )
            if backend.connect_timeout <= 0 or backend.read_timeout <= 0:
                raise ValidationError(_("The timeouts must be positive numbers of seconds."))

    @api.constrains("warehouse_id", "quarantine_location_id", "locked_location_id")
    def _check_mirror_locations(self):
        for backend in self:
            stock = backend.warehouse_id.lot_stock_id
            for location in backend.quarantine_location_id | backend.locked_location_id:
                if location.usage != "internal" or location.scrap_location:
                    raise ValidationError(
                        _(
                            "The location %(location)s must be an internal location that is not "
                            "a scrap location: Ongoing still holds these goods.",
                            location=location.display_name,
                        )
                    )
                if location == stock or location.parent_path.startswith(stock.parent_path):
                    raise ValidationError(
                        _(
                            "The location %(location)s must lie outside %(stock)s, so that "
                            "deliveries cannot reserve its goods.",
                            location=location.display_name,
                            stock=stock.display_name,
                        )
                    )

    def _get_mirror_locations(self):
        """Return the internal locations whose stock together mirrors Ongoing's physical stock."""
        self.ensure_one()
        return (
            self.warehouse_id.lot_stock_id | self.quarantine_location_id | self.locked_location_id
        )

    def action_create_mirror_locations(self):
        """Button: create the quarantine and locked locations.

        They are internal but outside the warehouse, so neither deliveries nor the
        warehouse's available quantities (as sales see them) include their goods.
        """
        self.ensure_one()
        parent = self.env.ref("stock.stock_location_locations")
        code = self.warehouse_id.code
        values = {}
        for field_name, label in (
            ("quarantine_location_id", _("Quarantine")),
            ("locked_location_id", _("Locked")),
        ):
            if not self[field_name]:
                values[field_name] = (
                    self.env["stock.location"]
                    .create(
                        {
                            "name": f"{code} {label} (Ongoing)",
                            "location_id": parent.id,
                            "usage": "internal",
                            "company_id": self.company_id.id,
                        }
                    )
                    .id
                )
        self.write(values)
        return True

    @api.constrains("warehouse_id", "company_id", "active")
    def _check_warehouse_mirrorable(self):
        for backend in self.filtered("active"):
            others = self.search(
                [("warehouse_id", "=", backend.warehouse_id.id), ("id", "!=", backend.id)]
            )
            if others:
                raise ValidationError(
                    _(
                        "The warehouse %(warehouse)s is already run by the Ongoing backend "
                        "%(backend)s. Archive that backend first.",
                        warehouse=backend.warehouse_id.display_name,
                        backend=others[0].display_name,
                    )
                )
            problems = backend._get_mirroring_problems()
            if problems:
                raise ValidationError(
                    _(
                        "Odoo cannot mirror the warehouse %(warehouse)s faithfully:\n%(problems)s",
                        warehouse=backend.warehouse_id.display_name,
                        problems="\n".join(f"- {problem}" for problem in problems),
                    )
                )

    def _get_mirroring_problems(self):
        """Return what must change before Odoo can follow this warehouse's bookings."""
        self.ensure_one()
        warehouse = self.warehouse_id
        problems = []

        if warehouse.reception_steps != "one_step":
            problems.append(
                _(
                    "Set Incoming Shipments to 'Receive and Store (1 step)' on the "
                    "warehouse: Ongoing reports one receipt, not several steps."
                )
            )
        if warehouse.delivery_steps != "ship_only":
            problems.append(
                _(
                    "Set Outgoing Shipments to 'Deliver (1 step)' on the "
                    "warehouse: Ongoing reports one delivery, not several steps."
                )
            )
        for picking_type in warehouse.in_type_id | warehouse.out_type_id:
            if picking_type.create_backorder == "never":
                problems.append(
                    _(
                        "Set 'Create Backorder' of the operation type %(type)s to 'Ask' or "
                        "'Always': partial picks and receipts must leave a backorder.",
                        type=picking_type.display_name,
                    )
                )

        for category in self._get_storable_categories():
            category = category.with_company(self.company_id)
            if (
                category.property_valuation != AUTOMATED_VALUATION
                or category.property_cost_method not in MIRRORABLE_COST_METHODS
            ):
                problems.append(
                    _(
                        "Set the product category %(category)s to automated inventory "
                        "valuation with the costing method AVCO or FIFO, so every warehouse "
                        "booking is valued in the accounts.",
                        category=category.display_name,
                    )
                )
        return problems

    def _get_storable_categories(self):
        """Return the categories of the storable products this backend's company can use."""
        groups = self.env["product.template"]._read_group(
            [
                ("is_storable", "=", True),
                ("company_id", "in", [False, self.company_id.id]),
            ],
            groupby=["categ_id"],
        )
        return self.env["product.category"].union(*(category for (category,) in groups))

    # ------------------------------------------------------------------
    # Jobs
    # ------------------------------------------------------------------

    def _get_job_channel(self):
        self.ensure_one()
        # Users who queue jobs have no access to queue_job's channels.
        backend = self.sudo()
        if not backend.job_channel_id:
            backend._ensure_job_channel()
        return backend.job_channel_name

    def action_ongoing_export_articles(self):
        """Button: send every storable product to Ongoing, for a first export or a resync."""
        self.ensure_one()
        bindings = self.env["ongoing.article"]._ongoing_export_all(self)
        return self._notify(
            _("%(count)s article(s) queued for Ongoing WMS.", count=len(bindings)), "info"
        )

    def action_generate_webhook_token(self):
        """Button: replace the webhook token; only system administrators can read the new one."""
        self.ensure_one()
        if not self.env.is_system():
            raise AccessError(_("Only system administrators may generate a new webhook token."))
        self.sudo().webhook_token = generate_webhook_token()
        self.message_post(body=_("A new webhook token was generated; enter it in Ongoing WMS."))

    # ------------------------------------------------------------------
    # Remote access
    # ------------------------------------------------------------------

    def _get_client(self):
        """Return an Ongoing client with this backend's credentials.

        Raises AccessError for a caller who may not read the backend, for example a
        user of another company, before any credential is used.
        """
        self.ensure_one()
        self.check_access("read")
        backend = self.sudo()
        if not (backend.api_user and backend.api_password):
            raise UserError(
                _(
                    "The Ongoing backend %(backend)s has no API user or password: "
                    "enter the credentials the warehouse gave you.",
                    backend=self.display_name,
                )
            )
        try:
            return OngoingClient(
                base_url=backend.base_url,
                goods_owner_id=backend.goods_owner_id,
                username=backend.api_user,
                password=backend.api_password,
                connect_timeout=backend.connect_timeout,
                read_timeout=backend.read_timeout,
            )
        except ValueError as error:
            raise UserError(
                _(
                    "The Ongoing backend %(backend)s is misconfigured: %(error)s",
                    backend=self.display_name,
                    error=error,
                )
            ) from error

    def action_test_connection(self):
        """Call Ongoing once and report whether the credentials and goods owner work."""
        self.ensure_one()
        try:
            self._get_client().check_connection()
        except (RemoteError, UserError) as error:
            message = _("Connection failed: %(reason)s", reason=remote_error_text(self.env, error))
            self.write(
                {
                    "connection_state": "failed",
                    "connection_message": message,
                    "connection_date": fields.Datetime.now(),
                }
            )
            _logger.info("Ongoing backend %s: connection test failed: %s", self.id, error)
            return self._notify(message, "danger")

        message = _("Connected to Ongoing WMS as goods owner %(owner)s.", owner=self.goods_owner_id)
        self.write(
            {
                "connection_state": "ok",
                "connection_message": message,
                "connection_date": fields.Datetime.now(),
            }
        )
        return self._notify(message, "success")

    def _notify(self, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.display_name,
                "message": message,
                "type": kind,
                "sticky": kind == "danger",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
