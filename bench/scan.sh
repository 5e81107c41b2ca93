#!/usr/bin/env bash
# Time "apitoken scan" over a generated log with a few tokens in it against
# "grep -c" of the store's prefix, the peer that reads the same bytes for
# the same needle, and print medians (issue 15).
#
#   bash bench/scan.sh APITOKEN [WORKPARENT]
#
# The store and the log are made in a temporary directory under WORKPARENT
# (default: the current directory) and removed at the end.  Each command
# runs BENCH_RUNS times, interleaved, after one warm-up run each that also
# puts the log in the page cache; the output of scan is checked once.
#
# Environment:
#   BENCH_SCAN_MB=100   size of the log in MiB
#   BENCH_RUNS=5        timed runs of each command
#   BENCH_KEEP=1        keep the work directory
set -euo pipefail

prog=scan.sh
MIB=1048576
# Tokens planted in the log, and the lines between them.
NTOKENS=5

say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "$*"; exit 1; }

[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $prog APITOKEN [WORKPARENT]" >&2; exit 2; }
apitoken=$1 parent=${2:-.}
[ -x "$apitoken" ] || die "$apitoken: not an executable (run \"make bench-scan\")"
mb=${BENCH_SCAN_MB:-100}
runs=${BENCH_RUNS:-5}
[[ $mb =~ ^[1-9][0-9]{0,4}$ ]] || die "BENCH_SCAN_MB must be a number from 1 to 99999"
[[ $runs =~ ^[1-9][0-9]{0,3}$ ]] || die "BENCH_RUNS must be a number from 1 to 9999"
for t in grep awk sort date; do
	command -v "$t" >/dev/null || die "$t is needed"
done

mkdir -p "$parent"
work=$(mktemp -d "$parent/scan-bench.XXXXXX")
cleanup() { [ -n "${BENCH_KEEP:-}" ] && say "kept $work" || rm -rf "$work"; }
trap cleanup EXIT
export APITOKEN_DB="$work/tokens.db"
"$apitoken" init 2>/dev/null
for i in $(seq 1 $NTOKENS); do
	"$apitoken" create -q --name "t$i" >"$work/t$i.tok" 2>/dev/null
done

# A web-server-like log: about 100 bytes a line, words from a small set
# (the prefix's letters among them, never the prefix and "_"), and the
# tokens spread evenly, each in an Authorization header.
say "making a $mb MiB log"
cat "$work"/t*.tok | awk -v bytes=$((mb * MIB)) -v n=$NTOKENS '
	{ tok[NR] = $0 }
	END {
		srand(1)
		split("GET POST /api/v1/items /health 200 404 500 atk at " \
		    "user=alice user=bob latency_ms=12 ua=curl/8.0 INFO WARN " \
		    "request_id=8f3a9c0d", w, " ")
		nw = length(w)
		lines = int(bytes / 100)
		every = int(lines / (n + 1))
		for (i = 1; size < bytes; i++) {
			if (i % every == 0 && k < n) {
				line = "2026-12-07T10:00:00Z WARN Authorization: " \
				    "Bearer " tok[++k]
			} else {
				line = sprintf("2026-12-07T10:%02d:%02dZ", i % 60,
				    int(i / 60) % 60)
				for (j = 0; j < 9; j++)
					line = line " " w[int(rand() * nw) + 1]
			}
			print line
			size += length(line) + 1
		}
	}' >"$work/log"
bytes=$(wc -c <"$work/log")

# Checked once: every token found, known, and no secret printed.
"$apitoken" scan "$work/log" >"$work/out" && die "scan found nothing"
[ "$(grep -c ' known$' "$work/out")" = $NTOKENS ] ||
    die "scan did not find the $NTOKENS tokens: $(cat "$work/out")"
for t in "$work"/t*.tok; do
	grep -q -F "$(cut -d_ -f3 "$t")" "$work/out" && die "a secret was printed"
done
[ "$(grep -c atk_ "$work/log")" = $NTOKENS ] || die "grep -c disagrees"

# grep -n counts lines as scan must; grep -c, the peer, need not.
names=("apitoken scan" "grep -c atk_" "grep -n atk_"
    "apitoken scan --imported")
cmds=("$apitoken scan $work/log" "grep -c atk_ $work/log"
    "grep -n atk_ $work/log" "$apitoken scan --imported $work/log")
# --imported only counts when the store has imported tokens.
echo an-imported-token-of-some-length |
    "$apitoken" import --name imp 2>/dev/null
declare -A times
for c in "${!cmds[@]}"; do
	${cmds[c]} >/dev/null || true
done
for ((r = 0; r < runs; r++)); do
	for c in "${!cmds[@]}"; do
		t0=$(date +%s%N)
		${cmds[c]} >/dev/null || true
		t1=$(date +%s%N)
		times[$c]+="$(((t1 - t0) / 1000)) "
	done
done

median() { tr ' ' '\n' | sed '/^$/d' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
peer=$(echo "${times[1]}" | median)
printf '%s MiB log, %d lines, %d tokens; median of %d runs\n\n' "$mb" \
    "$(wc -l <"$work/log")" $NTOKENS "$runs"
printf '| %-26s | %10s | %8s | %9s |\n' command median MB/s ours/grep
printf '|%s|%s|%s|%s|\n' "----------------------------" "------------" "----------" "-----------"
for c in "${!cmds[@]}"; do
	m=$(echo "${times[$c]}" | median)
	printf '| %-26s | %8.3f s | %8.0f | %9.2f |\n' "${names[c]}" \
	    "$(awk -v m="$m" 'BEGIN { print m / 1e6 }')" \
	    "$(awk -v m="$m" -v b="$bytes" 'BEGIN { print b / m }')" \
	    "$(awk -v m="$m" -v p="$peer" 'BEGIN { print m / p }')"
done
