import dataclasses
from collections import defaultdict
from datetime import datetime, timezone

from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from ..clients.ongoing_documents import PurchaseOrderLinePayload, PurchaseOrderPayload

# Ongoing's status number for a cancelled purchase order, from Ongoing's published
# status list. The status text is localised, so code matches the number.
PURCHASE_ORDER_STATUS_CANCELLED = 900


class OngoingOrder(models.Model):
    _inherit = "ongoing.order"

    purchase_id = fields.Many2one(
        "purchase.order",
        string="Purchase Order",
        compute="_compute_purchase_id",
        help="The Odoo purchase order whose receipts this Ongoing purchase order announces.",
    )

    def _compute_purchase_id(self):
        for order in self:
            order.purchase_id = order.picking_ids.purchase_id[:1]

    # ------------------------------------------------------------------
    # Cancelling
    # ------------------------------------------------------------------

    def _ongoing_cancel_remote_document(self, client):
        if self.order_type != "purchase":
            return super()._ongoing_cancel_remote_document(client)
        client.cancel_purchase_order(self.remote_id)

    def _ongoing_is_cancelled_remotely(self, client):
        if self.order_type != "purchase":
            return super()._ongoing_is_cancelled_remotely(client)
        status = client.get_purchase_order(self.remote_id).status
        return status.number == PURCHASE_ORDER_STATUS_CANCELLED

    def _ongoing_cancelled_status(self):
        if self.order_type != "purchase":
            return super()._ongoing_cancelled_status()
        return PURCHASE_ORDER_STATUS_CANCELLED

    # ------------------------------------------------------------------
    # Purchase orders: export
    # ------------------------------------------------------------------

    def _ongoing_export_purchase(self, client):
        picking = self._ongoing_open_pickings()[:1]
        if not picking:
            return _("%(order)s has no open receipt; nothing to send.", order=self.name)
        if self.remote_id and self._ongoing_has_bookings():
            raise UserError(
                _(
                    "Ongoing WMS has already received goods of purchase order %(order)s, so it "
                    "no longer accepts changes. Agree on the change with the warehouse.",
                    order=self.name,
                )
            )

        moves = self._ongoing_moves_to_send(picking)
        self._ongoing_assign_rows(moves)
        quantities = self._ongoing_line_quantities(moves)
        payload = self._ongoing_purchase_payload(picking, quantities)
        result = client.put_purchase_order(payload)

        self.sudo().write({"remote_id": result.remote_id})
        for line in self.line_ids.filtered(lambda line: not line.unexpected):
            line.sudo().ordered_qty = quantities.get(line, 0.0)
        picking.message_post(
            body=_(
                "Sent to Ongoing WMS as purchase order %(order)s (%(count)s lines).",
                order=self.name,
                count=len(payload.lines),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return _("Purchase order %(order)s sent.", order=self.name)

    def _ongoing_purchase_payload(self, picking, quantities):
        """Build the expected delivery: the open receipt's lines, supplier and expected date.

        Only lines with a move on the receipt are sent, because Ongoing removes the
        lines a PUT leaves out.
        """
        purchase = picking.purchase_id
        supplier = (purchase.partner_id or picking.partner_id).commercial_partner_id
        lines = [
            PurchaseOrderLinePayload(
                row_number=line.row_number,
                article_number=line.article_number,
                quantity=quantities[line],
                comment=line.product_id.with_context(display_default_code=False).display_name[:100],
            )
            for line in self.line_ids.sorted("sequence")
            if line in quantities
        ]
        # The deadline is the supplier's promised arrival, which the buyer updates on the
        # purchase order. The scheduled date changes only when someone edits the receipt.
        expected = picking.date_deadline or picking.scheduled_date
        return PurchaseOrderPayload(
            purchase_order_number=self.name,
            lines=lines,
            supplier_order_number=purchase.partner_ref or None,
            goods_owner_reference=picking.name,
            in_date=fields.Date.context_today(picking, expected) if expected else None,
            supplier_number=supplier.ref or (f"ODOO-{supplier.id}" if supplier else None),
            supplier_name=supplier.name or None,
        )

    # ------------------------------------------------------------------
    # Purchase orders: booking what Ongoing received
    # ------------------------------------------------------------------

    def _ongoing_apply_purchase(self, purchase_order_document):
        """Book what Ongoing received beyond what Odoo booked, dated when it was received.

        Returns a summary for the event log.
        """
        self.ensure_one()
        document = purchase_order_document
        self._ongoing_lock()
        self._ongoing_record_status(document.status)
        if not self.remote_id:
            self.remote_id = document.purchase_order_id
        to_book, problems = self._ongoing_read_purchase_lines(document)

        summary = []
        if to_book:
            try:
                with self.env.cr.savepoint():
                    summary.append(self._ongoing_book_purchase(to_book, problems))
            except UserError as error:
                problems.append(str(error.args[0]))
        if (
            document.status.number == PURCHASE_ORDER_STATUS_CANCELLED
            and self._ongoing_open_pickings()
        ):
            problems.append(
                _(
                    "The warehouse cancelled purchase order %(order)s in Ongoing WMS; cancel "
                    "the receipt in Odoo or agree with the warehouse to announce it again.",
                    order=self.name,
                )
            )
        self._ongoing_finish_booking(problems)
        return "\n".join(filter(None, summary)) or _("Nothing new for %(order)s.", order=self.name)

    def _ongoing_read_purchase_lines(self, document):
        """Store Ongoing's line figures. Return what is left to book and the problems seen."""
        lines_by_row = {line.row_number: line for line in self.line_ids if not line.unexpected}
        to_book, problems = {}, []
        for remote_line in document.lines:
            line = lines_by_row.get(remote_line.row_number) if remote_line.row_number else None
            if not line:
                problem = self._ongoing_keep_unexpected_line(remote_line)
                if problem:
                    problems.append(problem)
                continue
            line.write(
                {
                    "remote_line_id": remote_line.line_id,
                    "remote_done_qty": remote_line.received,
                    "reported_qty": remote_line.reported,
                }
            )
            rounding = line.product_id.uom_id.rounding or 0.001
            delta = remote_line.received - line.booked_qty
            if float_compare(delta, 0, precision_rounding=rounding) > 0:
                to_book[line] = (delta, remote_line.received_items)
            elif float_compare(delta, 0, precision_rounding=rounding) < 0:
                problems.append(
                    _(
                        "Ongoing reports %(received)s received on row %(row)s, but Odoo already "
                        "booked %(booked)s; check the receipt with the warehouse.",
                        received=remote_line.received,
                        row=line.row_number,
                        booked=line.booked_qty,
                    )
                )
        return to_book, problems

    def _ongoing_keep_unexpected_line(self, remote_line):
        """Keep a line Odoo never sent (an article the purchase order does not contain).

        Nothing is booked for it: Odoo has no price to value it with. Its quantity
        stays unreported in Ongoing until a person books the goods and marks the
        line as booked. Returns the problem to show, or "" when nothing is left to do.
        """
        line = self.line_ids.filtered(
            lambda line: line.unexpected and line.remote_line_id == remote_line.line_id
        )
        product = self.env["product.product"].search(
            [("default_code", "=", remote_line.article_number)], limit=1
        )
        values = {
            "remote_done_qty": remote_line.received,
            "reported_qty": remote_line.reported,
            "product_id": product.id or line.product_id.id,
        }
        if line:
            line.sudo().write(values)
        else:
            line = (
                self.env["ongoing.order.line"]
                .sudo()
                .create(
                    {
                        **values,
                        "order_id": self.id,
                        "row_number": remote_line.row_number or f"ongoing-{remote_line.line_id}",
                        "sequence": 10000,
                        "remote_line_id": remote_line.line_id,
                        "article_number": remote_line.article_number,
                        "unexpected": True,
                    }
                )
            )
        rounding = line.product_id.uom_id.rounding or 0.001
        unbooked = remote_line.received - line.booked_qty
        if float_compare(unbooked, 0, precision_rounding=rounding) <= 0:
            return ""
        return _(
            "Ongoing WMS received %(quantity)s of article %(article)s on purchase order "
            "%(order)s, which the purchase order does not contain; nothing was booked. Receive "
            "the goods in Odoo by hand, then mark the line as booked on the Ongoing document.",
            quantity=unbooked,
            article=remote_line.article_number,
            order=self.name,
        )

    def _ongoing_book_purchase(self, to_book, problems):
        """Validate the open receipt with the received quantities, one validation per day.

        Goods received on different days are valued at different rates, so each
        day's quantities are validated on their own, oldest first. What remains goes
        to a backorder of the same Ongoing purchase order.
        """
        if not self._ongoing_open_pickings():
            problems.append(
                _(
                    "Ongoing received goods of purchase order %(order)s, but its receipts are "
                    "done or cancelled in Odoo; nothing was booked.",
                    order=self.name,
                )
            )
            return ""
        to_book = self._ongoing_claim_new_items(to_book, problems)
        if not to_book:
            return ""

        summary = []
        for done_time, portion in self._ongoing_split_by_received_day(to_book):
            picking = self._ongoing_open_pickings()[:1]
            if not picking:
                problems.append(
                    _(
                        "Ongoing received more goods of purchase order %(order)s than its "
                        "receipts expect; they were not booked.",
                        order=self.name,
                    )
                )
                break
            summary.append(self._ongoing_book_receipt(picking, portion, done_time, problems))
        return "\n".join(filter(None, summary))

    def _ongoing_book_receipt(self, picking, portion, done_time, problems):
        """Book one day's received quantities on the receipt and validate it."""
        expected = self._ongoing_line_quantities(
            picking.move_ids.filtered(lambda move: move.state not in ("done", "cancel"))
        )
        to_book = {
            line: (quantity, self._ongoing_lot_pairs(items))
            for line, (quantity, items) in portion.items()
        }
        booked = self._ongoing_book_moves(picking, to_book)
        for line, quantity in booked.items():
            line.sudo().booked_qty += quantity
        for line in set(to_book) - set(booked):
            problems.append(
                _(
                    "Ongoing received %(product)s on row %(row)s, but the receipt has no such "
                    "move any more; it was not booked.",
                    product=line.product_id.display_name,
                    row=line.row_number,
                )
            )
        if not booked:
            return ""

        self._ongoing_validate(picking, done_time=done_time)
        rows = Markup("").join(
            Markup("<li>%s: %s</li>") % (line.product_id.display_name, quantity)
            for line, quantity in booked.items()
        )
        picking.message_post(
            body=Markup("%s<ul>%s</ul>")
            % (
                _(
                    "Received in Ongoing WMS on %(time)s (UTC) and booked:",
                    time=fields.Datetime.to_string(done_time),
                ),
                rows,
            ),
            subtype_xmlid="mail.mt_note",
        )
        for line, quantity in booked.items():
            rounding = line.product_id.uom_id.rounding or 0.001
            extra = quantity - expected.get(line, 0.0)
            if float_compare(extra, 0, precision_rounding=rounding) > 0:
                picking.message_post(
                    body=_(
                        "Ongoing WMS received %(quantity)s of %(product)s, %(extra)s more than "
                        "expected; the whole quantity was booked as received.",
                        quantity=quantity,
                        product=line.product_id.display_name,
                        extra=extra,
                    ),
                    subtype_xmlid="mail.mt_note",
                )
        return _(
            "Booked %(count)s line(s) on %(picking)s.", count=len(booked), picking=picking.name
        )

    def _ongoing_split_by_received_day(self, to_book):
        """Split {line: (quantity, items)} by the local day the items were received.

        Returns [(received time, {line: (quantity, items)})], oldest first. The time
        is the latest of the day's items, naive UTC. Once a line has received all
        the receipt expects, its later days join that day, so that an over-receipt
        is booked on the line's move rather than after the move is done.
        """
        picking = self._ongoing_open_pickings()[:1]
        expected = self._ongoing_line_quantities(
            picking.move_ids.filtered(lambda move: move.state not in ("done", "cancel"))
        )
        dated = {
            line: self._ongoing_date_quantity(line, quantity, items)
            for line, (quantity, items) in to_book.items()
        }
        latest = max(
            (moment for parts in dated.values() for moment, _qty, _item in parts if moment),
            default=fields.Datetime.now().replace(microsecond=0),
        )

        portions = defaultdict(dict)  # day: {line: (quantity, items)}
        day_times = {}
        for line, parts in dated.items():
            rounding = line.product_id.uom_id.rounding or 0.001
            received = 0.0
            full_day = None
            for moment, quantity, item in sorted(parts, key=lambda part: part[0] or latest):
                moment = moment or latest
                day = full_day or fields.Date.context_today(self, moment)
                if not full_day:
                    day_times[day] = max(day_times.get(day, moment), moment)
                day_quantity, day_items = portions[day].get(line, (0.0, []))
                portions[day][line] = (
                    day_quantity + quantity,
                    day_items + ([item] if item is not None else []),
                )
                received += quantity
                if (
                    full_day is None
                    and line in expected
                    and float_compare(received, expected[line], precision_rounding=rounding) >= 0
                ):
                    full_day = day
        return [(day_times[day], portions[day]) for day in sorted(portions)]

    def _ongoing_date_quantity(self, line, quantity, items):
        """Return [(received time or None, quantity, item or None)] that make ``quantity``.

        The quantity is taken from the newest items first, because goods booked by
        hand earlier left no mark on the items they used. A quantity the items do
        not cover has no time.
        """
        rounding = line.product_id.uom_id.rounding or 0.001
        parts = []
        remaining = quantity
        newest_first = sorted(
            items,
            key=lambda item: item.time or datetime.max.replace(tzinfo=timezone.utc),
            reverse=True,
        )
        for item in newest_first:
            if float_compare(remaining, 0, precision_rounding=rounding) <= 0:
                break
            item_quantity = min(item.quantity, remaining)
            if float_compare(item_quantity, item.quantity, precision_rounding=rounding) < 0:
                item = dataclasses.replace(item, quantity=item_quantity)
            parts.append((self._ongoing_naive_utc(item.time), item_quantity, item))
            remaining -= item_quantity
        if float_compare(remaining, 0, precision_rounding=rounding) > 0:
            parts.append((None, remaining, None))
        return parts

    @staticmethod
    def _ongoing_naive_utc(moment):
        """Return an aware time as Odoo stores it: naive UTC, to the second."""
        if moment is None:
            return None
        return moment.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)


class OngoingOrderLine(models.Model):
    _inherit = "ongoing.order.line"

    def action_ongoing_mark_booked(self):
        """Button: count what Ongoing received on an unexpected line as booked in Odoo.

        Meant for goods a person has received in Odoo by hand. The quantity is then
        reported to Ongoing, which stops listing the line as unreported.
        """
        self.check_access("write")
        lines = self.filtered("unexpected")
        if lines != self:
            raise UserError(_("Only lines Odoo never sent can be marked as booked by hand."))
        for line in lines:
            line.sudo().booked_qty = line.remote_done_qty
            line.order_id.picking_ids[-1:].message_post(
                body=_(
                    "%(user)s marked %(quantity)s of article %(article)s, received in Ongoing WMS "
                    "outside the purchase order, as booked by hand.",
                    user=self.env.user.name,
                    quantity=line.remote_done_qty,
                    article=line.article_number,
                ),
            )
        for order in lines.order_id:
            order._ongoing_schedule_acknowledge()
            # Reading the document again clears the problem once nothing is left unbooked.
            order.backend_id._ongoing_schedule_sync(
                order.order_type, remote_id=order.remote_id, remote_number=order.name
            )
        return True
