"""The catalogue goes to Ongoing, and the warehouse starts with the same stock as Odoo.

The data set's products and opening stock are in Odoo before the server
starts. A manager presses Send All Articles on the backend, Odoo sends the 200
articles in the background, and the warehouse then counts in the opening
stock: the same quantity of each article, lot and serial number as Odoo's.
"""

from . import DemoError


def send_articles(demo, expected):
    backend_id = demo.setup["backend_id"]
    demo.call("ongoing.backend", "action_ongoing_export_articles", [backend_id])

    def all_synced():
        failed = demo.search_read(
            "ongoing.article", [("sync_state", "=", "failed")], ["product_id", "sync_error"]
        )
        if failed:
            raise DemoError(
                f"Ongoing rejected the article {failed[0]['product_id'][1]}: "
                f"{failed[0]['sync_error']}"
            )
        synced = demo.call("ongoing.article", "search_count", [("sync_state", "=", "synced")])
        return synced if synced >= expected else None

    synced = demo.wait_until(f"{expected} articles synced with Ongoing", all_synced)
    in_ongoing = len(demo.ongoing_state()["articles"])
    if in_ongoing != synced:
        raise DemoError(f"Odoo has {synced} articles synced, but Ongoing contains {in_ongoing}.")
    return synced


def opening_stock(demo):
    """Return [(article number, quantity, batch, serial)] of Odoo's stock in the warehouse."""
    quants = demo.search_read(
        "stock.quant",
        [("location_id", "=", demo.stock_location()), ("quantity", ">", 0)],
        ["product_id", "lot_id", "quantity"],
        order="id",
    )
    products = {
        row["id"]: row
        for row in demo.search_read(
            "product.product",
            [("id", "in", list({quant["product_id"][0] for quant in quants}))],
            ["default_code", "tracking"],
        )
    }
    rows = []
    for quant in quants:
        product = products[quant["product_id"][0]]
        lot = quant["lot_id"][1] if quant["lot_id"] else None
        rows.append(
            (
                product["default_code"],
                quant["quantity"],
                lot if product["tracking"] == "lot" else None,
                lot if product["tracking"] == "serial" else None,
            )
        )
    return rows


def run(demo):
    data_set = demo.setup["data_set"]
    for key in ("products", "lot_products", "serial_products", "customers", "eu_customers"):
        demo.count(key, data_set[key])

    demo.say(f"catalogue: Send All Articles sends the {data_set['products']} products to Ongoing")
    demo.count("articles_sent", send_articles(demo, data_set["products"]))

    rows = opening_stock(demo)
    for article_number, quantity, batch, serial in rows:
        demo.warehouse(
            "set_stock",
            article_number=article_number,
            quantity=quantity,
            batch=batch,
            serial=serial,
        )
    units = sum(quantity for _number, quantity, _batch, _serial in rows)
    demo.say(
        f"catalogue: the warehouse counts in the opening stock: {units:g} units in {len(rows)} "
        f"article, lot and serial number rows, as in Odoo"
    )
