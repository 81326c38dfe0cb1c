"""Ongoing WMS documents: what the REST API returns, parsed, and what it accepts, built.

Parsed documents normalise Ongoing's JSON: quantities are floats (``null``
counts as 0), row numbers are strings, times are aware UTC datetimes and
statuses keep their number (the text is localised, so code matches the number).
Payload classes build the JSON bodies of the PUT calls and leave out every
field that is not set.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

_ISO_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


class DocumentError(ValueError):
    """A response from Ongoing does not have the expected shape."""


def parse_time(value):
    """Return an aware UTC datetime for an Ongoing time string, or None.

    Ongoing writes UTC times with a ``Z`` and one to seven decimals
    (``2019-04-09T10:39:31.3Z``); a time without an offset is taken as UTC.
    """
    if not value:
        return None
    match = _ISO_TIME.match(str(value).strip())
    if not match:
        raise DocumentError(f"Invalid time {value!r} in a response from Ongoing.")
    year, month, day, hour, minute, second, fraction, offset = match.groups()
    micro = int((fraction or "0").ljust(6, "0")[:6])
    result = datetime(
        int(year),
        int(month),
        int(day),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        micro,
        tzinfo=timezone.utc,
    )
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        result -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return result


def format_time(value):
    """Format a datetime as Ongoing expects it: UTC with an explicit offset."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _quantity(value):
    if value in (None, ""):
        return 0.0
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise DocumentError(f"Invalid quantity {value!r} in a response from Ongoing.") from error


def _text(value):
    return "" if value is None else str(value)


def _mapping(value, what):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise DocumentError(f"Expected an object for {what} in a response from Ongoing.")
    return value


def _items(value, what):
    if value is None:
        return []
    if not isinstance(value, list):
        raise DocumentError(f"Expected a list for {what} in a response from Ongoing.")
    return value


@dataclass(frozen=True)
class Status:
    """A status of an order or purchase order: its number, and a localised text."""

    number: int | None
    text: str = ""

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "a status")
        number = data.get("number")
        return cls(number=int(number) if number is not None else None, text=_text(data.get("text")))


def parse_statuses(data):
    """Parse ``GET /orders/statuses``, ``/purchaseOrders/statuses`` or ``/returnOrders/statuses``.

    Ongoing returns the purchase order statuses under ``orderStatuses`` too.
    """
    data = _mapping(data, "the status list")
    for key in ("orderStatuses", "purchaseOrderStatuses", "returnOrderStatuses"):
        if key in data:
            return [Status.from_json(row) for row in _items(data[key], key)]
    raise DocumentError("A status list from Ongoing has no orderStatuses.")


@dataclass(frozen=True)
class ArticleItem:
    """A physical item of an article: picked, received or returned.

    ``time`` is when it was picked, returned or received, in that order of
    preference. ``removed_by_inventory`` marks a returned item that the
    warehouse wrote off right away (a return cause such as damaged).
    """

    item_id: int | None
    quantity: float
    serial: str = ""
    batch: str = ""
    expiry_date: datetime | None = None
    time: datetime | None = None
    location: str = ""
    is_returned: bool = False
    return_cause: str = ""
    status: str = ""
    removed_by_inventory: bool = False

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "an article item")
        cause = data.get("returnCause")
        if isinstance(cause, dict):
            cause = cause.get("code") or cause.get("name")
        status = data.get("articleItemStatus")
        if isinstance(status, dict):
            status = status.get("code") or status.get("name")
        time = (
            data.get("pickedTime")
            or data.get("returnDate")
            or data.get("returnTime")
            or data.get("inDate")
        )
        return cls(
            item_id=data.get("articleItemId", data.get("originalArticleItemId")),
            quantity=_quantity(data.get("numberOfItems")),
            serial=_text(data.get("serial")).strip(),
            # Returned items of return orders name the field "batch".
            batch=_text(data.get("batchNumber", data.get("batch"))).strip(),
            expiry_date=parse_time(data.get("expiryDate")),
            time=parse_time(time),
            location=_text(data.get("location")),
            is_returned=bool(data.get("isReturned") or "returnTime" in data),
            return_cause=_text(cause),
            status=_text(status),
            removed_by_inventory=bool(data.get("isReturnRemovedByInventory")),
        )


@dataclass(frozen=True)
class OrderLine:
    line_id: int
    row_number: str
    article_number: str
    ordered: float
    allocated: float = 0.0
    picked: float = 0.0
    reported: float = 0.0
    returned: float = 0.0
    reported_returned: float = 0.0
    picked_items: tuple = ()
    article_system_id: int | None = None
    comment: str = ""

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "an order line")
        article = _mapping(data.get("article"), "an order line's article")
        items = tuple(
            ArticleItem.from_json(item)
            for item in _items(data.get("pickedArticleItems"), "pickedArticleItems")
        )
        returned = data.get("returnedNumberOfItems")
        if returned is None:
            returned = sum(item.quantity for item in items if item.is_returned)
        return cls(
            line_id=data.get("id"),
            row_number=_text(data.get("rowNumber")),
            article_number=_text(article.get("articleNumber", data.get("articleNumber"))),
            article_system_id=article.get("articleSystemId"),
            ordered=_quantity(data.get("orderedNumberOfItems")),
            allocated=_quantity(data.get("allocatedNumberOfItems")),
            picked=_quantity(data.get("pickedNumberOfItems")),
            reported=_quantity(data.get("reportedNumberOfItems")),
            returned=_quantity(returned),
            reported_returned=_quantity(data.get("reportedReturnedNumberOfItems")),
            picked_items=items,
            comment=_text(data.get("comment")),
        )


@dataclass(frozen=True)
class Order:
    """An outbound order as ``GET /orders/{orderId}`` returns it."""

    order_id: int
    order_number: str
    status: Status
    lines: tuple
    goods_owner_id: int | None = None
    delivery_date: str = ""
    shipped_time: datetime | None = None
    way_bill: str = ""
    return_way_bill: str = ""
    tracking_numbers: tuple = ()
    transporter_code: str = ""
    transporter_service_code: str = ""
    consignee: dict = field(default_factory=dict)

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "an order")
        info = _mapping(data.get("orderInfo"), "orderInfo")
        if "orderId" not in info:
            raise DocumentError("An order from Ongoing has no orderInfo.orderId.")
        parcels = _items(data.get("parcels"), "parcels")
        transporter = _mapping(data.get("transporter"), "transporter")
        return cls(
            order_id=info["orderId"],
            order_number=_text(info.get("orderNumber")),
            status=Status.from_json(info.get("orderStatus")),
            goods_owner_id=_mapping(data.get("goodsOwner"), "goodsOwner").get("id"),
            delivery_date=_text(info.get("deliveryDate")),
            shipped_time=parse_time(info.get("shippedTime")),
            way_bill=_text(info.get("wayBill")),
            return_way_bill=_text(info.get("returnWayBill")),
            tracking_numbers=tuple(
                _text(parcel.get("parcelNumber"))
                for parcel in parcels
                if parcel.get("parcelNumber") and not parcel.get("isReturnParcel")
            ),
            transporter_code=_text(transporter.get("code")),
            transporter_service_code=_text(transporter.get("serviceCode")),
            consignee=_mapping(data.get("consignee"), "consignee"),
            lines=tuple(
                OrderLine.from_json(line) for line in _items(data.get("orderLines"), "orderLines")
            ),
        )


@dataclass(frozen=True)
class PurchaseOrderLine:
    line_id: int
    row_number: str
    article_number: str
    advised: float
    received: float = 0.0
    reported: float = 0.0
    received_items: tuple = ()
    article_system_id: int | None = None
    comment: str = ""

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "a purchase order line")
        article = _mapping(data.get("article"), "a purchase order line's article")
        return cls(
            line_id=data.get("id"),
            row_number=_text(data.get("rowNumber")),
            article_number=_text(article.get("articleNumber", data.get("articleNumber"))),
            article_system_id=article.get("articleSystemId"),
            advised=_quantity(data.get("advisedNumberOfItems")),
            received=_quantity(data.get("receivedNumberOfItems")),
            reported=_quantity(data.get("reportedNumberOfItems")),
            received_items=tuple(
                ArticleItem.from_json(item)
                for item in _items(data.get("articleItems"), "articleItems")
            ),
            comment=_text(data.get("comment")),
        )

    @property
    def received_time(self):
        """Return when the last item of the line was received, or None."""
        times = [item.time for item in self.received_items if item.time]
        return max(times) if times else None


@dataclass(frozen=True)
class PurchaseOrder:
    """A purchase order (expected delivery) as ``GET /purchaseOrders/{id}`` returns it."""

    purchase_order_id: int
    purchase_order_number: str
    status: Status
    lines: tuple
    goods_owner_id: int | None = None
    in_date: str = ""
    supplier_number: str = ""
    supplier_name: str = ""

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "a purchase order")
        info = _mapping(data.get("purchaseOrderInfo"), "purchaseOrderInfo")
        if "purchaseOrderId" not in info:
            raise DocumentError(
                "A purchase order from Ongoing has no purchaseOrderInfo.purchaseOrderId."
            )
        supplier = _mapping(data.get("supplierInfo"), "supplierInfo")
        return cls(
            purchase_order_id=info["purchaseOrderId"],
            purchase_order_number=_text(info.get("purchaseOrderNumber")),
            status=Status.from_json(info.get("purchaseOrderStatus")),
            goods_owner_id=_mapping(data.get("goodsOwner"), "goodsOwner").get("id"),
            in_date=_text(info.get("inDate")),
            supplier_number=_text(supplier.get("supplierNumber")),
            supplier_name=_text(supplier.get("supplierName")),
            lines=tuple(
                PurchaseOrderLine.from_json(line)
                for line in _items(data.get("purchaseOrderLines"), "purchaseOrderLines")
            ),
        )


@dataclass(frozen=True)
class Inventory:
    """Stock of an article in Ongoing. ``physical`` includes locked and quarantined items."""

    physical: float
    sellable: float = 0.0
    allocated: float = 0.0
    locked: float = 0.0
    locked_for_sale: float = 0.0
    booked: float = 0.0
    to_receive: float = 0.0
    picked_to_be_collected: float = 0.0
    received_to_be_finished: float = 0.0
    last_in_date: datetime | None = None

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "inventoryInfo")
        return cls(
            physical=_quantity(data.get("numberOfItems")),
            sellable=_quantity(data.get("sellableNumberOfItems")),
            allocated=_quantity(data.get("allocatedNumberOfItems")),
            locked=_quantity(data.get("numberOfLockedItems")),
            locked_for_sale=_quantity(data.get("lockedForSaleNumberOfItems")),
            booked=_quantity(data.get("numberOfBookedItems")),
            to_receive=_quantity(data.get("toReceiveNumberOfItems")),
            picked_to_be_collected=_quantity(data.get("pickedToBeCollectedNumberOfItems")),
            received_to_be_finished=_quantity(data.get("receivedToBeFinishedNumberOfItems")),
            last_in_date=parse_time(data.get("lastInDate")),
        )


@dataclass(frozen=True)
class Article:
    article_system_id: int
    article_number: str
    article_name: str = ""
    bar_code: str = ""
    inventory: Inventory | None = None

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "an article")
        if "articleSystemId" not in data:
            raise DocumentError("An article from Ongoing has no articleSystemId.")
        inventory = data.get("inventoryInfo")
        return cls(
            article_system_id=data["articleSystemId"],
            article_number=_text(data.get("articleNumber")),
            article_name=_text(data.get("articleName")),
            bar_code=_text(_mapping(data.get("barCodeInfo"), "barCodeInfo").get("barCode")),
            inventory=Inventory.from_json(inventory) if inventory is not None else None,
        )


@dataclass(frozen=True)
class StockItem:
    """Items of an article in stock with one batch, serial, location and status.

    ``lot`` is the serial number, or the batch number when the item has no serial,
    which is how Odoo names its lots and serial numbers.
    """

    quantity: float
    batch: str = ""
    serial: str = ""
    location: str = ""
    is_locked: bool = False
    is_locked_for_sale: bool = False
    status: str = ""
    in_date: datetime | None = None
    expiry_date: datetime | None = None

    @property
    def lot(self):
        return self.serial or self.batch

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "an article item")
        status = data.get("status")
        if isinstance(status, dict):
            status = status.get("code") or status.get("name")
        return cls(
            quantity=_quantity(data.get("numberOfItems")),
            batch=_text(data.get("batch", data.get("batchNumber"))).strip(),
            serial=_text(data.get("serial")).strip(),
            location=_text(data.get("location")),
            is_locked=bool(data.get("isLocked")),
            is_locked_for_sale=bool(data.get("isLockedForSale")),
            status=_text(status),
            in_date=parse_time(data.get("inDate")),
            expiry_date=parse_time(data.get("expiryDate")),
        )


@dataclass(frozen=True)
class ArticleItems:
    """An article's items in stock, as one entry of ``GET articleItems`` returns them."""

    article_system_id: int
    article_number: str
    items: tuple = ()

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "an article's items")
        if "articleSystemId" not in data:
            raise DocumentError("An article item list from Ongoing has no articleSystemId.")
        return cls(
            article_system_id=data["articleSystemId"],
            article_number=_text(data.get("articleNumber")),
            items=tuple(StockItem.from_json(item) for item in _items(data.get("items"), "items")),
        )

    def quantities_per_lot(self):
        """Return {lot: quantity}; items without batch or serial count under ""."""
        quantities = {}
        for item in self.items:
            quantities[item.lot] = quantities.get(item.lot, 0.0) + item.quantity
        return quantities


@dataclass(frozen=True)
class InventoryAdjustment:
    """One stock change made in the warehouse (count, write-off, goods found)."""

    inventory_id: int
    article_number: str
    quantity: float
    time: datetime | None
    article_system_id: int | None = None
    cause: str = ""
    comment: str = ""
    location: str = ""
    batch: str = ""
    serial: str = ""
    item_status: str = ""


def parse_inventory_adjustments(data):
    """Flatten ``GET /inventoryAdjustments`` into one adjustment per row."""
    adjustments = []
    for group in _items(data, "the inventory adjustments"):
        group = _mapping(group, "an inventory adjustment group")
        article = _mapping(group.get("article"), "an adjustment's article")
        for row in _items(group.get("inventoryAdjustments"), "inventoryAdjustments"):
            row = _mapping(row, "an inventory adjustment")
            cause = row.get("inventoryAdjustmentCause")
            if isinstance(cause, dict):
                cause = cause.get("code") or cause.get("name")
            status = row.get("articleItemStatus")
            if isinstance(status, dict):
                status = status.get("code") or status.get("name")
            comment = row.get("inventoryItemComment") or row.get("articleItemComment")
            adjustments.append(
                InventoryAdjustment(
                    inventory_id=row.get("inventoryId"),
                    article_number=_text(article.get("articleNumber")),
                    article_system_id=article.get("articleSystemId"),
                    quantity=_quantity(row.get("numberOfItems")),
                    time=parse_time(row.get("inventoryTime")),
                    cause=_text(cause),
                    comment=_text(comment),
                    location=_text(row.get("location")),
                    batch=_text(row.get("batchNumber")).strip(),
                    serial=_text(row.get("serial")).strip(),
                    item_status=_text(status),
                )
            )
    return adjustments


@dataclass(frozen=True)
class TransporterContract:
    transporter_code: str
    transporter_name: str
    services: tuple = ()

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "a transporter contract")
        return cls(
            transporter_code=_text(data.get("transporterCode")),
            transporter_name=_text(data.get("transporterName")),
            services=tuple(
                (
                    _text(service.get("transporterServiceCode")),
                    _text(service.get("transporterServiceName")),
                )
                for service in _items(data.get("transporterServices"), "transporterServices")
            ),
        )


@dataclass(frozen=True)
class ReturnCause:
    code: str
    name: str
    is_remove_cause: bool = False

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "a return cause")
        return cls(
            code=_text(data.get("code")),
            name=_text(data.get("name")),
            is_remove_cause=bool(data.get("isRemoveCause")),
        )


def parse_return_causes(data):
    """Parse ``GET /returnOrders/returnCauses``."""
    data = _mapping(data, "the return causes")
    return [ReturnCause.from_json(row) for row in _items(data.get("returnCauses"), "returnCauses")]


@dataclass(frozen=True)
class ReturnOrderLine:
    line_id: int | None
    row_number: str
    order_line_id: int | None
    order_row_number: str
    article_number: str
    to_be_returned: float
    returned: float = 0.0
    removed_by_inventory: float = 0.0
    return_cause: str = ""
    returned_items: tuple = ()
    article_system_id: int | None = None

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "a return order line")
        order_line = _mapping(data.get("customerOrderLine"), "customerOrderLine")
        article = _mapping(data.get("article"), "a return order line's article")
        cause = _mapping(data.get("returnCause"), "returnCause")
        return cls(
            line_id=data.get("returnOrderLineId"),
            row_number=_text(data.get("returnOrderRowNumber")),
            order_line_id=order_line.get("orderLineId"),
            order_row_number=_text(order_line.get("customerOrderRowNumber")),
            article_number=_text(article.get("articleNumber")),
            article_system_id=article.get("articleSystemId"),
            to_be_returned=_quantity(data.get("toBeReturnedNumberOfItems")),
            returned=_quantity(data.get("returnedNumberOfItems")),
            removed_by_inventory=_quantity(data.get("returnedRemovedByInventoryNumberOfItems")),
            return_cause=_text(cause.get("code")),
            returned_items=tuple(
                ArticleItem.from_json(item)
                for item in _items(data.get("returnedArticleItems"), "returnedArticleItems")
            ),
        )


@dataclass(frozen=True)
class ReturnOrder:
    """A return order (returns announced by the ERP) as ``GET /returnOrders/{id}`` returns it."""

    return_order_id: int
    return_order_number: str
    status: Status
    order_id: int | None
    order_number: str
    lines: tuple
    comment: str = ""

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "a return order")
        info = _mapping(data.get("returnOrderInfo"), "returnOrderInfo")
        if "returnOrderId" not in info:
            raise DocumentError("A return order from Ongoing has no returnOrderInfo.returnOrderId.")
        order = _mapping(data.get("customerOrderInfo"), "customerOrderInfo")
        return cls(
            return_order_id=info["returnOrderId"],
            return_order_number=_text(info.get("returnOrderNumber")),
            status=Status.from_json(info.get("returnOrderStatus")),
            order_id=order.get("orderId"),
            order_number=_text(order.get("orderNumber")),
            comment=_text(info.get("comment")),
            lines=tuple(
                ReturnOrderLine.from_json(line)
                for line in _items(data.get("returnOrderLines"), "returnOrderLines")
            ),
        )


@dataclass(frozen=True)
class FileResult:
    """Ongoing's response to a file attached to an article or an order."""

    file_id: int | None
    success: bool
    message: str = ""

    @classmethod
    def from_json(cls, data):
        data = _mapping(data, "a file upload response")
        if "success" not in data:
            raise DocumentError("Ongoing's response to the file upload has no success flag.")
        return cls(
            file_id=data.get("fileId"),
            success=bool(data["success"]),
            message=_text(data.get("message")),
        )


@dataclass(frozen=True)
class PutResult:
    """Ongoing's response to an upsert: the id of the object and its message."""

    remote_id: int
    message: str = ""

    @classmethod
    def from_json(cls, data, id_key):
        data = _mapping(data, "an upsert response")
        if data.get(id_key) is None:
            raise DocumentError(f"Ongoing's response to the upsert has no {id_key}.")
        return cls(remote_id=data[id_key], message=_text(data.get("message")))


# ----------------------------------------------------------------------
# Payloads
# ----------------------------------------------------------------------


def _number(value):
    """Return an int for whole numbers so payloads read 10, not 10.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _compact(data):
    """Drop keys whose value is None, an empty string or an empty object."""
    result = {}
    for key, value in data.items():
        if isinstance(value, dict):
            value = _compact(value)
        if value in (None, "", {}):
            continue
        result[key] = value
    return result


def _date(value):
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass
class ArticlePayload:
    article_number: str
    article_name: str
    product_code: str | None = None
    unit_code: str | None = None
    description: str | None = None
    bar_code: str | None = None
    bar_code_package: str | None = None
    bar_code_pallet: str | None = None
    quantity_per_package: float | None = None
    quantity_per_pallet: float | None = None
    weight: float | None = None
    length: float | None = None
    width: float | None = None
    height: float | None = None
    volume: float | None = None
    purchase_price: float | None = None
    stock_valuation_price: float | None = None
    customer_price: float | None = None
    purchase_currency_code: str | None = None
    country_of_origin_code: str | None = None
    statistics_number: str | None = None
    supplier_article_number: str | None = None
    supplier_number: str | None = None
    supplier_name: str | None = None
    article_group: tuple | None = None
    article_category: tuple | None = None
    article_color: tuple | None = None
    article_size: tuple | None = None
    is_stock_article: bool | None = None

    def to_json(self, goods_owner_id):
        if not self.article_number:
            raise ValueError("An Ongoing article needs an article number.")
        if not self.article_name:
            raise ValueError(f"The Ongoing article {self.article_number} needs a name.")
        group = self.article_group or (None, None)
        category = self.article_category or (None, None)
        color = self.article_color or (None, None)
        size = self.article_size or (None, None)
        return _compact(
            {
                "goodsOwnerId": goods_owner_id,
                "articleNumber": self.article_number,
                "articleName": self.article_name,
                "productCode": self.product_code,
                "unitCode": self.unit_code,
                "description": self.description,
                "isStockArticle": self.is_stock_article,
                "supplierInfo": {
                    "supplierArticleNumber": self.supplier_article_number,
                    "supplierNumber": self.supplier_number,
                    "supplierName": self.supplier_name,
                },
                "barCodeInfo": {
                    "barCode": self.bar_code,
                    "barCodePackage": self.bar_code_package,
                    "barCodePallet": self.bar_code_pallet,
                },
                "quantityPerPackage": _number(self.quantity_per_package),
                "quantityPerPallet": _number(self.quantity_per_pallet),
                "weight": _number(self.weight),
                "length": _number(self.length),
                "width": _number(self.width),
                "height": _number(self.height),
                "volume": _number(self.volume),
                "purchasePrice": _number(self.purchase_price),
                "stockValuationPrice": _number(self.stock_valuation_price),
                "customerPrice": _number(self.customer_price),
                # Ongoing's API spells this field without the "h".
                "purcaseCurrencyCode": self.purchase_currency_code,
                "countryOfOriginCode": self.country_of_origin_code,
                "statisticsNumber": self.statistics_number,
                "articleGroup": {"code": group[0], "name": group[1]},
                "articleCategory": {"code": category[0], "name": category[1]},
                "articleColor": {"code": color[0], "name": color[1]},
                "articleSize": {"code": size[0], "name": size[1]},
            }
        )


@dataclass
class Consignee:
    name: str
    customer_number: str | None = None
    address1: str | None = None
    address2: str | None = None
    address3: str | None = None
    post_code: str | None = None
    city: str | None = None
    country_code: str | None = None
    country_state_code: str | None = None
    remark: str | None = None
    door_code: str | None = None

    def to_json(self):
        return {
            "customerNumber": self.customer_number,
            "name": self.name,
            "address1": self.address1,
            "address2": self.address2,
            "address3": self.address3,
            "postCode": self.post_code,
            "city": self.city,
            "countryCode": self.country_code,
            "countryStateCode": self.country_state_code,
            "remark": self.remark,
            "doorCode": self.door_code,
        }


@dataclass
class OrderLinePayload:
    row_number: str
    article_number: str
    quantity: float
    comment: str | None = None
    serial_number: str | None = None
    line_total_customs_value: float | None = None
    should_be_picked: bool | None = None

    def to_json(self):
        return _compact(
            {
                "rowNumber": str(self.row_number),
                "articleNumber": self.article_number,
                "numberOfItems": _number(self.quantity),
                "comment": self.comment,
                "serialNumber": self.serial_number,
                "lineTotalCustomsValue": _number(self.line_total_customs_value),
                "shouldBePicked": self.should_be_picked,
            }
        )


def _notification(value):
    return {"toBeNotified": True, "value": value} if value else None


@dataclass
class OrderPayload:
    order_number: str
    delivery_date: date | str
    consignee: Consignee
    lines: list
    reference_number: str | None = None
    goods_owner_order_id: str | None = None
    sales_code: str | None = None
    order_remark: str | None = None
    delivery_instruction: str | None = None
    service_point_code: str | None = None
    free_text1: str | None = None
    free_text2: str | None = None
    free_text3: str | None = None
    order_type: tuple | None = None
    way_of_delivery: tuple | None = None
    email: str | None = None
    sms: str | None = None
    telephone: str | None = None
    transporter_code: str | None = None
    transporter_service_code: str | None = None
    return_transporter_code: str | None = None
    return_transporter_service_code: str | None = None
    customs_currency_code: str | None = None

    def to_json(self, goods_owner_id):
        if not self.order_number:
            raise ValueError("An Ongoing order needs an order number.")
        if not self.lines:
            raise ValueError(f"The Ongoing order {self.order_number} has no lines.")
        row_numbers = [str(line.row_number) for line in self.lines]
        if len(set(row_numbers)) != len(row_numbers):
            raise ValueError(f"The Ongoing order {self.order_number} repeats a row number.")
        order_type = self.order_type or (None, None)
        way_of_delivery = self.way_of_delivery or (None, None)
        payload = _compact(
            {
                "goodsOwnerId": goods_owner_id,
                "orderNumber": self.order_number,
                "deliveryDate": _date(self.delivery_date),
                "referenceNumber": self.reference_number,
                "goodsOwnerOrderId": self.goods_owner_order_id,
                "salesCode": self.sales_code,
                "orderRemark": self.order_remark,
                "deliveryInstruction": self.delivery_instruction,
                "servicePointCode": self.service_point_code,
                "freeText1": self.free_text1,
                "freeText2": self.free_text2,
                "freeText3": self.free_text3,
                "orderType": {"code": order_type[0], "name": order_type[1]},
                "wayOfDelivery": {"code": way_of_delivery[0], "name": way_of_delivery[1]},
                "consignee": self.consignee.to_json(),
                "emailNotification": _notification(self.email),
                "smsNotification": _notification(self.sms),
                "telephoneNotification": _notification(self.telephone),
                "transporter": {
                    "transporterCode": self.transporter_code,
                    "transporterServiceCode": self.transporter_service_code,
                },
                "returnTransporter": {
                    "transporterCode": self.return_transporter_code,
                    "transporterServiceCode": self.return_transporter_service_code,
                },
                "customsInfo": {"customsValueCurrencyCode": self.customs_currency_code},
            }
        )
        payload["orderLines"] = [line.to_json() for line in self.lines]
        return payload


@dataclass
class PurchaseOrderLinePayload:
    row_number: str
    article_number: str
    quantity: float
    comment: str | None = None

    def to_json(self):
        return _compact(
            {
                "rowNumber": str(self.row_number),
                "articleNumber": self.article_number,
                "numberOfItems": _number(self.quantity),
                "comment": self.comment,
            }
        )


@dataclass
class PurchaseOrderPayload:
    purchase_order_number: str
    lines: list
    supplier_order_number: str | None = None
    goods_owner_reference: str | None = None
    reference_number: str | None = None
    in_date: date | str | None = None
    supplier_number: str | None = None
    supplier_name: str | None = None

    def to_json(self, goods_owner_id):
        if not self.purchase_order_number:
            raise ValueError("An Ongoing purchase order needs a number.")
        if not self.lines:
            raise ValueError(
                f"The Ongoing purchase order {self.purchase_order_number} has no lines."
            )
        row_numbers = [str(line.row_number) for line in self.lines]
        if len(set(row_numbers)) != len(row_numbers):
            raise ValueError(
                f"The Ongoing purchase order {self.purchase_order_number} repeats a row number."
            )
        payload = _compact(
            {
                "goodsOwnerId": goods_owner_id,
                "purchaseOrderNumber": self.purchase_order_number,
                "supplierOrderNumber": self.supplier_order_number,
                "goodsOwnerReference": self.goods_owner_reference,
                "referenceNumber": self.reference_number,
                "inDate": _date(self.in_date),
                "supplierInfo": {
                    "supplierNumber": self.supplier_number,
                    "supplierName": self.supplier_name,
                },
            }
        )
        payload["purchaseOrderLines"] = [line.to_json() for line in self.lines]
        return payload


@dataclass
class ReturnOrderLinePayload:
    """A line of a return order: which order line comes back, how many, and why."""

    row_number: str
    order_line_id: int
    quantity: float
    return_cause_code: str | None = None
    return_cause_name: str | None = None

    def to_json(self):
        line = {
            "returnOrderRowNumber": str(self.row_number),
            "customerOrderLine": {"orderLineId": int(self.order_line_id)},
            "toBeReturnedNumberOfItems": _number(self.quantity),
        }
        if self.return_cause_code:
            line["returnCause"] = _compact(
                {"code": self.return_cause_code, "name": self.return_cause_name}
            )
        return line


@dataclass
class ReturnOrderPayload:
    """A return order announcing items that will come back on an order."""

    return_order_number: str
    order_id: int
    lines: list
    comment: str | None = None
    in_date: datetime | None = None
    handling_comment: str | None = None

    def to_json(self, goods_owner_id):
        if not self.return_order_number:
            raise ValueError("An Ongoing return order needs a number.")
        if not self.order_id:
            raise ValueError(f"The Ongoing return order {self.return_order_number} names no order.")
        if not self.lines:
            raise ValueError(f"The Ongoing return order {self.return_order_number} has no lines.")
        row_numbers = [str(line.row_number) for line in self.lines]
        if len(set(row_numbers)) != len(row_numbers):
            raise ValueError(
                f"The Ongoing return order {self.return_order_number} repeats a row number."
            )
        payload = _compact(
            {
                "goodsOwnerId": goods_owner_id,
                "returnOrderNumber": self.return_order_number,
                "comment": self.comment,
                "inDate": format_time(self.in_date) if self.in_date else None,
                "returnOrderHandlingComment": self.handling_comment,
            }
        )
        payload["customerOrder"] = {"orderId": int(self.order_id)}
        payload["returnOrderLines"] = [line.to_json() for line in self.lines]
        return payload
