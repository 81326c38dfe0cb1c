"""Helpers of the benchmarks: an Odoo environment on a bench database, and timers.

A benchmark runs inside one transaction that is rolled back at the end, so the
bench database stays as created (a fresh Swedish company with the addon).
"""

import contextlib
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def project_setting(name):
    """Return a setting that tools/python exports (ODOO_CONF, BUILD, VENV), or stop."""
    value = os.environ.get(name)
    if not value:
        sys.exit(f"bench: {name} is not set; run the benchmark through tools/python.")
    return value


@contextlib.contextmanager
def odoo_env(config_path, db_name):
    """Yield a superuser environment on ``db_name``, creating the database if needed."""
    import odoo
    from odoo.service import db as db_service

    odoo.tools.config.parse_config(["-c", config_path, "--log-level=warn"])
    if db_name not in db_service.list_dbs(force=True):
        sys.path.insert(0, str(ROOT / "tools"))
        import create_db

        sys.argv = ["create_db", config_path, db_name]
        create_db.main()
    registry = odoo.modules.registry.Registry(db_name)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        try:
            yield env
        finally:
            cr.rollback()


class Stopwatch:
    """Accumulate the time spent inside a wrapped callable (for example HTTP requests)."""

    def __init__(self):
        self.seconds = 0.0
        self.calls = 0

    def wrap(self, owner, name):
        original = getattr(owner, name)
        watch = self

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                watch.seconds += time.perf_counter() - started
                watch.calls += 1

        setattr(owner, name, timed)
        return lambda: setattr(owner, name, original)


def peak_memory_mb():
    """Return the process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
