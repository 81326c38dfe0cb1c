"""Stock reconciliation with Ongoing WMS as the master, in plain Python (no Odoo import).

:mod:`.sources` reads Ongoing's stock from the API's documents or from a
stock-balance file (CSV or XML) into :class:`.sources.ArticleStock` entries;
:mod:`.compare` compares them with Odoo's quantities and the quantities in
flight and returns what differs. The Odoo models, the benchmark and the tests
call these functions directly.
"""

from .compare import CASES, Finding, OdooStock, compare_stock, document_in_flight
from .sources import (
    ArticleStock,
    FileMapping,
    SourceError,
    parse_quantity,
    read_csv,
    read_stock_file,
    read_xml,
    stock_from_api,
)
