"""Sales delivered through the 3PL: orders go to Ongoing, picks and shipments come back.

Private customers in Sweden, a Swedish guest house, and companies in Finland
and Germany buy from the catalogue; each order goes to Ongoing with the
customer's carrier as transporter. The guest house's order is picked in two
goes, so Odoo books a partial delivery and a backorder that stays on the same
Ongoing order. Yarn is picked from a named dye batch and a sewing machine by
its serial number, and Odoo books those lots.
"""

from . import DemoError

# Customer, [(internal reference, quantity)], picks by Ongoing row number. A pick
# of a tracked row names the lot: "batch" or "serial" picks the lot of Odoo's stock
# with the most units (the lot name is read at run time).
SALES = [
    {
        "customer": "Karin Lindqvist",
        "lines": [("PAS-SIL-150X210-BLA", 1), ("ORN-SIL-50X60-BLA", 2)],
        "picks": [{"1": 1, "2": 2}],
        "way_bill": "00370712345678901",
    },
    {
        "customer": "Sjöbodens Pensionat AB",
        "lines": [("BAD-VIS-70X140-VIT", 12), ("HAN-VIS-50X70-VIT", 12)],
        "picks": [{"1": 12, "2": 8}, {"2": 4}],
        "way_bill": "00370712345678902",
    },
    {
        "customer": "Kotiliina Oy",
        "lines": [("GRN-OLA-GRA", 20), ("PLD-OLA-130X170-GRA", 4)],
        "picks": [{"1": "batch", "2": 4}],
        "way_bill": "SE240017735",
    },
    {
        "customer": "Wohnkultur Nord GmbH",
        "lines": [("KUD-OLA-50X50-RST", 12), ("DUK-YST-140X250-NAT", 6)],
        "picks": [{"1": 12, "2": 6}],
        "way_bill": "SE240017736",
    },
    {
        "customer": "Lars Bergkvist",
        "lines": [("SYM-HEM-2200", 1)],
        "picks": [{"1": "serial"}],
        "way_bill": "00370712345678903",
    },
]


def sell(demo, customer_name, lines):
    """Confirm a sale with the customer's carrier; wait for its order in Ongoing.

    Returns the sale's id and the delivery's number (Ongoing's order number).
    """
    customer = demo.partner(customer_name)
    carrier = customer["property_delivery_carrier_id"]
    order_id = demo.create(
        "sale.order",
        {
            "partner_id": customer["id"],
            "carrier_id": carrier[0] if carrier else False,
            "order_line": [
                (0, 0, {"product_id": demo.product(code), "product_uom_qty": quantity})
                for code, quantity in lines
            ],
        },
    )
    demo.call("sale.order", "action_confirm", [order_id])
    picking = demo.search_read("stock.picking", [("sale_id", "=", order_id)], ["name"])[0]

    def in_ongoing():
        for order in demo.ongoing_state()["orders"]:
            if order["orderInfo"]["orderNumber"] == picking["name"]:
                return order
        return None

    order = demo.wait_until(f"order {picking['name']} in Ongoing", in_ongoing)
    demo.count("orders_sent")
    if order.get("transporter") and order["transporter"].get("code"):
        demo.count("orders_with_transporter")
    return order_id, picking["name"]


def wait_delivered(demo, order_id, quantity):
    def delivered():
        lines = demo.search_read(
            "sale.order.line", [("order_id", "=", order_id)], ["qty_delivered"]
        )
        return sum(line["qty_delivered"] for line in lines) >= quantity

    demo.wait_until(f"{quantity} units delivered on sale {order_id}", delivered)


def pick_spec(demo, lines, pick):
    """Turn a pick of SALES into the warehouse's pick lines; return them and the lots named."""
    spec, lots = {}, []
    for row, quantity in pick.items():
        code, ordered = lines[int(row) - 1]
        if quantity in ("batch", "serial"):
            in_stock = demo.lots_in_stock(demo.product(code))
            if not in_stock:
                raise DemoError(f"{code} has no lot in stock to pick.")
            lot = max(in_stock, key=in_stock.get)
            spec[row] = [{"quantity": ordered, quantity: lot}]
            lots.append(lot)
        else:
            spec[row] = quantity
    return spec, lots


def deliver(demo, sale):
    order_id, number = sell(demo, sale["customer"], sale["lines"])
    picked = 0
    lots = []
    for index, pick in enumerate(sale["picks"]):
        spec, named = pick_spec(demo, sale["lines"], pick)
        lots += named
        demo.warehouse("pick", order_number=number, lines=spec)
        picked += sum(
            sum(item["quantity"] for item in quantity) if isinstance(quantity, list) else quantity
            for quantity in spec.values()
        )
        last = index == len(sale["picks"]) - 1
        if last:
            demo.warehouse("ship", order_number=number, way_bill=sale["way_bill"])
        wait_delivered(demo, order_id, picked)
        demo.count("deliveries_booked")
        if not last:
            demo.count("partial_deliveries")
    demo.count("lots_delivered", len(lots))
    return order_id, number, lots


def run(demo):
    demo.say(f"sales: {len(SALES)} orders go to the 3PL; one is picked in two goes")
    for sale in SALES:
        order_id, number, lots = deliver(demo, sale)
        pickings = demo.search_read(
            "stock.picking", [("sale_id", "=", order_id)], ["name", "ongoing_order_id"]
        )
        orders = {picking["ongoing_order_id"][0] for picking in pickings}
        demo.say(
            f"sales: {number} to {sale['customer']} delivered in {len(pickings)} part(s) on "
            f"{len(orders)} Ongoing order" + (f", lots {', '.join(lots)}" if lots else "")
        )
