#!/usr/bin/env bash
# Issue 16: the simulator's CPU per acked emit at a paced 1 emit/s per
# client (bench/paced-emit.yaml), for 1k and 5k clients, against a
# `stampede serve` in a separate process, next to the back-to-back
# benchmark (BenchmarkVUEmitWithAckClientCPU). The simulator's CPU
# (user+system of the `stampede run` process and its workers, from /proc)
# is read over WINDOW seconds of the hold and divided by the acked emits
# made in it (clients × WINDOW at 1/s).
# The simulator's RSS (all its processes) at the end of the window gives
# the RSS per added client between the first and the last client count.
# Usage: bench/paced-emit.sh   (CLIENTS="1000 5000", REPEATS=1,
#   SIM_BIN=path to compare another simulator build, e.g. an older commit's,
#   SIM_ARGS to add run flags, e.g. "--set client.park_idle=true",
#   BACK_TO_BACK=0 to skip the benchmark). Writes bench/out/paced-emit/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=bench/out/paced-emit
mkdir -p "$out"
go build -o bin/stampede ./cmd/stampede
sim=${SIM_BIN:-./bin/stampede}
port=${PORT:-21817}
window=${WINDOW:-15}
./bin/stampede serve --addr 127.0.0.1:$port --log-level error > "$out/serve.log" 2>&1 &
serve=$!
trap 'kill -INT $serve 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
. bench/paced-lib.sh
for r in $(seq 1 "${REPEATS:-1}"); do
  first_n=; first_rss=
  for n in ${CLIENTS:-1000 5000}; do
    measure paced "simulator CPU" "$n" "$out/run-$n.txt" \
      "$sim" run bench/paced-emit.yaml --vus "$n" --target "http://127.0.0.1:$port" --out "$out/run-$n.json" ${SIM_ARGS:-}
    if [ -z "$first_n" ]; then
      first_n=$n; first_rss=$measured_kib
    else
      added "paced, simulator" "$first_n" "$first_rss" "$n" "$measured_kib"
    fi
  done
done
if [ "${BACK_TO_BACK:-1}" != 0 ]; then
  go test -run '^$' -bench 'VUEmitWithAckClientCPU' -benchtime 3s ./simulator/ 2>&1 | grep -E '^Benchmark' | tee -a "$out/summary.txt"
fi
