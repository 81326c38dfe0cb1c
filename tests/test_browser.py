"""The integration's screens in a real browser, in English and in Swedish.

A user logs in through Odoo's login page in headless Chromium (Debian's
``chromium`` package, driven by Playwright). The user opens the Ongoing
backend, a delivery with its Ongoing state, an invoice with its Fortnox number
and the stock differences of a reconciliation. Each screen is checked for its key
texts and saved as a screenshot: into ``docs/screenshots/`` when
``SAVE_SCREENSHOTS=1``, otherwise into a temporary folder.
"""

import contextlib
import os
import shutil
import tempfile
import unittest
from pathlib import Path

from odoo.tests import new_test_user
from odoo.tests.common import TEST_CURSOR_COOKIE_NAME

from ..simulators.base import SimulatorServer
from ..simulators.fortnox import FortnoxSimulator
from .common import REPOSITORY_ROOT, SimulatedWarehouseHttpCase, run_jobs
from .fortnox_common import (
    CLIENT_ID,
    CLIENT_SECRET,
    SIMULATOR_RATE_LIMIT,
    connect_to_simulator,
    make_backend,
)

try:
    from playwright.sync_api import sync_playwright
except ImportError:
    sync_playwright = None

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1440, "height": 900}
# Milliseconds a screen may take to render in the test server.
SCREEN_TIMEOUT = 30_000
USER_GROUPS = ",".join(
    (
        "base.group_user",
        "stock.group_stock_manager",
        "sales_team.group_sale_salesman",
        "account.group_account_invoice",
        "ongoing_fortnox_sync.group_ongoing_fortnox_manager",
    )
)


def skip_reason():
    """Return why the browser test cannot run here, or None."""
    if sync_playwright is None:
        return (
            "the Python package playwright is not installed (requirements-dev.txt lists it; "
            "make test installs it)"
        )
    if not shutil.which(CHROMIUM):
        return f"{CHROMIUM} is missing: install Debian's chromium package (apt install chromium)"
    return None


@contextlib.contextmanager
def browser_address_space():
    """Let the processes started in this block use all the address space the system allows.

    Odoo's server lowers this process's address-space limit (``limit_memory_hard``),
    and child processes inherit it. Chromium's JavaScript engine reserves more
    than 8 GiB of virtual memory at start, so Playwright's driver and the browser
    it launches would die at once under the limit.
    """
    try:
        import resource
    except ImportError:
        yield
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def screenshot_folder():
    """Return where screenshots go: the repository's docs/screenshots/ or a temporary folder."""
    if os.environ.get("SAVE_SCREENSHOTS") == "1":
        folder = REPOSITORY_ROOT / "docs" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    return Path(tempfile.mkdtemp(prefix="ongoing_fortnox_screens_"))


@unittest.skipIf(skip_reason(), skip_reason())
class TestBrowserScreens(SimulatedWarehouseHttpCase):
    """A warehouse and Fortnox on simulators, with one of each record the screens show."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fortnox_simulator = FortnoxSimulator(
            CLIENT_ID, CLIENT_SECRET, rate_limit=SIMULATOR_RATE_LIMIT
        )
        fortnox_server = SimulatorServer(cls.fortnox_simulator).start()
        cls.addClassCleanup(fortnox_server.stop)
        cls.fortnox_backend = make_backend(cls.env, cls.company, fortnox_server.url)
        connect_to_simulator(cls.fortnox_simulator, cls.fortnox_backend)
        cls.warehouse.name = "3PL Borås"
        cls.backend.name = "Ongoing 3PL Borås"
        cls.backend.action_create_mirror_locations()
        cls.backend.action_test_connection()

        cls.env["res.lang"]._activate_lang("sv_SE")
        cls.env["ir.module.module"].search([("state", "=", "installed")])._update_translations(
            ["sv_SE"]
        )

        cls.company.name = "Nordisk Hemtextil AB"
        cls.customer = cls.make_customer(cls, name="Karin Lindqvist")
        carrier = cls.env["delivery.carrier"].create(
            {
                "name": "PostNord MyPack Collect",
                "product_id": cls.env["product.product"]
                .create({"name": "Frakt", "type": "service"})
                .id,
                "ongoing_transporter_code": "PLAB",
                "ongoing_transporter_service_code": "P19",
            }
        )
        cls.blanket = cls.make_product(cls, "PLD-OLA-GRA", name="Pläd Öland, ull, grå", cost=340.0)
        cls.towel = cls.make_product(cls, "BAD-VIS-VIT", name="Badlakan Visby, vit", cost=110.0)
        run_jobs(cls.env)
        cls.put_in_stock(cls, cls.blanket, 20)
        cls.put_in_stock(cls, cls.towel, 40)

        sale = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "warehouse_id": cls.warehouse.id,
                "carrier_id": carrier.id,
                "order_line": [
                    (0, 0, {"product_id": cls.blanket.id, "product_uom_qty": 2}),
                    (0, 0, {"product_id": cls.towel.id, "product_uom_qty": 4}),
                ],
            }
        )
        sale.action_confirm()
        cls.delivery = sale.picking_ids
        run_jobs(cls.env)
        cls.simulator.start_picking(cls.delivery.name)
        cls.delivery.action_ongoing_refresh()
        run_jobs(cls.env)

        cls.invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "invoice_line_ids": [
                    (0, 0, {"product_id": cls.blanket.id, "quantity": 1, "price_unit": 799.0})
                ],
            }
        )
        cls.invoice.action_post()
        run_jobs(cls.env)

        # The warehouse counts three towels fewer and one blanket more than Odoo holds.
        cls.simulator.set_stock(cls.towel.default_code, 37)
        cls.simulator.set_stock(cls.blanket.default_code, 21)
        cls.reconciliation = cls.backend._ongoing_start_reconciliation(mode="report")
        run_jobs(cls.env)

        cls.screens = screenshot_folder()

    def test_setup_builds_every_screen(self):
        self.assertEqual(self.backend.connection_state, "ok")
        self.assertEqual(self.delivery.ongoing_sync_state, "synced")
        self.assertTrue(self.delivery.ongoing_status)
        self.assertEqual(self.invoice.fortnox_state, "exported")
        self.assertTrue(self.invoice.fortnox_document_number)
        self.assertEqual(self.reconciliation.state, "done")
        self.assertEqual(
            set(self.reconciliation.line_ids.mapped("article_number")),
            {self.towel.default_code, self.blanket.default_code},
        )
        self.assertEqual(self.delivery.carrier_id.ongoing_transporter_code, "PLAB")

    # ------------------------------------------------------------------
    # Browser
    # ------------------------------------------------------------------

    def launch_browser(self):
        with browser_address_space():
            playwright = sync_playwright().start()
            self.addCleanup(playwright.stop)
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        self.addCleanup(browser.close)
        return browser

    def open_browser(self, browser, login):
        """Log in as ``login`` through the login page; return the page."""
        context = browser.new_context(viewport=VIEWPORT)
        # Odoo's test server serves only requests that carry the running test's key.
        context.add_cookies(
            [
                {
                    "name": TEST_CURSOR_COOKIE_NAME,
                    "value": self.http_request_key,
                    "url": self.base_url(),
                }
            ]
        )
        page = context.new_page()
        page.set_default_timeout(SCREEN_TIMEOUT)

        page.goto(f"{self.base_url()}/web/login")
        page.fill("input[name=login]", login)
        page.fill("input[name=password]", login)
        page.click("button[type=submit]")
        page.wait_for_selector(".o_main_navbar")
        return page

    def open_screen(self, page, action, ready, record_id=None):
        """Open an action (a record of it when ``record_id``); wait for the ``ready`` selector.

        Odoo's web client keeps its bus connection open, so the page's network is
        never idle: each screen names the element that shows it has loaded.
        """
        path = f"/odoo/action-{action}" + (f"/{record_id}" if record_id else "")
        page.goto(f"{self.base_url()}{path}")
        page.wait_for_selector(ready)
        page.wait_for_selector(".o-mail-Chatter, .o_list_view")

    def save(self, page, name):
        path = self.screens / f"{name}.png"
        page.screenshot(path=str(path))
        self.assertGreater(path.stat().st_size, 10_000, f"{path} looks empty")
        return path

    def screens_of(self, lang):
        """Open the four screens as a user of ``lang``, save screenshots, return their texts."""
        login = f"screens_{lang.lower()}"
        new_test_user(self.env, login=login, groups=USER_GROUPS, lang=lang, tz="Europe/Stockholm")
        suffix = lang.split("_")[0]
        texts = {}
        page = self.open_browser(self.launch_browser(), login)

        self.open_screen(
            page,
            "ongoing_fortnox_sync.action_ongoing_backend",
            "button[name=action_ongoing_export_articles]",
            self.backend.id,
        )
        texts["backend"] = page.inner_text("body")
        self.save(page, f"{suffix}-ongoing-backend")

        self.open_screen(
            page,
            "stock.action_picking_tree_all",
            "button[name=action_ongoing_refresh]",
            self.delivery.id,
        )
        page.click(".o_notebook a[name=extra]")
        page.wait_for_selector("div[name=ongoing_sync_state]")
        texts["delivery"] = page.inner_text("body")
        self.save(page, f"{suffix}-delivery")

        self.open_screen(
            page, "account.action_move_out_invoice_type", ".o_notebook", self.invoice.id
        )
        page.click(".o_notebook a[name=other_info]")
        page.wait_for_selector("div[name=fortnox_document_number]")
        texts["invoice"] = page.inner_text("body")
        texts["fortnox_number"] = page.inner_text("div[name=fortnox_document_number]")
        self.save(page, f"{suffix}-invoice-fortnox")

        self.open_screen(
            page, "ongoing_fortnox_sync.action_ongoing_reconciliation_line", ".o_data_row"
        )
        texts["reconciliation"] = page.inner_text("body")
        self.save(page, f"{suffix}-reconciliation")
        # The web client's requests share the test's cursor, so they must end before
        # the test reads records again, as Odoo's own browser tests wait for them.
        page.context.close()
        self._wait_remaining_requests()
        return texts

    # ------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------

    def test_screens_in_english(self):
        texts = self.screens_of("en_US")

        self.assertIn("Ongoing 3PL Borås", texts["backend"])
        self.assertIn("Send All Articles", texts["backend"])
        self.assertIn("Test Connection", texts["backend"])
        self.assertIn("Connected to Ongoing WMS as goods owner 159.", texts["backend"])
        self.assertIn(self.delivery.name, texts["delivery"])
        self.assertIn("Send to Ongoing", texts["delivery"])
        self.assertIn("Update from Ongoing", texts["delivery"])
        self.assertIn("Synced", texts["delivery"])
        self.assertIn(self.delivery.ongoing_status, texts["delivery"])
        self.assertIn(self.invoice.name, texts["invoice"])
        self.assertEqual(texts["fortnox_number"].strip(), self.invoice.fortnox_document_number)
        self.assertIn("Exported", texts["invoice"])
        self.assertIn("Stock Differences with Ongoing WMS", texts["reconciliation"])
        self.assertIn(self.towel.default_code, texts["reconciliation"])
        self.assertIn(self.blanket.default_code, texts["reconciliation"])
        self.assertIn("Inventory", texts["delivery"])

    def test_screens_in_swedish(self):
        texts = self.screens_of("sv_SE")

        # Odoo's own Swedish words; the addon's labels are checked in English only.
        self.assertIn("Inventering", texts["backend"])
        self.assertIn("Skicka meddelande", texts["backend"])
        self.assertIn("Leveransadress", texts["delivery"])
        self.assertIn("Ytterligare information", texts["delivery"])
        self.assertIn("Kundfaktura", texts["invoice"])
        self.assertIn("Annan information", texts["invoice"])
        self.assertIn("Inventering", texts["reconciliation"])
        self.assertIn(self.delivery.name, texts["delivery"])
        self.assertEqual(texts["fortnox_number"].strip(), self.invoice.fortnox_document_number)
        self.assertIn(self.towel.default_code, texts["reconciliation"])
