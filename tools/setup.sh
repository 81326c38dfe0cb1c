#!/usr/bin/env bash
# Prepare what the tests and the demo need: an Odoo 18.0 tree, a virtualenv with
# Odoo's and the addon's Python packages, a PostgreSQL role and an addons path.
# Safe to run again: finished steps are recognised and skipped.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/env.sh
source "$ROOT/tools/env.sh"

die() {
    echo "setup: $*" >&2
    exit 1
}

step() {
    echo "setup: $*"
}

pip_logged() {
    # Run pip quietly into a log; show the log's end when it fails.
    local log="$BUILD/pip.log"
    if ! "$VENV/bin/python" -m pip --disable-pip-version-check "$@" >>"$log" 2>&1; then
        tail -n 40 "$log" >&2
        die "pip install failed (whole log: $log); the lines above say why."
    fi
}

odoo_series() {
    # Print the series ("18.0") of the Odoo tree in $1, or nothing.
    [ -f "$1/odoo/release.py" ] || return 0
    "$PYTHON" - "$1/odoo/release.py" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
match = re.search(r"^version_info = \((\d+), (\d+)", text, re.M)
print(f"{match.group(1)}.{match.group(2)}" if match else "")
PY
}

find_python() {
    command -v "$PYTHON" >/dev/null 2>&1 \
        || die "no Python interpreter '$PYTHON' found: install Python 3.10 to 3.12 or set PYTHON=/path/to/python3."
    "$PYTHON" -c 'import sys; sys.exit(0 if (3, 10) <= sys.version_info[:2] <= (3, 12) else 1)' \
        || die "Odoo 18.0 runs on Python 3.10 to 3.12, and $PYTHON is $("$PYTHON" -V 2>&1): set PYTHON=/path/to/python3.11."
    "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null \
        || die "$PYTHON cannot create virtualenvs: install its venv module (Debian: apt install python3-venv)."
}

find_odoo() {
    if [ -f "$ODOO_SRC/odoo-bin" ]; then
        local series
        series=$(odoo_series "$ODOO_SRC")
        [ "$series" = "18.0" ] \
            || die "ODOO_SRC=$ODOO_SRC holds Odoo ${series:-of an unknown version}, not 18.0: point ODOO_SRC at an Odoo 18.0 Community tree."
        return
    fi
    if [ "$ODOO_SRC" != "$DEFAULT_ODOO_SRC" ]; then
        die "ODOO_SRC=$ODOO_SRC contains no odoo-bin: point it at an Odoo 18.0 Community source tree."
    fi

    # No tree at the default place: use (or fetch once) Odoo's official nightly source.
    ODOO_SRC="$BUILD/odoo-src"
    [ -f "$ODOO_SRC/odoo-bin" ] && return
    step "no Odoo tree at $DEFAULT_ODOO_SRC; downloading Odoo 18.0 from $ODOO_NIGHTLY_URL"
    mkdir -p "$BUILD"
    local archive="$BUILD/odoo-src.tar.gz"
    if ! curl --fail --location --silent --show-error --connect-timeout 15 --max-time 1800 \
        -o "$archive" "$ODOO_NIGHTLY_URL"; then
        rm -f "$archive"
        die "Odoo 18.0 was not found at $DEFAULT_ODOO_SRC and could not be downloaded from $ODOO_NIGHTLY_URL: put an Odoo 18.0 Community source tree at $DEFAULT_ODOO_SRC or set ODOO_SRC=/path/to/odoo."
    fi
    mkdir -p "$ODOO_SRC.tmp"
    tar -xzf "$archive" -C "$ODOO_SRC.tmp" --strip-components=1
    mv "$ODOO_SRC.tmp" "$ODOO_SRC"
    rm -f "$archive"
}

check_postgres() {
    "$PYTHON" - <<PY || die "PostgreSQL is not reachable at $PGHOST:$PGPORT: start it (Debian: pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start) or set PGHOST and PGPORT."
import socket, sys
try:
    socket.create_connection(("$PGHOST", int("$PGPORT")), timeout=5).close()
except OSError:
    sys.exit(1)
PY
    command -v psql >/dev/null 2>&1 \
        || die "the PostgreSQL client psql is missing: install it (Debian: apt install postgresql-client)."
    [ "$DB_USER" != "postgres" ] \
        || die "Odoo refuses to run as the database role 'postgres': set DB_USER to another role."

    local can_create
    can_create=$(psql -h "$PGHOST" -p "$PGPORT" -U "$DB_USER" -d postgres -tAc \
        "SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user" 2>/dev/null || true)
    if [ -z "$can_create" ]; then
        step "creating the PostgreSQL role $DB_USER"
        psql -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qc \
            "CREATE ROLE \"$DB_USER\" LOGIN CREATEDB" >/dev/null 2>&1 \
            || die "cannot log in to PostgreSQL as '$DB_USER' and cannot create that role as 'postgres': run 'createuser --createdb $DB_USER' as a superuser, or set DB_USER (and PGPASSWORD) to a role that may create databases."
    elif [ "$can_create" != "t" ]; then
        die "the PostgreSQL role '$DB_USER' may not create databases: run 'ALTER ROLE \"$DB_USER\" CREATEDB' as a superuser."
    fi
}

build_venv() {
    local stamp_file="$VENV/.ongoing_fortnox_sync.stamp"
    local stamp
    stamp=$(cat "$ODOO_SRC/requirements.txt" "$ROOT/requirements.txt" "$ROOT/requirements-dev.txt" \
        "$ROOT/constraints.txt" "$ODOO_SRC/odoo/release.py" | sha1sum | cut -c1-40)-$ODOO_SRC
    if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ]; then
        return
    fi

    step "building the virtualenv $VENV (a few minutes the first time)"
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    mkdir -p "$BUILD"
    : >"$BUILD/pip.log"
    local constraints="$ROOT/constraints.txt"
    pip_logged install --upgrade -c "$constraints" pip wheel setuptools

    # python-ldap needs system headers and only serves the LDAP login, unused here.
    grep -v -i '^python-ldap' "$ODOO_SRC/requirements.txt" >"$BUILD/odoo-requirements.txt"
    PIP_CONSTRAINT="$constraints" pip_logged install --build-constraint "$constraints" \
        -c "$constraints" -r "$BUILD/odoo-requirements.txt"

    # Installing the tree itself makes "odoo" a distribution, so odoo-addon-queue-job resolves.
    pip_logged install --no-deps "$ODOO_SRC"
    PIP_CONSTRAINT="$constraints" pip_logged install -c "$constraints" -r "$ROOT/requirements-dev.txt"
    echo "$stamp" >"$stamp_file"
}

write_config() {
    local site addons="$BUILD/addons"
    site=$("$VENV/bin/python" -c 'import odoo, os; print(os.path.dirname(odoo.__file__))')
    mkdir -p "$addons" "$BUILD/data"
    # Odoo finds an addon by its folder name, and a clone may have any name.
    ln -sfn "$ROOT" "$addons/ongoing_fortnox_sync"
    cat >"$ODOO_CONF" <<CONF
[options]
addons_path = $addons,$ODOO_SRC/addons,$site/addons
data_dir = $BUILD/data
db_host = $PGHOST
db_port = $PGPORT
db_user = $DB_USER
db_password = ${PGPASSWORD:-False}
admin_passwd = ${ODOO_MASTER_PASSWORD:-$(head -c 18 /dev/urandom | base64)}
list_db = False
without_demo = all

[queue_job]
max_capacity = 4
CONF
}

find_python
find_odoo
check_postgres
build_venv
write_config
echo "$ODOO_SRC" >"$BUILD/odoo-src-path"
step "ready: Odoo $ODOO_SRC, virtualenv $VENV, configuration $ODOO_CONF"
