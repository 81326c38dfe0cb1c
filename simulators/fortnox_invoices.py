"""Customer invoices and supplier invoices of the simulated company.

Invoice arithmetic, to the öre (half up):

* a row's amount is ``DeliveredQuantity * Price`` less its discount: a
  PERCENT discount takes that share, an AMOUNT discount takes that sum off the
  row (with the row's sign, so a credited row keeps its discount);
* VAT is computed per rate on the sum of the rows at that rate. With
  ``VATIncluded`` the prices include VAT, which is taken out of that sum;
* ``Net`` is the rows without VAT, ``Gross`` adds freight and the
  administration fee, ``Total`` adds all VAT (and ``RoundOff``, which stays 0
  unless the simulator rounds totals to whole kronor).

Customers with VAT type EUREVERSEDVAT, SEREVERSEDVAT or EXPORT are invoiced
without VAT. Booking an invoice writes a voucher in series B in SEK, using
``CurrencyRate`` per ``CurrencyUnit``.
"""

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal

from .fortnox_errors import (
    ARTICLE_NOT_FOUND,
    CUSTOMER_NOT_FOUND,
    DOCUMENT_STATE,
    INVALID_VALUE,
    NOT_FOUND,
    NUMBER_USED,
    SUPPLIER_INVOICE_UNBALANCED,
    FortnoxApiError,
)
from .fortnox_values import (
    ZERO,
    check_fields,
    check_vat_rate,
    money_json,
    require,
    round_money,
    to_bool,
    to_date,
    to_decimal,
)

ZERO_VAT_TYPES = ("EUREVERSEDVAT", "SEREVERSEDVAT", "EXPORT")

#: Default sales accounts when neither the row nor the article names one.
DEFAULT_SALES_ACCOUNTS = {
    ("SEVAT", 25): 3001,
    ("SEVAT", 12): 3002,
    ("SEVAT", 6): 3003,
    ("SEVAT", 0): 3004,
    ("EUVAT", None): 3106,
    ("EUREVERSEDVAT", "STOCK"): 3108,
    ("EUREVERSEDVAT", "SERVICE"): 3308,
    ("EXPORT", "STOCK"): 3105,
    ("EXPORT", "SERVICE"): 3305,
    ("SEREVERSEDVAT", None): 3231,
}
#: Article account field Fortnox books a row on, per customer VAT type.
ARTICLE_ACCOUNT_BY_VAT_TYPE = {
    "SEVAT": "SalesAccount",
    "SEREVERSEDVAT": "ConstructionAccount",
    "EUVAT": "EUVATAccount",
    "EUREVERSEDVAT": "EUAccount",
    "EXPORT": "ExportAccount",
}
OUTPUT_VAT_ACCOUNTS = {25: 2611, 12: 2621, 6: 2631}
RECEIVABLES_ACCOUNT = 1510
PAYABLES_ACCOUNT = 2440
INPUT_VAT_ACCOUNT = 2641
DEFAULT_PURCHASE_ACCOUNT = 4000
ROUNDING_ACCOUNT = 3740
FREIGHT_VAT_RATE = 25

INVOICE_FIELDS = {
    "AdministrationFee",
    "Address1",
    "Address2",
    "City",
    "Comments",
    "CostCenter",
    "Country",
    "CreditInvoiceReference",
    "Currency",
    "CurrencyRate",
    "CurrencyUnit",
    "CustomerName",
    "CustomerNumber",
    "DeliveryAddress1",
    "DeliveryAddress2",
    "DeliveryCity",
    "DeliveryCountry",
    "DeliveryDate",
    "DeliveryName",
    "DeliveryZipCode",
    "DocumentNumber",
    "DueDate",
    "EUQuarterlyReport",
    "ExternalInvoiceReference1",
    "ExternalInvoiceReference2",
    "Freight",
    "InvoiceDate",
    "InvoiceRows",
    "InvoiceType",
    "Language",
    "NotCompleted",
    "OCR",
    "OurReference",
    "Phone1",
    "Phone2",
    "PriceList",
    "PrintTemplate",
    "Project",
    "Remarks",
    "TermsOfDelivery",
    "TermsOfPayment",
    "VATIncluded",
    "WayOfDelivery",
    "YourOrderNumber",
    "YourReference",
    "ZipCode",
}
INVOICE_READ_ONLY = {
    "@url",
    "AdministrationFeeVAT",
    "Balance",
    "Booked",
    "Cancelled",
    "Credit",
    "FreightVAT",
    "Gross",
    "Net",
    "OrganisationNumber",
    "RoundOff",
    "Sent",
    "Total",
    "TotalToPay",
    "TotalVAT",
    "VATNumber",
    "VATType",
    "VoucherNumber",
    "VoucherSeries",
    "VoucherYear",
}
INVOICE_ROW_FIELDS = {
    "AccountNumber",
    "ArticleNumber",
    "CostCenter",
    "DeliveredQuantity",
    "Description",
    "Discount",
    "DiscountType",
    "Price",
    "Project",
    "Unit",
    "VAT",
}
INVOICE_ROW_READ_ONLY = {
    "ContributionPercent",
    "ContributionValue",
    "PriceExcludingVAT",
    "RowId",
    "Total",
    "TotalExcludingVAT",
}
INVOICE_LIST_FIELDS = (
    "DocumentNumber",
    "CustomerNumber",
    "CustomerName",
    "InvoiceDate",
    "DueDate",
    "Currency",
    "CurrencyRate",
    "CurrencyUnit",
    "ExternalInvoiceReference1",
    "ExternalInvoiceReference2",
    "YourOrderNumber",
    "Total",
    "Balance",
    "Booked",
    "Cancelled",
    "Credit",
    "Sent",
    "OCR",
)

SUPPLIER_INVOICE_FIELDS = {
    "AdministrationFee",
    "Comments",
    "CostCenter",
    "Credit",
    "Currency",
    "CurrencyRate",
    "CurrencyUnit",
    "DisablePaymentFile",
    "DueDate",
    "ExternalInvoiceNumber",
    "ExternalInvoiceSeries",
    "Freight",
    "InvoiceDate",
    "InvoiceNumber",
    "OCR",
    "OurReference",
    "PaymentPending",
    "Project",
    "RoundOffValue",
    "SupplierInvoiceRows",
    "SupplierNumber",
    "Total",
    "VAT",
    "VATType",
    "YourReference",
}
SUPPLIER_INVOICE_READ_ONLY = {
    "@url",
    "Balance",
    "Booked",
    "Cancelled",
    "GivenNumber",
    "SupplierName",
    "VoucherNumber",
    "VoucherSeries",
}
SUPPLIER_INVOICE_ROW_FIELDS = {
    "Account",
    "ArticleNumber",
    "Code",
    "CostCenter",
    "Credit",
    "CreditCurrency",
    "Debit",
    "DebitCurrency",
    "ItemDescription",
    "Price",
    "Project",
    "Quantity",
    "TransactionInformation",
}
SUPPLIER_INVOICE_ROW_READ_ONLY = {"AccountDescription", "Total"}
SUPPLIER_INVOICE_LIST_FIELDS = (
    "GivenNumber",
    "SupplierNumber",
    "SupplierName",
    "InvoiceNumber",
    "InvoiceDate",
    "DueDate",
    "Currency",
    "Total",
    "Balance",
    "Booked",
    "Cancelled",
    "OurReference",
    "YourReference",
    "ExternalInvoiceNumber",
)


def row_amount(quantity, price, discount, discount_type):
    """Return a row's amount to the öre after its discount."""
    amount = quantity * price
    if discount_type == "PERCENT":
        amount = amount * (Decimal(100) - discount) / Decimal(100)
    elif discount:
        amount -= discount if quantity >= 0 else -discount
    return round_money(amount)


def compute_totals(rows, vat_included, freight=ZERO, administration_fee=ZERO, zero_vat=False):
    """Return the invoice sums from rows given as (amount, VAT rate) pairs, in Decimal."""
    by_rate = defaultdict(lambda: ZERO)
    for amount, rate in rows:
        by_rate[0 if zero_vat else rate] += amount

    net = vat = ZERO
    vat_by_rate = {}
    for rate, amount in by_rate.items():
        if vat_included:
            rate_vat = round_money(amount * rate / (100 + rate))
            rate_net = amount - rate_vat
        else:
            rate_net = amount
            rate_vat = round_money(amount * rate / 100)
        net += rate_net
        vat += rate_vat
        vat_by_rate[rate] = vat_by_rate.get(rate, ZERO) + rate_vat

    extras_rate = 0 if zero_vat else FREIGHT_VAT_RATE
    freight_vat = round_money(freight * extras_rate / 100)
    fee_vat = round_money(administration_fee * extras_rate / 100)
    if freight_vat or fee_vat:
        vat_by_rate[extras_rate] = vat_by_rate.get(extras_rate, ZERO) + freight_vat + fee_vat
    gross = net + freight + administration_fee
    total_vat = vat + freight_vat + fee_vat
    return {
        "Net": net,
        "Gross": gross,
        "TotalVAT": total_vat,
        "FreightVAT": freight_vat,
        "AdministrationFeeVAT": fee_vat,
        "Total": gross + total_vat,
        "VATByRate": vat_by_rate,
    }


def to_sek(amount, rate, unit):
    return round_money(amount * rate / unit)


class Invoices:
    """Customer invoices; callers hold the app lock."""

    def __init__(self, company, round_to_krona=False):
        self.company = company
        self.round_to_krona = round_to_krona
        self.records = {}

    def get(self, number):
        invoice = self.records.get(str(number))
        if invoice is None:
            raise FortnoxApiError(f"Kunde inte hitta faktura ({number})", NOT_FOUND, status=404)
        return invoice

    def all(self):
        return list(self.records.values())

    def list_items(self, args):
        items = []
        wanted_filter = args.get("filter")
        today = self.company.today().isoformat()
        for invoice in self.records.values():
            if not self._matches_filter(invoice, wanted_filter, today):
                continue
            if args.get("customernumber") and invoice["CustomerNumber"] != args["customernumber"]:
                continue
            if args.get("fromdate") and invoice["InvoiceDate"] < args["fromdate"]:
                continue
            if args.get("todate") and invoice["InvoiceDate"] > args["todate"]:
                continue
            if self.company.honour_reference_filters and not self._matches_references(
                invoice, args
            ):
                continue
            items.append({key: invoice.get(key) for key in INVOICE_LIST_FIELDS})
        return items

    @staticmethod
    def _matches_references(invoice, args):
        for field in ("ExternalInvoiceReference1", "ExternalInvoiceReference2"):
            wanted = args.get(field.lower())
            if wanted is not None and invoice.get(field) != wanted:
                return False
        return True

    @staticmethod
    def _matches_filter(invoice, wanted_filter, today):
        if not wanted_filter:
            return True
        unpaid = invoice["Balance"] != 0 and not invoice["Cancelled"]
        checks = {
            "cancelled": invoice["Cancelled"],
            "fullypaid": invoice["Balance"] == 0 and not invoice["Cancelled"],
            "unpaid": unpaid,
            "unpaidoverdue": unpaid and invoice["DueDate"] < today,
            "unbooked": not invoice["Booked"] and not invoice["Cancelled"],
        }
        if wanted_filter not in checks:
            raise FortnoxApiError(f"Ogiltigt filter ({wanted_filter})", INVALID_VALUE)
        return checks[wanted_filter]

    # ------------------------------------------------------------------
    # Create and update
    # ------------------------------------------------------------------

    def create(self, payload):
        payload = check_fields(payload, INVOICE_FIELDS, INVOICE_READ_ONLY, "Invoice")
        number = payload.get("DocumentNumber")
        if number in (None, ""):
            number = self._next_number()
        number = str(number).strip()
        if number in self.records:
            raise FortnoxApiError(f"Fakturanummer {number} används redan.", NUMBER_USED)
        invoice = self._build(payload, number, previous=None)
        self.records[number] = invoice
        if invoice["CreditInvoiceReference"]:
            original = self.records[invoice["CreditInvoiceReference"]]
            if not original["CreditInvoiceReference"]:
                original["CreditInvoiceReference"] = number
        return invoice

    def update(self, number, payload):
        invoice = self.get(number)
        self._check_editable(invoice, "ändras")
        payload = check_fields(payload, INVOICE_FIELDS, INVOICE_READ_ONLY, "Invoice")
        if str(payload.get("DocumentNumber", number)) != str(number):
            raise FortnoxApiError("DocumentNumber kan inte ändras", INVALID_VALUE)
        writable_now = {key: invoice[key] for key in INVOICE_FIELDS if key in invoice}
        writable_now["InvoiceRows"] = [
            {key: row[key] for key in INVOICE_ROW_FIELDS if key in row}
            for row in invoice["InvoiceRows"]
        ]
        updated = self._build({**writable_now, **payload}, str(number), previous=invoice)
        invoice.clear()
        invoice.update(updated)
        return invoice

    def _next_number(self):
        numeric = [int(number) for number in self.records if number.isdigit()]
        return str(max(numeric, default=0) + 1)

    def _build(self, payload, number, previous):
        company = self.company
        customer_number = str(require(payload, "CustomerNumber"))
        customer = company.customers.records.get(customer_number)
        if customer is None:
            raise FortnoxApiError(
                f"Kunde inte hitta kund (kundnummer {customer_number})", CUSTOMER_NOT_FOUND
            )

        invoice_date = (
            to_date(payload["InvoiceDate"], "InvoiceDate")
            if payload.get("InvoiceDate")
            else company.today()
        )
        due_date = (
            to_date(payload["DueDate"], "DueDate")
            if payload.get("DueDate")
            else invoice_date + timedelta(days=30)
        )
        currency = company.currencies.check(payload.get("Currency") or customer["Currency"])
        if currency["Code"] == "SEK":
            rate, unit = Decimal(1), Decimal(1)
        else:
            rate = to_decimal(payload.get("CurrencyRate"), "CurrencyRate", default=None)
            rate = Decimal(str(currency["SellRate"])) if rate is None else rate
            unit = to_decimal(
                payload.get("CurrencyUnit"), "CurrencyUnit", Decimal(currency["Unit"])
            )
            if rate <= 0 or unit <= 0:
                raise FortnoxApiError("Valutakursen måste vara större än noll", INVALID_VALUE)
        vat_included = to_bool(payload.get("VATIncluded"), "VATIncluded")
        vat_type = customer["VATType"]
        zero_vat = vat_type in ZERO_VAT_TYPES

        credit_reference = str(payload.get("CreditInvoiceReference") or "").strip()
        if credit_reference in ("", "0"):
            credit_reference = ""
        is_credit = previous["Credit"] if previous else False
        if credit_reference and not (previous and previous["Credit"]):
            original = self.records.get(credit_reference)
            if original is None or original["CustomerNumber"] != customer_number:
                raise FortnoxApiError(
                    f"Kunde inte hitta fakturan som krediteras ({credit_reference})",
                    INVALID_VALUE,
                )
            is_credit = True

        rows, amounts = self._build_rows(payload.get("InvoiceRows") or [], vat_type, zero_vat)
        freight = to_decimal(payload.get("Freight"), "Freight")
        fee = to_decimal(payload.get("AdministrationFee"), "AdministrationFee")
        totals = compute_totals(amounts, vat_included, freight, fee, zero_vat)
        round_off = ZERO
        if self.round_to_krona and currency["Code"] == "SEK":
            round_off = totals["Total"].quantize(Decimal(1)) - totals["Total"]
        total = totals["Total"] + round_off

        invoice = {
            key: payload.get(key)
            for key in INVOICE_FIELDS
            if key not in ("InvoiceRows", "Freight", "AdministrationFee")
        }
        invoice.update(
            {
                "DocumentNumber": number,
                "CustomerNumber": customer_number,
                "CustomerName": payload.get("CustomerName") or customer["Name"],
                "Address1": payload.get("Address1") or customer.get("Address1", ""),
                "ZipCode": payload.get("ZipCode") or customer.get("ZipCode", ""),
                "City": payload.get("City") or customer.get("City", ""),
                "Country": payload.get("Country") or customer.get("Country", ""),
                "OrganisationNumber": customer.get("OrganisationNumber", ""),
                "VATNumber": customer.get("VATNumber", ""),
                "InvoiceDate": invoice_date.isoformat(),
                "DueDate": due_date.isoformat(),
                "Currency": currency["Code"],
                "CurrencyRate": float(rate),
                "CurrencyUnit": float(unit),
                "VATIncluded": vat_included,
                "VATType": vat_type,
                "InvoiceType": payload.get("InvoiceType") or "INVOICE",
                "CreditInvoiceReference": credit_reference if is_credit else "",
                "Credit": is_credit,
                "InvoiceRows": rows,
                "Freight": money_json(freight),
                "AdministrationFee": money_json(fee),
                "FreightVAT": money_json(totals["FreightVAT"]),
                "AdministrationFeeVAT": money_json(totals["AdministrationFeeVAT"]),
                "Net": money_json(totals["Net"]),
                "Gross": money_json(totals["Gross"]),
                "TotalVAT": money_json(totals["TotalVAT"]),
                "RoundOff": money_json(round_off),
                "Total": money_json(total),
                "TotalToPay": money_json(total),
                "Balance": money_json(total),
                "Booked": False,
                "Cancelled": False,
                "Sent": previous["Sent"] if previous else False,
                "VoucherNumber": None,
                "VoucherSeries": None,
                "VoucherYear": None,
            }
        )
        if previous and previous["CreditInvoiceReference"] and not is_credit:
            invoice["CreditInvoiceReference"] = previous["CreditInvoiceReference"]
        return invoice

    def _build_rows(self, rows, vat_type, zero_vat):
        if not isinstance(rows, list):
            raise FortnoxApiError("InvoiceRows måste vara en lista", INVALID_VALUE)
        built = []
        amounts = []
        for index, row in enumerate(rows, start=1):
            row = check_fields(row, INVOICE_ROW_FIELDS, INVOICE_ROW_READ_ONLY, "InvoiceRow")
            article = None
            if row.get("ArticleNumber"):
                article = self.company.articles.records.get(str(row["ArticleNumber"]))
                if article is None:
                    raise FortnoxApiError(
                        f"Kunde inte hitta artikel ({row['ArticleNumber']})", ARTICLE_NOT_FOUND
                    )
            default_vat = article["VAT"] if article else 25
            vat = check_vat_rate(row.get("VAT", default_vat), f"InvoiceRows[{index}].VAT")
            if zero_vat:
                vat = 0
            quantity = to_decimal(row.get("DeliveredQuantity"), "DeliveredQuantity")
            price = to_decimal(row.get("Price"), "Price")
            discount = to_decimal(row.get("Discount"), "Discount")
            discount_type = row.get("DiscountType") or "PERCENT"
            if discount_type not in ("PERCENT", "AMOUNT"):
                raise FortnoxApiError(
                    f"Ogiltig rabattyp ({discount_type}); tillåtna: AMOUNT, PERCENT",
                    INVALID_VALUE,
                )
            if discount_type == "PERCENT" and not ZERO <= discount <= 100:
                raise FortnoxApiError(
                    f"Rabatten måste vara mellan 0 och 100 procent ({discount})", INVALID_VALUE
                )
            account = self._row_account(row, article, vat_type, vat, index)

            amount = row_amount(quantity, price, discount, discount_type)
            amounts.append((amount, Decimal(vat)))
            built.append(
                {
                    "RowId": index,
                    "ArticleNumber": article["ArticleNumber"] if article else "",
                    "Description": row.get("Description")
                    or (article["Description"] if article else ""),
                    "DeliveredQuantity": float(quantity),
                    "Price": float(price),
                    "Discount": float(discount),
                    "DiscountType": discount_type,
                    "VAT": vat,
                    "Unit": row.get("Unit") or (article.get("Unit", "") if article else ""),
                    "AccountNumber": account,
                    "CostCenter": row.get("CostCenter") or "",
                    "Project": row.get("Project") or "",
                    "Total": money_json(amount),
                }
            )
        return built, amounts

    def _row_account(self, row, article, vat_type, vat, index):
        ledger = self.company.ledger
        field = f"InvoiceRows[{index}].AccountNumber"
        if row.get("AccountNumber"):
            return ledger.check_account(row["AccountNumber"], field).number
        if article and article.get(ARTICLE_ACCOUNT_BY_VAT_TYPE[vat_type]):
            return ledger.check_account(
                article[ARTICLE_ACCOUNT_BY_VAT_TYPE[vat_type]], field
            ).number
        article_type = article["Type"] if article else "STOCK"
        for key in ((vat_type, vat), (vat_type, article_type), (vat_type, None)):
            if key in DEFAULT_SALES_ACCOUNTS:
                return ledger.check_account(DEFAULT_SALES_ACCOUNTS[key], field).number
        raise FortnoxApiError(f"Kunde inte hitta konto ({field})", INVALID_VALUE)

    # ------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------

    def _check_editable(self, invoice, action):
        if invoice["Cancelled"]:
            raise FortnoxApiError(
                f"Faktura {invoice['DocumentNumber']} är makulerad och kan inte {action}",
                DOCUMENT_STATE,
            )
        if invoice["Booked"]:
            raise FortnoxApiError(
                f"Faktura {invoice['DocumentNumber']} är bokförd och kan inte {action}",
                DOCUMENT_STATE,
            )

    def bookkeep(self, number):
        invoice = self.get(number)
        self._check_editable(invoice, "bokföras")
        voucher = self.company.ledger.create_voucher(
            self._voucher_for(invoice), requested_year_id=None
        )
        invoice.update(
            Booked=True,
            VoucherNumber=voucher["VoucherNumber"],
            VoucherSeries=voucher["VoucherSeries"],
            VoucherYear=voucher["Year"],
        )
        return invoice

    def _voucher_for(self, invoice):
        """Return the series B voucher payload of an invoice, in SEK."""
        rate = Decimal(str(invoice["CurrencyRate"]))
        unit = Decimal(str(invoice["CurrencyUnit"]))
        amounts = [
            (Decimal(str(row["Total"])), Decimal(row["VAT"])) for row in invoice["InvoiceRows"]
        ]
        totals = compute_totals(
            amounts,
            invoice["VATIncluded"],
            Decimal(str(invoice["Freight"])),
            Decimal(str(invoice["AdministrationFee"])),
            invoice["VATType"] in ZERO_VAT_TYPES,
        )

        lines = defaultdict(lambda: ZERO)  # account -> signed SEK amount, debit positive
        lines[RECEIVABLES_ACCOUNT] += to_sek(Decimal(str(invoice["Total"])), rate, unit)
        for row, (amount, row_rate) in zip(invoice["InvoiceRows"], amounts, strict=True):
            net = amount
            if invoice["VATIncluded"] and invoice["VATType"] not in ZERO_VAT_TYPES:
                net = amount * 100 / (100 + row_rate)
            lines[row["AccountNumber"]] -= to_sek(net, rate, unit)
        extras = Decimal(str(invoice["Freight"])) + Decimal(str(invoice["AdministrationFee"]))
        if extras:
            lines[3540] -= to_sek(extras, rate, unit)
        for vat_rate, vat in totals["VATByRate"].items():
            if vat:
                lines[OUTPUT_VAT_ACCOUNTS[int(vat_rate)]] -= to_sek(vat, rate, unit)
        difference = sum(lines.values(), ZERO)
        if difference:
            lines[ROUNDING_ACCOUNT] -= difference

        rows = []
        for account, amount in lines.items():
            amount = round_money(amount)
            if amount > 0:
                rows.append({"Account": account, "Debit": str(amount), "Credit": "0"})
            elif amount < 0:
                rows.append({"Account": account, "Debit": "0", "Credit": str(-amount)})
        return {
            "VoucherSeries": "B",
            "TransactionDate": invoice["InvoiceDate"],
            "Description": f"Kundfaktura {invoice['DocumentNumber']} {invoice['CustomerName']}",
            "ReferenceNumber": invoice["DocumentNumber"],
            "ReferenceType": "INVOICE",
            "VoucherRows": rows,
        }

    def cancel(self, number):
        invoice = self.get(number)
        self._check_editable(invoice, "makuleras")
        invoice["Cancelled"] = True
        return invoice

    def credit(self, number):
        """Create a credit invoice of a booked invoice; return the original, which refers to it."""
        original = self.get(number)
        if original["Cancelled"]:
            raise FortnoxApiError(
                f"Faktura {number} är makulerad och kan inte krediteras", DOCUMENT_STATE
            )
        if original["Credit"]:
            raise FortnoxApiError(
                f"Faktura {number} är en kreditfaktura och kan inte krediteras", DOCUMENT_STATE
            )
        if original["CreditInvoiceReference"]:
            raise FortnoxApiError(
                f"Faktura {number} är redan krediterad med faktura "
                f"{original['CreditInvoiceReference']}",
                DOCUMENT_STATE,
            )
        # NOTE: assumed from Fortnox's user interface, where an unbooked
        # invoice is cancelled rather than credited.
        if not original["Booked"]:
            raise FortnoxApiError(
                f"Faktura {number} är inte bokförd; makulera den i stället", DOCUMENT_STATE
            )

        payload = {key: original[key] for key in INVOICE_FIELDS if key in original}
        payload.pop("DocumentNumber")
        # NOTE: the references are not copied, so that a search by them finds
        # only the original; Fortnox's behaviour here is not confirmed.
        payload.pop("ExternalInvoiceReference1", None)
        payload.pop("ExternalInvoiceReference2", None)
        payload["InvoiceDate"] = self.company.today().isoformat()
        payload.pop("DueDate", None)
        payload["CreditInvoiceReference"] = original["DocumentNumber"]
        payload["InvoiceRows"] = [
            {
                **{key: row[key] for key in INVOICE_ROW_FIELDS if key in row},
                "DeliveredQuantity": -row["DeliveredQuantity"],
            }
            for row in original["InvoiceRows"]
        ]
        payload["Freight"] = -original["Freight"]
        payload["AdministrationFee"] = -original["AdministrationFee"]
        credit_invoice = self.create(payload)
        original["CreditInvoiceReference"] = credit_invoice["DocumentNumber"]
        return original

    def mark_sent(self, number):
        invoice = self.get(number)
        if invoice["Cancelled"]:
            raise FortnoxApiError(f"Faktura {number} är makulerad", DOCUMENT_STATE)
        invoice["Sent"] = True
        return invoice


class SupplierInvoices:
    """Supplier invoices; amounts on rows are in SEK. Callers hold the app lock."""

    def __init__(self, company):
        self.company = company
        self.records = {}

    def get(self, number):
        invoice = self.records.get(str(number))
        if invoice is None:
            raise FortnoxApiError(
                f"Kunde inte hitta leverantörsfaktura ({number})", NOT_FOUND, status=404
            )
        return invoice

    def all(self):
        return list(self.records.values())

    def list_items(self, args):
        items = []
        for invoice in self.records.values():
            if args.get("suppliernumber") and invoice["SupplierNumber"] != args["suppliernumber"]:
                continue
            wanted_filter = args.get("filter")
            if wanted_filter == "unbooked" and (invoice["Booked"] or invoice["Cancelled"]):
                continue
            if wanted_filter == "cancelled" and not invoice["Cancelled"]:
                continue
            if self.company.honour_reference_filters:
                wanted = args.get("ourreference")
                if wanted is not None and invoice.get("OurReference") != wanted:
                    continue
            items.append({key: invoice.get(key) for key in SUPPLIER_INVOICE_LIST_FIELDS})
        return items

    def create(self, payload):
        company = self.company
        payload = check_fields(
            payload, SUPPLIER_INVOICE_FIELDS, SUPPLIER_INVOICE_READ_ONLY, "SupplierInvoice"
        )
        supplier_number = str(require(payload, "SupplierNumber"))
        supplier = company.suppliers.records.get(supplier_number)
        if supplier is None:
            raise FortnoxApiError(f"Kunde inte hitta leverantör ({supplier_number})", NOT_FOUND)
        invoice_date = (
            to_date(payload["InvoiceDate"], "InvoiceDate")
            if payload.get("InvoiceDate")
            else company.today()
        )
        due_date = (
            to_date(payload["DueDate"], "DueDate")
            if payload.get("DueDate")
            else invoice_date + timedelta(days=30)
        )
        currency = company.currencies.check(payload.get("Currency") or supplier["Currency"])
        rate = to_decimal(payload.get("CurrencyRate"), "CurrencyRate", default=None)
        if currency["Code"] == "SEK":
            rate = Decimal(1)
        elif rate is None:
            rate = Decimal(str(currency["BuyRate"]))
        unit = to_decimal(payload.get("CurrencyUnit"), "CurrencyUnit", Decimal(currency["Unit"]))
        total = round_money(to_decimal(require(payload, "Total"), "Total"))
        vat = round_money(to_decimal(payload.get("VAT"), "VAT"))

        if payload.get("SupplierInvoiceRows"):
            rows = self._check_rows(payload["SupplierInvoiceRows"])
        else:
            rows = self._default_rows(supplier, total, vat, rate, unit)

        number = str(len(self.records) + 1)
        invoice = {key: payload.get(key) for key in SUPPLIER_INVOICE_FIELDS}
        invoice.update(
            {
                "GivenNumber": number,
                "SupplierNumber": supplier_number,
                "SupplierName": supplier["Name"],
                "InvoiceDate": invoice_date.isoformat(),
                "DueDate": due_date.isoformat(),
                "Currency": currency["Code"],
                "CurrencyRate": float(rate),
                "CurrencyUnit": float(unit),
                "Total": float(total),
                "VAT": float(vat),
                "Balance": float(total),
                "Credit": to_bool(payload.get("Credit"), "Credit"),
                "Booked": False,
                "Cancelled": False,
                "SupplierInvoiceRows": rows,
            }
        )
        self.records[number] = invoice
        return invoice

    def _check_rows(self, rows):
        if not isinstance(rows, list):
            raise FortnoxApiError("SupplierInvoiceRows måste vara en lista", INVALID_VALUE)
        checked = []
        debit_total = credit_total = ZERO
        for index, row in enumerate(rows, start=1):
            row = check_fields(
                row, SUPPLIER_INVOICE_ROW_FIELDS, SUPPLIER_INVOICE_ROW_READ_ONLY, "Row"
            )
            account = self.company.ledger.check_account(
                require(row, "Account"), f"SupplierInvoiceRows[{index}].Account"
            )
            debit = round_money(to_decimal(row.get("Debit"), "Debit"))
            credit = round_money(to_decimal(row.get("Credit"), "Credit"))
            debit_total += debit
            credit_total += credit
            checked.append(
                {
                    **row,
                    "Account": account.number,
                    "AccountDescription": account.description,
                    "Debit": float(debit),
                    "Credit": float(credit),
                    "Total": float(debit - credit),
                }
            )
        if debit_total != credit_total:
            raise FortnoxApiError(
                "Leverantörsfakturan balanserar inte", SUPPLIER_INVOICE_UNBALANCED
            )
        return checked

    def _default_rows(self, supplier, total, vat, rate, unit):
        ledger = self.company.ledger
        expense_account = int(supplier.get("PreDefinedAccount") or DEFAULT_PURCHASE_ACCOUNT)
        total_sek = to_sek(total, rate, unit)
        vat_sek = to_sek(vat, rate, unit)
        rows = [
            (PAYABLES_ACCOUNT, ZERO, total_sek),
            (INPUT_VAT_ACCOUNT, vat_sek, ZERO),
            (expense_account, total_sek - vat_sek, ZERO),
        ]
        built = []
        for account_number, debit, credit in rows:
            if not debit and not credit:
                continue
            account = ledger.check_account(account_number, "Account")
            built.append(
                {
                    "Account": account.number,
                    "AccountDescription": account.description,
                    "Debit": float(debit),
                    "Credit": float(credit),
                    "Total": float(debit - credit),
                    "TransactionInformation": "",
                }
            )
        return built

    def bookkeep(self, number):
        invoice = self.get(number)
        if invoice["Booked"] or invoice["Cancelled"]:
            raise FortnoxApiError(
                f"Leverantörsfaktura {number} är redan bokförd eller makulerad", DOCUMENT_STATE
            )
        rows = []
        for row in invoice["SupplierInvoiceRows"]:
            amount = round_money(Decimal(str(row["Debit"])) - Decimal(str(row["Credit"])))
            if not amount:
                continue
            rows.append(
                {
                    "Account": row["Account"],
                    "Debit": str(max(amount, ZERO)),
                    "Credit": str(max(-amount, ZERO)),
                    "TransactionInformation": row.get("TransactionInformation") or "",
                }
            )
        voucher = self.company.ledger.create_voucher(
            {
                "VoucherSeries": "D",
                "TransactionDate": invoice["InvoiceDate"],
                "Description": f"Leverantörsfaktura {number} {invoice['SupplierName']}",
                "ReferenceNumber": number,
                "ReferenceType": "SUPPLIERINVOICE",
                "VoucherRows": rows,
            }
        )
        invoice.update(Booked=True, VoucherNumber=voucher["VoucherNumber"], VoucherSeries="D")
        return invoice

    def cancel(self, number):
        invoice = self.get(number)
        if invoice["Booked"] or invoice["Cancelled"]:
            raise FortnoxApiError(
                f"Leverantörsfaktura {number} är bokförd eller makulerad", DOCUMENT_STATE
            )
        invoice["Cancelled"] = True
        return invoice
