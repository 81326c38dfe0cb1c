"""The database that tools/create_db.py makes for the tests, the demo and the benchmarks."""

from odoo.tests import TransactionCase


class TestDatabase(TransactionCase):
    def test_company_on_swedish_chart(self):
        self.assertEqual(self.env.company.chart_template, "se")
        self.assertEqual(self.env.company.currency_id.name, "SEK")
        stock_account = (
            self.env.ref("product.product_category_all")
            .with_company(self.env.company)
            .property_stock_valuation_account_id
        )
        self.assertEqual(stock_account.code, "1410")

    def test_internet_calls_switched_off(self):
        update_notification = self.env.ref("mail.ir_cron_module_update_notification")
        self.assertFalse(update_notification.active)
        if "iap_enrich_auto_done" in self.env["res.company"]._fields:
            self.assertTrue(self.env.ref("base.main_company").iap_enrich_auto_done)
