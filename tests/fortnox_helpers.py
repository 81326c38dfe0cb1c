"""Shared set-up of the Fortnox client and simulator tests."""

import unittest
from datetime import datetime, timezone

from ..clients.fortnox import FortnoxClient, FortnoxOAuth
from ..simulators.base import SimulatorServer
from ..simulators.fortnox import FortnoxSimulator

CLIENT_ID = "test-client"
CLIENT_SECRET = "test-client-secret-7f3a"
REDIRECT_URI = "http://localhost:8069/fortnox/oauth/callback"

#: The simulated "now": 2025-06-16 10:00 UTC, so the seeded financial years are 2024-2026.
START = datetime(2025, 6, 16, 10, 0, tzinfo=timezone.utc).timestamp()
TODAY = "2025-06-16"


class FakeClock:
    """A clock that only moves when something sleeps on it or a test advances it."""

    def __init__(self, start=START):
        self.now = start
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds):
        self.now += seconds


class FortnoxSimulatorCase(unittest.TestCase):
    """Starts one simulator per class on a free loopback port; each test starts from scratch."""

    simulator_options = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clock = FakeClock()
        cls.simulator = FortnoxSimulator(
            CLIENT_ID,
            CLIENT_SECRET,
            redirect_uris=[REDIRECT_URI],
            clock=cls.clock.time,
            **cls.simulator_options,
        )
        cls.server = SimulatorServer(cls.simulator).start()
        cls.addClassCleanup(cls.server.stop)
        cls.api_url = f"{cls.server.url}/3"
        cls.auth_url = f"{cls.server.url}/oauth-v1/auth"
        cls.token_url = f"{cls.server.url}/oauth-v1/token"

    def setUp(self):
        super().setUp()
        self.clock.now = START
        self.clock.sleeps.clear()
        self.simulator.set_clock_offset(0)
        self.simulator.reset(connections=True)
        self.simulator.set_deny_authorization(False)
        self.tokens = self.simulator.create_connection()
        self.client = self.make_client()

    def make_client(self, access_token=None, **options):
        options.setdefault("sleep", self.clock.sleep)
        return FortnoxClient(self.api_url, access_token or self.tokens["access_token"], **options)

    def make_oauth(self, client_secret=CLIENT_SECRET, **options):
        return FortnoxOAuth(
            CLIENT_ID,
            client_secret,
            self.auth_url,
            self.token_url,
            clock=self.clock.time,
            **options,
        )

    def create_customer(self, **fields):
        return self.client.create_customer({"Name": "Kund AB", **fields})
