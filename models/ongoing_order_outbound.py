import json
import logging
from datetime import timedelta

from markupsafe import Markup

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero, html2plaintext

from ..clients.errors import FixRequestError
from ..clients.ongoing_documents import Consignee, OrderLinePayload, OrderPayload

_logger = logging.getLogger(__name__)

# Ongoing's order status for a cancelled order (the same number in every
# installation seen so far; the text is localised).
ORDER_STATUS_CANCELLED = 1000


class OngoingOrder(models.Model):
    _inherit = "ongoing.order"

    way_bill = fields.Char(string="Waybill", readonly=True, copy=False)
    tracking_numbers = fields.Char(readonly=True, copy=False)
    shipped_date = fields.Datetime(string="Shipped", readonly=True, copy=False)

    def _ongoing_export(self, client):
        exporter = getattr(self, f"_ongoing_export_{self.order_type}", None)
        if exporter is None:
            raise UserError(_("Sending %(type)s documents is not supported.", type=self.order_type))
        return exporter(client)

    def _ongoing_job_description(self):
        return _("Send %(document)s to Ongoing WMS", document=self.display_name)

    # ------------------------------------------------------------------
    # Helpers shared by the document types
    # ------------------------------------------------------------------

    def _ongoing_open_pickings(self):
        return self.picking_ids.filtered(lambda picking: picking.state not in ("done", "cancel"))

    def _ongoing_moves_to_send(self, picking):
        """Return the picking's moves that Ongoing handles: storable and not cancelled."""
        moves = picking.move_ids.filtered(
            lambda move: move.state != "cancel" and move.product_id.is_storable
        )
        if not moves:
            raise UserError(
                _("%(picking)s has no storable products to send.", picking=picking.display_name)
            )
        return moves

    def _ongoing_has_bookings(self):
        return any(
            not float_is_zero(
                line.booked_qty, precision_rounding=line.product_id.uom_id.rounding or 0.001
            )
            for line in self.line_ids
        )

    def _ongoing_assign_rows(self, moves):
        """Give each move without an Ongoing line a line of its own, numbered after the last row."""
        self.ensure_one()
        numbers = [int(row) for row in self.line_ids.mapped("row_number") if row.isdigit()]
        next_row = max(numbers, default=0) + 1
        line_model = self.env["ongoing.order.line"].sudo()
        for move in moves.filtered(lambda move: not move.ongoing_line_id):
            product = move.product_id
            if not product.default_code:
                raise UserError(
                    _(
                        "The product %(product)s has no internal reference, which Ongoing WMS "
                        "needs as its article number: enter one and send the transfer again.",
                        product=product.display_name,
                    )
                )
            line = line_model.create(
                {
                    "order_id": self.id,
                    "row_number": str(next_row),
                    "sequence": next_row,
                    "product_id": product.id,
                    "article_number": product.default_code,
                }
            )
            move.sudo().ongoing_line_id = line
            next_row += 1

    def _ongoing_line_quantities(self, moves):
        """Return {line: quantity in the product's unit} over the given moves."""
        quantities = {}
        for move in moves:
            line = move.ongoing_line_id
            quantities[line] = quantities.get(line, 0.0) + move.product_qty
        return quantities

    def _ongoing_book_moves(self, picking, to_book, line_of=None):
        """Set the quantities Ongoing handled on the picking's moves, per line.

        ``to_book`` maps each line to (quantity, [(quantity, lot name), ...]). A line's
        quantity goes to its moves in order, the last one taking any excess.
        ``line_of(move)`` gives the line a move belongs to, by default its
        ``ongoing_line_id``. Returns {line: quantity set on the picking}.
        """
        if line_of is None:

            def line_of(move):
                return move.ongoing_line_id

        booked = {}
        moves = picking.move_ids.filtered(lambda move: move.state not in ("done", "cancel"))
        remaining = {line: quantity for line, (quantity, _items) in to_book.items()}
        items_left = {line: list(items) for line, (_quantity, items) in to_book.items()}
        for move in moves:
            line = line_of(move)
            if line not in remaining:
                move._ongoing_set_done_quantity(0.0)
                continue
            rounding = move.product_id.uom_id.rounding
            is_last = move == moves.filtered(lambda m, line=line: line_of(m) == line)[-1:]
            quantity = remaining[line] if is_last else min(remaining[line], move.product_qty)
            items = self._ongoing_take_items(items_left[line], quantity, rounding)
            move._ongoing_set_done_quantity(quantity, items)
            remaining[line] -= quantity
            booked[line] = booked.get(line, 0.0) + quantity
        return booked

    @staticmethod
    def _ongoing_take_items(items, quantity, rounding):
        """Remove and return from ``items`` the (quantity, lot) pairs that make ``quantity``."""
        taken = []
        while items and float_compare(quantity, 0, precision_rounding=rounding) > 0:
            item_qty, name = items[0]
            if float_compare(item_qty, quantity, precision_rounding=rounding) <= 0:
                taken.append(items.pop(0))
                quantity -= item_qty
            else:
                taken.append((quantity, name))
                items[0] = (item_qty - quantity, name)
                quantity = 0
        return taken

    def _ongoing_validate(self, picking, done_time=None):
        """Validate a picking Ongoing has handled; what is left goes to a backorder.

        With ``done_time`` (naive UTC), the moves, the valuation layers and the
        journal entries are dated when the warehouse handled the goods rather than
        when Odoo books them, and incoming goods bought in another currency are
        converted at that day's rate.
        """
        context = {
            "ongoing_booking": True,
            "skip_backorder": True,
            "skip_sms": True,
            "cancel_backorder": False,
        }
        if done_time:
            context["ongoing_done_time"] = done_time
            context["force_period_date"] = self._ongoing_booking_date(picking, done_time)
        result = picking.with_context(**context).button_validate()
        if result is not True and isinstance(result, dict) and result.get("res_model"):
            raise UserError(
                _(
                    "Odoo asked a question (%(wizard)s) while booking %(picking)s from Ongoing; "
                    "validate it by hand.",
                    wizard=result.get("name") or result["res_model"],
                    picking=picking.display_name,
                )
            )

    def _ongoing_booking_date(self, picking, done_time):
        """Return the date of the journal entries for goods the warehouse handled at ``done_time``.

        It is the local day of ``done_time`` unless that day lies in a locked accounting
        period. The entries then go on the first open day, with a note on the transfer.
        """
        booking_date = fields.Date.context_today(picking, done_time)
        lock_date = picking.company_id._get_user_fiscal_lock_date(self.env["account.journal"])
        if lock_date and booking_date <= lock_date:
            open_date = lock_date + timedelta(days=1)
            picking.message_post(
                body=_(
                    "The warehouse handled the goods on %(day)s, in a locked accounting period, "
                    "so the journal entries are dated %(date)s.",
                    day=booking_date,
                    date=open_date,
                ),
                subtype_xmlid="mail.mt_note",
            )
            booking_date = open_date
        return booking_date

    @staticmethod
    def _ongoing_new_items(line, items):
        """Return the article items of the line that Odoo has not booked yet."""
        booked_ids = set(json.loads(line.booked_item_keys or "[]"))
        return [
            item for item in items if item.item_id is None or str(item.item_id) not in booked_ids
        ]

    @staticmethod
    def _ongoing_lot_pairs(items):
        """Return article items as the (quantity, lot name) pairs that moves are booked with."""
        return [(item.quantity, item.serial or item.batch) for item in items]

    def _ongoing_claim_new_items(self, to_book, problems):
        """Keep, per line, only the article items not booked yet, and remember them as booked.

        ``to_book`` maps each line to (quantity, article items). A tracked product
        without new items cannot be booked: it is dropped with a problem. Returns
        the remaining {line: (quantity, new article items)}.
        """
        claimed = {}
        for line, (quantity, items) in to_book.items():
            new_items = self._ongoing_new_items(line, items)
            if line.product_id.tracking != "none" and not new_items:
                problems.append(
                    _(
                        "Ongoing gave no lot or serial numbers for %(product)s; it was not booked.",
                        product=line.product_id.display_name,
                    )
                )
                continue
            claimed[line] = (quantity, new_items)
            line.sudo().booked_item_keys = json.dumps(
                sorted(
                    set(json.loads(line.booked_item_keys or "[]"))
                    | {str(item.item_id) for item in new_items if item.item_id is not None}
                )
            )
        return claimed

    def _ongoing_finish_booking(self, problems):
        """Show the booking problems on the document, or clear old ones, and queue the
        acknowledgement of what was booked."""
        if problems:
            message = "\n".join(problems)
            if message != self.import_error:
                self._ongoing_report_problem(message)
        elif self.import_error:
            self.write({"import_error": False, "import_error_date": False})

        if any(line._ongoing_needs_acknowledge() for line in self.line_ids):
            self._ongoing_schedule_acknowledge()

    def _ongoing_cancel_in_wms(self):
        """Cancel the document in Ongoing; accept a document Ongoing had already cancelled."""
        self.ensure_one()
        client = self.backend_id._get_client()
        try:
            self._ongoing_cancel_remote_document(client)
        except FixRequestError:
            if not self._ongoing_is_cancelled_remotely(client):
                raise
        self.write({"remote_status": self._ongoing_cancelled_status(), "sync_state": "synced"})

    def _ongoing_cancel_remote_document(self, client):
        if self.order_type != "outbound":
            raise UserError(
                _("Cancelling %(type)s documents is not supported.", type=self.order_type)
            )
        client.cancel_order(self.remote_id)

    def _ongoing_is_cancelled_remotely(self, client):
        if self.order_type != "outbound":
            return False
        return client.get_order(self.remote_id).status.number == ORDER_STATUS_CANCELLED

    def _ongoing_cancelled_status(self):
        return ORDER_STATUS_CANCELLED

    # ------------------------------------------------------------------
    # Outbound orders: export
    # ------------------------------------------------------------------

    def _ongoing_export_outbound(self, client):
        picking = self._ongoing_open_pickings()[:1]
        if not picking:
            return _("%(order)s has no open delivery; nothing to send.", order=self.name)
        if self.remote_id and self._ongoing_has_bookings():
            raise UserError(
                _(
                    "Ongoing WMS has already picked part of order %(order)s, so it no longer "
                    "accepts changes. Change the order in Ongoing WMS with the warehouse.",
                    order=self.name,
                )
            )

        moves = self._ongoing_moves_to_send(picking)
        self._ongoing_assign_rows(moves)
        quantities = self._ongoing_line_quantities(moves)
        payload = self._ongoing_outbound_payload(picking, quantities)
        result = client.put_order(payload)

        self.sudo().write({"remote_id": result.remote_id})
        for line in self.line_ids:
            line.sudo().ordered_qty = quantities.get(line, 0.0)
        picking.message_post(
            body=_(
                "Sent to Ongoing WMS as order %(order)s (%(count)s lines).",
                order=self.name,
                count=len(payload.lines),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return _("Order %(order)s sent.", order=self.name)

    def _ongoing_outbound_payload(self, picking, quantities):
        partner = picking.partner_id
        if not partner:
            raise UserError(_("%(picking)s has no delivery address.", picking=picking.display_name))
        company = partner.commercial_partner_id
        missing = [
            label
            for label, value in (
                (_("street"), partner.street),
                (_("zip"), partner.zip),
                (_("city"), partner.city),
                (_("country"), partner.country_id),
            )
            if not value
        ]
        if missing:
            raise UserError(
                _(
                    "The delivery address %(partner)s lacks: %(missing)s. Ongoing WMS needs a "
                    "complete address to ship.",
                    partner=partner.display_name,
                    missing=", ".join(missing),
                )
            )
        consignee = Consignee(
            name=partner.name or company.name,
            customer_number=company.ref or f"ODOO-{company.id}",
            address1=partner.street,
            address2=partner.street2 or None,
            address3=(company.name if partner.parent_id and partner.name != company.name else None),
            post_code=partner.zip,
            city=partner.city,
            country_code=partner.country_id.code,
            country_state_code=partner.state_id.code or None,
        )
        carrier = picking.carrier_id
        sale = picking.sale_id
        lines = [
            OrderLinePayload(
                row_number=line.row_number,
                article_number=line.article_number,
                quantity=quantities.get(line, 0.0),
                comment=line.product_id.with_context(display_default_code=False).display_name[:100],
            )
            for line in self.line_ids.sorted("sequence")
        ]
        return OrderPayload(
            order_number=self.name,
            delivery_date=fields.Date.context_today(picking, picking.scheduled_date),
            consignee=consignee,
            lines=lines,
            goods_owner_order_id=sale.name or picking.origin or None,
            reference_number=(sale.client_order_ref or None) if sale else None,
            order_remark=html2plaintext(picking.note or "").strip()[:500] or None,
            email=partner.email or None,
            sms=partner.mobile or None,
            telephone=partner.phone or None,
            transporter_code=carrier.ongoing_transporter_code or None,
            transporter_service_code=carrier.ongoing_transporter_service_code or None,
        )

    # ------------------------------------------------------------------
    # Outbound orders: booking what Ongoing picked and shipped
    # ------------------------------------------------------------------

    def _ongoing_apply_outbound(self, order):
        """Book what Ongoing picked beyond what Odoo booked and store shipping data.

        Returns a summary for the event log.
        """
        self.ensure_one()
        self._ongoing_lock()
        self._ongoing_record_status(order.status)
        if not self.remote_id:
            self.remote_id = order.order_id
        to_book, problems = self._ongoing_read_outbound_lines(order)

        summary = []
        if to_book:
            try:
                with self.env.cr.savepoint():
                    summary.append(self._ongoing_book_outbound(to_book, problems))
            except UserError as error:
                problems.append(str(error.args[0]))
        shipped = self._ongoing_store_shipping(order)
        if shipped:
            summary.append(shipped)
        summary.extend(self._ongoing_apply_returned(order, problems))
        if order.status.number == ORDER_STATUS_CANCELLED and self._ongoing_open_pickings():
            problems.append(
                _(
                    "The warehouse cancelled order %(order)s in Ongoing WMS; cancel the delivery "
                    "in Odoo or agree with the warehouse to send it again.",
                    order=self.name,
                )
            )
        self._ongoing_finish_booking(problems)
        return "\n".join(summary) or _("Nothing new for %(order)s.", order=self.name)

    def _ongoing_apply_returned(self, order, problems):
        """Book the items Ongoing reports as returned on the order; return summary lines.

        Problems are appended to ``problems``. This implementation books nothing,
        and ``ongoing_order_return`` overrides it.
        """
        return []

    def _ongoing_read_outbound_lines(self, order):
        """Store Ongoing's line figures; return what is left to book, and the problems seen."""
        lines_by_row = {line.row_number: line for line in self.line_ids}
        to_book, problems = {}, []
        for remote_line in order.lines:
            line = lines_by_row.get(remote_line.row_number)
            if not line:
                problems.append(
                    _(
                        "Ongoing reports row %(row)s (article %(article)s), which Odoo never sent.",
                        row=remote_line.row_number,
                        article=remote_line.article_number,
                    )
                )
                continue
            line.write(
                {
                    "remote_line_id": remote_line.line_id,
                    "remote_done_qty": remote_line.picked,
                    "reported_qty": remote_line.reported,
                    "remote_returned_qty": remote_line.returned,
                    "returned_reported_qty": remote_line.reported_returned,
                }
            )
            rounding = line.product_id.uom_id.rounding or 0.001
            delta = remote_line.picked - line.booked_qty
            if float_compare(delta, 0, precision_rounding=rounding) > 0:
                to_book[line] = (delta, remote_line.picked_items)
            elif float_compare(delta, 0, precision_rounding=rounding) < 0:
                problems.append(
                    _(
                        "Ongoing reports %(picked)s picked on row %(row)s, but Odoo already booked "
                        "%(booked)s; check the delivery with the warehouse.",
                        picked=remote_line.picked,
                        row=line.row_number,
                        booked=line.booked_qty,
                    )
                )
        return to_book, problems

    def _ongoing_book_outbound(self, to_book, problems):
        """Validate the open delivery with the picked quantities; record them as booked."""
        picking = self._ongoing_open_pickings()[:1]
        if not picking:
            problems.append(
                _(
                    "Ongoing picked goods of order %(order)s, but its deliveries are done or "
                    "cancelled in Odoo; nothing was booked.",
                    order=self.name,
                )
            )
            return ""

        to_book = {
            line: (quantity, self._ongoing_lot_pairs(items))
            for line, (quantity, items) in self._ongoing_claim_new_items(to_book, problems).items()
        }
        if not to_book:
            return ""

        booked = self._ongoing_book_moves(picking, to_book)
        for line, quantity in booked.items():
            line.sudo().booked_qty += quantity
        for line in set(to_book) - set(booked):
            problems.append(
                _(
                    "Ongoing picked %(product)s on row %(row)s, but the delivery has no such move "
                    "any more; it was not booked.",
                    product=line.product_id.display_name,
                    row=line.row_number,
                )
            )
        if not booked:
            return ""

        self._ongoing_validate(picking)
        rows = Markup("").join(
            Markup("<li>%s: %s</li>") % (line.product_id.display_name, quantity)
            for line, quantity in booked.items()
        )
        picking.message_post(
            body=Markup("%s<ul>%s</ul>") % (_("Picked in Ongoing WMS and booked:"), rows),
            subtype_xmlid="mail.mt_note",
        )
        return _(
            "Booked %(count)s line(s) on %(picking)s.", count=len(booked), picking=picking.name
        )

    def _ongoing_store_shipping(self, order):
        """Store the waybill and parcel numbers once Ongoing has shipped; return a summary."""
        tracking = ", ".join(order.tracking_numbers) or order.way_bill
        if not (order.way_bill or tracking) or (
            order.way_bill == (self.way_bill or "") and tracking == (self.tracking_numbers or "")
        ):
            return ""
        self.write(
            {
                "way_bill": order.way_bill,
                "tracking_numbers": tracking,
                "shipped_date": order.shipped_time.replace(tzinfo=None)
                if order.shipped_time
                else False,
            }
        )
        # Customer returns booked on the order are done transfers too, but were not shipped.
        done = self.picking_ids.filtered(
            lambda picking: picking.state == "done" and picking.picking_type_code == "outgoing"
        )
        for picking in done.filtered(lambda picking: not picking.carrier_tracking_ref):
            picking.carrier_tracking_ref = tracking
        latest = done[-1:] or self.picking_ids[-1:]
        latest.message_post(
            body=_(
                "Shipped by Ongoing WMS: waybill %(way_bill)s, tracking %(tracking)s.",
                way_bill=order.way_bill or "-",
                tracking=tracking,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return _("Shipped with waybill %(way_bill)s.", way_bill=order.way_bill or tracking)


class OngoingOrderLine(models.Model):
    _inherit = "ongoing.order.line"

    booked_item_keys = fields.Text(
        readonly=True,
        help="Ongoing article item ids already booked (JSON list), so a lot or serial is "
        "booked once even when Ongoing lists it again.",
    )
