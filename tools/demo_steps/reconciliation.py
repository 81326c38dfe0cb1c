"""Nightly stock reconciliation: drift in the warehouse that nobody reported, then corrected.

The warehouse miscounts two articles without telling anyone (no inventory
adjustment, no webhook). A first run in report-only mode, as a new backend
starts, compares all 200 articles and lists exactly those two differences,
which shows that the rest of the week left both systems in agreement. After
switching the backend to apply differences, a second run corrects Odoo's
stock to Ongoing's.
"""

from . import DemoError

# Article number and how many units the warehouse's count is off by.
DRIFT = (("TRA-RAT-70X200-BLA", -3), ("KHA-SIG-50X70-RST", 2))
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
    for code, delta in DRIFT:
        product = demo.call(
            "product.product",
            "read",
            [demo.product(code)],
            ["qty_available"],
            context={"location": demo.stock_location()},
        )[0]
        counted = product["qty_available"] + delta
        demo.warehouse("set_stock", article_number=code, quantity=counted)

    backend_id = demo.setup["backend_id"]
    run_report, lines = reconcile(demo, backend_id)
    show(demo, run_report, lines)
    if run_report["difference_count"] != len(DRIFT):
        raise DemoError(
            f"the reconciliation found {run_report['difference_count']} differences, not the "
            f"{len(DRIFT)} miscounted articles: Odoo and Ongoing disagreed before the miscount"
        )
    demo.count("differences_reported", run_report["difference_count"])

    demo.call("ongoing.backend", "write", [backend_id], {"reconciliation_mode": "apply"})
    run_apply, lines = reconcile(demo, backend_id)
    show(demo, run_apply, lines)
    demo.count("differences_corrected", run_apply["applied_count"])

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
