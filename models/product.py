from odoo import _, api, fields, models

from .ongoing_article import ARTICLE_FIELDS
from .ongoing_binding_mixin import SYNC_STATES

# The state a product shows when its articles on several backends disagree.
STATE_PRECEDENCE = ("failed", "pending", "never", "synced")


def _overall_state(states):
    for state in STATE_PRECEDENCE:
        if state in states:
            return state
    return "never"


class ProductTemplate(models.Model):
    _inherit = "product.template"

    product_length = fields.Float(
        string="Length", digits="Product Unit of Measure", help="Sent to Ongoing WMS."
    )
    product_width = fields.Float(
        string="Width", digits="Product Unit of Measure", help="Sent to Ongoing WMS."
    )
    product_height = fields.Float(
        string="Height", digits="Product Unit of Measure", help="Sent to Ongoing WMS."
    )
    ongoing_sync_state = fields.Selection(
        SYNC_STATES,
        string="Ongoing State",
        compute="_compute_ongoing_sync_state",
        store=True,
        help="Whether Ongoing WMS holds the current version of this product's articles.",
    )
    ongoing_sync_error = fields.Text(
        string="Ongoing Error", compute="_compute_ongoing_sync_state", store=True
    )

    @api.depends("product_variant_ids.ongoing_sync_state", "product_variant_ids.ongoing_sync_error")
    def _compute_ongoing_sync_state(self):
        for template in self:
            variants = template.product_variant_ids
            template.ongoing_sync_state = _overall_state(set(variants.mapped("ongoing_sync_state")))
            template.ongoing_sync_error = (
                "\n".join(filter(None, variants.mapped("ongoing_sync_error"))) or False
            )

    def write(self, vals):
        result = super().write(vals)
        if ARTICLE_FIELDS.intersection(vals):
            self.product_variant_ids._ongoing_sync_articles()
        return result

    def action_ongoing_send(self):
        return self.product_variant_ids.action_ongoing_send()


class ProductProduct(models.Model):
    _inherit = "product.product"

    ongoing_article_ids = fields.One2many(
        "ongoing.article", "product_id", string="Ongoing Articles", readonly=True
    )
    ongoing_sync_state = fields.Selection(
        SYNC_STATES,
        string="Ongoing State",
        compute="_compute_ongoing_sync_state",
        store=True,
        index=True,
    )
    ongoing_sync_error = fields.Text(
        string="Ongoing Error", compute="_compute_ongoing_sync_state", store=True
    )

    @api.depends("ongoing_article_ids.sync_state", "ongoing_article_ids.sync_error")
    def _compute_ongoing_sync_state(self):
        for product in self:
            articles = product.ongoing_article_ids
            product.ongoing_sync_state = _overall_state(set(articles.mapped("sync_state")))
            product.ongoing_sync_error = (
                "\n".join(
                    articles.filtered(lambda a: a.sync_state == "failed").mapped("sync_error")
                )
                or False
            )

    @api.model_create_multi
    def create(self, vals_list):
        products = super().create(vals_list)
        products._ongoing_sync_articles()
        return products

    def write(self, vals):
        result = super().write(vals)
        if ARTICLE_FIELDS.intersection(vals):
            self._ongoing_sync_articles()
        return result

    def _ongoing_sync_articles(self):
        """Queue the export of the storable products' articles to every backend concerned."""
        storable = self.filtered(lambda product: product.is_storable and product.active)
        if not storable or self.env.context.get("ongoing_no_article_sync"):
            return
        articles = self.env["ongoing.article"]._ongoing_ensure(storable)
        articles._ongoing_schedule_export()

    def action_ongoing_send(self):
        """Button: send the articles to Ongoing now, even if nothing changed."""
        storable = self.filtered("is_storable")
        if not storable:
            return self._ongoing_notify(_("Only storable products are articles in Ongoing WMS."))
        articles = self.env["ongoing.article"]._ongoing_ensure(storable)
        articles.sudo().write({"payload_hash": False})
        articles.action_ongoing_send()
        return self._ongoing_notify(
            _("%(count)s article(s) queued for Ongoing WMS.", count=len(articles))
        )

    def _ongoing_notify(self, message):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "message": message,
                "type": "info",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
