"""The Ongoing client: Ongoing's example payloads, and its behaviour against the simulator."""

import base64
import io
import logging
import unittest
from datetime import datetime, timedelta, timezone

from ..clients.errors import (
    FixCredentialsError,
    FixRequestError,
    NotFoundError,
    RetryLaterError,
)
from ..clients.ongoing import OngoingClient
from ..clients.ongoing_documents import (
    Article,
    ArticlePayload,
    Consignee,
    FileResult,
    Order,
    OrderLinePayload,
    OrderPayload,
    PurchaseOrder,
    PurchaseOrderLinePayload,
    PurchaseOrderPayload,
    PutResult,
    ReturnOrderLinePayload,
    ReturnOrderPayload,
    TransporterContract,
    parse_inventory_adjustments,
    parse_statuses,
)
from .ongoing_common import (
    API_PASSWORD,
    API_USER,
    GOODS_OWNER_ID,
    OngoingSimulatorCase,
    example_files,
    load_example,
)


def _put_result(id_key):
    return lambda data: PutResult.from_json(data, id_key)


# Each response example and the client's parser for it. A new example file
# without an entry here fails test_every_response_example_has_a_parser.
RESPONSE_PARSERS = {
    "article/attach-file.response.json": FileResult.from_json,
    "article/get.response.json": Article.from_json,
    "article/put-full.response.json": _put_result("articleSystemId"),
    "article/put-minimal.response.json": _put_result("articleSystemId"),
    "inventory-adjustments/get.response.json": parse_inventory_adjustments,
    "order/attach-file.response.json": FileResult.from_json,
    "order/get.response.json": Order.from_json,
    "order/put-full.response.json": _put_result("orderId"),
    "order/put-minimal.response.json": _put_result("orderId"),
    "order/statuses.response.json": parse_statuses,
    "purchase-order/get.response.json": PurchaseOrder.from_json,
    "purchase-order/put-full.response.json": _put_result("purchaseOrderId"),
    "purchase-order/put-minimal.response.json": _put_result("purchaseOrderId"),
    "purchase-order/statuses.response.json": parse_statuses,
    "transporter-contracts/get.response.json": lambda rows: [
        TransporterContract.from_json(row) for row in rows
    ],
}


def _numbers_as_floats(value):
    """Compare JSON payloads whose numbers may be texts ("10") or numbers (10)."""
    if isinstance(value, dict):
        return {key: _numbers_as_floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers_as_floats(item) for item in value]
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _code_name(data):
    return (data["code"], data["name"]) if data else None


def article_payload_from(request):
    """Build an ArticlePayload from the values of an article PUT example."""
    supplier = request.get("supplierInfo", {})
    bar_codes = request.get("barCodeInfo", {})
    return ArticlePayload(
        article_number=request["articleNumber"],
        article_name=request["articleName"],
        product_code=request.get("productCode"),
        unit_code=request.get("unitCode"),
        description=request.get("description"),
        supplier_article_number=supplier.get("supplierArticleNumber"),
        supplier_number=supplier.get("supplierNumber"),
        supplier_name=supplier.get("supplierName"),
        bar_code=bar_codes.get("barCode"),
        bar_code_package=bar_codes.get("barCodePackage"),
        bar_code_pallet=bar_codes.get("barCodePallet"),
        quantity_per_package=request.get("quantityPerPackage"),
        quantity_per_pallet=request.get("quantityPerPallet"),
        weight=request.get("weight"),
        length=request.get("length"),
        width=request.get("width"),
        height=request.get("height"),
        volume=request.get("volume"),
        purchase_price=request.get("purchasePrice"),
        stock_valuation_price=request.get("stockValuationPrice"),
        customer_price=request.get("customerPrice"),
        purchase_currency_code=request.get("purcaseCurrencyCode"),
        country_of_origin_code=request.get("countryOfOriginCode"),
        statistics_number=request.get("statisticsNumber"),
        article_group=_code_name(request.get("articleGroup")),
        article_category=_code_name(request.get("articleCategory")),
        article_color=_code_name(request.get("articleColor")),
        article_size=_code_name(request.get("articleSize")),
    )


def order_payload_from(request):
    """Build an OrderPayload from the values of an order PUT example."""
    consignee = request["consignee"]
    transporter = request.get("transporter", {})
    return_transporter = request.get("returnTransporter", {})
    return OrderPayload(
        order_number=request["orderNumber"],
        delivery_date=request["deliveryDate"],
        reference_number=request.get("referenceNumber"),
        goods_owner_order_id=request.get("goodsOwnerOrderId"),
        sales_code=request.get("salesCode"),
        order_remark=request.get("orderRemark"),
        delivery_instruction=request.get("deliveryInstruction"),
        service_point_code=request.get("servicePointCode"),
        free_text1=request.get("freeText1"),
        free_text2=request.get("freeText2"),
        free_text3=request.get("freeText3"),
        order_type=_code_name(request.get("orderType")),
        way_of_delivery=_code_name(request.get("wayOfDelivery")),
        consignee=Consignee(
            name=consignee["name"],
            customer_number=consignee.get("customerNumber"),
            address1=consignee.get("address1"),
            address2=consignee.get("address2"),
            address3=consignee.get("address3"),
            post_code=consignee.get("postCode"),
            city=consignee.get("city"),
            country_code=consignee.get("countryCode"),
            country_state_code=consignee.get("countryStateCode"),
            remark=consignee.get("remark"),
            door_code=consignee.get("doorCode"),
        ),
        email=request.get("emailNotification", {}).get("value"),
        sms=request.get("smsNotification", {}).get("value"),
        telephone=request.get("telephoneNotification", {}).get("value"),
        transporter_code=transporter.get("transporterCode"),
        transporter_service_code=transporter.get("transporterServiceCode"),
        return_transporter_code=return_transporter.get("transporterCode"),
        return_transporter_service_code=return_transporter.get("transporterServiceCode"),
        customs_currency_code=request.get("customsInfo", {}).get("customsValueCurrencyCode"),
        lines=[
            OrderLinePayload(
                row_number=line["rowNumber"],
                article_number=line["articleNumber"],
                quantity=line["numberOfItems"],
                comment=line.get("comment"),
                serial_number=line.get("serialNumber"),
                line_total_customs_value=line.get("lineTotalCustomsValue"),
                should_be_picked=line.get("shouldBePicked"),
            )
            for line in request["orderLines"]
        ],
    )


def purchase_order_payload_from(request):
    """Build a PurchaseOrderPayload from the values of a purchase order PUT example."""
    supplier = request.get("supplierInfo", {})
    return PurchaseOrderPayload(
        purchase_order_number=request["purchaseOrderNumber"],
        supplier_order_number=request.get("supplierOrderNumber"),
        goods_owner_reference=request.get("goodsOwnerReference"),
        reference_number=request.get("referenceNumber"),
        in_date=request.get("inDate"),
        supplier_number=supplier.get("supplierNumber"),
        supplier_name=supplier.get("supplierName"),
        lines=[
            PurchaseOrderLinePayload(
                row_number=line["rowNumber"],
                article_number=line["articleNumber"],
                quantity=line["numberOfItems"],
                comment=line.get("comment"),
            )
            for line in request["purchaseOrderLines"]
        ],
    )


PAYLOAD_BUILDERS = {
    "article": article_payload_from,
    "order": order_payload_from,
    "purchase-order": purchase_order_payload_from,
}


class TestOngoingExamples(unittest.TestCase):
    """Ongoing's own example payloads, parsed and rebuilt by the client."""

    def test_every_response_example_has_a_parser(self):
        files = example_files("*.response.json")
        self.assertTrue(files, "no response examples found")
        unmapped = [name for name in files if name not in RESPONSE_PARSERS]
        self.assertEqual(unmapped, [], "response examples without a parser in the client")
        for name in files:
            with self.subTest(example=name):
                parsed = RESPONSE_PARSERS[name](load_example(*name.split("/")))
                self.assertIsNotNone(parsed)

    def test_put_and_file_examples_fields(self):
        for name, parser in RESPONSE_PARSERS.items():
            folder, file_name = name.split("/")
            if not file_name.startswith(("put-", "attach-file")):
                continue
            with self.subTest(example=name):
                data = load_example(folder, file_name)
                parsed = parser(data)
                self.assertEqual(parsed.message, data["message"])
                if isinstance(parsed, FileResult):
                    self.assertEqual(parsed.file_id, data["fileId"])
                    self.assertIs(parsed.success, data["success"])
                else:
                    [id_key] = [key for key in data if key.endswith("Id")]
                    self.assertEqual(parsed.remote_id, data[id_key])

    def test_transporter_contracts_example(self):
        rows = load_example("transporter-contracts", "get.response.json")
        contracts = [TransporterContract.from_json(row) for row in rows]
        self.assertEqual(
            [contract.transporter_code for contract in contracts],
            [row["transporterCode"] for row in rows],
        )
        postnord = next(contract for contract in contracts if contract.transporter_code == "PLAB")
        self.assertEqual(postnord.transporter_name, "PostNord Sweden AB")
        raw = next(row for row in rows if row["transporterCode"] == "PLAB")
        self.assertEqual(
            list(postnord.services),
            [
                (service["transporterServiceCode"], service["transporterServiceName"])
                for service in raw["transporterServices"]
            ],
        )

    def test_order_example_serials_and_status(self):
        order = Order.from_json(load_example("order", "get.response.json"))
        line = order.lines[0]
        self.assertEqual(line.row_number, "1")
        self.assertEqual(sorted(item.serial for item in line.picked_items), ["SSN1", "SSN2"])
        self.assertEqual(line.picked, 2.0)
        self.assertEqual(line.reported, 0.0)
        self.assertEqual(order.status.number, 500)
        self.assertEqual(order.status.text, "Hämtad")
        self.assertEqual(order.tracking_numbers, ("00376546546",))
        self.assertEqual(order.shipped_time, datetime(2019, 10, 10, 9, 5, 47, 127000, timezone.utc))

    def test_purchase_order_example_received_quantities(self):
        purchase_order = PurchaseOrder.from_json(
            load_example("purchase-order", "get.response.json")
        )
        received = [(line.received, line.advised) for line in purchase_order.lines]
        self.assertEqual(received, [(2.0, 2.0), (7.0, 10.0)])
        self.assertEqual(purchase_order.status.number, 400)
        self.assertEqual(purchase_order.status.text, "Avvikelse")
        self.assertEqual(
            purchase_order.lines[1].received_time,
            datetime(2019, 10, 10, 9, 15, 53, 230000, timezone.utc),
        )

    def test_article_example_inventory(self):
        article = Article.from_json(load_example("article", "get.response.json"))
        self.assertEqual(article.article_number, "TestArticleNumber_ManyFields1")
        self.assertEqual(article.bar_code, "700123456")
        self.assertEqual(article.inventory.physical, 11.0)
        self.assertEqual(
            article.inventory.last_in_date, datetime(2019, 10, 10, 8, 32, 53, 83000, timezone.utc)
        )

    def test_inventory_adjustment_example_rows(self):
        adjustments = parse_inventory_adjustments(
            load_example("inventory-adjustments", "get.response.json")
        )
        rows = [(a.inventory_id, a.article_number, a.quantity, a.comment) for a in adjustments]
        self.assertEqual(
            rows,
            [
                (107, "TestArticleNumber_ManyFields1", -2.0, "Dropped on floor"),
                (108, "TestArticleNumber1", 3.0, "Found in corner"),
            ],
        )

    def test_status_examples_keep_numbers(self):
        orders = parse_statuses(load_example("order", "statuses.response.json"))
        purchase_orders = parse_statuses(load_example("purchase-order", "statuses.response.json"))
        self.assertEqual([s.number for s in orders], [150, 200, 300, 320, 400, 450, 500, 1000])
        self.assertEqual([s.number for s in purchase_orders], [100, 200, 300, 400, 500, 900])

    def test_minimal_payloads_match_examples(self):
        for folder, build in PAYLOAD_BUILDERS.items():
            with self.subTest(document=folder):
                request = load_example(folder, "put-minimal.request.json")
                payload = build(request).to_json(request["goodsOwnerId"])
                self.assertEqual(payload, request)

    def test_full_payloads_carry_every_example_field(self):
        # The article example sends its numbers as texts ("10"); the client sends numbers.
        for folder, build in PAYLOAD_BUILDERS.items():
            with self.subTest(document=folder):
                request = load_example(folder, "put-full.request.json")
                payload = build(request).to_json(request["goodsOwnerId"])
                self.assertEqual(_numbers_as_floats(payload), _numbers_as_floats(request))

    def test_return_order_payload_shape(self):
        payload = ReturnOrderPayload(
            return_order_number="R1",
            order_id=50163,
            comment="Kunden ångrade sig",
            lines=[ReturnOrderLinePayload("1", 48838, 1, return_cause_code="DAMAGED")],
        ).to_json(GOODS_OWNER_ID)
        self.assertEqual(
            payload,
            {
                "goodsOwnerId": GOODS_OWNER_ID,
                "returnOrderNumber": "R1",
                "comment": "Kunden ångrade sig",
                "customerOrder": {"orderId": 50163},
                "returnOrderLines": [
                    {
                        "returnOrderRowNumber": "1",
                        "customerOrderLine": {"orderLineId": 48838},
                        "toBeReturnedNumberOfItems": 1,
                        "returnCause": {"code": "DAMAGED"},
                    }
                ],
            },
        )


class TestOngoingClientErrors(OngoingSimulatorCase):
    """How the client classifies the failures of a real HTTP exchange."""

    def setUp(self):
        super().setUp()
        self.waits = []
        self.client = self.make_client(sleep=self.waits.append)

    def test_rate_limit_waited_out_and_retried(self):
        self.sim.inject("status", status=429, headers={"Retry-After": "2"}, body={"Message": "x"})
        statuses = self.client.get_order_statuses()
        self.assertEqual(self.waits, [2.0])
        self.assertEqual(statuses[0].number, 150)
        self.assertEqual(len(self.sim.requests_to("GET", "/demo/api/v1/orders/statuses")), 2)

    def test_long_rate_limit_is_retry_later(self):
        self.sim.inject("status", status=429, headers={"Retry-After": "600"}, body=None)
        with self.assertRaises(RetryLaterError) as caught:
            self.client.get_order_statuses()
        self.assertEqual(caught.exception.retry_after, 600.0)
        self.assertEqual(self.waits, [])

    def test_server_error_is_retry_later(self):
        self.sim.outage(30, status=500)
        with self.assertRaises(RetryLaterError) as caught:
            self.client.check_connection()
        self.assertEqual(caught.exception.status, 500)
        self.assertEqual(caught.exception.remote_message, "An error has occurred.")

    def test_rejected_order_is_permanent_with_message(self):
        payload = OrderPayload(
            "O-BAD", "2024-05-02", Consignee("Kund AB"), [OrderLinePayload("1", "NOPE-1", 1)]
        )
        with self.assertRaises(FixRequestError) as caught:
            self.client.put_order(payload)
        error = caught.exception
        self.assertNotIsInstance(error, RetryLaterError)
        self.assertEqual(error.status, 400)
        self.assertIn("NOPE-1", error.remote_message)
        self.assertIn("NOPE-1", str(error))

    def test_invalid_body_message_comes_from_model_state(self):
        with self.assertRaises(FixRequestError) as caught:
            self.client.request("PUT", "articles", json_body={"goodsOwnerId": GOODS_OWNER_ID})
        self.assertIn("articleNumber", caught.exception.remote_message)

    def test_timeout_is_retry_later(self):
        client = self.make_client(read_timeout=0.2)
        self.sim.inject("delay", delay=1.0)
        with self.assertRaises(RetryLaterError) as caught:
            client.get_order_statuses()
        self.assertIn("did not respond in time", str(caught.exception))

    def test_dropped_connection_is_retry_later(self):
        self.sim.inject("drop")
        with self.assertRaises(RetryLaterError) as caught:
            self.client.get_order_statuses()
        self.assertIn("Could not connect", str(caught.exception))

    def test_refused_connection_is_retry_later(self):
        self.server.stop()
        with self.assertRaises(RetryLaterError):
            self.client.check_connection()

    def test_wrong_password_is_credentials_error(self):
        client = self.make_client()
        client.session.auth = (API_USER.encode(), b"wrong")
        with self.assertRaises(FixCredentialsError) as caught:
            client.check_connection()
        self.assertEqual(caught.exception.status, 401)

    def test_password_outside_latin1_is_accepted(self):
        self.sim.password = "lösen-€-ł"
        client = OngoingClient(self.api_url, GOODS_OWNER_ID, API_USER, "lösen-€-ł")
        self.addCleanup(client.session.close)
        self.assertTrue(client.check_connection())

    def test_unknown_order_is_not_found(self):
        with self.assertRaises(NotFoundError):
            self.client.get_order(999999)

    def test_lost_response_then_retry_creates_one_order(self):
        self.client.put_article(ArticlePayload("A-1", "Artikel"))
        payload = OrderPayload(
            "O-1", "2024-05-02", Consignee("Kund AB"), [OrderLinePayload("1", "A-1", 2)]
        )
        self.sim.inject("status", status=500, after=True, method="PUT")
        with self.assertRaises(RetryLaterError):
            self.client.put_order(payload)
        result = self.client.put_order(payload)
        orders = list(self.client.iter_orders())
        self.assertEqual([order.order_id for order in orders], [result.remote_id])

    def test_no_password_in_logs(self):
        stream = io.StringIO()
        handler = logging.StreamHandler(stream)
        handler.setLevel(logging.DEBUG)
        root = logging.getLogger()
        names = ("", "urllib3", "requests", "odoo.addons.ongoing_fortnox_sync")
        levels = {name: logging.getLogger(name).level for name in names}
        root.addHandler(handler)
        for name in names:
            logging.getLogger(name).setLevel(logging.DEBUG)
        try:
            self.client.check_connection()
            self.client.put_article(ArticlePayload("A-LOG", "Loggad artikel"))
            self.sim.inject("status", status=429, headers={"Retry-After": "1"})
            self.client.get_order_statuses()
            for kind, options in (("status", {"status": 500}), ("drop", {})):
                self.sim.inject(kind, **options)
                with self.assertRaises(RetryLaterError) as caught:
                    self.client.get_order_statuses()
                stream.write(str(caught.exception))
            bad = self.make_client()
            bad.session.auth = (API_USER.encode(), (API_PASSWORD + "-wrong").encode())
            with self.assertRaises(FixCredentialsError) as caught:
                bad.check_connection()
            stream.write(str(caught.exception))
        finally:
            root.removeHandler(handler)
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)

        output = stream.getvalue()
        self.assertIn("GET articles: 200", output)
        self.assertIn("Starting new HTTP connection", output)
        basic = base64.b64encode(f"{API_USER}:{API_PASSWORD}".encode()).decode()
        self.assertNotIn(API_PASSWORD, output)
        self.assertNotIn(basic, output)


class TestOngoingClientAgainstSimulator(OngoingSimulatorCase):
    """The client's calls, each against the simulator's behaviour."""

    def _order(self, number, article, quantity):
        payload = OrderPayload(
            number, "2024-05-02", Consignee("Kund AB"), [OrderLinePayload("1", article, quantity)]
        )
        return self.client.put_order(payload).remote_id

    def test_iter_articles_pages_by_cursor(self):
        numbers = [f"ART-{index}" for index in range(7)]
        for number in numbers:
            self.client.put_article(ArticlePayload(number, f"Artikel {number}"))
        found = [article.article_number for article in self.client.iter_articles(page_size=3)]
        self.assertEqual(found, numbers)
        pages = self.sim.requests_to("GET", "/demo/api/v1/articles")
        self.assertEqual([r.query["maxArticlesToGet"] for r in pages], [["3"]] * 4)

    def test_iter_articles_filters_by_numbers(self):
        for number in ("A-1", "A-2", "A-3"):
            self.client.put_article(ArticlePayload(number, "Artikel"))
        found = [
            a.article_number for a in self.client.iter_articles(article_numbers=["A-1", "A-3"])
        ]
        self.assertEqual(found, ["A-1", "A-3"])

    def test_partial_pick_reported_leaves_the_list(self):
        self.client.put_article(ArticlePayload("A-1", "Artikel"))
        self.sim.set_stock("A-1", 10)
        order_id = self._order("O-1", "A-1", 10)

        self.sim.pick("O-1", {"1": 8})
        (order,) = self.client.iter_orders(only_lines_to_report=True)
        line = order.lines[0]
        self.assertEqual((line.picked, line.reported), (8.0, 0.0))

        self.client.report_order_line(order_id, line.line_id, 8)
        self.assertEqual(list(self.client.iter_orders(only_lines_to_report=True)), [])

        self.sim.pick("O-1", {"1": 2})
        (order,) = self.client.iter_orders(only_lines_to_report=True)
        self.assertEqual((order.lines[0].picked, order.lines[0].reported), (10.0, 8.0))

    def test_return_reported_leaves_the_return_list(self):
        self.client.put_article(ArticlePayload("A-1", "Artikel"))
        self.sim.set_stock("A-1", 5)
        order_id = self._order("O-1", "A-1", 2)
        self.sim.pick("O-1", {"1": 2})
        self.sim.ship("O-1", way_bill="WB1", tracking_numbers=["P1"])

        self.sim.register_return("O-1", {"1": 1}, cause="REGRET")
        (order,) = self.client.iter_orders(only_returns_to_report=True)
        line = order.lines[0]
        self.assertEqual((line.returned, line.reported_returned), (1.0, 0.0))
        self.client.report_order_line_returned(order_id, line.line_id, 1)
        self.assertEqual(list(self.client.iter_orders(only_returns_to_report=True)), [])

    def test_cancel_refused_once_picking_started(self):
        self.client.put_article(ArticlePayload("A-1", "Artikel"))
        self.sim.set_stock("A-1", 1)
        order_id = self._order("O-1", "A-1", 1)
        self.sim.start_picking("O-1")
        with self.assertRaises(FixRequestError) as caught:
            self.client.cancel_order(order_id)
        self.assertIn("started", caught.exception.remote_message)
        self.assertEqual(self.client.get_order(order_id).status.number, 320)

    def test_purchase_order_receipt_and_report(self):
        self.client.put_article(ArticlePayload("CK5", "Artikel"))
        self.client.put_purchase_order(
            PurchaseOrderPayload("PO-1", [PurchaseOrderLinePayload("1", "CK5", 10)])
        )
        received_at = datetime(2024, 5, 2, 8, 30, tzinfo=timezone.utc)
        self.sim.receive("PO-1", {"1": 7}, received_time=received_at)

        (purchase_order,) = self.client.iter_purchase_orders(only_lines_to_report=True)
        line = purchase_order.lines[0]
        self.assertEqual((line.received, line.advised), (7.0, 10.0))
        self.assertEqual(line.received_time, received_at)
        self.assertEqual(purchase_order.status.number, 400)
        self.client.report_purchase_order_line(purchase_order.purchase_order_id, line.line_id, 7)
        self.assertEqual(list(self.client.iter_purchase_orders(only_lines_to_report=True)), [])

    def test_inventory_adjustments_between_times(self):
        self.client.put_article(ArticlePayload("A-1", "Artikel"))
        self.sim.set_stock("A-1", 5)
        start = datetime(2024, 5, 1, tzinfo=timezone.utc)
        self.sim.adjust("A-1", -2, comment="Tappad på golvet", time=start + timedelta(hours=1))
        self.sim.adjust("A-1", 3, comment="Hittad", time=start + timedelta(days=2))

        adjustments = self.client.get_inventory_adjustments(start, start + timedelta(days=1))
        self.assertEqual(
            [(a.quantity, a.comment) for a in adjustments], [(-2.0, "Tappad på golvet")]
        )

    def test_return_order_round_trip(self):
        self.client.put_article(ArticlePayload("A-1", "Artikel"))
        self.sim.set_stock("A-1", 1, serial="SN-1")
        self.sim.set_stock("A-1", 1, serial="SN-2")
        order_id = self._order("O-1", "A-1", 2)
        self.sim.pick("O-1", {"1": [{"serial": "SN-1"}, {"serial": "SN-2"}]})
        self.sim.ship("O-1", way_bill="WB1")
        line_id = self.client.get_order(order_id).lines[0].line_id

        result = self.client.put_return_order(
            ReturnOrderPayload(
                "R-1",
                order_id,
                [ReturnOrderLinePayload("1", line_id, 1, return_cause_code="DAMAGED")],
            )
        )
        self.sim.receive_return_order("R-1", {"1": [{"serial": "SN-2"}]})

        return_order = self.client.find_return_order("R-1")
        self.assertEqual(return_order.return_order_id, result.remote_id)
        self.assertEqual(return_order.status.number, 500)
        (line,) = return_order.lines
        self.assertEqual((line.returned, line.removed_by_inventory), (1.0, 1.0))
        self.assertEqual([item.serial for item in line.returned_items], ["SN-2"])
        self.assertEqual(line.returned_items[0].return_cause, "DAMAGED")
        causes = {cause.code: cause for cause in self.client.get_return_causes()}
        self.assertTrue(causes["DAMAGED"].is_remove_cause)

    def test_attach_file_to_order(self):
        self.client.put_article(ArticlePayload("A-1", "Artikel"))
        order_id = self._order("O-1", "A-1", 1)
        result = self.client.attach_order_file(
            order_id, "följesedel.pdf", b"%PDF-1.4", "application/pdf"
        )
        self.assertTrue(result.success)
        order = self.sim.warehouse.orders[order_id]
        self.assertEqual(order.files[0]["fileName"], "följesedel.pdf")
        self.assertEqual(base64.b64decode(order.files[0]["fileDataBase64"]), b"%PDF-1.4")

    def test_umlauts_and_long_texts_round_trip(self):
        long_remark = "Leverans till lastkaj 3, ring först. Åäö ÅÄÖ é ü. " * 80
        self.client.put_article(ArticlePayload("SKÅP-1", "Skåp med dörrar, ölfärgad"))
        payload = OrderPayload(
            "Ö-1",
            "2024-05-02",
            Consignee("Åsa Öberg", address1="Storgatan 1", city="Malmö", country_code="SE"),
            [OrderLinePayload("1", "SKÅP-1", 1, comment="Ömtåligt")],
            order_remark=long_remark,
        )
        order_id = self.client.put_order(payload).remote_id

        order = self.client.get_order(order_id)
        self.assertEqual(order.order_number, "Ö-1")
        self.assertEqual(order.consignee["name"], "Åsa Öberg")
        self.assertEqual(order.consignee["city"], "Malmö")
        self.assertEqual(order.lines[0].comment, "Ömtåligt")
        raw = self.get_json(f"orders/{order_id}")
        self.assertEqual(raw["orderInfo"]["orderRemark"], long_remark)
        (article,) = self.client.iter_articles(article_numbers=["SKÅP-1"])
        self.assertEqual(article.article_name, "Skåp med dörrar, ölfärgad")

    def test_check_connection_rejects_foreign_goods_owner(self):
        client = self.make_client()
        client.goods_owner_id = GOODS_OWNER_ID + 1
        with self.assertRaises(FixCredentialsError):
            client.check_connection()
