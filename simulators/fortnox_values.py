"""Parsing and checking of field values the way Fortnox does it.

Amounts are kept as ``Decimal`` and rounded half up to the öre; they go back
to JSON as numbers. Fortnox accepts numbers sent as strings ("25"), so do
these helpers.
"""

import re
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .fortnox_errors import (
    INVALID_CHARACTERS,
    INVALID_DATE,
    INVALID_FIELD_NAME,
    INVALID_VAT_RATE,
    NOT_BOOLEAN,
    NOT_NUMERIC,
    REQUIRED_FIELD_MISSING,
    FortnoxApiError,
)

CENT = Decimal("0.01")
ZERO = Decimal("0")

#: VAT rates (percent) that exist in a Swedish Fortnox company by default.
VAT_RATES = (Decimal(25), Decimal(12), Decimal(6), Decimal(0))

#: Characters Fortnox allows in customer, supplier and article numbers.
DOCUMENT_NUMBER_PATTERN = re.compile(r"^[A-Za-z0-9+\-/_]+$")


def round_money(value):
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value, field, default=ZERO):
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise FortnoxApiError(f"Värdet måste vara numeriskt ({field})", NOT_NUMERIC)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise FortnoxApiError(f"Värdet måste vara numeriskt ({field})", NOT_NUMERIC) from None
    if not number.is_finite():
        raise FortnoxApiError(f"Värdet måste vara numeriskt ({field})", NOT_NUMERIC)
    return number


def to_bool(value, field, default=False):
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise FortnoxApiError(f"Värdet måste vara en boolean ({field})", NOT_BOOLEAN)


def to_date(value, field):
    """Return a ``date`` from Fortnox's YYYY-MM-DD, or raise the invalid date error."""
    if not isinstance(value, str):
        raise FortnoxApiError(f"Ogiltigt datum ({field})", INVALID_DATE)
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FortnoxApiError(f"Ogiltigt datum ({field}: {value})", INVALID_DATE) from None


def money_json(value):
    """Return an amount as a JSON number with at most two decimals."""
    # Adding 0.0 turns a negative zero (a credited zero amount) into 0.0.
    return float(round_money(value)) + 0.0


def require(payload, field):
    value = payload.get(field)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise FortnoxApiError(f"Fältet {field} måste fyllas i.", REQUIRED_FIELD_MISSING)
    return value


def check_document_number(value, field):
    text = str(value).strip()
    if not DOCUMENT_NUMBER_PATTERN.match(text):
        raise FortnoxApiError(
            f"Värdet innehåller ej tillåtna tecken. ({field}: {text})", INVALID_CHARACTERS
        )
    return text


def check_fields(payload, writable, read_only, what):
    """Reject fields Fortnox does not know; drop the read-only ones Fortnox ignores."""
    if not isinstance(payload, dict):
        raise FortnoxApiError(f"{what} måste vara ett objekt.", INVALID_FIELD_NAME)
    for name in payload:
        if name not in writable and name not in read_only:
            raise FortnoxApiError(f"Felaktigt fältnamn ({name})", INVALID_FIELD_NAME)
    return {name: value for name, value in payload.items() if name in writable}


def check_vat_rate(value, field):
    """Return the VAT rate as an int when it is one of the company's rates, or raise."""
    rate = to_decimal(value, field, default=None)
    if rate is None or rate not in VAT_RATES:
        rates = ", ".join(str(rate) for rate in VAT_RATES)
        raise FortnoxApiError(
            f"Ogiltig momssats ({field}: {value}); tillåtna momssatser: {rates}",
            INVALID_VAT_RATE,
        )
    return int(rate)
