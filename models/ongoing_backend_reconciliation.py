import logging
import os
from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..reconciliation.sources import FileMapping, SourceError, check_file_size

_logger = logging.getLogger(__name__)

FILE_EXTENSIONS = (".csv", ".txt", ".xml")
FILE_ENCODINGS = [
    ("utf-8-sig", "UTF-8"),
    ("cp1252", "Windows-1252 (Excel in Western Europe)"),
    ("iso-8859-1", "ISO-8859-1 (Latin-1)"),
]


class OngoingBackend(models.Model):
    """Settings and scheduling of the daily stock reconciliation with Ongoing as the master."""

    _inherit = "ongoing.backend"

    reconciliation_active = fields.Boolean(
        string="Daily Reconciliation",
        tracking=True,
        help="Every day at the set hour, make Odoo's stock in the warehouse equal to Ongoing's.",
    )
    reconciliation_source = fields.Selection(
        [("api", "Ongoing API"), ("folder", "Stock-balance file in a folder")],
        string="Read Ongoing's Stock From",
        default="api",
        required=True,
        tracking=True,
    )
    reconciliation_mode = fields.Selection(
        [("report", "Report only"), ("apply", "Apply the differences")],
        string="Reconciliation Mode",
        default="report",
        required=True,
        tracking=True,
        help="Report only lists the differences without changing Odoo's stock: use it for the "
        "first runs, until the reports show the differences you expect.",
    )
    reconciliation_hour = fields.Float(
        string="Reconciliation Time",
        default=2.0,
        help="Time of day of the daily run, in the time zone of the responsible user, else of "
        "the company's address, else UTC.",
    )
    reconciliation_next_date = fields.Datetime(
        string="Next Reconciliation", readonly=True, copy=False
    )
    reconciliation_user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        tracking=True,
        help="Gets an activity when a run fails or its differences are worth more than the "
        "threshold; without one, the user who created the backend does.",
    )
    reconciliation_alert_threshold = fields.Monetary(
        string="Alert Threshold",
        currency_field="reconciliation_currency_id",
        help="Value of the differences of one run (at cost, added up without signs) above which "
        "the responsible gets an activity. 0 sends none.",
    )
    reconciliation_currency_id = fields.Many2one(related="company_id.currency_id")
    reconciliation_folder = fields.Char(
        string="Stock-Balance Folder",
        groups="base.group_system",
        help="Folder on the Odoo server where the warehouse's stock-balance files arrive. "
        "The daily run reads the newest .csv or .xml file in it.",
    )
    reconciliation_article_field = fields.Char(
        string="Article Number Field",
        default="ArticleNumber",
        required=True,
        help="CSV column heading, or XML child element or attribute, with the article number.",
    )
    reconciliation_quantity_field = fields.Char(
        string="Quantity Field",
        default="NumberOfItems",
        required=True,
        help="CSV column heading, or XML child element or attribute, with the physical quantity "
        "(locked and quarantined items included).",
    )
    reconciliation_lot_field = fields.Char(
        string="Lot/Serial Field",
        help="CSV column heading, or XML child element or attribute, with the batch or serial "
        "number. Leave empty when the file gives no quantities per lot.",
    )
    reconciliation_xml_record_path = fields.Char(
        string="XML Record Path",
        default="StockBalance/Article",
        required=True,
        help="Path from the root element to the element that contains one row.",
    )
    reconciliation_csv_delimiter = fields.Char(
        string="CSV Delimiter", default=";", required=True, size=1
    )
    reconciliation_file_encoding = fields.Selection(
        FILE_ENCODINGS, string="File Encoding", default="utf-8-sig", required=True
    )
    reconciliation_count = fields.Integer(compute="_compute_reconciliation_count")

    def _compute_reconciliation_count(self):
        groups = self.env["ongoing.reconciliation"]._read_group(
            [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
        )
        counts = {backend.id: count for backend, count in groups}
        for backend in self:
            backend.reconciliation_count = counts.get(backend.id, 0)

    @api.constrains("reconciliation_hour", "reconciliation_alert_threshold")
    def _check_reconciliation_settings(self):
        for backend in self:
            if not 0 <= backend.reconciliation_hour < 24:
                raise ValidationError(
                    _("The reconciliation time must lie between 00:00 and 23:59.")
                )
            if backend.reconciliation_alert_threshold < 0:
                raise ValidationError(_("The alert threshold cannot be negative."))

    @api.constrains("reconciliation_folder")
    def _check_reconciliation_folder(self):
        for backend in self.sudo():
            folder = backend.reconciliation_folder
            if folder and not (os.path.isabs(folder) and os.path.isdir(folder)):
                raise ValidationError(
                    _(
                        "The stock-balance folder %(folder)s does not exist on the Odoo server; "
                        "give the absolute path of an existing folder.",
                        folder=folder,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        backends = super().create(vals_list)
        backends._ongoing_plan_next_reconciliation()
        return backends

    def write(self, vals):
        result = super().write(vals)
        if {"reconciliation_active", "reconciliation_hour", "reconciliation_user_id"} & set(vals):
            self._ongoing_plan_next_reconciliation()
        return result

    def _ongoing_file_mapping(self):
        self.ensure_one()
        return FileMapping(
            article_field=self.reconciliation_article_field.strip(),
            quantity_field=self.reconciliation_quantity_field.strip(),
            lot_field=(self.reconciliation_lot_field or "").strip(),
            record_path=self.reconciliation_xml_record_path.strip(),
            delimiter=self.reconciliation_csv_delimiter or ";",
            encoding=self.reconciliation_file_encoding,
        )

    def _ongoing_reconciliation_responsible(self):
        self.ensure_one()
        return self.reconciliation_user_id or self.create_uid or self.env.user

    # ------------------------------------------------------------------
    # Schedule
    # ------------------------------------------------------------------

    def _ongoing_next_reconciliation_date(self, after):
        """Return the first time after ``after`` (naive UTC) at the set hour, as naive UTC."""
        self.ensure_one()
        zone = pytz.timezone(
            self.reconciliation_user_id.tz or self.company_id.partner_id.tz or "UTC"
        )
        local_after = pytz.utc.localize(after).astimezone(zone)
        minutes = round(self.reconciliation_hour * 60)
        at = time(minutes // 60, minutes % 60)
        day = local_after.date()
        while True:
            # Localising each day's time on its own keeps the hour across daylight saving.
            candidate = zone.localize(datetime.combine(day, at))
            if candidate > local_after:
                return candidate.astimezone(pytz.utc).replace(tzinfo=None)
            day += timedelta(days=1)

    def _ongoing_plan_next_reconciliation(self):
        now = fields.Datetime.now()
        for backend in self:
            backend.reconciliation_next_date = (
                backend._ongoing_next_reconciliation_date(now)
                if backend.reconciliation_active
                else False
            )

    @api.model
    def _cron_ongoing_reconcile(self):
        """Cron: start the daily reconciliation of every backend whose time has come."""
        now = fields.Datetime.now()
        due = self.search(
            [("reconciliation_active", "=", True), ("reconciliation_next_date", "<=", now)]
        )
        for backend in due:
            try:
                with self.env.cr.savepoint():
                    backend._ongoing_start_scheduled_reconciliation()
            except UserError as error:
                _logger.warning(
                    "Ongoing backend %s: daily reconciliation not started: %s", backend.id, error
                )
                backend.message_post(
                    body=_("The daily reconciliation did not start: %(error)s", error=error),
                    subtype_xmlid="mail.mt_note",
                )
            backend.reconciliation_next_date = backend._ongoing_next_reconciliation_date(now)

    def _ongoing_start_scheduled_reconciliation(self):
        if self.reconciliation_source == "folder":
            return self._ongoing_reconcile_newest_file()
        return self._ongoing_start_reconciliation()

    # ------------------------------------------------------------------
    # Starting a run
    # ------------------------------------------------------------------

    def _ongoing_start_reconciliation(self, file_name=None, data=None, mode=None):
        """Create a reconciliation run and queue it; return it.

        Without ``data`` it reads Ongoing's stock from the API, and a run of the
        API that is already waiting is returned instead of a second one.
        """
        self.ensure_one()
        reconciliation_model = self.env["ongoing.reconciliation"]
        if data is None:
            waiting = reconciliation_model.search(
                [("backend_id", "=", self.id), ("state", "=", "queued"), ("source", "=", "api")]
            )
            alive = waiting.filtered(lambda reconciliation: reconciliation._ongoing_job_alive())
            (waiting - alive)._ongoing_mark_failed(
                UserError(
                    _(
                        "The run's background job stopped before the run finished; the queue "
                        "jobs show why."
                    )
                )
            )
            if alive:
                return alive[0]
        values = {
            "backend_id": self.id,
            "mode": mode or self.reconciliation_mode,
            "source": "file" if data is not None else "api",
        }
        reconciliation = reconciliation_model.create(values)
        if data is not None:
            attachment = self.env["ir.attachment"].create(
                {
                    "name": file_name,
                    "raw": data,
                    "res_model": reconciliation._name,
                    "res_id": reconciliation.id,
                }
            )
            reconciliation.write({"file_id": attachment.id, "file_name": file_name})
        reconciliation._ongoing_enqueue()
        return reconciliation

    def _ongoing_reconcile_newest_file(self):
        """Queue a run on the newest file of the stock-balance folder, unless it ran already.

        Each file is a complete stock balance, so only the newest one counts.
        """
        folder = self.sudo().reconciliation_folder
        if not folder:
            raise UserError(
                _(
                    "The backend %(backend)s reads stock-balance files from a folder, but no "
                    "folder is set.",
                    backend=self.display_name,
                )
            )
        try:
            names = [
                entry
                for entry in os.scandir(folder)
                if entry.is_file() and entry.name.lower().endswith(FILE_EXTENSIONS)
            ]
        except OSError as error:
            raise UserError(
                _("The folder %(folder)s cannot be read: %(error)s", folder=folder, error=error)
            ) from error
        if not names:
            raise UserError(_("No stock-balance file has arrived in %(folder)s.", folder=folder))
        newest = max(names, key=lambda entry: entry.stat().st_mtime)
        try:
            check_file_size(newest.stat().st_size)
        except SourceError as error:
            raise UserError(
                _(
                    "The newest stock-balance file %(file)s was not read. %(error)s",
                    file=newest.name,
                    error=str(error),
                )
            ) from error
        with open(newest.path, "rb") as handle:
            data = handle.read()

        checksum = self.env["ir.attachment"]._compute_checksum(data)
        done = self.env["ongoing.reconciliation"].search_count(
            [
                ("backend_id", "=", self.id),
                ("state", "in", ("queued", "done")),
                ("file_id.checksum", "=", checksum),
            ]
        )
        if done:
            raise UserError(
                _(
                    "The newest stock-balance file %(file)s was already reconciled; no new file "
                    "has arrived.",
                    file=newest.name,
                )
            )
        return self._ongoing_start_reconciliation(file_name=newest.name, data=data)

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------

    def action_reconcile_now(self):
        """Button: queue a reconciliation from Ongoing's API now and open it."""
        self.ensure_one()
        return self._ongoing_start_reconciliation()._ongoing_open_action()

    def action_import_stock_file(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Import a Stock-Balance File"),
            "res_model": "ongoing.reconciliation.import",
            "view_mode": "form",
            "target": "new",
            "context": {"default_backend_id": self.id},
        }

    def action_view_reconciliations(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "ongoing_fortnox_sync.action_ongoing_reconciliation"
        )
        action["domain"] = [("backend_id", "=", self.id)]
        action["context"] = {"default_backend_id": self.id}
        return action
