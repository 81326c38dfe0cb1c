import json
from datetime import datetime, timedelta, timezone

from .common import SimulatedWarehouseCase, SimulatedWarehouseHttpCase


class InventoryMixin:
    def setUp(self):
        super().setUp()
        self.backend.action_create_mirror_locations()
        self.product = self.make_product("DUK-50", name="Duk Gotland", cost=40.0)
        self.run_jobs()
        self.put_in_stock(self.product, 20)

    def reconcile(self):
        reconciliation = self.backend._ongoing_start_reconciliation(mode="apply")
        self.run_jobs()
        self.assertEqual(reconciliation.state, "done")
        return reconciliation

    def adjustments(self):
        return self.env["ongoing.inventory.adjustment"].search(
            [("backend_id", "=", self.backend.id)]
        )

    def on_hand(self, location=None):
        location = location or self.warehouse.lot_stock_id
        return self.product.with_context(location=location.id).qty_available


class TestAdjustments(InventoryMixin, SimulatedWarehouseCase):
    def test_write_off_and_count_booked_once(self):
        self.simulator.adjust("DUK-50", -3, cause="DAMAGED", comment="Sönderriven i lagret")
        self.simulator.adjust("DUK-50", 2, comment="Hittade vid inventering")
        self.poll()

        self.assertEqual(self.on_hand(), 19)
        adjustments = self.adjustments()
        self.assertEqual(sorted(adjustments.mapped("quantity")), [-3.0, 2.0])
        self.assertEqual(set(adjustments.mapped("state")), {"booked"})
        moves = adjustments.move_id
        self.assertEqual(len(moves), 2)
        self.assertTrue(all(move.is_inventory for move in moves))
        write_off = adjustments.filtered(lambda a: a.quantity < 0)
        self.assertEqual(write_off.cause, "DAMAGED")
        self.assertEqual(write_off.move_id.name, f"Ongoing {write_off.inventory_id}: DAMAGED")
        count = adjustments.filtered(lambda a: a.quantity > 0)
        self.assertEqual(count.comment, "Hittade vid inventering")
        self.assertEqual(
            count.move_id.name, f"Ongoing {count.inventory_id}: Hittade vid inventering"
        )
        self.assertNotEqual(write_off.inventory_id, count.inventory_id)

        self.poll()
        self.backend._ongoing_schedule_sync("inventory")
        self.run_jobs()
        self.assertEqual(self.on_hand(), 19)
        self.assertEqual(len(self.adjustments()), 2)

    def test_write_off_valued_on_its_day(self):
        day = datetime.now(timezone.utc) - timedelta(days=2)
        self.backend.adjustments_polled_at = (day - timedelta(hours=1)).replace(tzinfo=None)
        self.simulator.adjust("DUK-50", -3, cause="DAMAGED", time=day)
        self.poll()

        entry = self.adjustments().move_id.account_move_ids
        self.assertEqual(entry.date, day.date())
        stock_line = entry.line_ids.filtered(lambda line: line.account_id.code == "1410")
        self.assertAlmostEqual(stock_line.credit, 120.0, places=2)

    def test_unknown_article_kept_and_booked_later(self):
        self.simulator.set_stock("OKAND-1", 5)
        self.simulator.adjust("OKAND-1", -1, comment="Borttappad")
        self.poll()

        adjustment = self.adjustments()
        self.assertEqual(adjustment.state, "failed")
        self.assertIn("OKAND-1", adjustment.message)

        product = self.make_product("OKAND-1", name="Okänd vara")
        self.put_in_stock(product, 5)
        adjustment.action_book_again()
        self.assertEqual(adjustment.state, "booked")
        self.assertEqual(product.qty_available, 4)

    def test_switch_off_books_nothing(self):
        self.backend.realtime_inventory = False
        self.simulator.adjust("DUK-50", -3)
        self.poll()
        self.assertFalse(self.adjustments())
        self.assertEqual(self.on_hand(), 20)


class TestRealtimeThenReconciliation(InventoryMixin, SimulatedWarehouseCase):
    def test_reconciliation_after_adjustments_applies_nothing(self):
        self.simulator.adjust("DUK-50", -3, cause="DAMAGED")
        self.simulator.adjust("DUK-50", 2, comment="Hittade vid inventering")
        self.poll()
        self.assertEqual(self.on_hand(), 19)

        reconciliation = self.reconcile()
        self.assertEqual(reconciliation.difference_count, 0)
        self.assertEqual(reconciliation.applied_count, 0)
        self.assertFalse(reconciliation.line_ids)
        self.assertEqual(self.on_hand(), 19)

    def test_reconciliation_books_pending_adjustment_once(self):
        # The run starts before any poll saw the write-off: it books the adjustment
        # as the real-time flow would, marks it settled, and corrects nothing.
        self.simulator.adjust("DUK-50", -3, cause="DAMAGED")
        reconciliation = self.reconcile()

        [line] = reconciliation.line_ids
        self.assertEqual(line.case, "settled")
        self.assertEqual(line.difference_qty, -3)
        self.assertFalse(line.applied)
        self.assertEqual(reconciliation.applied_count, 0)
        self.assertEqual(self.on_hand(), 17)

        self.poll()
        self.assertEqual(self.on_hand(), 17)
        self.assertEqual(len(self.adjustments()), 1)

    def test_reconciliation_while_locked_applies_nothing(self):
        self.simulator.lock_stock("DUK-50", 4, reason="Kvalitetskontroll")
        self.poll()
        reconciliation = self.reconcile()
        self.assertEqual(reconciliation.applied_count, 0)
        self.assertFalse(reconciliation.line_ids)
        self.assertEqual(self.on_hand(self.backend.locked_location_id), 4)
        self.assertEqual(self.on_hand(), 16)


class TestLockedStock(InventoryMixin, SimulatedWarehouseCase):
    def test_locked_items_not_reservable(self):
        locked = self.backend.locked_location_id
        self.simulator.lock_stock("DUK-50", 4, reason="Kvalitetskontroll")
        self.poll()

        self.assertEqual(self.on_hand(locked), 4)
        self.assertEqual(self.on_hand(), 16)
        self.assertEqual(self.product.with_context(warehouse_id=self.warehouse.id).free_qty, 16)
        self.assertEqual(
            self.product.with_context(warehouse_id=self.warehouse.id).qty_available, 16
        )
        sale = self.sell(self.make_customer(), [(self.product, 20)])
        self.assertEqual(sale.picking_ids.move_ids.quantity, 16)

        self.simulator.unlock_stock("DUK-50", 4)
        self.poll()
        self.assertEqual(self.on_hand(locked), 0)
        sale.picking_ids.action_assign()
        self.assertEqual(sale.picking_ids.move_ids.quantity, 20)

    def test_locked_poll_repeats_nothing(self):
        self.simulator.lock_stock("DUK-50", 4)
        self.poll()
        moves_before = self.env["stock.move"].search_count([("product_id", "=", self.product.id)])
        self.poll()
        moves_after = self.env["stock.move"].search_count([("product_id", "=", self.product.id)])
        self.assertEqual(moves_before, moves_after)
        self.assertEqual(self.on_hand(self.backend.locked_location_id), 4)


class TestAdjustmentWebhooks(InventoryMixin, SimulatedWarehouseHttpCase):
    def test_webhook_then_poll_books_once(self):
        self.simulator.webhooks.take_outbox()
        self.simulator.adjust("DUK-50", -3, cause="DAMAGED")
        events = self.simulator.webhooks.take_outbox()
        self.assertTrue(events)
        for event in events:
            response = self.url_open(
                f"/ongoing/webhook/{self.backend.id}",
                data=json.dumps(event),
                headers={
                    "Content-Type": "application/json",
                    "X-Auth-Token": self.backend.webhook_token,
                },
            )
            self.assertEqual(response.status_code, 200)
        self.run_jobs()
        self.assertEqual(self.on_hand(), 17)

        self.poll()
        self.assertEqual(self.on_hand(), 17)
        self.assertEqual(len(self.adjustments()), 1)


class TestWriteOffBesideReturns(InventoryMixin, SimulatedWarehouseCase):
    def test_damaged_write_off_taken_from_stock(self):
        # DAMAGED is also a return cause that Ongoing removes from stock; a plain
        # write-off with that cause, unrelated to a return, comes out of the stock.
        self.backend.action_ongoing_fetch_return_causes()
        damaged = self.env["ongoing.return.cause"].search([("code", "=", "DAMAGED")])
        self.assertTrue(damaged.remove_in_ongoing)

        self.simulator.adjust("DUK-50", -2, cause="DAMAGED", comment="Vattenskadad")
        self.poll()

        self.assertEqual(self.on_hand(), 18)
        self.assertEqual(self.on_hand(self.backend.quarantine_location_id), 0)
