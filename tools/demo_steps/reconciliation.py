"""Nightly stock reconciliation: drift in the warehouse that nobody reported, then corrected.

The warehouse miscounts two of the sales step's articles without telling
anyone (no inventory adjustment, no webhook). A first run in report-only mode,
as a new backend starts, lists the differences; after switching the backend to
apply them, a second run corrects Odoo's stock to Ongoing's.
"""

from . import DemoError
from .sales import PRODUCTS

# Article number and the quantity the warehouse really has after the miscount.
DRIFT = (("HT-PLD-02", 36), ("HT-HAN-03", 32))
LINE_FIELDS = [
    "case",
    "article_number",
    "odoo_qty",
    "ongoing_qty",
    "in_flight_qty",
    "difference_qty",
    "value",
    "applied",
]


def reconcile(demo, backend_id):
    """Press "Reconcile Now", wait for the run and return it with its lines."""
    action = demo.call("ongoing.backend", "action_reconcile_now", [backend_id])
    reconciliation_id = action["res_id"]

    def finished():
        run = demo.read(
            "ongoing.reconciliation",
            reconciliation_id,
            ["name", "state", "mode", "error", "difference_count", "applied_count"],
        )
        return run if run["state"] != "queued" else None

    run = demo.wait_until(f"reconciliation {reconciliation_id}", finished)
    if run["state"] != "done":
        raise DemoError(f"reconciliation {run['name']} failed: {run['error']}")
    lines = demo.search_read(
        "ongoing.reconciliation.line", [("reconciliation_id", "=", reconciliation_id)], LINE_FIELDS
    )
    return run, lines


def show(demo, run, lines):
    demo.say(
        f"reconciliation: {run['name']} ({run['mode']}): {run['difference_count']} differences, "
        f"{run['applied_count']} corrected"
    )
    for line in lines:
        state = "corrected" if line["applied"] else "not applied"
        demo.say(
            f"  {line['article_number']:<10} Odoo {line['odoo_qty']:g}, Ongoing "
            f"{line['ongoing_qty']:g}, in flight {line['in_flight_qty']:g}: difference "
            f"{line['difference_qty']:+g} worth {line['value']:.2f} ({line['case']}, {state})"
        )


def run(demo):
    demo.say("reconciliation: the warehouse miscounts two articles and reports nothing")
    known = {code for code, _name, _cost in PRODUCTS}
    for code, quantity in DRIFT:
        if code not in known:
            raise DemoError(f"the sales step has no article {code}")
        demo.warehouse("set_stock", article_number=code, quantity=quantity)

    backend_id = demo.setup["backend_id"]
    run_report, lines = reconcile(demo, backend_id)
    show(demo, run_report, lines)
    demo.count("Odoo", "stock differences reported", run_report["difference_count"])

    demo.call("ongoing.backend", "write", [backend_id], {"reconciliation_mode": "apply"})
    run_apply, lines = reconcile(demo, backend_id)
    show(demo, run_apply, lines)
    demo.count("Odoo", "stock differences corrected", run_apply["applied_count"])

    products = demo.search_read(
        "product.product",
        [("default_code", "in", [code for code, _quantity in DRIFT])],
        ["default_code", "qty_available"],
    )
    for product in sorted(products, key=lambda product: product["default_code"]):
        demo.say(
            f"reconciliation: {product['default_code']} now has {product['qty_available']:g} "
            "on hand in Odoo"
        )
