"""Warehouse state of the Ongoing WMS simulator and the changes the ERP may request.

:class:`Warehouse` contains, per goods owner, the articles with their stock
items, the orders, purchase orders and return orders, and the inventory
adjustments. Its ``upsert_*``, ``cancel_*`` and ``report_*`` methods are the
changes the REST API lets a goods owner make. The warehouse staff's actions
(pick, ship, receive, count) are in :mod:`.ongoing_operator`. Both report
events through ``notify(template, subject, **details)``, which the simulator
turns into webhook payloads.

Rules the simulator enforces, as Ongoing WMS does:

* Upserts are keyed by number (article, order, purchase order, return order);
  row numbers are unique within a document; lines must name known articles.
* An order the warehouse has started (status 300 and above), a purchase order
  it has started receiving, or a return order with returned items can no
  longer be changed or cancelled. A PUT that changes nothing is still
  accepted, so a retried request does no harm.
* Fields left out of a PUT (or sent as null) keep their stored values. The
  lines of a PUT replace the document's lines: lines with a known row number
  keep their line id, lines left out are removed.

Quantities are floats. Times are aware UTC datetimes, set by ``clock``.
"""

import itertools
from datetime import datetime, timezone

from .ongoing_input import (
    article_fields,
    as_list,
    as_object,
    order_fields,
    parse_bool,
    parse_code_name,
    parse_number,
    parse_text,
    parse_time,
    purchase_order_fields,
    required_text,
)
from .ongoing_records import (
    DEFAULT_ADJUSTMENT_CAUSES,
    DEFAULT_RETURN_CAUSES,
    DEFAULT_TRANSPORTER_CONTRACTS,
    FIRST_IDS,
    ITEM_LOCKED,
    ITEM_LOCKED_FOR_SALE,
    ORDER_CANCELLED,
    ORDER_PICKED,
    ORDER_SENT,
    ORDER_STATUS_TEXTS,
    PO_CANCELLED,
    PO_DEFLECTION,
    PURCHASE_ORDER_STATUS_TEXTS,
    Article,
    InventoryFigures,
    ObjectNotFound,
    OperatorError,
    Order,
    OrderLine,
    PurchaseOrder,
    PurchaseOrderLine,
    RequestInvalid,
    ReturnOrder,
    ReturnOrderLine,
    locked,
    merge_fields,
)


class Warehouse:
    """State of one simulated Ongoing WMS system with one or more goods owners."""

    def __init__(
        self,
        goods_owners,
        lock,
        *,
        notify=None,
        clock=None,
        system="simulator",
        transporter_contracts=DEFAULT_TRANSPORTER_CONTRACTS,
        return_causes=DEFAULT_RETURN_CAUSES,
        adjustment_causes=None,
    ):
        if not goods_owners:
            raise ValueError("The simulator needs at least one goods owner.")
        self.goods_owners = {int(key): value for key, value in goods_owners.items()}
        self.lock = lock
        self.notify = notify or (lambda template, subject, **details: None)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.system = system
        self.transporter_contracts = [dict(contract) for contract in transporter_contracts]
        self.return_causes = {cause.code: cause for cause in return_causes}
        self.adjustment_causes = dict(adjustment_causes or DEFAULT_ADJUSTMENT_CAUSES)
        self.reset()

    @locked
    def reset(self):
        """Forget every article, document and adjustment, and restart the id counters."""
        self._ids = {kind: itertools.count(first) for kind, first in FIRST_IDS.items()}
        self.articles = {}
        self.orders = {}
        self.purchase_orders = {}
        self.return_orders = {}
        self.adjustments = []
        self.customers = {}
        self.suppliers = {}
        # Objects by (kind, goods owner id, number), since upserts are keyed by number.
        self._index = {}

    def next_id(self, kind):
        return next(self._ids[kind])

    def now(self):
        return self.clock()

    @property
    def default_goods_owner_id(self):
        return next(iter(self.goods_owners))

    def goods_owner_name(self, goods_owner_id):
        return self.goods_owners[goods_owner_id]

    def owner_id(self, goods_owner_id=None):
        """Return a configured goods owner id, the first one when None is given."""
        if goods_owner_id is None:
            return self.default_goods_owner_id
        goods_owner_id = int(goods_owner_id)
        if goods_owner_id not in self.goods_owners:
            raise OperatorError(f"Goods owner {goods_owner_id} is not configured.")
        return goods_owner_id

    # ------------------------------------------------------------------
    # Lookups
    # ------------------------------------------------------------------

    def find_article(self, goods_owner_id, article_number):
        return self._index.get(("article", goods_owner_id, article_number))

    def find_order(self, goods_owner_id, order_number):
        return self._index.get(("order", goods_owner_id, order_number))

    def find_purchase_order(self, goods_owner_id, number):
        return self._index.get(("purchase_order", goods_owner_id, number))

    def find_return_order(self, goods_owner_id, number):
        return self._index.get(("return_order", goods_owner_id, number))

    @staticmethod
    def _owned(objects, object_id, goods_owner_ids, kind):
        found = objects.get(object_id)
        if found is None or found.goods_owner_id not in goods_owner_ids:
            raise ObjectNotFound(f"No {kind} with id {object_id} was found.")
        return found

    def get_article(self, article_id, goods_owner_ids):
        return self._owned(self.articles, article_id, goods_owner_ids, "article")

    def get_order(self, order_id, goods_owner_ids):
        return self._owned(self.orders, order_id, goods_owner_ids, "order")

    def get_purchase_order(self, purchase_order_id, goods_owner_ids):
        return self._owned(
            self.purchase_orders, purchase_order_id, goods_owner_ids, "purchase order"
        )

    def get_return_order(self, return_order_id, goods_owner_ids):
        return self._owned(self.return_orders, return_order_id, goods_owner_ids, "return order")

    def return_cause(self, code):
        cause = self.return_causes.get(code)
        if cause is None:
            raise RequestInvalid(
                f"Return cause {code!r} does not exist; known causes: "
                f"{', '.join(sorted(self.return_causes))}."
            )
        return cause

    def adjustment_cause(self, code):
        if not code:
            return None
        return {"code": code, "name": self.adjustment_causes.get(code, code)}

    def _existing_article(self, goods_owner_id, article_number, where):
        article = self.find_article(goods_owner_id, article_number)
        if article is None:
            raise RequestInvalid(
                f"{where}: article {article_number!r} does not exist for goods owner "
                f"{goods_owner_id}. Create it with PUT articles first."
            )
        return article

    # ------------------------------------------------------------------
    # Articles
    # ------------------------------------------------------------------

    def upsert_article(self, goods_owner_id, body):
        """Create or update an article from a PUT body; return (article, message)."""
        number = required_text(body, "articleNumber", "article")
        fields = article_fields(body)
        article = self.find_article(goods_owner_id, number)
        if article is None and not fields["articleName"]:
            raise RequestInvalid(
                f"The new article {number} has no articleName.",
                field="articleName",
            )

        now = self.now()
        messages = []
        supplier_number = fields["supplierInfo.supplierNumber"]
        if supplier_number and (goods_owner_id, supplier_number) not in self.suppliers:
            self.suppliers[(goods_owner_id, supplier_number)] = self.next_id("supplier")
            name = fields["supplierInfo.supplierName"] or ""
            messages.append(f"Supplier {supplier_number} {name} Created <br/> <br/>")
        if article is None:
            article = Article(
                article_id=self.next_id("article"),
                goods_owner_id=goods_owner_id,
                article_number=number,
                data={key: value for key, value in fields.items() if value is not None},
                created=now,
                updated=now,
                stock_changed=now,
            )
            self.articles[article.article_id] = article
            self._index[("article", goods_owner_id, number)] = article
        else:
            article.data = merge_fields(article.data, fields)
            article.updated = now
        messages.append(f"Article {number} {article.name} Updated/Created")
        return article, "".join(messages)

    def articles_of(self, goods_owner_id, numbers=None, id_from=None, stock_changed_from=None):
        articles = [a for a in self.articles.values() if a.goods_owner_id == goods_owner_id]
        if numbers:
            articles = [a for a in articles if a.article_number in numbers]
        if id_from is not None:
            articles = [a for a in articles if a.article_id >= id_from]
        if stock_changed_from is not None:
            articles = [a for a in articles if a.stock_changed >= stock_changed_from]
        return sorted(articles, key=lambda a: a.article_id)

    def attach_file(self, owner_object, body):
        """Store an attached file on an article or order; return the new file id."""
        body = as_object(body, "file")
        file_name = required_text(body, "fileName", "file")
        data = parse_text(body.get("fileDataBase64"), "fileDataBase64")
        if not data:
            raise RequestInvalid(
                "The file has no fileDataBase64.",
                field="fileDataBase64",
            )
        file_id = self.next_id("file")
        owner_object.files.append(
            {
                "fileId": file_id,
                "fileName": file_name,
                "mimeType": parse_text(body.get("mimeType"), "mimeType") or "",
                "fileDataBase64": data,
            }
        )
        return file_id

    # ------------------------------------------------------------------
    # Inventory
    # ------------------------------------------------------------------

    def inventory(self, goods_owner_id, article_ids=None):
        """Return the stock figures of the goods owner's articles, by article id.

        ``article_ids`` limits the figures to those articles, which keeps a page
        of a long article list cheap to render.
        """
        articles = (
            (a for a in self.articles.values() if a.goods_owner_id == goods_owner_id)
            if article_ids is None
            else (self.articles[article_id] for article_id in article_ids)
        )
        figures = {article.article_id: InventoryFigures() for article in articles}
        for article_id, figure in figures.items():
            for item in self.articles[article_id].items:
                figure.physical += item.quantity
                if item.status == ITEM_LOCKED:
                    figure.locked += item.quantity
                elif item.status == ITEM_LOCKED_FOR_SALE:
                    figure.locked_for_sale += item.quantity

        for order in self.orders.values():
            if order.goods_owner_id != goods_owner_id or order.status == ORDER_CANCELLED:
                continue
            for line in (line for line in order.lines if line.article.article_id in figures):
                figure = figures[line.article.article_id]
                if order.status < ORDER_SENT:
                    figure.picked_to_be_collected += line.picked - line.returned
                if not order.is_open:
                    continue
                outstanding = max(0.0, line.ordered - line.picked)
                reserved = max(0.0, min(line.allocated, line.ordered) - line.picked)
                figure.allocated += reserved
                figure.booked += outstanding - reserved

        for purchase_order in self.purchase_orders.values():
            if (
                purchase_order.goods_owner_id != goods_owner_id
                or purchase_order.status >= PO_DEFLECTION
            ):
                continue
            for line in purchase_order.lines:
                figure = figures.get(line.article.article_id, InventoryFigures())
                figure.to_receive += max(0.0, line.advised - line.received)
        return figures

    def adjustments_between(self, goods_owner_id, time_from, time_to):
        return [
            adjustment
            for adjustment in self.adjustments
            if adjustment.article.goods_owner_id == goods_owner_id
            and time_from <= adjustment.time
            and (time_to is None or adjustment.time <= time_to)
        ]

    # ------------------------------------------------------------------
    # Lines of orders and purchase orders
    # ------------------------------------------------------------------

    def _document_lines(self, goods_owner_id, rows, key, document, line_data):
        """Return [(row number, article, quantity, data)] for the lines of a PUT body."""
        rows = as_list(rows, key)
        if not rows:
            raise RequestInvalid(f"The {document} has no {key}.", field=key)
        lines, seen = [], set()
        for row in rows:
            row = as_object(row, f"{key}[]")
            row_number = required_text(row, "rowNumber", f"{document} line")
            if row_number in seen:
                raise RequestInvalid(
                    f"The {document} has the row number {row_number} more than once.",
                    field="rowNumber",
                )
            seen.add(row_number)
            where = f"{document[0].upper()}{document[1:]} row {row_number}"
            article_number = required_text(row, "articleNumber", f"{document} line")
            quantity = parse_number(row.get("numberOfItems"), "numberOfItems")
            if quantity is None or quantity < 0:
                raise RequestInvalid(
                    f"{where}: numberOfItems must be 0 or more.", field="numberOfItems"
                )
            article = self._existing_article(goods_owner_id, article_number, where)
            lines.append((row_number, article, quantity, line_data(row)))
        return lines

    @staticmethod
    def _order_line_data(row):
        return {
            "comment": parse_text(row.get("comment"), "comment"),
            "serialNumber": parse_text(row.get("serialNumber"), "serialNumber"),
            "lineTotalCustomsValue": parse_number(
                row.get("lineTotalCustomsValue"), "lineTotalCustomsValue"
            ),
            "shouldBePicked": parse_bool(row.get("shouldBePicked"), "shouldBePicked"),
        }

    @staticmethod
    def _purchase_order_line_data(row):
        return {"comment": parse_text(row.get("comment"), "comment")}

    def _store_put(self, document, fields, lines, make_line):
        """Store the header and lines of a PUT, unless the warehouse has started the document.

        Lines with a known row number and the same article keep their line id.
        """
        if document.is_started:
            return
        document.data = merge_fields(document.data, fields)
        by_row = {line.row_number: line for line in document.lines}
        new_lines = []
        for row_number, article, quantity, data in lines:
            line = by_row.get(row_number)
            if line is None or line.article is not article:
                line = make_line(row_number, article, quantity, data)
            else:
                line.update(quantity, data)
            new_lines.append(line)
        document.lines = new_lines
        document.updated = self.now()

    @staticmethod
    def _document_changes(document, fields, lines):
        """Return whether a PUT would change the header or lines of an order or purchase order.

        Lines the warehouse added (without row number) are not the ERP's to change.
        """
        if merge_fields(document.data, fields) != document.data:
            return True
        current = {line.row_number: line for line in document.lines if line.row_number is not None}
        if set(current) != {row for row, *_ in lines}:
            return True
        return any(
            current[row].article is not article
            or current[row].quantity != quantity
            or merge_fields(current[row].data, data) != current[row].data
            for row, article, quantity, data in lines
        )

    # ------------------------------------------------------------------
    # Orders
    # ------------------------------------------------------------------

    def upsert_order(self, goods_owner_id, body):
        """Create or update an order from a PUT body; return (order, message)."""
        number = required_text(body, "orderNumber", "order")
        fields = order_fields(body)
        lines = self._document_lines(
            goods_owner_id,
            body.get("orderLines"),
            "orderLines",
            f"order {number}",
            self._order_line_data,
        )
        order = self.find_order(goods_owner_id, number)
        now = self.now()

        if order is not None and order.is_started and self._document_changes(order, fields, lines):
            if order.status == ORDER_CANCELLED:
                raise RequestInvalid(f"Order {number} is cancelled and cannot be changed.")
            raise RequestInvalid(
                f"Order {number} cannot be changed: the warehouse has started working on it "
                f"(status {order.status} {ORDER_STATUS_TEXTS.get(order.status, '')})."
            )
        messages = []
        customer_number = fields["consignee.customerNumber"]
        if customer_number and (goods_owner_id, customer_number) not in self.customers:
            customer_id = self.next_id("customer")
            self.customers[(goods_owner_id, customer_number)] = customer_id
            messages.append(
                f"Customer with customer number '{customer_number}' and ID '{customer_id}' "
                f"created. <br/> <br/>"
            )

        created = order is None
        if created:
            order = Order(
                order_id=self.next_id("order"),
                goods_owner_id=goods_owner_id,
                order_number=number,
                data={},
                lines=[],
                created=now,
                status_changed=now,
            )
            self.orders[order.order_id] = order
            self._index[("order", goods_owner_id, number)] = order
        self._store_put(order, fields, lines, self._new_order_line)

        messages.append(f"Order number {number} created/updated")
        if created:
            self.notify("OrderCreated", order)
        return order, "".join(messages)

    def _new_order_line(self, row_number, article, quantity, data):
        return OrderLine(
            line_id=self.next_id("order_line"),
            row_number=row_number,
            article=article,
            ordered=quantity,
            data={key: value for key, value in data.items() if value is not None},
        )

    def cancel_order(self, order):
        """Cancel an order for the ERP; rejected once the warehouse has started on it."""
        if order.status == ORDER_CANCELLED:
            return f"Order number {order.order_number} is already cancelled"
        if order.is_started:
            raise RequestInvalid(
                f"Order {order.order_number} cannot be cancelled: the warehouse has started "
                f"working on it (status {order.status} {ORDER_STATUS_TEXTS.get(order.status, '')})."
            )
        self.set_order_status(order, ORDER_CANCELLED)
        return f"Order number {order.order_number} cancelled"

    def report_order_line(self, order, line_id, quantity, returned=False):
        """Store the quantity the ERP has booked for a line (picked or returned items)."""
        line = order.line_by_id(line_id)
        if line is None:
            raise ObjectNotFound(f"Order {order.order_id} has no line with id {line_id}.")
        name = "reportedReturnedNumberOfItems" if returned else "reportedNumberOfItems"
        value = parse_number(quantity, name)
        if value is None or value < 0:
            raise RequestInvalid(f"{name} must be 0 or more.", field=name)
        if returned:
            line.reported_returned = value
        else:
            line.reported = value
        order.updated = self.now()
        return line

    def orders_of(self, goods_owner_id, filters):
        orders = [o for o in self.orders.values() if o.goods_owner_id == goods_owner_id]
        if filters.get("order_numbers"):
            orders = [o for o in orders if o.order_number in filters["order_numbers"]]
        if filters.get("id_from") is not None:
            orders = [o for o in orders if o.order_id >= filters["id_from"]]
        if filters.get("status_from") is not None:
            orders = [o for o in orders if o.status >= filters["status_from"]]
        if filters.get("status_to") is not None:
            orders = [o for o in orders if o.status <= filters["status_to"]]
        if filters.get("status_changed_from") is not None:
            orders = [o for o in orders if o.status_changed >= filters["status_changed_from"]]
        if filters.get("lines_to_report"):
            orders = [
                o for o in orders if any(line.picked != (line.reported or 0) for line in o.lines)
            ]
        if filters.get("lines_to_report_returned"):
            orders = [
                o
                for o in orders
                if any(line.returned != (line.reported_returned or 0) for line in o.lines)
            ]
        return sorted(orders, key=lambda o: o.order_id)

    def set_order_status(self, order, status):
        """Change the order status and emit the status and picked webhooks."""
        if order.status == status:
            return
        previous = order.status
        order.status = status
        order.status_changed = order.updated = self.now()
        self.notify("OrderStatusChanged", order)
        has_picked = any(line.picked_items for line in order.lines)
        if previous < ORDER_PICKED <= status < ORDER_CANCELLED and has_picked:
            self.notify("OrderPicked", order)

    # ------------------------------------------------------------------
    # Purchase orders
    # ------------------------------------------------------------------

    def upsert_purchase_order(self, goods_owner_id, body):
        """Create or update a purchase order from a PUT body; return (order, message)."""
        number = required_text(body, "purchaseOrderNumber", "purchase order")
        fields = purchase_order_fields(body)
        lines = self._document_lines(
            goods_owner_id,
            body.get("purchaseOrderLines"),
            "purchaseOrderLines",
            f"purchase order {number}",
            self._purchase_order_line_data,
        )
        order = self.find_purchase_order(goods_owner_id, number)
        now = self.now()

        if order is not None and order.is_started and self._document_changes(order, fields, lines):
            raise RequestInvalid(
                f"Purchase order {number} cannot be changed: the warehouse has started receiving "
                f"it (status {order.status} {PURCHASE_ORDER_STATUS_TEXTS.get(order.status, '')})."
            )
        created = order is None
        if created:
            order = PurchaseOrder(
                purchase_order_id=self.next_id("purchase_order"),
                goods_owner_id=goods_owner_id,
                purchase_order_number=number,
                data={},
                lines=[],
                created=now,
                status_changed=now,
            )
            self.purchase_orders[order.purchase_order_id] = order
            self._index[("purchase_order", goods_owner_id, number)] = order
        self._store_put(order, fields, lines, self._new_purchase_order_line)

        if created:
            self.notify("PurchaseOrderCreated", order)
            return order, f"Inorder with order number {number} created. <br/>"
        return order, f"Inorder with order number {number} updated. <br/>"

    def _new_purchase_order_line(self, row_number, article, quantity, data):
        return PurchaseOrderLine(
            line_id=self.next_id("purchase_order_line"),
            row_number=row_number,
            article=article,
            advised=quantity,
            data={key: value for key, value in data.items() if value is not None},
        )

    def cancel_purchase_order(self, order):
        if order.status == PO_CANCELLED:
            return f"Inorder with order number {order.purchase_order_number} is already cancelled"
        if order.is_started:
            raise RequestInvalid(
                f"Purchase order {order.purchase_order_number} cannot be cancelled: the warehouse "
                f"has started receiving it (status {order.status} "
                f"{PURCHASE_ORDER_STATUS_TEXTS.get(order.status, '')})."
            )
        self.set_purchase_order_status(order, PO_CANCELLED)
        return f"Inorder with order number {order.purchase_order_number} cancelled"

    def report_purchase_order_line(self, order, line_id, quantity):
        line = order.line_by_id(line_id)
        if line is None:
            raise ObjectNotFound(
                f"Purchase order {order.purchase_order_id} has no line with id {line_id}."
            )
        value = parse_number(quantity, "reportedNumberOfItems")
        if value is None or value < 0:
            raise RequestInvalid(
                "reportedNumberOfItems must be 0 or more.",
                field="reportedNumberOfItems",
            )
        line.reported = value
        order.updated = self.now()
        return line

    def purchase_orders_of(self, goods_owner_id, filters):
        orders = [o for o in self.purchase_orders.values() if o.goods_owner_id == goods_owner_id]
        if filters.get("numbers"):
            orders = [o for o in orders if o.purchase_order_number in filters["numbers"]]
        if filters.get("id_from") is not None:
            orders = [o for o in orders if o.purchase_order_id >= filters["id_from"]]
        if filters.get("status_from") is not None:
            orders = [o for o in orders if o.status >= filters["status_from"]]
        if filters.get("status_to") is not None:
            orders = [o for o in orders if o.status <= filters["status_to"]]
        if filters.get("status_changed_from") is not None:
            orders = [o for o in orders if o.status_changed >= filters["status_changed_from"]]
        if filters.get("lines_to_report"):
            orders = [
                o for o in orders if any(line.received != (line.reported or 0) for line in o.lines)
            ]
        return sorted(orders, key=lambda o: o.purchase_order_id)

    def set_purchase_order_status(self, order, status):
        if order.status == status:
            return
        previous = order.status
        order.status = status
        order.status_changed = order.updated = self.now()
        self.notify("PurchaseOrderStatusChanged", order)
        has_received = any(line.received_items for line in order.lines)
        if previous < PO_DEFLECTION <= status < PO_CANCELLED and has_received:
            self.notify("PurchaseOrderReceived", order)

    # ------------------------------------------------------------------
    # Return orders
    # ------------------------------------------------------------------

    def _customer_order(self, goods_owner_id, body, number):
        reference = as_object(body.get("customerOrder"), "customerOrder")
        order_id = parse_number(reference.get("orderId"), "customerOrder.orderId")
        order_number = parse_text(reference.get("orderNumber"), "customerOrder.orderNumber")
        if order_id is not None:
            order = self.orders.get(int(order_id))
            if order is None or order.goods_owner_id != goods_owner_id:
                raise RequestInvalid(
                    f"Return order {number}: order id {int(order_id)} does not exist."
                )
            return order
        if order_number:
            order = self.find_order(goods_owner_id, order_number)
            if order is None:
                raise RequestInvalid(
                    f"Return order {number}: order number {order_number!r} does not exist."
                )
            return order
        raise RequestInvalid(
            f"Return order {number} names no customer order.",
            field="customerOrder",
        )

    def _return_order_lines(self, order, body, number):
        rows = as_list(body.get("returnOrderLines"), "returnOrderLines")
        if not rows:
            raise RequestInvalid(
                f"The return order {number} has no returnOrderLines.",
                field="returnOrderLines",
            )
        lines, seen = [], set()
        for row in rows:
            row = as_object(row, "returnOrderLines[]")
            row_number = required_text(row, "returnOrderRowNumber", f"return order {number} line")
            if row_number in seen:
                raise RequestInvalid(
                    f"The return order {number} has the row number {row_number} more than once.",
                    field="returnOrderRowNumber",
                )
            seen.add(row_number)
            reference = as_object(row.get("customerOrderLine"), "customerOrderLine")
            line_id = parse_number(reference.get("orderLineId"), "customerOrderLine.orderLineId")
            order_row = parse_text(
                reference.get("customerOrderRowNumber"), "customerOrderLine.customerOrderRowNumber"
            )
            if line_id is not None:
                order_line = order.line_by_id(int(line_id))
                missing = f"line id {int(line_id)}"
            else:
                order_line = order.line_by_row(order_row) if order_row else None
                missing = f"row number {order_row!r}"
            if order_line is None:
                raise RequestInvalid(
                    f"Return order {number} row {row_number}: order {order.order_number} has no "
                    f"{missing}."
                )
            quantity = parse_number(
                row.get("toBeReturnedNumberOfItems"), "toBeReturnedNumberOfItems"
            )
            if quantity is None or quantity <= 0:
                raise RequestInvalid(
                    f"Return order {number} row {row_number}: toBeReturnedNumberOfItems must be "
                    f"more than 0.",
                    field="toBeReturnedNumberOfItems",
                )
            if quantity > order_line.picked:
                raise RequestInvalid(
                    f"Return order {number} row {row_number}: {quantity:g} items of article "
                    f"{order_line.article.article_number} cannot be returned, order "
                    f"{order.order_number} row {order_line.row_number} only has "
                    f"{order_line.picked:g} picked."
                )
            cause = parse_code_name(row.get("returnCause"), "returnCause")
            cause = self.return_cause(cause["code"]) if cause else None
            lines.append((row_number, order_line, quantity, cause))
        return lines

    def upsert_return_order(self, goods_owner_id, body):
        """Create or update a return order from a PUT body; return (return order, message)."""
        number = required_text(body, "returnOrderNumber", "return order")
        order = self._customer_order(goods_owner_id, body, number)
        lines = self._return_order_lines(order, body, number)
        data = {
            "comment": parse_text(body.get("comment"), "comment"),
            "inDate": parse_time(body.get("inDate"), "inDate"),
            "returnOrderHandlingComment": parse_text(
                body.get("returnOrderHandlingComment"), "returnOrderHandlingComment"
            ),
        }
        return_order = self.find_return_order(goods_owner_id, number)
        now = self.now()

        if return_order is None:
            return_order = ReturnOrder(
                return_order_id=self.next_id("return_order"),
                goods_owner_id=goods_owner_id,
                return_order_number=number,
                order=order,
                data={key: value for key, value in data.items() if value is not None},
                lines=[self._new_return_line(*line) for line in lines],
                created=now,
                updated=now,
            )
            self.return_orders[return_order.return_order_id] = return_order
            self._index[("return_order", goods_owner_id, number)] = return_order
            return return_order, f"Return order {number} created."

        if return_order.is_started and self._return_order_changes(return_order, order, data, lines):
            raise RequestInvalid(
                f"Return order {number} cannot be changed: the warehouse has already received "
                f"returned items on it."
            )
        if not return_order.is_started:
            current = {line.row_number: line for line in return_order.lines}
            return_order.order = order
            return_order.data = merge_fields(return_order.data, data)
            return_order.lines = [
                self._updated_return_line(current.get(row), row, order_line, quantity, cause)
                for row, order_line, quantity, cause in lines
            ]
            return_order.updated = now
        return return_order, f"Return order {number} updated."

    def _new_return_line(self, row_number, order_line, quantity, cause):
        return ReturnOrderLine(
            line_id=self.next_id("return_order_line"),
            row_number=row_number,
            order_line=order_line,
            to_be_returned=quantity,
            cause=cause,
        )

    def _updated_return_line(self, line, row_number, order_line, quantity, cause):
        if line is None:
            return self._new_return_line(row_number, order_line, quantity, cause)
        line.order_line, line.to_be_returned, line.cause = order_line, quantity, cause
        return line

    @staticmethod
    def _return_order_changes(return_order, order, data, lines):
        if (
            return_order.order is not order
            or merge_fields(return_order.data, data) != return_order.data
        ):
            return True
        current = {line.row_number: line for line in return_order.lines}
        if set(current) != {row for row, *_ in lines}:
            return True
        return any(
            current[row].order_line is not order_line
            or current[row].to_be_returned != quantity
            or current[row].cause != cause
            for row, order_line, quantity, cause in lines
        )

    def return_orders_of(self, goods_owner_id, filters):
        orders = [o for o in self.return_orders.values() if o.goods_owner_id == goods_owner_id]
        if filters.get("numbers"):
            orders = [o for o in orders if o.return_order_number in filters["numbers"]]
        if filters.get("customer_order_numbers"):
            orders = [
                o for o in orders if o.order.order_number in filters["customer_order_numbers"]
            ]
        if filters.get("status_from") is not None:
            orders = [o for o in orders if o.status >= filters["status_from"]]
        if filters.get("status_to") is not None:
            orders = [o for o in orders if o.status <= filters["status_to"]]
        if filters.get("returned_from") is not None:
            orders = [
                o
                for o in orders
                if any(
                    item.return_time >= filters["returned_from"]
                    for line in o.lines
                    for item in line.returned_items
                )
            ]
        return sorted(orders, key=lambda o: o.return_order_id)
