import io
import logging
import unittest
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlsplit

import requests

from ..clients.errors import FixCredentialsError, FixRequestError, NotFoundError, RetryLaterError
from ..clients.fortnox import FortnoxClient, FortnoxToken, SlidingWindowLimiter
from ..clients.http import JsonHttpTransport
from ..simulators.base import SimulatorServer
from ..simulators.fortnox import FortnoxSimulator
from .fortnox_helpers import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    START,
    TODAY,
    FakeClock,
    FortnoxSimulatorCase,
)

SCOPES = ("invoice", "customer", "article", "bookkeeping", "currency", "settings")


class OAuthFlowMixin:
    def authorize(self, state="state-42", scopes=SCOPES):
        """Follow the authorization URL like a browser; return the callback's query."""
        url = self.make_oauth().authorize_url(state, scopes, REDIRECT_URI)
        response = requests.get(url, allow_redirects=False, timeout=5)
        self.assertEqual(response.status_code, 302)
        location = response.headers["Location"]
        self.assertTrue(location.startswith(REDIRECT_URI + "?"))
        return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}

    def connect(self):
        callback = self.authorize()
        return self.make_oauth().exchange_code(callback["code"], REDIRECT_URI)


class TestFortnoxOAuth(OAuthFlowMixin, FortnoxSimulatorCase):
    def test_authorize_url_parameters(self):
        url = self.make_oauth().authorize_url("abc", ["invoice", "customer"], REDIRECT_URI)
        query = parse_qs(urlsplit(url).query)
        self.assertTrue(url.startswith(self.auth_url + "?"))
        self.assertEqual(query["client_id"], [CLIENT_ID])
        self.assertEqual(query["response_type"], ["code"])
        self.assertEqual(query["state"], ["abc"])
        self.assertEqual(query["scope"], ["invoice customer"])
        self.assertEqual(query["access_type"], ["offline"])
        self.assertEqual(query["account_type"], ["service"])
        self.assertEqual(query["redirect_uri"], [REDIRECT_URI])
        self.assertNotIn(CLIENT_SECRET, url)

    def test_authorize_redirect_carries_state_and_code(self):
        callback = self.authorize(state="xyz-123")
        self.assertEqual(callback["state"], "xyz-123")
        self.assertTrue(callback["code"])
        self.assertNotIn("error", callback)

    def test_denied_authorization_redirects_with_error(self):
        self.simulator.set_deny_authorization(True)
        callback = self.authorize(state="s1")
        self.assertEqual(callback["error"], "access_denied")
        self.assertEqual(callback["state"], "s1")
        self.assertNotIn("code", callback)

    def test_code_exchange_returns_tokens(self):
        token = self.connect()
        self.assertTrue(token.access_token)
        self.assertTrue(token.refresh_token)
        self.assertEqual(token.expires_in, 3600)
        self.assertEqual(token.expires_at, datetime.fromtimestamp(START + 3600, timezone.utc))
        self.assertEqual(token.scopes, SCOPES)
        currencies = self.make_client(token.access_token).list_currencies()
        self.assertIn("EUR", [currency["Code"] for currency in currencies])

    def test_code_is_single_use(self):
        callback = self.authorize()
        oauth = self.make_oauth()
        oauth.exchange_code(callback["code"], REDIRECT_URI)
        with self.assertRaises(FixCredentialsError) as caught:
            oauth.exchange_code(callback["code"], REDIRECT_URI)
        self.assertEqual(caught.exception.remote_code, "invalid_grant")

    def test_code_exchange_with_wrong_secret(self):
        callback = self.authorize()
        with self.assertRaises(FixCredentialsError) as caught:
            self.make_oauth(client_secret="wrong-secret").exchange_code(
                callback["code"], REDIRECT_URI
            )
        self.assertEqual(caught.exception.status, 401)
        self.assertEqual(caught.exception.remote_code, "invalid_client")

    def test_refresh_returns_new_refresh_token(self):
        first = self.connect()
        second = self.make_oauth().refresh(first.refresh_token)
        self.assertNotEqual(second.refresh_token, first.refresh_token)
        self.assertNotEqual(second.access_token, first.access_token)
        self.assertEqual(self.make_client(second.access_token).list_currencies()[0]["Code"], "SEK")
        third = self.make_oauth().refresh(second.refresh_token)
        self.assertNotEqual(third.refresh_token, second.refresh_token)

    def test_spent_refresh_token_revokes_connection(self):
        first = self.connect()
        oauth = self.make_oauth()
        second = oauth.refresh(first.refresh_token)

        with self.assertRaises(FixCredentialsError) as caught:
            oauth.refresh(first.refresh_token)
        self.assertEqual(caught.exception.remote_code, "invalid_grant")

        with self.assertRaises(FixCredentialsError):
            oauth.refresh(second.refresh_token)
        with self.assertRaises(FixCredentialsError):
            self.make_client(second.access_token).list_currencies()
        connection = self.simulator.state()["connections"][-1]
        self.assertTrue(connection["revoked"])

    def test_expired_access_token_then_refresh(self):
        token = self.connect()
        client = self.make_client(token.access_token)
        client.list_currencies()

        self.clock.advance(3601)
        with self.assertRaises(FixCredentialsError) as caught:
            client.list_currencies()
        self.assertEqual(caught.exception.status, 401)
        self.assertEqual(caught.exception.remote_code, 2000310)

        refreshed = self.make_oauth().refresh(token.refresh_token)
        client.access_token = refreshed.access_token
        self.assertTrue(client.list_currencies())

    def test_revoked_connection_cannot_refresh(self):
        token = self.connect()
        self.simulator.revoke_connection()
        with self.assertRaises(FixCredentialsError):
            self.make_oauth().refresh(token.refresh_token)
        with self.assertRaises(FixCredentialsError):
            self.make_client(token.access_token).list_currencies()

    def test_token_endpoint_down_is_retry_later(self):
        self.simulator.inject("status", status=503, body="down", path="/oauth-v1/token")
        with self.assertRaises(RetryLaterError) as caught:
            self.make_oauth().refresh("any-refresh-token")
        self.assertEqual(caught.exception.status, 503)

    def test_token_repr_hides_tokens(self):
        token = FortnoxToken.from_response(
            {"access_token": "acc-1", "refresh_token": "ref-1", "expires_in": 3600, "scope": "x"},
            START,
        )
        self.assertNotIn("acc-1", repr(token))
        self.assertNotIn("ref-1", repr(token))
        self.assertFalse(token.expires_within(60, now=datetime.fromtimestamp(START, timezone.utc)))
        self.assertTrue(
            token.expires_within(60, now=datetime.fromtimestamp(START + 3550, timezone.utc))
        )


class TestNoSecretsInLogs(OAuthFlowMixin, FortnoxSimulatorCase):
    def test_debug_logs_hold_no_token_or_secret(self):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setLevel(logging.DEBUG)
        root = logging.getLogger()
        # Odoo's test logging raises the level of the "odoo" tree, which
        # contains these modules when they run inside the addon.
        watched = [
            root,
            logging.getLogger("urllib3"),
            logging.getLogger(FortnoxClient.__module__),
            logging.getLogger(JsonHttpTransport.__module__),
            logging.getLogger(FortnoxSimulator.__module__),
            logging.getLogger(SimulatorServer.__module__),
        ]
        levels = [logger.level for logger in watched]
        root.addHandler(handler)
        for logger in watched:
            logger.setLevel(logging.DEBUG)
        try:
            callback = self.authorize()
            oauth = self.make_oauth()
            first = oauth.exchange_code(callback["code"], REDIRECT_URI)
            second = oauth.refresh(first.refresh_token)
            client = self.make_client(second.access_token)
            client.list_currencies()
            with self.assertRaises(FixRequestError):
                client.create_invoice({"CustomerNumber": "404"})
            with self.assertRaises(FixCredentialsError):
                oauth.refresh(first.refresh_token)
        finally:
            root.removeHandler(handler)
            for logger, level in zip(watched, levels, strict=True):
                logger.setLevel(level)

        logged = stream.getvalue()
        self.assertIn("oauth-v1/token", logged, "urllib3 debug lines were not captured")
        secrets = {
            "client secret": CLIENT_SECRET,
            "authorization code": callback["code"],
            "first access token": first.access_token,
            "first refresh token": first.refresh_token,
            "second access token": second.access_token,
            "second refresh token": second.refresh_token,
        }
        for name, value in secrets.items():
            self.assertNotIn(value, logged, f"the {name} was logged")


class TestFortnoxClientErrors(FortnoxSimulatorCase):
    def test_error_information_with_lowercase_keys(self):
        with self.assertRaises(FixRequestError) as caught:
            self.client.create_invoice({"CustomerNumber": "999", "InvoiceRows": []})
        error = caught.exception
        self.assertNotIsInstance(error, FixCredentialsError)
        self.assertEqual(error.status, 400)
        self.assertEqual(error.remote_code, 2000433)
        self.assertIn("Kunde inte hitta kund", error.remote_message)
        self.assertIn("code 2000433", str(error))

    def test_error_information_with_capitalised_keys(self):
        self.simulator.inject(
            "status",
            status=400,
            body={
                "ErrorInformation": {
                    "Error": 1,
                    "Message": "Kunde inte hitta konto",
                    "Code": "2001304",
                }
            },
        )
        with self.assertRaises(FixRequestError) as caught:
            self.client.get_account(1234)
        self.assertEqual(caught.exception.remote_code, 2001304)
        self.assertEqual(caught.exception.remote_message, "Kunde inte hitta konto")

    def test_capitalised_error_from_vouchers(self):
        with self.assertRaises(FixRequestError) as caught:
            self.client.create_voucher(
                {
                    "VoucherSeries": "A",
                    "TransactionDate": TODAY,
                    "Description": "Obalanserad",
                    "VoucherRows": [
                        {"Account": 1930, "Debit": 100},
                        {"Account": 3001, "Credit": 99},
                    ],
                }
            )
        self.assertIn("inte balanserad", caught.exception.remote_message)
        self.assertIsInstance(caught.exception.remote_code, int)

    def test_bad_request_keeps_message_and_code(self):
        customer = self.create_customer()
        with self.assertRaises(FixRequestError) as caught:
            self.client.create_invoice(
                {
                    "CustomerNumber": customer["CustomerNumber"],
                    "InvoiceRows": [
                        {"Description": "X", "DeliveredQuantity": 1, "Price": 10, "VAT": 30}
                    ],
                }
            )
        error = caught.exception
        self.assertEqual(error.status, 400)
        self.assertIn("Ogiltig momssats", error.remote_message)
        self.assertIn(error.remote_message, str(error))
        self.assertIsNotNone(error.remote_code)

    def test_credential_codes_need_reconnect(self):
        for code in (2000310, 2000311):
            self.simulator.inject(
                "status",
                status=400,
                body={
                    "ErrorInformation": {"error": 1, "message": "Ogiltig inloggning", "code": code}
                },
            )
            with self.subTest(code=code), self.assertRaises(FixCredentialsError) as caught:
                self.client.list_currencies()
            self.assertEqual(caught.exception.remote_code, code)

    def test_missing_document_is_not_found(self):
        with self.assertRaises(NotFoundError):
            self.client.get_invoice("4711")

    def test_server_error_is_retry_later(self):
        self.simulator.inject(
            "status",
            status=500,
            body={"ErrorInformation": {"error": 1, "message": "Systemfel", "code": 1000003}},
        )
        with self.assertRaises(RetryLaterError) as caught:
            self.client.list_currencies()
        self.assertEqual(caught.exception.status, 500)
        self.assertEqual(caught.exception.remote_code, 1000003)

    def test_timeout_is_retry_later(self):
        self.simulator.inject("delay", delay=1.0)
        client = self.make_client(read_timeout=0.2)
        with self.assertRaises(RetryLaterError) as caught:
            client.list_currencies()
        self.assertIn("did not respond in time", str(caught.exception))

    def test_dropped_connection_is_retry_later(self):
        self.simulator.inject("drop")
        with self.assertRaises(RetryLaterError):
            self.client.list_currencies()

    def test_429_waits_retry_after_through_limiter(self):
        limiter = SlidingWindowLimiter(25, 5.0, clock=self.clock.time, sleep=self.clock.sleep)
        client = self.make_client(limiter=limiter)
        self.simulator.inject("status", status=429, headers={"Retry-After": "7"}, body={})
        currencies = client.list_currencies()
        self.assertTrue(currencies)
        self.assertEqual(self.clock.sleeps, [7.0])
        self.assertEqual(len(self.simulator.requests_to("GET", "/3/currencies")), 2)

    def test_429_without_limiter_sleeps_retry_after(self):
        self.simulator.inject("status", status=429, headers={"Retry-After": "3"}, body={})
        self.client.list_currencies()
        self.assertEqual(self.clock.sleeps, [3.0])

    def test_429_without_retry_after_waits_default(self):
        self.simulator.inject("status", status=429, body={})
        self.client.list_currencies()
        self.assertEqual(self.clock.sleeps, [5.0])

    def test_persistent_429_gives_up_as_retry_later(self):
        self.simulator.inject(
            "status", status=429, headers={"Retry-After": "2"}, body={}, times=None
        )
        with self.assertRaises(RetryLaterError) as caught:
            self.client.list_currencies()
        self.assertEqual(caught.exception.status, 429)
        self.assertEqual(caught.exception.retry_after, 2.0)
        self.assertEqual(self.clock.sleeps, [2.0, 2.0, 2.0])
        self.assertEqual(len(self.simulator.requests_to("GET", "/3/currencies")), 4)

    def test_long_retry_after_is_not_waited(self):
        self.simulator.inject("status", status=429, headers={"Retry-After": "120"}, body={})
        with self.assertRaises(RetryLaterError) as caught:
            self.client.list_currencies()
        self.assertEqual(caught.exception.retry_after, 120.0)
        self.assertEqual(self.clock.sleeps, [])


class TestSlidingWindowLimiter(unittest.TestCase):
    def test_burst_waits_for_window(self):
        clock = FakeClock(start=0.0)
        limiter = SlidingWindowLimiter(25, 5.0, clock=clock.time, sleep=clock.sleep)
        for _ in range(25):
            self.assertEqual(limiter.acquire(), 0.0)
        self.assertEqual(limiter.acquire(), 5.0)
        self.assertEqual(clock.now, 5.0)

    def test_spread_requests_never_wait(self):
        clock = FakeClock(start=0.0)
        limiter = SlidingWindowLimiter(20, 5.0, clock=clock.time, sleep=clock.sleep)
        for _ in range(100):
            self.assertEqual(limiter.acquire(), 0.0)
            clock.advance(0.25)

    def test_backoff_holds_next_request(self):
        clock = FakeClock(start=0.0)
        limiter = SlidingWindowLimiter(25, 5.0, clock=clock.time, sleep=clock.sleep)
        limiter.acquire()
        limiter.backoff(7.5)
        self.assertEqual(limiter.acquire(), 7.5)
        self.assertEqual(limiter.acquire(), 0.0)

    def test_rejects_empty_window(self):
        with self.assertRaises(ValueError):
            SlidingWindowLimiter(0, 5.0)


class TestLimiterAgainstSimulator(unittest.TestCase):
    """The limiter and the simulator share one fake clock, so no real time passes."""

    def setUp(self):
        self.clock = FakeClock()
        self.simulator = FortnoxSimulator(CLIENT_ID, CLIENT_SECRET, clock=self.clock.time)
        self.server = SimulatorServer(self.simulator).start()
        self.addCleanup(self.server.stop)
        self.token = self.simulator.create_connection(["currency"])["access_token"]

    def make_client(self, **options):
        return FortnoxClient(f"{self.server.url}/3", self.token, sleep=self.clock.sleep, **options)

    def test_burst_stays_under_fortnox_limit(self):
        limiter = SlidingWindowLimiter(25, 5.0, clock=self.clock.time, sleep=self.clock.sleep)
        client = self.make_client(limiter=limiter, max_429_retries=0)
        for _ in range(60):
            client.get_currency("EUR")
        statuses = [logged.status for logged in self.simulator.requests]
        self.assertEqual(len(statuses), 60)
        self.assertNotIn(429, statuses)
        # 60 requests at 25 per 5 s need two full windows.
        self.assertGreaterEqual(self.clock.now - START, 10.0)

    def test_burst_without_limiter_hits_429(self):
        client = self.make_client(max_429_retries=0)
        for _ in range(25):
            client.get_currency("EUR")
        with self.assertRaises(RetryLaterError) as caught:
            client.get_currency("EUR")
        self.assertEqual(caught.exception.status, 429)
        self.assertEqual(caught.exception.retry_after, 5.0)


class TestFortnoxClientDocuments(FortnoxSimulatorCase):
    def invoice_payload(self, customer_number, reference, **fields):
        return {
            "CustomerNumber": customer_number,
            "InvoiceDate": TODAY,
            "ExternalInvoiceReference1": reference,
            "InvoiceRows": [
                {"Description": "Kaffe", "DeliveredQuantity": 2, "Price": 100, "VAT": 12}
            ],
            **fields,
        }

    def test_client_sends_every_field(self):
        customer = self.create_customer()
        payload = self.invoice_payload(
            customer["CustomerNumber"],
            "INV/2025/0007",
            ExternalInvoiceReference2="SO0042",
            YourOrderNumber="PO-981",
            OurReference="Anna Ek",
            Remarks="Tack för beställningen",
        )
        invoice = self.client.create_invoice(payload)
        self.assertEqual(
            self.simulator.requests_to("POST", "/3/invoices")[-1].body, {"Invoice": payload}
        )
        for field in ("ExternalInvoiceReference2", "YourOrderNumber", "OurReference", "Remarks"):
            self.assertEqual(invoice[field], payload[field], field)
        self.assertEqual(
            self.client.get_invoice(invoice["DocumentNumber"])["Remarks"], payload["Remarks"]
        )

    def test_find_invoice_after_lost_answer(self):
        customer = self.create_customer()
        payload = self.invoice_payload(customer["CustomerNumber"], "INV/2025/0001")
        self.simulator.inject(
            "status", status=502, body="Bad gateway", method="POST", path="/3/invoices", after=True
        )
        with self.assertRaises(RetryLaterError):
            self.client.create_invoice(payload)

        found = self.client.find_invoice_by_external_reference("INV/2025/0001")
        self.assertIsNotNone(found)
        self.assertEqual(found["ExternalInvoiceReference1"], "INV/2025/0001")
        self.assertEqual(found["Total"], 224.0)
        self.assertEqual(len(self.simulator.state()["invoices"]), 1)

    def test_find_invoice_when_filter_ignored(self):
        self.simulator.honour_reference_filters = False
        self.addCleanup(setattr, self.simulator, "honour_reference_filters", True)
        customer = self.create_customer()
        for number in range(1, 4):
            self.client.create_invoice(
                self.invoice_payload(customer["CustomerNumber"], f"INV/{number}")
            )
        found = self.client.find_invoice_by_external_reference("INV/2")
        self.assertEqual(found["ExternalInvoiceReference1"], "INV/2")
        self.assertIsNone(self.client.find_invoice_by_external_reference("INV/9"))

    def test_find_invoice_with_two_live_matches(self):
        customer = self.create_customer()
        for _ in range(2):
            self.client.create_invoice(self.invoice_payload(customer["CustomerNumber"], "INV/DUP"))
        with self.assertRaises(FixRequestError) as caught:
            self.client.find_invoice_by_external_reference("INV/DUP")
        self.assertIn("several documents", str(caught.exception))

    def test_find_invoice_prefers_live_over_cancelled(self):
        customer = self.create_customer()
        first = self.client.create_invoice(
            self.invoice_payload(customer["CustomerNumber"], "INV/5")
        )
        self.client.cancel_invoice(first["DocumentNumber"])
        second = self.client.create_invoice(
            self.invoice_payload(customer["CustomerNumber"], "INV/5")
        )
        found = self.client.find_invoice_by_external_reference("INV/5")
        self.assertEqual(found["DocumentNumber"], second["DocumentNumber"])

    def test_invoice_actions(self):
        customer = self.create_customer()
        invoice = self.client.create_invoice(
            self.invoice_payload(customer["CustomerNumber"], "INV/A")
        )
        number = invoice["DocumentNumber"]
        booked = self.client.bookkeep_invoice(number)
        self.assertTrue(booked["Booked"])
        original = self.client.credit_invoice(number)
        credit = self.client.get_invoice(original["CreditInvoiceReference"])
        self.assertTrue(credit["Credit"])
        self.assertEqual(credit["CreditInvoiceReference"], number)
        self.assertTrue(self.client.cancel_invoice(credit["DocumentNumber"])["Cancelled"])

    def test_customer_number_with_slash(self):
        self.create_customer(CustomerNumber="K/100")
        self.assertEqual(self.client.get_customer("K/100")["CustomerNumber"], "K/100")
        updated = self.client.update_customer("K/100", {"Email": "ekonomi@example.se"})
        self.assertEqual(updated["Email"], "ekonomi@example.se")

    def test_articles_round_trip(self):
        article = self.client.create_article(
            {"ArticleNumber": "A-1", "Description": "Kaffe 500 g", "StockGoods": False, "VAT": 12}
        )
        self.assertEqual(article["VAT"], 12)
        self.client.update_article("A-1", {"Description": "Kaffe 450 g"})
        self.assertEqual(self.client.get_article("A-1")["Description"], "Kaffe 450 g")
        self.assertEqual([row["ArticleNumber"] for row in self.client.iter_articles()], ["A-1"])

    def test_vouchers_round_trip(self):
        rows = [
            {"Account": 1460, "Debit": 250.5, "Credit": 0, "TransactionInformation": "Inleverans"},
            {"Account": 4960, "Debit": 0, "Credit": 250.5},
        ]
        created = self.client.create_voucher(
            {
                "VoucherSeries": "A",
                "TransactionDate": TODAY,
                "Description": "Lager",
                "VoucherRows": rows,
            }
        )
        year = self.client.get_financial_year_for_date(TODAY)
        self.assertEqual(created["Year"], year["Id"])
        fetched = self.client.get_voucher("A", created["VoucherNumber"], year["Id"])
        self.assertEqual([row["Account"] for row in fetched["VoucherRows"]], [1460, 4960])
        self.assertEqual(fetched["VoucherRows"][0]["TransactionInformation"], "Inleverans")
        listed = self.client.list_vouchers(
            "A", from_date=TODAY, to_date=TODAY, financial_year=year["Id"]
        )
        self.assertEqual([row["VoucherNumber"] for row in listed], [created["VoucherNumber"]])

    def create_stock_voucher(self, description, day=TODAY):
        return self.client.create_voucher(
            {
                "VoucherSeries": "A",
                "TransactionDate": day,
                "Description": description,
                "VoucherRows": [
                    {"Account": 1410, "Debit": 100, "Credit": 0},
                    {"Account": 4960, "Debit": 0, "Credit": 100},
                ],
            }
        )

    def test_find_voucher_by_marker(self):
        self.create_stock_voucher("Lager 2025-06-16 [Odoo aaa111]")
        wanted = self.create_stock_voucher("Lager 2025-06-16 [Odoo bbb222]")
        self.create_stock_voucher("Lager 2025-06-15 [Odoo bbb222]", day="2025-06-15")
        year = self.client.get_financial_year_for_date(TODAY)

        found = self.client.find_voucher("A", TODAY, "Odoo bbb222", year["Id"])

        self.assertEqual(found["VoucherNumber"], wanted["VoucherNumber"])
        self.assertEqual([row["Account"] for row in found["VoucherRows"]], [1410, 4960])
        self.assertIsNone(self.client.find_voucher("A", TODAY, "Odoo ccc333", year["Id"]))
        self.assertIsNone(self.client.find_voucher("B", TODAY, "Odoo bbb222", year["Id"]))

    def test_find_voucher_rejects_two_with_marker(self):
        self.create_stock_voucher("Lager [Odoo aaa111]")
        self.create_stock_voucher("Lager igen [Odoo aaa111]")

        with self.assertRaisesRegex(FixRequestError, "several vouchers marked"):
            self.client.find_voucher("A", TODAY, "Odoo aaa111")
        with self.assertRaises(ValueError):
            self.client.find_voucher("A", TODAY, "")

    def test_financial_years_and_accounts(self):
        years = self.client.list_financial_years()
        self.assertEqual(
            [year["FromDate"] for year in years], ["2024-01-01", "2025-01-01", "2026-01-01"]
        )
        self.assertIsNone(self.client.get_financial_year_for_date("1999-05-01"))
        self.assertEqual(self.client.get_account(1510)["Description"], "Kundfordringar")
        numbers = [account["Number"] for account in self.client.list_accounts()]
        for number in (
            1410,
            1460,
            1510,
            1930,
            2440,
            2611,
            2614,
            2621,
            2631,
            2645,
            3001,
            3740,
            7960,
        ):
            self.assertIn(number, numbers)
        self.assertIsNone(self.client.get_locked_period())
        self.assertEqual(self.client.get_currency("EUR")["Code"], "EUR")
        self.assertIn("A", [series["Code"] for series in self.client.list_voucher_series()])

    def test_paging_reads_every_page(self):
        client = self.make_client(page_size=2)
        for index in range(5):
            client.create_customer({"Name": f"Kund {index}"})
        self.assertEqual(len(list(client.iter_customers())), 5)
        self.assertEqual(len(self.simulator.requests_to("GET", "/3/customers")), 3)

    def test_supplier_invoice_find_and_bookkeep(self):
        supplier = self.client.create_supplier(
            {"Name": "Grossisten AB", "OrganisationNumber": "5560001111"}
        )
        created = self.client.create_supplier_invoice(
            {
                "SupplierNumber": supplier["SupplierNumber"],
                "InvoiceNumber": "F-77",
                "InvoiceDate": TODAY,
                "Total": 1250,
                "VAT": 250,
                "OurReference": "BILL/2025/0003",
                "SupplierInvoiceRows": [
                    {"Account": 2440, "Credit": 1250},
                    {"Account": 2641, "Debit": 250},
                    {"Account": 4000, "Debit": 1000},
                ],
            }
        )
        found = self.client.find_supplier_invoice(
            "BILL/2025/0003", supplier_number=supplier["SupplierNumber"]
        )
        self.assertEqual(found["GivenNumber"], created["GivenNumber"])
        self.assertIsNone(self.client.find_supplier_invoice("BILL/2025/9999"))
        booked = self.client.bookkeep_supplier_invoice(created["GivenNumber"])
        self.assertTrue(booked["Booked"])
        self.assertEqual(
            self.client.get_supplier(supplier["SupplierNumber"])["Name"], "Grossisten AB"
        )
