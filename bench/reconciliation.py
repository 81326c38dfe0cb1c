"""Measure a stock reconciliation of many articles against the Ongoing WMS simulator.

The bench keeps a database with ``--articles`` storable products, 20 of each in
the 3PL warehouse, and starts the simulator in a child process with the same
stock. It then drifts ``--drift`` of the articles in the simulator through its
operator API (inventory adjustments, half of them losses and half finds) and
runs the reconciliation twice, each in a fresh process that rolls back at the
end: the addon's batched run, and a naive baseline that looks up, compares and
corrects one product at a time. For each it prints the wall time of the fetch,
compare and apply phases, the SQL queries of each phase, and the process's
peak memory (resident set, from /proc) with the part the run added.

Run from the repository root through tools/python, which sets up the project's
virtualenv and configuration::

    tools/python bench/reconciliation.py --articles 50000 --port 18650

The first run for a number of articles creates its database (about 40 s per
10,000 products); later runs update the addon in it and reuse it.
"""

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

API_USER = "bench"
API_PASSWORD = "bench-password"
GOODS_OWNER_ID = 159
STOCK = 20.0
PRODUCT_BATCH = 2000


# ----------------------------------------------------------------------
# Simulator (child process, no Odoo)
# ----------------------------------------------------------------------


def serve_simulator(port, articles, ready):
    """Run the simulator on ``port`` with ``articles`` articles of 20 items each."""
    import signal
    import threading

    from simulators.base import SimulatorServer
    from simulators.ongoing import OngoingSimulator

    simulator = OngoingSimulator(API_USER, API_PASSWORD, (GOODS_OWNER_ID,), webhook_manual=True)
    for index in range(articles):
        simulator.set_stock(article_number(index), STOCK)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with SimulatorServer(simulator, port=port):
        ready.set()
        stopped.wait()


def article_number(index):
    return f"BENCH-{index:06d}"


def simulator_action(port, action, **arguments):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_sim/actions/{action}",
        data=json.dumps(arguments).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def drift(port, articles, share):
    """Adjust every ``1/share``-th article in the simulator; return {article number: delta}."""
    step = max(1, round(1 / share))
    changes = {}
    for count, index in enumerate(range(0, articles, step)):
        delta = -3.0 if count % 2 else 2.0
        simulator_action(port, "adjust", article_number=article_number(index), delta=delta)
        changes[article_number(index)] = delta
    return changes


# ----------------------------------------------------------------------
# Database (Odoo)
# ----------------------------------------------------------------------


def load_odoo(config):
    import odoo

    odoo.tools.config.parse_config(["-c", config, "--log-level=warn"])
    return odoo


def ensure_database(config, db, articles):
    """Create the database with its products and stock unless it already has them."""
    odoo = load_odoo(config)
    from odoo.service import db as db_service

    if db not in db_service.list_dbs(force=True):
        print(f"bench: creating the database {db}", flush=True)
        subprocess.run(
            [sys.executable, str(ROOT / "tools" / "create_db.py"), config, db], check=True
        )
    else:
        print(f"bench: updating the addon in {db}", flush=True)
        # tools/setup.sh records where the Odoo tree with odoo-bin is.
        build = Path(os.environ["BUILD"])
        odoo_bin = Path((build / "odoo-src-path").read_text().strip()) / "odoo-bin"
        subprocess.run(
            [
                sys.executable,
                str(odoo_bin),
                "-c",
                config,
                "-d",
                db,
                "-u",
                "ongoing_fortnox_sync",
                "--stop-after-init",
                "--log-level=warn",
            ],
            check=True,
        )
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(
            cr, odoo.SUPERUSER_ID, {"tracking_disable": True, "ongoing_no_article_sync": True}
        )
        count = env["product.product"].search_count([("default_code", "=like", "BENCH-%")])
        if count == articles:
            return
        if count:
            sys.exit(f"bench: {db} has {count} bench products, not {articles}: drop it first.")
        started = time.monotonic()
        create_products(env, articles)
        cr.commit()
        print(
            f"bench: {articles} products with stock created in {time.monotonic() - started:.0f} s",
            flush=True,
        )


def create_products(env, articles):
    company = env.ref("base.main_company")
    category = env.ref("product.product_category_all")
    category.with_company(company).write(
        {"property_valuation": "real_time", "property_cost_method": "average"}
    )
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    backend = env["ongoing.backend"].create(
        {
            "name": "Bench",
            "company_id": company.id,
            "warehouse_id": warehouse.id,
            "base_url": "http://127.0.0.1:1/demo/api/v1/",
            "goods_owner_id": GOODS_OWNER_ID,
            "api_user": API_USER,
            "api_password": API_PASSWORD,
        }
    )
    backend.action_create_mirror_locations()
    for start in range(0, articles, PRODUCT_BATCH):
        env["product.product"].create(
            [
                {
                    "name": f"Bench article {index}",
                    "default_code": article_number(index),
                    "is_storable": True,
                    "standard_price": 10.0 + index % 90,
                    "categ_id": category.id,
                }
                for index in range(start, min(start + PRODUCT_BATCH, articles))
            ]
        )
        env.invalidate_all()
    # Stock written straight into the quants: booking 50,000 inventory moves with
    # their valuation would take a quarter of an hour and is not what is measured.
    env.flush_all()
    env.cr.execute(
        """
        INSERT INTO stock_quant (product_id, location_id, company_id, quantity,
                                 reserved_quantity, in_date, inventory_quantity_set,
                                 create_uid, create_date, write_uid, write_date)
        SELECT id, %s, %s, %s, 0, NOW() AT TIME ZONE 'UTC', FALSE, 1,
               NOW() AT TIME ZONE 'UTC', 1, NOW() AT TIME ZONE 'UTC'
          FROM product_product WHERE default_code LIKE 'BENCH-%%'
        """,
        [warehouse.lot_stock_id.id, company.id, STOCK],
    )


# ----------------------------------------------------------------------
# Measured run (fresh process, rolled back)
# ----------------------------------------------------------------------


def memory_mb(field):
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


class Phases:
    """Wall time and SQL queries of consecutive phases of one run."""

    def __init__(self, env):
        import odoo.sql_db

        self.env = env
        self.sql = odoo.sql_db
        self.figures = {}

    def measure(self, name, function, *args):
        queries = self.sql.sql_counter
        started = time.monotonic()
        result = function(*args)
        self.env.flush_all()
        self.figures[name] = {
            "seconds": time.monotonic() - started,
            "queries": self.sql.sql_counter - queries,
        }
        return result


def count_line_writes(phases, model_class):
    """Count apart the queries that write the report lines, inside the compare phase."""
    original = model_class._ongoing_create_lines

    def create_lines(reconciliation, *args):
        queries = phases.sql.sql_counter
        lines = original(reconciliation, *args)
        reconciliation.env.flush_all()
        phases.figures["line writes"] = {"queries": phases.sql.sql_counter - queries}
        return lines

    model_class._ongoing_create_lines = create_lines


def measure(config, db, port, mode):
    """Run one reconciliation in this process, print its figures as JSON, roll it back."""
    odoo = load_odoo(config)
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        backend = env["ongoing.backend"].search([("name", "=", "Bench")], limit=1)
        backend.base_url = f"http://127.0.0.1:{port}/demo/api/v1/"
        reconciliation = env["ongoing.reconciliation"].create(
            {"backend_id": backend.id, "mode": "apply", "source": "api"}
        )
        env.flush_all()
        rss_before = memory_mb("VmRSS")

        phases = Phases(env)
        count_line_writes(phases, type(reconciliation))
        client = backend._get_client()
        snapshot = phases.measure("fetch", reconciliation._ongoing_fetch, client)
        if mode == "batch":
            phases.measure("compare", reconciliation._ongoing_compare, snapshot)
            phases.measure("apply", reconciliation._ongoing_apply)
            lines = reconciliation.line_ids
        else:
            lines = phases.measure("compare", naive_compare, reconciliation, snapshot)
            phases.measure("apply", naive_apply, reconciliation, lines)

        differences = sorted(
            (line.article_number, line.difference_qty)
            for line in lines
            if line.case == "difference"
        )
        print(
            json.dumps(
                {
                    "mode": mode,
                    "phases": phases.figures,
                    "differences": differences,
                    "line_count": len(lines),
                    "rss_before_mb": rss_before,
                    "peak_mb": memory_mb("VmHWM"),
                }
            ),
            flush=True,
        )
        cr.rollback()


def naive_compare(reconciliation, snapshot):
    """Baseline: look up, read and compare one product at a time, one line record each."""
    from odoo.addons.ongoing_fortnox_sync.reconciliation.compare import document_in_flight

    env = reconciliation.env
    backend = reconciliation.backend_id
    locations = backend._get_mirror_locations().ids
    directions = {"outbound": -1, "purchase": 1, "return": 1}
    line_model = env["ongoing.reconciliation.line"]
    lines = line_model
    for number, stock in snapshot.stock.items():
        product = env["product.product"].search([("default_code", "=", number)], limit=1)
        if not product:
            lines |= line_model.create(
                {
                    "reconciliation_id": reconciliation.id,
                    "case": "unknown_in_odoo",
                    "article_number": number,
                    "ongoing_qty": stock.quantity,
                }
            )
            continue
        on_hand = product.with_context(location=locations).qty_available
        in_flight = 0.0
        for line in env["ongoing.order.line"].search(
            [("product_id", "=", product.id), ("order_id.backend_id", "=", backend.id)]
        ):
            in_flight += document_in_flight(
                directions[line.order_id.order_type],
                line.remote_done_qty,
                line.booked_qty,
                line.remote_returned_qty,
                line.returned_booked_qty,
            )
        difference = stock.quantity - on_hand - in_flight
        if abs(difference) >= product.uom_id.rounding / 2:
            lines |= line_model.create(
                {
                    "reconciliation_id": reconciliation.id,
                    "case": "difference",
                    "product_id": product.id,
                    "article_number": number,
                    "odoo_qty": on_hand,
                    "ongoing_qty": stock.quantity,
                    "in_flight_qty": in_flight,
                    "difference_qty": difference,
                    "unit_cost": product.standard_price,
                    "value": difference * product.standard_price,
                }
            )
    return lines


def naive_apply(reconciliation, lines):
    """Baseline: one inventory adjustment per product, each applied on its own."""
    location = reconciliation.backend_id.warehouse_id.lot_stock_id
    quant_model = reconciliation.env["stock.quant"].with_context(inventory_mode=True)
    for line in lines.filtered(lambda line: line.case == "difference"):
        quant = quant_model.create(
            {
                "product_id": line.product_id.id,
                "location_id": location.id,
                "inventory_quantity": line.odoo_qty + line.difference_qty,
            }
        )
        quant.with_context(inventory_name=reconciliation.name)._apply_inventory()
        line.applied = True


# ----------------------------------------------------------------------
# Orchestration
# ----------------------------------------------------------------------


def run_child(arguments, mode):
    command = [
        sys.executable,
        __file__,
        "--config",
        arguments.config,
        "--db",
        arguments.db,
        "--port",
        str(arguments.port),
        "--measure",
        mode,
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def print_table(results):
    print()
    print(f"{'run':<8} {'phase':<8} {'seconds':>9} {'queries':>9}")
    for result in results:
        total_seconds = total_queries = 0
        for phase in ("fetch", "compare", "apply"):
            figures = result["phases"][phase]
            total_seconds += figures["seconds"]
            total_queries += figures["queries"]
            print(
                f"{result['mode']:<8} {phase:<8} {figures['seconds']:>9.1f} {figures['queries']:>9}"
            )
        print(f"{result['mode']:<8} {'total':<8} {total_seconds:>9.1f} {total_queries:>9}")
        if "line writes" in result["phases"]:
            writes = result["phases"]["line writes"]["queries"]
            reads = result["phases"]["compare"]["queries"] - writes
            print(
                f"{result['mode']:<8} compare queries: {reads} to read and compare, {writes} to "
                f"write {result['line_count']} report lines"
            )
        print(
            f"{result['mode']:<8} memory: peak {result['peak_mb']:.0f} MB resident, "
            f"{result['peak_mb'] - result['rss_before_mb']:.0f} MB above the "
            f"{result['rss_before_mb']:.0f} MB before the run"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=os.environ.get("ODOO_CONF"))
    parser.add_argument("--db", help="Database (default: ofs_bench_reconciliation_ARTICLES).")
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--drift", type=float, default=0.02, help="Share of drifted articles.")
    parser.add_argument("--port", type=int, default=18650, help="Loopback port of the simulator.")
    parser.add_argument("--skip-naive", action="store_true", help="Measure the batched run only.")
    parser.add_argument("--measure", choices=("batch", "naive"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    arguments.db = arguments.db or f"ofs_bench_reconciliation_{arguments.articles}"

    if arguments.measure:
        measure(arguments.config, arguments.db, arguments.port, arguments.measure)
        return

    ensure_database(arguments.config, arguments.db, arguments.articles)
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    simulator = context.Process(
        target=serve_simulator, args=(arguments.port, arguments.articles, ready), daemon=True
    )
    simulator.start()
    try:
        if not ready.wait(300):
            sys.exit("bench: the simulator did not start within 300 s.")
        changes = drift(arguments.port, arguments.articles, arguments.drift)
        print(
            f"bench: {arguments.articles} articles, {len(changes)} drifted in the simulator; "
            f"machine: {os.cpu_count()} CPUs",
            flush=True,
        )
        results = [run_child(arguments, "batch")]
        if not arguments.skip_naive:
            results.append(run_child(arguments, "naive"))
    finally:
        simulator.terminate()
        simulator.join(10)

    print_table(results)
    expected = sorted(changes.items())
    for result in results:
        found = [tuple(pair) for pair in result["differences"]]
        verdict = "as drifted" if found == expected else f"{len(found)} found, NOT as drifted"
        print(f"{result['mode']:<8} differences: {len(found)}, {verdict}")
    if len(results) == 2:
        ratio = (
            results[1]["phases"]["compare"]["seconds"] / results[0]["phases"]["compare"]["seconds"]
        )
        print(f"compare phase: batched run {ratio:.0f} times faster than the baseline")


if __name__ == "__main__":
    main()
