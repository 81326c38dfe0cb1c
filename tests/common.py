"""Test helpers: shared example data, a free port, and an Ongoing backend on a Swedish company."""

import os
import socket
import unittest
from pathlib import Path
from urllib.parse import urlsplit

from odoo.tests import HttpCase, TransactionCase
from odoo.tests.common import _super_send

from .job_runner import run_jobs

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")

# The repository root is the addon; its parent holds the shared reference data.
REPOSITORY_ROOT = Path(__file__).resolve().parent.parent


def shared_path(*parts):
    """Return a path under the shared data folder (``../shared`` beside the repository).

    The environment variable ``ONGOING_FORTNOX_SHARED`` points elsewhere when set.
    """
    base = os.environ.get("ONGOING_FORTNOX_SHARED") or REPOSITORY_ROOT.parent / "shared"
    return Path(base).joinpath(*parts)


def skip_without_shared(*parts):
    """Skip the test when the shared file or folder is absent, saying which one."""
    path = shared_path(*parts)
    if not path.exists():
        raise unittest.SkipTest(
            f"{path} is absent: these tests read Ongoing's example payloads from the "
            f"shared data folder beside the repository (or ONGOING_FORTNOX_SHARED)."
        )
    return path


def free_port():
    """Return a loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopbackRequestsMixin:
    """Let requests to loopback through untouched.

    Odoo's test case raises every timeout below 10 s to 10 s, and it fails on the
    (connect, read) timeout tuples the clients use. Other hosts stay blocked.
    """

    @classmethod
    def _request_handler(cls, session, prepared, /, **kwargs):
        if urlsplit(prepared.url).hostname in LOOPBACK_HOSTS:
            return _super_send(session, prepared, **kwargs)
        return super()._request_handler(session, prepared, **kwargs)


class OngoingSetupMixin(LoopbackRequestsMixin):
    """A Swedish company whose main warehouse is run by a 3PL on Ongoing WMS.

    The backend points at ``cls.ongoing_url``; subclasses that start a simulator set
    it before calling ``super().setUpClass()``.
    """

    ongoing_url = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.category = cls.env.ref("product.product_category_all")
        cls.category.with_company(cls.company).write(
            {"property_valuation": "real_time", "property_cost_method": "average"}
        )
        cls.backend = cls.env["ongoing.backend"].create(
            {
                "name": "Ongoing Test Warehouse",
                "company_id": cls.company.id,
                "warehouse_id": cls.warehouse.id,
                "base_url": cls.ongoing_url or f"http://127.0.0.1:{free_port()}/test/api/v1/",
                "goods_owner_id": 159,
                "api_user": "integration",
                "api_password": "s3cret-Pa55word",
            }
        )


class OngoingCase(OngoingSetupMixin, TransactionCase):
    pass


class OngoingHttpCase(OngoingSetupMixin, HttpCase):
    pass


class SimulatedWarehouseMixin:
    """An Ongoing WMS simulator on a free loopback port, shared by a test class.

    Its state is cleared before each test; webhooks wait in its outbox
    (``cls.simulator.webhooks``) for the test to deliver.
    """

    @classmethod
    def setUpClass(cls):
        from ..simulators.base import SimulatorServer
        from ..simulators.ongoing import OngoingSimulator

        cls.simulator = OngoingSimulator(
            "integration", "s3cret-Pa55word", (159,), webhook_manual=True
        )
        cls.simulator_server = SimulatorServer(cls.simulator).start()
        cls.addClassCleanup(cls.simulator_server.stop)
        cls.addClassCleanup(cls.simulator.close)
        cls.ongoing_url = cls.simulator.api_url(cls.simulator_server.url)
        super().setUpClass()

    def setUp(self):
        super().setUp()
        self.simulator.reset()

    def run_jobs(self, **options):
        return run_jobs(self.env, **options)

    def make_product(self, code, name=None, cost=100.0, tracking="none", **values):
        product = self.env["product.product"].create(
            {
                "name": name or f"Product {code}",
                "default_code": code,
                "is_storable": True,
                "tracking": tracking,
                "standard_price": cost,
                "categ_id": self.category.id,
                **values,
            }
        )
        return product

    def put_in_stock(self, product, quantity, lot_name=None):
        """Give the product stock in Odoo's and Ongoing's warehouse alike."""
        lot = self.env["stock.lot"]
        if lot_name:
            lot = lot.create({"product_id": product.id, "name": lot_name})
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": product.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "inventory_quantity": quantity,
                "lot_id": lot.id,
            }
        )._apply_inventory()
        serial = lot_name if product.tracking == "serial" else None
        batch = lot_name if product.tracking == "lot" else None
        self.simulator.set_stock(product.default_code, quantity, batch=batch, serial=serial)

    def make_customer(self, name="Kund Åsa Öberg", country="base.se", **values):
        return self.env["res.partner"].create(
            {
                "name": name,
                "street": "Storgatan 1",
                "zip": "411 38",
                "city": "Göteborg",
                "country_id": self.env.ref(country).id,
                "email": "asa@example.com",
                **values,
            }
        )

    def sell(self, partner, lines):
        """Confirm a sale of [(product, quantity)]; return the order."""
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    (0, 0, {"product_id": product.id, "product_uom_qty": quantity})
                    for product, quantity in lines
                ],
            }
        )
        order.action_confirm()
        return order

    def make_supplier(self, name="Leverantör Väst AB", **values):
        return self.env["res.partner"].create(
            {
                "name": name,
                "street": "Industrivägen 4",
                "zip": "503 38",
                "city": "Borås",
                "country_id": self.env.ref("base.se").id,
                **values,
            }
        )

    def buy(self, supplier, lines, currency=None, confirm=True, **values):
        """Create a purchase of [(product, quantity, unit price)] for the warehouse.

        The lines carry no taxes, so amounts read without VAT. The order is in
        ``currency`` (the company's by default) and confirmed unless ``confirm``
        is false. Returns the order.
        """
        order = self.env["purchase.order"].create(
            {
                "partner_id": supplier.id,
                "currency_id": (currency or self.company.currency_id).id,
                "picking_type_id": self.warehouse.in_type_id.id,
                "order_line": [
                    (
                        0,
                        0,
                        {
                            "product_id": product.id,
                            "product_qty": quantity,
                            "price_unit": price,
                            "taxes_id": [(6, 0, [])],
                        },
                    )
                    for product, quantity, price in lines
                ],
                **values,
            }
        )
        if confirm:
            order.button_confirm()
        return order

    def poll(self):
        """Run the polling cron's work for the backend, then every job it queued."""
        self.backend._ongoing_poll()
        return self.run_jobs()


class SimulatedWarehouseCase(SimulatedWarehouseMixin, OngoingCase):
    pass


class SimulatedWarehouseHttpCase(SimulatedWarehouseMixin, OngoingHttpCase):
    pass
