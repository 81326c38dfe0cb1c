"""Fortnox's error response and the error codes the simulator sends.

Fortnox rejects a call with
``{"ErrorInformation": {"error": 1, "message": "...", "code": 2001304}}``; some
endpoints spell the keys ``Error``, ``Message`` and ``Code``. The codes from
1000003 to 2002115 below and their Swedish messages are Fortnox's published
ones. Fortnox publishes no code for the other rejections the simulator makes,
so those use codes from 2999001 upwards, which Fortnox does not use.
"""

from .base import HttpError

# Codes from Fortnox's published error list.
SYSTEM_EXCEPTION = 1000003
NOT_NUMERIC = 2000108
NOT_BOOLEAN = 2000134
INVALID_LOGIN = 2000310
MISSING_CREDENTIALS = 2000311
INVALID_CHARACTERS = 2000359
CUSTOMER_NOT_FOUND = 2000433
INVALID_PARAMETER = 2000588
CUSTOMER_NUMBER_USED = 2000637
NO_ACCESS_TO_SCOPE = 2000663
SUPPLIER_INVOICE_UNBALANCED = 2000755
ARTICLE_NOT_FOUND = 2001302
ACCOUNT_NOT_FOUND = 2001304
INCORRECT_DATA = 2001392
INVALID_FIELD_NAME = 2001399
INVALID_JSON = 2002115

# NOTE: simulator-only codes; real Fortnox sends codes of its own for these cases.
REQUIRED_FIELD_MISSING = 2999001
INVALID_DATE = 2999002
INVALID_VAT_RATE = 2999003
UNKNOWN_CURRENCY = 2999004
VOUCHER_UNBALANCED = 2999005
NO_FINANCIAL_YEAR = 2999006
PERIOD_LOCKED = 2999007
ACCOUNT_INACTIVE = 2999008
UNKNOWN_VOUCHER_SERIES = 2999009
DOCUMENT_STATE = 2999010
NOT_FOUND = 2999011
NUMBER_USED = 2999012
NOT_ALLOWED = 2999013
RATE_LIMITED = 2999014
INVALID_VALUE = 2999015


class FortnoxApiError(HttpError):
    """A rejection in Fortnox's ``ErrorInformation`` shape."""

    def __init__(self, message, code, status=400, *, capitalised=False, headers=None):
        if capitalised:
            info = {"Error": 1, "Message": message, "Code": code}
        else:
            info = {"error": 1, "message": message, "code": code}
        super().__init__(status, {"ErrorInformation": info}, headers)
        self.message = message
        self.code = code

    def capitalise(self):
        """Return the same error with the capitalised key spelling."""
        return FortnoxApiError(
            self.message, self.code, self.status, capitalised=True, headers=self.headers
        )
