import logging

from odoo import _, api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    """Stock valuation entries and the Fortnox voucher that carries each of them."""

    _inherit = "account.move"

    fortnox_stock_valuation = fields.Boolean(
        string="Stock Valuation Entry",
        compute="_compute_fortnox_stock_valuation",
        store=True,
        recursive=True,
        index=True,
        help="A journal entry that values stock: linked to a stock valuation layer or a stock "
        "move, or reversing such an entry. These go to Fortnox as stock vouchers.",
    )
    fortnox_voucher_id = fields.Many2one(
        "fortnox.voucher",
        string="Fortnox Stock Voucher",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
    )

    @api.depends(
        "move_type",
        "stock_valuation_layer_ids",
        "stock_move_id",
        "reversed_entry_id.fortnox_stock_valuation",
    )
    def _compute_fortnox_stock_valuation(self):
        for move in self:
            move.fortnox_stock_valuation = move.move_type == "entry" and bool(
                move.stock_valuation_layer_ids
                or move.stock_move_id
                or move.reversed_entry_id.fortnox_stock_valuation
            )

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # Per-entry mode sends each stock valuation entry as it is posted. Posting never
        # fails because of Fortnox: an entry left out here is gathered by the cron.
        try:
            with self.env.cr.savepoint():
                vouchers = posted._fortnox_gather_per_entry()
        except Exception:  # see the comment above
            _logger.exception(
                "Entries %s: the Fortnox stock vouchers were not prepared", posted.ids
            )
            return posted
        for voucher in vouchers:
            try:
                with self.env.cr.savepoint():
                    voucher._fortnox_enqueue_export()
            except Exception:  # see the comment above
                _logger.exception(
                    "Stock voucher %s: the Fortnox job could not be queued, so the cron will",
                    voucher.id,
                )
        return posted

    def _fortnox_gather_per_entry(self):
        """Return new vouchers for the stock valuation entries of companies in per-entry mode."""
        entries = self.filtered("fortnox_stock_valuation")
        vouchers = self.env["fortnox.voucher"]
        for company in entries.company_id:
            backend = self.env["fortnox.backend"]._fortnox_backend_for(company)
            if backend.stock_voucher_mode != "entry":
                continue
            company_entries = entries.filtered(lambda move, c=company: move.company_id == c)
            until = max(company_entries.mapped("date"))
            vouchers |= vouchers._fortnox_collect(backend, until, entries=company_entries)
        return vouchers

    def _check_draftable(self):
        super()._check_draftable()
        in_voucher = self.filtered("fortnox_voucher_id")
        if in_voucher:
            entry = in_voucher[0]
            raise UserError(
                _(
                    "%(entry)s is part of the Fortnox stock voucher %(voucher)s, and Fortnox "
                    "keeps every voucher. Reverse the entry instead of resetting it to draft: "
                    "the reversal goes to Fortnox as a new voucher.",
                    entry=entry.display_name,
                    voucher=entry.fortnox_voucher_id.display_name,
                )
            )
