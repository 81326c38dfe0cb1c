"""Benchmark: 5,000 Ongoing webhooks sent over HTTP to a real Odoo server.

Creates the database ``ongoing_fortnox_bench_http`` (a Swedish company with the
addon and an Ongoing backend pointed at a simulator), starts Odoo with 2
workers and the queue_job runner paused, and sends the webhooks from
concurrent client processes. It prints accepted events per second and
the p50/p99 latency, checks that every event is stored once (a tenth of them is
sent twice), then resumes the job runner and prints how long it takes until
every event is handled. A second batch of as many new events is then sent with
the runner on, so the same figures show ingestion while jobs run.

    tools/python bench/webhook_load.py [--events 5000] [--concurrency 8]
"""

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import psycopg2
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, project_setting

sys.path.insert(0, str(ROOT))

from simulators.base import SimulatorServer
from simulators.ongoing import OngoingSimulator

DB = "ongoing_fortnox_bench_http"
DUPLICATE_EVERY = 10


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_database(config, python, simulator_url):
    """Create the bench database with a backend on the simulator; return (backend id, token)."""
    subprocess.run([python, str(ROOT / "tools" / "create_db.py"), config, DB], check=True)
    script = f"""
import odoo
odoo.tools.config.parse_config(["-c", {config!r}, "--log-level=warn"])
registry = odoo.modules.registry.Registry({DB!r})
with registry.cursor() as cr:
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {{}})
    env.ref("product.product_category_all").write(
        {{"property_valuation": "real_time", "property_cost_method": "average"}}
    )
    warehouse = env["stock.warehouse"].search([], limit=1)
    backend = env["ongoing.backend"].create({{
        "name": "Bench", "warehouse_id": warehouse.id, "base_url": {simulator_url!r},
        "goods_owner_id": 159, "api_user": "bench", "api_password": "bench-password",
    }})
    env.ref("queue_job.channel_root").write({{"capacity": 4, "paused": True}})
    print(backend.id, backend.webhook_token)
"""
    output = subprocess.run(
        [python, "-c", script], check=True, capture_output=True, text=True
    ).stdout
    backend_id, token = output.strip().splitlines()[-1].split()
    return int(backend_id), token


def _send_slice(port, path, token, bodies, results):
    """Send the bodies one after another on one process; put (latencies, statuses) on results."""
    headers = {"Content-Type": "application/json", "X-Auth-Token": token}
    latencies, statuses = [], []
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for body in bodies:
        started = time.perf_counter()
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close" or response.will_close:
                connection.close()
        except (OSError, http.client.HTTPException):
            connection.close()
            status = 0
        latencies.append(time.perf_counter() - started)
        statuses.append(status)
    results.put((latencies, statuses))


def send_all(url, token, events, concurrency):
    """Send the events from ``concurrency`` processes; return (latencies, statuses, seconds).

    Separate processes with http.client keep the load generator's own CPU use
    small, because it shares the machine with Odoo and PostgreSQL.
    """
    parsed = urlsplit(url)
    bodies = [json.dumps(event).encode() for event in events]
    slices = [bodies[index::concurrency] for index in range(concurrency)]
    results = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(
            target=_send_slice, args=(parsed.port, parsed.path, token, part, results)
        )
        for part in slices
    ]
    started = time.perf_counter()
    for process in processes:
        process.start()
    latencies, statuses = [], []
    for _process in processes:
        part_latencies, part_statuses = results.get()
        latencies += part_latencies
        statuses += part_statuses
    seconds = time.perf_counter() - started
    for process in processes:
        process.join()
    return latencies, statuses, seconds


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def start_odoo(python, config, log, db=DB):
    """Start Odoo on ``db`` with 2 workers and the job runner; return (process, base URL)."""
    odoo_src = (Path(project_setting("BUILD")) / "odoo-src-path").read_text().strip()
    port = free_port()
    process = subprocess.Popen(
        [
            python,
            f"{odoo_src}/odoo-bin",
            "-c",
            config,
            # -d without --db-filter: Odoo then serves that database without listing
            # the server's databases (a new PostgreSQL connection) on every request.
            "-d",
            db,
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(port),
            # The websocket server is not measured; a free port keeps it clear of a demo.
            "--gevent-port",
            str(free_port()),
            "--workers",
            "2",
            "--max-cron-threads",
            "0",
            "--load",
            "base,web,queue_job",
            "--logfile",
            str(log),
        ],
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/web/health", timeout=2).status_code == 200:
                return process, base
        except requests.RequestException:
            pass
        time.sleep(0.5)
    os.killpg(process.pid, signal.SIGTERM)
    sys.exit(f"bench: Odoo did not start; see {log}")


def make_events(count, prefix, first=0):
    """Return ``count`` order-status events with ids ``<prefix>-<number>``."""
    return [
        {
            "webhookEventId": f"{prefix}-{number}",
            "timestamp": "2026-12-04T10:00:00.000Z",
            "goodsOwnerId": 159,
            "orderId": 900000 + number,
            "orderNumber": f"BENCH/{number:05d}",
            "orderStatus": {"number": 400},
        }
        for number in range(first, first + count)
    ]


def with_repeats(unique):
    """Return the events with every tenth one sent a second time, as Ongoing's retries do."""
    return unique + unique[::DUPLICATE_EVERY]


def report_ingestion(cr, prefix, unique, events, *, latencies, statuses, seconds):
    cr.execute(
        "SELECT count(*), count(DISTINCT event_id) FROM ongoing_webhook_event"
        " WHERE event_id LIKE %s",
        (f"{prefix}-%",),
    )
    stored, distinct = cr.fetchone()
    repeated = len(events) - len(unique)
    print(f"requests sent            {len(events)} ({len(unique)} events, {repeated} repeated)")
    print(f"HTTP 200                 {statuses.count(200)}")
    print(f"accepted per second      {len(events) / seconds:.0f}")
    print(f"latency p50              {statistics.median(latencies) * 1000:.1f} ms")
    print(f"latency p99              {percentile(latencies, 0.99) * 1000:.1f} ms")
    print(f"events stored            {stored} ({distinct} distinct, lost {len(unique) - distinct})")


def resume_runner(cr):
    cr.execute("UPDATE queue_job_channel SET paused = false")
    cr.execute("SELECT pg_notify('queue_job', 'reload')")


def wait_processed(cr, unique_count, started, timeout=1800):
    """Wait until no event is queued; print the time since ``started`` (monotonic)."""
    while time.monotonic() - started < timeout:
        cr.execute("SELECT count(*) FROM ongoing_webhook_event WHERE state = 'queued'")
        if not cr.fetchone()[0]:
            break
        time.sleep(1)
    seconds = time.monotonic() - started
    cr.execute("SELECT state, count(*) FROM ongoing_webhook_event GROUP BY state")
    states = dict(cr.fetchall())
    rate = unique_count / seconds
    print(f"processed by the runner  {seconds:.1f} s ({rate:.0f} events/s), event states {states}")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--config", default=None)
    parser.add_argument("--venv", default=None)
    args = parser.parse_args()
    args.config = args.config or project_setting("ODOO_CONF")
    args.venv = args.venv or project_setting("VENV")
    python = str(Path(args.venv) / "bin" / "python")

    simulator = OngoingSimulator("bench", "bench-password", (159,))
    sim_server = SimulatorServer(simulator).start()
    backend_id, token = prepare_database(args.config, python, simulator.api_url(sim_server.url))
    odoo, base = start_odoo(
        python, args.config, Path(project_setting("BUILD")) / "bench-webhook-odoo.log"
    )
    try:
        url = f"{base}/ongoing/webhook/{backend_id}"
        connection = psycopg2.connect(
            dbname=DB, host=os.environ.get("PGHOST", "127.0.0.1"), user="odoo"
        )
        connection.autocommit = True
        with connection.cursor() as cr:
            print("-- job runner paused")
            unique = make_events(args.events, "paused")
            events = with_repeats(unique)
            latencies, statuses, seconds = send_all(url, token, events, args.concurrency)
            report_ingestion(
                cr,
                "paused",
                unique,
                events,
                latencies=latencies,
                statuses=statuses,
                seconds=seconds,
            )
            cr.execute("SELECT count(*) FROM queue_job WHERE state = 'pending'")
            print(f"jobs queued              {cr.fetchone()[0]}")
            started = time.monotonic()
            resume_runner(cr)
            wait_processed(cr, len(unique), started)

            print("-- job runner on, handling the events while they arrive")
            unique = make_events(args.events, "running", first=args.events)
            events = with_repeats(unique)
            started = time.monotonic()
            latencies, statuses, seconds = send_all(url, token, events, args.concurrency)
            report_ingestion(
                cr,
                "running",
                unique,
                events,
                latencies=latencies,
                statuses=statuses,
                seconds=seconds,
            )
            wait_processed(cr, len(unique), started)
        connection.close()
    finally:
        os.killpg(odoo.pid, signal.SIGTERM)
        odoo.wait(timeout=60)
        sim_server.stop()


if __name__ == "__main__":
    main()
