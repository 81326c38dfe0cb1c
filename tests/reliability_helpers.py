"""Helpers of the reliability tests: crashes at chosen moments, and failed jobs to requeue."""

import logging
from contextlib import contextmanager
from unittest.mock import patch


class SimulatedCrash(Exception):
    """The Odoo worker dies at this point: its transaction is rolled back, the remote side stays."""


@contextmanager
def crash_after(owner, name):
    """Make ``owner.name`` run for real and then raise SimulatedCrash.

    ``owner`` is a class (a client, or an Odoo model's registry class). Yields
    the list of values the real calls returned, so a test can check that the
    remote side did the work.
    """
    real = getattr(owner, name)
    returned = []

    def run_then_crash(*args, **kwargs):
        returned.append(real(*args, **kwargs))
        raise SimulatedCrash(f"{owner.__name__}.{name} returned, then the worker died")

    with patch.object(owner, name, run_then_crash):
        yield returned


@contextmanager
def crash_before(owner, name):
    """Make ``owner.name`` raise SimulatedCrash without running."""

    def crash(*args, **kwargs):
        raise SimulatedCrash(f"the worker died before {owner.__name__}.{name}")

    with patch.object(owner, name, crash):
        yield


def failed_jobs(env, method_name=None):
    """Return the failed queue jobs, optionally only those of one job method."""
    domain = [("state", "=", "failed")]
    if method_name:
        domain.append(("method_name", "=", method_name))
    return env["queue.job"].search(domain)


def requeue_failed(env, method_name=None):
    """Put the failed jobs back in the queue, as the Requeue button does; return them."""
    jobs = failed_jobs(env, method_name)
    jobs.requeue()
    return jobs


@contextmanager
def capture_logs(excluded=("odoo.sql_db",)):
    """Capture every log record at DEBUG and above, whatever levels the test run set.

    Yields a list that receives each formatted record, traceback included.
    ``odoo.sql_db`` is left at its level by default: at DEBUG it prints every
    query with its parameters, which is Odoo's own query log and contains
    whatever the ORM writes.
    """
    lines = []
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")

    class ListHandler(logging.Handler):
        def emit(self, record):
            lines.append(formatter.format(record))

    kept = {
        logging.getLogger(name): logging.getLogger(name).getEffectiveLevel() for name in excluded
    }
    loggers = [logging.getLogger()] + [
        logger
        for logger in logging.Logger.manager.loggerDict.values()
        if isinstance(logger, logging.Logger)
    ]
    levels = [(logger, logger.level) for logger in loggers]
    kept = {
        logging.getLogger(name): logging.getLogger(name).getEffectiveLevel() for name in excluded
    }
    handler = ListHandler(level=logging.DEBUG)
    for logger in loggers[1:]:
        logger.setLevel(logging.NOTSET)
    for logger, level in kept.items():
        logger.setLevel(level)
    loggers[0].setLevel(logging.DEBUG)
    loggers[0].addHandler(handler)
    try:
        yield lines
    finally:
        loggers[0].removeHandler(handler)
        for logger, level in levels:
            logger.setLevel(level)
