# apitokend against the attacks that the module's own store access could
# not survive: a stopped su in the middle of an LMDB open froze every
# login; logins parked at the prompt filled LMDB's reader table; a token
# revoked while its prompt was open was still accepted; two threads logging
# in at once crashed the program.  Each case runs a private daemon
# (tests/daemon.subr) and logs in through the real libpam with pam_wrapper
# and tests/pam_drive, as tests/pam_test does; tests/daemon_client plays
# the clients a login program is not (silent, malformed, stopped, many),
# tests/pam_threads the threaded and forking ones.
#
# pam_wrapper's preload does not mix with ASan (APITOKEN_SANITIZED=1): the
# cases that log in skip there, those with daemon_client alone still run.
# Under TSan (APITOKEN_SANITIZED=thread, scripts/dev tsan) everything runs;
# pam_wrapper then loads libpam without RTLD_DEEPBIND, which the sanitizer
# runtime refuses.

. "$SRCDIR/tests/daemon.subr"

MODULE="$BUILDDIR/pam_apitoken/.libs/pam_apitoken.so"
APITOKEN="$BUILDDIR/tools/apitoken"
DRIVE="$BUILDDIR/tests/pam_drive"
THREADS="$BUILDDIR/tests/pam_threads"
CLIENT="$BUILDDIR/tests/daemon_client"
SVC=atktest
# Reply status numbers (lib/proto.h).
ST_MALFORMED=6
# A login that the daemon answers takes milliseconds; this is the bound.
ANSWER_MS=3000

# A store in ./db with alice's token (./alice.tok) and bob's (./bob.tok);
# ./admin is apitoken on it.
setup_store() {
	umask 077
	mkdir -m 0700 db
	DB="$PWD/db/tokens.db"
	printf '#!/bin/sh\nexec "%s" --db "%s" "$@"\n' "$APITOKEN" "$DB" > admin
	chmod 0755 admin
	atf_check -s exit:0 -o ignore -e ignore ./admin init
	new_token alice-ci alice alice.tok
	new_token bob-ci bob bob.tok
}

# new_token NAME USER FILE: one more token, its text in FILE.
new_token() {
	atf_check -s exit:0 -o save:"$3" -e ignore ./admin create --name "$1" \
	    --user "$2" -q
}

# service LINES...: the private PAM service, in ./svc.
service() {
	service_in svc "$@"
}

# service_in DIR LINES...: the PAM service in DIR, readable by all.
service_in() {
	local dir=$1
	shift
	mkdir -p "$dir"
	printf '%s\n' "$@" > "$dir/$SVC"
	chmod 0644 "$dir/$SVC"
}

# The module for auth and account, on the daemon's socket, with ARGS.
default_service() {
	service "auth required $MODULE socket=$SOCK $*" \
	    "account required $MODULE socket=$SOCK $*"
}

# The cases that log in: ./pamwrap COMMAND runs COMMAND under pam_wrapper
# with the service in ./svc, ./drive runs pam_drive so.
require_pam() {
	[ "${APITOKEN_SANITIZED:-}" != 1 ] ||
	    atf_skip "pam_wrapper's LD_PRELOAD does not mix with ASan"
	[ -f "$MODULE" ] || atf_fail "module not built: $MODULE"
	[ -x "$DRIVE" ] || atf_fail "pam_drive not built: $DRIVE"
	# For the cleanup: what pam_wrapper leaves after this is ours.
	touch pam.start
	make_drive "$PWD"
}

# make_drive DIR: DIR/pamwrap and DIR/drive, for the service in DIR/svc.
make_drive() {
	local deepbind=
	[ "${APITOKEN_SANITIZED:-}" != thread ] ||
	    deepbind="UID_WRAPPER_DISABLE_DEEPBIND=1"
	printf '#!/bin/sh\nexec env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 %s\\\n    PAM_WRAPPER_SERVICE_DIR="%s" "$@"\n' \
	    "$deepbind" "$1/svc" > "$1/pamwrap"
	printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$1/pamwrap" "$DRIVE" \
	    > "$1/drive"
	chmod 0755 "$1/pamwrap" "$1/drive"
}

# good_login [USER TOKENFILE]: the token is accepted, through the module
# when the PAM cases can run, else through daemon_client.
good_login() {
	if [ "${APITOKEN_SANITIZED:-}" = 1 ]; then
		atf_check -s exit:0 -o inline:"ok\n" "$CLIENT" ask "$SOCK" \
		    "${1:-alice}" "${2:-alice.tok}"
	else
		atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
		    ./drive "$SVC" "${1:-alice}" auth < "${2:-alice.tok}"
	fi
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds, or fail.
wait_for() {
	local i=0 n=$(($1 * 20))
	shift
	until "$@"; do
		i=$((i + 1))
		[ $i -lt $n ] || atf_fail "waited in vain for: $*"
		sleep 0.05
	done
}

# A process we started, for the cleanup.
started() {
	echo "$1" >> pids
}

dead() {
	! alive "$1"
}

# Stop the daemon with SIGTERM: it must exit 0, having said no sanitizer
# report, and take its socket with it.
finish_daemon() {
	local pid rc
	pid=$(cat daemon.pid)
	kill -TERM "$pid"
	wait_for "$DAEMON_WAIT" dead "$pid"
	rc=0
	wait "$pid" || rc=$?
	rm -f daemon.pid
	if [ $rc -ne 0 ] || grep -q 'Sanitizer' daemon.log; then
		tail -n 40 daemon.log >&2
		atf_fail "apitokend exited $rc"
	fi
	[ ! -e "$SOCK" ] || atf_fail "apitokend left its socket behind"
}

# The admin, in the background until admin_stop: other tokens made and
# revoked, all the while.
admin_start() {
	(
		n=0
		while [ ! -f admin.stop ]; do
			./admin create --name tmp-$n --user frank -q \
			    > /dev/null &&
			    ./admin revoke tmp-$n > /dev/null ||
			    exit 1
			n=$((n + 1))
		done
		echo $n > admin.count
	) 2> admin.err &
	ADMIN_PID=$!
	started $ADMIN_PID
}

# Stop the admin: it must have made and revoked at least one token and
# failed at none.
admin_stop() {
	touch admin.stop
	wait $ADMIN_PID || atf_fail "the admin failed: $(cat admin.err)"
	echo "admin: $(cat admin.count) tokens made and revoked meanwhile"
	[ "$(cat admin.count)" -gt 0 ] || atf_fail "the admin did nothing"
}

# The cleanup of every case: the daemon, then whatever else the case
# started and is still running here (a pid since reused by another
# program has another working directory), then what pam_wrapper left in
# /tmp.  pam_wrapper makes a directory /tmp/pam.X (X: one of 62) in each
# PAM program and removes it when the program exits, not when a signal
# kills it: so the PAM programs are let go (SIGCONT; with the daemon gone
# they end at once) and killed only if they do not end; the directories
# of those killed are removed: those that name one of our pids, and those
# made during the case that were left empty or without a pid.
cleanup_all() {
	local pid d i here
	stop_daemon KILL
	[ -f pids ] || return 0
	here=$(pwd -P)
	for pid in $(cat pids); do
		[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$here" ] ||
		    continue
		case $(cat "/proc/$pid/comm" 2>/dev/null) in
		pam_drive|pam_threads)
			kill -CONT "$pid" 2>/dev/null ;;
		*)
			kill -KILL "$pid" 2>/dev/null ;;
		esac
	done
	for pid in $(cat pids); do
		i=0
		while alive "$pid" && [ $i -lt 200 ]; do
			sleep 0.05
			i=$((i + 1))
		done
		[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" != "$here" ] ||
		    kill -KILL "$pid" 2>/dev/null
	done
	sleep 1
	for d in /tmp/pam.?; do
		[ -d "$d" ] || continue
		pid=$(cat "$d/pid" 2>/dev/null) || pid=
		if [ -n "$pid" ]; then
			grep -qx "$pid" pids && dead "$pid" && rm -rf "$d"
		elif [ -f pam.start ] && [ "$d" -nt pam.start ] &&
		    [ -n "$(find "$d" -maxdepth 0 ! -newermt '-1 second')" ]; then
			rm -rf "$d"
		fi
	done
	return 0
}

# prompted NAME PID: the login PID (output in NAME.out, NAME.err) waits at
# its prompt; one that ended before fails the case.
prompted() {
	grep -q '^prompt: ' $1.err && return 0
	alive "$2" || atf_fail "login $2 ended before its prompt: $(cat $1.out;
	    grep -v 'no default config' $1.err)"
	return 1
}

atf_test_case stall__silent_and_stopped_clients cleanup
stall__silent_and_stopped_clients_head() {
	atf_set descr "600 silent connections and 40 logins stopped at" \
	    "random moments: 10 good logins are each answered within 3 s"
	atf_set timeout 180
}
stall__silent_and_stopped_clients_body() {
	local i t pid
	require_pam
	setup_store
	service "auth required $MODULE socket=$SOCK"
	start_daemon "$DB"

	free_pam_slots 45
	"$CLIENT" flood "$SOCK" 600 10 > flood.out 2> flood.err &
	flood=$!
	started $flood
	wait_for 10 grep -q '^connected 600$' flood.out
	# Each stopped 0 to 8 ms after its start: before it connects, after
	# it sent its request, or anywhere between.
	atf_check -s exit:0 -o save:stopped -e empty "$CLIENT" stop 40 8 \
	    alice.tok stopped ./drive "$SVC" alice auth
	cut -d' ' -f1 stopped >> pids
	echo "stopped logins: $(cut -d' ' -f2 stopped | sort | uniq -c |
	    tr -s ' \n' ' ')"

	i=1
	while [ $i -le 10 ]; do
		t=$(now_ms)
		atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
		    ./drive "$SVC" alice auth < alice.tok
		t=$(($(now_ms) - t))
		echo "good login $i: $t ms"
		[ $t -lt $ANSWER_MS ] ||
		    atf_fail "good login $i took $t ms (silent and stopped clients stall the daemon)"
		alive $flood || atf_fail "the flood ended early: $(cat flood.err)"
		sleep 0.4
		i=$((i + 1))
	done
	# The silent ones were dropped at their deadline, and came back.
	wait $flood || atf_fail "the flood failed: $(cat flood.err)"
	cat flood.out
	atf_check -o match:'^[1-9][0-9]* dropped by the daemon' sed -n 2p flood.out
	atf_check -o match:'dropped [0-9]+ client' cat daemon.log

	# The stopped logins, let go, end (whatever they were told), and the
	# daemon still serves.
	for pid in $(cut -d' ' -f1 stopped); do
		kill -CONT "$pid" 2>/dev/null || true
	done
	for pid in $(cut -d' ' -f1 stopped); do
		wait_for 20 dead "$pid"
	done
	good_login
	finish_daemon
}
stall__silent_and_stopped_clients_cleanup() {
	cleanup_all
}

atf_test_case prompt__parked_prompts_hold_no_reader cleanup
prompt__parked_prompts_hold_no_reader_head() {
	atf_set descr "30 logins parked at the prompt (nouserok) hold neither" \
	    "the store nor a reader slot; logins and admin writes go on"
	atf_set require.progs mdb_stat
	atf_set timeout 120
}
prompt__parked_prompts_hold_no_reader_body() {
	local i pid fd t
	require_pam
	setup_store
	service "auth required $MODULE socket=$SOCK nouserok"
	start_daemon "$DB"

	# Nobody answers the prompt until the end: "hold" has a writer that
	# never writes (so opening it does not block) until it is killed.
	free_pam_slots 35
	mkfifo hold
	sleep 600 3<> hold &
	holder=$!
	started $holder
	i=1
	while [ $i -le 30 ]; do
		./drive "$SVC" alice auth < hold > parked.$i.out 2> parked.$i.err &
		started $!
		echo $! >> parked
		i=$((i + 1))
	done
	i=1
	for pid in $(cat parked); do
		wait_for 30 prompted parked.$i "$pid"
		i=$((i + 1))
	done

	# Not one of them has the store or its lock file open.
	for pid in $(cat parked); do
		alive "$pid" || atf_fail "parked login $pid has gone"
		for fd in /proc/$pid/fd/*; do
			case $(readlink "$fd") in
			*tokens.db*)
				atf_fail "parked login $pid has $(readlink "$fd") open" ;;
			esac
		done
	done
	# And no reader slot is taken, but (perhaps) the daemon's: a reader is
	# a line "PID THREAD TXNID".  (mdb_stat -r exits 1 even when all is
	# well: it returns what its print function returned.)
	atf_check -s ignore -o save:readers -e empty mdb_stat -n -r -r "$DB"
	cat readers
	atf_check -o match:'stale readers cleared' cat readers
	awk 'NF == 3 && $1 ~ /^[0-9]+$/ { print $1 }' readers | sort -u > holders
	for pid in $(cat holders); do
		[ "$pid" = "$(cat daemon.pid)" ] ||
		    atf_fail "pid $pid holds a reader slot"
	done

	# A login and an admin's write go on as if nobody waited.
	t=$(now_ms)
	good_login
	t=$(($(now_ms) - t))
	[ $t -lt $ANSWER_MS ] || atf_fail "a login took $t ms"
	t=$(now_ms)
	atf_check -s exit:0 -o ignore -e ignore timeout 10 ./admin revoke bob-ci
	t=$(($(now_ms) - t))
	[ $t -lt $ANSWER_MS ] || atf_fail "revoke took $t ms"

	# Let go: the prompt gets end of file, each login fails and ends.
	kill $holder
	for pid in $(cat parked); do
		wait_for 20 dead "$pid"
	done
	i=1
	while [ $i -le 30 ]; do
		atf_check -o inline:"auth PAM_CONV_ERR\n" cat parked.$i.out
		i=$((i + 1))
	done
	finish_daemon
}
prompt__parked_prompts_hold_no_reader_cleanup() {
	cleanup_all
}

# across_prompt NAME TOKENFILE COMMAND...: a login for alice waits at its
# prompt while COMMAND runs; then TOKENFILE is typed.  The result in
# NAME.out.
across_prompt() {
	local name=$1 tok=$2 pid
	shift 2
	mkfifo $name.in
	./drive "$SVC" alice auth < $name.in > $name.out 2> $name.err &
	pid=$!
	started $pid
	exec 3> $name.in
	wait_for 20 prompted $name $pid
	"$@"
	cat "$tok" >&3
	exec 3>&-
	wait $pid || true
}

atf_test_case prompt__revoke_delete_restore_during_prompt cleanup
prompt__revoke_delete_restore_during_prompt_head() {
	atf_set descr "A token revoked, deleted or restored away while its" \
	    "prompt is open is refused when typed"
	atf_set timeout 120
}
prompt__revoke_delete_restore_during_prompt_body() {
	require_pam
	setup_store
	new_token revoke-me alice revoke.tok
	new_token delete-me alice delete.tok
	# An export from before the next token was made.
	umask 077	# export refuses a file others may read
	atf_check -s exit:0 -o save:before.json -e ignore ./admin export
	new_token restored-away alice restore.tok
	service "auth required $MODULE socket=$SOCK"
	start_daemon "$DB"

	# Nothing changes while the prompt is open: accepted.
	across_prompt control alice.tok true
	atf_check -o inline:"auth PAM_SUCCESS\n" cat control.out

	across_prompt revoked revoke.tok \
	    atf_check -s exit:0 -o ignore -e ignore ./admin revoke revoke-me
	atf_check -o inline:"auth PAM_AUTH_ERR\n" cat revoked.out
	atf_check -o match:'refused: revoked' cat daemon.log

	across_prompt deleted delete.tok \
	    atf_check -s exit:0 -o ignore -e ignore ./admin delete delete-me
	atf_check -o inline:"auth PAM_AUTH_ERR\n" cat deleted.out
	atf_check -o match:'refused: (unknown token|token deleted)' cat daemon.log

	# The whole store swapped for one without the token.
	across_prompt restored restore.tok \
	    atf_check -s exit:0 -o ignore -e ignore ./admin restore --atomic \
	    < before.json
	atf_check -o inline:"auth PAM_AUTH_ERR\n" cat restored.out
	atf_check -o match:'opened again' cat daemon.log
	# The swapped-in store serves the tokens it has.
	good_login
	finish_daemon
}
prompt__revoke_delete_restore_during_prompt_cleanup() {
	cleanup_all
}

atf_test_case threads__eight_threads_one_process cleanup
threads__eight_threads_one_process_head() {
	atf_set descr "8 threads of one process log in at once (last_used) while" \
	    "an admin creates and revokes tokens: no crash, no false answer;" \
	    "logins before and after fork() succeed"
	atf_set timeout 180
}
threads__eight_threads_one_process_body() {
	local specs i t
	require_pam
	[ -x "$THREADS" ] || atf_fail "pam_threads not built: $THREADS"
	setup_store
	new_token carol-ci carol carol.tok
	new_token alice-2 alice alice2.tok
	new_token dave-ci dave dave.tok
	for i in 1 2 3; do
		new_token gone-$i erin gone$i.tok
		atf_check -s exit:0 -o ignore -e ignore ./admin revoke gone-$i
	done
	specs="alice:alice.tok:ok bob:bob.tok:ok carol:carol.tok:ok"
	specs="$specs alice:alice2.tok:ok dave:dave.tok:ok"
	specs="$specs erin:gone1.tok:refused erin:gone2.tok:refused"
	specs="$specs erin:gone3.tok:refused"
	default_service last_used
	start_daemon "$DB"

	admin_start

	atf_check -s exit:0 -o save:threads.out -e ignore \
	    ./pamwrap "$THREADS" threads "$SVC" 5 2000 $specs
	cat threads.out
	admin_stop
	atf_check -o match:' 0 wrong answers$' tail -n 1 threads.out

	# Across fork(): the module keeps no state a child could trip on.
	atf_check -s exit:0 -e ignore -o inline:"parent auth PAM_SUCCESS\nchild acct PAM_SUCCESS\nchild auth PAM_SUCCESS\nchild acct PAM_SUCCESS\nparent acct PAM_SUCCESS\nparent auth PAM_SUCCESS\nparent acct PAM_SUCCESS\n" \
	    ./pamwrap "$THREADS" fork "$SVC" alice alice.tok
	finish_daemon
	# Every good token's use was written (the last batch on the stop).
	atf_check -s exit:0 -o save:list -e ignore ./admin list -o json
	for t in alice-ci bob-ci carol-ci alice-2 dave-ci; do
		atf_check -o match:"\"name\":\"$t\".*\"last_used\":\"2" cat list
	done
}
threads__eight_threads_one_process_cleanup() {
	cleanup_all
}

atf_test_case daemon__killed_gives_authinfo_unavail cleanup
daemon__killed_gives_authinfo_unavail_head() {
	atf_set descr "A killed daemon is PAM_AUTHINFO_UNAVAIL at once, a" \
	    "stopped one after timeout="
	atf_set timeout 120
}
daemon__killed_gives_authinfo_unavail_body() {
	local pid t
	require_pam
	setup_store
	service "auth required $MODULE socket=$SOCK"
	start_daemon "$DB"
	good_login

	pid=$(cat daemon.pid)
	kill -KILL "$pid"
	wait_for "$DAEMON_WAIT" dead "$pid"
	rm -f daemon.pid
	t=$(now_ms)
	atf_check -s exit:1 -o inline:"auth PAM_AUTHINFO_UNAVAIL\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	t=$(($(now_ms) - t))
	echo "killed daemon: answered in $t ms"
	[ $t -lt 1000 ] || atf_fail "a killed daemon cost a login $t ms"

	# Stopped: the connection is taken (the listen queue) but never
	# answered; timeout=1 bounds the wait.
	rm -f "$SOCK"
	start_daemon "$DB"
	service "auth required $MODULE socket=$SOCK timeout=1"
	good_login
	pid=$(cat daemon.pid)
	kill -STOP "$pid"
	t=$(now_ms)
	atf_check -s exit:1 -o inline:"auth PAM_AUTHINFO_UNAVAIL\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	t=$(($(now_ms) - t))
	echo "stopped daemon: answered in $t ms"
	[ $t -ge 900 ] || atf_fail "answered in $t ms: before the timeout?"
	[ $t -lt $ANSWER_MS ] || atf_fail "a stopped daemon cost a login $t ms"
	kill -CONT "$pid"
	good_login
	finish_daemon
}
daemon__killed_gives_authinfo_unavail_cleanup() {
	cleanup_all
}

# serving PID: the daemon PID said it serves; one that ended fails.
serving() {
	grep -q "^apitokend\[$1\]: serving" daemon.log && return 0
	alive "$1" || atf_fail "apitokend $1 ended: $(tail -n 5 daemon.log)"
	return 1
}

atf_test_case daemon__restart_over_stale_socket cleanup
daemon__restart_over_stale_socket_head() {
	atf_set descr "A daemon replaces the socket a killed one left; a" \
	    "second daemon refuses while the first is alive"
	atf_set timeout 120
}
daemon__restart_over_stale_socket_body() {
	local old new
	require_pam
	setup_store
	service "auth required $MODULE socket=$SOCK"
	start_daemon "$DB"
	good_login
	old=$(cat daemon.pid)
	kill -KILL "$old"
	wait_for "$DAEMON_WAIT" dead "$old"
	[ -S "$SOCK" ] || atf_fail "no stale socket left to replace"

	# start_daemon waits for the new daemon's "serving" line, not for a
	# socket (the old one is there); the check below says so again.
	start_daemon "$DB"
	new=$(cat daemon.pid)
	wait_for "$DAEMON_WAIT" serving "$new"
	atf_check -o match:"^apitokend\[$new\]: $SOCK: replaced a stale socket" \
	    cat daemon.log
	good_login

	# A second daemon on the same path while the first answers: refused.
	atf_check -s exit:1 -o empty \
	    -e match:"$SOCK: another apitokend answers there" \
	    "$APITOKEND" --db "$DB" --socket "$SOCK"
	alive "$new" || atf_fail "the first daemon has gone"
	[ -S "$SOCK" ] || atf_fail "the socket has gone"
	good_login
	finish_daemon
}
daemon__restart_over_stale_socket_cleanup() {
	cleanup_all
}

# good_login_from RHOST: alice logs in from RHOST.
good_login_from() {
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive -r "$1" "$SVC" alice auth < alice.tok
}

atf_test_case daemon__sigterm_flushes_last_used cleanup
daemon__sigterm_flushes_last_used_head() {
	atf_set descr "SIGTERM right after a login writes its last_used, removes" \
	    "the socket, exits 0"
	atf_set timeout 120
}
daemon__sigterm_flushes_last_used_body() {
	require_pam
	setup_store
	service "auth required $MODULE socket=$SOCK last_used"
	start_daemon "$DB"
	atf_check -s exit:0 -o match:'"name":"alice-ci".*"last_used":null' \
	    -e ignore ./admin list -o json
	# The first use is written at once; the second waits for the next
	# batch (a second later), unless the stop writes it.
	good_login_from 192.0.2.8
	good_login_from 192.0.2.9
	finish_daemon
	atf_check -s exit:0 -e ignore \
	    -o match:'"name":"alice-ci".*"last_used":"2[^"]*","last_from":"192.0.2.9"' \
	    ./admin list -o json
}
daemon__sigterm_flushes_last_used_cleanup() {
	cleanup_all
}

atf_test_case peer__non_root_asks_about_other_user cleanup
peer__non_root_asks_about_other_user_head() {
	atf_set descr "A non-root peer may ask about itself only, unless its" \
	    "group is allowed"
	atf_set require.progs setpriv
	atf_set timeout 120
}
peer__non_root_asks_about_other_user_body() {
	local work share
	[ "$(id -u)" = 0 ] || atf_skip "needs root to log in as nobody"
	require_pam
	setup_store
	work=$PWD
	# What nobody must reach (the socket, the PAM service, the driver) in
	# a directory it can enter; the store stays in the work directory.
	share=$(mktemp -d /tmp/atkpeer.XXXXXX)
	echo "$share" > peerdir
	chmod 0755 "$share"
	mkdir -m 0755 "$share/svc"
	make_drive "$share"
	asnobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	$asnobody test -x "$DRIVE" -a -r "$MODULE" ||
	    atf_skip "nobody cannot reach the build tree"

	# The daemon's files (socket, log, pid) in the shared directory.
	cd "$share"
	start_daemon "$DB"
	cd "$work"
	service_in "$share/svc" "auth required $MODULE socket=$SOCK"

	# nobody asks about alice: denied, with alice's right token.
	atf_check -s exit:1 -o inline:"auth PAM_AUTHINFO_UNAVAIL\n" -e ignore \
	    $asnobody "$share/drive" "$SVC" alice auth < alice.tok
	atf_check -o match:"user=alice: uid $(id -u nobody) .*: denied" \
	    cat "$share/daemon.log"
	# Root may.
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    "$share/drive" "$SVC" alice auth < alice.tok

	# nobody asks about itself: the plain answer (no token: ignored).
	service_in "$share/svc" \
	    "auth [success=done ignore=ignore default=die] $MODULE socket=$SOCK nouserok" \
	    "auth required pam_permit.so"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" \
	    -e not-match:'prompt' \
	    $asnobody "$share/drive" "$SVC" nobody auth < /dev/null
	atf_check -s exit:1 -o ignore grep 'user=nobody.*denied' \
	    "$share/daemon.log"

	# With --allow-group nogroup, nobody may ask about alice.
	cd "$share"
	finish_daemon
	start_daemon "$DB" --allow-group nogroup
	cd "$work"
	service_in "$share/svc" "auth required $MODULE socket=$SOCK"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    $asnobody "$share/drive" "$SVC" alice auth < alice.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    $asnobody "$share/drive" "$SVC" alice auth < bob.tok
	cd "$share"
	finish_daemon
}
peer__non_root_asks_about_other_user_cleanup() {
	local share
	cleanup_all
	[ -f peerdir ] || return 0
	share=$(cat peerdir)
	case $share in
	/tmp/atkpeer.*) ;;
	*) return 0 ;;
	esac
	(cd "$share" && stop_daemon KILL)
	rm -rf "$share"
}

# log_count REGEX: lines of daemon.log that match.
log_count() {
	grep -Ec "$1" daemon.log || true
}

# frame NAME BYTES: a file of raw bytes (printf escapes).
frame() {
	printf "$2" > "$1.bin"
}
# malformed NAME EXPECTED REGEX: send NAME.bin, expect EXPECTED (a status
# number or "closed") and one more log line matching REGEX, then log in.
malformed() {
	local before
	before=$(log_count "$3")
	atf_check -s exit:0 -o inline:"$2\n" -e empty "$CLIENT" raw \
	    "$SOCK" "$1.bin"
	[ "$(log_count "$3")" -gt "$before" ] ||
	    atf_fail "$1: no log line matching $3"
	good_login
}
atf_test_case proto__malformed_requests_keep_serving cleanup
proto__malformed_requests_keep_serving_head() {
	atf_set descr "Malformed requests are answered \"malformed\" or closed," \
	    "logged, and the daemon goes on serving"
	atf_set timeout 120
}
proto__malformed_requests_keep_serving_body() {
	local bad='malformed request from uid [0-9]+ pid [0-9]+'
	[ "${APITOKEN_SANITIZED:-}" = 1 ] || require_pam
	setup_store
	service "auth required $MODULE socket=$SOCK"
	start_daemon "$DB"
	good_login

	# HAS_TOKEN for alice, but version 2.
	frame version '\0\0\0\012\2\1\1\0\005alice'
	malformed version $ST_MALFORMED "$bad: refused"
	# A length past the limit, and a length of 0: closed unread.
	frame huge '\377\377\377\377'
	malformed huge closed "$bad: bad length: closed"
	frame empty '\0\0\0\0'
	malformed empty closed "$bad: bad length: closed"
	# Bytes that are no frame at all.
	frame garbage '\0\0\0\020GET / HTTP/1.0\r\n'
	malformed garbage $ST_MALFORMED "$bad: refused"
	# VERIFY without its token.
	frame notoken '\0\0\0\012\1\2\1\0\005alice'
	malformed notoken $ST_MALFORMED "$bad: refused"
	# A user with a NUL inside, a field twice.
	frame nul '\0\0\0\012\1\1\1\0\005al\0ce'
	malformed nul $ST_MALFORMED "$bad: refused"
	frame twice '\0\0\0\020\1\1\1\0\005alice\1\0\003bob'
	malformed twice $ST_MALFORMED "$bad: refused"
	# A reply sent as a request.
	frame reply '\0\0\0\006\1\200\012\0\001\0'
	malformed reply $ST_MALFORMED "$bad: refused"
	# Half a frame, then silence: dropped at the deadline.
	frame half '\0\0\0\012\1\1\1\0'
	malformed half closed "dropped [0-9]+ client"
	# Half a frame, then the end: nothing to answer, nothing to log.
	atf_check -s exit:0 -o inline:"closed\n" -e empty "$CLIENT" raw -s \
	    "$SOCK" half.bin
	good_login
	finish_daemon
}
proto__malformed_requests_keep_serving_cleanup() {
	cleanup_all
}

atf_test_case ratelimit__failures_per_user cleanup
ratelimit__failures_per_user_head() {
	atf_set descr "--max-failures 3: a fourth try for the user is refused" \
	    "unchecked, another user is not; so is the remote host"
	atf_set timeout 120
}
ratelimit__failures_per_user_body() {
	require_pam
	setup_store
	service "auth required $MODULE socket=$SOCK"
	start_daemon "$DB" --max-failures 3
	# bob's token, typed for alice: a failure.
	for i in 1 2 3; do
		atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
		    ./drive -r 192.0.2.1 "$SVC" alice auth < bob.tok
	done
	# alice's right token, from elsewhere: refused, the user is limited.
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive -r 192.0.2.2 "$SVC" alice auth < alice.tok
	atf_check -o match:'user=alice rhost=192.0.2.2: refused unchecked: too many failures' \
	    cat daemon.log
	# bob is another user.
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive -r 192.0.2.3 "$SVC" bob auth < bob.tok
	# But not from the host that failed: the peer is limited too.
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive -r 192.0.2.1 "$SVC" bob auth < bob.tok
	atf_check -o match:'user=bob rhost=192.0.2.1: refused unchecked: too many failures' \
	    cat daemon.log
	finish_daemon
}
ratelimit__failures_per_user_cleanup() {
	cleanup_all
}

atf_test_case daemon__concurrent_load_and_admin cleanup
daemon__concurrent_load_and_admin_head() {
	atf_set descr "8 clients send well-formed requests at once while an" \
	    "admin creates and revokes: every answer right (and, in a TSan" \
	    "build, no race in the workers or the last_used writer)"
	atf_set timeout 180
}
daemon__concurrent_load_and_admin_body() {
	setup_store
	new_token carol-ci carol carol.tok
	new_token gone erin gone.tok
	atf_check -s exit:0 -o ignore -e ignore ./admin revoke gone
	start_daemon "$DB"
	admin_start
	atf_check -s exit:0 -o save:load.out -e empty "$CLIENT" load "$SOCK" \
	    8 4 alice:alice.tok:ok bob:bob.tok:ok carol:carol.tok:ok \
	    erin:gone.tok:refused
	cat load.out
	admin_stop
	atf_check -s exit:0 -o match:'"name":"alice-ci".*"last_used":"2' \
	    -e ignore ./admin list -o json
	finish_daemon
}
daemon__concurrent_load_and_admin_cleanup() {
	cleanup_all
}

atf_test_case systemd__socket_activation_and_notify cleanup
systemd__socket_activation_and_notify_head() {
	atf_set descr "Under systemd: the socket a socket unit passes is" \
	    "served (LISTEN_FDS), and READY=1 reaches NOTIFY_SOCKET"
	atf_set require.progs systemd-socket-activate
}
systemd__socket_activation_and_notify_body() {
	local pid
	setup_store
	# systemd's side of Type=notify: the daemon says READY=1 once it
	# serves.
	"$CLIENT" notify "$PWD/notify.sock" 10 > notify.out &
	echo $! > notify.pid
	started "$(cat notify.pid)"
	wait_for 5 test -S notify.sock
	# A socket unit's side: systemd-socket-activate listens on the path
	# and, at the first connection, runs the daemon with the socket as
	# descriptor 3 (LISTEN_PID, LISTEN_FDS); no --socket given.
	systemd-socket-activate -E NOTIFY_SOCKET="$PWD/notify.sock" \
	    -l "$PWD/act.sock" "$APITOKEND" --db "$DB" --stderr \
	    --max-failures 0 2> daemon.log &
	pid=$!
	echo "$pid" > daemon.pid
	wait_for 5 test -S act.sock
	atf_check -s exit:0 -o inline:"ok\n" "$CLIENT" ask "$PWD/act.sock" \
	    alice alice.tok
	wait_for 5 grep -q "on the socket systemd passed" daemon.log
	wait "$(cat notify.pid)" ||
	    atf_fail "no READY=1: $(cat notify.out)"
	atf_check -o match:"^READY=1" cat notify.out
	# Stopped, it leaves the socket to its owner (systemd).
	kill -TERM "$pid"
	wait_for "$DAEMON_WAIT" dead "$pid"
	rm -f daemon.pid
	atf_check -s exit:0 test -S act.sock
	atf_check -o match:"stopped" cat daemon.log
}
systemd__socket_activation_and_notify_cleanup() {
	cleanup_all
}

atf_init_test_cases() {
	atf_add_test_case stall__silent_and_stopped_clients
	atf_add_test_case prompt__parked_prompts_hold_no_reader
	atf_add_test_case prompt__revoke_delete_restore_during_prompt
	atf_add_test_case threads__eight_threads_one_process
	atf_add_test_case daemon__killed_gives_authinfo_unavail
	atf_add_test_case daemon__restart_over_stale_socket
	atf_add_test_case daemon__sigterm_flushes_last_used
	atf_add_test_case peer__non_root_asks_about_other_user
	atf_add_test_case proto__malformed_requests_keep_serving
	atf_add_test_case ratelimit__failures_per_user
	atf_add_test_case daemon__concurrent_load_and_admin
	atf_add_test_case systemd__socket_activation_and_notify
}
