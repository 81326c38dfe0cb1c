"""Receipts booked from Ongoing, valued in SEK from prices in EUR, on the Swedish chart.

The rates are SEK per EUR, set per day relative to today:

    10 days ago  11.20   (the purchase orders' date)
     3 days ago  11.50   (Ongoing receives the goods)
     2 days ago  11.55
     1 day ago   11.60
         today   11.80   (Odoo processes Ongoing's report)

so a figure shows which day's rate it was converted at.
"""

from datetime import datetime, time, timedelta, timezone

from odoo import fields

from .common import SimulatedWarehouseCase

RATES = {10: 11.20, 3: 11.50, 2: 11.55, 1: 11.60, 0: 11.80}


def days_ago(days):
    return fields.Date.today() - timedelta(days=days)


def received_at(days):
    """Return 10:00 UTC, days ago: the same calendar day in Sweden."""
    return datetime.combine(days_ago(days), time(10, 0), tzinfo=timezone.utc)


class TestPurchaseValuation(SimulatedWarehouseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        rates = cls.env["res.currency.rate"]
        rates.search([("currency_id", "=", cls.eur.id)]).unlink()
        for days, sek_per_eur in RATES.items():
            rates.create(
                {
                    "name": days_ago(days),
                    "currency_id": cls.eur.id,
                    "company_id": cls.company.id,
                    "inverse_company_rate": sek_per_eur,
                }
            )
        cls.supplier = cls.make_supplier(
            cls, name="Keramik Werkstatt GmbH", country_id=cls.env.ref("base.de").id
        )
        cls.fifo = cls.env["product.category"].create(
            {"name": "Handelsvaror FIFO", "parent_id": cls.category.id}
        )
        cls.fifo.with_company(cls.company).write(
            {"property_valuation": "real_time", "property_cost_method": "fifo"}
        )

    def setUp(self):
        super().setUp()
        self.product = self.make_product("VAS-40", name="Vas Rörstrand", cost=0.0)
        self.run_jobs()

    def purchase(self, product=None, quantity=10, price=12.34):
        order = self.buy(
            self.supplier,
            [(product or self.product, quantity, price)],
            currency=self.eur,
            date_order=fields.Datetime.to_datetime(days_ago(10)),
        )
        self.run_jobs()
        return order

    def receive(self, order, quantity, days):
        self.simulator.receive(order.name, {"1": quantity}, received_time=received_at(days))
        self.poll()

    def bill(self, order, price, days):
        """Post the purchase order's bill, dated days ago, at ``price`` EUR a unit."""
        action = order.action_create_invoice()
        bill = self.env["account.move"].browse(action["res_id"])
        bill.invoice_date = days_ago(days)
        bill.invoice_line_ids.price_unit = price
        bill.action_post()
        return bill

    def corrections(self, bill):
        """Return the valuation layers with which the bill revalued received goods."""
        return self.env["stock.valuation.layer"].search(
            [("account_move_line_id.move_id", "=", bill.id)]
        )

    def account_total(self, entries, code, side):
        lines = entries.line_ids.filtered(lambda line: line.account_id.code == code)
        return round(sum(lines.mapped(side)), 2)

    def test_rates_as_configured(self):
        for days, sek_per_eur in RATES.items():
            self.assertAlmostEqual(
                self.eur._convert(100.0, self.company.currency_id, self.company, days_ago(days)),
                round(100 * sek_per_eur, 2),
            )

    def test_receipt_valued_at_received_day_rate(self):
        order = self.purchase(quantity=10, price=12.34)
        receipt = order.picking_ids

        self.receive(order, 10, days=3)

        layer = receipt.move_ids.stock_valuation_layer_ids
        # 10 x 12.34 EUR at 11.50, the rate three days ago, not today's 11.80.
        self.assertEqual(layer.value, 1419.10)
        self.assertAlmostEqual(layer.unit_cost, 141.91)
        self.assertEqual(layer.create_date.date(), days_ago(3))
        self.assertEqual(receipt.move_ids.date, received_at(3).replace(tzinfo=None))
        self.assertEqual(receipt.date_done, received_at(3).replace(tzinfo=None))
        entry = layer.account_move_id
        self.assertEqual(entry.date, days_ago(3))
        self.assertEqual(entry.state, "posted")
        self.assertEqual(self.account_total(entry, "1410", "debit"), 1419.10)
        self.assertEqual(self.account_total(entry, "4960", "credit"), 1419.10)
        self.assertEqual(self.product.standard_price, 141.91)
        self.assertEqual(self.product.value_svl, 1419.10)

    def test_receipt_yesterday_valued_at_yesterday_rate(self):
        order = self.purchase(quantity=10, price=12.34)
        receipt = order.picking_ids

        self.receive(order, 10, days=1)

        layer = receipt.move_ids.stock_valuation_layer_ids
        # 10 x 12.34 EUR at 11.60, yesterday's rate: 1431.44, not 1456.12 at today's 11.80.
        self.assertEqual(layer.value, 1431.44)
        self.assertEqual(layer.create_date.date(), days_ago(1))
        self.assertEqual(layer.account_move_id.date, days_ago(1))
        self.assertEqual(self.account_total(layer.account_move_id, "1410", "debit"), 1431.44)
        self.assertEqual(self.account_total(layer.account_move_id, "4960", "credit"), 1431.44)
        self.assertEqual(self.product.standard_price, 143.14)

    def test_locked_received_day_books_next_open_day(self):
        self.company.fiscalyear_lock_date = days_ago(2)
        order = self.purchase(quantity=10, price=12.34)
        receipt = order.picking_ids

        self.receive(order, 10, days=3)

        layer = receipt.move_ids.stock_valuation_layer_ids
        self.assertEqual(layer.value, 1419.10)
        self.assertEqual(layer.create_date.date(), days_ago(3))
        self.assertEqual(layer.account_move_id.date, days_ago(1))
        self.assertEqual(layer.account_move_id.state, "posted")
        self.assertTrue(
            any("locked accounting period" in body for body in receipt.message_ids.mapped("body"))
        )

    def test_higher_bill_revalues_stock_and_cost(self):
        order = self.purchase(quantity=10, price=12.34)
        self.receive(order, 10, days=3)

        bill = self.bill(order, price=12.90, days=1)

        # 10 x 12.90 EUR at 11.60, the bill's rate.
        self.assertEqual(self.account_total(bill, "4000", "debit"), 1496.40)
        self.assertEqual(self.account_total(bill, "2440", "credit"), 1496.40)
        correction = self.corrections(bill)
        self.assertEqual(len(correction), 1)
        self.assertEqual(correction.value, 77.30)
        receipt_layer = order.picking_ids.move_ids.stock_valuation_layer_ids - correction
        self.assertEqual(correction.stock_valuation_layer_id, receipt_layer)
        entry = correction.account_move_id
        # Dated as the bill; Odoo books a bill dated earlier in the running month today.
        self.assertEqual(entry.date, bill.date)
        self.assertEqual(self.account_total(entry, "1410", "debit"), 77.30)
        self.assertEqual(self.account_total(entry, "4960", "credit"), 77.30)
        self.assertEqual(self.product.value_svl, 1496.40)
        self.assertEqual(self.product.standard_price, 149.64)

    def test_bill_rate_difference_revalues(self):
        order = self.purchase(quantity=10, price=12.34)
        self.receive(order, 10, days=3)

        bill = self.bill(order, price=12.34, days=1)

        # 10 x 12.34 EUR at 11.60 = 1431.44, against 1419.10 at 11.50.
        self.assertEqual(self.account_total(bill, "4000", "debit"), 1431.44)
        self.assertEqual(self.corrections(bill).value, 12.34)
        self.assertEqual(self.product.value_svl, 1431.44)
        self.assertEqual(self.product.standard_price, 143.14)

    def test_bill_before_receipt_sets_value(self):
        self.product.purchase_method = "purchase"
        order = self.purchase(quantity=10, price=12.34)
        bill = self.bill(order, price=12.50, days=2)
        self.assertEqual(self.account_total(bill, "4000", "debit"), 1443.75)

        self.receive(order, 10, days=1)

        receipt = order.picking_ids
        layer = receipt.move_ids.stock_valuation_layer_ids
        # 10 x 12.50 EUR (the bill's price) at 11.55 (the bill's rate), not the
        # receipt day's 11.60 nor today's 11.80.
        self.assertEqual(layer.value, 1443.75)
        self.assertEqual(layer.unit_cost, 144.38)
        entry = layer.account_move_id
        self.assertEqual(entry.date, days_ago(1))
        self.assertEqual(self.account_total(entry, "1410", "debit"), 1443.75)
        self.assertEqual(self.account_total(entry, "4960", "credit"), 1443.75)
        self.assertFalse(self.corrections(bill))
        self.assertEqual(self.product.value_svl, 1443.75)
        self.assertEqual(self.product.standard_price, 144.38)

    def test_two_receipt_days_valued_separately(self):
        order = self.purchase(quantity=10, price=12.34)
        receipt = order.picking_ids
        # Both arrive before Odoo reads Ongoing.
        self.simulator.receive(order.name, {"1": 4}, received_time=received_at(3))
        self.simulator.receive(order.name, {"1": 6}, received_time=received_at(1))

        self.poll()

        backorder = order.picking_ids - receipt
        self.assertEqual(receipt.state, "done")
        self.assertEqual(backorder.state, "done")
        self.assertEqual(receipt.move_ids.quantity, 4)
        self.assertEqual(backorder.move_ids.quantity, 6)
        first = receipt.move_ids.stock_valuation_layer_ids
        second = backorder.move_ids.stock_valuation_layer_ids
        # 4 x 12.34 at 11.50 and 6 x 12.34 at 11.60.
        self.assertEqual(first.value, 567.64)
        self.assertEqual(second.value, 858.86)
        self.assertEqual(first.account_move_id.date, days_ago(3))
        self.assertEqual(second.account_move_id.date, days_ago(1))
        self.assertEqual(receipt.ongoing_order_id.line_ids.booked_qty, 10)
        remote = self.simulator.purchase_order_state(order.name)["purchaseOrderLines"][0]
        self.assertEqual(remote["reportedNumberOfItems"], 10)
        self.assertEqual(self.product.value_svl, 1426.50)

    def test_fifo_bill_revalues_remaining_stock(self):
        product = self.make_product("FAT-50", name="Fat Gustavsberg", cost=0.0)
        product.categ_id = self.fifo
        self.run_jobs()
        order = self.purchase(product, quantity=10, price=12.34)
        self.receive(order, 10, days=3)
        layer = order.picking_ids.move_ids.stock_valuation_layer_ids
        self.assertEqual(layer.value, 1419.10)

        sale = self.sell(self.make_customer(), [(product, 4)])
        self.run_jobs()
        self.simulator.pick(sale.picking_ids.name, {"1": 4})
        self.poll()
        delivered = sale.picking_ids.move_ids.stock_valuation_layer_ids
        self.assertEqual(delivered.value, -567.64)

        bill = self.bill(order, price=12.90, days=1)

        # The 6 still in stock take 6 x 7.73 SEK more; the 4 sold stay as booked.
        correction = self.corrections(bill)
        self.assertEqual(correction.value, 46.38)
        self.assertEqual(layer.remaining_qty, 6)
        self.assertEqual(layer.remaining_value, 897.84)
        self.assertEqual(product.value_svl, 897.84)
        entry = correction.account_move_id
        self.assertEqual(self.account_total(entry, "1410", "debit"), 46.38)
        self.assertEqual(self.account_total(entry, "4960", "credit"), 46.38)
        self.assertEqual(self.account_total(bill, "2440", "credit"), 1496.40)
