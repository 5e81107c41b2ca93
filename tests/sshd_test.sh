#
# End to end through OpenSSH: a real sshd on 127.0.0.1, a real ssh client.
#
# Every case starts its own sshd (its own config file, host key, PID file
# and a free port above 20000, loopback only) and stops it in its cleanup
# part, which runs even when the body fails.  It needs root, as sshd does to
# authenticate another user through PAM; without root every case is
# skipped.  It never touches /etc/pam.d, /etc/ssh or the machine's sshd.
#
# The private PAM service is pam_wrapper's: sshd runs with
# LD_PRELOAD="<build>/tests/.libs/syslog_shim.so libpam_wrapper.so"
# PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR=<work>/pam.d (the shim: see below).
# At every exec pam_wrapper copies that directory to a /tmp/pam.X of its
# own and makes pam_start() read it (pam_start_confdir, libpam 1.4 and
# later).  sshd 9.2 re-executes itself (execv, environment kept) for every
# connection, so the per-connection process is wrapped as well.  The PAM
# service name is sshd's program name, so the file is <work>/pam.d/sshd,
# beside an "other" that denies everything.  Privilege separation stays
# on: PAM runs in the privileged monitor (password method) or in a child of
# it (keyboard-interactive).  A symlinked sshd under another name would
# need its service file in /etc/pam.d, and a mount namespace is not needed.
#
# Where the PAM modules' log lines go: pam_wrapper replaces pam_syslog()
# and writes the lines to standard error while PAM_WRAPPER_DEBUGLEVEL is 2
# or more.  That works where sshd runs PAM in its monitor (the password
# method), but sshd's keyboard-interactive child empties its environment
# before it calls pam_authenticate(), so there pam_wrapper drops every line
# below LOG_ERR.  So tests/syslog_shim.so, preloaded before pam_wrapper,
# takes over pam_syslog() and pam_vsyslog() and writes every line to
# standard error as "SYSLOG(<priority>): <text>" without asking the
# environment.  sshd -D -e keeps standard error in all its processes, so
# sshd.log holds sshd's own log and every PAM module's lines.  pam_wrapper's
# level stays at 2 (its level 3 would log PAM_AUTHTOK in clear), and the
# cases check that no token is in the log.
#
# sshd's standard error goes into the log through a pipe, not straight into
# a file: the pre-authentication child runs with RLIMIT_FSIZE 0, and a write
# to a regular file kills it with SIGXFSZ.
#
# pam_wrapper's destructor never runs in sshd's per-connection processes
# (they end with _exit()), so each connection leaves a /tmp/pam.X behind;
# the cleanup removes those that our sshd logged as its own, that hold our
# service file and whose process is gone.
#
# The pam_matrix cases prove the harness itself (both methods, a right and
# a wrong password, the module log reaching sshd.log) so that a broken
# harness cannot make the pam_apitoken cases pass.
#
# pam_apitoken asks apitokend: the pam_apitoken cases start one on the
# case's store (tests/daemon.subr: socket <work>/d.sock, its log in
# daemon.log) before sshd, and harness_cleanup stops it by its pid.

SSHD=/usr/sbin/sshd
SSH=/usr/bin/ssh
SSH_KEYGEN=/usr/bin/ssh-keygen
SSHD_PRIVSEP_DIR=/run/sshd

# One test user per test case, named after its work directory (the body
# and the cleanup run in the same one): two runs of the suite on one
# machine must not share a user that one of them deletes.
TEST_USER="atk$(pwd | cksum | cut -d ' ' -f 1)"
TEST_USER_COMMENT="pam_apitoken sshd test"
# The command every login runs; its output proves the session ran as the user.
LOGIN_OUTPUT="logged-in-as-$TEST_USER"

MODULE="$BUILDDIR/pam_apitoken/.libs/pam_apitoken.so"
APITOKEN="$BUILDDIR/tools/apitoken"
SYSLOG_SHIM="$BUILDDIR/tests/.libs/syslog_shim.so"
TOKEN_NAME=ci
TOKEN_ID_LEN=22

PORT_MIN=20000
PORT_SPAN=40000
SSHD_START_TRIES=10
# Waits are counted in tenths of a second.
SSHD_WAIT_TENTHS=100
SSHD_STOP_TENTHS=50
LOG_WAIT_TENTHS=50
CASE_TIMEOUT=60

. "$SRCDIR/tests/daemon.subr"

# --- helpers ------------------------------------------------------------------

sshd_head()
{
	atf_set descr "$*"
	atf_set timeout "$CASE_TIMEOUT"
}

require_root()
{
	# scripts/dev sanitize: an ASan runtime must come first in a process,
	# and sshd (uninstrumented) preloads pam_wrapper.
	[ -z "${APITOKEN_SANITIZED:-}" ] ||
	    atf_skip "pam_wrapper's LD_PRELOAD does not mix with ASan"
	[ "$(id -u)" -eq 0 ] || atf_skip "needs root: sshd must run as root" \
	    "to authenticate another user through PAM"
}

# What every case needs before it can start an sshd; skips without root.
harness_prepare()
{
	local f

	require_root
	# Every connection takes one until the cleanup.
	free_pam_slots 8
	for f in "$SSHD" "$SSH" "$SSH_KEYGEN"; do
		[ -x "$f" ] || atf_fail "$f missing: install openssh-server" \
		    "and openssh-client (scripts/dev does)"
	done
	PWRAP_LIB=$(pkg-config --libs pam_wrapper 2>/dev/null | tr -d ' ')
	PWRAP_MODULES=$(pkg-config --variable=modules pam_wrapper 2>/dev/null)
	[ -f "$PWRAP_LIB" ] && [ -d "$PWRAP_MODULES" ] ||
	    atf_fail "pam_wrapper not found: install libpam-wrapper"
	[ -f "$SYSLOG_SHIM" ] || atf_fail "$SYSLOG_SHIM not built"
	# An ASan runtime must come first in a process: sshd has none.
	if readelf -d "$SYSLOG_SHIM" | grep -q 'NEEDED.*libasan'; then
		atf_skip "sanitizer build: instrumented objects cannot be" \
		    "loaded into the uninstrumented sshd"
	fi
	W=$(pwd)

	# sshd refuses to start without its privilege separation directory.
	[ -d "$SSHD_PRIVSEP_DIR" ] || mkdir -m 0755 "$SSHD_PRIVSEP_DIR" ||
	    atf_fail "cannot create $SSHD_PRIVSEP_DIR"
	ensure_user
	atf_check -s exit:0 -o ignore -e ignore "$SSH_KEYGEN" -q -t ed25519 \
	    -N '' -C sshd_test -f "$W/host_key"

	mkdir -p "$W/pam.d"
	printf '%s\trequired\tpam_deny.so\n' auth account password session \
	    >"$W/pam.d/other"

	# The client reads its answer from a file, never from its arguments.
	cat >"$W/askpass" <<'EOF'
#!/bin/sh
exec cat "$(dirname "$0")/secret"
EOF
	# login METHOD [COMMAND]: log in as the test user with METHOD only.
	cat >"$W/login" <<'EOF'
#!/bin/sh
d=$(dirname "$0")
exec env SSH_ASKPASS="$d/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
    setsid -w timeout 20 "$(cat "$d/ssh")" -F /dev/null -T \
    -p "$(cat "$d/port")" \
    -o BatchMode=no -o ConnectTimeout=5 -o LogLevel=ERROR \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o GlobalKnownHostsFile=/dev/null -o UpdateHostKeys=no \
    -o ControlMaster=no -o ControlPath=none \
    -o ForwardAgent=no -o ForwardX11=no \
    -o PreferredAuthentications="$1" -o NumberOfPasswordPrompts=1 \
    "$(cat "$d/user")@127.0.0.1" "${2:-echo logged-in-as-\$(id -un)}" \
    </dev/null
EOF
	chmod 0755 "$W/askpass" "$W/login"
	echo "$SSH" >"$W/ssh"
	echo "$TEST_USER" >"$W/user"
}

# The test user: made when missing (and removed by the cleanup), else reused.
ensure_user()
{
	getent passwd "$TEST_USER" >/dev/null && return 0
	useradd --no-create-home --home-dir /nonexistent --shell /bin/sh \
	    --comment "$TEST_USER_COMMENT" "$TEST_USER" ||
	    atf_fail "cannot create the test user $TEST_USER"
	touch "$W/user.created"
}

set_secret()
{
	printf '%s\n' "$1" >"$W/secret"
}

random_port()
{
	local n

	n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $((PORT_MIN + n % PORT_SPAN))
}

port_is_free()
{
	[ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

write_sshd_config()
{
	cat >"$W/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $1
HostKey $W/host_key
PidFile $W/sshd.pid
UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication yes
PermitEmptyPasswords no
PubkeyAuthentication no
HostbasedAuthentication no
GSSAPIAuthentication no
AuthorizedKeysFile none
PermitRootLogin no
AllowUsers $TEST_USER
MaxAuthTries 3
LoginGraceTime 15
UseDNS no
PrintMotd no
PrintLastLog no
PermitTTY no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitUserEnvironment no
LogLevel VERBOSE
EOF
}

# Start sshd on a free port under pam_wrapper; wait until it listens.
start_sshd()
{
	local tries i port job

	tries=0
	while [ $tries -lt $SSHD_START_TRIES ]; do
		tries=$((tries + 1))
		port=$(random_port)
		port_is_free "$port" || continue
		write_sshd_config "$port"
		atf_check -s exit:0 -o ignore -e ignore "$SSHD" -t \
		    -f "$W/sshd_config"
		rm -f "$W/sshd.pid"
		(env LD_PRELOAD="$SYSLOG_SHIM $PWRAP_LIB" PAM_WRAPPER=1 \
		    PAM_WRAPPER_SERVICE_DIR="$W/pam.d" PAM_WRAPPER_DEBUGLEVEL=2 \
		    "$SSHD" -D -e -f "$W/sshd_config" </dev/null 2>&1 |
		    cat >>"$W/sshd.log") >/dev/null 2>&1 &
		job=$!
		i=0
		while [ $i -lt $SSHD_WAIT_TENTHS ]; do
			if [ -s "$W/sshd.pid" ] && grep -qF \
			    "Server listening on 127.0.0.1 port $port." \
			    "$W/sshd.log"; then
				echo "$port" >"$W/port"
				return 0
			fi
			kill -0 "$job" 2>/dev/null || break
			sleep 0.1
			i=$((i + 1))
		done
		stop_sshd
		# Another program took the port in between: try another one.
		tail -n 5 "$W/sshd.log" | grep -q 'Address already in use' ||
		    break
	done
	cat "$W/sshd.log" >&2
	atf_fail "sshd did not start (its log is on stderr)"
}

# Does PID name a process that runs (not gone, not a zombie)?
process_runs()
{
	local state

	state=$(sed 's/.*) \([A-Za-z]\).*/\1/' "/proc/$1/stat" 2>/dev/null)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# Is PID the sshd this case started?  sshd rewrites its command line into
# one string, "sshd: /usr/sbin/sshd -D -e -f <config> [listener] ...".
is_our_sshd()
{
	[ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" |
	    grep -qF -- "-f $W/sshd_config "
}

# Stop our sshd (by its PID file) and the connections it forked, and wait
# for them to end.
stop_sshd()
{
	local pid children p i running

	[ -s "$W/sshd.pid" ] || return 0
	pid=$(cat "$W/sshd.pid")
	if is_our_sshd "$pid"; then
		children=$(ps -o pid= --ppid "$pid")
		for p in $children $pid; do
			kill -TERM "$p" 2>/dev/null
		done
		i=0
		while [ $i -lt $SSHD_STOP_TENTHS ]; do
			running=
			for p in $children $pid; do
				process_runs "$p" && running=yes
			done
			[ -z "$running" ] && break
			sleep 0.1
			i=$((i + 1))
		done
		is_our_sshd "$pid" && kill -KILL "$pid" 2>/dev/null
	fi
	rm -f "$W/sshd.pid"
}

# The /tmp/pam.X directories our sshd's processes made and left behind.
remove_pwrap_dirs()
{
	local d p

	[ -f "$W/sshd.log" ] && [ -f "$W/pam.d/sshd" ] || return 0
	grep -F "Copy config files from $W/pam.d to " "$W/sshd.log" |
	    sed 's/.* to //' | sort -u | while read -r d; do
		case "$d" in
		/tmp/pam.?) ;;
		*) continue ;;
		esac
		[ -d "$d" ] && [ ! -h "$d" ] || continue
		cmp -s "$d/sshd" "$W/pam.d/sshd" || continue
		p=$(cat "$d/pid" 2>/dev/null)
		[ -n "$p" ] && process_runs "$p" && continue
		rm -rf "$d"
	done
}

harness_cleanup()
{
	W=$(pwd)
	stop_sshd
	stop_daemon
	remove_pwrap_dirs
	if [ -f "$W/user.created" ]; then
		userdel "$TEST_USER" && rm -f "$W/user.created"
	fi
}

# wait_log REGEX [COUNT]: wait for COUNT (default 1) lines matching the
# extended REGEX in sshd.log; module lines reach it through a pipe, a moment
# after the login has finished.
wait_log()
{
	local i want

	want=${2:-1}
	i=0
	while [ $i -lt $LOG_WAIT_TENTHS ]; do
		[ "$(grep -cE -- "$1" "$W/sshd.log")" -ge "$want" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	cat "$W/sshd.log" >&2
	atf_fail "not $want line(s) matching '$1' in sshd's log (on stderr)"
}

no_secret_in_log()
{
	if grep -qF -- "$1" "$W/sshd.log"; then
		atf_fail "a secret is in sshd's log"
	fi
	if [ -f "$W/daemon.log" ] && grep -qF -- "$1" "$W/daemon.log"; then
		atf_fail "a secret is in apitokend's log"
	fi
}

# login_expect STATUS OUTPUT METHOD [COMMAND]: log in and check ssh's exit
# status and output; on a surprise show what ssh and sshd said.
login_expect()
{
	local want_status want_out status out

	want_status=$1
	want_out=$2
	shift 2
	echo "login $*"
	"$W/login" "$@" >"$W/ssh.out" 2>"$W/ssh.err"
	status=$?
	out=$(cat "$W/ssh.out")
	if [ "$status" -ne "$want_status" ] || [ "$out" != "$want_out" ]; then
		echo "--- ssh's standard error:" >&2
		cat "$W/ssh.err" >&2
		echo "--- sshd's log:" >&2
		cat "$W/sshd.log" >&2
		atf_fail "login with $1: exit $status, output '$out';" \
		    "expected exit $want_status, output '$want_out'"
	fi
}

login_ok()
{
	login_expect 0 "$LOGIN_OUTPUT" "$1"
}

login_refused()
{
	login_expect 255 "" "$1"
	grep -q 'Permission denied' "$W/ssh.err" ||
	    atf_fail "ssh did not say 'Permission denied': $(cat "$W/ssh.err")"
}

# --- the harness itself, proven with pam_wrapper's pam_matrix -------------

MATRIX_PASSWORD=matrix-s3cret

matrix_start()
{
	local m

	harness_prepare
	m="$PWRAP_MODULES/pam_matrix.so passdb=$W/passdb"
	printf '%s:%s:sshd\n' "$TEST_USER" "$MATRIX_PASSWORD" >"$W/passdb"
	# pam_warn logs through pam_syslog: it proves module lines reach the log.
	cat >"$W/pam.d/sshd" <<EOF
auth		optional	pam_warn.so
auth		required	$m
account		required	$m
password	required	pam_deny.so
session		required	$m
EOF
	start_sshd
}

atf_test_case matrix__kbdint cleanup
matrix__kbdint_head()
{
	sshd_head "pam_matrix through sshd, keyboard-interactive: the right" \
	    "password logs in and runs a command, a wrong one is refused"
}
matrix__kbdint_body()
{
	matrix_start
	set_secret "$MATRIX_PASSWORD"
	login_ok keyboard-interactive
	wait_log "Accepted keyboard-interactive/pam for $TEST_USER from 127\.0\.0\.1"
	# From the keyboard-interactive child, whose environment sshd empties.
	wait_log "SYSLOG\([0-9]+\): function=\[pam_sm_authenticate\].*service=\[sshd\].*user=\[$TEST_USER\].*rhost=\[127\.0\.0\.1\]"
	set_secret wrong-password
	login_refused keyboard-interactive
	wait_log "Failed keyboard-interactive/pam for $TEST_USER"
}
matrix__kbdint_cleanup()
{
	harness_cleanup
}

atf_test_case matrix__password cleanup
matrix__password_head()
{
	sshd_head "pam_matrix through sshd, password: the right password logs" \
	    "in and runs a command, a wrong one is refused"
}
matrix__password_body()
{
	matrix_start
	set_secret "$MATRIX_PASSWORD"
	login_ok password
	wait_log "Accepted password for $TEST_USER from 127\.0\.0\.1"
	wait_log "SYSLOG\([0-9]+\): function=\[pam_sm_authenticate\].*service=\[sshd\].*user=\[$TEST_USER\].*rhost=\[127\.0\.0\.1\]"
	set_secret wrong-password
	login_refused password
	wait_log "Failed password for $TEST_USER"
}
matrix__password_cleanup()
{
	harness_cleanup
}

atf_test_case harness__leaves_system_untouched cleanup
harness__leaves_system_untouched_head()
{
	sshd_head "the harness changes nothing in /etc/pam.d or /etc/ssh, and" \
	    "stopping it ends its sshd and removes pam_wrapper's directories"
}
system_snapshot()
{
	find /etc/pam.d /etc/ssh -xdev -exec ls -ldn {} + | sort
	find /etc/pam.d /etc/ssh -xdev -type f -exec sha256sum {} + | sort
}
harness__leaves_system_untouched_body()
{
	local pid d

	require_root
	system_snapshot >before
	matrix_start
	pid=$(cat "$W/sshd.pid")
	set_secret "$MATRIX_PASSWORD"
	login_ok keyboard-interactive
	login_ok password
	stop_sshd
	is_our_sshd "$pid" && atf_fail "sshd $pid still runs after stop_sshd"
	remove_pwrap_dirs
	for d in /tmp/pam.?; do
		[ -f "$d/sshd" ] && cmp -s "$d/sshd" "$W/pam.d/sshd" &&
		    atf_fail "$d left behind"
	done
	system_snapshot >after
	atf_check -s exit:0 -o empty -e empty diff before after
}
harness__leaves_system_untouched_cleanup()
{
	harness_cleanup
}

# --- pam_apitoken ------------------------------------------------------------

apitoken_start()
{
	require_root
	[ -f "$MODULE" ] || atf_fail "pam_apitoken.so not built: $MODULE"
	[ -x "$APITOKEN" ] || atf_fail "apitoken not built: $APITOKEN"
	harness_prepare
	atf_check -s exit:0 -o ignore -e ignore \
	    "$APITOKEN" --db "$W/tokens.db" init
	start_daemon "$W/tokens.db"
	cat >"$W/pam.d/sshd" <<EOF
auth		required	$MODULE socket=$SOCK
account		required	$MODULE socket=$SOCK
password	required	pam_deny.so
session		required	pam_permit.so
EOF
	start_sshd
}

# create_token [OPTION...]: a token for the test user, in TOKEN, with its
# ID in TOKEN_ID (the ID of a native token <prefix>_<id>_<secret><checksum>).
create_token()
{
	"$APITOKEN" --db "$W/tokens.db" create --name "$TOKEN_NAME" \
	    --user "$TEST_USER" -q "$@" >"$W/token" ||
	    atf_fail "apitoken create failed"
	TOKEN=$(cat "$W/token")
	TOKEN_ID=${TOKEN#*_}
	TOKEN_ID=${TOKEN_ID%%_*}
	[ ${#TOKEN_ID} -eq $TOKEN_ID_LEN ] ||
	    atf_fail "cannot find a $TOKEN_ID_LEN-character ID in the token"
}

# The module's log lines (SPEC section 8: service, user, rhost, token ID or
# "unknown", and the decision) for a token ID.
accepted_line()
{
	echo "SYSLOG\([0-9]+\): .*service=sshd .*user=$TEST_USER .*rhost=127\.0\.0\.1 .*token=$1[^A-Za-z0-9].*accepted"
}
refused_line()
{
	echo "SYSLOG\([0-9]+\): .*service=sshd .*user=$TEST_USER .*rhost=127\.0\.0\.1 .*token=$1[^A-Za-z0-9].*refused"
}
REFUSED_UNKNOWN=$(refused_line unknown)
# apitokend's line for a token ID and its decision (accepted, refused).
daemon_line()
{
	echo "apitokend\[[0-9]+\]: service=sshd user=$TEST_USER rhost=127\.0\.0\.1 token=$1[^A-Za-z0-9].*$2"
}

# wait_daemon_log REGEX [COUNT]: as wait_log, in apitokend's log.
wait_daemon_log()
{
	local i want

	want=${2:-1}
	i=0
	while [ $i -lt $LOG_WAIT_TENTHS ]; do
		[ "$(grep -cE -- "$1" "$W/daemon.log")" -ge "$want" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	cat "$W/daemon.log" >&2
	atf_fail "not $want line(s) matching '$1' in apitokend's log (on stderr)"
}

# The token logs in with METHOD, and the session sees the PAM environment.
token_login_ok()
{
	login_expect 0 "$LOGIN_OUTPUT $2 $TOKEN_NAME" "$1" \
	    'echo logged-in-as-$(id -un) $APITOKEN_ID $APITOKEN_NAME'
}

atf_test_case apitoken_kbdint__valid_token cleanup
apitoken_kbdint__valid_token_head()
{
	sshd_head "pam_apitoken through sshd, keyboard-interactive: a valid" \
	    "token logs in, the session gets APITOKEN_ID, the log names the ID"
}
apitoken_kbdint__valid_token_body()
{
	apitoken_start
	create_token
	set_secret "$TOKEN"
	token_login_ok keyboard-interactive "$TOKEN_ID"
	wait_log "Accepted keyboard-interactive/pam for $TEST_USER"
	wait_log "$(accepted_line "$TOKEN_ID")"
	wait_daemon_log "$(daemon_line "$TOKEN_ID" accepted)"
	no_secret_in_log "$TOKEN"
}
apitoken_kbdint__valid_token_cleanup()
{
	harness_cleanup
}

atf_test_case apitoken_password__valid_token cleanup
apitoken_password__valid_token_head()
{
	sshd_head "pam_apitoken through sshd, password: a valid token logs in," \
	    "the session gets APITOKEN_ID, the log names the ID"
}
apitoken_password__valid_token_body()
{
	apitoken_start
	create_token
	set_secret "$TOKEN"
	token_login_ok password "$TOKEN_ID"
	wait_log "Accepted password for $TEST_USER"
	wait_log "$(accepted_line "$TOKEN_ID")"
	wait_daemon_log "$(daemon_line "$TOKEN_ID" accepted)"
	no_secret_in_log "$TOKEN"
}
apitoken_password__valid_token_cleanup()
{
	harness_cleanup
}

atf_test_case apitoken__wrong_token cleanup
apitoken__wrong_token_head()
{
	sshd_head "pam_apitoken through sshd: a token from another store and" \
	    "a string that is no token are refused, with both methods"
}
apitoken__wrong_token_body()
{
	local other

	apitoken_start
	create_token
	# Well formed, checksum right, but its ID is not in our store.
	atf_check -s exit:0 -o ignore -e ignore \
	    "$APITOKEN" --db "$W/other.db" init
	other=$("$APITOKEN" --db "$W/other.db" create --name other \
	    --user "$TEST_USER" -q) || atf_fail "apitoken create failed"
	set_secret "$other"
	login_refused keyboard-interactive
	wait_log "$REFUSED_UNKNOWN" 1
	login_refused password
	wait_log "$REFUSED_UNKNOWN" 2
	wait_daemon_log "$(daemon_line unknown refused)" 2
	set_secret not-a-token
	login_refused keyboard-interactive
	login_refused password
	wait_daemon_log "$(daemon_line unknown refused)" 4
	no_secret_in_log "$other"
	no_secret_in_log "$TOKEN"
}
apitoken__wrong_token_cleanup()
{
	harness_cleanup
}

atf_test_case apitoken__revoked_token cleanup
apitoken__revoked_token_head()
{
	sshd_head "pam_apitoken through sshd: a token that logged in is" \
	    "refused with both methods once revoked, the log names its ID"
}
apitoken__revoked_token_body()
{
	apitoken_start
	create_token
	set_secret "$TOKEN"
	login_ok keyboard-interactive
	atf_check -s exit:0 -o ignore -e ignore \
	    "$APITOKEN" --db "$W/tokens.db" revoke "$TOKEN_NAME"
	login_refused keyboard-interactive
	wait_log "$(refused_line "$TOKEN_ID")" 1
	login_refused password
	wait_log "$(refused_line "$TOKEN_ID")" 2
	wait_daemon_log "$(daemon_line "$TOKEN_ID" refused)" 2
	no_secret_in_log "$TOKEN"
}
apitoken__revoked_token_cleanup()
{
	harness_cleanup
}

atf_test_case apitoken__expired_token cleanup
apitoken__expired_token_head()
{
	sshd_head "pam_apitoken through sshd: an expired token is refused" \
	    "with both methods, the log names its ID"
}
apitoken__expired_token_body()
{
	apitoken_start
	create_token --expires PT1S
	sleep 2
	set_secret "$TOKEN"
	login_refused keyboard-interactive
	wait_log "$(refused_line "$TOKEN_ID")" 1
	login_refused password
	wait_log "$(refused_line "$TOKEN_ID")" 2
	wait_daemon_log "$(daemon_line "$TOKEN_ID" refused)" 2
	no_secret_in_log "$TOKEN"
}
apitoken__expired_token_cleanup()
{
	harness_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case matrix__kbdint
	atf_add_test_case matrix__password
	atf_add_test_case harness__leaves_system_untouched
	atf_add_test_case apitoken_kbdint__valid_token
	atf_add_test_case apitoken_password__valid_token
	atf_add_test_case apitoken__wrong_token
	atf_add_test_case apitoken__revoked_token
	atf_add_test_case apitoken__expired_token
}
