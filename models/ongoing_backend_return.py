import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..clients.errors import RemoteError

_logger = logging.getLogger(__name__)


class OngoingBackend(models.Model):
    """Customer returns: where returned goods land, the return causes, and return events."""

    _inherit = "ongoing.backend"

    return_location_id = fields.Many2one(
        "stock.location",
        string="Returns Location",
        check_company=True,
        help="Where customer returns in sellable condition are booked: the warehouse's stock "
        "location or one of its sublocations. Empty means the stock location itself.",
    )
    return_cause_ids = fields.One2many(
        "ongoing.return.cause",
        "backend_id",
        string="Return Causes",
        context={"active_test": False},
    )

    @api.constrains("warehouse_id", "return_location_id")
    def _check_return_location(self):
        for backend in self.filtered("return_location_id"):
            location = backend.return_location_id
            stock = backend.warehouse_id.lot_stock_id
            if (
                location.usage != "internal"
                or location.scrap_location
                or not location.parent_path.startswith(stock.parent_path)
            ):
                raise ValidationError(
                    _(
                        "The returns location %(location)s must be %(stock)s or an internal "
                        "location inside it, so that returned goods can be sold again.",
                        location=location.display_name,
                        stock=stock.display_name,
                    )
                )

    def _ongoing_return_location(self, cause=None):
        """Return the location that goods returned with ``cause`` (a return cause) land in."""
        self.ensure_one()
        if cause and cause.damaged:
            if not self.quarantine_location_id:
                raise UserError(
                    _(
                        "The return cause %(cause)s counts as damaged, but the Ongoing backend "
                        "%(backend)s has no quarantine location: set one on the backend, then "
                        "update the order from Ongoing.",
                        cause=cause.display_name,
                        backend=self.display_name,
                    )
                )
            return self.quarantine_location_id
        return self.return_location_id or self.warehouse_id.lot_stock_id

    # ------------------------------------------------------------------
    # Return causes
    # ------------------------------------------------------------------

    def action_ongoing_fetch_return_causes(self):
        """Button: read the return causes from Ongoing, keeping the damaged flags set in Odoo."""
        self.ensure_one()
        try:
            count = self._ongoing_fetch_return_causes(self._get_client())
        except RemoteError as error:
            raise UserError(
                _("Reading the return causes from Ongoing WMS failed: %(error)s", error=error)
            ) from error
        return self._notify(_("Ongoing WMS has %(count)s return cause(s).", count=count), "success")

    def _ongoing_fetch_return_causes(self, client):
        """Create or update the return causes from Ongoing, and archive those it no longer lists."""
        self.ensure_one()
        remote_causes = [cause for cause in client.get_return_causes() if cause.code]
        existing = {
            cause.code: cause for cause in self.with_context(active_test=False).return_cause_ids
        }
        cause_model = self.env["ongoing.return.cause"].sudo()
        for remote in remote_causes:
            cause = existing.pop(remote.code, None)
            values = {
                "name": remote.name or remote.code,
                "remove_in_ongoing": remote.is_remove_cause,
                "active": True,
            }
            if cause:
                cause.write(values)
            else:
                # Ongoing removes such items from its sellable stock, so they are damaged
                # until the merchant decides otherwise.
                values.update(backend_id=self.id, code=remote.code, damaged=remote.is_remove_cause)
                cause_model.create(values)
        if existing:
            cause_model.browse([cause.id for cause in existing.values()]).active = False
        _logger.info("Ongoing backend %s: read %s return causes", self.id, len(remote_causes))
        return len(remote_causes)

    def _ongoing_return_cause(self, code, client=None):
        """Return the return cause with this code, reading Ongoing's list once if it is new."""
        self.ensure_one()
        if not code:
            return self.env["ongoing.return.cause"]
        causes = self.with_context(active_test=False).return_cause_ids
        cause = causes.filtered(lambda c: c.code == code)[:1]
        if not cause and client is not None:
            self._ongoing_fetch_return_causes(client)
            causes = self.with_context(active_test=False).return_cause_ids
            cause = causes.filtered(lambda c: c.code == code)[:1]
        return cause

    # ------------------------------------------------------------------
    # Return order events and polling
    # ------------------------------------------------------------------

    def _ongoing_sync_return(self, remote_id, remote_number):
        """Read a return order's original order from Ongoing and book its returns.

        Ongoing reports returned items on the original order's lines, where Odoo
        also acknowledges them, so every return is booked from the order.
        """
        client = self._get_client()
        if remote_id:
            return_order = client.get_return_order(remote_id)
        else:
            return_order = client.find_return_order(remote_number)
        if return_order is None:
            return "failed", _("Ongoing has no return order %(number)s.", number=remote_number)
        binding = self.env["ongoing.order"].search(
            [
                ("backend_id", "=", self.id),
                ("order_type", "=", "return"),
                "|",
                ("remote_id", "=", return_order.return_order_id),
                ("name", "=", return_order.return_order_number),
            ],
            limit=1,
        )
        if not binding:
            return "ignored", _(
                "No Odoo return is linked to Ongoing return order %(number)s (id %(id)s).",
                number=return_order.return_order_number,
                id=return_order.return_order_id,
            )
        origin = binding.origin_order_id
        return self._ongoing_sync_outbound(
            origin.remote_id or return_order.order_id or 0,
            origin.name or return_order.order_number,
        )

    def _ongoing_poll(self):
        super()._ongoing_poll()
        client = self._get_client()
        orders = client.iter_orders(only_returns_to_report=True)
        self._ongoing_schedule_known("outbound", orders, lambda o: (o.order_id, o.order_number))
