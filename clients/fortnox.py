"""Client of Fortnox's REST API (v3) and of its OAuth2 authorization server.

:class:`FortnoxOAuth` runs the authorization-code flow and refreshes tokens.
A refresh token is single use, and two refreshes with the same token make
Fortnox revoke the connection, so the caller must refresh under a lock in one
place and store the new refresh token before anything else.

:class:`FortnoxClient` sends API calls with a Bearer access token. Documents
go in and come out as plain dicts with Fortnox's own field names (``{"Invoice":
{...}}`` is unwrapped to the inner dict), so no field is lost on the way.
Fortnox allows 25 requests per 5-second sliding window per client id and
company. An optional limiter is asked before every request, and a 429 is
waited out (``Retry-After``) and retried a bounded number of times.

Neither class logs tokens, secrets or authorization codes.
"""

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from urllib.parse import quote, urlencode, urlsplit

from .errors import FixCredentialsError, FixRequestError, NotFoundError, RetryLaterError
from .http import DEFAULT_RETRY_AFTER, JsonHttpTransport

_logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.fortnox.se/3"
DEFAULT_AUTH_URL = "https://apps.fortnox.se/oauth-v1/auth"
DEFAULT_TOKEN_URL = "https://apps.fortnox.se/oauth-v1/token"  # noqa: S105 (a URL)

#: Fortnox's limit: requests per sliding window, per client id and company.
FORTNOX_MAX_REQUESTS = 25
FORTNOX_WINDOW_SECONDS = 5.0
#: The default pace, 4 requests a second: integrators report 429s from
#: Fortnox's sliding window at 5 a second and none at 4.
SAFE_MAX_REQUESTS = 20

#: ErrorInformation codes that mean the token or the connection is invalid.
CREDENTIAL_ERROR_CODES = frozenset({2000310, 2000311})
#: OAuth errors that only a new authorization by the user can fix.
RECONNECT_OAUTH_ERRORS = frozenset(
    {"invalid_grant", "invalid_client", "unauthorized_client", "access_denied"}
)

MAX_PAGE_SIZE = 500
#: How many list rows without the searched field are read in full to compare it.
MAX_REFERENCE_CHECKS = 20


def _iso(day):
    return day.isoformat() if isinstance(day, (date, datetime)) else str(day)


def _segment(value):
    """Return a path segment with every reserved character escaped ("/" in numbers)."""
    return quote(str(value), safe="")


def _normalise_code(code):
    if isinstance(code, str) and code.strip().isdigit():
        return int(code.strip())
    return code


# ----------------------------------------------------------------------
# Rate limiting
# ----------------------------------------------------------------------


class SlidingWindowLimiter:
    """In-process limiter: at most ``max_requests`` in any ``window_seconds``.

    ``acquire()`` blocks (through ``sleep``) until a request may go out and
    returns the seconds it waited. ``backoff(seconds)`` blocks every caller
    for that long, for example after a 429 with ``Retry-After``. A
    request counts from the moment it is acquired; the window is sliding, as
    Fortnox's is. Thread-safe; it does not coordinate separate processes.
    """

    def __init__(
        self,
        max_requests=SAFE_MAX_REQUESTS,
        window_seconds=FORTNOX_WINDOW_SECONDS,
        clock=time.monotonic,
        sleep=time.sleep,
    ):
        if max_requests < 1 or window_seconds <= 0:
            raise ValueError("The limiter needs at least one request per positive window.")
        self.max_requests = max_requests
        self.window_seconds = window_seconds
        self._clock = clock
        self._sleep = sleep
        self._sent = deque()
        self._blocked_until = None
        self._lock = threading.Lock()

    def acquire(self):
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._sent and self._sent[0] <= now - self.window_seconds:
                    self._sent.popleft()
                if self._blocked_until is not None and now < self._blocked_until:
                    wait = self._blocked_until - now
                elif len(self._sent) < self.max_requests:
                    self._sent.append(now)
                    return waited
                else:
                    wait = self._sent[0] + self.window_seconds - now
            self._sleep(wait)
            waited += wait

    def backoff(self, seconds):
        with self._lock:
            until = self._clock() + max(0.0, seconds)
            if self._blocked_until is None or until > self._blocked_until:
                self._blocked_until = until


# ----------------------------------------------------------------------
# OAuth
# ----------------------------------------------------------------------


@dataclass(frozen=True)
class FortnoxToken:
    """Tokens from Fortnox's token endpoint; ``repr`` leaves the tokens out."""

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    #: When the access token expires, timezone-aware UTC.
    expires_at: datetime
    scope: str
    token_type: str = "bearer"  # noqa: S105 (the token type name)

    @property
    def scopes(self):
        return tuple(self.scope.split())

    def expires_within(self, seconds, now=None):
        """Return whether the access token expires within ``seconds`` from ``now``."""
        now = now or datetime.now(timezone.utc)
        return (self.expires_at - now).total_seconds() <= seconds

    @classmethod
    def from_response(cls, body, issued_at):
        """Build the token from a token response received at ``issued_at`` (epoch seconds)."""
        if (
            not isinstance(body, dict)
            or not body.get("access_token")
            or not body.get("refresh_token")
        ):
            raise RetryLaterError("Fortnox returned a token response without the tokens.")
        try:
            expires_in = int(body.get("expires_in") or 3600)
        except (TypeError, ValueError):
            raise RetryLaterError(
                "Fortnox returned a token response with an invalid expires_in."
            ) from None
        return cls(
            access_token=body["access_token"],
            refresh_token=body["refresh_token"],
            expires_in=expires_in,
            expires_at=datetime.fromtimestamp(issued_at + expires_in, timezone.utc),
            scope=str(body.get("scope") or ""),
            token_type=str(body.get("token_type") or "bearer"),
        )


class FortnoxOAuth(JsonHttpTransport):
    """Fortnox's authorization-code flow for one app (client id and secret)."""

    system_name = "Fortnox"

    def __init__(
        self,
        client_id,
        client_secret,
        auth_url=DEFAULT_AUTH_URL,
        token_url=DEFAULT_TOKEN_URL,
        *,
        clock=time.time,
        **kwargs,
    ):
        if not client_id or not client_secret:
            raise ValueError("The Fortnox client id and client secret are both required.")
        parts = urlsplit(token_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"The Fortnox token URL must be an http(s) URL, not {token_url!r}.")
        if not auth_url.startswith(("http://", "https://")):
            raise ValueError(
                f"The Fortnox authorization URL must be an http(s) URL, not {auth_url!r}."
            )
        super().__init__(f"{parts.scheme}://{parts.netloc}/", **kwargs)
        self.client_id = client_id
        self._client_secret = client_secret
        self.auth_url = auth_url
        self._token_path = parts.path.lstrip("/")
        self._clock = clock

    def __repr__(self):
        return f"<FortnoxOAuth {self.base_url} client {self.client_id}>"

    def authorize_url(self, state, scopes, redirect_uri=None):
        """Return the URL to send the user's browser to; Fortnox redirects back with a code."""
        if not state:
            raise ValueError("The OAuth state is required to protect the callback.")
        scope = " ".join(scopes) if not isinstance(scopes, str) else scopes
        params = {
            "client_id": self.client_id,
            "response_type": "code",
            "state": state,
            "scope": scope,
            "access_type": "offline",
            "account_type": "service",
        }
        if redirect_uri:
            params["redirect_uri"] = redirect_uri
        separator = "&" if "?" in self.auth_url else "?"
        return f"{self.auth_url}{separator}{urlencode(params)}"

    def exchange_code(self, code, redirect_uri=None):
        """Trade the authorization code from the callback for a :class:`FortnoxToken`."""
        form = {"grant_type": "authorization_code", "code": code}
        if redirect_uri:
            form["redirect_uri"] = redirect_uri
        token = self._token_request(form)
        _logger.info("Fortnox authorization code exchanged for client %s", self.client_id)
        return token

    def refresh(self, refresh_token):
        """Trade a refresh token for new tokens; the old refresh token is spent either way."""
        token = self._token_request({"grant_type": "refresh_token", "refresh_token": refresh_token})
        _logger.info(
            "Fortnox access token refreshed for client %s, valid until %s",
            self.client_id,
            token.expires_at.isoformat(),
        )
        return token

    def _token_request(self, form):
        issued_at = self._clock()
        body = self.request(
            "POST", self._token_path, data=form, auth=(self.client_id, self._client_secret)
        )
        return FortnoxToken.from_response(body, issued_at)

    def _extract_error(self, body):
        if not isinstance(body, dict):
            return None, None
        message = body.get("error_description") or body.get("error")
        return (str(message) if message else None), body.get("error")

    def _handle_response(self, method, path, response):
        try:
            return super()._handle_response(method, path, response)
        except (FixCredentialsError, NotFoundError):
            raise
        except FixRequestError as error:
            if error.remote_code not in RECONNECT_OAUTH_ERRORS:
                raise
            raise FixCredentialsError(
                f"Fortnox rejected the authorization ({error.remote_code}: "
                f"{error.remote_message}). Connect to Fortnox again.",
                status=error.status,
                remote_message=error.remote_message,
                remote_code=error.remote_code,
            ) from error


# ----------------------------------------------------------------------
# API client
# ----------------------------------------------------------------------


class FortnoxClient(JsonHttpTransport):
    """Fortnox REST API v3 with one access token; ``base_url`` ends in ``/3``."""

    system_name = "Fortnox"

    def __init__(
        self,
        base_url=DEFAULT_API_URL,
        access_token=None,
        limiter=None,
        *,
        max_429_retries=3,
        page_size=MAX_PAGE_SIZE,
        **kwargs,
    ):
        # The rate-limit retries are made here, so each attempt goes through the limiter.
        super().__init__(base_url, max_429_retries=0, **kwargs)
        if not access_token:
            raise ValueError("A Fortnox access token is required; connect to Fortnox first.")
        self.access_token = access_token
        self.limiter = limiter
        self.rate_limit_retries = max_429_retries
        self.page_size = min(int(page_size), MAX_PAGE_SIZE)

    def __repr__(self):
        return f"<FortnoxClient {self.base_url}>"

    # ------------------------------------------------------------------
    # Transport
    # ------------------------------------------------------------------

    def _prepare_headers(self):
        return {"Accept": "application/json", "Authorization": f"Bearer {self.access_token}"}

    def _extract_error(self, body):
        if not isinstance(body, dict):
            return None, None
        info = body
        for key in ("ErrorInformation", "errorInformation"):
            if isinstance(body.get(key), dict):
                info = body[key]
                break
        message = info.get("message", info.get("Message"))
        code = info.get("code", info.get("Code"))
        return (str(message) if message else None), _normalise_code(code)

    def _handle_response(self, method, path, response):
        try:
            return super()._handle_response(method, path, response)
        except (FixCredentialsError, NotFoundError):
            raise
        except FixRequestError as error:
            if error.remote_code not in CREDENTIAL_ERROR_CODES:
                raise
            raise FixCredentialsError(
                f"Fortnox rejected the access token ({error.remote_message}, code "
                f"{error.remote_code}). Connect to Fortnox again.",
                status=error.status,
                remote_message=error.remote_message,
                remote_code=error.remote_code,
            ) from error

    def request(self, method, path, **kwargs):
        """Send one API call through the limiter; wait out and retry a 429 a few times."""
        retries = 0
        while True:
            if self.limiter is not None:
                self.limiter.acquire()
            try:
                return super().request(method, path, **kwargs)
            except RetryLaterError as error:
                wait = DEFAULT_RETRY_AFTER if error.retry_after is None else error.retry_after
                if (
                    error.status != 429
                    or retries >= self.rate_limit_retries
                    or wait > self.max_retry_wait
                ):
                    raise
                retries += 1
                _logger.info(
                    "Fortnox %s %s: rate limited, retry %d in %.1f s",
                    method,
                    path,
                    retries,
                    wait,
                )
                if self.limiter is not None and hasattr(self.limiter, "backoff"):
                    self.limiter.backoff(wait)
                else:
                    self._sleep(wait)

    def _unwrap(self, data, key, what):
        if not isinstance(data, dict) or not isinstance(data.get(key), dict):
            raise RetryLaterError(f"Fortnox returned an unexpected response for {what}.")
        return data[key]

    def _get(self, path, key, what, params=None):
        return self._unwrap(self.request("GET", path, params=params), key, what)

    def _send(self, method, path, key, document, what, *, params=None):
        data = self.request(method, path, params=params, json_body={key: document})
        return self._unwrap(data, key, what)

    def _action(self, path, key, what):
        return self._unwrap(self.request("PUT", path), key, what)

    def iterate(self, path, key, params=None):
        """Yield every row of a list endpoint, page by page."""
        page = 1
        while True:
            query = {**(params or {}), "page": page, "limit": self.page_size}
            data = self.request("GET", path, params=query)
            if not isinstance(data, dict) or not isinstance(data.get(key, []), list):
                raise RetryLaterError(f"Fortnox returned an unexpected list for GET {path}.")
            rows = data.get(key) or []
            yield from rows
            meta = data.get("MetaInformation") or {}
            try:
                total_pages = int(meta.get("@TotalPages", page))
            except (TypeError, ValueError):
                total_pages = page
            if not rows or page >= total_pages:
                return
            page += 1

    # ------------------------------------------------------------------
    # Customers
    # ------------------------------------------------------------------

    def get_customer(self, customer_number):
        return self._get(
            f"customers/{_segment(customer_number)}", "Customer", f"customer {customer_number}"
        )

    def create_customer(self, customer):
        """Create a customer; Fortnox assigns ``CustomerNumber`` when it is left out."""
        return self._send("POST", "customers", "Customer", customer, "a new customer")

    def update_customer(self, customer_number, customer):
        return self._send(
            "PUT",
            f"customers/{_segment(customer_number)}",
            "Customer",
            customer,
            f"customer {customer_number}",
        )

    def iter_customers(self, **params):
        yield from self.iterate("customers", "Customers", params)

    # ------------------------------------------------------------------
    # Articles
    # ------------------------------------------------------------------

    def get_article(self, article_number):
        return self._get(
            f"articles/{_segment(article_number)}", "Article", f"article {article_number}"
        )

    def create_article(self, article):
        return self._send("POST", "articles", "Article", article, "a new article")

    def update_article(self, article_number, article):
        return self._send(
            "PUT",
            f"articles/{_segment(article_number)}",
            "Article",
            article,
            f"article {article_number}",
        )

    def iter_articles(self, **params):
        yield from self.iterate("articles", "Articles", params)

    # ------------------------------------------------------------------
    # Invoices
    # ------------------------------------------------------------------

    def create_invoice(self, invoice):
        """Create an invoice; the response contains ``DocumentNumber`` and Fortnox's totals."""
        return self._send("POST", "invoices", "Invoice", invoice, "a new invoice")

    def update_invoice(self, document_number, invoice):
        return self._send(
            "PUT",
            f"invoices/{_segment(document_number)}",
            "Invoice",
            invoice,
            f"invoice {document_number}",
        )

    def get_invoice(self, document_number):
        return self._get(
            f"invoices/{_segment(document_number)}", "Invoice", f"invoice {document_number}"
        )

    def iter_invoices(self, **params):
        """Yield invoice list rows (a subset of the fields); ``filter=unbooked`` and the like."""
        yield from self.iterate("invoices", "Invoices", params)

    def find_invoice_by_external_reference(
        self, reference, field="ExternalInvoiceReference1", from_date=None
    ):
        """Return the full invoice whose ``field`` equals ``reference``, or None.

        This is how an invoice is found again after a create whose response was
        lost. The list is asked with the field as a filter parameter, and
        every row is still compared here because Fortnox's support for that
        filter is unconfirmed. A cancelled invoice is returned only when no
        other one matches; two live matches raise :class:`FixRequestError`.
        """
        if not reference:
            raise ValueError("An empty reference matches nothing.")
        params = {field.lower(): reference}
        if from_date:
            params["fromdate"] = _iso(from_date)
        matches = self._matching_rows(
            self.iter_invoices(**params),
            field,
            reference,
            "DocumentNumber",
            self.get_invoice,
        )
        return self._single_match(matches, "DocumentNumber", field, reference, self.get_invoice)

    def _matching_rows(self, rows, field, reference, number_field, fetch):
        matches = []
        checks = 0
        for row in rows:
            if field in row:
                if row[field] == reference:
                    matches.append(row)
                continue
            # A list row without the field is read in full, a bounded number of times.
            checks += 1
            if checks > MAX_REFERENCE_CHECKS:
                raise FixRequestError(
                    f"Fortnox's list does not show {field}, so the document with "
                    f"{field} {reference!r} cannot be found; look it up in Fortnox."
                )
            full = fetch(row[number_field])
            if full.get(field) == reference:
                matches.append(full)
        return matches

    @staticmethod
    def _single_match(matches, number_field, field, reference, fetch):
        if not matches:
            return None
        live = [row for row in matches if not row.get("Cancelled")]
        candidates = live or matches
        if len(live) > 1:
            numbers = ", ".join(str(row[number_field]) for row in live)
            raise FixRequestError(
                f"Fortnox has several documents with {field} {reference!r} ({numbers}); "
                f"cancel the duplicates in Fortnox."
            )
        return fetch(candidates[-1][number_field])

    def bookkeep_invoice(self, document_number):
        """Book the invoice in Fortnox's ledger; it can no longer be changed afterwards."""
        return self._action(
            f"invoices/{_segment(document_number)}/bookkeep",
            "Invoice",
            f"invoice {document_number}",
        )

    def credit_invoice(self, document_number):
        """Credit a booked invoice in full.

        Returns the original invoice; its ``CreditInvoiceReference`` contains
        the number of the new credit invoice.
        """
        return self._action(
            f"invoices/{_segment(document_number)}/credit", "Invoice", f"invoice {document_number}"
        )

    def cancel_invoice(self, document_number):
        """Cancel an invoice that is not booked."""
        return self._action(
            f"invoices/{_segment(document_number)}/cancel", "Invoice", f"invoice {document_number}"
        )

    # ------------------------------------------------------------------
    # Bookkeeping
    # ------------------------------------------------------------------

    def create_voucher(self, voucher, financial_year=None):
        """Book a voucher; Fortnox never deletes one, so send each voucher once."""
        params = {"financialyear": financial_year} if financial_year else None
        return self._send("POST", "vouchers", "Voucher", voucher, "a new voucher", params=params)

    def get_voucher(self, series, number, financial_year=None):
        """Return a voucher with its rows; without ``financial_year``, today's year."""
        params = {"financialyear": financial_year} if financial_year else None
        return self._get(
            f"vouchers/{_segment(series)}/{int(number)}",
            "Voucher",
            f"voucher {series}{number}",
            params,
        )

    def list_vouchers(self, series=None, from_date=None, to_date=None, financial_year=None):
        """Return voucher list rows (no rows of accounts) of a financial year."""
        params = {}
        if financial_year:
            params["financialyear"] = financial_year
        if from_date:
            params["fromdate"] = _iso(from_date)
        if to_date:
            params["todate"] = _iso(to_date)
        path = f"vouchers/sublist/{_segment(series)}" if series else "vouchers"
        return list(self.iterate(path, "Vouchers", params))

    def find_voucher(self, series, day, marker, financial_year=None):
        """Return the full voucher of ``series`` on ``day`` whose description contains ``marker``.

        Vouchers have no external reference. A sender that puts a unique
        marker into the description finds its voucher again this way after a
        create whose response was lost. Returns None when there is none, and
        raises :class:`FixRequestError` when several carry the marker.
        """
        if not marker:
            raise ValueError("An empty marker matches every voucher.")
        matches = []
        checks = 0
        for row in self.list_vouchers(series, day, day, financial_year):
            description = row.get("Description")
            if description is None:
                # A list row without the description is read in full, a bounded number of times.
                checks += 1
                if checks > MAX_REFERENCE_CHECKS:
                    raise FixRequestError(
                        f"Fortnox's voucher list does not show descriptions, so the voucher "
                        f"marked {marker!r} cannot be found; look it up in Fortnox."
                    )
                description = self.get_voucher(series, row["VoucherNumber"], financial_year).get(
                    "Description"
                )
            if marker in (description or ""):
                matches.append(row)
        if len(matches) > 1:
            numbers = ", ".join(f"{row['VoucherSeries']}{row['VoucherNumber']}" for row in matches)
            raise FixRequestError(
                f"Fortnox has several vouchers marked {marker!r} ({numbers}); reverse the "
                f"duplicates in Fortnox."
            )
        if not matches:
            return None
        return self.get_voucher(series, matches[0]["VoucherNumber"], financial_year)

    def list_voucher_series(self):
        return list(self.iterate("voucherseries", "VoucherSeriesCollection"))

    def list_financial_years(self):
        return list(self.iterate("financialyears", "FinancialYears"))

    def get_financial_year_for_date(self, day):
        """Return the financial year that contains ``day``, or None."""
        years = list(self.iterate("financialyears", "FinancialYears", {"date": _iso(day)}))
        return years[0] if years else None

    def get_account(self, number, financial_year=None):
        params = {"financialyear": financial_year} if financial_year else None
        return self._get(f"accounts/{int(number)}", "Account", f"account {number}", params)

    def list_accounts(self, financial_year=None):
        params = {"financialyear": financial_year} if financial_year else None
        return list(self.iterate("accounts", "Accounts", params))

    def get_locked_period(self):
        """Return the last locked day as an ISO date string, or None when nothing is locked."""
        period = self._get("settings/lockedperiod", "LockedPeriod", "the locked period")
        return period.get("EndDate") or None

    # ------------------------------------------------------------------
    # Suppliers and supplier invoices
    # ------------------------------------------------------------------

    def get_supplier(self, supplier_number):
        return self._get(
            f"suppliers/{_segment(supplier_number)}", "Supplier", f"supplier {supplier_number}"
        )

    def create_supplier(self, supplier):
        return self._send("POST", "suppliers", "Supplier", supplier, "a new supplier")

    def update_supplier(self, supplier_number, supplier):
        return self._send(
            "PUT",
            f"suppliers/{_segment(supplier_number)}",
            "Supplier",
            supplier,
            f"supplier {supplier_number}",
        )

    def iter_suppliers(self, **params):
        yield from self.iterate("suppliers", "Suppliers", params)

    def create_supplier_invoice(self, supplier_invoice):
        """Create a supplier invoice; the response contains Fortnox's ``GivenNumber``."""
        return self._send(
            "POST",
            "supplierinvoices",
            "SupplierInvoice",
            supplier_invoice,
            "a new supplier invoice",
        )

    def get_supplier_invoice(self, given_number):
        return self._get(
            f"supplierinvoices/{_segment(given_number)}",
            "SupplierInvoice",
            f"supplier invoice {given_number}",
        )

    def iter_supplier_invoices(self, **params):
        yield from self.iterate("supplierinvoices", "SupplierInvoices", params)

    def find_supplier_invoice(self, reference, field="OurReference", supplier_number=None):
        """Return the full supplier invoice whose ``field`` equals ``reference``, or None.

        Like :meth:`find_invoice_by_external_reference`, the filter parameter
        is a hint and every row is compared here.
        """
        if not reference:
            raise ValueError("An empty reference matches nothing.")
        params = {field.lower(): reference}
        if supplier_number:
            params["suppliernumber"] = supplier_number
        rows = (
            row
            for row in self.iter_supplier_invoices(**params)
            if not supplier_number or str(row.get("SupplierNumber")) == str(supplier_number)
        )
        matches = self._matching_rows(
            rows, field, reference, "GivenNumber", self.get_supplier_invoice
        )
        return self._single_match(
            matches, "GivenNumber", field, reference, self.get_supplier_invoice
        )

    def bookkeep_supplier_invoice(self, given_number):
        return self._action(
            f"supplierinvoices/{_segment(given_number)}/bookkeep",
            "SupplierInvoice",
            f"supplier invoice {given_number}",
        )

    # ------------------------------------------------------------------
    # Currencies
    # ------------------------------------------------------------------

    def list_currencies(self):
        return list(self.iterate("currencies", "Currencies"))

    def get_currency(self, code):
        return self._get(f"currencies/{_segment(code)}", "Currency", f"currency {code}")
