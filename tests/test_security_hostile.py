"""Hostile input: webhook bodies and stock-balance files an attacker or a broken sender sends.

The basic token, size and JSON cases of webhooks are in ``test_webhook.py``,
and an XML file that declares entities is in ``test_reconciliation.py``
(``test_entity_expansion_file_refused``). These tests add the bodies that
break naive parsing, the payload fields that look like URLs, and files that
read server files or fill the worker's memory.
"""

import base64
import json
import os
import tempfile
from urllib.parse import urlsplit

from odoo.exceptions import UserError

from ..reconciliation.sources import MAX_FILE_BYTES
from .common import LOOPBACK_HOSTS, SimulatedWarehouseCase, SimulatedWarehouseHttpCase

METADATA_URL = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"


class HostileWebhookCase(SimulatedWarehouseHttpCase):
    """Records every request the addon tries to send to a host other than loopback."""

    foreign_requests = []

    @classmethod
    def _request_handler(cls, session, prepared, /, **kwargs):
        # Odoo's test case blocks these with a ConnectionError, which the clients turn
        # into "retry later": recording them keeps a blocked attempt from going unseen.
        if urlsplit(prepared.url).hostname not in LOOPBACK_HOSTS:
            cls.foreign_requests.append(prepared.url)
        return super()._request_handler(session, prepared, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.url = f"/ongoing/webhook/{cls.backend.id}"

    def setUp(self):
        super().setUp()
        type(self).foreign_requests = []

    def post(self, data, token=None, headers=None):
        all_headers = {
            "Content-Type": "application/json",
            "X-Auth-Token": token or self.backend.webhook_token,
            **(headers or {}),
        }
        if isinstance(data, (dict, list)):
            data = json.dumps(data)
        return self.url_open(self.url, data=data, headers=all_headers)

    def events(self):
        return self.env["ongoing.webhook.event"].search([("backend_id", "=", self.backend.id)])

    def sync_jobs(self):
        return self.env["queue.job"].search([("method_name", "=", "_ongoing_run_sync")])

    def assert_clean_answer(self, response, status):
        self.assertEqual(response.status_code, status, response.text[:300])
        self.assertNotIn("Traceback", response.text)
        self.assertNotIn("psycopg2", response.text)
        self.assertEqual(response.headers["Content-Type"], "application/json")


class TestMalformedBodies(HostileWebhookCase):
    def assert_stored_invalid(self, response, reason):
        self.assert_clean_answer(response, 400)
        event = self.events()
        self.assertEqual(len(event), 1)
        self.assertEqual(event.state, "invalid")
        self.assertIn(reason, event.state_message)
        self.assertFalse(self.sync_jobs())

    def test_body_without_length_rejected(self):
        # A generator makes requests send the body chunked, without a Content-Length.
        chunks = (part.encode() for part in ['{"orderId": ', "1}"])
        response = self.post(chunks)
        self.assert_clean_answer(response, 411)
        self.assertFalse(self.events())

    def test_deeply_nested_json_invalid(self):
        response = self.post("[" * 30000 + "]" * 30000)
        self.assert_stored_invalid(response, "nested too deeply")

    def test_id_beyond_integer_range_invalid(self):
        response = self.post({"webhookEventId": "e1", "orderId": 10**20, "goodsOwnerId": 159})
        self.assert_stored_invalid(response, "orderId must be a whole number between 1")

    def test_negative_id_invalid(self):
        response = self.post({"webhookEventId": "e1", "orderId": -4, "goodsOwnerId": 159})
        self.assert_stored_invalid(response, "orderId must be a whole number between 1")

    def test_float_id_invalid(self):
        response = self.post({"webhookEventId": "e1", "orderId": 4.5, "goodsOwnerId": 159})
        self.assert_stored_invalid(response, "orderId must be a whole number between 1")

    def test_nul_character_in_number_invalid(self):
        response = self.post(
            {"webhookEventId": "e1", "orderNumber": "SO1\u0000x", "goodsOwnerId": 159}
        )
        self.assert_stored_invalid(response, "control character")

    def test_raw_nul_byte_stored_readable(self):
        response = self.post(b'{"webhookEventId": "e1", \x00 "orderId": 5}')
        self.assert_stored_invalid(response, "not valid JSON")
        self.assertNotIn("\x00", self.events().payload)

    def test_invalid_utf8_stored_readable(self):
        response = self.post(b'{"webhookEventId": "e1", "orderNumber": "\xff\xfe"}')
        self.assert_clean_answer(response, 200)
        self.assertIn("\ufffd", self.events().remote_number)

    def test_event_id_of_wrong_type_invalid(self):
        response = self.post({"webhookEventId": ["e1"], "orderId": 5, "goodsOwnerId": 159})
        self.assert_stored_invalid(response, "webhookEventId must be a string or a number")

    def test_oversized_event_id_invalid(self):
        response = self.post({"webhookEventId": "e" * 5000, "orderId": 5, "goodsOwnerId": 159})
        self.assert_stored_invalid(response, "webhookEventId is too long")

    def test_nested_order_of_wrong_type_ignored(self):
        response = self.post({"webhookEventId": "e1", "order": "50163", "goodsOwnerId": 159})
        self.assert_clean_answer(response, 200)
        self.assertEqual(self.events().state, "ignored")
        self.assertFalse(self.sync_jobs())

    def test_goods_owner_as_text_invalid(self):
        response = self.post({"webhookEventId": "e1", "orderId": 5, "goodsOwnerId": "159"})
        self.assert_stored_invalid(response, "goods owner '159'")

    def test_goods_owner_with_nul_invalid(self):
        response = self.post({"webhookEventId": "e1", "orderId": 5, "goodsOwnerId": "1\u0000"})
        self.assert_stored_invalid(response, "goods owner '1\\x00'")

    def test_wrong_token_not_logged(self):
        stolen_looking = "A1b2C3d4E5f6-not-the-token-but-secret-looking"
        with self.assertLogs("odoo.addons.ongoing_fortnox_sync", level="DEBUG") as logs:
            response = self.post({"webhookEventId": "e1", "orderId": 5}, token=stolen_looking)
        self.assert_clean_answer(response, 401)
        self.assertNotIn(stolen_looking, "\n".join(logs.output))
        self.assertNotIn(self.backend.webhook_token, "\n".join(logs.output))
        self.assertFalse(self.events())


class TestPayloadUrls(HostileWebhookCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.make_customer(cls)
        cls.api_path = urlsplit(cls.backend.base_url).path

    def setUp(self):
        super().setUp()
        self.product = self.make_product("URL-1", name="Ljusstake Kosta")
        self.run_jobs()
        self.put_in_stock(self.product, 5)
        self.picking = self.sell(self.customer, [(self.product, 2)]).picking_ids
        self.run_jobs()
        self.simulator.pick(self.picking.name, {"1": 2})
        self.simulator.webhooks.take_outbox()
        self.simulator.clear_requests()

    def assert_only_backend_called(self):
        self.assertEqual(type(self).foreign_requests, [])
        self.assertTrue(self.simulator.requests)
        for logged in self.simulator.requests:
            self.assertTrue(logged.path.startswith(self.api_path), logged.path)

    def test_path_to_metadata_host_never_called(self):
        binding = self.picking.ongoing_order_id
        body = {
            "webhookEventId": "evil-1",
            "goodsOwnerId": 159,
            "orderId": binding.remote_id,
            "orderNumber": binding.name,
            "path": METADATA_URL,
            "url": "http://example.com/steal",
            "href": "//169.254.169.254/latest",
        }
        with self.assertNoLogs("odoo.tests.common.requests", level="INFO"):
            self.assert_clean_answer(self.post(body), 200)
            self.run_jobs()

        self.assert_only_backend_called()
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.events().state, "done")

    def test_number_shaped_as_url_only_queried(self):
        body = {"webhookEventId": "evil-2", "goodsOwnerId": 159, "orderNumber": METADATA_URL}
        with self.assertNoLogs("odoo.tests.common.requests", level="INFO"):
            self.assert_clean_answer(self.post(body), 200)
            self.run_jobs()

        self.assert_only_backend_called()
        [lookup] = self.simulator.requests
        self.assertEqual(lookup.query["orderNumber"], [METADATA_URL])
        event = self.events()
        self.assertEqual(event.state, "failed")
        self.assertIn("Ongoing has no order", event.state_message)
        self.assertEqual(self.picking.state, "assigned")

    def test_redirect_to_other_host_not_followed(self):
        self.simulator.inject("status", status=302, headers={"Location": METADATA_URL}, times=None)
        binding = self.picking.ongoing_order_id
        body = {"webhookEventId": "evil-3", "goodsOwnerId": 159, "orderId": binding.remote_id}
        self.assert_clean_answer(self.post(body), 200)
        self.run_jobs()

        self.assertEqual(type(self).foreign_requests, [])
        event = self.events()
        self.assertEqual(event.state, "failed")
        self.assertIn("check the API URL", event.state_message)
        self.assertEqual(self.picking.state, "assigned")


class TestHostileLogging(HostileWebhookCase):
    def test_invalid_body_logged_once_without_content(self):
        secret_looking = "card=4111111111111111"
        with self.assertLogs("odoo.addons.ongoing_fortnox_sync", level="DEBUG") as logs:
            response = self.post(f'{{"note": "{secret_looking}", '.encode())
        self.assert_clean_answer(response, 400)
        warnings = [line for line in logs.output if line.startswith("WARNING")]
        self.assertEqual(len(warnings), 1)
        self.assertNotIn(secret_looking, "\n".join(logs.output))


class TestHostileStockFiles(SimulatedWarehouseCase):
    """Stock-balance files uploaded by a manager or dropped in the backend's folder."""

    def import_file(self, data, name="saldo.xml"):
        wizard = self.env["ongoing.reconciliation.import"].create(
            {
                "backend_id": self.backend.id,
                "file": base64.b64encode(data),
                "file_name": name,
                "mode": "apply",
            }
        )
        return wizard.action_import()

    def runs(self):
        return self.env["ongoing.reconciliation"].search_count([])

    def test_external_entity_file_rejected(self):
        data = (
            b'<?xml version="1.0"?>\n<!DOCTYPE StockBalance [\n'
            b'<!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n<StockBalance><Article>'
            b"<ArticleNumber>&secret;</ArticleNumber><NumberOfItems>1</NumberOfItems>"
            b"</Article></StockBalance>\n"
        )
        with self.assertRaisesRegex(UserError, "declares an entity"):
            self.import_file(data)
        self.assertEqual(self.runs(), 0)

    def test_oversized_upload_rejected(self):
        row = b"ART-1;1\n"
        data = b"ArticleNumber;NumberOfItems\n" + row * (MAX_FILE_BYTES // len(row) + 1)
        with self.assertRaisesRegex(UserError, "more than the 20 MiB"):
            self.import_file(data, name="saldo.csv")
        self.assertEqual(self.runs(), 0)

    def test_oversized_folder_file_not_read(self):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "saldo.csv")
            # A sparse file: its size counts, and it takes no disk space.
            with open(path, "wb") as handle:
                handle.truncate(MAX_FILE_BYTES + 1)
            self.backend.sudo().write(
                {"reconciliation_folder": folder, "reconciliation_source": "folder"}
            )
            with self.assertRaisesRegex(UserError, "saldo.csv was not read.*more than the 20 MiB"):
                self.backend._ongoing_start_scheduled_reconciliation()
        self.assertEqual(self.runs(), 0)

    def test_oversized_csv_field_rejected(self):
        data = b"ArticleNumber;NumberOfItems\n" + b"A" * 200_000 + b";1\n"
        with self.assertRaisesRegex(UserError, "Line 2: the file is not valid CSV"):
            self.import_file(data, name="saldo.csv")
        self.assertEqual(self.runs(), 0)
