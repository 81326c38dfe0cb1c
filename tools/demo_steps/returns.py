"""A customer return: the parcel arrives at the 3PL without an Odoo return first.

The warehouse registers the return on the original order in Ongoing; Odoo
creates and validates the return with its own return wizard (refund on), so
the sale's delivered quantity drops, and acknowledges it to Ongoing.
"""

from . import sales

PRODUCT = "PLD-OLA-130X170-NAT"


def wait_returned(demo, order_id, delivered):
    def booked():
        lines = demo.search_read(
            "sale.order.line", [("order_id", "=", order_id)], ["qty_delivered"]
        )
        return sum(line["qty_delivered"] for line in lines) == delivered

    demo.wait_until(f"the return booked on sale {order_id}", booked)


def wait_acknowledged(demo, order_number, quantity):
    def acknowledged():
        for order in demo.ongoing_state()["orders"]:
            if order["orderInfo"]["orderNumber"] == order_number:
                line = order["orderLines"][0]
                return line["reportedReturnedNumberOfItems"] == quantity
        return False

    demo.wait_until(f"the return acknowledged on order {order_number} in Ongoing", acknowledged)


def run(demo):
    demo.say(
        "returns: a sixth sale, two blankets, is delivered; the customer sends one back "
        "without telling Odoo first"
    )
    order_id, order_number = sales.sell(demo, "Erik Sjöberg", [(PRODUCT, 2)])
    demo.warehouse("pick", order_number=order_number, lines={"1": 2})
    demo.warehouse("ship", order_number=order_number, way_bill="00370712345678904")
    sales.wait_delivered(demo, order_id, 2)
    demo.count("deliveries_booked")

    demo.warehouse("register_return", order_number=order_number, lines={"1": 1}, cause="REGRET")
    wait_returned(demo, order_id, 1)
    wait_acknowledged(demo, order_number, 1)
    demo.count("returns_booked")

    returns = demo.search_read(
        "stock.picking",
        [("sale_id", "=", order_id), ("picking_type_code", "=", "incoming")],
        ["name", "state", "location_dest_id"],
    )
    for picking in returns:
        demo.say(
            f"returns: {picking['name']} is {picking['state']}, into "
            f"{picking['location_dest_id'][1]}; the sale now counts 1 delivered"
        )
