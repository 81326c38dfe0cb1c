from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero


class StockMove(models.Model):
    _inherit = "stock.move"

    ongoing_line_id = fields.Many2one(
        "ongoing.order.line",
        string="Ongoing Line",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The Ongoing order row this move was sent as; split moves keep it.",
    )

    ongoing_removal_pending_qty = fields.Float(
        string="Awaiting Ongoing Write-Off",
        digits="Product Unit of Measure",
        copy=False,
        readonly=True,
        help="On a customer return whose cause Ongoing removes from its stock: the quantity "
        "whose write-off Ongoing has not reported yet.",
    )

    ongoing_reconciliation_id = fields.Many2one(
        "ongoing.reconciliation",
        string="Ongoing Reconciliation",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The stock reconciliation with Ongoing WMS that made this inventory adjustment.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        moves.picking_id._ongoing_resend_if_changed()
        return moves

    def write(self, vals):
        done_time = self.env.context.get("ongoing_done_time")
        if done_time and vals.get("state") == "done" and "date" in vals:
            # Stock values the moves right after marking them done, so the date
            # must be the warehouse's before the valuation reads it.
            vals = dict(vals, date=done_time)
        result = super().write(vals)
        if "product_uom_qty" in vals or "product_id" in vals:
            self.picking_id._ongoing_resend_if_changed()
        elif "date" in vals or "date_deadline" in vals:
            # The expected date matters to the warehouse receiving goods, not to one picking.
            self.picking_id._ongoing_resend_if_changed(document_types=("purchase",))
        return result

    def _action_confirm(self, merge=True, merge_into=False):
        moves = super()._action_confirm(merge=merge, merge_into=merge_into)
        # A move created on a transfer already sent (a line added to the order) is a change.
        moves.picking_id._ongoing_resend_if_changed()
        moves.picking_id._ongoing_schedule_if_ready()
        return moves

    def _action_assign(self, force_qty=False):
        result = super()._action_assign(force_qty=force_qty)
        self.picking_id._ongoing_schedule_if_ready()
        return result

    def _action_done(self, cancel_backorder=False):
        done_time = self.env.context.get("ongoing_done_time")
        if not done_time:
            return super()._action_done(cancel_backorder=cancel_backorder)

        layers_before = self.stock_valuation_layer_ids
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        layers = (moves | self).exists().stock_valuation_layer_ids - layers_before
        if layers:
            # Valuation layers carry their date in create_date, which the ORM never
            # lets a caller set. Stock reports and FIFO order layers by it.
            self.env.cr.execute(
                "UPDATE stock_valuation_layer SET create_date = %s WHERE id IN %s",
                [done_time, tuple(layers.ids)],
            )
            layers.invalidate_recordset(["create_date"])
        return moves

    def _get_currency_convert_date(self):
        convert_date = super()._get_currency_convert_date()
        done_time = self.env.context.get("ongoing_done_time")
        if done_time and convert_date == self.date:
            # Odoo takes the UTC day of the move's time, but the warehouse's day is the
            # local one, which also dates the journal entry.
            return fields.Date.context_today(self, done_time)
        return convert_date

    def _prepare_move_split_vals(self, qty):
        values = super()._prepare_move_split_vals(qty)
        if self.ongoing_line_id:
            values["ongoing_line_id"] = self.ongoing_line_id.id
        return values

    def _ongoing_set_done_quantity(self, quantity, items=()):
        """Set the quantity Ongoing handled on this move, with lots or serials where tracked.

        ``items`` are (quantity, lot name) pairs taken from Ongoing's article items.
        Quantities are in the product's unit. Any reservation is replaced, because
        the warehouse decides what left or arrived, not Odoo's reservation.
        """
        self.ensure_one()
        product = self.product_id
        rounding = product.uom_id.rounding
        self.move_line_ids.filtered(lambda line: line.state not in ("done", "cancel")).unlink()
        if float_is_zero(quantity, precision_rounding=rounding):
            self.picked = False
            return

        if product.tracking == "none":
            self._set_quantity_done(product.uom_id._compute_quantity(quantity, self.product_uom))
            self.picked = True
            return

        lots = [(qty, name) for qty, name in items if name]
        if float_compare(sum(qty for qty, _name in lots), quantity, precision_rounding=rounding):
            raise UserError(
                _(
                    "Ongoing reported %(quantity)s of %(product)s, which is tracked by "
                    "lot or serial number, but gave numbers for %(numbered)s of them.",
                    quantity=quantity,
                    product=product.display_name,
                    numbered=sum(qty for qty, _name in lots),
                )
            )
        values = []
        for qty, name in lots:
            lot = self._ongoing_find_or_create_lot(name)
            line_values = self._prepare_move_line_vals(quantity=0)
            line_values.update(
                {
                    "quantity": qty,
                    "product_uom_id": product.uom_id.id,
                    "lot_id": lot.id,
                    "picked": True,
                }
            )
            if self.picking_code == "outgoing":
                line_values["location_id"] = self._ongoing_lot_location(lot).id
            values.append(line_values)
        self.env["stock.move.line"].create(values)
        self.picked = True

    def _ongoing_find_or_create_lot(self, name):
        lot_model = self.env["stock.lot"]
        company = self.company_id or self.env.company
        lot = lot_model.search(
            [
                ("product_id", "=", self.product_id.id),
                ("name", "=", name),
                ("company_id", "in", [company.id, False]),
            ],
            limit=1,
        )
        return lot or lot_model.create(
            {"product_id": self.product_id.id, "name": name, "company_id": company.id}
        )

    def _ongoing_lot_location(self, lot):
        """Return where the lot is in stock below the move's source location."""
        quant = self.env["stock.quant"].search(
            [
                ("product_id", "=", self.product_id.id),
                ("lot_id", "=", lot.id),
                ("location_id", "child_of", self.location_id.id),
                ("quantity", ">", 0),
            ],
            limit=1,
        )
        return quant.location_id or self.location_id

    def _ongoing_product_quantity(self):
        """Return the move's quantity in the product's unit: done if done, else the demand."""
        self.ensure_one()
        if self.state != "done":
            return self.product_qty
        return self.product_uom._compute_quantity(self.quantity, self.product_id.uom_id)


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def _action_done(self):
        result = super()._action_done()
        done_time = self.env.context.get("ongoing_done_time")
        if done_time:
            self.exists().write({"date": done_time})
        return result
