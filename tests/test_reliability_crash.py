"""A worker that dies at the worst moment neither loses nor repeats anything.

Each test lets the remote call succeed and then kills the job before Odoo
commits, or between two steps of a booking. The job then runs again as the
runner, the requeue button or the polling cron would run it. The remote
system must contain one object, and every quantity must be booked exactly once.
"""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user

from ..clients.fortnox import FortnoxClient, FortnoxOAuth
from ..clients.ongoing import OngoingClient
from ..models.fortnox_backend import DEFAULT_SCOPES
from .common import SimulatedWarehouseCase
from .fortnox_common import FortnoxCase
from .fortnox_ledger_common import FortnoxLedgerCase
from .reliability_helpers import (
    button_visible,
    crash_after,
    crash_before,
    failed_jobs,
    kill_after,
    requeue_dead_jobs,
    requeue_failed,
    run_jobs_until_killed,
)
from .test_reconciliation import STOCK, ReconciliationCase
from .test_returns import ReturnsMixin


class TestExportCrash(SimulatedWarehouseCase):
    """The export wrote to Ongoing, then the worker died before Odoo stored the outcome."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.make_customer(cls)
        cls.supplier = cls.make_supplier(cls)

    def remote_orders(self, number):
        orders = self.simulator.state()["159"]["orders"]
        return [order for order in orders if order["orderInfo"]["orderNumber"] == number]

    def age_records(self, table, records):
        """Make the records look last written an hour ago, as the requeue crons see them."""
        records.flush_recordset()
        self.env.cr.execute(
            f"UPDATE {table} SET write_date = write_date - interval '1 hour' WHERE id IN %s",
            [tuple(records.ids)],
        )
        records.invalidate_recordset()

    def sell_stocked(self, code, quantity=10):
        product = self.make_product(code)
        self.run_jobs()
        self.put_in_stock(product, 20)
        return self.sell(self.customer, [(product, quantity)]).picking_ids

    def test_article_crash_sent_once(self):
        product = self.make_product("CRA-A1", name="Skål Gustavsberg")
        binding = product.ongoing_article_ids

        with crash_after(OngoingClient, "put_article") as sent:
            self.run_jobs()
        self.assertEqual(len(sent), 1)
        self.assertEqual(binding.sync_state, "pending")
        self.assertFalse(binding.article_system_id)
        self.assertEqual(len(failed_jobs(self.env, "_ongoing_run_export")), 1)

        requeue_failed(self.env)
        self.run_jobs()

        self.assertEqual(binding.sync_state, "synced")
        articles = [
            article
            for article in self.simulator.state()["159"]["articles"]
            if article["articleNumber"] == "CRA-A1"
        ]
        self.assertEqual(len(articles), 1)
        self.assertEqual(binding.article_system_id, articles[0]["articleSystemId"])

    def test_order_crash_sent_once(self):
        picking = self.sell_stocked("CRA-O1")
        binding = picking.ongoing_order_id

        with crash_after(OngoingClient, "put_order") as sent:
            self.run_jobs()
        self.assertEqual(len(sent), 1)
        self.assertEqual(binding.sync_state, "pending")
        self.assertFalse(binding.remote_id)
        self.assertFalse(binding.line_ids)

        requeue_failed(self.env)
        self.run_jobs()

        [remote] = self.remote_orders(picking.name)
        self.assertEqual(binding.sync_state, "synced")
        self.assertEqual(binding.remote_id, remote["orderInfo"]["orderId"])
        self.assertEqual(remote["orderInfo"]["orderId"], sent[0].remote_id)
        [line] = remote["orderLines"]
        self.assertEqual(line["rowNumber"], "1")
        self.assertEqual(line["orderedNumberOfItems"], 10)
        self.assertEqual(binding.line_ids.row_number, "1")
        sent_notes = picking.message_ids.filtered(lambda m: "Sent to Ongoing" in (m.body or ""))
        self.assertEqual(len(sent_notes), 1)

    def test_failed_job_closed_after_resend(self):
        picking = self.sell_stocked("CRA-O3")
        with crash_after(OngoingClient, "put_order"):
            self.run_jobs()
        [failed] = failed_jobs(self.env, "_ongoing_run_export")

        picking.action_ongoing_send()
        self.run_jobs()

        self.assertEqual(picking.ongoing_sync_state, "synced")
        self.assertEqual(failed.state, "done")
        self.assertIn("Superseded", failed.result)
        self.assertEqual(failed.exc_name, "SimulatedCrash")
        self.assertFalse(failed_jobs(self.env))
        self.assertEqual(len(self.remote_orders(picking.name)), 1)

    def test_order_crash_recovered_by_cron(self):
        picking = self.sell_stocked("CRA-O2")
        with crash_after(OngoingClient, "put_order"):
            self.run_jobs()

        # Without any button, the cron finds the order still pending an hour later.
        self.age_records("ongoing_order", picking.ongoing_order_id)
        self.env["ongoing.backend"]._cron_ongoing_requeue_exports()
        self.run_jobs()

        self.assertEqual(picking.ongoing_sync_state, "synced")
        self.assertEqual(len(self.remote_orders(picking.name)), 1)

    def test_purchase_crash_sent_once(self):
        product = self.make_product("CRA-P1")
        self.run_jobs()
        order = self.buy(self.supplier, [(product, 10, 95.0)])
        binding = order.picking_ids.ongoing_order_id

        with crash_after(OngoingClient, "put_purchase_order") as sent:
            self.run_jobs()
        self.assertEqual(len(sent), 1)
        self.assertEqual(binding.sync_state, "pending")

        requeue_failed(self.env)
        self.run_jobs()

        documents = [
            document
            for document in self.simulator.state()["159"]["purchaseOrders"]
            if document["purchaseOrderInfo"]["purchaseOrderNumber"] == order.name
        ]
        self.assertEqual(len(documents), 1)
        [line] = documents[0]["purchaseOrderLines"]
        self.assertEqual(line["advisedNumberOfItems"], 10)
        self.assertEqual(binding.sync_state, "synced")
        self.assertEqual(binding.remote_id, documents[0]["purchaseOrderInfo"]["purchaseOrderId"])


class TestReturnExportCrash(ReturnsMixin, SimulatedWarehouseCase):
    def test_return_order_crash_sent_once(self):
        product = self.make_product("CRA-R1")
        self.run_jobs()
        self.put_in_stock(product, 20)
        _sale, delivery = self.deliver(product, 5)
        returned = self.create_odoo_return(delivery, 2)
        binding = returned.ongoing_order_id

        with crash_after(OngoingClient, "put_return_order") as sent:
            self.run_jobs()
        self.assertEqual(len(sent), 1)
        self.assertEqual(binding.sync_state, "pending")

        requeue_failed(self.env)
        self.run_jobs()

        documents = [
            document
            for document in self.simulator.state()["159"]["returnOrders"]
            if document["returnOrderInfo"]["returnOrderNumber"] == returned.name
        ]
        self.assertEqual(len(documents), 1)
        [line] = documents[0]["returnOrderLines"]
        self.assertEqual(line["toBeReturnedNumberOfItems"], 2)
        self.assertEqual(binding.sync_state, "synced")
        self.assertEqual(binding.remote_id, documents[0]["returnOrderInfo"]["returnOrderId"])


class TestPickBookingCrash(SimulatedWarehouseCase):
    """Ongoing picked 8 of 10; the booking job or its acknowledgement dies half way."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls.make_customer(cls)

    def setUp(self):
        super().setUp()
        self.product = self.make_product("CRA-K1", name="Kanna Höganäs")
        self.run_jobs()
        self.put_in_stock(self.product, 20)
        self.sale = self.sell(self.customer, [(self.product, 10)])
        self.run_jobs()
        self.picking = self.sale.picking_ids
        self.simulator.pick(self.picking.name, {"1": 8})

    def remote_reported(self):
        return self.simulator.order_state(self.picking.name)["orderLines"][0][
            "reportedNumberOfItems"
        ]

    def assert_booked_once(self):
        # Two more polling runs, as the cron would do, add nothing.
        self.poll()
        self.poll()
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(self.picking.move_ids.quantity, 8)
        self.assertEqual(self.product.qty_available, 12)
        backorder = self.sale.picking_ids - self.picking
        self.assertEqual(backorder.move_ids.product_uom_qty, 2)
        self.assertEqual(len(self.sale.picking_ids.move_ids.account_move_ids), 1)
        line = self.picking.ongoing_order_id.line_ids
        self.assertEqual(line.booked_qty, 8)
        self.assertEqual(line.reported_qty, 8)
        self.assertEqual(self.remote_reported(), 8)

    def test_crash_after_booking_books_once(self):
        with crash_before(type(self.env["ongoing.order"]), "_ongoing_schedule_acknowledge"):
            self.poll()
        self.assertEqual(len(failed_jobs(self.env, "_ongoing_run_sync")), 1)
        self.assertEqual(self.picking.state, "assigned")
        self.assertEqual(self.product.qty_available, 20)

        self.assert_booked_once()

    def test_crash_before_acknowledge_books_once(self):
        with crash_before(OngoingClient, "report_order_line"):
            self.poll()
        self.assertEqual(self.picking.state, "done")
        self.assertEqual(len(failed_jobs(self.env, "_ongoing_run_acknowledge")), 1)
        self.assertFalse(self.remote_reported())

        # The polling run finds the line still unreported and acknowledges it.
        self.assert_booked_once()

    def test_crash_after_acknowledge_books_once(self):
        with crash_after(OngoingClient, "report_order_line"):
            self.poll()
        self.assertEqual(self.remote_reported(), 8)
        self.assertEqual(self.picking.ongoing_order_id.line_ids.reported_qty, 0)

        requeue_failed(self.env)
        self.run_jobs()
        self.assert_booked_once()


class TestReceiptBookingCrash(SimulatedWarehouseCase):
    """Ongoing received 7 of 10; the booking job or its acknowledgement dies half way."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.make_supplier(cls)

    def setUp(self):
        super().setUp()
        self.product = self.make_product("CRA-M1", name="Matta Ikat")
        self.run_jobs()
        self.order = self.buy(self.supplier, [(self.product, 10, 95.0)])
        self.run_jobs()
        self.receipt = self.order.picking_ids
        self.simulator.receive(self.order.name, {"1": 7})

    def remote_reported(self):
        document = self.simulator.purchase_order_state(self.order.name)
        return document["purchaseOrderLines"][0]["reportedNumberOfItems"]

    def assert_booked_once(self):
        self.poll()
        self.poll()
        self.assertEqual(self.receipt.state, "done")
        self.assertEqual(self.receipt.move_ids.quantity, 7)
        self.assertEqual(self.product.qty_available, 7)
        self.assertEqual(self.order.order_line.qty_received, 7)
        self.assertEqual(len(self.order.picking_ids.move_ids.account_move_ids), 1)
        line = self.receipt.ongoing_order_id.line_ids
        self.assertEqual(line.booked_qty, 7)
        self.assertEqual(line.reported_qty, 7)
        self.assertEqual(self.remote_reported(), 7)

    def test_crash_after_booking_books_once(self):
        with crash_before(type(self.env["ongoing.order"]), "_ongoing_schedule_acknowledge"):
            self.poll()
        self.assertEqual(len(failed_jobs(self.env, "_ongoing_run_sync")), 1)
        self.assertEqual(self.product.qty_available, 0)

        self.assert_booked_once()

    def test_crash_before_acknowledge_books_once(self):
        with crash_before(OngoingClient, "report_purchase_order_line"):
            self.poll()
        self.assertEqual(self.receipt.state, "done")
        self.assertFalse(self.remote_reported())

        self.assert_booked_once()

    def test_crash_after_acknowledge_books_once(self):
        with crash_after(OngoingClient, "report_purchase_order_line"):
            self.poll()
        self.assertEqual(self.remote_reported(), 7)

        requeue_failed(self.env)
        self.run_jobs()
        self.assert_booked_once()


class TestReturnBookingCrash(ReturnsMixin, SimulatedWarehouseCase):
    """The warehouse takes 2 of 5 delivered back; the booking or its acknowledgement dies."""

    def setUp(self):
        super().setUp()
        self.product = self.make_product("CRA-V1", name="Vas Orrefors")
        self.run_jobs()
        self.put_in_stock(self.product, 20)
        self.sale, self.delivery = self.deliver(self.product, 5)
        self.simulator.register_return(self.delivery.name, {"1": 2})

    def assert_booked_once(self):
        self.poll()
        self.poll()
        returns = self.returns_of(self.sale)
        self.assertEqual(len(returns), 1)
        self.assertEqual(returns.state, "done")
        self.assertEqual(returns.move_ids.quantity, 2)
        self.assertEqual(self.product.qty_available, 17)
        self.assertEqual(self.sale.order_line.qty_delivered, 3)
        line = self.delivery.ongoing_order_id.line_ids
        self.assertEqual(line.returned_booked_qty, 2)
        self.assertEqual(line.returned_reported_qty, 2)
        self.assertEqual(self.remote_line(self.delivery)["reportedReturnedNumberOfItems"], 2)

    def test_crash_after_booking_books_once(self):
        with crash_before(type(self.env["ongoing.order"]), "_ongoing_schedule_acknowledge"):
            self.poll()
        self.assertEqual(len(failed_jobs(self.env, "_ongoing_run_sync")), 1)
        self.assertFalse(self.returns_of(self.sale))

        self.assert_booked_once()

    def test_crash_before_acknowledge_books_once(self):
        with crash_before(OngoingClient, "report_order_line_returned"):
            self.poll()
        self.assertEqual(self.returns_of(self.sale).state, "done")
        self.assertFalse(self.remote_line(self.delivery)["reportedReturnedNumberOfItems"])

        self.assert_booked_once()

    def test_crash_after_acknowledge_books_once(self):
        with crash_after(OngoingClient, "report_order_line_returned"):
            self.poll()
        self.assertEqual(self.remote_line(self.delivery)["reportedReturnedNumberOfItems"], 2)

        requeue_failed(self.env)
        self.run_jobs()
        self.assert_booked_once()


class TestInventoryBookingCrash(SimulatedWarehouseCase):
    """Adjustments and locks have no acknowledgement: Odoo keys them and reads totals."""

    def setUp(self):
        super().setUp()
        self.backend.action_create_mirror_locations()
        self.product = self.make_product("CRA-I1", name="Pläd Åre")
        self.run_jobs()
        self.put_in_stock(self.product, 20)

    def on_hand(self, location):
        return self.product.with_context(location=location.id).qty_available

    def test_adjustment_crash_books_once(self):
        self.simulator.adjust("CRA-I1", -3, cause="DAMAGED", comment="Trasig")
        with crash_before(type(self.backend), "_ongoing_sync_locked_stock"):
            self.poll()
        self.assertEqual(len(failed_jobs(self.env, "_ongoing_run_sync")), 1)
        self.assertEqual(self.on_hand(self.warehouse.lot_stock_id), 20)

        self.poll()
        self.poll()
        self.assertEqual(self.on_hand(self.warehouse.lot_stock_id), 17)
        adjustments = self.env["ongoing.inventory.adjustment"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(len(adjustments), 1)
        self.assertEqual(adjustments.state, "booked")

    def test_locked_stock_crash_moves_once(self):
        self.simulator.lock_stock("CRA-I1", 4, reason="Skadad kartong")
        with crash_after(type(self.backend), "_ongoing_move_locked"):
            self.poll()
        self.assertEqual(self.on_hand(self.backend.locked_location_id), 0)

        self.poll()
        self.poll()
        self.assertEqual(self.on_hand(self.backend.locked_location_id), 4)
        self.assertEqual(self.on_hand(self.warehouse.lot_stock_id), 16)


class TestFortnoxCrash(FortnoxCase):
    """Fortnox created the object, then the worker died before Odoo stored its number."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="bokforare-krasch",
            groups="account.group_account_invoice,ongoing_fortnox_sync.group_ongoing_fortnox_user",
        )

    def invoices(self):
        return self.simulator.state()["invoices"]

    def test_invoice_crash_exported_once(self):
        move = self.make_invoice(self.private_customer, [(self.towel, 2, 249.0, 0.0)])

        with crash_after(FortnoxClient, "create_invoice") as created:
            self.run_jobs()
        self.assertEqual(len(created), 1)
        self.assertEqual(move.fortnox_state, "pending")
        self.assertFalse(move.fortnox_document_number)

        requeue_failed(self.env, "_fortnox_run_export")
        self.run_jobs()

        [invoice] = self.invoices()
        self.assertEqual(move.fortnox_state, "exported")
        self.assertEqual(move.fortnox_document_number, invoice["DocumentNumber"])
        self.assertEqual(invoice["ExternalInvoiceReference1"], move.name)
        self.assertEqual(len(self.simulator.requests_to("POST", "/3/invoices")), 1)
        exported_notes = move.message_ids.filtered(lambda m: "Exported to" in (m.body or ""))
        self.assertEqual(len(exported_notes), 1)

    def test_failed_job_closed_when_exported_again(self):
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 249.0, 0.0)])
        with crash_after(FortnoxClient, "create_invoice"):
            self.run_jobs()
        [failed] = failed_jobs(self.env, "_fortnox_run_export")

        move.action_fortnox_export()
        self.run_jobs()

        self.assertEqual(move.fortnox_state, "exported")
        self.assertEqual(failed.state, "done")
        self.assertIn("Superseded", failed.result)
        self.assertEqual(failed.exc_name, "SimulatedCrash")
        self.assertFalse(failed_jobs(self.env))
        self.assertEqual(len(self.invoices()), 1)

    def test_pending_invoice_with_dead_job_exported_again(self):
        def fail(job):
            with crash_after(FortnoxClient, "create_invoice"):
                self.run_jobs()

        endings = {
            "failed": fail,
            "cancelled": lambda job: job.button_cancelled(),
            "missing": lambda job: job.unlink(),
        }
        for ending, end_job in endings.items():
            with self.subTest(job=ending):
                move = self.make_invoice(self.private_customer, [(self.towel, 1, 249.0, 0.0)])
                [job] = self.env["queue.job"].search(
                    [("identity_key", "=", move._fortnox_job_identity())]
                )
                self.assertTrue(move.fortnox_job_alive)
                self.assertFalse(button_visible(move, "action_fortnox_export"))

                end_job(job)
                move.invalidate_recordset(["fortnox_job_alive"])
                self.assertEqual(move.fortnox_state, "pending")
                self.assertFalse(move.fortnox_job_alive)
                self.assertTrue(button_visible(move, "action_fortnox_export"))

                self.env.invalidate_all()
                move.with_user(self.accountant).action_fortnox_export()
                self.run_jobs()
                self.assertEqual(move.fortnox_state, "exported")
                self.assertTrue(self.fortnox_invoice(move.fortnox_document_number))
        self.assertEqual(len(self.invoices()), 3)

    def test_invoice_crash_recovered_by_cron(self):
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 249.0, 0.0)])
        with crash_after(FortnoxClient, "create_invoice"):
            self.run_jobs()

        # Without any button, the cron finds the invoice still pending an hour later.
        move.flush_recordset()
        self.env.cr.execute(
            "UPDATE account_move SET write_date = write_date - interval '1 hour' WHERE id = %s",
            [move.id],
        )
        move.invalidate_recordset()
        self.env["account.move"]._cron_fortnox_export()
        self.run_jobs()

        self.assertEqual(move.fortnox_state, "exported")
        self.assertEqual(len(self.invoices()), 1)

    def test_customer_crash_created_once(self):
        move = self.make_invoice(self.swedish_company, [(self.coffee, 3, 89.9, 0.0)])

        with crash_after(FortnoxClient, "create_customer"):
            self.run_jobs()
        requeue_failed(self.env)
        self.run_jobs()

        customers = self.simulator.state()["customers"]
        self.assertEqual(len(customers), 1)
        self.assertEqual(move.fortnox_state, "exported")
        self.assertEqual(self.invoices()[0]["CustomerNumber"], customers[0]["CustomerNumber"])

    def test_article_crash_created_once(self):
        move = self.make_invoice(self.private_customer, [(self.coffee, 1, 89.9, 0.0)])

        with crash_after(FortnoxClient, "create_article"):
            self.run_jobs()
        requeue_failed(self.env)
        self.run_jobs()

        numbers = [article["ArticleNumber"] for article in self.simulator.state()["articles"]]
        self.assertEqual(numbers, ["COFFEE-500"])
        self.assertEqual(move.fortnox_state, "exported")

    def test_bookkeeping_crash_booked_once(self):
        self.backend.bookkeep_invoices = True
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 249.0, 0.0)])

        with crash_after(FortnoxClient, "bookkeep_invoice"):
            self.run_jobs()
        requeue_failed(self.env)
        self.run_jobs()

        [invoice] = self.invoices()
        self.assertTrue(invoice["Booked"])
        self.assertEqual(move.fortnox_state, "exported")
        self.assertTrue(move.fortnox_booked)
        self.assertEqual(len(self.simulator.requests_to("PUT", "/3/invoices/")), 1)

    def test_token_refresh_crash_reconnects_then_exports(self):
        # Fortnox spends the refresh token when it issues new tokens. Odoo lost the response,
        # so only a new connection helps, and the invoice waits for it visibly, then goes once.
        self.simulator.advance_clock(3601)
        self.backend.sudo().token_expires_at = fields.Datetime.now() - timedelta(minutes=1)
        move = self.make_invoice(self.private_customer, [(self.towel, 1, 249.0, 0.0)])

        with crash_after(FortnoxOAuth, "refresh") as issued:
            self.run_jobs()
        self.assertEqual(len(issued), 1)
        self.assertEqual(move.fortnox_state, "pending")

        requeue_failed(self.env)
        self.run_jobs()
        backend = self.backend.sudo()
        self.assertEqual(move.fortnox_state, "reconnect")
        self.assertEqual(backend.state, "reconnect")
        self.assertEqual(backend.activity_ids.summary, "Connect Odoo to Fortnox again")
        self.assertFalse(self.invoices())

        self.connect_backend()
        self.env["account.move"]._fortnox_resume_blocked(self.backend)
        self.run_jobs()
        self.assertEqual(move.fortnox_state, "exported")
        self.assertEqual(len(self.invoices()), 1)


class TestLedgerCrash(FortnoxLedgerCase):
    """A stock voucher or a supplier invoice reached Fortnox, then the worker died."""

    fortnox_backend_values = {
        "export_vendor_bills": True,
        "scopes": f"{DEFAULT_SCOPES} supplier supplierinvoice",
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.swedish_supplier = cls.make_supplier(
            cls, name="Textilgrossisten i Borås AB", company_registry="556036-0793"
        )

    def setUp(self):
        super().setUp()
        self.towel = self.make_product("DUK-61", name="Duk Gotland", cost=40.0)
        self.run_jobs()

    def make_bill(self, quantity=10, price=45.0):
        bill = self.env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.swedish_supplier.id,
                "invoice_date": self.today,
                "ref": "F-31000",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.towel.id,
                            "quantity": quantity,
                            "price_unit": price,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        bill.action_post()
        return bill

    def supplier_invoices(self):
        return self.fortnox.state()["supplier_invoices"]

    def test_voucher_crash_sent_once(self):
        self.count_stock(self.towel, 5, day=self.today - timedelta(days=1))
        with crash_after(FortnoxClient, "create_voucher") as created:
            self.send_stock_vouchers()

        [record] = self.vouchers()
        self.assertEqual(len(created), 1)
        self.assertEqual(record.fortnox_state, "pending")
        self.assertFalse(record.voucher_number)
        self.assertEqual(len(self.fortnox_vouchers()), 1)

        # Without any button, the cron finds the voucher still pending and sends it again.
        self.env["fortnox.voucher"]._cron_fortnox_send(stale_minutes=-1)
        self.run_jobs()

        [voucher] = self.fortnox_vouchers()
        self.assertEqual(record.fortnox_state, "exported")
        self.assertEqual(record.voucher_number, voucher["VoucherNumber"])
        self.assertEqual(len(self.voucher_posts()), 1)

    def test_supplier_invoice_crash_exported_once(self):
        bill = self.make_bill()

        with crash_after(FortnoxClient, "create_supplier_invoice") as created:
            self.run_jobs()
        self.assertEqual(len(created), 1)
        self.assertEqual(bill.fortnox_state, "pending")
        self.assertFalse(bill.fortnox_document_number)
        self.assertEqual(len(self.supplier_invoices()), 1)

        requeue_failed(self.env, "_fortnox_run_export")
        self.run_jobs()

        [invoice] = self.supplier_invoices()
        self.assertEqual(bill.fortnox_state, "exported")
        self.assertEqual(bill.fortnox_document_number, invoice["GivenNumber"])
        self.assertEqual(invoice["OurReference"], bill.name)
        self.assertEqual(invoice["Total"], 450.0)
        self.assertEqual(len(self.fortnox.requests_to("POST", "/3/supplierinvoices")), 1)
        notes = bill.message_ids.filtered(lambda m: "supplier invoice" in (m.body or ""))
        self.assertEqual(len(notes), 1)

    def test_supplier_crash_created_once(self):
        bill = self.make_bill()

        with crash_after(FortnoxClient, "create_supplier"):
            self.run_jobs()
        partner = self.swedish_supplier.with_company(self.company)
        self.assertFalse(partner.fortnox_supplier_number)

        requeue_failed(self.env, "_fortnox_run_export")
        self.run_jobs()

        [supplier] = self.fortnox.state()["suppliers"]
        [invoice] = self.supplier_invoices()
        self.assertEqual(bill.fortnox_state, "exported")
        self.assertEqual(invoice["SupplierNumber"], supplier["SupplierNumber"])
        self.assertEqual(partner.fortnox_supplier_number, supplier["SupplierNumber"])

    def test_supplier_invoice_crash_recovered_by_cron(self):
        bill = self.make_bill()
        with crash_after(FortnoxClient, "create_supplier_invoice"):
            self.run_jobs()

        self.env["account.move"]._cron_fortnox_export(stale_minutes=-1)
        self.run_jobs()

        [invoice] = self.supplier_invoices()
        self.assertEqual(bill.fortnox_state, "exported")
        self.assertEqual(bill.fortnox_document_number, invoice["GivenNumber"])


class TestReconciliationCrash(ReconciliationCase):
    """The run corrected the stock, then its worker was killed before the commit."""

    DRIFT = {10: -5, 20: 3, 30: -20, 50: -1, 70: -10}

    def correction_moves(self, product):
        return self.env["stock.move"].search(
            [("product_id", "=", product.id), ("ongoing_reconciliation_id", "!=", False)]
        )

    def corrected_qty(self, product):
        """Return what the correction moves of every run added to the product's stock."""
        total = 0.0
        for move in self.correction_moves(product):
            sign = 1 if move.location_dest_id.usage == "internal" else -1
            total += sign * move.quantity
        return total

    def test_killed_run_corrects_once(self):
        self.introduce_drift()
        reconciliation = self.backend._ongoing_start_reconciliation(mode="apply")
        before = self.valuation_total()

        reconciliation_class = type(self.env["ongoing.reconciliation"])
        with kill_after(reconciliation_class, "_ongoing_apply"):
            killed = run_jobs_until_killed(self.env)
        self.assertEqual(killed.method_name, "_ongoing_run")
        # The killed transaction is gone: nothing of the run stays.
        self.assertEqual(reconciliation.state, "queued")
        self.assertFalse(reconciliation.line_ids)
        for index in self.DRIFT:
            self.assertFalse(self.correction_moves(self.product(index)))
            self.assertEqual(self.on_hand(self.product(index)), STOCK)

        requeue_dead_jobs(self.env)
        self.run_jobs()

        self.assertEqual(reconciliation.state, "done", reconciliation.error)
        for index, difference in self.DRIFT.items():
            with self.subTest(article=index):
                self.assertEqual(self.on_hand(self.product(index)), STOCK + difference)
                self.assertEqual(self.corrected_qty(self.product(index)), difference)
        applied = reconciliation.line_ids.filtered("applied")
        self.assertEqual(
            {line.article_number: line.difference_qty for line in applied},
            {f"REC-{index:03d}": difference for index, difference in self.DRIFT.items()},
        )
        self.assertEqual(reconciliation.applied_count, 5)
        self.assertEqual(reconciliation.difference_count, 5)
        # REC-070 is taken from two locations, so it has two moves.
        self.assertEqual(reconciliation.move_count, 6)
        self.assertAlmostEqual(
            reconciliation.valuation_change, self.valuation_total() - before, places=2
        )
        summaries = reconciliation.message_ids.filtered(
            lambda m: "Stock reconciliation with Ongoing WMS" in (m.body or "")
        )
        self.assertEqual(len(summaries), 1)

        # A second run finds nothing left to correct.
        second = self.reconcile()
        self.assertEqual(second.applied_count, 0)
        self.assertEqual(second.difference_count, 0)
