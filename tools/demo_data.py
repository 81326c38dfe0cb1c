"""The demo's data set: a Swedish home-textile company, its catalogue, customers and suppliers.

``load(env, company, warehouse)`` writes it straight into the database before
the demo's server starts, because it is set-up data that no integration would
send. It holds the company's details and 200 storable products in categories
with automated AVCO valuation, a few of them tracked by lot or serial number.
It counts in the opening stock in Odoo and creates customers in Sweden,
Finland and Germany, two suppliers (one invoicing in EUR) and the carriers
with their Ongoing transporter codes.
The demo flow then sends the articles to Ongoing and sets the same opening
stock there.

Every figure is invented and deterministic: organisation, VAT and EAN numbers
carry valid check digits so that Odoo's checks accept them, but they belong to
no real company.
"""

import random
from datetime import timedelta

from stdnum import ean

from odoo import fields

PRODUCT_COUNT = 200
# The opening stock is counted before the first day the stock vouchers cover, so it
# is already in Fortnox's books and the vouchers carry only the demo's week.
OPENING_STOCK_DAYS_AGO = 8
# Invented GS1 company prefix in Sweden's range (730-739).
BARCODE_PREFIX = "735006"

COMPANY = {
    "name": "Nordisk Hemtextil AB",
    "street": "Varbergsvägen 21",
    "zip": "506 30",
    "city": "Borås",
    "phone": "+46 33 20 14 50",
    "email": "order@nordiskhemtextil.example",
    "website": "https://nordiskhemtextil.example",
    "company_registry": "556812-3409",
    "vat": "SE556812340901",
}

COLOURS = {
    "VIT": "vit",
    "NAT": "naturvit",
    "GRA": "grå",
    "ANT": "antracit",
    "BEI": "linnebeige",
    "BLA": "dimblå",
    "GRO": "salviagrön",
    "ROS": "rosa",
    "RST": "rost",
    "OCK": "ockra",
}

# Category name: (HS code, country of origin) of its goods, for Ongoing's customs data.
CATEGORIES = {
    "Sängkläder": ("6302.31", "LT"),
    "Badrum": ("6302.60", "PT"),
    "Vardagsrum": ("6301.20", "SE"),
    "Kök och dukning": ("6302.51", "LT"),
    "Gardiner": ("6303.92", "PL"),
    "Mattor": ("5705.00", "SE"),
    "Garn": ("5109.10", "SE"),
    "Symaskiner": ("8452.10", "JP"),
}

# One series is a product line in sizes and colours. A size is (label, price in SEK
# excluding VAT, weight in kg); "" is a product without size.
SERIES = [
    # code, category, name, sizes, colours
    (
        "PAS-SIL",
        "Sängkläder",
        "Påslakan Siljan, bomullssatin",
        [("150x210", 499, 0.9), ("220x220", 699, 1.3)],
        ["VIT", "NAT", "GRA", "BLA", "GRO"],
    ),
    (
        "PAS-GOT",
        "Sängkläder",
        "Påslakan Gotland, linne",
        [("150x210", 899, 1.1), ("220x220", 1199, 1.6)],
        ["NAT", "BEI", "RST", "ANT"],
    ),
    (
        "ORN-SIL",
        "Sängkläder",
        "Örngott Siljan, bomullssatin",
        [("50x60", 149, 0.2)],
        ["VIT", "NAT", "GRA", "BLA", "GRO"],
    ),
    (
        "ORN-GOT",
        "Sängkläder",
        "Örngott Gotland, linne",
        [("50x60", 249, 0.25)],
        ["NAT", "BEI", "RST", "ANT"],
    ),
    (
        "LAK-SIL",
        "Sängkläder",
        "Lakan Siljan, bomullssatin",
        [("150x260", 349, 0.8), ("240x260", 499, 1.2)],
        ["VIT", "NAT", "GRA"],
    ),
    (
        "DPL-MOR",
        "Sängkläder",
        "Dra-på-lakan Mora, bomullstrikå",
        [("90x200", 249, 0.6), ("120x200", 299, 0.7), ("160x200", 349, 0.9), ("180x200", 399, 1.0)],
        ["VIT", "GRA", "BLA"],
    ),
    (
        "PAS-VAD",
        "Sängkläder",
        "Påslakan Vadstena, perkal",
        [("150x210", 449, 0.9), ("220x220", 649, 1.3)],
        ["VIT", "ROS", "OCK"],
    ),
    (
        "ORN-VAD",
        "Sängkläder",
        "Örngott Vadstena, perkal",
        [("50x60", 129, 0.2)],
        ["VIT", "ROS", "OCK"],
    ),
    (
        "LAK-GOT",
        "Sängkläder",
        "Lakan Gotland, linne",
        [("150x260", 749, 1.0), ("240x260", 999, 1.5)],
        ["NAT", "BEI"],
    ),
    (
        "OVK-RAT",
        "Sängkläder",
        "Överkast Rättvik, bomull",
        [("160x260", 899, 2.1), ("260x260", 1299, 3.2)],
        ["GRA", "GRO", "RST", "NAT"],
    ),
    (
        "BAD-VIS",
        "Badrum",
        "Badlakan Visby, frotté",
        [("70x140", 249, 0.7), ("100x150", 349, 1.0)],
        ["VIT", "GRA", "BLA", "GRO", "ROS"],
    ),
    (
        "HAN-VIS",
        "Badrum",
        "Handduk Visby, frotté",
        [("50x70", 129, 0.3)],
        ["VIT", "GRA", "BLA", "GRO", "ROS"],
    ),
    (
        "GAS-VIS",
        "Badrum",
        "Gästhandduk Visby, frotté",
        [("30x50", 69, 0.1)],
        ["VIT", "GRA", "BLA", "GRO", "ROS"],
    ),
    (
        "BAD-SMO",
        "Badrum",
        "Badlakan Smögen, våffelbomull",
        [("70x140", 279, 0.5), ("100x150", 379, 0.8)],
        ["VIT", "NAT", "ANT"],
    ),
    (
        "HAN-SMO",
        "Badrum",
        "Handduk Smögen, våffelbomull",
        [("50x70", 139, 0.2)],
        ["VIT", "NAT", "ANT"],
    ),
    (
        "BMA-KIV",
        "Badrum",
        "Badrumsmatta Kivik, bomull",
        [("50x80", 229, 0.8), ("60x90", 279, 1.0)],
        ["VIT", "GRA", "GRO"],
    ),
    (
        "MRO-BAS",
        "Badrum",
        "Morgonrock Båstad, frotté",
        [("S/M", 599, 1.2), ("L/XL", 599, 1.4)],
        ["VIT", "GRA"],
    ),
    (
        "BAD-TOR",
        "Badrum",
        "Badlakan Torekov, linne",
        [("70x140", 449, 0.5), ("100x150", 599, 0.7)],
        ["NAT", "BEI"],
    ),
    ("HAN-TOR", "Badrum", "Handduk Torekov, linne", [("50x70", 199, 0.2)], ["NAT"]),
    (
        "KUD-OLA",
        "Vardagsrum",
        "Kuddfodral Öland, ull",
        [("50x50", 299, 0.3)],
        ["GRA", "ANT", "NAT", "RST", "OCK", "GRO"],
    ),
    (
        "PLD-OLA",
        "Vardagsrum",
        "Pläd Öland, ull",
        [("130x170", 799, 1.1)],
        ["GRA", "ANT", "NAT", "RST", "OCK", "GRO"],
    ),
    (
        "KUD-LEK",
        "Vardagsrum",
        "Kuddfodral Leksand, sammet",
        [("45x45", 229, 0.25), ("50x50", 259, 0.3)],
        ["BLA", "GRO", "ROS", "OCK"],
    ),
    (
        "PLD-ABI",
        "Vardagsrum",
        "Pläd Abisko, alpacka",
        [("130x180", 1490, 0.9)],
        ["NAT", "GRA", "ANT"],
    ),
    (
        "INK-KIR",
        "Vardagsrum",
        "Innerkudde Kiruna, dun och fjäder",
        [("45x45", 199, 0.5), ("50x50", 229, 0.6)],
        [None],
    ),
    (
        "FIL-FAL",
        "Vardagsrum",
        "Filt Falun, bomull",
        [("150x200", 499, 1.3)],
        ["GRA", "RST", "BLA", "NAT", "GRO"],
    ),
    (
        "DUK-YST",
        "Kök och dukning",
        "Duk Ystad, linne",
        [("140x180", 449, 0.6), ("140x250", 599, 0.8)],
        ["VIT", "NAT", "BEI"],
    ),
    (
        "LOP-YST",
        "Kök och dukning",
        "Löpare Ystad, linne",
        [("40x150", 229, 0.2)],
        ["VIT", "NAT", "BEI"],
    ),
    (
        "SER-YST",
        "Kök och dukning",
        "Servetter Ystad, linne, 4-pack",
        [("45x45", 249, 0.3)],
        ["VIT", "NAT", "BEI", "GRO"],
    ),
    (
        "KHA-SIG",
        "Kök och dukning",
        "Kökshanddukar Sigtuna, halvlinne, 2-pack",
        [("50x70", 149, 0.3)],
        ["GRA", "RST", "BLA"],
    ),
    (
        "FKL-SIG",
        "Kök och dukning",
        "Förkläde Sigtuna, bomull",
        [("", 299, 0.3)],
        ["ANT", "RST", "GRO"],
    ),
    (
        "GRY-SIG",
        "Kök och dukning",
        "Grytlappar Sigtuna, bomull, 2-pack",
        [("", 99, 0.1)],
        ["ANT", "RST", "GRO"],
    ),
    (
        "VAX-SKA",
        "Kök och dukning",
        "Vaxduk Skåne, bomull",
        [("140x180", 399, 0.7), ("140x250", 499, 0.9)],
        ["VIT", "GRA"],
    ),
    (
        "TAB-KIV",
        "Kök och dukning",
        "Bordstabletter Kivik, linne, 2-pack",
        [("35x45", 179, 0.2)],
        ["NAT", "GRA", "RST"],
    ),
    (
        "KHA-YST",
        "Kök och dukning",
        "Kökshandduk Ystad, linne",
        [("50x70", 129, 0.15)],
        ["NAT", "BEI", "VIT"],
    ),
    (
        "GAR-DAL",
        "Gardiner",
        "Gardinlängder Dalarna, linne, 2-pack",
        [("140x240", 799, 1.4)],
        ["VIT", "NAT", "BEI", "GRA"],
    ),
    (
        "GAR-BAS",
        "Gardiner",
        "Gardinlängder Båstad, voile, 2-pack",
        [("140x240", 399, 0.6)],
        ["VIT", "NAT"],
    ),
    (
        "KPA-DAL",
        "Gardiner",
        "Gardinkappa Dalarna, linne",
        [("40x250", 249, 0.3)],
        ["VIT", "NAT", "BEI"],
    ),
    (
        "MGA-ARE",
        "Gardiner",
        "Mörkläggningsgardiner Åre, 2-pack",
        [("140x240", 899, 2.0)],
        ["GRA", "ANT", "BLA"],
    ),
    (
        "TRA-RAT",
        "Mattor",
        "Trasmatta Rättvik, bomull",
        [("70x200", 449, 1.8), ("70x300", 599, 2.7)],
        ["GRA", "BLA"],
    ),
    (
        "ULL-ARE",
        "Mattor",
        "Ullmatta Åre, handvävd",
        [("160x230", 4990, 9.5), ("200x300", 7990, 15.0)],
        ["NAT", "GRA"],
    ),
]

# Yarn is dyed in batches whose shades differ a little, so it is tracked by dye batch.
YARN = [
    # code, name, colour, price, weight, dye batches (name, opening quantity)
    ("GRN-OLA-NAT", "Ullgarn Öland, 100 g", "NAT", 69, 0.1, [("FB2409-03", 60), ("FB2410-11", 80)]),
    ("GRN-OLA-GRA", "Ullgarn Öland, 100 g", "GRA", 69, 0.1, [("FB2409-05", 50), ("FB2410-14", 70)]),
    ("GRN-OLA-RST", "Ullgarn Öland, 100 g", "RST", 69, 0.1, [("FB2410-02", 90)]),
    (
        "GRN-GOT-NAT",
        "Lingarn Gotland, 50 g",
        "NAT",
        59,
        0.05,
        [("FB2408-21", 40), ("FB2410-07", 60)],
    ),
    ("GRN-GOT-BEI", "Lingarn Gotland, 50 g", "BEI", 59, 0.05, [("FB2410-08", 75)]),
]

SEWING_MACHINES = [
    # code, name, price, weight, serial numbers in stock
    (
        "SYM-HEM-2200",
        "Symaskin Hemma 2200",
        2990,
        6.5,
        ["HM22-240311", "HM22-240312", "HM22-240318"],
    ),
    ("SYM-ATE-5400", "Symaskin Ateljé 5400", 6490, 8.2, ["AT54-240102", "AT54-240107"]),
    ("OVL-KAN-4D", "Overlockmaskin Kant 4D", 4990, 7.4, ["KA4D-231120", "KA4D-231127"]),
]

CARRIERS = [
    # name, Ongoing transporter code, service code
    ("PostNord MyPack Collect", "PLAB", "P19"),
    ("PostNord Parcel", "PLAB", "P18"),
    ("PostNord Pallet", "PLAB", "P52"),
    ("DB Schenker Parcel", "SBTL", "BPA"),
]

CUSTOMERS = [
    # Private customers in Sweden: Swedish VAT, delivered to a parcel point.
    {
        "name": "Karin Lindqvist",
        "street": "Drottninggatan 12",
        "zip": "111 51",
        "city": "Stockholm",
        "email": "karin.lindqvist@example.com",
        "carrier": "PostNord MyPack Collect",
    },
    {
        "name": "Erik Sjöberg",
        "street": "Kungsportsavenyen 3",
        "zip": "411 36",
        "city": "Göteborg",
        "email": "erik.sjoberg@example.com",
        "carrier": "PostNord MyPack Collect",
    },
    {
        "name": "Maja Holmström",
        "street": "Södra Förstadsgatan 40",
        "zip": "211 43",
        "city": "Malmö",
        "email": "maja.holmstrom@example.com",
        "carrier": "PostNord MyPack Collect",
    },
    {
        "name": "Lars Bergkvist",
        "street": "Storgatan 52",
        "zip": "903 26",
        "city": "Umeå",
        "email": "lars.bergkvist@example.com",
        "carrier": "PostNord MyPack Collect",
    },
    {
        "name": "Sofia Nyberg",
        "street": "Svartbäcksgatan 8",
        "zip": "753 20",
        "city": "Uppsala",
        "email": "sofia.nyberg@example.com",
        "carrier": "PostNord MyPack Collect",
    },
    # Companies in Sweden.
    {
        "name": "Sjöbodens Pensionat AB",
        "is_company": True,
        "street": "Hamnen 4",
        "zip": "450 71",
        "city": "Smögen",
        "email": "bokning@sjoboden.example",
        "company_registry": "556734-5615",
        "vat": "SE556734561501",
        "carrier": "PostNord Parcel",
    },
    {
        "name": "Inredningsbutiken Linnea AB",
        "is_company": True,
        "street": "Stora Södergatan 17",
        "zip": "222 23",
        "city": "Lund",
        "email": "inkop@linnea.example",
        "company_registry": "556901-2379",
        "vat": "SE556901237901",
        "carrier": "PostNord Parcel",
    },
    {
        "name": "Konferensgården Tallbacken AB",
        "is_company": True,
        "street": "Tallbacksvägen 2",
        "zip": "793 31",
        "city": "Leksand",
        "email": "info@tallbacken.example",
        "company_registry": "556645-7825",
        "vat": "SE556645782501",
        "carrier": "PostNord Pallet",
    },
    # Companies elsewhere in the EU: reverse charge (Odoo's EU B2B fiscal position).
    {
        "name": "Kotiliina Oy",
        "is_company": True,
        "street": "Mannerheimintie 12",
        "zip": "00100",
        "city": "Helsinki",
        "country": "base.fi",
        "email": "osto@kotiliina.example",
        "vat": "FI28745610",
        "fiscal_position": "fp_euro_b2b",
        "carrier": "DB Schenker Parcel",
    },
    {
        "name": "Wohnkultur Nord GmbH",
        "is_company": True,
        "street": "Schanzenstraße 41",
        "zip": "20357",
        "city": "Hamburg",
        "country": "base.de",
        "email": "einkauf@wohnkultur.example",
        "vat": "DE812365476",
        "fiscal_position": "fp_euro_b2b",
        "carrier": "DB Schenker Parcel",
    },
]

SUPPLIERS = [
    {
        "name": "Leinenweberei Hofmann GmbH",
        "ref": "LEV-DE-01",
        "street": "Herforder Straße 130",
        "zip": "33609",
        "city": "Bielefeld",
        "country": "base.de",
        "vat": "DE294751039",
        "email": "vertrieb@hofmann-leinen.example",
        "currency": "base.EUR",
    },
    {
        "name": "Nordisk Symaskinsimport AB",
        "ref": "LEV-SE-01",
        "street": "Kungsvägen 8",
        "zip": "561 31",
        "city": "Huskvarna",
        "company_registry": "556523-4191",
        "vat": "SE556523419101",
        "email": "order@symaskinsimport.example",
    },
]


def catalogue():
    """Return the 200 products as dicts: code, name, category, prices, weight, stock."""
    rng = random.Random(20241104)
    products = []
    for code, category, name, sizes, colours in SERIES:
        for size, price, weight in sizes:
            for colour in colours:
                parts = [code, size.upper().replace("/", "") or None, colour]
                label = ", ".join(filter(None, [name, f"{size} cm" if "x" in size else size]))
                products.append(
                    {
                        "code": "-".join(filter(None, parts)),
                        "name": f"{label}, {COLOURS[colour]}" if colour else label,
                        "category": category,
                        "price": price,
                        "weight": weight,
                        "stock": rng.randint(4, 12) if price > 2000 else rng.randint(20, 90),
                    }
                )
    for code, name, colour, price, weight, batches in YARN:
        products.append(
            {
                "code": code,
                "name": f"{name}, {COLOURS[colour]}",
                "category": "Garn",
                "price": price,
                "weight": weight,
                "tracking": "lot",
                "lots": batches,
            }
        )
    for code, name, price, weight, serials in SEWING_MACHINES:
        products.append(
            {
                "code": code,
                "name": name,
                "category": "Symaskiner",
                "price": price,
                "weight": weight,
                "tracking": "serial",
                "lots": [(serial, 1) for serial in serials],
            }
        )

    for index, product in enumerate(products, start=1):
        # Buying prices are 38-48 % of the selling price, to the öre.
        product["cost"] = round(product["price"] * rng.uniform(0.38, 0.48), 2)
        body = f"{BARCODE_PREFIX}{index:06d}"
        product["barcode"] = body + ean.calc_check_digit(body)
    codes = {product["code"] for product in products}
    if len(products) != PRODUCT_COUNT or len(codes) != PRODUCT_COUNT:
        raise ValueError(
            f"The catalogue has {len(products)} products and {len(codes)} distinct codes, "
            f"not {PRODUCT_COUNT}."
        )
    return products


def load(env, company, warehouse):
    """Write the data set into the database; return what the demo flow needs to know."""
    configure_company(env, company)
    categories = create_categories(env, company)
    products = create_products(env, categories)
    set_opening_stock(env, company, warehouse, products)
    carriers = create_carriers(env)
    create_customers(env, company, carriers)
    create_suppliers(env)
    trackings = [product.get("tracking") for _record, product in products]
    return {
        "products": len(products),
        "lot_products": trackings.count("lot"),
        "serial_products": trackings.count("serial"),
        "customers": len(CUSTOMERS),
        "eu_customers": sum(1 for customer in CUSTOMERS if customer.get("fiscal_position")),
    }


def configure_company(env, company):
    company.write(
        {key: value for key, value in COMPANY.items() if key != "company_registry"}
        | {"country_id": env.ref("base.se").id}
    )
    company.company_registry = COMPANY["company_registry"]
    # Lots and serial numbers show on transfers only with this setting on.
    env["res.config.settings"].create({"group_stock_production_lot": True}).execute()


def create_categories(env, company):
    """Create a category per product family with automated AVCO valuation and the stock accounts."""
    parent = env.ref("product.product_category_all").with_company(company)
    accounts = {
        name: parent[name]
        for name in (
            "property_stock_valuation_account_id",
            "property_stock_account_input_categ_id",
            "property_stock_account_output_categ_id",
            "property_stock_journal",
        )
    }
    categories = {}
    for name in CATEGORIES:
        category = env["product.category"].create({"name": name, "parent_id": parent.id})
        category.with_company(company).write(
            {"property_valuation": "real_time", "property_cost_method": "average", **accounts}
        )
        categories[name] = category
    return categories


def create_products(env, categories):
    values = []
    for product in catalogue():
        hs_code, origin = CATEGORIES[product["category"]]
        values.append(
            {
                "name": product["name"],
                "default_code": product["code"],
                "barcode": product["barcode"],
                "categ_id": categories[product["category"]].id,
                "is_storable": True,
                "tracking": product.get("tracking", "none"),
                "list_price": product["price"],
                "standard_price": product["cost"],
                "weight": product["weight"],
                "hs_code": hs_code,
                "country_of_origin": env.ref(f"base.{origin.lower()}").id,
            }
        )
    # The flow sends all articles at once with the backend's Send All Articles button.
    records = env["product.product"].with_context(ongoing_no_article_sync=True).create(values)
    return list(zip(records, catalogue(), strict=True))


def set_opening_stock(env, company, warehouse, products):
    """Count the opening stock into the warehouse, valued at cost, before the demo's week."""
    counted = fields.Date.context_today(env.user) - timedelta(days=OPENING_STOCK_DAYS_AGO)
    quant_values = []
    for record, product in products:
        lots = product.get("lots") or [(None, product["stock"])]
        for lot_name, quantity in lots:
            lot = (
                env["stock.lot"].create(
                    {"name": lot_name, "product_id": record.id, "company_id": company.id}
                )
                if lot_name
                else env["stock.lot"]
            )
            quant_values.append(
                {
                    "product_id": record.id,
                    "location_id": warehouse.lot_stock_id.id,
                    "lot_id": lot.id,
                    "inventory_quantity": quantity,
                    "accounting_date": counted,
                }
            )
    quants = env["stock.quant"].with_context(inventory_mode=True).create(quant_values)
    quants.with_context(inventory_name="Ingående lager")._apply_inventory()


def create_carriers(env):
    freight = env["product.product"].create(
        {"name": "Frakt", "default_code": "FRAKT", "type": "service", "list_price": 0.0}
    )
    carriers = {}
    for name, code, service in CARRIERS:
        carriers[name] = env["delivery.carrier"].create(
            {
                "name": name,
                "product_id": freight.id,
                "delivery_type": "fixed",
                "fixed_price": 0.0,
                "ongoing_transporter_code": code,
                "ongoing_transporter_service_code": service,
            }
        )
    return carriers


def create_customers(env, company, carriers):
    chart = env["account.chart.template"].with_company(company)
    for customer in CUSTOMERS:
        values = {
            key: value
            for key, value in customer.items()
            if key not in ("country", "fiscal_position", "carrier")
        }
        values["country_id"] = env.ref(customer.get("country", "base.se")).id
        values["customer_rank"] = 1
        if customer.get("fiscal_position"):
            values["property_account_position_id"] = chart.ref(customer["fiscal_position"]).id
        values["property_delivery_carrier_id"] = carriers[customer["carrier"]].id
        env["res.partner"].create(values)


def create_suppliers(env):
    for supplier in SUPPLIERS:
        values = {
            key: value for key, value in supplier.items() if key not in ("country", "currency")
        }
        values.update(
            {
                "is_company": True,
                "supplier_rank": 1,
                "country_id": env.ref(supplier.get("country", "base.se")).id,
            }
        )
        if supplier.get("currency"):
            currency = env.ref(supplier["currency"])
            currency.active = True
            values["property_purchase_currency_id"] = currency.id
        env["res.partner"].create(values)
