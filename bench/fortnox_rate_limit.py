"""Measure the Fortnox client's request pace against the simulator's sliding window.

Each scenario starts a fresh simulator (25 requests per window, real clock)
and sends the same number of GET requests through one shared limiter from one
or more threads. It prints the elapsed time, the achieved rate, how many 429s
the simulator sent and how many requests still failed after the client's
retries. Real time passes: the default run takes about two minutes.

Run from the repository root::

    python bench/fortnox_rate_limit.py --port 18201 --requests 120
"""

import argparse
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clients.errors import RetryLaterError
from clients.fortnox import FortnoxClient, SlidingWindowLimiter
from simulators.base import SimulatorServer
from simulators.fortnox import FortnoxSimulator


def run_scenario(port, total, threads, max_requests, window):
    simulator = FortnoxSimulator(rate_limit=25, rate_window=window)
    limiter = SlidingWindowLimiter(max_requests, window) if max_requests else None
    failures = []
    with SimulatorServer(simulator, port=port) as server:
        token = simulator.create_connection(["currency"])["access_token"]
        share = [
            total // threads + (1 if index < total % threads else 0) for index in range(threads)
        ]

        def work(count):
            client = FortnoxClient(f"{server.url}/3", token, limiter=limiter)
            for _ in range(count):
                try:
                    client.get_currency("EUR")
                except RetryLaterError as error:
                    failures.append(error)

        workers = [threading.Thread(target=work, args=(count,)) for count in share]
        started = time.monotonic()
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        elapsed = time.monotonic() - started
    rejected = sum(1 for logged in simulator.requests if logged.status == 429)
    return elapsed, rejected, len(failures)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="First loopback port (0: any free).")
    parser.add_argument("--requests", type=int, default=120, help="Requests per scenario.")
    parser.add_argument(
        "--window", type=float, default=5.0, help="Window length in seconds (Fortnox: 5)."
    )
    options = parser.parse_args()

    scenarios = [
        ("no limiter", 0, 1),
        ("25 per window", 25, 1),
        ("20 per window", 20, 1),
        ("25 per window", 25, 4),
        ("20 per window", 20, 4),
    ]
    print(f"{options.requests} requests per scenario, simulator limit 25 per {options.window:g} s")
    print(f"{'limiter':<15} {'threads':>7} {'seconds':>8} {'req/s':>6} {'429s':>5} {'failed':>6}")
    for index, (label, max_requests, threads) in enumerate(scenarios):
        port = options.port + index if options.port else 0
        elapsed, rejected, failed = run_scenario(
            port, options.requests, threads, max_requests, options.window
        )
        print(
            f"{label:<15} {threads:>7} {elapsed:>8.1f} {options.requests / elapsed:>6.2f} "
            f"{rejected:>5} {failed:>6}"
        )


if __name__ == "__main__":
    main()
