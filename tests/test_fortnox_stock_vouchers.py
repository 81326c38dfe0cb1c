from datetime import date, timedelta

from odoo import Command
from odoo.exceptions import UserError

from .fortnox_common import connect_to_simulator
from .fortnox_ledger_common import FortnoxLedgerCase, to_decimal


class TestStockVouchers(FortnoxLedgerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.goods = cls.make_category("Handelsvaror", "1460")

    def setUp(self):
        super().setUp()
        self.vase = self.make_product("VAS-40", name="Vas Rörstrand", cost=0.0)
        self.plate = self.make_product("FAT-50", name="Fat Gustavsberg", cost=85.0)
        self.plate.categ_id = self.goods
        self.towel = self.make_product("DUK-60", name="Duk Gotland", cost=40.0)
        self.run_jobs()
        self.yesterday = self.today - timedelta(days=1)

    def test_day_voucher_sums_every_stock_entry(self):
        order = self.buy(self.supplier, [(self.vase, 10, 12.34)], currency=self.eur)
        self.run_jobs()
        self.receive(order, 10)
        bill = self.bill(order, 12.90)
        self.put_in_stock(self.plate, 20)
        first = self.deliver(self.vase, 3)
        second = self.deliver(self.plate, 4)
        self.simulator.register_return(first.name, {"1": 1}, cause="REGRET")
        self.poll()
        self.simulator.adjust("FAT-50", -2, cause="DAMAGED", comment="Spricka")
        self.poll()
        # A miscount the warehouse never reported, corrected by the nightly run.
        self.put_in_stock(self.towel, 10)
        self.simulator.set_stock("DUK-60", 7)
        reconciliation = self.backend._ongoing_start_reconciliation(mode="apply")
        self.run_jobs()
        self.assertEqual(reconciliation.applied_count, 1)

        layers = self.env["stock.valuation.layer"]
        kinds = {
            "receipt": order.picking_ids.move_ids.stock_valuation_layer_ids,
            "revaluation": layers.search([("account_move_line_id.move_id", "=", bill.id)]),
            "first delivery": first.move_ids.stock_valuation_layer_ids,
            "second delivery": second.move_ids.stock_valuation_layer_ids,
            "return": first.return_ids.move_ids.stock_valuation_layer_ids,
            "write-off": layers.search(
                [
                    ("stock_move_id.is_inventory", "=", True),
                    ("stock_move_id.ongoing_reconciliation_id", "=", False),
                    ("quantity", "<", 0),
                ]
            ),
            "reconciliation": layers.search(
                [("stock_move_id.ongoing_reconciliation_id", "=", reconciliation.id)]
            ),
        }
        day = kinds["receipt"].account_move_id.date
        day_entries = self.stock_entries(day)
        for kind, kind_layers in kinds.items():
            with self.subTest(kind=kind):
                self.assertTrue(kind_layers.account_move_id, f"no {kind} entry")
                self.assertLessEqual(kind_layers.account_move_id, day_entries)
        # 10 x 12.34 EUR at 11.50, revalued by 10 x 0.56 EUR.
        self.assertEqual(kinds["receipt"].value, 1419.10)
        self.assertEqual(kinds["revaluation"].value, 64.40)
        # 3 towels at 40.00 written down by the reconciliation.
        self.assertEqual(kinds["reconciliation"].value, -120.00)

        self.send_stock_vouchers()

        [voucher] = self.fortnox_vouchers()
        self.assertEqual(voucher["TransactionDate"], day.isoformat())
        expected = self.entry_sums(day_entries)
        self.assertEqual(self.voucher_sums(voucher), expected)
        self.assertEqual(set(expected), {1410, 1460, 4960})
        debit = sum(to_decimal(row["Debit"]) for row in voucher["VoucherRows"])
        credit = sum(to_decimal(row["Credit"]) for row in voucher["VoucherRows"])
        self.assertEqual(debit, credit)
        [record] = self.vouchers()
        self.assertEqual(record.fortnox_state, "exported")
        self.assertEqual(record.voucher_number, voucher["VoucherNumber"])
        self.assertEqual(record.move_ids, day_entries)
        self.assertIn(record.marker, voucher["Description"])

        self.fortnox.clear_requests()
        self.send_stock_vouchers()
        self.env["fortnox.voucher"]._cron_fortnox_send(stale_minutes=-1)
        self.run_jobs()

        self.assertFalse(self.voucher_posts())
        self.assertEqual(len(self.fortnox_vouchers()), 1)
        self.assertEqual(self.vouchers(), record)

    def test_cron_waits_for_day_to_end(self):
        old = self.count_stock(self.towel, 5, day=self.yesterday)
        self.count_stock(self.plate, 3)

        self.env["fortnox.voucher"]._cron_fortnox_send()
        self.run_jobs()

        [voucher] = self.fortnox_vouchers()
        self.assertEqual(voucher["TransactionDate"], self.yesterday.isoformat())
        # 5 x 40.00 on the stock account, against the stock change account.
        self.assertEqual(self.voucher_sums(voucher), {1410: 200, 4960: -200})
        self.assertEqual(old.fortnox_voucher_id.voucher_number, voucher["VoucherNumber"])
        self.assertFalse(self.stock_entries(self.today).fortnox_voucher_id)

    def test_reversed_entry_sent_as_reversing_voucher(self):
        entry = self.count_stock(self.towel, 5, day=self.yesterday)
        self.env["fortnox.voucher"]._cron_fortnox_send()
        self.run_jobs()
        [first] = self.fortnox_vouchers()

        reversal = entry._reverse_moves([{"date": self.today, "ref": "Felräknat"}])
        reversal.action_post()
        self.assertTrue(reversal.fortnox_stock_valuation)
        self.send_stock_vouchers()

        vouchers = self.fortnox_vouchers()
        self.assertEqual(len(vouchers), 2)
        self.assertEqual(vouchers[0], first)
        second = vouchers[1]
        self.assertEqual(second["TransactionDate"], self.today.isoformat())
        self.assertEqual(self.voucher_sums(first), {1410: 200, 4960: -200})
        self.assertEqual(self.voucher_sums(second), {1410: -200, 4960: 200})
        self.assertEqual(second["VoucherNumber"], first["VoucherNumber"] + 1)
        self.assertNotEqual(entry.fortnox_voucher_id, reversal.fortnox_voucher_id)

    def test_sent_entry_cannot_return_to_draft(self):
        entry = self.count_stock(self.towel, 5, day=self.yesterday)
        self.send_stock_vouchers()

        with self.assertRaisesRegex(UserError, "Reverse the entry instead"):
            entry.button_draft()
        self.assertEqual(entry.state, "posted")

    def test_missing_account_holds_day_until_mapped(self):
        consignment = self.env["account.account"].create(
            {"code": "1465", "name": "Lager i konsignation", "account_type": "asset_current"}
        )
        category = self.make_category("Konsignation", "1465")
        self.plate.categ_id = category
        self.count_stock(self.plate, 2, day=self.yesterday)
        self.count_stock(self.towel, 5, day=self.yesterday)

        self.env["fortnox.voucher"]._cron_fortnox_send()
        self.run_jobs()

        [record] = self.vouchers()
        self.assertEqual(record.fortnox_state, "failed")
        self.assertFalse(record.fortnox_retryable)
        self.assertIn("1465", record.fortnox_error)
        self.assertIn("Lager i konsignation", record.fortnox_error)
        self.assertIn("Account Mapping", record.fortnox_error)
        self.assertFalse(self.voucher_posts())
        self.assertFalse(self.fortnox_vouchers())
        self.assertEqual(self.fortnox_backend.failed_stock_voucher_count, 1)

        self.fortnox_backend.account_map_ids = [
            Command.create({"account_id": consignment.id, "fortnox_account": 1460})
        ]
        record.action_fortnox_send()
        self.run_jobs()
        self.env["fortnox.voucher"]._cron_fortnox_send(stale_minutes=-1)
        self.run_jobs()

        self.assertEqual(record.fortnox_state, "exported")
        self.assertFalse(record.fortnox_error)
        [voucher] = self.fortnox_vouchers()
        # 2 x 85.00 on 1460 (mapped), 5 x 40.00 on 1410.
        self.assertEqual(self.voucher_sums(voucher), {1410: 200, 1460: 170, 4960: -370})
        self.assertEqual(len(self.voucher_posts()), 1)
        with self.assertRaisesRegex(UserError, "already in Fortnox"):
            record.action_fortnox_send()

    def test_locked_period_holds_day(self):
        self.count_stock(self.towel, 5, day=self.yesterday)
        self.fortnox.lock_period(self.yesterday)

        self.env["fortnox.voucher"]._cron_fortnox_send()
        self.run_jobs()

        [record] = self.vouchers()
        self.assertEqual(record.fortnox_state, "failed")
        self.assertIn(f"locked up to {self.yesterday.isoformat()}", record.fortnox_error)
        self.assertFalse(self.voucher_posts())

        self.fortnox.lock_period("2000-01-01")
        record.action_fortnox_send()
        self.run_jobs()

        self.assertEqual(record.fortnox_state, "exported")
        self.assertEqual(len(self.fortnox_vouchers()), 1)

    def test_locked_financial_year_holds_day(self):
        self.count_stock(self.towel, 5, day=self.yesterday)
        year = self.fortnox.ledger.year_for_date(self.yesterday)
        self.fortnox.lock_financial_year(year.id)

        self.send_stock_vouchers()

        [record] = self.vouchers()
        self.assertEqual(record.fortnox_state, "failed")
        self.assertIn("Perioden är låst", record.fortnox_error)
        self.assertFalse(self.fortnox_vouchers())

    def test_day_without_financial_year_held(self):
        old_day = date(self.today.year - 3, 6, 30)
        self.fortnox_backend.stock_voucher_start_date = old_day
        self.count_stock(self.towel, 5, day=old_day)

        self.send_stock_vouchers()

        [record] = self.vouchers()
        self.assertEqual(record.fortnox_state, "failed")
        self.assertIn(f"no financial year for {old_day.isoformat()}", record.fortnox_error)
        self.assertFalse(self.voucher_posts())

        self.fortnox.add_financial_year(date(old_day.year, 1, 1), date(old_day.year, 12, 31))
        record.action_fortnox_send()
        self.run_jobs()

        self.assertEqual(record.fortnox_state, "exported")
        [voucher] = self.fortnox_vouchers()
        self.assertEqual(voucher["TransactionDate"], old_day.isoformat())

    def test_series_change_keeps_sent_voucher(self):
        self.count_stock(self.towel, 5, day=self.yesterday)
        self.fortnox.inject("drop", method="POST", path="/3/vouchers", after=True)
        self.send_stock_vouchers()
        self.fortnox_backend.stock_voucher_series = "B"

        self.run_jobs(include_delayed=True)

        [record] = self.vouchers()
        self.assertEqual(record.fortnox_state, "exported")
        self.assertEqual(record.voucher_series, "A")
        self.assertEqual(len(self.fortnox_vouchers("A")), 1)
        self.assertFalse(self.fortnox_vouchers("B"))

    def test_unknown_series_explained(self):
        self.fortnox_backend.stock_voucher_series = "L"
        self.count_stock(self.towel, 5, day=self.yesterday)

        self.send_stock_vouchers()

        [record] = self.vouchers()
        self.assertEqual(record.fortnox_state, "failed")
        self.assertIn("no voucher series L", record.fortnox_error)
        self.assertFalse(self.voucher_posts())

        self.fortnox_backend.stock_voucher_series = "A"
        record.action_fortnox_send()
        self.run_jobs()

        self.assertEqual(record.fortnox_state, "exported")
        self.assertEqual(record.voucher_series, "A")
        self.assertEqual(len(self.fortnox_vouchers("A")), 1)

    def test_lost_response_does_not_duplicate_voucher(self):
        self.count_stock(self.towel, 5, day=self.yesterday)
        self.fortnox.inject("drop", method="POST", path="/3/vouchers", after=True)

        self.send_stock_vouchers()

        [record] = self.vouchers()
        self.assertEqual(record.fortnox_state, "failed")
        self.assertTrue(record.fortnox_retryable)
        self.assertEqual(len(self.fortnox_vouchers()), 1)

        self.run_jobs(include_delayed=True)

        [voucher] = self.fortnox_vouchers()
        self.assertEqual(record.fortnox_state, "exported")
        self.assertEqual(record.voucher_number, voucher["VoucherNumber"])
        self.assertEqual(len(self.voucher_posts()), 1)

    def test_fortnox_unreachable_retried_later(self):
        self.count_stock(self.towel, 5, day=self.yesterday)
        self.fortnox.outage(60, status=503)

        self.send_stock_vouchers()

        [record] = self.vouchers()
        self.assertEqual(record.fortnox_state, "failed")
        self.assertTrue(record.fortnox_retryable)
        self.assertTrue(record.fortnox_next_attempt)
        waiting = self.env["queue.job"].search(
            [("identity_key", "=", record._fortnox_job_identity()), ("state", "=", "pending")]
        )
        self.assertEqual(waiting.eta, record.fortnox_next_attempt)
        self.assertEqual(waiting.channel, f"root.fortnox.{self.fortnox_backend.id}")

    def test_revoked_connection_resumes_on_reconnect(self):
        self.count_stock(self.towel, 5, day=self.yesterday)
        self.fortnox.revoke_connection()
        self.fortnox_backend.sudo().token_expires_at = False

        self.send_stock_vouchers()

        [record] = self.vouchers()
        self.assertEqual(record.fortnox_state, "reconnect")
        self.assertEqual(self.fortnox_backend.state, "reconnect")

        connect_to_simulator(self.fortnox, self.fortnox_backend)
        self.env["account.move"]._fortnox_resume_blocked(self.fortnox_backend)
        self.run_jobs()

        self.assertEqual(record.fortnox_state, "exported")
        self.assertEqual(len(self.fortnox_vouchers()), 1)

    def test_per_entry_mode_sends_each_entry(self):
        self.fortnox_backend.stock_voucher_mode = "entry"

        first = self.count_stock(self.towel, 5)
        second = self.count_stock(self.plate, 2)
        self.run_jobs()

        vouchers = self.fortnox_vouchers()
        self.assertEqual(len(vouchers), 2)
        self.assertIn(first.name, vouchers[0]["Description"])
        self.assertIn(second.name, vouchers[1]["Description"])
        self.assertEqual(self.voucher_sums(vouchers[0]), self.entry_sums(first))
        self.assertEqual(self.voucher_sums(vouchers[1]), self.entry_sums(second))
        self.assertEqual(first.fortnox_voucher_id.grouping, "entry")

    def test_mode_off_sends_nothing(self):
        self.fortnox_backend.stock_voucher_mode = "off"
        self.count_stock(self.towel, 5, day=self.yesterday)

        self.env["fortnox.voucher"]._cron_fortnox_send()
        self.run_jobs()

        self.assertFalse(self.vouchers())
        self.assertFalse(self.fortnox.requests)

    def test_entries_before_start_date_left_out(self):
        self.fortnox_backend.stock_voucher_start_date = self.today
        self.count_stock(self.towel, 5, day=self.yesterday)

        self.send_stock_vouchers()

        self.assertFalse(self.vouchers())

    def test_day_netting_to_zero_sends_nothing(self):
        entry = self.count_stock(self.towel, 5, day=self.yesterday)
        entry._reverse_moves([{"date": self.yesterday}]).action_post()

        self.send_stock_vouchers()

        [record] = self.vouchers()
        self.assertEqual(record.fortnox_state, "netted")
        self.assertEqual(len(record.move_ids), 2)
        self.assertFalse(self.voucher_posts())

    def test_cost_centre_and_project_from_analytic_distribution(self):
        plan = self.env["account.analytic.plan"].create({"name": "Avdelningar"})
        department = self.env["account.analytic.account"].create(
            {
                "name": "Butik Borås",
                "plan_id": plan.id,
                "fortnox_cost_center": "BOR",
                "fortnox_project": "12",
            }
        )
        order = self.buy(self.supplier, [(self.vase, 10, 12.34)], currency=self.eur)
        order.order_line.analytic_distribution = {str(department.id): 100}
        self.run_jobs()
        self.receive(order, 10)
        self.bill(order, 12.90)

        self.send_stock_vouchers()

        [voucher] = self.fortnox_vouchers()
        dimensioned = [row for row in voucher["VoucherRows"] if row["CostCenter"]]
        self.assertEqual(
            sorted((row["Account"], row["Debit"], row["Credit"]) for row in dimensioned),
            [(1410, 64.40, 0.0), (4960, 0.0, 64.40)],
        )
        self.assertEqual({row["Project"] for row in dimensioned}, {"12"})
        self.assertEqual({row["CostCenter"] for row in dimensioned}, {"BOR"})
        plain = {row["Account"]: row for row in voucher["VoucherRows"] if not row["CostCenter"]}
        self.assertEqual(plain[1410]["Debit"], 1419.10)

    def test_partial_distribution_split_to_the_ore(self):
        department = self.env["account.analytic.account"].create(
            {
                "name": "Butik Borås",
                "plan_id": self.env["account.analytic.plan"].create({"name": "Avd"}).id,
                "fortnox_cost_center": "BOR",
            }
        )
        entry = self.count_stock(self.towel, 5, day=self.yesterday)
        line = entry.line_ids.filtered(lambda item: item.account_id.code == "1410")

        line.analytic_distribution = {str(department.id): 33.33}
        parts = dict(line._fortnox_dimension_parts(to_decimal("200.01")))

        self.assertEqual(parts[("BOR", "")], to_decimal("66.66"))
        self.assertEqual(parts[("", "")], to_decimal("133.35"))

        line.analytic_distribution = {str(department.id): 100, "999999": 50}
        with self.assertRaisesRegex(UserError, "more than 100"):
            line._fortnox_dimension_parts(to_decimal("200.01"))
