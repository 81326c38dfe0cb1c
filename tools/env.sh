# Shared settings of the set-up, test and demo scripts; each may be overridden
# from the environment.
DEFAULT_ODOO_SRC=/opt/odoo18
ODOO_SRC=${ODOO_SRC:-$DEFAULT_ODOO_SRC}
ODOO_NIGHTLY_URL=${ODOO_NIGHTLY_URL:-https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz}
PYTHON=${PYTHON:-python3}
VENV=${VENV:-$ROOT/.venv}
BUILD=${BUILD:-$ROOT/.build}
ODOO_CONF=${ODOO_CONF:-$BUILD/odoo.conf}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
DB_USER=${DB_USER:-odoo}
TEST_DB=${TEST_DB:-ongoing_fortnox_test}
DEMO_DB=${DEMO_DB:-ongoing_fortnox_demo}
export PGHOST PGPORT
