# Shared settings of the set-up, test and demo scripts; each may be overridden
# from the environment.
DEFAULT_ODOO_SRC=/opt/odoo18
ODOO_SRC=${ODOO_SRC:-$DEFAULT_ODOO_SRC}
ODOO_NIGHTLY_URL=${ODOO_NIGHTLY_URL:-https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz}
PYTHON=${PYTHON:-python3}
# Build products live outside the clone: Odoo walks an addon's folder (following
# links) when it exports translations, and the addons-path link back to the clone
# would make it recurse. Each clone gets its own folder, and so its own virtualenv.
CACHE_ROOT=${XDG_CACHE_HOME:-$HOME/.cache}/ongoing_fortnox_sync
BUILD=${BUILD:-$CACHE_ROOT/$(basename "$ROOT")-$(printf '%s' "$ROOT" | sha1sum | cut -c1-8)}
VENV=${VENV:-$BUILD/venv}
ODOO_CONF=${ODOO_CONF:-$BUILD/odoo.conf}
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
DB_USER=${DB_USER:-odoo}
TEST_DB=${TEST_DB:-ongoing_fortnox_test}
DEMO_DB=${DEMO_DB:-ongoing_fortnox_demo}
export PGHOST PGPORT BUILD VENV ODOO_CONF

# Print a TCP port on 127.0.0.1 that is free now.
free_port() {
    "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
