"""Connect a Fortnox connection in Odoo without a browser, as a user pressing the button would.

It logs in to Odoo, opens the connection's start route, follows the redirect
to the authorization page (the Fortnox simulator approves at once) and
brings the code back to Odoo's callback, keeping Odoo's session cookie
throughout. Against the real Fortnox a person must approve in the browser,
so this is for the demo and the tests.

Run with the virtualenv's Python::

    python tools/fortnox_connect.py --odoo-url http://127.0.0.1:8069 --db DBNAME \\
        --setup "$BUILD/demo/setup.json"
"""

import argparse
import html
import json
import re
import sys

import requests

TIMEOUT = 30
RESULT_MESSAGE = re.compile(r'<p id="fortnox-result-message">(.*?)</p>', re.DOTALL)


class ConnectError(Exception):
    """The connection could not be completed; the message names the step that failed."""


def connect(odoo_url, database, login, password, backend_id, *, session=None):
    """Run Odoo's Fortnox connection flow for ``backend_id``; return Odoo's result message."""
    session = session or requests.Session()
    odoo_url = odoo_url.rstrip("/")

    login_response = session.post(
        f"{odoo_url}/web/session/authenticate",
        json={"jsonrpc": "2.0", "params": {"db": database, "login": login, "password": password}},
        timeout=TIMEOUT,
    )
    login_response.raise_for_status()
    if not (login_response.json().get("result") or {}).get("uid"):
        raise ConnectError(f"Odoo rejected the login {login!r} on the database {database!r}.")

    start = session.get(
        f"{odoo_url}/fortnox/oauth/start/{backend_id}", allow_redirects=False, timeout=TIMEOUT
    )
    if start.status_code != 303:
        raise ConnectError(f"Odoo did not start the connection: {_result_message(start)}")

    authorization = session.get(start.headers["Location"], allow_redirects=False, timeout=TIMEOUT)
    if authorization.status_code != 302:
        raise ConnectError(
            f"The authorization server returned HTTP {authorization.status_code} instead of "
            f"redirecting back to Odoo: {authorization.text[:300]}"
        )

    callback = session.get(authorization.headers["Location"], timeout=TIMEOUT)
    message = _result_message(callback)
    if callback.status_code != 200:
        raise ConnectError(f"Odoo did not complete the connection: {message}")
    return message


def _result_message(response):
    match = RESULT_MESSAGE.search(response.text)
    text = match.group(1) if match else response.text[:300]
    return html.unescape(text).strip() or f"HTTP {response.status_code}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--odoo-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument(
        "--setup",
        required=True,
        help="JSON file written by demo_setup.py (login, password, fortnox_backend_id).",
    )
    args = parser.parse_args()
    with open(args.setup, encoding="utf-8") as setup_file:
        setup = json.load(setup_file)

    try:
        message = connect(
            args.odoo_url, args.db, setup["login"], setup["password"], setup["fortnox_backend_id"]
        )
    except (ConnectError, requests.RequestException) as error:
        sys.exit(f"demo: Fortnox connection failed: {error}")
    print(f"demo: Fortnox: {message}")


if __name__ == "__main__":
    main()
