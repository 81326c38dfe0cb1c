import json

from odoo.exceptions import UserError

from ..clients.ongoing_documents import Order
from .common import SimulatedWarehouseCase, shared_path, skip_without_shared


class TestArticleExport(SimulatedWarehouseCase):
    def test_product_becomes_article(self):
        product = self.make_product(
            "KUD-100", name="Kudde Åre, blå – 50×50 cm", weight=0.8, barcode="7350000000017"
        )
        self.run_jobs()

        article = self.simulator.article_state("KUD-100")
        self.assertEqual(article["articleName"], "Kudde Åre, blå – 50×50 cm")
        self.assertEqual(article["barCodeInfo"]["barCode"], "7350000000017")
        self.assertEqual(article["weight"], 0.8)
        self.assertEqual(product.ongoing_sync_state, "synced")
        self.assertEqual(product.ongoing_article_ids.article_system_id, article["articleSystemId"])

    def test_swedish_long_description_round_trips(self):
        description = "Handvävd pläd i ull från Östergötland. " * 40
        self.make_product("PLD-200", name="Pläd Ängsö", description=description.strip())
        self.run_jobs()
        article = self.simulator.article_state("PLD-200")
        self.assertEqual(article["articleName"], "Pläd Ängsö")
        self.assertEqual(article["description"], description.strip())

    def test_product_without_reference_fails_visibly(self):
        product = self.make_product(False, name="Namnlös produkt")
        self.run_jobs()
        self.assertEqual(product.ongoing_sync_state, "failed")
        self.assertIn("no internal reference", product.ongoing_sync_error)
        self.assertEqual(product.product_tmpl_id.ongoing_sync_state, "failed")
        self.assertIn(
            "no internal reference",
            product.product_tmpl_id.message_ids[:1].body,
        )

        product.default_code = "NMN-1"
        self.run_jobs()
        self.assertEqual(product.ongoing_sync_state, "synced")
        self.assertTrue(self.simulator.article_state("NMN-1"))

    def test_two_quick_changes_queue_one_job(self):
        product = self.make_product("DUK-300")
        product.name = "Duk Ystad"
        product.weight = 1.2
        jobs = self.env["queue.job"].search(
            [("model_name", "=", "ongoing.article"), ("state", "=", "pending")]
        )
        self.assertEqual(len(jobs), 1)
        self.run_jobs()
        self.assertEqual(self.simulator.article_state("DUK-300")["articleName"], "Duk Ystad")

    def test_unchanged_article_not_sent_again(self):
        product = self.make_product("LAK-400")
        self.run_jobs()
        self.simulator.clear_requests()
        product.write({"weight": product.weight})
        self.run_jobs()
        self.assertFalse(self.simulator.requests_to("PUT", "/demo/api/v1/articles"))

    def test_consumable_not_sent(self):
        self.env["product.product"].create(
            {"name": "Presentpapper", "default_code": "PP-1", "type": "consu", "is_storable": False}
        )
        self.run_jobs()
        self.assertIsNone(self.simulator.article_state("PP-1"))


class TestOutboundOrders(SimulatedWarehouseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.make_customer(cls)

    def setUp(self):
        super().setUp()
        self.product = self.make_product("HAN-10", name="Handduk Visby", cost=100.0)
        self.run_jobs()
        self.put_in_stock(self.product, 20)

    def deliver(self, quantity=10):
        order = self.sell(self.customer, [(self.product, quantity)])
        self.run_jobs()
        return order, order.picking_ids

    def test_delivery_sent_as_order(self):
        _sale, picking = self.deliver()
        remote = self.simulator.order_state(picking.name)
        self.assertIsNotNone(remote)
        self.assertEqual(picking.ongoing_sync_state, "synced")
        self.assertEqual(picking.ongoing_order_id.remote_id, remote["orderInfo"]["orderId"])
        self.assertEqual(remote["consignee"]["name"], "Kund Åsa Öberg")
        self.assertEqual(remote["consignee"]["city"], "Göteborg")
        self.assertEqual(remote["consignee"]["countryCode"], "SE")
        [line] = remote["orderLines"]
        self.assertEqual(line["rowNumber"], "1")
        self.assertEqual(line["orderedNumberOfItems"], 10)
        self.assertEqual(line["article"]["articleNumber"], "HAN-10")

    def test_partial_pick_creates_backorder(self):
        sale, picking = self.deliver(10)
        binding = picking.ongoing_order_id

        self.simulator.pick(picking.name, {"1": 8})
        self.poll()

        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.move_ids.quantity, 8)
        backorder = sale.picking_ids - picking
        self.assertEqual(len(backorder), 1)
        self.assertEqual(backorder.move_ids.product_uom_qty, 2)
        self.assertEqual(backorder.ongoing_order_id, binding)
        self.assertEqual(binding.line_ids.booked_qty, 8)
        self.assertEqual(len(self.simulator.state()["159"]["orders"]), 1)
        remote_line = self.simulator.order_state(picking.name)["orderLines"][0]
        self.assertEqual(remote_line["reportedNumberOfItems"], 8)

        self.simulator.pick(picking.name, {"1": 2})
        self.poll()

        self.assertEqual(backorder.state, "done")
        self.assertEqual(sale.order_line.qty_delivered, 10)
        self.assertEqual(binding.line_ids.booked_qty, 10)
        self.assertEqual(len(sale.picking_ids), 2)
        self.assertEqual(len(self.simulator.state()["159"]["orders"]), 1)
        self.assertEqual(
            self.simulator.order_state(picking.name)["orderLines"][0]["reportedNumberOfItems"], 10
        )

    def test_partial_pick_books_cost_of_goods(self):
        sale, picking = self.deliver(10)
        self.simulator.pick(picking.name, {"1": 8})
        self.poll()
        self.simulator.pick(picking.name, {"1": 2})
        self.poll()

        moves = sale.picking_ids.move_ids.account_move_ids
        self.assertEqual(len(moves), 2)
        lines = moves.line_ids
        stock_lines = lines.filtered(lambda line: line.account_id.code == "1410")
        change_lines = lines.filtered(lambda line: line.account_id.code == "4960")
        self.assertAlmostEqual(sum(stock_lines.mapped("credit")), 1000.0, places=2)
        self.assertAlmostEqual(sum(change_lines.mapped("debit")), 1000.0, places=2)
        self.assertEqual(sorted(stock_lines.mapped("credit")), [200.0, 800.0])

    def test_poll_twice_books_once(self):
        _sale, picking = self.deliver(10)
        self.simulator.pick(picking.name, {"1": 10})
        self.poll()
        self.poll()
        self.backend._ongoing_schedule_sync(
            "outbound", remote_id=picking.ongoing_order_id.remote_id
        )
        self.run_jobs()
        self.assertEqual(picking.ongoing_order_id.line_ids.booked_qty, 10)
        self.assertEqual(picking.move_ids.quantity, 10)
        self.assertEqual(self.product.qty_available, 10)

    def test_shipment_stores_tracking(self):
        _sale, picking = self.deliver(10)
        self.simulator.pick(picking.name, {"1": 10})
        self.poll()
        self.simulator.ship(picking.name, way_bill="WB123", tracking_numbers=["00370000000000001"])
        self.poll()
        self.assertEqual(picking.ongoing_order_id.way_bill, "WB123")
        self.assertEqual(picking.carrier_tracking_ref, "00370000000000001")

    def test_cancel_before_picking_cancels_both(self):
        _sale, picking = self.deliver(10)
        picking.action_cancel()
        self.assertEqual(picking.state, "cancel")
        self.assertEqual(
            self.simulator.order_state(picking.name)["orderInfo"]["orderStatus"]["number"], 1000
        )

    def test_cancel_after_picking_started_refused(self):
        _sale, picking = self.deliver(10)
        self.simulator.start_picking(picking.name)
        with self.assertRaisesRegex(UserError, "did not cancel") as refusal:
            picking.action_cancel()
        self.assertIn("the warehouse has started working on it", str(refusal.exception))
        self.assertNotEqual(picking.state, "cancel")
        document = self.simulator.order_state(picking.name)
        self.assertEqual(document["orderInfo"]["orderStatus"]["number"], 320)

    def test_manager_forces_cancel_with_activity(self):
        _sale, picking = self.deliver(10)
        self.simulator.start_picking(picking.name)
        picking.action_ongoing_force_cancel()
        self.assertEqual(picking.state, "cancel")
        self.assertIn("Ongoing WMS", picking.activity_ids.summary)

    def test_cancel_when_unreachable_refused(self):
        _sale, picking = self.deliver(10)
        self.simulator.inject("status", status=500, body={"Message": "An error has occurred."})
        with self.assertRaisesRegex(UserError, "did not cancel") as refusal:
            picking.action_cancel()
        self.assertIn("HTTP 500", str(refusal.exception))
        self.assertNotEqual(picking.state, "cancel")

    def test_change_before_picking_sent_again(self):
        sale, picking = self.deliver(10)
        sale.order_line.product_uom_qty = 12
        self.run_jobs()
        remote = self.simulator.order_state(picking.name)
        self.assertEqual(remote["orderLines"][0]["orderedNumberOfItems"], 12)

    def test_manual_validation_asks_confirmation(self):
        _sale, picking = self.deliver(10)
        action = picking.button_validate()
        self.assertEqual(action["res_model"], "ongoing.manual.validation")
        self.assertNotEqual(picking.state, "done")

        wizard = self.env["ongoing.manual.validation"].with_context(action["context"]).create({})
        picking.move_ids.quantity = 10
        wizard.action_confirm()
        self.assertEqual(picking.state, "done")
        self.assertTrue(
            any("Validated by hand" in body for body in picking.message_ids.mapped("body"))
        )

        self.simulator.pick(picking.name, {"1": 10})
        self.poll()
        self.assertEqual(self.product.qty_available, 10)

    def test_outage_converges_without_duplicates(self):
        self.simulator.inject(
            "status",
            status=500,
            times=2,
            method="PUT",
            path="/demo/api/v1/orders",
            body={"Message": "An error has occurred."},
        )
        self.simulator.inject(
            "status",
            status=429,
            times=4,
            method="PUT",
            path="/demo/api/v1/orders",
            headers={"Retry-After": "0"},
            body={"Message": "Too many requests"},
        )
        _sale, picking = self.deliver(10)
        binding = picking.ongoing_order_id
        self.assertEqual(binding.sync_state, "failed")
        self.assertTrue(binding.sync_retryable)
        self.assertIn("HTTP 500", binding.sync_error)
        self.assertTrue(binding.sync_next_attempt)

        for _attempt in range(4):
            self.run_jobs(include_delayed=True)
        self.assertEqual(binding.sync_state, "synced")
        self.assertFalse(binding.sync_error)
        self.assertEqual(len(self.simulator.state()["159"]["orders"]), 1)
        puts = self.simulator.requests_to("PUT", "/demo/api/v1/orders")
        self.assertEqual([put.status for put in puts], [500, 500, 429, 429, 429, 429, 200])


class TestOngoingExampleOrder(SimulatedWarehouseCase):
    def test_example_order_books_serials(self):
        skip_without_shared("ongoing-examples", "order", "get.response.json")
        example = json.loads(
            shared_path("ongoing-examples", "order", "get.response.json").read_text("utf-8")
        )
        product = self.make_product("1009", name="Serienummerlampa", tracking="serial")
        self.run_jobs()
        for serial in ("SSN1", "SSN2"):
            self.put_in_stock(product, 1, lot_name=serial)
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "partner_id": self.make_customer().id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": 2,
                            "product_uom": product.uom_id.id,
                            "location_id": self.warehouse.lot_stock_id.id,
                            "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                        },
                    )
                ],
            }
        )
        binding = self.env["ongoing.order"].create(
            {"backend_id": self.backend.id, "order_type": "outbound", "name": "O1231234"}
        )
        picking.ongoing_order_id = binding
        picking.action_confirm()
        binding._ongoing_assign_rows(picking.move_ids)

        summary = binding._ongoing_apply_outbound(Order.from_json(example))

        self.assertIn("Booked 1 line", summary)
        self.assertEqual(picking.state, "done")
        self.assertEqual(sorted(picking.move_line_ids.lot_id.mapped("name")), ["SSN1", "SSN2"])
        self.assertEqual(binding.remote_status, 500)
        self.assertEqual(binding.remote_status_text, "Hämtad")
        self.assertEqual(binding.way_bill, "UA65456546")
        self.assertEqual(binding.line_ids.booked_qty, 2)


class TestOutboundSerials(SimulatedWarehouseCase):
    def test_picked_serials_booked(self):
        product = self.make_product("SER-1", name="Serienummerlampa", tracking="serial")
        self.run_jobs()
        for serial in ("SSN1", "SSN2", "SSN3"):
            self.put_in_stock(product, 1, lot_name=serial)
        sale = self.sell(self.make_customer(), [(product, 2)])
        self.run_jobs()
        picking = sale.picking_ids

        self.simulator.pick(
            picking.name,
            {"1": [{"quantity": 1, "serial": "SSN2"}, {"quantity": 1, "serial": "SSN1"}]},
        )
        self.poll()

        self.assertEqual(picking.state, "done")
        self.assertEqual(sorted(picking.move_line_ids.lot_id.mapped("name")), ["SSN1", "SSN2"])
        remaining = self.env["stock.quant"].search(
            [("product_id", "=", product.id), ("location_id", "=", self.warehouse.lot_stock_id.id)]
        )
        self.assertEqual(remaining.filtered(lambda q: q.quantity > 0).lot_id.name, "SSN3")


class TestArticleBulkExport(SimulatedWarehouseCase):
    def test_send_all_articles_in_batches(self):
        products = (
            self.env["product.product"]
            .with_context(ongoing_no_article_sync=True)
            .create(
                [
                    {
                        "name": f"Artikel {number}",
                        "default_code": f"BULK-{number}",
                        "is_storable": True,
                    }
                    for number in range(25)
                ]
            )
        )
        self.assertFalse(products.ongoing_article_ids)

        bindings = self.env["ongoing.article"]._ongoing_export_all(self.backend, batch_size=10)
        jobs = self.env["queue.job"].search(
            [("model_name", "=", "ongoing.article"), ("state", "=", "pending")]
        )
        self.assertEqual(len(jobs), 3)
        self.run_jobs()

        self.assertEqual(set(bindings.mapped("sync_state")), {"synced"})
        numbers = {
            article["articleNumber"] for article in self.simulator.state()["159"]["articles"]
        }
        self.assertTrue({f"BULK-{number}" for number in range(25)} <= numbers)
