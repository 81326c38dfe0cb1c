"""Fortnox cost centres and projects from Odoo's analytic distribution.

An analytic account may name a Fortnox cost centre, a Fortnox project, or
both. A journal item's analytic distribution maps keys (one analytic account,
or several of different plans joined by commas) to percentages. Each key gives
the cost centre and the project of its accounts. The part of the amount not
distributed carries neither.
"""

from collections import defaultdict
from decimal import Decimal

from odoo import _, fields, models
from odoo.exceptions import UserError

from .account_move_fortnox_payload import round_money, to_decimal

HUNDRED = Decimal(100)


def split_amount(amount, shares):
    """Split an amount in öre by percentages; the parts add up to ``amount`` exactly.

    ``shares`` is a list of (percentage, key). The part of 100 % not covered
    goes to the key None. Returns [(key, part)] without zero parts.
    """
    parts = []
    covered = sum((percentage for percentage, _key in shares), Decimal(0))
    for percentage, key in shares:
        parts.append([key, round_money(amount * percentage / HUNDRED)])
    if covered < HUNDRED or not parts:
        parts.append([None, Decimal(0)])
    # Rounding leaves at most a few öre; the last part takes them.
    parts[-1][1] += amount - sum((part for _key, part in parts), Decimal(0))
    return [(key, part) for key, part in parts if part]


class AccountAnalyticAccount(models.Model):
    _inherit = "account.analytic.account"

    fortnox_cost_center = fields.Char(
        string="Fortnox Cost Centre",
        help="Code of the Fortnox cost centre that amounts on this analytic account are booked "
        "on. It must exist in Fortnox.",
    )
    fortnox_project = fields.Char(
        string="Fortnox Project",
        help="Number of the Fortnox project that amounts on this analytic account are booked "
        "on. It must exist in Fortnox.",
    )


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _fortnox_dimension_parts(self, amount):
        """Return [((cost centre, project), amount)] of an amount of this journal item.

        ``amount`` (Decimal, in SEK to the öre) is split by the analytic
        distribution. Raises UserError when the distribution exceeds 100 %, which a
        Fortnox row cannot carry.
        """
        self.ensure_one()
        analytic = self.env["account.analytic.account"]
        shares = defaultdict(Decimal)
        for key, percentage in (self.analytic_distribution or {}).items():
            accounts = analytic.browse(int(account_id) for account_id in key.split(",")).exists()
            cost_center = next(
                (a.fortnox_cost_center for a in accounts if a.fortnox_cost_center), ""
            )
            project = next((a.fortnox_project for a in accounts if a.fortnox_project), "")
            shares[(cost_center, project)] += to_decimal(percentage)
        if sum(shares.values(), Decimal(0)) > HUNDRED:
            raise UserError(
                _(
                    "The analytic distribution of %(line)s in %(entry)s adds up to more than "
                    "100 %%. A Fortnox row takes one cost centre and one project: distribute "
                    "the item once, combining the plans on each distribution line.",
                    line=self.name or self.account_id.display_name,
                    entry=self.move_id.display_name,
                )
            )
        # What carries no Fortnox dimension joins the undistributed rest.
        coded = [(percentage, key) for key, percentage in shares.items() if key != ("", "")]
        return [(key or ("", ""), part) for key, part in split_amount(amount, coded)]
