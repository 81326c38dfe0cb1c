"""Benchmark: first export of N articles to the Ongoing simulator through the job path.

Creates N storable products, queues their export with the backend's "Send All
Articles" action (batches of --batch articles per job), then performs every
queued job in this process as the job runner would, against the Ongoing
simulator over HTTP on 127.0.0.1. Prints articles per second, the time spent in
HTTP calls and the simulator's own time to handle them.

The addon's own time per article, job overhead included, is the total minus the
time inside HTTP calls. An upper bound subtracts only the simulator's time to
build its responses, so it also charges the addon with the HTTP client, the
socket and the simulator's HTTP server, which runs in this process. The jobs
run in one transaction, without the commit that the job runner makes after
each job.

    tools/python bench/article_export.py [--count 5000] [--batch 100]

Runs on the database ``ongoing_fortnox_bench`` (created on first use) in a
transaction that is rolled back.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Stopwatch, odoo_env, peak_memory_mb, project_setting

TARGET_MS_PER_ARTICLE = 5.0


def report(args, jobs, *, synced, in_simulator, total, http, simulator_seconds):
    own_ms = (total - http.seconds) / args.count * 1000
    bound_ms = (total - simulator_seconds) / args.count * 1000
    print(f"articles                 {args.count}")
    print(f"jobs                     {len(jobs)} ({args.batch} articles each)")
    print(f"synced in Odoo           {len(synced)}")
    print(f"articles in simulator    {in_simulator}")
    print(f"total time               {total:.2f} s")
    print(f"articles per second      {args.count / total:.0f}")
    print(f"HTTP time (client)       {http.seconds:.2f} s over {http.calls} requests")
    print(f"simulator's own time     {simulator_seconds:.2f} s")
    print(f"addon time per article   {own_ms:.2f} ms (target < {TARGET_MS_PER_ARTICLE} ms)")
    print(f"  with the HTTP client   {bound_ms:.2f} ms (upper bound)")
    print(f"peak memory              {peak_memory_mb():.0f} MB")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--config", default=None)
    parser.add_argument("--db", default="ongoing_fortnox_bench")
    args = parser.parse_args()
    args.config = args.config or project_setting("ODOO_CONF")

    with odoo_env(args.config, args.db) as env:
        from odoo.addons.ongoing_fortnox_sync.clients.http import JsonHttpTransport
        from odoo.addons.ongoing_fortnox_sync.simulators.base import SimulatorServer
        from odoo.addons.ongoing_fortnox_sync.simulators.ongoing import OngoingSimulator
        from odoo.addons.ongoing_fortnox_sync.tests.job_runner import run_jobs

        simulator = OngoingSimulator("bench", "bench-password", (159,))
        server = SimulatorServer(simulator).start()
        try:
            company = env.company
            env.ref("product.product_category_all").with_company(company).write(
                {"property_valuation": "real_time", "property_cost_method": "average"}
            )
            warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
            env["ongoing.backend"].search([("warehouse_id", "=", warehouse.id)]).active = False
            backend = env["ongoing.backend"].create(
                {
                    "name": "Bench",
                    "warehouse_id": warehouse.id,
                    "base_url": simulator.api_url(server.url),
                    "goods_owner_id": 159,
                    "api_user": "bench",
                    "api_password": "bench-password",
                }
            )
            env["product.product"].with_context(ongoing_no_article_sync=True).create(
                [
                    {
                        "name": f"Bänkartikel {number:05d}, frottéhandduk",
                        "default_code": f"BENCH-{number:05d}",
                        "barcode": f"735{number:010d}",
                        "is_storable": True,
                        "weight": 0.35,
                    }
                    for number in range(args.count)
                ]
            )
            env.flush_all()

            http = Stopwatch()
            restore = http.wrap(JsonHttpTransport, "request")
            started = time.perf_counter()
            bindings = env["ongoing.article"]._ongoing_export_all(backend, batch_size=args.batch)
            jobs = run_jobs(env)
            env.flush_all()
            total = time.perf_counter() - started
            restore()
        finally:
            server.stop()

        synced = bindings.filtered(lambda binding: binding.sync_state == "synced")
        in_simulator = len(simulator.state()["159"]["articles"])
        simulator_seconds = sum(logged.seconds or 0.0 for logged in simulator.requests)
        report(
            args,
            jobs,
            synced=synced,
            in_simulator=in_simulator,
            total=total,
            http=http,
            simulator_seconds=simulator_seconds,
        )
        if len(synced) != args.count or in_simulator != args.count:
            sys.exit("bench: not every article was exported")


if __name__ == "__main__":
    main()
