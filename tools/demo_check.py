"""Wait for the demo's Odoo server, then test the Ongoing connection through it.

Talks to Odoo over XML-RPC like any integration would; exits non-zero when the
server does not come up or the connection test fails.
"""

import argparse
import json
import sys
import time
import urllib.request
import xmlrpc.client

STARTUP_TIMEOUT = 180


def wait_for_server(url):
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/web/health", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    sys.exit(f"demo: Odoo did not answer at {url} within {STARTUP_TIMEOUT} s; see its log.")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--odoo-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--setup", required=True)
    args = parser.parse_args()
    with open(args.setup, encoding="utf-8") as setup_file:
        setup = json.load(setup_file)

    wait_for_server(args.odoo_url)
    common = xmlrpc.client.ServerProxy(f"{args.odoo_url}/xmlrpc/2/common")
    uid = common.authenticate(args.db, setup["login"], setup["password"], {})
    if not uid:
        sys.exit(f"demo: cannot log in to {args.db} as {setup['login']}.")
    models = xmlrpc.client.ServerProxy(f"{args.odoo_url}/xmlrpc/2/object", allow_none=True)

    def call(model, method, *arguments):
        return models.execute_kw(args.db, uid, setup["password"], model, method, list(arguments))

    call("ongoing.backend", "action_test_connection", [setup["backend_id"]])
    backend = call(
        "ongoing.backend", "read", [setup["backend_id"]], ["connection_state", "connection_message"]
    )[0]
    print(f"demo: Ongoing connection test: {backend['connection_message']}")
    if backend["connection_state"] != "ok":
        sys.exit(1)


if __name__ == "__main__":
    main()
