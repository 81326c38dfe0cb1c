import importlib.util

from odoo import fields

from .common import REPOSITORY_ROOT
from .fortnox_common import FortnoxHttpCase


def load_tool(name):
    """Import a script of tools/ (a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(
        f"ongoing_fortnox_tools_{name}", REPOSITORY_ROOT / "tools" / f"{name}.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestDemoFortnoxConnection(FortnoxHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.demo_setup = load_tool("demo_setup")
        cls.fortnox_connect = load_tool("fortnox_connect")

    def setUp(self):
        super().setUp()
        self.backend.active = False
        self.company.tax_calculation_rounding_method = "round_per_line"
        self.demo_backend = self.demo_setup.configure_fortnox(
            self.env, self.company, f"{self.fortnox_url}/"
        )
        demo = self.demo_backend.sudo()
        self.simulator.oauth.register_client(demo.client_id, demo.client_secret)

    def connect(self, password="admin"):
        # The script's requests reach Odoo through another cursor: write pending changes first.
        self.env.flush_all()
        return self.fortnox_connect.connect(
            self.base_url(), self.env.cr.dbname, "admin", password, self.demo_backend.id
        )

    def test_demo_setup_points_backend_at_simulator(self):
        backend = self.demo_backend.sudo()
        self.assertEqual(backend.api_url, f"{self.fortnox_url}/3")
        self.assertEqual(backend.auth_url, f"{self.fortnox_url}/oauth-v1/auth")
        self.assertEqual(backend.token_url, f"{self.fortnox_url}/oauth-v1/token")
        self.assertEqual(backend.client_id, "demo-client")
        self.assertGreaterEqual(len(backend.client_secret), 20)
        self.assertEqual(backend.state, "not_connected")
        self.assertEqual(backend.export_start_date, fields.Date.context_today(backend))
        self.assertEqual(self.company.tax_calculation_rounding_method, "round_globally")

    def test_demo_sends_stock_vouchers_and_bills(self):
        backend = self.demo_backend.sudo()
        self.assertEqual(backend.stock_voucher_mode, "daily")
        self.assertTrue(backend.export_vendor_bills)
        self.assertIn("supplierinvoice", backend.scopes.split())
        self.assertLess(backend.stock_voucher_start_date, fields.Date.context_today(backend))

    def test_connect_script_completes_flow(self):
        message = self.connect()

        self.assertEqual(message, "Odoo is now connected to Fortnox.")
        self.demo_backend.invalidate_recordset()
        self.assertEqual(self.demo_backend.state, "connected")
        self.assertEqual(self.simulator.state()["connections"][-1]["client_id"], "demo-client")
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])
        self.assertIsNotNone(self.export(move))

    def test_connect_script_reports_wrong_login(self):
        with self.assertRaisesRegex(self.fortnox_connect.ConnectError, "rejected the login"):
            self.connect(password="wrong")

    def test_connect_script_reports_refused_client(self):
        self.demo_backend.sudo().client_secret = "not-registered"

        with self.assertRaisesRegex(
            self.fortnox_connect.ConnectError, "rejected the client ID or client secret"
        ):
            self.connect()
