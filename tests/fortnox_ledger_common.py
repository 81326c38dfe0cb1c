"""A 3PL warehouse on the Ongoing simulator and the books in the Fortnox simulator.

The Fortnox side is named ``fortnox`` (simulator) and ``fortnox_backend``
(connection), because ``simulator`` and ``backend`` are Ongoing's here.
"""

from collections import defaultdict
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from odoo import fields

from ..simulators.base import SimulatorServer
from ..simulators.fortnox import FortnoxSimulator
from .common import SimulatedWarehouseCase
from .fortnox_common import CLIENT_ID, CLIENT_SECRET, SIMULATOR_RATE_LIMIT, connect_to_simulator

#: SEK per EUR on every day of these tests.
SEK_PER_EUR = 11.50


def to_decimal(value):
    return Decimal(str(value)).quantize(Decimal("0.01"))


class FortnoxLedgerCase(SimulatedWarehouseCase):
    """Stock flows through Ongoing, vouchers and supplier invoices to Fortnox.

    The Fortnox connection sends daily stock vouchers in series A; vendor
    bill export is off unless a test class switches it on.
    """

    fortnox_backend_values = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The export's own cursors (token, rate limiter) share the test transaction.
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)
        cls.fortnox = FortnoxSimulator(CLIENT_ID, CLIENT_SECRET, rate_limit=SIMULATOR_RATE_LIMIT)
        cls.fortnox_server = SimulatorServer(cls.fortnox).start()
        cls.addClassCleanup(cls.fortnox_server.stop)
        url = cls.fortnox_server.url

        cls.company.tax_calculation_rounding_method = "round_globally"
        cls.today = fields.Date.context_today(cls.env.user)
        cls.fortnox_backend = cls.env["fortnox.backend"].create(
            {
                "name": "Fortnox",
                "company_id": cls.company.id,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "api_url": f"{url}/3",
                "auth_url": f"{url}/oauth-v1/auth",
                "token_url": f"{url}/oauth-v1/token",
                "export_start_date": cls.today - timedelta(days=30),
                "stock_voucher_mode": "daily",
                "stock_voucher_start_date": cls.today - timedelta(days=30),
                **cls.fortnox_backend_values,
            }
        )
        cls.backend.action_create_mirror_locations()

        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        rates = cls.env["res.currency.rate"]
        rates.search([("currency_id", "=", cls.eur.id)]).unlink()
        rates.create(
            {
                "name": cls.today - timedelta(days=400),
                "currency_id": cls.eur.id,
                "company_id": cls.company.id,
                "inverse_company_rate": SEK_PER_EUR,
            }
        )
        cls.chart = cls.env["account.chart.template"].with_company(cls.company)
        cls.customer = cls.make_customer(cls)
        cls.supplier = cls.make_supplier(
            cls, name="Keramik Werkstatt GmbH", country_id=cls.env.ref("base.de").id
        )

    def setUp(self):
        super().setUp()
        self.fortnox.reset(connections=True)
        connect_to_simulator(self.fortnox, self.fortnox_backend)

    # ------------------------------------------------------------------
    # Odoo side
    # ------------------------------------------------------------------

    @classmethod
    def account(cls, code):
        return cls.env["account.account"].search(
            [("code", "=", code), ("company_ids", "in", cls.company.id)], limit=1
        )

    @classmethod
    def make_category(cls, name, stock_code):
        """Return an AVCO category valued in real time on the stock account ``stock_code``."""
        category = cls.env["product.category"].create({"name": name, "parent_id": cls.category.id})
        category.with_company(cls.company).write(
            {
                "property_valuation": "real_time",
                "property_cost_method": "average",
                "property_stock_valuation_account_id": cls.account(stock_code).id,
                "property_stock_account_input_categ_id": cls.account("4960").id,
                "property_stock_account_output_categ_id": cls.account("4960").id,
            }
        )
        return category

    def count_stock(self, product, quantity, day=None):
        """Set the product's on-hand quantity by an inventory adjustment, valued on ``day``."""
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": product.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "inventory_quantity": quantity,
                "accounting_date": day or self.today,
            }
        )._apply_inventory()
        entry = self.env["account.move"].search(
            [("stock_move_id.product_id", "=", product.id)], order="id desc", limit=1
        )
        return entry

    def deliver(self, product, quantity):
        """Sell ``quantity`` of ``product``; Ongoing picks and ships it. Return the delivery."""
        sale = self.sell(self.customer, [(product, quantity)])
        self.run_jobs()
        delivery = sale.picking_ids
        self.simulator.pick(delivery.name, {"1": quantity})
        self.simulator.ship(delivery.name, way_bill="00370712345678901")
        self.poll()
        self.assertEqual(delivery.state, "done")
        return delivery

    def receive(self, order, quantity):
        self.simulator.receive(
            order.name, {"1": quantity}, received_time=datetime.now(timezone.utc)
        )
        self.poll()

    def bill(self, order, price):
        """Post the purchase order's bill, dated today, at ``price`` a unit."""
        action = order.action_create_invoice()
        bill = self.env["account.move"].browse(action["res_id"])
        bill.invoice_date = self.today
        bill.ref = f"R-{order.name}"
        bill.invoice_line_ids.price_unit = price
        bill.action_post()
        return bill

    def stock_entries(self, day):
        return self.env["account.move"].search(
            [
                ("company_id", "=", self.company.id),
                ("state", "=", "posted"),
                ("fortnox_stock_valuation", "=", True),
                ("date", "=", day),
            ]
        )

    def entry_sums(self, entries):
        """Return the net amount per account code of journal entries, to the öre."""
        sums = defaultdict(Decimal)
        for line in entries.line_ids:
            sums[int(line.account_id.code)] += to_decimal(line.balance)
        return {code: amount for code, amount in sums.items() if amount}

    def send_stock_vouchers(self):
        """Press Send Stock Vouchers on the connection and run the jobs."""
        self.fortnox_backend.action_fortnox_send_stock_vouchers()
        self.run_jobs()

    def vouchers(self, backend=None):
        return self.env["fortnox.voucher"].search(
            [("backend_id", "=", (backend or self.fortnox_backend).id)], order="id"
        )

    # ------------------------------------------------------------------
    # Fortnox side
    # ------------------------------------------------------------------

    def fortnox_vouchers(self, series="A"):
        return [
            voucher
            for voucher in self.fortnox.state()["vouchers"]
            if voucher["VoucherSeries"] == series
        ]

    def voucher_sums(self, voucher):
        """Return the net amount per Fortnox account of a voucher's rows."""
        sums = defaultdict(Decimal)
        for row in voucher["VoucherRows"]:
            sums[row["Account"]] += to_decimal(row["Debit"]) - to_decimal(row["Credit"])
        return {account: amount for account, amount in sums.items() if amount}

    def voucher_posts(self):
        return self.fortnox.requests_to("POST", "/3/vouchers")
