"""OAuth2 authorization server of the Fortnox simulator.

It follows Fortnox's authorization-code flow: an authorization code is single
use and short-lived, an access token lives an hour, and a refresh token is
single use. Presenting a refresh token that was already spent returns
``invalid_grant`` and revokes the whole connection, which is what Fortnox does
when two refreshes race. Times come from the simulator's clock so tests can
expire tokens without waiting.
"""

import secrets
from dataclasses import dataclass, field

#: Scopes a Fortnox app can request; each one grants read and write.
KNOWN_SCOPES = frozenset(
    {
        "article",
        "bookkeeping",
        "companyinformation",
        "currency",
        "customer",
        "invoice",
        "payment",
        "price",
        "settings",
        "supplier",
        "supplierinvoice",
    }
)

ACCESS_TOKEN_LIFETIME = 3600
REFRESH_TOKEN_LIFETIME = 45 * 24 * 3600
AUTHORIZATION_CODE_LIFETIME = 600


class OAuthError(Exception):
    """An RFC 6749 error response: ``error`` code, description and HTTP status."""

    def __init__(self, error, description, status=400):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def to_json(self):
        return {"error": self.error, "error_description": self.description}


@dataclass
class RegisteredClient:
    client_id: str
    client_secret: str
    #: Exact redirect URIs; None accepts any http(s) URI on a loopback host.
    redirect_uris: tuple | None = None

    def accepts_redirect_uri(self, uri):
        if self.redirect_uris is not None:
            return uri in self.redirect_uris
        return uri.startswith(
            (
                "http://127.0.0.1:",
                "http://127.0.0.1/",
                "http://localhost:",
                "http://localhost/",
                "https://localhost",
            )
        )


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str | None
    scopes: tuple
    expires_at: float
    used: bool = False


@dataclass
class Connection:
    """One authorised integration of a client with the company."""

    id: int
    client_id: str
    company_id: str
    scopes: tuple
    created_at: float
    refresh_token: str
    refresh_expires_at: float
    spent_refresh_tokens: set = field(default_factory=set)
    revoked: bool = False
    revoked_reason: str = ""

    def summary(self):
        # Tokens stay out of the summary: it is served by the inspection API.
        return {
            "id": self.id,
            "client_id": self.client_id,
            "company_id": self.company_id,
            "scopes": list(self.scopes),
            "revoked": self.revoked,
            "revoked_reason": self.revoked_reason,
        }


@dataclass
class AccessToken:
    token: str
    connection_id: int
    expires_at: float


class OAuthServer:
    """Codes, connections and tokens; every method expects the caller to hold the app lock."""

    def __init__(self, clock, company_id, access_token_lifetime=ACCESS_TOKEN_LIFETIME):
        self.clock = clock
        self.company_id = company_id
        self.access_token_lifetime = access_token_lifetime
        self.clients = {}
        self.codes = {}
        self.connections = {}
        self.access_tokens = {}
        self.deny_authorization = False
        self._next_connection_id = 1

    def register_client(self, client_id, client_secret, redirect_uris=None):
        self.clients[client_id] = RegisteredClient(
            client_id, client_secret, tuple(redirect_uris) if redirect_uris else None
        )

    # ------------------------------------------------------------------
    # Authorization endpoint
    # ------------------------------------------------------------------

    def validate_authorization_request(self, args):
        """Return (client, redirect_uri) or raise OAuthError for a request that cannot redirect.

        Per RFC 6749 an unknown client or an unregistered redirect URI is
        shown to the user instead of being sent to the redirect URI.
        """
        client = self.clients.get(args.get("client_id", ""))
        if client is None:
            raise OAuthError("invalid_client", "Unknown client_id.", status=400)
        redirect_uri = args.get("redirect_uri")
        if not redirect_uri:
            raise OAuthError("invalid_request", "The redirect_uri parameter is missing.")
        if not client.accepts_redirect_uri(redirect_uri):
            raise OAuthError(
                "invalid_request", f"The redirect_uri {redirect_uri} is not registered."
            )
        return client, redirect_uri

    def authorize(self, client, redirect_uri, args):
        """Return the query parameters for the redirect back to the app."""
        state = args.get("state")
        answer = {"state": state} if state is not None else {}
        if args.get("response_type") != "code":
            return {"error": "unsupported_response_type", **answer}
        scopes = tuple(args.get("scope", "").split())
        unknown = sorted(set(scopes) - KNOWN_SCOPES)
        if not scopes or unknown:
            description = f"Unknown scope: {' '.join(unknown)}" if unknown else "No scope."
            return {"error": "invalid_scope", "error_description": description, **answer}
        if self.deny_authorization:
            return {
                "error": "access_denied",
                "error_description": "The user denied access.",
                **answer,
            }

        code = secrets.token_urlsafe(24)
        self.codes[code] = AuthorizationCode(
            code=code,
            client_id=client.client_id,
            redirect_uri=redirect_uri,
            scopes=scopes,
            expires_at=self.clock() + AUTHORIZATION_CODE_LIFETIME,
        )
        return {"code": code, **answer}

    # ------------------------------------------------------------------
    # Token endpoint
    # ------------------------------------------------------------------

    def authenticate_client(self, authorization):
        """Return the client named by HTTP Basic credentials, or raise invalid_client."""
        if authorization is None or authorization.type != "basic":
            raise OAuthError(
                "invalid_client", "HTTP Basic client authentication is required.", status=401
            )
        client = self.clients.get(authorization.username or "")
        if client is None or not secrets.compare_digest(
            client.client_secret, authorization.password or ""
        ):
            raise OAuthError("invalid_client", "Invalid client credentials.", status=401)
        return client

    def exchange_code(self, client, form):
        code = self.codes.get(form.get("code", ""))
        if code is None or code.client_id != client.client_id:
            raise OAuthError("invalid_grant", "Invalid authorization code.")
        if code.used:
            raise OAuthError("invalid_grant", "The authorization code was already used.")
        if code.expires_at <= self.clock():
            raise OAuthError("invalid_grant", "The authorization code has expired.")
        if code.redirect_uri and form.get("redirect_uri") != code.redirect_uri:
            raise OAuthError(
                "invalid_grant", "The redirect_uri does not match the authorization request."
            )
        code.used = True

        connection = Connection(
            id=self._next_connection_id,
            client_id=client.client_id,
            company_id=self.company_id,
            scopes=code.scopes,
            created_at=self.clock(),
            refresh_token="",
            refresh_expires_at=0.0,
        )
        self._next_connection_id += 1
        self.connections[connection.id] = connection
        return self._issue_tokens(connection)

    def refresh(self, client, form):
        presented = form.get("refresh_token", "")
        for connection in self.connections.values():
            if connection.client_id != client.client_id:
                continue
            if presented in connection.spent_refresh_tokens:
                self.revoke(connection.id, "a spent refresh token was presented again")
                raise OAuthError(
                    "invalid_grant",
                    "The refresh token was already used; the connection is revoked.",
                )
            if presented and secrets.compare_digest(connection.refresh_token, presented):
                if connection.revoked:
                    raise OAuthError("invalid_grant", "The connection is revoked.")
                if connection.refresh_expires_at <= self.clock():
                    raise OAuthError("invalid_grant", "The refresh token has expired.")
                connection.spent_refresh_tokens.add(presented)
                return self._issue_tokens(connection)
        raise OAuthError("invalid_grant", "Invalid refresh token.")

    def _issue_tokens(self, connection):
        now = self.clock()
        access = AccessToken(
            token=secrets.token_urlsafe(32),
            connection_id=connection.id,
            expires_at=now + self.access_token_lifetime,
        )
        self.access_tokens[access.token] = access
        connection.refresh_token = secrets.token_urlsafe(32)
        connection.refresh_expires_at = now + REFRESH_TOKEN_LIFETIME
        return {
            "access_token": access.token,
            "refresh_token": connection.refresh_token,
            "scope": " ".join(connection.scopes),
            "expires_in": self.access_token_lifetime,
            "token_type": "bearer",
        }

    # ------------------------------------------------------------------
    # Resource server side
    # ------------------------------------------------------------------

    def connection_for_token(self, token):
        """Return the live connection of an access token, or None when it is unusable."""
        access = self.access_tokens.get(token or "")
        if access is None or access.expires_at <= self.clock():
            return None
        connection = self.connections.get(access.connection_id)
        if connection is None or connection.revoked:
            return None
        return connection

    def create_connection(self, client_id, scopes):
        """Authorise a connection without the browser round trip (tests and the demo)."""
        client = self.clients[client_id]
        redirect_uri = client.redirect_uris[0] if client.redirect_uris else "http://localhost/"
        answer = self.authorize(
            client,
            redirect_uri,
            {"response_type": "code", "scope": " ".join(scopes)},
        )
        if "error" in answer:
            raise OAuthError(answer["error"], answer.get("error_description", answer["error"]))
        return self.exchange_code(client, {"code": answer["code"], "redirect_uri": redirect_uri})

    def revoke(self, connection_id=None, reason="revoked by the operator"):
        """Revoke one connection, or every connection when no id is given; return the count."""
        targets = (
            list(self.connections.values())
            if connection_id is None
            else [self.connections[connection_id]]
        )
        for connection in targets:
            connection.revoked = True
            connection.revoked_reason = reason
        return len(targets)
