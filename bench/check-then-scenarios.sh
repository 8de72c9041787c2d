#!/usr/bin/env bash
# Issue 11's proof that `check` leaves its target as it found it: one
# refserver with fast pings, `stampede check` with the default layers, then
# every built-in scenario at a small size against the same server. Every
# step must exit 0; the scenarios must count 0 errors. Writes
# bench/out/check-then-scenarios/{check.json,<scenario>.json,summary.txt}.
# Usage: bench/check-then-scenarios.sh [VUS] [DURATION]   (default 300 15s)
set -euo pipefail
cd "$(dirname "$0")/.."
vus=${1:-300}
dur=${2:-15s}
out=bench/out/check-then-scenarios
mkdir -p "$out"
go build -o bin/stampede ./cmd/stampede
secret=check-then-scenarios
addr=127.0.0.1:8191
./bin/stampede serve --addr $addr --secret $secret --ping-interval 1s --ping-timeout 1s \
  --session-timeout 5s --log-level error > "$out/serve.log" 2>&1 &
serve=$!
trap 'kill -INT $serve 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -fs "http://$addr/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
: > "$out/summary.txt"
fail=0
step() { # name, then the command
  local name=$1; shift
  local start=$SECONDS rc=0
  "$@" > "$out/$name.txt" 2>&1 || rc=$?
  echo "$name: exit $rc in $((SECONDS - start)) s" | tee -a "$out/summary.txt"
  [ $rc -eq 0 ] || fail=1
}
step check ./bin/stampede check --target "http://$addr" --secret $secret --session-timeout 5s --json "$out/check.json" --quiet
for f in scenarios/*.yaml; do   # every built-in
  s=$(basename "$f" .yaml)
  step "$s" ./bin/stampede run "$s" --target "http://$addr" --secret $secret --vus "$vus" --duration "$dur" --out "$out/$s.json"
  errors=$(python3 -c 'import json,sys; print(sum(c["value"] for c in json.load(open(sys.argv[1]))["counters"] if c["metric"] == "errors"))' "$out/$s.json" 2>/dev/null || echo '?')
  [ "$errors" = 0 ] || fail=1
  echo "  $s errors: $errors" | tee -a "$out/summary.txt"
done
exit $fail
