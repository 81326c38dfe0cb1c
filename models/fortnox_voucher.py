"""Stock valuation entries of Odoo, booked in Fortnox as vouchers.

Odoo values every receipt, delivery, return, inventory adjustment and
vendor-bill revaluation with a journal entry (on the Swedish chart, the stock
account against 4960). A ``fortnox.voucher`` gathers such entries and is sent
to Fortnox once as one voucher. In daily mode it gathers one day's entries, and in
per-entry mode it contains a single entry.

A stock valuation entry is a posted journal entry linked to a stock
valuation layer or a stock move, or one that reverses such an entry (see
``account.move.fortnox_stock_valuation``). Each entry belongs to at most one
voucher, so it is sent once. Fortnox never deletes a voucher: an entry
reversed in Odoo goes to Fortnox as the reversing entry, in the voucher of
the reversal's day.

Vouchers have no external reference in Fortnox. Each one gets a random
marker when it is created, committed with the entries it gathers before any
job sends it. The marker goes into the voucher's description. A job that
finds no voucher number on its record looks for the marker in Fortnox
first, so a voucher whose creation response was lost is not created twice.
"""

import logging
import uuid
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

from ..clients.errors import NotFoundError
from .account_move_fortnox_payload import round_money, to_decimal

_logger = logging.getLogger(__name__)

VOUCHER_GROUPINGS = [("daily", "Daily"), ("entry", "Per Entry")]
#: Maximum length of the description sent, marker included (an estimate: Fortnox
#: documents no limit).
MAX_DESCRIPTION = 100


class FortnoxVoucher(models.Model):
    _name = "fortnox.voucher"
    _description = "Fortnox Stock Voucher"
    _inherit = ["fortnox.export.mixin", "mail.thread"]
    _order = "date desc, id desc"

    name = fields.Char(compute="_compute_name", store=True)
    backend_id = fields.Many2one(
        "fortnox.backend",
        string="Fortnox Connection",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True, readonly=True, index=True)
    grouping = fields.Selection(VOUCHER_GROUPINGS, required=True, readonly=True)
    voucher_series = fields.Char(required=True, readonly=True)
    marker = fields.Char(
        required=True,
        readonly=True,
        copy=False,
        index=True,
        help="Sent in the voucher's description, so that the voucher is found again in Fortnox "
        "when the response to its creation was lost.",
    )
    move_ids = fields.One2many(
        "account.move", "fortnox_voucher_id", string="Journal Entries", readonly=True
    )
    move_count = fields.Integer(string="Entries", compute="_compute_move_count")
    amount = fields.Monetary(
        string="Debit Total",
        compute="_compute_amount",
        help="Sum of the debit rows of the voucher.",
    )
    voucher_number = fields.Integer(string="Fortnox Voucher Number", readonly=True, copy=False)
    financial_year_id = fields.Integer(
        string="Fortnox Financial Year", readonly=True, copy=False, help="Fortnox's id of the year."
    )
    fortnox_state = fields.Selection(
        selection_add=[("netted", "Nets to Zero")], ondelete={"netted": "set default"}
    )

    _sql_constraints = [
        ("marker_uniq", "unique(marker)", "Each Fortnox voucher has its own marker."),
    ]

    @api.depends("voucher_series", "voucher_number", "date")
    def _compute_name(self):
        for voucher in self:
            if voucher.voucher_number:
                voucher.name = f"{voucher.voucher_series}{voucher.voucher_number}"
            else:
                voucher.name = _("Stock valuation %(date)s", date=voucher.date)

    def _compute_move_count(self):
        for voucher in self:
            voucher.move_count = len(voucher.move_ids)

    @api.depends("move_ids")
    def _compute_amount(self):
        for voucher in self:
            sums, _accounts = voucher._fortnox_account_sums(voucher.backend_id.sudo(), strict=False)
            voucher.amount = float(sum((value for value in sums.values() if value > 0), Decimal(0)))

    # ------------------------------------------------------------------
    # Gathering entries
    # ------------------------------------------------------------------

    @api.model
    def _fortnox_unsent_entries(self, backend, until):
        """Return the stock valuation entries of the backend's company not sent yet."""
        domain = [
            ("company_id", "=", backend.company_id.id),
            ("state", "=", "posted"),
            ("fortnox_stock_valuation", "=", True),
            ("fortnox_voucher_id", "=", False),
            ("date", "<=", until),
        ]
        if backend.stock_voucher_start_date:
            domain.append(("date", ">=", backend.stock_voucher_start_date))
        return self.env["account.move"].sudo().search(domain, order="date, id")

    @api.model
    def _fortnox_collect(self, backend, until, entries=None):
        """Gather unsent entries dated up to ``until`` into new vouchers; return them.

        ``entries`` limits the gathering to those journal entries. Daily mode
        makes one voucher per day, per-entry mode one per entry. An entry of a
        day whose voucher is already sent gets a further voucher for that day.
        """
        if backend.stock_voucher_mode == "off":
            return self.browse()
        moves = self._fortnox_unsent_entries(backend, until)
        if entries is not None:
            moves &= entries
        if not moves:
            return self.browse()

        # Concurrent gatherers take turns, and the second one finds the entries taken.
        moves.flush_recordset(["fortnox_voucher_id"])
        self.env.cr.execute(
            "SELECT id FROM account_move WHERE id IN %s ORDER BY id FOR UPDATE", [tuple(moves.ids)]
        )
        moves.invalidate_recordset(["fortnox_voucher_id"])
        moves = moves.filtered(lambda move: not move.fortnox_voucher_id)

        groups = defaultdict(lambda: self.env["account.move"])
        for move in moves:
            key = move.date if backend.stock_voucher_mode == "daily" else (move.date, move.id)
            groups[key] |= move

        vouchers = self.browse()
        for key in sorted(groups):
            group = groups[key]
            voucher = self.sudo().create(
                {
                    "backend_id": backend.id,
                    "date": group[0].date,
                    "grouping": backend.stock_voucher_mode,
                    "voucher_series": backend.stock_voucher_series,
                    "marker": f"Odoo {uuid.uuid4().hex[:12]}",
                    "fortnox_state": "pending",
                }
            )
            group.write({"fortnox_voucher_id": voucher.id})
            vouchers |= voucher
        _logger.info(
            "Fortnox connection %s: %s stock valuation entries gathered into %s voucher(s)",
            backend.id,
            len(moves),
            len(vouchers),
        )
        return vouchers

    @api.model
    def _fortnox_last_day_to_send(self, backend):
        """Return the last day whose entries the cron sends: yesterday in daily mode.

        Today's entries wait until the day is over, so that a day normally
        makes one voucher. The date is UTC's, which in Sweden ends a day
        later than the local one, never earlier.
        """
        today = fields.Date.today()
        return today - timedelta(days=1) if backend.stock_voucher_mode == "daily" else today

    @api.model
    def _cron_fortnox_send(self, stale_minutes=15):
        """Cron: gather finished days (or new entries) into vouchers and queue what is due."""
        queued = self.browse()
        backends = self.env["fortnox.backend"].sudo().search([("stock_voucher_mode", "!=", "off")])
        for backend in backends:
            queued |= self._fortnox_collect(backend, self._fortnox_last_day_to_send(backend))
        queued |= self.sudo().search(
            [("backend_id.active", "=", True), *self._fortnox_due_domain(stale_minutes)]
        )
        for voucher in queued:
            voucher._fortnox_enqueue_export()
        if queued:
            _logger.info("Queued %s stock voucher(s) for Fortnox", len(queued))
        return queued

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_fortnox_send(self):
        """Button: send the vouchers again, in the background, as soon as possible."""
        self._fortnox_check_user()
        sent = self.filtered(lambda voucher: voucher.fortnox_state in ("exported", "netted"))
        if sent:
            raise UserError(
                _(
                    "%(voucher)s is already in Fortnox and cannot be sent again. Reverse its "
                    "entries in Odoo instead: the reversal goes to Fortnox as a new voucher.",
                    voucher=sent[0].display_name,
                )
            )
        self._fortnox_send_again()
        return True

    def action_view_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_journal_line")
        action.update(
            {
                "domain": [("fortnox_voucher_id", "=", self.id)],
                "context": {"create": False},
                "name": _("Entries of %(voucher)s", voucher=self.display_name),
            }
        )
        return action

    def _fortnox_check_user(self):
        if not self.env.user.has_group("ongoing_fortnox_sync.group_ongoing_fortnox_user"):
            raise AccessError(_("Only Fortnox users may send stock vouchers to Fortnox."))
        self.check_access("write")

    # ------------------------------------------------------------------
    # Rows
    # ------------------------------------------------------------------

    def _fortnox_account_sums(self, backend, strict=True):
        """Return the net amount per (Fortnox account, cost centre, project) and the sources.

        The second value maps each Fortnox account number to the Odoo
        accounts booked on it. With ``strict`` false, journal items whose
        account has no Fortnox number are left out instead of raising.
        """
        sums = defaultdict(Decimal)
        sources = defaultdict(lambda: self.env["account.account"])
        for line in self.move_ids.line_ids:
            balance = round_money(to_decimal(line.balance))
            if not balance:
                continue
            try:
                number = backend._fortnox_account_number(line.account_id)
                parts = line._fortnox_dimension_parts(balance)
            except UserError:
                if strict:
                    raise
                continue
            sources[number] |= line.account_id
            for (cost_center, project), part in parts:
                sums[(number, cost_center, project)] += part
        return sums, sources

    def _fortnox_voucher_rows(self, backend):
        """Return the voucher rows (one per account and dimension with a balance) and sources."""
        self.ensure_one()
        sums, sources = self._fortnox_account_sums(backend)
        if sum(sums.values(), Decimal(0)):
            # Each posted entry balances, so their sum does too; this guards the mapping.
            raise UserError(
                _(
                    "The entries of %(voucher)s do not balance once mapped to Fortnox accounts.",
                    voucher=self.display_name,
                )
            )
        rows = []
        for (number, cost_center, project), amount in sorted(sums.items()):
            if not amount:
                continue
            row = {
                "Account": number,
                "Debit": float(max(amount, 0)),
                "Credit": float(max(-amount, 0)),
            }
            if cost_center:
                row["CostCenter"] = cost_center
            if project:
                row["Project"] = project
            rows.append(row)
        return rows, sources

    def _fortnox_description(self):
        """Return the voucher's description: what it books, then the marker."""
        self.ensure_one()
        voucher = self.with_context(lang=self.company_id.partner_id.lang or self.env.lang)
        if self.grouping == "entry" and len(self.move_ids) == 1:
            entry = self.move_ids
            text = " ".join(part for part in (entry.name, entry.ref) if part)
        else:
            text = voucher.env._(
                "Stock valuation %(date)s, %(count)s entries",
                date=self.date.isoformat(),
                count=len(self.move_ids),
            )
        suffix = f" [{self.marker}]"
        return text[: MAX_DESCRIPTION - len(suffix)] + suffix

    def _fortnox_voucher_payload(self, rows):
        self.ensure_one()
        return {
            "VoucherSeries": self.voucher_series,
            "TransactionDate": self.date.isoformat(),
            "Description": self._fortnox_description(),
            "VoucherRows": rows,
        }

    # ------------------------------------------------------------------
    # Export
    # ------------------------------------------------------------------

    def _fortnox_backend(self):
        return self.backend_id

    def _fortnox_job_identity(self):
        self.ensure_one()
        return f"fortnox-stock-voucher:{self.id}"

    def _fortnox_job_description(self):
        return _("Send stock voucher %(voucher)s to Fortnox", voucher=self.display_name)

    def _fortnox_skip_reason(self):
        if self.voucher_number:
            self.write({"fortnox_state": "exported"})
            return _(
                "%(voucher)s is already in Fortnox as voucher %(series)s%(number)s.",
                voucher=self.display_name,
                series=self.voucher_series,
                number=self.voucher_number,
            )
        if self.fortnox_state == "netted":
            return _("%(voucher)s nets to zero; nothing is sent.", voucher=self.display_name)
        return None

    def _fortnox_export(self, backend, client):
        """Check the day against Fortnox, then find or create the voucher; return it or None.

        None means the entries net to zero on every account, so there is no
        voucher to book. Nothing is created when the day's financial year is
        missing or locked, the series is unknown, or an account is missing or
        inactive in Fortnox: the UserError names the cause.
        """
        self.ensure_one()
        rows, sources = self._fortnox_voucher_rows(backend)
        if not rows:
            return None

        year = client.get_financial_year_for_date(self.date)
        if not year:
            raise UserError(
                _(
                    "Fortnox has no financial year for %(date)s, so the stock voucher of that day "
                    "is held back. Create the financial year in Fortnox, then press Send to "
                    "Fortnox on the voucher.",
                    date=self.date.isoformat(),
                )
            )
        locked_until = client.get_locked_period()
        if locked_until and self.date <= date.fromisoformat(locked_until):
            raise UserError(
                _(
                    "Fortnox's bookkeeping is locked up to %(locked)s, so the stock voucher of "
                    "%(date)s is held back. Open the period in Fortnox, then press Send to "
                    "Fortnox on the voucher.",
                    locked=locked_until,
                    date=self.date.isoformat(),
                )
            )
        voucher = self._fortnox_settle_series(backend, client, year["Id"])
        if not voucher:
            self._fortnox_check_accounts(client, rows, sources, year["Id"])
            voucher = client.find_voucher(self.voucher_series, self.date, self.marker, year["Id"])
        if voucher:
            _logger.info(
                "Stock voucher %s: found in Fortnox as %s%s, not created again",
                self.id,
                voucher["VoucherSeries"],
                voucher["VoucherNumber"],
            )
            return voucher
        return client.create_voucher(self._fortnox_voucher_payload(rows), financial_year=year["Id"])

    def _fortnox_settle_series(self, backend, client, year_id):
        """Take the connection's series unless the voucher may be in its own; check it exists.

        A voucher keeps the series it was first sent in. When the connection's
        series has changed since, the voucher moves to the new one unless
        Fortnox already has it in the old one, which is then returned.
        """
        codes = {str(series.get("Code")) for series in client.list_voucher_series()}
        if self.voucher_series != backend.stock_voucher_series:
            if self.voucher_series in codes:
                found = client.find_voucher(self.voucher_series, self.date, self.marker, year_id)
                if found:
                    return found
            self.write({"voucher_series": backend.stock_voucher_series})
        if self.voucher_series not in codes:
            raise UserError(
                _(
                    "Fortnox has no voucher series %(series)s. Create it in Fortnox, or choose "
                    "another series on the Fortnox connection, then press Send to Fortnox on "
                    "the voucher.",
                    series=self.voucher_series,
                )
            )
        return None

    def _fortnox_check_accounts(self, client, rows, sources, year_id):
        """Raise UserError naming every account of the rows that Fortnox lacks or has inactive."""
        problems = []
        for number in sorted({row["Account"] for row in rows}):
            try:
                account = client.get_account(number, financial_year=year_id)
            except NotFoundError:
                reason = _("missing")
            else:
                if account.get("Active", True):
                    continue
                reason = _("inactive")
            problems.append(
                _(
                    "%(number)s (%(reason)s; Odoo account %(accounts)s)",
                    number=number,
                    reason=reason,
                    accounts=", ".join(sources[number].mapped("display_name")),
                )
            )
        if problems:
            raise UserError(
                _(
                    "The stock voucher of %(date)s was not sent: Fortnox has no active account "
                    "%(accounts)s. Create or activate the account in Fortnox, or map the Odoo "
                    "account to another Fortnox account under Account Mapping on the Fortnox "
                    "connection, then press Send to Fortnox on the voucher.",
                    date=self.date.isoformat(),
                    accounts="; ".join(problems),
                )
            )

    def _fortnox_mark_exported(self, voucher):
        if voucher is None:
            self.write({**self._fortnox_success_values(), "fortnox_state": "netted"})
            message = _("The entries net to zero on every account; no voucher was sent.")
            self.message_post(body=message, subtype_xmlid="mail.mt_note")
            return message

        self.write(
            {
                **self._fortnox_success_values(),
                "voucher_number": int(voucher["VoucherNumber"]),
                "voucher_series": voucher["VoucherSeries"],
                "financial_year_id": voucher.get("Year") or False,
            }
        )
        message = _(
            "Booked in Fortnox as voucher %(series)s%(number)s on %(date)s.",
            series=voucher["VoucherSeries"],
            number=voucher["VoucherNumber"],
            date=voucher.get("TransactionDate") or self.date.isoformat(),
        )
        self.message_post(body=message, subtype_xmlid="mail.mt_note")
        _logger.info(
            "Stock voucher %s (%s entries of %s) booked in Fortnox as %s%s",
            self.id,
            len(self.move_ids),
            self.date,
            voucher["VoucherSeries"],
            voucher["VoucherNumber"],
        )
        return message
