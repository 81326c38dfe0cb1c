import time

from odoo import Command
from odoo.exceptions import UserError, ValidationError

from ..models.fortnox_backend import DEFAULT_SCOPES
from .fortnox_ledger_common import FortnoxLedgerCase


class TestVendorBills(FortnoxLedgerCase):
    fortnox_backend_values = {
        "export_vendor_bills": True,
        "scopes": f"{DEFAULT_SCOPES} supplier supplierinvoice",
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tax_25 = cls.chart.ref("purchase_tax_25_goods")
        cls.swedish_supplier = cls.make_supplier(
            cls,
            name="Textilgrossisten i Borås AB",
            company_registry="556036-0793",
            email="faktura@textilgrossisten.se",
        )

    def setUp(self):
        super().setUp()
        self.towel = self.make_product("DUK-60", name="Duk Gotland", cost=40.0)
        self.run_jobs()

    def make_bill(self, partner=None, lines=None, currency=None, move_type="in_invoice"):
        """Post a bill of [(product, quantity, price)] with 25 % VAT; return it."""
        bill = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": (partner or self.swedish_supplier).id,
                "invoice_date": self.today,
                "ref": "F-20931",
                "currency_id": (currency or self.eur).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "quantity": quantity,
                            "price_unit": price,
                            "tax_ids": [Command.set(self.tax_25.ids)],
                        }
                    )
                    for product, quantity, price in (lines or [(self.towel, 10, 45.00)])
                ],
            }
        )
        bill.action_post()
        return bill

    def supplier_invoices(self):
        return self.fortnox.state()["supplier_invoices"]

    def test_euro_bill_lands_as_one_supplier_invoice(self):
        bill = self.make_bill()
        self.assertEqual(bill.fortnox_state, "pending")

        self.run_jobs()

        self.assertEqual(bill.fortnox_state, "exported")
        [invoice] = self.supplier_invoices()
        self.assertEqual(bill.fortnox_document_number, invoice["GivenNumber"])
        self.assertEqual(invoice["OurReference"], bill.name)
        self.assertEqual(invoice["InvoiceNumber"], "F-20931")
        self.assertEqual(invoice["Currency"], "EUR")
        self.assertEqual(invoice["CurrencyRate"], 11.5)
        # 10 x 45.00 EUR and 25 % VAT.
        self.assertEqual(invoice["Total"], 562.50)
        self.assertEqual(invoice["VAT"], 112.50)
        self.assertFalse(invoice["Credit"])
        rows = {row["Account"]: row for row in invoice["SupplierInvoiceRows"]}
        self.assertEqual(set(rows), {4000, 2641, 2440})
        self.assertEqual((rows[4000]["Debit"], rows[4000]["DebitCurrency"]), (5175.00, 450.00))
        self.assertEqual((rows[2641]["Debit"], rows[2641]["DebitCurrency"]), (1293.75, 112.50))
        self.assertEqual((rows[2440]["Credit"], rows[2440]["CreditCurrency"]), (6468.75, 562.50))

        supplier = next(
            record
            for record in self.fortnox.state()["suppliers"]
            if record["SupplierNumber"] == invoice["SupplierNumber"]
        )
        self.assertEqual(supplier["Name"], "Textilgrossisten i Borås AB")
        self.assertEqual(supplier["OrganisationNumber"], "556036-0793")
        partner = self.swedish_supplier.with_company(self.company)
        self.assertEqual(partner.fortnox_supplier_number, invoice["SupplierNumber"])
        self.assertIn(f"supplier invoice {invoice['GivenNumber']}", bill.message_ids[0].body)

    def test_timeout_after_accept_leaves_one_supplier_invoice(self):
        self.fortnox_backend.read_timeout = 0.5
        self.fortnox.inject("delay", delay=1.5, method="POST", path="/3/supplierinvoices")
        bill = self.make_bill()

        self.run_jobs()

        self.assertEqual(bill.fortnox_state, "failed")
        self.assertTrue(bill.fortnox_retryable)
        self.assertIn("did not respond in time", bill.fortnox_error)
        deadline = time.monotonic() + 5
        while not self.supplier_invoices() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(len(self.supplier_invoices()), 1)

        self.run_jobs(include_delayed=True)

        [invoice] = self.supplier_invoices()
        self.assertEqual(bill.fortnox_state, "exported")
        self.assertEqual(bill.fortnox_document_number, invoice["GivenNumber"])
        self.assertEqual(len(self.fortnox.requests_to("POST", "/3/supplierinvoices")), 1)
        self.assertEqual(len(self.fortnox.state()["suppliers"]), 1)

    def test_refund_lands_as_credit_supplier_invoice(self):
        refund = self.make_bill(move_type="in_refund", lines=[(self.towel, 2, 45.00)])

        self.run_jobs()

        [invoice] = self.supplier_invoices()
        self.assertEqual(refund.fortnox_state, "exported")
        self.assertTrue(invoice["Credit"])
        self.assertEqual(invoice["Total"], -112.50)
        self.assertEqual(invoice["VAT"], -22.50)
        rows = {row["Account"]: row for row in invoice["SupplierInvoiceRows"]}
        self.assertEqual(rows[4000]["Credit"], 1035.00)
        self.assertEqual(rows[2440]["Debit"], 1293.75)

    def test_second_bill_reuses_supplier(self):
        self.make_bill()
        self.make_bill(lines=[(self.towel, 1, 45.00)])

        self.run_jobs()

        invoices = self.supplier_invoices()
        self.assertEqual(len(invoices), 2)
        self.assertEqual(len(self.fortnox.state()["suppliers"]), 1)
        self.assertEqual(len(self.fortnox.requests_to("POST", "/3/suppliers")), 1)

    def test_existing_supplier_taken_over_by_organisation_number(self):
        self.fortnox.suppliers.create(
            {
                "SupplierNumber": "L-4",
                "Name": "Textilgrossisten AB",
                "OrganisationNumber": "5560360793",
            }
        )

        self.make_bill()
        self.run_jobs()

        [invoice] = self.supplier_invoices()
        self.assertEqual(invoice["SupplierNumber"], "L-4")
        self.assertEqual(len(self.fortnox.state()["suppliers"]), 1)

    def test_revaluing_bill_splits_between_invoice_and_voucher(self):
        vase = self.make_product("VAS-40", name="Vas Rörstrand", cost=0.0)
        self.run_jobs()
        order = self.buy(self.supplier, [(vase, 10, 12.34)], currency=self.eur)
        self.run_jobs()
        self.receive(order, 10)
        bill = self.bill(order, 12.90)
        self.run_jobs()
        self.send_stock_vouchers()

        [invoice] = self.supplier_invoices()
        self.assertEqual(bill.fortnox_state, "exported")
        rows = {row["Account"]: row for row in invoice["SupplierInvoiceRows"]}
        # The bill books the purchase; the stock and its revaluation come as a voucher.
        self.assertEqual(rows[4000]["Debit"], 1483.50)
        self.assertEqual(rows[2440]["Credit"], 1483.50)
        [voucher] = self.fortnox_vouchers()
        self.assertEqual(self.voucher_sums(voucher), {1410: 1483.50, 4960: -1483.50})

    def test_bills_stay_in_odoo_when_export_off(self):
        self.fortnox_backend.export_vendor_bills = False

        bill = self.make_bill()
        self.run_jobs()

        self.assertEqual(bill.fortnox_state, "not_exported")
        self.assertFalse(self.supplier_invoices())
        with self.assertRaisesRegex(UserError, "Export Vendor Bills"):
            bill.action_fortnox_export()

    def test_unknown_account_shows_fortnox_message(self):
        account = self.env["account.account"].create(
            {"code": "4011", "name": "Inköp prover", "account_type": "expense"}
        )
        sample = self.make_product("PROV-1", name="Provbit", property_account_expense_id=account.id)
        bill = self.make_bill(lines=[(sample, 1, 10.0)])

        self.run_jobs()

        self.assertEqual(bill.fortnox_state, "failed")
        self.assertIn("Kunde inte hitta konto", bill.fortnox_error)
        self.assertFalse(self.supplier_invoices())
        self.assertEqual(self.fortnox_backend.failed_bill_count, 1)

        self.fortnox_backend.account_map_ids = [
            Command.create({"account_id": account.id, "fortnox_account": 4010})
        ]
        bill.action_fortnox_export()
        self.run_jobs()

        [invoice] = self.supplier_invoices()
        self.assertEqual(bill.fortnox_state, "exported")
        self.assertIn(4010, [row["Account"] for row in invoice["SupplierInvoiceRows"]])

    def test_exported_bill_cannot_return_to_draft(self):
        bill = self.make_bill()
        self.run_jobs()

        with self.assertRaisesRegex(UserError, "Register a refund"):
            bill.button_draft()

    def test_vendor_bills_need_supplier_scopes(self):
        with self.assertRaisesRegex(ValidationError, "supplierinvoice"):
            self.fortnox_backend.scopes = DEFAULT_SCOPES
