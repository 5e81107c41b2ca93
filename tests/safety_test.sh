# Store and file safety (issue 5 item 6, SPEC section 4): apitokend (which
# the module asks) and every apitoken command refuse a store that someone
# other than root or its owner could swap or rewrite, or a symbolic link
# where the store should be; files are opened O_NOFOLLOW|O_CLOEXEC; the
# tools run without core dumps; no secret is ever taken from argv.
#
# The module runs through the real libpam with pam_wrapper and
# tests/pam_drive (see tests/pam_test.sh), asking an apitokend the case
# starts (tests/daemon.subr) and stops in its cleanup.  Since the module no
# longer opens the store, "the module refuses an unsafe store" means:
# apitokend refuses to start on it, and the module, with no daemon to ask,
# fails closed.  Rows that need another owner (chown) run only as root, as
# CI does; strace(1) is in scripts/dev.

MODULE="$BUILDDIR/pam_apitoken/.libs/pam_apitoken.so"
APITOKEN="$BUILDDIR/tools/apitoken"
DRIVE="$BUILDDIR/tests/pam_drive"
SVC=atksafe
# Someone else: the owner of the rows that need one.
OTHER=nobody

. "$SRCDIR/tests/daemon.subr"

# A store at d/tokens.db with the token alice-ci in ./alice.tok, a
# ./drive script running the PAM service under pam_wrapper.
# pam_wrapper (RTLD_DEEPBIND) and strace (ptrace stops LeakSanitizer) do
# not mix with ASan: scripts/dev sanitize sets APITOKEN_SANITIZED and the
# plain run covers these cases.
no_sanitizer() {
	[ -z "${APITOKEN_SANITIZED:-}" ] ||
	    atf_skip "pam_wrapper and strace do not mix with ASan"
}

setup() {
	no_sanitizer
	[ -f "$MODULE" ] || atf_fail "module not built: $MODULE"
	[ -x "$APITOKEN" ] || atf_fail "apitoken not built: $APITOKEN"
	[ -x "$APITOKEND" ] || atf_fail "apitokend not built: $APITOKEND"
	umask 077
	chmod 0755 .
	mkdir -m 0700 d
	atf_check -s exit:0 -o ignore -e empty "$APITOKEN" \
	    --db "$PWD/d/tokens.db" init -q
	atf_check -s exit:0 -o save:alice.tok -e empty "$APITOKEN" \
	    --db "$PWD/d/tokens.db" create --name alice-ci --user alice -q
	mkdir -m 0700 svc
	cat > drive <<EOF
#!/bin/sh
exec env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \\
    PAM_WRAPPER_SERVICE_DIR="$PWD/svc" "$DRIVE" "\$@"
EOF
	chmod +x drive
}

# refused DB: apitokend will not start on DB, so the module fails closed;
# every command that opens DB refuses it; DB is byte-identical afterwards.
refused() {
	local db="$1" cmd
	cp "$db" before.db || atf_fail "cannot copy $db"
	daemon_refuses "$db" "unsafe ownership or permissions"
	echo "auth required $MODULE socket=$SOCK" > "svc/$SVC"
	atf_check -s exit:1 -o inline:"auth PAM_AUTHINFO_UNAVAIL\n" \
	    -e match:"apitokend \\(.*\\) unavailable" \
	    ./drive "$SVC" alice auth < alice.tok
	atf_check -s exit:1 -o empty -e match:"unsafe store" \
	    "$APITOKEN" --db "$db" verify --user alice < alice.tok
	echo imported-token-of-some-length > imp.tok
	atf_check -s exit:1 -o empty -e match:"unsafe store" \
	    "$APITOKEN" --db "$db" import --name imp --user alice < imp.tok
	for cmd in "create -q --name x --user alice" "regenerate alice-ci -q" \
	    "revoke alice-ci" "delete alice-ci" "list" "show alice-ci" \
	    "export" "prune"; do
		# shellcheck disable=SC2086
		atf_check -s exit:1 -o empty -e match:"unsafe store" \
		    "$APITOKEN" --db "$db" $cmd
	done
	atf_check -s exit:0 cmp before.db "$db"
}

# accepted DB: apitokend serves DB to the module, and the tools take it.
accepted() {
	local db="$1"
	start_daemon "$db"
	echo "auth required $MODULE socket=$SOCK" > "svc/$SVC"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	stop_daemon
	atf_check -s exit:0 -o match:"accepted" -e empty \
	    "$APITOKEN" --db "$db" verify --user alice < alice.tok
	atf_check -s exit:0 -o match:alice-ci -e empty "$APITOKEN" --db "$db" list
}

atf_test_case store__unsafe_modes cleanup
store__unsafe_modes_head() {
	atf_set descr "A store, lock or directory writable by group or others is refused by apitokend (so the module fails closed) and the tools"
}
store__unsafe_modes_body() {
	setup
	db="$PWD/d/tokens.db"
	accepted "$db"
	# row: what to break; how to mend it.
	while IFS=';' read -r brk mend; do
		[ -n "$brk" ] || continue
		echo "row: $brk"
		sh -c "$brk" || atf_fail "cannot set up: $brk"
		refused "$db"
		sh -c "$mend" || atf_fail "cannot undo: $mend"
	done <<'EOF'
chmod 0660 d/tokens.db;		chmod 0600 d/tokens.db
chmod 0606 d/tokens.db;		chmod 0600 d/tokens.db
chmod 0620 d/tokens.db-lock;	chmod 0600 d/tokens.db-lock
chmod 0602 d/tokens.db-lock;	chmod 0600 d/tokens.db-lock
chmod 0770 d;			chmod 0700 d
chmod 0707 d;			chmod 0700 d
chmod 0777 .;			chmod 0755 .
chmod 0775 .;			chmod 0755 .
EOF
	accepted "$db"
}
store__unsafe_modes_cleanup() {
	stop_daemon
}

atf_test_case store__other_owner cleanup
store__other_owner_head() {
	atf_set descr "A store or directory owned by another user is refused"
	atf_set require.user root
}
store__other_owner_body() {
	setup
	db="$PWD/d/tokens.db"
	id "$OTHER" >/dev/null 2>&1 || atf_skip "no user $OTHER"
	chown "$OTHER" d/tokens.db
	refused "$db"
	chown 0 d/tokens.db
	chown "$OTHER" d/tokens.db-lock
	refused "$db"
	chown 0 d/tokens.db-lock
	chown "$OTHER" d
	refused "$db"
	chown 0 d
	# A root-owned sticky directory such as /tmp is fine on the way.
	mkdir -m 1777 sticky
	mv d sticky/
	accepted "$PWD/sticky/d/tokens.db"
	# The same directory owned by someone else is not.
	chown "$OTHER" sticky
	refused "$PWD/sticky/d/tokens.db"
}
store__other_owner_cleanup() {
	stop_daemon
}

atf_test_case store__symlinks cleanup
store__symlinks_head() {
	atf_set descr "A symbolic link as the store or its lock is refused; a linked directory on a safe path is not"
}
store__symlinks_body() {
	setup
	db="$PWD/d/tokens.db"
	ln -s "$db" link.db
	ln -s "$db-lock" link.db-lock
	refused "$PWD/link.db"
	# A relative path through the link, as --db and APITOKEN_DB take it.
	atf_check -s exit:1 -o empty -e match:"is a symbolic link" \
	    "$APITOKEN" --db link.db list
	atf_check -s exit:1 -o empty -e match:"is a symbolic link" \
	    env APITOKEN_DB="$PWD/link.db" "$APITOKEN" list
	# The lock file replaced by a link to a copy.
	mv d/tokens.db-lock lock.real
	ln -s "$PWD/lock.real" d/tokens.db-lock
	refused "$db"
	rm d/tokens.db-lock
	mv lock.real d/tokens.db-lock
	# A linked directory whose target is safe: what the admin asked for.
	ln -s d dlink
	accepted "$PWD/dlink/tokens.db"
	# init never writes through a link.
	ln -s "$PWD/elsewhere.db" new.db
	atf_check -s exit:1 -o empty -e match:"new\.db" \
	    "$APITOKEN" --db "$PWD/new.db" init
	atf_check -s exit:1 test -e elsewhere.db
}
store__symlinks_cleanup() {
	stop_daemon
}

# opens TRACE PATTERN: the open calls on paths matching PATTERN in TRACE,
# one per line, as "flags" (pid, errors and mode dropped).
opens() {
	grep -E "open(at)?\(.*\"[^\"]*$2\"" "$1" | grep -v ENOENT |
	    sed -E 's/^[0-9]+ +//; s/^openat\(AT_FDCWD, //; s/^open\(//'
}

atf_test_case files__nofollow_cloexec cleanup
files__nofollow_cloexec_head() {
	atf_set descr "Every file the tools and apitokend open is opened" \
	    "O_CLOEXEC, and with O_NOFOLLOW where our code opens it; the" \
	    "module opens no store file at all"
	atf_set require.progs strace
}
files__nofollow_cloexec_body() {
	setup
	db="$PWD/d/tokens.db"
	# The daemon under strace from its start (-D: strace is not its
	# parent, so daemon.pid is the daemon's own pid), through a login
	# with last_used and its stop, which writes that last use.
	DAEMON_WRAPPER="strace -D -f -o t0 -e trace=open,openat,fcntl"
	start_daemon "$db"
	DAEMON_WRAPPER=
	echo "auth required $MODULE socket=$SOCK last_used" > "svc/$SVC"
	strace -f -o t1 -e trace=open,openat,fcntl ./drive "$SVC" alice \
	    auth < alice.tok > login.out 2> login.err
	atf_check -o inline:"auth PAM_SUCCESS\n" cat login.out
	pid=$(cat daemon.pid)
	stop_daemon
	# strace writes the daemon's end last.
	i=0
	until grep -Eq "^$pid +\+\+\+ (exited|killed)" t0 2>/dev/null; do
		i=$((i + 1))
		if [ $i -ge 100 ]; then
			tail -n 20 t0 daemon.log
			atf_fail "no end of apitokend $pid in its trace"
		fi
		sleep 0.1
	done
	atf_check -o match:"^$pid +\+\+\+ exited with 0 \+\+\+" grep -E "^$pid +\+\+\+" t0
	# The module asked the daemon: not a file of the store opened in the
	# login program.
	atf_check -s exit:1 -o empty grep -E 'open(at)?\(.*tokens\.db' t1
	strace -f -o t2 -e trace=open,openat,fcntl "$APITOKEN" --db "$db" \
	    verify --user alice < alice.tok > /dev/null 2>&1
	echo imported-token-of-some-length > imp.tok
	strace -f -o t3 -e trace=open,openat,fcntl "$APITOKEN" --db "$db" \
	    import --name imp --user alice < imp.tok > /dev/null 2>&1
	strace -f -o t4 -e trace=open,openat,fcntl "$APITOKEN" --db "$db" \
	    create -q --name c --user alice > /dev/null 2>&1
	strace -f -o t5 -e trace=open,openat,fcntl "$APITOKEN" --db "$PWD/n.db" \
	    init > /dev/null 2>&1
	cat t0 t2 t3 t4 t5 > trace
	opens t0 'tokens\.db(-lock)?' > daemon.opens
	[ -s daemon.opens ] || atf_fail "no open of the store by apitokend traced"
	opens trace 'tokens\.db(-lock)?|n\.db(-lock)?' > store.opens
	[ -s store.opens ] || atf_fail "no open of the store traced"
	cat store.opens
	# Our own opens of the store and lock (O_CREAT|O_EXCL, or the
	# O_NOFOLLOW re-open) carry both flags.
	grep -E 'O_EXCL|O_NOFOLLOW' store.opens > ours || true
	[ -s ours ] || atf_fail "no open by our code traced"
	atf_check -s exit:1 -o empty grep -v 'O_NOFOLLOW.*O_CLOEXEC\|O_CLOEXEC.*O_NOFOLLOW' ours
	# LMDB opens the files itself, by name: after our path check (no
	# link, nobody else can write the directories) and with a check that
	# it opened the file that was checked, that is safe.  But its data
	# file must not leak into a program the caller executes: O_CLOEXEC,
	# or FD_CLOEXEC set on it right after.
	: > leaky
	for t in t0 t2 t3 t4 t5; do
		grep -E 'open(at)?\(.*(tokens|n)\.db(-lock)?"' $t |
		    grep -v 'O_CLOEXEC' | grep -v ENOENT |
		    sed -E 's/^([0-9]+) .*= ([0-9]+)$/\1 \2/' |
		    while read -r pid fd; do
			grep -Eq "^$pid +fcntl\($fd, F_SETFD, FD_CLOEXEC\) += 0" $t ||
			    echo "$t: pid $pid fd $fd" >> leaky
		    done
	done
	if [ -s leaky ]; then
		echo "opened without O_CLOEXEC and never set FD_CLOEXEC:"
		cat leaky
		atf_fail "store files opened without close-on-exec"
	fi
}
files__nofollow_cloexec_cleanup() {
	stop_daemon
}

# blocked PID: wait until PID runs apitoken and sleeps (in its read of
# standard input: the loader never sleeps).
blocked() {
	local i=0
	while :; do
		i=$((i + 1))
		[ $i -lt 100 ] || atf_fail "process $1 never blocked"
		[ -r "/proc/$1/stat" ] || atf_fail "process $1 is gone"
		if [ "$(cat "/proc/$1/comm")" = apitoken ] &&
		    [ "$(cut -d' ' -f3 "/proc/$1/stat")" = S ]; then
			return 0
		fi
		sleep 0.1
	done
}

atf_test_case core__disabled
core__disabled_head() {
	atf_set descr "apitoken holds secrets with core dumps off: RLIMIT_CORE 0 and not dumpable"
	atf_set require.progs strace
}
core__disabled_body() {
	setup
	db="$PWD/d/tokens.db"
	# verify and import wait for the token on a pipe that stays open.
	for cmd in "verify --user alice" "import --name imp --user alice"; do
		mkfifo in
		exec 3<>in
		# shellcheck disable=SC2086
		"$APITOKEN" --db "$db" $cmd < in > out 2>&1 3>&- &
		pid=$!
		blocked $pid
		atf_check -o match:"^Max core file size +0 +0 " \
		    grep '^Max core file size' "/proc/$pid/limits"
		exec 3>&-
		wait $pid || true
		rm in
	done
	# The same as another user: a process that is not dumpable has its
	# /proc/PID/* files owned by root, not by itself.
	if [ "$(id -u)" = 0 ] && id "$OTHER" >/dev/null 2>&1; then
		for cmd in "verify --user alice" "import --name imp --user alice"; do
			mkfifo in
			exec 3<>in
			# shellcheck disable=SC2086
			setpriv --reuid="$OTHER" --regid="$(id -g "$OTHER")" \
			    --clear-groups "$APITOKEN" --db /nonexistent/t.db \
			    $cmd < in > out 2>&1 3>&- &
			pid=$!
			blocked $pid
			atf_check -o inline:"0\n" stat -c %u "/proc/$pid/status"
			atf_check -o inline:"$(id -u "$OTHER")\n" \
			    sh -c "awk '/^Uid:/ { print \$2 }' /proc/$pid/status"
			exec 3>&-
			wait $pid || true
			rm in
		done
	fi
	# create and regenerate print a secret: both calls before any file.
	for cmd in "create -q --name c --user alice" "regenerate alice-ci -q"; do
		# shellcheck disable=SC2086
		atf_check -s exit:0 -o save:tok -e empty strace -o tr \
		    -e trace=prctl,prlimit64,setrlimit,openat \
		    "$APITOKEN" --db "$db" $cmd
		cat tr
		# The line numbers of the two calls and of the first store open.
		core=$(grep -n 'RLIMIT_CORE, {rlim_cur=0, rlim_max=0}.*= 0$' tr |
		    head -1 | cut -d: -f1)
		dump=$(grep -En 'prctl\(PR_SET_DUMPABLE, (0|SUID_DUMP_DISABLE)\) += 0$' tr |
		    head -1 | cut -d: -f1)
		# By its flags, not its path: once the process is not
		# dumpable, strace run by another user than root cannot
		# read its memory, path names included.  The store's lock
		# and data files are the first files opened O_CREAT.
		store=$(grep -n 'O_CREAT' tr | head -1 | cut -d: -f1)
		[ -n "$core" ] || atf_fail "$cmd: RLIMIT_CORE not set to 0"
		[ -n "$dump" ] || atf_fail "$cmd: PR_SET_DUMPABLE not cleared"
		[ -n "$store" ] || atf_fail "$cmd: store never opened"
		[ "$core" -lt "$store" ] && [ "$dump" -lt "$store" ] ||
		    atf_fail "$cmd: core dumps disabled only after the store opened"
	done
}

atf_test_case core__disabled_codec_tools
core__disabled_codec_tools_head() {
	atf_set descr "apitoken-gen and apitoken-decode run with core dumps off too"
	atf_set require.progs strace
}
core__disabled_codec_tools_body() {
	no_sanitizer
	echo aGVsbG8= > in
	for cmd in "$BUILDDIR/tools/apitoken-gen" \
	    "$BUILDDIR/tools/apitoken-decode in"; do
		# shellcheck disable=SC2086
		atf_check -s exit:0 -o ignore -e empty strace -o tr \
		    -e trace=prctl,prlimit64,setrlimit $cmd
		atf_check -o ignore grep 'RLIMIT_CORE, {rlim_cur=0, rlim_max=0}.*= 0$' tr
		atf_check -o ignore grep -E 'prctl\(PR_SET_DUMPABLE, (0|SUID_DUMP_DISABLE)\) += 0$' tr
	done
}

atf_test_case argv__no_secrets
argv__no_secrets_head() {
	atf_set descr "No option or operand takes a secret; a token put in argv is refused and not echoed"
}
argv__no_secrets_body() {
	setup
	db="$PWD/d/tokens.db"
	tok=$(cat alice.tok)
	# verify and import read the token from standard input only.
	atf_check -s exit:2 -o empty -e save:err "$APITOKEN" --db "$db" \
	    verify --user alice "$tok"
	atf_check -s exit:1 grep -F -- "$tok" err
	atf_check -s exit:2 -o empty -e save:err "$APITOKEN" --db "$db" \
	    import --name imp --user alice "$tok"
	atf_check -s exit:1 grep -F -- "$tok" err
	# No long option names a secret (--secret-key names a field of a
	# Kubernetes Secret, --password a length, publish's --key the path
	# of a TLS client key as curl and etcdctl name it; fleet-key is a
	# command that prints a public key).
	grep -ho '{ "[a-z0-9-]*"' "$SRCDIR"/tools/*.c | cut -d'"' -f2 |
	    sort -u > longopts
	grep -q '^db$' longopts || atf_fail "no long options found"
	atf_check -s exit:1 -o empty sh -c \
	    "grep -Ei 'token|secret|pass|key' longopts | grep -Ev '^(secret-key|password|key|fleet-key)$'"
	# The man pages' synopses take no token or secret argument.
	for m in "$SRCDIR"/man/*.[158]; do
		sed -n '/^\.Sh SYNOPSIS/,/^\.Sh /p' "$m"
	done > synopses
	[ -s synopses ] || atf_fail "no SYNOPSIS found"
	atf_check -s exit:1 -o empty grep -Ei '^\.(Ar|Op|Fl).*(Ar|Fl) +(token|secret|password|passphrase)( |$)' synopses
}

atf_init_test_cases() {
	atf_add_test_case store__unsafe_modes
	atf_add_test_case store__other_owner
	atf_add_test_case store__symlinks
	atf_add_test_case files__nofollow_cloexec
	atf_add_test_case core__disabled
	atf_add_test_case core__disabled_codec_tools
	atf_add_test_case argv__no_secrets
}
