#!/usr/bin/env bash
# Run the demo: a fresh database for a Swedish company with the addon, the Ongoing
# WMS and Fortnox simulators, and a real Odoo server (2 workers and the queue_job
# runner) configured against them. Then the demo flow drives a week of business
# through the real HTTP paths, prints a summary, and everything keeps running at
# the printed URL until Ctrl+C.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/env.sh
source "$ROOT/tools/env.sh"

DEMO_PORT=${DEMO_PORT:-8069}
# A multi-worker Odoo serves websockets on its gevent port only. tools/demo_proxy.py
# listens on DEMO_PORT and passes websockets there and all else to the workers.
DEMO_GEVENT_PORT=${DEMO_GEVENT_PORT:-8072}
ONGOING_SIM_PORT=${ONGOING_SIM_PORT:-8091}
FORTNOX_SIM_PORT=${FORTNOX_SIM_PORT:-8092}
DEMO_FLOW=${DEMO_FLOW:-1}
DEMO_DIR="$BUILD/demo"

"$ROOT/tools/setup.sh"
ODOO_SRC=$(cat "$BUILD/odoo-src-path")
PY="$VENV/bin/python"
mkdir -p "$DEMO_DIR"

port_free() {
    "$PY" - "$1" <<'PY'
import socket, sys
with socket.socket() as sock:
    sys.exit(1 if sock.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 0)
PY
}
for port in "$DEMO_PORT" "$DEMO_GEVENT_PORT" "$ONGOING_SIM_PORT" "$FORTNOX_SIM_PORT"; do
    if ! port_free "$port"; then
        echo "demo: port $port on 127.0.0.1 is in use: stop what runs there, or set DEMO_PORT, DEMO_GEVENT_PORT, ONGOING_SIM_PORT and FORTNOX_SIM_PORT." >&2
        exit 1
    fi
done

WORKERS_PORT=$(free_port)

pids=()
cleanup() {
    trap - EXIT INT TERM
    if [ "${#pids[@]}" -gt 0 ]; then
        echo
        echo "demo: stopping"
        kill "${pids[@]}" 2>/dev/null || true
        wait "${pids[@]}" 2>/dev/null || true
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "demo: creating the database $DEMO_DB (about a minute)"
"$PY" "$ROOT/tools/create_db.py" "$ODOO_CONF" "$DEMO_DB"

echo "demo: loading the data set and configuring the backends (Nordisk Hemtextil AB, 200 products)"
"$PY" "$ROOT/tools/demo_setup.py" "$ODOO_CONF" "$DEMO_DB" \
    --odoo-url "http://127.0.0.1:$DEMO_PORT" \
    --ongoing-url "http://127.0.0.1:$ONGOING_SIM_PORT/demo/api/v1/" \
    --fortnox-url "http://127.0.0.1:$FORTNOX_SIM_PORT" \
    --output "$DEMO_DIR/setup.json"

setting() {
    "$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$DEMO_DIR/setup.json" "$1"
}

echo "demo: starting the Ongoing WMS simulator on 127.0.0.1:$ONGOING_SIM_PORT"
# Secrets go in the environment, which the process list does not show.
(cd "$ROOT" && ONGOING_SIM_PASSWORD="$(setting ongoing_password)" \
    ONGOING_SIM_WEBHOOK_TOKEN="$(setting webhook_token)" \
    exec "$PY" -m simulators.ongoing --port "$ONGOING_SIM_PORT" \
    --user "$(setting ongoing_user)" --goods-owner-id "$(setting goods_owner_id)" \
    --webhook-url "$(setting webhook_url)" \
    >"$DEMO_DIR/ongoing-simulator.log" 2>&1) &
pids+=($!)

if [ -f "$ROOT/simulators/fortnox.py" ]; then
    echo "demo: starting the Fortnox simulator on 127.0.0.1:$FORTNOX_SIM_PORT"
    (cd "$ROOT" && FORTNOX_SIM_CLIENT_SECRET="$(setting fortnox_client_secret)" \
        exec "$PY" -m simulators.fortnox --port "$FORTNOX_SIM_PORT" \
        --client-id "$(setting fortnox_client_id)" \
        >"$DEMO_DIR/fortnox-simulator.log" 2>&1) &
    pids+=($!)
fi

echo "demo: starting Odoo on http://127.0.0.1:$DEMO_PORT (2 workers and the queue_job runner)"
# -d alone routes unauthenticated requests (webhooks) to the demo database; adding
# --db-filter would make Odoo list the server's databases on every request.
"$PY" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$DEMO_DB" \
    --http-interface 127.0.0.1 --http-port "$WORKERS_PORT" --gevent-port "$DEMO_GEVENT_PORT" \
    --workers 2 --max-cron-threads 1 \
    --load base,web,queue_job --logfile "$DEMO_DIR/odoo.log" &
ODOO_PID=$!
pids+=("$ODOO_PID")
"$PY" "$ROOT/tools/demo_proxy.py" --port "$DEMO_PORT" --http-port "$WORKERS_PORT" \
    --gevent-port "$DEMO_GEVENT_PORT" >"$DEMO_DIR/proxy.log" 2>&1 &
pids+=($!)

"$PY" "$ROOT/tools/demo_check.py" --odoo-url "http://127.0.0.1:$DEMO_PORT" \
    --db "$DEMO_DB" --setup "$DEMO_DIR/setup.json"

echo "demo: connecting Odoo to the Fortnox simulator"
"$PY" "$ROOT/tools/fortnox_connect.py" --odoo-url "http://127.0.0.1:$DEMO_PORT" \
    --db "$DEMO_DB" --setup "$DEMO_DIR/setup.json"

if [ "$DEMO_FLOW" = "1" ]; then
    rm -f "$DEMO_DIR/summary.json"
    "$PY" "$ROOT/tools/demo_flow.py" --odoo-url "http://127.0.0.1:$DEMO_PORT" \
        --db "$DEMO_DB" --setup "$DEMO_DIR/setup.json" --summary "$DEMO_DIR/summary.json"
    "$PY" "$ROOT/tools/demo_verify.py" --config "$ODOO_CONF" \
        --setup "$DEMO_DIR/setup.json" --summary "$DEMO_DIR/summary.json"
fi

cat <<EOF

  Odoo is running at  http://127.0.0.1:$DEMO_PORT/odoo?db=$DEMO_DB
  Log in as           $(setting login) / $(setting password) (English, administrator)
                   or $(setting demo_login) / $(setting demo_password) (Swedish)
  Ongoing simulator   http://127.0.0.1:$ONGOING_SIM_PORT/demo/api/v1/
  Logs                $DEMO_DIR/
  Stop with           Ctrl+C

EOF
# From here Ctrl+C is the normal end. Odoo handles SIGINT itself and exits with
# status 0 (or 130), also when this script was started in the background and so
# ignores SIGINT, which then no trap can catch.
stop_requested=0
trap 'stop_requested=1' INT TERM
status=0
wait -n "${pids[@]}" || status=$?
if [ "$stop_requested" = 1 ] || [ "$status" = 0 ] || [ "$status" = 130 ]; then
    # Odoo finishes its running requests after the first signal; a second one from
    # cleanup would force it, so give it up to 15 seconds first.
    for _ in $(seq 30); do
        kill -0 "$ODOO_PID" 2>/dev/null || break
        sleep 0.5
    done
    cleanup
    echo "demo: stopped"
    exit 0
fi
echo "demo: a process stopped unexpectedly (exit status $status); see the logs in $DEMO_DIR" >&2
exit 1
