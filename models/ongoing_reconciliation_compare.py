from collections import defaultdict
from dataclasses import dataclass, field

from odoo import _, models
from odoo.exceptions import UserError
from odoo.tools.translate import LazyTranslate

from ..reconciliation import compare
from ..reconciliation.sources import read_stock_file, stock_from_api

# Sign of a document line's effect on Ongoing's stock: picking lowers it, receiving raises it.
DIRECTIONS = {"outbound": -1, "purchase": 1, "return": 1}
# Quantities closer than this count as equal when looking for document lines in flight.
QUANTITY_EPSILON = 1e-6

_lt = LazyTranslate(__name__)

# Notes of the lines left to a person, by reason.
CHECK_REASONS = {
    compare.NO_LOTS: _lt(
        "Ongoing gives no quantities per lot or serial number for this tracked product; "
        "correct it by hand."
    ),
    compare.LOTS_DO_NOT_ADD_UP: _lt("Ongoing's quantities per lot do not add up to its quantity."),
    compare.ITEMS_WITHOUT_LOT: _lt(
        "Ongoing holds items of this tracked product without a lot or serial number."
    ),
    compare.TRACKED_IN_FLIGHT: _lt(
        "Bookings of this tracked product are pending; it is corrected once they are booked."
    ),
    "duplicate_reference": _lt("Several Odoo products have this internal reference."),
    "not_storable": _lt("The Odoo product with this internal reference is not storable."),
    "no_reference": _lt(
        "The product has no internal reference, which Ongoing needs as its article number."
    ),
}


@dataclass
class RemoteSnapshot:
    """What a run read from Ongoing: the stock, and the document lines with moves to report.

    ``documents`` maps (order type, Ongoing id, row number) to (document number,
    done, returned). ``moving`` contains the keys whose figures changed while
    the stock was read.
    """

    stock: dict
    documents: dict = field(default_factory=dict)
    moving: set = field(default_factory=set)


class OngoingReconciliation(models.Model):
    _inherit = "ongoing.reconciliation"

    # ------------------------------------------------------------------
    # Ongoing's side
    # ------------------------------------------------------------------

    def _ongoing_fetch(self, client):
        """Read Ongoing's stock, and its documents with moves to report before and after it."""
        self.ensure_one()
        before = self._ongoing_read_documents(client)
        if self.source == "file":
            return RemoteSnapshot(stock=self._ongoing_read_file(), documents=before)

        articles = list(client.iter_articles())
        tracked = self._ongoing_tracked_references()
        numbers = [
            article.article_number for article in articles if article.article_number in tracked
        ]
        items = {}
        if numbers:
            items = {entry.article_number: entry for entry in client.iter_article_items(numbers)}
        stock = stock_from_api(articles, items)

        after = self._ongoing_read_documents(client)
        moving = {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
        return RemoteSnapshot(stock=stock, documents=after, moving=moving)

    def _ongoing_read_file(self):
        if not self.file_id:
            raise UserError(
                _("%(name)s has no stock-balance file; import the file again.", name=self.name)
            )
        mapping = self.backend_id._ongoing_file_mapping()
        return read_stock_file(self.file_id.raw or b"", self.file_name, mapping)

    def _ongoing_read_documents(self, client):
        """Return the current figures of the document lines Ongoing has moves to report on."""
        figures = {}
        seen = set()
        for only in ({"only_lines_to_report": True}, {"only_returns_to_report": True}):
            for order in client.iter_orders(**only):
                if order.order_id in seen:
                    continue
                seen.add(order.order_id)
                for line in order.lines:
                    figures[("outbound", order.order_id, line.row_number)] = (
                        order.order_number,
                        line.picked,
                        line.returned,
                    )
        for order in client.iter_purchase_orders(only_lines_to_report=True):
            for line in order.lines:
                # Lines the warehouse added (unexpected articles) have no row number to bind.
                if line.row_number:
                    figures[("purchase", order.purchase_order_id, line.row_number)] = (
                        order.purchase_order_number,
                        line.received,
                        0.0,
                    )
        return figures

    def _ongoing_tracked_references(self):
        """Return the internal references of the company's lot- or serial-tracked products."""
        products = (
            self.env["product.product"]
            .with_context(active_test=False)
            .search_fetch(
                [
                    ("tracking", "!=", "none"),
                    ("default_code", "!=", False),
                    ("company_id", "in", [False, self.company_id.id]),
                ],
                ["default_code"],
            )
        )
        return {product.default_code for product in products}

    # ------------------------------------------------------------------
    # Comparison
    # ------------------------------------------------------------------

    def _ongoing_compare(self, snapshot):
        """Compare Ongoing's stock with Odoo's and store a line per case found."""
        self.ensure_one()
        in_flight = self._ongoing_in_flight(snapshot)
        odoo_stock, products, unreferenced = self._ongoing_odoo_stock(snapshot.stock, in_flight)

        by_article = {}
        flights = {}
        moving = set()
        for product_id, (quantity, documents, is_moving) in in_flight.items():
            code = products[product_id].default_code if product_id in products else False
            if not code:
                continue
            flights[code] = flights.get(code, 0.0) + quantity
            if is_moving:
                moving.add(code)
            by_article.setdefault(code, []).extend(documents)

        absent_as_zero = self._ongoing_known_articles() if self.source == "file" else ()
        findings, matched = compare.compare_stock(
            snapshot.stock, odoo_stock, flights, moving, absent_as_zero
        )
        findings += unreferenced
        self.write(
            {
                "article_count": len(set(snapshot.stock) | set(odoo_stock)) + len(unreferenced),
                "matched_count": matched,
            }
        )
        self._ongoing_create_lines(findings, products, by_article)

    def _ongoing_in_flight(self, snapshot):
        """Return {product id: (quantity in flight, [(document, quantity)], moving)}."""
        lines = self._ongoing_open_lines(snapshot.documents)
        result = {}
        for line in lines:
            order = line.order_id
            key = (order.order_type, order.remote_id, line.row_number)
            remote = snapshot.documents.get(key)
            done, returned = (
                (remote[1], remote[2])
                if remote
                else (line.remote_done_qty, line.remote_returned_qty)
            )
            quantity = compare.document_in_flight(
                DIRECTIONS.get(order.order_type, 0),
                done,
                line.booked_qty,
                returned,
                line.returned_booked_qty,
            )
            moving = key in snapshot.moving
            if abs(quantity) < QUANTITY_EPSILON and not moving:
                continue
            total, documents, was_moving = result.get(line.product_id.id, (0.0, [], False))
            if abs(quantity) >= QUANTITY_EPSILON:
                documents = [*documents, (order.name, quantity)]
            result[line.product_id.id] = (total + quantity, documents, was_moving or moving)
        return result

    def _ongoing_open_lines(self, documents):
        """Return the backend's document lines that may be in flight, with their documents read.

        They are the lines whose stored figures show a move one side has not booked,
        and the lines of the documents Ongoing listed with moves to report.
        """
        line_model = self.env["ongoing.order.line"]
        order_model = self.env["ongoing.order"]
        line_model.flush_model()
        order_model.flush_model(["backend_id", "order_type", "remote_id", "name"])
        self.env.cr.execute(
            """
            SELECT line.id
              FROM ongoing_order_line line
              JOIN ongoing_order document ON document.id = line.order_id
             WHERE document.backend_id = %s
               AND line.product_id IS NOT NULL
               AND (ABS(COALESCE(line.remote_done_qty, 0) - COALESCE(line.booked_qty, 0)) > %s
                    OR ABS(COALESCE(line.remote_returned_qty, 0)
                           - COALESCE(line.returned_booked_qty, 0)) > %s)
            """,
            [self.backend_id.id, QUANTITY_EPSILON, QUANTITY_EPSILON],
        )
        line_ids = [row[0] for row in self.env.cr.fetchall()]

        remote_ids = {(order_type, remote_id) for order_type, remote_id, _row in documents}
        if remote_ids:
            orders = order_model.search_fetch(
                [
                    ("backend_id", "=", self.backend_id.id),
                    ("remote_id", "in", [remote_id for _type, remote_id in remote_ids]),
                ],
                ["order_type", "remote_id"],
            )
            wanted = orders.filtered(
                lambda order: (order.order_type, order.remote_id) in remote_ids
            )
            domain = ["|", ("id", "in", line_ids), ("order_id", "in", wanted.ids)]
        else:
            domain = [("id", "in", line_ids)]
        lines = line_model.search_fetch(
            [*domain, ("product_id", "!=", False)],
            [
                "order_id",
                "row_number",
                "product_id",
                "booked_qty",
                "remote_done_qty",
                "returned_booked_qty",
                "remote_returned_qty",
            ],
        )
        order_model.search_fetch(
            [("id", "in", lines.order_id.ids)], ["order_type", "remote_id", "name"]
        )
        return lines

    def _ongoing_odoo_stock(self, ongoing_stock, in_flight):
        """Return ({article number: OdooStock}, {product id: product}, findings).

        The findings are the products with stock but without internal reference,
        which no Ongoing article can match.
        """
        backend = self.backend_id
        company = backend.company_id
        quants = self.env["stock.quant"]._read_group(
            [("location_id", "child_of", backend._get_mirror_locations().ids)],
            ["product_id", "lot_id"],
            ["quantity:sum"],
        )
        stocked_ids = {product.id for product, _lot, _quantity in quants}
        products = (
            self.env["product.product"]
            .with_company(company)
            .with_context(active_test=False)
            .search_fetch(
                [
                    ("company_id", "in", [False, company.id]),
                    "|",
                    ("default_code", "in", list(ongoing_stock)),
                    ("id", "in", list(stocked_ids | set(in_flight))),
                ],
                ["default_code", "product_tmpl_id", "standard_price"],
            )
        )
        self.env["product.template"].with_context(active_test=False).search_fetch(
            [("id", "in", products.product_tmpl_id.ids)], ["tracking", "is_storable", "uom_id"]
        )
        self.env["uom.uom"].with_context(active_test=False).search_fetch(
            [("id", "in", products.product_tmpl_id.uom_id.ids)], ["rounding"]
        )
        lot_ids = {lot.id for _product, lot, _quantity in quants if lot}
        lots = self.env["stock.lot"].search_fetch([("id", "in", list(lot_ids))], ["name"])
        lot_names = {lot.id: lot.name for lot in lots}

        quantities = defaultdict(dict)
        for product, lot, quantity in quants:
            name = lot_names.get(lot.id, "")
            quantities[product.id][name] = quantities[product.id].get(name, 0.0) + quantity

        by_code = defaultdict(list)
        unreferenced = []
        for product in products:
            if product.default_code:
                by_code[product.default_code].append(product)
            elif product.id in stocked_ids:
                unreferenced.append(self._ongoing_unreferenced_finding(product, quantities))

        stock = {
            code: self._ongoing_stock_of(code, matches, quantities)
            for code, matches in by_code.items()
        }
        return stock, {product.id: product for product in products}, unreferenced

    @staticmethod
    def _ongoing_stock_of(code, products, quantities):
        product = products[0]
        template = product.product_tmpl_id
        lots = {}
        for match in products:
            for name, quantity in quantities.get(match.id, {}).items():
                lots[name] = lots.get(name, 0.0) + quantity
        problem = ""
        if len(products) > 1:
            problem = "duplicate_reference"
        elif not template.is_storable:
            problem = "not_storable"
        return compare.OdooStock(
            product_id=product.id,
            article_number=code,
            quantity=sum(lots.values()),
            lots=lots,
            tracked=template.tracking != "none",
            rounding=template.uom_id.rounding or compare.DEFAULT_ROUNDING,
            problem=problem,
        )

    @staticmethod
    def _ongoing_unreferenced_finding(product, quantities):
        return compare.Finding(
            compare.UNKNOWN_IN_ONGOING,
            "",
            product_id=product.id,
            odoo_quantity=sum(quantities.get(product.id, {}).values()),
            reason="no_reference",
        )

    def _ongoing_known_articles(self):
        """Return the internal references of the products Odoo has sent to Ongoing as articles."""
        articles = self.env["ongoing.article"].search_fetch(
            [("backend_id", "=", self.backend_id.id), ("article_system_id", "!=", 0)],
            ["article_number"],
        )
        return {article.article_number for article in articles if article.article_number}

    # ------------------------------------------------------------------
    # Report lines
    # ------------------------------------------------------------------

    def _ongoing_create_lines(self, findings, products, documents_by_article):
        """Store one line per finding, valued at the products' cost."""
        lots = self._ongoing_find_lots(findings)
        values = []
        for finding in findings:
            product = products.get(finding.product_id) if finding.product_id else None
            cost = product.standard_price if product else 0.0
            note = []
            if finding.reason in CHECK_REASONS:
                note.append(self.env._(CHECK_REASONS[finding.reason]))
            for document, quantity in documents_by_article.get(finding.article_number, []):
                note.append(_("%(document)s: %(quantity)+g", document=document, quantity=quantity))
            values.append(
                {
                    "reconciliation_id": self.id,
                    "backend_id": self.backend_id.id,
                    "company_id": self.company_id.id,
                    "date": self.date_start,
                    "case": finding.case,
                    "product_id": finding.product_id,
                    "article_number": finding.article_number
                    or (product.default_code if product else False),
                    "lot_id": lots.get((finding.product_id, finding.lot)),
                    "lot_name": finding.lot or False,
                    "odoo_qty": finding.odoo_quantity,
                    "ongoing_qty": finding.ongoing_quantity,
                    "in_flight_qty": finding.in_flight,
                    "difference_qty": finding.difference,
                    "unit_cost": cost,
                    "value": finding.difference * cost,
                    "note": "; ".join(note) or False,
                }
            )
        return self.env["ongoing.reconciliation.line"].create(values)

    def _ongoing_find_lots(self, findings):
        """Return {(product id, lot name): lot id} for the lots the findings name."""
        wanted = {(f.product_id, f.lot) for f in findings if f.lot and f.product_id}
        if not wanted:
            return {}
        lots = self.env["stock.lot"].search_fetch(
            [
                ("product_id", "in", list({product_id for product_id, _lot in wanted})),
                ("name", "in", list({lot for _product, lot in wanted})),
                ("company_id", "in", [False, self.company_id.id]),
            ],
            ["product_id", "name"],
        )
        return {(lot.product_id.id, lot.name): lot.id for lot in lots}
