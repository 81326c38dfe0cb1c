"""Ongoing's stock, read from the REST API's documents or from a stock-balance file.

Every reader returns ``{article number: ArticleStock}``. ``ArticleStock.lots``
contains the quantity per batch or serial number when the source gives it
(``""`` for items without one), and is None when it does not, so that the
comparison knows whether it may correct lot- and serial-tracked products.

Stock-balance files are the daily export many 3PL warehouses send. Their
layout varies, so the columns (CSV) or elements (XML) are named by a
:class:`FileMapping`. A file is read whole before anything is compared: any
invalid row rejects the file with its line number, and so does a size above
:data:`MAX_FILE_BYTES`. XML is read with
``xmltodict`` with entity declarations refused, so that an entity can neither
expand without limit ("billion laughs") nor pull in a local file.
"""

import csv
import io
import math
from dataclasses import dataclass, field
from xml.parsers import expat

import xmltodict

#: Largest stock-balance file read, in bytes. An estimate: 200,000 rows of about 100 bytes,
#: more than a goods owner's articles, while a larger file would take the worker's memory.
MAX_FILE_BYTES = 20 * 1024 * 1024


class SourceError(ValueError):
    """A stock source that cannot be read; ``line`` is the file's line where reading failed."""

    def __init__(self, message, line=None):
        super().__init__(f"Line {line}: {message}" if line else message)
        self.message = message
        self.line = line


@dataclass
class ArticleStock:
    """Ongoing's physical stock of one article, including locked and quarantined items."""

    article_number: str
    quantity: float = 0.0
    lots: dict | None = None
    line: int | None = None


@dataclass(frozen=True)
class FileMapping:
    """Names of the fields of a stock-balance row: article number, quantity and lot.

    For CSV the fields are column headings. For XML they are child elements (or
    attributes, written with or without a leading ``@``) of the record element
    that ``record_path`` names from the root, such as ``StockBalance/Article``.
    An empty ``lot_field`` means the file gives no quantities per batch or serial.
    """

    article_field: str = "ArticleNumber"
    quantity_field: str = "NumberOfItems"
    lot_field: str = ""
    record_path: str = "StockBalance/Article"
    delimiter: str = ";"
    encoding: str = "utf-8-sig"


def parse_quantity(text):
    """Return the number in ``text``, with a decimal comma or point and spaces in thousands.

    A comma alone is a decimal comma (``"12,5"``, as Swedish exports write it).
    With both a comma and a point, the last one is the decimal separator
    (``"1.234,5"`` and ``"1,234.5"``). Raise ValueError for anything else.
    """
    value = str(text).strip()
    for space in (" ", "\u00a0", "\u202f"):
        value = value.replace(space, "")
    if "," in value and "." in value:
        if value.rfind(",") > value.rfind("."):
            value = value.replace(".", "").replace(",", ".")
        else:
            value = value.replace(",", "")
    elif "," in value:
        value = value.replace(",", ".")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is not a finite number")
    return number


@dataclass
class _StockCollector:
    """Sums the rows of a file per article and, when the file names lots, per lot."""

    mapping: FileMapping
    stock: dict = field(default_factory=dict)

    def add(self, line, article_number, quantity_text, lot):
        article_number = (article_number or "").strip()
        if not article_number:
            raise SourceError(f"the row has no {self.mapping.article_field}.", line)
        if quantity_text is None or not str(quantity_text).strip():
            raise SourceError(
                f"article {article_number} has no {self.mapping.quantity_field}.", line
            )
        try:
            quantity = parse_quantity(quantity_text)
        except ValueError as error:
            raise SourceError(
                f"{quantity_text!r} in {self.mapping.quantity_field} of article {article_number} "
                "is not a quantity.",
                line,
            ) from error
        if quantity < 0:
            raise SourceError(
                f"article {article_number} has the negative quantity {quantity:g}; "
                "a stock balance is never negative.",
                line,
            )

        entry = self.stock.get(article_number)
        if entry is None:
            lots = {} if self.mapping.lot_field else None
            entry = self.stock[article_number] = ArticleStock(article_number, 0.0, lots, line)
        entry.quantity += quantity
        if entry.lots is not None:
            lot = (lot or "").strip()
            entry.lots[lot] = entry.lots.get(lot, 0.0) + quantity

    def result(self, what):
        if not self.stock:
            raise SourceError(f"The file contains no {what}; nothing was compared.")
        return self.stock


def _decode(data, encoding):
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError(
            f"the file is not valid {encoding} text. Choose the file's encoding in the "
            "backend's reconciliation settings.",
            line,
        ) from error
    except LookupError as error:
        raise SourceError(f"Unknown file encoding {encoding!r}.") from error


def read_csv(data, mapping):
    """Read a CSV stock-balance file (bytes) whose first line names the columns."""
    text = _decode(data, mapping.encoding)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=mapping.delimiter, strict=True)
    collector = _StockCollector(mapping)
    # csv does not say where a broken row started, so errors name the line after the last good one.
    last_line = 0
    try:
        header = reader.fieldnames
        if not header:
            raise SourceError("The file is empty; nothing was compared.")
        reader.fieldnames = [name.strip() for name in header]
        wanted = [mapping.article_field, mapping.quantity_field]
        if mapping.lot_field:
            wanted.append(mapping.lot_field)
        missing = [name for name in wanted if name not in reader.fieldnames]
        if missing:
            raise SourceError(
                f"the file has no column {', '.join(missing)} (columns found: "
                f"{', '.join(reader.fieldnames)}). Check the delimiter and the column names in "
                "the backend's reconciliation settings.",
                1,
            )
        last_line = reader.line_num
        for row in reader:
            line = reader.line_num
            extra = row.pop(None, None) or []
            filled = sum(value is not None for value in row.values())
            if extra or filled < len(reader.fieldnames):
                raise SourceError(
                    f"the row has a different number of fields ({filled + len(extra)}) than "
                    f"the heading ({len(reader.fieldnames)}).",
                    line,
                )
            if not any(value.strip() for value in row.values()):
                continue
            collector.add(
                line,
                row[mapping.article_field],
                row[mapping.quantity_field],
                row[mapping.lot_field] if mapping.lot_field else None,
            )
            last_line = line
    except csv.Error as error:
        raise SourceError(f"the file is not valid CSV: {error}.", last_line + 1) from error
    return collector.result("stock rows")


class _TrackedExpat:
    """The expat module as xmltodict uses it, keeping the parser to read its line number."""

    def __init__(self):
        self.parser = None

    def ParserCreate(self, *args, **kwargs):
        self.parser = expat.ParserCreate(*args, **kwargs)
        return self.parser

    @property
    def line(self):
        return self.parser.CurrentLineNumber if self.parser else None


def _xml_value(record, name, line):
    value = record.get(name.removeprefix("@"))
    if value is None:
        value = record.get("@" + name.removeprefix("@"))
    if isinstance(value, list):
        raise SourceError(f"the record has more than one {name}.", line)
    if isinstance(value, dict):
        value = value.get("#text")
    return value


def read_xml(data, mapping):
    """Read an XML stock-balance file (bytes) with one record element per row."""
    path = [part for part in mapping.record_path.split("/") if part]
    if not path:
        raise SourceError(
            "No XML record path is set, such as StockBalance/Article: set it in the backend's "
            "reconciliation settings."
        )
    collector = _StockCollector(mapping)
    tracked = _TrackedExpat()

    def handle(item_path, record):
        if [name for name, _attributes in item_path] != path:
            return True
        line = tracked.line
        if not isinstance(record, dict):
            raise SourceError(f"the element {path[-1]} has no fields.", line)
        lot = _xml_value(record, mapping.lot_field, line) if mapping.lot_field else None
        collector.add(
            line,
            _xml_value(record, mapping.article_field, line),
            _xml_value(record, mapping.quantity_field, line),
            lot,
        )
        return True

    try:
        xmltodict.parse(
            data,
            expat=tracked,
            disable_entities=True,
            item_depth=len(path),
            item_callback=handle,
        )
    except SourceError:
        raise
    except expat.ExpatError as error:
        raise SourceError(
            f"the XML is malformed at column {error.offset + 1}: {expat.ErrorString(error.code)}.",
            error.lineno,
        ) from error
    except ValueError as error:
        # xmltodict raises ValueError from its entity declaration handler, before
        # the entity is stored, so nothing is ever expanded.
        if "entit" in str(error):
            raise SourceError(
                "the XML declares an entity, which is rejected because entities can expand "
                "without limit or read files on the server.",
                tracked.line,
            ) from error
        raise SourceError(f"the XML could not be read: {error}.", tracked.line) from error
    return collector.result(f"{'/'.join(path)} elements")


def check_file_size(size):
    """Raise SourceError when a file of ``size`` bytes is larger than :data:`MAX_FILE_BYTES`."""
    if size > MAX_FILE_BYTES:
        raise SourceError(
            f"The file has {size / 2**20:.1f} MiB, more than the {MAX_FILE_BYTES // 2**20} MiB "
            "a stock-balance file may have. Ask the warehouse for a file with only the article "
            "number, quantity and lot columns."
        )


def read_stock_file(data, file_name, mapping):
    """Read a stock-balance file as XML or CSV, by its extension or else by its first character."""
    check_file_size(len(data))
    name = (file_name or "").lower()
    if name.endswith(".xml"):
        return read_xml(data, mapping)
    if name.endswith((".csv", ".txt")):
        return read_csv(data, mapping)
    start = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    return read_xml(data, mapping) if start == b"<" else read_csv(data, mapping)


def stock_from_api(articles, items_by_article=None):
    """Return the stock of Ongoing's articles (client ``Article`` documents).

    ``items_by_article`` maps article numbers to their ``ArticleItems``; the
    articles found there get quantities per lot, the others none.
    """
    items_by_article = items_by_article or {}
    stock = {}
    for article in articles:
        quantity = article.inventory.physical if article.inventory else 0.0
        items = items_by_article.get(article.article_number)
        lots = items.quantities_per_lot() if items is not None else None
        stock[article.article_number] = ArticleStock(article.article_number, quantity, lots)
    return stock
