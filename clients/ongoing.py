"""Client of Ongoing WMS's goods-owner REST API (v1).

Authentication is HTTP Basic with the API user the warehouse created, plus the
numeric goods owner id (query string on reads, body on writes). Upserts are
keyed by their numbers (article, order, purchase order, return order), so
sending the same PUT twice changes nothing. Lists page by id cursor: ask again
from the highest id + 1 until a page comes back empty. Return orders are the
exception: Ongoing lists them in one response, without a cursor.
"""

import base64

from .errors import FixRequestError, RetryLaterError
from .http import JsonHttpTransport
from .ongoing_documents import (
    Article,
    ArticleItems,
    DocumentError,
    FileResult,
    Order,
    PurchaseOrder,
    PutResult,
    ReturnOrder,
    TransporterContract,
    format_time,
    parse_inventory_adjustments,
    parse_return_causes,
    parse_statuses,
)

DEFAULT_PAGE_SIZE = 500
# Article numbers per request when a list is filtered by them; they travel in the URL.
ARTICLE_NUMBERS_PER_REQUEST = 100


class OngoingClient(JsonHttpTransport):
    system_name = "Ongoing WMS"

    def __init__(self, base_url, goods_owner_id, username, password, **kwargs):
        super().__init__(base_url, **kwargs)
        if not goods_owner_id:
            raise ValueError("The Ongoing goods owner id is missing.")
        self.goods_owner_id = int(goods_owner_id)
        # requests encodes text credentials as Latin-1 and fails on any other
        # character ("€"); UTF-8 bytes follow RFC 7617 instead.
        # NOTE: how Ongoing decodes non-ASCII credentials is not documented.
        self.session.auth = (username.encode("utf-8"), password.encode("utf-8"))

    def __repr__(self):
        return f"<OngoingClient {self.base_url} goods owner {self.goods_owner_id}>"

    def _extract_error(self, body):
        # Ongoing's error bodies are undocumented; seen: {"Message": "..."} and
        # ASP.NET validation bodies with a ModelState of field messages.
        if isinstance(body, list):
            body = body[0] if body and isinstance(body[0], dict) else {}
        message = body.get("Message") or body.get("message")
        details = body.get("ModelState") or body.get("modelState")
        if isinstance(details, dict):
            extra = "; ".join(
                str(text) for texts in details.values() for text in (texts or []) if text
            )
            message = f"{message} {extra}".strip() if message else extra
        code = body.get("Code") or body.get("code")
        return (str(message) if message else None), code

    def _owner(self, **params):
        return {"goodsOwnerId": self.goods_owner_id, **params}

    def _get(self, path, **params):
        return self.request("GET", path, params=self._owner(**params))

    @staticmethod
    def _parse(parser, data, what):
        if data is None:
            raise RetryLaterError(f"Ongoing WMS returned an empty response for {what}.")
        try:
            return parser(data)
        except (DocumentError, AttributeError, KeyError, TypeError) as error:
            raise RetryLaterError(
                f"Ongoing WMS returned an unexpected response for {what}: {error}"
            ) from error

    def _iterate(self, path, cursor_param, size_param, id_of, page_size, **params):
        """Yield every object of a list endpoint, following the id cursor."""
        next_id = 0
        while True:
            page = self._get(path, **{cursor_param: next_id, size_param: page_size}, **params)
            if not page:
                return
            if not isinstance(page, list):
                raise RetryLaterError(f"Ongoing WMS returned a non-list page for GET {path}.")
            yield from page
            highest = max(id_of(row) for row in page)
            if highest < next_id:
                raise RetryLaterError(
                    f"Ongoing WMS returned a page that goes backwards for {path}."
                )
            next_id = highest + 1

    # ------------------------------------------------------------------
    # Connection
    # ------------------------------------------------------------------

    def check_connection(self):
        """Read one article, which fails unless the credentials and goods owner are valid."""
        self._get("articles", articleSystemIdFrom=0, maxArticlesToGet=1)
        return True

    # ------------------------------------------------------------------
    # Articles
    # ------------------------------------------------------------------

    def put_article(self, payload):
        """Create or update an article (an :class:`ArticlePayload`)."""
        data = self.request("PUT", "articles", json_body=payload.to_json(self.goods_owner_id))
        return self._parse(lambda d: PutResult.from_json(d, "articleSystemId"), data, "an article")

    def get_article(self, article_system_id):
        data = self.request("GET", f"articles/{int(article_system_id)}", params=self._owner())
        return self._parse(Article.from_json, data, f"article {article_system_id}")

    def iter_articles(self, page_size=DEFAULT_PAGE_SIZE, article_numbers=None, **filters):
        """Yield every article of the goods owner with its ``inventoryInfo``."""
        if article_numbers:
            filters["articleNumbers"] = list(article_numbers)
        for row in self._iterate(
            "articles",
            "articleSystemIdFrom",
            "maxArticlesToGet",
            lambda row: row["articleSystemId"],
            page_size,
            **filters,
        ):
            yield self._parse(Article.from_json, row, "an article")

    def iter_article_items(self, article_numbers=None, page_size=DEFAULT_PAGE_SIZE, **filters):
        """Yield each article's items in stock (batch, serial, location) as :class:`ArticleItems`.

        ``article_numbers`` limits the list to those articles; the numbers go in
        the query string, so long lists are asked for in chunks.
        """
        numbers = list(article_numbers or [])
        chunks = [
            numbers[start : start + ARTICLE_NUMBERS_PER_REQUEST]
            for start in range(0, len(numbers), ARTICLE_NUMBERS_PER_REQUEST)
        ] or [None]
        for chunk in chunks:
            if chunk:
                filters["articleNumbers"] = chunk
            for row in self._iterate(
                "articleItems",
                "articleSystemIdFrom",
                "maxArticlesToGet",
                lambda row: row["articleSystemId"],
                page_size,
                **filters,
            ):
                yield self._parse(ArticleItems.from_json, row, "an article's items")

    # ------------------------------------------------------------------
    # Orders
    # ------------------------------------------------------------------

    def put_order(self, payload):
        """Create or update an order (an :class:`OrderPayload`)."""
        data = self.request("PUT", "orders", json_body=payload.to_json(self.goods_owner_id))
        return self._parse(lambda d: PutResult.from_json(d, "orderId"), data, "an order")

    def get_order(self, order_id):
        data = self.request("GET", f"orders/{int(order_id)}", params=self._owner())
        return self._parse(Order.from_json, data, f"order {order_id}")

    def find_order(self, order_number):
        """Return the order with this number, or None."""
        data = self._get("orders", orderNumber=order_number)
        rows = data if isinstance(data, list) else []
        for row in rows:
            order = self._parse(Order.from_json, row, f"order {order_number}")
            if order.order_number == order_number:
                return order
        return None

    def iter_orders(
        self,
        page_size=DEFAULT_PAGE_SIZE,
        only_lines_to_report=False,
        only_returns_to_report=False,
        **filters,
    ):
        """Yield orders, or only those with picks (or returns) not yet reported.

        Ongoing filters picked and returned quantities separately:
        ``only_lines_to_report`` compares picked with reported items,
        ``only_returns_to_report`` returned with reported returned items.
        """
        if only_lines_to_report:
            filters["onlyOrdersWithOrderLinesToReport"] = "true"
        if only_returns_to_report:
            filters["onlyOrdersWithOrderLinesToReportReturned"] = "true"
        for row in self._iterate(
            "orders",
            "orderIdFrom",
            "maxOrdersToGet",
            lambda row: row["orderInfo"]["orderId"],
            page_size,
            **filters,
        ):
            yield self._parse(Order.from_json, row, "an order")

    def cancel_order(self, order_id):
        """Cancel an order; Ongoing rejects it once the warehouse has started on it."""
        self.request("DELETE", f"orders/{int(order_id)}", params=self._owner())

    def report_order_line(self, order_id, line_id, quantity):
        """Write back how many items of the line the ERP has booked."""
        self.request(
            "PATCH",
            f"orders/{int(order_id)}/lines/{int(line_id)}/reportedNumberOfItems",
            params=self._owner(),
            json_body={"reportedNumberOfItems": quantity},
        )

    def report_order_line_returned(self, order_id, line_id, quantity):
        """Write back how many returned items of the line the ERP has booked."""
        self.request(
            "PATCH",
            f"orders/{int(order_id)}/lines/{int(line_id)}/reportedReturnedNumberOfItems",
            params=self._owner(),
            json_body={"reportedReturnedNumberOfItems": quantity},
        )

    def get_order_statuses(self):
        data = self._get("orders/statuses")
        return self._parse(parse_statuses, data, "the order statuses")

    # ------------------------------------------------------------------
    # Purchase orders
    # ------------------------------------------------------------------

    def put_purchase_order(self, payload):
        """Create or update a purchase order (a :class:`PurchaseOrderPayload`)."""
        data = self.request("PUT", "purchaseOrders", json_body=payload.to_json(self.goods_owner_id))
        return self._parse(
            lambda d: PutResult.from_json(d, "purchaseOrderId"), data, "a purchase order"
        )

    def get_purchase_order(self, purchase_order_id):
        data = self.request("GET", f"purchaseOrders/{int(purchase_order_id)}", params=self._owner())
        return self._parse(PurchaseOrder.from_json, data, f"purchase order {purchase_order_id}")

    def find_purchase_order(self, purchase_order_number):
        """Return the purchase order with this number, or None."""
        data = self._get("purchaseOrders", purchaseOrderNumber=purchase_order_number)
        rows = data if isinstance(data, list) else []
        for row in rows:
            order = self._parse(PurchaseOrder.from_json, row, "a purchase order")
            if order.purchase_order_number == purchase_order_number:
                return order
        return None

    def iter_purchase_orders(
        self, page_size=DEFAULT_PAGE_SIZE, only_lines_to_report=False, **filters
    ):
        """Yield purchase orders; with ``only_lines_to_report``, those with unreported receipts."""
        if only_lines_to_report:
            filters["onlyPurchaseOrdersWithOrderLinesToReport"] = "true"
        for row in self._iterate(
            "purchaseOrders",
            "purchaseOrderIdFrom",
            "maxPurchaseOrdersToGet",
            lambda row: row["purchaseOrderInfo"]["purchaseOrderId"],
            page_size,
            **filters,
        ):
            yield self._parse(PurchaseOrder.from_json, row, "a purchase order")

    def cancel_purchase_order(self, purchase_order_id):
        """Cancel a purchase order; rejected once the warehouse has started receiving."""
        self.request("DELETE", f"purchaseOrders/{int(purchase_order_id)}", params=self._owner())

    def report_purchase_order_line(self, purchase_order_id, line_id, quantity):
        """Write back how many received items of the line the ERP has booked."""
        self.request(
            "PATCH",
            f"purchaseOrders/{int(purchase_order_id)}/lines/{int(line_id)}/reportedNumberOfItems",
            params=self._owner(),
            json_body={"reportedNumberOfItems": quantity},
        )

    def get_purchase_order_statuses(self):
        data = self._get("purchaseOrders/statuses")
        return self._parse(parse_statuses, data, "the purchase order statuses")

    # ------------------------------------------------------------------
    # Return orders
    # ------------------------------------------------------------------

    def put_return_order(self, payload):
        """Create or update a return order (a :class:`ReturnOrderPayload`)."""
        data = self.request("PUT", "returnOrders", json_body=payload.to_json(self.goods_owner_id))
        return self._parse(
            lambda d: PutResult.from_json(d, "returnOrderId"), data, "a return order"
        )

    def get_return_order(self, return_order_id):
        data = self.request("GET", f"returnOrders/{int(return_order_id)}", params=self._owner())
        return self._parse(ReturnOrder.from_json, data, f"return order {return_order_id}")

    def list_return_orders(self, return_order_numbers=None, customer_order_numbers=None, **filters):
        """Return the return orders that match the filters, in one list."""
        if return_order_numbers:
            filters["returnOrderNumbers"] = list(return_order_numbers)
        if customer_order_numbers:
            filters["customerOrderNumbers"] = list(customer_order_numbers)
        data = self._get("returnOrders", **filters)
        return self._parse(
            lambda rows: [ReturnOrder.from_json(row) for row in rows],
            data or [],
            "the return orders",
        )

    def find_return_order(self, return_order_number):
        """Return the return order with this number, or None."""
        for return_order in self.list_return_orders(return_order_numbers=[return_order_number]):
            if return_order.return_order_number == return_order_number:
                return return_order
        return None

    def get_return_causes(self):
        data = self._get("returnOrders/returnCauses")
        return self._parse(parse_return_causes, data, "the return causes")

    def get_return_order_statuses(self):
        data = self._get("returnOrders/statuses")
        return self._parse(parse_statuses, data, "the return order statuses")

    # ------------------------------------------------------------------
    # Files
    # ------------------------------------------------------------------

    def _attach_file(self, path, file_name, content, mime_type):
        body = {
            "fileName": file_name,
            "mimeType": mime_type,
            "fileDataBase64": base64.b64encode(content).decode("ascii"),
        }
        data = self.request("POST", path, params=self._owner(), json_body=body)
        result = self._parse(FileResult.from_json, data, f"the file {file_name}")
        if not result.success:
            raise FixRequestError(
                f"Ongoing WMS did not store the file {file_name}: {result.message}",
                remote_message=result.message,
            )
        return result

    def attach_article_file(self, article_system_id, file_name, content, mime_type):
        """Attach a file (bytes) to an article, for example a safety data sheet."""
        return self._attach_file(
            f"articles/{int(article_system_id)}/files", file_name, content, mime_type
        )

    def attach_order_file(self, order_id, file_name, content, mime_type):
        """Attach a file (bytes) to an order, for example a delivery note to print."""
        return self._attach_file(f"orders/{int(order_id)}/files", file_name, content, mime_type)

    # ------------------------------------------------------------------
    # Stock and master data
    # ------------------------------------------------------------------

    def get_inventory_adjustments(self, from_time, to_time):
        """Return the adjustments made in the warehouse between two UTC times."""
        data = self._get(
            "inventoryAdjustments",
            **{"from": format_time(from_time), "toTime": format_time(to_time)},
        )
        return self._parse(parse_inventory_adjustments, data or [], "the inventory adjustments")

    def get_transporter_contracts(self):
        data = self._get("transporterContracts")
        return self._parse(
            lambda rows: [TransporterContract.from_json(row) for row in rows],
            data or [],
            "the transporter contracts",
        )
