#!/usr/bin/env bash
# Capacity benchmark of issue 5: starts three refservers on 127.0.0.1:8181-8183
# (each with a population big enough for every client), runs
# bench/capacity-50k.yaml over them, and samples the simulator's RSS (all its
# worker processes) at the peak. Writes bench/out/capacity.{txt,json},
# summary.txt (connected, RSS per client and per session, connects each
# second) and rss-series.txt (each second: t, simulator KiB, servers KiB,
# and the CPU time both have used so far, in 1/100 s).
# Usage: bench/capacity.sh [VUS]   (default 50000)
# SERVERS=N refservers on 8181... (default 3; each holds at most ~19,000 sockets),
# RATE=N arrivals per second (default the scenario's 5,000), PER_WORKER=N
# clients per simulator process (default 17000). The 100,000-client run of
# issue 16: SERVERS=6 RATE=1700 PER_WORKER=16700 bench/capacity.sh 100000
# PROFILE=1 also profiles the ramp: each refserver's CPU (pprof, via
# --debug-addr 127.0.0.1:619x) into bench/out/serve-818x.cpu.pprof, and the
# simulator processes (perf, when installed) into bench/out/sim.perf.
set -euo pipefail
cd "$(dirname "$0")/.."
vus=${1:-50000}
servers=${SERVERS:-3}
rate=${RATE:-5000}
arrive=$(( (vus + rate - 1) / rate ))   # seconds of arrivals
peak_at=$(( arrive + 15 ))               # inside the hold: everyone connected
span=$(( arrive + 45 ))                  # the series: arrivals and the 40 s hold
ports=$(seq 8181 $((8180 + servers)))
targets=$(for port in $ports; do printf 'http://127.0.0.1:%s,' "$port"; done); targets=${targets%,}
mkdir -p bench/out
go build -o bin/stampede ./cmd/stampede
secret=capacity-bench-secret
pids=()
cleanup() { for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
for port in $ports; do
  env ${SERVE_ENV:-} ./bin/stampede serve --addr 127.0.0.1:$port --secret $secret --users $((vus + 10)) --channels 10 --notes 10 \
    --log-level error --debug-addr 127.0.0.1:$((port - 2000 + 10)) > bench/out/serve-$port.log 2>&1 &
  pids+=($!)
done
sleep 2
if [ -n "${PROFILE:-}" ]; then
  ( sleep 1   # the arrival phase: 10 s from about 1 s in
    for port in $ports; do
      curl -s -o bench/out/serve-$port.cpu.pprof "http://127.0.0.1:$((port - 2000 + 10))/debug/pprof/profile?seconds=10" &
    done
    if command -v perf > /dev/null; then
      perf record -F 499 -g -o bench/out/sim.perf -p "$(pgrep -d, -f 'stampede run')" -- sleep 10 > /dev/null 2>&1 || true
    fi
    wait ) &
fi
# CPU ticks (1/100 s, user+system) of the processes whose command line
# matches $1, summed.
ticks() { for pid in $(pgrep -f "$1"); do awk '{sub(/^.*\) /, ""); print $12 + $13}' /proc/$pid/stat 2>/dev/null; done | awk '{n += $1} END {print n+0}'; }
( for t in $(seq 1 "$span"); do   # RSS and CPU of the simulator and of the servers, once a second
    sleep 1
    sim=$(ps -eo rss=,args= | awk '/stampede run/ && !/awk/ {kb += $1} END {print kb+0}')
    srv=$(ps -eo rss=,args= | awk '/stampede serve --addr 127.0.0.1:818/ && !/awk/ {kb += $1} END {print kb+0}')
    echo "$t $sim $srv $(ticks 'stampede run') $(ticks 'stampede serve --addr 127.0.0.1:818')"
  done > bench/out/rss-series.txt ) &
( sleep "$peak_at"   # inside the hold: everyone connected
  ps -eo rss=,args= | awk '/stampede run/ && !/awk/ {kb += $1} END {print kb}' > bench/out/sim-rss-kb.txt
  ps -eo rss=,args= | awk '/stampede serve --addr 127.0.0.1:818/ && !/awk/ {kb += $1} END {print kb}' > bench/out/serve-rss-kb.txt
) &
sampler=$!
# Three worker processes of ~16,700 clients (not the default four of
# 15,000): each process has its own runtime, GC and scheduler to pay for on
# two cores, and 16,700 sockets stay under the 20,000 open files a process
# may have. RUN_ARGS adds flags (e.g. --set client.fetch_config=false),
# RUN_ENV environment for the simulator (e.g. GODEBUG=adaptivestackstart=0),
# SERVE_ENV for the refservers (e.g. GOGC=200).
env ${RUN_ENV:-} /usr/bin/time -v ./bin/stampede run bench/capacity-50k.yaml --vus "$vus" --secret $secret \
  --clients-per-worker "${PER_WORKER:-17000}" --set phases.0.rate="$rate" --set phases.0.duration="${arrive}s" ${RUN_ARGS:-} \
  --target "$targets" \
  --out bench/out/capacity.json > bench/out/capacity.txt 2> bench/out/capacity.time || status=$?
wait "$sampler"
sim_kb=$(cat bench/out/sim-rss-kb.txt); srv_kb=$(cat bench/out/serve-rss-kb.txt)
# Per connected client: the most clients connected at once, from the record's series.
peak=$(python3 -c 'import json,sys; print(max([p["clients"] for p in json.load(open(sys.argv[1]))["series"]] or [0]))' bench/out/capacity.json 2>/dev/null || echo "$vus")
[ "${peak:-0}" -gt 0 ] || peak=$vus
{
echo "connected at the peak: $peak of $vus"
echo "simulator RSS at the peak: $((sim_kb / 1024)) MiB = $(awk -v k="$sim_kb" -v n="$peak" 'BEGIN{printf "%.1f", k/n}') KiB per client"
echo "refservers RSS at the peak: $((srv_kb / 1024)) MiB = $(awk -v k="$srv_kb" -v n="$peak" 'BEGIN{printf "%.1f", k/n}') KiB per session"
echo "connects per second (t: connects, connected):"
python3 -c 'import json,sys; print(" ".join("%d:%d,%d" % (p["t"], p["connects"], p["clients"]) for p in json.load(open(sys.argv[1]))["series"][:20]))' bench/out/capacity.json 2>/dev/null || true
grep -E 'Elapsed|User time|System time|Maximum resident' bench/out/capacity.time || true
} | tee bench/out/summary.txt
cat bench/out/capacity.txt
exit "${status:-0}"
