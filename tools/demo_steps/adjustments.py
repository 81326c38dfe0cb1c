"""Real-time stock: a write-off in the warehouse reaches Odoo within a minute.

The warehouse writes off damaged goods in Ongoing; its inventory webhook wakes
Odoo, which books the adjustment (the polling cron would within a minute).
"""

import time

ARTICLE = "BAD-VIS-70X140-GRA"
WRITE_OFF = 2
WITHIN_SECONDS = 60


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
    product_id = demo.product(ARTICLE)
    stock_id = demo.stock_location()
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
        timeout=WITHIN_SECONDS,
    )
    seconds = time.monotonic() - started
    demo.count("write_offs_within_minute")
    after = before - WRITE_OFF
    demo.say(f"real-time stock: Odoo's stock went from {before:g} to {after:g} in {seconds:.1f} s")
