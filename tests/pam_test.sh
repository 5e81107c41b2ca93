# pam_apitoken.so through the real libpam, with pam_wrapper: a private PAM
# service directory, no root needed.  tests/pam_drive plays the login
# program: it answers the prompt from stdin and prints each step's result.
# The module asks apitokend: every case that logs in starts its own on the
# case's store (tests/daemon.subr, socket ./d.sock) and stops it in its
# cleanup.

# scripts/dev valgrind sets APITOKEN_VALGRIND to a valgrind command line
# that the driver then runs under.
APITOKEN_VALGRIND=${APITOKEN_VALGRIND:-}

MODULE="$BUILDDIR/pam_apitoken/.libs/pam_apitoken.so"
APITOKEN="$BUILDDIR/tools/apitoken"
DRIVE="$BUILDDIR/tests/pam_drive"
SVC=atktest

. "$SRCDIR/tests/daemon.subr"

# A store in the work directory with one token for alice; its text in
# ./alice.tok.  setup_daemon: the same, and an apitokend on it.
setup_store() {
	umask 077
	mkdir -m 0700 db
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" --db "$PWD/db/tokens.db" init
	atf_check -s exit:0 -o save:alice.tok -e ignore "$APITOKEN" \
	    --db "$PWD/db/tokens.db" create --name alice-ci --user alice \
	    --role Administrator --policy "$SVC" -q
}
setup_daemon() {
	setup_store
	start_daemon "$PWD/db/tokens.db"
}

# service LINES...: write the private PAM service file.
service() {
	mkdir -p svc
	printf '%s\n' "$@" > "svc/$SVC"
}

# The default stack: our module for auth and account.
default_service() {
	service "auth required $MODULE socket=$SOCK $*" \
	    "account required $MODULE socket=$SOCK $*"
}

# ./drive [pam_drive args]: run the private PAM service under pam_wrapper,
# stdin passed through (a script, so that atf_check can run it).
require_built() {
	# scripts/dev sanitize: an ASan runtime must come first in a process,
	# and pam_wrapper's preload comes before it.
	[ -z "${APITOKEN_SANITIZED:-}" ] ||
	    atf_skip "pam_wrapper's LD_PRELOAD does not mix with ASan"
	[ -f "$MODULE" ] || atf_fail "module not built: $MODULE"
	[ -x "$APITOKEN" ] || atf_fail "apitoken not built: $APITOKEN"
	[ -x "$APITOKEND" ] || atf_fail "apitokend not built: $APITOKEND"
	free_pam_slots 2
	cat > drive <<EOF
#!/bin/sh
exec env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \\
    PAM_WRAPPER_SERVICE_DIR="$PWD/svc" $APITOKEN_VALGRIND "$DRIVE" "\$@"
EOF
	chmod +x drive
}

atf_test_case auth__right_token cleanup
auth__right_token_head() {
	atf_set descr "A valid token authenticates, passes account, sets the PAM environment"
}
auth__right_token_body() {
	require_built
	setup_daemon
	default_service
	id=$("$APITOKEN" --db "$PWD/db/tokens.db" show alice-ci -o json |
	    sed -n 's/.*"id": *"\([0-9A-Za-z]*\)".*/\1/p')
	[ -n "$id" ] || atf_fail "no id from apitoken show"
	atf_check -s exit:0 -o save:out -e match:"prompt: API token: " \
	    ./drive "$SVC" alice auth acct setcred env < alice.tok
	atf_check -o inline:"auth PAM_SUCCESS\nacct PAM_SUCCESS\nsetcred PAM_SUCCESS\n" \
	    grep -v '^env' out
	atf_check -o inline:"env APITOKEN_ID=$id\n" grep '^env APITOKEN_ID=' out
	atf_check -o inline:"env APITOKEN_NAME=alice-ci\n" grep '^env APITOKEN_NAME=' out
	atf_check -o inline:"env APITOKEN_ROLE=Administrator\n" grep '^env APITOKEN_ROLE=' out
}
auth__right_token_cleanup() {
	stop_daemon
}

atf_test_case auth__custom_prompt cleanup
auth__custom_prompt_body() {
	require_built
	setup_daemon
	service "auth required $MODULE socket=$SOCK [prompt=CI token: ]"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" \
	    -e match:"prompt: CI token: " ./drive "$SVC" alice auth < alice.tok
}
auth__custom_prompt_cleanup() {
	stop_daemon
}

atf_test_case auth__wrong_tokens cleanup
auth__wrong_tokens_head() {
	atf_set descr "Wrong secret, unknown id, typo, garbage, empty, other user: PAM_AUTH_ERR"
}
auth__wrong_tokens_body() {
	require_built
	setup_daemon
	default_service
	db="$PWD/db/tokens.db"
	# The old secret after a regenerate: right id, wrong secret.
	cp alice.tok old.tok
	atf_check -s exit:0 -o save:alice.tok -e ignore "$APITOKEN" --db "$db" \
	    regenerate alice-ci -q
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" alice auth < old.tok
	# A deleted token: an unknown id with a good checksum.
	atf_check -s exit:0 -o save:gone.tok -e ignore "$APITOKEN" --db "$db" \
	    create --name gone --user alice -q
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" --db "$db" delete gone
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" alice auth < gone.tok
	# One character changed: the checksum fails.
	sed 's/.$/X/' alice.tok > typo.tok
	cmp -s typo.tok alice.tok && sed 's/.$/Y/' alice.tok > typo.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" alice auth < typo.tok
	# Garbage, an empty answer, sshd's fake password for invalid users.
	for t in 'not a token at all' '' "$(printf '\b\n\r\177INCORRECT')"; do
		printf '%s\n' "$t" > bad.tok
		atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
		    ./drive "$SVC" alice auth < bad.tok
	done
	# Alice's token for bob.
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" bob auth < alice.tok
	# And the right one still works.
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
}
auth__wrong_tokens_cleanup() {
	stop_daemon
}

atf_test_case auth__revoked_and_expired cleanup
auth__revoked_and_expired_body() {
	require_built
	setup_daemon
	default_service
	db="$PWD/db/tokens.db"
	atf_check -s exit:0 -o save:short.tok -e ignore "$APITOKEN" --db "$db" \
	    create --name short --user alice --expires PT1S -q
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" --db "$db" \
	    revoke alice-ci --reason "laptop stolen"
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	sleep 2
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" alice auth < short.tok
}
auth__revoked_and_expired_cleanup() {
	stop_daemon
}

atf_test_case auth__role_policy_network cleanup
auth__role_policy_network_head() {
	atf_set descr "role=, policy=, policy=service and --from rules"
}
auth__role_policy_network_body() {
	require_built
	setup_daemon
	db="$PWD/db/tokens.db"
	atf_check -s exit:0 -o save:user.tok -e ignore "$APITOKEN" --db "$db" \
	    create --name plain --user alice --from 10.0.0.0/8 -q

	service "auth required $MODULE socket=$SOCK role=Administrator"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive -r 10.1.2.3 "$SVC" alice auth < user.tok

	service "auth required $MODULE socket=$SOCK policy=service"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive -r 10.1.2.3 "$SVC" alice auth < user.tok

	service "auth required $MODULE socket=$SOCK policy=deploy"
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok

	service "auth required $MODULE socket=$SOCK"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive -r 10.1.2.3 "$SVC" alice auth < user.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive -r 192.0.2.1 "$SVC" alice auth < user.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive -r host.example "$SVC" alice auth < user.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" alice auth < user.tok
}
auth__role_policy_network_cleanup() {
	stop_daemon
}

atf_test_case auth__first_pass cleanup
auth__first_pass_head() {
	atf_set descr "use_first_pass and try_first_pass take PAM_AUTHTOK"
}
auth__first_pass_body() {
	require_built
	setup_daemon
	setitems=/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so
	[ -f "$setitems" ] || atf_fail "pam_wrapper's pam_set_items.so is missing"

	# use_first_pass with no earlier module: fails without a prompt.
	service "auth required $MODULE socket=$SOCK use_first_pass"
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e not-match:prompt \
	    ./drive "$SVC" alice auth < alice.tok

	# An earlier instance prompts (and fails on role=), the next one takes
	# the answer from PAM_AUTHTOK without prompting again.
	service "auth optional $MODULE socket=$SOCK role=Nobody" \
	    "auth required $MODULE socket=$SOCK use_first_pass"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e save:err \
	    ./drive "$SVC" alice auth < alice.tok
	atf_check -o inline:"1\n" grep -c prompt err

	# pam_wrapper's pam_set_items.so sets PAM_AUTHTOK from the environment.
	tok=$(cat alice.tok)
	service "auth required $setitems" \
	    "auth required $MODULE socket=$SOCK use_first_pass"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e not-match:prompt \
	    env PAM_AUTHTOK="$tok" ./drive "$SVC" alice auth < /dev/null

	service "auth required $setitems" \
	    "auth required $MODULE socket=$SOCK try_first_pass"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e not-match:prompt \
	    env PAM_AUTHTOK="$tok" ./drive "$SVC" alice auth < /dev/null
	# A wrong PAM_AUTHTOK is not retried with a prompt.
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e not-match:prompt \
	    env PAM_AUTHTOK=wrong-token-wrong-token ./drive "$SVC" alice auth \
	    < alice.tok
	# try_first_pass with nothing before it prompts.
	service "auth required $MODULE socket=$SOCK try_first_pass"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e match:prompt \
	    ./drive "$SVC" alice auth < alice.tok
}
auth__first_pass_cleanup() {
	stop_daemon
}

# unavailable [STDERR-REGEX]: the default service's auth gives
# PAM_AUTHINFO_UNAVAIL for alice's right token.
unavailable() {
	atf_check -s exit:1 -o inline:"auth PAM_AUTHINFO_UNAVAIL\n" \
	    -e match:"${1:-apitokend}" ./drive "$SVC" alice auth < alice.tok
}

# refused_start DB REGEX: apitokend will not start on DB (REGEX: its
# reason), and the module, its daemon not running, fails closed.
refused_start() {
	daemon_refuses "$1" "$2"
	unavailable "apitokend \\(.*d\\.sock\\) unavailable"
}

atf_test_case auth__fail_closed cleanup
auth__fail_closed_head() {
	atf_set descr "No daemon, a daemon killed, a daemon whose store is" \
	    "missing or went bad: PAM_AUTHINFO_UNAVAIL; apitokend refuses to" \
	    "start on an unsafe or corrupt store, so that is too; never success"
}
auth__fail_closed_body() {
	require_built
	setup_store
	db="$PWD/db/tokens.db"
	default_service

	# No daemon at all; a socket a killed daemon left behind.
	unavailable "apitokend \\(.*d\\.sock\\) unavailable"
	start_daemon "$db"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	stop_daemon KILL
	atf_check -s exit:0 test -S "$SOCK"
	unavailable "apitokend \\(.*d\\.sock\\) unavailable"

	# A missing store: apitokend starts (replacing the socket the killed
	# one left) and answers "error" (the module: PAM_AUTHINFO_UNAVAIL)
	# until "apitoken init" makes it.
	mkdir -m 0700 later
	start_daemon "$PWD/later/tokens.db"
	atf_check -o match:"replaced a stale socket" cat daemon.log
	atf_check -o match:"waiting for it to be made" cat daemon.log
	unavailable "apitokend \\(.*d\\.sock\\) could not answer"
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" \
	    --db "$PWD/later/tokens.db" init
	atf_check -s exit:0 -o save:later.tok -e ignore "$APITOKEN" \
	    --db "$PWD/later/tokens.db" create --name later --user alice -q
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < later.tok
	stop_daemon

	# The store taken away, then replaced by random bytes, under a
	# running daemon; put back, it is served again.
	start_daemon "$db"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	mv "$db" db/saved.db
	unavailable "apitokend \\(.*d\\.sock\\) could not answer"
	head -c 65536 /dev/urandom > db/junk.db
	mv db/junk.db "$db"
	unavailable "apitokend \\(.*d\\.sock\\) could not answer"
	mv db/saved.db "$db"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	# Made unsafe under the running daemon (others may write it):
	# refused at the next request, served again once mended.
	chmod 0606 "$db"
	unavailable "apitokend \\(.*d\\.sock\\) could not answer"
	atf_check -o match:"writable by group or others" cat daemon.log
	chmod 0600 "$db"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	stop_daemon

	# Writable by group or others: apitokend refuses to start.
	chmod 0660 "$db"
	refused_start "$db" "unsafe ownership or permissions: .*tokens\\.db: writable by group or others"
	chmod 0606 "$db"
	refused_start "$db" "unsafe ownership or permissions: .*tokens\\.db: writable by group or others"
	chmod 0600 "$db"
	start_daemon "$db"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	stop_daemon

	# A parent directory writable by others.
	chmod 0777 db
	refused_start "$db" "unsafe ownership or permissions: .*/db: writable by group or others"
	chmod 0700 db

	# A symlink instead of the store.
	ln -s "$db" link.db
	refused_start "$PWD/link.db" "unsafe ownership or permissions: .*link\\.db: is a symbolic link"

	# A directory instead of the store.
	mkdir -p dir.db
	refused_start "$PWD/dir.db" "unsafe ownership or permissions: .*dir\\.db: not a regular file"

	# Random bytes, a truncated store, an empty file.
	mkdir -m 0700 junk
	head -c 65536 /dev/urandom > junk/tokens.db
	chmod 0600 junk/tokens.db
	refused_start "$PWD/junk/tokens.db" "MDB_INVALID: File is not an LMDB file"
	mkdir -m 0700 short
	head -c 4096 "$db" > short/tokens.db
	chmod 0600 short/tokens.db
	refused_start "$PWD/short/tokens.db" "MDB_INVALID|truncated"
	: > short/tokens.db
	refused_start "$PWD/short/tokens.db" "empty file"
}
auth__fail_closed_cleanup() {
	stop_daemon
}

atf_test_case auth__timeout cleanup
auth__timeout_head() {
	atf_set descr "A daemon that does not answer (stopped) costs a login" \
	    "timeout= seconds and gives PAM_AUTHINFO_UNAVAIL"
}
auth__timeout_body() {
	require_built
	setup_daemon
	service "auth required $MODULE socket=$SOCK timeout=1"
	kill -STOP "$(cat daemon.pid)"
	t0=$(date +%s%N)
	unavailable "apitokend \\(.*d\\.sock\\) unavailable"
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "refused after $ms ms"
	[ "$ms" -ge 1000 ] || atf_fail "gave up after $ms ms, before timeout=1"
	[ "$ms" -lt 4000 ] || atf_fail "gave up after $ms ms, timeout=1"
	kill -CONT "$(cat daemon.pid)"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
}
auth__timeout_cleanup() {
	stop_daemon
}

atf_test_case args__bad_options cleanup
args__bad_options_head() {
	atf_set descr "An unknown or malformed module argument is PAM_SERVICE_ERR"
}
args__bad_options_body() {
	require_built
	setup_daemon
	for opt in rol=Administrator nouserOK db=relative/path db= prompt= \
	    role= policy= "use_first_pass try_first_pass" debug=1 \
	    socket=relative/d.sock socket= timeout=0 timeout=601 timeout=1s \
	    timeout= maxstale= maxstale=2 maxstale=P1M maxstale=PT0S \
	    stale=yes stale=; do
		service "auth required $MODULE socket=$SOCK $opt"
		atf_check -s exit:1 -o inline:"auth PAM_SERVICE_ERR\n" -e ignore \
		    ./drive "$SVC" alice auth < alice.tok
	done
	service "account required $MODULE socket=$SOCK bogus"
	atf_check -s exit:1 -o inline:"acct PAM_SERVICE_ERR\n" -e ignore \
	    ./drive "$SVC" alice acct < /dev/null
	# Every documented option is accepted; a daemon without --etcd is
	# never stale.
	service "auth required $MODULE socket=$SOCK timeout=5 debug try_first_pass prompt=T: role=Administrator policy=service nouserok last_used maxstale=PT1S stale=deny"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	service "auth required $MODULE socket=$SOCK maxstale=P1W2DT3H4M5S stale=allow"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
}
args__bad_options_cleanup() {
	stop_daemon
}

atf_test_case args__db_refused cleanup
args__db_refused_head() {
	atf_set descr "db= is gone (apitokend opens the store): auth and" \
	    "account give PAM_SERVICE_ERR without a prompt, and the log line" \
	    "names socket="
}
args__db_refused_body() {
	require_built
	setup_daemon
	for args in "db=/x" "socket=$SOCK db=$PWD/db/tokens.db" \
	    "db=$PWD/db/tokens.db socket=$SOCK"; do
		service "auth required $MODULE $args" \
		    "account required $MODULE $args"
		atf_check -s exit:1 -o inline:"auth PAM_SERVICE_ERR\n" \
		    -e save:err ./drive "$SVC" alice auth < alice.tok
		atf_check -o match:'bad module argument "db=[^"]*": .*socket= names its socket' \
		    cat err
		atf_check -s exit:1 grep prompt err
		atf_check -s exit:1 -o inline:"acct PAM_SERVICE_ERR\n" \
		    -e match:'bad module argument "db=[^"]*": .*socket=' \
		    ./drive "$SVC" alice acct < /dev/null
	done
	# Refused before the daemon was asked anything.
	atf_check -s exit:1 grep 'user=alice' daemon.log
}
args__db_refused_cleanup() {
	stop_daemon
}

atf_test_case nouserok__next_module_asked cleanup
nouserok__next_module_asked_body() {
	require_built
	setup_daemon
	service "auth [success=done ignore=ignore default=die] $MODULE socket=$SOCK nouserok" \
	    "auth required pam_permit.so"
	# A user without any token: ignored, pam_permit decides, no prompt.
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e not-match:prompt \
	    ./drive "$SVC" carol auth < /dev/null
	# A user with tokens must give a right one.
	echo wrong-token-wrong-token > bad.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e match:prompt \
	    ./drive "$SVC" alice auth < bad.tok
	# Without nouserok a user without tokens is refused.
	service "auth [success=done ignore=ignore default=die] $MODULE socket=$SOCK" \
	    "auth required pam_permit.so"
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e match:prompt \
	    ./drive "$SVC" carol auth < bad.tok
}
nouserok__next_module_asked_cleanup() {
	stop_daemon
}

atf_test_case account__revoked_between_auth_and_account cleanup
account__revoked_between_auth_and_account_body() {
	require_built
	setup_daemon
	default_service
	mkfifo in
	./drive "$SVC" alice auth wait acct < in > out 2> err &
	pid=$!
	exec 3> in
	cat alice.tok >&3
	i=0
	until grep -q '^auth' out 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || atf_fail "auth did not finish"
		sleep 0.1
	done
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" \
	    --db "$PWD/db/tokens.db" revoke alice-ci
	echo go >&3
	exec 3>&-
	wait $pid || true
	atf_check -o inline:"auth PAM_SUCCESS\nacct PAM_PERM_DENIED\n" cat out
}
account__revoked_between_auth_and_account_cleanup() {
	stop_daemon
}

atf_test_case account__ignores_other_sessions
account__ignores_other_sessions_head() {
	atf_set descr "The account group ignores a session the module did not" \
	    "authenticate, without asking apitokend (none runs here)"
}
account__ignores_other_sessions_body() {
	require_built
	service "auth required pam_permit.so" \
	    "account [ignore=ignore default=die] $MODULE socket=$SOCK" \
	    "account required pam_permit.so"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\nacct PAM_SUCCESS\n" \
	    -e ignore ./drive "$SVC" alice auth acct < /dev/null
}

# last_from FROM: wait (5 s at most) until alice-ci's last use is from
# FROM in the store: apitokend writes last_used in batches.
last_from() {
	local i=0
	until "$APITOKEN" --db "$PWD/db/tokens.db" list -o json |
	    grep '"name": *"alice-ci"' | grep -q "\"last_from\": *\"$1\""; do
		i=$((i + 1))
		[ $i -lt 50 ] || atf_fail "last use from $1 not in the store after 5 s"
		sleep 0.1
	done
}

atf_test_case last_used__recorded cleanup
last_used__recorded_head() {
	atf_set descr "last_used: the time and remote host of a login reach" \
	    "the store within a second, and at once when apitokend stops"
}
last_used__recorded_body() {
	require_built
	setup_daemon
	service "auth required $MODULE socket=$SOCK last_used"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive -r 192.0.2.7 "$SVC" alice auth < alice.tok
	last_from 192.0.2.7
	atf_check -s exit:0 -o match:"192.0.2.7" -e ignore "$APITOKEN" \
	    --db "$PWD/db/tokens.db" show alice-ci
	# A login and at once SIGTERM: the pending use is written on the way
	# out.
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive -r 192.0.2.8 "$SVC" alice auth < alice.tok
	stop_daemon
	atf_check -s exit:0 -o match:"192.0.2.8" -e ignore "$APITOKEN" \
	    --db "$PWD/db/tokens.db" show alice-ci
}
last_used__recorded_cleanup() {
	stop_daemon
}

atf_test_case module__exports_only_pam_sm
module__exports_only_pam_sm_head() {
	atf_set descr "The module exports pam_sm_* and nothing else"
}
module__exports_only_pam_sm_body() {
	require_built
	nm -D --defined-only "$MODULE" | awk '{ print $3 }' | sort > syms
	atf_check -o inline:"pam_sm_acct_mgmt\npam_sm_authenticate\npam_sm_setcred\n" \
	    cat syms
	# Every undefined symbol resolves: the link used -z defs.
	atf_check -s exit:0 -o ignore -e empty \
	    sh -c "LD_BIND_NOW=1 ldd -r '$MODULE' 2>&1 | grep 'undefined symbol' >&2; true"
}

atf_test_case module__loads_little
module__loads_little_head() {
	atf_set descr "The module links libpam and libc only (STYLE.md): no" \
	    "libcrypto, libsodium, LMDB or libbsd in the program that loads it"
}
module__loads_little_body() {
	require_built
	atf_check -s exit:0 -o save:dyn -e empty readelf -d "$MODULE"
	sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' dyn | sort > needed
	atf_check -o inline:"libc.so.6\nlibpam.so.0\n" cat needed
	# Nor through libpam.
	atf_check -s exit:0 -o save:libs -e empty ldd "$MODULE"
	atf_check -s exit:1 grep -E 'libcrypto|libssl|libsodium|liblmdb|libbsd|libmd' libs
}

atf_test_case log__names_token_not_secret cleanup
log__names_token_not_secret_head() {
	atf_set descr "The decision is logged with the token id, never the" \
	    "token, by the module and by apitokend"
}
log__names_token_not_secret_body() {
	require_built
	setup_daemon
	default_service
	atf_check -s exit:0 -o ignore -e save:err \
	    env PAM_WRAPPER_DEBUGLEVEL=2 LD_PRELOAD=libpam_wrapper.so \
	    PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$PWD/svc" \
	    $APITOKEN_VALGRIND "$DRIVE" \
	    "$SVC" alice auth < alice.tok
	stop_daemon
	id=$(cut -d_ -f2 alice.tok)
	atf_check -o ignore grep "token=$id.*accepted" err
	atf_check -o ignore grep "service=$SVC user=alice .*token=$id.*accepted" \
	    daemon.log
	secret=$(cut -d_ -f3 alice.tok)
	atf_check -s exit:1 grep -F "$secret" err
	atf_check -s exit:1 grep -F "$secret" daemon.log
}
log__names_token_not_secret_cleanup() {
	stop_daemon
}

atf_test_case log__fields_escaped cleanup
log__fields_escaped_head() {
	atf_set descr "A user name shaped like a token is logged as" \
	    "'(token-shaped, not logged)', a remote host's ESC, CR and LF" \
	    "C-style, by the module and by apitokend"
}
log__fields_escaped_body() {
	local user rhost
	require_built
	setup_daemon
	default_service
	user=$(cat alice.tok)
	rhost=$(printf 'ev\033[2J\r\nil')
	atf_check -s exit:1 -o ignore -e save:err \
	    env PAM_WRAPPER_DEBUGLEVEL=2 LD_PRELOAD=libpam_wrapper.so \
	    PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$PWD/svc" \
	    $APITOKEN_VALGRIND "$DRIVE" -r "$rhost" \
	    "$SVC" "$user" auth < alice.tok
	stop_daemon
	for f in err daemon.log; do
		atf_check -s exit:1 grep -F "$(cut -d_ -f3 alice.tok)" "$f"
		atf_check -s exit:1 grep -F "$(printf '\033')" "$f"
		atf_check -o ignore grep -F \
		    'user=(token-shaped, not logged) rhost=ev\x1b[2J\r\nil' "$f"
	done
}
log__fields_escaped_cleanup() {
	stop_daemon
}

atf_test_case harness__pam_slots
harness__pam_slots_head() {
	atf_set descr "The PAM cases wait for free pam_wrapper directories" \
	    "(/tmp/pam.X, shared by the machine) and skip, not fail, when" \
	    "another run took them all"
}
harness__pam_slots_body() {
	local c
	mkdir pool
	PAM_DIRS="$PWD/pool/pam.?"
	PAM_SLOT_WAIT=2
	pam_slots_free 62 || atf_fail "an empty pool is not free"
	for c in 0 1 2 3 4 5 6 7 8 9 a b c d e f g h i j k l m n o p q r s t \
	    u v w x y z A B C D E F G H I J K L M N O P Q R S T U V W X Y; do
		mkdir "pool/pam.$c"
	done
	pam_slots_free 1 || atf_fail "the last slot is not seen free"
	pam_slots_free 2 && atf_fail "61 of 62 taken, yet 2 free"
	mkdir pool/pam.Z
	pam_slots_free 1 && atf_fail "a full pool is free"
	# The cases skip then: free_pam_slots ends the case as skipped.
	( free_pam_slots 1; echo "went on" ) >out 2>&1 || true
	atf_check -s exit:1 grep -q "went on" out
}

atf_test_case harness__pam_dirs_clean
harness__pam_dirs_clean_head() {
	atf_set descr "stop_daemon removes what pam_wrapper left of this case" \
	    "(its program gone, its service naming this directory), and" \
	    "nothing of a live program or of another run"
}
harness__pam_dirs_clean_body() {
	local dead
	mkdir pool
	PAM_DIRS="$PWD/pool/pam.?"
	sh -c 'echo $$ > dead.pid'
	dead=$(cat dead.pid)
	alive "$dead" && atf_skip "pid $dead taken again"
	mkdir pool/pam.a pool/pam.b pool/pam.c pool/pam.d
	# Ours, its program gone: removed.
	echo "$dead" > pool/pam.a/pid
	echo "auth required x.so socket=$PWD/d.sock" > pool/pam.a/atktest
	# Another run's, its program gone: left.
	echo "$dead" > pool/pam.b/pid
	echo "auth required x.so socket=/tmp/kyua.other/1/work/d.sock" \
	    > pool/pam.b/atktest
	# Ours, its program alive (this shell): left.
	echo $$ > pool/pam.c/pid
	echo "auth required x.so socket=$PWD/d.sock" > pool/pam.c/atktest
	# Being made (no pid yet): left.
	echo "auth required x.so socket=$PWD/d.sock" > pool/pam.d/atktest
	stop_daemon
	atf_check -o inline:"pam.b\npam.c\npam.d\n" ls pool
}

atf_init_test_cases() {
	atf_add_test_case harness__pam_dirs_clean
	atf_add_test_case harness__pam_slots
	atf_add_test_case log__fields_escaped
	atf_add_test_case auth__right_token
	atf_add_test_case auth__custom_prompt
	atf_add_test_case auth__wrong_tokens
	atf_add_test_case auth__revoked_and_expired
	atf_add_test_case auth__role_policy_network
	atf_add_test_case auth__first_pass
	atf_add_test_case auth__fail_closed
	atf_add_test_case auth__timeout
	atf_add_test_case args__bad_options
	atf_add_test_case args__db_refused
	atf_add_test_case nouserok__next_module_asked
	atf_add_test_case account__revoked_between_auth_and_account
	atf_add_test_case account__ignores_other_sessions
	atf_add_test_case last_used__recorded
	atf_add_test_case module__exports_only_pam_sm
	atf_add_test_case module__loads_little
	atf_add_test_case log__names_token_not_secret
}
