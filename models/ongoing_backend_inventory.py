import logging
from datetime import datetime, timedelta, timezone

from odoo import _, fields, models
from odoo.tools import float_compare

from ..clients.ongoing_documents import format_time

_logger = logging.getLogger(__name__)

# How far back the first run reads adjustments, and how much consecutive runs
# overlap so that an adjustment stamped just before a run is not missed.
FIRST_RUN_LOOKBACK = timedelta(days=1)
RUN_OVERLAP = timedelta(minutes=10)


class OngoingBackend(models.Model):
    """Real-time inventory: what the warehouse changes on its own reaches Odoo at once.

    Every inventory webhook, and the polling cron every minute, queue one job per
    backend (``_ongoing_sync_inventory``) that books the adjustments made since
    the last run and moves locked quantities to or from the locked location.
    """

    _inherit = "ongoing.backend"

    realtime_inventory = fields.Boolean(
        string="Real-Time Inventory",
        default=True,
        help="Book the warehouse's stock adjustments and locked quantities as they happen, "
        "instead of leaving them to the nightly reconciliation.",
    )
    adjustments_polled_at = fields.Datetime(
        string="Adjustments Read Until", readonly=True, copy=False
    )
    stock_polled_at = fields.Datetime(string="Locked Stock Read Until", readonly=True, copy=False)

    def _ongoing_poll(self):
        super()._ongoing_poll()
        if self.realtime_inventory:
            self._ongoing_schedule_sync("inventory")

    def _ongoing_sync_inventory(self, remote_id=0, remote_number=""):
        """Book new adjustments and locked quantities; return the event state and a summary."""
        if not self.realtime_inventory:
            return "ignored", _("Real-time inventory is off for this backend.")
        client = self._get_client()
        adjustments = self._ongoing_book_adjustments(client)
        moved = self._ongoing_sync_locked_stock(client)

        failed = adjustments.filtered(lambda adjustment: adjustment.state == "failed")
        summary = _(
            "%(booked)s adjustment(s) booked, %(failed)s not booked, locked stock moved for "
            "%(moved)s product(s).",
            booked=len(adjustments) - len(failed),
            failed=len(failed),
            moved=moved,
        )
        return ("failed" if failed else "done"), summary

    def _ongoing_book_adjustments(self, client):
        """Store and book the adjustments Ongoing made since the last run; return the new ones."""
        # Odoo's datetimes drop the fraction of a second; the query's end must not.
        now = datetime.now(timezone.utc)
        last = self.adjustments_polled_at
        since = (
            last.replace(tzinfo=timezone.utc) if last else now - FIRST_RUN_LOOKBACK
        ) - RUN_OVERLAP
        found = client.get_inventory_adjustments(since, now)
        new = self.env["ongoing.inventory.adjustment"]._ongoing_store_new(self, found)
        new._ongoing_book()
        self.adjustments_polled_at = now.replace(tzinfo=None)
        return new

    def _ongoing_sync_locked_stock(self, client):
        """Make the locked location hold what Ongoing has locked; return the products moved."""
        if not self.locked_location_id:
            return 0
        now = fields.Datetime.now()
        filters = {}
        if self.stock_polled_at:
            filters["stockInfoChangedFrom"] = format_time(self.stock_polled_at - RUN_OVERLAP)
        locked_by_code = {
            article.article_number: article.inventory.locked + article.inventory.locked_for_sale
            for article in client.iter_articles(**filters)
            if article.inventory is not None
        }
        products = self.env["product.product"].search(
            [
                ("default_code", "in", list(locked_by_code)),
                ("is_storable", "=", True),
                ("company_id", "in", [False, self.company_id.id]),
            ]
        )
        in_locked = {
            product.id: quantity
            for product, quantity in self.env["stock.quant"]._read_group(
                [
                    ("location_id", "=", self.locked_location_id.id),
                    ("product_id", "in", products.ids),
                ],
                groupby=["product_id"],
                aggregates=["quantity:sum"],
            )
        }
        moved = 0
        for product in products:
            difference = locked_by_code[product.default_code] - in_locked.get(product.id, 0.0)
            if float_compare(difference, 0, precision_rounding=product.uom_id.rounding):
                self._ongoing_move_locked(product, difference)
                moved += 1
        self.stock_polled_at = now
        return moved

    def _ongoing_move_locked(self, product, quantity):
        """Move ``quantity`` into the locked location (or out of it when negative)."""
        stock, locked = self.warehouse_id.lot_stock_id, self.locked_location_id
        source, destination = (stock, locked) if quantity > 0 else (locked, stock)
        move = self.env["stock.move"].create(
            {
                "name": _("Locked in Ongoing WMS")
                if quantity > 0
                else _("Released in Ongoing WMS"),
                "origin": self.name,
                "product_id": product.id,
                "product_uom": product.uom_id.id,
                "product_uom_qty": abs(quantity),
                "location_id": source.id,
                "location_dest_id": destination.id,
                "company_id": self.company_id.id,
            }
        )
        move._action_confirm()
        move._action_assign()
        if product.tracking == "none":
            move._set_quantity_done(abs(quantity))
        elif float_compare(
            move.quantity, abs(quantity), precision_rounding=product.uom_id.rounding
        ):
            # NOTE: Ongoing reports locked totals, not which lots are locked, so a tracked
            # product moves only the lots Odoo could reserve; the rest waits for the next run.
            _logger.warning(
                "Backend %s: only %s of %s locked %s could be moved with lots",
                self.id,
                move.quantity,
                abs(quantity),
                product.default_code,
            )
        if move.quantity:
            move.picked = True
            move._action_done()
        else:
            move._action_cancel()
