"""Configure the demo database before its server starts.

Run with the virtualenv's Python: ``demo_setup.py CONFIG DBNAME --odoo-url ...``.
It sets the public URL and the job channel capacities, loads the data set of
``demo_data.py`` (company, catalogue, opening stock, customers, suppliers,
carriers), creates the demo user with Swedish as language, and creates an
Ongoing backend and a Fortnox connection pointed at the simulators. Then it
writes what the simulators and the demo flow need into a JSON file.
"""

import argparse
import json
import secrets
import sys
from datetime import timedelta
from pathlib import Path

import odoo

sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_data

DEMO_GOODS_OWNER_ID = 159
# Jobs of all channels together; each backend's own channel runs one at a time.
ROOT_CHANNEL_CAPACITY = 4
DEMO_USER = {"login": "demo", "password": "demo", "name": "Maria Demo", "lang": "sv_SE"}
# What the demo user may do: sell, buy, run the warehouse, invoice and see the
# integration's records, without being a system administrator.
DEMO_USER_GROUPS = (
    "base.group_user",
    "sales_team.group_sale_manager",
    "purchase.group_purchase_manager",
    "stock.group_stock_manager",
    "account.group_account_manager",
    "ongoing_fortnox_sync.group_ongoing_fortnox_manager",
)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config")
    parser.add_argument("database")
    parser.add_argument("--odoo-url", required=True)
    parser.add_argument("--ongoing-url", required=True)
    parser.add_argument("--fortnox-url", required=True)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()

    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        settings = configure(env, args)
    with open(args.output, "w", encoding="utf-8") as output:
        json.dump(settings, output, indent=2)
    print(f"demo_setup: Ongoing backend {settings['backend_id']} points at {args.ongoing_url}")


def configure(env, args):
    parameters = env["ir.config_parameter"]
    parameters.set_param("web.base.url", args.odoo_url)
    parameters.set_param("web.base.url.freeze", "True")

    # Capacities live in the database, so the server configuration stays generic.
    env.ref("queue_job.channel_root").capacity = ROOT_CHANNEL_CAPACITY

    company = env.ref("base.main_company")
    env.ref("product.product_category_all").with_company(company).write(
        {"property_valuation": "real_time", "property_cost_method": "average"}
    )
    warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
    warehouse.name = "3PL Borås"
    data_set = demo_data.load(env, company, warehouse)
    demo_user = create_demo_user(env, company)
    ongoing_password = secrets.token_urlsafe(16)
    backend = env["ongoing.backend"].create(
        {
            "name": "Ongoing 3PL Borås",
            "company_id": company.id,
            "warehouse_id": warehouse.id,
            "base_url": args.ongoing_url,
            "goods_owner_id": DEMO_GOODS_OWNER_ID,
            "api_user": "demo-integration",
            "api_password": ongoing_password,
        }
    )
    backend.action_create_mirror_locations()
    fortnox = configure_fortnox(env, company, args.fortnox_url)
    return {
        "backend_id": backend.id,
        "warehouse_id": warehouse.id,
        "webhook_url": backend.webhook_url,
        "webhook_token": backend.webhook_token,
        "ongoing_url": args.ongoing_url,
        "ongoing_user": "demo-integration",
        "ongoing_password": ongoing_password,
        "goods_owner_id": DEMO_GOODS_OWNER_ID,
        "fortnox_url": args.fortnox_url,
        "fortnox_client_id": fortnox.client_id,
        "fortnox_client_secret": fortnox.client_secret,
        "fortnox_backend_id": fortnox.id,
        "login": "admin",
        "password": "admin",
        "demo_login": demo_user.login,
        "demo_password": DEMO_USER["password"],
        "demo_lang": demo_user.lang,
        "data_set": data_set,
    }


def create_demo_user(env, company):
    """Create the demo login, in Swedish, with Odoo's Swedish translations loaded."""
    env["res.lang"]._activate_lang(DEMO_USER["lang"])
    installed = env["ir.module.module"].search([("state", "=", "installed")])
    installed._update_translations([DEMO_USER["lang"]])
    groups = [env.ref(xml_id).id for xml_id in DEMO_USER_GROUPS]
    return (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": DEMO_USER["name"],
                "login": DEMO_USER["login"],
                "password": DEMO_USER["password"],
                "lang": DEMO_USER["lang"],
                "tz": "Europe/Stockholm",
                "company_id": company.id,
                "company_ids": [(6, 0, company.ids)],
                "groups_id": [(6, 0, groups)],
            }
        )
    )


def configure_fortnox(env, company, fortnox_url):
    """Create the company's Fortnox connection, pointed at the simulator, not yet connected.

    It sends invoices, vendor bills and the daily stock vouchers of the
    demo's week. ``tools/fortnox_connect.py`` then runs the connection flow
    over HTTP.
    """
    # Fortnox computes VAT on the sum per rate, so Odoo must round VAT the same way.
    company.tax_calculation_rounding_method = "round_globally"
    url = fortnox_url.rstrip("/")
    backend_model = env["fortnox.backend"]
    today = odoo.fields.Date.context_today(backend_model)
    scopes = backend_model._fields["scopes"].default(backend_model)
    return backend_model.create(
        {
            "name": "Fortnox",
            "company_id": company.id,
            "client_id": "demo-client",
            "client_secret": secrets.token_urlsafe(16),
            "api_url": f"{url}/3",
            "auth_url": f"{url}/oauth-v1/auth",
            "token_url": f"{url}/oauth-v1/token",
            "scopes": f"{scopes} supplier supplierinvoice",
            "export_vendor_bills": True,
            "stock_voucher_mode": "daily",
            "stock_voucher_start_date": today - timedelta(days=7),
        }
    )


if __name__ == "__main__":
    main()
