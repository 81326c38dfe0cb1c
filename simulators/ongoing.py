"""Simulator of Ongoing WMS: the goods-owner REST API v1, the warehouse staff and webhooks.

The API is served under ``/<system>/api/v1/`` (``http://127.0.0.1:PORT/demo/api/v1/``),
as Ongoing serves one warehouse system per prefix; another prefix gets 404. Every
API request needs HTTP Basic credentials; reads name the goods owner in the
``goodsOwnerId`` query parameter, writes in the body. A wrong user, password
or goods owner gets 401 with ASP.NET's ``{"Message": "Authorization has been
denied for this request."}``.

Endpoints, with the shapes of Ongoing's published examples (see
:mod:`.ongoing_json` for the keys added to them):

* ``PUT articles``, ``GET articles`` (``articleSystemIdFrom``,
  ``maxArticlesToGet``, repeated ``articleNumbers``, ``articleNumber``,
  ``stockInfoChangedFrom``), ``GET articles/{articleSystemId}``,
  ``POST articles/{articleSystemId}/files``.
* ``GET articleItems`` (``articleSystemIdFrom``, ``maxArticlesToGet``,
  ``articleNumber``, repeated ``articleNumbers`` and ``locationNames``): per
  article, the items in stock with batch, serial, location, lock flags and
  ``numberOfItems``, so stock can be counted per batch or serial. Articles
  without stock come with an empty ``items`` list.
* ``PUT orders``, ``GET orders`` (``orderIdFrom``, ``maxOrdersToGet``,
  ``orderNumber``, repeated ``orderNumbers``, ``orderStatusFrom``/``To``,
  ``orderStatusChangedTimeFrom``, ``onlyOrdersWithOrderLinesToReport``: lines
  whose picked quantity differs from the reported one,
  ``onlyOrdersWithOrderLinesToReportReturned``: lines whose returned quantity
  differs from the reported returned one), ``GET orders/{orderId}``,
  ``DELETE orders/{orderId}``, ``DELETE orders?goodsOwnerId&orderNumber``,
  ``PATCH orders/{orderId}/lines/{orderLineId}/reportedNumberOfItems`` and
  ``.../reportedReturnedNumberOfItems``, ``GET orders/statuses``,
  ``POST orders/{orderId}/files``.
* ``PUT purchaseOrders``, ``GET purchaseOrders`` (``purchaseOrderIdFrom``,
  ``maxPurchaseOrdersToGet``, ``purchaseOrderNumber``, repeated
  ``purchaseOrderNumbers``, ``onlyPurchaseOrdersWithOrderLinesToReport``,
  status filters), ``GET``/``DELETE purchaseOrders/{purchaseOrderId}``,
  ``DELETE purchaseOrders?goodsOwnerId&purchaseOrderNumber``,
  ``PATCH purchaseOrders/{id}/lines/{lineId}/reportedNumberOfItems``,
  ``GET purchaseOrders/statuses``.
* ``PUT returnOrders``, ``GET returnOrders`` (repeated ``returnOrderNumbers``
  and ``customerOrderNumbers``, ``returnOrderStatusFrom``/``To``,
  ``goodsReturnedFromDate``; like Ongoing, without paging),
  ``GET returnOrders/{returnOrderId}``, ``GET returnOrders/statuses``,
  ``GET returnOrders/returnCauses``.
* ``GET inventoryAdjustments?goodsOwnerId&from&toTime`` (``to`` is accepted
  for ``toTime``), ``GET transporterContracts``.

Return orders follow the model of Ongoing's API specification, which has no
example payloads. The PUT body::

    {"goodsOwnerId": 159, "returnOrderNumber": "R1",
     "customerOrder": {"orderId": 50001},
     "comment": "", "inDate": "2024-05-02T10:00:00Z", "returnOrderHandlingComment": "",
     "returnOrderLines": [{"returnOrderRowNumber": "1",
                           "customerOrderLine": {"orderLineId": 48001},
                           "toBeReturnedNumberOfItems": 1,
                           "returnCause": {"code": "DAMAGED", "name": "Damaged"}}]}

returns ``{"returnOrderId": ..., "message": ...}``. The simulator also accepts
``customerOrder.orderNumber`` and ``customerOrderLine.customerOrderRowNumber``,
which the GET responses carry. ``GET returnOrders/{id}`` returns
``returnOrderInfo`` (id, number, comment, inDate, ``returnOrderStatus``,
warehouse, handling comment), ``customerOrderInfo`` (``orderId``,
``orderNumber``) and ``returnOrderLines`` with ``toBeReturnedNumberOfItems``,
``returnedNumberOfItems``, ``returnedRemovedByInventoryNumberOfItems`` and
``returnedArticleItems`` (serial, batch, ``returnTime``, ``returnCause``). The
ERP acknowledges returns on the original order line, with
``reportedReturnedNumberOfItems``: Ongoing has no such field on return orders.

Webhook events follow the payloads of Ongoing's webhook documentation; the
``webhookTemplate`` tells them apart:

* ``OrderCreated``, ``OrderStatusChanged``, ``OrderPicked`` (status 400 or
  more with picked items): order webhooks with ``orderId`` and ``orderStatus``.
* ``PurchaseOrderCreated``, ``PurchaseOrderStatusChanged``,
  ``PurchaseOrderReceived``: purchase order webhooks.
* ``ArticlePicked`` (each picked portion, also on partial picks) and
  ``ArticleReturned``: picking webhooks, which name the order in
  ``order.orderId`` and ``order.orderLine``.
* ``InventoryTransaction``: one per inventory adjustment row.
* ``ArticleItemStatusChanged``: items locked or unlocked, in the inventory
  payload with ``transactionNumberOfItems`` 0. Ongoing documents no such
  webhook; the simulator adds it so that locks can be seen.

NOTE: Ongoing names the template of each configured webhook itself; the
names above are the simulator's.

Errors: 400 with ``{"Message": ...}`` for rejected changes, or ASP.NET's
``{"Message": "The request is invalid.", "ModelState": {...}}`` for an
invalid body; 404 for unknown ids and paths; 500 with
``{"Message": "An error has occurred."}``.

The warehouse staff are :class:`.ongoing_operator.WarehouseOperator`, whose
actions are methods of the simulator too (``sim.pick("O1", {"1": 2})``).
Another process drives them over the control API, which needs no credentials:

* ``POST /_sim/actions/<action>`` with the keyword arguments as a JSON object;
* ``GET /_sim/state``, ``POST /_sim/reset``;
* ``GET /_sim/webhooks``, ``PUT /_sim/webhooks/subscriber``
  (``{"url", "token", "retryPolicy"}``), ``POST /_sim/webhooks/<hook>`` with
  hook ``flush``, ``pause``, ``resume``, ``duplicate-next``, ``reorder-next``;
* ``/_sim/faults``, ``/_sim/outage`` and ``/_sim/requests`` (see
  :mod:`.base`).

Run it alone from the repository root::

    python -m simulators.ongoing --port 18100 --user api --password secret \\
        --goods-owner-id 159 --webhook-url http://127.0.0.1:8069/ongoing/webhook/1 \\
        --webhook-token TOKEN
"""

import argparse
import hmac
import logging
import os
import sys
import threading

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from .base import HttpError, SimulatorApp, SimulatorServer, wait_for_stop_signal
from .ongoing_input import parse_time
from .ongoing_json import (
    article_items_json,
    article_json,
    inventory_adjustments_json,
    order_json,
    purchase_order_json,
    return_causes_json,
    return_order_json,
    statuses_json,
    webhook_payload,
)
from .ongoing_operator import OPERATOR_ACTIONS, WarehouseOperator
from .ongoing_records import (
    ORDER_STATUS_TEXTS,
    PURCHASE_ORDER_STATUS_TEXTS,
    RETURN_ORDER_STATUS_TEXTS,
    WarehouseError,
)
from .ongoing_state import Warehouse
from .webhooks import WebhookDispatcher

_logger = logging.getLogger(__name__)

API_MARKER = "/api/v1/"
DEFAULT_PAGE_SIZE = 1000
UNAUTHORIZED = {"Message": "Authorization has been denied for this request."}

ROUTES = Map(
    [
        Rule("/articles", methods=["GET"], endpoint="list_articles"),
        Rule("/articles", methods=["PUT"], endpoint="put_article"),
        Rule("/articles/<int:object_id>", methods=["GET"], endpoint="get_article"),
        Rule("/articles/<int:object_id>/files", methods=["POST"], endpoint="post_article_file"),
        Rule("/articleItems", methods=["GET"], endpoint="list_article_items"),
        Rule("/orders", methods=["GET"], endpoint="list_orders"),
        Rule("/orders", methods=["PUT"], endpoint="put_order"),
        Rule("/orders", methods=["DELETE"], endpoint="delete_order_by_number"),
        Rule("/orders/statuses", methods=["GET"], endpoint="order_statuses"),
        Rule("/orders/<int:object_id>", methods=["GET"], endpoint="get_order"),
        Rule("/orders/<int:object_id>", methods=["DELETE"], endpoint="delete_order"),
        Rule("/orders/<int:object_id>/files", methods=["POST"], endpoint="post_order_file"),
        Rule(
            "/orders/<int:object_id>/lines/<int:line_id>/reportedNumberOfItems",
            methods=["PATCH"],
            endpoint="patch_order_line",
        ),
        Rule(
            "/orders/<int:object_id>/lines/<int:line_id>/reportedReturnedNumberOfItems",
            methods=["PATCH"],
            endpoint="patch_order_line_returned",
        ),
        Rule("/purchaseOrders", methods=["GET"], endpoint="list_purchase_orders"),
        Rule("/purchaseOrders", methods=["PUT"], endpoint="put_purchase_order"),
        Rule("/purchaseOrders", methods=["DELETE"], endpoint="delete_purchase_order_by_number"),
        Rule("/purchaseOrders/statuses", methods=["GET"], endpoint="purchase_order_statuses"),
        Rule("/purchaseOrders/<int:object_id>", methods=["GET"], endpoint="get_purchase_order"),
        Rule(
            "/purchaseOrders/<int:object_id>", methods=["DELETE"], endpoint="delete_purchase_order"
        ),
        Rule(
            "/purchaseOrders/<int:object_id>/lines/<int:line_id>/reportedNumberOfItems",
            methods=["PATCH"],
            endpoint="patch_purchase_order_line",
        ),
        Rule("/returnOrders", methods=["GET"], endpoint="list_return_orders"),
        Rule("/returnOrders", methods=["PUT"], endpoint="put_return_order"),
        Rule("/returnOrders/statuses", methods=["GET"], endpoint="return_order_statuses"),
        Rule("/returnOrders/returnCauses", methods=["GET"], endpoint="return_causes"),
        Rule("/returnOrders/<int:object_id>", methods=["GET"], endpoint="get_return_order"),
        Rule("/inventoryAdjustments", methods=["GET"], endpoint="inventory_adjustments"),
        Rule("/transporterContracts", methods=["GET"], endpoint="transporter_contracts"),
    ],
    strict_slashes=False,
)


def _same_secret(received, expected):
    return hmac.compare_digest((received or "").encode(), (expected or "").encode())


class OngoingSimulator(SimulatorApp):
    """Ongoing WMS for one system, with one API user and one or more goods owners.

    The warehouse operator actions (``set_stock``, ``pick``, ``ship``,
    ``receive``, ``adjust``, ...) of :class:`.ongoing_operator.WarehouseOperator`
    are available as methods of the simulator.
    """

    name = "ongoing"
    outage_body = {"Message": "An error has occurred."}

    def __init__(
        self,
        user,
        password,
        goods_owner_ids=(159,),
        *,
        goods_owner_names=None,
        system="demo",
        webhook_url=None,
        webhook_token=None,
        webhook_retry_policy="one_day",
        webhook_time_factor=1.0,
        webhook_manual=False,
        clock=None,
    ):
        super().__init__()
        names = goods_owner_names or {}
        self.user = user
        self.password = password
        self.system = system
        self.webhooks = WebhookDispatcher(
            url=webhook_url,
            token=webhook_token,
            retry_policy=webhook_retry_policy,
            time_factor=webhook_time_factor,
            manual=webhook_manual,
        )
        self.warehouse = Warehouse(
            {
                int(owner): names.get(int(owner), f"Goods owner {owner}")
                for owner in goods_owner_ids
            },
            self.lock,
            notify=self._notify,
            clock=clock,
            system=system,
        )
        self.operator = WarehouseOperator(self.warehouse)

    def __getattr__(self, name):
        # Only called for attributes not found otherwise: the operator actions.
        operator = self.__dict__.get("operator")
        if operator is not None and name in OPERATOR_ACTIONS:
            return getattr(operator, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __dir__(self):
        return [*super().__dir__(), *OPERATOR_ACTIONS]

    def api_url(self, server_url):
        """Return the base URL of the API for a server URL (``http://127.0.0.1:PORT``)."""
        return f"{server_url.rstrip('/')}/{self.system}/api/v1/"

    def _notify(self, template, subject, **details):
        self.webhooks.emit(webhook_payload(self.warehouse, template, subject, **details))

    # ------------------------------------------------------------------
    # Inspection for tests and the demo
    # ------------------------------------------------------------------

    def article_state(self, article_number, goods_owner_id=None):
        """Return the article as ``GET articles/{id}`` would, or None."""
        with self.lock:
            owner = self.warehouse.owner_id(goods_owner_id)
            article = self.warehouse.find_article(owner, article_number)
            if article is None:
                return None
            figures = self.warehouse.inventory(owner, {article.article_id})[article.article_id]
            return article_json(self.warehouse, article, figures)

    def order_state(self, order_number, goods_owner_id=None):
        with self.lock:
            owner = self.warehouse.owner_id(goods_owner_id)
            order = self.warehouse.find_order(owner, order_number)
            return order_json(self.warehouse, order) if order else None

    def purchase_order_state(self, number, goods_owner_id=None):
        with self.lock:
            owner = self.warehouse.owner_id(goods_owner_id)
            order = self.warehouse.find_purchase_order(owner, number)
            return purchase_order_json(self.warehouse, order) if order else None

    def return_order_state(self, number, goods_owner_id=None):
        with self.lock:
            owner = self.warehouse.owner_id(goods_owner_id)
            order = self.warehouse.find_return_order(owner, number)
            return return_order_json(self.warehouse, order) if order else None

    def state(self):
        """Return every goods owner's articles, documents and adjustments as JSON."""
        with self.lock:
            warehouse = self.warehouse
            result = {}
            for owner in warehouse.goods_owners:
                figures = warehouse.inventory(owner)
                result[str(owner)] = {
                    "articles": [
                        article_json(warehouse, article, figures[article.article_id])
                        for article in warehouse.articles_of(owner)
                    ],
                    "orders": [
                        order_json(warehouse, order) for order in warehouse.orders_of(owner, {})
                    ],
                    "purchaseOrders": [
                        purchase_order_json(warehouse, order)
                        for order in warehouse.purchase_orders_of(owner, {})
                    ],
                    "returnOrders": [
                        return_order_json(warehouse, order)
                        for order in warehouse.return_orders_of(owner, {})
                    ],
                    "inventoryAdjustments": inventory_adjustments_json(
                        adjustment
                        for adjustment in warehouse.adjustments
                        if adjustment.article.goods_owner_id == owner
                    ),
                }
            return result

    def reset(self):
        """Forget all state, events, faults and logged requests; keep the configuration."""
        with self.lock:
            self.warehouse.reset()
            self.clear_faults()
            self.clear_requests()
        self.webhooks.reset()

    def flush_webhooks(self):
        """Deliver every queued webhook event now; return the delivery attempts."""
        return self.webhooks.flush()

    def close(self):
        self.webhooks.close()

    # ------------------------------------------------------------------
    # Request handling
    # ------------------------------------------------------------------

    def handle(self, request):
        if request.path.startswith(self.control_prefix):
            return self._handle_control(request)
        # NOTE: Ongoing's response for a warehouse name it does not serve is not
        # documented, so the simulator returns 404 as for an unknown resource.
        prefix = f"/{self.system}{API_MARKER}"
        if not request.path.startswith(prefix):
            raise HttpError(404, self._no_resource(request))
        self._authenticate(request)

        resource = request.path[len(prefix) - 1 :]
        adapter = ROUTES.bind("simulator")
        try:
            endpoint, arguments = adapter.match(resource, method=request.method)
        except NotFound as error:
            raise HttpError(404, self._no_resource(request)) from error
        except MethodNotAllowed as error:
            raise HttpError(
                405,
                {
                    "Message": f"The requested resource does not support http method "
                    f"'{request.method}'."
                },
            ) from error
        try:
            return getattr(self, f"_api_{endpoint}")(request, **arguments)
        except WarehouseError as error:
            raise HttpError(error.status, self._error_body(error)) from error

    @staticmethod
    def _no_resource(request):
        return {
            "Message": f"No HTTP resource was found that matches the request URI '{request.url}'."
        }

    @staticmethod
    def _error_body(error):
        if error.field:
            return {
                "Message": "The request is invalid.",
                "ModelState": {f"model.{error.field}": [error.message]},
            }
        return {"Message": error.message}

    def _authenticate(self, request):
        auth = request.authorization
        if (
            auth is None
            or auth.type != "basic"
            or not _same_secret(auth.username, self.user)
            or not _same_secret(auth.password, self.password)
        ):
            raise HttpError(401, UNAUTHORIZED, {"WWW-Authenticate": 'Basic realm="Ongoing WMS"'})

    def _goods_owner(self, request, body=None):
        """Return the goods owner id of a request; 400 when missing, 401 when not allowed."""
        value = (body if body is not None else request.args).get("goodsOwnerId")
        if value in (None, ""):
            raise HttpError(
                400,
                {
                    "Message": "The request is invalid.",
                    "ModelState": {"goodsOwnerId": ["The goodsOwnerId field is required."]},
                },
            )
        try:
            owner = int(value)
        except (TypeError, ValueError) as error:
            raise HttpError(
                400, {"Message": f"The value '{value}' is not valid for goodsOwnerId."}
            ) from error
        if owner not in self.warehouse.goods_owners:
            raise HttpError(401, UNAUTHORIZED)
        return owner

    def _owners_of_request(self, request):
        """Return the goods owners an object may belong to: the one named, or all of them."""
        if request.args.get("goodsOwnerId") in (None, ""):
            return set(self.warehouse.goods_owners)
        return {self._goods_owner(request)}

    def _body(self, request):
        body = self.read_json(request)
        if not isinstance(body, dict):
            raise HttpError(400, {"Message": "The request body must be a JSON object."})
        return body

    @staticmethod
    def _int_arg(request, name):
        value = request.args.get(name)
        if value in (None, ""):
            return None
        try:
            return int(value)
        except ValueError as error:
            raise HttpError(
                400, {"Message": f"The value '{value}' is not valid for {name}."}
            ) from error

    @staticmethod
    def _bool_arg(request, name):
        value = (request.args.get(name) or "").lower()
        if value not in ("", "true", "false"):
            raise HttpError(400, {"Message": f"The value '{value}' is not valid for {name}."})
        return value == "true"

    @staticmethod
    def _time_arg(request, *names):
        for name in names:
            value = request.args.get(name)
            if value not in (None, ""):
                try:
                    return parse_time(value, name)
                except WarehouseError as error:
                    raise HttpError(
                        400, {"Message": f"The value '{value}' is not valid for {name}."}
                    ) from error
        return None

    @staticmethod
    def _numbers_arg(request, single, repeated):
        numbers = list(request.args.getlist(repeated))
        if request.args.get(single):
            numbers.append(request.args[single])
        return set(numbers)

    def _page(self, request, objects, size_param):
        size = self._int_arg(request, size_param)
        size = DEFAULT_PAGE_SIZE if size is None or size <= 0 else size
        return objects[:size]

    # ------------------------------------------------------------------
    # Articles
    # ------------------------------------------------------------------

    def _api_put_article(self, request):
        body = self._body(request)
        owner = self._goods_owner(request, body)
        article, message = self.warehouse.upsert_article(owner, body)
        return self.json_response({"articleSystemId": article.article_id, "message": message})

    def _api_list_articles(self, request):
        owner = self._goods_owner(request)
        articles = self.warehouse.articles_of(
            owner,
            numbers=self._numbers_arg(request, "articleNumber", "articleNumbers"),
            id_from=self._int_arg(request, "articleSystemIdFrom"),
            stock_changed_from=self._time_arg(request, "stockInfoChangedFrom"),
        )
        page = self._page(request, articles, "maxArticlesToGet")
        figures = self.warehouse.inventory(owner, {article.article_id for article in page})
        return self.json_response(
            [article_json(self.warehouse, article, figures[article.article_id]) for article in page]
        )

    def _api_list_article_items(self, request):
        owner = self._goods_owner(request)
        articles = self.warehouse.articles_of(
            owner,
            numbers=self._numbers_arg(request, "articleNumber", "articleNumbers"),
            id_from=self._int_arg(request, "articleSystemIdFrom"),
        )
        locations = set(request.args.getlist("locationNames"))
        return self.json_response(
            [
                article_items_json(self.warehouse, article, locations)
                for article in self._page(request, articles, "maxArticlesToGet")
            ]
        )

    def _api_get_article(self, request, object_id):
        article = self.warehouse.get_article(object_id, self._owners_of_request(request))
        owner = article.goods_owner_id
        figures = self.warehouse.inventory(owner, {article.article_id})[article.article_id]
        return self.json_response(article_json(self.warehouse, article, figures))

    def _file_response(self, owner_object, request):
        file_id = self.warehouse.attach_file(owner_object, self._body(request))
        return self.json_response(
            {"fileId": file_id, "success": True, "message": f"FileId {file_id} created"}
        )

    def _api_post_article_file(self, request, object_id):
        article = self.warehouse.get_article(object_id, self._owners_of_request(request))
        return self._file_response(article, request)

    # ------------------------------------------------------------------
    # Orders
    # ------------------------------------------------------------------

    def _api_put_order(self, request):
        body = self._body(request)
        owner = self._goods_owner(request, body)
        order, message = self.warehouse.upsert_order(owner, body)
        return self.json_response({"orderId": order.order_id, "message": message})

    def _api_list_orders(self, request):
        owner = self._goods_owner(request)
        orders = self.warehouse.orders_of(
            owner,
            {
                "order_numbers": self._numbers_arg(request, "orderNumber", "orderNumbers"),
                "id_from": self._int_arg(request, "orderIdFrom"),
                "status_from": self._int_arg(request, "orderStatusFrom"),
                "status_to": self._int_arg(request, "orderStatusTo"),
                "status_changed_from": self._time_arg(request, "orderStatusChangedTimeFrom"),
                "lines_to_report": self._bool_arg(request, "onlyOrdersWithOrderLinesToReport"),
                "lines_to_report_returned": self._bool_arg(
                    request, "onlyOrdersWithOrderLinesToReportReturned"
                ),
            },
        )
        page = self._page(request, orders, "maxOrdersToGet")
        return self.json_response([order_json(self.warehouse, order) for order in page])

    def _api_get_order(self, request, object_id):
        order = self.warehouse.get_order(object_id, self._owners_of_request(request))
        return self.json_response(order_json(self.warehouse, order))

    def _cancel_response(self, message, id_key, object_id):
        return self.json_response({id_key: object_id, "message": message})

    def _api_delete_order(self, request, object_id):
        order = self.warehouse.get_order(object_id, self._owners_of_request(request))
        message = self.warehouse.cancel_order(order)
        return self._cancel_response(message, "orderId", order.order_id)

    def _api_delete_order_by_number(self, request):
        owner = self._goods_owner(request)
        number = request.args.get("orderNumber")
        order = self.warehouse.find_order(owner, number) if number else None
        if order is None:
            raise HttpError(404, {"Message": f"No order with order number '{number}' was found."})
        message = self.warehouse.cancel_order(order)
        return self._cancel_response(message, "orderId", order.order_id)

    def _patch_line(self, request, object_id, line_id, name):
        order = self.warehouse.get_order(object_id, self._owners_of_request(request))
        body = self._body(request)
        if name not in body:
            raise WarehouseError(f"The body has no {name}.", field=name)
        line = self.warehouse.report_order_line(
            order, line_id, body[name], returned=name == "reportedReturnedNumberOfItems"
        )
        return self.json_response(
            {"orderId": order.order_id, "orderLineId": line.line_id, "message": f"{name} updated"}
        )

    def _api_patch_order_line(self, request, object_id, line_id):
        return self._patch_line(request, object_id, line_id, "reportedNumberOfItems")

    def _api_patch_order_line_returned(self, request, object_id, line_id):
        return self._patch_line(request, object_id, line_id, "reportedReturnedNumberOfItems")

    def _api_order_statuses(self, request):
        self._goods_owner(request)
        return self.json_response(statuses_json(ORDER_STATUS_TEXTS))

    def _api_post_order_file(self, request, object_id):
        order = self.warehouse.get_order(object_id, self._owners_of_request(request))
        return self._file_response(order, request)

    # ------------------------------------------------------------------
    # Purchase orders
    # ------------------------------------------------------------------

    def _api_put_purchase_order(self, request):
        body = self._body(request)
        owner = self._goods_owner(request, body)
        order, message = self.warehouse.upsert_purchase_order(owner, body)
        return self.json_response({"purchaseOrderId": order.purchase_order_id, "message": message})

    def _api_list_purchase_orders(self, request):
        owner = self._goods_owner(request)
        orders = self.warehouse.purchase_orders_of(
            owner,
            {
                "numbers": self._numbers_arg(
                    request, "purchaseOrderNumber", "purchaseOrderNumbers"
                ),
                "id_from": self._int_arg(request, "purchaseOrderIdFrom"),
                "status_from": self._int_arg(request, "purchaseOrderStatusFrom"),
                "status_to": self._int_arg(request, "purchaseOrderStatusTo"),
                "status_changed_from": self._time_arg(
                    request, "purchaseOrderStatusChangedTimeFrom"
                ),
                "lines_to_report": self._bool_arg(
                    request, "onlyPurchaseOrdersWithOrderLinesToReport"
                ),
            },
        )
        page = self._page(request, orders, "maxPurchaseOrdersToGet")
        return self.json_response([purchase_order_json(self.warehouse, order) for order in page])

    def _api_get_purchase_order(self, request, object_id):
        order = self.warehouse.get_purchase_order(object_id, self._owners_of_request(request))
        return self.json_response(purchase_order_json(self.warehouse, order))

    def _api_delete_purchase_order(self, request, object_id):
        order = self.warehouse.get_purchase_order(object_id, self._owners_of_request(request))
        message = self.warehouse.cancel_purchase_order(order)
        return self._cancel_response(message, "purchaseOrderId", order.purchase_order_id)

    def _api_delete_purchase_order_by_number(self, request):
        owner = self._goods_owner(request)
        number = request.args.get("purchaseOrderNumber")
        order = self.warehouse.find_purchase_order(owner, number) if number else None
        if order is None:
            raise HttpError(
                404, {"Message": f"No purchase order with number '{number}' was found."}
            )
        message = self.warehouse.cancel_purchase_order(order)
        return self._cancel_response(message, "purchaseOrderId", order.purchase_order_id)

    def _api_patch_purchase_order_line(self, request, object_id, line_id):
        order = self.warehouse.get_purchase_order(object_id, self._owners_of_request(request))
        body = self._body(request)
        if "reportedNumberOfItems" not in body:
            raise WarehouseError(
                "The body has no reportedNumberOfItems.", field="reportedNumberOfItems"
            )
        line = self.warehouse.report_purchase_order_line(
            order, line_id, body["reportedNumberOfItems"]
        )
        return self.json_response(
            {
                "purchaseOrderId": order.purchase_order_id,
                "purchaseOrderLineId": line.line_id,
                "message": "reportedNumberOfItems updated",
            }
        )

    def _api_purchase_order_statuses(self, request):
        self._goods_owner(request)
        # Ongoing's own example lists the purchase order statuses under "orderStatuses" too.
        return self.json_response(statuses_json(PURCHASE_ORDER_STATUS_TEXTS))

    # ------------------------------------------------------------------
    # Return orders
    # ------------------------------------------------------------------

    def _api_put_return_order(self, request):
        body = self._body(request)
        owner = self._goods_owner(request, body)
        return_order, message = self.warehouse.upsert_return_order(owner, body)
        return self.json_response(
            {"returnOrderId": return_order.return_order_id, "message": message}
        )

    def _api_list_return_orders(self, request):
        owner = self._goods_owner(request)
        orders = self.warehouse.return_orders_of(
            owner,
            {
                "numbers": self._numbers_arg(request, "returnOrderNumber", "returnOrderNumbers"),
                "customer_order_numbers": set(request.args.getlist("customerOrderNumbers")),
                "status_from": self._int_arg(request, "returnOrderStatusFrom"),
                "status_to": self._int_arg(request, "returnOrderStatusTo"),
                "returned_from": self._time_arg(request, "goodsReturnedFromDate"),
            },
        )
        return self.json_response([return_order_json(self.warehouse, order) for order in orders])

    def _api_get_return_order(self, request, object_id):
        order = self.warehouse.get_return_order(object_id, self._owners_of_request(request))
        return self.json_response(return_order_json(self.warehouse, order))

    def _api_return_order_statuses(self, request):
        self._goods_owner(request)
        return self.json_response(
            statuses_json(RETURN_ORDER_STATUS_TEXTS, key="returnOrderStatuses")
        )

    def _api_return_causes(self, request):
        self._goods_owner(request)
        return self.json_response(return_causes_json(self.warehouse))

    # ------------------------------------------------------------------
    # Stock and master data
    # ------------------------------------------------------------------

    def _api_inventory_adjustments(self, request):
        owner = self._goods_owner(request)
        time_from = self._time_arg(request, "from")
        if time_from is None:
            raise HttpError(
                400,
                {
                    "Message": "The request is invalid.",
                    "ModelState": {"from": ["The from field is required."]},
                },
            )
        time_to = self._time_arg(request, "toTime", "to")
        adjustments = self.warehouse.adjustments_between(owner, time_from, time_to)
        return self.json_response(inventory_adjustments_json(adjustments))

    def _api_transporter_contracts(self, request):
        self._goods_owner(request)
        return self.json_response(self.warehouse.transporter_contracts)

    # ------------------------------------------------------------------
    # Control API
    # ------------------------------------------------------------------

    def _handle_control(self, request):
        response = self.handle_common_control(request)
        if response is not None:
            return response
        path = request.path[len(self.control_prefix) :].strip("/")
        if path.startswith("actions/") and request.method == "POST":
            return self._control_action(request, path.removeprefix("actions/"))
        if path == "state" and request.method == "GET":
            return self.json_response(self.state())
        if path == "reset" and request.method == "POST":
            self.reset()
            return self.json_response(None, 204)
        if path == "webhooks" and request.method == "GET":
            return self.json_response(self._webhooks_json())
        if path.startswith("webhooks/"):
            return self._control_webhooks(request, path.removeprefix("webhooks/"))
        raise HttpError(404, {"Message": f"Unknown control path {request.path!r}."})

    def _control_action(self, request, action):
        if action not in OPERATOR_ACTIONS:
            known = ", ".join(OPERATOR_ACTIONS)
            raise HttpError(404, {"Message": f"Unknown action {action!r}; use one of {known}."})
        arguments = self._body(request) if request.content_length else {}
        for name in ("picked_time", "shipped_time", "received_time", "time", "return_time"):
            if isinstance(arguments.get(name), str):
                arguments[name] = self._control_time(arguments[name], name)
        try:
            result = getattr(self.operator, action)(**arguments)
        except TypeError as error:
            raise HttpError(400, {"Message": f"Invalid arguments for {action}: {error}"}) from error
        except WarehouseError as error:
            raise HttpError(400, {"Message": error.message}) from error
        return self.json_response(result)

    @staticmethod
    def _control_time(value, name):
        try:
            return parse_time(value, name)
        except WarehouseError as error:
            raise HttpError(400, {"Message": error.message}) from error

    def _webhooks_json(self):
        return {
            "subscriber": self.webhooks.subscriber_json(),
            "outbox": self.webhooks.outbox,
            "events": list(self.webhooks.events),
            "attempts": [attempt.to_json() for attempt in self.webhooks.attempts],
        }

    def _control_webhooks(self, request, hook):
        if hook == "subscriber" and request.method == "PUT":
            body = self._body(request)
            try:
                self.webhooks.configure(body.get("url"), body.get("token"), body.get("retryPolicy"))
            except ValueError as error:
                raise HttpError(400, {"Message": str(error)}) from error
            return self.json_response(self.webhooks.subscriber_json())
        if request.method != "POST":
            raise HttpError(405, {"Message": f"Use POST for webhooks/{hook}."})
        options = self._body(request) if request.content_length else {}
        if hook == "flush":
            # Delivery posts to the subscriber, which may call this simulator back:
            # it must run without the simulator's lock.
            threading.Thread(target=self.webhooks.flush, daemon=True).start()
            return self.json_response(None, 202)
        actions = {
            "pause": self.webhooks.pause,
            "resume": self.webhooks.resume,
            "duplicate-next": lambda: self.webhooks.duplicate_next(int(options.get("count", 1))),
            "reorder-next": lambda: self.webhooks.reorder_next(int(options.get("count", 2))),
        }
        if hook not in actions:
            raise HttpError(404, {"Message": f"Unknown webhook control {hook!r}."})
        try:
            actions[hook]()
        except ValueError as error:
            raise HttpError(400, {"Message": str(error)}) from error
        return self.json_response(self.webhooks.subscriber_json())


# ----------------------------------------------------------------------
# Command line
# ----------------------------------------------------------------------


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m simulators.ongoing",
        description="Run the Ongoing WMS simulator on a loopback address until stopped.",
    )
    parser.add_argument("--port", type=int, required=True, help="TCP port; 0 picks a free one.")
    parser.add_argument("--host", default="127.0.0.1", help="Loopback address to listen on.")

    parser.add_argument("--user", default="ongoing", help="API user name (default: ongoing).")
    parser.add_argument(
        "--password",
        default=os.environ.get("ONGOING_SIM_PASSWORD", "ongoing"),
        help="API password (default: $ONGOING_SIM_PASSWORD, else ongoing). The variable "
        "keeps it out of the process list.",
    )
    parser.add_argument(
        "--goods-owner-id",
        type=int,
        action="append",
        dest="goods_owner_ids",
        help="Goods owner id the user may use; repeat for several (default: 159).",
    )
    parser.add_argument(
        "--system", default="demo", help="Path prefix of the API: /SYSTEM/api/v1/ (default: demo)."
    )

    parser.add_argument("--webhook-url", help="Loopback URL that receives the webhooks.")
    parser.add_argument(
        "--webhook-token",
        default=os.environ.get("ONGOING_SIM_WEBHOOK_TOKEN"),
        help="Value of the X-Auth-Token header of webhooks (default: $ONGOING_SIM_WEBHOOK_TOKEN).",
    )
    parser.add_argument(
        "--webhook-retry-policy",
        choices=("one_day", "none"),
        default="one_day",
        help="Retry failed webhooks for a day (Ongoing's 'One day') or not at all.",
    )
    parser.add_argument(
        "--webhook-time-factor",
        type=float,
        default=1.0,
        help="Multiply the webhook retry delays by this factor (0.001 turns minutes into "
        "tenths of seconds).",
    )
    return parser.parse_args(argv)


def main(argv=None):
    arguments = parse_arguments(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        simulator = OngoingSimulator(
            arguments.user,
            arguments.password,
            arguments.goods_owner_ids or (159,),
            system=arguments.system,
            webhook_url=arguments.webhook_url,
            webhook_token=arguments.webhook_token,
            webhook_retry_policy=arguments.webhook_retry_policy,
            webhook_time_factor=arguments.webhook_time_factor,
        )
        server = SimulatorServer(simulator, host=arguments.host, port=arguments.port)
    except (ValueError, OSError) as error:
        print(f"ongoing simulator: {error}", file=sys.stderr)  # noqa: T201
        return 2

    with server:
        # The first line is the API URL alone, so that a script can read it.
        print(simulator.api_url(server.url), flush=True)  # noqa: T201
        owners = ", ".join(str(owner) for owner in simulator.warehouse.goods_owners)
        print(  # noqa: T201
            f"Ongoing WMS simulator: user {simulator.user}, goods owners {owners}, "
            f"control API {server.url}/_sim/. Stop it with Ctrl+C.",
            flush=True,
        )
        wait_for_stop_signal()
    return 0


if __name__ == "__main__":
    sys.exit(main())
