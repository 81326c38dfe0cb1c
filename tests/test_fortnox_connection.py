import time
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user

from ..models.fortnox_backend import hash_oauth_state
from ..models.fortnox_rate_limiter import DatabaseRateLimiter
from .fortnox_common import FortnoxCase


class TestAccessToken(FortnoxCase):
    def expire_token(self):
        """Let an hour pass for Fortnox, and make Odoo see that its token has expired."""
        self.simulator.advance_clock(3601)
        self.backend.sudo().token_expires_at = fields.Datetime.now() - timedelta(minutes=1)

    def token_requests(self):
        return self.simulator.requests_to("POST", "/oauth-v1/token")

    def test_expired_token_refreshed_once_before_export(self):
        old_refresh_token = self.backend.sudo().refresh_token
        self.expire_token()
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "exported")
        self.assertEqual(len(self.token_requests()), 1)
        backend = self.backend.sudo()
        self.assertNotEqual(backend.refresh_token, old_refresh_token)
        self.assertGreater(backend.token_expires_at, fields.Datetime.now() + timedelta(minutes=50))

    def test_fresh_token_used_without_refresh(self):
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "exported")
        self.assertFalse(self.token_requests())

    def test_rejected_token_refreshed_and_call_repeated(self):
        # Fortnox drops the access token before its stated expiry.
        self.simulator.oauth.access_tokens.clear()
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "exported")
        self.assertEqual(len(self.token_requests()), 1)
        self.assertEqual(len(self.simulator.state()["invoices"]), 1)

    def test_revoked_connection_needs_reconnect(self):
        self.simulator.revoke_connection()
        self.expire_token()
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "reconnect")
        self.assertIn("Connect to Fortnox", move.fortnox_error)
        self.assertIn("invalid_grant", move.fortnox_error)
        backend = self.backend.sudo()
        self.assertEqual(backend.state, "reconnect")
        self.assertFalse(backend.refresh_token)
        self.assertFalse(backend.access_token)
        activity = backend.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.backend.user_id)
        self.assertEqual(activity.summary, "Connect Odoo to Fortnox again")

        # Later invoices wait without asking Fortnox again.
        self.simulator.clear_requests()
        other = self.make_invoice(self.private_customer, [(self.towel, 2, 100.0, 0.0)])
        self.run_jobs()
        self.assertEqual(other.fortnox_state, "reconnect")
        self.assertFalse(self.simulator.requests)
        self.assertEqual(len(backend.activity_ids), 1)

        self.connect_backend()
        self.env["account.move"]._fortnox_resume_blocked(self.backend)
        self.run_jobs()
        self.assertEqual(move.fortnox_state, "exported")
        self.assertEqual(other.fortnox_state, "exported")

    def test_wrong_client_secret_explained(self):
        self.backend.sudo().client_secret = "not-the-secret"
        self.expire_token()
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "reconnect")
        self.assertIn("rejected the client ID or client secret", move.fortnox_error)
        self.assertEqual(self.backend.state, "reconnect")

    def test_token_endpoint_down_retried_later(self):
        refresh_token = self.backend.sudo().refresh_token
        self.expire_token()
        self.simulator.inject("status", status=503, body="down", path="/oauth-v1/token")
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "failed")
        self.assertTrue(move.fortnox_retryable)
        self.assertEqual(self.backend.state, "connected")
        self.assertEqual(self.backend.sudo().refresh_token, refresh_token)

        self.run_jobs(include_delayed=True)
        self.assertEqual(move.fortnox_state, "exported")

    def test_not_connected_backend_blocks_export(self):
        self.backend.action_disconnect()
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "reconnect")
        self.assertIn("needs to be connected", move.fortnox_error)
        self.assertFalse(self.simulator.requests)

    def test_client_uses_backend_settings(self):
        self.backend.write({"read_timeout": 12.0, "rate_limit_requests": 7})

        client = self.backend._fortnox_get_client()

        self.assertEqual(client.base_url, f"{self.fortnox_url}/3/")
        self.assertEqual(client.timeout, (5.0, 12.0))
        self.assertIsInstance(client.limiter, DatabaseRateLimiter)
        self.assertEqual(client.limiter.max_requests, 7)
        self.assertEqual(client.limiter.window_seconds, 5.0)
        self.assertEqual(client.access_token, self.backend.sudo().access_token)


class TestAuthorizationState(FortnoxCase):
    def test_state_is_single_use(self):
        state, url = self.backend._fortnox_start_authorization()
        self.assertIn(f"state={state}", url)
        self.assertEqual(self.backend.sudo().oauth_state_hash, hash_oauth_state(state))

        with self.assertRaisesRegex(UserError, "Fortnox sent no authorization code"):
            self.backend._fortnox_finish_authorization(state, None)
        with self.assertRaisesRegex(UserError, "does not belong to a connection started here"):
            self.backend._fortnox_finish_authorization(state, "any-code")

    def test_expired_state_rejected(self):
        state, _url = self.backend._fortnox_start_authorization()
        self.backend.sudo().oauth_state_expires = fields.Datetime.now() - timedelta(seconds=1)

        with self.assertRaisesRegex(UserError, "came too late"):
            self.backend._fortnox_finish_authorization(state, "any-code")
        self.assertFalse(self.simulator.requests_to("POST", "/oauth-v1/token"))

    def test_missing_client_secret_explained(self):
        self.backend.sudo().client_secret = False

        with self.assertRaisesRegex(UserError, "no client ID or client secret"):
            self.backend.action_connect()


class TestBackendConfiguration(FortnoxCase):
    def test_backend_gets_own_job_channel(self):
        channel = self.backend.job_channel_id
        self.assertEqual(channel.complete_name, f"root.fortnox.{self.backend.id}")
        self.assertEqual(channel.capacity, 1)

    def test_second_backend_for_company_rejected(self):
        with self.assertRaisesRegex(ValidationError, "already has the Fortnox connection"):
            self.backend.copy({"name": "Second"})

    def test_rate_limit_above_fortnox_rejected(self):
        with self.assertRaisesRegex(ValidationError, "between 1 and 25"):
            self.backend.rate_limit_requests = 26

    def test_invalid_url_rejected(self):
        with self.assertRaisesRegex(ValidationError, "must start with http"):
            self.backend.token_url = "apps.fortnox.se/oauth-v1/token"

    def test_redirect_uri_names_callback(self):
        self.assertTrue(self.backend.redirect_uri.endswith("/fortnox/oauth/callback"))

    def test_secrets_hidden_from_fortnox_managers(self):
        manager = new_test_user(
            self.env,
            "fortnox-manager",
            groups="account.group_account_manager,ongoing_fortnox_sync.group_ongoing_fortnox_manager",
        )
        backend = self.backend.with_user(manager)
        self.assertEqual(backend.read(["state"])[0]["state"], "connected")
        for field_name in ("client_secret", "access_token", "refresh_token", "token_expires_at"):
            with self.assertRaises(AccessError):
                backend.read([field_name])

    def test_backend_of_other_company_invisible(self):
        other_company = self.env["res.company"].create({"name": "Annat Bolag AB"})
        user = new_test_user(
            self.env,
            "fortnox-other-company",
            groups="ongoing_fortnox_sync.group_ongoing_fortnox_user",
            company_id=other_company.id,
            company_ids=[other_company.id],
        )
        self.assertFalse(self.env["fortnox.backend"].with_user(user).search([]))

    def test_test_connection_reports_success(self):
        action = self.backend.action_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("SEK", action["params"]["message"])

    def test_test_connection_reports_missing_scope(self):
        self.simulator.reset(connections=True)
        tokens = self.simulator.create_connection(["invoice", "customer", "article"])
        self.backend.sudo().access_token = tokens["access_token"]

        action = self.backend.action_test_connection()

        self.assertEqual(action["params"]["type"], "danger")
        self.assertIn("2000663", action["params"]["message"])


class TestSharedRateLimiter(FortnoxCase):
    def limiter(self, backend=None, max_requests=3, window=1.0):
        waits = []

        def sleep(seconds):
            waits.append(seconds)
            time.sleep(seconds)

        limiter = DatabaseRateLimiter(
            (backend or self.backend)._fortnox_new_cursor,
            (backend or self.backend).id,
            max_requests,
            window,
            sleep=sleep,
        )
        return limiter, waits

    def test_window_shared_between_workers(self):
        first, first_waits = self.limiter()
        second, second_waits = self.limiter()

        for _request in range(3):
            first.acquire()
        waited = second.acquire()

        self.assertFalse(first_waits)
        self.assertGreater(waited, 0.5)
        self.assertLessEqual(waited, 1.1)
        self.assertTrue(second_waits)

    def test_other_backend_has_own_window(self):
        other_company = self.env["res.company"].create({"name": "Annat Bolag AB"})
        other = self.backend.copy({"name": "Other", "company_id": other_company.id})
        busy, _waits = self.limiter()
        free, free_waits = self.limiter(other)

        for _request in range(3):
            busy.acquire()
        free.acquire()

        self.assertFalse(free_waits)

    def test_backoff_blocks_every_worker(self):
        first, _waits = self.limiter(max_requests=100)
        second, second_waits = self.limiter(max_requests=100)

        first.backoff(0.6)
        waited = second.acquire()

        self.assertGreater(waited, 0.5)
        self.assertTrue(second_waits)

    def test_rate_limited_request_waits_and_succeeds(self):
        self.simulator.inject(
            "status",
            status=429,
            body={"ErrorInformation": {"message": "För många anrop", "code": 2999014}},
            headers={"Retry-After": "1"},
            path="/3/currencies",
        )
        client = self.backend._fortnox_get_client()
        started = time.monotonic()

        currency = client.get_currency("SEK")

        self.assertEqual(currency["Code"], "SEK")
        self.assertGreaterEqual(time.monotonic() - started, 0.9)
        self.assertEqual(len(self.simulator.requests_to("GET", "/3/currencies")), 2)
        self.env.cr.execute(
            "SELECT blocked_until FROM fortnox_rate_limit WHERE backend_id = %s", [self.backend.id]
        )
        self.assertIsNotNone(self.env.cr.fetchone()[0])

    def test_requests_recorded_in_database(self):
        self.backend._fortnox_get_client().get_currency("SEK")
        self.backend._fortnox_get_client().get_currency("EUR")

        self.env.cr.execute(
            "SELECT cardinality(sent_at) FROM fortnox_rate_limit WHERE backend_id = %s",
            [self.backend.id],
        )
        self.assertEqual(self.env.cr.fetchone()[0], 2)
