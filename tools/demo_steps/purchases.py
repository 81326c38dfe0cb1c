"""Goods bought in EUR: announced to the 3PL, partly received, valued in SEK.

The supplier invoices in EUR. The purchase order is placed a week ago at one
rate; the warehouse receives part of it yesterday, at another rate, and Odoo
values the receipt at yesterday's rate, not at the order's or today's.
"""

from datetime import datetime, time, timedelta, timezone

# SEK per EUR, by days before today: the order day, the receiving day, today.
RATES = {7: 11.42, 1: 11.27, 0: 11.35}
PRODUCTS = [
    ("HT-LJS-04", "Ljusstake Dalarna, mässing", 24, 18.50),
    ("HT-DUK-05", "Duk Siljan, linne", 40, 9.80),
]
RECEIVED = {"1": 24, "2": 25}


def ensure_supplier(demo, eur_id):
    found = demo.search_read("res.partner", [("ref", "=", "LEV-DE-01")], ["id"])
    if found:
        return found[0]["id"]
    return demo.create(
        "res.partner",
        {
            "name": "Messingwerk Lüdenscheid GmbH",
            "ref": "LEV-DE-01",
            "street": "Werkstraße 7",
            "zip": "58507",
            "city": "Lüdenscheid",
            "country_id": demo.ref("base.de"),
            "property_purchase_currency_id": eur_id,
            "supplier_rank": 1,
        },
    )


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


def ensure_products(demo):
    ids = {}
    for code, name, _quantity, _price in PRODUCTS:
        found = demo.search_read("product.product", [("default_code", "=", code)], ["id"])
        ids[code] = (
            found[0]["id"]
            if found
            else demo.create(
                "product.product",
                {"name": name, "default_code": code, "is_storable": True, "standard_price": 0.0},
            )
        )
    demo.wait_until(
        "the articles in Ongoing",
        lambda: {a["articleNumber"] for a in demo.ongoing_state()["articles"]} >= set(ids),
    )
    return ids


def run(demo):
    demo.say("purchases: a purchase in EUR goes to the 3PL and is partly received")
    eur_id = demo.ref("base.EUR")
    today = ensure_rates(demo, eur_id)
    supplier = ensure_supplier(demo, eur_id)
    products = ensure_products(demo)

    ordered = datetime.combine(today - timedelta(days=7), time(9, 0))
    order_id = demo.create(
        "purchase.order",
        {
            "partner_id": supplier,
            "currency_id": eur_id,
            "date_order": ordered.strftime("%Y-%m-%d %H:%M:%S"),
            "partner_ref": "AB-2024-118",
            "order_line": [
                (
                    0,
                    0,
                    {
                        "product_id": products[code],
                        "product_qty": quantity,
                        "price_unit": price,
                        "taxes_id": [(6, 0, [])],
                    },
                )
                for code, _name, quantity, price in PRODUCTS
            ],
        },
    )
    demo.call("purchase.order", "button_confirm", [order_id])
    order = demo.read("purchase.order", order_id, ["name"])
    number = order["name"]
    demo.wait_until(
        f"purchase order {number} in Ongoing",
        lambda: any(
            po["purchaseOrderInfo"]["purchaseOrderNumber"] == number
            for po in demo.ongoing_state()["purchaseOrders"]
        ),
    )
    demo.count("Ongoing", "purchase orders announced")

    received_time = datetime.combine(today - timedelta(days=1), time(8, 30), tzinfo=timezone.utc)
    demo.warehouse(
        "receive", number=number, lines=RECEIVED, received_time=received_time.isoformat()
    )

    def received():
        lines = demo.search_read(
            "purchase.order.line", [("order_id", "=", order_id)], ["qty_received"]
        )
        return sum(line["qty_received"] for line in lines) >= sum(RECEIVED.values())

    demo.wait_until(f"the receipt of {number} booked in Odoo", received)
    demo.count("Odoo", "receipts booked from Ongoing")

    pickings = demo.search_read(
        "stock.picking",
        [("purchase_id", "=", order_id)],
        ["name", "state", "ongoing_order_id"],
        order="id",
    )
    done = [picking for picking in pickings if picking["state"] == "done"]
    open_ = [picking for picking in pickings if picking["state"] not in ("done", "cancel")]
    if open_:
        demo.count("Odoo", "receipts with a backorder still announced")
    layers = demo.search_read(
        "stock.valuation.layer",
        [("stock_move_id.picking_id", "in", [picking["id"] for picking in done])],
        ["product_id", "quantity", "value", "unit_cost", "create_date"],
    )
    rate = RATES[1]
    for layer in layers:
        code = next(
            code for code, _n, _q, _p in PRODUCTS if products[code] == layer["product_id"][0]
        )
        price = next(price for c, _n, _q, price in PRODUCTS if c == code)
        demo.say(
            f"purchases: {layer['quantity']:g} x {code} at EUR {price:.2f} valued "
            f"SEK {layer['value']:.2f} (SEK {layer['unit_cost']:.2f} a unit, "
            f"rate {rate} of {layer['create_date'][:10]}; today's would be {RATES[0]})"
        )
    demo.count("Odoo", "SEK valuation layers from EUR prices", len(layers))
    demo.say(
        f"purchases: {number} received in {len(done)} receipt(s); "
        f"{len(open_)} backorder(s) still announced on the same Ongoing purchase order"
    )
