from collections import defaultdict

from odoo import _, models
from odoo.exceptions import UserError

from ..reconciliation import compare

# Quants per call of stock.quant._apply_inventory, which creates and validates their moves.
APPLY_BATCH_SIZE = 500


class OngoingReconciliation(models.Model):
    _inherit = "ongoing.reconciliation"

    def _ongoing_apply(self):
        """Correct Odoo's stock by the run's differences, as inventory adjustments.

        Each (product, lot) gets a target total over the mirror locations: Odoo's
        quantity plus the difference. Increases go to the warehouse's stock
        location. Decreases take from the stock location's tree first, then from
        the quarantine and locked locations. Negative quants are brought to zero
        on the way. The quants are set in inventory mode and applied
        directly (no wizard), in batches, with moves named after the run.
        """
        self.ensure_one()
        lines = self.line_ids.filtered(lambda line: line.case == compare.DIFFERENCE)
        if not lines:
            return
        targets = self._ongoing_targets(lines)
        quants = self._ongoing_set_counted_quantities(targets)

        quant_model = self.env["stock.quant"].sudo()
        moves_context = {
            "inventory_name": _("Ongoing WMS reconciliation %(name)s", name=self.name),
            "ongoing_reconciliation_id": self.id,
        }
        for start in range(0, len(quants), APPLY_BATCH_SIZE):
            batch = quant_model.browse(quants[start : start + APPLY_BATCH_SIZE])
            batch.with_context(**moves_context)._apply_inventory()

        self._ongoing_check_targets(targets)
        lines.write({"applied": True})

    def _ongoing_targets(self, lines):
        """Return {(product, lot): total quantity wanted over the mirror locations}."""
        missing = lines.filtered(lambda line: line.lot_name and not line.lot_id)
        if missing:
            created = (
                self.env["stock.lot"]
                .sudo()
                .create(
                    [
                        {
                            "product_id": line.product_id.id,
                            "name": line.lot_name,
                            "company_id": self.company_id.id,
                        }
                        for line in missing
                    ]
                )
            )
            for line, lot in zip(missing, created, strict=True):
                line.lot_id = lot
        return {
            (line.product_id, line.lot_id): line.odoo_qty + line.difference_qty for line in lines
        }

    def _ongoing_location_rank(self):
        """Return a sort key that puts the stock location's tree before the other locations."""
        backend = self.backend_id
        stock_path = backend.warehouse_id.lot_stock_id.parent_path
        quarantine_path = backend.quarantine_location_id.parent_path or "\0"

        def rank(quant):
            path = quant.location_id.parent_path
            if path.startswith(stock_path):
                return (0, quant.id)
            if path.startswith(quarantine_path):
                return (1, quant.id)
            return (2, quant.id)

        return rank

    def _ongoing_set_counted_quantities(self, targets):
        """Set the counted quantity on every quant that must change; return their ids."""
        backend = self.backend_id
        stock_location = backend.warehouse_id.lot_stock_id
        quant_model = self.env["stock.quant"].sudo().with_context(inventory_mode=True)
        products = self.env["product.product"].union(*(product for product, _lot in targets))
        existing = quant_model.search_fetch(
            [
                ("product_id", "in", products.ids),
                ("location_id", "child_of", backend._get_mirror_locations().ids),
            ],
            ["product_id", "location_id", "lot_id", "quantity", "package_id", "owner_id"],
        )
        by_key = defaultdict(list)
        for quant in existing:
            by_key[(quant.product_id, quant.lot_id)].append(quant)

        rank = self._ongoing_location_rank()
        counted = {}
        to_create = []
        for (product, lot), target in targets.items():
            quants = sorted(by_key.get((product, lot), []), key=rank)
            plan = self._ongoing_plan_quantities(quants, target, product.uom_id.rounding)
            for quant, quantity in plan.items():
                if quant is None:
                    to_create.append(
                        {
                            "product_id": product.id,
                            "location_id": stock_location.id,
                            "lot_id": lot.id,
                            "inventory_quantity": quantity,
                            "user_id": False,
                        }
                    )
                else:
                    counted[quant] = quantity

        for quant, quantity in counted.items():
            quant.write({"inventory_quantity": quantity, "user_id": False})
        created = quant_model.create(to_create) if to_create else quant_model
        return [quant.id for quant in counted] + created.ids

    def _ongoing_plan_quantities(self, quants, target, rounding):
        """Return {quant or None (a new quant in the stock location): new quantity}.

        ``quants`` are sorted with the location taken from first. Negative quants
        go to zero, then the stock location's quant takes any increase and the
        others give up the decrease in order.
        """
        stock_location = self.backend_id.warehouse_id.lot_stock_id
        plan = {quant: 0.0 for quant in quants if quant.quantity < 0}
        positive = [quant for quant in quants if quant.quantity >= 0]
        missing = target - sum(quant.quantity for quant in positive)

        for quant in positive:
            if missing >= -rounding / 2:
                break
            taken = min(quant.quantity, -missing)
            if taken > 0:
                plan[quant] = quant.quantity - taken
                missing += taken
        if compare.is_zero(missing, rounding):
            return plan

        # An increase, or a target below zero (more booked out in Odoo than Ongoing
        # holds), lands on the plain quant of the stock location itself.
        home = next(
            (
                quant
                for quant in positive
                if quant.location_id == stock_location
                and not quant.package_id
                and not quant.owner_id
            ),
            None,
        )
        plan[home] = plan.get(home, home.quantity if home else 0.0) + missing
        return plan

    def _ongoing_check_targets(self, targets):
        """Raise when Odoo's stock after the corrections is not what the run aimed at."""
        products = self.env["product.product"].union(*(product for product, _lot in targets))
        groups = self.env["stock.quant"]._read_group(
            [
                ("product_id", "in", products.ids),
                ("location_id", "child_of", self.backend_id._get_mirror_locations().ids),
            ],
            ["product_id", "lot_id"],
            ["quantity:sum"],
        )
        reached = {(product, lot): quantity for product, lot, quantity in groups}
        for (product, lot), target in targets.items():
            quantity = reached.get((product, lot), 0.0)
            if not compare.is_zero(quantity - target, product.uom_id.rounding):
                raise UserError(
                    _(
                        "After the corrections %(product)s %(lot)s has %(quantity)s in the "
                        "warehouse instead of %(target)s; nothing was applied.",
                        product=product.display_name,
                        lot=lot.name or "",
                        quantity=quantity,
                        target=target,
                    )
                )
