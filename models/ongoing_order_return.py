import json
import logging

from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero

from ..clients.ongoing_documents import ReturnOrderLinePayload, ReturnOrderPayload

_logger = logging.getLogger(__name__)


class ReturnedItems:
    """The returned quantity of one order line still to book, with its new article items.

    ``items`` contains [article item, quantity left] pairs in Ongoing's order;
    :meth:`take` removes quantities from the front, preferring the given lot names.
    """

    def __init__(self, quantity, items, rounding):
        self.quantity = quantity
        self.items = [[item, item.quantity] for item in items]
        self.rounding = rounding

    def is_empty(self):
        return float_compare(self.quantity, 0, precision_rounding=self.rounding) <= 0

    def take(self, quantity, lot_names=()):
        """Remove ``quantity`` and return the [(article item, quantity)] that make it up.

        Fewer items than ``quantity`` come back when Ongoing listed fewer.
        """
        quantity = min(quantity, self.quantity)
        self.quantity -= quantity
        preferred = [
            entry for entry in self.items if (entry[0].serial or entry[0].batch) in lot_names
        ]
        others = [entry for entry in self.items if all(entry is not p for p in preferred)]
        taken = []
        for entry in preferred + others:
            if float_compare(quantity, 0, precision_rounding=self.rounding) <= 0:
                break
            amount = min(entry[1], quantity)
            if float_is_zero(amount, precision_rounding=self.rounding):
                continue
            taken.append((entry[0], amount))
            entry[1] -= amount
            quantity -= amount
        self.items = [
            entry
            for entry in self.items
            if not float_is_zero(entry[1], precision_rounding=self.rounding)
        ]
        return taken

    def copy(self):
        clone = ReturnedItems(self.quantity, (), self.rounding)
        clone.items = [list(entry) for entry in self.items]
        return clone


def lot_pairs(taken):
    """Return the (quantity, lot name) pairs of taken article items, as moves book them."""
    return [(quantity, item.serial or item.batch) for item, quantity in taken]


class OngoingOrder(models.Model):
    """Customer returns: Odoo returns sent as Ongoing return orders, and returns booked.

    Ongoing reports every returned item on the original order's line (returned
    quantity and returned article items), whether it came back on a return order
    the ERP announced or was simply registered when the parcel arrived. Odoo
    books "Ongoing's returned quantity minus ``returned_booked_qty``" per line:
    first on the open Odoo returns that Ongoing received, the rest on new Odoo
    returns created with Odoo's return wizard, and acknowledges the booked
    quantity on the original line (``reportedReturnedNumberOfItems``).
    """

    _inherit = "ongoing.order"

    origin_order_id = fields.Many2one(
        "ongoing.order",
        string="Returned Order",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="The Ongoing order whose goods this return order brings back.",
    )
    return_order_ids = fields.One2many(
        "ongoing.order", "origin_order_id", string="Return Orders", readonly=True
    )

    # ------------------------------------------------------------------
    # Return orders: export
    # ------------------------------------------------------------------

    def _ongoing_export_return(self, client):
        picking = self._ongoing_open_pickings()[:1]
        if not picking:
            return _("%(order)s has no open return; nothing to send.", order=self.name)
        if self.remote_id and self._ongoing_has_bookings():
            raise UserError(
                _(
                    "Ongoing WMS has already received part of return order %(order)s, so it no "
                    "longer accepts changes. Change the return in Ongoing WMS with the warehouse.",
                    order=self.name,
                )
            )
        moves = self._ongoing_moves_to_send(picking)

        origin = self.origin_order_id
        self._ongoing_assign_return_rows(moves)
        quantities = self._ongoing_line_quantities(moves)
        remote_line_ids = origin._ongoing_remote_line_ids(client)
        cause = picking.ongoing_return_cause_id
        lines = []
        for line in self.line_ids.sorted("sequence"):
            quantity = quantities.get(line, 0.0)
            line.sudo().ordered_qty = quantity
            # Ongoing rejects lines without a quantity, and it removes a line left out of the PUT.
            if float_is_zero(quantity, precision_rounding=line.product_id.uom_id.rounding):
                continue
            lines.append(
                ReturnOrderLinePayload(
                    row_number=line.row_number,
                    order_line_id=remote_line_ids[line.origin_line_id],
                    quantity=quantity,
                    return_cause_code=cause.code or None,
                    return_cause_name=cause.name or None,
                )
            )
        if not lines:
            raise UserError(
                _("%(picking)s has no quantity to return.", picking=picking.display_name)
            )
        payload = ReturnOrderPayload(
            return_order_number=self.name,
            order_id=origin.remote_id,
            lines=lines,
            comment=picking.origin or None,
        )
        result = client.put_return_order(payload)

        self.sudo().write({"remote_id": result.remote_id})
        picking.message_post(
            body=_(
                "Sent to Ongoing WMS as return order %(return_order)s of order %(order)s "
                "(%(count)s lines).",
                return_order=self.name,
                order=origin.name,
                count=len(lines),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return _("Return order %(order)s sent.", order=self.name)

    def _ongoing_assign_return_rows(self, moves):
        """Give each returned move the return line of its original order line."""
        self.ensure_one()
        origin = self.origin_order_id
        numbers = [int(row) for row in self.line_ids.mapped("row_number") if row.isdigit()]
        next_row = max(numbers, default=0) + 1
        line_model = self.env["ongoing.order.line"].sudo()
        for move in moves.filtered(lambda move: not move.ongoing_line_id):
            origin_line = move.origin_returned_move_id.ongoing_line_id
            if not origin_line or origin_line.order_id != origin:
                raise UserError(
                    _(
                        "%(product)s was not delivered with Ongoing order %(order)s, so Ongoing "
                        "WMS cannot take it back on this return: remove it from %(picking)s.",
                        product=move.product_id.display_name,
                        order=origin.name,
                        picking=move.picking_id.display_name,
                    )
                )
            line = self.line_ids.filtered(lambda line, o=origin_line: line.origin_line_id == o)[:1]
            if not line:
                line = line_model.create(
                    {
                        "order_id": self.id,
                        "row_number": str(next_row),
                        "sequence": next_row,
                        "product_id": move.product_id.id,
                        "article_number": origin_line.article_number,
                        "origin_line_id": origin_line.id,
                    }
                )
                next_row += 1
            move.sudo().ongoing_line_id = line

    def _ongoing_remote_line_ids(self, client):
        """Return {line: Ongoing line id}, reading the order from Ongoing if an id is unknown."""
        self.ensure_one()
        if not self.remote_id or not all(self.line_ids.mapped("remote_line_id")):
            order = (
                client.get_order(self.remote_id) if self.remote_id else client.find_order(self.name)
            )
            if order is None:
                raise UserError(
                    _(
                        "Ongoing WMS has no order %(order)s to return goods to.",
                        order=self.name,
                    )
                )
            line_ids = {line.row_number: line.line_id for line in order.lines}
            self.sudo().remote_id = order.order_id
            for line in self.line_ids:
                if line.row_number in line_ids:
                    line.sudo().remote_line_id = line_ids[line.row_number]
        missing = self.line_ids.filtered(lambda line: not line.remote_line_id)
        if missing:
            raise UserError(
                _(
                    "Ongoing WMS order %(order)s has no row %(rows)s.",
                    order=self.name,
                    rows=", ".join(missing.mapped("row_number")),
                )
            )
        return {line: line.remote_line_id for line in self.line_ids}

    # ------------------------------------------------------------------
    # Returns reported on the order: booking
    # ------------------------------------------------------------------

    def _ongoing_apply_returned(self, order, problems):
        summary = super()._ongoing_apply_returned(order, problems)
        returned = self._ongoing_read_returned_lines(order, problems)
        if not returned:
            return summary

        client = self.backend_id._get_client()
        announced = self.return_order_ids.filtered(
            lambda binding: binding.remote_id and binding._ongoing_open_pickings()
        )
        for binding in announced:
            before = {line: entry.copy() for line, entry in returned.items()}
            try:
                with self.env.cr.savepoint():
                    text = binding._ongoing_book_announced_return(client, returned)
            except UserError as error:
                returned = before
                problems.append(str(error.args[0]))
                continue
            if text:
                summary.append(text)

        groups = self._ongoing_group_unannounced(returned, client, problems)
        for (location, cause), to_book in groups.items():
            try:
                with self.env.cr.savepoint():
                    summary.append(self._ongoing_book_unannounced_return(location, cause, to_book))
            except UserError as error:
                problems.append(str(error.args[0]))
        return [text for text in summary if text]

    def _ongoing_read_returned_lines(self, order, problems):
        """Return {line: ReturnedItems} for the lines with returns Odoo has not booked."""
        lines_by_row = {line.row_number: line for line in self.line_ids}
        returned = {}
        for remote_line in order.lines:
            line = lines_by_row.get(remote_line.row_number)
            if not line:
                continue
            rounding = line.product_id.uom_id.rounding or 0.001
            delta = remote_line.returned - line.returned_booked_qty
            if float_compare(delta, 0, precision_rounding=rounding) < 0:
                problems.append(
                    _(
                        "Ongoing reports %(returned)s returned on row %(row)s, but Odoo already "
                        "booked %(booked)s returned; check the returns with the warehouse.",
                        returned=remote_line.returned,
                        row=line.row_number,
                        booked=line.returned_booked_qty,
                    )
                )
                continue
            if float_is_zero(delta, precision_rounding=rounding):
                continue
            booked_keys = set(json.loads(line.returned_item_keys or "[]"))
            items = [
                item
                for item in remote_line.picked_items
                if item.is_returned
                and (item.item_id is None or str(item.item_id) not in booked_keys)
            ]
            returned[line] = ReturnedItems(delta, items, rounding)
        return returned

    def _ongoing_book_announced_return(self, client, returned):
        """Book on this Odoo return what Ongoing received on its return order.

        Takes the quantities out of ``returned`` ({original line: ReturnedItems}).
        Returns a summary for the event log.
        """
        self.ensure_one()
        return_order = client.get_return_order(self.remote_id)
        self._ongoing_record_status(return_order.status)
        lines_by_row = {line.row_number: line for line in self.line_ids}
        to_book, taken_items = {}, {}
        for remote_line in return_order.lines:
            line = lines_by_row.get(remote_line.row_number)
            if line is None:
                continue
            entry = returned.get(line.origin_line_id)
            line.sudo().write(
                {"remote_line_id": remote_line.line_id, "remote_done_qty": remote_line.returned}
            )
            if entry is None or entry.is_empty():
                continue
            quantity = min(remote_line.returned - line.booked_qty, entry.quantity)
            if float_compare(quantity, 0, precision_rounding=entry.rounding) <= 0:
                continue
            lot_names = {item.serial or item.batch for item in remote_line.returned_items}
            taken = entry.take(quantity, lot_names)
            to_book[line] = (quantity, lot_pairs(taken))
            taken_items[line.origin_line_id] = taken
        if not to_book:
            return ""

        picking = self._ongoing_open_pickings()[:1]
        booked = self._ongoing_book_moves(picking, to_book)
        for line, quantity in booked.items():
            line.sudo().booked_qty += quantity
            line.origin_line_id.sudo().returned_booked_qty += quantity
        for origin_line, taken in taken_items.items():
            origin_line._ongoing_mark_returned_items(taken)
        self._ongoing_validate(picking)
        self._ongoing_post_returned(picking, booked, picking.ongoing_return_cause_id)
        return _(
            "Booked %(count)s returned line(s) on %(picking)s.",
            count=len(booked),
            picking=picking.name,
        )

    def _ongoing_group_unannounced(self, returned, client, problems):
        """Split what is left to book by destination and return cause.

        Returns {(location, cause): {original line: (quantity, [(article item, quantity)])}}.
        Items whose destination cannot be found stay unbooked, with a problem.
        """
        backend = self.backend_id
        groups = {}
        for line, entry in returned.items():
            if entry.is_empty():
                continue
            product = line.product_id
            quantity_left = entry.quantity
            for item, quantity in entry.take(entry.quantity):
                quantity_left -= quantity
                cause = backend._ongoing_return_cause(item.return_cause, client)
                try:
                    location = backend._ongoing_return_location(cause)
                except UserError as error:
                    if str(error.args[0]) not in problems:
                        problems.append(str(error.args[0]))
                    continue
                group = groups.setdefault((location, cause), {})
                total, taken = group.get(line, (0.0, []))
                group[line] = (total + quantity, [*taken, (item, quantity)])
            if float_is_zero(quantity_left, precision_rounding=entry.rounding):
                continue
            if product.tracking != "none":
                problems.append(
                    _(
                        "Ongoing gave no lot or serial numbers for %(quantity)s returned "
                        "%(product)s; they were not booked.",
                        quantity=quantity_left,
                        product=product.display_name,
                    )
                )
                continue
            # Ongoing listed no items for this part, so no cause is known: sellable stock.
            location = backend._ongoing_return_location()
            group = groups.setdefault((location, self.env["ongoing.return.cause"]), {})
            total, taken = group.get(line, (0.0, []))
            group[line] = (total + quantity_left, taken)
        return groups

    def _ongoing_book_unannounced_return(self, location, cause, to_book):
        """Create, book and validate Odoo returns of the deliveries for returns Odoo never sent.

        ``to_book`` maps original lines to (quantity, [(article item, quantity)]).
        Returns a summary for the event log.
        """
        allocations = self._ongoing_allocate_returns(to_book)
        pairs_left = {line: lot_pairs(taken) for line, (_quantity, taken) in to_book.items()}
        pickings = self.env["stock.picking"]
        for delivery, move_quantities in allocations.items():
            picking = self._ongoing_create_return(delivery, move_quantities, location, cause)
            line_quantities = {}
            for move, quantity in move_quantities.items():
                line = move.ongoing_line_id
                line_quantities[line] = line_quantities.get(line, 0.0) + quantity
            portion = {
                line: (
                    quantity,
                    self._ongoing_take_items(
                        pairs_left[line], quantity, line.product_id.uom_id.rounding
                    ),
                )
                for line, quantity in line_quantities.items()
            }
            booked = self._ongoing_book_moves(
                picking, portion, line_of=lambda move: move.origin_returned_move_id.ongoing_line_id
            )
            for line, quantity in booked.items():
                line.sudo().returned_booked_qty += quantity
            self._ongoing_validate(picking)
            self._ongoing_post_returned(picking, booked, cause)
            pickings |= picking
        for line, (_quantity, taken) in to_book.items():
            line._ongoing_mark_returned_items(taken)
        delivery_names = ", ".join(delivery.name for delivery in allocations)
        for delivery in allocations:
            delivery.message_post(
                body=_(
                    "Customer return %(returns)s booked from Ongoing WMS.",
                    returns=", ".join(pickings.mapped("name")),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return _(
            "Booked the return of %(deliveries)s as %(returns)s into %(location)s.",
            deliveries=delivery_names,
            returns=", ".join(pickings.mapped("name")),
            location=location.display_name,
        )

    def _ongoing_allocate_returns(self, to_book):
        """Return {delivery: {delivered move: quantity to return}} covering ``to_book``.

        Raise UserError when the done deliveries hold less than Ongoing reports returned.
        """
        deliveries = self.picking_ids.filtered(
            lambda picking: picking.state == "done" and picking.picking_type_code == "outgoing"
        )
        allocations = {}
        for line, (quantity, _taken) in to_book.items():
            rounding = line.product_id.uom_id.rounding
            left = quantity
            moves = deliveries.move_ids.filtered(
                lambda move, line=line: move.state == "done" and move.ongoing_line_id == line
            )
            for move in moves:
                returned = sum(
                    returned_move._ongoing_product_quantity()
                    for returned_move in move.returned_move_ids
                    if returned_move.state != "cancel"
                )
                amount = min(left, move._ongoing_product_quantity() - returned)
                if float_compare(amount, 0, precision_rounding=rounding) <= 0:
                    continue
                allocations.setdefault(move.picking_id, {})[move] = amount
                left -= amount
            if float_compare(left, 0, precision_rounding=rounding) > 0:
                raise UserError(
                    _(
                        "Ongoing reports %(quantity)s of %(product)s returned on order %(order)s, "
                        "but Odoo has only %(returnable)s delivered and not returned yet; "
                        "nothing was booked for it.",
                        quantity=quantity,
                        product=line.product_id.display_name,
                        order=self.name,
                        returnable=quantity - left,
                    )
                )
        return allocations

    def _ongoing_create_return(self, delivery, move_quantities, location, cause):
        """Create an Odoo return of ``delivery`` with Odoo's return wizard, refund on."""
        wizard = (
            self.env["stock.return.picking"]
            .with_context(ongoing_booking=True, ongoing_return_location_id=location.id)
            .create({"picking_id": delivery.id, "ongoing_return_cause_id": cause.id})
        )
        for return_line in wizard.product_return_moves:
            return_line.write(
                {"quantity": move_quantities.get(return_line.move_id, 0.0), "to_refund": True}
            )
        picking = wizard._create_return()
        picking.sudo().ongoing_order_id = self
        return picking

    def _ongoing_post_returned(self, picking, booked, cause=None):
        if cause and cause.remove_in_ongoing:
            # Ongoing writes these items off at once; the adjustment booking takes them
            # back out of where this return put them.
            for move in picking.move_ids.filtered(lambda move: move.state == "done"):
                move.sudo().ongoing_removal_pending_qty = move._ongoing_product_quantity()
        rows = Markup("").join(
            Markup("<li>%s: %s</li>") % (line.product_id.display_name, quantity)
            for line, quantity in booked.items()
        )
        title = _("Returned in Ongoing WMS and booked:")
        if cause:
            title = _("Returned in Ongoing WMS (%(cause)s) and booked:", cause=cause.display_name)
        picking.message_post(
            body=Markup("%s<ul>%s</ul>") % (title, rows), subtype_xmlid="mail.mt_note"
        )


class OngoingOrderLine(models.Model):
    _inherit = "ongoing.order.line"

    origin_line_id = fields.Many2one(
        "ongoing.order.line",
        string="Returned Line",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="On a return order: the line of the original order whose goods come back.",
    )
    returned_item_keys = fields.Text(
        readonly=True,
        help="Ongoing article item ids of returned items already booked (JSON list), so a "
        "returned lot or serial is booked once.",
    )

    def _ongoing_needs_acknowledge(self):
        # Ongoing has no reported quantity on return order lines: returns are
        # acknowledged on the original order's line.
        if self.order_type == "return":
            return False
        return super()._ongoing_needs_acknowledge()

    def _ongoing_mark_returned_items(self, taken):
        """Remember the returned article items booked, from [(article item, quantity)]."""
        self.ensure_one()
        keys = {str(item.item_id) for item, _quantity in taken if item.item_id is not None}
        if keys:
            self.sudo().returned_item_keys = json.dumps(
                sorted(set(json.loads(self.returned_item_keys or "[]")) | keys)
            )
