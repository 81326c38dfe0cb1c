"""What a customer invoice or credit note becomes in Fortnox.

Fortnox computes an invoice's sums itself from its rows. Each row's amount
is rounded to the öre after its discount. VAT is computed per rate on the sum
of the rows at that rate, or taken out of that sum when prices include VAT.
Before anything is sent, the same arithmetic is applied here and compared
with Odoo's totals. An invoice whose totals Fortnox would change is stopped
with an explanation instead of landing with other amounts.
"""

from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from odoo import _, models
from odoo.exceptions import UserError

#: VAT rates (percent) of a Swedish Fortnox company.
FORTNOX_VAT_RATES = (25, 12, 6, 0)
#: Customer VAT types Fortnox invoices without VAT.
ZERO_VAT_TYPES = ("EUREVERSEDVAT", "SEREVERSEDVAT", "EXPORT")
CENT = Decimal("0.01")
#: Decimals of the currency rate sent to Fortnox (SEK per unit of the currency).
CURRENCY_RATE_DIGITS = 6


def round_money(value):
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value):
    return Decimal(str(value))


def fortnox_totals(rows, vat_included):
    """Return (net, VAT, total) as Fortnox computes them from (amount, rate) rows."""
    by_rate = defaultdict(Decimal)
    for amount, rate in rows:
        by_rate[rate] += amount
    net = vat = Decimal(0)
    for rate, amount in by_rate.items():
        if vat_included:
            rate_vat = round_money(amount * rate / (100 + rate))
            net += amount - rate_vat
        else:
            rate_vat = round_money(amount * rate / 100)
            net += amount
        vat += rate_vat
    return net, vat, net + vat


class AccountMove(models.Model):
    _inherit = "account.move"

    # ------------------------------------------------------------------
    # Customer
    # ------------------------------------------------------------------

    def _fortnox_vat_type(self):
        """Return the Fortnox VAT type of the invoice's customer."""
        self.ensure_one()
        if self.fiscal_position_id.fortnox_vat_type:
            return self.fiscal_position_id.fortnox_vat_type
        partner = self.commercial_partner_id
        home = self.company_id.account_fiscal_country_id or self.company_id.country_id
        if not partner.country_id or partner.country_id == home:
            return "SEVAT"
        if partner.country_id in self.env.ref("base.europe").country_ids:
            return "EUREVERSEDVAT" if partner.vat else "EUVAT"
        return "EXPORT"

    def _fortnox_customer_currency(self):
        partner = self.commercial_partner_id.with_company(self.company_id)
        currency = partner.property_product_pricelist.currency_id or self.company_id.currency_id
        return currency.name

    # ------------------------------------------------------------------
    # Rows
    # ------------------------------------------------------------------

    def _fortnox_line_vat(self, line):
        """Return (Fortnox VAT rate, whether the price includes VAT) of an invoice line."""
        taxes = line.tax_ids
        if not taxes:
            return 0, False
        if len(taxes) > 1 or taxes.amount_type != "percent":
            raise UserError(
                _(
                    "The line %(line)s has the taxes %(taxes)s. Fortnox takes one VAT rate per "
                    "row: keep a single percentage tax on the line.",
                    line=line.name,
                    taxes=", ".join(taxes.mapped("name")),
                )
            )
        rate = round(taxes.amount, 4)
        if rate not in FORTNOX_VAT_RATES:
            raise UserError(
                _(
                    "The tax %(tax)s (%(rate)s %%) on the line %(line)s has no Fortnox VAT rate. "
                    "Fortnox accepts %(rates)s %%.",
                    tax=taxes.name,
                    rate=rate,
                    line=line.name,
                    rates=", ".join(str(known) for known in FORTNOX_VAT_RATES),
                )
            )
        return int(rate), taxes.price_include

    def _fortnox_rows(self, backend, article_numbers):
        """Return the Fortnox invoice rows, the (amount, rate) pairs and whether prices include VAT.

        ``article_numbers`` maps products to their Fortnox article number.
        Quantities of a credit note are negative, as on Fortnox's credit invoices.
        """
        self.ensure_one()
        sign = -1 if self.move_type == "out_refund" else 1
        rows, amounts, included = [], [], set()
        for line in self.invoice_line_ids.sorted("sequence"):
            if line.display_type in ("line_section", "line_note"):
                if line.name:
                    rows.append({"Description": line.name.splitlines()[0]})
                continue
            if line.display_type != "product":
                continue

            rate, price_include = self._fortnox_line_vat(line)
            if rate:
                included.add(price_include)
            quantity = to_decimal(line.quantity) * sign
            price = to_decimal(line.price_unit)
            discount = to_decimal(line.discount)
            row = {
                "Description": (line.name or line.product_id.display_name or "").splitlines()[0],
                "DeliveredQuantity": float(quantity),
                "Price": float(price),
                "VAT": rate,
                "AccountNumber": backend._fortnox_account_number(line.account_id),
            }
            if article_numbers.get(line.product_id):
                row["ArticleNumber"] = article_numbers[line.product_id]
            if discount:
                row.update({"Discount": float(discount), "DiscountType": "PERCENT"})
            rows.append(row)
            amounts.append((round_money(quantity * price * (100 - discount) / 100), Decimal(rate)))

        if len(included) > 1:
            raise UserError(
                _(
                    "The invoice mixes taxes included in the price with taxes added to it. "
                    "Fortnox takes either for the whole invoice: use one kind of tax."
                )
            )
        return rows, amounts, included == {True}

    def _fortnox_check_vat_type(self, vat_type, amounts):
        if vat_type in ZERO_VAT_TYPES and any(rate for _amount, rate in amounts):
            labels = dict(
                self.env["account.fiscal.position"]
                ._fields["fortnox_vat_type"]
                ._description_selection(self.env)
            )
            raise UserError(
                _(
                    "The invoice charges VAT, but Fortnox invoices %(partner)s without VAT "
                    "(%(vat_type)s). Check the fiscal position and the taxes of the invoice.",
                    partner=self.commercial_partner_id.display_name,
                    vat_type=labels.get(vat_type, vat_type),
                )
            )

    def _fortnox_check_totals(self, amounts, vat_included):
        """Raise UserError when Fortnox would compute other totals than Odoo's."""
        sign = -1 if self.move_type == "out_refund" else 1
        net, vat, total = fortnox_totals(amounts, vat_included)
        expected = {
            _("net amount"): (net, self.amount_untaxed),
            _("VAT"): (vat, self.amount_tax),
            _("total"): (total, self.amount_total),
        }
        differences = [
            _(
                "%(what)s: Odoo %(odoo)s, Fortnox %(fortnox)s",
                what=what,
                odoo=round_money(to_decimal(odoo_amount)),
                fortnox=sign * fortnox_amount,
            )
            for what, (fortnox_amount, odoo_amount) in expected.items()
            if sign * fortnox_amount != round_money(to_decimal(odoo_amount))
        ]
        if differences:
            raise UserError(
                _(
                    "Fortnox would compute other sums for this invoice (%(differences)s). "
                    "Fortnox computes VAT on the total per rate: set the Rounding Method to Round "
                    "Globally in the Invoicing settings, and avoid cash rounding "
                    "and early payment discounts on invoices sent to Fortnox.",
                    differences="; ".join(differences),
                )
            )

    # ------------------------------------------------------------------
    # Invoice document
    # ------------------------------------------------------------------

    def _fortnox_order_numbers(self):
        orders = self.invoice_line_ids.sale_line_ids.order_id
        return ", ".join(orders.sorted("name").mapped("name"))

    def _fortnox_invoice_payload(self, backend, customer_number, article_numbers, credited=None):
        """Return the Fortnox invoice document of this posted invoice or credit note.

        ``credited`` is the Fortnox document number of the invoice a credit
        note refers to. Raises UserError when Fortnox cannot represent the
        invoice as Odoo has it.
        """
        self.ensure_one()
        vat_type = self._fortnox_vat_type()
        rows, amounts, vat_included = self._fortnox_rows(backend, article_numbers)
        self._fortnox_check_vat_type(vat_type, amounts)
        self._fortnox_check_totals(amounts, vat_included)

        partner = self.partner_id
        payload = {
            "CustomerNumber": customer_number,
            "InvoiceDate": self.invoice_date.isoformat(),
            "DueDate": (self.invoice_date_due or self.invoice_date).isoformat(),
            "Currency": self.currency_id.name,
            "ExternalInvoiceReference1": self.name,
            "YourOrderNumber": self._fortnox_order_numbers(),
            "OurReference": self.invoice_user_id.name or "",
            "YourReference": partner.name if partner != self.commercial_partner_id else "",
            "CustomerName": self.commercial_partner_id.name,
            "Address1": partner.street or "",
            "Address2": partner.street2 or "",
            "ZipCode": partner.zip or "",
            "City": partner.city or "",
            "VATIncluded": vat_included,
            "InvoiceRows": rows,
        }
        if self.currency_id != self.company_id.currency_id:
            if not self.invoice_currency_rate:
                raise UserError(_("The invoice has no currency rate; set one on the invoice."))
            payload["CurrencyRate"] = round(1 / self.invoice_currency_rate, CURRENCY_RATE_DIGITS)
            payload["CurrencyUnit"] = 1
        shipping = self.partner_shipping_id
        if shipping and shipping != partner:
            payload.update(
                {
                    "DeliveryName": shipping.name or "",
                    "DeliveryAddress1": shipping.street or "",
                    "DeliveryAddress2": shipping.street2 or "",
                    "DeliveryZipCode": shipping.zip or "",
                    "DeliveryCity": shipping.city or "",
                }
            )
        if credited:
            payload["CreditInvoiceReference"] = credited
        return payload
