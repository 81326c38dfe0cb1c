"""Reading stock-balance files and comparing stock, without Odoo."""

import unittest

from ..reconciliation import compare
from ..reconciliation.compare import OdooStock, compare_stock, document_in_flight
from ..reconciliation.sources import (
    ArticleStock,
    FileMapping,
    SourceError,
    parse_quantity,
    read_csv,
    read_stock_file,
    read_xml,
)

CSV_BALANCE = (
    "ArticleNumber;ArticleName;NumberOfItems\n"
    "HT-KUD-01;Kudde Åre;38\n"
    "HT-PLD-02;Pläd Öland;12,5\n"
    "HT-KUD-01;Kudde Åre;2\n"
).encode()

XML_BALANCE = """<?xml version="1.0" encoding="utf-8"?>
<StockBalance date="2025-01-12">
  <Header><Warehouse>Borås</Warehouse></Header>
  <Article>
    <ArticleNumber>HT-KUD-01</ArticleNumber>
    <NumberOfItems>38</NumberOfItems>
  </Article>
  <Article ArticleNumber="HT-PLD-02">
    <NumberOfItems>12.5</NumberOfItems>
  </Article>
  <Article>
    <ArticleNumber>HT-KUD-01</ArticleNumber>
    <NumberOfItems>2</NumberOfItems>
  </Article>
</StockBalance>
""".encode()

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE StockBalance [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<StockBalance>
  <Article><ArticleNumber>&lol9;</ArticleNumber><NumberOfItems>1</NumberOfItems></Article>
</StockBalance>
"""


class TestQuantities(unittest.TestCase):
    def test_decimal_comma_and_point(self):
        self.assertEqual(parse_quantity("12,5"), 12.5)
        self.assertEqual(parse_quantity("12.5"), 12.5)

    def test_thousands_separators(self):
        self.assertEqual(parse_quantity("1 234,5"), 1234.5)
        self.assertEqual(parse_quantity("1\u00a0234"), 1234)
        self.assertEqual(parse_quantity("1.234,5"), 1234.5)
        self.assertEqual(parse_quantity("1,234.5"), 1234.5)

    def test_text_and_infinity_rejected(self):
        for text in ("", "tolv", "inf", "nan", "1,2,3"):
            with self.subTest(text=text), self.assertRaises(ValueError):
                parse_quantity(text)


class TestCsvBalance(unittest.TestCase):
    def test_rows_summed_per_article(self):
        stock = read_csv(CSV_BALANCE, FileMapping())
        self.assertEqual(stock["HT-KUD-01"].quantity, 40)
        self.assertEqual(stock["HT-PLD-02"].quantity, 12.5)
        self.assertIsNone(stock["HT-KUD-01"].lots)

    def test_lot_column_gives_quantities_per_lot(self):
        data = b"Art,Qty,Batch\nVIN-1,6,B-2024\nVIN-1,4,B-2025\nVIN-1,1,\n"
        mapping = FileMapping("Art", "Qty", "Batch", delimiter=",")
        stock = read_csv(data, mapping)
        self.assertEqual(stock["VIN-1"].quantity, 11)
        self.assertEqual(stock["VIN-1"].lots, {"B-2024": 6, "B-2025": 4, "": 1})

    def test_windows_1252_file_read(self):
        data = "ArticleNumber;NumberOfItems\nPLÄD-Ö;3\n".encode("cp1252")
        stock = read_csv(data, FileMapping(encoding="cp1252"))
        self.assertEqual(stock["PLÄD-Ö"].quantity, 3)

    def test_invalid_quantity_names_line(self):
        data = b"ArticleNumber;NumberOfItems\nA-1;3\nA-2;3\nA-3;tre\n"
        with self.assertRaises(SourceError) as caught:
            read_csv(data, FileMapping())
        self.assertEqual(caught.exception.line, 4)
        self.assertIn("'tre'", str(caught.exception))
        self.assertTrue(str(caught.exception).startswith("Line 4:"))

    def test_negative_quantity_rejected(self):
        with self.assertRaises(SourceError) as caught:
            read_csv(b"ArticleNumber;NumberOfItems\nA-1;-2\n", FileMapping())
        self.assertEqual(caught.exception.line, 2)
        self.assertIn("negative", str(caught.exception))

    def test_missing_column_names_heading_line(self):
        with self.assertRaises(SourceError) as caught:
            read_csv(b"ArticleNumber,NumberOfItems\nA-1,2\n", FileMapping())
        self.assertEqual(caught.exception.line, 1)
        self.assertIn("no column ArticleNumber", str(caught.exception))

    def test_row_with_extra_field_rejected(self):
        with self.assertRaises(SourceError) as caught:
            read_csv(b"ArticleNumber;NumberOfItems\nA-1;2\nA-2;3;9\n", FileMapping())
        self.assertEqual(caught.exception.line, 3)

    def test_unterminated_quote_rejected(self):
        with self.assertRaises(SourceError) as caught:
            read_csv(b'ArticleNumber;NumberOfItems\nA-1;2\n"A-2;3\n', FileMapping())
        self.assertEqual(caught.exception.line, 3)

    def test_wrong_encoding_names_line(self):
        data = b"ArticleNumber;NumberOfItems\nA-1;2\nPL\xc4D;3\n"
        with self.assertRaises(SourceError) as caught:
            read_csv(data, FileMapping())
        self.assertEqual(caught.exception.line, 3)
        self.assertIn("encoding", str(caught.exception))

    def test_heading_only_file_rejected(self):
        with self.assertRaisesRegex(SourceError, "no stock rows"):
            read_csv(b"ArticleNumber;NumberOfItems\n;\n", FileMapping())

    def test_blank_lines_skipped(self):
        stock = read_csv(b"ArticleNumber;NumberOfItems\n\nA-1;2\n;\n", FileMapping())
        self.assertEqual(list(stock), ["A-1"])


class TestXmlBalance(unittest.TestCase):
    def test_same_stock_as_csv(self):
        from_xml = read_xml(XML_BALANCE, FileMapping())
        from_csv = read_csv(CSV_BALANCE, FileMapping())
        self.assertEqual(
            {number: entry.quantity for number, entry in from_xml.items()},
            {number: entry.quantity for number, entry in from_csv.items()},
        )

    def test_attribute_fields(self):
        data = (
            b'<Stock><Row item="A-1" qty="2" lot="L1"/><Row item="A-1" qty="3" lot="L2"/></Stock>'
        )
        mapping = FileMapping("@item", "@qty", "@lot", record_path="Stock/Row")
        stock = read_xml(data, mapping)
        self.assertEqual(stock["A-1"].lots, {"L1": 2, "L2": 3})

    def test_entity_declaration_refused_before_use(self):
        with self.assertRaises(SourceError) as caught:
            read_xml(BILLION_LAUGHS, FileMapping())
        self.assertIn("entity", str(caught.exception))
        # Refused at the first declaration (line 3), before the document uses any entity.
        self.assertEqual(caught.exception.line, 3)

    def test_external_entity_refused(self):
        data = (
            b'<?xml version="1.0"?>\n<!DOCTYPE StockBalance [\n'
            b'<!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n'
            b"<StockBalance><Article><ArticleNumber>&secret;</ArticleNumber>"
            b"<NumberOfItems>1</NumberOfItems></Article></StockBalance>"
        )
        with self.assertRaisesRegex(SourceError, "declares an entity"):
            read_xml(data, FileMapping())

    def test_malformed_xml_names_line(self):
        data = (
            b"<StockBalance>\n<Article><ArticleNumber>A-1</ArticleNumber>\n"
            b"<NumberOfItems>2</NumberOfItems></Articel>\n</StockBalance>"
        )
        with self.assertRaises(SourceError) as caught:
            read_xml(data, FileMapping())
        self.assertEqual(caught.exception.line, 3)
        self.assertIn("malformed", str(caught.exception))

    def test_record_without_quantity_names_line(self):
        data = (
            b"<StockBalance>\n<Article><ArticleNumber>A-1</ArticleNumber>"
            b"<NumberOfItems>2</NumberOfItems></Article>\n"
            b"<Article><ArticleNumber>A-2</ArticleNumber></Article>\n</StockBalance>"
        )
        with self.assertRaises(SourceError) as caught:
            read_xml(data, FileMapping())
        self.assertEqual(caught.exception.line, 3)
        self.assertIn("A-2", str(caught.exception))

    def test_wrong_record_path_finds_nothing(self):
        with self.assertRaisesRegex(SourceError, "no Stock/Article elements"):
            read_xml(XML_BALANCE, FileMapping(record_path="Stock/Article"))

    def test_format_chosen_by_name_or_content(self):
        self.assertIn("HT-PLD-02", read_stock_file(XML_BALANCE, "saldo.XML", FileMapping()))
        self.assertIn("HT-PLD-02", read_stock_file(XML_BALANCE, "saldo", FileMapping()))
        self.assertIn("HT-PLD-02", read_stock_file(CSV_BALANCE, "saldo.csv", FileMapping()))


def odoo(article, quantity, product_id=1, **values):
    return OdooStock(product_id, article, quantity, lots={"": quantity}, **values)


def tracked(article, lots, product_id=1):
    return OdooStock(
        product_id, article, sum(lots.values()), lots=dict(lots), tracked=True, rounding=1.0
    )


class TestInFlight(unittest.TestCase):
    def test_pick_not_booked_lowers_ongoing(self):
        self.assertEqual(document_in_flight(-1, done=3, booked=0), -3)

    def test_delivery_booked_before_pick_raises_ongoing(self):
        self.assertEqual(document_in_flight(-1, done=0, booked=3), 3)

    def test_receipt_partly_booked(self):
        self.assertEqual(document_in_flight(1, done=5, booked=2), 3)

    def test_return_not_booked_raises_ongoing(self):
        self.assertEqual(document_in_flight(-1, done=4, booked=4, returned=1), 1)


class TestCompareStock(unittest.TestCase):
    def test_equal_stock_matches(self):
        findings, matched = compare_stock({"A": ArticleStock("A", 5)}, {"A": odoo("A", 5)})
        self.assertEqual(findings, [])
        self.assertEqual(matched, 1)

    def test_lost_and_found(self):
        findings, _matched = compare_stock(
            {"A": ArticleStock("A", 3), "B": ArticleStock("B", 9)},
            {"A": odoo("A", 5, 1), "B": odoo("B", 7, 2)},
        )
        self.assertEqual(
            [(f.case, f.article_number, f.difference) for f in findings],
            [(compare.DIFFERENCE, "A", -2), (compare.DIFFERENCE, "B", 2)],
        )

    def test_pending_pick_settles_difference(self):
        findings, _matched = compare_stock(
            {"A": ArticleStock("A", 7)}, {"A": odoo("A", 10)}, in_flight={"A": -3}
        )
        [finding] = findings
        self.assertEqual(finding.case, compare.IN_FLIGHT)
        self.assertEqual(finding.difference, 0)
        self.assertEqual(finding.in_flight, -3)

    def test_pending_pick_and_loss(self):
        findings, _matched = compare_stock(
            {"A": ArticleStock("A", 6)}, {"A": odoo("A", 10)}, in_flight={"A": -3}
        )
        [finding] = findings
        self.assertEqual(finding.case, compare.DIFFERENCE)
        self.assertEqual(finding.difference, -1)

    def test_unknown_on_both_sides(self):
        findings, _matched = compare_stock(
            {"GHOST": ArticleStock("GHOST", 4)}, {"LOCAL": odoo("LOCAL", 2)}
        )
        self.assertEqual(
            [(f.case, f.article_number) for f in findings],
            [(compare.UNKNOWN_IN_ODOO, "GHOST"), (compare.UNKNOWN_IN_ONGOING, "LOCAL")],
        )

    def test_empty_unknowns_ignored(self):
        findings, matched = compare_stock(
            {"GHOST": ArticleStock("GHOST", 0)}, {"LOCAL": odoo("LOCAL", 0)}
        )
        self.assertEqual(findings, [])
        self.assertEqual(matched, 2)

    def test_file_leaving_out_known_article_means_zero(self):
        findings, _matched = compare_stock({}, {"A": odoo("A", 4)}, absent_as_zero={"A"})
        [finding] = findings
        self.assertEqual((finding.case, finding.difference), (compare.DIFFERENCE, -4))

    def test_changed_during_run_left_for_next(self):
        findings, _matched = compare_stock(
            {"A": ArticleStock("A", 4)}, {"A": odoo("A", 5)}, in_flight={"A": -2}, moving={"A"}
        )
        [finding] = findings
        self.assertEqual(finding.case, compare.MOVING)

    def test_duplicate_reference_left_to_check(self):
        findings, _matched = compare_stock(
            {"A": ArticleStock("A", 4)}, {"A": odoo("A", 5, problem="duplicate_reference")}
        )
        [finding] = findings
        self.assertEqual((finding.case, finding.reason), (compare.CHECK, "duplicate_reference"))

    def test_lots_corrected_one_by_one(self):
        findings, _matched = compare_stock(
            {"V": ArticleStock("V", 5, lots={"L1": 3, "L2": 2})},
            {"V": tracked("V", {"L1": 5})},
        )
        self.assertEqual(
            [(f.lot, f.odoo_quantity, f.ongoing_quantity, f.difference) for f in findings],
            [("L1", 5, 3, -2), ("L2", 0, 2, 2)],
        )

    def test_tracked_without_lots_left_to_check(self):
        findings, _matched = compare_stock(
            {"V": ArticleStock("V", 4)}, {"V": tracked("V", {"L1": 5})}
        )
        [finding] = findings
        self.assertEqual((finding.case, finding.reason), (compare.CHECK, compare.NO_LOTS))

    def test_tracked_with_pending_bookings_left_to_check(self):
        findings, _matched = compare_stock(
            {"V": ArticleStock("V", 1, lots={"L1": 1})},
            {"V": tracked("V", {"L1": 5})},
            in_flight={"V": -2},
        )
        [finding] = findings
        self.assertEqual(finding.reason, compare.TRACKED_IN_FLIGHT)

    def test_items_without_lot_left_to_check(self):
        findings, _matched = compare_stock(
            {"V": ArticleStock("V", 5, lots={"L1": 4, "": 1})}, {"V": tracked("V", {"L1": 4})}
        )
        [finding] = findings
        self.assertEqual(finding.reason, compare.ITEMS_WITHOUT_LOT)

    def test_rounding_noise_ignored(self):
        findings, _matched = compare_stock(
            {"A": ArticleStock("A", 0.1 + 0.2)}, {"A": odoo("A", 0.3, rounding=0.01)}
        )
        self.assertEqual(findings, [])
