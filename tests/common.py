"""Test helpers: shared example data, a free port, and an Ongoing backend on a Swedish company."""

import os
import socket
import unittest
from pathlib import Path
from urllib.parse import urlsplit

from odoo.tests import HttpCase, TransactionCase
from odoo.tests.common import _super_send

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
