from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from odoo.tests import new_test_user

from .fortnox_common import FortnoxHttpCase


class TestOAuthFlow(FortnoxHttpCase):
    def setUp(self):
        super().setUp()
        self.backend.action_disconnect()
        self.simulator.reset(connections=True)
        self.authenticate("admin", "admin")

    def start_flow(self):
        """Press Connect to Fortnox and let the simulator approve; return the callback URL."""
        response = self.url_open(f"/fortnox/oauth/start/{self.backend.id}", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        authorize_url = response.headers["Location"]
        self.assertTrue(authorize_url.startswith(f"{self.fortnox_url}/oauth-v1/auth?"))
        query = parse_qs(urlsplit(authorize_url).query)
        self.assertEqual(query["client_id"], ["odoo-test-client"])
        self.assertEqual(query["redirect_uri"], [self.backend.redirect_uri])
        self.assertNotIn("odoo-test-secret", authorize_url)

        approval = requests.get(authorize_url, allow_redirects=False, timeout=5)
        self.assertEqual(approval.status_code, 302)
        callback = approval.headers["Location"]
        self.assertTrue(callback.startswith(self.backend.redirect_uri))
        return callback

    def token_exchanges(self):
        return self.simulator.requests_to("POST", "/oauth-v1/token")

    def test_connect_flow_stores_tokens(self):
        callback = self.start_flow()

        response = self.url_open(callback)

        self.assertEqual(response.status_code, 200)
        self.assertIn("Connected to Fortnox", response.text)
        self.backend.invalidate_recordset()
        backend = self.backend.sudo()
        self.assertEqual(backend.state, "connected")
        self.assertTrue(backend.access_token)
        self.assertTrue(backend.refresh_token)
        self.assertTrue(backend.token_expires_at)
        self.assertFalse(backend.oauth_state_hash)
        self.assertIn("invoice", backend.granted_scopes.split())
        self.assertEqual(len(self.simulator.state()["connections"]), 1)
        currency = self.backend._fortnox_get_client().get_currency("SEK")
        self.assertEqual(currency["Code"], "SEK")

    def test_forged_state_refused(self):
        callback = self.start_flow()
        query = parse_qs(urlsplit(callback).query)
        forged_query = urlencode({"code": query["code"][0], "state": "forged"})
        forged = f"{self.backend.redirect_uri}?{forged_query}"

        response = self.url_open(forged)

        self.assertEqual(response.status_code, 400)
        self.assertIn("does not belong to a connection started in this browser", response.text)
        self.assertFalse(self.token_exchanges())
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.state, "not_connected")

    def test_replayed_callback_refused(self):
        callback = self.start_flow()
        self.assertEqual(self.url_open(callback).status_code, 200)

        replay = self.url_open(callback)

        self.assertEqual(replay.status_code, 400)
        self.assertEqual(len(self.token_exchanges()), 1)

    def test_state_of_other_session_refused(self):
        callback = self.start_flow()
        new_test_user(
            self.env,
            "other-manager",
            password="other-manager-pw",
            groups="base.group_user,ongoing_fortnox_sync.group_ongoing_fortnox_manager",
        )
        self.authenticate("other-manager", "other-manager-pw")

        response = self.url_open(callback)

        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.token_exchanges())

    def test_denied_authorization_explained(self):
        self.simulator.set_deny_authorization(True)
        callback = self.start_flow()

        response = self.url_open(callback)

        self.assertEqual(response.status_code, 400)
        self.assertIn("Access was denied in Fortnox", response.text)
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.state, "not_connected")
        self.assertIn("Access was denied", self.backend.last_error)

    def test_wrong_client_secret_explained(self):
        callback = self.start_flow()
        self.backend.sudo().client_secret = "not-the-secret"

        response = self.url_open(callback)

        self.assertEqual(response.status_code, 400)
        self.assertIn("rejected the client ID or client secret", response.text)
        self.backend.invalidate_recordset()
        self.assertEqual(self.backend.state, "not_connected")

    def test_start_requires_manager(self):
        new_test_user(
            self.env,
            "fortnox-user",
            password="fortnox-user-pw",
            groups="base.group_user,ongoing_fortnox_sync.group_ongoing_fortnox_user",
        )
        self.authenticate("fortnox-user", "fortnox-user-pw")

        response = self.url_open(f"/fortnox/oauth/start/{self.backend.id}", allow_redirects=False)

        self.assertEqual(response.status_code, 403)
        self.assertIn("Only Fortnox managers", response.text)

    def test_reconnect_resumes_blocked_invoices(self):
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])
        self.run_jobs()
        self.assertEqual(move.fortnox_state, "reconnect")

        self.url_open(self.start_flow())

        move.invalidate_recordset()
        self.assertEqual(move.fortnox_state, "pending")
        self.run_jobs()
        self.assertEqual(move.fortnox_state, "exported")
