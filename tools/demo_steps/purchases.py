"""Goods bought: announced to the 3PL, received in part, with dye batches and serial numbers.

The German linen weaver invoices in EUR. Its purchase order is placed a week
ago at one rate; the warehouse receives it yesterday, at another rate, and
Odoo values the receipt at yesterday's rate, not at the order's or today's.
Part of one line does not arrive, so a backorder stays announced on the same
Ongoing purchase order. The yarn arrives in two dye batches, which become
lots in Odoo. The Swedish importer's sewing machines arrive with their serial
numbers.
"""

from datetime import datetime, time, timedelta, timezone

from . import DemoError

# SEK per EUR, by days before today: the order day, the receiving day, today.
RATES = {7: 11.42, 1: 11.27, 0: 11.35}

PURCHASES = [
    {
        "supplier": "LEV-DE-01",
        "currency": "base.EUR",
        "partner_ref": "AB-2024-118",
        # Internal reference, quantity, unit price in the order's currency.
        "lines": [
            ("PAS-GOT-150X210-NAT", 30, 38.50),
            ("LAK-GOT-240X260-NAT", 20, 41.20),
            ("GRN-GOT-NAT", 60, 2.35),
        ],
        # What the warehouse receives, by Ongoing row number.
        "received": {
            "1": 30,
            "2": 12,
            "3": [{"quantity": 40, "batch": "FB2411-15"}, {"quantity": 20, "batch": "FB2411-16"}],
        },
    },
    {
        "supplier": "LEV-SE-01",
        "currency": "base.SEK",
        "partner_ref": "SO-88412",
        "lines": [("SYM-ATE-5400", 3, 3890.0)],
        "received": {
            "1": [
                {"quantity": 1, "serial": "AT54-241104"},
                {"quantity": 1, "serial": "AT54-241105"},
                {"quantity": 1, "serial": "AT54-241109"},
            ]
        },
    },
]


def ensure_rates(demo, eur_id):
    """Give EUR a rate on the order day, the receiving day and today (idempotent)."""
    demo.call("res.currency", "write", [eur_id], {"active": True})
    company_id = demo.read("stock.warehouse", demo.setup["warehouse_id"], ["company_id"])[
        "company_id"
    ][0]
    today = datetime.now(timezone.utc).date()
    for days, sek_per_eur in RATES.items():
        day = (today - timedelta(days=days)).isoformat()
        values = {"inverse_company_rate": sek_per_eur}
        found = demo.search_read(
            "res.currency.rate",
            [("currency_id", "=", eur_id), ("name", "=", day), ("company_id", "=", company_id)],
            ["id"],
        )
        if found:
            demo.call("res.currency.rate", "write", [found[0]["id"]], values)
        else:
            demo.create(
                "res.currency.rate",
                {"currency_id": eur_id, "company_id": company_id, "name": day, **values},
            )
    return today


def received_lots(purchase):
    """Return the batch and serial numbers the warehouse receives on a purchase."""
    return [
        item.get("batch") or item.get("serial")
        for spec in purchase["received"].values()
        if isinstance(spec, list)
        for item in spec
    ]


def place_order(demo, purchase, ordered):
    [supplier] = demo.search_read("res.partner", [("ref", "=", purchase["supplier"])], ["id"])
    order_id = demo.create(
        "purchase.order",
        {
            "partner_id": supplier["id"],
            "currency_id": demo.ref(purchase["currency"]),
            "date_order": ordered.strftime("%Y-%m-%d %H:%M:%S"),
            "partner_ref": purchase["partner_ref"],
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": demo.product(code),
                        "product_qty": quantity,
                        "price_unit": price,
                        "taxes_id": [(6, 0, [])],
                    },
                )
                for code, quantity, price in purchase["lines"]
            ],
        },
    )
    demo.call("purchase.order", "button_confirm", [order_id])
    number = demo.read("purchase.order", order_id, ["name"])["name"]
    demo.wait_until(
        f"purchase order {number} in Ongoing",
        lambda: any(
            po["purchaseOrderInfo"]["purchaseOrderNumber"] == number
            for po in demo.ongoing_state()["purchaseOrders"]
        ),
    )
    demo.count("purchase_orders_sent")
    return order_id, number


def receive(demo, purchase, order_id, number, received_time):
    demo.warehouse(
        "receive",
        number=number,
        lines=purchase["received"],
        received_time=received_time.isoformat(),
    )
    expected = sum(
        sum(item["quantity"] for item in spec) if isinstance(spec, list) else spec
        for spec in purchase["received"].values()
    )

    def received():
        lines = demo.search_read(
            "purchase.order.line", [("order_id", "=", order_id)], ["qty_received"]
        )
        return sum(line["qty_received"] for line in lines) >= expected

    demo.wait_until(f"the receipt of {number} booked in Odoo", received)
    demo.count("receipts_booked")

    pickings = demo.search_read(
        "stock.picking", [("purchase_id", "=", order_id)], ["name", "state"], order="id"
    )
    done = [picking["id"] for picking in pickings if picking["state"] == "done"]
    open_ = [picking for picking in pickings if picking["state"] not in ("done", "cancel")]
    demo.count("receipt_backorders_open", len(open_))

    lots = received_lots(purchase)
    booked = {
        line["lot_id"][1]
        for line in demo.search_read(
            "stock.move.line", [("picking_id", "in", done), ("lot_id", "!=", False)], ["lot_id"]
        )
    }
    if set(lots) - booked:
        raise DemoError(f"{number}: the lots {sorted(set(lots) - booked)} were not booked.")
    demo.count("lots_received", len(lots))
    demo.say(
        f"purchases: {number} received in {len(done)} receipt; {len(open_)} backorder(s) "
        f"still announced on the same Ongoing purchase order; lots and serial numbers "
        f"{', '.join(lots)}"
    )
    return done


def show_valuation(demo, purchase, done):
    """Show what the receipt of an order in EUR is worth in SEK, at the receiving day's rate."""
    layers = demo.search_read(
        "stock.valuation.layer",
        [("stock_move_id.picking_id", "in", done)],
        ["product_id", "quantity", "value", "unit_cost", "create_date"],
    )
    prices = {demo.product(code): (code, price) for code, _quantity, price in purchase["lines"]}
    for layer in layers:
        code, price = prices[layer["product_id"][0]]
        demo.say(
            f"purchases: {layer['quantity']:g} x {code} at EUR {price:.2f} valued "
            f"SEK {layer['value']:.2f} (SEK {layer['unit_cost']:.2f} a unit, "
            f"rate {RATES[1]} of the receiving day; today's would be {RATES[0]})"
        )


def run(demo):
    demo.say("purchases: a purchase in EUR and one in SEK go to the 3PL and are received")
    today = ensure_rates(demo, demo.ref("base.EUR"))
    ordered = datetime.combine(today - timedelta(days=7), time(9, 0))
    received_time = datetime.combine(today - timedelta(days=1), time(8, 30), tzinfo=timezone.utc)

    for purchase in PURCHASES:
        order_id, number = place_order(demo, purchase, ordered)
        done = receive(demo, purchase, order_id, number, received_time)
        if purchase["currency"] == "base.EUR":
            show_valuation(demo, purchase, done)
