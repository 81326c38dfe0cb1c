"""Fortnox simulator: OAuth2, the REST API under ``/3/`` and an operator API.

It simulates one company reached by the authorization-code flow
(``/oauth-v1/auth``, ``/oauth-v1/token``) and Bearer tokens. The API keeps
Fortnox's field names, error shape and rules: invoice totals to the öre,
vouchers that must balance in an open financial year on active accounts,
customers, articles, suppliers, supplier invoices and currencies. Requests are
limited to 25 per 5-second sliding window per client id and company, as
Fortnox does. Past that limit the response is 429 with ``Retry-After``.

``/_sim/`` is the operator API (state dump, accounts, financial years,
connections, clock, faults, reset); each action also exists as a method.

Run it alone from the repository root::

    python -m simulators.fortnox --port 18200
"""

import argparse
import copy
import logging
import math
import os
import time
from collections import deque
from datetime import date, datetime
from urllib.parse import urlencode

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect

from .base import LOOPBACK_HOSTS, HttpError, SimulatorApp, SimulatorServer, wait_for_stop_signal
from .fortnox_errors import (
    ACCOUNT_NOT_FOUND,
    INCORRECT_DATA,
    INVALID_JSON,
    INVALID_LOGIN,
    INVALID_PARAMETER,
    MISSING_CREDENTIALS,
    NO_ACCESS_TO_SCOPE,
    NOT_ALLOWED,
    NOT_FOUND,
    RATE_LIMITED,
    FortnoxApiError,
)
from .fortnox_invoices import Invoices, SupplierInvoices
from .fortnox_ledger import Ledger
from .fortnox_oauth import OAuthError, OAuthServer
from .fortnox_registers import Articles, Currencies, Customers, Suppliers
from .fortnox_values import to_date

try:
    from zoneinfo import ZoneInfo

    STOCKHOLM = ZoneInfo("Europe/Stockholm")
except (ImportError, KeyError, ValueError):  # the tz database is missing on some minimal systems
    STOCKHOLM = None

_logger = logging.getLogger(__name__)

DEFAULT_CLIENT_ID = "fortnox-sim-client"
# The simulator's own default, not a real credential.
DEFAULT_CLIENT_SECRET = "fortnox-sim-secret"  # noqa: S105
DEFAULT_COMPANY_ID = "fortnox-sim-company"
RATE_LIMIT_REQUESTS = 25
RATE_LIMIT_WINDOW = 5.0
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 500

#: Scope each API resource needs; booking an invoice also needs ``bookkeeping``.
RESOURCE_SCOPES = {
    "accounts": "bookkeeping",
    "articles": "article",
    "currencies": "currency",
    "customers": "customer",
    "financialyears": "bookkeeping",
    "invoices": "invoice",
    "settings": "settings",
    "supplierinvoices": "supplierinvoice",
    "suppliers": "supplier",
    "voucherseries": "bookkeeping",
    "vouchers": "bookkeeping",
}

# NOTE: Fortnox spells the error keys "Code"/"Message" on some endpoints and
# "code"/"message" on others; which ones is not documented. The simulator
# capitalises them on these resources so that clients meet both spellings.
CAPITALISED_ERROR_RESOURCES = frozenset({"vouchers", "financialyears"})


def _rule(path, endpoint, methods):
    return Rule(path, endpoint=endpoint, methods=methods)


URL_MAP = Map(
    [
        _rule("/oauth-v1/auth", "oauth_authorize", ["GET"]),
        _rule("/oauth-v1/token", "oauth_token", ["POST"]),
        # Customers, articles, suppliers
        _rule("/3/customers", "api_list_customers", ["GET"]),
        _rule("/3/customers", "api_create_customer", ["POST"]),
        _rule("/3/customers/<path:number>", "api_get_customer", ["GET"]),
        _rule("/3/customers/<path:number>", "api_update_customer", ["PUT"]),
        _rule("/3/articles", "api_list_articles", ["GET"]),
        _rule("/3/articles", "api_create_article", ["POST"]),
        _rule("/3/articles/<path:number>", "api_get_article", ["GET"]),
        _rule("/3/articles/<path:number>", "api_update_article", ["PUT"]),
        _rule("/3/suppliers", "api_list_suppliers", ["GET"]),
        _rule("/3/suppliers", "api_create_supplier", ["POST"]),
        _rule("/3/suppliers/<path:number>", "api_get_supplier", ["GET"]),
        _rule("/3/suppliers/<path:number>", "api_update_supplier", ["PUT"]),
        # Invoices
        _rule("/3/invoices", "api_list_invoices", ["GET"]),
        _rule("/3/invoices", "api_create_invoice", ["POST"]),
        _rule("/3/invoices/<number>", "api_get_invoice", ["GET"]),
        _rule("/3/invoices/<number>", "api_update_invoice", ["PUT"]),
        _rule("/3/invoices/<number>/<action>", "api_invoice_action", ["PUT"]),
        _rule("/3/supplierinvoices", "api_list_supplier_invoices", ["GET"]),
        _rule("/3/supplierinvoices", "api_create_supplier_invoice", ["POST"]),
        _rule("/3/supplierinvoices/<number>", "api_get_supplier_invoice", ["GET"]),
        _rule("/3/supplierinvoices/<number>/<action>", "api_supplier_invoice_action", ["PUT"]),
        # Bookkeeping
        _rule("/3/vouchers", "api_list_vouchers", ["GET"]),
        _rule("/3/vouchers", "api_create_voucher", ["POST"]),
        _rule("/3/vouchers/sublist/<series>", "api_list_vouchers", ["GET"]),
        _rule("/3/vouchers/<series>/<int:number>", "api_get_voucher", ["GET"]),
        _rule("/3/vouchers/<series>/<int:number>", "api_change_voucher", ["PUT", "DELETE"]),
        _rule("/3/voucherseries", "api_list_voucher_series", ["GET"]),
        _rule("/3/financialyears", "api_list_financial_years", ["GET"]),
        _rule("/3/financialyears/<int:year_id>", "api_get_financial_year", ["GET"]),
        _rule("/3/accounts", "api_list_accounts", ["GET"]),
        _rule("/3/accounts/<int:number>", "api_get_account", ["GET"]),
        _rule("/3/settings/lockedperiod", "api_get_locked_period", ["GET"]),
        _rule("/3/currencies", "api_list_currencies", ["GET"]),
        _rule("/3/currencies/<code>", "api_get_currency", ["GET"]),
        # Operator API
        _rule("/_sim/state", "sim_state", ["GET"]),
        _rule("/_sim/reset", "sim_reset", ["POST"]),
        _rule("/_sim/accounts", "sim_add_account", ["POST"]),
        _rule("/_sim/accounts/<int:number>/<action>", "sim_account_action", ["POST"]),
        _rule("/_sim/financialyears", "sim_add_financial_year", ["POST"]),
        _rule("/_sim/financialyears/<int:year_id>/lock", "sim_lock_financial_year", ["POST"]),
        _rule("/_sim/lockedperiod", "sim_lock_period", ["POST"]),
        _rule("/_sim/connections", "sim_connections", ["GET", "POST"]),
        _rule("/_sim/connections/revoke", "sim_revoke_connection", ["POST"]),
        _rule("/_sim/connections/<int:connection_id>/revoke", "sim_revoke_connection", ["POST"]),
        _rule("/_sim/clock", "sim_clock", ["POST"]),
        _rule("/_sim/authorization", "sim_authorization", ["POST"]),
        _rule("/_sim/ratelimit", "sim_rate_limit", ["POST"]),
        _rule("/_sim/faults", "sim_faults", ["POST", "DELETE"]),
        _rule("/_sim/currencies", "sim_set_currency", ["POST"]),
    ],
    strict_slashes=False,
)


class FortnoxSimulator(SimulatorApp):
    name = "fortnox-sim"

    def __init__(
        self,
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
        *,
        redirect_uris=None,
        clock=time.time,
        access_token_lifetime=3600,
        rate_limit=RATE_LIMIT_REQUESTS,
        rate_window=RATE_LIMIT_WINDOW,
        company_id=DEFAULT_COMPANY_ID,
        honour_reference_filters=True,
        round_to_krona=False,
    ):
        super().__init__()
        self._clock = clock
        self.clock_offset = 0.0
        self.company_id = company_id
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        #: Whether list filters on ExternalInvoiceReference1/2 and OurReference
        #: are applied; Fortnox's support for them is unconfirmed.
        self.honour_reference_filters = honour_reference_filters
        self.round_to_krona = round_to_krona
        self.oauth = OAuthServer(self.now, company_id, access_token_lifetime)
        self.oauth.register_client(client_id, client_secret, redirect_uris)
        self.default_client_id = client_id
        self._windows = {}
        self._reset_company()

    # ------------------------------------------------------------------
    # Clock and company state
    # ------------------------------------------------------------------

    def now(self):
        """Return the simulator's time in epoch seconds (the clock plus the offset)."""
        return self._clock() + self.clock_offset

    def today(self):
        return datetime.fromtimestamp(self.now(), STOCKHOLM).date()

    def _reset_company(self):
        self.ledger = Ledger(self.today())
        self.currencies = Currencies(self.today())
        self.customers = Customers(self)
        self.articles = Articles(self)
        self.suppliers = Suppliers(self)
        self.invoices = Invoices(self, round_to_krona=self.round_to_krona)
        self.supplier_invoices = SupplierInvoices(self)
        self._windows.clear()

    # ------------------------------------------------------------------
    # Operator actions (Python side of /_sim/)
    # ------------------------------------------------------------------

    def reset(self, connections=False):
        """Forget every document; with ``connections``, also every OAuth connection."""
        with self.lock:
            self._reset_company()
            if connections:
                self.oauth.connections.clear()
                self.oauth.access_tokens.clear()
                self.oauth.codes.clear()
            self.faults.clear()
            self.requests.clear()

    def create_connection(self, scopes=None, client_id=None):
        """Authorise a connection without a browser; return the token response."""
        scopes = scopes or sorted(set(RESOURCE_SCOPES.values()))
        with self.lock:
            return self.oauth.create_connection(client_id or self.default_client_id, scopes)

    def revoke_connection(self, connection_id=None):
        with self.lock:
            return self.oauth.revoke(connection_id)

    def set_deny_authorization(self, deny=True):
        with self.lock:
            self.oauth.deny_authorization = bool(deny)

    def advance_clock(self, seconds):
        with self.lock:
            self.clock_offset += float(seconds)

    def set_clock_offset(self, seconds):
        with self.lock:
            self.clock_offset = float(seconds)

    def add_account(self, number, description, active=True):
        with self.lock:
            return self.ledger.add_account(number, description, active)

    def deactivate_account(self, number):
        with self.lock:
            return self.ledger.set_account_active(number, False)

    def activate_account(self, number):
        with self.lock:
            return self.ledger.set_account_active(number, True)

    def add_financial_year(self, from_date, to_date):
        with self.lock:
            return self.ledger.add_financial_year(from_date, to_date)

    def lock_financial_year(self, year_id):
        with self.lock:
            return self.ledger.lock_financial_year(year_id)

    def lock_period(self, end_date):
        """Lock bookkeeping up to and including ``end_date`` (Fortnox's locked period)."""
        with self.lock:
            self.ledger.locked_until = (
                date.fromisoformat(end_date) if isinstance(end_date, str) else end_date
            )

    def set_rate_limit(self, max_requests, window_seconds):
        with self.lock:
            self.rate_limit = int(max_requests)
            self.rate_window = float(window_seconds)
            self._windows.clear()

    def state(self):
        """Return a copy of the company's documents for the demo's summary and the tests."""
        with self.lock:
            return copy.deepcopy(
                {
                    "today": self.today().isoformat(),
                    "customers": self.customers.all(),
                    "articles": self.articles.all(),
                    "suppliers": self.suppliers.all(),
                    "invoices": self.invoices.all(),
                    "supplier_invoices": self.supplier_invoices.all(),
                    "vouchers": self.ledger.vouchers,
                    "financial_years": [
                        {**year.to_json(), "Locked": year.locked}
                        for year in self.ledger.financial_years
                    ],
                    "inactive_accounts": sorted(
                        account.number
                        for account in self.ledger.accounts.values()
                        if not account.active
                    ),
                    "locked_until": (
                        self.ledger.locked_until.isoformat() if self.ledger.locked_until else None
                    ),
                    "connections": [
                        connection.summary() for connection in self.oauth.connections.values()
                    ],
                }
            )

    # ------------------------------------------------------------------
    # Dispatch
    # ------------------------------------------------------------------

    def handle(self, request):
        adapter = URL_MAP.bind_to_environ(request.environ)
        resource = self._resource(request.path)
        try:
            endpoint, arguments = adapter.match()
        except NotFound:
            return self._error(
                request,
                FortnoxApiError(f"Resursen {request.path} finns inte", NOT_FOUND, 404),
                resource,
            )
        except MethodNotAllowed:
            return self._error(
                request,
                FortnoxApiError(
                    f"Metoden {request.method} stöds inte för {request.path}", NOT_ALLOWED, 405
                ),
                resource,
            )

        try:
            if endpoint.startswith("api_"):
                connection = self._authenticate(request, resource)
                self._check_rate_limit(connection)
                request.fortnox_connection = connection
            return getattr(self, endpoint)(request, **arguments)
        except FortnoxApiError as error:
            return self._error(request, error, resource)

    def _error(self, request, error, resource):
        _logger.info(
            "%s %s rejected with HTTP %s: %s (code %s)",
            request.method,
            request.path,
            error.status,
            error.message,
            error.code,
        )
        if resource in CAPITALISED_ERROR_RESOURCES:
            error = error.capitalise()
        return self.json_response(error.body, error.status, error.headers)

    @staticmethod
    def _resource(path):
        parts = path.strip("/").split("/")
        return parts[1] if len(parts) > 1 and parts[0] == "3" else None

    def _authenticate(self, request, resource):
        header = request.headers.get("Authorization", "")
        if not header.lower().startswith("bearer ") or not header[7:].strip():
            raise FortnoxApiError(
                "Kan inte logga in, access-token eller client-secret saknas (2).",
                MISSING_CREDENTIALS,
                status=401,
            )
        connection = self.oauth.connection_for_token(header[7:].strip())
        if connection is None:
            raise FortnoxApiError("Ogiltig inloggning", INVALID_LOGIN, status=401)
        needed = {RESOURCE_SCOPES.get(resource, resource)}
        if resource == "invoices" and request.path.rstrip("/").endswith("/bookkeep"):
            needed.add("bookkeeping")
        missing = needed - set(connection.scopes)
        if missing:
            raise FortnoxApiError(
                f"Har inte behörighet för scope ({', '.join(sorted(missing))})",
                NO_ACCESS_TO_SCOPE,
                status=403,
            )
        return connection

    def _check_rate_limit(self, connection):
        key = (connection.client_id, connection.company_id)
        window = self._windows.setdefault(key, deque())
        now = self.now()
        while window and window[0] <= now - self.rate_window:
            window.popleft()
        if len(window) >= self.rate_limit:
            wait = window[0] + self.rate_window - now
            raise FortnoxApiError(
                f"För många anrop: högst {self.rate_limit} per {self.rate_window:g} sekunder",
                RATE_LIMITED,
                status=429,
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )
        window.append(now)

    @staticmethod
    def _read_document(request, wrapper):
        data = request.get_data(cache=True)
        try:
            body = SimulatorApp.read_json(request)
        except HttpError:
            if not data:
                raise FortnoxApiError("Ingen eller felaktig typ av data.", INCORRECT_DATA) from None
            raise FortnoxApiError(
                "Error deserializing JSON: JSON_ERROR_SYNTAX", INVALID_JSON
            ) from None
        if not isinstance(body, dict) or not isinstance(body.get(wrapper), dict):
            raise FortnoxApiError("Ingen eller felaktig typ av data.", INCORRECT_DATA)
        return body[wrapper]

    def _page(self, request, items, key):
        try:
            page = int(request.args.get("page", 1))
            limit = int(request.args.get("limit", DEFAULT_PAGE_SIZE))
        except ValueError:
            raise FortnoxApiError("Ogiltig parameter i anropet.", INVALID_PARAMETER) from None
        if page < 1 or not 1 <= limit <= MAX_PAGE_SIZE:
            raise FortnoxApiError("Ogiltig parameter i anropet.", INVALID_PARAMETER)
        pages = max(1, math.ceil(len(items) / limit))
        chunk = items[(page - 1) * limit : page * limit]
        return self.json_response(
            {
                "MetaInformation": {
                    "@TotalResources": len(items),
                    "@TotalPages": pages,
                    "@CurrentPage": page,
                },
                key: copy.deepcopy(chunk),
            }
        )

    def _document(self, wrapper, document, status=200):
        return self.json_response({wrapper: copy.deepcopy(document)}, status)

    def _year_argument(self, request):
        if request.args.get("financialyear"):
            try:
                return self.ledger.financial_year(int(request.args["financialyear"]))
            except ValueError:
                raise FortnoxApiError("Ogiltig parameter i anropet.", INVALID_PARAMETER) from None
        if request.args.get("financialyeardate"):
            day = to_date(request.args["financialyeardate"], "financialyeardate")
        else:
            day = self.today()
        year = self.ledger.year_for_date(day)
        if year is None:
            raise FortnoxApiError(
                f"Det finns inget räkenskapsår för {day.isoformat()}", NOT_FOUND, status=404
            )
        return year

    # ------------------------------------------------------------------
    # OAuth
    # ------------------------------------------------------------------

    def oauth_authorize(self, request):
        try:
            client, redirect_uri = self.oauth.validate_authorization_request(request.args)
        except OAuthError as error:
            _logger.info("Authorization request rejected: %s (%s)", error.description, error.error)
            return self.json_response(error.to_json(), error.status)
        answer = self.oauth.authorize(client, redirect_uri, request.args)
        separator = "&" if "?" in redirect_uri else "?"
        return redirect(f"{redirect_uri}{separator}{urlencode(answer)}", code=302)

    def oauth_token(self, request):
        try:
            client = self.oauth.authenticate_client(request.authorization)
            grant_type = request.form.get("grant_type")
            if grant_type == "authorization_code":
                answer = self.oauth.exchange_code(client, request.form)
            elif grant_type == "refresh_token":
                answer = self.oauth.refresh(client, request.form)
            else:
                raise OAuthError(
                    "unsupported_grant_type", f"Unsupported grant_type {grant_type!r}."
                )
        except OAuthError as error:
            _logger.info("Token request rejected: %s (%s)", error.description, error.error)
            headers = {"WWW-Authenticate": "Basic"} if error.status == 401 else None
            return self.json_response(error.to_json(), error.status, headers)
        return self.json_response(answer, 200, {"Cache-Control": "no-store"})

    # ------------------------------------------------------------------
    # Customers, articles, suppliers
    # ------------------------------------------------------------------

    def api_list_customers(self, request):
        return self._page(request, self.customers.all(), "Customers")

    def api_create_customer(self, request):
        record = self.customers.create(self._read_document(request, "Customer"))
        return self._document("Customer", record, 201)

    def api_get_customer(self, request, number):
        return self._document("Customer", self.customers.get(number))

    def api_update_customer(self, request, number):
        record = self.customers.update(number, self._read_document(request, "Customer"))
        return self._document("Customer", record)

    def api_list_articles(self, request):
        return self._page(request, self.articles.all(), "Articles")

    def api_create_article(self, request):
        record = self.articles.create(self._read_document(request, "Article"))
        return self._document("Article", record, 201)

    def api_get_article(self, request, number):
        return self._document("Article", self.articles.get(number))

    def api_update_article(self, request, number):
        record = self.articles.update(number, self._read_document(request, "Article"))
        return self._document("Article", record)

    def api_list_suppliers(self, request):
        return self._page(request, self.suppliers.all(), "Suppliers")

    def api_create_supplier(self, request):
        record = self.suppliers.create(self._read_document(request, "Supplier"))
        return self._document("Supplier", record, 201)

    def api_get_supplier(self, request, number):
        return self._document("Supplier", self.suppliers.get(number))

    def api_update_supplier(self, request, number):
        record = self.suppliers.update(number, self._read_document(request, "Supplier"))
        return self._document("Supplier", record)

    # ------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------

    def api_list_invoices(self, request):
        return self._page(request, self.invoices.list_items(request.args), "Invoices")

    def api_create_invoice(self, request):
        invoice = self.invoices.create(self._read_document(request, "Invoice"))
        return self._document("Invoice", invoice, 201)

    def api_get_invoice(self, request, number):
        return self._document("Invoice", self.invoices.get(number))

    def api_update_invoice(self, request, number):
        invoice = self.invoices.update(number, self._read_document(request, "Invoice"))
        return self._document("Invoice", invoice)

    def api_invoice_action(self, request, number, action):
        actions = {
            "bookkeep": self.invoices.bookkeep,
            "cancel": self.invoices.cancel,
            "credit": self.invoices.credit,
            "externalprint": self.invoices.mark_sent,
        }
        if action not in actions:
            raise FortnoxApiError(f"Okänd åtgärd {action}", NOT_FOUND, status=404)
        return self._document("Invoice", actions[action](number))

    def api_list_supplier_invoices(self, request):
        items = self.supplier_invoices.list_items(request.args)
        return self._page(request, items, "SupplierInvoices")

    def api_create_supplier_invoice(self, request):
        invoice = self.supplier_invoices.create(self._read_document(request, "SupplierInvoice"))
        return self._document("SupplierInvoice", invoice, 201)

    def api_get_supplier_invoice(self, request, number):
        return self._document("SupplierInvoice", self.supplier_invoices.get(number))

    def api_supplier_invoice_action(self, request, number, action):
        actions = {
            "bookkeep": self.supplier_invoices.bookkeep,
            "cancel": self.supplier_invoices.cancel,
        }
        if action not in actions:
            raise FortnoxApiError(f"Okänd åtgärd {action}", NOT_FOUND, status=404)
        return self._document("SupplierInvoice", actions[action](number))

    # ------------------------------------------------------------------
    # Bookkeeping
    # ------------------------------------------------------------------

    def api_create_voucher(self, request):
        payload = self._read_document(request, "Voucher")
        year_id = None
        if request.args.get("financialyear"):
            year_id = self._year_argument(request).id
        voucher = self.ledger.create_voucher(payload, requested_year_id=year_id)
        return self._document("Voucher", voucher, 201)

    def api_get_voucher(self, request, series, number):
        year = self._year_argument(request)
        return self._document("Voucher", self.ledger.get_voucher(series.upper(), number, year.id))

    def api_change_voucher(self, request, series, number):
        raise FortnoxApiError(
            "En verifikation kan inte ändras eller tas bort; bokför en rättelse i stället.",
            NOT_ALLOWED,
            status=405,
        )

    def api_list_vouchers(self, request, series=None):
        year = self._year_argument(request)
        from_date = request.args.get("fromdate")
        to_date_argument = request.args.get("todate")
        items = self.ledger.list_vouchers(
            year.id,
            series=self.ledger.check_series(series.upper()) if series else None,
            from_date=to_date(from_date, "fromdate") if from_date else None,
            to_date=to_date(to_date_argument, "todate") if to_date_argument else None,
        )
        return self._page(request, items, "Vouchers")

    def api_list_voucher_series(self, request):
        items = [
            {"Code": code, "Description": description, "Manual": code == "A"}
            for code, description in self.ledger.voucher_series.items()
        ]
        return self._page(request, items, "VoucherSeriesCollection")

    def api_list_financial_years(self, request):
        years = self.ledger.financial_years
        if request.args.get("date"):
            day = to_date(request.args["date"], "date")
            years = [year for year in years if year.contains(day)]
        return self._page(request, [year.to_json() for year in years], "FinancialYears")

    def api_get_financial_year(self, request, year_id):
        return self._document("FinancialYear", self.ledger.financial_year(year_id).to_json())

    def api_list_accounts(self, request):
        year = self._year_argument(request)
        items = [
            account.to_json(year.id)
            for account in sorted(self.ledger.accounts.values(), key=lambda a: a.number)
        ]
        return self._page(request, items, "Accounts")

    def api_get_account(self, request, number):
        year = self._year_argument(request)
        account = self.ledger.accounts.get(number)
        if account is None:
            raise FortnoxApiError(
                f"Kunde inte hitta konto ({number})", ACCOUNT_NOT_FOUND, status=404
            )
        return self._document("Account", account.to_json(year.id))

    def api_get_locked_period(self, request):
        locked = self.ledger.locked_until
        return self._document("LockedPeriod", {"EndDate": locked.isoformat() if locked else ""})

    def api_list_currencies(self, request):
        return self._page(request, list(self.currencies.records.values()), "Currencies")

    def api_get_currency(self, request, code):
        return self._document("Currency", self.currencies.get(code))

    # ------------------------------------------------------------------
    # Operator API
    # ------------------------------------------------------------------

    def _operator_body(self, request):
        if not request.get_data(cache=True):
            return {}
        body = self.read_json(request)
        if not isinstance(body, dict):
            raise HttpError(400, {"message": "The body must be a JSON object."})
        return body

    def sim_state(self, request):
        return self.json_response(self.state())

    def sim_reset(self, request):
        body = self._operator_body(request)
        self.reset(connections=bool(body.get("connections")))
        return self.json_response({"reset": True})

    def sim_add_account(self, request):
        body = self._operator_body(request)
        try:
            account = self.ledger.add_account(
                int(body["Number"]), str(body["Description"]), bool(body.get("Active", True))
            )
        except (KeyError, TypeError, ValueError) as error:
            raise HttpError(
                400, {"message": f"Number and Description are required: {error}"}
            ) from error
        return self.json_response({"Account": account.to_json(None)}, 201)

    def sim_account_action(self, request, number, action):
        if action not in ("activate", "deactivate"):
            raise HttpError(404, {"message": f"Unknown account action {action!r}."})
        try:
            account = self.ledger.set_account_active(number, action == "activate")
        except KeyError as error:
            raise HttpError(404, {"message": str(error)}) from error
        return self.json_response({"Account": account.to_json(None)})

    def sim_add_financial_year(self, request):
        body = self._operator_body(request)
        try:
            year = self.ledger.add_financial_year(body["FromDate"], body["ToDate"])
        except (KeyError, TypeError, ValueError) as error:
            raise HttpError(400, {"message": f"Invalid financial year: {error}"}) from error
        return self.json_response({"FinancialYear": year.to_json()}, 201)

    def sim_lock_financial_year(self, request, year_id):
        year = self.ledger.lock_financial_year(year_id)
        return self.json_response({"FinancialYear": {**year.to_json(), "Locked": True}})

    def sim_lock_period(self, request):
        body = self._operator_body(request)
        try:
            self.ledger.locked_until = date.fromisoformat(body["EndDate"])
        except (KeyError, TypeError, ValueError) as error:
            raise HttpError(
                400, {"message": f"EndDate (YYYY-MM-DD) is required: {error}"}
            ) from error
        return self.json_response({"LockedPeriod": {"EndDate": body["EndDate"]}})

    def sim_connections(self, request):
        if request.method == "POST":
            body = self._operator_body(request)
            try:
                answer = self.oauth.create_connection(
                    body.get("client_id") or self.default_client_id,
                    body.get("scopes") or sorted(set(RESOURCE_SCOPES.values())),
                )
            except (KeyError, OAuthError) as error:
                raise HttpError(
                    400, {"message": f"Cannot create the connection: {error}"}
                ) from error
            return self.json_response(answer, 201)
        connections = [connection.summary() for connection in self.oauth.connections.values()]
        return self.json_response({"connections": connections})

    def sim_revoke_connection(self, request, connection_id=None):
        try:
            count = self.oauth.revoke(connection_id)
        except KeyError as error:
            raise HttpError(404, {"message": f"Unknown connection {connection_id}."}) from error
        return self.json_response({"revoked": count})

    def sim_clock(self, request):
        body = self._operator_body(request)
        try:
            if "offset" in body:
                self.clock_offset = float(body["offset"])
            else:
                self.clock_offset += float(body.get("advance", 0))
        except (TypeError, ValueError) as error:
            raise HttpError(400, {"message": f"offset and advance are seconds: {error}"}) from error
        return self.json_response({"offset": self.clock_offset, "today": self.today().isoformat()})

    def sim_authorization(self, request):
        body = self._operator_body(request)
        self.oauth.deny_authorization = bool(body.get("deny"))
        return self.json_response({"deny": self.oauth.deny_authorization})

    def sim_rate_limit(self, request):
        body = self._operator_body(request)
        try:
            self.rate_limit = int(body.get("max_requests", self.rate_limit))
            self.rate_window = float(body.get("window_seconds", self.rate_window))
        except (TypeError, ValueError) as error:
            raise HttpError(400, {"message": f"Invalid rate limit: {error}"}) from error
        self._windows.clear()
        return self.json_response(
            {"max_requests": self.rate_limit, "window_seconds": self.rate_window}
        )

    def sim_faults(self, request):
        if request.method == "DELETE":
            self.faults.clear()
            return self.json_response({"faults": 0})
        body = self._operator_body(request)
        try:
            self.inject(**body)
        except (TypeError, ValueError) as error:
            raise HttpError(400, {"message": f"Invalid fault: {error}"}) from error
        return self.json_response({"faults": len(self.faults)}, 201)

    def sim_set_currency(self, request):
        body = self._operator_body(request)
        try:
            record = self.currencies.set_rate(
                str(body["Code"]).upper(),
                float(body["Rate"]),
                int(body.get("Unit", 1)),
                self.today(),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise HttpError(400, {"message": f"Code and Rate are required: {error}"}) from error
        return self.json_response({"Currency": record})


def main(argv=None):
    parser = argparse.ArgumentParser(description="Run the Fortnox simulator on a loopback port.")
    parser.add_argument("--port", type=int, required=True, help="TCP port to listen on.")
    parser.add_argument(
        "--host", default="127.0.0.1", choices=LOOPBACK_HOSTS, help="Loopback address to bind."
    )
    parser.add_argument("--client-id", default=DEFAULT_CLIENT_ID, help="OAuth client id to accept.")
    parser.add_argument(
        "--client-secret",
        default=os.environ.get("FORTNOX_SIM_CLIENT_SECRET", DEFAULT_CLIENT_SECRET),
        help="OAuth client secret to accept (default: $FORTNOX_SIM_CLIENT_SECRET). The variable "
        "keeps it out of the process list.",
    )
    parser.add_argument(
        "--redirect-uri",
        action="append",
        help="Registered redirect URI (repeatable); default: any http URI on localhost.",
    )
    parser.add_argument(
        "--token-lifetime", type=int, default=3600, help="Access token lifetime in seconds."
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=RATE_LIMIT_REQUESTS,
        help="Requests allowed per window and client id.",
    )
    parser.add_argument(
        "--rate-window", type=float, default=RATE_LIMIT_WINDOW, help="Window length in seconds."
    )
    parser.add_argument("--log-level", default="INFO", help="Python logging level.")
    options = parser.parse_args(argv)

    logging.basicConfig(
        level=options.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = FortnoxSimulator(
        options.client_id,
        options.client_secret,
        redirect_uris=options.redirect_uri,
        access_token_lifetime=options.token_lifetime,
        rate_limit=options.rate_limit,
        rate_window=options.rate_window,
    )
    server = SimulatorServer(app, host=options.host, port=options.port)
    with server:
        # The secret is left out on purpose.
        _logger.info(
            "Fortnox simulator on %s (API %s/3, client id %s)",
            server.url,
            server.url,
            options.client_id,
        )
        wait_for_stop_signal()
    _logger.info("Fortnox simulator stopped")


if __name__ == "__main__":
    main()
