import unittest
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import requests

from ..clients.errors import FixCredentialsError, FixRequestError
from ..simulators.base import SimulatorServer
from ..simulators.fortnox import FortnoxSimulator, main
from ..simulators.fortnox_invoices import compute_totals, row_amount
from .fortnox_helpers import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, TODAY, FortnoxSimulatorCase


def error_of(response):
    info = response.json()["ErrorInformation"]
    return info.get("code", info.get("Code")), info.get("message", info.get("Message"))


class TestSimulatorOAuth(FortnoxSimulatorCase):
    def authorize(self, **params):
        query = {
            "client_id": CLIENT_ID,
            "response_type": "code",
            "scope": "invoice customer",
            "state": "st",
            "redirect_uri": REDIRECT_URI,
            **params,
        }
        return requests.get(self.auth_url, params=query, allow_redirects=False, timeout=5)

    def test_unknown_client_is_not_redirected(self):
        response = self.authorize(client_id="someone-else")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "invalid_client")

    def test_unregistered_redirect_uri_is_not_redirected(self):
        response = self.authorize(redirect_uri="http://localhost:9999/elsewhere")
        self.assertEqual(response.status_code, 400)
        self.assertNotIn("Location", response.headers)

    def test_unknown_scope_redirects_with_error(self):
        response = self.authorize(scope="invoice teleport")
        query = parse_qs(urlsplit(response.headers["Location"]).query)
        self.assertEqual(query["error"], ["invalid_scope"])
        self.assertEqual(query["state"], ["st"])

    def test_token_endpoint_requires_basic_auth(self):
        response = requests.post(
            self.token_url,
            data={"grant_type": "refresh_token", "refresh_token": self.tokens["refresh_token"]},
            timeout=5,
        )
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["error"], "invalid_client")

    def test_code_bound_to_redirect_uri(self):
        location = self.authorize().headers["Location"]
        code = parse_qs(urlsplit(location).query)["code"][0]
        response = requests.post(
            self.token_url,
            auth=(CLIENT_ID, CLIENT_SECRET),
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://localhost:8069/other",
            },
            timeout=5,
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["error"], "invalid_grant")

    def test_access_token_lifetime_from_clock(self):
        self.clock.advance(3599)
        self.assertTrue(self.client.list_currencies())
        self.clock.advance(1)
        with self.assertRaises(FixCredentialsError):
            self.client.list_currencies()

    def test_missing_bearer_token(self):
        response = requests.get(f"{self.api_url}/customers", timeout=5)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(error_of(response)[0], 2000311)

    def test_missing_scope_is_forbidden(self):
        token = self.simulator.create_connection(["customer"])["access_token"]
        client = self.make_client(token)
        client.create_customer({"Name": "Kund AB"})
        with self.assertRaises(FixCredentialsError) as caught:
            client.list_currencies()
        self.assertEqual(caught.exception.status, 403)
        self.assertEqual(caught.exception.remote_code, 2000663)

    def test_bookkeep_needs_bookkeeping_scope(self):
        token = self.simulator.create_connection(["customer", "invoice"])["access_token"]
        client = self.make_client(token)
        number = client.create_customer({"Name": "Kund AB"})["CustomerNumber"]
        invoice = client.create_invoice(
            {"CustomerNumber": number, "InvoiceRows": [{"Price": 10, "DeliveredQuantity": 1}]}
        )
        with self.assertRaises(FixCredentialsError):
            client.bookkeep_invoice(invoice["DocumentNumber"])

    def test_operator_revokes_connection(self):
        connection_id = self.simulator.state()["connections"][0]["id"]
        response = requests.post(
            f"{self.server.url}/_sim/connections/{connection_id}/revoke", timeout=5
        )
        self.assertEqual(response.json(), {"revoked": 1})
        with self.assertRaises(FixCredentialsError):
            self.client.list_currencies()


class TestSimulatorRateLimit(FortnoxSimulatorCase):
    def get(self):
        headers = {"Authorization": f"Bearer {self.tokens['access_token']}"}
        return requests.get(f"{self.api_url}/currencies/EUR", headers=headers, timeout=5)

    def test_26th_request_in_window_is_429(self):
        for _ in range(25):
            self.assertEqual(self.get().status_code, 200)
        response = self.get()
        self.assertEqual(response.status_code, 429)
        self.assertEqual(response.headers["Retry-After"], "5")

    def test_window_slides(self):
        for _ in range(20):
            self.get()
        self.clock.advance(3)
        for _ in range(5):
            self.assertEqual(self.get().status_code, 200)
        self.assertEqual(self.get().status_code, 429)
        self.clock.advance(2)
        self.assertEqual(self.get().status_code, 200)

    def test_limit_is_configurable(self):
        self.simulator.set_rate_limit(2, 1.0)
        self.addCleanup(self.simulator.set_rate_limit, 25, 5.0)
        self.assertEqual(self.get().status_code, 200)
        self.assertEqual(self.get().status_code, 200)
        self.assertEqual(self.get().status_code, 429)

    def test_limit_is_per_client_and_company(self):
        for _ in range(25):
            self.get()
        other = self.simulator.create_connection()["access_token"]
        headers = {"Authorization": f"Bearer {other}"}
        response = requests.get(f"{self.api_url}/currencies", headers=headers, timeout=5)
        self.assertEqual(response.status_code, 429)


class TestInvoiceArithmetic(unittest.TestCase):
    def test_percent_discount_rounds_half_up(self):
        self.assertEqual(str(row_amount(*map(Decimal, ("3", "99.90", "10")), "PERCENT")), "269.73")
        self.assertEqual(str(row_amount(*map(Decimal, ("1", "0.125", "0")), "PERCENT")), "0.13")

    def test_amount_discount_follows_row_sign(self):
        self.assertEqual(str(row_amount(*map(Decimal, ("2", "125", "10")), "AMOUNT")), "240.00")
        self.assertEqual(str(row_amount(*map(Decimal, ("-2", "125", "10")), "AMOUNT")), "-240.00")

    def test_vat_per_rate_on_summed_rows(self):
        totals = compute_totals(
            [(Decimal("0.05"), Decimal(25)), (Decimal("0.05"), Decimal(25))], vat_included=False
        )
        # 0.10 at 25 % is 0.025, rounded once to 0.03; rounding per row would give 0.02.
        self.assertEqual(str(totals["TotalVAT"]), "0.03")


class TestSimulatorInvoices(FortnoxSimulatorCase):
    def invoice(self, customer_number, rows, **fields):
        return self.client.create_invoice(
            {"CustomerNumber": customer_number, "InvoiceDate": TODAY, "InvoiceRows": rows, **fields}
        )

    def test_totals_25_and_12_with_percent_discount(self):
        number = self.create_customer()["CustomerNumber"]
        invoice = self.invoice(
            number,
            [
                {
                    "Description": "Kaffe",
                    "DeliveredQuantity": 3,
                    "Price": 99.90,
                    "VAT": 25,
                    "Discount": 10,
                    "DiscountType": "PERCENT",
                },
                {"Description": "Bröd", "DeliveredQuantity": 2, "Price": 45.50, "VAT": 12},
            ],
        )
        self.assertEqual([row["Total"] for row in invoice["InvoiceRows"]], [269.73, 91.0])
        self.assertEqual([row["AccountNumber"] for row in invoice["InvoiceRows"]], [3001, 3002])
        self.assertEqual(invoice["Net"], 360.73)
        self.assertEqual(invoice["TotalVAT"], 78.35)  # 67.43 + 10.92
        self.assertEqual(invoice["Total"], 439.08)
        self.assertEqual(invoice["Currency"], "SEK")
        self.assertFalse(invoice["Booked"])

    def test_totals_with_vat_included_and_amount_discount(self):
        number = self.create_customer()["CustomerNumber"]
        invoice = self.invoice(
            number,
            [
                {
                    "Description": "Te",
                    "DeliveredQuantity": 2,
                    "Price": 125,
                    "VAT": 25,
                    "Discount": 10,
                    "DiscountType": "AMOUNT",
                },
                {"Description": "Mjöl", "DeliveredQuantity": 1, "Price": 56, "VAT": 12},
            ],
            VATIncluded=True,
        )
        self.assertEqual(invoice["Total"], 296.0)
        self.assertEqual(invoice["TotalVAT"], 54.0)  # 48.00 + 6.00
        self.assertEqual(invoice["Net"], 242.0)

    def test_eu_reverse_charge_in_eur(self):
        number = self.create_customer(
            Name="Kaffeehaus GmbH",
            CountryCode="DE",
            VATType="EUREVERSEDVAT",
            VATNumber="DE123456789",
            Currency="EUR",
        )["CustomerNumber"]
        invoice = self.invoice(
            number,
            [{"Description": "Kaffe", "DeliveredQuantity": 10, "Price": 12.35, "VAT": 25}],
            Currency="EUR",
            CurrencyRate=11.4321,
            ExternalInvoiceReference1="INV/2025/0100",
        )
        self.assertEqual(invoice["Currency"], "EUR")
        self.assertEqual(invoice["CurrencyRate"], 11.4321)
        self.assertEqual(invoice["VATType"], "EUREVERSEDVAT")
        self.assertEqual(invoice["TotalVAT"], 0.0)
        self.assertEqual(invoice["Total"], 123.5)
        self.assertEqual(invoice["InvoiceRows"][0]["AccountNumber"], 3108)
        self.assertEqual(invoice["ExternalInvoiceReference1"], "INV/2025/0100")

        booked = self.client.bookkeep_invoice(invoice["DocumentNumber"])
        voucher = self.client.get_voucher("B", booked["VoucherNumber"], booked["VoucherYear"])
        amounts = {row["Account"]: (row["Debit"], row["Credit"]) for row in voucher["VoucherRows"]}
        # 123.50 EUR at 11.4321 SEK is 1411.86435 SEK.
        self.assertEqual(amounts, {1510: (1411.86, 0.0), 3108: (0.0, 1411.86)})

    def test_export_without_vat(self):
        number = self.create_customer(
            Name="Coffee Inc", CountryCode="US", VATType="EXPORT", Currency="USD"
        )["CustomerNumber"]
        self.client.create_article({"ArticleNumber": "K1", "Description": "Kaffe", "Type": "STOCK"})
        self.client.create_article(
            {"ArticleNumber": "S1", "Description": "Frakt", "Type": "SERVICE"}
        )
        invoice = self.invoice(
            number,
            [
                {"ArticleNumber": "K1", "DeliveredQuantity": 4, "Price": 20, "VAT": 25},
                {"ArticleNumber": "S1", "DeliveredQuantity": 1, "Price": 15, "VAT": 25},
            ],
        )
        self.assertEqual(invoice["Currency"], "USD")
        self.assertEqual(invoice["CurrencyRate"], 10.5)
        self.assertEqual(invoice["TotalVAT"], 0.0)
        self.assertEqual(invoice["Total"], 95.0)
        self.assertEqual([row["AccountNumber"] for row in invoice["InvoiceRows"]], [3105, 3305])
        self.assertEqual([row["VAT"] for row in invoice["InvoiceRows"]], [0, 0])

    def test_booking_writes_balanced_voucher(self):
        number = self.create_customer()["CustomerNumber"]
        invoice = self.invoice(
            number,
            [
                {"Description": "A", "DeliveredQuantity": 1, "Price": 100, "VAT": 25},
                {"Description": "B", "DeliveredQuantity": 1, "Price": 100, "VAT": 6},
            ],
        )
        booked = self.client.bookkeep_invoice(invoice["DocumentNumber"])
        self.assertTrue(booked["Booked"])
        self.assertEqual(booked["VoucherSeries"], "B")
        voucher = self.client.get_voucher("B", booked["VoucherNumber"], booked["VoucherYear"])
        amounts = {row["Account"]: (row["Debit"], row["Credit"]) for row in voucher["VoucherRows"]}
        self.assertEqual(
            amounts,
            {
                1510: (231.0, 0.0),
                3001: (0.0, 100.0),
                3003: (0.0, 100.0),
                2611: (0.0, 25.0),
                2631: (0.0, 6.0),
            },
        )
        with self.assertRaises(FixRequestError):
            self.client.bookkeep_invoice(invoice["DocumentNumber"])
        with self.assertRaises(FixRequestError):
            self.client.update_invoice(invoice["DocumentNumber"], {"Remarks": "sent"})

    def test_credit_invoice_references_original(self):
        number = self.create_customer()["CustomerNumber"]
        invoice = self.invoice(
            number,
            [
                {
                    "Description": "Kaffe",
                    "DeliveredQuantity": 3,
                    "Price": 99.90,
                    "VAT": 25,
                    "Discount": 10,
                }
            ],
            YourOrderNumber="PO-1",
        )
        self.client.bookkeep_invoice(invoice["DocumentNumber"])
        original = self.client.credit_invoice(invoice["DocumentNumber"])
        credit = self.client.get_invoice(original["CreditInvoiceReference"])

        self.assertNotEqual(credit["DocumentNumber"], invoice["DocumentNumber"])
        self.assertTrue(credit["Credit"])
        self.assertEqual(credit["CreditInvoiceReference"], invoice["DocumentNumber"])
        self.assertEqual(credit["Total"], -invoice["Total"])
        self.assertEqual(credit["YourOrderNumber"], "PO-1")
        self.assertEqual(credit["InvoiceRows"][0]["DeliveredQuantity"], -3.0)
        with self.assertRaises(FixRequestError):
            self.client.credit_invoice(invoice["DocumentNumber"])

    def test_credit_invoice_by_post(self):
        number = self.create_customer()["CustomerNumber"]
        invoice = self.invoice(
            number, [{"Description": "A", "DeliveredQuantity": 2, "Price": 50, "VAT": 25}]
        )
        credit = self.invoice(
            number,
            [{"Description": "A", "DeliveredQuantity": -1, "Price": 50, "VAT": 25}],
            CreditInvoiceReference=invoice["DocumentNumber"],
        )
        self.assertTrue(credit["Credit"])
        self.assertEqual(credit["Total"], -62.5)
        self.assertEqual(
            self.client.get_invoice(invoice["DocumentNumber"])["CreditInvoiceReference"],
            credit["DocumentNumber"],
        )

    def test_unbooked_invoice_is_cancelled_not_credited(self):
        number = self.create_customer()["CustomerNumber"]
        invoice = self.invoice(number, [{"Description": "A", "DeliveredQuantity": 1, "Price": 10}])
        with self.assertRaises(FixRequestError):
            self.client.credit_invoice(invoice["DocumentNumber"])
        self.assertTrue(self.client.cancel_invoice(invoice["DocumentNumber"])["Cancelled"])
        with self.assertRaises(FixRequestError):
            self.client.bookkeep_invoice(invoice["DocumentNumber"])

    def test_invoice_read_back_can_be_sent_again(self):
        number = self.create_customer()["CustomerNumber"]
        invoice = self.invoice(number, [{"Description": "A", "DeliveredQuantity": 1, "Price": 10}])
        fetched = self.client.get_invoice(invoice["DocumentNumber"])
        fetched["Remarks"] = "Leverans i två delar"
        updated = self.client.update_invoice(invoice["DocumentNumber"], fetched)
        self.assertEqual(updated["Remarks"], "Leverans i två delar")
        self.assertEqual(updated["Total"], invoice["Total"])

    def test_invalid_vat_rate_rejected(self):
        number = self.create_customer()["CustomerNumber"]
        with self.assertRaises(FixRequestError) as caught:
            self.invoice(
                number, [{"Description": "A", "DeliveredQuantity": 1, "Price": 10, "VAT": 20}]
            )
        self.assertIn("Ogiltig momssats", caught.exception.remote_message)
        self.assertEqual(self.simulator.state()["invoices"], [])

    def test_unknown_account_rejected(self):
        number = self.create_customer()["CustomerNumber"]
        with self.assertRaises(FixRequestError) as caught:
            self.invoice(number, [{"Description": "A", "Price": 10, "AccountNumber": 3999}])
        self.assertEqual(caught.exception.remote_code, 2001304)
        self.assertIn("Kunde inte hitta konto", caught.exception.remote_message)

    def test_unknown_customer_rejected(self):
        with self.assertRaises(FixRequestError) as caught:
            self.invoice("77", [{"Description": "A", "Price": 10}])
        self.assertEqual(caught.exception.remote_code, 2000433)

    def test_unknown_article_rejected(self):
        number = self.create_customer()["CustomerNumber"]
        with self.assertRaises(FixRequestError) as caught:
            self.invoice(number, [{"ArticleNumber": "NOPE", "Price": 10}])
        self.assertEqual(caught.exception.remote_code, 2001302)

    def test_unknown_field_rejected(self):
        number = self.create_customer()["CustomerNumber"]
        with self.assertRaises(FixRequestError) as caught:
            self.invoice(number, [], ExternalReference1="typo")
        self.assertEqual(caught.exception.remote_code, 2001399)
        self.assertIn("ExternalReference1", caught.exception.remote_message)

    def test_unknown_currency_rejected(self):
        number = self.create_customer()["CustomerNumber"]
        with self.assertRaises(FixRequestError) as caught:
            self.invoice(number, [], Currency="XYZ")
        self.assertIn("XYZ", caught.exception.remote_message)

    def test_invalid_json_rejected(self):
        headers = {
            "Authorization": f"Bearer {self.tokens['access_token']}",
            "Content-Type": "application/json",
        }
        response = requests.post(
            f"{self.api_url}/invoices", data="{not json", headers=headers, timeout=5
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(error_of(response)[0], 2002115)


class TestSimulatorCustomers(FortnoxSimulatorCase):
    def test_numbers_assigned_when_omitted(self):
        first = self.create_customer(Name="Första AB")
        second = self.create_customer(Name="Andra AB")
        named = self.create_customer(Name="Tredje AB", CustomerNumber="K-100")
        self.assertEqual((first["CustomerNumber"], second["CustomerNumber"]), ("1", "2"))
        self.assertEqual(named["CustomerNumber"], "K-100")

    def test_used_number_rejected(self):
        self.create_customer(CustomerNumber="10")
        with self.assertRaises(FixRequestError) as caught:
            self.create_customer(CustomerNumber="10")
        self.assertEqual(caught.exception.remote_code, 2000637)

    def test_invalid_characters_in_number_rejected(self):
        with self.assertRaises(FixRequestError) as caught:
            self.create_customer(CustomerNumber="K 1")
        self.assertEqual(caught.exception.remote_code, 2000359)

    def test_swedish_letters_kept(self):
        created = self.create_customer(Name="Åkesson & Söner i Ärla AB", City="Örebro")
        fetched = self.client.get_customer(created["CustomerNumber"])
        self.assertEqual(fetched["Name"], "Åkesson & Söner i Ärla AB")
        self.assertEqual(fetched["City"], "Örebro")

    def test_organisation_number_with_or_without_hyphen(self):
        with_hyphen = self.create_customer(OrganisationNumber="556677-8899")
        without = self.create_customer(OrganisationNumber="5566778899")
        self.assertEqual(with_hyphen["OrganisationNumber"], "556677-8899")
        self.assertEqual(without["OrganisationNumber"], "556677-8899")
        with self.assertRaises(FixRequestError):
            self.create_customer(OrganisationNumber="55667")

    def test_foreign_organisation_number_kept(self):
        customer = self.create_customer(CountryCode="DE", OrganisationNumber="HRB 12345")
        self.assertEqual(customer["OrganisationNumber"], "HRB 12345")

    def test_vat_types(self):
        for vat_type in ("SEVAT", "SEREVERSEDVAT", "EUREVERSEDVAT", "EUVAT", "EXPORT"):
            with self.subTest(vat_type=vat_type):
                self.assertEqual(self.create_customer(VATType=vat_type)["VATType"], vat_type)
        with self.assertRaises(FixRequestError):
            self.create_customer(VATType="EU")

    def test_update_keeps_other_fields(self):
        created = self.create_customer(Email="a@example.se", City="Lund")
        updated = self.client.update_customer(created["CustomerNumber"], {"City": "Malmö"})
        self.assertEqual(updated["City"], "Malmö")
        self.assertEqual(updated["Email"], "a@example.se")


class TestSimulatorVouchers(FortnoxSimulatorCase):
    def voucher(self, rows, day=TODAY, series="A"):
        return self.client.create_voucher(
            {
                "VoucherSeries": series,
                "TransactionDate": day,
                "Description": "Lagerjustering",
                "VoucherRows": rows,
            }
        )

    def balanced(self, amount=100, debit=1460, credit=4960):
        return [{"Account": debit, "Debit": amount}, {"Account": credit, "Credit": amount}]

    def test_unbalanced_rejected(self):
        with self.assertRaises(FixRequestError) as caught:
            self.voucher([{"Account": 1460, "Debit": 100}, {"Account": 4960, "Credit": 99.99}])
        self.assertIn("inte balanserad", caught.exception.remote_message)
        self.assertEqual(self.simulator.state()["vouchers"], [])

    def test_unknown_account_rejected(self):
        with self.assertRaises(FixRequestError) as caught:
            self.voucher(self.balanced(debit=1469))
        self.assertEqual(caught.exception.remote_code, 2001304)
        self.assertIn("Kunde inte hitta konto", caught.exception.remote_message)

    def test_inactive_account_rejected(self):
        self.simulator.deactivate_account(4960)
        with self.assertRaises(FixRequestError) as caught:
            self.voucher(self.balanced())
        self.assertIn("inte aktivt", caught.exception.remote_message)
        self.simulator.activate_account(4960)
        self.assertEqual(self.voucher(self.balanced())["VoucherNumber"], 1)

    def test_locked_year_rejected(self):
        year_id = self.client.get_financial_year_for_date("2024-03-31")["Id"]
        self.simulator.lock_financial_year(year_id)
        with self.assertRaises(FixRequestError) as caught:
            self.voucher(self.balanced(), day="2024-03-31")
        self.assertIn("låst", caught.exception.remote_message)

    def test_locked_period_rejected(self):
        self.simulator.lock_period("2025-05-31")
        with self.assertRaises(FixRequestError):
            self.voucher(self.balanced(), day="2025-05-31")
        self.assertEqual(self.voucher(self.balanced(), day="2025-06-01")["VoucherNumber"], 1)
        self.assertEqual(self.client.get_locked_period(), "2025-05-31")

    def test_date_outside_financial_years_rejected(self):
        with self.assertRaises(FixRequestError) as caught:
            self.voucher(self.balanced(), day="1999-12-31")
        self.assertIn("räkenskapsår", caught.exception.remote_message)

    def test_added_financial_year_accepts_vouchers(self):
        self.simulator.add_financial_year("2027-01-01", "2027-12-31")
        self.assertEqual(self.voucher(self.balanced(), day="2027-02-01")["VoucherNumber"], 1)

    def test_numbers_increase_per_series(self):
        numbers = [
            (voucher["VoucherSeries"], voucher["VoucherNumber"])
            for voucher in (
                self.voucher(self.balanced(), series="A"),
                self.voucher(self.balanced(), series="A"),
                self.voucher(self.balanced(), series="C"),
                self.voucher(self.balanced(), series="A"),
                self.voucher(self.balanced(), series="A", day="2024-12-31"),
            )
        ]
        self.assertEqual(numbers, [("A", 1), ("A", 2), ("C", 1), ("A", 3), ("A", 1)])

    def test_unknown_series_rejected(self):
        with self.assertRaises(FixRequestError):
            self.voucher(self.balanced(), series="Q")

    def test_vouchers_cannot_be_deleted(self):
        created = self.voucher(self.balanced())
        headers = {"Authorization": f"Bearer {self.tokens['access_token']}"}
        url = f"{self.api_url}/vouchers/A/{created['VoucherNumber']}"
        self.assertEqual(requests.delete(url, headers=headers, timeout=5).status_code, 405)
        self.assertEqual(requests.put(url, json={}, headers=headers, timeout=5).status_code, 405)
        self.assertEqual(
            self.client.get_voucher("A", created["VoucherNumber"])["Description"], "Lagerjustering"
        )

    def test_list_by_series_and_dates(self):
        self.voucher(self.balanced(), day="2025-03-01")
        self.voucher(self.balanced(), day="2025-06-01")
        self.voucher(self.balanced(), day="2025-06-02", series="C")
        listed = self.client.list_vouchers("A", from_date="2025-05-01", to_date="2025-06-30")
        self.assertEqual(
            [(row["VoucherSeries"], row["VoucherNumber"]) for row in listed], [("A", 2)]
        )
        self.assertNotIn("VoucherRows", listed[0])
        self.assertEqual(len(self.client.list_vouchers()), 3)


class TestSimulatorSupplierInvoices(FortnoxSimulatorCase):
    def setUp(self):
        super().setUp()
        self.supplier = self.client.create_supplier({"Name": "Rosteriet i Göteborg AB"})

    def test_unbalanced_rows_rejected(self):
        with self.assertRaises(FixRequestError) as caught:
            self.client.create_supplier_invoice(
                {
                    "SupplierNumber": self.supplier["SupplierNumber"],
                    "Total": 100,
                    "SupplierInvoiceRows": [
                        {"Account": 2440, "Credit": 100},
                        {"Account": 4000, "Debit": 90},
                    ],
                }
            )
        self.assertEqual(caught.exception.remote_code, 2000755)

    def test_rows_generated_and_booked_in_seriesDecimal(self):
        created = self.client.create_supplier_invoice(
            {
                "SupplierNumber": self.supplier["SupplierNumber"],
                "InvoiceDate": TODAY,
                "Total": 1250,
                "VAT": 250,
            }
        )
        amounts = {
            row["Account"]: (row["Debit"], row["Credit"]) for row in created["SupplierInvoiceRows"]
        }
        self.assertEqual(amounts, {2440: (0.0, 1250.0), 2641: (250.0, 0.0), 4000: (1000.0, 0.0)})
        booked = self.client.bookkeep_supplier_invoice(created["GivenNumber"])
        voucher = self.client.get_voucher("D", booked["VoucherNumber"])
        self.assertEqual(len(voucher["VoucherRows"]), 3)

    def test_unknown_supplier_rejected(self):
        with self.assertRaises(FixRequestError):
            self.client.create_supplier_invoice({"SupplierNumber": "404", "Total": 10})


class TestSimulatorOperatorApi(FortnoxSimulatorCase):
    def post(self, path, body=None):
        return requests.post(f"{self.server.url}/_sim/{path}", json=body, timeout=5)

    def test_state_lists_documents(self):
        number = self.create_customer(Name="Öland Kaffe AB")["CustomerNumber"]
        self.client.create_invoice(
            {"CustomerNumber": number, "InvoiceRows": [{"Price": 10, "DeliveredQuantity": 1}]}
        )
        state = requests.get(f"{self.server.url}/_sim/state", timeout=5).json()
        self.assertEqual(state["customers"][0]["Name"], "Öland Kaffe AB")
        self.assertEqual(len(state["invoices"]), 1)
        self.assertEqual(state["today"], TODAY)
        for connection in state["connections"]:
            self.assertNotIn(self.tokens["refresh_token"], str(connection))

    def test_add_and_deactivate_account(self):
        self.assertEqual(
            self.post("accounts", {"Number": 1469, "Description": "Lager i 3PL"}).status_code, 201
        )
        rows = [{"Account": 1469, "Debit": 5}, {"Account": 4960, "Credit": 5}]
        payload = {
            "VoucherSeries": "A",
            "TransactionDate": TODAY,
            "Description": "x",
            "VoucherRows": rows,
        }
        self.client.create_voucher(payload)
        self.post("accounts/1469/deactivate")
        with self.assertRaises(FixRequestError):
            self.client.create_voucher(payload)
        self.assertEqual(self.simulator.state()["inactive_accounts"], [1469])

    def test_financial_year_and_lock(self):
        created = self.post("financialyears", {"FromDate": "2027-01-01", "ToDate": "2027-12-31"})
        self.assertEqual(created.status_code, 201)
        year_id = created.json()["FinancialYear"]["Id"]
        overlapping = self.post(
            "financialyears", {"FromDate": "2027-06-01", "ToDate": "2028-05-31"}
        )
        self.assertEqual(overlapping.status_code, 400)
        self.post(f"financialyears/{year_id}/lock")
        self.assertTrue(self.simulator.state()["financial_years"][-1]["Locked"])

    def test_clock_offset(self):
        self.post("clock", {"advance": 86400})
        self.assertEqual(self.simulator.state()["today"], "2025-06-17")
        self.post("clock", {"offset": 0})
        self.assertEqual(self.simulator.state()["today"], TODAY)

    def test_fault_through_http(self):
        self.post("faults", {"kind": "status", "status": 503, "path": "/3/currencies"})
        response = requests.get(
            f"{self.api_url}/currencies",
            headers={"Authorization": f"Bearer {self.tokens['access_token']}"},
            timeout=5,
        )
        self.assertEqual(response.status_code, 503)

    def test_reset_forgets_documents(self):
        self.create_customer()
        self.post("reset")
        self.assertEqual(self.simulator.state()["customers"], [])
        self.assertTrue(self.client.list_currencies())

    def test_connection_for_demo(self):
        answer = self.post("connections", {"scopes": ["currency"]}).json()
        self.assertEqual(answer["scope"], "currency")
        self.assertTrue(self.make_client(answer["access_token"]).list_currencies())


class TestSimulatorCli(unittest.TestCase):
    def test_cli_accepts_only_loopback(self):
        with self.assertRaises(SystemExit):
            main(["--port", "0", "--host", "0.0.0.0"])

    def test_server_refuses_other_hosts(self):
        with self.assertRaises(ValueError):
            SimulatorServer(FortnoxSimulator(), host="10.0.0.1")
