"""The week's stock valuation in Fortnox: one voucher per day, each Odoo entry once.

Every receipt, delivery, return, write-off and revaluation of the demo gave
Odoo a stock valuation entry. The accountant presses Send Stock Vouchers on
the Fortnox connection (the cron would do it at the end of each day): each
day's entries go to Fortnox as one voucher with the day's sum per account.
The step then checks each voucher against Odoo's entries to the öre, and
presses the button again to show that nothing goes twice.
"""

from collections import defaultdict
from decimal import Decimal

from . import DemoError


def odoo_sums(demo, voucher_id):
    """Return the net amount per account code of the entries a voucher carries."""
    sums = defaultdict(Decimal)
    lines = demo.search_read(
        "account.move.line",
        [("move_id.fortnox_voucher_id", "=", voucher_id)],
        ["account_id", "balance"],
    )
    for line in lines:
        code = int(line["account_id"][1].split()[0])
        sums[code] += Decimal(str(line["balance"])).quantize(Decimal("0.01"))
    return {code: amount for code, amount in sums.items() if amount}


def fortnox_sums(voucher):
    sums = defaultdict(Decimal)
    for row in voucher["VoucherRows"]:
        sums[row["Account"]] += Decimal(str(row["Debit"])) - Decimal(str(row["Credit"]))
    return {account: amount for account, amount in sums.items() if amount}


def send(demo, backend_id):
    """Press Send Stock Vouchers; wait until no voucher is pending; return the records."""
    demo.call("fortnox.backend", "action_fortnox_send_stock_vouchers", [backend_id])
    fields = ["name", "date", "move_count", "fortnox_state", "fortnox_error", "voucher_number"]

    def settled():
        vouchers = demo.search_read(
            "fortnox.voucher", [("backend_id", "=", backend_id)], fields, order="date, id"
        )
        failed = [v for v in vouchers if v["fortnox_state"] in ("failed", "reconnect")]
        if failed:
            raise DemoError(f"stock voucher {failed[0]['name']}: {failed[0]['fortnox_error']}")
        if vouchers and all(v["fortnox_state"] in ("exported", "netted") for v in vouchers):
            return vouchers
        return None

    return demo.wait_until("the stock vouchers in Fortnox", settled)


def run(demo):
    demo.say("vouchers: the week's stock valuation entries go to Fortnox as daily vouchers")
    backend_id = demo.setup["fortnox_backend_id"]
    records = send(demo, backend_id)
    in_fortnox = {
        voucher["VoucherNumber"]: voucher
        for voucher in demo.fortnox_state()["vouchers"]
        if voucher["VoucherSeries"] == "A"
    }

    for record in records:
        if record["fortnox_state"] == "netted":
            demo.say(f"vouchers: {record['date']}: the entries net to zero; nothing sent")
            continue
        voucher = in_fortnox[record["voucher_number"]]
        rows = fortnox_sums(voucher)
        if rows != odoo_sums(demo, record["id"]):
            raise DemoError(f"voucher A{record['voucher_number']} differs from Odoo's entries")
        accounts = ", ".join(f"{account} {amount:+.2f}" for account, amount in sorted(rows.items()))
        demo.say(
            f"vouchers: A{voucher['VoucherNumber']} of {voucher['TransactionDate']}: "
            f"{record['move_count']} Odoo entries; {accounts} (equal to Odoo's to the öre)"
        )
        demo.count("stock_vouchers_booked")

    again = send(demo, backend_id)
    vouchers_now = [v for v in demo.fortnox_state()["vouchers"] if v["VoucherSeries"] == "A"]
    if len(again) != len(records) or len(vouchers_now) != len(in_fortnox):
        raise DemoError("pressing Send Stock Vouchers again sent another voucher")
    demo.say("vouchers: pressing Send Stock Vouchers again sends nothing: each entry goes once")
