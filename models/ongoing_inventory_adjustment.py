import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_is_zero

_logger = logging.getLogger(__name__)

ADJUSTMENT_STATES = [
    ("booked", "Booked"),
    ("failed", "Not Booked"),
]


class OngoingInventoryAdjustment(models.Model):
    """A stock change made in the warehouse (write-off, count, goods found), as Ongoing reported it.

    Each row of Ongoing's ``GET /inventoryAdjustments`` is stored once, keyed by
    its inventory id, article and lot, and booked once as an Odoo inventory move
    dated on the day it happened. Picks, receipts and returns are not
    adjustments in Ongoing; their own flows book them.
    """

    _name = "ongoing.inventory.adjustment"
    _description = "Ongoing WMS Inventory Adjustment"
    _order = "adjustment_time desc, id desc"
    _rec_name = "inventory_id"

    backend_id = fields.Many2one("ongoing.backend", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    key = fields.Char(required=True, readonly=True, help="Inventory id, article id and lot.")
    inventory_id = fields.Integer(string="Ongoing Inventory ID", readonly=True, index=True)
    article_number = fields.Char(readonly=True)
    product_id = fields.Many2one("product.product", readonly=True, index=True)
    quantity = fields.Float(digits="Product Unit of Measure", readonly=True)
    adjustment_time = fields.Datetime(string="Adjusted", readonly=True)
    cause = fields.Char(readonly=True)
    comment = fields.Char(readonly=True)
    lot_name = fields.Char(string="Lot/Serial Number", readonly=True)
    location_name = fields.Char(string="Ongoing Location", readonly=True)
    state = fields.Selection(ADJUSTMENT_STATES, required=True, default="failed", readonly=True)
    message = fields.Text(readonly=True)
    move_id = fields.Many2one("stock.move", string="Stock Move", readonly=True)

    _sql_constraints = [
        ("key_uniq", "unique(backend_id, key)", "This Ongoing adjustment is already stored."),
    ]

    @api.model
    def _ongoing_key(self, adjustment):
        return ":".join(
            str(part)
            for part in (
                adjustment.inventory_id,
                adjustment.article_system_id or adjustment.article_number,
                adjustment.batch,
                adjustment.serial,
            )
        )

    @api.model
    def _ongoing_store_new(self, backend, adjustments):
        """Store the adjustments not seen before; return the new records."""
        keys = {self._ongoing_key(adjustment): adjustment for adjustment in adjustments}
        known = set(
            self.search([("backend_id", "=", backend.id), ("key", "in", list(keys))]).mapped("key")
        )
        values = [
            {
                "backend_id": backend.id,
                "key": key,
                "inventory_id": adjustment.inventory_id,
                "article_number": adjustment.article_number,
                "quantity": adjustment.quantity,
                "adjustment_time": adjustment.time.replace(tzinfo=None)
                if adjustment.time
                else False,
                "cause": adjustment.cause,
                "comment": adjustment.comment,
                "lot_name": adjustment.serial or adjustment.batch,
                "location_name": adjustment.location,
            }
            for key, adjustment in keys.items()
            if key not in known
        ]
        return self.create(values)

    def _ongoing_book(self):
        """Book each adjustment as an inventory move; keep the reason when it cannot be booked."""
        products = self._ongoing_products_by_code()
        for adjustment in self.filtered(lambda a: a.state != "booked"):
            try:
                with self.env.cr.savepoint():
                    adjustment._ongoing_book_one(products.get(adjustment.article_number))
            except UserError as error:
                message = str(error.args[0])
                adjustment.write({"state": "failed", "message": message})
                _logger.warning(
                    "Ongoing adjustment %s (backend %s) not booked: %s",
                    adjustment.inventory_id,
                    adjustment.backend_id.id,
                    message,
                )

    def _ongoing_products_by_code(self):
        codes = set(self.mapped("article_number"))
        products = self.env["product.product"].search(
            [
                ("default_code", "in", list(codes)),
                ("company_id", "in", [False, *self.company_id.ids]),
            ]
        )
        return {product.default_code: product for product in products}

    def _ongoing_book_one(self, product):
        self.ensure_one()
        if not product:
            raise UserError(
                _(
                    "No Odoo product has the internal reference %(article)s: create it, or "
                    "correct its reference, then book the adjustment again.",
                    article=self.article_number,
                )
            )
        if not product.is_storable:
            raise UserError(
                _("%(product)s is not a storable product.", product=product.display_name)
            )
        if float_is_zero(self.quantity, precision_rounding=product.uom_id.rounding):
            self.write({"state": "booked", "product_id": product.id, "message": False})
            return

        backend = self.backend_id
        removed_return = self._ongoing_removed_return(product)
        stock = removed_return.location_dest_id or backend.warehouse_id.lot_stock_id
        loss = product.with_company(backend.company_id).property_stock_inventory
        inbound = self.quantity > 0
        label = self.cause or self.comment or _("adjustment")
        move = self.env["stock.move"].create(
            {
                "name": _("Ongoing %(id)s: %(label)s", id=self.inventory_id, label=label),
                "origin": _("Ongoing adjustment %(id)s", id=self.inventory_id),
                "product_id": product.id,
                "product_uom": product.uom_id.id,
                "product_uom_qty": abs(self.quantity),
                "location_id": (loss if inbound else stock).id,
                "location_dest_id": (stock if inbound else loss).id,
                "company_id": backend.company_id.id,
                "is_inventory": True,
            }
        )
        move._action_confirm()
        items = [(abs(self.quantity), self.lot_name)] if self.lot_name else []
        move._ongoing_set_done_quantity(abs(self.quantity), items)
        day = fields.Date.to_date(self.adjustment_time) if self.adjustment_time else None
        move.with_context(force_period_date=day)._action_done()
        self.write(
            {"state": "booked", "product_id": product.id, "move_id": move.id, "message": False}
        )

    def _ongoing_removed_return(self, product):
        """Return the customer return this write-off removes, if it is one.

        Ongoing writes off an item returned with a "remove" cause right after the
        return, with that cause on the adjustment. The return booked the item into
        its cause's location (the quarantine for damaged goods), so the write-off
        must take it from there.
        """
        if not self.cause or self.quantity >= 0:
            return self.env["stock.move"]
        return self.env["stock.move"].search(
            [
                ("product_id", "=", product.id),
                ("state", "=", "done"),
                ("ongoing_removal_pending_qty", ">", 0),
                ("picking_id.ongoing_return_cause_id.code", "=", self.cause),
                ("picking_id.ongoing_order_id.backend_id", "=", self.backend_id.id),
            ],
            order="date, id",
            limit=1,
        )

    def action_book_again(self):
        """Button: book adjustments that failed, for example once the product exists."""
        self._ongoing_book()
        return True
