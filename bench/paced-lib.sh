# Sourced by bench/paced-emit.sh and bench/paced-artillery.sh: how both
# read a load generator's CPU per acked emit and RSS per added client from
# /proc, so that the two are measured alike. Needs $out and $window.

# tree PID: PID and its descendants (stampede's workers, Artillery's).
tree() { echo "$1"; for c in $(pgrep -P "$1" || true); do tree "$c"; done; }
# ticks PID: CPU ticks (1/100 s, user+system) of PID's tree.
ticks() { for p in $(tree "$1"); do awk '{sub(/^.*\) /, ""); print $12 + $13}' /proc/$p/stat 2>/dev/null; done | awk '{n += $1} END {print n+0}'; }
# rss PID: resident KiB of PID's tree.
rss() { for p in $(tree "$1"); do awk '/^VmRSS:/ {print $2}' /proc/$p/status 2>/dev/null; done | awk '{n += $1} END {print n+0}'; }

# measure LABEL WHAT N LOG CMD...: runs CMD (N clients, one acked emit a
# second each) with its output in LOG, reads its CPU over $window seconds
# from 9 s in (after the 5 s ramp), divided by the acked emits made then
# (N × seconds), and its RSS at the end (into $measured_kib); appends the
# line to $out/summary.txt.
measure() {
  local label=$1 what=$2 n=$3 log=$4 pid t0 s0 t1 s1 rc=0
  shift 4
  "$@" > "$log" 2>&1 &
  pid=$!
  sleep 9
  t0=$(ticks $pid); s0=$(date +%s.%N)
  sleep "$window"
  t1=$(ticks $pid); s1=$(date +%s.%N); measured_kib=$(rss $pid)
  wait $pid || rc=$?
  awk -v l="$label" -v w="$what" -v n="$n" -v t0="$t0" -v t1="$t1" -v s0="$s0" -v s1="$s1" -v rc="$rc" 'BEGIN {
    secs = s1 - s0; acks = n * secs
    printf "%s, %d clients, 1 emit/s each: %.1f µs %s per acked emit (%.2f s CPU over %.1f s; run exit %d)\n", l, n, (t1 - t0) * 10000 / acks, w, (t1 - t0) / 100, secs, rc }' |
    tee -a "$out/summary.txt"
}

# added LABEL A RSS_A B RSS_B: the RSS per client added from A to B clients.
added() {
  awk -v l="$1" -v a="$2" -v ra="$3" -v b="$4" -v rb="$5" 'BEGIN {
    printf "%s RSS %.1f MiB at %d clients, %.1f MiB at %d: %.1f KiB per added client\n", l, ra / 1024, a, rb / 1024, b, (rb - ra) / (b - a) }' |
    tee -a "$out/summary.txt"
}
