import hashlib
import hmac
import logging
import re
import secrets
from datetime import timedelta, timezone

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..clients.errors import FixCredentialsError, RemoteError, RetryLaterError
from ..clients.fortnox import (
    DEFAULT_API_URL,
    DEFAULT_AUTH_URL,
    DEFAULT_TOKEN_URL,
    FORTNOX_MAX_REQUESTS,
    FORTNOX_WINDOW_SECONDS,
    FortnoxClient,
    FortnoxOAuth,
)
from .fortnox_rate_limiter import RATE_LIMIT_TABLE_SQL, DatabaseRateLimiter, run_in_own_transaction
from .remote_error_text import remote_error_text

_logger = logging.getLogger(__name__)

# Requests per 5-second window that all workers share. Fortnox allows 25; the
# limiter in PostgreSQL spaces the requests of every worker, and 23 left no 429
# against the simulator while reaching 0.92 of the ceiling (bench/fortnox_invoices.md).
# A 429 that the network's jitter may still cause is waited out and retried.
DEFAULT_REQUESTS_PER_WINDOW = 23

#: Scopes the invoice export and the voucher export need (see Fortnox's scope list).
DEFAULT_SCOPES = "invoice customer article bookkeeping currency settings"
#: Further scopes the vendor bill export needs.
SUPPLIER_SCOPES = ("supplier", "supplierinvoice")
#: Voucher series codes as Fortnox names them (A, B, ... and longer codes a company adds).
VOUCHER_SERIES_CODE = re.compile(r"[A-Z0-9]{1,10}")
#: An access token this close to its expiry is refreshed before use, so that a
#: long job does not run into the expiry half way.
TOKEN_REFRESH_MARGIN = timedelta(minutes=5)
#: How long the user has to approve the connection in Fortnox.
OAUTH_STATE_LIFETIME = timedelta(minutes=10)
#: Maximum wait for another worker's token refresh before this one gives up for now.
REFRESH_LOCK_TIMEOUT = "30s"
CALLBACK_PATH = "/fortnox/oauth/callback"
TOKEN_FIELDS = ["access_token", "refresh_token", "token_expires_at"]
CONNECTION_FIELDS = [*TOKEN_FIELDS, "state", "last_error", "last_error_date"]


class FortnoxReconnectNeeded(UserError):
    """Fortnox no longer accepts the connection; someone must connect again."""


def hash_oauth_state(state):
    return hashlib.sha256(state.encode()).hexdigest()


def to_naive_utc(moment):
    """Return an aware datetime as the naive UTC datetime Odoo stores."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


class FortnoxBackend(models.Model):
    """The connection of one Odoo company to its Fortnox company.

    It stores the OAuth2 tokens and hands out API clients with a fresh access
    token and the rate limiter shared by all workers (:meth:`_fortnox_get_client`,
    :meth:`_fortnox_run`). Fortnox's refresh token is single use, so a refresh
    happens only in :meth:`_fortnox_refresh_access_token`, under the backend's
    row lock and in a transaction of its own that commits the new tokens at once.
    """

    _name = "fortnox.backend"
    _description = "Fortnox Connection"
    _inherit = ["mail.thread", "mail.activity.mixin", "ongoing.fortnox.job.channel.mixin"]
    _order = "company_id, name"
    _job_channel_parent = "ongoing_fortnox_sync.channel_fortnox"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, tracking=True
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        help="Accountant who gets an activity when the connection must be renewed.",
    )

    # Fortnox app and addresses
    client_id = fields.Char(string="Client ID", groups="base.group_system", tracking=True)
    client_secret = fields.Char(groups="base.group_system")
    scopes = fields.Char(
        required=True,
        default=DEFAULT_SCOPES,
        help="Fortnox scopes asked for when connecting, separated by spaces. Each needs the "
        "matching licence in the Fortnox company.",
    )
    api_url = fields.Char(string="API URL", required=True, default=DEFAULT_API_URL)
    auth_url = fields.Char(string="Authorization URL", required=True, default=DEFAULT_AUTH_URL)
    token_url = fields.Char(string="Token URL", required=True, default=DEFAULT_TOKEN_URL)
    redirect_uri = fields.Char(
        string="Redirect URI",
        compute="_compute_redirect_uri",
        help="Address to register as the redirect URI of the app in Fortnox's developer portal.",
    )
    connect_timeout = fields.Float(
        default=5.0, help="Seconds to wait for a connection to Fortnox before giving up."
    )
    read_timeout = fields.Float(
        default=30.0, help="Seconds to wait for Fortnox's response once connected."
    )
    rate_limit_requests = fields.Integer(
        string="Requests per 5 Seconds",
        default=DEFAULT_REQUESTS_PER_WINDOW,
        help="Maximum number of requests all workers together send to Fortnox in any 5 "
        "seconds. Fortnox allows 25; a little less leaves room for requests that arrive "
        "closer together than they were sent. A request Fortnox still rejects as too many "
        "is waited out and sent again.",
    )

    # Tokens and connection state
    access_token = fields.Char(groups="base.group_system", copy=False)
    refresh_token = fields.Char(groups="base.group_system", copy=False)
    token_expires_at = fields.Datetime(
        string="Access Token Expiry", groups="base.group_system", copy=False, readonly=True
    )
    oauth_state_hash = fields.Char(groups="base.group_system", copy=False)
    oauth_state_expires = fields.Datetime(groups="base.group_system", copy=False)
    state = fields.Selection(
        [
            ("not_connected", "Not Connected"),
            ("connected", "Connected"),
            ("reconnect", "Reconnect Needed"),
        ],
        default="not_connected",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    connected_date = fields.Datetime(string="Connected On", readonly=True, copy=False)
    granted_scopes = fields.Char(readonly=True, copy=False)
    last_error = fields.Text(readonly=True, copy=False)
    last_error_date = fields.Datetime(readonly=True, copy=False)

    # Export settings
    use_articles = fields.Boolean(
        string="Send Articles",
        default=True,
        help="Create and update a Fortnox article (as non-stock goods) for each product with "
        "an internal reference, and name it on the invoice rows. Off: rows carry only a "
        "description.",
    )
    bookkeep_invoices = fields.Boolean(
        string="Book Invoices",
        help="Book each exported invoice in Fortnox's ledger at once. A booked invoice can "
        "no longer be changed in Fortnox.",
    )
    export_start_date = fields.Date(
        string="Export Invoices From",
        default=fields.Date.context_today,
        help="Customer invoices and credit notes dated from this day on are exported when "
        "posted; older ones only with the Export to Fortnox button.",
    )
    export_vendor_bills = fields.Boolean(
        string="Export Vendor Bills",
        tracking=True,
        help="Export posted vendor bills and refunds as Fortnox supplier invoices, with their "
        "suppliers. Off: the accountant registers supplier invoices in Fortnox (see the README).",
    )
    stock_voucher_mode = fields.Selection(
        [("off", "Off"), ("daily", "Daily"), ("entry", "Per Entry")],
        string="Stock Vouchers",
        default="off",
        required=True,
        tracking=True,
        help="Send Odoo's stock valuation entries (receipts, deliveries, returns, inventory "
        "adjustments, revaluations) to Fortnox as vouchers. Daily: one voucher per finished day "
        "with the day's sum per account. Per Entry: one voucher per entry, as it is posted.",
    )
    stock_voucher_series = fields.Char(
        string="Voucher Series",
        default="A",
        required=True,
        tracking=True,
        help="Fortnox voucher series of the stock vouchers, for example A or a series of its "
        "own created in Fortnox.",
    )
    stock_voucher_start_date = fields.Date(
        string="Send Stock Entries From",
        default=fields.Date.context_today,
        tracking=True,
        help="Stock valuation entries dated from this day on go to Fortnox; older ones were "
        "booked there by other means.",
    )
    account_map_ids = fields.One2many(
        "fortnox.account.map", "backend_id", string="Account Mapping", copy=True
    )
    job_channel_id = fields.Many2one(
        "queue.job.channel",
        string="Job Channel",
        readonly=True,
        copy=False,
        help="Background jobs of this connection run in this channel, one at a time.",
    )
    failed_invoice_count = fields.Integer(compute="_compute_invoice_counts")
    pending_invoice_count = fields.Integer(compute="_compute_invoice_counts")
    failed_bill_count = fields.Integer(compute="_compute_invoice_counts")
    stock_voucher_count = fields.Integer(compute="_compute_stock_voucher_counts")
    failed_stock_voucher_count = fields.Integer(compute="_compute_stock_voucher_counts")

    def init(self):
        self.env.cr.execute(RATE_LIMIT_TABLE_SQL)

    @api.depends()
    def _compute_redirect_uri(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for backend in self:
            backend.redirect_uri = f"{base_url.rstrip('/')}{CALLBACK_PATH}"

    def _compute_invoice_counts(self):
        moves = self.env["account.move"]
        for backend in self:
            domain = [
                ("company_id", "=", backend.company_id.id),
                ("move_type", "in", ("out_invoice", "out_refund")),
            ]
            backend.failed_invoice_count = moves.search_count(
                [*domain, ("fortnox_state", "in", ("failed", "reconnect"))]
            )
            backend.pending_invoice_count = moves.search_count(
                [*domain, ("fortnox_state", "=", "pending")]
            )
            backend.failed_bill_count = moves.search_count(
                [
                    ("company_id", "=", backend.company_id.id),
                    ("move_type", "in", ("in_invoice", "in_refund")),
                    ("fortnox_state", "in", ("failed", "reconnect")),
                ]
            )

    def _compute_stock_voucher_counts(self):
        vouchers = self.env["fortnox.voucher"]
        for backend in self:
            domain = [("backend_id", "=", backend.id)]
            backend.stock_voucher_count = vouchers.search_count(domain)
            backend.failed_stock_voucher_count = vouchers.search_count(
                [*domain, ("fortnox_state", "in", ("failed", "reconnect"))]
            )

    # ------------------------------------------------------------------
    # Configuration checks
    # ------------------------------------------------------------------

    @api.constrains("api_url", "auth_url", "token_url", "connect_timeout", "read_timeout")
    def _check_connection_settings(self):
        for backend in self:
            urls = (backend.api_url, backend.auth_url, backend.token_url)
            if not all((url or "").startswith(("http://", "https://")) for url in urls):
                raise ValidationError(
                    _(
                        "The API URL, authorization URL and token URL of the Fortnox connection "
                        "must start with http:// or https://."
                    )
                )
            if backend.connect_timeout <= 0 or backend.read_timeout <= 0:
                raise ValidationError(_("The timeouts must be positive numbers of seconds."))

    @api.constrains("rate_limit_requests")
    def _check_rate_limit(self):
        for backend in self:
            if not 1 <= backend.rate_limit_requests <= FORTNOX_MAX_REQUESTS:
                raise ValidationError(
                    _(
                        "The requests per 5 seconds must lie between 1 and %(limit)s, "
                        "Fortnox's own limit.",
                        limit=FORTNOX_MAX_REQUESTS,
                    )
                )

    @api.constrains("company_id", "active")
    def _check_one_per_company(self):
        for backend in self.filtered("active"):
            others = self.search(
                [("company_id", "=", backend.company_id.id), ("id", "!=", backend.id)]
            )
            if others:
                raise ValidationError(
                    _(
                        "The company %(company)s already has the Fortnox connection "
                        "%(backend)s. Archive it first.",
                        company=backend.company_id.display_name,
                        backend=others[0].display_name,
                    )
                )

    @api.constrains("scopes", "export_vendor_bills", "stock_voucher_mode")
    def _check_scopes(self):
        for backend in self:
            scopes = (backend.scopes or "").split()
            if "invoice" not in scopes:
                raise ValidationError(_("The scopes must include 'invoice' to export invoices."))
            if backend.stock_voucher_mode != "off" and "bookkeeping" not in scopes:
                raise ValidationError(
                    _("The scopes must include 'bookkeeping' to send stock vouchers.")
                )
            missing = [scope for scope in SUPPLIER_SCOPES if scope not in scopes]
            if backend.export_vendor_bills and missing:
                raise ValidationError(
                    _(
                        "The scopes must include %(scopes)s to export vendor bills. Add them, "
                        "then press Reconnect so that Fortnox grants them.",
                        scopes=", ".join(f"'{scope}'" for scope in missing),
                    )
                )

    @api.constrains("stock_voucher_series")
    def _check_stock_voucher_series(self):
        for backend in self:
            if not VOUCHER_SERIES_CODE.fullmatch(backend.stock_voucher_series or ""):
                raise ValidationError(
                    _(
                        "The voucher series %(series)s is not a Fortnox series code: use capital "
                        "letters and digits, for example A.",
                        series=backend.stock_voucher_series,
                    )
                )

    @api.onchange("stock_voucher_mode")
    def _onchange_stock_voucher_mode(self):
        # Entries from before the switch were booked in Fortnox by other means.
        if self.stock_voucher_mode != "off" and self._origin.stock_voucher_mode == "off":
            self.stock_voucher_start_date = fields.Date.context_today(self)

    @api.onchange("export_vendor_bills")
    def _onchange_export_vendor_bills(self):
        scopes = (self.scopes or "").split()
        if self.export_vendor_bills:
            self.scopes = " ".join(scopes + [s for s in SUPPLIER_SCOPES if s not in scopes])

    # ------------------------------------------------------------------
    # Jobs
    # ------------------------------------------------------------------

    def _get_job_channel(self):
        self.ensure_one()
        # Users who queue jobs have no access to queue_job's channels.
        backend = self.sudo()
        if not backend.job_channel_id:
            backend._ensure_job_channel()
        return backend.job_channel_id.complete_name

    @api.model
    def _fortnox_backend_for(self, company):
        """Return the active Fortnox connection of ``company`` (empty when there is none)."""
        return self.sudo().search([("company_id", "=", company.id)], limit=1)

    # ------------------------------------------------------------------
    # OAuth2 authorization-code flow
    # ------------------------------------------------------------------

    def _get_oauth(self):
        """Return the OAuth client of the Fortnox app configured on this backend.

        Raises AccessError for a caller who may not read the backend.
        """
        self.ensure_one()
        self.check_access("read")
        backend = self.sudo()
        if not (backend.client_id and backend.client_secret):
            raise UserError(
                _(
                    "The Fortnox connection %(backend)s has no client ID or client secret: enter "
                    "those of your app in Fortnox's developer portal.",
                    backend=self.display_name,
                )
            )
        try:
            return FortnoxOAuth(
                backend.client_id,
                backend.client_secret,
                backend.auth_url,
                backend.token_url,
                connect_timeout=backend.connect_timeout,
                read_timeout=backend.read_timeout,
            )
        except ValueError as error:
            raise UserError(
                _(
                    "The Fortnox connection %(backend)s is misconfigured: %(error)s",
                    backend=self.display_name,
                    error=error,
                )
            ) from error

    def action_connect(self):
        """Button: send the browser through Fortnox's consent page and back."""
        self.ensure_one()
        self.check_access("write")
        self._get_oauth()
        return {
            "type": "ir.actions.act_url",
            "url": f"/fortnox/oauth/start/{self.id}",
            "target": "self",
        }

    def _fortnox_start_authorization(self):
        """Store a new single-use OAuth state; return it and Fortnox's authorization URL.

        Only a hash of the state is stored on the backend. The caller keeps the
        state itself in the user's session, and the callback must match both.
        """
        self.ensure_one()
        self.check_access("write")
        oauth = self._get_oauth()
        state = secrets.token_urlsafe(32)
        self.sudo().write(
            {
                "oauth_state_hash": hash_oauth_state(state),
                "oauth_state_expires": fields.Datetime.now() + OAUTH_STATE_LIFETIME,
            }
        )
        url = oauth.authorize_url(state, self.scopes.split(), self.redirect_uri)
        _logger.info(
            "Fortnox connection %s: authorization started by user %s", self.id, self.env.uid
        )
        return state, url

    def _fortnox_finish_authorization(self, state, code, error=None, error_description=None):
        """Check the callback's state, trade the code for tokens and store them.

        ``error`` and ``error_description`` are the OAuth error Fortnox sent
        instead of a code. The state is spent whatever the outcome, so a
        replayed callback is rejected. Raises UserError with a message for the user.
        """
        self.ensure_one()
        backend = self.sudo()
        expected = backend.oauth_state_hash
        expires = backend.oauth_state_expires
        backend.write({"oauth_state_hash": False, "oauth_state_expires": False})
        if not (
            expected
            and state
            and hmac.compare_digest(expected, hash_oauth_state(state))
            and expires
            and expires >= fields.Datetime.now()
        ):
            _logger.warning("Fortnox connection %s: callback with an invalid state", self.id)
            raise UserError(
                _(
                    "This answer from Fortnox does not belong to a connection started here, or "
                    "it came too late. Press Connect to Fortnox again."
                )
            )
        if error == "access_denied":
            message = _("Access was denied in Fortnox. Press Connect to Fortnox to try again.")
        elif error:
            message = _(
                "Fortnox refused the connection (%(code)s: %(reason)s). Check the client ID and "
                "the scopes, then press Connect to Fortnox again.",
                code=error,
                reason=error_description or "-",
            )
        elif not code:
            message = _("Fortnox sent no authorization code. Press Connect to Fortnox again.")
        if error or not code:
            backend.write({"last_error": message, "last_error_date": fields.Datetime.now()})
            raise UserError(message)

        try:
            token = self._get_oauth().exchange_code(code, self.redirect_uri)
        except FixCredentialsError as failure:
            message = self._fortnox_credentials_message(failure)
            backend.write({"last_error": message, "last_error_date": fields.Datetime.now()})
            raise UserError(message) from failure
        except RemoteError as failure:
            message = _(
                "Fortnox could not complete the connection: %(error)s Try again in a moment.",
                error=failure,
            )
            backend.write({"last_error": message, "last_error_date": fields.Datetime.now()})
            raise UserError(message) from failure

        self._fortnox_lock_row()
        backend.write(
            {
                **self._fortnox_token_values(token),
                "state": "connected",
                "connected_date": fields.Datetime.now(),
                "granted_scopes": token.scope,
                "last_error": False,
                "last_error_date": False,
            }
        )
        reconnect_summary = _("Connect Odoo to Fortnox again")
        backend.activity_ids.filtered(
            lambda activity: activity.summary == reconnect_summary
        ).action_feedback(feedback=_("Connected to Fortnox again."))
        self.message_post(body=_("Connected to Fortnox (scopes: %(scopes)s).", scopes=token.scope))
        _logger.info("Fortnox connection %s: connected, scopes %s", self.id, token.scope)
        self.env["account.move"]._fortnox_resume_blocked(self)
        return _("Odoo is now connected to Fortnox.")

    def _fortnox_lock_row(self):
        self.flush_recordset()
        self.env.cr.execute("SELECT id FROM fortnox_backend WHERE id = %s FOR UPDATE", [self.id])

    @staticmethod
    def _fortnox_token_values(token):
        return {
            "access_token": token.access_token,
            "refresh_token": token.refresh_token,
            "token_expires_at": to_naive_utc(token.expires_at),
        }

    def _fortnox_credentials_message(self, error):
        if error.remote_code == "invalid_client":
            return _(
                "Fortnox rejected the client ID or client secret (%(reason)s). Correct them on "
                "the Fortnox connection, then press Connect to Fortnox again.",
                reason=error.remote_message or error.remote_code,
            )
        return _(
            "Fortnox no longer accepts this connection (%(code)s: %(reason)s). Press Connect to "
            "Fortnox again.",
            code=error.remote_code or error.status,
            reason=error.remote_message or str(error),
        )

    def action_disconnect(self):
        """Button: forget the tokens; Fortnox keeps the integration until it is removed there."""
        self.check_access("write")
        self.sudo().write(
            {
                "access_token": False,
                "refresh_token": False,
                "token_expires_at": False,
                "state": "not_connected",
            }
        )
        for backend in self:
            backend.message_post(body=_("Disconnected from Fortnox; the tokens were deleted."))

    # ------------------------------------------------------------------
    # Access tokens
    # ------------------------------------------------------------------

    def _fortnox_new_cursor(self):
        """Return a new cursor for work that commits on its own (in tests, a test cursor)."""
        return self.env.registry.cursor()

    def _fortnox_token_is_fresh(self):
        expires = self.sudo().token_expires_at
        return bool(expires) and expires - fields.Datetime.now() > TOKEN_REFRESH_MARGIN

    def _fortnox_reconnect_error(self, reason=None):
        return FortnoxReconnectNeeded(
            _(
                "The Fortnox connection %(backend)s needs to be connected again: %(reason)s",
                backend=self.display_name,
                reason=reason
                or self.sudo().last_error
                or _("press Connect to Fortnox on the connection."),
            )
        )

    def _fortnox_get_access_token(self, rejected_token=None):
        """Return an access token valid for a few more minutes, refreshing it if needed.

        ``rejected_token`` is a token Fortnox has just rejected: it is replaced
        even before its expiry. Raises FortnoxReconnectNeeded when no refresh
        is possible, RetryLaterError when Fortnox is unavailable.
        """
        self.ensure_one()
        backend = self.sudo()
        if backend.state != "connected" or not backend.refresh_token:
            raise self._fortnox_reconnect_error()
        if not rejected_token and backend.access_token and self._fortnox_token_is_fresh():
            return backend.access_token
        return self._fortnox_refresh_access_token(rejected_token=rejected_token)

    def _fortnox_refresh_access_token(self, rejected_token=None):
        """Refresh the access token under the backend's row lock, in a transaction of its own.

        The row lock makes concurrent workers take turns. Each one reads the
        tokens again once it holds the lock and refreshes only when they are
        still stale, so a refresh token is never presented twice. The new
        tokens are committed at once, before the caller goes on, so a later
        rollback of the caller cannot lose them.
        """
        self.ensure_one()
        backend_id = self.id
        oauth = self._get_oauth()
        # The other transaction reads the backend from the database, not from this cache.
        self.flush_recordset()

        def refresh(cr):
            backend = api.Environment(cr, SUPERUSER_ID, {})["fortnox.backend"].browse(backend_id)
            backend._fortnox_lock_for_refresh()
            if backend.state != "connected" or not backend.refresh_token:
                return None, backend.last_error
            if (
                backend.access_token
                and backend.access_token != rejected_token
                and backend._fortnox_token_is_fresh()
            ):
                return backend.access_token, None
            try:
                token = oauth.refresh(backend.refresh_token)
            except FixCredentialsError as error:
                backend._fortnox_set_reconnect_needed(error)
                return None, backend.last_error
            backend.write(self._fortnox_token_values(token))
            return token.access_token, None

        try:
            access_token, reason = run_in_own_transaction(self._fortnox_new_cursor, refresh)
        except pg_errors.LockNotAvailable as error:
            raise RetryLaterError(
                _("Another worker has been refreshing the Fortnox token for too long.")
            ) from error
        self.invalidate_recordset(CONNECTION_FIELDS)
        if access_token is None:
            raise self._fortnox_reconnect_error(reason)
        return access_token

    def _fortnox_lock_for_refresh(self):
        """Take the backend's row lock, waiting a bounded time for another refresh to end."""
        self.env.cr.execute(f"SET LOCAL lock_timeout = '{REFRESH_LOCK_TIMEOUT}'")
        self.env.cr.execute("SELECT id FROM fortnox_backend WHERE id = %s FOR UPDATE", [self.id])

    def _fortnox_set_reconnect_needed(self, error):
        """Record that Fortnox refused the connection and ask the responsible to reconnect."""
        self.ensure_one()
        message = self._fortnox_credentials_message(error)
        _logger.warning("Fortnox connection %s: reconnect needed: %s", self.id, message)
        self.write(
            {
                "state": "reconnect",
                "access_token": False,
                "refresh_token": False,
                "token_expires_at": False,
                "last_error": message,
                "last_error_date": fields.Datetime.now(),
            }
        )
        self.message_post(body=message)
        summary = _("Connect Odoo to Fortnox again")
        if not self.activity_ids.filtered(lambda activity: activity.summary == summary):
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=message,
                user_id=(self.user_id or self.env.ref("base.user_admin")).id,
            )

    # ------------------------------------------------------------------
    # API access for the exporters
    # ------------------------------------------------------------------

    def _fortnox_limiter(self):
        """Return the request limiter shared by all workers for this backend."""
        self.ensure_one()
        return DatabaseRateLimiter(
            self._fortnox_new_cursor,
            self.id,
            self.rate_limit_requests,
            FORTNOX_WINDOW_SECONDS,
        )

    def _fortnox_get_client(self):
        """Return a Fortnox API client with a fresh access token and the shared limiter.

        Raises FortnoxReconnectNeeded or RetryLaterError (see
        :meth:`_fortnox_get_access_token`), and AccessError for a caller who may
        not read the backend, for example a user of another company.
        """
        self.ensure_one()
        self.check_access("read")
        token = self._fortnox_get_access_token()
        return FortnoxClient(
            self.api_url,
            token,
            limiter=self._fortnox_limiter(),
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
        )

    def _fortnox_run(self, work):
        """Return ``work(client)``, run again once with a new token if Fortnox rejects the token.

        Fortnox may reject an access token before its stated expiry, for
        example after the integration was reauthorised elsewhere. ``work``
        must be safe to run twice.
        """
        self.ensure_one()
        client = self._fortnox_get_client()
        try:
            return work(client)
        except FixCredentialsError as error:
            if error.status != 401:
                raise
            _logger.info("Fortnox connection %s: access token rejected, refreshing", self.id)
            client.access_token = self._fortnox_get_access_token(rejected_token=client.access_token)
            return work(client)

    def _fortnox_account_number(self, account):
        """Return the Fortnox account of an Odoo account: the mapped one, else the same code."""
        self.ensure_one()
        mapping = self.account_map_ids.filtered(lambda item: item.account_id == account)
        if mapping:
            return mapping[0].fortnox_account
        code = account.with_company(self.company_id).code or ""
        if len(code) == 4 and code.isdigit():
            return int(code)
        raise UserError(
            _(
                "The account %(account)s has no Fortnox account: its code is not a four-digit "
                "BAS number. Add it to the account mapping of the Fortnox connection.",
                account=account.display_name,
            )
        )

    def action_test_connection(self):
        """Button: read the company's currency from Fortnox to prove the connection works."""
        self.ensure_one()
        currency = self.company_id.currency_id.name
        try:
            self._fortnox_run(lambda client: client.get_currency(currency))
        except (RemoteError, UserError) as error:
            reason = remote_error_text(self.env, error)
            return self._notify(_("Connection failed: %(reason)s", reason=reason), "danger")
        return self._notify(
            _("Connected to Fortnox; the currency %(currency)s was read.", currency=currency),
            "success",
        )

    def _notify(self, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.display_name,
                "message": message,
                "type": kind,
                "sticky": kind == "danger",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_fortnox_send_stock_vouchers(self):
        """Button: gather every unsent stock valuation entry up to today and send the vouchers.

        Unlike the cron, which waits for a day to end, this includes today's
        entries, so an entry of today posted later goes in a further voucher
        for today. Vouchers not in Fortnox yet are sent again too.
        """
        self.ensure_one()
        vouchers_model = self.env["fortnox.voucher"]
        vouchers_model.browse()._fortnox_check_user()
        if self.stock_voucher_mode == "off":
            raise UserError(_("Stock vouchers are off on %(backend)s.", backend=self.display_name))
        new = vouchers_model._fortnox_collect(self, fields.Date.context_today(self))
        waiting = vouchers_model.sudo().search(
            [
                ("backend_id", "=", self.id),
                ("fortnox_state", "in", ("pending", "failed", "reconnect")),
            ]
        )
        (new | waiting)._fortnox_send_again()
        return self._notify(
            _(
                "%(new)s new stock voucher(s) gathered; %(count)s voucher(s) are being sent to "
                "Fortnox.",
                new=len(new),
                count=len(new | waiting),
            ),
            "success",
        )

    def action_view_stock_vouchers(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ongoing_fortnox_sync.action_fortnox_voucher"
        )
        action["domain"] = [("backend_id", "=", self.id)]
        return action

    def action_view_failed_bills(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_in_invoice")
        action["domain"] = [
            ("company_id", "=", self.company_id.id),
            ("move_type", "in", ("in_invoice", "in_refund")),
            ("fortnox_state", "in", ("failed", "reconnect")),
        ]
        action["context"] = {"default_move_type": "in_invoice"}
        return action

    def action_view_failed_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice")
        action["domain"] = [
            ("company_id", "=", self.company_id.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("fortnox_state", "in", ("failed", "reconnect")),
        ]
        action["context"] = {"default_move_type": "out_invoice"}
        return action
