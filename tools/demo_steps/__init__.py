"""Building blocks of the demo flow: a client of the running demo and its simulators.

The demo drives everything through the real HTTP paths: Odoo over XML-RPC (as
an integration or a browser would), the simulators through their ``/_sim/``
operator APIs (as warehouse staff and an accountant would), and Ongoing's
webhooks reach Odoo's controller by themselves. Each step module exposes
``run(demo)`` and counts what it did with ``demo.count(key)``. The summary lists
the figures of ``FIGURES``, and ``tools/demo_verify.py`` recomputes each of
them from the database and the simulators.
"""

import itertools
import json
import time
import urllib.error
import urllib.request
from collections import Counter

DEFAULT_TIMEOUT = 90

#: The summary's figures in print order: key, area, label.
FIGURES = (
    ("products", "Data set", "storable products"),
    ("lot_products", "Data set", "of them tracked by lot"),
    ("serial_products", "Data set", "of them tracked by serial number"),
    ("customers", "Data set", "customers"),
    ("eu_customers", "Data set", "of them companies elsewhere in the EU"),
    ("articles_sent", "Ongoing", "articles sent"),
    ("purchase_orders_sent", "Ongoing", "purchase orders announced"),
    ("orders_sent", "Ongoing", "orders sent"),
    ("orders_with_transporter", "Ongoing", "of them with a transporter code"),
    ("receipts_booked", "Odoo", "receipts booked from Ongoing"),
    ("receipt_backorders_open", "Odoo", "receipt backorders still announced"),
    ("lots_received", "Odoo", "lots and serial numbers received"),
    ("deliveries_booked", "Odoo", "deliveries booked from Ongoing"),
    ("partial_deliveries", "Odoo", "partial deliveries with a backorder"),
    ("lots_delivered", "Odoo", "lots and serial numbers delivered"),
    ("returns_booked", "Odoo", "customer returns booked from Ongoing"),
    ("write_offs_within_minute", "Odoo", "warehouse write-offs booked within a minute"),
    ("differences_reported", "Odoo", "stock differences reported"),
    ("differences_corrected", "Odoo", "stock differences corrected"),
    ("invoices_exported", "Fortnox", "customer invoices exported"),
    ("credit_notes_exported", "Fortnox", "credit notes exported"),
    ("vendor_bills_exported", "Fortnox", "vendor bills exported as supplier invoices"),
    ("stock_vouchers_booked", "Fortnox", "stock vouchers booked"),
)
FIGURE_KEYS = tuple(key for key, _area, _label in FIGURES)


class DemoError(Exception):
    """A demo step did not reach the state it waited for."""


class Demo:
    """The running demo: Odoo, the Ongoing WMS simulator and the Fortnox simulator."""

    def __init__(self, odoo_url, db, setup):
        self.odoo_url = odoo_url.rstrip("/")
        self.db = db
        self.setup = setup
        self.login = setup["login"]
        self.password = setup["password"]
        self.ongoing_url = setup["ongoing_url"].split("/demo/api/v1/")[0]
        self.fortnox_url = setup.get("fortnox_url", "").rstrip("/")
        self.summary = Counter(dict.fromkeys(FIGURE_KEYS, 0))
        self._request_ids = itertools.count(1)
        self.uid = self._rpc("common", "authenticate", db, self.login, self.password, {})
        if not self.uid:
            raise DemoError(f"Cannot log in to {db} as {self.login}.")

    # ------------------------------------------------------------------
    # Odoo
    # ------------------------------------------------------------------

    def _rpc(self, service, method, *args):
        """Call Odoo's JSON-RPC endpoint; raise DemoError with Odoo's message on a fault."""
        body = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": next(self._request_ids),
            "params": {"service": service, "method": method, "args": list(args)},
        }
        answer = self._post(f"{self.odoo_url}/jsonrpc", body)
        if answer.get("error"):
            data = answer["error"].get("data", {})
            raise DemoError(f"Odoo refused {method}: {data.get('message') or answer['error']}")
        return answer.get("result")

    def call(self, model, method, *args, **kwargs):
        """Call a public model method as the demo user."""
        return self._rpc(
            "object",
            "execute_kw",
            self.db,
            self.uid,
            self.password,
            model,
            method,
            list(args),
            kwargs,
        )

    def create(self, model, values):
        return self.call(model, "create", values)

    def search_read(self, model, domain, fields, **kwargs):
        return self.call(model, "search_read", domain, fields, **kwargs)

    def read(self, model, record_id, fields):
        return self.call(model, "read", [record_id], fields)[0]

    def ref(self, xml_id):
        """Return the database id of an external id such as ``base.se``."""
        module, name = xml_id.split(".")
        rows = self.search_read(
            "ir.model.data", [("module", "=", module), ("name", "=", name)], ["res_id"]
        )
        if not rows:
            raise DemoError(f"No record with the external id {xml_id}.")
        return rows[0]["res_id"]

    # ------------------------------------------------------------------
    # Simulators
    # ------------------------------------------------------------------

    def _post(self, url, payload=None):
        request = urllib.request.Request(
            url,
            data=json.dumps(payload or {}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read()
        except urllib.error.HTTPError as error:
            raise DemoError(
                f"{url} answered {error.code}: {error.read().decode()[:300]}"
            ) from error
        return json.loads(body) if body else None

    def _get(self, url):
        with urllib.request.urlopen(url, timeout=30) as response:
            return json.loads(response.read())

    def warehouse(self, action, **arguments):
        """Perform a warehouse operator action in the Ongoing simulator (pick, ship, ...)."""
        return self._post(f"{self.ongoing_url}/_sim/actions/{action}", arguments)

    def ongoing_state(self):
        """Return the Ongoing simulator's state for the demo's goods owner."""
        return self._get(f"{self.ongoing_url}/_sim/state")[str(self.setup["goods_owner_id"])]

    def fortnox_state(self):
        return self._get(f"{self.fortnox_url}/_sim/state")

    def fortnox(self, path, payload=None):
        """Call the Fortnox simulator's operator API (``/_sim/<path>``)."""
        return self._post(f"{self.fortnox_url}/_sim/{path}", payload)

    # ------------------------------------------------------------------
    # Waiting and reporting
    # ------------------------------------------------------------------

    def wait_until(self, what, check, timeout=DEFAULT_TIMEOUT, interval=0.5):
        """Poll ``check()`` until it returns a true value; return that value."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise DemoError(f"Gave up after {timeout} s waiting for {what}.")
            time.sleep(interval)

    def say(self, message):
        print(f"demo: {message}", flush=True)

    def count(self, key, number=1):
        """Add ``number`` to the summary's figure ``key`` (one of ``FIGURE_KEYS``)."""
        if key not in FIGURE_KEYS:
            raise DemoError(f"The summary has no figure {key!r}.")
        self.summary[key] += number

    def summary_rows(self):
        """Return the summary as [{key, area, label, value}] in print order."""
        return [
            {"key": key, "area": area, "label": label, "value": self.summary[key]}
            for key, area, label in FIGURES
        ]

    # ------------------------------------------------------------------
    # Look-ups in the data set
    # ------------------------------------------------------------------

    def product(self, code):
        """Return the id of the product with internal reference ``code``."""
        rows = self.search_read("product.product", [("default_code", "=", code)], ["id"])
        if not rows:
            raise DemoError(f"The data set has no product {code}.")
        return rows[0]["id"]

    def partner(self, name):
        """Return the partner ``name`` of the data set with its default carrier."""
        rows = self.search_read(
            "res.partner", [("name", "=", name)], ["id", "property_delivery_carrier_id"]
        )
        if not rows:
            raise DemoError(f"The data set has no partner {name}.")
        return rows[0]

    def stock_location(self):
        return self.read("stock.warehouse", self.setup["warehouse_id"], ["lot_stock_id"])[
            "lot_stock_id"
        ][0]

    def lots_in_stock(self, product_id):
        """Return {lot name: quantity} of a tracked product in the warehouse's stock."""
        quants = self.search_read(
            "stock.quant",
            [
                ("product_id", "=", product_id),
                ("location_id", "=", self.stock_location()),
                ("quantity", ">", 0),
            ],
            ["lot_id", "quantity"],
            order="id",
        )
        return {quant["lot_id"][1]: quant["quantity"] for quant in quants if quant["lot_id"]}
