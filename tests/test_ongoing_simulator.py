"""The Ongoing WMS simulator: response shapes, warehouse rules, webhooks, faults and CLI."""

import subprocess
import sys
import time
import unittest
from datetime import datetime, timedelta, timezone

import requests

from ..simulators.base import SimulatorServer
from ..simulators.ongoing import OngoingSimulator
from ..simulators.ongoing_records import OperatorError
from ..simulators.webhooks import WebhookDispatcher, check_loopback_url, retry_delays
from .common import REPOSITORY_ROOT
from .ongoing_common import (
    API_PASSWORD,
    API_USER,
    GOODS_OWNER_ID,
    OngoingSimulatorCase,
    WebhookReceiver,
    load_example,
    shape_differences,
)

ORDER_LINE_EXTRAS = (
    "$.orderLines[].returnedNumberOfItems",
    "$.orderLines[].reportedReturnedNumberOfItems",
)
INVENTORY_EXTRAS = ("$.inventoryInfo.sellableNumberOfItems",)


class ShapeAssertions:
    def assertSameShape(self, expected, actual, allowed_extra=()):
        differences = shape_differences(expected, actual, allowed_extra=allowed_extra)
        self.assertEqual(differences, [], "the response differs from Ongoing's example")


class TestSimulatorShapes(ShapeAssertions, OngoingSimulatorCase):
    """GET and PUT responses have the keys, nesting and types of Ongoing's examples."""

    def _put_example(self, folder, name):
        return self.put_json(
            {"article": "articles", "order": "orders", "purchase-order": "purchaseOrders"}[folder],
            load_example(folder, name),
        )

    def test_put_responses_have_example_shape(self):
        for number in ("1009", "1005", "CK2", "CK5"):
            self.create_article(number)
        for folder in ("article", "order", "purchase-order"):
            for kind in ("minimal", "full"):
                with self.subTest(document=folder, request=kind):
                    result = self._put_example(folder, f"put-{kind}.request.json")
                    expected = load_example(folder, f"put-{kind}.response.json")
                    self.assertSameShape(expected, result)

    def test_put_messages_follow_ongoing(self):
        self.create_article("1009")
        self.create_article("1005")
        result = self._put_example("order", "put-minimal.request.json")
        self.assertRegex(
            result["message"],
            r"^Customer with customer number 'CN1' and ID '\d+' created\. <br/> <br/>"
            r"Order number O987654 created/updated$",
        )
        result = self._put_example("order", "put-minimal.request.json")
        self.assertEqual(result["message"], "Order number O987654 created/updated")

    def test_article_has_example_shape(self):
        article_id = self._put_example("article", "put-full.request.json")["articleSystemId"]
        self.sim.set_stock("TestArticleNumber_ManyFields1", 11)
        expected = load_example("article", "get.response.json")

        result = self.get_json(f"articles/{article_id}")
        self.assertSameShape(expected, result, INVENTORY_EXTRAS)
        self.assertEqual(result["quantityPerPackage"], 10)
        self.assertEqual(result["purchasePrice"], 10.0)
        self.assertEqual(result["inventoryInfo"]["numberOfItems"], 11.0)
        (listed,) = self.get_json("articles")
        self.assertSameShape(expected, listed, INVENTORY_EXTRAS)

    def test_order_has_example_shape(self):
        self.create_article("1009")
        order_id = self._put_example("order", "put-full.request.json")["orderId"]
        self.sim.set_stock("1009", 1, serial="SSN1")
        self.sim.set_stock("1009", 1, serial="SSN2")
        self.sim.pick("O1231234", {"1": [{"serial": "SSN2"}, {"serial": "SSN1"}]})
        self.sim.ship(
            "O1231234",
            way_bill="UA65456546",
            tracking_numbers=["00376546546"],
            return_way_bill="UE4534434",
            return_tracking_numbers=["00371231232"],
            collected=True,
        )
        expected = load_example("order", "get.response.json")

        result = self.get_json(f"orders/{order_id}")
        self.assertSameShape(expected, result, ORDER_LINE_EXTRAS)
        self.assertEqual(result["orderInfo"]["orderStatus"]["number"], 500)
        self.assertEqual(result["transporter"], expected["transporter"])
        self.assertEqual(result["returnTransporter"], expected["returnTransporter"])
        serials = [item["serial"] for item in result["orderLines"][0]["pickedArticleItems"]]
        self.assertEqual(serials, ["SSN2", "SSN1"])
        (listed,) = self.get_json("orders")
        self.assertSameShape(expected, listed, ORDER_LINE_EXTRAS)

    def test_purchase_order_has_example_shape(self):
        self.create_article("CK2")
        self.create_article("CK5")
        result = self._put_example("purchase-order", "put-full.request.json")
        self.sim.receive("PO1213534", {"1": 2, "2": 7}, location="A13")
        expected = load_example("purchase-order", "get.response.json")

        result = self.get_json(f"purchaseOrders/{result['purchaseOrderId']}")
        self.assertSameShape(expected, result)
        self.assertEqual(result["purchaseOrderInfo"]["purchaseOrderStatus"]["number"], 400)
        received = [
            (line["receivedNumberOfItems"], line["advisedNumberOfItems"])
            for line in result["purchaseOrderLines"]
        ]
        self.assertEqual(received, [(2.0, 2.0), (7.0, 10.0)])

    def test_inventory_adjustments_have_example_shape(self):
        self._put_example("article", "put-full.request.json")
        self._put_example("article", "put-minimal.request.json")
        self.sim.set_stock("TestArticleNumber_ManyFields1", 5, location="A15")
        self.sim.adjust("TestArticleNumber_ManyFields1", -2, comment="Dropped on floor")
        self.sim.adjust("TestArticleNumber1", 3, comment="Found in corner", location="A13")
        expected = load_example("inventory-adjustments", "get.response.json")

        result = self.get_json(
            "inventoryAdjustments", **{"from": "2000-01-01", "toTime": "2999-01-01"}
        )
        self.assertSameShape(expected, result)
        rows = [
            (row["numberOfItems"], row["articleItemComment"], row["inventoryItemComment"])
            for group in result
            for row in group["inventoryAdjustments"]
        ]
        self.assertEqual(
            rows, [(-2.0, "", "Dropped on floor"), (3.0, "Found in corner", "Found in corner")]
        )

    def test_transporter_contracts_have_example_shape(self):
        expected = load_example("transporter-contracts", "get.response.json")
        self.assertSameShape(expected, self.get_json("transporterContracts"))

    def test_status_lists_equal_examples(self):
        self.assertEqual(
            self.get_json("orders/statuses"), load_example("order", "statuses.response.json")
        )
        self.assertEqual(
            self.get_json("purchaseOrders/statuses"),
            load_example("purchase-order", "statuses.response.json"),
        )

    def test_attach_file_responses_have_example_shape(self):
        article_id = self.create_article("1009")
        order_id = self.create_order("O-1", [("1009", 1)])
        for folder, path in (
            ("article", f"articles/{article_id}"),
            ("order", f"orders/{order_id}"),
        ):
            with self.subTest(document=folder):
                response = self.raw(
                    "POST",
                    f"{path}/files",
                    params={"goodsOwnerId": GOODS_OWNER_ID},
                    json=load_example(folder, "attach-file.request.json"),
                )
                self.assertEqual(response.status_code, 200, response.text)
                expected = load_example(folder, "attach-file.response.json")
                self.assertSameShape(expected, response.json())


class TestSimulatorAccess(OngoingSimulatorCase):
    """Credentials, goods owners, paths and request validation."""

    def test_wrong_password_returns_401(self):
        response = self.raw("GET", "orders/statuses", auth=(API_USER, "wrong"))
        self.assertEqual(response.status_code, 401)
        self.assertEqual(
            response.json(), {"Message": "Authorization has been denied for this request."}
        )
        self.assertIn("Basic", response.headers["WWW-Authenticate"])

    def test_missing_credentials_returns_401(self):
        response = requests.get(
            self.api_url + "orders/statuses", params={"goodsOwnerId": GOODS_OWNER_ID}, timeout=5
        )
        self.assertEqual(response.status_code, 401)

    def test_foreign_goods_owner_returns_401(self):
        response = self.raw("GET", "articles", params={"goodsOwnerId": 160})
        self.assertEqual(response.status_code, 401)
        response = self.raw(
            "PUT", "articles", json={"goodsOwnerId": 160, "articleNumber": "A", "articleName": "A"}
        )
        self.assertEqual(response.status_code, 401)

    def test_missing_goods_owner_returns_400(self):
        response = self.raw("GET", "articles")
        self.assertEqual(response.status_code, 400)
        self.assertIn("goodsOwnerId", response.json()["ModelState"])

    def test_other_warehouse_prefix_returns_404(self):
        url = f"{self.server.url}/another/api/v1/orders/statuses"
        response = requests.get(
            url,
            params={"goodsOwnerId": GOODS_OWNER_ID},
            auth=(API_USER, API_PASSWORD.encode()),
            timeout=5,
        )
        self.assertEqual(response.status_code, 404)
        self.assertIn("No HTTP resource was found", response.json()["Message"])

    def test_unknown_path_returns_404(self):
        response = self.raw("GET", "nothingHere", params={"goodsOwnerId": GOODS_OWNER_ID})
        self.assertEqual(response.status_code, 404)
        self.assertIn("No HTTP resource", response.json()["Message"])

    def test_wrong_method_returns_405(self):
        response = self.raw("POST", "articles", json={})
        self.assertEqual(response.status_code, 405)

    def test_invalid_json_returns_400(self):
        response = self.raw(
            "PUT", "articles", data=b"{not json", headers={"Content-Type": "application/json"}
        )
        self.assertEqual(response.status_code, 400)

    def test_number_as_text_is_accepted(self):
        article_id = self.create_article("A-1", weight="1.5", quantityPerPackage="10")
        result = self.get_json(f"articles/{article_id}")
        self.assertEqual((result["weight"], result["quantityPerPackage"]), (1.5, 10))

    def test_invalid_number_names_the_field(self):
        response = self.raw(
            "PUT",
            "articles",
            json={
                "goodsOwnerId": GOODS_OWNER_ID,
                "articleNumber": "A",
                "articleName": "A",
                "weight": "heavy",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(list(response.json()["ModelState"]), ["model.weight"])

    def test_object_of_other_goods_owner_not_found(self):
        sim = OngoingSimulator(API_USER, API_PASSWORD, (1, 2), webhook_manual=True)
        with SimulatorServer(sim) as server:
            base = sim.api_url(server.url)
            auth = (API_USER.encode(), API_PASSWORD.encode())
            response = requests.put(
                base + "articles",
                json={"goodsOwnerId": 1, "articleNumber": "A", "articleName": "A"},
                auth=auth,
                timeout=5,
            )
            article_id = response.json()["articleSystemId"]
            found = requests.get(
                f"{base}articles/{article_id}", params={"goodsOwnerId": 1}, auth=auth, timeout=5
            )
            other = requests.get(
                f"{base}articles/{article_id}", params={"goodsOwnerId": 2}, auth=auth, timeout=5
            )
        self.assertEqual(found.status_code, 200)
        self.assertEqual(other.status_code, 404)


class TestSimulatorOrders(OngoingSimulatorCase):
    """Order upserts, paging, filters and the rules once the warehouse has started."""

    def setUp(self):
        super().setUp()
        self.create_article("A-1")
        self.create_article("A-2")
        self.sim.set_stock("A-1", 100)
        self.sim.set_stock("A-2", 100)

    def test_orders_page_by_cursor(self):
        ids = [self.create_order(f"O-{index}", [("A-1", 1)]) for index in range(5)]
        first = self.get_json("orders", orderIdFrom=0, maxOrdersToGet=2)
        second = self.get_json(
            "orders", orderIdFrom=first[-1]["orderInfo"]["orderId"] + 1, maxOrdersToGet=2
        )
        third = self.get_json(
            "orders", orderIdFrom=second[-1]["orderInfo"]["orderId"] + 1, maxOrdersToGet=2
        )
        last = self.get_json(
            "orders", orderIdFrom=third[-1]["orderInfo"]["orderId"] + 1, maxOrdersToGet=2
        )
        pages = [
            [order["orderInfo"]["orderId"] for order in page] for page in (first, second, third)
        ]
        self.assertEqual(pages, [ids[0:2], ids[2:4], ids[4:5]])
        self.assertEqual(last, [])

    def test_same_put_twice_keeps_one_order(self):
        first = self.create_order("O-1", [("A-1", 2)])
        second = self.create_order("O-1", [("A-1", 2)])
        self.assertEqual(first, second)
        self.assertEqual(len(self.get_json("orders")), 1)
        self.assertEqual(len(self.sim.webhooks.events), 1)

    def test_order_number_filter(self):
        self.create_order("O-1", [("A-1", 1)])
        self.create_order("O-2", [("A-1", 1)])
        (order,) = self.get_json("orders", orderNumber="O-2")
        self.assertEqual(order["orderInfo"]["orderNumber"], "O-2")

    def test_unknown_article_rejected_with_its_number(self):
        response = self.raw(
            "PUT",
            "orders",
            json={
                "goodsOwnerId": GOODS_OWNER_ID,
                "orderNumber": "O-1",
                "orderLines": [{"rowNumber": "1", "articleNumber": "GHOST-9", "numberOfItems": 1}],
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("GHOST-9", response.json()["Message"])
        self.assertEqual(self.get_json("orders"), [])

    def test_repeated_row_number_rejected(self):
        response = self.raw(
            "PUT",
            "orders",
            json={
                "goodsOwnerId": GOODS_OWNER_ID,
                "orderNumber": "O-1",
                "orderLines": [
                    {"rowNumber": "1", "articleNumber": "A-1", "numberOfItems": 1},
                    {"rowNumber": "1", "articleNumber": "A-2", "numberOfItems": 1},
                ],
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("row number 1", response.json()["ModelState"]["model.rowNumber"][0])

    def test_lines_left_out_are_removed_and_line_ids_kept(self):
        order_id = self.create_order("O-1", [("A-1", 1), ("A-2", 1)])
        line_ids = [line["id"] for line in self.get_json(f"orders/{order_id}")["orderLines"]]
        self.create_order("O-1", [("A-1", 5)])
        (line,) = self.get_json(f"orders/{order_id}")["orderLines"]
        self.assertEqual((line["id"], line["orderedNumberOfItems"]), (line_ids[0], 5.0))

    def test_cancel_before_start(self):
        order_id = self.create_order("O-1", [("A-1", 1)])
        response = self.raw("DELETE", f"orders/{order_id}", params={"goodsOwnerId": GOODS_OWNER_ID})
        self.assertEqual(response.status_code, 200, response.text)
        order = self.get_json(f"orders/{order_id}")
        self.assertEqual(order["orderInfo"]["orderStatus"]["number"], 1000)

    def test_cancel_by_number_before_start(self):
        order_id = self.create_order("O-1", [("A-1", 1)])
        response = self.raw(
            "DELETE", "orders", params={"goodsOwnerId": GOODS_OWNER_ID, "orderNumber": "O-1"}
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(
            self.get_json(f"orders/{order_id}")["orderInfo"]["orderStatus"]["number"], 1000
        )

    def test_cancel_refused_after_picking_started(self):
        order_id = self.create_order("O-1", [("A-1", 1)])
        self.sim.start_picking("O-1")
        for params, path in (
            ({"goodsOwnerId": GOODS_OWNER_ID}, f"orders/{order_id}"),
            ({"goodsOwnerId": GOODS_OWNER_ID, "orderNumber": "O-1"}, "orders"),
        ):
            with self.subTest(path=path):
                response = self.raw("DELETE", path, params=params)
                self.assertEqual(response.status_code, 400)
                self.assertIn("cannot be cancelled", response.json()["Message"])
        order = self.get_json(f"orders/{order_id}")
        self.assertEqual(order["orderInfo"]["orderStatus"]["number"], 320)

    def test_change_refused_after_picking_started(self):
        self.create_order("O-1", [("A-1", 1)])
        self.sim.start_picking("O-1")
        response = self.raw(
            "PUT",
            "orders",
            json={
                "goodsOwnerId": GOODS_OWNER_ID,
                "orderNumber": "O-1",
                "orderLines": [{"rowNumber": "1", "articleNumber": "A-1", "numberOfItems": 3}],
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("cannot be changed", response.json()["Message"])
        self.assertEqual(self.sim.order_state("O-1")["orderLines"][0]["orderedNumberOfItems"], 1.0)

    def test_unchanged_put_accepted_after_picking_started(self):
        order_id = self.create_order("O-1", [("A-1", 1)])
        self.sim.start_picking("O-1")
        self.assertEqual(self.create_order("O-1", [("A-1", 1)]), order_id)

    def test_partial_pick_reported_leaves_the_filter(self):
        order_id = self.create_order("O-1", [("A-1", 10)])
        self.sim.pick("O-1", {"1": 8})
        (order,) = self.get_json("orders", onlyOrdersWithOrderLinesToReport="true")
        line = order["orderLines"][0]
        self.assertEqual((line["pickedNumberOfItems"], line["reportedNumberOfItems"]), (8.0, None))

        response = self.raw(
            "PATCH",
            f"orders/{order_id}/lines/{line['id']}/reportedNumberOfItems",
            params={"goodsOwnerId": GOODS_OWNER_ID},
            json={"reportedNumberOfItems": 8},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.get_json("orders", onlyOrdersWithOrderLinesToReport="true"), [])

        self.sim.pick("O-1", {"1": 2})
        (order,) = self.get_json("orders", onlyOrdersWithOrderLinesToReport="true")
        self.assertEqual(order["orderInfo"]["orderStatus"]["number"], 400)

    def test_report_of_unknown_line_returns_404(self):
        order_id = self.create_order("O-1", [("A-1", 1)])
        response = self.raw(
            "PATCH",
            f"orders/{order_id}/lines/1/reportedNumberOfItems",
            params={"goodsOwnerId": GOODS_OWNER_ID},
            json={"reportedNumberOfItems": 1},
        )
        self.assertEqual(response.status_code, 404)

    def test_status_changed_filter(self):
        clock = [datetime(2024, 5, 1, 8, 0, tzinfo=timezone.utc)]
        self.sim.warehouse.clock = lambda: clock[0]
        self.create_order("O-1", [("A-1", 1)])
        self.create_order("O-2", [("A-1", 1)])
        clock[0] += timedelta(hours=2)
        self.sim.start_picking("O-2")

        changed = self.get_json("orders", orderStatusChangedTimeFrom="2024-05-01T09:00:00Z")
        self.assertEqual([order["orderInfo"]["orderNumber"] for order in changed], ["O-2"])

    def test_pick_more_than_ordered_refused(self):
        self.create_order("O-1", [("A-1", 2)])
        with self.assertRaises(OperatorError):
            self.sim.pick("O-1", {"1": 3})
        self.assertEqual(self.sim.order_state("O-1")["orderLines"][0]["pickedNumberOfItems"], 0.0)

    def test_pick_without_stock_changes_nothing(self):
        self.create_order("O-1", [("A-1", 2), ("A-2", 1)])
        self.sim.set_stock("A-2", 0)
        with self.assertRaises(OperatorError) as caught:
            self.sim.pick("O-1", {"1": 2, "2": 1})
        self.assertIn("A-2", str(caught.exception))
        self.assertEqual(self.sim.article_state("A-1")["inventoryInfo"]["numberOfItems"], 100.0)
        self.assertEqual(self.sim.order_state("O-1")["orderInfo"]["pickedNumberOfItems"], 0.0)

    def test_picked_items_carry_batch_and_time(self):
        self.sim.set_stock("A-1", 0)
        self.sim.set_stock("A-1", 3, batch="B-7")
        self.create_order("O-1", [("A-1", 2)])
        picked_at = datetime(2024, 5, 2, 9, 5, 41, 250000, tzinfo=timezone.utc)
        self.sim.pick("O-1", {"1": 2}, picked_time=picked_at)
        (item,) = self.sim.order_state("O-1")["orderLines"][0]["pickedArticleItems"]
        self.assertEqual((item["batchNumber"], item["numberOfItems"]), ("B-7", 2.0))
        self.assertEqual(item["pickedTime"], "2024-05-02T09:05:41.25Z")

    def test_ship_partial_pick_closes_the_order(self):
        self.create_order("O-1", [("A-1", 5)])
        self.sim.pick("O-1", {"1": 3})
        self.sim.ship("O-1", way_bill="WB-1", tracking_numbers=["P-1", "P-2"])
        order = self.sim.order_state("O-1")
        self.assertEqual(order["orderInfo"]["orderStatus"]["number"], 450)
        self.assertEqual([parcel["parcelNumber"] for parcel in order["parcels"]], ["P-1", "P-2"])
        info = self.sim.article_state("A-1")["inventoryInfo"]
        self.assertEqual((info["numberOfItems"], info["sellableNumberOfItems"]), (97.0, 97.0))

    def test_cancel_by_warehouse_returns_picked_items(self):
        self.create_order("O-1", [("A-1", 5)])
        self.sim.pick("O-1", {"1": 5})
        self.sim.cancel_by_warehouse("O-1")
        order = self.sim.order_state("O-1")
        self.assertEqual(order["orderInfo"]["orderStatus"]["number"], 1000)
        self.assertEqual(order["orderLines"][0]["pickedNumberOfItems"], 0.0)
        self.assertEqual(self.sim.article_state("A-1")["inventoryInfo"]["numberOfItems"], 100.0)


class TestSimulatorStock(OngoingSimulatorCase):
    """The inventoryInfo figures follow the warehouse state."""

    def setUp(self):
        super().setUp()
        self.create_article("A-1")

    def info(self):
        return self.sim.article_state("A-1")["inventoryInfo"]

    def test_sellable_drops_with_new_order_and_may_go_negative(self):
        self.sim.set_stock("A-1", 5)
        self.create_order("O-1", [("A-1", 3)])
        self.assertEqual(
            (self.info()["sellableNumberOfItems"], self.info()["numberOfBookedItems"]), (2.0, 3.0)
        )
        self.create_order("O-2", [("A-1", 4)])
        self.assertEqual(self.info()["sellableNumberOfItems"], -2.0)
        self.assertEqual(self.info()["numberOfItems"], 5.0)

    def test_allocation_then_pick(self):
        self.sim.set_stock("A-1", 5)
        self.create_order("O-1", [("A-1", 3)])
        self.sim.start_picking("O-1")
        self.assertEqual(
            (self.info()["allocatedNumberOfItems"], self.info()["numberOfBookedItems"]), (3.0, 0.0)
        )
        self.sim.pick("O-1", {"1": 2})
        info = self.info()
        self.assertEqual(
            (
                info["numberOfItems"],
                info["allocatedNumberOfItems"],
                info["pickedToBeCollectedNumberOfItems"],
            ),
            (3.0, 1.0, 2.0),
        )
        self.assertEqual(info["sellableNumberOfItems"], 2.0)

    def test_allocation_limited_by_stock(self):
        self.sim.set_stock("A-1", 2)
        self.create_order("O-1", [("A-1", 3)])
        order = self.sim.start_picking("O-1")
        self.assertEqual(order["orderInfo"]["orderStatus"]["number"], 300)
        self.assertEqual(order["orderLines"][0]["allocatedNumberOfItems"], 2.0)

    def test_locked_items_are_neither_sellable_nor_pickable(self):
        self.sim.set_stock("A-1", 5)
        self.sim.lock_stock("A-1", 2, reason="Skadade")
        info = self.info()
        self.assertEqual((info["numberOfItems"], info["numberOfLockedItems"]), (5.0, 2.0))
        self.assertEqual(info["sellableNumberOfItems"], 3.0)
        self.create_order("O-1", [("A-1", 4)])
        with self.assertRaises(OperatorError):
            self.sim.pick("O-1", {"1": 4})
        self.sim.unlock_stock("A-1", 2)
        self.sim.pick("O-1", {"1": 4})
        self.assertEqual(self.info()["numberOfItems"], 1.0)

    def test_locked_for_sale(self):
        self.sim.set_stock("A-1", 5)
        self.sim.lock_stock("A-1", 1, for_sale_only=True)
        info = self.info()
        self.assertEqual(
            (info["lockedForSaleNumberOfItems"], info["sellableNumberOfItems"]), (1.0, 4.0)
        )

    def test_to_receive_follows_open_purchase_orders(self):
        self.create_purchase_order("PO-1", [("A-1", 10)])
        self.assertEqual(self.info()["toReceiveNumberOfItems"], 10.0)
        self.sim.receive("PO-1", {"1": 4}, finish=False)
        self.assertEqual(
            (self.info()["toReceiveNumberOfItems"], self.info()["numberOfItems"]), (6.0, 4.0)
        )
        self.sim.receive("PO-1", {"1": 6})
        self.assertEqual(self.info()["toReceiveNumberOfItems"], 0.0)

    def test_stock_changed_filter(self):
        self.create_article("A-2")
        cutoff = datetime.now(timezone.utc) + timedelta(seconds=1)
        self.sim.warehouse.clock = lambda: cutoff + timedelta(minutes=1)
        self.sim.set_stock("A-2", 1)
        changed = self.get_json("articles", stockInfoChangedFrom=cutoff.isoformat())
        self.assertEqual([article["articleNumber"] for article in changed], ["A-2"])

    def test_adjustments_window_accepts_to_and_to_time(self):
        self.sim.set_stock("A-1", 5)
        start = datetime(2024, 5, 1, tzinfo=timezone.utc)
        self.sim.adjust("A-1", -1, time=start + timedelta(hours=1))
        self.sim.adjust("A-1", -1, time=start + timedelta(hours=5))
        for name in ("toTime", "to"):
            with self.subTest(parameter=name):
                result = self.get_json(
                    "inventoryAdjustments",
                    **{"from": "2024-05-01T00:00:00Z", name: "2024-05-01T02:00:00Z"},
                )
                self.assertEqual(len(result[0]["inventoryAdjustments"]), 1)

    def test_adjustments_need_from(self):
        response = self.raw("GET", "inventoryAdjustments", params={"goodsOwnerId": GOODS_OWNER_ID})
        self.assertEqual(response.status_code, 400)

    def test_write_off_spanning_items_gives_one_row_per_item(self):
        self.sim.set_stock("A-1", 2, batch="B1")
        self.sim.set_stock("A-1", 2, batch="B2")
        rows = self.sim.adjust("A-1", -3, cause="DAMAGED", comment="Vattenskada")[0][
            "inventoryAdjustments"
        ]
        self.assertEqual(
            [(row["numberOfItems"], row["batchNumber"]) for row in rows],
            [(-2.0, "B1"), (-1.0, "B2")],
        )
        self.assertEqual(len({row["inventoryId"] for row in rows}), 2)
        self.assertEqual(
            rows[0]["inventoryAdjustmentCause"], {"code": "DAMAGED", "name": "Damaged"}
        )
        self.assertEqual(self.info()["numberOfItems"], 1.0)

    def test_set_stock_creates_missing_article(self):
        self.sim.set_stock("NEW-1", 4)
        article = self.get_json("articles", articleNumber="NEW-1")[0]
        self.assertEqual(article["articleName"], "NEW-1")
        self.assertEqual(article["inventoryInfo"]["numberOfItems"], 4.0)
        self.assertEqual(self.sim.webhooks.outbox, [])

    def test_write_off_beyond_stock_refused(self):
        self.sim.set_stock("A-1", 1)
        with self.assertRaises(OperatorError):
            self.sim.adjust("A-1", -2)
        self.assertEqual(self.info()["numberOfItems"], 1.0)


class TestSimulatorPurchaseOrders(OngoingSimulatorCase):
    """Receipts, deviations and the rules once receiving has started."""

    def setUp(self):
        super().setUp()
        self.create_article("CK2")
        self.create_article("CK5")
        self.create_article("EXTRA")
        self.po_id = self.create_purchase_order("PO-1", [("CK2", 2), ("CK5", 10)])

    def status(self):
        return self.sim.purchase_order_state("PO-1")["purchaseOrderInfo"]["purchaseOrderStatus"]

    def test_complete_receipt_is_received(self):
        self.sim.receive("PO-1", {"1": 2, "2": 10})
        self.assertEqual(self.status(), {"number": 500, "text": "Received"})

    def test_partial_receipt_is_deflection(self):
        self.sim.receive("PO-1", {"1": 2, "2": 7})
        self.assertEqual(self.status(), {"number": 400, "text": "Deflection"})

    def test_over_receipt_is_deflection(self):
        self.sim.receive("PO-1", {"1": 3, "2": 10})
        self.assertEqual(self.status()["number"], 400)
        line = self.sim.purchase_order_state("PO-1")["purchaseOrderLines"][0]
        self.assertEqual(line["receivedNumberOfItems"], 3.0)

    def test_unfinished_receipt_is_inbound(self):
        self.sim.receive("PO-1", {"1": 1}, finish=False)
        self.assertEqual(self.status()["number"], 300)

    def test_unexpected_article_gets_a_line_without_row_number(self):
        self.sim.receive("PO-1", {"1": 2, "2": 10})
        self.sim.receive_unexpected("PO-1", "EXTRA", 4)
        lines = self.sim.purchase_order_state("PO-1")["purchaseOrderLines"]
        extra = lines[-1]
        self.assertEqual(
            (
                extra["rowNumber"],
                extra["article"]["articleNumber"],
                extra["advisedNumberOfItems"],
                extra["receivedNumberOfItems"],
            ),
            (None, "EXTRA", 0.0, 4.0),
        )
        self.assertEqual(self.status()["number"], 400)

    def test_received_items_dated_by_received_time(self):
        received_at = datetime(2024, 5, 2, 7, 15, 42, 527000, tzinfo=timezone.utc)
        self.sim.receive(
            "PO-1", {"1": [{"quantity": 2, "batch": "L-88"}]}, received_time=received_at
        )
        (item,) = self.sim.purchase_order_state("PO-1")["purchaseOrderLines"][0]["articleItems"]
        self.assertEqual(
            (item["inDate"], item["batchNumber"]), ("2024-05-02T07:15:42.527Z", "L-88")
        )
        self.assertEqual(
            self.sim.article_state("CK2")["inventoryInfo"]["lastInDate"], item["inDate"]
        )

    def test_change_refused_once_receiving_started(self):
        self.sim.receive("PO-1", {"1": 1}, finish=False)
        response = self.raw(
            "PUT",
            "purchaseOrders",
            json={
                "goodsOwnerId": GOODS_OWNER_ID,
                "purchaseOrderNumber": "PO-1",
                "purchaseOrderLines": [
                    {"rowNumber": "1", "articleNumber": "CK2", "numberOfItems": 5}
                ],
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("started receiving", response.json()["Message"])

    def test_cancel_refused_once_receiving_started(self):
        self.sim.start_receiving("PO-1")
        response = self.raw(
            "DELETE", f"purchaseOrders/{self.po_id}", params={"goodsOwnerId": GOODS_OWNER_ID}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.status()["number"], 300)

    def test_cancel_before_receiving(self):
        response = self.raw(
            "DELETE",
            "purchaseOrders",
            params={"goodsOwnerId": GOODS_OWNER_ID, "purchaseOrderNumber": "PO-1"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(self.status()["number"], 900)

    def test_receipt_reported_leaves_the_filter(self):
        self.sim.receive("PO-1", {"1": 2})
        (order,) = self.get_json("purchaseOrders", onlyPurchaseOrdersWithOrderLinesToReport="true")
        line = order["purchaseOrderLines"][0]
        response = self.raw(
            "PATCH",
            f"purchaseOrders/{self.po_id}/lines/{line['id']}/reportedNumberOfItems",
            params={"goodsOwnerId": GOODS_OWNER_ID},
            json={"reportedNumberOfItems": 2},
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(
            self.get_json("purchaseOrders", onlyPurchaseOrdersWithOrderLinesToReport="true"), []
        )


class TestSimulatorReturns(OngoingSimulatorCase):
    """Returns on the order itself and through return orders."""

    def setUp(self):
        super().setUp()
        self.create_article("A-1")
        self.sim.set_stock("A-1", 1, serial="SN-1")
        self.sim.set_stock("A-1", 1, serial="SN-2")
        self.sim.set_stock("A-1", 3)
        self.order_id = self.create_order("O-1", [("A-1", 4)])
        self.sim.pick("O-1", {"1": [{"serial": "SN-1"}, {"serial": "SN-2"}, {"quantity": 2}]})
        self.sim.ship("O-1", way_bill="WB-1")
        self.line_id = self.sim.order_state("O-1")["orderLines"][0]["id"]

    def physical(self):
        return self.sim.article_state("A-1")["inventoryInfo"]["numberOfItems"]

    def put_return_order(self, number="R-1", quantity=2, cause="REGRET", **line):
        body = {
            "goodsOwnerId": GOODS_OWNER_ID,
            "returnOrderNumber": number,
            "customerOrder": {"orderId": self.order_id},
            "returnOrderLines": [
                {
                    "returnOrderRowNumber": "1",
                    "customerOrderLine": {"orderLineId": self.line_id},
                    "toBeReturnedNumberOfItems": quantity,
                    "returnCause": {"code": cause},
                    **line,
                }
            ],
        }
        return self.raw("PUT", "returnOrders", json=body)

    def test_register_return_puts_items_back(self):
        self.sim.register_return("O-1", {"1": [{"serial": "SN-2"}]}, cause="REGRET")
        line = self.sim.order_state("O-1")["orderLines"][0]
        self.assertEqual(
            (line["returnedNumberOfItems"], line["reportedReturnedNumberOfItems"]), (1.0, None)
        )
        returned = [item for item in line["pickedArticleItems"] if item["isReturned"]]
        self.assertEqual([item["serial"] for item in returned], ["SN-2"])
        self.assertEqual(
            returned[0]["returnCause"], {"code": "REGRET", "name": "Regretted purchase"}
        )
        self.assertEqual(self.physical(), 2.0)
        (order,) = self.get_json("orders", onlyOrdersWithOrderLinesToReportReturned="true")
        self.assertEqual(order["orderInfo"]["orderNumber"], "O-1")
        self.assertEqual(
            self.get_json("orders", onlyOrdersWithOrderLinesToReport="true")[0]["orderInfo"][
                "orderNumber"
            ],
            "O-1",
        )

    def test_partial_return_of_picked_item_splits_it(self):
        # The oldest picked items go first: SN-1, SN-2, then one of the two unserialised.
        self.sim.register_return("O-1", {"1": 3})
        line = self.sim.order_state("O-1")["orderLines"][0]
        quantities = sorted(
            (item["numberOfItems"], item["isReturned"]) for item in line["pickedArticleItems"]
        )
        self.assertEqual(quantities, [(1.0, False), (1.0, True), (1.0, True), (1.0, True)])
        self.assertEqual(line["pickedNumberOfItems"], 4.0)

    def test_damaged_return_is_written_off(self):
        self.sim.register_return("O-1", {"1": 1}, cause="DAMAGED")
        self.assertEqual(self.physical(), 1.0)
        (group,) = self.get_json(
            "inventoryAdjustments", **{"from": "2000-01-01", "toTime": "2999-01-01"}
        )
        (row,) = group["inventoryAdjustments"]
        self.assertEqual(
            (row["numberOfItems"], row["inventoryAdjustmentCause"]["code"]), (-1.0, "DAMAGED")
        )

    def test_return_more_than_picked_refused(self):
        with self.assertRaises(OperatorError):
            self.sim.register_return("O-1", {"1": 5})
        self.assertEqual(self.sim.order_state("O-1")["orderLines"][0]["returnedNumberOfItems"], 0.0)

    def test_return_order_received(self):
        response = self.put_return_order(quantity=2)
        self.assertEqual(response.status_code, 200, response.text)
        return_order_id = response.json()["returnOrderId"]
        self.sim.receive_return_order("R-1", {"1": [{"serial": "SN-1"}, {"quantity": 1}]})

        result = self.get_json(f"returnOrders/{return_order_id}")
        self.assertEqual(result["returnOrderInfo"]["returnOrderStatus"]["number"], 500)
        self.assertEqual(
            result["customerOrderInfo"], {"orderId": self.order_id, "orderNumber": "O-1"}
        )
        (line,) = result["returnOrderLines"]
        self.assertEqual(
            (line["toBeReturnedNumberOfItems"], line["returnedNumberOfItems"]), (2.0, 2.0)
        )
        self.assertEqual(
            [item["serial"] for item in line["returnedArticleItems"]], ["SN-1", "SN-2"]
        )
        order_line = self.sim.order_state("O-1")["orderLines"][0]
        self.assertEqual(order_line["returnedNumberOfItems"], 2.0)
        (listed,) = self.get_json("returnOrders", returnOrderNumbers="R-1")
        self.assertEqual(listed, result)

    def test_short_return_is_deflection(self):
        self.put_return_order(quantity=2)
        result = self.sim.receive_return_order("R-1", {"1": 1})
        self.assertEqual(result["returnOrderInfo"]["returnOrderStatus"]["number"], 400)

    def test_return_order_by_order_number_and_row(self):
        body = {
            "goodsOwnerId": GOODS_OWNER_ID,
            "returnOrderNumber": "R-2",
            "customerOrder": {"orderNumber": "O-1"},
            "returnOrderLines": [
                {
                    "returnOrderRowNumber": "1",
                    "customerOrderLine": {"customerOrderRowNumber": "1"},
                    "toBeReturnedNumberOfItems": 1,
                }
            ],
        }
        response = self.raw("PUT", "returnOrders", json=body)
        self.assertEqual(response.status_code, 200, response.text)
        line = self.sim.return_order_state("R-2")["returnOrderLines"][0]
        self.assertEqual(line["customerOrderLine"]["orderLineId"], self.line_id)

    def test_return_order_unknown_cause_refused(self):
        response = self.put_return_order(cause="BROKEN-ISH")
        self.assertEqual(response.status_code, 400)
        self.assertIn("BROKEN-ISH", response.json()["Message"])

    def test_return_order_more_than_picked_refused(self):
        response = self.put_return_order(quantity=9)
        self.assertEqual(response.status_code, 400)
        self.assertIn("only has 4 picked", response.json()["Message"])

    def test_return_order_change_refused_after_receipt(self):
        self.put_return_order(quantity=2)
        self.sim.receive_return_order("R-1", {"1": 1})
        response = self.put_return_order(quantity=3)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.put_return_order(quantity=2).status_code, 200)

    def test_return_causes_include_damaged(self):
        causes = {
            cause["code"]: cause
            for cause in self.get_json("returnOrders/returnCauses")["returnCauses"]
        }
        self.assertTrue(causes["DAMAGED"]["isRemoveCause"])

    def test_return_order_statuses(self):
        statuses = self.get_json("returnOrders/statuses")["returnOrderStatuses"]
        self.assertEqual([status["number"] for status in statuses], [100, 400, 500, 900])


class TestSimulatorWebhooks(OngoingSimulatorCase):
    """Webhook events, delivery with retries, and the test hooks."""

    def setUp(self):
        super().setUp()
        self.receiver = WebhookReceiver()
        receiver_server = SimulatorServer(self.receiver).start()
        self.addCleanup(receiver_server.stop)
        self.receiver_url = f"{receiver_server.url}/ongoing/webhook"
        self.create_article("A-1")
        self.sim.set_stock("A-1", 10)

    def automatic(self, **options):
        """Replace the manual dispatcher by one that delivers from its thread."""
        self.sim.webhooks.close()
        dispatcher = WebhookDispatcher(
            url=self.receiver_url, token="hemlig-token", time_factor=1e-4, **options
        )
        self.sim.webhooks = dispatcher
        return dispatcher

    def test_order_events_carry_ongoing_fields(self):
        self.create_order("O-1", [("A-1", 2)])
        self.sim.pick("O-1", {"1": 2})
        self.sim.ship("O-1", way_bill="WB-1", tracking_numbers=["P-1"])
        events = self.sim.webhooks.outbox
        templates = [event["webhookTemplate"] for event in events]
        self.assertEqual(
            templates,
            [
                "OrderCreated",
                "OrderStatusChanged",
                "ArticlePicked",
                "OrderStatusChanged",
                "OrderPicked",
                "OrderStatusChanged",
            ],
        )
        last = events[-1]
        for key in (
            "webhookEventId",
            "timestamp",
            "orderId",
            "orderNumber",
            "goodsOwnerId",
            "path",
        ):
            self.assertIn(key, last)
        self.assertEqual(last["orderStatus"], {"number": 450})
        self.assertEqual(
            last["tracking"], [{"trackingUrl": "", "waybill": "WB-1", "isReturn": False}]
        )
        self.assertEqual([parcel["parcelNumber"] for parcel in last["parcels"]], ["P-1"])
        self.assertEqual(len({event["webhookEventId"] for event in events}), 6)

    def test_partial_pick_sends_article_picked(self):
        order_id = self.create_order("O-1", [("A-1", 5)])
        self.sim.webhooks.take_outbox()
        self.sim.pick("O-1", {"1": 2})
        templates = [event["webhookTemplate"] for event in self.sim.webhooks.outbox]
        self.assertEqual(templates, ["OrderStatusChanged", "ArticlePicked"])
        event = self.sim.webhooks.outbox[-1]
        line = self.sim.order_state("O-1")["orderLines"][0]
        self.assertTrue(event["isPicked"])
        self.assertEqual(event["articleItem"]["numberOfItems"], 2.0)
        self.assertEqual(
            event["order"],
            {
                "orderId": order_id,
                "orderNumber": "O-1",
                "orderLine": {"orderLineId": line["id"], "rowNumber": "1", "parentOrderLine": None},
            },
        )

    def test_purchase_order_and_inventory_events(self):
        self.create_purchase_order("PO-1", [("A-1", 5)])
        self.sim.receive("PO-1", {"1": 5})
        self.sim.adjust("A-1", -1, cause="LOST")
        self.sim.lock_stock("A-1", 1)
        templates = [event["webhookTemplate"] for event in self.sim.webhooks.outbox]
        self.assertEqual(
            templates,
            [
                "PurchaseOrderCreated",
                "PurchaseOrderStatusChanged",
                "PurchaseOrderReceived",
                "InventoryTransaction",
                "ArticleItemStatusChanged",
            ],
        )
        received = self.sim.webhooks.outbox[2]
        self.assertEqual(received["purchaseOrderStatus"], {"number": 500})
        inventory = self.sim.webhooks.outbox[3]
        self.assertEqual(inventory["transaction"]["transactionNumberOfItems"], -1.0)
        self.assertEqual(inventory["transaction"]["inventoryAdjustmentCause"]["code"], "LOST")

    def test_return_event(self):
        self.create_order("O-1", [("A-1", 1)])
        self.sim.pick("O-1", {"1": 1})
        self.sim.ship("O-1")
        self.sim.register_return("O-1", {"1": 1}, cause="REGRET")
        event = self.sim.webhooks.outbox[-1]
        self.assertEqual(event["webhookTemplate"], "ArticleReturned")
        self.assertEqual(event["order"]["orderNumber"], "O-1")
        self.assertEqual(event["articleItem"]["returnCause"]["returnCauseCode"], "REGRET")

    def test_manual_flush_posts_with_token(self):
        self.sim.webhooks.configure(self.receiver_url, "hemlig-token")
        self.create_order("O-1", [("A-1", 1)])
        attempts = self.sim.flush_webhooks()
        self.assertEqual([attempt.status_code for attempt in attempts], [200])
        (received,) = self.receiver.received
        self.assertEqual(received["headers"]["X-Auth-Token"], "hemlig-token")
        self.assertEqual(received["body"]["orderNumber"], "O-1")
        self.assertEqual(self.sim.webhooks.outbox, [])

    def test_take_outbox_hands_events_to_the_test(self):
        self.create_order("O-1", [("A-1", 1)])
        (event,) = self.sim.webhooks.take_outbox()
        self.assertEqual(event["webhookTemplate"], "OrderCreated")
        self.assertEqual(self.sim.webhooks.outbox, [])

    def test_retry_reuses_the_event_id(self):
        self.automatic()
        self.receiver.inject("status", status=500, times=2)
        self.create_order("O-1", [("A-1", 1)])

        (received,) = self.receiver.wait_for(1)
        self.assertTrue(self.sim.webhooks.wait_idle())
        attempts = self.sim.webhooks.attempts
        self.assertEqual([attempt.status_code for attempt in attempts], [500, 500, 200])
        self.assertEqual(
            {attempt.event_id for attempt in attempts}, {received["body"]["webhookEventId"]}
        )
        self.assertEqual(len(self.receiver.requests), 3)

    def test_delivery_gives_up_after_one_day_schedule(self):
        dispatcher = self.automatic()
        dispatcher.time_factor = 1e-6
        self.receiver.inject("status", status=503, times=None)
        self.create_order("O-1", [("A-1", 1)])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and dispatcher.deliveries[0].state != "failed":
            time.sleep(0.01)
        self.assertEqual(dispatcher.deliveries[0].state, "failed")
        self.assertEqual(len(dispatcher.attempts), 16)

    def test_no_retry_policy_tries_once(self):
        dispatcher = self.automatic(retry_policy="none")
        self.receiver.inject("status", status=500)
        self.create_order("O-1", [("A-1", 1)])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and dispatcher.deliveries[0].state != "failed":
            time.sleep(0.01)
        self.assertEqual(len(dispatcher.attempts), 1)

    def test_duplicate_next_sends_the_same_event_twice(self):
        self.sim.webhooks.configure(self.receiver_url)
        self.sim.webhooks.duplicate_next()
        self.create_order("O-1", [("A-1", 1)])
        self.sim.flush_webhooks()
        ids = [received["body"]["webhookEventId"] for received in self.receiver.received]
        self.assertEqual(len(ids), 2)
        self.assertEqual(ids[0], ids[1])

    def test_reorder_next_delivers_newest_first(self):
        self.sim.webhooks.configure(self.receiver_url)
        self.sim.webhooks.reorder_next(2)
        self.create_order("O-1", [("A-1", 1)])
        self.sim.start_picking("O-1")
        self.sim.flush_webhooks()
        templates = [received["body"]["webhookTemplate"] for received in self.receiver.received]
        self.assertEqual(templates, ["OrderStatusChanged", "OrderCreated"])

    def test_pause_holds_events_until_resume(self):
        dispatcher = self.automatic()
        dispatcher.pause()
        self.create_order("O-1", [("A-1", 1)])
        time.sleep(0.2)
        self.assertEqual(self.receiver.received, [])
        dispatcher.resume()
        self.assertEqual(len(self.receiver.wait_for(1)), 1)

    def test_receiver_may_call_the_simulator_back(self):
        # A webhook handler reads the order while the delivery is in flight.
        self.automatic()
        order_id = self.create_order("O-1", [("A-1", 1)])
        self.receiver.wait_for(1)
        self.assertEqual(self.get_json(f"orders/{order_id}")["orderInfo"]["orderNumber"], "O-1")

    def test_non_loopback_url_refused(self):
        for url in (
            "http://192.168.1.10/hook",
            "http://10.0.0.1/hook",
            "http://169.254.169.254/latest",
            "https://example.com/hook",
            "ftp://127.0.0.1/hook",
        ):
            with self.subTest(url=url):
                with self.assertRaises(ValueError):
                    check_loopback_url(url)
                with self.assertRaises(ValueError):
                    self.sim.webhooks.configure(url)
        with self.assertRaises(ValueError):
            OngoingSimulator(API_USER, API_PASSWORD, webhook_url="http://10.1.2.3/hook")
        self.assertEqual(check_loopback_url("http://[::1]:8069/x"), "http://[::1]:8069/x")

    def test_one_day_schedule(self):
        delays = retry_delays("one_day")
        self.assertEqual(delays[:5], (60, 300, 900, 1800, 7200))
        self.assertEqual(len(delays), 15)
        self.assertLessEqual(sum(delays), 24 * 3600)
        self.assertGreater(sum(delays) + 7200, 24 * 3600)
        self.assertEqual(retry_delays("none"), ())


class TestSimulatorControlApi(OngoingSimulatorCase):
    """The /_sim/ API that the demo uses from another process."""

    def control(self, method, path, **kwargs):
        return requests.request(method, f"{self.server.url}/_sim/{path}", timeout=5, **kwargs)

    def test_actions_drive_the_warehouse(self):
        self.create_article("A-1")
        self.create_order("O-1", [("A-1", 2)])
        response = self.control(
            "POST", "actions/set_stock", json={"article_number": "A-1", "quantity": 5}
        )
        self.assertEqual(response.status_code, 200, response.text)
        response = self.control(
            "POST",
            "actions/pick",
            json={"order_number": "O-1", "lines": {"1": 2}, "picked_time": "2024-05-02T10:00:00Z"},
        )
        self.assertEqual(response.status_code, 200, response.text)
        item = response.json()["orderLines"][0]["pickedArticleItems"][0]
        self.assertEqual(item["pickedTime"], "2024-05-02T10:00:00Z")
        self.assertEqual(
            self.control("GET", "state").json()[str(GOODS_OWNER_ID)]["orders"][0]["orderInfo"][
                "orderStatus"
            ]["number"],
            400,
        )

    def test_action_errors_return_400(self):
        response = self.control(
            "POST", "actions/pick", json={"order_number": "NOPE", "lines": {"1": 1}}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("NOPE", response.json()["Message"])
        response = self.control("POST", "actions/pick", json={"wrong": 1})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.control("POST", "actions/format_disk", json={}).status_code, 404)

    def test_faults_over_http_skip_the_control_api(self):
        response = self.control(
            "POST",
            "faults",
            json={"kind": "status", "status": 429, "headers": {"Retry-After": "3"}, "times": 1},
        )
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(len(self.control("GET", "faults").json()), 1)
        api = self.raw("GET", "orders/statuses", params={"goodsOwnerId": GOODS_OWNER_ID})
        self.assertEqual((api.status_code, api.headers["Retry-After"]), (429, "3"))
        self.assertEqual(self.control("GET", "faults").json(), [])
        self.assertEqual(self.control("POST", "faults", json={"kind": "melt"}).status_code, 400)

    def test_outage_returns_bare_message_then_recovers(self):
        response = self.control("POST", "outage", json={"seconds": 0.3, "status": 500})
        self.assertEqual(response.status_code, 200, response.text)
        api = self.raw("GET", "orders/statuses", params={"goodsOwnerId": GOODS_OWNER_ID})
        self.assertEqual(
            (api.status_code, api.json()), (500, {"Message": "An error has occurred."})
        )
        time.sleep(0.35)
        api = self.raw("GET", "orders/statuses", params={"goodsOwnerId": GOODS_OWNER_ID})
        self.assertEqual(api.status_code, 200)

    def test_requests_log_and_reset(self):
        self.create_article("A-1")
        logged = self.control("GET", "requests").json()
        self.assertEqual([(entry["method"], entry["status"]) for entry in logged], [("PUT", 200)])
        self.assertEqual(self.control("POST", "reset").status_code, 204)
        self.assertIsNone(self.sim.article_state("A-1"))
        self.assertEqual(self.control("GET", "requests").json(), [])

    def test_webhook_subscriber_over_http(self):
        response = self.control("PUT", "webhooks/subscriber", json={"url": "http://10.0.0.5/hook"})
        self.assertEqual(response.status_code, 400)
        response = self.control(
            "PUT",
            "webhooks/subscriber",
            json={"url": "http://127.0.0.1:9/hook", "token": "t", "retryPolicy": "none"},
        )
        self.assertEqual(response.json()["retryPolicy"], "none")
        self.assertFalse(self.control("GET", "webhooks").json()["subscriber"]["paused"])
        self.control("POST", "webhooks/pause")
        self.assertTrue(self.control("GET", "webhooks").json()["subscriber"]["paused"])


class TestSimulatorCommandLine(unittest.TestCase):
    """``python -m simulators.ongoing`` from the repository root."""

    def run_cli(self, *arguments):
        return subprocess.Popen(
            [sys.executable, "-m", "simulators.ongoing", *arguments],
            cwd=REPOSITORY_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def test_prints_url_and_serves(self):
        process = self.run_cli(
            "--port", "0", "--user", "cli", "--password", "pw", "--goods-owner-id", "42"
        )
        self.addCleanup(process.wait, 5)
        self.addCleanup(process.terminate)
        url = process.stdout.readline().strip()
        self.assertRegex(url, r"^http://127\.0\.0\.1:\d+/demo/api/v1/$")
        response = requests.get(
            f"{url}orders/statuses", params={"goodsOwnerId": 42}, auth=("cli", "pw"), timeout=5
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("orderStatuses", response.json())

    def test_refuses_non_loopback_host(self):
        process = self.run_cli("--port", "0", "--host", "0.0.0.0")
        _, error = process.communicate(timeout=20)
        self.assertEqual(process.returncode, 2)
        self.assertIn("loopback", error)
