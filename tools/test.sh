#!/usr/bin/env bash
# Run the addon's tests on a fresh database: set-up, a new Swedish company with
# the addon installed, then pytest-odoo. Extra arguments go to pytest
# (for example "-k webhook" or a single test file).
# REUSE_DB=1 skips the database rebuild and updates the addon in place.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/env.sh
source "$ROOT/tools/env.sh"

"$ROOT/tools/setup.sh"
ODOO_SRC=$(cat "$BUILD/odoo-src-path")
ADDON="$BUILD/addons/ongoing_fortnox_sync"

if [ "${REUSE_DB:-0}" = "1" ] && psql -d postgres -U "$DB_USER" -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$TEST_DB'" | grep -q 1; then
    echo "test: updating the addon in the existing database $TEST_DB"
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$TEST_DB" \
        -u ongoing_fortnox_sync --stop-after-init --log-level=warn
else
    echo "test: creating the database $TEST_DB (about a minute)"
    "$VENV/bin/python" "$ROOT/tools/create_db.py" "$ODOO_CONF" "$TEST_DB"
fi

# pytest-odoo names test modules after the folder that holds the manifest, so
# the tests run through the addons-path link, never through the clone's own path.
args=()
has_path=0
for arg in "$@"; do
    case "$arg" in
        tests | tests/*)
            args+=("$ADDON/$arg")
            has_path=1
            ;;
        *) args+=("$arg") ;;
    esac
done
[ "$has_path" = 1 ] || args+=("$ADDON/tests")

# The tests' HTTP server listens on a free port (or TEST_HTTP_PORT), so a
# demo or another clone's tests running on 8069 cannot receive its requests.
TEST_HTTP_PORT=${TEST_HTTP_PORT:-$(free_port)}
TEST_CONF="$BUILD/odoo-test.conf"
sed "s/^\[options\]$/[options]\nhttp_interface = 127.0.0.1\nhttp_port = $TEST_HTTP_PORT/" "$ODOO_CONF" >"$TEST_CONF"

echo "test: running the tests (HTTP on 127.0.0.1:$TEST_HTTP_PORT)"
exec "$VENV/bin/python" -m pytest -p no:cacheprovider \
    --odoo-config="$TEST_CONF" --odoo-database="$TEST_DB" --odoo-http \
    --odoo-log-level="${ODOO_LOG_LEVEL:-warn}" \
    "${args[@]}"
