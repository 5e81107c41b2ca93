# restore --atomic (issue 6 item 4): the whole store swapped in one rename
# of a link to a new generation file, so that a login during the swap sees
# the old store or the new one, never a mix, never an error.  Logins go
# through the module to an apitokend on the store (tests/daemon.subr),
# which opens the store again when a swap replaced it.

APITOKEN="$BUILDDIR/tools/apitoken"
VERIFIERS=4
# Tenths of a second to wait for apitokend's batched last_used write.
USE_WAIT=50
SWAPS=50
KILLS=20

# A random number 0..255 (dash has no $RANDOM).
rand()
{
	od -An -N1 -tu1 /dev/urandom | tr -d ' '
}

# Two exports of one store (one key, so a token in both has the same
# verifier): A = c1 c2 a1 r1, B = c1 c2 b1 and r1 revoked.
make_exports()
{
	APITOKEN_DB="$PWD/src.db"
	export APITOKEN_DB
	atf_check -s exit:0 "$APITOKEN" init -q
	for t in c1 c2 a1 r1; do
		atf_check -s exit:0 -o save:$t.tok "$APITOKEN" create -q \
		    --name $t --user ci
	done
	umask 077	# export refuses a file others may read
	atf_check -s exit:0 -o save:A.json "$APITOKEN" export
	atf_check -s exit:0 "$APITOKEN" delete -q a1
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" revoke r1
	atf_check -s exit:0 -o save:b1.tok "$APITOKEN" create -q --name b1 \
	    --user ci
	atf_check -s exit:0 -o save:B.json "$APITOKEN" export
	APITOKEN_DB="$PWD/tokens.db"
	export APITOKEN_DB
}

# An export without its header's time: what two exports of one content
# have in common.
content()
{
	"$APITOKEN" export | sed 's/"exported":"[^"]*",//'
}

# ./drive SERVICE USER STEPS...: pam_apitoken.so through the real libpam
# (pam_wrapper and tests/pam_drive, as tests/pam_test does), asking an
# apitokend on ./tokens.db (started here), last_used recorded.
make_drive()
{
	module="$BUILDDIR/pam_apitoken/.libs/pam_apitoken.so"
	. "$SRCDIR/tests/daemon.subr"
	start_daemon "$PWD/tokens.db"
	mkdir svc
	printf '%s\n' "auth required $module socket=$SOCK last_used" \
	    "account required $module socket=$SOCK" >svc/atktest
	printf '#!/bin/sh\nexec env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="%s" "%s" "$@"\n' \
	    "$PWD/svc" "$BUILDDIR/tests/pam_drive" >drive
	chmod +x drive
}

# c1's last use in the store: "null" until one is written.
c1_used()
{
	"$APITOKEN" list -o json | jq -r 'select(.name == "c1") | .last_used'
}

# The cleanup of the cases that log in: their daemon, by its pid.
daemon_cleanup()
{
	. "$SRCDIR/tests/daemon.subr"
	stop_daemon
}

atf_test_case swap_during_verify cleanup
swap_during_verify_head()
{
	atf_set "descr" "4 verifiers and logins through the module (writing last_used) loop while restore --atomic swaps A and B 50 times: every answer is A's or B's, zero errors"
	atf_set "require.progs" "jq"
	atf_set "timeout" "120"
}
swap_during_verify_body()
{
	make_exports
	atf_check -s exit:0 "$APITOKEN" restore -q --atomic <A.json
	# Logins through the module, each a verify and a last_used write,
	# unless ASan is in (pam_wrapper's preload does not mix with it).
	# The jobs to wait for, by pid: apitokend is a job of this shell too.
	pids=
	if [ -z "${APITOKEN_SANITIZED:-}" ]; then
		make_drive
		(
			n=0 bad=0
			while [ ! -f done ]; do
				./drive atktest ci auth <c1.tok >login.out 2>&1
				grep -qx "auth PAM_SUCCESS" login.out || {
					bad=$((bad + 1))
					cat login.out >&2
				}
				n=$((n + 1))
			done
			echo $n $bad >logins.count
		) 2>logins.err &
		pids=$!
	fi
	# The restorer: A and B in turn; done tells the verifiers to stop.
	(
		n=1
		while [ $n -le $SWAPS ]; do
			if [ $((n % 2)) = 1 ]; then f=B.json; else f=A.json; fi
			"$APITOKEN" restore -q --atomic <$f || exit 1
			n=$((n + 1))
		done
		echo $f >last
		touch done
	) 2>restorer.err &
	restorer=$!
	i=1
	while [ $i -le $VERIFIERS ]; do
		"$BUILDDIR/tests/swap_verify" "$PWD/tokens.db" done c1.tok:a \
		    c2.tok:a a1.tok:au b1.tok:au r1.tok:ar >verifier$i.count \
		    2>verifier$i.err &
		pids="$pids $!"
		i=$((i + 1))
	done
	wait $restorer || atf_fail "the restorer failed: $(cat restorer.err)"
	# shellcheck disable=SC2086
	wait $pids
	atf_check -o empty cat restorer.err
	total=0
	i=1
	while [ $i -le $VERIFIERS ]; do
		read ok bad <verifier$i.count
		[ "$bad" = 0 ] || atf_fail "verifier $i: $bad errors: $(head -5 verifier$i.err)"
		atf_check -o empty cat verifier$i.err
		total=$((total + ok))
		i=$((i + 1))
	done
	echo "$total verifications during $SWAPS swaps, 0 errors"
	[ $total -ge 1000 ] || atf_fail "only $total verifications"
	if [ -f logins.count ]; then
		read n bad <logins.count
		[ "$bad" = 0 ] || atf_fail "$bad of $n logins failed: $(head -5 logins.err)"
		echo "$n logins through the module during the swaps, 0 errors"
		# The last login was recorded, before the last swap or after:
		# apitokend writes what is pending when it stops.
		stop_daemon
		atf_check -s exit:0 -o not-inline:"null\n" -x \
		    "\"$APITOKEN\" list -o json | jq -r 'select(.name == \"c1\") | .last_used'"
	fi
	# The store is the last export, this host's last use aside, and
	# only two generations are left.
	"$APITOKEN" export | jq -c 'del(.exported, .last_used, .last_from)' \
	    >now.json || atf_fail "cannot export"
	jq -c 'del(.exported, .last_used, .last_from)' "$(cat last)" >want.json
	atf_check -o empty diff want.json now.json
	atf_check -o inline:"2\n" -x 'ls | grep -c "^tokens\.db\.g[0-9]*$"'
	atf_check -o inline:"2\n" -x 'ls | grep -c "^tokens\.db\.g[0-9]*-lock$"'
}

swap_during_verify_cleanup()
{
	daemon_cleanup
}

atf_test_case missing_and_plain
missing_and_plain_head()
{
	atf_set "descr" "restore --atomic makes a missing store, converts a plain one, keeps this host's last use"
}
missing_and_plain_body()
{
	make_exports
	# Missing: made, as a link to generation 1.
	atf_check -s exit:0 "$APITOKEN" restore -q --atomic <A.json
	atf_check -o inline:"tokens.db.g1\n" readlink tokens.db
	atf_check -s exit:0 -o match:accepted "$APITOKEN" verify --user ci \
	    <a1.tok
	# Plain: a store from init becomes a link, its lock goes.
	rm tokens.db*
	atf_check -s exit:0 "$APITOKEN" init -q
	atf_check -s exit:0 "$APITOKEN" restore -q --atomic <B.json
	atf_check -o inline:"tokens.db.g1\n" readlink tokens.db
	atf_check -s exit:1 test -e tokens.db-lock
	atf_check -s exit:0 -o match:accepted "$APITOKEN" verify --user ci \
	    <b1.tok
	# Writers follow the link; the safe-path rules hold for the target.
	atf_check -s exit:0 -o save:new.tok "$APITOKEN" create -q \
	    --name new --user ci
	atf_check -s exit:0 -o match:accepted "$APITOKEN" verify --user ci \
	    <new.tok
	atf_check -s exit:0 -o ignore "$APITOKEN" list
	# LMDB's own tool, on the file the link names.
	atf_check -s exit:0 -o match:"Status of tokens" \
	    mdb_stat -n -a "$(readlink -f tokens.db)"
	# Non-atomic restore writes into the current generation.
	atf_check -s exit:0 "$APITOKEN" restore -q <A.json
	atf_check -o inline:"tokens.db.g1\n" readlink tokens.db
	atf_check -s exit:1 -e match:"unknown token" "$APITOKEN" verify \
	    --user ci <new.tok
}

atf_test_case last_used
last_used_head()
{
	atf_set "descr" "this host's last use of a token survives restore --atomic"
	atf_set "require.progs" "jq"
}
last_used_body()
{
	make_exports
	atf_check -s exit:0 "$APITOKEN" restore -q --atomic <A.json
	# A use recorded on this host, as the module's last_used does: a
	# non-atomic restore of an export that carries it.
	jq -c 'if .name == "c1" then .last_used = "2026-01-02T03:04:05Z" |
	    .last_from = "10.0.0.9" else . end' A.json >used.json
	atf_check -s exit:0 "$APITOKEN" restore -q <used.json
	atf_check -s exit:0 -o inline:"2026-01-02T03:04:05Z\n" -x \
	    "\"$APITOKEN\" list -o json | jq -r 'select(.name == \"c1\") | .last_used'"
	atf_check -s exit:0 "$APITOKEN" restore -q --atomic <B.json
	atf_check -s exit:0 -o inline:"2026-01-02T03:04:05Z\n" -x \
	    "\"$APITOKEN\" list -o json | jq -r 'select(.name == \"c1\") | .last_used'"
}

atf_test_case refused
refused_head()
{
	atf_set "descr" "a foreign link is refused; bad input leaves the generation untouched"
}
refused_body()
{
	make_exports
	atf_check -s exit:0 "$APITOKEN" restore -q --atomic <A.json
	content >before.json || atf_fail "cannot export"
	ls tokens.db* >before.ls
	# Bad input: one line, nothing changed, no generation left behind.
	head -c 100 B.json >cut.json
	atf_check -s exit:1 -e match:"^apitoken: restore: line 1: " \
	    "$APITOKEN" restore --atomic <cut.json
	sed '3s/.*/{"id":1}/' B.json >bad.json
	atf_check -s exit:1 -e match:"^apitoken: restore: line 3: " \
	    "$APITOKEN" restore --atomic <bad.json
	head -n 2 B.json >short.json
	atf_check -s exit:1 -e match:"truncated" \
	    "$APITOKEN" restore --atomic <short.json
	content >after.json || atf_fail "cannot export"
	atf_check -o file:before.json cat after.json
	ls tokens.db* >after.ls
	atf_check -o empty diff before.ls after.ls
	# A link restore did not make: to a generation-like name elsewhere,
	# to another name, by another owner.
	mkdir other
	atf_check -s exit:0 "$APITOKEN" --db other/x.db init -q
	ln -s "$PWD/other/x.db" other.db
	atf_check -s exit:1 -e match:"is a symbolic link" \
	    "$APITOKEN" --db other.db restore --atomic <A.json
	atf_check -s exit:1 -e match:"is a symbolic link" \
	    "$APITOKEN" --db other.db list
	ln -s tokens.db.g1 alias.db
	atf_check -s exit:1 -e match:"is a symbolic link" \
	    "$APITOKEN" --db alias.db list
	cp -p "$(readlink tokens.db)" theirs.db.g7
	ln -s theirs.db.g7 theirs.db
	if [ "$(id -u)" = 0 ]; then
		chown -h nobody theirs.db
		atf_check -s exit:1 -e match:"is a symbolic link" \
		    "$APITOKEN" --db theirs.db list
	fi
	# A link to a generation that is a link itself.
	ln -s "$PWD/other/x.db" chain.db.g1
	ln -s chain.db.g1 chain.db
	atf_check -s exit:1 -e match:"is a symbolic link" \
	    "$APITOKEN" --db chain.db list
}

atf_test_case killed
killed_head()
{
	atf_set "descr" "restore --atomic killed 20 times at random moments: the store is A or B, whole, and the next restore cleans up"
	atf_set "require.progs" "mdb_stat"
	atf_set "timeout" "120"
}
killed_body()
{
	make_exports
	atf_check -s exit:0 "$APITOKEN" restore -q --atomic <A.json
	n=1 swapped=0 now=A.json
	while [ $n -le $KILLS ]; do
		# The other export than the store holds.
		if [ $now = A.json ]; then f=B.json; else f=A.json; fi
		"$APITOKEN" restore --atomic <$f 2>/dev/null &
		pid=$!
		# Now, or after up to 29 ms (sleep itself takes 2): a restore
		# takes about 20, so some die early, some late, some finish.
		r=$(($(rand) % 30))
		[ $r -ge 1 ] && sleep "$(printf '0.%03d' $r)"
		kill -9 $pid 2>/dev/null
		wait $pid
		# Old or new, whole: the tokens in both verify, and c1 has
		# the same view as the rest of the store.
		for t in c1 c2; do
			atf_check -s exit:0 -o match:accepted \
			    "$APITOKEN" verify --user ci <$t.tok
		done
		content >now.json || atf_fail "cannot export"
		if grep -q '"name":"b1"' now.json; then
			atf_check -s exit:0 -o match:'"revoked":"' \
			    grep '"name":"r1"' now.json
			atf_check -s exit:1 grep -q '"name":"a1"' now.json
			now=B.json
		else
			atf_check -s exit:0 grep -q '"name":"a1"' now.json
			now=A.json
		fi
		[ $now = $f ] && swapped=$((swapped + 1))
		atf_check -s exit:0 -o match:"Status of tokens" \
		    mdb_stat -n -a "$(readlink -f tokens.db)"
		n=$((n + 1))
	done
	echo "$swapped of $KILLS killed restores had swapped the store"
	# The next restore leaves the new generation and the one before.
	atf_check -s exit:0 "$APITOKEN" restore -q --atomic <B.json
	atf_check -s exit:0 -o match:accepted "$APITOKEN" verify --user ci \
	    <b1.tok
	atf_check -o inline:"2\n" -x 'ls | grep -c "^tokens\.db\.g[0-9]*$"'
	atf_check -o inline:"2\n" -x 'ls | grep -c "^tokens\.db\.g[0-9]*-lock$"'
	atf_check -o inline:"0\n" -x 'ls | grep -c -- "-link$" || true'
}

atf_test_case module_login cleanup
module_login_head()
{
	atf_set "descr" "pam_apitoken.so logs in against a generation store and records last_used in it"
	atf_set "require.progs" "jq"
}
module_login_body()
{
	[ -z "${APITOKEN_SANITIZED:-}" ] ||
	    atf_skip "pam_wrapper's LD_PRELOAD does not mix with ASan"
	make_exports
	atf_check -s exit:0 "$APITOKEN" restore -q --atomic <A.json
	atf_check -s exit:0 "$APITOKEN" restore -q --atomic <B.json
	atf_check -o inline:"tokens.db.g2\n" readlink tokens.db
	make_drive
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\nacct PAM_SUCCESS\n" \
	    -e ignore ./drive atktest ci auth acct <c1.tok
	atf_check -s not-exit:0 -o match:"auth PAM_AUTH_ERR" -e ignore \
	    ./drive atktest ci auth <a1.tok
	# The use went into the current generation (apitokend writes it
	# within a second), and a swap keeps it.
	i=0
	until c1_used >used && ! grep -qx null used; do
		i=$((i + 1))
		[ $i -lt $USE_WAIT ] || atf_fail "c1's use not in the store after 5 s"
		sleep 0.1
	done
	atf_check -s exit:0 "$APITOKEN" restore -q --atomic <A.json
	atf_check -s exit:0 -o file:used -x \
	    "\"$APITOKEN\" list -o json | jq -r 'select(.name == \"c1\") | .last_used'"
	# The daemon logs in against the store swapped in.
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive atktest ci auth <a1.tok
}
module_login_cleanup()
{
	daemon_cleanup
}

atf_init_test_cases()
{
	atf_add_test_case swap_during_verify
	atf_add_test_case missing_and_plain
	atf_add_test_case last_used
	atf_add_test_case refused
	atf_add_test_case killed
	atf_add_test_case module_login
}
