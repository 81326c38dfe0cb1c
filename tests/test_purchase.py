import json
from datetime import datetime, time, timedelta, timezone

from odoo import fields
from odoo.exceptions import UserError

from ..clients.ongoing_documents import PurchaseOrder
from .common import (
    SimulatedWarehouseCase,
    SimulatedWarehouseHttpCase,
    shared_path,
    skip_without_shared,
)


def remote_lines(simulator, number):
    """Return the purchase order's lines in the simulator, by row number."""
    document = simulator.purchase_order_state(number)
    return {line["rowNumber"]: line for line in document["purchaseOrderLines"]}


class TestPurchaseOrders(SimulatedWarehouseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.make_supplier(cls, ref="LEV-7", email="order@lev-vast.example")

    def setUp(self):
        super().setUp()
        self.product = self.make_product("KRU-10", name="Kruka Gotland, lera", cost=80.0)
        self.run_jobs()

    def purchase(self, quantity=10, **values):
        order = self.buy(self.supplier, [(self.product, quantity, 95.0)], **values)
        self.run_jobs()
        return order, order.picking_ids

    def test_confirmed_purchase_sent_as_expected_delivery(self):
        planned = fields.Datetime.now().replace(microsecond=0) + timedelta(days=5)
        order = self.buy(
            self.supplier, [(self.product, 10, 95.0)], partner_ref="SO-4711", confirm=False
        )
        order.order_line.date_planned = planned
        order.button_confirm()
        self.run_jobs()
        receipt = order.picking_ids

        document = self.simulator.purchase_order_state(order.name)
        self.assertIsNotNone(document)
        binding = receipt.ongoing_order_id
        self.assertEqual(binding.order_type, "purchase")
        self.assertEqual(binding.name, order.name)
        self.assertEqual(binding.sync_state, "synced")
        self.assertEqual(binding.remote_id, document["purchaseOrderInfo"]["purchaseOrderId"])
        self.assertEqual(order.ongoing_order_id, binding)
        self.assertEqual(order.ongoing_sync_state, "synced")
        info = document["purchaseOrderInfo"]
        self.assertEqual(info["supplierOrderNumber"], "SO-4711")
        self.assertEqual(info["goodsOwnerReference"], receipt.name)
        self.assertEqual(info["inDate"][:10], str(fields.Date.context_today(receipt, planned)))
        self.assertEqual(document["supplierInfo"]["supplierNumber"], "LEV-7")
        self.assertEqual(document["supplierInfo"]["supplierName"], "Leverantör Väst AB")
        [line] = document["purchaseOrderLines"]
        self.assertEqual(line["rowNumber"], "1")
        self.assertEqual(line["advisedNumberOfItems"], 10)
        self.assertEqual(line["article"]["articleNumber"], "KRU-10")
        self.assertTrue(
            any("purchase order" in body for body in receipt.message_ids.mapped("body"))
        )

    def test_partial_receipt_leaves_announced_backorder(self):
        order, receipt = self.purchase(10)
        binding = receipt.ongoing_order_id

        self.simulator.receive(order.name, {"1": 7})
        self.poll()

        self.assertEqual(receipt.state, "done")
        self.assertEqual(receipt.move_ids.quantity, 7)
        self.assertEqual(order.order_line.qty_received, 7)
        backorder = order.picking_ids - receipt
        self.assertEqual(len(backorder), 1)
        self.assertEqual(backorder.state, "assigned")
        self.assertEqual(backorder.move_ids.product_uom_qty, 3)
        self.assertEqual(backorder.ongoing_order_id, binding)
        self.assertEqual(binding.line_ids.booked_qty, 7)
        self.assertEqual(len(self.simulator.state()["159"]["purchaseOrders"]), 1)
        remote = remote_lines(self.simulator, order.name)["1"]
        self.assertEqual(remote["advisedNumberOfItems"], 10)
        self.assertEqual(remote["reportedNumberOfItems"], 7)

        self.simulator.receive(order.name, {"1": 3})
        self.poll()

        self.assertEqual(backorder.state, "done")
        self.assertEqual(order.order_line.qty_received, 10)
        self.assertEqual(binding.line_ids.booked_qty, 10)
        self.assertEqual(len(order.picking_ids), 2)
        self.assertEqual(len(self.simulator.state()["159"]["purchaseOrders"]), 1)
        self.assertEqual(remote_lines(self.simulator, order.name)["1"]["reportedNumberOfItems"], 10)
        self.assertEqual(self.product.qty_available, 10)

    def test_over_receipt_booked_with_note(self):
        order, receipt = self.purchase(10)

        self.simulator.receive(order.name, {"1": 12})
        self.poll()

        self.assertEqual(receipt.state, "done")
        self.assertEqual(receipt.move_ids.quantity, 12)
        self.assertEqual(order.order_line.qty_received, 12)
        self.assertEqual(order.picking_ids, receipt)
        self.assertEqual(self.product.qty_available, 12)
        self.assertEqual(receipt.ongoing_order_id.line_ids.booked_qty, 12)
        self.assertTrue(
            any("2.0 more than expected" in body for body in receipt.message_ids.mapped("body"))
        )
        self.assertEqual(remote_lines(self.simulator, order.name)["1"]["reportedNumberOfItems"], 12)

    def test_unknown_article_reported_and_kept(self):
        other = self.make_product("FAT-20", name="Fat Öland")
        self.run_jobs()
        order, receipt = self.purchase(10)
        binding = receipt.ongoing_order_id

        self.simulator.receive(order.name, {"1": 10}, finish=False)
        self.simulator.receive_unexpected(order.name, "FAT-20", 2)
        self.poll()

        self.assertEqual(receipt.state, "done")
        self.assertEqual(receipt.move_ids.quantity, 10)
        self.assertEqual(other.qty_available, 0)
        unexpected = binding.line_ids.filtered("unexpected")
        self.assertEqual(unexpected.article_number, "FAT-20")
        self.assertEqual(unexpected.product_id, other)
        self.assertEqual(unexpected.remote_done_qty, 2)
        self.assertEqual(unexpected.booked_qty, 0)
        self.assertIn("FAT-20", binding.import_error)
        self.assertIn("does not contain", order.ongoing_import_error)
        self.assertTrue(receipt.activity_ids)
        remote = self.simulator.purchase_order_state(order.name)["purchaseOrderLines"]
        reported = {
            line["article"]["articleNumber"]: line["reportedNumberOfItems"] for line in remote
        }
        self.assertEqual(reported["KRU-10"], 10)
        self.assertFalse(reported["FAT-20"])

        # Polling again keeps the line and the problem, and books nothing twice.
        self.poll()
        self.assertEqual(len(binding.line_ids.filtered("unexpected")), 1)
        self.assertEqual(self.product.qty_available, 10)
        self.assertIn("FAT-20", binding.import_error)

        unexpected.action_ongoing_mark_booked()
        self.run_jobs()
        remote = self.simulator.purchase_order_state(order.name)["purchaseOrderLines"]
        reported = {
            line["article"]["articleNumber"]: line["reportedNumberOfItems"] for line in remote
        }
        self.assertEqual(reported["FAT-20"], 2)
        self.assertFalse(binding.import_error)

    def test_cancel_before_receiving_cancels_both(self):
        order, receipt = self.purchase(10)
        order.button_cancel()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(receipt.state, "cancel")
        document = self.simulator.purchase_order_state(order.name)
        self.assertEqual(document["purchaseOrderInfo"]["purchaseOrderStatus"]["number"], 900)
        self.assertEqual(receipt.ongoing_order_id.remote_status, 900)

    def test_receipt_cancel_cancels_both(self):
        order, receipt = self.purchase(10)
        receipt.action_cancel()
        self.assertEqual(receipt.state, "cancel")
        document = self.simulator.purchase_order_state(order.name)
        self.assertEqual(document["purchaseOrderInfo"]["purchaseOrderStatus"]["number"], 900)

    def test_cancel_after_receiving_started_refused(self):
        order, receipt = self.purchase(10)
        self.simulator.start_receiving(order.name)
        with self.assertRaisesRegex(UserError, "did not cancel") as caught:
            order.button_cancel()
        self.assertIn("started receiving", str(caught.exception))
        self.assertEqual(order.state, "purchase")
        self.assertEqual(receipt.state, "assigned")
        document = self.simulator.purchase_order_state(order.name)
        self.assertEqual(document["purchaseOrderInfo"]["purchaseOrderStatus"]["number"], 300)

    def test_cancel_when_unreachable_refused(self):
        order, receipt = self.purchase(10)
        self.simulator.inject("status", status=500, body={"Message": "An error has occurred."})
        with self.assertRaisesRegex(UserError, "did not cancel"):
            order.button_cancel()
        self.assertEqual(order.state, "purchase")
        self.assertNotEqual(receipt.state, "cancel")

    def test_quantity_change_sent_again(self):
        order, receipt = self.purchase(10)
        order.order_line.product_qty = 14
        self.run_jobs()
        self.assertEqual(receipt.move_ids.product_uom_qty, 14)
        self.assertEqual(remote_lines(self.simulator, order.name)["1"]["advisedNumberOfItems"], 14)
        self.assertEqual(receipt.ongoing_sync_state, "synced")

    def test_date_change_sent_again(self):
        order, receipt = self.purchase(10)
        later = fields.Datetime.now().replace(microsecond=0) + timedelta(days=20)
        order.order_line.date_planned = later
        self.run_jobs()
        info = self.simulator.purchase_order_state(order.name)["purchaseOrderInfo"]
        self.assertEqual(info["inDate"][:10], str(fields.Date.context_today(receipt, later)))

    def test_added_line_sent_again(self):
        other = self.make_product("FAT-20", name="Fat Öland")
        self.run_jobs()
        order, _receipt = self.purchase(10)
        order.order_line = [(0, 0, {"product_id": other.id, "product_qty": 4, "price_unit": 50})]
        self.run_jobs()
        lines = remote_lines(self.simulator, order.name)
        self.assertEqual(lines["1"]["article"]["articleNumber"], "KRU-10")
        self.assertEqual(lines["2"]["article"]["articleNumber"], "FAT-20")
        self.assertEqual(lines["2"]["advisedNumberOfItems"], 4)

    def test_change_after_receiving_started_shown(self):
        order, receipt = self.purchase(10)
        self.simulator.start_receiving(order.name)
        order.order_line.product_qty = 14
        self.run_jobs()
        binding = receipt.ongoing_order_id
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("started receiving", binding.sync_error)
        self.assertIn("started receiving", order.ongoing_sync_error)
        self.assertTrue(
            any(
                "Sending to Ongoing WMS failed" in body
                for body in receipt.message_ids.mapped("body")
            )
        )
        self.assertEqual(remote_lines(self.simulator, order.name)["1"]["advisedNumberOfItems"], 10)

    def test_change_after_partial_receipt_not_sent(self):
        order, _receipt = self.purchase(10)
        self.simulator.receive(order.name, {"1": 7})
        self.poll()
        backorder = order.picking_ids.filtered(lambda picking: picking.state == "assigned")
        self.simulator.clear_requests()

        order.order_line.product_qty = 12
        self.run_jobs()

        self.assertEqual(backorder.move_ids.product_uom_qty, 5)
        self.assertEqual(backorder.ongoing_sync_state, "failed")
        self.assertIn("already received", backorder.ongoing_sync_error)
        self.assertFalse(self.simulator.requests_to("PUT", "/demo/api/v1/purchaseOrders"))

    def test_send_button_resends(self):
        order, receipt = self.purchase(10)
        self.simulator.clear_requests()
        order.action_ongoing_send()
        self.assertEqual(receipt.ongoing_sync_state, "pending")
        self.run_jobs()
        self.assertEqual(receipt.ongoing_sync_state, "synced")
        self.assertEqual(len(self.simulator.requests_to("PUT", "/demo/api/v1/purchaseOrders")), 1)

    def test_poll_twice_books_once(self):
        order, receipt = self.purchase(10)
        self.simulator.receive(order.name, {"1": 7})
        self.poll()
        self.poll()
        binding = receipt.ongoing_order_id
        self.backend._ongoing_schedule_sync("purchase", remote_id=binding.remote_id)
        self.run_jobs()
        self.assertEqual(binding.line_ids.booked_qty, 7)
        self.assertEqual(order.order_line.qty_received, 7)
        self.assertEqual(self.product.qty_available, 7)
        self.assertEqual(len(order.picking_ids), 2)

    def test_lost_acknowledge_books_once(self):
        order, receipt = self.purchase(10)
        self.simulator.receive(order.name, {"1": 7})
        # The acknowledgement is lost: Ongoing still lists the receipt as unreported.
        self.simulator.inject(
            "status",
            status=500,
            times=1,
            method="PATCH",
            body={"Message": "An error has occurred."},
        )
        self.poll()
        self.assertEqual(receipt.ongoing_order_id.line_ids.booked_qty, 7)
        self.assertFalse(remote_lines(self.simulator, order.name)["1"]["reportedNumberOfItems"])

        self.poll()
        self.run_jobs(include_delayed=True)
        self.assertEqual(receipt.ongoing_order_id.line_ids.booked_qty, 7)
        self.assertEqual(self.product.qty_available, 7)
        self.assertEqual(remote_lines(self.simulator, order.name)["1"]["reportedNumberOfItems"], 7)

    def test_manual_validation_asks_confirmation(self):
        order, receipt = self.purchase(10)
        action = receipt.button_validate()
        self.assertEqual(action["res_model"], "ongoing.manual.validation")
        self.assertNotEqual(receipt.state, "done")

        wizard = self.env["ongoing.manual.validation"].with_context(action["context"]).create({})
        receipt.move_ids.quantity = 10
        wizard.action_confirm()
        self.assertEqual(receipt.state, "done")

        self.simulator.receive(order.name, {"1": 10})
        self.poll()
        self.assertEqual(self.product.qty_available, 10)
        self.assertEqual(remote_lines(self.simulator, order.name)["1"]["reportedNumberOfItems"], 10)

    def test_buyer_without_ongoing_access(self):
        buyer = self.env["res.users"].create(
            {
                "name": "Inköpare Iris",
                "login": "iris.buyer",
                "email": "iris@nordisk-hemtextil.example",
                "groups_id": [(6, 0, [self.env.ref("purchase.group_purchase_user").id])],
            }
        )
        order = self.buy(self.supplier, [(self.product, 10, 95.0)], confirm=False)
        order = order.with_user(buyer)
        order.button_confirm()
        self.run_jobs()
        self.assertEqual(order.ongoing_sync_state, "synced")

        order.order_line.product_qty = 11
        self.run_jobs()
        self.assertEqual(remote_lines(self.simulator, order.name)["1"]["advisedNumberOfItems"], 11)

        order.button_cancel()
        self.assertEqual(order.state, "cancel")
        document = self.simulator.purchase_order_state(order.name)
        self.assertEqual(document["purchaseOrderInfo"]["purchaseOrderStatus"]["number"], 900)

    def test_receipt_of_other_warehouse_not_sent(self):
        other = self.env["stock.warehouse"].create({"name": "Eget lager", "code": "EGN"})
        order = self.buy(
            self.supplier, [(self.product, 5, 95.0)], picking_type_id=other.in_type_id.id
        )
        self.run_jobs()
        self.assertFalse(order.picking_ids.ongoing_order_id)
        self.assertFalse(order.ongoing_managed)
        self.assertIsNone(self.simulator.purchase_order_state(order.name))


class TestPurchaseTracking(SimulatedWarehouseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.make_supplier(cls)

    def test_received_batches_booked_as_lots(self):
        product = self.make_product("TVL-1", name="Tvål Lavendel", tracking="lot")
        self.run_jobs()
        order = self.buy(self.supplier, [(product, 10, 20.0)])
        self.run_jobs()
        receipt = order.picking_ids

        self.simulator.receive(
            order.name,
            {"1": [{"quantity": 6, "batch": "B2405"}, {"quantity": 4, "batch": "B2406"}]},
        )
        self.poll()

        self.assertEqual(receipt.state, "done")
        quantities = {line.lot_id.name: line.quantity for line in receipt.move_line_ids}
        self.assertEqual(quantities, {"B2405": 6, "B2406": 4})

    def test_received_serials_booked(self):
        product = self.make_product("LMP-1", name="Lampa Kiruna", tracking="serial")
        self.run_jobs()
        order = self.buy(self.supplier, [(product, 3, 400.0)])
        self.run_jobs()
        receipt = order.picking_ids

        self.simulator.receive(
            order.name,
            {"1": [{"quantity": 1, "serial": "SN-1"}, {"quantity": 1, "serial": "SN-2"}]},
        )
        self.poll()

        self.assertEqual(receipt.state, "done")
        self.assertEqual(sorted(receipt.move_line_ids.lot_id.mapped("name")), ["SN-1", "SN-2"])
        backorder = order.picking_ids - receipt
        self.assertEqual(backorder.move_ids.product_uom_qty, 1)

        self.simulator.receive(order.name, {"1": [{"quantity": 1, "serial": "SN-3"}]})
        self.poll()
        self.assertEqual(backorder.state, "done")
        self.assertEqual(backorder.move_line_ids.lot_id.name, "SN-3")
        self.assertEqual(product.qty_available, 3)

    def test_tracked_receipt_without_numbers_reported(self):
        product = self.make_product("LMP-2", name="Lampa Abisko", tracking="serial")
        self.run_jobs()
        order = self.buy(self.supplier, [(product, 2, 400.0)])
        self.run_jobs()
        receipt = order.picking_ids

        self.simulator.receive(order.name, {"1": 2})
        self.poll()

        self.assertEqual(receipt.state, "assigned")
        self.assertEqual(receipt.ongoing_order_id.line_ids.booked_qty, 0)
        self.assertIn("tracked by lot or serial number", receipt.ongoing_import_error)


class TestPurchaseWebhooks(SimulatedWarehouseHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.make_supplier(cls)
        cls.url = f"/ongoing/webhook/{cls.backend.id}"

    def setUp(self):
        super().setUp()
        self.product = self.make_product("SKL-30", name="Skål Visby")
        self.run_jobs()
        self.order = self.buy(self.supplier, [(self.product, 10, 45.0)])
        self.run_jobs()
        self.receipt = self.order.picking_ids
        self.simulator.webhooks.take_outbox()

    def deliver_webhook(self, payload):
        response = self.url_open(
            self.url,
            data=json.dumps(payload),
            headers={
                "Content-Type": "application/json",
                "X-Auth-Token": self.backend.webhook_token,
            },
        )
        self.assertEqual(response.status_code, 200)

    def test_duplicate_reordered_webhooks_book_once(self):
        self.simulator.start_receiving(self.order.name)
        started = self.simulator.webhooks.take_outbox()
        self.simulator.receive(self.order.name, {"1": 7})
        received = self.simulator.webhooks.take_outbox()
        self.assertTrue(received)

        # The newest events first, each three times, then the older status events.
        for payload in list(reversed(received)) * 3 + started:
            self.deliver_webhook(payload)
        self.run_jobs()

        self.assertEqual(self.receipt.state, "done")
        self.assertEqual(self.receipt.move_ids.quantity, 7)
        self.assertEqual(self.receipt.ongoing_order_id.line_ids.booked_qty, 7)
        self.assertEqual(self.product.qty_available, 7)
        events = self.env["ongoing.webhook.event"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual(len(events), len(received) + len(started))
        self.assertEqual(set(events.mapped("kind")), {"purchase"})
        self.assertEqual(set(events.mapped("state")), {"done"})
        remote = remote_lines(self.simulator, self.order.name)["1"]
        self.assertEqual(remote["reportedNumberOfItems"], 7)

        # The rest arrives; an old event replayed afterwards changes nothing.
        self.simulator.receive(self.order.name, {"1": 3})
        for payload in self.simulator.webhooks.take_outbox() + received:
            self.deliver_webhook(payload)
        self.run_jobs()
        self.assertEqual(self.order.order_line.qty_received, 10)
        self.assertEqual(self.product.qty_available, 10)

    def test_missed_receipt_webhook_caught_by_polling(self):
        self.simulator.receive(self.order.name, {"1": 10})
        self.simulator.webhooks.take_outbox()
        self.poll()
        self.assertEqual(self.receipt.state, "done")
        self.assertEqual(self.order.order_line.qty_received, 10)

    def test_webhook_for_unknown_purchase_order_ignored(self):
        self.deliver_webhook(
            {
                "webhookEventId": "po-unknown-1",
                "purchaseOrderId": 9999,
                "purchaseOrderNumber": "NOT-IN-ODOO",
                "goodsOwnerId": 159,
                "purchaseOrderStatus": {"number": 400},
            }
        )
        self.run_jobs()
        event = self.env["ongoing.webhook.event"].search([("event_id", "=", "po-unknown-1")])
        self.assertEqual(event.kind, "purchase")
        self.assertIn(event.state, ("failed", "ignored"))
        self.assertTrue(event.state_message)
        self.assertEqual(self.receipt.state, "assigned")


class TestOngoingExamplePurchaseOrder(SimulatedWarehouseCase):
    def test_example_purchase_order_booked(self):
        skip_without_shared("ongoing-examples", "purchase-order", "get.response.json")
        example = json.loads(
            shared_path("ongoing-examples", "purchase-order", "get.response.json").read_text(
                "utf-8"
            )
        )
        first = self.make_product("CK2", name="Ljusstake")
        second = self.make_product("CK5", name="Ljuslykta")
        order = self.buy(
            self.make_supplier(name="Supplier No. 3, Inc"),
            [(first, 2, 30.0), (second, 10, 55.0)],
            confirm=False,
        )
        # Bound by hand to the example's number, as if Odoo had sent it.
        binding = self.env["ongoing.order"].create(
            {"backend_id": self.backend.id, "order_type": "purchase", "name": "PO1213534"}
        )
        order.button_confirm()
        receipt = order.picking_ids
        receipt.ongoing_order_id = binding
        binding._ongoing_assign_rows(receipt.move_ids.sorted("id"))

        summary = binding._ongoing_apply_purchase(PurchaseOrder.from_json(example))

        self.assertIn("Booked 2 line", summary)
        self.assertEqual(receipt.state, "done")
        received = {move.product_id: move.quantity for move in receipt.move_ids}
        self.assertEqual(received, {first: 2, second: 7})
        backorder = order.picking_ids - receipt
        self.assertEqual(backorder.ongoing_order_id, binding)
        self.assertEqual(backorder.move_ids.product_id, second)
        self.assertEqual(backorder.move_ids.product_uom_qty, 3)
        self.assertEqual(binding.remote_id, 247)
        self.assertEqual(binding.remote_status, 400)
        self.assertEqual(binding.remote_status_text, "Avvikelse")
        booked = {line.row_number: line.booked_qty for line in binding.line_ids}
        self.assertEqual(booked, {"1": 2, "2": 7})
        self.assertEqual({line.remote_line_id for line in binding.line_ids}, {555, 556})
        # The items' in-date, 2019-10-10, dates the receipt and its valuation.
        received_time = datetime(2019, 10, 10, 9, 15, 53)
        self.assertEqual(receipt.date_done, received_time)
        self.assertEqual(
            receipt.move_ids.stock_valuation_layer_ids.mapped("create_date")[0].date(),
            received_time.date(),
        )
        self.assertEqual(
            set(receipt.move_ids.account_move_ids.mapped("date")), {received_time.date()}
        )
        self.assertEqual(receipt.move_ids.stock_valuation_layer_ids.mapped("value"), [60.0, 385.0])


class TestPurchaseReceivedTime(SimulatedWarehouseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.make_supplier(cls)

    def test_receipt_dated_by_received_time(self):
        product = self.make_product("BRD-1", name="Bricka Falun")
        self.run_jobs()
        order = self.buy(self.supplier, [(product, 5, 60.0)])
        self.run_jobs()
        receipt = order.picking_ids
        yesterday = fields.Date.today() - timedelta(days=1)
        received = datetime.combine(yesterday, time(9, 30), tzinfo=timezone.utc)

        self.simulator.receive(order.name, {"1": 5}, received_time=received)
        self.poll()

        naive = received.replace(tzinfo=None)
        self.assertEqual(receipt.date_done, naive)
        self.assertEqual(receipt.move_ids.date, naive)
        self.assertEqual(receipt.move_line_ids.date, naive)
        layer = receipt.move_ids.stock_valuation_layer_ids
        self.assertEqual(layer.create_date, naive)
        self.assertEqual(layer.account_move_id.date, yesterday)
        self.assertEqual(layer.value, 300.0)
