"""Benchmark: webhooks that validate real deliveries, handled by a 2-worker Odoo.

Creates the database ``ongoing_fortnox_bench_bookings`` (a Swedish company with
the addon, ten storable products with automated AVCO valuation and a backend
pointed at an Ongoing simulator), confirms --orders sales of two lines each and
sends their deliveries to the simulator. The simulator then picks and ships
every order. Odoo starts with 2 workers and the job runner paused, one webhook
per order is sent over HTTP (a tenth of them twice), and the runner is resumed.
The benchmark prints the time until every delivery is validated and every
event is handled, then checks that each delivery booked its quantities once:
stock on hand, moves done and valuation layers.

    tools/python bench/webhook_bookings.py [--orders 200]
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, project_setting
from webhook_load import DUPLICATE_EVERY, percentile, send_all, start_odoo

sys.path.insert(0, str(ROOT))

from simulators.base import SimulatorServer
from simulators.ongoing import OngoingSimulator

DB = "ongoing_fortnox_bench_bookings"
PRODUCTS = 10
STOCK = 10_000
QUANTITY = 2


def prepare_database(config, python, simulator_url, orders):
    """Create the database, the sales and their Ongoing orders; return the setup as a dict."""
    subprocess.run([python, str(ROOT / "tools" / "create_db.py"), config, DB], check=True)
    script = f"""
import json
import odoo
odoo.tools.config.parse_config(["-c", {config!r}, "--log-level=warn"])
registry = odoo.modules.registry.Registry({DB!r})
with registry.cursor() as cr:
    from odoo.addons.ongoing_fortnox_sync.tests.job_runner import run_jobs

    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {{"tracking_disable": True}})
    env.ref("product.product_category_all").write(
        {{"property_valuation": "real_time", "property_cost_method": "average"}}
    )
    warehouse = env["stock.warehouse"].search([], limit=1)
    backend = env["ongoing.backend"].create({{
        "name": "Bench", "warehouse_id": warehouse.id, "base_url": {simulator_url!r},
        "goods_owner_id": 159, "api_user": "bench", "api_password": "bench-password",
    }})
    products = env["product.product"].create([
        {{"name": f"Handduk {{number:02d}}", "default_code": f"BOOK-{{number:02d}}",
          "is_storable": True, "standard_price": 100.0, "list_price": 249.0}}
        for number in range({PRODUCTS})
    ])
    env["stock.quant"].with_context(inventory_mode=True).create([
        {{"product_id": product.id, "location_id": warehouse.lot_stock_id.id,
          "inventory_quantity": {STOCK}}}
        for product in products
    ])._apply_inventory()
    customer = env["res.partner"].create({{
        "name": "Kund Åsa Öberg", "street": "Storgatan 1", "zip": "503 38", "city": "Borås",
        "country_id": env.ref("base.se").id,
    }})
    sales = env["sale.order"].create([
        {{"partner_id": customer.id, "warehouse_id": warehouse.id, "order_line": [
            (0, 0, {{"product_id": products[number % {PRODUCTS}].id,
                     "product_uom_qty": {QUANTITY}}}),
            (0, 0, {{"product_id": products[(number + 1) % {PRODUCTS}].id,
                     "product_uom_qty": {QUANTITY}}}),
        ]}}
        for number in range({orders})
    ])
    sales.action_confirm()
    run_jobs(env, max_rounds=50)
    pickings = sales.picking_ids
    unsent = pickings.filtered(lambda picking: picking.ongoing_sync_state != "synced")
    if unsent:
        raise SystemExit(f"bench: {{len(unsent)}} deliveries did not reach the simulator")
    env.ref("queue_job.channel_root").write({{"capacity": 4, "paused": True}})
    print(json.dumps({{
        "backend_id": backend.id,
        "token": backend.webhook_token,
        "pickings": pickings.mapped("name"),
        "products": products.mapped("default_code"),
    }}))
"""
    output = subprocess.run(
        [python, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def pick_and_ship(simulator, setup):
    """Let the warehouse pick and ship every order; return one webhook event per order."""
    for code in setup["products"]:
        simulator.set_stock(code, STOCK)
    events = []
    for number, name in enumerate(setup["pickings"]):
        simulator.pick(name, {"1": QUANTITY, "2": QUANTITY})
        simulator.ship(name, way_bill=f"0037071{number:011d}")
        order = simulator.order_state(name)
        events.append(
            {
                "webhookEventId": f"booking-{number}",
                "timestamp": "2026-12-04T10:00:00.000Z",
                "goodsOwnerId": 159,
                "orderId": order["orderInfo"]["orderId"],
                "orderNumber": name,
                "orderStatus": {"number": order["orderInfo"]["orderStatus"]["number"]},
            }
        )
    return events


def wait_booked(cr, names, started, timeout=1800):
    """Wait until every delivery is done and no event is queued; return the seconds taken."""
    while time.monotonic() - started < timeout:
        cr.execute(
            "SELECT count(*) FROM stock_picking WHERE name IN %s AND state = 'done'",
            (tuple(names),),
        )
        (done,) = cr.fetchone()
        cr.execute("SELECT count(*) FROM ongoing_webhook_event WHERE state = 'queued'")
        (queued,) = cr.fetchone()
        if done == len(names) and not queued:
            break
        time.sleep(0.5)
    return time.monotonic() - started


def check_bookings(cr, setup):
    """Print what was booked; return the problems found (an empty list when exact)."""
    orders = len(setup["pickings"])
    per_product = 2 * QUANTITY * orders // PRODUCTS
    problems = []
    cr.execute(
        "SELECT pp.default_code, sum(q.quantity) FROM stock_quant q"
        " JOIN product_product pp ON pp.id = q.product_id"
        " JOIN stock_location l ON l.id = q.location_id"
        " WHERE l.usage = 'internal' GROUP BY pp.default_code"
    )
    on_hand = dict(cr.fetchall())

    for code in setup["products"]:
        if on_hand.get(code) != STOCK - per_product:
            problems.append(f"{code}: {on_hand.get(code)} on hand, {STOCK - per_product} expected")
    cr.execute(
        "SELECT p.state, count(*) FROM stock_picking p WHERE p.name IN %s GROUP BY p.state",
        (tuple(setup["pickings"]),),
    )
    states = dict(cr.fetchall())
    cr.execute(
        "SELECT count(*), coalesce(sum(m.quantity), 0) FROM stock_move m"
        " JOIN stock_picking p ON p.id = m.picking_id"
        " WHERE p.name IN %s AND m.state = 'done'",
        (tuple(setup["pickings"]),),
    )
    moves, quantity = cr.fetchone()

    cr.execute(
        "SELECT count(*) FROM stock_valuation_layer v"
        " JOIN stock_move m ON m.id = v.stock_move_id"
        " JOIN stock_picking p ON p.id = m.picking_id WHERE p.name IN %s",
        (tuple(setup["pickings"]),),
    )
    (layers,) = cr.fetchone()
    cr.execute("SELECT state, count(*) FROM ongoing_webhook_event GROUP BY state")
    event_states = dict(cr.fetchall())

    print(f"deliveries by state      {states}")
    print(f"moves done               {moves} ({quantity:g} units)")
    print(f"valuation layers         {layers}")
    print(f"event states             {event_states}")

    if states != {"done": orders}:
        problems.append(f"deliveries not all done: {states}")
    if moves != 2 * orders or quantity != 2 * QUANTITY * orders:
        problems.append(
            f"{moves} moves of {quantity:g} units, {2 * orders} of {4 * orders} expected"
        )
    if layers != 2 * orders:
        problems.append(f"{layers} valuation layers, {2 * orders} expected")
    return problems


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    if args.orders % PRODUCTS:
        sys.exit(f"bench: --orders must be a multiple of {PRODUCTS}")
    config = project_setting("ODOO_CONF")
    python = str(Path(project_setting("VENV")) / "bin" / "python")

    simulator = OngoingSimulator("bench", "bench-password", (159,))
    sim_server = SimulatorServer(simulator).start()
    odoo = None
    try:
        prepared = time.monotonic()
        setup = prepare_database(config, python, simulator.api_url(sim_server.url), args.orders)
        events = pick_and_ship(simulator, setup)
        print(f"set-up                   {time.monotonic() - prepared:.1f} s")
        odoo, base = start_odoo(
            python, config, Path(project_setting("BUILD")) / "bench-bookings-odoo.log", db=DB
        )
        url = f"{base}/ongoing/webhook/{setup['backend_id']}"
        sent = events + events[::DUPLICATE_EVERY]
        latencies, statuses, _seconds = send_all(url, setup["token"], sent, args.concurrency)
        print(f"orders                   {args.orders} (2 lines of {QUANTITY} units each)")
        print(f"requests sent            {len(sent)}, HTTP 200: {statuses.count(200)}")
        print(f"latency p99              {percentile(latencies, 0.99) * 1000:.1f} ms")

        connection = psycopg2.connect(
            dbname=DB, host=os.environ.get("PGHOST", "127.0.0.1"), user="odoo"
        )
        connection.autocommit = True
        with connection.cursor() as cr:
            started = time.monotonic()
            cr.execute("UPDATE queue_job_channel SET paused = false")
            cr.execute("SELECT pg_notify('queue_job', 'reload')")
            seconds = wait_booked(cr, setup["pickings"], started)
            print(
                f"deliveries validated     {seconds:.1f} s after the runner resumed "
                f"({args.orders / seconds:.1f} per second)"
            )
            problems = check_bookings(cr, setup)
        connection.close()
    finally:
        if odoo:
            os.killpg(odoo.pid, signal.SIGTERM)
            odoo.wait(timeout=60)
        sim_server.stop()
    if problems:
        sys.exit("bench: " + "; ".join(problems))
    print("every delivery booked once")


if __name__ == "__main__":
    main()
