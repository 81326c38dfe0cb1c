"""Create a fresh Odoo database for a Swedish company and install the addon.

Run with the virtualenv's Python: ``create_db.py CONFIG DBNAME [MODULES]``.
The company is created in Sweden with SEK before ``account`` is installed, so
Odoo loads the Swedish chart of accounts (``l10n_se``) for it. Odoo's own calls
to services on the internet (company enrichment at the first login, the
publisher's update notification and the other scheduled actions listed in
``EXTERNAL_CRONS``) are switched off, because the project's databases talk to
the simulators on 127.0.0.1 only.
"""

import sys

import odoo
from odoo.service import db as db_service

# Scheduled actions of modules installed with the addon's dependencies that call
# Odoo's or third parties' servers on the internet.
EXTERNAL_CRONS = (
    "mail.ir_cron_module_update_notification",
    "partner_autocomplete.ir_cron_partner_autocomplete",
    "account_peppol.ir_cron_peppol_get_message_status",
    "account_peppol.ir_cron_peppol_get_new_documents",
    "account_peppol.ir_cron_peppol_get_participant_status",
    "snailmail.snailmail_print",
)


def keep_to_loopback(env):
    """Switch off Odoo's calls to the internet in this database."""
    for xmlid in EXTERNAL_CRONS:
        cron = env.ref(xmlid, raise_if_not_found=False)
        if cron:
            cron.active = False
    if "iap_enrich_auto_done" in env["res.company"]._fields:
        env["res.company"].search([]).iap_enrich_auto_done = True


def main():
    config_path, db_name = sys.argv[1], sys.argv[2]
    modules = sys.argv[3] if len(sys.argv) > 3 else "ongoing_fortnox_sync"
    odoo.tools.config.parse_config(["-c", config_path, "--log-level=warn"])
    # The served configuration hides the database manager; this script needs its functions.
    odoo.tools.config["list_db"] = True

    if db_name in db_service.list_dbs(force=True):
        db_service.exp_drop(db_name)
    db_service.exp_create_database(db_name, False, "en_US", "admin", "admin", "SE")

    odoo.tools.config["init"] = dict.fromkeys(["l10n_se", *modules.split(",")], 1)
    registry = odoo.modules.registry.Registry.new(db_name, update_module=True)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env.ref("base.main_company")
        if company.chart_template != "se":
            sys.exit(f"create_db: the company got the chart {company.chart_template!r}, not 'se'.")
        keep_to_loopback(env)
    print(f"create_db: {db_name} ready with {modules} on the Swedish chart of accounts")


if __name__ == "__main__":
    main()
