"""Odoo-side set-up of the Fortnox tests: a simulator, a connected backend, Swedish invoices.

The export opens cursors of its own (token refresh, rate limiter). The test
classes here put the registry in test mode, so those cursors work inside
the test's transaction, as they do in Odoo's HttpCase.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, TransactionCase

from ..simulators.base import SimulatorServer
from ..simulators.fortnox import FortnoxSimulator
from .common import LoopbackRequestsMixin, run_jobs

CLIENT_ID = "odoo-test-client"
CLIENT_SECRET = "odoo-test-secret-5b1e"
#: Far above what a test sends: pacing is tested on its own, not in every test.
SIMULATOR_RATE_LIMIT = 10_000


def connect_to_simulator(simulator, backend):
    """Give the backend tokens of a new simulator connection, as a finished OAuth flow does."""
    tokens = simulator.create_connection()
    backend.sudo().write(
        {
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
            "token_expires_at": fields.Datetime.now() + timedelta(seconds=tokens["expires_in"]),
            "state": "connected",
        }
    )
    return tokens


def make_backend(env, company, fortnox_url):
    """Create the company's Fortnox connection to the simulator at ``fortnox_url``, unconnected.

    It exports invoices of the last 30 days; the company rounds VAT globally, as
    Fortnox does.
    """
    company.tax_calculation_rounding_method = "round_globally"
    return env["fortnox.backend"].create(
        {
            "name": "Fortnox",
            "company_id": company.id,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "api_url": f"{fortnox_url}/3",
            "auth_url": f"{fortnox_url}/oauth-v1/auth",
            "token_url": f"{fortnox_url}/oauth-v1/token",
            "export_start_date": fields.Date.today() - timedelta(days=30),
        }
    )


class FortnoxSetupMixin(LoopbackRequestsMixin):
    """A Swedish company connected to a Fortnox simulator, with customers, products and taxes.

    The simulator runs on the real clock; its documents and connections are
    cleared before each test, which starts with fresh tokens.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.simulator = FortnoxSimulator(CLIENT_ID, CLIENT_SECRET, rate_limit=SIMULATOR_RATE_LIMIT)
        cls.fortnox_server = SimulatorServer(cls.simulator).start()
        cls.addClassCleanup(cls.fortnox_server.stop)
        cls.fortnox_url = cls.fortnox_server.url

        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.backend = make_backend(cls.env, cls.company, cls.fortnox_url)
        cls._setup_accounting()

    @classmethod
    def _setup_accounting(cls):
        chart = cls.env["account.chart.template"].with_company(cls.company)
        cls.tax_25 = chart.ref("sale_tax_25_goods")
        cls.tax_12 = chart.ref("sale_tax_12_goods")
        cls.tax_6 = chart.ref("sale_tax_6_goods")
        cls.fp_eu_b2b = chart.ref("fp_euro_b2b")
        cls.fp_outside_eu = chart.ref("fp_outside_euro")
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.env["res.currency.rate"].create(
            {
                "currency_id": cls.eur.id,
                "company_id": cls.company.id,
                "name": fields.Date.today() - timedelta(days=10),
                "inverse_company_rate": 11.5,
            }
        )

        cls.towel = cls.make_product("Linnehandduk", "TOWEL-01", cls.tax_25)
        cls.coffee = cls.make_product("Kaffe mörkrost", "COFFEE-500", cls.tax_12)
        cls.private_customer = cls.env["res.partner"].create(
            {
                "name": "Åsa Öberg",
                "street": "Storgatan 1",
                "zip": "411 38",
                "city": "Göteborg",
                "country_id": cls.env.ref("base.se").id,
                "email": "asa@example.com",
            }
        )
        cls.swedish_company = cls.env["res.partner"].create(
            {
                "name": "Smörgåsbolaget i Västerås AB",
                "is_company": True,
                "company_registry": "556036-0793",
                "street": "Kungsgatan 12",
                "zip": "722 11",
                "city": "Västerås",
                "country_id": cls.env.ref("base.se").id,
            }
        )
        cls.german_company = cls.env["res.partner"].create(
            {
                "name": "Müller Küchen GmbH",
                "is_company": True,
                "vat": "DE123456788",
                "street": "Hauptstraße 5",
                "zip": "10115",
                "city": "Berlin",
                "country_id": cls.env.ref("base.de").id,
            }
        )
        cls.us_company = cls.env["res.partner"].create(
            {
                "name": "Acme Imports Inc.",
                "is_company": True,
                "street": "1 Main Street",
                "zip": "10001",
                "city": "New York",
                "country_id": cls.env.ref("base.us").id,
            }
        )

    @classmethod
    def make_product(cls, name, code, tax, **values):
        return cls.env["product.product"].create(
            {
                "name": name,
                "default_code": code,
                "type": "consu",
                "list_price": 100.0,
                "taxes_id": [Command.set(tax.ids)],
                **values,
            }
        )

    def setUp(self):
        super().setUp()
        self.simulator.reset(connections=True)
        self.simulator.set_deny_authorization(False)
        self.simulator.set_clock_offset(0)
        self.connect_backend()

    def connect_backend(self, backend=None):
        """Give the backend tokens of a new simulator connection, as a finished OAuth flow does."""
        return connect_to_simulator(self.simulator, backend or self.backend)

    def make_invoice(self, partner, lines, currency=None, move_type="out_invoice", post=True):
        """Create a customer invoice of [(product, quantity, price, discount)]; post it."""
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": partner.id,
                "invoice_date": fields.Date.today(),
                "currency_id": (currency or self.company.currency_id).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "quantity": quantity,
                            "price_unit": price,
                            "discount": discount,
                        }
                    )
                    for product, quantity, price, discount in lines
                ],
            }
        )
        if post:
            move.action_post()
        return move

    def run_jobs(self, **options):
        return run_jobs(self.env, **options)

    def export(self, move):
        """Run the queued export jobs, then return the invoice as Fortnox has it (or None)."""
        self.run_jobs()
        move.invalidate_recordset()
        if not move.fortnox_document_number:
            return None
        return self.fortnox_invoice(move.fortnox_document_number)

    def fortnox_invoice(self, number):
        for invoice in self.simulator.state()["invoices"]:
            if invoice["DocumentNumber"] == str(number):
                return invoice
        return None

    def fortnox_customer(self, number):
        for customer in self.simulator.state()["customers"]:
            if customer["CustomerNumber"] == str(number):
                return customer
        return None


class FortnoxCase(FortnoxSetupMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry.enter_test_mode(cls.cr)
        cls.addClassCleanup(cls.registry.leave_test_mode)


class FortnoxHttpCase(FortnoxSetupMixin, HttpCase):
    pass
