"""Records of the Ongoing WMS simulator: status codes, errors and warehouse objects.

The records are plain dataclasses that :class:`.ongoing_state.Warehouse`
keeps and changes; :mod:`.ongoing_json` renders them in Ongoing's JSON shapes.
Quantities are floats and times are aware UTC datetimes.
"""

import functools
from dataclasses import dataclass, field
from datetime import datetime

ORDER_OPEN = 200
ORDER_RELEASED = 300
ORDER_ALLOCATED = 320
ORDER_PICKED = 400
ORDER_SENT = 450
ORDER_COLLECTED = 500
ORDER_CANCELLED = 1000
ORDER_STATUS_TEXTS = {
    150: "Error",
    ORDER_OPEN: "Open",
    ORDER_RELEASED: "Released",
    ORDER_ALLOCATED: "Allocated",
    ORDER_PICKED: "Picked",
    ORDER_SENT: "Sent",
    ORDER_COLLECTED: "Collected",
    ORDER_CANCELLED: "Cancelled",
}

PO_NOTIFIED = 100
PO_INBOUND = 300
PO_DEFLECTION = 400
PO_RECEIVED = 500
PO_CANCELLED = 900
PURCHASE_ORDER_STATUS_TEXTS = {
    PO_NOTIFIED: "Notified",
    200: "Arrival space",
    PO_INBOUND: "Inbound",
    PO_DEFLECTION: "Deflection",
    PO_RECEIVED: "Received",
    PO_CANCELLED: "Cancelled",
}

# NOTE: Ongoing publishes no return order status list in its examples; these
# numbers follow the purchase order ones. Read GET /returnOrders/statuses.
RETURN_NOTIFIED = 100
RETURN_DEFLECTION = 400
RETURN_RETURNED = 500
RETURN_CANCELLED = 900
RETURN_ORDER_STATUS_TEXTS = {
    RETURN_NOTIFIED: "Notified",
    RETURN_DEFLECTION: "Deflection",
    RETURN_RETURNED: "Returned",
    RETURN_CANCELLED: "Cancelled",
}

ITEM_LOCKED = "locked"
ITEM_LOCKED_FOR_SALE = "locked_for_sale"
DEFAULT_LOCATION = "A1"
RETURN_LOCATION = "R1"


@dataclass(frozen=True)
class ReturnCause:
    cause_id: int
    code: str
    name: str
    #: Returned items with this cause are removed from stock by an inventory adjustment.
    is_remove_cause: bool = False
    is_change_cause: bool = False
    is_return_comment_mandatory: bool = False


DEFAULT_RETURN_CAUSES = (
    ReturnCause(1, "REGRET", "Regretted purchase"),
    ReturnCause(2, "WRONG_ITEM", "Wrong item delivered", is_change_cause=True),
    ReturnCause(3, "DAMAGED", "Damaged", is_remove_cause=True),
)

DEFAULT_ADJUSTMENT_CAUSES = {
    "COUNT": "Stock count",
    "DAMAGED": "Damaged",
    "FOUND": "Found",
    "LOST": "Lost",
}

DEFAULT_TRANSPORTER_CONTRACTS = (
    {
        "ediCode": "",
        "transporterName": "PostNord Sweden AB",
        "transporterCode": "PLAB",
        "transporterServiceCode": "",
        "transporterServices": [
            {"transporterServiceName": "PostNord Parcel (Nordic)", "transporterServiceCode": "P18"},
            {"transporterServiceName": "PostNord MyPack Collect", "transporterServiceCode": "P19"},
            {
                "transporterServiceName": "PostNord Return Drop Off (within Sweden)",
                "transporterServiceCode": "P24",
            },
            {"transporterServiceName": "PostNord Pallet", "transporterServiceCode": "P52"},
        ],
    },
    {
        "ediCode": "",
        "transporterName": "DB Schenker",
        "transporterCode": "SBTL",
        "transporterServiceCode": "",
        "transporterServices": [
            {"transporterServiceName": "DB SCHENKERparcel", "transporterServiceCode": "BPA"},
            {"transporterServiceName": "DB SCHENKERsystem", "transporterServiceCode": "BCF"},
        ],
    },
)

# First ids of each kind, in the ranges the example payloads show, so that
# ids of different kinds rarely coincide and a mixed-up id is noticed.
FIRST_IDS = {
    "article": 18000,
    "order": 50000,
    "order_line": 48000,
    "purchase_order": 200,
    "purchase_order_line": 500,
    "return_order": 700,
    "return_order_line": 7000,
    "article_item": 59000,
    "parcel": 200,
    "inventory": 100,
    "customer": 21000,
    "supplier": 3000,
    "file": 180,
}


class WarehouseError(Exception):
    """A request or action the warehouse rejects; ``message`` is for the caller.

    ``field`` names the JSON field at fault when the request body is invalid,
    which the API reports the way ASP.NET model validation does.
    """

    status = 400

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


class RequestInvalid(WarehouseError):
    """The ERP's request breaks a rule of the API (HTTP 400)."""


class ObjectNotFound(WarehouseError):
    """The requested object does not exist for this goods owner (HTTP 404)."""

    status = 404


class OperatorError(WarehouseError, ValueError):
    """A warehouse operator action that cannot be done in the current state."""


def merge_fields(stored, incoming):
    """Return ``stored`` updated with the values of ``incoming`` that are not None."""
    merged = dict(stored)
    merged.update({key: value for key, value in incoming.items() if value is not None})
    return merged


def locked(method):
    """Run the method under the warehouse lock, as the HTTP handlers do."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.lock:
            return method(self, *args, **kwargs)

    return wrapper


# ----------------------------------------------------------------------
# Records
# ----------------------------------------------------------------------


@dataclass
class StockItem:
    """Items of an article on a location, with one batch, serial and status."""

    item_id: int
    quantity: float
    in_date: datetime
    batch: str = ""
    serial: str = ""
    location: str = DEFAULT_LOCATION
    status: str = ""  # "", ITEM_LOCKED or ITEM_LOCKED_FOR_SALE
    status_reason: str = ""
    comment: str = ""
    expiry_date: datetime | None = None

    @property
    def pickable(self):
        return not self.status


@dataclass
class Article:
    article_id: int
    goods_owner_id: int
    article_number: str
    data: dict
    created: datetime
    updated: datetime
    stock_changed: datetime
    items: list = field(default_factory=list)
    last_in_date: datetime | None = None
    files: list = field(default_factory=list)

    @property
    def name(self):
        return self.data.get("articleName", "")


@dataclass
class PickedItem:
    item_id: int
    quantity: float
    in_date: datetime
    picked_time: datetime
    batch: str = ""
    serial: str = ""
    location: str = DEFAULT_LOCATION
    comment: str = ""
    expiry_date: datetime | None = None
    returned: bool = False
    return_time: datetime | None = None
    return_cause: ReturnCause | None = None


@dataclass
class OrderLine:
    line_id: int
    row_number: str
    article: Article
    ordered: float
    data: dict
    allocated: float = 0.0
    picked_items: list = field(default_factory=list)
    reported: float | None = None
    reported_returned: float | None = None

    @property
    def picked(self):
        return sum(item.quantity for item in self.picked_items)

    @property
    def quantity(self):
        """The ordered quantity, named alike on order and purchase order lines."""
        return self.ordered

    def update(self, quantity, data):
        self.ordered = quantity
        self.data = merge_fields(self.data, data)

    @property
    def returned(self):
        return sum(item.quantity for item in self.picked_items if item.returned)

    @property
    def should_be_picked(self):
        return self.data.get("shouldBePicked", True)


@dataclass
class Parcel:
    parcel_id: int
    parcel_number: str
    is_return_parcel: bool = False


class DocumentLines:
    """Line lookups shared by orders, purchase orders and return orders."""

    def line_by_row(self, row_number):
        for line in self.lines:
            if line.row_number is not None and line.row_number == str(row_number):
                return line
        return None

    def line_by_id(self, line_id):
        for line in self.lines:
            if line.line_id == line_id:
                return line
        return None


@dataclass
class Order(DocumentLines):
    order_id: int
    goods_owner_id: int
    order_number: str
    data: dict
    lines: list
    created: datetime
    status: int = ORDER_OPEN
    status_changed: datetime | None = None
    updated: datetime | None = None
    shipped_time: datetime | None = None
    way_bill: str = ""
    return_way_bill: str = ""
    parcels: list = field(default_factory=list)
    files: list = field(default_factory=list)
    last_returned: datetime | None = None

    @property
    def is_started(self):
        return self.status >= ORDER_RELEASED

    @property
    def is_open(self):
        """Return whether the order still waits for picking (it reserves stock)."""
        return self.status < ORDER_PICKED


@dataclass
class ReceivedItem:
    item_id: int
    quantity: float
    in_date: datetime
    batch: str = ""
    serial: str = ""
    location: str = DEFAULT_LOCATION
    comment: str = ""
    expiry_date: datetime | None = None


@dataclass
class PurchaseOrderLine:
    line_id: int
    row_number: str | None
    article: Article
    advised: float
    data: dict
    received_items: list = field(default_factory=list)
    reported: float | None = None

    @property
    def received(self):
        return sum(item.quantity for item in self.received_items)

    @property
    def quantity(self):
        """The advised quantity, named alike on order and purchase order lines."""
        return self.advised

    def update(self, quantity, data):
        self.advised = quantity
        self.data = merge_fields(self.data, data)


@dataclass
class PurchaseOrder(DocumentLines):
    purchase_order_id: int
    goods_owner_id: int
    purchase_order_number: str
    data: dict
    lines: list
    created: datetime
    status: int = PO_NOTIFIED
    status_changed: datetime | None = None
    updated: datetime | None = None
    last_receive_time: datetime | None = None
    files: list = field(default_factory=list)

    @property
    def is_started(self):
        return self.status >= PO_INBOUND or any(line.received_items for line in self.lines)


@dataclass
class ReturnedItem:
    quantity: float
    return_time: datetime
    cause: ReturnCause | None
    batch: str = ""
    serial: str = ""
    comment: str = ""
    expiry_date: datetime | None = None
    removed_by_inventory: bool = False


@dataclass
class ReturnOrderLine:
    line_id: int
    row_number: str
    order_line: OrderLine
    to_be_returned: float
    cause: ReturnCause | None
    returned_items: list = field(default_factory=list)

    @property
    def returned(self):
        return sum(item.quantity for item in self.returned_items)


@dataclass
class ReturnOrder(DocumentLines):
    return_order_id: int
    goods_owner_id: int
    return_order_number: str
    order: Order
    data: dict
    lines: list
    created: datetime
    status: int = RETURN_NOTIFIED
    updated: datetime | None = None

    @property
    def is_started(self):
        return any(line.returned_items for line in self.lines)


@dataclass
class InventoryAdjustment:
    inventory_id: int
    article: Article
    quantity: float
    time: datetime
    location: str
    batch: str = ""
    serial: str = ""
    item_comment: str = ""
    inventory_comment: str = ""
    cause: dict | None = None
    expiry_date: datetime | None = None


@dataclass
class InventoryFigures:
    """The stock figures of one article, as ``inventoryInfo`` reports them."""

    physical: float = 0.0
    locked: float = 0.0
    locked_for_sale: float = 0.0
    booked: float = 0.0
    allocated: float = 0.0
    to_receive: float = 0.0
    picked_to_be_collected: float = 0.0

    @property
    def sellable(self):
        # Ongoing lets this go negative when orders exceed the stock.
        return self.physical - self.locked - self.locked_for_sale - self.booked - self.allocated
