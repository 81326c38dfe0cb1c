"""Sales delivered through the 3PL: orders go to Ongoing, picks and shipments come back.

One order is picked in two goes, so Odoo books a partial delivery and a
backorder that stays on the same Ongoing order.
"""

PRODUCTS = [
    ("HT-KUD-01", "Kudde Åre, linne", 129.0),
    ("HT-PLD-02", "Pläd Öland, ull", 349.0),
    ("HT-HAN-03", "Handduk Visby, frotté", 89.0),
]
STOCK = 40


def ensure_products(demo):
    """Create the step's products (idempotent) and give them stock in Odoo and Ongoing."""
    ids = {}
    for code, name, cost in PRODUCTS:
        found = demo.search_read("product.product", [("default_code", "=", code)], ["id"])
        if found:
            ids[code] = found[0]["id"]
            continue
        ids[code] = demo.create(
            "product.product",
            {
                "name": name,
                "default_code": code,
                "is_storable": True,
                "standard_price": cost,
                "list_price": round(cost * 2.2),
            },
        )
    demo.wait_until(
        "the articles in Ongoing",
        lambda: {a["articleNumber"] for a in demo.ongoing_state()["articles"]} >= set(ids),
    )
    location = demo.read("stock.warehouse", demo.setup["warehouse_id"], ["lot_stock_id"])
    for code, product_id in ids.items():
        quant = demo.call(
            "stock.quant",
            "create",
            {
                "product_id": product_id,
                "location_id": location["lot_stock_id"][0],
                "inventory_quantity": STOCK,
            },
            context={"inventory_mode": True},
        )
        demo.call("stock.quant", "action_apply_inventory", [quant])
        demo.warehouse("set_stock", article_number=code, quantity=STOCK)
    return ids


def sell(demo, customer_id, lines):
    order_id = demo.create(
        "sale.order",
        {
            "partner_id": customer_id,
            "order_line": [
                (0, 0, {"product_id": product_id, "product_uom_qty": quantity})
                for product_id, quantity in lines
            ],
        },
    )
    demo.call("sale.order", "action_confirm", [order_id])
    picking = demo.search_read("stock.picking", [("sale_id", "=", order_id)], ["name"])[0]
    demo.wait_until(
        f"order {picking['name']} in Ongoing",
        lambda: any(
            o["orderInfo"]["orderNumber"] == picking["name"] for o in demo.ongoing_state()["orders"]
        ),
    )
    demo.count("Ongoing", "orders sent")
    return order_id, picking["name"]


def wait_delivered(demo, order_id, quantity):
    def delivered():
        lines = demo.search_read(
            "sale.order.line", [("order_id", "=", order_id)], ["qty_delivered"]
        )
        return sum(line["qty_delivered"] for line in lines) >= quantity

    demo.wait_until(f"{quantity} units delivered on sale {order_id}", delivered)


def run(demo):
    demo.say("sales: three orders go to the 3PL; one is picked in two goes")
    ids = ensure_products(demo)
    customer = demo.create(
        "res.partner",
        {
            "name": "Karin Lindqvist",
            "street": "Drottninggatan 12",
            "zip": "111 51",
            "city": "Stockholm",
            "country_id": demo.ref("base.se"),
            "email": "karin.lindqvist@example.com",
        },
    )

    first, first_name = sell(demo, customer, [(ids["HT-KUD-01"], 2), (ids["HT-PLD-02"], 1)])
    demo.warehouse("pick", order_number=first_name, lines={"1": 2, "2": 1})
    demo.warehouse("ship", order_number=first_name, way_bill="00370712345678901")
    wait_delivered(demo, first, 3)
    demo.count("Odoo", "deliveries booked from Ongoing")

    second, second_name = sell(demo, customer, [(ids["HT-HAN-03"], 10)])
    demo.warehouse("pick", order_number=second_name, lines={"1": 8})
    wait_delivered(demo, second, 8)
    demo.count("Odoo", "partial deliveries with a backorder")
    demo.warehouse("pick", order_number=second_name, lines={"1": 2})
    demo.warehouse("ship", order_number=second_name, way_bill="00370712345678902")
    wait_delivered(demo, second, 10)
    demo.count("Odoo", "deliveries booked from Ongoing")

    pickings = demo.search_read(
        "stock.picking", [("sale_id", "=", second)], ["name", "state", "ongoing_order_id"]
    )
    orders = {picking["ongoing_order_id"][0] for picking in pickings}
    demo.say(
        f"sales: {second_name} was delivered in {len(pickings)} parts on "
        f"{len(orders)} Ongoing order"
    )
