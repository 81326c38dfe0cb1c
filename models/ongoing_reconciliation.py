import logging
import time

import psycopg2
from markupsafe import Markup

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import format_amount

from ..clients.errors import FixCredentialsError, FixRequestError, NotFoundError, RetryLaterError
from ..reconciliation import compare
from ..reconciliation.sources import SourceError
from .ongoing_binding_mixin import MAX_AUTOMATIC_ATTEMPTS, job_retry_error

_logger = logging.getLogger(__name__)

# Minimum seconds before a run is tried again when Ongoing was unavailable. Later
# attempts wait longer (see job_retry_error).
RETRY_SECONDS = 300

RECONCILIATION_STATES = [
    ("queued", "Queued"),
    ("done", "Done"),
    ("failed", "Failed"),
]
RECONCILIATION_MODES = [
    ("report", "Report Only"),
    ("apply", "Apply Differences"),
]
RECONCILIATION_SOURCES = [
    ("api", "Ongoing API"),
    ("file", "Stock-Balance File"),
]
LINE_CASES = [
    (compare.DIFFERENCE, "Difference"),
    (compare.IN_FLIGHT, "Settled by Pending Bookings"),
    (compare.UNKNOWN_IN_ODOO, "Unknown in Odoo"),
    (compare.UNKNOWN_IN_ONGOING, "Unknown in Ongoing"),
    (compare.CHECK, "To Check"),
    (compare.MOVING, "Changed During the Run"),
    (compare.SETTLED, "Settled by a Real-Time Event"),
]


class OngoingReconciliation(models.Model):
    """One run that makes Odoo's stock in the 3PL warehouse equal to Ongoing WMS's.

    Ongoing is the master. Its physical quantity per article (``numberOfItems``,
    which counts locked and quarantined items too) is compared with Odoo's
    on-hand quantity in the locations that mirror it: the warehouse's stock
    location with its children, and the backend's quarantine and locked
    locations. Both come from the API, or Ongoing's side from a stock-balance
    file the warehouse sends.

    In flight is what one side has moved and the other has not booked yet. For
    every line of a document bound to the backend (orders, purchase orders,
    return orders)::

        in flight = direction * (done in Ongoing - booked in Odoo)
                    + (returned in Ongoing - returns booked in Odoo)

    with direction -1 for orders (a pick lowers Ongoing's stock) and +1 for
    purchase and return orders (a receipt raises it). Ongoing's figures are
    read fresh from the lists the polling cron reads: orders with picks or
    returns to report and purchase orders with receipts to report. Other
    lines use the figures stored when Odoo last read the document. So:

    * 3 picked in Ongoing and not booked yet gives -3: the booking job will
      lower Odoo's stock, so the run does not;
    * a delivery of 3 validated in Odoo before Ongoing picked it gives +3;
    * a document whose booking failed (a problem shown on it) stays in flight
      until a person books it, since correcting the stock too would count the
      goods twice;
    * documents Odoo never sent (another system's orders) are not in flight:
      Odoo will never book them, so their effect is corrected like any drift.

    ``difference = Ongoing - Odoo - in flight``, and only differences are
    corrected: as inventory adjustments of ``stock.quant`` in inventory mode,
    named after the run, so that the stock valuation follows. Lot- and
    serial-tracked products are corrected per lot when Ongoing gives its
    quantities per lot, and are reported without correction otherwise.

    The document lists are read before and after the stock. An article whose
    bookings changed in between is reported as changed and left for the next
    run. NOTE: a stock change in Ongoing without a document (an inventory
    adjustment) while the run reads the stock is seen by the next run only;
    once Odoo books Ongoing's inventory adjustments from their events, the
    events not yet booked must count as in flight too.

    A run is one transaction: when anything fails, nothing of it stays
    applied, the error is shown on the record and the run can be started again.
    """

    _name = "ongoing.reconciliation"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Ongoing WMS Stock Reconciliation"
    _order = "id desc"

    name = fields.Char(readonly=True, copy=False, default=lambda self: _("New"))
    backend_id = fields.Many2one(
        "ongoing.backend", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    warehouse_id = fields.Many2one(related="backend_id.warehouse_id")
    state = fields.Selection(
        RECONCILIATION_STATES, default="queued", required=True, readonly=True, tracking=True
    )
    mode = fields.Selection(
        RECONCILIATION_MODES,
        required=True,
        readonly=True,
        help="Report Only lists the differences without changing Odoo's stock.",
    )
    source = fields.Selection(RECONCILIATION_SOURCES, required=True, readonly=True)
    file_id = fields.Many2one("ir.attachment", string="Stock-Balance File", readonly=True)
    file_name = fields.Char(readonly=True)
    date_start = fields.Datetime(string="Started", readonly=True, copy=False)
    date_done = fields.Datetime(string="Finished", readonly=True, copy=False)
    error = fields.Text(readonly=True, copy=False)
    line_ids = fields.One2many("ongoing.reconciliation.line", "reconciliation_id", readonly=True)

    article_count = fields.Integer(
        string="Articles Compared", readonly=True, help="Articles of Ongoing and products of Odoo."
    )
    matched_count = fields.Integer(string="Articles in Agreement", readonly=True)
    difference_count = fields.Integer(string="Differences", readonly=True)
    applied_count = fields.Integer(string="Corrections Applied", readonly=True)
    in_flight_count = fields.Integer(string="Settled by Pending Bookings", readonly=True)
    unknown_count = fields.Integer(
        string="Unknown Articles", readonly=True, help="Unknown in Odoo or in Ongoing."
    )
    check_count = fields.Integer(string="To Check", readonly=True)
    difference_value = fields.Monetary(
        readonly=True,
        help="Sum of the absolute values of the differences found, at the products' cost.",
    )
    valuation_change = fields.Monetary(
        readonly=True,
        help="What the applied corrections changed in the stock valuation, as booked.",
    )
    move_count = fields.Integer(compute="_compute_move_count")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("name") or vals["name"] == _("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("ongoing.reconciliation")
        return super().create(vals_list)

    def _compute_move_count(self):
        groups = self.env["stock.move"]._read_group(
            [("ongoing_reconciliation_id", "in", self.ids)],
            ["ongoing_reconciliation_id"],
            ["__count"],
        )
        counts = {reconciliation.id: count for reconciliation, count in groups}
        for reconciliation in self:
            reconciliation.move_count = counts.get(reconciliation.id, 0)

    # ------------------------------------------------------------------
    # Scheduling
    # ------------------------------------------------------------------

    def _ongoing_enqueue(self):
        """Queue the run in the backend's channel, after the bookings already waiting there."""
        for reconciliation in self:
            reconciliation.with_delay(
                channel=reconciliation.backend_id._get_job_channel(),
                identity_key=f"ongoing-reconcile:{reconciliation.id}",
                description=_(
                    "Reconcile stock with Ongoing WMS (%(name)s)", name=reconciliation.name
                ),
                max_retries=MAX_AUTOMATIC_ATTEMPTS,
            )._ongoing_run()

    def _ongoing_job_alive(self):
        """Return whether the run's job is still waiting or running."""
        self.ensure_one()
        return bool(
            self.env["queue.job"]
            .sudo()
            .search_count(
                [
                    ("identity_key", "=", f"ongoing-reconcile:{self.id}"),
                    ("state", "in", ("wait_dependencies", "pending", "enqueued", "started")),
                ]
            )
        )

    def action_retry(self):
        """Button: run a failed reconciliation again, from the same source."""
        failed = self.filtered(lambda reconciliation: reconciliation.state == "failed")
        failed.write({"state": "queued", "error": False, "date_done": False})
        failed._ongoing_enqueue()
        return True

    # ------------------------------------------------------------------
    # Job body
    # ------------------------------------------------------------------

    def _ongoing_run(self):
        """Job: compare, apply and report; on failure undo everything and show the error."""
        self.ensure_one()
        if self.state != "queued":
            return _("%(name)s has already run.", name=self.name)
        started = fields.Datetime.now()
        try:
            with self.env.cr.savepoint():
                # Written inside the savepoint, so that a failed attempt holds no lock on the
                # run while queue_job records the failure on it from another transaction.
                self.date_start = started
                # The run acts for the backend, as the superuser, because valuing stock moves
                # needs stock rights even under sudo (stock_account drops it to read
                # quantities). Who may start a run is checked by the ACLs of the run.
                summary = self.with_user(SUPERUSER_ID)._ongoing_reconcile()
        except RetryLaterError as error:
            retry = job_retry_error(self.env, error, minimum=RETRY_SECONDS)
            _logger.info(
                "Reconciliation %s: Ongoing unavailable, tried again in %s s: %s",
                self.id,
                retry.seconds,
                error,
            )
            raise retry from error
        except psycopg2.Error:
            # Concurrent updates are retried by the job runner in a new transaction.
            raise
        except (
            SourceError,
            FixRequestError,
            FixCredentialsError,
            NotFoundError,
            UserError,
            ValidationError,
        ) as error:
            self.date_start = started
            return self._ongoing_mark_failed(error)
        except Exception as error:
            _logger.exception("Reconciliation %s failed", self.id)
            self.date_start = started
            return self._ongoing_mark_failed(error)
        return summary

    def _ongoing_run_failed(self, job):
        """Fail a queued run whose job stopped, with the reason, so that it can run again.

        Called when the job is stored as failed: after an error the run did not
        expect, or after its last attempt while Ongoing was unavailable.
        """
        queued = self.filtered(lambda reconciliation: reconciliation.state == "queued")
        queued._ongoing_mark_failed(
            UserError(
                _(
                    "The run's job stopped after %(attempts)s attempt(s): %(error)s",
                    attempts=max(job.retry, 1),
                    error=job._ongoing_fortnox_failure_text(),
                )
            )
        )

    def _ongoing_reconcile(self):
        """Run the three steps and record the outcome; return the summary text."""
        client = self.backend_id._get_client()
        started = time.monotonic()
        settled = self._ongoing_catch_up(client)
        snapshot = self._ongoing_fetch(client)
        fetched = time.monotonic()
        self._ongoing_compare(snapshot)
        self._ongoing_report_settled(settled)
        compared = time.monotonic()
        if self.mode == "apply":
            self._ongoing_apply()
        applied = time.monotonic()
        summary = self._ongoing_finish()
        _logger.info(
            "Reconciliation %s: fetched in %.1f s, compared in %.1f s, applied in %.1f s: %s",
            self.name,
            fetched - started,
            compared - fetched,
            applied - compared,
            summary,
        )
        return summary

    def _ongoing_catch_up(self, client):
        """Book Ongoing's pending adjustments and locks first; return the adjustments booked.

        The run then corrects only what no warehouse event will settle, and the
        real-time flow never books again what the run compared. Without real-time
        inventory, the run itself accounts for the adjustments made so far.
        """
        backend = self.backend_id
        if not backend.realtime_inventory:
            backend.adjustments_polled_at = fields.Datetime.now()
            return self.env["ongoing.inventory.adjustment"]
        if self.source != "api":
            return self.env["ongoing.inventory.adjustment"]
        adjustments = backend._ongoing_book_adjustments(client)
        backend._ongoing_sync_locked_stock(client)
        return adjustments.filtered(lambda adjustment: adjustment.state == "booked")

    def _ongoing_report_settled(self, adjustments):
        """Add a report line for each warehouse adjustment the run booked before comparing."""
        self.env["ongoing.reconciliation.line"].create(
            [
                {
                    "reconciliation_id": self.id,
                    "backend_id": self.backend_id.id,
                    "company_id": self.company_id.id,
                    "date": self.date_start,
                    "case": compare.SETTLED,
                    "product_id": adjustment.product_id.id,
                    "article_number": adjustment.article_number,
                    "lot_name": adjustment.lot_name or False,
                    "difference_qty": adjustment.quantity,
                    "unit_cost": adjustment.product_id.standard_price,
                    "value": adjustment.quantity * adjustment.product_id.standard_price,
                    "note": _(
                        "Ongoing adjustment %(id)s (%(cause)s), booked as it happened",
                        id=adjustment.inventory_id,
                        cause=adjustment.cause or adjustment.comment or _("no cause"),
                    ),
                }
                for adjustment in adjustments
            ]
        )

    def _ongoing_mark_failed(self, error):
        """Show the error on the runs and give their responsible an activity."""
        message = error.args[0] if isinstance(error, (UserError, ValidationError)) else str(error)
        for reconciliation in self:
            _logger.warning(
                "Reconciliation %s (%s) failed: %s", reconciliation.name, reconciliation.id, message
            )
            reconciliation.write(
                {"state": "failed", "error": message, "date_done": fields.Datetime.now()}
            )
            body = _("The reconciliation failed and changed nothing: %(error)s", error=message)
            reconciliation.message_post(body=body, subtype_xmlid="mail.mt_note")
            reconciliation.activity_schedule(
                "mail.mail_activity_data_warning",
                summary=_("Ongoing WMS: stock reconciliation failed"),
                note=body,
                user_id=reconciliation.backend_id._ongoing_reconciliation_responsible().id,
            )
        return message

    # ------------------------------------------------------------------
    # Report
    # ------------------------------------------------------------------

    def _ongoing_finish(self):
        """Store the counts, post the summary and alert the responsible above the threshold."""
        counts = dict.fromkeys(compare.CASES, 0)
        applied_count = 0
        difference_value = 0.0
        for line in self.line_ids:
            counts[line.case] += 1
            applied_count += line.applied
            if line.case == compare.DIFFERENCE:
                difference_value += abs(line.value)
        valuation_change = self._ongoing_valuation_change()
        self.write(
            {
                "state": "done",
                "date_done": fields.Datetime.now(),
                "difference_count": counts[compare.DIFFERENCE],
                "applied_count": applied_count,
                "in_flight_count": counts[compare.IN_FLIGHT],
                "unknown_count": counts[compare.UNKNOWN_IN_ODOO]
                + counts[compare.UNKNOWN_IN_ONGOING],
                "check_count": counts[compare.CHECK] + counts[compare.MOVING],
                "difference_value": difference_value,
                "valuation_change": valuation_change,
            }
        )
        summary = self._ongoing_summary_text()
        self.message_post(body=summary, subtype_xmlid="mail.mt_note")
        self._ongoing_alert_if_above_threshold()
        return summary

    def _ongoing_valuation_change(self):
        groups = self.env["stock.valuation.layer"]._read_group(
            [("stock_move_id.ongoing_reconciliation_id", "=", self.id)], [], ["value:sum"]
        )
        return groups[0][0] or 0.0

    def _ongoing_summary_text(self):
        self.ensure_one()
        money = format_amount(self.env, self.difference_value, self.currency_id)
        rows = [
            _(
                "%(count)s articles compared, %(matched)s in agreement.",
                count=self.article_count,
                matched=self.matched_count,
            ),
            _(
                "%(count)s differences worth %(value)s; %(applied)s corrected.",
                count=self.difference_count,
                value=money,
                applied=self.applied_count,
            ),
            _("%(count)s settled by pending bookings.", count=self.in_flight_count),
            _(
                "%(count)s warehouse adjustments booked in real time when the run began.",
                count=len(self.line_ids.filtered(lambda line: line.case == compare.SETTLED)),
            ),
            _("%(count)s unknown articles.", count=self.unknown_count),
            _("%(count)s to check.", count=self.check_count),
        ]
        if self.mode == "report" and self.difference_count:
            rows.append(_("Report only: Odoo's stock was not changed."))
        if self.applied_count:
            rows.append(
                _(
                    "Stock valuation changed by %(value)s.",
                    value=format_amount(self.env, self.valuation_change, self.currency_id),
                )
            )
        items = Markup("").join(Markup("<li>%s</li>") % row for row in rows)
        return Markup("%s<ul>%s</ul>") % (_("Stock reconciliation with Ongoing WMS:"), items)

    def _ongoing_alert_if_above_threshold(self):
        backend = self.backend_id
        threshold = backend.reconciliation_alert_threshold
        if not threshold or self.difference_value <= threshold:
            return
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=_("Ongoing WMS: stock differences above the threshold"),
            note=_(
                "The differences found by %(name)s are worth %(value)s, more than the threshold "
                "of %(threshold)s. Check what changed and why.",
                name=self.name,
                value=format_amount(self.env, self.difference_value, self.currency_id),
                threshold=format_amount(self.env, threshold, self.currency_id),
            ),
            user_id=backend._ongoing_reconciliation_responsible().id,
        )

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def _ongoing_open_action(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_view_moves(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("stock.stock_move_action")
        action["domain"] = [("ongoing_reconciliation_id", "=", self.id)]
        action["context"] = {"create": False}
        return action

    def action_view_lines(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ongoing_fortnox_sync.action_ongoing_reconciliation_line"
        )
        action["domain"] = [("reconciliation_id", "=", self.id)]
        action["context"] = {}
        return action


class OngoingReconciliationLine(models.Model):
    """A difference, or another case worth a look, found by a reconciliation for one article."""

    _name = "ongoing.reconciliation.line"
    _description = "Ongoing WMS Stock Reconciliation Line"
    _order = "reconciliation_id desc, case, article_number, lot_name, id"

    reconciliation_id = fields.Many2one(
        "ongoing.reconciliation", required=True, index=True, ondelete="cascade", readonly=True
    )
    # Copied from the run when the line is written, which spares a second write per line.
    backend_id = fields.Many2one("ongoing.backend", readonly=True, index=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    date = fields.Datetime(readonly=True)
    currency_id = fields.Many2one(related="reconciliation_id.currency_id")
    case = fields.Selection(LINE_CASES, required=True, readonly=True, index=True)
    product_id = fields.Many2one("product.product", readonly=True, index=True)
    uom_id = fields.Many2one(related="product_id.uom_id")
    article_number = fields.Char(readonly=True)
    lot_id = fields.Many2one("stock.lot", string="Lot/Serial Number", readonly=True)
    lot_name = fields.Char(string="Lot/Serial in Ongoing", readonly=True)
    odoo_qty = fields.Float(
        string="Odoo Quantity", digits="Product Unit of Measure", readonly=True, aggregator="sum"
    )
    ongoing_qty = fields.Float(
        string="Ongoing Quantity", digits="Product Unit of Measure", readonly=True
    )
    in_flight_qty = fields.Float(
        string="In Flight",
        digits="Product Unit of Measure",
        readonly=True,
        help="Part of Ongoing's quantity minus Odoo's that pending bookings will settle: "
        "negative for picks Odoo has not booked yet, positive for receipts Odoo has not booked "
        "yet and for deliveries Odoo booked before Ongoing picked them.",
    )
    difference_qty = fields.Float(
        string="Difference",
        digits="Product Unit of Measure",
        readonly=True,
        help="Ongoing's quantity minus Odoo's minus what is in flight: what the run corrects.",
    )
    unit_cost = fields.Float(digits="Product Price", readonly=True, aggregator=None)
    value = fields.Monetary(
        string="Value",
        readonly=True,
        help="The difference at the product's cost when the run started. Under FIFO the booked "
        "value can differ; the reconciliation shows the valuation change as booked.",
    )
    applied = fields.Boolean(readonly=True, help="Odoo's stock was corrected by this line.")
    note = fields.Char(readonly=True)
