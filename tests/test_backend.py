from odoo.exceptions import AccessError, ValidationError
from odoo.tests import new_test_user

from .common import OngoingCase, SimulatedWarehouseCase


class TestBackendConfiguration(OngoingCase):
    def test_backend_gets_own_job_channel(self):
        channel = self.backend.job_channel_id
        self.assertEqual(channel.complete_name, f"root.ongoing.{self.backend.id}")
        self.assertEqual(channel.capacity, 1)
        self.assertEqual(self.backend._get_job_channel(), channel.complete_name)

    def test_webhook_token_generated(self):
        token = self.backend.webhook_token
        self.assertGreaterEqual(len(token), 40)
        self.backend.action_generate_webhook_token()
        self.assertNotEqual(self.backend.webhook_token, token)

    def test_webhook_url_names_backend(self):
        self.assertTrue(self.backend.webhook_url.endswith(f"/ongoing/webhook/{self.backend.id}"))

    def test_two_step_reception_rejected(self):
        with self.assertRaisesRegex(ValidationError, r"Receive and Store \(1 step\)"):
            self.warehouse.reception_steps = "two_steps"

    def test_pick_pack_ship_rejected(self):
        with self.assertRaisesRegex(ValidationError, r"Deliver \(1 step\)"):
            self.warehouse.delivery_steps = "pick_pack_ship"

    def test_backorder_never_rejected(self):
        with self.assertRaisesRegex(ValidationError, "Create Backorder"):
            self.warehouse.out_type_id.create_backorder = "never"

    def test_manual_valuation_category_rejected(self):
        category = self.env["product.category"].create({"name": "Periodic Goods"})
        category.with_company(self.company).property_valuation = "manual_periodic"
        with self.assertRaisesRegex(ValidationError, "Periodic Goods"):
            self.env["product.product"].create(
                {"name": "Periodic Item", "is_storable": True, "categ_id": category.id}
            )

    def test_category_switched_to_standard_rejected(self):
        self.env["product.product"].create(
            {"name": "Average Item", "is_storable": True, "categ_id": self.category.id}
        )
        with self.assertRaisesRegex(ValidationError, "AVCO or FIFO"):
            self.category.with_company(self.company).property_cost_method = "standard"

    def test_backend_on_unfit_warehouse_rejected(self):
        warehouse = self.env["stock.warehouse"].create(
            {"name": "Two Steps", "code": "TWO", "reception_steps": "two_steps"}
        )
        with self.assertRaisesRegex(ValidationError, r"Receive and Store \(1 step\)"):
            self.backend.copy({"name": "Second", "warehouse_id": warehouse.id})

    def test_second_backend_same_warehouse_rejected(self):
        with self.assertRaisesRegex(ValidationError, "already run by"):
            self.backend.copy({"name": "Duplicate"})


class TestBackendConnection(OngoingCase):
    def test_closed_port_reports_readable_failure(self):
        action = self.backend.action_test_connection()
        self.assertEqual(self.backend.connection_state, "failed")
        self.assertIn("Could not connect to Ongoing WMS", self.backend.connection_message)
        self.assertIn("Connection refused", self.backend.connection_message)
        self.assertNotIn("Traceback", self.backend.connection_message)
        self.assertEqual(action["params"]["type"], "danger")

    def test_missing_credentials_reported(self):
        self.backend.api_password = False
        self.backend.action_test_connection()
        self.assertEqual(self.backend.connection_state, "failed")
        self.assertIn("no API user or password", self.backend.connection_message)

    def test_invalid_url_rejected(self):
        with self.assertRaisesRegex(ValidationError, "must start with http"):
            self.backend.base_url = "ftp://example.invalid/api"

    def test_invalid_goods_owner_rejected(self):
        with self.assertRaisesRegex(ValidationError, "goods owner id"):
            self.backend.goods_owner_id = 0


class TestBackendAccess(OngoingCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sync_user = new_test_user(
            cls.env,
            login="ongoing_sync_user",
            groups="stock.group_stock_user,ongoing_fortnox_sync.group_ongoing_fortnox_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login="ongoing_manager",
            groups="stock.group_stock_manager,ongoing_fortnox_sync.group_ongoing_fortnox_manager",
        )

    def test_user_cannot_read_password(self):
        backend = self.backend.with_user(self.sync_user)
        self.assertEqual(backend.name, "Ongoing Test Warehouse")
        with self.assertRaises(AccessError):
            backend.read(["api_password"])
        with self.assertRaises(AccessError):
            backend.read(["webhook_token"])

    def test_manager_cannot_read_password(self):
        backend = self.backend.with_user(self.manager)
        backend.write({"read_timeout": 45})
        with self.assertRaises(AccessError):
            backend.read(["api_password"])

    def test_user_cannot_change_backend(self):
        with self.assertRaises(AccessError):
            self.backend.with_user(self.sync_user).write({"base_url": "http://127.0.0.1:1/x/"})

    def test_password_not_in_user_search(self):
        with self.assertRaises(AccessError):
            self.env["ongoing.backend"].with_user(self.sync_user).search(
                [("api_password", "=", "s3cret-Pa55word")]
            )

    def test_admin_reads_password(self):
        self.assertEqual(self.backend.read(["api_password"])[0]["api_password"], "s3cret-Pa55word")


class TestMirrorLocations(OngoingCase):
    def test_created_locations_outside_stock(self):
        self.backend.action_create_mirror_locations()
        stock = self.warehouse.lot_stock_id
        for location in self.backend.quarantine_location_id | self.backend.locked_location_id:
            self.assertEqual(location.usage, "internal")
            self.assertFalse(location.parent_path.startswith(stock.parent_path))
        self.assertEqual(len(self.backend._get_mirror_locations()), 3)
        self.assertFalse(
            (self.backend.quarantine_location_id | self.backend.locked_location_id).warehouse_id
        )

    def test_location_inside_stock_rejected(self):
        shelf = self.env["stock.location"].create(
            {"name": "Shelf", "location_id": self.warehouse.lot_stock_id.id}
        )
        with self.assertRaisesRegex(ValidationError, "must lie outside"):
            self.backend.quarantine_location_id = shelf

    def test_scrap_location_rejected(self):
        scrap = self.env["stock.location"].create(
            {"name": "Broken", "usage": "inventory", "scrap_location": True}
        )
        with self.assertRaisesRegex(ValidationError, "internal location"):
            self.backend.locked_location_id = scrap


class TestBackendConnectionToSimulator(SimulatedWarehouseCase):
    def test_connection_to_simulator_succeeds(self):
        action = self.backend.action_test_connection()
        self.assertEqual(self.backend.connection_state, "ok")
        self.assertIn("goods owner 159", self.backend.connection_message)
        self.assertEqual(action["params"]["type"], "success")

    def test_wrong_warehouse_in_url_reported(self):
        self.backend.base_url = f"{self.simulator_server.url}/nosuch/api/v1/"
        self.backend.action_test_connection()
        self.assertEqual(self.backend.connection_state, "failed")
        self.assertIn("HTTP 404", self.backend.connection_message)
        self.assertIn("/nosuch/api/v1/", self.backend.connection_message)

    def test_wrong_password_reported(self):
        self.backend.api_password = "not-the-password"
        self.backend.action_test_connection()
        self.assertEqual(self.backend.connection_state, "failed")
        self.assertIn("rejected the credentials", self.backend.connection_message)
        self.assertNotIn("not-the-password", self.backend.connection_message)
