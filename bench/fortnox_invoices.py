"""Export invoices from Odoo to the Fortnox simulator through the real job path; print the pace.

For each request limit given, the script starts a fresh Fortnox simulator
(25 requests per 5-second sliding window per client, as Fortnox, on the real
clock) and connects the company's Fortnox connection to it. It creates and
posts the invoices for the customers, and posting queues one export job per
invoice. The queued jobs then run one after another in this process, as the
job runner runs them in the connection's channel of capacity 1. The script
prints the requests and invoices per second, the accepted requests per second
as a share of Fortnox's ceiling of 5 a second, the 429s and the failed exports.

Runs on the database ``ongoing_fortnox_bench`` (created on first use) in a
transaction that is rolled back. The registry runs in test mode for that,
which turns the limiter's and the token refresh's own transactions into
savepoints of that transaction instead of connections of their own.

    tools/python bench/fortnox_invoices.py [--invoices 500] [--customers 50] \\
        [--limit 20 --limit 23]
"""

import argparse
import logging
import os
import platform
import sys
import time
from datetime import timedelta
from pathlib import Path

from odoo import Command, fields

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import odoo_env, project_setting

CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-client-secret"
FORTNOX_CEILING_PER_SECOND = 5.0

#: (name, country, VAT number, organisation number base) of the customer kinds, in turn.
CUSTOMER_KINDS = [
    ("Handelsbolaget Åkesson", "base.se", None, "556"),
    ("Örebro Möbler AB", "base.se", None, "559"),
    ("Privatkund Ängel", "base.se", None, None),
    ("Müller Küchen GmbH", "base.de", "DE123456788", None),
    ("Acme Imports Inc.", "base.us", None, None),
]


def luhn_check_digit(digits):
    total = 0
    for index, character in enumerate(digits):
        value = int(character) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def organisation_number(prefix, serial):
    head = f"{prefix}{serial:06d}"[:9]
    return f"{head[:6]}-{head[6:]}{luhn_check_digit(head)}"


def make_customers(env, count):
    partners = env["res.partner"]
    for index in range(count):
        name, country, vat, prefix = CUSTOMER_KINDS[index % len(CUSTOMER_KINDS)]
        values = {
            "name": f"{name} {index + 1}",
            "country_id": env.ref(country).id,
            "street": f"Storgatan {index + 1}",
            "zip": "411 38",
            "city": "Göteborg",
            "email": f"kund{index + 1}@example.com",
        }
        if prefix:
            values.update(is_company=True, company_registry=organisation_number(prefix, index))
        if vat:
            values.update(is_company=True, vat=vat)
        partners |= env["res.partner"].create(values)
    return partners


def make_products(env, company):
    chart = env["account.chart.template"].with_company(company)
    taxes = [chart.ref("sale_tax_25_goods"), chart.ref("sale_tax_12_goods")]
    return env["product.product"].create(
        [
            {
                "name": name,
                "default_code": code,
                "type": "consu",
                "list_price": price,
                "taxes_id": [Command.set(taxes[index % 2].ids)],
            }
            for index, (name, code, price) in enumerate(
                [
                    ("Linnehandduk", "BENCH-TOWEL", 249.0),
                    ("Kaffe mörkrost", "BENCH-COFFEE", 89.9),
                    ("Påslakan", "BENCH-DUVET", 499.0),
                    ("Te grönt", "BENCH-TEA", 59.5),
                    ("Örngott", "BENCH-PILLOW", 149.0),
                ]
            )
        ]
    )


def make_invoices(env, company, partners, products, count):
    eur = env.ref("base.EUR")
    eur.active = True
    env["res.currency.rate"].create(
        {
            "currency_id": eur.id,
            "company_id": company.id,
            "name": fields.Date.today() - timedelta(days=1),
            "inverse_company_rate": 11.5,
        }
    )
    moves = env["account.move"]
    for index in range(count):
        partner = partners[index % len(partners)]
        first, second = products[index % len(products)], products[(index + 1) % len(products)]
        moves |= env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": fields.Date.today(),
                "currency_id": (eur if partner.country_id.code == "DE" else company.currency_id).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": first.id,
                            "quantity": 1 + index % 4,
                            "discount": index % 3 * 5,
                        }
                    ),
                    Command.create({"product_id": second.id, "quantity": 2}),
                ],
            }
        )
    moves.action_post()
    return moves


def run_scenario(env, limit, invoice_count, customer_count, port):
    from odoo.addons.ongoing_fortnox_sync.simulators.base import SimulatorServer
    from odoo.addons.ongoing_fortnox_sync.simulators.fortnox import FortnoxSimulator
    from odoo.addons.ongoing_fortnox_sync.tests.job_runner import run_jobs

    company = env.company
    simulator = FortnoxSimulator(CLIENT_ID, CLIENT_SECRET)
    with SimulatorServer(simulator, port=port) as server:
        backend = env["fortnox.backend"]._fortnox_backend_for(company)
        values = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "api_url": f"{server.url}/3",
            "auth_url": f"{server.url}/oauth-v1/auth",
            "token_url": f"{server.url}/oauth-v1/token",
            "rate_limit_requests": limit,
            "export_start_date": fields.Date.today() - timedelta(days=1),
        }
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
        env["queue.job"].search([("state", "=", "pending")]).unlink()

        prepared = time.monotonic()
        partners = make_customers(env, customer_count)
        products = make_products(env, company)
        moves = make_invoices(env, company, partners, products, invoice_count)
        env.flush_all()
        print(
            f"  {invoice_count} invoices created and posted in {time.monotonic() - prepared:.0f} s;"
            " exporting"
        )
        simulator.clear_requests()

        started = time.monotonic()
        jobs = len(run_jobs(env))
        elapsed = time.monotonic() - started

        moves.invalidate_recordset()
        requests = list(simulator.requests)
        rejected = sum(1 for logged in requests if logged.status == 429)
        states = moves.mapped("fortnox_state")
        return {
            "limit": limit,
            "jobs": jobs,
            "seconds": elapsed,
            "requests": len(requests),
            "accepted": len(requests) - rejected,
            "rejected": rejected,
            "exported": states.count("exported"),
            "failed": len(states) - states.count("exported"),
            "fortnox_invoices": len(simulator.state()["invoices"]),
        }


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=500)
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument(
        "--limit",
        type=int,
        action="append",
        help="Requests per 5 seconds set on the connection (repeatable; default 23).",
    )
    parser.add_argument("--port", type=int, default=0, help="Simulator port (0: any free).")
    parser.add_argument("--config", default=None)
    parser.add_argument("--db", default="ongoing_fortnox_bench")
    options = parser.parse_args()
    options.config = options.config or project_setting("ODOO_CONF")
    limits = options.limit or [23]

    print(
        f"Machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(
        f"{options.invoices} invoices for {options.customers} customers, simulator limit 25 per "
        f"5 s, one job at a time"
    )
    results = []
    with odoo_env(options.config, options.db) as env:
        # The simulator logs each rejection; the figures below count them.
        logging.getLogger("odoo.addons.ongoing_fortnox_sync.simulators").setLevel(logging.WARNING)
        env.registry.enter_test_mode(env.cr)
        try:
            env.company.tax_calculation_rounding_method = "round_globally"
            for limit in limits:
                print(f"Limit {limit} per 5 s:")
                # Each scenario starts from the same data: its savepoint is rolled back.
                savepoint = env.cr.savepoint()
                try:
                    results.append(
                        run_scenario(env, limit, options.invoices, options.customers, options.port)
                    )
                finally:
                    env.flush_all()
                    savepoint.close(rollback=True)
                    env.invalidate_all()
        finally:
            env.registry.leave_test_mode()

    print_results(results)


def print_results(results):
    print()
    print(
        f"{'limit':>5} {'seconds':>8} {'requests':>8} {'req/s':>6} {'accepted/s':>10} "
        f"{'of 5/s':>6} {'invoices/s':>10} {'429s':>5} {'failed':>6} {'in Fortnox':>10}"
    )
    for result in results:
        seconds = result["seconds"]
        accepted_rate = result["accepted"] / seconds
        print(
            f"{result['limit']:>5} {seconds:>8.1f} {result['requests']:>8} "
            f"{result['requests'] / seconds:>6.2f} {accepted_rate:>10.2f} "
            f"{accepted_rate / FORTNOX_CEILING_PER_SECOND:>6.2f} "
            f"{result['exported'] / seconds:>10.2f} {result['rejected']:>5} "
            f"{result['failed']:>6} {result['fortnox_invoices']:>10}"
        )


if __name__ == "__main__":
    main()
