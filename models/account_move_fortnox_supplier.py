"""Vendor bills and refunds as Fortnox supplier invoices.

The supplier invoice carries the bill's journal items as rows, so Fortnox
books what Odoo booked: the expense or stock-interim accounts, the input VAT
and the payable, each on its mapped Fortnox account. Row amounts are in SEK
(``Debit``/``Credit``) and in the bill's currency
(``DebitCurrency``/``CreditCurrency``). The header carries the bill's total,
VAT, currency and rate. Our bill number goes in ``OurReference``, by which a
supplier invoice whose creation response was lost is found again.

Assumed from Fortnox's field list, not confirmed: a refund is a supplier
invoice with ``Credit`` set and negative ``Total`` and ``VAT``, as Fortnox
shows supplier credit invoices.
"""

import logging
from decimal import Decimal

from odoo import _, models
from odoo.exceptions import UserError

from .account_move_fortnox_payload import CURRENCY_RATE_DIGITS, round_money, to_decimal

_logger = logging.getLogger(__name__)

#: Longest ``TransactionInformation`` Fortnox takes on a row (unconfirmed; 100 in its examples).
MAX_TRANSACTION_INFORMATION = 100


def money(value):
    return float(round_money(Decimal(value)))


class AccountMove(models.Model):
    _inherit = "account.move"

    def _fortnox_supplier_currency(self):
        partner = self.commercial_partner_id.with_company(self.company_id)
        currency = partner.property_purchase_currency_id or self.company_id.currency_id
        return currency.name

    def _fortnox_supplier_invoice_rows(self, backend):
        """Return the supplier invoice rows: the bill's journal items on their Fortnox accounts."""
        self.ensure_one()
        rows = []
        for line in self.line_ids.sorted(
            lambda item: (item.display_type == "payment_term", item.id)
        ):
            if line.display_type in ("line_section", "line_note"):
                continue
            balance = round_money(to_decimal(line.balance))
            if not balance:
                continue
            account = backend._fortnox_account_number(line.account_id)
            # The share of each part in the item's foreign amount follows its share in SEK.
            amount_currency = to_decimal(line.amount_currency)
            information = (line.name or line.account_id.name or "").splitlines()
            for (cost_center, project), part in line._fortnox_dimension_parts(balance):
                part_currency = round_money(amount_currency * part / balance)
                row = {
                    "Account": account,
                    "Debit": money(max(part, 0)),
                    "Credit": money(max(-part, 0)),
                    "DebitCurrency": money(max(part_currency, 0)),
                    "CreditCurrency": money(max(-part_currency, 0)),
                    "TransactionInformation": (information[0] if information else "")[
                        :MAX_TRANSACTION_INFORMATION
                    ],
                }
                if cost_center:
                    row["CostCenter"] = cost_center
                if project:
                    row["Project"] = project
                rows.append(row)
        return rows

    def _fortnox_supplier_invoice_payload(self, backend, supplier_number):
        """Return the Fortnox supplier invoice document of this posted vendor bill or refund."""
        self.ensure_one()
        sign = -1 if self.move_type == "in_refund" else 1
        payload = {
            "SupplierNumber": supplier_number,
            "InvoiceNumber": self.ref or self.name,
            "InvoiceDate": self.invoice_date.isoformat(),
            "DueDate": (self.invoice_date_due or self.invoice_date).isoformat(),
            "Currency": self.currency_id.name,
            "Total": money(sign * to_decimal(self.amount_total)),
            "VAT": money(sign * to_decimal(self.amount_tax)),
            "OurReference": self.name,
            "Credit": self.move_type == "in_refund",
            "SupplierInvoiceRows": self._fortnox_supplier_invoice_rows(backend),
        }
        if self.currency_id != self.company_id.currency_id:
            if not self.invoice_currency_rate:
                raise UserError(_("The bill has no currency rate; set one on the bill."))
            payload["CurrencyRate"] = round(1 / self.invoice_currency_rate, CURRENCY_RATE_DIGITS)
            payload["CurrencyUnit"] = 1
        return payload

    def _fortnox_export_supplier_invoice(self, backend, client):
        """Send the supplier and the supplier invoice with ``client``; return Fortnox's invoice.

        The supplier invoice is first looked up by our bill number, so a
        create whose response was lost is not repeated.
        """
        self.ensure_one()
        if self.fortnox_document_number:
            return client.get_supplier_invoice(self.fortnox_document_number)

        supplier_number = self.commercial_partner_id._fortnox_sync_supplier(
            backend, client, self._fortnox_supplier_currency()
        )
        payload = self._fortnox_supplier_invoice_payload(backend, supplier_number)
        invoice = client.find_supplier_invoice(self.name, supplier_number=supplier_number)
        if invoice and invoice.get("Cancelled"):
            invoice = None
        if invoice:
            _logger.info(
                "Bill %s: found in Fortnox as supplier invoice %s, not created again",
                self.name,
                invoice["GivenNumber"],
            )
        else:
            invoice = client.create_supplier_invoice(payload)
        self.write({"fortnox_document_number": str(invoice["GivenNumber"])})
        return invoice

    def _fortnox_mark_supplier_invoice_exported(self, invoice):
        number = str(invoice["GivenNumber"])
        self.write({**self._fortnox_success_values(), "fortnox_document_number": number})
        if self.move_type == "in_refund":
            message = _("Exported to Fortnox as supplier credit invoice %(number)s.", number=number)
        else:
            message = _("Exported to Fortnox as supplier invoice %(number)s.", number=number)
        self.message_post(body=message, subtype_xmlid="mail.mt_note")
        _logger.info("Bill %s exported to Fortnox as supplier invoice %s", self.name, number)
        return message
