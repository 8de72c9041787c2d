#!/usr/bin/env bash
# Issue 16: Artillery 2.0.34 on bench/paced-emit.sh's workload, measured the
# same way (its processes' CPU from /proc over WINDOW seconds of the hold,
# divided by the acked emits made in it, clients × WINDOW at about 1/s:
# Artillery's loop thinks 1 s after each ack; and its RSS per added client
# between the first and the last client count), against the same
# `stampede serve`. Run it beside bench/paced-emit.sh, alternating, to
# compare in one sitting.
# Usage: bench/paced-artillery.sh   (CLIENTS="1000 5000", REPEATS=1,
#   ARTILLERY=path to an artillery binary; default: Artillery 2.0.34
#   installed by npm into bench/out/artillery, its browser download skipped).
# Writes bench/out/paced-emit/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out/paced-emit
mkdir -p "$out"
art=${ARTILLERY:-}
if [ -z "$art" ]; then
  art=bench/out/artillery/node_modules/.bin/artillery
  if [ ! -x "$art" ]; then
    mkdir -p bench/out/artillery
    (cd bench/out/artillery && npm init -y >/dev/null &&
      PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install artillery@2.0.34 --no-audit --no-fund --ignore-scripts >/dev/null)
  fi
fi
go build -o bin/stampede ./cmd/stampede
port=${PORT:-21817}
window=${WINDOW:-15}
./bin/stampede serve --addr 127.0.0.1:$port --log-level error --secret paced-bench > "$out/serve.log" 2>&1 &
serve=$!
trap 'kill -INT $serve 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
. bench/paced-lib.sh
token=$(./bin/stampede token --user u000001 --secret paced-bench --expires 1h)
for r in $(seq 1 "${REPEATS:-1}"); do
  first_n=; first_rss=
  for n in ${CLIENTS:-1000 5000}; do
    sed -e "s/PORT/$port/" -e "s/CLIENTS/$n/" -e "s/TOKEN/$token/" bench/paced-artillery.yml > "$out/artillery-$n.yml"
    measure artillery CPU "$n" "$out/artillery-$n.txt" \
      "$art" run --quiet --output "$out/artillery-$n.json" "$out/artillery-$n.yml"
    # What Artillery itself counted: every client's emits acked, none failed.
    python3 -c 'import json, sys; a = json.load(open(sys.argv[1]))["aggregate"]; c = a["counters"]; print("artillery, %s clients: %d emits, %d acked, %d clients failed" % (sys.argv[2], c.get("socketio.emit", 0), a["summaries"].get("socketio.response_time", {}).get("count", 0), c.get("vusers.failed", 0)))' "$out/artillery-$n.json" "$n" |
      tee -a "$out/summary.txt"
    if [ -z "$first_n" ]; then
      first_n=$n; first_rss=$measured_kib
    else
      added "artillery," "$first_n" "$first_rss" "$n" "$measured_kib"
    fi
  done
done
