#!/usr/bin/env bash
# make bench-daemon: apitokend against bench/echo_server, the floor of the
# same socket pattern (accept, read one frame, answer one frame, close),
# measured in the same rounds (bench/README.md).
#
#   bench/daemon.sh BUILDDIR WORKDIR
#
# BENCH_TOKENS (1000000) tokens in the store, BENCH_ROUNDS (5) rounds of
# BENCH_SECONDS (3) s for each server's rate with BENCH_CLIENTS (8)
# clients, then the p99 latency of BENCH_LOGINS (2000) requests one after
# another without and with BENCH_STALLED (600) silent connections.
set -euo pipefail

build=$1
work=$2
tokens=${BENCH_TOKENS:-1000000}
rounds=${BENCH_ROUNDS:-5}
seconds=${BENCH_SECONDS:-3}
clients=${BENCH_CLIENTS:-8}
logins=${BENCH_LOGINS:-2000}
stalled=${BENCH_STALLED:-600}

mkdir -p "$work"
tmp=$(mktemp -d "$work/daemon.XXXXXX")
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 700 "$tmp"

median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }

echo "filling a store with $tokens tokens..." >&2
"$build/bench/pam_fill" -n "$tokens" -u bench "$tmp/tokens.db" "$tmp/secret" >/dev/null
"$build/apitokend/apitokend" --db "$tmp/tokens.db" --socket "$tmp/d.sock" \
    --max-failures 0 2>"$tmp/daemon.log" &
pids+=($!)
"$build/bench/echo_server" "$tmp/e.sock" &
pids+=($!)
for s in d.sock e.sock; do
	for _ in $(seq 100); do [ -S "$tmp/$s" ] && break; sleep 0.05; done
	[ -S "$tmp/$s" ] || { echo "bench-daemon: $s did not appear" >&2; exit 1; }
done

bench() { "$build/bench/daemon_bench" "$@"; }
: > "$tmp/d.rate"; : > "$tmp/e.rate"
for r in $(seq "$rounds"); do
	bench rate "$tmp/d.sock" "$tmp/secret" bench "$clients" "$seconds" |
	    awk '/^rate/ {print $2}' >> "$tmp/d.rate"
	bench rate "$tmp/e.sock" "$tmp/secret" bench "$clients" "$seconds" |
	    awk '/^rate/ {print $2}' >> "$tmp/e.rate"
done
d=$(median < "$tmp/d.rate")
e=$(median < "$tmp/e.rate")
printf 'rate, %d clients, one connection a request, %d tokens (median of %d rounds of %d s):\n' \
    "$clients" "$tokens" "$rounds" "$seconds"
printf '  apitokend    %8.0f /s\n  echo_server  %8.0f /s\n  ratio        %8.2fx (goal >= 0.5x)\n' \
    "$d" "$e" "$(awk -v a="$d" -v b="$e" 'BEGIN {print a / b}')"

: > "$tmp/calm"; : > "$tmp/stall"
for r in 1 2 3; do
	bench latency "$tmp/d.sock" "$tmp/secret" bench "$logins" 0 |
	    awk '/^p99/ {print $2}' >> "$tmp/calm"
	bench latency "$tmp/d.sock" "$tmp/secret" bench "$logins" "$stalled" |
	    awk '/^p99/ {print $2}' >> "$tmp/stall"
done
c=$(median < "$tmp/calm")
s=$(median < "$tmp/stall")
printf 'p99 latency of one request, %d in a row (median of 3 runs):\n' "$logins"
printf '  calm               %8.1f us\n  %4d clients stall  %8.1f us\n  ratio              %8.2fx (goal <= 2x)\n' \
    "$c" "$stalled" "$s" "$(awk -v a="$s" -v b="$c" 'BEGIN {print a / b}')"
