"""Chart of accounts, financial years and vouchers of the simulated company.

The rules are Fortnox's. A voucher's debits equal its credits, its date lies
in an existing financial year that is not locked, and every account exists and
is active. Numbers run per series and financial year. A voucher is never
deleted: a mistake is reversed by a new voucher.
"""

import copy
from dataclasses import dataclass
from datetime import date

from .fortnox_errors import (
    ACCOUNT_INACTIVE,
    ACCOUNT_NOT_FOUND,
    INVALID_VALUE,
    NO_FINANCIAL_YEAR,
    NOT_FOUND,
    PERIOD_LOCKED,
    UNKNOWN_VOUCHER_SERIES,
    VOUCHER_UNBALANCED,
    FortnoxApiError,
)
from .fortnox_values import (
    ZERO,
    check_fields,
    money_json,
    require,
    round_money,
    to_date,
    to_decimal,
)

#: A BAS 2024 subset: what a trading company needs for sales, purchases, stock and VAT.
DEFAULT_ACCOUNTS = {
    1410: "Lager av råvaror",
    1460: "Lager av handelsvaror",
    1510: "Kundfordringar",
    1910: "Kassa",
    1930: "Företagskonto/checkkonto/affärskonto",
    2099: "Årets resultat",
    2440: "Leverantörsskulder",
    2611: "Utgående moms på försäljning inom Sverige, 25 %",
    2614: "Utgående moms omvänd skattskyldighet, 25 %",
    2621: "Utgående moms på försäljning inom Sverige, 12 %",
    2631: "Utgående moms på försäljning inom Sverige, 6 %",
    2641: "Debiterad ingående moms",
    2645: "Beräknad ingående moms på förvärv från utlandet",
    2650: "Redovisningskonto för moms",
    3001: "Försäljning inom Sverige, 25 % moms",
    3002: "Försäljning inom Sverige, 12 % moms",
    3003: "Försäljning inom Sverige, 6 % moms",
    3004: "Försäljning inom Sverige, momsfri",
    3010: "Försäljning varor",
    3105: "Försäljning varor till land utanför EU",
    3106: "Försäljning varor till annat EU-land, momspliktig",
    3108: "Försäljning varor till annat EU-land, momsfri",
    3231: "Försäljning inom byggsektorn, omvänd skattskyldighet moms",
    3305: "Försäljning tjänster till land utanför EU",
    3308: "Försäljning tjänster till annat EU-land",
    3540: "Faktureringsavgifter",
    3740: "Öres- och kronutjämning",
    3960: "Valutakursvinster på fordringar och skulder av rörelsekaraktär",
    4000: "Inköp av varor från Sverige",
    4010: "Inköp material och varor",
    4515: "Inköp av varor från annat EU-land, 25 %",
    4545: "Import av varor, 25 % moms",
    4960: "Förändring av lager av handelsvaror",
    4990: "Lager och pågående arbeten (summa)",
    7960: "Valutakursförluster på fordringar och skulder av rörelsekaraktär",
    8999: "Årets resultat",
}

#: Fortnox's standard voucher series.
DEFAULT_VOUCHER_SERIES = {
    "A": "Redovisning",
    "B": "Kundfakturor",
    "C": "Kundinbetalningar",
    "D": "Leverantörsfakturor",
    "E": "Leverantörsutbetalningar",
}

VOUCHER_FIELDS = {
    "Comments",
    "CostCenter",
    "Description",
    "Project",
    "ReferenceNumber",
    "ReferenceType",
    "TransactionDate",
    "VoucherRows",
    "VoucherSeries",
}
VOUCHER_READ_ONLY = {"@url", "ApprovalState", "VoucherNumber", "Year"}
VOUCHER_ROW_FIELDS = {
    "Account",
    "CostCenter",
    "Credit",
    "Debit",
    "Description",
    "Project",
    "Quantity",
    "TransactionInformation",
}
VOUCHER_ROW_READ_ONLY = {"Removed"}


@dataclass
class Account:
    number: int
    description: str
    active: bool = True

    def to_json(self, year_id):
        return {
            "Number": self.number,
            "Description": self.description,
            "Active": self.active,
            "Year": year_id,
            "BalanceBroughtForward": 0.0,
            "VATCode": None,
            "SRU": None,
        }


@dataclass
class FinancialYear:
    id: int
    from_date: date
    to_date: date
    locked: bool = False

    def contains(self, day):
        return self.from_date <= day <= self.to_date

    def to_json(self):
        return {
            "Id": self.id,
            "FromDate": self.from_date.isoformat(),
            "ToDate": self.to_date.isoformat(),
            "AccountChartType": f"BAS {self.from_date.year}",
            "AccountingMethod": "ACCRUAL",
        }


class Ledger:
    """Accounts, financial years and vouchers; callers hold the app lock."""

    def __init__(self, today):
        self.accounts = {
            number: Account(number, description) for number, description in DEFAULT_ACCOUNTS.items()
        }
        self.voucher_series = dict(DEFAULT_VOUCHER_SERIES)
        self.financial_years = []
        self.vouchers = []
        self.locked_until = None
        self._numbers = {}
        for year in (today.year - 1, today.year, today.year + 1):
            self.add_financial_year(date(year, 1, 1), date(year, 12, 31))

    # ------------------------------------------------------------------
    # Accounts
    # ------------------------------------------------------------------

    def add_account(self, number, description, active=True):
        number = int(number)
        self.accounts[number] = Account(number, description, active)
        return self.accounts[number]

    def set_account_active(self, number, active):
        account = self.accounts.get(int(number))
        if account is None:
            raise KeyError(f"Account {number} does not exist.")
        account.active = active
        return account

    def check_account(self, number, field="Account"):
        """Return the active account, or raise Fortnox's account errors."""
        try:
            account = self.accounts.get(int(number))
        except (TypeError, ValueError):
            account = None
        if account is None:
            raise FortnoxApiError(f"Kunde inte hitta konto ({field}: {number})", ACCOUNT_NOT_FOUND)
        if not account.active:
            raise FortnoxApiError(f"Kontot {number} är inte aktivt ({field})", ACCOUNT_INACTIVE)
        return account

    # ------------------------------------------------------------------
    # Financial years
    # ------------------------------------------------------------------

    def add_financial_year(self, from_date, to_date):
        if isinstance(from_date, str):
            from_date = date.fromisoformat(from_date)
        if isinstance(to_date, str):
            to_date = date.fromisoformat(to_date)
        if to_date < from_date:
            raise ValueError("A financial year cannot end before it starts.")
        for year in self.financial_years:
            if year.from_date <= to_date and from_date <= year.to_date:
                raise ValueError(
                    f"The financial year {from_date} - {to_date} overlaps year {year.id}."
                )
        year = FinancialYear(len(self.financial_years) + 1, from_date, to_date)
        self.financial_years.append(year)
        return year

    def financial_year(self, year_id):
        for year in self.financial_years:
            if year.id == year_id:
                return year
        raise FortnoxApiError(
            f"Räkenskapsår {year_id} hittades inte", NO_FINANCIAL_YEAR, status=404
        )

    def year_for_date(self, day):
        for year in self.financial_years:
            if year.contains(day):
                return year
        return None

    def lock_financial_year(self, year_id):
        year = self.financial_year(int(year_id))
        year.locked = True
        return year

    def check_open_date(self, day, field):
        """Return the financial year a booking on ``day`` goes to, or raise."""
        year = self.year_for_date(day)
        if year is None:
            raise FortnoxApiError(
                f"Det finns inget räkenskapsår för datumet {day.isoformat()} ({field})",
                NO_FINANCIAL_YEAR,
            )
        if year.locked or (self.locked_until and day <= self.locked_until):
            raise FortnoxApiError(
                f"Perioden är låst för bokföring ({field}: {day.isoformat()})", PERIOD_LOCKED
            )
        return year

    # ------------------------------------------------------------------
    # Vouchers
    # ------------------------------------------------------------------

    def check_series(self, series):
        if series not in self.voucher_series:
            raise FortnoxApiError(
                f"Verifikationsserien {series} finns inte", UNKNOWN_VOUCHER_SERIES
            )
        return series

    def create_voucher(self, payload, requested_year_id=None):
        """Validate and book a voucher payload; return the stored voucher."""
        payload = check_fields(payload, VOUCHER_FIELDS, VOUCHER_READ_ONLY, "Voucher")
        series = self.check_series(str(require(payload, "VoucherSeries")).strip().upper())
        day = to_date(require(payload, "TransactionDate"), "TransactionDate")
        description = str(require(payload, "Description"))
        year = self.check_open_date(day, "TransactionDate")
        if requested_year_id is not None and year.id != requested_year_id:
            raise FortnoxApiError(
                f"Datumet {day.isoformat()} ligger inte i räkenskapsår {requested_year_id}",
                NO_FINANCIAL_YEAR,
            )
        rows = self._check_voucher_rows(payload.get("VoucherRows"))

        voucher = {
            "VoucherSeries": series,
            "VoucherNumber": self._next_number(year.id, series),
            "Year": year.id,
            "TransactionDate": day.isoformat(),
            "Description": description,
            "Comments": payload.get("Comments") or "",
            "CostCenter": payload.get("CostCenter") or "",
            "Project": payload.get("Project") or "",
            "ReferenceNumber": payload.get("ReferenceNumber") or "",
            "ReferenceType": payload.get("ReferenceType") or "MANUAL",
            "ApprovalState": 0,
            "VoucherRows": rows,
        }
        self.vouchers.append(voucher)
        return voucher

    def _check_voucher_rows(self, rows):
        if not isinstance(rows, list) or len(rows) < 2:
            raise FortnoxApiError(
                "En verifikation måste ha minst två rader (VoucherRows)", VOUCHER_UNBALANCED
            )
        checked = []
        debit_total = credit_total = ZERO
        for index, row in enumerate(rows, start=1):
            row = check_fields(row, VOUCHER_ROW_FIELDS, VOUCHER_ROW_READ_ONLY, "VoucherRow")
            account = self.check_account(require(row, "Account"), f"VoucherRows[{index}].Account")
            debit = round_money(to_decimal(row.get("Debit"), "Debit"))
            credit = round_money(to_decimal(row.get("Credit"), "Credit"))
            if debit < 0 or credit < 0 or (debit and credit) or not (debit or credit):
                raise FortnoxApiError(
                    f"Rad {index} måste ha antingen debet eller kredit, större än noll",
                    INVALID_VALUE,
                )
            debit_total += debit
            credit_total += credit
            checked.append(
                {
                    "Account": account.number,
                    "Debit": money_json(debit),
                    "Credit": money_json(credit),
                    "Description": row.get("Description") or account.description,
                    "TransactionInformation": row.get("TransactionInformation") or "",
                    "CostCenter": row.get("CostCenter") or "",
                    "Project": row.get("Project") or "",
                    "Quantity": row.get("Quantity") or 0,
                    "Removed": False,
                }
            )
        if debit_total != credit_total:
            raise FortnoxApiError(
                f"Verifikationen är inte balanserad: debet {debit_total} och kredit {credit_total}",
                VOUCHER_UNBALANCED,
            )
        return checked

    def _next_number(self, year_id, series):
        key = (year_id, series)
        self._numbers[key] = self._numbers.get(key, 0) + 1
        return self._numbers[key]

    def get_voucher(self, series, number, year_id):
        for voucher in self.vouchers:
            if (
                voucher["VoucherSeries"] == series
                and voucher["VoucherNumber"] == number
                and voucher["Year"] == year_id
            ):
                return copy.deepcopy(voucher)
        raise FortnoxApiError(
            f"Verifikation {series}{number} i räkenskapsår {year_id} hittades inte",
            NOT_FOUND,
            status=404,
        )

    def list_vouchers(self, year_id, series=None, from_date=None, to_date=None):
        """Return list items (no rows, as Fortnox's lists) ordered by series and number."""
        items = []
        for voucher in self.vouchers:
            if voucher["Year"] != year_id:
                continue
            if series and voucher["VoucherSeries"] != series:
                continue
            day = date.fromisoformat(voucher["TransactionDate"])
            if (from_date and day < from_date) or (to_date and day > to_date):
                continue
            items.append(
                {
                    key: voucher[key]
                    for key in (
                        "VoucherSeries",
                        "VoucherNumber",
                        "Year",
                        "TransactionDate",
                        "Description",
                        "ReferenceNumber",
                        "ReferenceType",
                        "ApprovalState",
                    )
                }
            )
        items.sort(key=lambda item: (item["VoucherSeries"], item["VoucherNumber"]))
        return items
