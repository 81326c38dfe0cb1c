"""Rendering of the Ongoing WMS simulator's records in Ongoing's JSON shapes.

GET responses have the keys, nesting and types of Ongoing's published example
responses. Where the examples are older than the API, the simulator adds the
keys today's API also returns and the integration needs:

* ``inventoryInfo.sellableNumberOfItems`` on articles;
* ``returnedNumberOfItems`` and ``reportedReturnedNumberOfItems`` on order lines.

Values the ERP never set are rendered the same way everywhere: texts as
``""``, numbers, times and dates as ``null``, code/name objects (order type,
article group, ...) and transporters as ``null``.

Times are UTC with a ``Z`` and up to three decimals, trailing zeros dropped,
as in the examples (``2019-10-10T09:05:41.25Z``). Webhook timestamps use the
form of Ongoing's webhook documentation: seven decimals and no offset.
"""

from .ongoing_records import (
    ITEM_LOCKED,
    ITEM_LOCKED_FOR_SALE,
    ORDER_STATUS_TEXTS,
    PURCHASE_ORDER_STATUS_TEXTS,
    RETURN_ORDER_STATUS_TEXTS,
)

ARTICLE_ITEM_STATUSES = {
    ITEM_LOCKED: {"id": 1, "code": "LOCKED", "name": "Locked"},
    ITEM_LOCKED_FOR_SALE: {"id": 2, "code": "LOCKEDSALE", "name": "Locked for sale"},
}

# Ids of the simulated webhook subscriptions, user and workstation: Ongoing
# sends them in every payload, and they never change in the simulator.
WEBHOOK_SUBSCRIPTION_ID = 1
WEBHOOK_USER = {"userId": 1}
WEBHOOK_COMPUTER = {"computerId": 1, "computerName": "SIMULATOR"}


def format_time(value):
    """Format an aware UTC datetime as Ongoing does, or return None."""
    if value is None:
        return None
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    millis = f"{value.microsecond // 1000:03d}".rstrip("0")
    return f"{text}.{millis}Z" if millis else f"{text}Z"


def format_webhook_time(value):
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond:06d}0"


def status_json(number, texts):
    return {"number": number, "text": texts.get(number, "")}


def statuses_json(texts, key="orderStatuses"):
    return {key: [status_json(number, texts) for number in sorted(texts)]}


def goods_owner_json(warehouse, goods_owner_id):
    return {"id": goods_owner_id, "name": warehouse.goods_owner_name(goods_owner_id)}


def article_reference(article):
    return {
        "articleSystemId": article.article_id,
        "articleNumber": article.article_number,
        "articleName": article.name,
        "productCode": article.data.get("productCode", ""),
    }


def _cause(cause):
    return {"code": cause.code, "name": cause.name} if cause else None


# ----------------------------------------------------------------------
# Articles
# ----------------------------------------------------------------------


def inventory_info_json(article, figures):
    return {
        "numberOfItems": figures.physical,
        "numberOfBookedItems": figures.booked,
        "numberOfLockedItems": figures.locked,
        "toReceiveNumberOfItems": figures.to_receive,
        "allocatedNumberOfItems": figures.allocated,
        "lockedForSaleNumberOfItems": figures.locked_for_sale,
        "pickedToBeCollectedNumberOfItems": figures.picked_to_be_collected,
        "receivedToBeFinishedNumberOfItems": 0.0,
        "lastInDate": format_time(article.last_in_date),
        "sellableNumberOfItems": figures.sellable,
    }


def _whole(value):
    return int(value) if value is not None and float(value).is_integer() else value


def article_json(warehouse, article, figures):
    data = article.data

    def text(name):
        return data.get(name, "")

    return {
        "goodsOwner": goods_owner_json(warehouse, article.goods_owner_id),
        "articleSystemId": article.article_id,
        "articleNumber": article.article_number,
        "articleName": article.name,
        "productCode": text("productCode"),
        "unitCode": text("unitCode"),
        "description": text("description"),
        "isStockArticle": data.get("isStockArticle", True),
        "supplierInfo": {
            "supplierArticleNumber": text("supplierInfo.supplierArticleNumber"),
            "supplierNumber": text("supplierInfo.supplierNumber"),
            "supplierName": text("supplierInfo.supplierName"),
        },
        "barCodeInfo": {
            "barCode": text("barCodeInfo.barCode"),
            "barCodePackage": text("barCodeInfo.barCodePackage"),
            "barCodePallet": text("barCodeInfo.barCodePallet"),
        },
        "quantityPerPackage": _whole(data.get("quantityPerPackage")),
        "quantityPerPallet": _whole(data.get("quantityPerPallet")),
        "weight": data.get("weight"),
        "length": data.get("length"),
        "width": data.get("width"),
        "height": data.get("height"),
        "volume": data.get("volume"),
        "purchasePrice": data.get("purchasePrice"),
        "stockValuationPrice": data.get("stockValuationPrice"),
        "customerPrice": data.get("customerPrice"),
        "purcaseCurrencyCode": text("purcaseCurrencyCode"),
        "countryOfOriginCode": text("countryOfOriginCode"),
        "statisticsNumber": text("statisticsNumber"),
        "articleGroup": data.get("articleGroup"),
        "articleCategory": data.get("articleCategory"),
        "inventoryInfo": inventory_info_json(article, figures),
    }


# ----------------------------------------------------------------------
# Orders
# ----------------------------------------------------------------------


def _notification(data, name):
    return data.get(name) or {"toBeNotified": False, "value": ""}


def _transporter_json(warehouse, reference):
    if not reference:
        return None
    code, service_code = reference["transporterCode"], reference["transporterServiceCode"]
    transporter_name = service_name = ""
    for contract in warehouse.transporter_contracts:
        if contract["transporterCode"] != code:
            continue
        transporter_name = contract["transporterName"]
        for service in contract["transporterServices"]:
            if service["transporterServiceCode"] == service_code:
                service_name = service["transporterServiceName"]
    return {
        "transporterName": transporter_name,
        "name": service_name,
        "code": code,
        "serviceCode": service_code,
    }


def picked_item_json(item):
    return {
        "articleItemId": item.item_id,
        "numberOfItems": item.quantity,
        "inDate": format_time(item.in_date),
        "serial": item.serial,
        "caseNumber": "",
        "batchNumber": item.batch,
        "container": "",
        "comment": item.comment,
        "weight": None,
        "volume": None,
        "isPicked": True,
        "isReturned": item.returned,
        "expiryDate": format_time(item.expiry_date),
        "returnDate": format_time(item.return_time),
        "pickedTime": format_time(item.picked_time),
        "returnCause": _cause(item.return_cause),
        "location": item.location,
        "locationTypeCode": "",
        "articleItemStatus": None,
        "freeText1": "",
    }


def order_line_json(line):
    data = line.data
    return {
        "id": line.line_id,
        "rowNumber": line.row_number,
        "article": article_reference(line.article),
        "comment": data.get("comment", ""),
        "orderedNumberOfItems": line.ordered,
        "allocatedNumberOfItems": line.allocated,
        "pickedNumberOfItems": line.picked,
        "reportedNumberOfItems": line.reported,
        "shouldBePicked": line.should_be_picked,
        "pickedArticleItems": [picked_item_json(item) for item in line.picked_items],
        "subOrderLines": None,
        "serialNumber": data.get("serialNumber", ""),
        "lineTotalCustomsValue": data.get("lineTotalCustomsValue"),
        "returnedNumberOfItems": line.returned,
        "reportedReturnedNumberOfItems": line.reported_returned,
    }


def order_json(warehouse, order):
    data = order.data

    def text(name):
        return data.get(name, "")

    return {
        "goodsOwner": goods_owner_json(warehouse, order.goods_owner_id),
        "orderInfo": {
            "orderId": order.order_id,
            "orderNumber": order.order_number,
            "goodsOwnerOrderId": text("goodsOwnerOrderId"),
            "referenceNumber": text("referenceNumber"),
            "salesCode": text("salesCode"),
            "orderRemark": text("orderRemark"),
            "deliveryInstruction": text("deliveryInstruction"),
            "servicePointCode": text("servicePointCode"),
            "freeText1": text("freeText1"),
            "freeText2": text("freeText2"),
            "freeText3": text("freeText3"),
            "orderType": data.get("orderType"),
            "wayOfDelivery": data.get("wayOfDelivery"),
            "deliveryDate": data.get("deliveryDate"),
            "createdDate": format_time(order.created),
            "shippedTime": format_time(order.shipped_time),
            "wayBill": order.way_bill,
            "returnWayBill": order.return_way_bill,
            "orderStatus": status_json(order.status, ORDER_STATUS_TEXTS),
            "emailNotification": _notification(data, "emailNotification"),
            "smsNotification": _notification(data, "smsNotification"),
            "telephoneNotification": _notification(data, "telephoneNotification"),
            "orderedNumberOfItems": sum(line.ordered for line in order.lines),
            "allocatedNumberOfItems": sum(line.allocated for line in order.lines),
            "pickedNumberOfItems": sum(line.picked for line in order.lines),
            "customsInfo": {"customsValueCurrencyCode": text("customsValueCurrencyCode")},
        },
        "consignee": {
            name: text(f"consignee.{name}")
            for name in (
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
        },
        "parcels": [
            {
                "id": parcel.parcel_id,
                "parcelNumber": parcel.parcel_number,
                "isReturnParcel": parcel.is_return_parcel,
            }
            for parcel in order.parcels
        ],
        "orderLines": [order_line_json(line) for line in order.lines],
        "transporter": _transporter_json(warehouse, data.get("transporter")),
        "returnTransporter": _transporter_json(warehouse, data.get("returnTransporter")),
    }


# ----------------------------------------------------------------------
# Purchase orders
# ----------------------------------------------------------------------


def received_item_json(item):
    return {
        "originalArticleItemId": item.item_id,
        "numberOfItems": item.quantity,
        "inDate": format_time(item.in_date),
        "serial": item.serial,
        "caseNumber": "",
        "batchNumber": item.batch,
        "container": "",
        "comment": item.comment,
        "weight": None,
        "expiryDate": format_time(item.expiry_date),
        "location": item.location,
        "articleItemStatus": None,
    }


def purchase_order_json(warehouse, order):
    data = order.data
    return {
        "goodsOwner": goods_owner_json(warehouse, order.goods_owner_id),
        "supplierInfo": {
            "supplierNumber": data.get("supplierInfo.supplierNumber", ""),
            "supplierName": data.get("supplierInfo.supplierName", ""),
        },
        "purchaseOrderInfo": {
            "purchaseOrderId": order.purchase_order_id,
            "purchaseOrderNumber": order.purchase_order_number,
            "supplierOrderNumber": data.get("supplierOrderNumber", ""),
            "goodsOwnerReference": data.get("goodsOwnerReference", ""),
            "referenceNumber": data.get("referenceNumber", ""),
            "purchaseOrderStatus": status_json(order.status, PURCHASE_ORDER_STATUS_TEXTS),
            "purchaseOrderType": None,
            "inDate": data.get("inDate"),
        },
        "purchaseOrderLines": [
            {
                "id": line.line_id,
                "rowNumber": line.row_number,
                "article": article_reference(line.article),
                "comment": line.data.get("comment", ""),
                "advisedNumberOfItems": line.advised,
                "receivedNumberOfItems": line.received,
                "reportedNumberOfItems": line.reported,
                "articleItems": [received_item_json(item) for item in line.received_items],
                "subPurchaseOrderLines": None,
            }
            for line in order.lines
        ],
    }


# ----------------------------------------------------------------------
# Return orders
# ----------------------------------------------------------------------


def returned_item_json(item):
    return {
        "numberOfItems": item.quantity,
        "batch": item.batch,
        "serial": item.serial,
        "expiryDate": format_time(item.expiry_date),
        "container": "",
        "weight": None,
        "volume": None,
        "comment": "",
        "returnTime": format_time(item.return_time),
        "returnComment": item.comment,
        "isReturnRemovedByInventory": item.removed_by_inventory,
        "returnCause": _cause(item.cause),
        "articleItemStatus": None,
        "articleItemCategory": None,
    }


def return_order_json(warehouse, return_order):
    data = return_order.data
    return {
        "returnOrderInfo": {
            "returnOrderId": return_order.return_order_id,
            "returnOrderNumber": return_order.return_order_number,
            "comment": data.get("comment", ""),
            "inDate": format_time(data.get("inDate")),
            "returnOrderStatus": status_json(return_order.status, RETURN_ORDER_STATUS_TEXTS),
            "warehouse": {"id": 1, "code": warehouse.system, "name": warehouse.system},
            "returnOrderHandlingComment": data.get("returnOrderHandlingComment", ""),
        },
        "customerOrderInfo": {
            "orderId": return_order.order.order_id,
            "orderNumber": return_order.order.order_number,
        },
        "returnOrderLines": [
            {
                "returnOrderLineId": line.line_id,
                "returnOrderRowNumber": line.row_number,
                "customerOrderLine": {
                    "orderLineId": line.order_line.line_id,
                    "customerOrderRowNumber": line.order_line.row_number,
                },
                "article": {
                    "articleSystemId": line.order_line.article.article_id,
                    "articleNumber": line.order_line.article.article_number,
                    "articleName": line.order_line.article.name,
                },
                "returnCause": _cause(line.cause),
                "returnedNumberOfItems": line.returned,
                "pickedNumberOfItems": line.order_line.picked,
                "toBeReturnedNumberOfItems": line.to_be_returned,
                "returnedRemovedByInventoryNumberOfItems": sum(
                    item.quantity for item in line.returned_items if item.removed_by_inventory
                ),
                "returnedArticleItems": [returned_item_json(item) for item in line.returned_items],
            }
            for line in return_order.lines
        ],
    }


def return_causes_json(warehouse):
    return {
        "returnCauses": [
            {
                "code": cause.code,
                "name": cause.name,
                "isRemoveCause": cause.is_remove_cause,
                "isChangeCause": cause.is_change_cause,
                "isReturnCommentMandatory": cause.is_return_comment_mandatory,
                "id": cause.cause_id,
            }
            for cause in warehouse.return_causes.values()
        ]
    }


# ----------------------------------------------------------------------
# Article items (stock per batch, serial and location)
# ----------------------------------------------------------------------


def _item_status_json(status):
    entry = ARTICLE_ITEM_STATUSES.get(status)
    return {"code": entry["code"], "name": entry["name"]} if entry else None


def stock_item_json(warehouse, item):
    return {
        "batch": item.batch,
        "container": "",
        "expiryDate": format_time(item.expiry_date),
        "isLocked": item.status == ITEM_LOCKED,
        "isLockedForSale": item.status == ITEM_LOCKED_FOR_SALE,
        "location": item.location,
        "numberOfItems": item.quantity,
        "serial": item.serial,
        "status": _item_status_json(item.status),
        "comment": item.comment,
        "warehouse": {"id": 1, "code": warehouse.system, "name": warehouse.system},
        "inDate": format_time(item.in_date),
    }


def article_items_json(warehouse, article, location_names=None):
    """Return one entry of ``GET articleItems``: the article and its items in stock."""
    return {
        "articleSystemId": article.article_id,
        "articleNumber": article.article_number,
        "items": [
            stock_item_json(warehouse, item)
            for item in sorted(article.items, key=lambda item: item.item_id)
            if not location_names or item.location in location_names
        ],
    }


# ----------------------------------------------------------------------
# Inventory adjustments
# ----------------------------------------------------------------------


def inventory_adjustments_json(adjustments):
    """Group adjustments by article, in the order of their first adjustment."""
    groups = {}
    for adjustment in sorted(adjustments, key=lambda a: a.inventory_id):
        article = adjustment.article
        group = groups.setdefault(
            article.article_id,
            {"article": article_reference(article), "inventoryAdjustments": []},
        )
        group["inventoryAdjustments"].append(
            {
                "inventoryId": adjustment.inventory_id,
                "numberOfItems": adjustment.quantity,
                "inventoryTime": format_time(adjustment.time),
                "articleItemComment": adjustment.item_comment,
                "inventoryItemComment": adjustment.inventory_comment,
                "inventoryAdjustmentCause": adjustment.cause,
                "location": adjustment.location,
                "batchNumber": adjustment.batch,
                "serial": adjustment.serial,
                "articleItemStatus": None,
                "expiryDate": format_time(adjustment.expiry_date),
            }
        )
    return list(groups.values())


# ----------------------------------------------------------------------
# Webhook payloads
# ----------------------------------------------------------------------


def _webhook_common(warehouse, goods_owner_id, template):
    return {
        "system": warehouse.system,
        "timestamp": format_webhook_time(warehouse.now()),
        "goodsOwnerId": goods_owner_id,
        "goodsOwnerName": warehouse.goods_owner_name(goods_owner_id),
        "webhookTemplate": template,
        "byUser": dict(WEBHOOK_USER),
        "byComputer": dict(WEBHOOK_COMPUTER),
    }


def order_webhook(warehouse, order, template):
    tracking = []
    if order.way_bill:
        tracking.append({"trackingUrl": "", "waybill": order.way_bill, "isReturn": False})
    if order.return_way_bill:
        tracking.append({"trackingUrl": "", "waybill": order.return_way_bill, "isReturn": True})
    return {
        "webhookOrdersId": WEBHOOK_SUBSCRIPTION_ID,
        **_webhook_common(warehouse, order.goods_owner_id, template),
        "orderId": order.order_id,
        "orderNumber": order.order_number,
        "goodsOwnerOrderId": order.data.get("goodsOwnerOrderId", ""),
        "consigneeOrderNumber": "",
        "path": f"/api/v1/orders/{order.order_id}",
        "orderStatus": {"number": order.status},
        "currentShipmentId": None,
        "goodsOwnerClasses": [],
        "tracking": tracking,
        "parcels": [
            {
                "id": parcel.parcel_id,
                "parcelNumber": parcel.parcel_number,
                "isReturnParcel": parcel.is_return_parcel,
            }
            for parcel in order.parcels
        ],
    }


def purchase_order_webhook(warehouse, order, template):
    return {
        "webhookPurchaseOrdersId": WEBHOOK_SUBSCRIPTION_ID,
        **_webhook_common(warehouse, order.goods_owner_id, template),
        "purchaseOrderId": order.purchase_order_id,
        "purchaseOrderNumber": order.purchase_order_number,
        "path": f"/api/v1/purchaseOrders/{order.purchase_order_id}",
        "purchaseOrderStatus": {"number": order.status},
        "purchaseOrderType": None,
        "purchaseOrderClasses": [],
        "goodsOwnerPurchaseOrderId": "",
    }


def _webhook_article(article):
    return {
        "articleSystemId": article.article_id,
        "articleNumber": article.article_number,
        "barCode": article.data.get("barCodeInfo.barCode", ""),
    }


def _webhook_item_status(status):
    found = ARTICLE_ITEM_STATUSES.get(status)
    if not found:
        return None
    return {
        "articleItemStatusId": found["id"],
        "articleItemStatusCode": found["code"],
        "articleItemStatusName": found["name"],
        "isStatusLocked": status == ITEM_LOCKED,
        "isStatusLockedForSale": status == ITEM_LOCKED_FOR_SALE,
    }


def inventory_webhook(warehouse, article, template, *, item, quantity, adjustment=None, order=None):
    """Payload of an inventory transaction: an adjustment, or a lock or unlock of items."""
    cause = adjustment.cause if adjustment else None
    comment = adjustment.inventory_comment if adjustment else item.status_reason
    return {
        "webhookInventoryId": WEBHOOK_SUBSCRIPTION_ID,
        **_webhook_common(warehouse, article.goods_owner_id, template),
        "transaction": {
            "transactionNumberOfItems": adjustment.quantity if adjustment else 0.0,
            "inventoryAdjustmentCause": ({"id": None, "code": cause["code"]} if cause else None),
            "returnRemovedByOrder": {"orderId": order.order_id} if order else None,
            "inventoryTransactionComment": comment,
        },
        "inventory": (
            {
                "inventoryId": adjustment.inventory_id,
                "isCountInventory": False,
                "inventoryComment": adjustment.inventory_comment,
            }
            if adjustment
            else None
        ),
        "article": _webhook_article(article),
        "articleItem": {
            "articleItemId": item.item_id,
            "originalArticleItemId": item.item_id,
            "serial": item.serial,
            "batch": item.batch,
            "expiryDate": format_time(item.expiry_date),
            "numberOfItems": quantity,
            "articleItemStatus": _webhook_item_status(item.status),
            "articleItemComment": item.comment,
        },
        "purchaseOrder": None,
        "location": {"location": item.location},
    }


PICKING_TEMPLATES = ("ArticlePicked", "ArticleReturned")


def picking_webhook(warehouse, order, template, *, line, item):
    """Payload of "article is picked" or "article is returned" for one portion of a line."""
    cause = item.return_cause if template == "ArticleReturned" else None
    return {
        "webhookPickingId": WEBHOOK_SUBSCRIPTION_ID,
        **_webhook_common(warehouse, order.goods_owner_id, template),
        "isAllocated": False,
        "isPicked": template == "ArticlePicked",
        "isPacked": False,
        "isReturned": template == "ArticleReturned",
        "isDeleted": False,
        "article": _webhook_article(line.article),
        "articleItem": {
            "articleItemId": item.item_id,
            "originalArticleItemId": item.item_id,
            "serial": item.serial,
            "batch": item.batch,
            "expiryDate": format_time(item.expiry_date),
            "numberOfItems": item.quantity,
            "location": {"location": item.location, "locationId": None},
            "returnCause": (
                {
                    "returnCauseId": cause.cause_id,
                    "returnCauseCode": cause.code,
                    "returnCauseName": cause.name,
                }
                if cause
                else None
            ),
            "orderPalletItem": None,
        },
        "order": {
            "orderId": order.order_id,
            "orderNumber": order.order_number,
            "orderLine": {
                "orderLineId": line.line_id,
                "rowNumber": line.row_number,
                "parentOrderLine": None,
            },
        },
    }


def webhook_payload(warehouse, template, subject, **details):
    """Build the payload of a webhook event that the warehouse reported."""
    if template.startswith("Order"):
        return order_webhook(warehouse, subject, template)
    if template.startswith("PurchaseOrder"):
        return purchase_order_webhook(warehouse, subject, template)
    if template in PICKING_TEMPLATES:
        return picking_webhook(warehouse, subject, template, **details)
    return inventory_webhook(warehouse, subject, template, **details)
