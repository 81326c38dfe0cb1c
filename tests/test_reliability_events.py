"""Webhooks that arrive twice, out of order, late, or about documents Odoo no longer has.

Each event is delivered over HTTP with the backend's token, as Ongoing sends
it. Whatever the order, every quantity is booked once, nothing crashes, and
each event ends with a state and a message giving the reason.
"""

import json

import requests

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from ..models.ongoing_binding_mixin import MAX_AUTOMATIC_ATTEMPTS
from .common import SimulatedWarehouseHttpCase
from .reliability_helpers import crash_before, failed_jobs
from .test_returns import ReturnsMixin

USER_GROUPS = "stock.group_stock_user,ongoing_fortnox_sync.group_ongoing_fortnox_user"
MANAGER_GROUPS = "stock.group_stock_manager,ongoing_fortnox_sync.group_ongoing_fortnox_manager"


class EventCase(SimulatedWarehouseHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.make_customer(cls)
        cls.supplier = cls.make_supplier(cls)

    def post_webhooks(self, payloads):
        for payload in payloads:
            response = self.url_open(
                f"/ongoing/webhook/{self.backend.id}",
                data=json.dumps(payload),
                headers={
                    "Content-Type": "application/json",
                    "X-Auth-Token": self.backend.webhook_token,
                },
            )
            self.assertEqual(response.status_code, 200, response.text)
        self.run_jobs()

    def held_webhooks(self):
        events = self.simulator.webhooks.take_outbox()
        self.assertTrue(events)
        return events

    def events(self):
        return self.env["ongoing.webhook.event"].search([("backend_id", "=", self.backend.id)])

    def assert_all_events(self, state):
        events = self.events()
        self.assertTrue(events)
        for event in events:
            with self.subTest(event=event.event_id):
                self.assertEqual(event.state, state)
                self.assertTrue(event.state_message)
                self.assertTrue(event.processed_date)


class TestDeliveryEvents(EventCase):
    def setUp(self):
        super().setUp()
        self.product = self.make_product("EVT-1", name="Bricka Sandvik")
        self.run_jobs()
        self.put_in_stock(self.product, 10)
        self.sale = self.sell(self.customer, [(self.product, 4)])
        self.run_jobs()
        self.picking = self.sale.picking_ids
        self.simulator.webhooks.take_outbox()

    def test_webhook_after_polling_books_nothing(self):
        self.simulator.pick(self.picking.name, {"1": 4})
        late = self.held_webhooks()
        self.poll()
        self.assertEqual(self.picking.state, "done")

        self.post_webhooks(late)

        self.assertEqual(self.product.qty_available, 6)
        self.assertEqual(self.picking.ongoing_order_id.line_ids.booked_qty, 4)
        self.assert_all_events("done")
        self.assertIn("Nothing new", self.events()[0].state_message)

    def test_reordered_duplicated_partial_picks_book_once(self):
        self.simulator.pick(self.picking.name, {"1": 1})
        first = self.held_webhooks()
        self.simulator.pick(self.picking.name, {"1": 3})
        second = self.held_webhooks()

        self.post_webhooks(second + second + first + first)

        self.assertEqual(self.product.qty_available, 6)
        self.assertEqual(self.picking.ongoing_order_id.line_ids.booked_qty, 4)
        self.assertEqual(self.sale.order_line.qty_delivered, 4)
        self.assertEqual(len(self.events()), len(first) + len(second))
        self.assert_all_events("done")

    def test_pick_of_cancelled_delivery_not_booked(self):
        self.simulator.start_picking(self.picking.name)
        self.picking.action_ongoing_force_cancel()
        self.simulator.webhooks.take_outbox()
        self.simulator.pick(self.picking.name, {"1": 4})

        self.post_webhooks(self.held_webhooks())

        self.assertEqual(self.picking.state, "cancel")
        self.assertEqual(self.product.qty_available, 10)
        self.assert_all_events("failed")
        self.assertIn("done or cancelled in Odoo", self.events()[0].state_message)
        self.assertIn("nothing was booked", self.picking.ongoing_order_id.import_error)

    def test_pick_of_deleted_delivery_not_booked(self):
        self.simulator.start_picking(self.picking.name)
        self.picking.action_ongoing_force_cancel()
        binding = self.picking.ongoing_order_id
        self.picking.unlink()
        self.simulator.webhooks.take_outbox()
        self.simulator.pick(binding.name, {"1": 4})

        self.post_webhooks(self.held_webhooks())

        self.assertEqual(self.product.qty_available, 10)
        self.assertFalse(binding.line_ids.booked_qty)
        self.assert_all_events("failed")
        self.assertIn("nothing was booked", self.events()[0].state_message)

    def test_failed_job_fails_events_with_reason(self):
        self.simulator.pick(self.picking.name, {"1": 4})
        held = self.held_webhooks()
        backend_class = type(self.env["ongoing.backend"])
        with crash_before(backend_class, "_ongoing_sync_outbound"):
            self.post_webhooks(held)

        [job] = failed_jobs(self.env, "_ongoing_run_sync")
        self.assert_all_events("failed")
        message = self.events()[0].state_message
        self.assertIn("failed after 1 attempt(s)", message)
        self.assertIn("the worker died before", message)
        self.assertIn("_ongoing_sync_outbound", message)
        self.assertIn("Requeue", message)
        self.assertEqual(self.picking.state, "assigned")

        job.requeue()
        self.run_jobs()

        self.assertEqual(job.state, "done")
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.product.qty_available, 6)
        self.assert_all_events("done")

    def test_requeued_event_books_once(self):
        manager = new_test_user(self.env, login="lagerchef", groups=MANAGER_GROUPS)
        self.simulator.pick(self.picking.name, {"1": 4})
        pick_webhooks = self.held_webhooks()
        self.simulator.inject(
            "status", status=500, times=None, body={"Message": "An error has occurred."}
        )
        self.post_webhooks(pick_webhooks)
        for _attempt in range(MAX_AUTOMATIC_ATTEMPTS - 1):
            self.run_jobs(include_delayed=True)

        self.assertTrue(failed_jobs(self.env, "_ongoing_run_sync"))
        self.assert_all_events("failed")
        message = self.events()[0].state_message
        self.assertIn(f"failed after {MAX_AUTOMATIC_ATTEMPTS} attempt(s)", message)
        self.assertIn("Requeue the event", message)
        self.assertEqual(self.picking.state, "assigned")
        self.assertEqual(self.product.qty_available, 10)

        self.simulator.clear_faults()
        self.env.invalidate_all()
        self.assertFalse(manager.has_group("base.group_system"))
        self.events().with_user(manager).action_requeue()
        self.run_jobs()

        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.product.qty_available, 6)
        self.assertEqual(self.picking.ongoing_order_id.line_ids.booked_qty, 4)
        self.assertEqual(self.sale.order_line.qty_delivered, 4)
        self.assertEqual(len(self.sale.picking_ids), 1)
        self.assert_all_events("done")

    def test_user_cannot_requeue_event(self):
        worker = new_test_user(self.env, login="lagerarbetare", groups=USER_GROUPS)
        self.post_webhooks([{"webhookEventId": "ghost-2", "goodsOwnerId": 159, "orderId": 987654}])

        self.env.invalidate_all()
        with self.assertRaises(AccessError):
            self.events().with_user(worker).action_requeue()
        self.assert_all_events("failed")

    def test_order_unknown_to_odoo_ignored(self):
        response = requests.put(
            f"{self.backend.base_url}orders",
            json={
                "goodsOwnerId": 159,
                "orderNumber": "WEBSHOP-77",
                "deliveryDate": "2026-05-02",
                "consignee": {"name": "Kund i annan butik", "countryCode": "SE"},
                "orderLines": [{"rowNumber": "1", "articleNumber": "EVT-1", "numberOfItems": 1}],
            },
            auth=("integration", "s3cret-Pa55word"),
            timeout=5,
        )
        self.assertEqual(response.status_code, 200, response.text)
        self.simulator.pick("WEBSHOP-77", {"1": 1})

        self.post_webhooks(self.held_webhooks())

        self.assert_all_events("ignored")
        self.assertIn("No Odoo delivery is linked", self.events()[0].state_message)
        self.assertEqual(self.product.qty_available, 10)

    def test_order_id_unknown_to_ongoing_failed(self):
        self.post_webhooks([{"webhookEventId": "ghost-1", "goodsOwnerId": 159, "orderId": 987654}])

        self.assert_all_events("failed")
        self.assertIn("Ongoing does not know this object", self.events().state_message)


class TestReceiptEvents(EventCase):
    def setUp(self):
        super().setUp()
        self.product = self.make_product("EVT-2", name="Krus Gefle")
        self.run_jobs()
        self.order = self.buy(self.supplier, [(self.product, 10, 50.0)])
        self.run_jobs()
        self.receipt = self.order.picking_ids
        self.binding = self.receipt.ongoing_order_id
        self.simulator.webhooks.take_outbox()

    def test_duplicated_receipt_webhooks_book_once(self):
        self.simulator.receive(self.order.name, {"1": 6}, finish=False)
        first = self.held_webhooks()
        self.simulator.receive(self.order.name, {"1": 4})
        second = self.held_webhooks()

        self.post_webhooks(second + first + second + first)

        self.assertEqual(self.product.qty_available, 10)
        self.assertEqual(self.order.order_line.qty_received, 10)
        self.assertEqual(self.binding.line_ids.booked_qty, 10)
        self.assert_all_events("done")

    def test_webhook_after_polling_books_nothing(self):
        self.simulator.receive(self.order.name, {"1": 10})
        late = self.held_webhooks()
        self.poll()
        self.assertEqual(self.receipt.state, "done")

        self.post_webhooks(late)

        self.assertEqual(self.product.qty_available, 10)
        self.assertEqual(self.order.order_line.qty_received, 10)
        self.assertEqual(self.binding.line_ids.booked_qty, 10)
        self.assertEqual(self.receipt.move_ids.quantity, 10)
        self.assertEqual(self.order.picking_ids, self.receipt)
        self.assert_all_events("done")
        self.assertIn("Nothing new", self.events()[0].state_message)

    def test_receipt_of_cancelled_purchase_not_booked(self):
        self.simulator.start_receiving(self.order.name)
        self.receipt.action_ongoing_force_cancel()
        self.order.button_cancel()
        self.simulator.webhooks.take_outbox()
        self.simulator.receive(self.order.name, {"1": 10})

        self.post_webhooks(self.held_webhooks())

        self.assertEqual(self.order.state, "cancel")
        self.assertEqual(self.receipt.state, "cancel")
        self.assertEqual(self.product.qty_available, 0)
        self.assertEqual(self.order.order_line.qty_received, 0)
        self.assertFalse(self.binding.line_ids.booked_qty)
        self.assert_all_events("failed")
        self.assertIn("done or cancelled in Odoo", self.events()[0].state_message)
        self.assertIn("nothing was booked", self.binding.import_error)

    def test_receipt_of_deleted_purchase_not_booked(self):
        self.simulator.start_receiving(self.order.name)
        self.receipt.action_ongoing_force_cancel()
        self.order.button_cancel()
        self.receipt.unlink()
        self.order.unlink()
        self.simulator.webhooks.take_outbox()
        self.simulator.receive(self.binding.name, {"1": 10})

        self.post_webhooks(self.held_webhooks())

        self.assertEqual(self.product.qty_available, 0)
        self.assertFalse(self.binding.picking_ids)
        self.assertFalse(self.binding.line_ids.booked_qty)
        self.assert_all_events("failed")
        self.assertIn("nothing was booked", self.events()[0].state_message)


class TestReturnEvents(ReturnsMixin, EventCase):
    def setUp(self):
        super().setUp()
        self.product = self.make_product("EVT-3", name="Skål Rörstrand")
        self.run_jobs()
        self.put_in_stock(self.product, 10)
        self.sale, self.delivery = self.deliver(self.product, 5)
        self.simulator.webhooks.take_outbox()

    def return_order_webhook(self, event_id, returned):
        """Build the webhook body Ongoing sends about the return order, with its current status.

        The simulator sends no return order webhooks, so the test builds them.
        """
        info = self.simulator.return_order_state(returned.name)["returnOrderInfo"]
        return {
            "webhookEventId": event_id,
            "goodsOwnerId": 159,
            "returnOrderId": info["returnOrderId"],
            "returnOrderNumber": info["returnOrderNumber"],
            "returnOrderStatus": {"number": info["returnOrderStatus"]["number"]},
        }

    def test_duplicated_return_webhooks_book_once(self):
        self.simulator.register_return(self.delivery.name, {"1": 2})

        held = self.held_webhooks()
        self.post_webhooks(held + held)

        self.assertEqual(self.product.qty_available, 7)
        self.assertEqual(self.returns_of(self.sale).move_ids.quantity, 2)
        self.assertEqual(self.delivery.ongoing_order_id.line_ids.returned_booked_qty, 2)
        self.assert_all_events("done")

    def test_webhook_after_polling_books_nothing(self):
        self.simulator.register_return(self.delivery.name, {"1": 2})
        late = self.held_webhooks()
        self.poll()
        self.assertEqual(len(self.returns_of(self.sale)), 1)

        self.post_webhooks(late)

        self.assertEqual(self.product.qty_available, 7)
        [returned] = self.returns_of(self.sale)
        self.assertEqual(returned.move_ids.quantity, 2)
        self.assertEqual(self.delivery.ongoing_order_id.line_ids.returned_booked_qty, 2)
        self.assertEqual(self.sale.order_line.qty_delivered, 3)
        self.assert_all_events("done")
        self.assertIn("Nothing new", self.events()[0].state_message)

    def test_stale_return_order_webhooks_book_once(self):
        returned = self.create_odoo_return(self.delivery, 2)
        self.run_jobs()
        self.simulator.receive_return_order(returned.name, {"1": 1})
        older = self.return_order_webhook("return-order-400", returned)
        self.simulator.receive_return_order(returned.name)
        newer = self.return_order_webhook("return-order-500", returned)
        self.simulator.webhooks.take_outbox()
        self.assertEqual(older["returnOrderStatus"]["number"], 400)
        self.assertEqual(newer["returnOrderStatus"]["number"], 500)

        # Each webhook is handled before the next arrives, so each new event reads Ongoing again
        # instead of sharing one queued job with the others.
        for payload in (newer, newer, older):
            self.post_webhooks([payload])

        self.assertEqual(self.returns_of(self.sale), returned)
        self.assertEqual(returned.state, "done")
        self.assertEqual(returned.move_ids.quantity, 2)
        self.assertEqual(self.delivery.ongoing_order_id.line_ids.returned_booked_qty, 2)
        self.assertEqual(returned.ongoing_order_id.line_ids.booked_qty, 2)
        self.assertEqual(self.sale.order_line.qty_delivered, 3)
        self.assertEqual(self.product.qty_available, 7)
        self.assertEqual(len(self.events()), 2)
        self.assertEqual(set(self.events().mapped("kind")), {"return"})
        self.assert_all_events("done")


class TestInventoryEvents(EventCase):
    def setUp(self):
        super().setUp()
        self.backend.action_create_mirror_locations()
        self.product = self.make_product("EVT-4", name="Pläd Tuna")
        self.run_jobs()
        self.put_in_stock(self.product, 20)
        self.simulator.webhooks.take_outbox()

    def adjustments(self):
        return self.env["ongoing.inventory.adjustment"].search(
            [("backend_id", "=", self.backend.id)]
        )

    def test_reordered_adjustment_webhooks_book_once(self):
        self.simulator.adjust("EVT-4", -2, cause="DAMAGED")
        self.simulator.adjust("EVT-4", 5, comment="Hittade vid inventering")
        held = self.held_webhooks()

        self.post_webhooks(list(reversed(held)) * 2)

        self.assertEqual(self.product.qty_available, 23)
        self.assertEqual(sorted(self.adjustments().mapped("quantity")), [-2.0, 5.0])
        self.assert_all_events("done")

    def test_webhook_after_polling_books_nothing(self):
        self.simulator.adjust("EVT-4", -2, cause="DAMAGED")
        self.simulator.adjust("EVT-4", 5, comment="Hittade vid inventering")
        late = self.held_webhooks()
        self.poll()
        self.assertEqual(self.product.qty_available, 23)

        self.post_webhooks(late)

        self.assertEqual(self.product.qty_available, 23)
        adjustments = self.adjustments()
        self.assertEqual(sorted(adjustments.mapped("quantity")), [-2.0, 5.0])
        self.assertEqual(set(adjustments.mapped("state")), {"booked"})
        self.assertEqual(len(adjustments.move_id), 2)
        self.assert_all_events("done")
        self.assertIn("0 adjustment(s) booked", self.events()[0].state_message)
