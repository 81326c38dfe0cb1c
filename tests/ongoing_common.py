"""Helpers for the tests that run the Ongoing client against the Ongoing WMS simulator."""

import json
import threading
import unittest

from ..clients.ongoing import OngoingClient
from ..simulators.base import SimulatorApp, SimulatorServer
from ..simulators.ongoing import OngoingSimulator
from .common import skip_without_shared

GOODS_OWNER_ID = 159
API_USER = "api-user"
API_PASSWORD = "s3cret-Ångström-pw"


def load_example(*parts):
    """Return the decoded JSON of one of Ongoing's example files; skip when absent."""
    path = skip_without_shared("ongoing-examples", *parts)
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def example_files(pattern):
    """Return the example files matching a glob pattern, relative to the examples folder."""
    folder = skip_without_shared("ongoing-examples")
    return sorted(path.relative_to(folder).as_posix() for path in folder.rglob(pattern))


def json_kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def shape_differences(expected, actual, path="$", allowed_extra=()):
    """List where ``actual`` differs from ``expected`` in keys, nesting or JSON types.

    Every key of ``expected`` must be in ``actual`` with the same kind of
    value, null included. Keys of ``actual`` that ``expected`` lacks are
    differences unless their path (with ``[]`` for list items, such as
    ``$.orderLines[].returnedNumberOfItems``) is in ``allowed_extra``. Each item
    of a list is compared with the item of ``expected`` at the same place, or
    with its last item.
    """
    expected_kind, actual_kind = json_kind(expected), json_kind(actual)
    if expected_kind != actual_kind:
        return [f"{path}: expected {expected_kind}, got {actual_kind} ({actual!r:.60})"]
    differences = []
    if expected_kind == "object":
        for key, value in expected.items():
            if key not in actual:
                differences.append(f"{path}.{key}: missing")
            else:
                differences += shape_differences(value, actual[key], f"{path}.{key}", allowed_extra)
        differences += [
            f"{path}.{key}: not in the example"
            for key in actual
            if key not in expected and f"{path}.{key}" not in allowed_extra
        ]
    elif expected_kind == "array":
        if bool(expected) != bool(actual):
            differences.append(f"{path}: {len(expected)} items expected, got {len(actual)}")
        for index, item in enumerate(actual if expected else []):
            model = expected[min(index, len(expected) - 1)]
            differences += shape_differences(model, item, f"{path}[]", allowed_extra)
    return differences


class WebhookReceiver(SimulatorApp):
    """A loopback HTTP endpoint that records the webhooks posted to it."""

    name = "webhook-receiver"

    def __init__(self):
        super().__init__()
        self.received = []
        self.arrived = threading.Condition(self.lock)

    def handle(self, request):
        self.received.append(
            {"headers": dict(request.headers), "body": json.loads(request.get_data() or b"null")}
        )
        self.arrived.notify_all()
        return self.json_response({"ok": True})

    def wait_for(self, count, timeout=5.0):
        """Wait until ``count`` webhooks were received; return them."""
        with self.lock:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
            return list(self.received)


class OngoingSimulatorCase(unittest.TestCase):
    """Start a simulator on a free loopback port, with a client, for each test."""

    simulator_options = {}

    def setUp(self):
        super().setUp()
        options = {"webhook_manual": True, **self.simulator_options}
        self.sim = OngoingSimulator(API_USER, API_PASSWORD, (GOODS_OWNER_ID,), **options)
        self.server = SimulatorServer(self.sim).start()
        self.addCleanup(self.server.stop)
        self.api_url = self.sim.api_url(self.server.url)
        self.client = self.make_client()

    def make_client(self, **options):
        client = OngoingClient(self.api_url, GOODS_OWNER_ID, API_USER, API_PASSWORD, **options)
        self.addCleanup(client.session.close)
        return client

    def raw(self, method, path, **kwargs):
        """Send a request to the simulator's API with the test credentials; return the response."""
        kwargs.setdefault("auth", (API_USER.encode(), API_PASSWORD.encode()))
        kwargs.setdefault("timeout", 10)
        return self.client.session.request(method, self.api_url + path.lstrip("/"), **kwargs)

    def put_json(self, path, body):
        response = self.raw("PUT", path, json=body)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def get_json(self, path, **params):
        params.setdefault("goodsOwnerId", GOODS_OWNER_ID)
        response = self.raw("GET", path, params=params)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def create_article(self, number, name=None, **fields):
        body = {
            "goodsOwnerId": GOODS_OWNER_ID,
            "articleNumber": number,
            "articleName": name or f"Article {number}",
        }
        return self.put_json("articles", {**body, **fields})["articleSystemId"]

    def create_order(self, number, lines, **fields):
        body = {
            "goodsOwnerId": GOODS_OWNER_ID,
            "orderNumber": number,
            "deliveryDate": "2024-05-02",
            "consignee": {"name": "Kund AB", "countryCode": "SE"},
            "orderLines": [
                {"rowNumber": str(row), "articleNumber": article, "numberOfItems": quantity}
                for row, (article, quantity) in enumerate(lines, start=1)
            ],
        }
        return self.put_json("orders", {**body, **fields})["orderId"]

    def create_purchase_order(self, number, lines):
        body = {
            "goodsOwnerId": GOODS_OWNER_ID,
            "purchaseOrderNumber": number,
            "purchaseOrderLines": [
                {"rowNumber": str(row), "articleNumber": article, "numberOfItems": quantity}
                for row, (article, quantity) in enumerate(lines, start=1)
            ],
        }
        return self.put_json("purchaseOrders", body)["purchaseOrderId"]
