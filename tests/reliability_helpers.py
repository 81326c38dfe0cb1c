"""Helpers of the reliability tests: crashes at chosen moments, and failed jobs to requeue."""

import logging
import re
from contextlib import contextmanager
from unittest.mock import patch

from lxml import etree

from odoo.tools.safe_eval import safe_eval

from .job_runner import run_jobs


class SimulatedCrash(Exception):
    """The Odoo worker dies at this point: its transaction is rolled back, the remote side stays."""


class WorkerKilled(BaseException):
    """The worker process is killed, so no ``except Exception`` in the job catches it.

    The job's transaction is lost and the job stays "started" until queue_job's
    runner finds it dead (see :func:`requeue_dead_jobs`).
    """


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


@contextmanager
def kill_after(owner, name):
    """Make ``owner.name`` run for real and then raise WorkerKilled."""
    real = getattr(owner, name)

    def run_then_die(*args, **kwargs):
        real(*args, **kwargs)
        raise WorkerKilled(f"{owner.__name__}.{name} returned, then the worker was killed")

    with patch.object(owner, name, run_then_die):
        yield


def run_jobs_until_killed(env):
    """Run the queued jobs until one kills its worker; return the job left "started".

    Odoo's ``assertRaises`` would roll back to a savepoint and so undo the job's
    "started" state, so the kill is caught here.
    """
    try:
        run_jobs(env)
    except WorkerKilled:
        env.invalidate_all()
        return env["queue.job"].search([("state", "=", "started")])
    raise AssertionError("No job was killed.")


def requeue_dead_jobs(env):
    """Put the started jobs back to pending, as queue_job's runner does with dead workers' jobs."""
    env.flush_all()
    env.cr.execute(
        "UPDATE queue_job SET state = 'pending', retry = COALESCE(retry, 0) + 1 "
        "WHERE state IN ('enqueued', 'started') RETURNING id"
    )
    jobs = env["queue.job"].browse(row[0] for row in env.cr.fetchall())
    env.invalidate_all()
    return jobs


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


def button_visible(record, name):
    """Return whether the record's form view shows the button ``name``, by its invisible rule."""
    arch = record.get_views([(False, "form")])["views"]["form"]["arch"]
    [button] = etree.fromstring(arch).xpath(f"//button[@name='{name}']")
    expression = button.get("invisible")
    if not expression:
        return True
    names = [word for word in set(re.findall(r"[a-z_]+", expression)) if word in record._fields]
    values = record.read(names)[0]
    # The web client sees a many-to-one field as its id.
    context = {
        key: value[0] if isinstance(value, tuple) else value
        for key, value in values.items()
        if key in names
    }
    return not safe_eval(expression, context)
