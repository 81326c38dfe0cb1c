import json
from unittest.mock import patch

from odoo.exceptions import UserError, ValidationError

from .common import SimulatedWarehouseCase, SimulatedWarehouseHttpCase


class ReturnsMixin:
    """A customer with a delivery of 5 units that Ongoing picked and shipped."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.make_customer(cls)
        cls.backend.action_create_mirror_locations()
        cls.stock = cls.warehouse.lot_stock_id
        cls.quarantine = cls.backend.quarantine_location_id

    def deliver(self, product, quantity, pick_lines=None):
        """Sell ``quantity`` of ``product``, let Ongoing pick and ship it; return sale, delivery."""
        sale = self.sell(self.customer, [(product, quantity)])
        self.run_jobs()
        delivery = sale.picking_ids
        self.simulator.pick(delivery.name, pick_lines or {"1": quantity})
        self.simulator.ship(delivery.name, way_bill="00370712345678901")
        self.poll()
        self.assertEqual(delivery.state, "done")
        return sale, delivery

    def create_odoo_return(self, delivery, quantity, cause_code=None):
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = quantity
        if cause_code:
            wizard.ongoing_return_cause_id = self.cause(cause_code)
        action = wizard.action_create_returns()
        return self.env["stock.picking"].browse(action["res_id"])

    def cause(self, code):
        if not self.backend.return_cause_ids:
            self.backend.action_ongoing_fetch_return_causes()
        return self.backend.return_cause_ids.filtered(lambda cause: cause.code == code)

    def returns_of(self, sale):
        return sale.picking_ids.filtered(lambda picking: picking.picking_type_code == "incoming")

    def quantity_in(self, product, location, lot=None):
        return self.env["stock.quant"]._get_available_quantity(
            product, location, lot_id=lot, strict=True
        )

    def remote_line(self, delivery, row="1"):
        order = self.simulator.order_state(delivery.name)
        return next(line for line in order["orderLines"] if line["rowNumber"] == row)


class TestOdooReturns(ReturnsMixin, SimulatedWarehouseCase):
    def setUp(self):
        super().setUp()
        self.product = self.make_product("RET-10", name="Kudde Åre")
        self.run_jobs()
        self.put_in_stock(self.product, 20)
        self.sale, self.delivery = self.deliver(self.product, 5)

    def test_odoo_return_sent_as_return_order(self):
        returned = self.create_odoo_return(self.delivery, 2, cause_code="REGRET")
        self.run_jobs()

        binding = returned.ongoing_order_id
        self.assertEqual(binding.order_type, "return")
        self.assertEqual(binding.origin_order_id, self.delivery.ongoing_order_id)
        self.assertEqual(binding.sync_state, "synced")
        remote = self.simulator.return_order_state(returned.name)
        self.assertEqual(remote["returnOrderInfo"]["returnOrderId"], binding.remote_id)
        self.assertEqual(
            remote["customerOrderInfo"]["orderId"], self.delivery.ongoing_order_id.remote_id
        )
        [line] = remote["returnOrderLines"]
        original_line = self.remote_line(self.delivery)
        self.assertEqual(line["customerOrderLine"]["orderLineId"], original_line["id"])
        self.assertEqual(line["customerOrderLine"]["customerOrderRowNumber"], "1")
        self.assertEqual(line["toBeReturnedNumberOfItems"], 2)
        self.assertEqual(line["returnCause"]["code"], "REGRET")
        self.assertEqual(returned.state, "assigned")

    def test_received_return_order_books_odoo_return(self):
        returned = self.create_odoo_return(self.delivery, 2, cause_code="REGRET")
        self.run_jobs()
        self.assertEqual(self.sale.order_line.qty_delivered, 5)
        self.assertEqual(self.product.qty_available, 15)

        self.simulator.receive_return_order(returned.name)
        self.poll()

        self.assertEqual(returned.state, "done")
        self.assertEqual(returned.move_ids.quantity, 2)
        self.assertEqual(self.returns_of(self.sale), returned)
        self.assertEqual(self.product.qty_available, 17)
        self.assertEqual(self.quantity_in(self.product, self.stock), 17)
        self.assertEqual(self.sale.order_line.qty_delivered, 3)
        original = self.delivery.ongoing_order_id.line_ids
        self.assertEqual(original.returned_booked_qty, 2)
        self.assertEqual(returned.ongoing_order_id.line_ids.booked_qty, 2)
        self.assertEqual(self.remote_line(self.delivery)["reportedReturnedNumberOfItems"], 2)
        self.assertEqual(returned.ongoing_order_id.remote_status_text, "Returned")

    def test_partly_received_return_order_leaves_backorder(self):
        returned = self.create_odoo_return(self.delivery, 2)
        self.run_jobs()

        self.simulator.receive_return_order(returned.name, {"1": 1})
        self.poll()

        self.assertEqual(returned.state, "done")
        self.assertEqual(returned.move_ids.quantity, 1)
        backorder = self.returns_of(self.sale) - returned
        self.assertEqual(backorder.state, "assigned")
        self.assertEqual(backorder.ongoing_order_id, returned.ongoing_order_id)
        self.assertEqual(self.sale.order_line.qty_delivered, 4)

        self.simulator.receive_return_order(returned.name)
        self.poll()

        self.assertEqual(backorder.state, "done")
        self.assertEqual(self.returns_of(self.sale), returned | backorder)
        self.assertEqual(self.sale.order_line.qty_delivered, 3)

    def test_return_with_damaged_cause_goes_to_quarantine(self):
        returned = self.create_odoo_return(self.delivery, 1, cause_code="DAMAGED")
        self.assertEqual(returned.location_dest_id, self.quarantine)
        self.run_jobs()
        line = self.simulator.return_order_state(returned.name)["returnOrderLines"][0]
        self.assertEqual(line["returnCause"]["code"], "DAMAGED")

        self.simulator.receive_return_order(returned.name)
        self.poll()

        self.assertEqual(returned.state, "done")
        self.assertEqual(returned.move_ids.location_dest_id, self.quarantine)
        # Ongoing writes the damaged item off at once; Odoo books it from the quarantine.
        self.assertEqual(self.quantity_in(self.product, self.quarantine), 0)
        self.assertEqual(self.quantity_in(self.product, self.stock), 15)

    def test_unannounced_return_beside_odoo_return_books_separately(self):
        returned = self.create_odoo_return(self.delivery, 2)
        self.run_jobs()

        self.simulator.register_return(self.delivery.name, {"1": 1}, cause="REGRET")
        self.poll()

        self.assertEqual(returned.state, "assigned")
        [unannounced] = self.returns_of(self.sale) - returned
        self.assertEqual(unannounced.state, "done")
        self.assertEqual(unannounced.move_ids.quantity, 1)

        self.simulator.receive_return_order(returned.name)
        self.poll()

        self.assertEqual(returned.state, "done")
        self.assertEqual(returned.move_ids.quantity, 2)
        self.assertEqual(len(self.returns_of(self.sale)), 2)
        self.assertEqual(self.sale.order_line.qty_delivered, 2)

    def test_return_validated_by_hand_not_booked_again(self):
        returned = self.create_odoo_return(self.delivery, 2)
        self.run_jobs()
        returned.move_ids.quantity = 2
        returned.move_ids.picked = True
        self.env["ongoing.manual.validation"].create(
            {"picking_ids": [(6, 0, returned.ids)]}
        ).action_confirm()
        self.assertEqual(returned.state, "done")

        self.simulator.receive_return_order(returned.name)
        self.poll()

        self.assertEqual(self.returns_of(self.sale), returned)
        self.assertEqual(self.product.qty_available, 17)
        self.assertEqual(self.sale.order_line.qty_delivered, 3)
        self.assertEqual(self.remote_line(self.delivery)["reportedReturnedNumberOfItems"], 2)

    def test_return_of_unsent_product_fails_visibly(self):
        returned = self.create_odoo_return(self.delivery, 1)
        other = self.make_product("RET-99", name="Pläd Öland")
        self.run_jobs()
        self.env["stock.move"].create(
            {
                "name": other.name,
                "product_id": other.id,
                "product_uom_qty": 1,
                "product_uom": other.uom_id.id,
                "picking_id": returned.id,
                "location_id": returned.location_id.id,
                "location_dest_id": returned.location_dest_id.id,
            }
        )
        returned.action_confirm()
        returned.action_ongoing_send()
        self.run_jobs()

        binding = returned.ongoing_order_id
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("was not delivered with Ongoing order", binding.sync_error)
        self.assertIn("RET-99", binding.sync_error)

    def test_return_order_event_books_the_return(self):
        returned = self.create_odoo_return(self.delivery, 2)
        self.run_jobs()
        self.simulator.receive_return_order(returned.name)

        binding = returned.ongoing_order_id
        self.backend._ongoing_schedule_sync("return", binding.remote_id, binding.name)
        self.run_jobs()

        self.assertEqual(returned.state, "done")
        self.assertEqual(self.sale.order_line.qty_delivered, 3)


class TestUnannouncedReturns(ReturnsMixin, SimulatedWarehouseCase):
    def setUp(self):
        super().setUp()
        self.product = self.make_product("RET-20", name="Handduk Visby")
        self.run_jobs()
        self.put_in_stock(self.product, 20)
        self.sale, self.delivery = self.deliver(self.product, 5)

    def test_damaged_return_booked_into_quarantine(self):
        self.simulator.register_return(self.delivery.name, {"1": 1}, cause="DAMAGED")
        self.poll()

        [returned] = self.returns_of(self.sale)
        self.assertEqual(returned.state, "done")
        self.assertEqual(returned.return_id, self.delivery)
        self.assertEqual(returned.location_dest_id, self.quarantine)
        self.assertEqual(returned.move_ids.quantity, 1)
        self.assertTrue(returned.move_ids.to_refund)
        self.assertEqual(returned.ongoing_return_cause_id.code, "DAMAGED")
        self.assertEqual(returned.ongoing_order_id, self.delivery.ongoing_order_id)
        # Ongoing removes goods returned as DAMAGED from its stock at once; Odoo books
        # that write-off from the quarantine the return went to, as Ongoing reports it.
        write_off = self.env["ongoing.inventory.adjustment"].search([("cause", "=", "DAMAGED")])
        self.assertEqual(write_off.state, "booked")
        self.assertEqual(write_off.move_id.location_id, self.quarantine)
        self.assertEqual(self.quantity_in(self.product, self.quarantine), 0)
        self.assertEqual(self.quantity_in(self.product, self.stock), 15)
        self.assertEqual(self.sale.order_line.qty_delivered, 4)
        self.assertFalse(self.delivery.ongoing_order_id.import_error)
        self.assertEqual(self.remote_line(self.delivery)["reportedReturnedNumberOfItems"], 1)

    def test_return_allows_credit_note(self):
        self.product.invoice_policy = "delivery"
        invoice = self.sale._create_invoices()
        invoice.action_post()
        self.simulator.register_return(self.delivery.name, {"1": 2}, cause="REGRET")
        self.poll()

        self.assertEqual(self.sale.order_line.qty_to_invoice, -2)
        credit_note = self.sale._create_invoices(final=True)
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.invoice_line_ids.quantity, 2)
        self.assertEqual(credit_note.invoice_line_ids.product_id, self.product)

    def test_second_poll_books_nothing_more(self):
        self.simulator.register_return(self.delivery.name, {"1": 1}, cause="DAMAGED")
        self.poll()
        self.simulator.clear_requests()

        self.poll()
        self.delivery.ongoing_order_id.action_ongoing_refresh()
        self.run_jobs()

        self.assertEqual(len(self.returns_of(self.sale)), 1)
        # The return and Ongoing's write-off of the damaged item, each booked once.
        self.assertEqual(self.quantity_in(self.product, self.quarantine), 0)
        self.assertEqual(self.quantity_in(self.product, self.stock), 15)
        self.assertEqual(len(self.env["ongoing.inventory.adjustment"].search([])), 1)
        self.assertEqual(self.sale.order_line.qty_delivered, 4)
        self.assertEqual(self.delivery.ongoing_order_id.line_ids.returned_booked_qty, 1)
        self.assertFalse(self.simulator.requests_to("PATCH"))

    def test_lost_acknowledgement_books_nothing_twice(self):
        self.simulator.register_return(self.delivery.name, {"1": 1}, cause="REGRET")
        self.simulator.inject("status", status=503, method="PATCH", times=None)
        self.poll()
        self.assertEqual(self.delivery.ongoing_order_id.line_ids.returned_booked_qty, 1)
        self.assertFalse(self.remote_line(self.delivery)["reportedReturnedNumberOfItems"])

        self.simulator.clear_faults()
        self.poll()
        self.run_jobs(include_delayed=True)

        self.assertEqual(len(self.returns_of(self.sale)), 1)
        self.assertEqual(self.sale.order_line.qty_delivered, 4)
        self.assertEqual(self.remote_line(self.delivery)["reportedReturnedNumberOfItems"], 1)

    def test_booking_failing_half_way_leaves_nothing(self):
        self.simulator.register_return(self.delivery.name, {"1": 1}, cause="REGRET")
        order_model = type(self.env["ongoing.order"])
        validate = order_model._ongoing_validate

        def validate_deliveries_only(order, picking):
            if picking.picking_type_code == "incoming":
                raise UserError("Validation failed half way.")
            return validate(order, picking)

        with patch.object(order_model, "_ongoing_validate", validate_deliveries_only):
            self.poll()

        binding = self.delivery.ongoing_order_id
        self.assertFalse(self.returns_of(self.sale))
        self.assertEqual(binding.line_ids.returned_booked_qty, 0)
        self.assertIn("Validation failed half way.", binding.import_error)

        self.poll()

        self.assertEqual(len(self.returns_of(self.sale)), 1)
        self.assertEqual(binding.line_ids.returned_booked_qty, 1)
        self.assertFalse(binding.import_error)

    def test_sellable_return_booked_into_returns_location(self):
        shelf = self.env["stock.location"].create(
            {"name": "Returns shelf", "location_id": self.stock.id, "usage": "internal"}
        )
        self.backend.return_location_id = shelf

        self.simulator.register_return(self.delivery.name, {"1": 2}, cause="REGRET")
        self.poll()

        [returned] = self.returns_of(self.sale)
        self.assertEqual(returned.location_dest_id, shelf)
        self.assertEqual(self.quantity_in(self.product, shelf), 2)
        self.assertEqual(self.sale.order_line.qty_delivered, 3)

    def test_returns_with_two_causes_book_two_returns(self):
        self.simulator.register_return(self.delivery.name, {"1": 1}, cause="DAMAGED")
        self.simulator.register_return(self.delivery.name, {"1": 2}, cause="REGRET")
        self.poll()

        returns = self.returns_of(self.sale)
        self.assertEqual(len(returns), 2)
        self.assertEqual(
            sorted(
                returns.mapped(
                    lambda picking: (picking.location_dest_id.id, picking.move_ids.quantity)
                )
            ),
            sorted([(self.quarantine.id, 1.0), (self.stock.id, 2.0)]),
        )
        self.assertEqual(self.sale.order_line.qty_delivered, 2)

    def test_damaged_flag_set_by_user_decides_location(self):
        self.cause("DAMAGED").damaged = False
        self.backend.action_ongoing_fetch_return_causes()
        self.assertFalse(self.cause("DAMAGED").damaged)

        self.simulator.register_return(self.delivery.name, {"1": 1}, cause="DAMAGED")
        self.poll()

        [returned] = self.returns_of(self.sale)
        self.assertEqual(returned.location_dest_id, self.stock)

    def test_damaged_return_without_quarantine_waits(self):
        self.backend.quarantine_location_id = False
        self.simulator.register_return(self.delivery.name, {"1": 1}, cause="DAMAGED")
        self.poll()

        binding = self.delivery.ongoing_order_id
        self.assertFalse(self.returns_of(self.sale))
        self.assertIn("has no quarantine location", binding.import_error)
        self.assertEqual(binding.line_ids.returned_booked_qty, 0)
        self.assertFalse(self.remote_line(self.delivery)["reportedReturnedNumberOfItems"])

        self.backend.quarantine_location_id = self.quarantine
        self.poll()

        [returned] = self.returns_of(self.sale)
        self.assertEqual(returned.location_dest_id, self.quarantine)
        self.assertFalse(binding.import_error)

    def test_more_returned_than_delivered_reported(self):
        binding = self.delivery.ongoing_order_id
        self.simulator.register_return(self.delivery.name, {"1": 5}, cause="REGRET")
        # Odoo returned 4 by hand before the warehouse registered anything.
        wizard = (
            self.env["stock.return.picking"]
            .with_context(
                active_id=self.delivery.id, active_model="stock.picking", ongoing_booking=True
            )
            .create({})
        )
        wizard.product_return_moves.quantity = 4
        wizard._create_return()
        self.poll()

        self.assertIn("only 1.0 delivered and not returned yet", binding.import_error)
        self.assertEqual(binding.line_ids.returned_booked_qty, 0)


class TestReturnCauses(ReturnsMixin, SimulatedWarehouseCase):
    def test_fetch_creates_causes_with_damaged_default(self):
        self.backend.action_ongoing_fetch_return_causes()

        causes = self.backend.return_cause_ids
        self.assertEqual(sorted(causes.mapped("code")), ["DAMAGED", "REGRET", "WRONG_ITEM"])
        damaged = causes.filtered(lambda cause: cause.code == "DAMAGED")
        self.assertTrue(damaged.remove_in_ongoing)
        self.assertTrue(damaged.damaged)
        self.assertFalse(causes.filtered(lambda cause: cause.code == "REGRET").damaged)

    def test_cause_gone_from_ongoing_archived(self):
        self.backend.action_ongoing_fetch_return_causes()
        self.env["ongoing.return.cause"].create(
            {"backend_id": self.backend.id, "code": "OLD", "name": "Old cause"}
        )
        self.backend.action_ongoing_fetch_return_causes()
        old = self.backend.return_cause_ids.filtered(lambda cause: cause.code == "OLD")
        self.assertFalse(old.active)

    def test_fetch_failure_shown_to_user(self):
        self.simulator.inject(
            "status",
            status=400,
            body={"Message": "Goods owner not allowed."},
            path="/demo/api/v1/returnOrders/returnCauses",
        )
        with self.assertRaisesRegex(UserError, "Reading the return causes.*not allowed"):
            self.backend.action_ongoing_fetch_return_causes()

    def test_returns_location_outside_stock_rejected(self):
        with self.assertRaisesRegex(ValidationError, "must be .* inside it"):
            self.backend.return_location_id = self.quarantine


class TestSerialReturns(ReturnsMixin, SimulatedWarehouseCase):
    def setUp(self):
        super().setUp()
        self.product = self.make_product("RET-SN", name="Symaskin Husqvarna", tracking="serial")
        self.run_jobs()
        for serial in ("SN-001", "SN-002", "SN-003"):
            self.put_in_stock(self.product, 1, lot_name=serial)
        self.sale, self.delivery = self.deliver(
            self.product,
            3,
            {"1": [{"serial": "SN-001"}, {"serial": "SN-002"}, {"serial": "SN-003"}]},
        )

    def lot(self, name):
        return self.env["stock.lot"].search(
            [("product_id", "=", self.product.id), ("name", "=", name)]
        )

    def test_unannounced_return_books_returned_serial(self):
        self.simulator.register_return(
            self.delivery.name, {"1": [{"serial": "SN-002"}]}, cause="REGRET"
        )
        self.poll()

        [returned] = self.returns_of(self.sale)
        self.assertEqual(returned.state, "done")
        self.assertEqual(returned.move_line_ids.lot_id, self.lot("SN-002"))
        self.assertEqual(self.quantity_in(self.product, self.stock, self.lot("SN-002")), 1)
        self.assertEqual(self.quantity_in(self.product, self.stock, self.lot("SN-001")), 0)
        self.assertEqual(self.sale.order_line.qty_delivered, 2)

    def test_odoo_return_books_serial_the_warehouse_received(self):
        returned = self.create_odoo_return(self.delivery, 1)
        self.run_jobs()

        self.simulator.receive_return_order(returned.name, {"1": [{"serial": "SN-003"}]})
        self.poll()

        self.assertEqual(returned.state, "done")
        self.assertEqual(returned.move_line_ids.lot_id, self.lot("SN-003"))
        self.assertEqual(self.quantity_in(self.product, self.stock, self.lot("SN-003")), 1)

    def test_two_returns_book_each_serial_once(self):
        self.simulator.register_return(self.delivery.name, {"1": [{"serial": "SN-001"}]})
        self.poll()
        self.simulator.register_return(self.delivery.name, {"1": [{"serial": "SN-003"}]})
        self.poll()

        returns = self.returns_of(self.sale)
        self.assertEqual(len(returns), 2)
        self.assertEqual(sorted(returns.move_line_ids.lot_id.mapped("name")), ["SN-001", "SN-003"])


class TestReturnWebhooks(ReturnsMixin, SimulatedWarehouseHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.url = f"/ongoing/webhook/{cls.backend.id}"

    def setUp(self):
        super().setUp()
        self.product = self.make_product("RET-30", name="Filt Rörstrand")
        self.run_jobs()
        self.put_in_stock(self.product, 20)
        self.sale = self.sell(self.customer, [(self.product, 5)])
        self.run_jobs()
        self.delivery = self.sale.picking_ids
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

    def test_duplicated_return_events_book_once(self):
        self.simulator.pick(self.delivery.name, {"1": 5})
        self.poll()
        self.simulator.webhooks.take_outbox()
        self.simulator.register_return(self.delivery.name, {"1": 1}, cause="REGRET")
        self.simulator.register_return(self.delivery.name, {"1": 1}, cause="REGRET")
        returned_events = self.simulator.webhooks.take_outbox()
        self.assertEqual(len(returned_events), 2)

        for payload in list(reversed(returned_events)) * 3:
            self.deliver_webhook(payload)
        self.run_jobs()
        for payload in returned_events:
            self.deliver_webhook(payload)
        self.run_jobs()

        self.assertEqual(self.delivery.ongoing_order_id.line_ids.returned_booked_qty, 2)
        self.assertEqual(sum(self.returns_of(self.sale).move_ids.mapped("quantity")), 2)
        self.assertEqual(self.sale.order_line.qty_delivered, 3)
        self.assertEqual(self.product.qty_available, 17)

    def test_return_event_before_pick_event_books_once(self):
        self.simulator.pick(self.delivery.name, {"1": 5})
        picked_events = self.simulator.webhooks.take_outbox()
        self.simulator.register_return(self.delivery.name, {"1": 2}, cause="DAMAGED")
        returned_events = self.simulator.webhooks.take_outbox()

        for payload in returned_events + picked_events + returned_events:
            self.deliver_webhook(payload)
        self.run_jobs()

        self.assertEqual(self.delivery.state, "done")
        [returned] = self.returns_of(self.sale)
        self.assertEqual(returned.move_ids.quantity, 2)
        self.assertEqual(returned.location_dest_id, self.quarantine)
        self.assertEqual(self.sale.order_line.qty_delivered, 3)
        events = self.env["ongoing.webhook.event"].search(
            [("backend_id", "=", self.backend.id), ("kind", "=", "outbound")]
        )
        order_events = [
            payload
            for payload in picked_events + returned_events
            if payload["webhookTemplate"] != "InventoryTransaction"
        ]
        self.assertEqual(len(events), len(order_events))
        self.assertEqual(set(events.mapped("state")), {"done"})

    def test_return_order_webhook_books_the_return(self):
        self.simulator.pick(self.delivery.name, {"1": 5})
        self.poll()
        returned = self.create_odoo_return(self.delivery, 2)
        self.run_jobs()
        self.simulator.receive_return_order(returned.name)
        self.simulator.webhooks.take_outbox()

        binding = returned.ongoing_order_id
        self.deliver_webhook(
            {
                "webhookEventId": "return-order-1",
                "goodsOwnerId": 159,
                "returnOrderId": binding.remote_id,
                "returnOrderNumber": binding.name,
            }
        )
        self.run_jobs()

        self.assertEqual(returned.state, "done")
        self.assertEqual(self.sale.order_line.qty_delivered, 3)
        event = self.env["ongoing.webhook.event"].search([("event_id", "=", "return-order-1")])
        self.assertEqual(event.kind, "return")
        self.assertEqual(event.state, "done")


class TestReturnsInReconciliation(ReturnsMixin, SimulatedWarehouseCase):
    def setUp(self):
        super().setUp()
        self.product = self.make_product("RET-REC", name="Kudde Lund")
        self.run_jobs()
        self.put_in_stock(self.product, 20)
        self.sale, self.delivery = self.deliver(self.product, 5)

    def reconcile(self):
        reconciliation = self.backend._ongoing_start_reconciliation(mode="apply")
        self.run_jobs()
        return reconciliation

    def test_received_unbooked_return_counted_once(self):
        returned = self.create_odoo_return(self.delivery, 2, cause_code="REGRET")
        self.run_jobs()
        self.simulator.receive_return_order(returned.name)

        reconciliation = self.reconcile()

        [line] = reconciliation.line_ids
        self.assertEqual(line.case, "in_flight")
        self.assertEqual(line.in_flight_qty, 2)
        self.assertFalse(line.applied)
        self.assertEqual(self.product.with_context(location=self.stock.id).qty_available, 15)

        self.poll()
        self.assertEqual(returned.state, "done")
        self.assertFalse(self.reconcile().line_ids)
