import json

from .common import SimulatedWarehouseHttpCase


class TestOutboundWebhooks(SimulatedWarehouseHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.make_customer(cls)
        cls.url = f"/ongoing/webhook/{cls.backend.id}"

    def setUp(self):
        super().setUp()
        self.product = self.make_product("FIL-20", name="Filt Rörstrand")
        self.run_jobs()
        self.put_in_stock(self.product, 20)
        self.sale = self.sell(self.customer, [(self.product, 10)])
        self.run_jobs()
        self.picking = self.sale.picking_ids
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
        return response

    def test_duplicated_and_reordered_webhooks_book_once(self):
        self.simulator.start_picking(self.picking.name)
        started = self.simulator.webhooks.take_outbox()
        self.simulator.pick(self.picking.name, {"1": 8})
        picked = self.simulator.webhooks.take_outbox()
        self.assertTrue(picked)

        # The newest events first, each three times, then the older status events.
        for payload in list(reversed(picked)) * 3 + started:
            self.deliver_webhook(payload)
        self.run_jobs()

        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.picking.move_ids.quantity, 8)
        self.assertEqual(self.picking.ongoing_order_id.line_ids.booked_qty, 8)
        self.assertEqual(self.product.qty_available, 12)
        events = self.env["ongoing.webhook.event"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual(len(events), len(picked) + len(started))
        self.assertEqual(set(events.mapped("state")), {"done"})

    def test_missed_webhook_caught_by_polling(self):
        self.simulator.pick(self.picking.name, {"1": 10})
        self.simulator.webhooks.take_outbox()
        self.poll()
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.sale.order_line.qty_delivered, 10)

    def test_webhook_for_unknown_order_stored_and_marked(self):
        self.deliver_webhook(
            {
                "webhookEventId": "unknown-1",
                "orderId": 424242,
                "orderNumber": "NOT-IN-ODOO",
                "goodsOwnerId": 159,
                "orderStatus": {"number": 400},
            }
        )
        self.run_jobs()
        event = self.env["ongoing.webhook.event"].search([("event_id", "=", "unknown-1")])
        self.assertIn(event.state, ("failed", "ignored"))
        self.assertTrue(event.state_message)
        self.assertEqual(self.picking.state, "assigned")
