"""Ongoing or Fortnox down for a while: back off, show why, lose nothing, converge.

The tests stand in for the passing time by running delayed jobs early
(``include_delayed``), and read the delays themselves from the records.
"""

import json
import time
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields

from ..models.fortnox_backend import DEFAULT_SCOPES
from ..models.ongoing_binding_mixin import MAX_AUTOMATIC_ATTEMPTS, retry_delay
from ..models.ongoing_reconciliation import RETRY_SECONDS
from .common import SimulatedWarehouseCase
from .fortnox_common import FortnoxCase
from .fortnox_ledger_common import FortnoxLedgerCase
from .reliability_helpers import crash_before, failed_jobs
from .test_reconciliation import STOCK, ReconciliationCase
from .test_returns import ReturnsMixin


def seconds_until(moment):
    return (moment - fields.Datetime.now()).total_seconds()


def max_attempts_in_a_minute(delays):
    """Return the maximum number of attempts in any 60-second window, from the gaps."""
    times = [0]
    for delay in delays:
        times.append(times[-1] + delay)
    return max(sum(1 for other in times if start <= other < start + 60) for start in times)


class TestOngoingOutage(SimulatedWarehouseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.make_customer(cls)

    def age_records(self, records):
        """Make the records look last written an hour ago, when the requeue cron looks again."""
        records.flush_recordset()
        self.env.cr.execute(
            f"UPDATE {records._table} SET write_date = write_date - interval '1 hour' "
            "WHERE id IN %s",
            [tuple(records.ids)],
        )
        records.invalidate_recordset()

    def sell_stocked(self, code, quantity=3):
        product = self.make_product(code)
        self.run_jobs()
        self.put_in_stock(product, 10)
        return self.sell(self.customer, [(product, quantity)]).picking_ids

    def test_export_backs_off_without_hot_loop(self):
        self.simulator.outage(3600, status=500)
        product = self.make_product("OUT-1", name="Ljus Gränna")
        binding = product.ongoing_article_ids

        delays = []
        for _attempt in range(MAX_AUTOMATIC_ATTEMPTS + 3):
            if not self.run_jobs(include_delayed=True, max_rounds=1):
                break
            if binding.sync_next_attempt:
                delays.append(seconds_until(binding.sync_next_attempt))

        expected = [retry_delay(attempt) for attempt in range(1, MAX_AUTOMATIC_ATTEMPTS)]
        self.assertEqual(len(delays), len(expected))
        for delay, wanted in zip(delays, expected, strict=True):
            self.assertAlmostEqual(delay, wanted, delta=2)
        self.assertEqual(expected, sorted(expected))
        self.assertLessEqual(max_attempts_in_a_minute(expected), 2)
        puts = self.simulator.requests_to("PUT", "/demo/api/v1/articles")
        self.assertEqual(len(puts), MAX_AUTOMATIC_ATTEMPTS)

        # The automatic retries have stopped, and the product shows the reason.
        self.assertFalse(self.env["queue.job"].search([("state", "=", "pending")]))
        self.assertEqual(binding.sync_attempts, MAX_AUTOMATIC_ATTEMPTS)
        self.assertFalse(binding.sync_next_attempt)
        self.assertTrue(binding.sync_retryable)
        self.assertEqual(product.ongoing_sync_state, "failed")
        self.assertIn("HTTP 500", product.ongoing_sync_error)

        self.simulator.clear_faults()
        self.age_records(binding)
        self.env["ongoing.backend"]._cron_ongoing_requeue_exports()
        self.run_jobs()
        self.assertEqual(binding.sync_state, "synced")
        self.assertEqual(binding.sync_attempts, 0)
        self.assertTrue(self.simulator.article_state("OUT-1"))

    def test_rate_limit_waits_retry_after(self):
        self.simulator.outage(600, status=429, retry_after=120)
        product = self.make_product("OUT-2")
        self.run_jobs()

        binding = product.ongoing_article_ids
        self.assertEqual(binding.sync_state, "failed")
        self.assertTrue(binding.sync_retryable)
        self.assertAlmostEqual(seconds_until(binding.sync_next_attempt), 121, delta=2)
        self.assertEqual(len(self.simulator.requests_to("PUT")), 1)

    def test_failed_delivery_shows_reason_and_next_attempt(self):
        self.simulator.outage(600, status=503)
        picking = self.sell_stocked("OUT-3")
        self.assertEqual(picking.ongoing_sync_state, "pending")

        self.run_jobs()

        binding = picking.ongoing_order_id
        self.assertEqual(picking.ongoing_sync_state, "failed")
        self.assertIn("HTTP 503", picking.ongoing_sync_error)
        self.assertTrue(binding.sync_retryable)
        self.assertEqual(binding.sync_attempts, 1)
        self.assertAlmostEqual(seconds_until(binding.sync_next_attempt), 30, delta=2)

        self.simulator.clear_faults()
        picking.action_ongoing_send()
        self.run_jobs()
        self.assertEqual(picking.ongoing_sync_state, "synced")
        self.assertFalse(picking.ongoing_sync_error)
        self.assertEqual(len(self.simulator.state()["159"]["orders"]), 1)
        self.run_jobs(include_delayed=True)
        accepted = [
            put
            for put in self.simulator.requests_to("PUT", "/demo/api/v1/orders")
            if put.status == 200
        ]
        self.assertEqual(len(accepted), 1)

    def test_hanging_warehouse_times_out_then_converges(self):
        self.backend.read_timeout = 0.5
        self.simulator.inject("delay", delay=1.5, method="PUT", path="/demo/api/v1/orders")
        picking = self.sell_stocked("OUT-4")

        self.run_jobs()
        self.assertEqual(picking.ongoing_sync_state, "failed")
        self.assertIn("did not respond in time", picking.ongoing_sync_error)

        self.run_jobs(include_delayed=True)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(
            logged.status is None
            for logged in self.simulator.requests_to("PUT", "/demo/api/v1/orders")
        ):
            time.sleep(0.05)
        self.assertEqual(picking.ongoing_sync_state, "synced")
        orders = self.simulator.state()["159"]["orders"]
        self.assertEqual(len(orders), 1)
        self.assertEqual(orders[0]["orderLines"][0]["orderedNumberOfItems"], 3)

    def test_sync_waits_during_outage_then_books_once(self):
        picking = self.sell_stocked("OUT-5")
        self.run_jobs()
        self.simulator.pick(picking.name, {"1": 3})
        self.simulator.outage(600, status=500)

        self.env["ongoing.backend"]._cron_ongoing_poll()
        self.assertFalse(self.env["queue.job"].search([("state", "=", "pending")]))
        binding = picking.ongoing_order_id
        self.backend._ongoing_schedule_sync("outbound", remote_id=binding.remote_id)
        self.run_jobs()

        [job] = self.env["queue.job"].search([("method_name", "=", "_ongoing_run_sync")])
        self.assertEqual(job.state, "pending")
        self.assertAlmostEqual(seconds_until(job.eta), retry_delay(1), delta=2)
        self.assertIn("HTTP 500", job.result)
        self.assertFalse(self.run_jobs())
        self.assertEqual(picking.state, "assigned")

        self.simulator.clear_faults()
        self.run_jobs(include_delayed=True)
        self.poll()
        self.assertEqual(picking.state, "done")
        self.assertEqual(binding.line_ids.booked_qty, 3)
        self.assertEqual(binding.line_ids.reported_qty, 3)

    def post_event(self, event_id, binding):
        body = {
            "webhookEventId": event_id,
            "goodsOwnerId": 159,
            "orderId": binding.remote_id,
            "orderNumber": binding.name,
        }
        self.env["ongoing.webhook.event"]._ingest(self.backend, json.dumps(body).encode())
        return self.env["ongoing.webhook.event"].search([("event_id", "=", event_id)])

    def job_delays(self, job, attempts):
        """Run the delayed job up to ``attempts`` times; return the delays it set, in seconds."""
        delays = []
        for _attempt in range(attempts):
            if not self.run_jobs(include_delayed=True, max_rounds=1):
                break
            if job.state == "pending":
                delays.append(seconds_until(job.eta))
        return delays

    def test_sync_backs_off_then_fails_events(self):
        picking = self.sell_stocked("OUT-7")
        self.run_jobs()
        binding = picking.ongoing_order_id
        self.simulator.pick(picking.name, {"1": 3})
        self.simulator.outage(3600, status=500)
        event = self.post_event("out-7", binding)

        [job] = self.env["queue.job"].search([("method_name", "=", "_ongoing_run_sync")])
        delays = self.job_delays(job, MAX_AUTOMATIC_ATTEMPTS + 3)

        expected = [retry_delay(attempt) for attempt in range(1, MAX_AUTOMATIC_ATTEMPTS)]
        self.assertEqual(len(delays), len(expected))
        for delay, wanted in zip(delays, expected, strict=True):
            self.assertAlmostEqual(delay, wanted, delta=2)
        self.assertLessEqual(max_attempts_in_a_minute(expected), 2)
        reads = self.simulator.requests_to("GET", f"/demo/api/v1/orders/{binding.remote_id}")
        self.assertEqual(len(reads), MAX_AUTOMATIC_ATTEMPTS)
        self.assertEqual(job.state, "failed")
        self.assertEqual(event.state, "failed")
        self.assertIn(f"after {MAX_AUTOMATIC_ATTEMPTS} attempt(s)", event.state_message)
        self.assertIn("HTTP 500", event.state_message)
        self.assertEqual(picking.state, "assigned")

        # Ongoing is back: the polling cron's read books the pick once and settles the event.
        self.simulator.clear_faults()
        self.poll()
        self.assertEqual(picking.state, "done")
        self.assertEqual(binding.line_ids.booked_qty, 3)
        self.assertEqual(event.state, "done")

    def test_acknowledge_backs_off_during_outage(self):
        picking = self.sell_stocked("OUT-8")
        self.run_jobs()
        self.simulator.pick(picking.name, {"1": 3})
        self.simulator.inject("status", status=503, method="PATCH", times=None)

        self.poll()
        self.assertEqual(picking.state, "done")
        [job] = self.env["queue.job"].search([("method_name", "=", "_ongoing_run_acknowledge")])
        delays = [seconds_until(job.eta), *self.job_delays(job, 3)]

        expected = [retry_delay(attempt) for attempt in range(1, 5)]
        for delay, wanted in zip(delays, expected, strict=True):
            self.assertAlmostEqual(delay, wanted, delta=2)
        self.assertEqual(job.max_retries, MAX_AUTOMATIC_ATTEMPTS)

        self.simulator.clear_faults()
        self.run_jobs(include_delayed=True)
        self.assertEqual(job.state, "done")
        self.assertEqual(picking.ongoing_order_id.line_ids.reported_qty, 3)

    def test_failed_sync_replaced_from_document(self):
        picking = self.sell_stocked("OUT-6")
        self.run_jobs()
        self.simulator.pick(picking.name, {"1": 3})
        binding = picking.ongoing_order_id
        with crash_before(type(binding), "_ongoing_schedule_acknowledge"):
            binding.action_ongoing_refresh()
            self.run_jobs()
        self.assertTrue(failed_jobs(self.env, "_ongoing_run_sync"))

        binding.action_ongoing_refresh()
        self.run_jobs()

        self.assertEqual(picking.state, "done")
        self.assertEqual(binding.line_ids.booked_qty, 3)
        self.assertEqual(binding.line_ids.reported_qty, 3)

    def test_records_offer_resend_buttons(self):
        expected = {
            "stock.picking": ("action_ongoing_send", "action_ongoing_refresh"),
            "ongoing.order": ("action_ongoing_send", "action_ongoing_refresh"),
            "product.template": ("action_ongoing_send",),
            "purchase.order": ("action_ongoing_send", "action_ongoing_refresh"),
            "account.move": ("action_fortnox_export",),
            "ongoing.webhook.event": ("action_requeue",),
            "ongoing.inventory.adjustment": ("action_book_again",),
        }
        for model, actions in expected.items():
            arch = self.env[model].get_views([(False, "form")])["views"]["form"]["arch"]
            if model == "ongoing.inventory.adjustment":
                arch = self.env[model].get_views([(False, "list")])["views"]["list"]["arch"]
            for action in actions:
                with self.subTest(model=model, action=action):
                    self.assertIn(f'name="{action}"', arch)


class TestDocumentOutage(ReturnsMixin, SimulatedWarehouseCase):
    """Purchase orders and return orders sent while Ongoing responds with 503."""

    def accepted_puts(self, path):
        return [
            put
            for put in self.simulator.requests_to("PUT", f"/demo/api/v1/{path}")
            if put.status == 200
        ]

    def test_purchase_order_converges_after_outage(self):
        product = self.make_product("OUT-PO")
        self.run_jobs()
        self.simulator.outage(600, status=503)
        order = self.buy(self.make_supplier(), [(product, 10, 50.0)])
        self.run_jobs()

        binding = order.picking_ids.ongoing_order_id
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("HTTP 503", binding.sync_error)
        self.assertTrue(binding.sync_retryable)
        self.assertFalse(self.simulator.purchase_order_state(order.name))

        self.simulator.clear_faults()
        for _attempt in range(3):
            self.run_jobs(include_delayed=True)
        self.assertEqual(binding.sync_state, "synced")
        remote = self.simulator.purchase_order_state(order.name)
        self.assertEqual(remote["purchaseOrderLines"][0]["advisedNumberOfItems"], 10)
        self.assertEqual(len(self.accepted_puts("purchaseOrders")), 1)

    def test_return_order_converges_after_outage(self):
        product = self.make_product("OUT-RET")
        self.run_jobs()
        self.put_in_stock(product, 10)
        _sale, delivery = self.deliver(product, 5)
        self.simulator.outage(600, status=503)
        returned = self.create_odoo_return(delivery, 2)
        self.run_jobs()

        binding = returned.ongoing_order_id
        self.assertEqual(binding.sync_state, "failed")
        self.assertIn("HTTP 503", binding.sync_error)
        self.assertFalse(self.simulator.return_order_state(returned.name))

        self.simulator.clear_faults()
        for _attempt in range(3):
            self.run_jobs(include_delayed=True)
        self.assertEqual(binding.sync_state, "synced")
        [line] = self.simulator.return_order_state(returned.name)["returnOrderLines"]
        self.assertEqual(line["toBeReturnedNumberOfItems"], 2)
        self.assertEqual(len(self.accepted_puts("returnOrders")), 1)


class TestFortnoxOutage(FortnoxCase):
    def test_outage_backs_off_then_exports_once(self):
        self.simulator.outage(3600, status=503)
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 249.0, 0.0)])

        delays = []
        for _attempt in range(4):
            self.run_jobs(include_delayed=True, max_rounds=1)
            delays.append(seconds_until(move.fortnox_next_attempt))
        for delay, attempt in zip(delays, range(1, 5), strict=True):
            self.assertAlmostEqual(delay, retry_delay(attempt), delta=2)
        self.assertEqual(move.fortnox_state, "failed")
        self.assertTrue(move.fortnox_retryable)
        self.assertEqual(move.fortnox_attempts, 4)
        self.assertIn("503", move.fortnox_error)
        notes = move.message_ids.filtered(lambda m: "sent again automatically" in (m.body or ""))
        self.assertEqual(len(notes), 1)
        self.assertEqual(self.backend.failed_invoice_count, 1)

        self.simulator.clear_faults()
        move.action_fortnox_export()
        self.run_jobs()
        self.assertEqual(move.fortnox_state, "exported")
        self.assertEqual(len(self.simulator.state()["invoices"]), 1)
        self.backend.invalidate_recordset(["failed_invoice_count"])
        self.assertEqual(self.backend.failed_invoice_count, 0)


class TestLedgerOutage(FortnoxLedgerCase):
    """Stock vouchers and supplier invoices while Fortnox fails, limits or hangs.

    A supplier invoice whose creation timed out after Fortnox accepted it is in
    ``test_fortnox_vendor_bills.py`` (``test_timeout_after_accept_leaves_one_supplier_invoice``).
    """

    fortnox_backend_values = {
        "export_vendor_bills": True,
        "scopes": f"{DEFAULT_SCOPES} supplier supplierinvoice",
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.swedish_supplier = cls.make_supplier(
            cls, name="Textilgrossisten i Borås AB", company_registry="556036-0793"
        )

    def setUp(self):
        super().setUp()
        self.towel = self.make_product("DUK-62", name="Duk Gotland", cost=40.0)
        self.run_jobs()

    def make_bill(self):
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.swedish_supplier.id,
                "invoice_date": self.today,
                "ref": "F-32000",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.towel.id,
                            "quantity": 10,
                            "price_unit": 45.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        bill.action_post()
        return bill

    def collect_delays(self, record, attempts):
        """Run the record's delayed job ``attempts`` times; return each next-attempt delay."""
        delays = [seconds_until(record.fortnox_next_attempt)]
        for _attempt in range(attempts - 1):
            self.run_jobs(include_delayed=True, max_rounds=1)
            delays.append(seconds_until(record.fortnox_next_attempt))
        return delays

    def assert_backed_off(self, record, delays):
        for delay, attempt in zip(delays, range(1, len(delays) + 1), strict=True):
            self.assertAlmostEqual(delay, retry_delay(attempt), delta=2)
        self.assertEqual(record.fortnox_state, "failed")
        self.assertTrue(record.fortnox_retryable)
        self.assertEqual(record.fortnox_attempts, len(delays))
        self.assertIn("HTTP 500", record.fortnox_error)
        notes = record.message_ids.filtered(lambda m: "sent again automatically" in (m.body or ""))
        self.assertEqual(len(notes), 1)
        waiting = self.env["queue.job"].search(
            [("identity_key", "=", record._fortnox_job_identity()), ("state", "=", "pending")]
        )
        self.assertEqual(len(waiting), 1)

    def test_voucher_outage_backs_off_then_sends_once(self):
        self.count_stock(self.towel, 5, day=self.today - timedelta(days=1))
        self.fortnox.outage(3600, status=500)

        self.send_stock_vouchers()
        [record] = self.vouchers()
        delays = self.collect_delays(record, 4)

        self.assert_backed_off(record, delays)
        self.assertFalse(self.voucher_posts())

        self.fortnox.clear_faults()
        self.run_jobs(include_delayed=True)
        [voucher] = self.fortnox_vouchers()
        self.assertEqual(record.fortnox_state, "exported")
        self.assertEqual(record.voucher_number, voucher["VoucherNumber"])
        self.assertFalse(record.fortnox_error)
        self.assertEqual(len(self.voucher_posts()), 1)

    def test_voucher_rate_limit_waits_retry_after(self):
        self.count_stock(self.towel, 5, day=self.today - timedelta(days=1))
        self.fortnox.outage(600, status=429, retry_after=120)

        self.send_stock_vouchers()

        [record] = self.vouchers()
        self.assertEqual(record.fortnox_state, "failed")
        self.assertTrue(record.fortnox_retryable)
        self.assertIn("rate limit", record.fortnox_error)
        self.assertAlmostEqual(seconds_until(record.fortnox_next_attempt), 121, delta=2)
        self.assertFalse(self.voucher_posts())

    def test_hanging_fortnox_voucher_sent_once(self):
        self.fortnox_backend.read_timeout = 0.5
        self.fortnox.inject("delay", delay=1.5, method="POST", path="/3/vouchers")
        self.count_stock(self.towel, 5, day=self.today - timedelta(days=1))

        self.send_stock_vouchers()

        [record] = self.vouchers()
        self.assertEqual(record.fortnox_state, "failed")
        self.assertTrue(record.fortnox_retryable)
        self.assertIn("did not respond in time", record.fortnox_error)
        deadline = time.monotonic() + 5
        while not self.fortnox_vouchers() and time.monotonic() < deadline:
            time.sleep(0.05)

        self.run_jobs(include_delayed=True)

        [voucher] = self.fortnox_vouchers()
        self.assertEqual(record.fortnox_state, "exported")
        self.assertEqual(record.voucher_number, voucher["VoucherNumber"])
        self.assertEqual(len(self.voucher_posts()), 1)

    def test_bill_outage_backs_off_then_exports_once(self):
        self.fortnox.outage(3600, status=500)

        bill = self.make_bill()
        self.run_jobs()
        delays = self.collect_delays(bill, 4)

        self.assert_backed_off(bill, delays)
        self.assertFalse(self.fortnox.state()["supplier_invoices"])
        self.assertEqual(self.fortnox_backend.failed_bill_count, 1)

        self.fortnox.clear_faults()
        self.run_jobs(include_delayed=True)
        [invoice] = self.fortnox.state()["supplier_invoices"]
        self.assertEqual(bill.fortnox_state, "exported")
        self.assertEqual(bill.fortnox_document_number, invoice["GivenNumber"])
        self.assertEqual(len(self.fortnox.requests_to("POST", "/3/supplierinvoices")), 1)
        self.assertEqual(len(self.fortnox.state()["suppliers"]), 1)

    def test_bill_rate_limit_waits_retry_after(self):
        self.fortnox.outage(600, status=429, retry_after=90)

        bill = self.make_bill()
        self.run_jobs()

        self.assertEqual(bill.fortnox_state, "failed")
        self.assertTrue(bill.fortnox_retryable)
        self.assertIn("rate limit", bill.fortnox_error)
        self.assertAlmostEqual(seconds_until(bill.fortnox_next_attempt), 91, delta=2)
        self.assertFalse(self.fortnox.requests_to("POST", "/3/supplierinvoices"))


class TestReconciliationOutage(ReconciliationCase):
    def test_outage_mid_run_applies_nothing(self):
        self.drift("REC-010", -5)
        self.simulator.adjust("REC-020", -2, cause="DAMAGED", comment="Trasig")
        reconciliation_class = type(self.env["ongoing.reconciliation"])
        original = reconciliation_class._ongoing_fetch

        def fail_after_catch_up(reconciliation, client):
            # The warehouse adjustment is booked by now; Ongoing goes down while the stock is read.
            self.simulator.outage(600, status=503)
            return original(reconciliation, client)

        with patch.object(
            reconciliation_class, "_ongoing_fetch", autospec=True, side_effect=fail_after_catch_up
        ):
            reconciliation = self.reconcile()

        [job] = self.env["queue.job"].search(
            [("identity_key", "=", f"ongoing-reconcile:{reconciliation.id}")]
        )
        self.assertEqual(reconciliation.state, "queued")
        self.assertFalse(reconciliation.line_ids)
        self.assertEqual(job.state, "pending")
        self.assertIn("HTTP 503", job.result)
        self.assertAlmostEqual(seconds_until(job.eta), RETRY_SECONDS, delta=2)
        self.assertFalse(self.env["ongoing.inventory.adjustment"].search([]))
        self.assertEqual(self.on_hand(self.product(10)), STOCK)
        self.assertEqual(self.on_hand(self.product(20)), STOCK)

        self.simulator.clear_faults()
        self.run_jobs(include_delayed=True)

        self.assertEqual(reconciliation.state, "done", reconciliation.error)
        self.assertEqual(self.on_hand(self.product(10)), STOCK - 5)
        self.assertEqual(self.on_hand(self.product(20)), STOCK - 2)
        [adjustment] = self.env["ongoing.inventory.adjustment"].search([])
        self.assertEqual(adjustment.state, "booked")
        cases = {line.article_number: line.case for line in reconciliation.line_ids}
        self.assertEqual(cases["REC-010"], "difference")
        self.assertEqual(cases["REC-020"], "settled")
        self.assertEqual(reconciliation.applied_count, 1)

    def test_long_outage_fails_run_with_reason(self):
        self.simulator.outage(3600, status=500)
        reconciliation = self.backend._ongoing_start_reconciliation(mode="apply")
        [job] = self.env["queue.job"].search(
            [("identity_key", "=", f"ongoing-reconcile:{reconciliation.id}")]
        )

        delays = []
        for _attempt in range(MAX_AUTOMATIC_ATTEMPTS + 2):
            if not self.run_jobs(include_delayed=True, max_rounds=1):
                break
            if job.state == "pending":
                delays.append(seconds_until(job.eta))

        expected = [
            max(RETRY_SECONDS, retry_delay(attempt)) for attempt in range(1, MAX_AUTOMATIC_ATTEMPTS)
        ]
        self.assertEqual(len(delays), len(expected))
        for delay, wanted in zip(delays, expected, strict=True):
            self.assertAlmostEqual(delay, wanted, delta=2)
        self.assertEqual(job.state, "failed")
        self.assertEqual(reconciliation.state, "failed")
        self.assertIn(f"after {MAX_AUTOMATIC_ATTEMPTS} attempt(s)", reconciliation.error)
        self.assertIn("HTTP 500", reconciliation.error)
        self.assertTrue(reconciliation.activity_ids)
        self.assertFalse(reconciliation.line_ids)

        self.simulator.clear_faults()
        reconciliation.action_retry()
        self.run_jobs()
        self.assertEqual(reconciliation.state, "done", reconciliation.error)
        self.assertEqual(job.state, "done")
        self.assertIn("Superseded", job.result)
