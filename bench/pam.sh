# Whole PAM logins through pam_wrapper (issue 4, "Speed"): pam_permit.so
# (the floor), pam_userdb.so crypt=none and pam_apitoken.so, in one
# long-lived process and one login per fresh process.  See bench/README.md.
# pam_apitoken.so asks apitokend: one daemon per store, started here on a
# socket in the work directory and stopped (by its pid) at the end.
#
#	bash bench/pam.sh PAM_BENCH PAM_FILL LMDB_FLOOR MODULE APITOKEND DIR
#
# PAM_BENCH, PAM_FILL and LMDB_FLOOR are the built bench/pam_bench,
# bench/pam_fill and bench/lmdb_floor, MODULE the built pam_apitoken.so,
# APITOKEND the built apitokend, DIR where the temporary work directory
# goes.
set -euo pipefail

if [ $# -ne 6 ]; then
	echo "usage: pam.sh pam_bench pam_fill lmdb_floor pam_apitoken.so" \
	    "apitokend dir" >&2
	exit 2
fi
drv=$1
fill=$2
floor=$3
module=$4
apitokend=$5
parent=$6

sizes=${BENCH_PAM_SIZES:-1,10000,1000000}
cycles=${BENCH_PAM_CYCLES:-2000}
rounds=${BENCH_PAM_ROUNDS:-20}
warmup=${BENCH_PAM_WARMUP:-50}
procs=${BENCH_PAM_PROCS:-200}
userdb_max=${BENCH_PAM_USERDB_MAX:-180}
keep=${BENCH_KEEP:-}
user=atkbench

# Goals of issue 4.
goal_floor=1.5
goal_userdb=0.3
goal_fresh=1.0

say() { printf '%s\n' "$*" >&2; }
die() { say "pam.sh: $*"; exit 1; }

# --- what is needed ----------------------------------------------------------

[ -x "$drv" ] || die "$drv: not built"
[ -x "$fill" ] || die "$fill: not built"
[ -x "$floor" ] || die "$floor: not built"
[ -f "$module" ] || die "$module: not built"
[ -x "$apitokend" ] || die "$apitokend: not built"
ldconfig -p 2>/dev/null | grep 'libpam_wrapper\.so' >/dev/null ||
    die "libpam_wrapper.so not found (Debian package libpam-wrapper)"
moddir=${PAM_MODDIR:-}
if [ -z "$moddir" ]; then
	multi=$(gcc -print-multiarch 2>/dev/null || true)
	for d in "/lib/$multi/security" "/usr/lib/$multi/security" \
	    /lib/security /usr/lib/security /lib64/security; do
		if [ -f "$d/pam_permit.so" ]; then
			moddir=$d
			break
		fi
	done
fi
if [ -z "$moddir" ] || [ ! -f "$moddir/pam_permit.so" ]; then
	die "pam_permit.so not found: set PAM_MODDIR"
fi
have_userdb=1
if [ ! -f "$moddir/pam_userdb.so" ]; then
	say "pam.sh: no $moddir/pam_userdb.so: pam_userdb rows left out"
	have_userdb=0
elif ! command -v db_load >/dev/null; then
	say "pam.sh: no db_load (Debian package db-util): pam_userdb rows left out"
	have_userdb=0
fi
[ "$cycles" -ge "$rounds" ] || die "BENCH_PAM_CYCLES below BENCH_PAM_ROUNDS"

umask 077
w=$(mktemp -d "$parent/pam.XXXXXX")
daemons=()	# the pids of the apitokend processes started below
stop_daemons() {
	local pid
	for pid in "${daemons[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${daemons[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	daemons=()
}
cleanup() {
	stop_daemons
	if [ -n "$keep" ]; then
		say "pam.sh: work directory kept: $w"
	else
		rm -rf "$w"
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
mkdir "$w/svc"

# --- stores, Berkeley DBs and service files ----------------------------------

IFS=, read -r -a nlist <<<"$sizes"

# A default service for the names libpam does not find: nothing in it, so
# that no row pays for loading other modules.
printf '# pam_bench: no default stack\n' >"$w/svc/other"
stack() {	# stack NAME MODULE-AND-ARGS
	printf 'auth required %s\naccount required %s\n' "$2" "$2" \
	    >"$w/svc/$1"
}

rows=()		# service names, in table order
declare -A secret modpath label fill_s
stack permit "$moddir/pam_permit.so"
rows+=(permit)
head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$w/userdb.secret"
secret[permit]=$w/userdb.secret
modpath[permit]=$moddir/pam_permit.so
label[permit]="pam_permit"

for n in "${nlist[@]}"; do
	if [ "$have_userdb" = 1 ]; then
		say "pam.sh: Berkeley DB of $n users for pam_userdb"
		t0=$(date +%s.%N)
		# Key and value lines; the login user in the middle.
		if PW=$(cat "$w/userdb.secret") awk -v n="$n" -v u="$user" \
		    'BEGIN { for (i = 0; i < n; i++)
			if (i == int(n / 2)) print u "\n" ENVIRON["PW"];
			else printf "user%07d\npw%07d\n", i, i }' |
		    timeout "$userdb_max" db_load -T -t hash "$w/userdb-$n.db"
		then
			s=userdb-$n
			fill_s[$s]=$(awk -v a="$(date +%s.%N)" -v b="$t0" \
			    'BEGIN { printf "%.2f", a - b }')
			stack "$s" "$moddir/pam_userdb.so crypt=none db=$w/userdb-$n"
			rows+=("$s")
			secret[$s]=$w/userdb.secret
			modpath[$s]=$moddir/pam_userdb.so
			label[$s]="pam_userdb $n"
		else
			say "pam.sh: db_load of $n users failed or took over ${userdb_max} s: row left out"
			rm -f "$w/userdb-$n.db"
		fi
	fi
done
for n in "${nlist[@]}"; do
	say "pam.sh: store of $n tokens for pam_apitoken, and its apitokend"
	s=apitoken-$n
	fill_s[$s]=$("$fill" -n "$n" -u "$user" "$w/tokens-$n.db" \
	    "$w/tokens-$n.secret")
	sock=$w/apitokend-$n.sock
	"$apitokend" --db "$w/tokens-$n.db" --socket "$sock" \
	    2>"$w/apitokend-$n.err" &
	daemons+=($!)
	for ((i = 0; i < 100; i++)); do
		[ -S "$sock" ] && break
		kill -0 "$!" 2>/dev/null ||
		    die "apitokend on $n tokens: $(cat "$w/apitokend-$n.err")"
		sleep 0.1
	done
	[ -S "$sock" ] || die "apitokend on $n tokens: no socket after 10 s"
	stack "$s" "$module socket=$sock"
	rows+=("$s")
	secret[$s]=$w/tokens-$n.secret
	modpath[$s]=$module
	label[$s]="pam_apitoken $n"
done

export LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \
    PAM_WRAPPER_SERVICE_DIR="$w/svc"

# Every stack logs in with its secret and refuses another: a stack that
# accepts anything, or nothing, is not timed.
for s in "${rows[@]}"; do
	"$drv" once "$s" "$user" "${secret[$s]}" ||
	    die "$s: the login with the right secret failed"
	[ "$s" = permit ] && continue
	if [ "${secret[$s]}" = "$w/userdb.secret" ]; then
		wrong=${secret[apitoken-${nlist[0]}]}
	else
		wrong=$w/userdb.secret
	fi
	if "$drv" once "$s" "$user" "$wrong" 2>/dev/null; then
		die "$s: a wrong secret logged in"
	fi
done

# --- timing --------------------------------------------------------------------

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
per=$((cycles / rounds))
nrows=${#rows[@]}
say "pam.sh: one process: $rounds rounds of $per logins per stack"
for ((r = 0; r < rounds; r++)); do
	for ((i = 0; i < nrows; i++)); do
		s=${rows[$(((i + r) % nrows))]}
		"$drv" loop -c "$per" -w "$warmup" -m "${modpath[$s]}" \
		    -o "$w/loop-$s.us" "$s" "$user" "${secret[$s]}" \
		    >"$w/resident-$s"
	done
	# The bare LMDB calls on the same stores, in the same rounds.
	for n in "${nlist[@]}"; do
		env -u LD_PRELOAD "$floor" -c "$per" "$w/tokens-$n.db" \
		    >>"$w/floor-$n.us"
	done
done
say "pam.sh: fresh processes: $procs rounds of one login per stack"
spawn_rows=(nop)
for s in "${rows[@]}"; do
	spawn_rows+=("$s=${secret[$s]}")
done
"$drv" spawn -r "$procs" -d "$w" "$user" "${spawn_rows[@]}"
say "pam.sh: the same with libcrypto set up first, as in sshd"
"$drv" spawn -s -r "$procs" -d "$w" "$user" "${spawn_rows[@]}"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
unset LD_PRELOAD PAM_WRAPPER PAM_WRAPPER_SERVICE_DIR
stop_daemons

# --- the table -----------------------------------------------------------------

median() {	# median FILE COLUMN
	sort -n -k"$2,$2" "$1" |
	    awk -v c="$2" '{ v[NR] = $c }
		END { if (NR % 2) print v[(NR + 1) / 2];
		    else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
verdict() {	# verdict VALUE GOAL: MET when VALUE <= GOAL
	awk -v a="$1" -v g="$2" 'BEGIN { print (a <= g ? "MET" : "MISSED") }'
}
# The pam_userdb row with as many users as this row has tokens.
userdb_of() {
	local u=userdb-${1#apitoken-}
	if [ -f "$w/loop-$u.us" ]; then
		echo "$u"
	fi
}

echo
echo "PAM logins through pam_wrapper: pam_start, pam_authenticate,"
echo "pam_acct_mgmt, pam_end; every one checked to succeed"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $load_before" \
    "before, $load_after after"
echo
echo "One process: median microseconds of $cycles logins per stack"
echo "($rounds rounds of $per, each after $warmup untimed, stacks rotated)"
printf '%-22s %8s %7s %7s %7s %7s %8s %8s  %s\n' stack login start auth \
    acct end /permit /userdb "after pam_end"
declare -A in_med fresh_med
for s in "${rows[@]}"; do
	f=$w/loop-$s.us
	m=$(median "$f" 1)
	in_med[$s]=$m
done
for s in "${rows[@]}"; do
	f=$w/loop-$s.us
	u=$(userdb_of "$s")
	ru=-
	[ -n "$u" ] && ru=$(ratio "${in_med[$s]}" "${in_med[$u]}")
	printf '%-22s %8s %7s %7s %7s %7s %8s %8s  %s\n' "${label[$s]}" \
	    "${in_med[$s]}" "$(median "$f" 2)" "$(median "$f" 3)" \
	    "$(median "$f" 4)" "$(median "$f" 5)" \
	    "$(ratio "${in_med[$s]}" "${in_med[permit]}")" "$ru" \
	    "$(cat "$w/resident-$s")"
done
echo
fresh_table() {	# fresh_table TAG: "" or "ssl-"
	local t=$1 s u ru
	printf '%-22s %8s %8s %8s %8s\n' stack process -nop /permit /userdb
	fresh_med[${t}nop]=$(median "$w/fresh-${t}nop.us" 1)
	printf '%-22s %8s\n' nop "${fresh_med[${t}nop]}"
	for s in "${rows[@]}"; do
		fresh_med[$t$s]=$(median "$w/fresh-$t$s.us" 1)
	done
	for s in "${rows[@]}"; do
		u=$(userdb_of "$s")
		ru=-
		[ -n "$u" ] &&
		    ru=$(ratio "${fresh_med[$t$s]}" "${fresh_med[$t$u]}")
		printf '%-22s %8s %8s %8s %8s\n' "${label[$s]}" \
		    "${fresh_med[$t$s]}" \
		    "$(awk -v a="${fresh_med[$t$s]}" -v b="${fresh_med[${t}nop]}" \
			'BEGIN { printf "%.1f", a - b }')" \
		    "$(ratio "${fresh_med[$t$s]}" "${fresh_med[${t}permit]}")" "$ru"
	done
}
echo "Fresh processes: median microseconds from posix_spawn to exit of"
echo "$procs processes per stack doing one login, as login or su do (nop:"
echo "the driver under the preload doing nothing; -nop: the login less that)"
fresh_table ""
echo
echo "Fresh processes with libcrypto loaded and set up (configuration, SHA-256"
echo "fetched) before pam_start, as sshd has it; nop does the same set-up"
fresh_table ssl-
echo
echo "Goals (issue 4)"
printf '%-22s %-20s %-20s %-17s %-17s\n' "" "1 process/permit" \
    "1 process/userdb" "fresh/userdb" "fresh, sshd-like"
printf '%-22s %-20s %-20s %-17s %-17s\n' "" "<= ${goal_floor}x" \
    "<= ${goal_userdb}x" "<= ${goal_fresh}x" "<= ${goal_fresh}x"
for s in "${rows[@]}"; do
	case $s in apitoken-*) ;; *) continue ;; esac
	u=$(userdb_of "$s")
	a=$(ratio "${in_med[$s]}" "${in_med[permit]}")
	g1="$a $(verdict "${a%x}" "$goal_floor")"
	g2="n/a (no pam_userdb)"
	g3=n/a
	g4=n/a
	if [ -n "$u" ]; then
		a=$(ratio "${in_med[$s]}" "${in_med[$u]}")
		g2="$a $(verdict "${a%x}" "$goal_userdb")"
		a=$(ratio "${fresh_med[$s]}" "${fresh_med[$u]}")
		g3="$a $(verdict "${a%x}" "$goal_fresh")"
		a=$(ratio "${fresh_med[ssl-$s]}" "${fresh_med[ssl-$u]}")
		g4="$a $(verdict "${a%x}" "$goal_fresh")"
	fi
	printf '%-22s %-20s %-20s %-17s %-17s\n' "${label[$s]}" "$g1" "$g2" \
	    "$g3" "$g4"
done
echo
echo "What the module's former rule cost by itself (before apitokend, the"
echo "module opened the LMDB environment in each call and closed it before"
echo "returning; the daemon keeps one open): floor, the median of"
echo "bench/lmdb_floor's per-round medians, one bare open, read txn, lookup"
echo "and close; a login made two calls, so the least a login could take"
echo "under that rule is twice that plus our own pam_start and pam_end"
echo "above; /permit: that least over pam_permit's login"
printf '%-22s %8s %8s %10s %8s\n' stack floor "2 floor" "+start,end" /permit
for n in "${nlist[@]}"; do
	s=apitoken-$n
	fm=$(median "$w/floor-$n.us" 1)
	least=$(awk -v f="$fm" -v a="$(median "$w/loop-$s.us" 2)" \
	    -v b="$(median "$w/loop-$s.us" 5)" \
	    'BEGIN { printf "%.1f", 2 * f + a + b }')
	printf '%-22s %8s %8s %10s %8s\n' "${label[$s]}" "$fm" \
	    "$(awk -v f="$fm" 'BEGIN { printf "%.1f", 2 * f }')" "$least" \
	    "$(ratio "$least" "${in_med[permit]}")"
done
echo
printf 'Set-up: '
for s in "${rows[@]}"; do
	case $s in permit) continue ;; esac
	printf '%s %ss; ' "${label[$s]}" "${fill_s[$s]}"
done
echo "(db_load from text; the store filled in one write txn)"
printf 'pam_apitoken.so dynamic flags: %s\n' \
    "$(readelf -d "$module" 2>/dev/null | awk '/FLAGS_1/ { $1 = $2 = ""; print }' |
	sed 's/^ *//')"
