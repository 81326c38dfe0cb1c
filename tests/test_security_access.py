"""Who may see and do what: secrets, buttons of ordinary users, and one company's data.

Every test acts as a real non-admin user built with ``new_test_user``.
"""

import base64
import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import requests

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user

from ..models.fortnox_backend import DEFAULT_SCOPES
from .common import SimulatedWarehouseCase, SimulatedWarehouseHttpCase
from .fortnox_common import CLIENT_ID, CLIENT_SECRET, FortnoxCase
from .fortnox_ledger_common import FortnoxLedgerCase
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


class TestLedgerAccess(FortnoxLedgerCase):
    """Stock vouchers, vendor bills, account mapping, cost centres and reconciliation runs.

    Company A owns them all. A manager of company B stands next to them, and
    users of company A with fewer rights try the buttons.
    """

    fortnox_backend_values = {
        "export_vendor_bills": True,
        "scopes": f"{DEFAULT_SCOPES} supplier supplierinvoice",
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.towel = cls.make_product(cls, "ACC-L1", name="Duk Visby", cost=40.0)
        cls.count_stock(cls, cls.towel, 5, day=cls.today - timedelta(days=1))
        cls.voucher = cls.env["fortnox.voucher"]._fortnox_collect(cls.fortnox_backend, cls.today)
        cls.account_map = cls.env["fortnox.account.map"].create(
            {
                "backend_id": cls.fortnox_backend.id,
                "account_id": cls.account("1460").id,
                "fortnox_account": 1469,
            }
        )
        cls.department = cls.env["account.analytic.account"].create(
            {
                "name": "Butik Visby",
                "plan_id": cls.env["account.analytic.plan"].create({"name": "Butiker"}).id,
                "company_id": cls.company.id,
                "fortnox_cost_center": "VIS",
            }
        )
        cls.bill = cls.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": cls.supplier.id,
                "invoice_date": cls.today,
                "ref": "F-40000",
                "invoice_line_ids": [
                    Command.create({"product_id": cls.towel.id, "quantity": 1, "price_unit": 45.0})
                ],
            }
        )
        cls.bill.action_post()
        cls.reconciliation = cls.env["ongoing.reconciliation"].create(
            {"backend_id": cls.backend.id, "mode": "report", "source": "api", "state": "failed"}
        )
        cls.line = cls.env["ongoing.reconciliation.line"].create(
            {
                "reconciliation_id": cls.reconciliation.id,
                "backend_id": cls.backend.id,
                "company_id": cls.company.id,
                "case": "difference",
                "article_number": "ACC-L1",
                "difference_qty": -1,
            }
        )

        cls.company_b = cls.env["res.company"].create({"name": "Bolag B AB"})
        cls.manager_b = new_test_user(
            cls.env,
            login="ekonomichef-b",
            groups=f"{MANAGER_GROUPS},account.group_account_manager",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.fortnox_user = new_test_user(
            cls.env,
            login="bokforare-a",
            groups="account.group_account_invoice,ongoing_fortnox_sync.group_ongoing_fortnox_user",
        )
        cls.ongoing_user = new_test_user(cls.env, login="lagerarbetare-a", groups=STOCK_USER_GROUPS)
        cls.employee = new_test_user(cls.env, login="anstalld-a", groups="base.group_user")
        cls.ongoing_manager = new_test_user(
            cls.env,
            login="lagerchef-a",
            groups="base.group_user,ongoing_fortnox_sync.group_ongoing_fortnox_manager",
        )

    def as_user(self, records, user):
        """Return the records as ``user``, with nothing cached, as a new request has them."""
        self.env.invalidate_all()
        return records.with_user(user)

    def import_wizard(self, user, data=b"ArticleNumber;NumberOfItems\nACC-L1;5\n"):
        return (
            self.env["ongoing.reconciliation.import"]
            .with_user(user)
            .create(
                {
                    "backend_id": self.backend.id,
                    "file": base64.b64encode(data),
                    "file_name": "saldo.csv",
                    "mode": "report",
                }
            )
        )

    def test_ledger_records_of_a_invisible(self):
        records = {
            "fortnox.voucher": self.voucher,
            "fortnox.account.map": self.account_map,
            "ongoing.reconciliation": self.reconciliation,
            "ongoing.reconciliation.line": self.line,
            "account.move": self.bill,
            "account.analytic.account": self.department,
        }
        for model, record in records.items():
            with self.subTest(model=model):
                self.assertTrue(record.exists())
                found = self.as_user(self.env[model], self.manager_b).search(
                    [("id", "=", record.id)]
                )
                self.assertFalse(found)
                with self.assertRaises(AccessError):
                    self.as_user(record, self.manager_b).read(["display_name"])

    def test_ledger_fields_of_a_unreadable(self):
        fields_by_record = (
            (self.voucher, ["fortnox_state", "voucher_number", "marker", "fortnox_error"]),
            (self.bill, ["fortnox_state", "fortnox_document_number", "fortnox_error"]),
            (self.department, ["fortnox_cost_center", "fortnox_project"]),
            (self.line, ["difference_qty", "value"]),
        )
        for record, names in fields_by_record:
            with self.subTest(model=record._name), self.assertRaises(AccessError):
                self.as_user(record, self.manager_b).read(names)

    def test_supplier_number_kept_per_company(self):
        self.supplier.with_company(self.company).sudo().fortnox_supplier_number = "L-9"

        partner_b = self.as_user(self.supplier, self.manager_b).with_company(self.company_b)
        self.assertFalse(partner_b.fortnox_supplier_number)
        self.assertEqual(self.supplier.with_company(self.company).fortnox_supplier_number, "L-9")

    def test_ledger_records_of_a_cannot_be_triggered(self):
        actions = (
            (self.voucher, "action_fortnox_send"),
            (self.fortnox_backend, "action_fortnox_send_stock_vouchers"),
            (self.bill, "action_fortnox_export"),
            (self.backend, "action_reconcile_now"),
            (self.reconciliation, "action_retry"),
        )
        jobs_before = self.env["queue.job"].search_count([])
        runs_before = self.env["ongoing.reconciliation"].search_count([])
        for record, action in actions:
            with self.subTest(action=action), self.assertRaises(AccessError):
                getattr(self.as_user(record, self.manager_b), action)()
        with self.assertRaises(AccessError):
            self.import_wizard(self.manager_b).action_import()

        self.assertEqual(self.env["queue.job"].search_count([]), jobs_before)
        self.assertEqual(self.env["ongoing.reconciliation"].search_count([]), runs_before)
        self.assertEqual(self.reconciliation.state, "failed")
        self.assertFalse(self.fortnox.requests)
        self.assertFalse(self.simulator.requests)

    def test_fortnox_user_resends_voucher(self):
        self.as_user(self.voucher, self.fortnox_user).action_fortnox_send()
        self.run_jobs()

        self.assertEqual(self.voucher.fortnox_state, "exported")
        self.assertEqual(len(self.fortnox_vouchers()), 1)

    def test_employee_cannot_resend_voucher(self):
        jobs_before = self.env["queue.job"].search_count([])
        with self.assertRaisesRegex(AccessError, "Only Fortnox users"):
            self.as_user(self.voucher, self.employee).action_fortnox_send()
        with self.assertRaises(AccessError):
            self.as_user(self.fortnox_backend, self.employee).action_fortnox_send_stock_vouchers()
        self.assertEqual(self.env["queue.job"].search_count([]), jobs_before)

    def test_ongoing_user_cannot_start_reconciliation(self):
        runs_before = self.env["ongoing.reconciliation"].search_count([])
        with self.assertRaises(AccessError):
            self.as_user(self.backend, self.ongoing_user).action_reconcile_now()
        with self.assertRaises(AccessError):
            self.as_user(self.reconciliation, self.ongoing_user).action_retry()
        with self.assertRaises(AccessError):
            self.import_wizard(self.ongoing_user)
        self.assertEqual(self.env["ongoing.reconciliation"].search_count([]), runs_before)
        self.assertEqual(self.reconciliation.state, "failed")

    def test_ongoing_manager_reruns_reconciliation(self):
        self.as_user(self.reconciliation, self.ongoing_manager).action_retry()
        self.assertEqual(self.reconciliation.state, "queued")

        self.run_jobs()
        self.assertEqual(self.reconciliation.state, "done", self.reconciliation.error)

    def test_ledger_jobs_carry_only_ids(self):
        self.send_stock_vouchers()
        self.backend._ongoing_start_reconciliation(mode="report")
        self.run_jobs()
        self.assertEqual(self.voucher.fortnox_state, "exported")
        self.assertEqual(self.bill.fortnox_state, "exported")

        expected_models = {
            "_fortnox_run_export": ("fortnox.voucher", "account.move"),
            "_ongoing_run": ("ongoing.reconciliation",),
        }
        jobs = self.env["queue.job"].search([("method_name", "in", list(expected_models))])
        self.assertEqual(
            set(jobs.mapped("model_name")), {m for ms in expected_models.values() for m in ms}
        )
        backend = self.fortnox_backend.sudo()
        secrets = {
            "client secret": CLIENT_SECRET,
            "access token": backend.access_token,
            "refresh token": backend.refresh_token,
            "Ongoing password": self.backend.sudo().api_password,
            "webhook token": self.backend.sudo().webhook_token,
        }
        self.env.flush_all()
        for job in jobs:
            with self.subTest(job=job.name):
                self.assertEqual(job.args, [])
                self.assertEqual(job.kwargs, {})
                self.assertIn(job.model_name, expected_models[job.method_name])
                self.assertTrue(job.records.ids)
                self.env.cr.execute(
                    "SELECT args::text, kwargs::text, records::text, result, exc_info "
                    "FROM queue_job WHERE id = %s",
                    [job.id],
                )
                text = str(self.env.cr.fetchone())
                for name, secret in secrets.items():
                    self.assertNotIn(secret, text, name)
