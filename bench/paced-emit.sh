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
# ticks PID: CPU ticks (1/100 s, user+system) of PID and its children.
ticks() { for p in $1 $(pgrep -P "$1" || true); do awk '{sub(/^.*\) /, ""); print $12 + $13}' /proc/$p/stat 2>/dev/null; done | awk '{n += $1} END {print n+0}'; }
# rss PID: resident KiB of PID and its children.
rss() { for p in $1 $(pgrep -P "$1" || true); do awk '/^VmRSS:/ {print $2}' /proc/$p/status 2>/dev/null; done | awk '{n += $1} END {print n+0}'; }
for r in $(seq 1 "${REPEATS:-1}"); do
  first_n=; first_rss=
  for n in ${CLIENTS:-1000 5000}; do
    "$sim" run bench/paced-emit.yaml --vus "$n" --target "http://127.0.0.1:$port" --out "$out/run-$n.json" > "$out/run-$n.txt" 2>&1 &
    pid=$!
    sleep 9   # the ramp (5 s) and a few seconds to settle
    t0=$(ticks $pid); s0=$(date +%s.%N)
    sleep "$window"
    t1=$(ticks $pid); s1=$(date +%s.%N); kib=$(rss $pid)
    rc=0; wait $pid || rc=$?
    awk -v n="$n" -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v rc="$rc" 'BEGIN {
      secs = s1 - s0; acks = n * secs
      printf "paced, %d clients, 1 emit/s each: %.1f µs simulator CPU per acked emit (%.2f s CPU over %.1f s; run exit %d)\n", n, (t1 - t0) * 10000 / acks, (t1 - t0) / 100, secs, rc }' |
      tee -a "$out/summary.txt"
    if [ -z "$first_n" ]; then
      first_n=$n; first_rss=$kib
    else
      awk -v a="$first_n" -v b="$n" -v ra="$first_rss" -v rb="$kib" 'BEGIN {
        printf "paced, simulator RSS %.1f MiB at %d clients, %.1f MiB at %d: %.1f KiB per added client\n", ra / 1024, a, rb / 1024, b, (rb - ra) / (b - a) }' |
        tee -a "$out/summary.txt"
    fi
  done
done
if [ "${BACK_TO_BACK:-1}" != 0 ]; then
  go test -run '^$' -bench 'VUEmitWithAckClientCPU' -benchtime 3s ./simulator/ 2>&1 | grep -E '^Benchmark' | tee -a "$out/summary.txt"
fi
