import hashlib
import json
import re

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..clients.errors import NotFoundError

SWEDISH_ORGANISATION_NUMBER = re.compile(r"(\d{6}|\d{8})(\d{4})")
#: Prefix of the ExternalReference by which Odoo finds its own customers in Fortnox.
CUSTOMER_REFERENCE_PREFIX = "odoo-partner-"


def payload_digest(payload):
    """Return a short fingerprint of a payload, to skip sending what Fortnox already has."""
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def luhn_valid(digits):
    """Return whether the digits pass the Luhn check of Swedish identity numbers."""
    total = 0
    for index, character in enumerate(digits):
        value = int(character) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def normalise_organisation_number(value, country_code):
    """Return a Swedish organisation or personal identity number as NNNNNN-NNNN.

    Hyphens, spaces and the "+" of people over a hundred are accepted; the
    century digits of a twelve-digit number are kept. Numbers of other
    countries are returned stripped. Raises ValueError for an invalid
    Swedish number.
    """
    text = (value or "").strip()
    if not text or (country_code and country_code != "SE"):
        return text
    match = SWEDISH_ORGANISATION_NUMBER.fullmatch(re.sub(r"[\s\-+]", "", text))
    if match is None:
        raise ValueError(text)
    head, tail = match.groups()
    if not luhn_valid((head + tail)[-10:]):
        raise ValueError(text)
    return f"{head}-{tail}"


class ResPartner(models.Model):
    _inherit = "res.partner"

    fortnox_customer_number = fields.Char(
        string="Fortnox Customer Number",
        company_dependent=True,
        copy=False,
        help="The customer's number in this company's Fortnox. Filled in by the first invoice "
        "export; enter it yourself to link the partner to a customer already in Fortnox.",
    )
    fortnox_customer_digest = fields.Char(
        company_dependent=True,
        copy=False,
        help="Fingerprint of the customer data last sent to Fortnox.",
    )
    fortnox_supplier_number = fields.Char(
        string="Fortnox Supplier Number",
        company_dependent=True,
        copy=False,
        help="The supplier's number in this company's Fortnox. Filled in by the first vendor "
        "bill export; enter it yourself to link the partner to a supplier already in Fortnox.",
    )
    fortnox_supplier_digest = fields.Char(
        company_dependent=True,
        copy=False,
        help="Fingerprint of the supplier data last sent to Fortnox.",
    )

    def _fortnox_customer_reference(self):
        return f"{CUSTOMER_REFERENCE_PREFIX}{self.id}"

    def _fortnox_organisation_number(self):
        self.ensure_one()
        try:
            return normalise_organisation_number(self.company_registry, self.country_id.code)
        except ValueError:
            raise UserError(
                _(
                    "The organisation number %(number)s of %(partner)s is not a valid Swedish "
                    "organisation or personal identity number (NNNNNN-NNNN). Correct it on the "
                    "partner.",
                    number=self.company_registry,
                    partner=self.display_name,
                )
            ) from None

    def _fortnox_customer_payload(self, vat_type, currency_code):
        """Return the Fortnox customer document of this commercial partner."""
        self.ensure_one()
        organisation_number = self._fortnox_organisation_number()
        payload = {
            "Name": self.name,
            "Type": "COMPANY"
            if (self.is_company or self.vat or organisation_number)
            else "PRIVATE",
            "OrganisationNumber": organisation_number,
            "VATNumber": self.vat or "",
            "VATType": vat_type,
            "Currency": currency_code,
            "Address1": self.street or "",
            "Address2": self.street2 or "",
            "ZipCode": self.zip or "",
            "City": self.city or "",
            "Email": self.email or "",
            "Phone1": self.phone or "",
            "ExternalReference": self._fortnox_customer_reference(),
        }
        if self.country_id:
            payload["CountryCode"] = self.country_id.code
        return payload

    def _fortnox_sync_customer(self, backend, client, vat_type, currency_code):
        """Create or update this commercial partner as a Fortnox customer; return its number.

        The number and a fingerprint of what was sent are stored on the
        partner for the backend's company, so an unchanged customer costs no
        request.
        """
        self.ensure_one()
        partner = self.with_company(backend.company_id)
        payload = partner._fortnox_customer_payload(vat_type, currency_code)
        return partner._fortnox_upsert(
            backend,
            payload,
            number_field="fortnox_customer_number",
            digest_field="fortnox_customer_digest",
            number_key="CustomerNumber",
            update=client.update_customer,
            create=client.create_customer,
            find=lambda: partner._fortnox_find_customer(client, payload),
            missing_message=lambda number: _(
                "Fortnox has no customer %(number)s, the number stored on %(partner)s. "
                "Correct or clear the Fortnox customer number on the partner.",
                number=number,
                partner=partner.display_name,
            ),
        )

    def _fortnox_upsert(
        self,
        backend,
        payload,
        *,
        number_field,
        digest_field,
        number_key,
        update,
        create,
        find,
        missing_message,
    ):
        """Send ``payload`` as a new or changed Fortnox register entry; return its number.

        ``number_field`` and ``digest_field`` are the company-dependent
        partner fields that store the number and the fingerprint of what was
        sent. ``find()`` returns the entry that already stands for the
        partner, or None. ``missing_message(number)`` explains a stored
        number that Fortnox does not know.
        """
        self.ensure_one()
        partner = self.with_company(backend.company_id)
        digest = payload_digest(payload)
        number = partner[number_field]
        if number and partner[digest_field] == digest:
            return number

        if number:
            try:
                update(number, payload)
            except NotFoundError as error:
                raise UserError(missing_message(number)) from error
        else:
            existing = find()
            if existing:
                number = existing[number_key]
                update(number, payload)
            else:
                number = create(payload)[number_key]

        partner.sudo().write({number_field: number, digest_field: digest})
        return number

    def _fortnox_find_customer(self, client, payload):
        """Return the Fortnox customer that already stands for this partner, or None.

        A customer carrying this partner's ExternalReference was created by an
        earlier export whose response was lost. Otherwise a single customer
        with the same organisation number is taken over, so a Fortnox company
        that already invoiced the customer keeps one customer record. Partners
        sharing an organisation number therefore share one Fortnox customer.
        """
        reference = payload["ExternalReference"]
        rows = []
        for row in client.iter_customers():
            if row.get("ExternalReference") == reference:
                return row
            rows.append(row)
        return self._fortnox_single_by_organisation_number(
            rows, payload["OrganisationNumber"], "CustomerNumber"
        )

    def _fortnox_single_by_organisation_number(self, rows, organisation_number, number_key):
        """Return the one row with this organisation number, None for none, or raise for several."""
        expected = re.sub(r"\D", "", organisation_number or "")
        if not expected:
            return None
        same_number = [
            row
            for row in rows
            if re.sub(r"\D", "", row.get("OrganisationNumber") or "") == expected
        ]
        if len(same_number) > 1:
            numbers = ", ".join(str(row[number_key]) for row in same_number)
            raise UserError(
                _(
                    "Several Fortnox entries (%(numbers)s) have the organisation number "
                    "%(organisation)s of %(partner)s. Enter the right number on the partner "
                    "(Invoicing tab).",
                    numbers=numbers,
                    organisation=organisation_number,
                    partner=self.display_name,
                )
            )
        return same_number[0] if same_number else None

    # ------------------------------------------------------------------
    # Suppliers
    # ------------------------------------------------------------------

    def _fortnox_supplier_payload(self, currency_code):
        """Return the Fortnox supplier document of this commercial partner."""
        self.ensure_one()
        payload = {
            "Name": self.name,
            "OrganisationNumber": self._fortnox_organisation_number(),
            "VATNumber": self.vat or "",
            "Currency": currency_code,
            "Address1": self.street or "",
            "Address2": self.street2 or "",
            "ZipCode": self.zip or "",
            "City": self.city or "",
            "Email": self.email or "",
            "Phone1": self.phone or "",
        }
        if self.country_id:
            payload["CountryCode"] = self.country_id.code
        return payload

    def _fortnox_sync_supplier(self, backend, client, currency_code):
        """Create or update this commercial partner as a Fortnox supplier; return its number."""
        self.ensure_one()
        partner = self.with_company(backend.company_id)
        payload = partner._fortnox_supplier_payload(currency_code)
        return partner._fortnox_upsert(
            backend,
            payload,
            number_field="fortnox_supplier_number",
            digest_field="fortnox_supplier_digest",
            number_key="SupplierNumber",
            update=client.update_supplier,
            create=client.create_supplier,
            find=lambda: partner._fortnox_find_supplier(client, payload),
            missing_message=lambda number: _(
                "Fortnox has no supplier %(number)s, the number stored on %(partner)s. "
                "Correct or clear the Fortnox supplier number on the partner.",
                number=number,
                partner=partner.display_name,
            ),
        )

    def _fortnox_find_supplier(self, client, payload):
        """Return the Fortnox supplier that already stands for this partner, or None.

        Fortnox suppliers have no external reference, so a supplier is found
        again by its organisation number, else by its VAT number.
        """
        rows = list(client.iter_suppliers())
        found = self._fortnox_single_by_organisation_number(
            rows, payload["OrganisationNumber"], "SupplierNumber"
        )
        if found or not payload["VATNumber"]:
            return found
        # NOTE: a supplier with neither number is created again when the
        # response to its creation was lost.
        same_vat = [row for row in rows if row.get("VATNumber") == payload["VATNumber"]]
        return same_vat[0] if len(same_vat) == 1 else None
