"""Parsing of the JSON bodies the ERP sends to the Ongoing WMS simulator.

Values are checked the way an ASP.NET model binder would: numbers may come as
numbers or numeric texts, dates as ``YYYY-MM-DD`` or ISO date-times, and a
wrong type raises :class:`RequestInvalid` naming the field. Absent values
become None, so that a PUT leaves the stored value alone.
"""

import itertools
from datetime import date, datetime, timezone

from .ongoing_records import RequestInvalid

# ----------------------------------------------------------------------
# Input parsing
# ----------------------------------------------------------------------


def parse_text(value, name):
    if value is None:
        return None
    if isinstance(value, (bool, dict, list)):
        raise RequestInvalid(f"{name} must be a text.", field=name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def parse_number(value, name):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise RequestInvalid(f"{name} must be a number.", field=name)
    try:
        return float(value)
    except (TypeError, ValueError) as error:
        raise RequestInvalid(f"{name} must be a number, not {value!r}.", field=name) from error


def parse_bool(value, name):
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise RequestInvalid(f"{name} must be true or false.", field=name)


def parse_code_name(value, name):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise RequestInvalid(f"{name} must be an object with code and name.", field=name)
    code = parse_text(value.get("code"), f"{name}.code") or ""
    label = parse_text(value.get("name"), f"{name}.name") or ""
    if not (code or label):
        return None
    return {"code": code, "name": label or code}


def parse_date(value, name):
    """Return an ISO date text (YYYY-MM-DD) from a date or a date and time."""
    if value is None or value == "":
        return None
    text = parse_text(value, name)
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError as error:
        raise RequestInvalid(
            f"{name} must be a date (YYYY-MM-DD), not {text!r}.", field=name
        ) from error


def parse_time(value, name):
    """Return an aware UTC datetime from an ISO 8601 text; a time without offset is UTC."""
    if value is None or value == "":
        return None
    text = str(value).strip().replace("Z", "+00:00")
    if "." in text:
        # Python before 3.11 accepts 3 or 6 decimals only; Ongoing writes 1 to 7.
        head, _, tail = text.partition(".")
        digits = "".join(itertools.takewhile(str.isdigit, tail))
        text = f"{head}.{digits[:6].ljust(6, '0')}{tail[len(digits) :]}"
    try:
        result = datetime.fromisoformat(text)
    except ValueError as error:
        raise RequestInvalid(
            f"{name} must be an ISO 8601 time, not {value!r}.", field=name
        ) from error
    if result.tzinfo is None:
        result = result.replace(tzinfo=timezone.utc)
    return result.astimezone(timezone.utc)


def as_object(value, name):
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise RequestInvalid(f"{name} must be an object.", field=name)
    return value


def as_list(value, name):
    if value is None:
        return []
    if not isinstance(value, list):
        raise RequestInvalid(f"{name} must be a list.", field=name)
    return value


def notification_field(value, name):
    value = as_object(value, name)
    if not value:
        return None
    return {
        "toBeNotified": bool(parse_bool(value.get("toBeNotified"), f"{name}.toBeNotified")),
        "value": parse_text(value.get("value"), f"{name}.value") or "",
    }


def transporter_field(value, name):
    value = as_object(value, name)
    code = parse_text(value.get("transporterCode"), f"{name}.transporterCode")
    service = parse_text(value.get("transporterServiceCode"), f"{name}.transporterServiceCode")
    if not (code or service):
        return None
    return {"transporterCode": code or "", "transporterServiceCode": service or ""}


ARTICLE_TEXT_FIELDS = (
    "articleName",
    "productCode",
    "unitCode",
    "description",
    "purcaseCurrencyCode",
    "countryOfOriginCode",
    "statisticsNumber",
)
ARTICLE_NUMBER_FIELDS = (
    "quantityPerPackage",
    "quantityPerPallet",
    "weight",
    "length",
    "width",
    "height",
    "volume",
    "purchasePrice",
    "stockValuationPrice",
    "customerPrice",
)
ARTICLE_CODE_NAME_FIELDS = ("articleGroup", "articleCategory", "articleColor", "articleSize")
SUPPLIER_INFO_FIELDS = ("supplierArticleNumber", "supplierNumber", "supplierName")
BAR_CODE_FIELDS = ("barCode", "barCodePackage", "barCodePallet")

ORDER_TEXT_FIELDS = (
    "goodsOwnerOrderId",
    "referenceNumber",
    "salesCode",
    "orderRemark",
    "deliveryInstruction",
    "servicePointCode",
    "freeText1",
    "freeText2",
    "freeText3",
)
CONSIGNEE_FIELDS = (
    "customerNumber",
    "name",
    "address1",
    "address2",
    "address3",
    "postCode",
    "city",
    "countryCode",
    "countryStateCode",
    "remark",
    "doorCode",
)
NOTIFICATION_FIELDS = ("emailNotification", "smsNotification", "telephoneNotification")
PURCHASE_ORDER_TEXT_FIELDS = ("supplierOrderNumber", "goodsOwnerReference", "referenceNumber")


def article_fields(body):
    data = {name: parse_text(body.get(name), name) for name in ARTICLE_TEXT_FIELDS}
    data.update({name: parse_number(body.get(name), name) for name in ARTICLE_NUMBER_FIELDS})
    data.update({name: parse_code_name(body.get(name), name) for name in ARTICLE_CODE_NAME_FIELDS})
    data["isStockArticle"] = parse_bool(body.get("isStockArticle"), "isStockArticle")
    supplier = as_object(body.get("supplierInfo"), "supplierInfo")
    bar_codes = as_object(body.get("barCodeInfo"), "barCodeInfo")
    data.update(
        {
            f"supplierInfo.{name}": parse_text(supplier.get(name), name)
            for name in SUPPLIER_INFO_FIELDS
        }
    )
    data.update(
        {f"barCodeInfo.{name}": parse_text(bar_codes.get(name), name) for name in BAR_CODE_FIELDS}
    )
    return data


def order_fields(body):
    data = {name: parse_text(body.get(name), name) for name in ORDER_TEXT_FIELDS}
    data["deliveryDate"] = parse_date(body.get("deliveryDate"), "deliveryDate")
    data["orderType"] = parse_code_name(body.get("orderType"), "orderType")
    data["wayOfDelivery"] = parse_code_name(body.get("wayOfDelivery"), "wayOfDelivery")
    data.update({name: notification_field(body.get(name), name) for name in NOTIFICATION_FIELDS})
    data["transporter"] = transporter_field(body.get("transporter"), "transporter")
    data["returnTransporter"] = transporter_field(
        body.get("returnTransporter"), "returnTransporter"
    )
    customs = as_object(body.get("customsInfo"), "customsInfo")
    data["customsValueCurrencyCode"] = parse_text(
        customs.get("customsValueCurrencyCode"), "customsInfo.customsValueCurrencyCode"
    )
    consignee = as_object(body.get("consignee"), "consignee")
    data.update(
        {f"consignee.{name}": parse_text(consignee.get(name), name) for name in CONSIGNEE_FIELDS}
    )
    return data


def purchase_order_fields(body):
    data = {name: parse_text(body.get(name), name) for name in PURCHASE_ORDER_TEXT_FIELDS}
    data["inDate"] = parse_date(body.get("inDate"), "inDate")
    supplier = as_object(body.get("supplierInfo"), "supplierInfo")
    data["supplierInfo.supplierNumber"] = parse_text(
        supplier.get("supplierNumber"), "supplierNumber"
    )
    data["supplierInfo.supplierName"] = parse_text(supplier.get("supplierName"), "supplierName")
    return data


def required_text(body, name, document):
    value = parse_text(body.get(name), name)
    if not value or not value.strip():
        raise RequestInvalid(f"The {document} has no {name}.", field=name)
    return value
