import json
import logging

from odoo import _, api, fields, models

_logger = logging.getLogger(__name__)

# Kinds of Ongoing objects an event can concern, recognised by the id key it carries.
EVENT_KINDS = [
    ("outbound", "Order"),
    ("purchase", "Purchase Order"),
    ("return", "Return Order"),
    ("inventory", "Inventory"),
    ("unknown", "Unknown"),
]
ID_KEYS = (
    ("returnOrderId", "returnOrderNumber", "return"),
    ("purchaseOrderId", "purchaseOrderNumber", "purchase"),
    ("orderId", "orderNumber", "outbound"),
)
# Picking and return events name their document in a nested object.
NESTED_DOCUMENT_KEYS = ("returnOrder", "purchaseOrder", "order")
INVENTORY_KEYS = ("inventoryId", "inventoryTransactionId", "articleSystemId", "articleNumber")
INVENTORY_OBJECTS = ("inventory", "article", "articleItem", "transaction")
# Ids are stored in PostgreSQL integer columns, so larger values cannot be Ongoing ids.
MAX_REMOTE_ID = 2**31 - 1
# An estimate far above the document numbers and event ids Ongoing sends, so a longer
# value is not a reference.
MAX_REFERENCE_LENGTH = 255

EVENT_STATES = [
    ("queued", "Queued"),
    ("done", "Done"),
    ("ignored", "Ignored"),
    ("invalid", "Invalid"),
    ("failed", "Failed"),
]


class InvalidEventError(ValueError):
    """The webhook body is not an Ongoing event the addon can act on."""


def classify_event(payload):
    """Return (kind, remote id, remote number) of a decoded webhook body.

    Raise InvalidEventError when a field has a type Ongoing never sends.
    """
    if not isinstance(payload, dict):
        raise InvalidEventError("The body is not a JSON object.")

    event_id = payload.get("webhookEventId")
    if event_id is not None and (
        isinstance(event_id, bool) or not isinstance(event_id, (str, int))
    ):
        raise InvalidEventError("webhookEventId must be a string or a number.")
    _check_reference("webhookEventId", str(event_id) if event_id is not None else None)

    candidates = [payload] + [
        payload[key] for key in NESTED_DOCUMENT_KEYS if isinstance(payload.get(key), dict)
    ]
    for document in candidates:
        for id_key, number_key, kind in ID_KEYS:
            if id_key in document or number_key in document:
                return (kind, *_document_reference(document, id_key, number_key))
    if any(key in payload for key in INVENTORY_KEYS) or any(
        isinstance(payload.get(key), dict) for key in INVENTORY_OBJECTS
    ):
        return "inventory", 0, ""
    return "unknown", 0, ""


def _document_reference(document, id_key, number_key):
    remote_id = document.get(id_key)
    number = document.get(number_key)
    if remote_id is not None and (
        isinstance(remote_id, bool)
        or not isinstance(remote_id, int)
        or not 0 < remote_id <= MAX_REMOTE_ID
    ):
        raise InvalidEventError(f"{id_key} must be a whole number between 1 and {MAX_REMOTE_ID}.")
    if number is not None and not isinstance(number, str):
        raise InvalidEventError(f"{number_key} must be a string.")
    _check_reference(number_key, number)
    if remote_id is None and not number:
        raise InvalidEventError(f"The event has neither {id_key} nor {number_key}.")
    return remote_id or 0, number or ""


def _check_reference(key, value):
    """Raise InvalidEventError for a reference no Ongoing object can have."""
    if value is None:
        return
    if len(value) > MAX_REFERENCE_LENGTH:
        raise InvalidEventError(f"{key} is too long ({len(value)} characters).")
    # PostgreSQL text cannot contain NUL, and control characters have no place in a reference.
    if any(ord(character) < 32 for character in value):
        raise InvalidEventError(f"{key} contains a control character.")


class OngoingWebhookEvent(models.Model):
    """A webhook call received from Ongoing, kept as it arrived.

    Events are hints: the job that handles one reads the object's current state from
    Ongoing's API, so duplicates, reordering and late arrivals book nothing twice.
    """

    _name = "ongoing.webhook.event"
    _description = "Ongoing WMS Webhook Event"
    _order = "id desc"
    _rec_name = "event_id"

    backend_id = fields.Many2one("ongoing.backend", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    event_id = fields.Char(string="Event ID", readonly=True, help="Ongoing's webhookEventId.")
    kind = fields.Selection(EVENT_KINDS, readonly=True, index=True)
    remote_id = fields.Integer(string="Ongoing ID", readonly=True, index=True)
    remote_number = fields.Char(string="Number", readonly=True)
    received_date = fields.Datetime(readonly=True, default=fields.Datetime.now, index=True)
    payload = fields.Text(
        readonly=True,
        help="The body as received, with NUL characters replaced because PostgreSQL cannot "
        "store them.",
    )
    state = fields.Selection(
        EVENT_STATES, required=True, default="queued", readonly=True, index=True
    )
    state_message = fields.Text(string="Message", readonly=True)
    processed_date = fields.Datetime(readonly=True)

    _sql_constraints = [
        # Ongoing resends the same event on retries; NULL ids (invalid bodies) never collide.
        ("event_uniq", "unique(backend_id, event_id)", "This Ongoing event is already stored."),
    ]

    @api.model
    def _ingest(self, backend, raw_body):
        """Store one webhook body; return (http status, outcome, message) for the controller.

        The message gives the reason an invalid body was rejected, for the sender's webhook log.

        Uses one INSERT ... ON CONFLICT so concurrent deliveries of the same event
        store it once without raising.
        """
        # PostgreSQL text cannot store NUL, so the kept copy shows it as a replacement character.
        text = raw_body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")
        try:
            payload = json.loads(text)
            kind, remote_id, number = classify_event(payload)
        except (ValueError, InvalidEventError, RecursionError) as error:
            if isinstance(error, InvalidEventError):
                message = str(error)
            elif isinstance(error, RecursionError):
                message = _("The body is JSON nested too deeply to be an Ongoing event.")
            else:
                message = _("The body is not valid JSON.")
            self._insert_row(
                backend, None, "unknown", 0, "", payload=text, state="invalid", message=message
            )
            _logger.warning(
                "Ongoing backend %s: invalid webhook body stored: %s", backend.id, message
            )
            return 400, "invalid", message

        goods_owner = payload.get("goodsOwnerId")
        if goods_owner is not None and goods_owner != backend.goods_owner_id:
            message = _(
                "The event is for goods owner %(owner)s, but this backend is goods owner %(ours)s.",
                # repr() keeps a hostile value printable and short; an id prints as itself.
                owner=repr(goods_owner)[:40],
                ours=backend.goods_owner_id,
            )
            self._insert_row(
                backend,
                None,
                kind,
                remote_id,
                number,
                payload=text,
                state="invalid",
                message=message,
            )
            return 400, "invalid", message

        event_id = payload.get("webhookEventId")
        event_id = str(event_id) if event_id is not None else None
        state, message = "queued", False
        if kind == "unknown":
            state, message = (
                "ignored",
                _("The event names no order, purchase order, return or article."),
            )
        row_id = self._insert_row(
            backend, event_id, kind, remote_id, number, payload=text, state=state, message=message
        )
        if row_id is None:
            return 200, "duplicate", None
        if state == "queued":
            backend._ongoing_schedule_sync(kind, remote_id=remote_id, remote_number=number)
        return 200, "accepted", None

    @api.model
    def _insert_row(self, backend, event_id, kind, remote_id, number, *, payload, state, message):
        self.env.cr.execute(
            """
            INSERT INTO ongoing_webhook_event
                (backend_id, company_id, event_id, kind, remote_id, remote_number,
                 payload, state, state_message, received_date, create_date,
                 write_date, create_uid, write_uid)
            VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s,
                    now() at time zone 'UTC', now() at time zone 'UTC',
                    now() at time zone 'UTC', %s, %s)
            ON CONFLICT (backend_id, event_id) DO NOTHING
            RETURNING id
            """,
            [
                backend.id,
                backend.company_id.id,
                event_id,
                kind,
                remote_id,
                number,
                payload,
                state,
                message or None,
                self.env.uid,
                self.env.uid,
            ],
        )
        row = self.env.cr.fetchone()
        return row[0] if row else None

    def _mark(self, state, message=False):
        self.write(
            {"state": state, "state_message": message, "processed_date": fields.Datetime.now()}
        )

    def action_requeue(self):
        """Button: handle the events again by reading their objects' state from Ongoing."""
        for event in self.filtered(lambda e: e.kind not in ("unknown", False)):
            event.state = "queued"
            event.backend_id._ongoing_schedule_sync(
                event.kind, remote_id=event.remote_id, remote_number=event.remote_number
            )
        return True
