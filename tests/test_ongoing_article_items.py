"""The article item list (stock per batch, serial and location), client and simulator."""

from ..clients.ongoing_documents import ArticleItems, ArticlePayload
from .ongoing_common import OngoingSimulatorCase


class TestArticleItems(OngoingSimulatorCase):
    def setUp(self):
        super().setUp()
        self.client.put_article(ArticlePayload("VIN-1", "Vinglas Kosta"))
        self.client.put_article(ArticlePayload("SER-1", "Kaffebryggare"))
        self.sim.set_stock("VIN-1", 6, batch="B-2024")
        self.sim.set_stock("VIN-1", 4, batch="B-2025")
        self.sim.set_stock("SER-1", 1, serial="SN-0001")

    def test_items_give_quantities_per_lot(self):
        entries = {entry.article_number: entry for entry in self.client.iter_article_items()}
        self.assertEqual(entries["VIN-1"].quantities_per_lot(), {"B-2024": 6, "B-2025": 4})
        self.assertEqual(entries["SER-1"].quantities_per_lot(), {"SN-0001": 1})

    def test_locked_items_keep_their_lot_and_flag(self):
        self.sim.lock_stock("VIN-1", 2, "Damaged", batch="B-2024")
        [entry] = self.client.iter_article_items(["VIN-1"])
        locked = [item for item in entry.items if item.is_locked]
        self.assertEqual([(item.batch, item.quantity) for item in locked], [("B-2024", 2)])
        self.assertEqual(locked[0].status, "LOCKED")
        self.assertEqual(entry.quantities_per_lot(), {"B-2024": 6, "B-2025": 4})

    def test_items_add_up_to_physical_stock(self):
        self.sim.adjust("VIN-1", -1, batch="B-2025")
        [article] = self.client.iter_articles(article_numbers=["VIN-1"])
        [entry] = self.client.iter_article_items(["VIN-1"])
        self.assertEqual(sum(item.quantity for item in entry.items), article.inventory.physical)
        self.assertEqual(article.inventory.physical, 9)

    def test_article_without_stock_has_no_items(self):
        self.client.put_article(ArticlePayload("TOM-1", "Tom artikel"))
        [entry] = self.client.iter_article_items(["TOM-1"])
        self.assertEqual(entry.items, ())

    def test_numbers_asked_in_chunks(self):
        numbers = [f"N-{index}" for index in range(250)] + ["VIN-1"]
        found = [entry.article_number for entry in self.client.iter_article_items(numbers)]
        self.assertEqual(found, ["VIN-1"])
        requests = self.sim.requests_to("GET", "/demo/api/v1/articleItems")
        self.assertEqual([len(r.query["articleNumbers"]) for r in requests], [100, 100, 51, 51])

    def test_pages_by_cursor(self):
        found = [entry.article_number for entry in self.client.iter_article_items(page_size=1)]
        self.assertEqual(found, ["VIN-1", "SER-1"])
        self.assertEqual(len(self.sim.requests_to("GET", "/demo/api/v1/articleItems")), 3)

    def test_location_filter(self):
        self.sim.set_stock("VIN-1", 1, batch="B-2026", location="B7")
        rows = self.get_json("articleItems", articleNumber="VIN-1", locationNames="B7")
        self.assertEqual([item["batch"] for item in rows[0]["items"]], ["B-2026"])

    def test_response_shape(self):
        [row] = self.get_json("articleItems", articleNumber="SER-1")
        self.assertEqual(set(row), {"articleSystemId", "articleNumber", "items"})
        [item] = row["items"]
        self.assertEqual(
            set(item),
            {
                "batch",
                "container",
                "expiryDate",
                "isLocked",
                "isLockedForSale",
                "location",
                "numberOfItems",
                "serial",
                "status",
                "comment",
                "warehouse",
                "inDate",
            },
        )
        self.assertEqual(ArticleItems.from_json(row).items[0].lot, "SN-0001")
