#!/usr/bin/env bash
# Time apitoken-decode and apitoken-gen against GNU base64 and openssl, side
# by side in one run, and print medians, ratios and the goals of issue 2.
#
#   bash bench/codec.sh DECODE GEN BARE [WORKPARENT]
#
# DECODE and GEN are the built apitoken-decode and apitoken-gen, BARE a
# dynamic C program that only returns 0 (the process start-up floor).  The
# inputs are made once in a temporary directory under WORKPARENT (default:
# the current directory) and removed at the end.  "make bench" runs this
# with the right paths; see bench/README.md for what the rows mean.
#
# Environment:
#   BENCH_MB=256         size of the random file in MiB (1 for a quick try)
#   BENCH_RUNS=5         timed runs of each big-file command (interleaved
#                        rounds; the first round has one warm-up run more)
#   BENCH_PROC_RUNS=500  timed runs of each one-token process, spread over
#                        the same rounds
#   BENCH_KEEP=1         keep the work directory (inputs, hyperfine JSON)
set -euo pipefail

prog=codec.sh
MIB=1048576
# One token: base64 of this many random bytes, like apitoken-gen's default.
TOKEN_BYTES=16
TOKEN_RE='^[A-Za-z0-9+/]{22}==$'
# Warm-up runs of each one-token process in every round.
PROC_WARMUP=10
# Free space wanted, in multiples of the file size: the file, three
# base64 copies of 1.37 times its size each, two decoded outputs, slack.
SPACE_FACTOR=8

say() { printf '%s: %s\n' "$prog" "$*" >&2; }
die() { say "$*"; exit 1; }
usage() { echo "usage: $prog DECODE GEN BARE [WORKPARENT]" >&2; exit 2; }

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
	usage
fi
decode=$1 gen=$2 bare=$3 parent=${4:-.}

count() {
	local name=$1 value=$2 max=$3
	if ! [[ $value =~ ^[1-9][0-9]{0,8}$ ]] || [ "$value" -gt "$max" ]; then
		die "$name must be a number from 1 to $max"
	fi
}
mb=${BENCH_MB:-256}
runs=${BENCH_RUNS:-5}
proc_runs=${BENCH_PROC_RUNS:-500}
count BENCH_MB "$mb" 65536
count BENCH_RUNS "$runs" 1000
count BENCH_PROC_RUNS "$proc_runs" 1000000
bytes=$((mb * MIB))
proc_per_round=$(((proc_runs + runs - 1) / runs))

for t in "$decode" "$gen" "$bare"; do
	[ -x "$t" ] || die "$t: not an executable (run \"make bench\")"
done
for t in hyperfine base64 openssl cmp head sed awk sort df ldd nm; do
	command -v "$t" >/dev/null ||
	    die "$t: not found (Debian: apt-get install hyperfine coreutils openssl binutils)"
done

[ -d "$parent" ] || die "$parent: no such directory"
avail_kb=$(df -Pk "$parent" | awk 'NR == 2 { print $4 }')
need_kb=$((mb * 1024 * SPACE_FACTOR))
[ "$avail_kb" -ge "$need_kb" ] ||
    die "$parent: $((avail_kb / 1024)) MiB free, $((need_kb / 1024)) MiB needed (lower BENCH_MB)"

work=$(mktemp -d "$parent/codec-bench.XXXXXX")
work=$(cd "$work" && pwd)
cleanup() {
	if [ "${BENCH_KEEP:-}" = 1 ]; then
		say "kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir "$work/json"
times=$work/times.tsv
: >"$times"
started=$SECONDS
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# --- inputs ------------------------------------------------------------------
#
# The certutil copy is made from GNU's 64-column output with sed, not with
# our encoder, so it is an independent oracle for both directions.
say "making a $mb MiB random file and its base64 copies in $work"
head -c "$bytes" /dev/urandom >"$work/data.bin"
base64 "$work/data.bin" >"$work/data.b76"
base64 -w 64 "$work/data.bin" >"$work/data.b64"
{
	printf -- '-----BEGIN CERTIFICATE-----\r\n'
	sed 's/$/\r/' "$work/data.b64"
	printf -- '-----END CERTIFICATE-----\r\n'
} >"$work/data.crt"
head -c "$TOKEN_BYTES" /dev/urandom >"$work/token.bin"
base64 "$work/token.bin" >"$work/token.b64"

# --- the commands --------------------------------------------------------------
#
# CMD holds each command as hyperfine runs it (-N: no shell in between, so
# a command is exactly one process unless it says "sh -c"), LABEL how the
# table shows it, STATUS "ok" once its output has been checked, else why not.
declare -A CMD LABEL STATUS

qd=$(printf '%q' "$decode")
qg=$(printf '%q' "$gen")
qb=$(printf '%q' "$bare")
qw=$(printf '%q' "$work")

def() {
	CMD[$1]=$3
	LABEL[$1]=$2
	STATUS[$1]="not checked"
}
def dec76_ours 'apitoken-decode data.b76' "$qd $qw/data.b76"
def dec76_gnu 'base64 -d data.b76' "base64 -d $qw/data.b76"
def dec76_ossl 'openssl base64 -d -in data.b76' "openssl base64 -d -in $qw/data.b76"
def deccu_ours 'apitoken-decode data.crt' "$qd $qw/data.crt"
def deccu_ossl 'openssl base64 -d -in data.crt' "openssl base64 -d -in $qw/data.crt"
def deccu_gnu 'base64 -d data.crt' "base64 -d $qw/data.crt"
def dec64_gnu 'base64 -d data.b64 (LF, 64 col)' "base64 -d $qw/data.b64"
def enc_ours 'apitoken-decode -e data.bin' "$qd -e $qw/data.bin"
def enccu_ours 'apitoken-decode -e --certutil data.bin' "$qd -e --certutil $qw/data.bin"
def enc_gnu 'base64 data.bin' "base64 $qw/data.bin"
def enc_ossl 'openssl base64 -in data.bin (64 col)' "openssl base64 -in $qw/data.bin"
def file_ours 'apitoken-decode data.b76 >out' "$qd $qw/data.b76"
def file_oursf 'apitoken-decode -f data.b76 out.f' "$qd -f $qw/data.b76 $qw/out.f"
def file_gnu 'base64 -d data.b76 >out' "base64 -d $qw/data.b76"
sync_cmd="base64 -d $qw/data.b76 >$qw/out.s && sync $qw/out.s"
def file_gnus 'sh: base64 -d ... >out.s && sync out.s' "sh -c $(printf '%q' "$sync_cmd")"
def tok_ours 'apitoken-decode token.b64' "$qd $qw/token.b64"
def tok_gnu 'base64 -d token.b64' "base64 -d $qw/token.b64"
def gen_ours 'apitoken-gen' "$qg"
def gen_pipe "sh -c 'head -c 16 /dev/urandom | base64'" "sh -c 'head -c 16 /dev/urandom | base64'"
def sh_true "sh -c true" "sh -c true"
def bare 'bare dynamic C program' "$qb"

# --- correctness, once per command and input, before any timing ----------------
#
# A command whose output is wrong is not timed: a fast wrong tool cannot win.

# run NAME: run NAME's command once with its output on stdout.
run() {
	(eval "exec ${CMD[$1]}") </dev/null 2>"$work/stderr"
}

# why RC: the STATUS words for a command that exited with RC.
why() {
	local first
	first=$(head -n 1 "$work/stderr")
	echo "fails (exit $1${first:+: ${first:0:60}})"
}

# check NAME EXPECTED: NAME's output must equal the file EXPECTED.
check() {
	local name=$1 expected=$2 st
	say "checking ${LABEL[$name]}"
	set +e
	run "$name" | cmp -s - "$expected"
	st=("${PIPESTATUS[@]}")
	set -e
	# 141: SIGPIPE, cmp stopped reading at the first difference.
	if [ "${st[0]}" -ne 0 ] && [ "${st[0]}" -ne 141 ]; then
		STATUS[$name]=$(why "${st[0]}")
	elif [ "${st[1]}" -ne 0 ]; then
		STATUS[$name]="wrong output"
	else
		STATUS[$name]=ok
	fi
}

# check_file NAME FILE EXPECTED: NAME writes FILE, which must equal EXPECTED.
check_file() {
	local name=$1 file=$2 expected=$3 rc=0
	say "checking ${LABEL[$name]}"
	rm -f "$file"
	run "$name" >/dev/null || rc=$?
	if [ "$rc" -ne 0 ]; then
		STATUS[$name]=$(why "$rc")
	elif ! cmp -s "$file" "$expected"; then
		STATUS[$name]="wrong output"
	else
		STATUS[$name]=ok
	fi
}

# check_token NAME: two runs each print one token, and not the same one.
check_token() {
	local name=$1 a b rc=0
	say "checking ${LABEL[$name]}"
	a=$(run "$name") && b=$(run "$name") || rc=$?
	if [ "$rc" -ne 0 ]; then
		STATUS[$name]=$(why "$rc")
	elif ! [[ $a =~ $TOKEN_RE && $b =~ $TOKEN_RE ]]; then
		STATUS[$name]="wrong output (not 24 base64 characters ending ==)"
	elif [ "$a" = "$b" ]; then
		STATUS[$name]="wrong output (the same token twice)"
	else
		STATUS[$name]=ok
	fi
}

check dec76_ours "$work/data.bin"
check dec76_gnu "$work/data.bin"
check dec76_ossl "$work/data.bin"
check deccu_ours "$work/data.bin"
check deccu_ossl "$work/data.bin"
check deccu_gnu "$work/data.bin"
check dec64_gnu "$work/data.bin"
check enc_ours "$work/data.b76"
check enccu_ours "$work/data.crt"
check enc_gnu "$work/data.b76"
check enc_ossl "$work/data.b64"
check_file file_oursf "$work/out.f" "$work/data.bin"
check_file file_gnus "$work/out.s" "$work/data.bin"
STATUS[file_ours]=${STATUS[dec76_ours]}
STATUS[file_gnu]=${STATUS[dec76_gnu]}
check tok_ours "$work/token.bin"
check tok_gnu "$work/token.bin"
check_token gen_ours
check_token gen_pipe
check bare /dev/null
check sh_true /dev/null

# --- timing ------------------------------------------------------------------
#
# Each round runs every group once through hyperfine, in an order rotated
# from round to round, so that a burst of load from elsewhere on a shared
# machine spreads over all commands instead of landing on one of them.

# hf ROUND GROUP OUTPUT WARMUP RUNS NAME...: time the checked commands among
# NAME... with hyperfine and add their times to $times.
hf() {
	local round=$1 group=$2 output=$3 warmup=$4 n=$5 name
	local json="$work/json/$group.$round.json" args=() names=()
	shift 5
	for name; do
		[ "${STATUS[$name]}" = ok ] && names+=("$name")
	done
	[ ${#names[@]} -gt 0 ] || return 0
	# Rotate by the round number.
	local i k=$((round % ${#names[@]}))
	for ((i = 0; i < ${#names[@]}; i++)); do
		name=${names[$(((i + k) % ${#names[@]}))]}
		args+=(-n "$name" "${CMD[$name]}")
	done
	# Its warnings about outliers are expected here: the medians are what
	# counts.  Shown only when it fails.
	if ! hyperfine -N --style none --output="$output" --warmup "$warmup" \
	    --runs "$n" --export-json "$json" "${args[@]}" \
	    >/dev/null 2>"$work/hyperfine.err"; then
		cat "$work/hyperfine.err" >&2
		die "hyperfine failed on group $group"
	fi
	# hyperfine pretty-prints its JSON: one "command" line per result,
	# then its "times" array one number a line.
	awk '
	/^ *"command": / {
		name = $0
		sub(/^ *"command": "/, "", name)
		sub(/",?$/, "", name)
	}
	/^ *"times": \[/ { intimes = 1; next }
	intimes && /\]/ { intimes = 0; next }
	intimes { v = $1; sub(/,$/, "", v); print name "\t" v }
	' "$json" >>"$times"
}

for ((r = 1; r <= runs; r++)); do
	say "round $r of $runs"
	w=0
	[ "$r" -eq 1 ] && w=1
	hf "$r" dec76 null "$w" 1 dec76_ours dec76_gnu dec76_ossl
	hf "$r" deccu null "$w" 1 deccu_ours deccu_ossl deccu_gnu dec64_gnu
	hf "$r" enc null "$w" 1 enc_ours enccu_ours enc_gnu enc_ossl
	hf "$r" file "$work/out" "$w" 1 file_ours file_gnu file_oursf file_gnus
	hf "$r" proc null "$PROC_WARMUP" "$proc_per_round" \
	    tok_ours tok_gnu gen_ours gen_pipe sh_true bare
done
rm -f "$work/out" "$work/out.f" "$work/out.s"

# --- the table -----------------------------------------------------------------

# median NAME: the median time of NAME in seconds, or nothing.
median() {
	awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$times" | sort -g |
	    awk '{ t[NR] = $1 }
	    END {
		if (NR == 0)
			exit
		if (NR % 2)
			printf "%.9f\n", t[(NR + 1) / 2]
		else
			printf "%.9f\n", (t[NR / 2] + t[NR / 2 + 1]) / 2
	    }'
}

declare -A MED
for name in "${!CMD[@]}"; do
	MED[$name]=$(median "$name")
done

# Derived: the head|base64 pipeline less the start-up of the sh around it.
if [ -n "${MED[gen_pipe]}" ] && [ -n "${MED[sh_true]}" ]; then
	MED[gen_nosh]=$(awk -v a="${MED[gen_pipe]}" -v b="${MED[sh_true]}" \
	    'BEGIN { printf "%.9f\n", a - b }')
	STATUS[gen_nosh]=ok
else
	MED[gen_nosh]=
	STATUS[gen_nosh]="needs both rows above"
fi

# fmt_time SECONDS
fmt_time() {
	awk -v t="$1" 'BEGIN {
		if (t >= 1)
			printf "%.3f s", t
		else
			printf "%.3f ms", t * 1000
	}'
}

# row LABEL TIME MBPS RATIO GOAL VERDICT
row() {
	printf '  %-40s %11s %6s %7s  %-24s %s\n' "$@"
}

# show NAME [BYTES [OURS [GOAL [STRETCH]]]]: NAME's row; with BYTES its
# throughput; with OURS the ratio OURS/NAME; with GOAL a verdict (MET when
# the ratio is at most GOAL) instead of "reference".
show() {
	local name=$1 size=${2:-} ours=${3:-} goal=${4:-} stretch=${5:-}
	local t=${MED[$name]:-} mbps='' ratio='' goaltext='' verdict='' over=''
	local label=${LABEL[$name]:-$name}
	if [ "${STATUS[$name]}" != ok ]; then
		row "$label" n/a "" "" "" "${STATUS[$name]}"
		return
	fi
	[ -n "$size" ] && mbps=$(awk -v b="$size" -v t="$t" \
	    'BEGIN { printf "%.0f", b / 1e6 / t }')
	if [ -n "$ours" ]; then
		if [ "${STATUS[$ours]}" = ok ]; then
			ratio=$(awk -v a="${MED[$ours]}" -v b="$t" \
			    'BEGIN { printf "%.2fx", a / b }')
		else
			ratio=-
		fi
		if [ -z "$goal" ]; then
			goaltext=reference
		else
			goaltext="<= ${goal}x${stretch:+ (stretch ${stretch}x)}"
			if [ "$ratio" = - ]; then
				verdict="MISSED (${LABEL[$ours]}: ${STATUS[$ours]})"
			else
				verdict=$(awk -v r="${ratio%x}" -v g="$goal" \
				    -v s="${stretch:-0}" 'BEGIN {
					if (r <= s)
						print "MET (stretch too)"
					else if (r <= g)
						print "MET"
					else
						print "MISSED"
				}')
			fi
		fi
	fi
	# One-token rows: how far above the bare program's start-up.
	if [ -z "$size" ] && [ "$name" != bare ] && [ "$name" != gen_nosh ] &&
	    [ -n "${MED[bare]:-}" ]; then
		over=$(awk -v a="$t" -v b="${MED[bare]}" \
		    'BEGIN { printf "%+.3f ms over bare", (a - b) * 1000 }')
		verdict="${verdict:+$verdict  }($over)"
	fi
	row "$label" "$(fmt_time "$t")" "$mbps" "$ratio" "$goaltext" "$verdict"
}

# note WORDS...: a remark under a group, wrapped.
note() {
	printf '%s\n' "$*" | fold -s -w 76 | sed 's/ *$//; s/^/  /'
}

header() {
	printf '\n%s\n' "$1"
	row command median MB/s ours/it goal verdict
}

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
b76=$(wc -c <"$work/data.b76")
bcrt=$(wc -c <"$work/data.crt")

echo
echo "pam_apitoken codec benchmark (bench/codec.sh), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "host: $(uname -srm), ${cpu:-unknown cpu}, $(nproc) cores," \
    "load $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
echo "tools: $(base64 --version | head -n 1), $(openssl version)," \
    "$(hyperfine --version)"
echo "data: $mb MiB random ($bytes bytes); base64: $b76 bytes (76 col LF)," \
    "$bcrt bytes (certutil CRLF 64 col)"
echo "runs: medians of $runs runs per big-file command (1 warm-up), of" \
    "$((proc_per_round * runs)) runs per one-token process ($PROC_WARMUP" \
    "warm-ups a round), interleaved in $runs rounds; MB/s = 10^6 binary" \
    "bytes a second (decoded out, or encoded in); ours/it = our median" \
    "over this row's; output to /dev/null unless said"

header "decode $mb MiB, GNU layout (76 col, LF)"
show dec76_ours "$bytes"
show dec76_gnu "$bytes" dec76_ours 0.50 0.25
show dec76_ossl "$bytes" dec76_ours
note "(openssl 3 reads 76-column lines as well as its own 64; its output" \
    "was checked like every other.)"

header "decode $mb MiB, certutil layout (BEGIN/END, CRLF, 64 col)"
show deccu_ours "$bytes"
show deccu_ossl "$bytes" deccu_ours
show deccu_gnu "$bytes" deccu_ours
show dec64_gnu "$bytes" deccu_ours 0.50 0.25
note "(GNU base64 -d refuses the certutil file - its BEGIN/END lines and" \
    "CRs are not base64 - so the goal compares ours on it with GNU on the" \
    "same data as LF 64-column lines.)"

header "encode $mb MiB"
show enc_ours "$bytes"
show enccu_ours "$bytes" enc_ours
show enc_gnu "$bytes" enc_ours 0.50 0.25
show enc_ossl "$bytes" enc_ours
note "(the --certutil row's ours/it is our GNU layout over our certutil" \
    "layout; openssl writes 64-column lines.)"

header "decode $mb MiB to a file in the work directory"
show file_ours "$bytes"
show file_gnu "$bytes" file_ours
show file_oursf "$bytes"
show file_gnus "$bytes" file_oursf
note "(on $(df -P "$work" | awk 'NR == 2 { print $1 }'), the disk of the" \
    "inputs.  >out: hyperfine sends stdout to the file, which stays in the" \
    "page cache: the cost of writing $mb MiB there, not of the disk." \
    "-f out.f: our OUTFILE, a temporary file synced to the disk and renamed;" \
    "so it is set against GNU's output synced with sync(1).)"

header "one token, whole process (no shell unless it says sh -c)"
show bare
show sh_true
show tok_ours
show tok_gnu "" tok_ours 1.00
show gen_ours
show gen_pipe "" gen_ours 0.50
LABEL[gen_nosh]='  the same less sh -c true (derived)'
show gen_nosh "" gen_ours 0.50
note "(token decode reads a file argument holding the token and its" \
    "newline, what echo TOKEN | ... would feed it: hyperfine 1.15 cannot" \
    "feed stdin without a shell.  The pipeline is what a user types, sh" \
    "included; the derived row takes the sh start-up out: both ratios are" \
    "shown.)"

echo
echo "libraries loaded (ldd):"
for t in "$decode" "$gen" "$bare"; do
	echo "  $(basename "$t"):"
	{ ldd "$t" 2>&1 || true; } | sed 's/^[[:space:]]*/    /'
done
for t in "$decode" "$gen"; do
	if { ldd "$t" 2>&1 || true; } | grep libcrypto >/dev/null; then
		echo "  $(basename "$t") LOADS libcrypto: the issue says it must not"
	fi
done
rand=$({ nm -D --undefined-only "$gen" 2>/dev/null || true; } |
    awk '$2 ~ /^(arc4random|arc4random_buf|getrandom|getentropy)(@|$)/ { print $2 }' |
    paste -sd ' ')
echo "  $(basename "$gen") takes randomness from: ${rand:-none of arc4random_buf/getrandom/getentropy (check)}"
echo
echo "whole run: $((SECONDS - started)) s"
