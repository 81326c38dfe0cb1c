import time
from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError

from .fortnox_common import FortnoxCase


def fortnox_amount(value):
    return round(value, 2)


class TestInvoiceExport(FortnoxCase):
    def assert_totals_match(self, move, invoice, sign=1):
        self.assertEqual(invoice["Net"], fortnox_amount(sign * move.amount_untaxed))
        self.assertEqual(invoice["TotalVAT"], fortnox_amount(sign * move.amount_tax))
        self.assertEqual(invoice["Total"], fortnox_amount(sign * move.amount_total))

    def test_swedish_private_invoice_lands_with_vat_rates(self):
        move = self.make_invoice(
            self.private_customer,
            [(self.towel, 3, 249.00, 10.0), (self.coffee, 7, 89.90, 0.0)],
        )
        self.assertEqual(move.fortnox_state, "pending")

        invoice = self.export(move)

        self.assertEqual(move.fortnox_state, "exported")
        self.assertIsNotNone(invoice)
        self.assertEqual(invoice["VATType"], "SEVAT")
        self.assertEqual(invoice["Currency"], "SEK")
        self.assertEqual(invoice["ExternalInvoiceReference1"], move.name)
        self.assertEqual(invoice["InvoiceDate"], move.invoice_date.isoformat())
        self.assertEqual(invoice["DueDate"], move.invoice_date_due.isoformat())
        rows = invoice["InvoiceRows"]
        self.assertEqual([row["VAT"] for row in rows], [25, 12])
        self.assertEqual([row["ArticleNumber"] for row in rows], ["TOWEL-01", "COFFEE-500"])
        self.assertEqual(rows[0]["Discount"], 10.0)
        self.assertEqual(rows[0]["DiscountType"], "PERCENT")
        self.assertEqual(rows[0]["AccountNumber"], 3001)
        self.assert_totals_match(move, invoice)
        self.assertEqual(invoice["Total"], 1545.20)

        customer = self.fortnox_customer(invoice["CustomerNumber"])
        self.assertEqual(customer["Name"], "Åsa Öberg")
        self.assertEqual(customer["Type"], "PRIVATE")
        self.assertEqual(customer["City"], "Göteborg")
        self.assertEqual(
            self.private_customer.with_company(self.company).fortnox_customer_number,
            invoice["CustomerNumber"],
        )
        articles = {
            article["ArticleNumber"]: article for article in self.simulator.state()["articles"]
        }
        self.assertFalse(articles["TOWEL-01"]["StockGoods"])
        self.assertIn(f"invoice {invoice['DocumentNumber']}", move.message_ids[0].body)

    def test_eu_reverse_charge_invoice_in_euro(self):
        move = self.make_invoice(
            self.german_company, [(self.towel, 12, 45.55, 5.0)], currency=self.eur
        )
        self.assertEqual(move.fiscal_position_id, self.fp_eu_b2b)

        invoice = self.export(move)

        self.assertEqual(move.fortnox_state, "exported")
        self.assertEqual(invoice["VATType"], "EUREVERSEDVAT")
        self.assertEqual(invoice["Currency"], "EUR")
        self.assertEqual(invoice["CurrencyRate"], 11.5)
        self.assertEqual(invoice["InvoiceRows"][0]["VAT"], 0)
        # Odoo's Swedish fiscal position maps the sales account; Fortnox books on the same one.
        self.assertEqual(move.invoice_line_ids.account_id.code, "3308")
        self.assertEqual(invoice["InvoiceRows"][0]["AccountNumber"], 3308)
        self.assertEqual(invoice["TotalVAT"], 0.0)
        self.assert_totals_match(move, invoice)
        customer = self.fortnox_customer(invoice["CustomerNumber"])
        self.assertEqual(customer["VATNumber"], "DE123456788")
        self.assertEqual(customer["CountryCode"], "DE")
        self.assertEqual(customer["Name"], "Müller Küchen GmbH")

    def test_export_invoice_outside_eu(self):
        move = self.make_invoice(self.us_company, [(self.towel, 4, 310.00, 0.0)])
        self.assertEqual(move.fiscal_position_id, self.fp_outside_eu)

        invoice = self.export(move)

        self.assertEqual(invoice["VATType"], "EXPORT")
        self.assertEqual(invoice["InvoiceRows"][0]["VAT"], 0)
        self.assertEqual(move.invoice_line_ids.account_id.code, "3305")
        self.assertEqual(invoice["InvoiceRows"][0]["AccountNumber"], 3305)
        self.assert_totals_match(move, invoice)
        self.assertEqual(invoice["Total"], 1240.0)

    def test_credit_note_references_original(self):
        move = self.make_invoice(self.swedish_company, [(self.towel, 5, 199.00, 0.0)])
        original = self.export(move)

        refund = move._reverse_moves([{"invoice_date": fields.Date.today()}])
        refund.action_post()
        credit = self.export(refund)

        self.assertEqual(refund.fortnox_state, "exported")
        self.assertTrue(credit["Credit"])
        self.assertEqual(credit["CreditInvoiceReference"], original["DocumentNumber"])
        self.assertEqual(credit["CustomerNumber"], original["CustomerNumber"])
        self.assertEqual(credit["InvoiceRows"][0]["DeliveredQuantity"], -5.0)
        self.assert_totals_match(refund, credit, sign=-1)
        original_now = self.fortnox_invoice(original["DocumentNumber"])
        self.assertEqual(original_now["CreditInvoiceReference"], credit["DocumentNumber"])
        self.assertIn("credit invoice", refund.message_ids[0].body)

    def test_credit_note_exports_its_original_first(self):
        self.backend.export_start_date = fields.Date.today() + timedelta(days=1)
        move = self.make_invoice(self.private_customer, [(self.coffee, 2, 79.00, 0.0)])
        refund = move._reverse_moves([{"invoice_date": fields.Date.today()}])
        refund.action_post()
        self.assertEqual(move.fortnox_state, "not_exported")

        refund.action_fortnox_export()
        credit = self.export(refund)

        move.invalidate_recordset()
        self.assertEqual(move.fortnox_state, "exported")
        self.assertEqual(credit["CreditInvoiceReference"], move.fortnox_document_number)
        self.assertEqual(len(self.simulator.state()["invoices"]), 2)

    def test_timeout_after_accept_creates_one_invoice(self):
        self.backend.read_timeout = 0.5
        self.simulator.inject("delay", delay=1.5, method="POST", path="/3/invoices")
        move = self.make_invoice(self.swedish_company, [(self.towel, 1, 500.00, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "failed")
        self.assertTrue(move.fortnox_retryable)
        self.assertTrue(move.fortnox_next_attempt)
        self.assertIn("did not respond in time", move.fortnox_error)
        deadline = time.monotonic() + 5
        while not self.simulator.state()["invoices"] and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(len(self.simulator.state()["invoices"]), 1)

        self.run_jobs(include_delayed=True)

        invoices = self.simulator.state()["invoices"]
        self.assertEqual(len(invoices), 1)
        self.assertEqual(move.fortnox_state, "exported")
        self.assertEqual(move.fortnox_document_number, invoices[0]["DocumentNumber"])
        self.assertEqual(len(self.simulator.requests_to("POST", "/3/invoices")), 1)

    def test_unknown_account_shows_fortnox_message(self):
        account = self.env["account.account"].create(
            {"code": "3011", "name": "Försäljning tjänster", "account_type": "income"}
        )
        service = self.make_product(
            "Montering",
            "INSTALL",
            self.tax_25,
            type="service",
            property_account_income_id=account.id,
        )
        move = self.make_invoice(self.swedish_company, [(service, 2, 650.00, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "failed")
        self.assertFalse(move.fortnox_retryable)
        self.assertEqual(move.fortnox_error_code, "2001304")
        self.assertIn("Kunde inte hitta konto", move.fortnox_error)
        self.assertIn("Kunde inte hitta konto", move.message_ids[0].body)
        self.assertFalse(self.simulator.state()["invoices"])

        self.backend.account_map_ids = [
            Command.create({"account_id": account.id, "fortnox_account": 3001})
        ]
        move.action_fortnox_export()
        invoice = self.export(move)

        self.assertEqual(move.fortnox_state, "exported")
        self.assertFalse(move.fortnox_error)
        self.assertFalse(move.fortnox_error_code)
        self.assertEqual(invoice["InvoiceRows"][0]["AccountNumber"], 3001)

    def test_account_without_bas_number_explained(self):
        account = self.env["account.account"].create(
            {"code": "300150", "name": "Försäljning webbutik", "account_type": "income"}
        )
        product = self.make_product(
            "Presentkort", "GIFT-1", self.tax_25, property_account_income_id=account.id
        )
        move = self.make_invoice(self.private_customer, [(product, 1, 100.0, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "failed")
        self.assertIn("300150", move.fortnox_error)
        self.assertIn("Add it to the account mapping", move.fortnox_error)
        self.assertFalse(self.simulator.state()["invoices"])

    def test_organisation_numbers_with_and_without_hyphen(self):
        without_hyphen = self.swedish_company.copy(
            {"name": "Åkeri Östergötland AB", "company_registry": "5567037485"}
        )
        first = self.export(self.make_invoice(self.swedish_company, [(self.towel, 1, 100.0, 0.0)]))
        second = self.export(self.make_invoice(without_hyphen, [(self.towel, 1, 100.0, 0.0)]))

        customers = [
            self.fortnox_customer(invoice["CustomerNumber"]) for invoice in (first, second)
        ]
        self.assertEqual(customers[0]["OrganisationNumber"], "556036-0793")
        self.assertEqual(customers[0]["Name"], "Smörgåsbolaget i Västerås AB")
        self.assertEqual(customers[1]["OrganisationNumber"], "556703-7485")
        self.assertEqual(customers[1]["Name"], "Åkeri Östergötland AB")
        self.assertEqual(customers[1]["Type"], "COMPANY")

    def test_invalid_organisation_number_explained(self):
        partner = self.swedish_company.copy({"company_registry": "556036-0794"})
        move = self.make_invoice(partner, [(self.towel, 1, 100.0, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "failed")
        self.assertIn("556036-0794", move.fortnox_error)
        self.assertIn("not a valid Swedish organisation", move.fortnox_error)
        self.assertFalse(self.simulator.state()["customers"])
        self.assertFalse(self.simulator.state()["invoices"])

    def test_unknown_vat_rate_explained(self):
        tax_8 = self.tax_25.copy({"name": "8% special", "amount": 8.0})
        product = self.make_product("Specialvara", "SPECIAL-8", tax_8)
        move = self.make_invoice(self.swedish_company, [(product, 1, 100.0, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "failed")
        self.assertIn("has no Fortnox VAT rate", move.fortnox_error)
        self.assertIn("25, 12, 6, 0", move.fortnox_error)
        self.assertFalse(self.simulator.state()["invoices"])

    def test_vat_charged_to_reverse_charge_customer_rejected(self):
        move = self.make_invoice(self.german_company, [(self.towel, 1, 100.0, 0.0)], post=False)
        move.invoice_line_ids.tax_ids = self.tax_25
        move.action_post()

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "failed")
        self.assertIn("invoices Müller Küchen GmbH without VAT", move.fortnox_error)
        self.assertFalse(self.simulator.state()["invoices"])

    def test_per_line_rounding_difference_rejected(self):
        self.company.tax_calculation_rounding_method = "round_per_line"
        move = self.make_invoice(
            self.swedish_company, [(self.towel, 1, 10.02, 0.0), (self.towel, 1, 10.02, 0.0)]
        )

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "failed")
        self.assertIn("Round Globally", move.fortnox_error)
        self.assertIn("VAT: Odoo 5.02, Fortnox 5.01", move.fortnox_error)
        self.assertFalse(self.simulator.state()["invoices"])

    def test_unknown_customer_number_explained(self):
        self.swedish_company.with_company(self.company).fortnox_customer_number = "999"
        move = self.make_invoice(self.swedish_company, [(self.towel, 1, 100.0, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "failed")
        self.assertIn("Fortnox has no customer 999", move.fortnox_error)
        self.assertFalse(self.simulator.state()["invoices"])

    def test_existing_customer_taken_over_by_organisation_number(self):
        self.simulator.customers.create(
            {
                "CustomerNumber": "K-17",
                "Name": "Smörgåsbolaget AB",
                "OrganisationNumber": "5560360793",
            }
        )

        invoice = self.export(
            self.make_invoice(self.swedish_company, [(self.towel, 1, 100.0, 0.0)])
        )

        self.assertEqual(invoice["CustomerNumber"], "K-17")
        self.assertEqual(len(self.simulator.state()["customers"]), 1)
        self.assertEqual(self.fortnox_customer("K-17")["Name"], "Smörgåsbolaget i Västerås AB")

    def test_second_invoice_sends_no_master_data(self):
        self.export(self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)]))
        self.simulator.clear_requests()

        self.export(self.make_invoice(self.private_customer, [(self.towel, 2, 100.0, 0.0)]))

        paths = [(logged.method, logged.path) for logged in self.simulator.requests]
        self.assertEqual(paths, [("GET", "/3/invoices"), ("POST", "/3/invoices")])
        self.assertEqual(len(self.simulator.state()["customers"]), 1)
        self.assertEqual(len(self.simulator.state()["articles"]), 1)

    def test_changed_customer_updated_in_fortnox(self):
        first = self.export(self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)]))
        self.private_customer.city = "Malmö"

        self.export(self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)]))

        self.assertEqual(self.fortnox_customer(first["CustomerNumber"])["City"], "Malmö")
        self.assertEqual(len(self.simulator.requests_to("PUT", "/3/customers")), 1)

    def test_rows_without_articles_when_switched_off(self):
        self.backend.use_articles = False

        invoice = self.export(
            self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])
        )

        self.assertEqual(invoice["InvoiceRows"][0]["ArticleNumber"], "")
        self.assertEqual(invoice["InvoiceRows"][0]["Description"], "[TOWEL-01] Linnehandduk")
        self.assertFalse(self.simulator.state()["articles"])

    def test_article_number_with_invalid_characters_explained(self):
        product = self.make_product("Kudde", "KUDDE BLÅ", self.tax_25)
        move = self.make_invoice(self.private_customer, [(product, 1, 100.0, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "failed")
        self.assertIn("KUDDE BLÅ", move.fortnox_error)
        self.assertIn("Send Articles", move.fortnox_error)

    def test_bookkeeping_books_the_invoice(self):
        self.backend.bookkeep_invoices = True

        invoice = self.export(
            self.make_invoice(self.swedish_company, [(self.towel, 2, 100.0, 0.0)])
        )

        self.assertTrue(invoice["Booked"])
        voucher = self.simulator.state()["vouchers"][0]
        self.assertEqual(voucher["VoucherSeries"], "B")
        self.assertEqual(voucher["ReferenceNumber"], invoice["DocumentNumber"])

    def test_failed_bookkeeping_retried_without_new_invoice(self):
        self.backend.bookkeep_invoices = True
        self.simulator.lock_period(fields.Date.today().isoformat())
        move = self.make_invoice(self.swedish_company, [(self.towel, 2, 100.0, 0.0)])

        self.run_jobs()

        self.assertEqual(move.fortnox_state, "failed")
        self.assertTrue(move.fortnox_document_number)
        self.assertFalse(move.fortnox_booked)
        self.assertIn("låst", move.fortnox_error)

        self.simulator.lock_period("2000-01-01")
        move.action_fortnox_export()
        self.run_jobs()

        self.assertEqual(move.fortnox_state, "exported")
        self.assertTrue(move.fortnox_booked)
        self.assertEqual(len(self.simulator.state()["invoices"]), 1)

    def test_job_carries_record_ids_only(self):
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])

        job = self.env["queue.job"].search([("identity_key", "=", move._fortnox_job_identity())])

        self.assertEqual(len(job), 1)
        self.assertEqual(job.records, move)
        self.assertEqual(job.args, [])
        self.assertEqual(job.kwargs, {})
        self.assertEqual(job.channel, f"root.fortnox.{self.backend.id}")
        self.assertNotIn(self.backend.sudo().access_token, str(job.read()[0]))

    def test_posting_with_fortnox_unreachable(self):
        self.backend.api_url = "http://127.0.0.1:9/3"
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])
        self.assertEqual(move.state, "posted")

        self.run_jobs()

        self.assertEqual(move.state, "posted")
        self.assertEqual(move.fortnox_state, "failed")
        self.assertTrue(move.fortnox_retryable)
        self.assertEqual(move.fortnox_attempts, 1)
        self.assertGreater(move.fortnox_next_attempt, fields.Datetime.now())
        self.assertIn("Could not connect to Fortnox", move.fortnox_error)
        waiting = self.env["queue.job"].search(
            [("identity_key", "=", move._fortnox_job_identity()), ("state", "=", "pending")]
        )
        self.assertEqual(waiting.eta, move.fortnox_next_attempt)

    def test_posting_never_raises_when_queueing_fails(self):
        backend_class = type(self.backend)
        with patch.object(backend_class, "_get_job_channel", side_effect=RuntimeError("down")):
            move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])

        self.assertEqual(move.state, "posted")
        self.assertEqual(move.fortnox_state, "pending")
        self.assertFalse(
            self.env["queue.job"].search([("identity_key", "=", move._fortnox_job_identity())])
        )
        self.env["account.move"]._cron_fortnox_export(stale_minutes=-1)
        self.run_jobs()
        self.assertEqual(move.fortnox_state, "exported")

    def test_cron_queues_due_temporary_failures(self):
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])
        self.env["queue.job"].search([]).unlink()
        move.write(
            {
                "fortnox_state": "failed",
                "fortnox_retryable": True,
                "fortnox_next_attempt": fields.Datetime.now() - timedelta(minutes=1),
            }
        )

        queued = self.env["account.move"]._cron_fortnox_export()
        self.run_jobs()

        self.assertIn(move, queued)
        self.assertEqual(move.fortnox_state, "exported")

    def test_invoice_before_start_date_not_queued(self):
        self.backend.export_start_date = fields.Date.today() + timedelta(days=1)

        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])

        self.assertEqual(move.fortnox_state, "not_exported")
        self.assertFalse(
            self.env["queue.job"].search([("identity_key", "=", move._fortnox_job_identity())])
        )

    def test_reset_to_draft_refused_after_export(self):
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])
        self.export(move)

        with self.assertRaisesRegex(UserError, "Issue a credit note"):
            move.button_draft()
        self.assertEqual(move.state, "posted")

    def test_failed_filter_finds_failed_invoices(self):
        self.backend.api_url = "http://127.0.0.1:9/3"
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 100.0, 0.0)])
        self.run_jobs()

        found = self.env["account.move"].search([("fortnox_state", "in", ("failed", "reconnect"))])

        self.assertEqual(found, move)
        self.assertEqual(self.backend.failed_invoice_count, 1)
        action = self.backend.action_view_failed_invoices()
        self.assertEqual(self.env["account.move"].search(action["domain"]), move)
