"""Token refresh by concurrent workers, on real database connections.

These tests commit their data (a connection, customers, invoices) through
their own cursors, outside the test transaction, because two workers only
compete for a row lock when they hold separate transactions. Each test
deletes what it committed.
"""

import threading
from datetime import timedelta
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.tests import TransactionCase

from ..simulators.base import SimulatorServer
from ..simulators.fortnox import FortnoxSimulator
from .common import LoopbackRequestsMixin
from .fortnox_common import CLIENT_ID, CLIENT_SECRET, SIMULATOR_RATE_LIMIT

#: How long the simulated token endpoint takes: long enough that a second
#: worker arrives while the first one is still refreshing.
SLOW_REFRESH_SECONDS = 1.0


class TestConcurrentTokenRefresh(LoopbackRequestsMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.simulator = FortnoxSimulator(CLIENT_ID, CLIENT_SECRET, rate_limit=SIMULATOR_RATE_LIMIT)
        cls.fortnox_server = SimulatorServer(cls.simulator).start()
        cls.addClassCleanup(cls.fortnox_server.stop)

    def setUp(self):
        super().setUp()
        self.simulator.reset(connections=True)
        self.simulator.set_clock_offset(0)
        self.committed = {}
        self.addCleanup(self.delete_committed)
        with self.registry.cursor() as cr:
            self.commit_expired_connection(api.Environment(cr, SUPERUSER_ID, {}))

    def commit_expired_connection(self, env):
        """Commit two posted invoices, then a backend whose access token has expired.

        The invoices are posted before the backend exists, so posting queues no
        job: a committed job would be run by any job runner watching the database.
        """
        company = env.ref("base.main_company")
        partners = env["res.partner"].create(
            [
                {"name": "Kund Ärlig", "country_id": env.ref("base.se").id},
                {"name": "Kund Öppen", "country_id": env.ref("base.se").id},
            ]
        )
        moves = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner.id,
                    "invoice_date": fields.Date.today(),
                    "invoice_line_ids": [
                        Command.create({"name": "Konsulttimme", "quantity": 1, "price_unit": 800})
                    ],
                }
                for partner in partners
            ]
        )
        moves.action_post()
        self.committed = {"partners": partners.ids, "moves": moves.ids}

        url = self.fortnox_server.url
        tokens = self.simulator.create_connection()
        backend = env["fortnox.backend"].create(
            {
                "name": "Fortnox (concurrency test)",
                "company_id": company.id,
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "api_url": f"{url}/3",
                "auth_url": f"{url}/oauth-v1/auth",
                "token_url": f"{url}/oauth-v1/token",
                "use_articles": False,
                "access_token": tokens["access_token"],
                "refresh_token": tokens["refresh_token"],
                "token_expires_at": fields.Datetime.now() - timedelta(minutes=1),
                "state": "connected",
            }
        )
        self.committed["backend"] = backend.id
        self.assertFalse(
            env["queue.job"].search(
                [("identity_key", "in", [move._fortnox_job_identity() for move in moves])]
            )
        )
        # Fortnox's clock passes the access token's hour.
        self.simulator.advance_clock(3601)

    def delete_committed(self):
        if not self.committed:
            return
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            moves = env["account.move"].browse(self.committed["moves"]).exists()
            env["queue.job"].search(
                [("identity_key", "in", [move._fortnox_job_identity() for move in moves])]
            ).unlink()
            env["mail.message"].search(
                [("model", "=", "account.move"), ("res_id", "in", moves.ids)]
            ).unlink()
            moves.write({"fortnox_document_number": False, "fortnox_state": "not_exported"})
            moves.button_draft()
            moves.with_context(force_delete=True).unlink()
            env["res.partner"].browse(self.committed["partners"]).unlink()
            backend = env["fortnox.backend"].browse(self.committed.get("backend")).exists()
            channel = backend.job_channel_id
            backend.unlink()
            channel.unlink()

    def export_concurrently(self):
        """Run the export job of each invoice in its own thread and transaction; return errors."""
        barrier = threading.Barrier(len(self.committed["moves"]))
        errors = []

        def worker(move_id):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    barrier.wait(timeout=10)
                    env["account.move"].browse(move_id)._fortnox_run_export()
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)

        threads = [
            threading.Thread(target=worker, args=(move_id,)) for move_id in self.committed["moves"]
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        self.assertFalse([thread for thread in threads if thread.is_alive()])
        return errors

    def read_committed(self, field_names):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            moves = env["account.move"].browse(self.committed["moves"])
            backend = env["fortnox.backend"].browse(self.committed["backend"])
            return moves.read(field_names), backend.read(["state", "refresh_token"])[0]

    def refresh_requests(self):
        return [
            logged
            for logged in self.simulator.requests_to("POST", "/oauth-v1/token")
            if "grant_type=refresh_token" in str(logged.body)
        ]

    def test_concurrent_exports_share_one_refresh(self):
        self.simulator.inject(
            "delay", delay=SLOW_REFRESH_SECONDS, path="/oauth-v1/token", times=None
        )

        errors = self.export_concurrently()

        self.assertFalse(errors)
        self.assertEqual(len(self.refresh_requests()), 1)
        moves, backend = self.read_committed(["fortnox_state", "fortnox_document_number"])
        self.assertEqual([move["fortnox_state"] for move in moves], ["exported", "exported"])
        self.assertEqual(backend["state"], "connected")
        self.assertEqual(len(self.simulator.state()["invoices"]), 2)
        self.assertFalse(self.simulator.state()["connections"][0]["revoked"])

    def test_without_row_lock_fortnox_revokes_connection(self):
        # Control for the test above: the same race with the lock taken away
        # spends the refresh token twice, and Fortnox revokes the connection.
        self.simulator.inject(
            "delay", delay=SLOW_REFRESH_SECONDS, path="/oauth-v1/token", times=None
        )
        backend_class = type(self.env["fortnox.backend"])

        with patch.object(backend_class, "_fortnox_lock_for_refresh", lambda backend: None):
            # Both workers may also clash when they record the lost connection.
            self.export_concurrently()

        self.assertGreaterEqual(len(self.refresh_requests()), 2)
        self.assertTrue(self.simulator.state()["connections"][0]["revoked"])
        moves, _backend = self.read_committed(["fortnox_state"])
        self.assertNotEqual([move["fortnox_state"] for move in moves], ["exported", "exported"])

    def test_refreshed_token_survives_callers_rollback(self):
        with self.registry.cursor() as cr:
            backend = api.Environment(cr, SUPERUSER_ID, {})["fortnox.backend"].browse(
                self.committed["backend"]
            )
            access_token = backend._fortnox_get_access_token()
            cr.rollback()

        _moves, backend = self.read_committed(["fortnox_state"])
        self.assertEqual(backend["state"], "connected")
        self.assertEqual(len(self.refresh_requests()), 1)
        with self.registry.cursor() as cr:
            stored = (
                api.Environment(cr, SUPERUSER_ID, {})["fortnox.backend"]
                .browse(self.committed["backend"])
                .access_token
            )
        self.assertEqual(stored, access_token)
