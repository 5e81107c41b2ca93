#!/usr/bin/env bash
# make bench-fleet: the fleet on etcd of issue 13 (bench/README.md, "Fleet
# on etcd"), against a 3-member etcd cluster on 127.0.0.1 that it starts
# and stops itself (tests/etcd.subr).
#
#   bench/fleet.sh BUILDDIR WORKDIR
#
# 1. Reach: an admin store published to etcd, then BENCH_HOSTS ("5 20
#    100") host daemons (apitokend --etcd, each its own store and socket;
#    the hosts of a smaller count stay and more are added).  For each
#    count, BENCH_REVOKES (20) times: a new token created and accepted by
#    every host, then bench/fleet_bench runs "apitoken revoke" and times
#    from its exit until every host refuses the token; and, as the peer,
#    one "etcdctl put" round trip.
# 2. First sync: a store of BENCH_TOKENS (100000) tokens (bench/pam_fill)
#    published under a prefix of its own, then one new host daemon timed
#    from its start until it accepts the store's known token.  Peers:
#    "apitoken restore" of the store's export into a local store, and
#    "etcdctl get" of the whole prefix.
# 3. Burst: BENCH_BURST (10000) of those tokens revoked at once (export,
#    jq, restore, which publishes them) and the time until that host
#    refuses the last one published.  Peer: the same restore into a
#    store that does not publish.
# 4. The fleet's last use: BENCH_USE_HOSTS (10) hosts' last use of
#    BENCH_USE_TOKENS (10000) tokens each under usage/, then "apitoken
#    list" and "show" on that store reading them.  Peers: the same with
#    --local, and "etcdctl get" of usage/.
set -euo pipefail

srcdir=$(cd "$(dirname "$0")/.." && pwd)
build=$1
work=$2
host_counts=${BENCH_HOSTS:-5 20 100}
revokes=${BENCH_REVOKES:-20}
tokens=${BENCH_TOKENS:-100000}
burst=${BENCH_BURST:-10000}
# Seconds fleet_bench waits for a change to reach every host.
limit=${BENCH_FLEET_WAIT:-120}
# Seconds etcd's CPU is measured with the hosts connected and idle.
idle=${BENCH_IDLE:-5}

apitoken=$build/tools/apitoken
apitokend=$build/apitokend/apitokend
poller=$build/bench/fleet_bench
fill=$build/bench/pam_fill

for tool in jq ss; do
	command -v $tool >/dev/null || {
		echo "bench-fleet: skipped: $tool is not installed" >&2
		exit 0
	}
done

mkdir -p "$work"
tmp=$(mktemp -d "$work/fleet.XXXXXX")
chmod 700 "$tmp"
cd "$tmp"
umask 077

# tests/etcd.subr is written for atf-sh: its failures and skips end here.
atf_fail() { echo "bench-fleet: $*" >&2; exit 1; }
atf_skip() { echo "bench-fleet: skipped: $*" >&2; exit 0; }
# shellcheck source=tests/etcd.subr
. "$srcdir/tests/etcd.subr"

pids=()
cleanup() {
	local p
	set +e
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
	etcd_stop
	cd /
	[ -n "${BENCH_KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

die() { echo "bench-fleet: $*" >&2; exit 1; }
# now: seconds since the epoch, microseconds.
now() { echo "$EPOCHREALTIME"; }
ms_since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.1f\n", (b - a) * 1000}'; }
median() { sort -n | awk '{v[NR]=$1} END {print (NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2)}'; }
# pct P: the P-th percentile, nearest rank (p99 of 20 samples is the max).
pct() { sort -n | awk -v p="$1" '{v[NR]=$1} END {r = int(p * NR / 100); if (r < p * NR / 100) r++; if (r < 1) r = 1; print v[r]}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
# cpu_ms BEFORE AFTER: the CPU milliseconds of the three members together
# between two etcd_cpu readings.
cpu_ms() {
	echo "$1 $2" | awk -v tck="$(getconf CLK_TCK)" \
	    '{printf "%.0f\n", ($4 + $5 + $6 - $1 - $2 - $3) * 1000 / tck}'
}
# etcd_cpu: the CPU time of members 1, 2 and 3 so far, in clock ticks.
etcd_cpu() {
	local n
	for n in 1 2 3; do
		sed 's/.*) //' "/proc/$(cat "$ETCD_DIR/m$n.pid")/stat" |
		    awk '{printf "%d ", $12 + $13}'
	done
}

ctl() {
	env -u ETCDCTL_ENDPOINTS ETCDCTL_API=3 "$ETCDCTL_BIN" \
	    --endpoints "$ETCD_ENDPOINTS" "$@"
}

# host_start N [OPTIONS...]: apitokend --etcd on ./hN/tokens.db and
# ./hN/sock, its log in ./hN/log.
host_start() {
	local n=$1
	shift
	mkdir -m 0700 "h$n"
	"$apitokend" --db "$PWD/h$n/tokens.db" --socket "$PWD/h$n/sock" \
	    --stderr --max-failures 0 --etcd "$ETCD_ENDPOINTS" \
	    --host-name "h$n" --trust "$PWD/admin.pub" "$@" 2>>"h$n/log" &
	pids+=($!)
	echo $! > "h$n/pid"
	echo "$PWD/h$n/sock" >> hosts
}

# host_wait N...: each of hosts N... serves on its socket.
host_wait() {
	local n i
	for n; do
		i=0
		until [ -S "h$n/sock" ] && grep -q "serving" "h$n/log"; do
			kill -0 "$(cat "h$n/pid")" 2>/dev/null ||
			    { cat "h$n/log" >&2; die "host $n died"; }
			i=$((i + 1))
			[ $i -lt 600 ] || die "host $n: not serving after 60 s"
			sleep 0.1
		done
	done
}

host_stop() {
	local n pid
	for n; do
		pid=$(cat "h$n/pid")
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}

echo "bench-fleet: load $(load); starting etcd..." >&2
etcd_start
echo "bench-fleet: etcd $("$ETCD_BIN" --version | sed -n 's/^etcd Version: //p')" \
    "at $ETCD_ENDPOINTS" >&2

# --- 1. reach --------------------------------------------------------------

admin() { "$apitoken" --db "$tmp/admin.db" "$@"; }
admin init >/dev/null
admin publish --etcd "$ETCD_ENDPOINTS" -q
# The hosts apply only what the admin store signed, as README.md deploys
# them.
admin fleet-key > admin.pub
: > hosts
started=0
printf 'revocation reach (load %s; %d revokes a host count):\n' "$(load)" \
    "$revokes"
printf '  %-5s %9s %9s %9s %9s %9s %9s %9s %9s %7s\n' hosts "reach p50" \
    "p99" "host p50" "sweep" "start p50" "start p99" "revoke" "put" "errors"
reach_table=$tmp/reach.txt
: > "$reach_table"
for h in $host_counts; do
	while [ "$started" -lt "$h" ]; do
		started=$((started + 1))
		host_start "$started"
	done
	host_wait $(seq "$h")
	# Where the hosts' watches are: connections to each member's client
	# port (etcdctl's own are gone by now).
	conns=""
	for m in 1 2 3; do
		conns="$conns m$m $(ss -tnH state established \
		    "dport = :$((ETCD_BASE + m - 1))" | wc -l)"
	done
	echo "$h:$conns" >> conns.txt
	: > "r$h.txt"; : > "p$h.txt"
	# etcd's CPU with the hosts connected and nothing changing (their
	# freshness probes), over BENCH_IDLE seconds.
	i0=$(etcd_cpu)
	ti=$(now)
	sleep "$idle"
	idle_ms=$(ms_since "$ti")
	i1=$(etcd_cpu)
	cpu0=$(etcd_cpu)
	tl=$(now)
	for i in $(seq "$revokes"); do
		name=r$h-$i
		admin create --name "$name" --user bench -q > "$name.tok"
		"$poller" reach -t "$limit" "$name.tok" bench hosts \
		    "$apitoken" --db "$tmp/admin.db" revoke "$name" \
		    >> "r$h.txt" 2>>poller.log ||
		    { tail -n 5 poller.log >&2; die "$h hosts: revoke $i did not reach"; }
		t=$(now)
		ctl put /bench/peer "$i" >/dev/null
		ms_since "$t" >> "p$h.txt"
	done
	# Each round made two changes that every host watches (the create and
	# the revoke) and one that none does (the put); less the idle rate
	# over the loop's time.
	loop_ms=$(ms_since "$tl")
	echo "$h $cpu0 $(etcd_cpu) $i0 $i1" | awk -v tck="$(getconf CLK_TCK)" \
	    -v r="$revokes" -v im="$idle_ms" -v lm="$loop_ms" '{
		for (m = 0; m < 3; m++) {
			idle[m] = ($(11 + m) - $(8 + m)) * 1000 / tck / im
			busy[m] = ($(5 + m) - $(2 + m)) * 1000 / tck
			busy[m] = (busy[m] - idle[m] * lm) / (2 * r)
		}
		printf "    %d: m1 %.2f m2 %.2f m3 %.2f   idle ms/s: m1 %.1f m2 %.1f m3 %.1f\n",
		    $1, busy[0], busy[1], busy[2],
		    idle[0] * 1000, idle[1] * 1000, idle[2] * 1000}' >> cpu.txt
	field() { awk -v f="$1" '{for (i = 1; i < NF; i++) if ($i == f) print $(i + 1)}' "r$h.txt"; }
	p50=$(field reach_ms | median)
	p99=$(field reach_ms | pct 99)
	hp50=$(field median_ms | median)
	cmd=$(field cmd_ms | median)
	awk '{for (i = 1; i < NF; i++) if ($i == "cmd_ms") c = $(i + 1);
	    else if ($i == "reach_ms") r = $(i + 1); print c + r}' \
	    "r$h.txt" > "s$h.txt"
	s50=$(median < "s$h.txt")
	s99=$(pct 99 < "s$h.txt")
	pp=$(median < "p$h.txt")
	errs=$(field errors | awk '{s += $1} END {print s + 0}')
	sw=$(field sweep_ms | median)
	printf '  %-5d %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %7d\n' \
	    "$h" "$p50" "$p99" "$hp50" "$sw" "$s50" "$s99" "$cmd" "$pp" "$errs"
	echo "$h $p99" >> "$reach_table"
done
cat <<EOF
  (milliseconds; reach: from "apitoken revoke" exiting until the last host
  refuses the token, the max over hosts; host p50: the median host's;
  sweep: the poller's time to ask every host once, the resolution of the
  reach (median); start: the reach from the revoke's start; revoke: the
  command's own time; put: one "etcdctl put" round trip, the peer.  All
  p50/p99 over $revokes revokes; p99 is the nearest rank: with 20 samples,
  the max)
EOF
echo "  connections from the hosts to each etcd member (hosts: m1 m2 m3):"
sed 's/^/    /' conns.txt
echo "  etcd CPU ms a change that the hosts watch, less the idle rate; and the"
echo "  idle rate with the hosts connected (their freshness probes):"
cat cpu.txt
last=$(tail -n 1 "$reach_table")
if [ "${last%% *}" = 100 ]; then
	awk -v v="${last#* }" 'BEGIN {printf "  goal: p99 <= 1000 ms at 100 hosts: %.1f ms %s\n", v, v <= 1000 ? "MET" : "MISSED"}'
fi
host_stop $(seq "$started")

# --- 2. first sync -----------------------------------------------------------

sync_prefix=/bench-sync/
echo "bench-fleet: filling a store with $tokens tokens..." >&2
fill_s=$("$fill" -n "$tokens" -u bench "$tmp/sync.db" "$tmp/known.tok")
syncdb() { "$apitoken" --db "$tmp/sync.db" "$@"; }
t=$(now)
syncdb publish --etcd "$ETCD_ENDPOINTS" --prefix "$sync_prefix" -q
pub_ms=$(ms_since "$t")
syncdb fleet-key > sync.pub
t=$(now)
syncdb export > sync.jsonl
exp_ms=$(ms_since "$t")
t=$(now)
"$apitoken" --db "$tmp/local.db" restore < sync.jsonl
rest_ms=$(ms_since "$t")
t=$(now)
ctl get --prefix "$sync_prefix" -w json > get.json
get_ms=$(ms_since "$t")
get_mb=$(stat -c %s get.json | awk '{printf "%.1f", $1 / 1e6}')
rm -f get.json
echo "$PWD/s1/sock" > synchosts
mkdir -m 0700 s1
# sync_host: the new host of this part, on ./s1; its pid in $spid.
sync_host() {
	"$apitokend" --db "$PWD/s1/tokens.db" --socket "$PWD/s1/sock" \
	    --stderr --max-failures 0 --etcd "$ETCD_ENDPOINTS" \
	    --prefix "$sync_prefix" --host-name s1 --trust "$PWD/sync.pub" \
	    2>>s1/log &
	spid=$!
	pids+=("$spid")
}
c0=$(etcd_cpu)
t=$(now)
sync_host
"$poller" wait -t "$limit" ok known.tok bench "$PWD/s1/sock" >/dev/null ||
    { tail -n 5 s1/log >&2; die "the new host did not sync"; }
sync_ms=$(ms_since "$t")
sync_cpu=$(cpu_ms "$c0" "$(etcd_cpu)")
read_n=$(sed -n 's/.*fleet: \([0-9]*\) token(s) read.*/\1/p' s1/log | tail -n 1)
[ "$read_n" = "$tokens" ] ||
    die "the new host read ${read_n:-no} tokens, not $tokens"
printf '\nfirst sync of %d tokens into a new host (load %s):\n' "$tokens" "$(load)"
printf '  %-40s %9.1f ms\n' "pam_fill (one txn)" "$(awk -v s="$fill_s" 'BEGIN {print s * 1000}')" \
    "apitoken publish (all to a new prefix)" "$pub_ms" \
    "new host: start to the known token ok" "$sync_ms" \
    "peer: apitoken export" "$exp_ms" \
    "peer: apitoken restore into a local store" "$rest_ms" \
    "peer: etcdctl get --prefix -w json" "$get_ms"
printf '  etcd CPU for the new host: %d ms (3 members); the prefix as JSON: %s MB\n' \
    "$sync_cpu" "$get_mb"
printf '  host sync / local restore %sx; host sync / etcdctl get %sx; %.0f tokens/s\n' \
    "$(ratio "$sync_ms" "$rest_ms")" "$(ratio "$sync_ms" "$get_ms")" \
    "$(awk -v n="$tokens" -v m="$sync_ms" 'BEGIN {print n / m * 1000}')"

# --- 3. burst ----------------------------------------------------------------

# The last token of the burst that publish writes (the largest key) must
# be one whose text is known: eight known ones are made, the largest id
# of them is the burst's last, and the rest of the burst the ids just
# below it.
for i in 1 2 3 4 5 6 7 8; do
	syncdb create --name "burst-$i" --user bench -q > "burst-$i.tok"
done
syncdb export > burst.in
last=$(tail -n +2 burst.in | jq -r 'select(.name | startswith("burst-")) | .id' |
    LC_ALL=C sort | tail -n 1)
lastname=$(tail -n +2 burst.in | jq -r --arg id "$last" 'select(.id == $id) | .name')
tail -n +2 burst.in | jq -r '.id' | LC_ALL=C sort |
    awk -v last="$last" '$0 == last {done = 1} !done {print}' | tail -n "$((burst - 1))" > burst.ids
echo "$last" >> burst.ids
[ "$(wc -l < burst.ids)" -eq "$burst" ] ||
    die "only $(wc -l < burst.ids) ids below the last known one"
when=$(date -u +%Y-%m-%dT%H:%M:%SZ)
{
	head -n 1 burst.in
	# Each line starts with its id (export's own order of keys).
	tail -n +2 burst.in | awk -v when="$when" '
	    NR == FNR { set[$0] = 1; next }
	    {
		id = substr($0, 8, index(substr($0, 8), "\"") - 1)
		if (id in set && !sub(/"revoked":null/, "\"revoked\":\"" when "\""))
			exit 1
		print
	    }' burst.ids -
} > burst.jsonl
[ "$(grep -c "\"revoked\":\"$when\"" burst.jsonl)" -eq "$burst" ] ||
    die "the burst's export does not revoke $burst tokens"
"$poller" wait -t "$limit" ok "$lastname.tok" bench "$PWD/s1/sock" >/dev/null ||
    die "the new host did not get $lastname"
"$poller" reach -t "$limit" -i burst.jsonl "$lastname.tok" bench synchosts \
    "$apitoken" --db "$tmp/sync.db" restore > burst.txt 2>>poller.log ||
    { tail -n 5 poller.log >&2; die "the burst did not reach the host"; }
b_cmd=$(awk '{for (i = 1; i < NF; i++) if ($i == "cmd_ms") print $(i + 1)}' burst.txt)
b_reach=$(awk '{for (i = 1; i < NF; i++) if ($i == "reach_ms") print $(i + 1)}' burst.txt)
t=$(now)
"$apitoken" --db "$tmp/local.db" restore < burst.jsonl
b_local=$(ms_since "$t")
t=$(now)
syncdb publish -q
b_idle=$(ms_since "$t")
revoked=$("$apitoken" --db "$PWD/s1/tokens.db" list -o json |
    jq -s '[.[] | select(.revoked != null)] | length')
[ "$revoked" -eq "$burst" ] ||
    die "the host holds $revoked revoked tokens, not $burst"
# The same burst undone (the export from before it restored) while the
# host is down; then the host started again and timed until it answers
# (the known token still refused) and until it has caught up through its
# watch, from the revision it holds (the known token accepted again).
kill "$spid"
wait "$spid" 2>/dev/null || true
t=$(now)
syncdb restore < burst.in
u_cmd=$(ms_since "$t")
rm -f s1/sock
n0=$(wc -l < s1/log)
c0=$(etcd_cpu)
t=$(now)
sync_host
"$poller" wait -t "$limit" refused "$lastname.tok" bench "$PWD/s1/sock" \
    >/dev/null || die "the restarted host does not answer"
up_ms=$(ms_since "$t")
"$poller" wait -t "$limit" ok "$lastname.tok" bench "$PWD/s1/sock" \
    >/dev/null || { tail -n 5 s1/log >&2; die "the restarted host did not catch up"; }
cu_ms=$(ms_since "$t")
cu_cpu=$(cpu_ms "$c0" "$(etcd_cpu)")
tail -n +"$((n0 + 1))" s1/log | grep -q "token(s) read" &&
    echo "bench-fleet: note: the restarted host read everything again" >&2
printf '\nburst of %d changes in one restore, %d tokens, 1 host (load %s):\n' \
    "$burst" "$tokens" "$(load)"
printf '  %-50s %9.1f ms\n' \
    "revoke: restore that publishes (local + etcd)" "$b_cmd" \
    "  host watching: after it returned, until applied" "$b_reach" \
    "  peer: the same restore, not publishing" "$b_local" \
    "  peer: publish with nothing to write" "$b_idle" \
    "undo: the same, host down" "$u_cmd" \
    "  host restarted: until it answers" "$up_ms" \
    "  host restarted: until caught up (watch)" "$cu_ms"
printf '  etcd CPU for the host catching up: %d ms (3 members)\n' "$cu_cpu"
awk -v n="$burst" -v c="$b_cmd" -v r="$b_reach" -v l="$b_local" \
    -v u="$u_cmd" -v up="$up_ms" -v cu="$cu_ms" 'BEGIN {
	printf "  publish side: %.0f and %.0f changes/s (less the local restore: %.0f/s)\n",
	    n / c * 1000, n / u * 1000, (c > l ? n / (c - l) * 1000 : 0)
	printf "  host watching: %.0f changes/s from the restore'"'"'s start to applied\n",
	    n / (c + r) * 1000
	printf "  host catching up: %.0f changes/s (start-up less)\n",
	    (cu > up ? n / (cu - up) * 1000 : 0)
}'
# --- 4. the fleet's last use ----------------------------------------------

# BENCH_USE_HOSTS hosts' last use of BENCH_USE_TOKENS of the store's tokens
# each, as their daemons would have put them under usage/ (fleet_bench
# uses); then list and show on the store with them (read from etcd) and,
# the peer, without (--local).
use_hosts=${BENCH_USE_HOSTS:-10}
use_tokens=${BENCH_USE_TOKENS:-10000}
runs=5
tail -n +2 burst.in | jq -r '.id' | sed -n "1,${use_tokens}p" > use.ids
fill_uses=$("$poller" uses "$ETCD_ENDPOINTS" "$sync_prefix" "$use_hosts" < use.ids)
shown=$(syncdb list -o json | jq -s '[.[] | select(.last_host != null)] | length')
[ "$shown" -eq "$(wc -l < use.ids)" ] ||
    die "list shows the fleet's last use of $shown tokens, not $(wc -l < use.ids)"
one=$(tail -n +2 burst.in | jq -r '.name' | sed -n 1p)
: > l.txt; : > ll.txt; : > sh.txt; : > shl.txt; : > g.txt
for i in $(seq "$runs"); do
	t=$(now); syncdb list -o json > /dev/null; ms_since "$t" >> l.txt
	t=$(now); syncdb list --local -o json > /dev/null; ms_since "$t" >> ll.txt
	t=$(now); syncdb show -o json "$one" > /dev/null; ms_since "$t" >> sh.txt
	t=$(now); syncdb show --local -o json "$one" > /dev/null; ms_since "$t" >> shl.txt
	t=$(now); ctl get --prefix "${sync_prefix}usage/" -w json > /dev/null
	ms_since "$t" >> g.txt
done
l=$(median < l.txt); ll=$(median < ll.txt)
sh1=$(median < sh.txt); shl=$(median < shl.txt); g=$(median < g.txt)
printf '\nthe fleet'"'"'s last use: %d hosts x %d tokens = %s keys under usage/, a store of %d tokens (load %s; medians of %d):\n' \
    "$use_hosts" "$(wc -l < use.ids)" "$(echo "$fill_uses" | cut -d' ' -f2)" \
    "$tokens" "$(load)" "$runs"
printf '  %-50s %9.1f ms\n' \
    "list -o json, the fleet's last use read" "$l" \
    "  peer: list --local -o json" "$ll" \
    "show -o json, the fleet's last use read" "$sh1" \
    "  peer: show --local -o json" "$shl" \
    "  peer: etcdctl get --prefix usage/ -w json" "$g" \
    "(writing the keys: fleet_bench uses, txns of 128)" "$(echo "$fill_uses" | cut -d' ' -f4)"
printf '  list: %sx its --local; show: %sx its --local, %sx etcdctl get\n' \
    "$(ratio "$l" "$ll")" "$(ratio "$sh1" "$shl")" "$(ratio "$sh1" "$g")"
echo "bench-fleet: load $(load); done" >&2
