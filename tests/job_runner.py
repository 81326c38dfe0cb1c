"""Perform stored queue jobs in this process, as queue_job's runner would.

Used by the tests and the benchmarks; it does not import Odoo's test framework.
"""

from odoo import fields

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job


def run_jobs(env, max_rounds=20, include_delayed=False):
    """Run the stored pending queue jobs as the job runner would, until none is left.

    Each job runs in a savepoint: a retryable error postpones it, another error
    marks it failed, as queue_job does. Jobs with a later ``eta`` wait unless
    ``include_delayed``. Returns the jobs that ran.
    """
    ran = env["queue.job"]
    for _round in range(max_rounds):
        domain = [("state", "=", "pending")]
        if not include_delayed:
            domain += ["|", ("eta", "=", False), ("eta", "<=", fields.Datetime.now())]
        records = env["queue.job"].search(domain, order="id") - ran
        if not records:
            break
        for record in records:
            job = Job.load(env, record.uuid)
            job.set_started()
            job.store()
            try:
                with env.cr.savepoint():
                    job.perform()
            except RetryableJobError as error:
                # Without seconds, queue_job takes the delay from the job function's retry pattern.
                job.postpone(result=str(error), seconds=error.seconds)
                job.set_pending(reset_retry=False)
            except Exception as error:  # noqa: BLE001 - the runner records any failure
                job.set_failed(
                    exc_info=repr(error),
                    exc_name=type(error).__name__,
                    exc_message=error.args[0] if error.args else str(error),
                )
            else:
                job.set_done(result=job.result)
            job.store()
            ran |= record
    return ran
