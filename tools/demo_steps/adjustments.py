"""Real-time stock: a write-off in the warehouse reaches Odoo within a minute.

The warehouse writes off damaged goods in Ongoing; its inventory webhook wakes
Odoo, which books the adjustment (the polling cron would within a minute).
"""

import time

ARTICLE = "HT-PLD-02"
WRITE_OFF = 2


def on_hand(demo, product_id, location_id):
    row = demo.call(
        "product.product",
        "read",
        [product_id],
        ["qty_available"],
        context={"location": location_id},
    )[0]
    return row["qty_available"]


def run(demo):
    demo.say(f"real-time stock: the warehouse writes off {WRITE_OFF} damaged {ARTICLE}")
    product_id = demo.search_read("product.product", [("default_code", "=", ARTICLE)], ["id"])[0][
        "id"
    ]
    stock_id = demo.read("stock.warehouse", demo.setup["warehouse_id"], ["lot_stock_id"])[
        "lot_stock_id"
    ][0]
    before = on_hand(demo, product_id, stock_id)

    started = time.monotonic()
    demo.warehouse(
        "adjust",
        article_number=ARTICLE,
        delta=-WRITE_OFF,
        cause="DAMAGED",
        comment="Vattenskadad vid inleverans",
    )
    demo.wait_until(
        "the write-off in Odoo",
        lambda: on_hand(demo, product_id, stock_id) <= before - WRITE_OFF,
        timeout=60,
    )
    seconds = time.monotonic() - started
    demo.count("Odoo", "warehouse adjustments booked")
    after = before - WRITE_OFF
    demo.say(f"real-time stock: Odoo's stock went from {before:g} to {after:g} in {seconds:.1f} s")
