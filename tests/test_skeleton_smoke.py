from odoo.tests import TransactionCase


class TestInstalled(TransactionCase):
    def test_company_on_swedish_chart(self):
        self.assertEqual(self.env.company.chart_template, "se")
        self.assertEqual(self.env.company.currency_id.name, "SEK")
