import hashlib
import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import html2plaintext

from ..clients.ongoing_documents import ArticlePayload

# Product fields whose change makes the article go to Ongoing again.
ARTICLE_FIELDS = frozenset(
    {
        "name",
        "default_code",
        "barcode",
        "description",
        "weight",
        "volume",
        "product_length",
        "product_width",
        "product_height",
        "hs_code",
        "country_of_origin",
        "uom_id",
        "is_storable",
        "product_template_attribute_value_ids",
    }
)


class OngoingArticle(models.Model):
    """A product as an article of the goods owner in Ongoing WMS.

    Odoo is the master: Ongoing upserts articles by article number, which is the
    product's internal reference.
    """

    _name = "ongoing.article"
    _inherit = ["ongoing.binding.mixin"]
    _description = "Ongoing WMS Article"
    _rec_name = "product_id"

    product_id = fields.Many2one(
        "product.product", required=True, ondelete="cascade", index=True, readonly=True
    )
    article_number = fields.Char(readonly=True, help="The internal reference last sent.")
    article_system_id = fields.Integer(string="Ongoing Article ID", readonly=True)
    payload_hash = fields.Char(
        readonly=True, help="Fingerprint of the data last sent; unchanged data is not sent again."
    )

    _sql_constraints = [
        ("product_uniq", "unique(backend_id, product_id)", "A product is one article per backend."),
    ]

    def _ongoing_job_description(self):
        return _("Send article %(product)s to Ongoing WMS", product=self.product_id.display_name)

    def _ongoing_build_payload(self):
        """Return the article payload, or raise UserError when the product cannot be one."""
        self.ensure_one()
        product = self.product_id.with_company(self.backend_id.company_id)
        if not product.default_code:
            raise UserError(
                _(
                    "The product %(product)s has no internal reference. Ongoing WMS identifies "
                    "articles by it: enter one and the product is sent again.",
                    product=product.display_name,
                )
            )
        return ArticlePayload(
            article_number=product.default_code.strip(),
            article_name=product.with_context(display_default_code=False).display_name,
            description=html2plaintext(product.description or "").strip() or None,
            unit_code=product.uom_id.name,
            bar_code=product.barcode or None,
            weight=product.weight or None,
            volume=product.volume or None,
            length=product.product_length or None,
            width=product.product_width or None,
            height=product.product_height or None,
            statistics_number=product.hs_code or None,
            country_of_origin_code=product.country_of_origin.code or None,
        )

    def _ongoing_export(self, client):
        payload = self._ongoing_build_payload()
        body = payload.to_json(self.backend_id.goods_owner_id)
        digest = hashlib.sha1(
            json.dumps(body, sort_keys=True, ensure_ascii=False).encode(), usedforsecurity=False
        ).hexdigest()
        if digest == self.payload_hash and self.article_system_id:
            return _("%(article)s unchanged; not sent.", article=payload.article_number)

        result = client.put_article(payload)
        self.sudo().write(
            {
                "article_system_id": result.remote_id,
                "article_number": payload.article_number,
                "payload_hash": digest,
            }
        )
        return _("Article %(article)s sent.", article=payload.article_number)

    def _ongoing_notify_failure(self, message):
        self.product_id.product_tmpl_id.message_post(
            body=_("Sending to Ongoing WMS failed: %(error)s", error=message),
            subtype_xmlid="mail.mt_note",
        )

    @api.model
    def _ongoing_export_all(self, backend, batch_size=100):
        """Queue the export of every storable product of the backend's company, in batches."""
        products = self.env["product.product"].search(
            [
                ("is_storable", "=", True),
                ("company_id", "in", [False, backend.company_id.id]),
            ]
        )
        bindings = self._ongoing_ensure(products).filtered(lambda b: b.backend_id == backend)
        bindings.write({"sync_state": "pending", "sync_next_attempt": False})
        bindings._ongoing_enqueue_export_batch(batch_size=batch_size)
        return bindings

    @api.model
    def _ongoing_ensure(self, products):
        """Return the bindings of these storable products on every backend of their company."""
        backends = self.env["ongoing.backend"].sudo().search([])
        existing = self.sudo().search([("product_id", "in", products.ids)])
        known = {(binding.backend_id.id, binding.product_id.id) for binding in existing}
        values = []
        for backend in backends:
            for product in products:
                if product.company_id and product.company_id != backend.company_id:
                    continue
                if (backend.id, product.id) not in known:
                    values.append({"backend_id": backend.id, "product_id": product.id})
        return existing | self.sudo().create(values)
