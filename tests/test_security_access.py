"""Who may see and do what: secrets, buttons of ordinary users, and one company's data.

Every test acts as a real non-admin user built with ``new_test_user``.
"""

import base64
import json
from urllib.parse import parse_qs, urlsplit

import requests

from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from .common import SimulatedWarehouseCase, SimulatedWarehouseHttpCase
from .fortnox_common import CLIENT_ID, CLIENT_SECRET, FortnoxCase
from .reliability_helpers import capture_logs

STOCK_USER_GROUPS = "stock.group_stock_user,ongoing_fortnox_sync.group_ongoing_fortnox_user"
MANAGER_GROUPS = "stock.group_stock_manager,ongoing_fortnox_sync.group_ongoing_fortnox_manager"
ONGOING_SECRETS = ("api_user", "api_password", "webhook_token")
FORTNOX_SECRETS = (
    "client_id",
    "client_secret",
    "access_token",
    "refresh_token",
    "token_expires_at",
    "oauth_state_hash",
    "oauth_state_expires",
)


def basic_auth(user, password):
    return base64.b64encode(f"{user}:{password}".encode()).decode()


class TestOngoingUserButtons(SimulatedWarehouseCase):
    """A warehouse worker with the Ongoing/Fortnox user group, and nothing more."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.make_customer(cls)
        cls.worker = new_test_user(cls.env, login="lagerarbetare", groups=STOCK_USER_GROUPS)

    def setUp(self):
        super().setUp()
        self.product = self.make_product("ACC-1", name="Kudde Visby")
        self.run_jobs()
        self.put_in_stock(self.product, 10)
        self.picking = self.sell(self.customer, [(self.product, 4)]).picking_ids

    def press(self, records, action):
        """Press a button as the worker, with nothing cached, as a new request would."""
        self.env.invalidate_all()
        return getattr(records.with_user(self.worker), action)()

    def assert_jobs_succeeded(self):
        jobs = self.run_jobs()
        self.assertTrue(jobs)
        for job in jobs:
            self.assertEqual(job.state, "done", job.exc_info)

    def test_worker_resends_failed_delivery(self):
        self.simulator.inject("status", status=400, body={"Message": "Invalid consignee."})
        self.run_jobs()
        self.assertEqual(self.picking.ongoing_sync_state, "failed")

        self.press(self.picking, "action_ongoing_send")
        self.assert_jobs_succeeded()
        self.assertEqual(self.picking.ongoing_sync_state, "synced")

    def test_worker_updates_delivery_from_ongoing(self):
        self.run_jobs()
        self.simulator.pick(self.picking.name, {"1": 4})

        self.press(self.picking, "action_ongoing_refresh")
        self.assert_jobs_succeeded()
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.picking.ongoing_order_id.line_ids.reported_qty, 4)

    def test_worker_updates_ongoing_document(self):
        self.run_jobs()
        self.simulator.pick(self.picking.name, {"1": 4})

        self.press(self.picking.ongoing_order_id, "action_ongoing_refresh")
        self.assert_jobs_succeeded()
        self.assertEqual(self.picking.state, "done")

    def test_worker_resends_article(self):
        self.press(self.product, "action_ongoing_send")
        self.assert_jobs_succeeded()
        self.assertEqual(self.product.ongoing_sync_state, "synced")

    def test_worker_cannot_read_ongoing_secrets(self):
        backend = self.backend.with_user(self.worker)
        self.assertEqual(backend.read(["name"])[0]["name"], self.backend.name)
        for field_name in ONGOING_SECRETS:
            with self.subTest(field=field_name), self.assertRaises(AccessError):
                backend.read([field_name])
        self.assertFalse(set(ONGOING_SECRETS) & set(backend.fields_get()))
        self.assertFalse(set(ONGOING_SECRETS) & set(backend.read()[0]))

    def test_worker_cannot_search_by_secret(self):
        token = self.backend.webhook_token
        with self.assertRaises(AccessError):
            self.env["ongoing.backend"].with_user(self.worker).search(
                [("webhook_token", "=", token)]
            )

    def test_worker_cannot_rotate_webhook_token(self):
        token = self.backend.webhook_token
        with self.assertRaises(AccessError):
            self.backend.with_user(self.worker).action_generate_webhook_token()
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.webhook_token, token)

    def test_administrator_rotates_webhook_token(self):
        token = self.backend.webhook_token
        self.backend.action_generate_webhook_token()
        self.backend.invalidate_recordset()
        self.assertNotEqual(self.backend.webhook_token, token)
        self.assertGreaterEqual(len(self.backend.webhook_token), 43)

    def test_manager_cannot_read_ongoing_secrets(self):
        manager = new_test_user(self.env, login="lagerchef", groups=MANAGER_GROUPS)
        for field_name in ONGOING_SECRETS:
            with self.subTest(field=field_name), self.assertRaises(AccessError):
                self.backend.with_user(manager).read([field_name])


class TestFortnoxUserButtons(FortnoxCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="bokforare",
            groups="account.group_account_invoice,ongoing_fortnox_sync.group_ongoing_fortnox_user",
        )

    def test_accountant_exports_failed_invoice(self):
        self.simulator.inject("status", status=400, body={"ErrorInformation": {"message": "x"}})
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])
        self.run_jobs()
        self.assertEqual(move.fortnox_state, "failed")

        self.env.invalidate_all()
        move.with_user(self.accountant).action_fortnox_export()
        jobs = self.run_jobs()
        self.assertEqual(set(jobs.mapped("state")), {"done"})
        self.assertEqual(move.fortnox_state, "exported")

    def test_accountant_cannot_read_fortnox_secrets(self):
        backend = self.backend.with_user(self.accountant)
        self.assertEqual(backend.read(["state"])[0]["state"], "connected")
        for field_name in FORTNOX_SECRETS:
            with self.subTest(field=field_name), self.assertRaises(AccessError):
                backend.read([field_name])
        self.assertFalse(set(FORTNOX_SECRETS) & set(backend.read()[0]))

    def test_accountant_cannot_disconnect(self):
        with self.assertRaises(AccessError):
            self.backend.with_user(self.accountant).action_disconnect()
        self.assertEqual(self.backend.state, "connected")

    def test_accountant_cannot_start_connection(self):
        with self.assertRaises(AccessError):
            self.backend.with_user(self.accountant).action_connect()


class TestCompanyIsolation(SimulatedWarehouseCase):
    """A manager of company B next to company A's Ongoing and Fortnox connections."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.make_customer(cls)
        cls.company_b = cls.env["res.company"].create({"name": "Bolag B AB"})
        cls.manager_b = new_test_user(
            cls.env,
            login="chef-b",
            groups=f"{MANAGER_GROUPS},account.group_account_manager",
            company_id=cls.company_b.id,
            company_ids=[(6, 0, cls.company_b.ids)],
        )
        cls.fortnox_a = cls.env["fortnox.backend"].create(
            {"name": "Fortnox A", "company_id": cls.company.id}
        )

    def setUp(self):
        super().setUp()
        self.product = self.make_product("ISO-1", name="Lampa Orsa")
        self.run_jobs()
        self.put_in_stock(self.product, 10)
        self.picking = self.sell(self.customer, [(self.product, 2)]).picking_ids
        self.run_jobs()
        self.env["ongoing.webhook.event"].create(
            {"backend_id": self.backend.id, "event_id": "iso-1", "kind": "outbound"}
        )
        self.env["ongoing.inventory.adjustment"].create(
            {"backend_id": self.backend.id, "key": "1:ISO-1::", "article_number": "ISO-1"}
        )
        self.env["ongoing.return.cause"].create(
            {"backend_id": self.backend.id, "code": "REGRET", "name": "Ångrat köp"}
        )
        self.simulator.clear_requests()

    def as_b(self, records):
        return records.with_user(self.manager_b)

    def test_backends_of_a_invisible(self):
        self.assertFalse(self.as_b(self.env["ongoing.backend"]).search([]))
        self.assertFalse(self.as_b(self.env["fortnox.backend"]).search([]))
        with self.assertRaises(AccessError):
            self.as_b(self.backend).read(["name"])
        with self.assertRaises(AccessError):
            self.as_b(self.fortnox_a).read(["name"])

    def test_backend_of_a_cannot_be_triggered(self):
        actions = (
            (self.backend, "action_ongoing_export_articles"),
            (self.backend, "action_test_connection"),
            (self.backend, "action_create_mirror_locations"),
            (self.backend, "action_ongoing_fetch_return_causes"),
            (self.fortnox_a, "action_connect"),
            (self.fortnox_a, "action_test_connection"),
            (self.fortnox_a, "action_disconnect"),
        )
        jobs_before = self.env["queue.job"].search_count([])
        for backend, action in actions:
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(self.as_b(backend), action)()
        self.assertEqual(self.env["queue.job"].search_count([]), jobs_before)
        self.assertFalse(self.simulator.requests)

    def test_documents_of_a_invisible(self):
        for model in (
            "ongoing.order",
            "ongoing.order.line",
            "ongoing.article",
            "ongoing.webhook.event",
            "ongoing.inventory.adjustment",
            "ongoing.return.cause",
        ):
            with self.subTest(model=model):
                self.assertTrue(self.env[model].search([]))
                self.assertFalse(self.as_b(self.env[model]).search([]))

    def test_document_of_a_cannot_be_resent(self):
        binding = self.picking.ongoing_order_id
        jobs_before = self.env["queue.job"].search_count([])
        for action in ("action_ongoing_send", "action_ongoing_refresh"):
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(self.as_b(binding), action)()
        with self.assertRaises(AccessError):
            self.as_b(self.product.ongoing_article_ids).action_ongoing_send()
        self.assertEqual(self.env["queue.job"].search_count([]), jobs_before)


class TestOngoingSecretsNotLeaked(SimulatedWarehouseHttpCase):
    """A full round trip logged at DEBUG: the credentials appear nowhere Odoo writes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.make_customer(cls)

    def secrets(self):
        backend = self.backend.sudo()
        return {
            "password": backend.api_password,
            "webhook token": backend.webhook_token,
            "basic auth": basic_auth(backend.api_user, backend.api_password),
        }

    def deliver_webhooks(self):
        for payload in self.simulator.webhooks.take_outbox():
            self.url_open(
                f"/ongoing/webhook/{self.backend.id}",
                data=json.dumps(payload),
                headers={
                    "Content-Type": "application/json",
                    "X-Auth-Token": self.backend.webhook_token,
                },
            )

    def run_round_trip(self):
        """Export, pick, webhook, booking, acknowledgement, a retry and a rejection."""
        product = self.make_product("LOG-1", name="Fat Rörstrand")
        self.simulator.inject("status", status=503, body={"Message": "Down"})
        self.run_jobs()
        self.run_jobs(include_delayed=True)
        self.put_in_stock(product, 10)
        picking = self.sell(self.customer, [(product, 3)]).picking_ids
        self.run_jobs()
        self.simulator.pick(picking.name, {"1": 3})
        self.deliver_webhooks()
        self.run_jobs()
        self.poll()
        self.simulator.inject("status", status=400, body={"Message": "Rejected."})
        product.with_context(tracking_disable=True).name = "Fat Rörstrand, blått"
        self.run_jobs()
        self.backend.sudo().api_password = "wrong-Pa55word-for-the-test"
        self.backend.action_test_connection()
        self.backend.sudo().api_password = "s3cret-Pa55word"
        return picking

    def test_no_secret_in_logs_jobs_or_chatter(self):
        secrets = self.secrets()
        secrets["wrong password"] = "wrong-Pa55word-for-the-test"
        with capture_logs() as logs:
            picking = self.run_round_trip()
        self.assertEqual(picking.state, "done")
        self.assertTrue(
            any(line.startswith("DEBUG odoo.addons.ongoing_fortnox_sync") for line in logs)
        )

        self.env.flush_all()
        self.env.cr.execute(
            "SELECT args::text, kwargs::text, records::text, result, exc_info FROM queue_job"
        )
        job_texts = [str(row) for row in self.env.cr.fetchall()]
        messages = self.env["mail.message"].search([]).mapped("body")
        events = self.env["ongoing.webhook.event"].search([]).mapped("payload")
        places = {
            "logs": "\n".join(logs),
            "jobs": "\n".join(job_texts),
            "chatter": "\n".join(str(body) for body in messages),
            "webhook events": "\n".join(events),
            "backend messages": str(self.backend.connection_message),
        }
        for place, text in places.items():
            for name, secret in secrets.items():
                with self.subTest(place=place, secret=name):
                    self.assertNotIn(secret, text)

    def test_jobs_carry_only_ids(self):
        self.run_round_trip()
        jobs = self.env["queue.job"].search([])
        self.assertEqual(
            set(jobs.mapped("method_name")),
            {"_ongoing_run_export", "_ongoing_run_sync", "_ongoing_run_acknowledge"},
        )
        for job in jobs:
            with self.subTest(job=job.name):
                self.assertEqual(job.kwargs, {})
                self.assertIn(
                    job.model_name, ("ongoing.article", "ongoing.order", "ongoing.backend")
                )
                self.assertTrue(job.records.ids)
                self.assertTrue(all(isinstance(arg, (int, str)) for arg in job.args))
                if job.method_name == "_ongoing_run_sync":
                    kind, remote_id, number = job.args
                    self.assertIn(kind, ("outbound", "purchase", "return", "inventory"))
                    self.assertIsInstance(remote_id, int)
                    self.assertLessEqual(len(number), 64)
                else:
                    self.assertEqual(job.args, [])


class TestFortnoxSecretsNotLeaked(FortnoxCase):
    """Refresh, a rejected token, a new connection and an export, logged at DEBUG."""

    def approve_in_browser(self, url):
        """Do what the browser does on Fortnox's consent page; return the authorization code.

        The browser's own requests carry the state and the code, so they stay out
        of the logs this test inspects.
        """
        approval = requests.get(url, allow_redirects=False, timeout=5)
        return parse_qs(urlsplit(approval.headers["Location"]).query)["code"][0]

    def issued_tokens(self):
        oauth = self.simulator.oauth
        tokens = set(oauth.access_tokens)
        for connection in oauth.connections.values():
            tokens |= {connection.refresh_token, *connection.spent_refresh_tokens}
        return {token for token in tokens if token}

    def test_no_secret_in_logs_jobs_or_chatter(self):
        with capture_logs() as start_logs:
            state, url = self.backend._fortnox_start_authorization()
        code = self.approve_in_browser(url)
        with capture_logs() as logs:
            self.backend._fortnox_finish_authorization(state, code)
            self.simulator.oauth.access_tokens.clear()
            move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])
            self.run_jobs()
            self.backend.action_test_connection()
            self.backend.action_disconnect()
        self.assertEqual(move.fortnox_state, "exported")
        self.assertTrue(
            any(line.startswith("DEBUG odoo.addons.ongoing_fortnox_sync") for line in logs)
        )

        secrets = {f"token {token[:6]}": token for token in self.issued_tokens()}
        self.assertGreaterEqual(len(secrets), 4)
        secrets.update(
            {
                "client secret": CLIENT_SECRET,
                "basic auth": basic_auth(CLIENT_ID, CLIENT_SECRET),
                "oauth state": state,
                "authorization code": code,
            }
        )
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT args::text, kwargs::text, records::text, result, exc_info FROM queue_job"
        )
        places = {
            "logs": "\n".join(start_logs + logs),
            "jobs": "\n".join(str(row) for row in self.env.cr.fetchall()),
            "chatter": "\n".join(
                str(body) for body in self.env["mail.message"].search([]).mapped("body")
            ),
        }
        for place, text in places.items():
            for name, secret in secrets.items():
                with self.subTest(place=place, secret=name):
                    self.assertNotIn(secret, text)

    def test_export_job_carries_only_ids(self):
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])
        [job] = self.env["queue.job"].search([("method_name", "=", "_fortnox_run_export")])
        self.assertEqual(job.args, [])
        self.assertEqual(job.kwargs, {})
        self.assertEqual(job.model_name, "account.move")
        self.assertEqual(job.records, move)
