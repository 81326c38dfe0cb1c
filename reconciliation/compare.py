"""Comparison of Ongoing's stock with Odoo's, taking account of what is in flight.

For each article::

    difference = Ongoing's quantity - Odoo's quantity - in flight

*In flight* is the part of "Ongoing minus Odoo" that bookings still pending
will settle (see :func:`document_in_flight`), so the reconciliation does not
correct it a second time. Quantities are in the product's unit; a value
smaller than half the unit's rounding counts as zero.

Each article ends in at most one :class:`Finding` per lot, or none when both
sides agree and nothing is in flight:

* ``difference``: Odoo's stock is to be set to Ongoing's (per lot for lot- and
  serial-tracked products whose lots Ongoing gives).
* ``in_flight``: the two sides differ only by what pending bookings will settle.
* ``unknown_in_odoo``: Ongoing has stock of an article no Odoo product has as
  internal reference.
* ``unknown_in_ongoing``: Odoo has stock of a product Ongoing does not list.
* ``check``: a difference the reconciliation leaves to a person, for the ``reason`` given.
* ``moving``: the article's bookings changed while Ongoing's stock was read,
  so its figures do not belong together; the next run compares it again.
"""

from dataclasses import dataclass, field

DIFFERENCE = "difference"
IN_FLIGHT = "in_flight"
UNKNOWN_IN_ODOO = "unknown_in_odoo"
UNKNOWN_IN_ONGOING = "unknown_in_ongoing"
CHECK = "check"
MOVING = "moving"
# A warehouse adjustment that real-time inventory booked when the run began.
SETTLED = "settled"
CASES = (DIFFERENCE, IN_FLIGHT, UNKNOWN_IN_ODOO, UNKNOWN_IN_ONGOING, CHECK, MOVING, SETTLED)

# Reasons of the "check" case.
NO_LOTS = "no_lots"
LOTS_DO_NOT_ADD_UP = "lots_do_not_add_up"
ITEMS_WITHOUT_LOT = "items_without_lot"
TRACKED_IN_FLIGHT = "tracked_in_flight"

DEFAULT_ROUNDING = 0.001


@dataclass(frozen=True)
class OdooStock:
    """Odoo's on-hand quantity of one product in the locations that mirror Ongoing.

    ``lots`` maps lot or serial names to quantities (``""`` for quants without a
    lot). ``problem`` is set when the product cannot be reconciled automatically,
    for example when several products share its internal reference. The
    article is then reported as ``check`` with that reason.
    """

    product_id: int
    article_number: str
    quantity: float = 0.0
    lots: dict = field(default_factory=dict)
    tracked: bool = False
    rounding: float = DEFAULT_ROUNDING
    problem: str = ""


@dataclass(frozen=True)
class Finding:
    """Result of the comparison for one article, or for one lot of it.

    ``lot`` is None for findings about the whole article. For a lot,
    ``odoo_quantity`` and ``ongoing_quantity`` are the lot's quantities.
    """

    case: str
    article_number: str
    product_id: int | None = None
    odoo_quantity: float = 0.0
    ongoing_quantity: float = 0.0
    in_flight: float = 0.0
    difference: float = 0.0
    lot: str | None = None
    reason: str = ""


def document_in_flight(direction, done, booked, returned=0.0, returned_booked=0.0):
    """Return how much Ongoing's stock exceeds Odoo's because of one document line.

    ``direction`` is -1 for an order line (picking lowers the stock) and +1 for
    a purchase or return order line (receiving raises it). ``done`` is what
    Ongoing picked or received, and ``booked`` what Odoo has booked of it.
    ``returned`` and ``returned_booked`` are the same for items returned on an
    order line, which come back into stock. Examples: 3 picked and not booked
    yet gives -3; a delivery of 3 validated in Odoo before Ongoing picked it
    gives +3; 5 received and 2 booked gives +3.
    """
    return direction * (done - booked) + (returned - returned_booked)


def is_zero(value, rounding=DEFAULT_ROUNDING):
    return abs(value) < rounding / 2


def _rounded(value, rounding):
    return round(round(value / rounding) * rounding, 9)


def compare_stock(ongoing, odoo, in_flight=None, moving=(), absent_as_zero=()):
    """Compare Ongoing's stock with Odoo's; return (findings, number of articles that agree).

    ``ongoing`` maps article numbers to :class:`.sources.ArticleStock`, ``odoo``
    to :class:`OdooStock` and ``in_flight`` to quantities. ``moving`` names the
    articles whose bookings changed during the run. An article of
    ``absent_as_zero`` that ``ongoing`` lacks counts as zero stock in Ongoing
    instead of unknown, because stock-balance files leave out empty articles.
    """
    in_flight = in_flight or {}
    findings = []
    matched = 0
    for article_number in sorted(set(ongoing) | set(odoo)):
        found = _compare_article(
            article_number,
            ongoing.get(article_number),
            odoo.get(article_number),
            in_flight.get(article_number, 0.0),
            moving=article_number in moving,
            absent_as_zero=article_number in absent_as_zero,
        )
        if found:
            findings.extend(found)
        else:
            matched += 1
    return findings, matched


def _compare_article(article_number, remote, local, pending, *, moving, absent_as_zero):
    rounding = local.rounding if local else DEFAULT_ROUNDING
    pending = _rounded(pending, rounding)

    if local is None:
        if remote is None or is_zero(remote.quantity, rounding):
            return []
        return [Finding(UNKNOWN_IN_ODOO, article_number, ongoing_quantity=remote.quantity)]

    base = {
        "article_number": article_number,
        "product_id": local.product_id,
        "odoo_quantity": local.quantity,
        "ongoing_quantity": remote.quantity if remote else 0.0,
        "in_flight": pending,
    }
    if remote is None and not absent_as_zero:
        if is_zero(local.quantity, rounding) and is_zero(pending, rounding):
            return []
        return [Finding(UNKNOWN_IN_ONGOING, **{**base, "ongoing_quantity": 0.0})]
    return _compare_known(base, remote.lots if remote else {}, local, moving=moving)


def _compare_known(base, lots, local, *, moving):
    """Compare an article both sides know (or that a file leaves out as empty)."""
    rounding = local.rounding
    pending = base["in_flight"]
    difference = _rounded(base["ongoing_quantity"] - local.quantity - pending, rounding)
    settled = is_zero(difference, rounding) and is_zero(pending, rounding)

    if local.problem:
        if settled and is_zero(base["ongoing_quantity"], rounding):
            return []
        return [Finding(CHECK, **base, difference=difference, reason=local.problem)]
    if moving and not settled:
        return [Finding(MOVING, **base, difference=difference)]
    if is_zero(difference, rounding):
        return _settled_findings(base, lots, local)
    return _difference_findings(base, lots, local, difference)


def _settled_findings(base, lots, local):
    """Return what is left to say about an article whose totals agree."""
    if not is_zero(base["in_flight"], local.rounding):
        return [Finding(IN_FLIGHT, **base)]
    if local.tracked and lots is not None:
        return _compare_lots(base, lots, local, local.rounding)
    return []


def _difference_findings(base, lots, local, difference):
    """Return how a difference is corrected: for the article, per lot, or by a person."""
    if not local.tracked:
        return [Finding(DIFFERENCE, **base, difference=difference)]
    if lots is None:
        return [Finding(CHECK, **base, difference=difference, reason=NO_LOTS)]
    if not is_zero(base["in_flight"], local.rounding):
        # Pending bookings name their lots only in part, so no lot can be set safely.
        return [Finding(CHECK, **base, difference=difference, reason=TRACKED_IN_FLIGHT)]
    return _compare_lots(base, lots, local, local.rounding, difference)


def _compare_lots(base, lots, local, rounding, difference=0.0):
    """Return one finding per lot whose quantities differ, or a ``check`` when lots are unusable."""
    if not is_zero(sum(lots.values()) - base["ongoing_quantity"], rounding):
        return [Finding(CHECK, **base, difference=difference, reason=LOTS_DO_NOT_ADD_UP)]
    if not is_zero(lots.get("", 0.0), rounding):
        return [Finding(CHECK, **base, difference=difference, reason=ITEMS_WITHOUT_LOT)]

    findings = []
    for lot in sorted(set(lots) | set(local.lots)):
        remote_quantity = lots.get(lot, 0.0)
        local_quantity = local.lots.get(lot, 0.0)
        lot_difference = _rounded(remote_quantity - local_quantity, rounding)
        if is_zero(lot_difference, rounding):
            continue
        findings.append(
            Finding(
                DIFFERENCE,
                base["article_number"],
                product_id=local.product_id,
                odoo_quantity=local_quantity,
                ongoing_quantity=remote_quantity,
                difference=lot_difference,
                lot=lot,
            )
        )
    return findings
