"""Daily stock reconciliation with Ongoing WMS as the master, against the simulator."""

import base64
import os
import tempfile
from datetime import datetime
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user

from ..models import ongoing_reconciliation_apply
from .common import SimulatedWarehouseCase

ARTICLES = 200
STOCK = 20.0
GOODS_OWNER = 159


class ReconciliationCase(SimulatedWarehouseCase):
    """200 articles with 20 each in Odoo and in the simulator, and a few special products.

    ``REC-060`` keeps 5 of its 20 in the locked location (locked in Ongoing),
    ``REC-080`` keeps 2 of its 20 in the quarantine location, ``REC-070`` keeps
    12 on a shelf below the stock location, and ``Q-LOCAL`` has 4 in Odoo but was
    never sent to Ongoing.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.make_customer(cls)
        cls.backend.action_create_mirror_locations()
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.shelf = cls.env["stock.location"].create(
            {"name": "Shelf 1", "location_id": cls.stock_location.id, "usage": "internal"}
        )

        env = cls.env(context=dict(cls.env.context, ongoing_no_article_sync=True))
        cls.products = env["product.product"].create(
            [
                {
                    "name": f"Artikel {index:03d}",
                    "default_code": f"REC-{index:03d}",
                    "is_storable": True,
                    "standard_price": 10.0 + index,
                    "categ_id": cls.category.id,
                }
                for index in range(ARTICLES)
            ]
        )

        # The simulator numbers articles from 18000 in the order set_stock creates them.
        env["ongoing.article"].create(
            [
                {
                    "backend_id": cls.backend.id,
                    "product_id": product.id,
                    "article_number": product.default_code,
                    "article_system_id": 18000 + index,
                    "sync_state": "synced",
                }
                for index, product in enumerate(cls.products)
            ]
        )

        cls.local_only = env["product.product"].create(
            {
                "name": "Lokal vara",
                "default_code": "Q-LOCAL",
                "is_storable": True,
                "standard_price": 7.0,
                "categ_id": cls.category.id,
            }
        )

        quantities = [(product, cls.stock_location, STOCK) for product in cls.products]
        quantities[60] = (cls.products[60], cls.stock_location, 15.0)
        quantities[70] = (cls.products[70], cls.stock_location, 8.0)
        quantities[80] = (cls.products[80], cls.stock_location, 18.0)
        quantities += [
            (cls.products[60], cls.backend.locked_location_id, 5.0),
            (cls.products[80], cls.backend.quarantine_location_id, 2.0),
            (cls.products[70], cls.shelf, 12.0),
            (cls.local_only, cls.stock_location, 4.0),
        ]
        cls.env["stock.quant"].with_context(inventory_mode=True).create(
            [
                {"product_id": product.id, "location_id": location.id, "inventory_quantity": qty}
                for product, location, qty in quantities
            ]
        )._apply_inventory()

    def setUp(self):
        super().setUp()
        for product in self.products:
            self.simulator.set_stock(product.default_code, STOCK)
        self.simulator.lock_stock("REC-060", 5, "Damaged in transport")

    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def product(self, index):
        return self.products[index]

    def on_hand(self, product, lot=None):
        """Return Odoo's quantity of the product in the locations that mirror Ongoing."""
        domain = [
            ("product_id", "=", product.id),
            ("location_id", "child_of", self.backend._get_mirror_locations().ids),
        ]
        if lot is not None:
            domain.append(("lot_id", "=", lot.id))
        return sum(self.env["stock.quant"].search(domain).mapped("quantity"))

    def valuation_total(self):
        groups = self.env["stock.valuation.layer"]._read_group(
            [("company_id", "=", self.company.id)], [], ["value:sum"]
        )
        return groups[0][0] or 0.0

    def reconcile(self, mode="apply", file_name=None, data=None):
        reconciliation = self.backend._ongoing_start_reconciliation(
            file_name=file_name, data=data, mode=mode
        )
        self.run_jobs()
        return reconciliation

    def lines_by_article(self, reconciliation):
        return {line.article_number: line for line in reconciliation.line_ids}

    def sell_and_pick(self, product, quantity, picked):
        """Sell, send the delivery to Ongoing and pick it there, without telling Odoo."""
        sale = self.sell(self.customer, [(product, quantity)])
        self.run_jobs()
        picking = sale.picking_ids
        if picked:
            self.simulator.pick(picking.name, {"1": picked})
        return picking

    def drift(self, article_number, delta):
        """Change Ongoing's stock without an adjustment record, as a miscount does.

        Adjustments that Ongoing records reach Odoo in real time; the nightly run
        exists for the drift that no event reports.
        """
        figures = self.simulator.article_state(article_number)["inventoryInfo"]
        unlocked = figures["numberOfItems"] - figures["numberOfLockedItems"]
        self.simulator.set_stock(article_number, unlocked + delta)

    def introduce_drift(self):
        """Lost, found, emptied, unknown in Odoo, a pick not booked, and a pick with a loss."""
        self.drift("REC-010", -5)
        self.drift("REC-020", 3)
        self.drift("REC-030", -20)
        self.simulator.set_stock("X-GHOST", 7)
        self.in_flight_picking = self.sell_and_pick(self.product(40), 3, 3)
        self.mixed_picking = self.sell_and_pick(self.product(50), 2, 2)
        self.drift("REC-050", -1)
        self.drift("REC-070", -10)

    def balance_files(self):
        """Return the simulator's stock as CSV and XML stock-balance files, without empty rows."""
        articles = [
            (article["articleNumber"], article["inventoryInfo"]["numberOfItems"])
            for article in self.simulator.state()[str(GOODS_OWNER)]["articles"]
            if article["inventoryInfo"]["numberOfItems"]
        ]
        csv_rows = ["ArticleNumber;NumberOfItems"] + [
            f"{number};{str(quantity).replace('.', ',')}" for number, quantity in articles
        ]
        xml_rows = "".join(
            f"<Article><ArticleNumber>{number}</ArticleNumber>"
            f"<NumberOfItems>{quantity}</NumberOfItems></Article>\n"
            for number, quantity in articles
        )
        csv_data = ("\n".join(csv_rows) + "\n").encode()
        xml_data = f'<?xml version="1.0"?>\n<StockBalance>\n{xml_rows}</StockBalance>\n'.encode()
        return csv_data, xml_data


class TestReconciliationFromApi(ReconciliationCase):
    def test_true_differences_applied(self):
        self.introduce_drift()
        reconciliation = self.reconcile()

        self.assertEqual(reconciliation.state, "done", reconciliation.error)
        applied = {
            line.article_number: line.difference_qty
            for line in reconciliation.line_ids
            if line.applied
        }
        self.assertEqual(
            applied, {"REC-010": -5, "REC-020": 3, "REC-030": -20, "REC-050": -1, "REC-070": -10}
        )
        self.assertEqual(self.on_hand(self.product(10)), 15)
        self.assertEqual(self.on_hand(self.product(20)), 23)
        self.assertEqual(self.on_hand(self.product(30)), 0)
        self.assertEqual(self.on_hand(self.product(50)), 19)
        self.assertEqual(self.on_hand(self.product(70)), 10)
        self.assertEqual(reconciliation.applied_count, 5)

    def test_in_flight_pick_not_corrected(self):
        self.introduce_drift()
        reconciliation = self.reconcile()

        line = self.lines_by_article(reconciliation)["REC-040"]
        self.assertEqual(line.case, "in_flight")
        self.assertEqual((line.odoo_qty, line.ongoing_qty, line.in_flight_qty), (20, 17, -3))
        self.assertEqual(line.difference_qty, 0)
        self.assertFalse(line.applied)
        self.assertIn(self.in_flight_picking.name, line.note)
        self.assertEqual(self.on_hand(self.product(40)), 20)

    def test_report_lists_every_case(self):
        self.introduce_drift()
        reconciliation = self.reconcile()

        cases = {line.article_number: line.case for line in reconciliation.line_ids}
        self.assertEqual(
            cases,
            {
                "REC-010": "difference",
                "REC-020": "difference",
                "REC-030": "difference",
                "REC-040": "in_flight",
                "REC-050": "difference",
                "REC-070": "difference",
                "X-GHOST": "unknown_in_odoo",
                "Q-LOCAL": "unknown_in_ongoing",
            },
        )
        lines = self.lines_by_article(reconciliation)
        self.assertEqual(lines["X-GHOST"].ongoing_qty, 7)
        self.assertFalse(lines["X-GHOST"].applied)
        self.assertEqual(lines["Q-LOCAL"].odoo_qty, 4)
        self.assertFalse(lines["Q-LOCAL"].applied)
        self.assertEqual(lines["REC-050"].in_flight_qty, -2)
        self.assertEqual(reconciliation.article_count, ARTICLES + 2)
        self.assertEqual(reconciliation.matched_count, ARTICLES - 6)
        self.assertEqual(reconciliation.unknown_count, 2)
        self.assertEqual(reconciliation.in_flight_count, 1)

    def test_locked_and_quarantined_stock_count(self):
        reconciliation = self.reconcile()
        self.assertNotIn("REC-060", self.lines_by_article(reconciliation))
        self.assertNotIn("REC-080", self.lines_by_article(reconciliation))
        self.assertEqual(self.on_hand(self.product(60)), STOCK)
        self.assertEqual(self.on_hand(self.product(80)), STOCK)

    def test_valuation_follows_applied_differences(self):
        self.introduce_drift()
        before = self.valuation_total()
        reconciliation = self.reconcile()

        expected = sum(
            difference * self.product(index).standard_price
            for index, difference in ((10, -5), (20, 3), (30, -20), (50, -1), (70, -10))
        )
        self.assertAlmostEqual(self.valuation_total() - before, expected, places=2)
        self.assertAlmostEqual(reconciliation.valuation_change, expected, places=2)
        self.assertAlmostEqual(
            sum(reconciliation.line_ids.filtered("applied").mapped("value")), expected, places=2
        )

    def test_adjustments_named_after_run(self):
        self.introduce_drift()
        reconciliation = self.reconcile()
        moves = self.env["stock.move"].search(
            [("ongoing_reconciliation_id", "=", reconciliation.id)]
        )
        self.assertEqual(len(moves), reconciliation.move_count)
        self.assertTrue(moves)
        self.assertTrue(all(move.is_inventory and move.state == "done" for move in moves))
        self.assertEqual(
            set(moves.mapped("name")), {f"Ongoing WMS reconciliation {reconciliation.name}"}
        )

    def test_second_run_applies_nothing(self):
        self.introduce_drift()
        first = self.reconcile()
        second = self.reconcile()

        self.assertEqual(first.applied_count, 5)
        self.assertEqual(second.state, "done")
        self.assertEqual(second.applied_count, 0)
        self.assertEqual(second.difference_count, 0)
        self.assertFalse(
            self.env["stock.move"].search([("ongoing_reconciliation_id", "=", second.id)])
        )

    def test_booked_pick_leaves_nothing_in_flight(self):
        self.introduce_drift()
        self.reconcile()
        self.poll()
        self.assertEqual(self.in_flight_picking.state, "done")

        reconciliation = self.reconcile()
        unknown = ("unknown_in_odoo", "unknown_in_ongoing")
        self.assertFalse(reconciliation.line_ids.filtered(lambda line: line.case not in unknown))
        self.assertEqual(self.on_hand(self.product(40)), 17)
        self.assertEqual(self.on_hand(self.product(50)), 17)

    def test_report_only_applies_nothing(self):
        self.introduce_drift()
        moves_before = self.env["stock.move"].search_count([])
        reconciliation = self.reconcile(mode="report")

        self.assertEqual(reconciliation.state, "done")
        self.assertEqual(reconciliation.difference_count, 5)
        self.assertEqual(reconciliation.applied_count, 0)
        self.assertFalse(reconciliation.line_ids.filtered("applied"))
        self.assertEqual(len(reconciliation.line_ids), 8)
        self.assertEqual(self.on_hand(self.product(10)), STOCK)
        self.assertEqual(self.env["stock.move"].search_count([]), moves_before)
        self.assertIn("Report only", reconciliation.message_ids[:1].body)

    def test_backend_mode_decides_default(self):
        self.introduce_drift()
        self.assertEqual(self.backend.reconciliation_mode, "report")
        reconciliation = self.backend._ongoing_start_reconciliation()
        self.run_jobs()
        self.assertEqual(reconciliation.mode, "report")
        self.assertEqual(self.on_hand(self.product(10)), STOCK)

    def test_delivery_validated_in_odoo_counts_in_flight(self):
        picking = self.sell_and_pick(self.product(90), 3, 0)
        wizard = self.env["ongoing.manual.validation"].create(
            {"picking_ids": [Command.set(picking.ids)]}
        )
        wizard.action_confirm()
        self.assertEqual(picking.state, "done")

        reconciliation = self.reconcile()
        line = self.lines_by_article(reconciliation)["REC-090"]
        self.assertEqual((line.case, line.in_flight_qty), ("in_flight", 3))
        self.assertEqual(self.on_hand(self.product(90)), 17)

    def test_failure_half_way_leaves_nothing_applied(self):
        self.introduce_drift()
        quant_class = type(self.env["stock.quant"])
        original = quant_class._apply_inventory
        batches = []

        def fail_on_second_batch(quants):
            batches.append(quants.ids)
            if len(batches) == 2:
                raise UserError("The disk is full.")
            return original(quants)

        with (
            patch.object(ongoing_reconciliation_apply, "APPLY_BATCH_SIZE", 1),
            patch.object(
                quant_class, "_apply_inventory", autospec=True, side_effect=fail_on_second_batch
            ),
        ):
            reconciliation = self.reconcile()

        self.assertEqual(len(batches), 2)
        self.assertEqual(reconciliation.state, "failed")
        self.assertIn("The disk is full.", reconciliation.error)
        self.assertFalse(reconciliation.line_ids)
        self.assertEqual(reconciliation.move_count, 0)
        for index in (10, 20, 30, 50, 70):
            self.assertEqual(self.on_hand(self.product(index)), STOCK)
        self.assertTrue(reconciliation.activity_ids)

        reconciliation.action_retry()
        self.run_jobs()
        self.assertEqual(reconciliation.state, "done")
        self.assertEqual(reconciliation.applied_count, 5)
        self.assertEqual(self.on_hand(self.product(10)), 15)

    def test_ongoing_unavailable_retried_later(self):
        self.introduce_drift()
        self.simulator.outage(600)
        reconciliation = self.reconcile()

        self.assertEqual(reconciliation.state, "queued")
        self.assertFalse(reconciliation.line_ids)
        job = self.env["queue.job"].search(
            [("identity_key", "=", f"ongoing-reconcile:{reconciliation.id}")]
        )
        self.assertEqual(job.state, "pending")
        self.assertTrue(job.eta)
        self.assertEqual(self.on_hand(self.product(10)), STOCK)

    def test_change_during_run_left_for_next(self):
        picking = self.sell_and_pick(self.product(80), 2, 0)
        reconciliation_class = type(self.env["ongoing.reconciliation"])
        original = reconciliation_class._ongoing_read_documents
        reads = []

        def pick_after_first_read(reconciliation, client):
            result = original(reconciliation, client)
            reads.append(result)
            if len(reads) == 1:
                self.simulator.pick(picking.name, {"1": 2})
            return result

        with patch.object(
            reconciliation_class,
            "_ongoing_read_documents",
            autospec=True,
            side_effect=pick_after_first_read,
        ):
            reconciliation = self.reconcile()

        line = self.lines_by_article(reconciliation)["REC-080"]
        self.assertEqual(line.case, "moving")
        self.assertFalse(line.applied)
        self.assertEqual(self.on_hand(self.product(80)), STOCK)

    def test_alert_above_threshold(self):
        admin = self.env.ref("base.user_admin")
        self.backend.write(
            {"reconciliation_alert_threshold": 100.0, "reconciliation_user_id": admin.id}
        )
        self.introduce_drift()
        reconciliation = self.reconcile()

        self.assertGreater(reconciliation.difference_value, 100.0)
        activity = reconciliation.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, admin)
        self.assertIn("threshold", activity.summary)

    def test_no_alert_below_threshold(self):
        self.backend.reconciliation_alert_threshold = 1_000_000.0
        self.introduce_drift()
        reconciliation = self.reconcile()
        self.assertFalse(reconciliation.activity_ids)

    def test_summary_posted_in_chatter(self):
        self.introduce_drift()
        reconciliation = self.reconcile()
        body = reconciliation.message_ids[:1].body
        self.assertIn(f"{ARTICLES + 2} articles compared", body)
        self.assertIn("5 differences", body)
        self.assertIn("5 corrected", body)
        self.assertIn("2 unknown articles", body)

    def test_ongoing_manager_without_stock_rights_runs(self):
        manager = new_test_user(
            self.env,
            login="ongoing-manager",
            groups="base.group_user,ongoing_fortnox_sync.group_ongoing_fortnox_manager",
        )
        self.backend.reconciliation_mode = "apply"
        self.introduce_drift()
        action = self.backend.with_user(manager).action_reconcile_now()
        self.run_jobs()

        reconciliation = self.env["ongoing.reconciliation"].browse(action["res_id"])
        self.assertEqual(reconciliation.state, "done", reconciliation.error)
        self.assertEqual(reconciliation.applied_count, 5)
        self.assertEqual(reconciliation.create_uid, manager)

    def test_stock_user_cannot_start_run(self):
        clerk = new_test_user(self.env, login="lagerarbetare", groups="stock.group_stock_user")
        with self.assertRaises(AccessError):
            self.backend.with_user(clerk).action_reconcile_now()

    def test_run_with_stopped_job_replaced(self):
        first = self.backend.action_reconcile_now()
        job = self.env["queue.job"].search(
            [("identity_key", "=", f"ongoing-reconcile:{first['res_id']}")]
        )
        job.write({"state": "failed"})

        second = self.backend.action_reconcile_now()
        stale = self.env["ongoing.reconciliation"].browse(first["res_id"])
        self.assertNotEqual(second["res_id"], first["res_id"])
        self.assertEqual(stale.state, "failed")
        self.assertIn("job stopped", stale.error)

    def test_reconcile_now_reuses_waiting_run(self):
        first = self.backend.action_reconcile_now()
        second = self.backend.action_reconcile_now()
        self.assertEqual(first["res_id"], second["res_id"])
        reconciliation = self.env["ongoing.reconciliation"].browse(first["res_id"])
        self.assertEqual(reconciliation.state, "queued")
        self.run_jobs()
        self.assertEqual(reconciliation.state, "done")


class TestReconciliationOfLots(ReconciliationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wine = cls.make_product(cls, "VIN-1", name="Vinglas Kosta", cost=50.0, tracking="lot")
        cls.machine = cls.make_product(
            cls, "SER-1", name="Kaffebryggare", cost=900.0, tracking="serial"
        )
        lots = cls.env["stock.lot"].create(
            [
                {"product_id": cls.wine.id, "name": "L1"},
                {"product_id": cls.machine.id, "name": "SN1"},
                {"product_id": cls.machine.id, "name": "SN2"},
            ]
        )
        cls.lot_l1, cls.serial_1, cls.serial_2 = lots
        cls.env["stock.quant"].with_context(inventory_mode=True).create(
            [
                {
                    "product_id": lot.product_id.id,
                    "location_id": cls.warehouse.lot_stock_id.id,
                    "lot_id": lot.id,
                    "inventory_quantity": quantity,
                }
                for lot, quantity in ((cls.lot_l1, 5.0), (cls.serial_1, 1.0), (cls.serial_2, 1.0))
            ]
        )._apply_inventory()
        cls.env["ongoing.article"].search(
            [("product_id", "in", (cls.wine | cls.machine).ids)]
        ).write({"article_system_id": 1, "sync_state": "synced"})

    def setUp(self):
        super().setUp()
        self.simulator.set_stock("VIN-1", 3, batch="L1")
        self.simulator.set_stock("VIN-1", 2, batch="L2")
        self.simulator.set_stock("SER-1", 1, serial="SN2")
        self.simulator.set_stock("SER-1", 1, serial="SN3")

    def test_lots_corrected_one_by_one(self):
        reconciliation = self.reconcile()
        lines = reconciliation.line_ids.filtered(lambda line: line.product_id == self.wine)
        self.assertEqual(
            sorted((line.lot_name, line.difference_qty, line.applied) for line in lines),
            [("L1", -2, True), ("L2", 2, True)],
        )
        self.assertEqual(self.on_hand(self.wine, self.lot_l1), 3)
        lot_l2 = self.env["stock.lot"].search(
            [("product_id", "=", self.wine.id), ("name", "=", "L2")]
        )
        self.assertEqual(self.on_hand(self.wine, lot_l2), 2)

    def test_serials_corrected_one_by_one(self):
        self.reconcile()
        serials = self.env["stock.quant"].search(
            [
                ("product_id", "=", self.machine.id),
                ("location_id", "child_of", self.warehouse.lot_stock_id.id),
                ("quantity", ">", 0),
            ]
        )
        self.assertEqual(sorted(serials.lot_id.mapped("name")), ["SN2", "SN3"])
        self.assertEqual(self.on_hand(self.machine, self.serial_1), 0)

    def test_file_without_lots_reports_tracked_products(self):
        self.simulator.set_stock("SER-1", 1, serial="SN4")
        csv_data, _xml_data = self.balance_files()
        reconciliation = self.reconcile(file_name="saldo.csv", data=csv_data)
        line = self.lines_by_article(reconciliation)["SER-1"]
        self.assertEqual(line.case, "check")
        self.assertIn("no quantities per lot", line.note)
        self.assertFalse(line.applied)

    def test_file_with_lot_column_corrects_lots(self):
        self.backend.reconciliation_lot_field = "Batch"
        rows = ["ArticleNumber;NumberOfItems;Batch"] + [
            f"REC-{index:03d};{STOCK:g};" for index in range(ARTICLES)
        ]
        rows += ["VIN-1;3;L1", "VIN-1;2;L2", "SER-1;1;SN2", "SER-1;1;SN3"]
        data = ("\n".join(rows) + "\n").encode()
        reconciliation = self.reconcile(file_name="saldo.csv", data=data)
        self.assertEqual(reconciliation.state, "done", reconciliation.error)
        self.assertEqual(self.on_hand(self.wine, self.lot_l1), 3)
        self.assertEqual(self.on_hand(self.machine, self.serial_1), 0)


class TestReconciliationFromFile(ReconciliationCase):
    def import_file(self, name, data, mode="apply"):
        wizard = self.env["ongoing.reconciliation.import"].create(
            {
                "backend_id": self.backend.id,
                "file": base64.b64encode(data),
                "file_name": name,
                "mode": mode,
            }
        )
        action = wizard.action_import()
        self.run_jobs()
        return self.env["ongoing.reconciliation"].browse(action["res_id"])

    @staticmethod
    def outcome(reconciliation):
        return sorted(
            (
                line.case,
                line.article_number,
                line.odoo_qty,
                line.ongoing_qty,
                line.in_flight_qty,
                line.difference_qty,
            )
            for line in reconciliation.line_ids
        )

    def test_csv_and_xml_report_the_same(self):
        self.introduce_drift()
        csv_data, xml_data = self.balance_files()
        from_csv = self.import_file("saldo.csv", csv_data, mode="report")
        from_xml = self.import_file("saldo.xml", xml_data, mode="report")
        from_api = self.reconcile(mode="report")

        self.assertEqual(from_csv.state, "done", from_csv.error)
        self.assertEqual(self.outcome(from_csv), self.outcome(from_xml))
        self.assertEqual(self.outcome(from_csv), self.outcome(from_api))
        self.assertEqual(from_csv.difference_count, 5)

    def test_xml_file_applies_differences(self):
        self.introduce_drift()
        _csv_data, xml_data = self.balance_files()
        reconciliation = self.import_file("saldo.xml", xml_data)

        self.assertEqual(reconciliation.source, "file")
        self.assertEqual(reconciliation.applied_count, 5)
        self.assertEqual(self.on_hand(self.product(30)), 0)
        self.assertEqual(self.on_hand(self.product(40)), STOCK)
        second = self.import_file("saldo.xml", xml_data)
        self.assertEqual(second.applied_count, 0)

    def test_entity_expansion_file_refused(self):
        data = (
            b'<?xml version="1.0"?>\n<!DOCTYPE StockBalance [\n<!ENTITY a "REC-010">\n'
            b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n<StockBalance><Article>'
            b"<ArticleNumber>&b;</ArticleNumber><NumberOfItems>1</NumberOfItems>"
            b"</Article></StockBalance>\n"
        )
        count = self.env["ongoing.reconciliation"].search_count([])
        with self.assertRaisesRegex(UserError, "Line 3: the XML declares an entity"):
            self.import_file("saldo.xml", data)
        self.assertEqual(self.env["ongoing.reconciliation"].search_count([]), count)

    def test_malformed_csv_refused_with_line(self):
        self.introduce_drift()
        csv_data, _xml_data = self.balance_files()
        rows = csv_data.decode().splitlines()
        rows[42] = "REC-041;tjugo"
        count = self.env["ongoing.reconciliation"].search_count([])
        with self.assertRaisesRegex(UserError, "Line 43: 'tjugo'"):
            self.import_file("saldo.csv", ("\n".join(rows) + "\n").encode())
        self.assertEqual(self.env["ongoing.reconciliation"].search_count([]), count)
        self.assertEqual(self.on_hand(self.product(10)), STOCK)

    def test_malformed_xml_refused_with_line(self):
        self.introduce_drift()
        _csv_data, xml_data = self.balance_files()
        rows = xml_data.decode().splitlines()
        rows[9] = rows[9].replace("</Article>", "</Artikel>")
        count = self.env["ongoing.reconciliation"].search_count([])
        with self.assertRaisesRegex(UserError, "Line 10: the XML is malformed"):
            self.import_file("saldo.xml", ("\n".join(rows) + "\n").encode())
        self.assertEqual(self.env["ongoing.reconciliation"].search_count([]), count)
        self.assertEqual(self.on_hand(self.product(10)), STOCK)

    def test_file_leaving_out_unknown_product_lists_it(self):
        csv_data, _xml_data = self.balance_files()
        reconciliation = self.import_file("saldo.csv", csv_data)
        line = self.lines_by_article(reconciliation)["Q-LOCAL"]
        self.assertEqual(line.case, "unknown_in_ongoing")
        self.assertEqual(self.on_hand(self.local_only), 4)

    def test_folder_newest_file_reconciled_once(self):
        self.introduce_drift()
        csv_data, _xml_data = self.balance_files()
        with tempfile.TemporaryDirectory() as folder:
            old_path = os.path.join(folder, "saldo-0111.csv")
            new_path = os.path.join(folder, "saldo-0112.csv")
            with open(old_path, "wb") as handle:
                handle.write(b"ArticleNumber;NumberOfItems\nREC-010;1\n")
            with open(new_path, "wb") as handle:
                handle.write(csv_data)
            os.utime(old_path, (1_700_000_000, 1_700_000_000))
            self.backend.sudo().write(
                {
                    "reconciliation_folder": folder,
                    "reconciliation_source": "folder",
                    "reconciliation_mode": "apply",
                }
            )
            reconciliation = self.backend._ongoing_start_scheduled_reconciliation()
            self.run_jobs()
            with self.assertRaisesRegex(UserError, "already reconciled"):
                self.backend._ongoing_start_scheduled_reconciliation()

        self.assertEqual(reconciliation.file_name, "saldo-0112.csv")
        self.assertEqual(self.on_hand(self.product(10)), 15)


class TestReconciliationSchedule(ReconciliationCase):
    def test_cron_starts_due_backend(self):
        self.backend.write({"reconciliation_active": True, "reconciliation_hour": 3.0})
        self.assertTrue(self.backend.reconciliation_next_date)
        self.backend.reconciliation_next_date = datetime(2020, 1, 1)

        self.env["ongoing.backend"]._cron_ongoing_reconcile()

        reconciliation = self.env["ongoing.reconciliation"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(len(reconciliation), 1)
        self.assertEqual(reconciliation.state, "queued")
        self.assertGreater(self.backend.reconciliation_next_date, fields.Datetime.now())

    def test_cron_skips_backend_not_due(self):
        self.backend.write({"reconciliation_active": True, "reconciliation_hour": 3.0})
        self.env["ongoing.backend"]._cron_ongoing_reconcile()
        self.assertFalse(
            self.env["ongoing.reconciliation"].search([("backend_id", "=", self.backend.id)])
        )

    def test_next_date_keeps_local_hour_over_daylight_saving(self):
        user = self.env.user
        user.tz = "Europe/Stockholm"
        self.backend.write({"reconciliation_user_id": user.id, "reconciliation_hour": 3.0})
        # Sweden moves to summer time on 2025-03-30.
        winter = self.backend._ongoing_next_reconciliation_date(datetime(2025, 3, 28, 12, 0))
        summer = self.backend._ongoing_next_reconciliation_date(datetime(2025, 3, 29, 12, 0))
        self.assertEqual(winter, datetime(2025, 3, 29, 2, 0))
        self.assertEqual(summer, datetime(2025, 3, 30, 1, 0))

    def test_folder_that_does_not_exist_rejected(self):
        with self.assertRaisesRegex(ValidationError, "does not exist"):
            self.backend.sudo().reconciliation_folder = "/nonexistent/ongoing/saldo"
