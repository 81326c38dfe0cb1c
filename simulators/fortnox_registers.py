"""Customers, articles, suppliers and currencies of the simulated company.

Each register keeps Fortnox's field names, assigns the next free number when
a new record comes without one, rejects field names Fortnox does not know and
checks the references (accounts, currencies, VAT rates) Fortnox checks.
"""

import copy
import re
from datetime import date

from .fortnox_errors import (
    CUSTOMER_NUMBER_USED,
    INVALID_VALUE,
    NOT_FOUND,
    NUMBER_USED,
    UNKNOWN_CURRENCY,
    FortnoxApiError,
)
from .fortnox_values import (
    check_document_number,
    check_fields,
    check_vat_rate,
    require,
    to_bool,
    to_decimal,
)

VAT_TYPES = ("SEVAT", "SEREVERSEDVAT", "EUREVERSEDVAT", "EUVAT", "EXPORT")

CUSTOMER_FIELDS = {
    "Active",
    "Address1",
    "Address2",
    "City",
    "Comments",
    "CostCenter",
    "Country",
    "CountryCode",
    "Currency",
    "CustomerNumber",
    "DeliveryAddress1",
    "DeliveryAddress2",
    "DeliveryCity",
    "DeliveryCountry",
    "DeliveryCountryCode",
    "DeliveryName",
    "DeliveryPhone1",
    "DeliveryPhone2",
    "DeliveryZipCode",
    "Email",
    "EmailInvoice",
    "EmailInvoiceBCC",
    "EmailInvoiceCC",
    "EmailOffer",
    "EmailOrder",
    "ExternalReference",
    "Fax",
    "GLN",
    "GLNDelivery",
    "InvoiceAdministrationFee",
    "InvoiceDiscount",
    "InvoiceFreight",
    "InvoiceRemark",
    "Name",
    "OrganisationNumber",
    "OurReference",
    "Phone1",
    "Phone2",
    "PriceList",
    "Project",
    "SalesAccount",
    "ShowPriceVATIncluded",
    "TermsOfDelivery",
    "TermsOfPayment",
    "Type",
    "VATNumber",
    "VATType",
    "WayOfDelivery",
    "WWW",
    "YourReference",
    "ZipCode",
}

ARTICLE_FIELDS = {
    "Active",
    "ArticleNumber",
    "Bulky",
    "ConstructionAccount",
    "Depth",
    "Description",
    "EAN",
    "EUAccount",
    "EUVATAccount",
    "Expired",
    "ExportAccount",
    "Height",
    "Housework",
    "HouseworkType",
    "Manufacturer",
    "ManufacturerArticleNumber",
    "Note",
    "PurchaseAccount",
    "PurchasePrice",
    "QuantityInStock",
    "SalesAccount",
    "StockGoods",
    "StockPlace",
    "StockWarning",
    "SupplierNumber",
    "Type",
    "Unit",
    "VAT",
    "WebshopArticle",
    "Weight",
    "Width",
}
ARTICLE_READ_ONLY = {
    "@url",
    "DisposableQuantity",
    "ReservedQuantity",
    "SalesPrice",
    "StockValue",
    "SupplierName",
}
ARTICLE_ACCOUNT_FIELDS = (
    "SalesAccount",
    "EUAccount",
    "EUVATAccount",
    "ExportAccount",
    "PurchaseAccount",
    "ConstructionAccount",
)

SUPPLIER_FIELDS = {
    "Active",
    "Address1",
    "Address2",
    "Bank",
    "BankAccountNumber",
    "BG",
    "BIC",
    "City",
    "ClearingNumber",
    "Comments",
    "CostCenter",
    "Country",
    "CountryCode",
    "Currency",
    "DisablePaymentFile",
    "Email",
    "Fax",
    "IBAN",
    "Name",
    "OrganisationNumber",
    "OurCustomerNumber",
    "OurReference",
    "PG",
    "Phone1",
    "Phone2",
    "PreDefinedAccount",
    "Project",
    "SupplierNumber",
    "TermsOfPayment",
    "VATNumber",
    "VATType",
    "WWW",
    "YourReference",
    "ZipCode",
}

#: Currencies preloaded with the simulator's own fixed rates in SEK per ``Unit``.
DEFAULT_CURRENCIES = {
    "SEK": ("Svensk krona", "1", 1),
    "EUR": ("Euro", "11.50", 1),
    "USD": ("US Dollar", "10.50", 1),
    "GBP": ("Brittiskt pund", "13.40", 1),
    "NOK": ("Norsk krona", "0.98", 1),
    "DKK": ("Dansk krona", "1.54", 1),
}

ORGANISATION_NUMBER = re.compile(r"^(\d{6}|\d{8})[-+]?(\d{4})$")


def normalise_organisation_number(value, country_code):
    """Return a Swedish organisation or personal number as NNNNNN-NNNN, or raise.

    Fortnox takes the number with or without the hyphen. Numbers of foreign
    companies are kept as sent.
    """
    text = str(value).strip()
    if not text or (country_code and country_code != "SE"):
        return text
    match = ORGANISATION_NUMBER.match(text.replace(" ", ""))
    if match is None:
        raise FortnoxApiError(f"Ogiltigt organisationsnummer ({text})", INVALID_VALUE)
    # NOTE: only the format is checked; whether Fortnox also checks the
    # Luhn check digit is not confirmed.
    return f"{match.group(1)}-{match.group(2)}"


class Register:
    """Records keyed by their number, in the order they were created."""

    number_field = "Number"
    wrapper = "Record"
    not_found_message = "Hittades inte"
    writable = frozenset()
    read_only = frozenset({"@url"})
    required = ()
    defaults = {}

    def __init__(self, company):
        self.company = company
        self.records = {}

    def get(self, number):
        record = self.records.get(str(number))
        if record is None:
            raise FortnoxApiError(
                f"{self.not_found_message} ({self.number_field}: {number})",
                NOT_FOUND,
                status=404,
            )
        return record

    def create(self, payload):
        payload = check_fields(payload, self.writable, self.read_only, self.wrapper)
        for field in self.required:
            require(payload, field)
        number = payload.get(self.number_field)
        if number in (None, ""):
            number = self._next_number()
        number = check_document_number(number, self.number_field)
        if number in self.records:
            raise self._number_used(number)
        record = {self.number_field: number, **copy.deepcopy(self.defaults)}
        record.update(self.validate(payload, {**record, **payload}))
        record[self.number_field] = number
        self.records[number] = record
        return record

    def update(self, number, payload):
        record = self.get(number)
        payload = check_fields(payload, self.writable, self.read_only, self.wrapper)
        if str(payload.get(self.number_field, number)) != str(number):
            raise FortnoxApiError(f"{self.number_field} kan inte ändras ({number})", INVALID_VALUE)
        merged = {**record, **payload}
        for field in self.required:
            require(merged, field)
        record.update(self.validate(payload, merged))
        return record

    def all(self):
        return list(self.records.values())

    def validate(self, payload, merged):
        """Return the checked fields of the payload; ``merged`` is the record as it will be."""
        return payload

    def _next_number(self):
        numeric = [int(number) for number in self.records if number.isdigit()]
        candidate = max(numeric, default=0) + 1
        while str(candidate) in self.records:
            candidate += 1
        return str(candidate)

    def _number_used(self, number):
        return FortnoxApiError(f"{self.number_field} {number} används redan.", NUMBER_USED)

    def _check_currency(self, payload):
        if payload.get("Currency"):
            payload["Currency"] = self.company.currencies.check(payload["Currency"])["Code"]


class Customers(Register):
    number_field = "CustomerNumber"
    wrapper = "Customer"
    not_found_message = "Kunde inte hitta kund"
    writable = frozenset(CUSTOMER_FIELDS)
    required = ("Name",)
    defaults = {
        "Active": True,
        "CountryCode": "SE",
        "Currency": "SEK",
        "Type": "COMPANY",
        "VATType": "SEVAT",
        "OrganisationNumber": "",
        "VATNumber": "",
        "Email": "",
    }

    def _number_used(self, number):
        # Fortnox's own wording and code.
        return FortnoxApiError(
            f"Kundnummer {number} används redan. Kundnumret har redan använts men blivit raderat.",
            CUSTOMER_NUMBER_USED,
        )

    def validate(self, payload, merged):
        payload = dict(payload)
        if "VATType" in payload and payload["VATType"] not in VAT_TYPES:
            raise FortnoxApiError(
                f"Ogiltig momstyp ({payload['VATType']}); tillåtna: {', '.join(VAT_TYPES)}",
                INVALID_VALUE,
            )
        if "Type" in payload and payload["Type"] not in ("PRIVATE", "COMPANY"):
            raise FortnoxApiError(f"Ogiltig kundtyp ({payload['Type']})", INVALID_VALUE)
        country = merged.get("CountryCode") or "SE"
        if "CountryCode" in payload and not re.fullmatch(r"[A-Z]{2}", str(country)):
            raise FortnoxApiError(f"Ogiltig landskod ({country})", INVALID_VALUE)
        if payload.get("OrganisationNumber"):
            payload["OrganisationNumber"] = normalise_organisation_number(
                payload["OrganisationNumber"], country
            )
        if payload.get("SalesAccount"):
            self.company.ledger.check_account(payload["SalesAccount"], "SalesAccount")
        if "Active" in payload:
            payload["Active"] = to_bool(payload["Active"], "Active")
        self._check_currency(payload)
        return payload


class Articles(Register):
    number_field = "ArticleNumber"
    wrapper = "Article"
    not_found_message = "Kan inte hitta artikeln"
    writable = frozenset(ARTICLE_FIELDS)
    read_only = frozenset(ARTICLE_READ_ONLY)
    required = ("Description",)
    defaults = {
        "Active": True,
        "StockGoods": False,
        "Type": "STOCK",
        "Unit": "",
        "VAT": 25,
        "SalesAccount": None,
        "EUAccount": None,
        "EUVATAccount": None,
        "ExportAccount": None,
        "PurchaseAccount": None,
        "PurchasePrice": 0,
        "QuantityInStock": 0,
    }

    def _number_used(self, number):
        return FortnoxApiError(f"Artikelnummer {number} används redan.", NUMBER_USED)

    def validate(self, payload, merged):
        payload = dict(payload)
        for field in ARTICLE_ACCOUNT_FIELDS:
            if payload.get(field):
                payload[field] = self.company.ledger.check_account(payload[field], field).number
        if "VAT" in payload:
            payload["VAT"] = check_vat_rate(payload["VAT"], "VAT")
        if "Type" in payload and payload["Type"] not in ("STOCK", "SERVICE"):
            raise FortnoxApiError(f"Ogiltig artikeltyp ({payload['Type']})", INVALID_VALUE)
        for field in ("StockGoods", "Active", "Expired", "WebshopArticle", "Bulky"):
            if field in payload:
                payload[field] = to_bool(payload[field], field)
        for field in ("PurchasePrice", "QuantityInStock"):
            if field in payload:
                payload[field] = float(to_decimal(payload[field], field))
        return payload


class Suppliers(Register):
    number_field = "SupplierNumber"
    wrapper = "Supplier"
    not_found_message = "Kunde inte hitta leverantör"
    writable = frozenset(SUPPLIER_FIELDS)
    required = ("Name",)
    defaults = {
        "Active": True,
        "CountryCode": "SE",
        "Currency": "SEK",
        "OrganisationNumber": "",
        "VATNumber": "",
    }

    def _number_used(self, number):
        return FortnoxApiError(f"Leverantörsnummer {number} används redan.", NUMBER_USED)

    def validate(self, payload, merged):
        payload = dict(payload)
        country = merged.get("CountryCode") or "SE"
        if payload.get("OrganisationNumber"):
            payload["OrganisationNumber"] = normalise_organisation_number(
                payload["OrganisationNumber"], country
            )
        if payload.get("PreDefinedAccount"):
            self.company.ledger.check_account(payload["PreDefinedAccount"], "PreDefinedAccount")
        self._check_currency(payload)
        return payload


class Currencies:
    def __init__(self, today):
        self.records = {
            code: {
                "Code": code,
                "Description": description,
                "BuyRate": float(rate),
                "SellRate": float(rate),
                "Unit": unit,
                "Date": today.isoformat(),
                "IsAutomatic": code != "SEK",
            }
            for code, (description, rate, unit) in DEFAULT_CURRENCIES.items()
        }

    def check(self, code):
        record = self.records.get(str(code).strip().upper())
        if record is None:
            raise FortnoxApiError(f"Valutan {code} finns inte", UNKNOWN_CURRENCY)
        return record

    def get(self, code):
        record = self.records.get(str(code).strip().upper())
        if record is None:
            raise FortnoxApiError(f"Valutan {code} finns inte", NOT_FOUND, status=404)
        return record

    def set_rate(self, code, rate, unit=1, day=None):
        record = self.records.setdefault(
            code, {"Code": code, "Description": code, "IsAutomatic": False}
        )
        record.update(
            BuyRate=float(rate),
            SellRate=float(rate),
            Unit=unit,
            Date=(day or date.today()).isoformat(),
        )
        return record
