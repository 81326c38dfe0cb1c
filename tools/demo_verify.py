"""Check every figure of the demo's summary against the database and the simulators.

Run by tools/demo.sh after the demo flow::

    python tools/demo_verify.py --config ODOO_CONF --setup setup.json --summary summary.json

Each figure is recomputed here with SQL on the demo database. Where the
simulators contain the same facts, it is also recomputed from their
``/_sim/state``. No figure is taken from the flow's own counting. Prints
"summary verified", or each mismatch and exits with status 1.
"""

import argparse
import configparser
import json
import sys
import urllib.request
from datetime import datetime

import psycopg2

# A write-off counts as seen in time when Odoo stored it within this many seconds
# of the time Ongoing gave it.
WITHIN_SECONDS = 60
TIMEOUT = 30

DONE_ONGOING_PICKINGS = """
    SELECT sp.id FROM stock_picking sp
      JOIN stock_picking_type spt ON spt.id = sp.picking_type_id
      JOIN ongoing_order oo ON oo.id = sp.ongoing_order_id
     WHERE spt.code = %(code)s AND oo.order_type = %(order_type)s AND oo.backend_id = %(backend)s
"""


class Checker:
    """Recompute each summary figure; each ``figure_<key>`` returns {source: value}."""

    def __init__(self, cursor, setup):
        self.cursor = cursor
        self.setup = setup
        self.backend = setup["backend_id"]
        self.fortnox_backend = setup["fortnox_backend_id"]
        ongoing_url = setup["ongoing_url"].split("/demo/api/v1/")[0]
        self.ongoing = fetch_json(f"{ongoing_url}/_sim/state")[str(setup["goods_owner_id"])]
        self.fortnox = fetch_json(f"{setup['fortnox_url'].rstrip('/')}/_sim/state")

    def scalar(self, query, **parameters):
        self.cursor.execute(query, parameters)
        return self.cursor.fetchone()[0]

    # Data set -------------------------------------------------------------

    def storable(self, tracking=None):
        return self.scalar(
            """
            SELECT count(*) FROM product_product pp
              JOIN product_template pt ON pt.id = pp.product_tmpl_id
             WHERE pt.is_storable AND pp.active AND pt.active
               AND (%(tracking)s IS NULL OR pt.tracking = %(tracking)s)
            """,
            tracking=tracking,
        )

    def figure_products(self):
        return {"database": self.storable()}

    def figure_lot_products(self):
        return {"database": self.storable("lot")}

    def figure_serial_products(self):
        return {"database": self.storable("serial")}

    def figure_customers(self):
        return {
            "database": self.scalar(
                "SELECT count(*) FROM res_partner WHERE customer_rank > 0 AND active"
            )
        }

    def figure_eu_customers(self):
        return {
            "database": self.scalar(
                """
                SELECT count(*) FROM res_partner p
                 WHERE p.customer_rank > 0 AND p.active AND EXISTS (
                       SELECT 1 FROM jsonb_each_text(p.property_account_position_id) position
                         JOIN ir_model_data d ON d.res_id = position.value::int
                        WHERE d.model = 'account.fiscal.position'
                          AND right(d.name, 12) = '_fp_euro_b2b')
                """
            )
        }

    # Ongoing ---------------------------------------------------------------

    def figure_articles_sent(self):
        return {
            "database": self.scalar(
                """
                SELECT count(*) FROM ongoing_article
                 WHERE backend_id = %(backend)s AND sync_state = 'synced'
                   AND article_system_id > 0
                """,
                backend=self.backend,
            ),
            "Ongoing": len(self.ongoing["articles"]),
        }

    def ongoing_documents(self, order_type):
        return self.scalar(
            """
            SELECT count(*) FROM ongoing_order
             WHERE backend_id = %(backend)s AND order_type = %(order_type)s AND remote_id > 0
            """,
            backend=self.backend,
            order_type=order_type,
        )

    def figure_purchase_orders_sent(self):
        return {
            "database": self.ongoing_documents("purchase"),
            "Ongoing": len(self.ongoing["purchaseOrders"]),
        }

    def figure_orders_sent(self):
        return {
            "database": self.ongoing_documents("outbound"),
            "Ongoing": len(self.ongoing["orders"]),
        }

    def figure_orders_with_transporter(self):
        return {
            "database": self.scalar(
                """
                SELECT count(DISTINCT sp.ongoing_order_id) FROM stock_picking sp
                  JOIN delivery_carrier dc ON dc.id = sp.carrier_id
                  JOIN ongoing_order oo ON oo.id = sp.ongoing_order_id
                 WHERE oo.order_type = 'outbound' AND oo.backend_id = %(backend)s
                   AND coalesce(dc.ongoing_transporter_code, '') != ''
                """,
                backend=self.backend,
            ),
            "Ongoing": sum(
                1
                for order in self.ongoing["orders"]
                if order.get("transporter") and order["transporter"].get("code")
            ),
        }

    # Odoo's bookings -------------------------------------------------------

    def pickings(self, code, order_type, condition):
        return self.scalar(
            f"SELECT count(*) FROM stock_picking WHERE id IN ({DONE_ONGOING_PICKINGS}) "
            f"AND {condition}",
            code=code,
            order_type=order_type,
            backend=self.backend,
        )

    def lots(self, code, order_type):
        return self.scalar(
            f"""
            SELECT count(DISTINCT sml.lot_id) FROM stock_move_line sml
              JOIN stock_picking sp ON sp.id = sml.picking_id
             WHERE sp.id IN ({DONE_ONGOING_PICKINGS}) AND sp.state = 'done'
               AND sml.lot_id IS NOT NULL
            """,
            code=code,
            order_type=order_type,
            backend=self.backend,
        )

    def figure_receipts_booked(self):
        return {"database": self.pickings("incoming", "purchase", "state = 'done'")}

    def figure_receipt_backorders_open(self):
        return {
            "database": self.pickings(
                "incoming",
                "purchase",
                "state NOT IN ('done', 'cancel') AND backorder_id IS NOT NULL",
            ),
            # Purchase orders still waiting for part of their goods.
            "Ongoing": sum(
                1
                for order in self.ongoing["purchaseOrders"]
                if any(
                    line["receivedNumberOfItems"] < line["advisedNumberOfItems"]
                    for line in order["purchaseOrderLines"]
                )
            ),
        }

    def figure_lots_received(self):
        return {
            "database": self.lots("incoming", "purchase"),
            "Ongoing": sum(
                1
                for order in self.ongoing["purchaseOrders"]
                for line in order["purchaseOrderLines"]
                for item in line["articleItems"]
                if item["batchNumber"] or item["serial"]
            ),
        }

    def figure_deliveries_booked(self):
        return {"database": self.pickings("outgoing", "outbound", "state = 'done'")}

    def figure_partial_deliveries(self):
        return {
            "database": self.pickings(
                "outgoing",
                "outbound",
                "state = 'done' AND EXISTS "
                "(SELECT 1 FROM stock_picking b WHERE b.backorder_id = stock_picking.id)",
            )
        }

    def figure_lots_delivered(self):
        return {
            "database": self.lots("outgoing", "outbound"),
            "Ongoing": sum(
                1
                for order in self.ongoing["orders"]
                for line in order["orderLines"]
                for item in line["pickedArticleItems"]
                if item["batchNumber"] or item["serial"]
            ),
        }

    def figure_returns_booked(self):
        return {
            "database": self.scalar(
                """
                SELECT count(DISTINCT sp.id) FROM stock_picking sp
                  JOIN stock_move sm ON sm.picking_id = sp.id
                  JOIN stock_move origin ON origin.id = sm.origin_returned_move_id
                  JOIN stock_picking delivered ON delivered.id = origin.picking_id
                  JOIN ongoing_order oo ON oo.id = delivered.ongoing_order_id
                 WHERE sp.state = 'done' AND oo.backend_id = %(backend)s
                """,
                backend=self.backend,
            ),
            "Ongoing": sum(
                1
                for order in self.ongoing["orders"]
                if any(line["returnedNumberOfItems"] for line in order["orderLines"])
            ),
        }

    def figure_write_offs_within_minute(self):
        # Odoo stores datetimes in UTC without a time zone.
        self.cursor.execute(
            """
            SELECT create_date, adjustment_time FROM ongoing_inventory_adjustment
             WHERE backend_id = %(backend)s AND state = 'booked' AND quantity < 0
            """,
            {"backend": self.backend},
        )
        in_time = sum(
            1
            for stored, adjusted in self.cursor.fetchall()
            if (stored - adjusted).total_seconds() <= WITHIN_SECONDS
        )
        write_offs = sum(
            1
            for group in self.ongoing["inventoryAdjustments"]
            for adjustment in group["inventoryAdjustments"]
            if adjustment["numberOfItems"] < 0
        )
        return {"database": in_time, "Ongoing": write_offs}

    def reconciliation_lines(self, condition):
        return self.scalar(
            f"""
            SELECT count(*) FROM ongoing_reconciliation_line l
              JOIN ongoing_reconciliation r ON r.id = l.reconciliation_id
             WHERE r.backend_id = %(backend)s AND r.state = 'done' AND {condition}
            """,
            backend=self.backend,
        )

    def figure_differences_reported(self):
        return {
            "database": self.reconciliation_lines("r.mode = 'report' AND l.case = 'difference'")
        }

    def figure_differences_corrected(self):
        return {
            "database": self.reconciliation_lines("l.applied"),
            "stock moves": self.scalar(
                """
                SELECT count(*) FROM stock_move m
                  JOIN ongoing_reconciliation r ON r.id = m.ongoing_reconciliation_id
                 WHERE r.backend_id = %(backend)s AND m.state = 'done'
                """,
                backend=self.backend,
            ),
        }

    # Fortnox ---------------------------------------------------------------

    def exported_moves(self, move_type):
        return self.scalar(
            """
            SELECT count(*) FROM account_move
             WHERE move_type = %(move_type)s AND state = 'posted' AND fortnox_state = 'exported'
               AND fortnox_document_number IS NOT NULL
            """,
            move_type=move_type,
        )

    def figure_invoices_exported(self):
        return {
            "database": self.exported_moves("out_invoice"),
            "Fortnox": sum(1 for invoice in self.fortnox["invoices"] if not invoice["Credit"]),
        }

    def figure_credit_notes_exported(self):
        return {
            "database": self.exported_moves("out_refund"),
            "Fortnox": sum(1 for invoice in self.fortnox["invoices"] if invoice["Credit"]),
        }

    def figure_vendor_bills_exported(self):
        return {
            "database": self.exported_moves("in_invoice"),
            "Fortnox": len(self.fortnox["supplier_invoices"]),
        }

    def figure_stock_vouchers_booked(self):
        return {
            "database": self.scalar(
                """
                SELECT count(*) FROM fortnox_voucher
                 WHERE backend_id = %(backend)s AND fortnox_state = 'exported'
                   AND voucher_number > 0
                """,
                backend=self.fortnox_backend,
            ),
            "Fortnox": sum(
                1 for voucher in self.fortnox["vouchers"] if voucher["VoucherSeries"] == "A"
            ),
        }


def fetch_json(url):
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return json.loads(response.read())


def connect(config_path, database):
    """Connect to ``database`` with the server settings of Odoo's configuration file."""
    parser = configparser.ConfigParser()
    parser.read(config_path)
    options = parser["options"]

    def option(name):
        value = options.get(name, "False")
        return None if value in ("False", "") else value

    return psycopg2.connect(
        dbname=database,
        host=option("db_host"),
        port=option("db_port"),
        user=option("db_user"),
        password=option("db_password"),
    )


def verify(checker, figures):
    """Return the mismatches between the printed figures and the recomputed ones."""
    mismatches = []
    for figure in figures:
        compute = getattr(checker, f"figure_{figure['key']}", None)
        if compute is None:
            mismatches.append(f"{figure['label']}: no check exists for {figure['key']!r}")
            continue
        recomputed = compute()
        shown = ", ".join(f"{source} {value}" for source, value in recomputed.items())
        print(f"  {figure['area']:<10} {figure['label']:<45} {figure['value']:>5}  ({shown})")
        for source, value in recomputed.items():
            if value != figure["value"]:
                mismatches.append(
                    f"{figure['label']}: the summary says {figure['value']}, {source} has {value}"
                )
    checked = {figure["key"] for figure in figures}
    for name in dir(checker):
        if name.startswith("figure_") and name[len("figure_") :] not in checked:
            mismatches.append(f"the summary lacks the figure {name[len('figure_') :]!r}")
    return mismatches


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True, help="Odoo's configuration file.")
    parser.add_argument("--setup", required=True, help="JSON file written by demo_setup.py.")
    parser.add_argument("--summary", required=True, help="JSON file written by demo_flow.py.")
    args = parser.parse_args()
    with open(args.setup, encoding="utf-8") as setup_file:
        setup = json.load(setup_file)
    with open(args.summary, encoding="utf-8") as summary_file:
        summary = json.load(summary_file)

    print(f"\n  Checking the summary against {summary['database']} and the simulators")
    connection = connect(args.config, summary["database"])
    try:
        with connection.cursor() as cursor:
            mismatches = verify(Checker(cursor, setup), summary["figures"])
    finally:
        connection.close()

    if mismatches:
        print("demo: the summary does not match the database:", file=sys.stderr)
        for mismatch in mismatches:
            print(f"  - {mismatch}", file=sys.stderr)
        sys.exit(1)
    print(
        f"demo: summary verified ({len(summary['figures'])} figures) at {datetime.now():%H:%M:%S}"
    )


if __name__ == "__main__":
    main()
