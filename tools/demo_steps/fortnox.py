"""Invoices, a credit note and vendor bills reach the Fortnox simulator.

The week's sales are invoiced and posted, and Odoo exports each invoice to
Fortnox in the background: Swedish VAT for the customers in Sweden, reverse
charge for the companies in Finland and Germany. The blanket a customer sent
back is credited with a credit note, which Fortnox links to its invoice. The
German supplier's bill in EUR comes in a little dearer than ordered: Fortnox
gets it as a supplier invoice, and Odoo revalues the goods received (the
stock vouchers step sends that revaluation). The Swedish importer bills its
sewing machines at the order's price.
"""

from datetime import datetime, timezone

from . import DemoError
from .purchases import PURCHASES
from .returns import PRODUCT as RETURNED_PRODUCT

#: Supplier, its bill's number and the unit prices that differ from the order's.
BILLS = (
    ("LEV-DE-01", "RE-2024-0457", {"PAS-GOT-150X210-NAT": 38.90, "GRN-GOT-NAT": 2.41}),
    ("LEV-SE-01", "F-118842", {}),
)


def wait_exported(demo, move_ids, what):
    def exported():
        rows = demo.search_read("account.move", [("id", "in", move_ids)], ["fortnox_state"])
        failed = [row for row in rows if row["fortnox_state"] in ("failed", "reconnect")]
        if failed:
            move = demo.read("account.move", failed[0]["id"], ["name", "fortnox_error"])
            raise DemoError(f"{move['name']} was not exported to Fortnox: {move['fortnox_error']}")
        return all(row["fortnox_state"] == "exported" for row in rows)

    demo.wait_until(what, exported)


def invoice_sales(demo):
    """Invoice every delivered demo sale; return the posted invoice ids."""
    orders = demo.search_read("sale.order", [("invoice_status", "=", "to invoice")], ["name"])
    order_ids = [order["id"] for order in orders]
    context = {"active_model": "sale.order", "active_ids": order_ids}
    wizard = demo.call(
        "sale.advance.payment.inv",
        "create",
        {"advance_payment_method": "delivered", "sale_order_ids": [(6, 0, order_ids)]},
        context=context,
    )
    demo.call("sale.advance.payment.inv", "create_invoices", [wizard], context=context)
    invoices = demo.search_read(
        "account.move",
        [("move_type", "=", "out_invoice"), ("state", "=", "draft")],
        ["id"],
    )
    invoice_ids = [invoice["id"] for invoice in invoices]
    demo.call("account.move", "action_post", invoice_ids)
    return invoice_ids


def credit_return(demo):
    """Credit the returned blanket on its invoice; return the posted credit note's id."""
    product = demo.search_read(
        "product.product", [("default_code", "=", RETURNED_PRODUCT)], ["id"]
    )[0]["id"]
    returns = demo.search_read(
        "stock.picking",
        [("picking_type_code", "=", "incoming"), ("sale_id", "!=", False)],
        ["sale_id"],
    )
    sale_id = returns[0]["sale_id"][0]
    [invoice] = demo.search_read(
        "account.move",
        [("move_type", "=", "out_invoice"), ("line_ids.sale_line_ids.order_id", "=", sale_id)],
        ["id", "name", "journal_id"],
    )

    context = {"active_model": "account.move", "active_ids": [invoice["id"]]}
    wizard = demo.call(
        "account.move.reversal",
        "create",
        {
            "move_ids": [(6, 0, [invoice["id"]])],
            "journal_id": invoice["journal_id"][0],
            "reason": "Returnerad pläd (ångerrätt)",
        },
        context=context,
    )
    action = demo.call("account.move.reversal", "refund_moves", [wizard], context=context)
    credit_id = action["res_id"]

    lines = demo.search_read(
        "account.move.line",
        [
            ("move_id", "=", credit_id),
            ("product_id", "=", product),
            ("display_type", "=", "product"),
        ],
        ["id"],
    )
    demo.call(
        "account.move",
        "write",
        [credit_id],
        {"invoice_line_ids": [(1, line["id"], {"quantity": 1}) for line in lines]},
    )
    demo.call("account.move", "action_post", [credit_id])
    return credit_id, invoice["name"]


def bill_purchase(demo, supplier, reference, prices):
    """Post the supplier's bill of its purchase, at ``prices`` where given; return the bill's id."""
    [order] = demo.search_read(
        "purchase.order", [("partner_id.ref", "=", supplier)], ["id", "name"], limit=1
    )
    action = demo.call("purchase.order", "action_create_invoice", [order["id"]])
    bill_id = action["res_id"]
    lines = demo.search_read(
        "account.move.line",
        [("move_id", "=", bill_id), ("display_type", "=", "product")],
        ["id", "product_id"],
    )
    codes = {
        row["id"]: row["default_code"]
        for row in demo.search_read(
            "product.product",
            [("id", "in", [line["product_id"][0] for line in lines])],
            ["default_code"],
        )
    }
    today = datetime.now(timezone.utc).date().isoformat()
    demo.call(
        "account.move",
        "write",
        [bill_id],
        {
            "invoice_date": today,
            "ref": reference,
            "invoice_line_ids": [
                (1, line["id"], {"price_unit": prices[codes[line["product_id"][0]]]})
                for line in lines
                if codes[line["product_id"][0]] in prices
            ],
        },
    )
    demo.call("account.move", "action_post", [bill_id])
    return bill_id, order["name"]


def show_fortnox(demo):
    state = demo.fortnox_state()
    customers = {row["CustomerNumber"]: row["Name"] for row in state["customers"]}
    for invoice in state["invoices"]:
        kind = "credit invoice" if invoice["Credit"] else "invoice"
        credited = (
            f", crediting {invoice['CreditInvoiceReference']}"
            if invoice.get("CreditInvoiceReference") and invoice["Credit"]
            else ""
        )
        demo.say(
            f"fortnox: {kind} {invoice['DocumentNumber']} to "
            f"{customers.get(invoice['CustomerNumber'])}: SEK {invoice['Total']:.2f} "
            f"(VAT {invoice['TotalVAT']:.2f}), Odoo {invoice['ExternalInvoiceReference1']}"
            f"{credited}"
        )
    suppliers = {row["SupplierNumber"]: row["Name"] for row in state["suppliers"]}
    for invoice in state["supplier_invoices"]:
        rows = ", ".join(
            f"{row['Account']} {'D' if row['Debit'] else 'C'} {row['Debit'] or row['Credit']:.2f}"
            for row in invoice["SupplierInvoiceRows"]
        )
        demo.say(
            f"fortnox: supplier invoice {invoice['GivenNumber']} from "
            f"{suppliers.get(invoice['SupplierNumber'])}: {invoice['Currency']} "
            f"{invoice['Total']:.2f} at {invoice['CurrencyRate']}, Odoo "
            f"{invoice['OurReference']}; rows in SEK: {rows}"
        )


def run(demo):
    demo.say("fortnox: the week's sales are invoiced; invoices go to Fortnox as they are posted")
    invoice_ids = invoice_sales(demo)
    wait_exported(demo, invoice_ids, "the invoices in Fortnox")
    demo.count("invoices_exported", len(invoice_ids))

    demo.say("fortnox: the returned blanket is credited on its invoice")
    credit_id, invoice_name = credit_return(demo)
    wait_exported(demo, [credit_id], "the credit note in Fortnox")
    demo.count("credit_notes_exported")

    demo.say("fortnox: the suppliers bill their goods; the bill in EUR is a little dearer")
    if {supplier for supplier, _reference, _prices in BILLS} != {
        purchase["supplier"] for purchase in PURCHASES
    }:
        raise DemoError("every purchase of the purchases step needs a bill")
    for supplier, reference, prices in BILLS:
        bill_id, order_name = bill_purchase(demo, supplier, reference, prices)
        wait_exported(demo, [bill_id], f"the vendor bill of {order_name} in Fortnox")
        demo.count("vendor_bills_exported")
        revaluations = demo.search_read(
            "stock.valuation.layer", [("account_move_line_id.move_id", "=", bill_id)], ["value"]
        )
        demo.say(
            f"fortnox: the bill of {order_name} revalued the received goods by SEK "
            f"{sum(layer['value'] for layer in revaluations):.2f} in Odoo"
        )
    demo.say(f"fortnox: the credit note credits {invoice_name}")
    show_fortnox(demo)
