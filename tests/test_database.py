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
