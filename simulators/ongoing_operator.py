"""Warehouse staff actions of the Ongoing WMS simulator.

:class:`WarehouseOperator` changes a :class:`.ongoing_state.Warehouse` the way
people and scanners in a 3PL warehouse do: it picks and ships orders,
receives purchase orders (with deviations), counts and locks stock, and takes
returns back. Each action checks the whole request before it changes
anything, raises :class:`OperatorError` with the reason when it is impossible,
reports webhook events, and returns the changed document in Ongoing's JSON
shape.

Quantities per line are given as ``{row_number: quantity}`` or as
``{row_number: [{"quantity": 1, "serial": "SSN1", "batch": "B1"}, ...]}`` when
the items carry serial or batch numbers.
"""

from .ongoing_json import (
    article_json,
    inventory_adjustments_json,
    order_json,
    purchase_order_json,
    return_order_json,
)
from .ongoing_records import (
    DEFAULT_LOCATION,
    ITEM_LOCKED,
    ITEM_LOCKED_FOR_SALE,
    ORDER_ALLOCATED,
    ORDER_CANCELLED,
    ORDER_COLLECTED,
    ORDER_PICKED,
    ORDER_RELEASED,
    ORDER_SENT,
    PO_CANCELLED,
    PO_DEFLECTION,
    PO_INBOUND,
    PO_RECEIVED,
    RETURN_DEFLECTION,
    RETURN_LOCATION,
    RETURN_RETURNED,
    InventoryAdjustment,
    OperatorError,
    Parcel,
    PickedItem,
    PurchaseOrderLine,
    ReceivedItem,
    ReturnedItem,
    StockItem,
    locked,
)

#: Actions the simulator offers as methods and under ``/_sim/actions/<name>``.
OPERATOR_ACTIONS = (
    "set_stock",
    "start_picking",
    "pick",
    "ship",
    "cancel_by_warehouse",
    "start_receiving",
    "receive",
    "receive_unexpected",
    "adjust",
    "lock_stock",
    "unlock_stock",
    "register_return",
    "receive_return_order",
)


def _quantity(value, context):
    try:
        quantity = float(value)
    except (TypeError, ValueError) as error:
        raise OperatorError(f"{context}: {value!r} is not a quantity.") from error
    if quantity <= 0:
        raise OperatorError(f"{context}: the quantity must be more than 0, not {quantity:g}.")
    return quantity


def _portions(spec, context):
    """Return [{quantity, serial, batch, location}] from a quantity or a list of items."""
    if isinstance(spec, (int, float, str)):
        return [
            {"quantity": _quantity(spec, context), "serial": None, "batch": None, "location": None}
        ]
    if not isinstance(spec, list) or not spec:
        raise OperatorError(f"{context}: give a quantity or a list of items with a quantity.")
    portions = []
    for item in spec:
        if not isinstance(item, dict):
            raise OperatorError(f"{context}: each item must be an object with a quantity.")
        portion = {
            "quantity": _quantity(item.get("quantity", 1), context),
            "serial": item.get("serial") or None,
            "batch": item.get("batch") or None,
            "location": item.get("location") or None,
        }
        if portion["serial"] and portion["quantity"] != 1:
            raise OperatorError(
                f"{context}: serial {portion['serial']} identifies one item, not "
                f"{portion['quantity']:g}."
            )
        portions.append(portion)
    return portions


def _matches(item, serial=None, batch=None, location=None):
    return (
        (serial is None or item.serial == serial)
        and (batch is None or item.batch == batch)
        and (location is None or item.location == location)
    )


class WarehouseOperator:
    """Warehouse staff actions on a :class:`.ongoing_state.Warehouse`."""

    def __init__(self, warehouse):
        self.warehouse = warehouse
        self.lock = warehouse.lock

    # ------------------------------------------------------------------
    # Lookups
    # ------------------------------------------------------------------

    def _lookup(self, find, label, number, goods_owner_id, hint=""):
        owner = self.warehouse.owner_id(goods_owner_id)
        found = find(owner, number)
        if found is None:
            raise OperatorError(f"{label} {number!r} does not exist for goods owner {owner}{hint}.")
        return found

    def _article(self, article_number, goods_owner_id):
        return self._lookup(
            self.warehouse.find_article,
            "Article",
            article_number,
            goods_owner_id,
            hint=": the ERP creates it with PUT articles",
        )

    def _order(self, order_number, goods_owner_id):
        return self._lookup(self.warehouse.find_order, "Order", order_number, goods_owner_id)

    def _purchase_order(self, number, goods_owner_id):
        return self._lookup(
            self.warehouse.find_purchase_order, "Purchase order", number, goods_owner_id
        )

    def _return_order(self, number, goods_owner_id):
        return self._lookup(
            self.warehouse.find_return_order, "Return order", number, goods_owner_id
        )

    def _article_json(self, article):
        owner = article.goods_owner_id
        figures = self.warehouse.inventory(owner, {article.article_id})[article.article_id]
        return article_json(self.warehouse, article, figures)

    # ------------------------------------------------------------------
    # Stock items
    # ------------------------------------------------------------------

    @staticmethod
    def _plan_takes(article, quantity, portion, *, statuses, context, taken=None):
        """Return [(stock item, amount)] for ``quantity`` items, oldest first.

        Items are taken in the order of ``statuses``, then by in-date;
        ``taken`` counts the items that earlier plans of the same action took.
        """
        taken = {} if taken is None else taken
        candidates = sorted(
            (
                item
                for item in article.items
                if item.status in statuses
                and _matches(item, portion["serial"], portion["batch"], portion["location"])
            ),
            key=lambda item: (statuses.index(item.status), item.in_date, item.item_id),
        )
        takes, missing = [], quantity
        for item in candidates:
            free = item.quantity - taken.get(item.item_id, 0.0)
            if free <= 0:
                continue
            amount = min(free, missing)
            takes.append((item, amount))
            taken[item.item_id] = taken.get(item.item_id, 0.0) + amount
            missing -= amount
            if missing <= 0:
                return takes
        wanted = ", ".join(
            f"{key} {portion[key]}" for key in ("serial", "batch", "location") if portion[key]
        )
        raise OperatorError(
            f"{context}: article {article.article_number} has only {quantity - missing:g} of "
            f"{quantity:g} items in stock" + (f" with {wanted}." if wanted else ".")
        )

    def _take(self, article, item, amount):
        """Take ``amount`` out of a stock item; return the id the taken items carry.

        A whole item leaves the stock with its id; a part of it gets a new id.
        """
        if amount >= item.quantity:
            article.items.remove(item)
            return item.item_id
        item.quantity -= amount
        return self.warehouse.next_id("article_item")

    def _add_stock(self, article, quantity, when, **values):
        item = StockItem(
            item_id=values.pop("item_id", None) or self.warehouse.next_id("article_item"),
            quantity=quantity,
            in_date=when,
            **{key: value for key, value in values.items() if value is not None},
        )
        article.items.append(item)
        article.stock_changed = self.warehouse.now()
        return item

    @locked
    def set_stock(
        self,
        article_number,
        quantity,
        batch=None,
        serial=None,
        *,
        location=None,
        goods_owner_id=None,
    ):
        """Set the unlocked stock of an article (one batch and serial) without a transaction.

        Meant for setting up a test or a demo: it records no inventory
        adjustment and sends no webhook, as if the stock had always been there.
        An article the ERP has not sent yet is created with its number as
        name, so that the stock can be set before the ERP's first export.
        """
        owner = self.warehouse.owner_id(goods_owner_id)
        article = self.warehouse.find_article(owner, article_number)
        if article is None:
            body = {"articleNumber": article_number, "articleName": article_number}
            article, _message = self.warehouse.upsert_article(owner, body)
        quantity = float(quantity)
        if quantity < 0:
            raise OperatorError(f"Stock cannot be negative ({quantity:g}).")
        if serial and quantity not in (0, 1):
            raise OperatorError(f"Serial {serial} identifies one item, not {quantity:g}.")

        article.items = [
            item
            for item in article.items
            if not (item.pickable and item.batch == (batch or "") and item.serial == (serial or ""))
        ]
        now = self.warehouse.now()
        if quantity:
            self._add_stock(article, quantity, now, batch=batch, serial=serial, location=location)
            article.last_in_date = now
        article.stock_changed = now
        return self._article_json(article)

    # ------------------------------------------------------------------
    # Outbound orders
    # ------------------------------------------------------------------

    def _allocate(self, order):
        """Reserve the pickable stock for each line, as far as it goes."""
        reserved = {}
        for other in self.warehouse.orders.values():
            if other is order or not other.is_started or not other.is_open:
                continue
            for line in other.lines:
                amount = max(0.0, min(line.allocated, line.ordered) - line.picked)
                reserved[line.article.article_id] = (
                    reserved.get(line.article.article_id, 0.0) + amount
                )
        for line in order.lines:
            article_id = line.article.article_id
            pickable = sum(item.quantity for item in line.article.items if item.pickable)
            available = max(0.0, pickable - reserved.get(article_id, 0.0))
            needed = max(0.0, line.ordered - line.picked)
            line.allocated = line.picked + min(needed, available)
            reserved[article_id] = reserved.get(article_id, 0.0) + min(needed, available)
        complete = all(
            line.allocated >= line.ordered for line in order.lines if line.should_be_picked
        )
        return ORDER_ALLOCATED if complete else ORDER_RELEASED

    @locked
    def start_picking(self, order_number, goods_owner_id=None):
        """Release the order to picking and allocate stock: no more changes or cancelling."""
        order = self._order(order_number, goods_owner_id)
        if order.status == ORDER_CANCELLED:
            raise OperatorError(f"Order {order_number} is cancelled.")
        if order.status >= ORDER_PICKED:
            raise OperatorError(f"Order {order_number} is already picked (status {order.status}).")
        if not order.is_started:
            self.warehouse.set_order_status(order, self._allocate(order))
        return order_json(self.warehouse, order)

    @locked
    def pick(self, order_number, lines, *, picked_time=None, goods_owner_id=None):
        """Pick items for order lines, fully or partly; status 400 once every line is picked."""
        order = self._order(order_number, goods_owner_id)
        if order.status == ORDER_CANCELLED or order.status >= ORDER_SENT:
            raise OperatorError(f"Order {order_number} cannot be picked (status {order.status}).")
        if not lines:
            raise OperatorError(f"Order {order_number}: no rows to pick were given.")

        plan, taken = [], {}
        for row_number, spec in lines.items():
            line = order.line_by_row(row_number)
            context = f"Order {order_number} row {row_number}"
            if line is None:
                raise OperatorError(f"Order {order_number} has no row {row_number}.")
            portions = _portions(spec, context)
            planned = sum(quantity for planned_line, *_, quantity in plan if planned_line is line)
            total = sum(portion["quantity"] for portion in portions)
            left = line.ordered - line.picked - planned
            if total > left:
                raise OperatorError(
                    f"{context}: cannot pick {total:g} items, only {left:g} of "
                    f"{line.ordered:g} are left to pick."
                )
            for portion in portions:
                for item, amount in self._plan_takes(
                    line.article,
                    portion["quantity"],
                    portion,
                    statuses=("",),
                    context=context,
                    taken=taken,
                ):
                    plan.append((line, item, amount))

        when = picked_time or self.warehouse.now()
        if not order.is_started:
            self.warehouse.set_order_status(order, self._allocate(order))
        for line, item, amount in plan:
            item_id = self._take(line.article, item, amount)
            picked = PickedItem(
                item_id=item_id,
                quantity=amount,
                in_date=item.in_date,
                picked_time=when,
                batch=item.batch,
                serial=item.serial,
                location=item.location,
                comment=item.comment,
                expiry_date=item.expiry_date,
            )
            line.picked_items.append(picked)
            line.allocated = max(line.allocated, line.picked)
            line.article.stock_changed = self.warehouse.now()
            self.warehouse.notify("ArticlePicked", order, line=line, item=picked)

        order.updated = self.warehouse.now()
        if all(line.picked >= line.ordered for line in order.lines if line.should_be_picked):
            self.warehouse.set_order_status(order, ORDER_PICKED)
        return order_json(self.warehouse, order)

    @locked
    def ship(
        self,
        order_number,
        way_bill="",
        tracking_numbers=(),
        *,
        return_way_bill="",
        return_tracking_numbers=(),
        shipped_time=None,
        collected=False,
        goods_owner_id=None,
    ):
        """Send the picked items: status 450 (Sent), or 500 (Collected) with ``collected``.

        Lines picked only in part are closed as they are: the warehouse sends
        what it picked, and the rest is not delivered.
        """
        order = self._order(order_number, goods_owner_id)
        if order.status == ORDER_CANCELLED:
            raise OperatorError(f"Order {order_number} is cancelled.")
        if order.status >= ORDER_SENT and not (collected and order.status == ORDER_SENT):
            raise OperatorError(f"Order {order_number} is already sent (status {order.status}).")
        if not any(line.picked_items for line in order.lines):
            raise OperatorError(f"Order {order_number} has no picked items to send.")

        if order.status < ORDER_SENT:
            order.shipped_time = shipped_time or self.warehouse.now()
            order.way_bill = way_bill or ""
            order.return_way_bill = return_way_bill or ""
            for number in tracking_numbers:
                order.parcels.append(Parcel(self.warehouse.next_id("parcel"), str(number)))
            for number in return_tracking_numbers:
                order.parcels.append(
                    Parcel(self.warehouse.next_id("parcel"), str(number), is_return_parcel=True)
                )
        self.warehouse.set_order_status(order, ORDER_COLLECTED if collected else ORDER_SENT)
        return order_json(self.warehouse, order)

    @locked
    def cancel_by_warehouse(self, order_number, goods_owner_id=None):
        """Cancel an order in the warehouse; picked items go back to stock."""
        order = self._order(order_number, goods_owner_id)
        if order.status == ORDER_CANCELLED:
            raise OperatorError(f"Order {order_number} is already cancelled.")
        if order.status >= ORDER_SENT:
            raise OperatorError(f"Order {order_number} is already sent (status {order.status}).")

        for line in order.lines:
            for picked in line.picked_items:
                self._add_stock(
                    line.article,
                    picked.quantity,
                    picked.in_date,
                    item_id=picked.item_id,
                    batch=picked.batch,
                    serial=picked.serial,
                    location=picked.location,
                    comment=picked.comment,
                    expiry_date=picked.expiry_date,
                )
            line.picked_items = []
            line.allocated = 0.0
        self.warehouse.set_order_status(order, ORDER_CANCELLED)
        return order_json(self.warehouse, order)

    # ------------------------------------------------------------------
    # Purchase orders
    # ------------------------------------------------------------------

    @locked
    def start_receiving(self, number, goods_owner_id=None):
        """Mark the purchase order as arriving (status 300): no more changes or cancelling."""
        order = self._purchase_order(number, goods_owner_id)
        if order.status == PO_CANCELLED:
            raise OperatorError(f"Purchase order {number} is cancelled.")
        if order.status < PO_INBOUND:
            self.warehouse.set_purchase_order_status(order, PO_INBOUND)
        return purchase_order_json(self.warehouse, order)

    def _receive_into(self, line, portions, when, location):
        for portion in portions:
            item_id = self.warehouse.next_id("article_item")
            values = {
                "batch": portion["batch"] or "",
                "serial": portion["serial"] or "",
                "location": portion["location"] or location or DEFAULT_LOCATION,
            }
            line.received_items.append(
                ReceivedItem(item_id=item_id, quantity=portion["quantity"], in_date=when, **values)
            )
            self._add_stock(line.article, portion["quantity"], when, item_id=item_id, **values)
            article = line.article
            article.last_in_date = max(filter(None, (article.last_in_date, when)))

    def _finish_receipt(self, order, finish):
        if not finish:
            status = max(order.status, PO_INBOUND)
        elif all(
            line.row_number is not None and line.received == line.advised for line in order.lines
        ):
            status = PO_RECEIVED
        else:
            status = PO_DEFLECTION
        order.last_receive_time = order.updated = self.warehouse.now()
        self.warehouse.set_purchase_order_status(order, status)

    @locked
    def receive(
        self, number, lines, received_time=None, *, finish=True, location=None, goods_owner_id=None
    ):
        """Receive items on purchase order lines, in part, in full or more than advised.

        With ``finish`` the receipt is closed: status 500 when every line got
        exactly what was advised, 400 (Deflection) otherwise. Without it the
        order stays at 300 (Inbound). ``received_time`` is the items' in-date.
        """
        order = self._purchase_order(number, goods_owner_id)
        if order.status == PO_CANCELLED:
            raise OperatorError(f"Purchase order {number} is cancelled.")
        if not lines:
            raise OperatorError(f"Purchase order {number}: no received rows were given.")
        plan = []
        for row_number, spec in lines.items():
            line = order.line_by_row(row_number)
            if line is None:
                raise OperatorError(f"Purchase order {number} has no row {row_number}.")
            plan.append((line, _portions(spec, f"Purchase order {number} row {row_number}")))

        when = received_time or self.warehouse.now()
        for line, portions in plan:
            self._receive_into(line, portions, when, location)
        self._finish_receipt(order, finish)
        return purchase_order_json(self.warehouse, order)

    @locked
    def receive_unexpected(
        self,
        number,
        article_number,
        quantity,
        *,
        received_time=None,
        batch=None,
        serial=None,
        location=None,
        finish=True,
        goods_owner_id=None,
    ):
        """Receive an article the purchase order does not list, on a new line without row number."""
        order = self._purchase_order(number, goods_owner_id)
        if order.status == PO_CANCELLED:
            raise OperatorError(f"Purchase order {number} is cancelled.")
        article = self._article(article_number, order.goods_owner_id)
        context = f"Purchase order {number}, unexpected article {article_number}"
        portions = _portions(
            [{"quantity": quantity, "batch": batch, "serial": serial, "location": location}],
            context,
        )

        line = PurchaseOrderLine(
            line_id=self.warehouse.next_id("purchase_order_line"),
            row_number=None,
            article=article,
            advised=0.0,
            data={},
        )
        order.lines.append(line)
        self._receive_into(line, portions, received_time or self.warehouse.now(), location)
        self._finish_receipt(order, finish)
        return purchase_order_json(self.warehouse, order)

    # ------------------------------------------------------------------
    # Stock changes
    # ------------------------------------------------------------------

    def _record_adjustment(self, article, quantity, when, *, item, comment, cause, order=None):
        adjustment = InventoryAdjustment(
            inventory_id=self.warehouse.next_id("inventory"),
            article=article,
            quantity=quantity,
            time=when,
            location=item.location,
            batch=item.batch,
            serial=item.serial,
            item_comment=item.comment,
            inventory_comment=comment,
            cause=self.warehouse.adjustment_cause(cause),
            expiry_date=item.expiry_date,
        )
        self.warehouse.adjustments.append(adjustment)
        self.warehouse.notify(
            "InventoryTransaction",
            article,
            item=item,
            quantity=abs(quantity),
            adjustment=adjustment,
            order=order,
        )
        return adjustment

    def _write_off(self, article, item, amount, *, when, comment, cause, order=None):
        self._take(article, item, amount)
        article.stock_changed = self.warehouse.now()
        return self._record_adjustment(
            article, -amount, when, item=item, comment=comment, cause=cause, order=order
        )

    def _adjust(self, article, delta, when, *, cause, comment, batch, serial, location):
        if delta > 0:
            item = self._add_stock(
                article, delta, when, batch=batch, serial=serial, location=location, comment=comment
            )
            return [
                self._record_adjustment(
                    article, delta, when, item=item, comment=comment, cause=cause
                )
            ]

        portion = {"serial": serial, "batch": batch, "location": location}
        statuses = ("", ITEM_LOCKED, ITEM_LOCKED_FOR_SALE)
        context = f"Adjustment of {article.article_number}"
        takes = self._plan_takes(article, -delta, portion, statuses=statuses, context=context)
        return [
            self._write_off(article, item, amount, when=when, comment=comment, cause=cause)
            for item, amount in takes
        ]

    @locked
    def adjust(
        self,
        article_number,
        delta,
        cause=None,
        comment="",
        *,
        batch=None,
        serial=None,
        time=None,
        location=None,
        goods_owner_id=None,
    ):
        """Change the stock by ``delta`` as an inventory adjustment (count, write-off, found).

        A negative delta takes unlocked items first, then locked ones, oldest
        first; each stock item it touches gives one adjustment with its own
        ``inventoryId``. ``cause`` is an adjustment cause code.
        """
        article = self._article(article_number, goods_owner_id)
        delta = float(delta)
        if delta == 0:
            raise OperatorError("An adjustment needs a quantity other than 0.")
        if serial and abs(delta) != 1:
            raise OperatorError(f"Serial {serial} identifies one item, not {abs(delta):g}.")
        when = time or self.warehouse.now()
        adjustments = self._adjust(
            article,
            delta,
            when,
            cause=cause,
            comment=comment or "",
            batch=batch,
            serial=serial,
            location=location,
        )
        return inventory_adjustments_json(adjustments)

    def _change_status(self, article, quantity, portion, *, from_statuses, status, reason, context):
        takes = self._plan_takes(
            article, quantity, portion, statuses=from_statuses, context=context
        )
        for item, amount in takes:
            if amount < item.quantity:
                item.quantity -= amount
                item = self._add_stock(
                    article,
                    amount,
                    item.in_date,
                    batch=item.batch,
                    serial=item.serial,
                    location=item.location,
                    comment=item.comment,
                    expiry_date=item.expiry_date,
                )
            item.status, item.status_reason = status, reason
            self.warehouse.notify("ArticleItemStatusChanged", article, item=item, quantity=amount)
        article.stock_changed = self.warehouse.now()
        return self._article_json(article)

    @locked
    def lock_stock(
        self,
        article_number,
        quantity,
        reason="",
        *,
        for_sale_only=False,
        batch=None,
        serial=None,
        location=None,
        goods_owner_id=None,
    ):
        """Lock unlocked items, for example damaged ones waiting for a decision.

        With ``for_sale_only`` the items get Ongoing's "locked for sale"
        status instead. Either way they stay in stock but can be neither sold
        nor picked until :meth:`unlock_stock`.
        """
        article = self._article(article_number, goods_owner_id)
        status = ITEM_LOCKED_FOR_SALE if for_sale_only else ITEM_LOCKED
        portion = {"serial": serial, "batch": batch, "location": location}
        context = f"Locking {article_number}"
        return self._change_status(
            article,
            _quantity(quantity, context),
            portion,
            from_statuses=("",),
            status=status,
            reason=reason or "",
            context=context,
        )

    @locked
    def unlock_stock(
        self,
        article_number,
        quantity,
        reason="",
        *,
        batch=None,
        serial=None,
        location=None,
        goods_owner_id=None,
    ):
        """Make locked items pickable and sellable again."""
        article = self._article(article_number, goods_owner_id)
        portion = {"serial": serial, "batch": batch, "location": location}
        context = f"Unlocking {article_number}"
        return self._change_status(
            article,
            _quantity(quantity, context),
            portion,
            from_statuses=(ITEM_LOCKED, ITEM_LOCKED_FOR_SALE),
            status="",
            reason=reason or "",
            context=context,
        )

    # ------------------------------------------------------------------
    # Returns
    # ------------------------------------------------------------------

    def _operator_cause(self, code):
        if not code:
            return None
        cause = self.warehouse.return_causes.get(code)
        if cause is None:
            raise OperatorError(
                f"Return cause {code!r} does not exist; known causes: "
                f"{', '.join(sorted(self.warehouse.return_causes))}."
            )
        return cause

    @staticmethod
    def _plan_return(line, portions, context):
        """Choose picked items of the line to mark as returned."""
        taken, plan = {}, []
        for portion in portions:
            missing = portion["quantity"]
            for item in line.picked_items:
                if item.returned or not _matches(item, portion["serial"], portion["batch"]):
                    continue
                free = item.quantity - taken.get(id(item), 0.0)
                if free <= 0:
                    continue
                amount = min(free, missing)
                taken[id(item)] = taken.get(id(item), 0.0) + amount
                plan.append((item, amount))
                missing -= amount
                if missing <= 0:
                    break
            if missing > 0:
                raise OperatorError(
                    f"{context}: only {portion['quantity'] - missing:g} of {portion['quantity']:g} "
                    f"items were picked and not yet returned"
                    + (f" with serial {portion['serial']}." if portion["serial"] else ".")
                )
        return plan

    def _return_items(self, order, line, plan, *, cause, when, location, comment):
        """Mark picked items as returned, put them back in stock and report the events."""
        returned = []
        for picked, amount in plan:
            if amount < picked.quantity:
                picked.quantity -= amount
                picked = PickedItem(
                    item_id=self.warehouse.next_id("article_item"),
                    quantity=amount,
                    in_date=picked.in_date,
                    picked_time=picked.picked_time,
                    batch=picked.batch,
                    serial=picked.serial,
                    location=picked.location,
                    comment=picked.comment,
                    expiry_date=picked.expiry_date,
                )
                line.picked_items.append(picked)
            picked.returned, picked.return_time, picked.return_cause = True, when, cause
            returned.append(picked)

            stock_item = self._add_stock(
                line.article,
                amount,
                when,
                batch=picked.batch,
                serial=picked.serial,
                location=location or RETURN_LOCATION,
                expiry_date=picked.expiry_date,
            )
            self.warehouse.notify("ArticleReturned", order, line=line, item=picked)
            if cause and cause.is_remove_cause:
                self._write_off(
                    line.article,
                    stock_item,
                    amount,
                    when=when,
                    comment=comment or f"Returned as {cause.name} on order {order.order_number}",
                    cause=cause.code,
                    order=order,
                )
        order.last_returned = order.updated = self.warehouse.now()
        return returned

    @locked
    def register_return(
        self,
        order_number,
        lines,
        cause=None,
        *,
        return_time=None,
        location=None,
        comment="",
        goods_owner_id=None,
    ):
        """Take returned items back on the order itself, without a return order.

        The order lines' returned quantities and returned article items change
        and the items go back to stock. Items whose cause is a remove cause
        (``DAMAGED``) are then written off by an inventory adjustment.
        """
        order = self._order(order_number, goods_owner_id)
        return_cause = self._operator_cause(cause)
        plan = []
        for row_number, spec in lines.items():
            line = order.line_by_row(row_number)
            context = f"Return on order {order_number} row {row_number}"
            if line is None:
                raise OperatorError(f"Order {order_number} has no row {row_number}.")
            plan.append((line, self._plan_return(line, _portions(spec, context), context)))

        when = return_time or self.warehouse.now()
        for line, line_plan in plan:
            self._return_items(
                order,
                line,
                line_plan,
                cause=return_cause,
                when=when,
                location=location,
                comment=comment,
            )
        return order_json(self.warehouse, order)

    @locked
    def receive_return_order(
        self,
        number,
        lines=None,
        *,
        return_time=None,
        location=None,
        comment="",
        goods_owner_id=None,
    ):
        """Receive the items of a return order the ERP announced; all of them by default.

        Status 500 when every line got what was announced, 400 (Deflection)
        otherwise. The returns also show on the original order's lines.
        """
        return_order = self._return_order(number, goods_owner_id)
        if lines is None:
            lines = {
                line.row_number: line.to_be_returned - line.returned
                for line in return_order.lines
                if line.to_be_returned > line.returned
            }
        if not lines:
            raise OperatorError(f"Return order {number}: nothing is left to receive.")
        plan = []
        for row_number, spec in lines.items():
            line = return_order.line_by_row(row_number)
            context = f"Return order {number} row {row_number}"
            if line is None:
                raise OperatorError(f"Return order {number} has no row {row_number}.")
            portions = _portions(spec, context)
            plan.append((line, self._plan_return(line.order_line, portions, context)))

        when = return_time or self.warehouse.now()
        order = return_order.order
        for line, line_plan in plan:
            returned = self._return_items(
                order,
                line.order_line,
                line_plan,
                cause=line.cause,
                when=when,
                location=location,
                comment=comment,
            )
            line.returned_items.extend(
                ReturnedItem(
                    quantity=item.quantity,
                    return_time=when,
                    cause=line.cause,
                    batch=item.batch,
                    serial=item.serial,
                    comment=comment or "",
                    expiry_date=item.expiry_date,
                    removed_by_inventory=bool(line.cause and line.cause.is_remove_cause),
                )
                for item in returned
            )
        complete = all(line.returned == line.to_be_returned for line in return_order.lines)
        return_order.status = RETURN_RETURNED if complete else RETURN_DEFLECTION
        return_order.updated = self.warehouse.now()
        return return_order_json(self.warehouse, return_order)
