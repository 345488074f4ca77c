#!/usr/bin/env bash
# Renders Encore's live status page to a PNG with headless Chromium.
#
# Starts a standalone embedded broker (`encore broker`), `encore run` on it with the HTTP server,
# simulated traffic (`encore simulate`), trains and promotes two LightGCN generations from the
# consumed history (`encore train --registry`, `encore models promote`), waits for the charts to
# collect samples, then screenshots http://127.0.0.1:PORT/ and checks the page's endpoints.
#
# Usage: scripts/screenshot-status.sh [OUTPUT.png]
#   SCREENSHOT_BIN      encore binary (default .build/debug/encore, built if missing)
#   SCREENSHOT_PORT     HTTP port (default 18080)
#   SCREENSHOT_SECONDS  seconds of traffic before the screenshot (default 20)
# The script's settings stay out of the ENCORE_ prefix: encore reads every ENCORE_* variable it
# inherits as its own configuration and rejects unknown ones (they are usually typos).
# Needs Chromium (Debian: apt-get install -y chromium). Not part of CI.
set -euo pipefail
cd "$(dirname "$0")/.."
for old in ENCORE_BIN ENCORE_SCREENSHOT_PORT ENCORE_SCREENSHOT_SECONDS; do
    if [ -n "${!old+set}" ]; then
        echo "$old was renamed (now SCREENSHOT_BIN, SCREENSHOT_PORT, SCREENSHOT_SECONDS):" \
            "encore rejects ENCORE_* variables it does not know" >&2
        exit 2
    fi
done
OUTPUT=${1:-status-page.png}
PORT=${SCREENSHOT_PORT:-18080}
SECONDS_OF_TRAFFIC=${SCREENSHOT_SECONDS:-20}
BIN=${SCREENSHOT_BIN:-.build/debug/encore}
CHROME=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CHROME" ]; then
    echo "headless Chromium not found (Debian: apt-get install -y chromium)" >&2
    exit 3
fi
[ -x "$BIN" ] || swift build --product encore
WORK=$(mktemp -d)
PIDS=()
cleanup() {
    # Only the processes this script started, newest first.
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        kill -TERM "${PIDS[i]}" 2>/dev/null || true
        wait "${PIDS[i]}" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT
# On failure, show what the processes said.
trap 'echo "failed at line $LINENO; logs:" >&2; tail -n 20 "$WORK"/*.log >&2' ERR

wait_for() {  # wait_for SECONDS COMMAND…
    local deadline=$((SECONDS + $1)); shift
    until "$@" >/dev/null 2>&1; do
        if ((SECONDS > deadline)); then echo "timed out waiting for: $*" >&2; return 1; fi
        sleep 0.5
    done
}

"$BIN" broker --partitions 4 --bootstrap-file "$WORK/bootstrap" --log-level warning >"$WORK/broker.log" 2>&1 &
PIDS+=($!)
wait_for 60 test -s "$WORK/bootstrap"
BOOTSTRAP=$(head -n1 "$WORK/bootstrap")
echo "broker at $BOOTSTRAP"

ENCORE_HTTP_PORT=$PORT "$BIN" run --bootstrap-servers "$BOOTSTRAP" --partitions 4 --store "$WORK/encore.sqlite" \
    --log-level warning >"$WORK/run.log" 2>&1 &
PIDS+=($!)
wait_for 60 curl -sf "http://127.0.0.1:$PORT/health/live"
echo "service up: $(grep -m1 'status page' "$WORK/run.log" || echo "http://127.0.0.1:$PORT/")"

applied() {  # records the pipelines have applied so far, from /metrics
    curl -s "http://127.0.0.1:$PORT/metrics" | awk '/^encore_records_total\{.*outcome="applied"\}/ {sum += $2} END {print sum + 0}'
}
wait_until_drained() {  # until the applied count is positive and stops moving
    local previous=-1 current deadline=$((SECONDS + 120))
    while :; do
        current=$(applied)
        if [ "$current" -gt 0 ] && [ "$current" = "$previous" ]; then break; fi
        if ((SECONDS > deadline)); then echo "the pipelines did not drain" >&2; return 1; fi
        previous=$current
        sleep 2
    done
    echo "applied $current records"
}

# Traffic in two waves, so that the throughput chart has a shape.
"$BIN" simulate --users 400 --tracks 1500 --days 2 --seed 7 --bootstrap-servers "$BOOTSTRAP" >"$WORK/simulate1.log" 2>&1
wait_until_drained
STORE="$WORK/encore.sqlite"
"$BIN" train --data "$STORE" --registry "$STORE" --epochs 4 --eval-every 0 --dim 16 --threads 1 --seed 1 \
    >"$WORK/train1.log" 2>&1
"$BIN" models promote lightgcn@1 --store "$STORE"
sleep $((SECONDS_OF_TRAFFIC / 2))
"$BIN" simulate --users 400 --tracks 1500 --days 3 --seed 8 --bootstrap-servers "$BOOTSTRAP" >"$WORK/simulate2.log" 2>&1
wait_until_drained
"$BIN" train --data "$STORE" --registry "$STORE" --epochs 8 --eval-every 0 --dim 16 --threads 1 --seed 2 \
    >"$WORK/train2.log" 2>&1
"$BIN" models promote lightgcn@2 --store "$STORE"
"$BIN" models list --store "$STORE"
sleep $((SECONDS_OF_TRAFFIC / 2))

echo "ready: $(curl -s "http://127.0.0.1:$PORT/health/ready")"
echo "metrics: $(curl -s "http://127.0.0.1:$PORT/metrics" | grep -c '^encore_') encore_ samples"
USER_ID=$(curl -s "http://127.0.0.1:$PORT/" | grep -o 'user-[0-9]*' | head -n1 || true)
[ -n "$USER_ID" ] && echo "recommendations for $USER_ID: $(curl -s "http://127.0.0.1:$PORT/v1/users/$USER_ID/recommendations?k=3")"
echo "retrain: $("$BIN" retrain --now --url "http://127.0.0.1:$PORT" || true)"

"$CHROME" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1700 \
    --screenshot="$OUTPUT" "http://127.0.0.1:$PORT/" >"$WORK/chromium.log" 2>&1
test -s "$OUTPUT"
echo "wrote $OUTPUT"
