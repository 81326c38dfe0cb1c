import json

from .common import OngoingHttpCase


class TestWebhookController(OngoingHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.url = f"/ongoing/webhook/{cls.backend.id}"
        cls.token = cls.backend.webhook_token

    def post(self, body, token=None, url=None):
        headers = {"Content-Type": "application/json"}
        if token is not False:
            headers["X-Auth-Token"] = token or self.token
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        return self.url_open(url or self.url, data=data, headers=headers)

    def order_event(self, event_id="evt-1", order_id=50163, status=400):
        return {
            "webhookEventId": event_id,
            "timestamp": "2026-12-04T10:00:00.000Z",
            "orderId": order_id,
            "orderNumber": "WH/OUT/00001",
            "goodsOwnerId": 159,
            "orderStatus": {"number": status},
            "path": f"/api/v1/orders/{order_id}",
        }

    def events(self):
        return self.env["ongoing.webhook.event"].search([("backend_id", "=", self.backend.id)])

    def sync_jobs(self):
        return self.env["queue.job"].search([("method_name", "=", "_ongoing_run_sync")])

    def test_event_stored_and_job_queued(self):
        response = self.post(self.order_event())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "accepted")
        event = self.events()
        self.assertEqual(len(event), 1)
        self.assertEqual(event.kind, "outbound")
        self.assertEqual(event.remote_id, 50163)
        self.assertEqual(event.state, "queued")
        job = self.sync_jobs()
        self.assertEqual(len(job), 1)
        self.assertEqual(job.args, ["outbound", 50163, "WH/OUT/00001"])
        self.assertEqual(job.channel, f"root.ongoing.{self.backend.id}")

    def test_duplicate_event_stored_once(self):
        for _attempt in range(3):
            response = self.post(self.order_event())
            self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "duplicate")
        self.assertEqual(len(self.events()), 1)
        self.assertEqual(len(self.sync_jobs()), 1)

    def test_events_for_one_order_share_one_job(self):
        self.post(self.order_event("evt-1", status=320))
        self.post(self.order_event("evt-2", status=400))
        self.assertEqual(len(self.events()), 2)
        self.assertEqual(len(self.sync_jobs()), 1)

    def test_wrong_token_rejected_and_not_stored(self):
        response = self.post(self.order_event(), token="not-the-token")
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.events())
        self.assertFalse(self.sync_jobs())

    def test_missing_token_rejected(self):
        response = self.post(self.order_event(), token=False)
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.events())

    def test_token_of_other_backend_rejected(self):
        warehouse = self.env["stock.warehouse"].create({"name": "Second 3PL", "code": "SEC"})
        other = self.backend.copy({"name": "Other", "warehouse_id": warehouse.id})
        response = self.post(self.order_event(), token=other.webhook_token)
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.events())

    def test_unknown_backend_rejected(self):
        response = self.post(self.order_event(), url="/ongoing/webhook/999999")
        self.assertEqual(response.status_code, 401)

    def test_archived_backend_rejected(self):
        self.backend.active = False
        response = self.post(self.order_event())
        self.assertEqual(response.status_code, 401)
        self.assertFalse(self.events())

    def test_malformed_json_kept_for_inspection(self):
        response = self.post(b'{"webhookEventId": "evt-9", "orderId": ')
        self.assertEqual(response.status_code, 400)
        event = self.events()
        self.assertEqual(event.state, "invalid")
        self.assertIn('"orderId": ', event.payload)
        self.assertIn("not valid JSON", event.state_message)
        self.assertIn("not valid JSON", response.json()["message"])
        self.assertFalse(self.sync_jobs())

    def test_unexpected_types_rejected(self):
        body = self.order_event()
        body["orderId"] = "50163; DROP TABLE"
        response = self.post(body)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.events().state, "invalid")
        self.assertIn("orderId must be a whole number", self.events().state_message)
        self.assertEqual(response.json()["status"], "invalid")
        self.assertEqual(response.json()["message"], self.events().state_message)

    def test_json_array_rejected(self):
        response = self.post([self.order_event()])
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.events().state, "invalid")

    def test_other_goods_owner_rejected(self):
        body = self.order_event()
        body["goodsOwnerId"] = 160
        response = self.post(body)
        self.assertEqual(response.status_code, 400)
        self.assertIn("goods owner 160", self.events().state_message)
        self.assertFalse(self.sync_jobs())

    def test_oversized_body_refused(self):
        body = self.order_event()
        body["padding"] = "x" * (70 * 1024)
        response = self.post(body)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(self.events())

    def test_unknown_event_kind_ignored(self):
        response = self.post({"webhookEventId": "evt-7", "goodsOwnerId": 159, "hello": "world"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.events().state, "ignored")
        self.assertFalse(self.sync_jobs())

    def test_get_not_allowed(self):
        response = self.url_open(self.url)
        self.assertEqual(response.status_code, 405)
        self.assertFalse(self.events())
