import re

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..clients.errors import NotFoundError
from .res_partner_fortnox import payload_digest

#: Characters Fortnox accepts in an article number.
ARTICLE_NUMBER = re.compile(r"[A-Za-z0-9+\-/_]+")


class ProductProduct(models.Model):
    _inherit = "product.product"

    fortnox_article_digest = fields.Char(
        company_dependent=True,
        copy=False,
        help="Fingerprint of the article data last sent to this company's Fortnox.",
    )

    def _fortnox_article_payload(self):
        self.ensure_one()
        # The warehouse, not Fortnox, keeps the stock: Fortnox's stock module must
        # not hold back delivered quantities for want of stock.
        return {
            "ArticleNumber": self.default_code,
            "Description": self.name,
            "StockGoods": False,
            "Type": "SERVICE" if self.type == "service" else "STOCK",
        }

    def _fortnox_sync_article(self, backend, client):
        """Create or update the Fortnox article of this product; return its number.

        Returns None for a product without an internal reference: its rows
        go to Fortnox with a description only.
        """
        self.ensure_one()
        product = self.with_company(backend.company_id)
        number = product.default_code
        if not number:
            return None
        if not ARTICLE_NUMBER.fullmatch(number):
            raise UserError(
                _(
                    "The internal reference %(reference)s of %(product)s cannot be a Fortnox "
                    "article number, which allows only letters A-Z, digits and - + / _. Change "
                    "the reference, or switch off Send Articles on the Fortnox connection.",
                    reference=number,
                    product=product.display_name,
                )
            )

        payload = product._fortnox_article_payload()
        digest = payload_digest(payload)
        if product.fortnox_article_digest == digest:
            return number
        try:
            # A product sent before is updated; a new one may already exist in Fortnox.
            if not product.fortnox_article_digest:
                client.get_article(number)
            client.update_article(number, payload)
        except NotFoundError:
            client.create_article(payload)
        product.sudo().fortnox_article_digest = digest
        return number
