"""Send a day of stock valuation entries to the Fortnox simulator; print the cost per mode.

The script gives N products stock by inventory adjustments valued yesterday,
which makes N stock valuation entries of one day. In daily mode the cron's
work gathers them into one voucher and the queued job sends it. In per-entry
mode each posting queues its own voucher and job. The jobs run one after
another in this process, as the job runner runs the connection's channel of
capacity 1. They go through the request limiter kept in PostgreSQL to a
Fortnox simulator on the real clock (25 requests per 5 s). The script prints
the time, the requests, the requests per voucher and the vouchers in Fortnox.

Runs on the database ``ongoing_fortnox_bench`` (created on first use) in a
transaction that is rolled back, with the registry in test mode (see
``fortnox_invoices.py``).

    tools/python bench/fortnox_vouchers.py [--entries 200] [--per-entry 40]
"""

import argparse
import os
import platform
import sys
import time
from datetime import timedelta
from pathlib import Path

from odoo import fields

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import odoo_env, project_setting

CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-client-secret"


def connect_backend(env, server_url, simulator, mode):
    values = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "api_url": f"{server_url}/3",
        "auth_url": f"{server_url}/oauth-v1/auth",
        "token_url": f"{server_url}/oauth-v1/token",
        "stock_voucher_mode": mode,
        "stock_voucher_start_date": fields.Date.today() - timedelta(days=7),
    }
    backend = env["fortnox.backend"]._fortnox_backend_for(env.company)
    if backend:
        backend.write(values)
    else:
        backend = env["fortnox.backend"].create({"name": "Fortnox", **values})
    tokens = simulator.create_connection()
    backend.write(
        {
            "access_token": tokens["access_token"],
            "refresh_token": tokens["refresh_token"],
            "token_expires_at": fields.Datetime.now() + timedelta(hours=1),
            "state": "connected",
        }
    )
    return backend


def make_entries(env, count):
    """Give ``count`` new products stock, valued yesterday; return the stock valuation entries."""
    category = env.ref("product.product_category_all")
    category.with_company(env.company).write(
        {"property_valuation": "real_time", "property_cost_method": "average"}
    )
    warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
    products = env["product.product"].create(
        [
            {
                "name": f"Bänkvara {index}",
                "default_code": f"BENCH-SV-{index}",
                "is_storable": True,
                "standard_price": 10 + index % 17 + 0.35,
                "categ_id": category.id,
            }
            for index in range(count)
        ]
    )
    quants = env["stock.quant"].with_context(inventory_mode=True)
    for index, product in enumerate(products):
        quants.create(
            {
                "product_id": product.id,
                "location_id": warehouse.lot_stock_id.id,
                "inventory_quantity": 1 + index % 9,
                "accounting_date": fields.Date.today() - timedelta(days=1),
            }
        )._apply_inventory()
    return env["account.move"].search([("stock_move_id.product_id", "in", products.ids)])


def run_scenario(env, mode, count, port):
    from odoo.addons.ongoing_fortnox_sync.simulators.base import SimulatorServer
    from odoo.addons.ongoing_fortnox_sync.simulators.fortnox import FortnoxSimulator
    from odoo.addons.ongoing_fortnox_sync.tests.job_runner import run_jobs

    simulator = FortnoxSimulator(CLIENT_ID, CLIENT_SECRET)
    with SimulatorServer(simulator, port=port) as server:
        backend = connect_backend(env, server.url, simulator, mode)
        env["queue.job"].search([("state", "=", "pending")]).unlink()

        started = time.monotonic()
        entries = make_entries(env, count)
        if mode == "daily":
            env["fortnox.voucher"]._cron_fortnox_send()
        env.flush_all()
        prepared = time.monotonic() - started
        simulator.clear_requests()

        started = time.monotonic()
        run_jobs(env, max_rounds=count + 5)
        elapsed = time.monotonic() - started

        vouchers = env["fortnox.voucher"].search([("backend_id", "=", backend.id)])
        in_fortnox = simulator.state()["vouchers"]
        return {
            "mode": mode,
            "entries": len(entries),
            "prepare": prepared,
            "seconds": elapsed,
            "requests": len(simulator.requests),
            "vouchers": len(vouchers),
            "exported": vouchers.mapped("fortnox_state").count("exported"),
            "in_fortnox": len(in_fortnox),
            "rows": sum(len(voucher["VoucherRows"]) for voucher in in_fortnox),
        }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=200, help="Entries of the daily run.")
    parser.add_argument(
        "--per-entry", type=int, default=40, help="Entries of the per-entry run (0: skip it)."
    )
    parser.add_argument("--port", type=int, default=0, help="Simulator port (0: any free).")
    parser.add_argument("--config", default=None)
    parser.add_argument("--db", default="ongoing_fortnox_bench")
    options = parser.parse_args()
    options.config = options.config or project_setting("ODOO_CONF")

    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    scenarios = [("daily", options.entries)]
    if options.per_entry:
        scenarios.append(("entry", options.per_entry))
    results = []
    with odoo_env(options.config, options.db) as env:
        env.registry.enter_test_mode(env.cr)
        try:
            for mode, count in scenarios:
                savepoint = env.cr.savepoint()
                try:
                    results.append(run_scenario(env, mode, count, options.port))
                finally:
                    env.flush_all()
                    savepoint.close(rollback=True)
                    env.invalidate_all()
        finally:
            env.registry.leave_test_mode()

    print(
        "| mode | entries | preparing s | sending s | requests | requests/voucher "
        "| vouchers exported | in Fortnox | rows |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for result in results:
        print(
            f"| {result['mode']} | {result['entries']} | {result['prepare']:.1f} "
            f"| {result['seconds']:.1f} | {result['requests']} "
            f"| {result['requests'] / max(result['in_fortnox'], 1):.1f} "
            f"| {result['exported']}/{result['vouchers']} | {result['in_fortnox']} "
            f"| {result['rows']} |"
        )


if __name__ == "__main__":
    main()
