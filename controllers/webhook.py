import hmac
import json
import logging

from werkzeug.wrappers import Response

from odoo import http
from odoo.http import request

_logger = logging.getLogger(__name__)

# Ongoing's events are a few hundred bytes; anything far larger is not one.
MAX_BODY_BYTES = 64 * 1024
TOKEN_HEADER = "X-Auth-Token"  # noqa: S105 (a header name, not a secret)
BACKEND_FIELDS = ["active", "webhook_token", "goods_owner_id", "company_id", "job_channel_name"]


def _json(status, outcome, message=None):
    body = {"status": outcome}
    if message:
        body["message"] = message
    return Response(json.dumps(body), status=status, content_type="application/json")


class OngoingWebhookController(http.Controller):
    @http.route(
        "/ongoing/webhook/<int:backend_id>",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        # Routes with auth="none" default to a read-only cursor in Odoo 18, so every
        # event would first fail to be stored and be replayed read-write.
        readonly=False,
    )
    def receive(self, backend_id, **_params):
        """Store an Ongoing webhook, queue its handling and respond at once.

        401 for a missing or wrong token (nothing stored), 411 without a
        Content-Length, 413 for an oversized body, 400 for a body that is not an
        Ongoing event (stored as invalid for inspection), 200 for an accepted or
        duplicate event.
        """
        httprequest = request.httprequest
        length = httprequest.content_length
        if length is None:
            return _json(411, "rejected", "A Content-Length header is required.")
        if length > MAX_BODY_BYTES:
            return _json(413, "rejected", "The body exceeds the size limit.")

        env = request.env(su=True)
        # One query fetches everything the request needs from the backend.
        backend = (
            env["ongoing.backend"]
            .with_context(active_test=False)
            .search_fetch([("id", "=", backend_id)], BACKEND_FIELDS)
        )
        token = httprequest.headers.get(TOKEN_HEADER, "")
        expected = backend.webhook_token if backend and backend.active else None
        # Compare even when the backend is missing, so timing reveals nothing about ids.
        valid = hmac.compare_digest(token.encode(), (expected or "\0" * 43).encode())
        if not (valid and expected):
            _logger.warning(
                "Ongoing webhook for backend %s rejected: missing or wrong %s",
                backend_id,
                TOKEN_HEADER,
            )
            return _json(401, "unauthorized")

        # Content-Length is checked above, so this reads at most MAX_BODY_BYTES. The
        # body stays cached: Odoo replays the handler after a serialization failure.
        body = httprequest.get_data()
        status, outcome, message = env["ongoing.webhook.event"]._ingest(backend, body)
        return _json(status, outcome, message)
