# The etcd cluster that the fleet's tests run (tests/etcd.subr), tried
# with etcdctl alone: three members on loopback that serve through each
# of them, survive one member's loss, take a member back, compact, and
# under TLS serve only a client with a certificate.  Each case's cleanup
# stops what it started.  Without Debian's etcd-server and etcd-client
# every case skips.

. "$SRCDIR/tests/etcd.subr"

atf_test_case plain__put_get_through_each_member cleanup
plain__put_get_through_each_member_head() {
	atf_set descr "each member takes a write the others then read"
}
plain__put_get_through_each_member_body() {
	local n m
	etcd_start
	echo "$ETCD_ENDPOINTS" | grep -Eq \
	    '^http://127\.0\.0\.1:[0-9]+,http://127\.0\.0\.1:[0-9]+,http://127\.0\.0\.1:[0-9]+$' ||
	    atf_fail "ETCD_ENDPOINTS: $ETCD_ENDPOINTS"
	for n in 1 2 3; do
		[ "$(cat "etcd/m$n.pid")" -gt 0 ] || atf_fail "no pid for m$n"
		atf_check -s exit:0 -o inline:"OK\n" \
		    etcd/etcdctl-m"$n" put "k$n" "from m$n"
	done
	for n in 1 2 3; do
		for m in 1 2 3; do
			atf_check -s exit:0 -o inline:"from m$m\n" \
			    etcd/etcdctl-m"$n" get --print-value-only "k$m"
		done
	done
	# etcdctl 3.4 says so on standard error.
	atf_check -s exit:0 -o empty -e save:health etcd/etcdctl endpoint health
	atf_check -o inline:"3\n" grep -c "^http://127.0.0.1:[0-9]* is healthy" \
	    health
	# The functions, as the scripts.
	[ "$(etcd_ctl get --print-value-only k2)" = "from m2" ] ||
	    atf_fail "etcd_ctl get"
	[ "$(etcd_ctl_member 3 get --print-value-only k1)" = "from m1" ] ||
	    atf_fail "etcd_ctl_member get"
}
plain__put_get_through_each_member_cleanup() {
	etcd_stop
}

atf_test_case member__killed_others_serve_writes cleanup
member__killed_others_serve_writes_head() {
	atf_set descr "with the leader killed, the other two take writes" \
	    "as soon as etcd_kill_member returns"
}
member__killed_others_serve_writes_body() {
	local l a b
	etcd_start
	atf_check -s exit:0 -o inline:"OK\n" etcd/etcdctl put before 1
	l=$(etcd_leader)
	etcd_kill_member "$l"
	[ ! -f "etcd/m$l.pid" ] || atf_fail "m$l's pid file is left"
	a=$((l % 3 + 1))
	b=$((a % 3 + 1))
	[ "$(etcd_leader)" != "$l" ] || atf_fail "m$l still leads"
	# The cluster's endpoints, the dead one among them, and each live one.
	atf_check -s exit:0 -o inline:"OK\n" -e ignore etcd/etcdctl put after 2
	atf_check -s exit:0 -o inline:"OK\n" etcd/etcdctl-m$a put ma 3
	atf_check -s exit:0 -o inline:"OK\n" etcd/etcdctl-m$b put mb 4
	atf_check -s exit:0 -o inline:"2\n1\n3\n4\n" -e ignore \
	    etcd/etcdctl-m$a get --print-value-only --prefix ''
	atf_check -s not-exit:0 -o ignore -e ignore \
	    etcd/etcdctl-m$l --dial-timeout 1s --command-timeout 2s get before
}
member__killed_others_serve_writes_cleanup() {
	etcd_stop
}

atf_test_case member__restarted_rejoins cleanup
member__restarted_rejoins_head() {
	atf_set descr "a stopped member started again catches up on its" \
	    "own data dir and serves what was written while it was down"
}
member__restarted_rejoins_body() {
	local pid
	etcd_start
	pid=$(cat etcd/m2.pid)
	etcd_stop_member 2
	grep -q . /proc/"$pid"/cmdline 2>/dev/null && atf_fail "m2 still runs"
	atf_check -s exit:0 -o inline:"OK\n" -e ignore etcd/etcdctl put while-down x
	etcd_start_member 2
	[ "$(cat etcd/m2.pid)" != "$pid" ] || atf_fail "m2 not restarted"
	# Serializable: m2's own copy, not a read forwarded to the leader.
	atf_check -s exit:0 -o inline:"x\n" etcd/etcdctl-m2 get \
	    --consistency=s --print-value-only while-down
	atf_check -s exit:0 -o inline:"OK\n" etcd/etcdctl-m2 put back y
	atf_check -s exit:0 -o inline:"y\n" etcd/etcdctl-m1 get \
	    --print-value-only back
}
member__restarted_rejoins_cleanup() {
	etcd_stop
}

atf_test_case cluster__stopped_and_restarted cleanup
cluster__stopped_and_restarted_head() {
	atf_set descr "the whole cluster stopped leaves no process and" \
	    "comes back with its data; etcd_stop runs twice harmlessly"
}
cluster__stopped_and_restarted_body() {
	etcd_start
	atf_check -s exit:0 -o inline:"OK\n" etcd/etcdctl put kept 1
	etcd_stop_member 1 2 3
	# (The pattern does not match atf-check's own argument.)
	atf_check -s exit:1 -o empty pgrep -f -- "$PWD/etcd/m[123]"
	atf_check -s not-exit:0 -o ignore -e ignore \
	    etcd/etcdctl --dial-timeout 1s --command-timeout 2s get kept
	etcd_start_member 1 2 3
	atf_check -s exit:0 -o inline:"1\n" etcd/etcdctl get --print-value-only kept
	etcd_stop
	etcd_stop
	atf_check -s exit:1 -o empty pgrep -f -- "$PWD/etcd/m[123]"
}
cluster__stopped_and_restarted_cleanup() {
	etcd_stop
}

atf_test_case compact__old_revision_unreadable cleanup
compact__old_revision_unreadable_head() {
	atf_set descr "after etcd_compact a read at an older revision" \
	    "fails with \"compacted\", the current one still reads"
}
compact__old_revision_unreadable_body() {
	local old now
	etcd_start
	atf_check -s exit:0 -o inline:"OK\n" etcd/etcdctl put k v1
	old=$(etcd_revision)
	atf_check -s exit:0 -o inline:"OK\n" etcd/etcdctl put k v2
	now=$(etcd_revision)
	[ "$now" -eq $((old + 1)) ] || atf_fail "revisions $old, then $now"
	atf_check -s exit:0 -o inline:"v1\n" etcd/etcdctl get --rev "$old" \
	    --print-value-only k
	etcd_compact
	[ "$(etcd_revision)" -eq "$now" ] || atf_fail "compact wrote"
	atf_check -s not-exit:0 -e match:"compacted" etcd/etcdctl get --rev "$old" k
	atf_check -s exit:0 -o inline:"v2\n" etcd/etcdctl get --rev "$now" \
	    --print-value-only k
}
compact__old_revision_unreadable_cleanup() {
	etcd_stop
}

atf_test_case tls__client_certificate_required cleanup
tls__client_certificate_required_head() {
	atf_set descr "etcd_start tls: https endpoints that serve a client" \
	    "with the test CA's certificate and refuse one without"
}
tls__client_certificate_required_body() {
	local f
	etcd_start tls
	echo "$ETCD_ENDPOINTS" | grep -Eq \
	    '^https://127\.0\.0\.1:[0-9]+,https://127\.0\.0\.1:[0-9]+,https://127\.0\.0\.1:[0-9]+$' ||
	    atf_fail "ETCD_ENDPOINTS: $ETCD_ENDPOINTS"
	for f in "$ETCD_CACERT" "$ETCD_CERT" "$ETCD_KEY"; do
		[ -s "$f" ] || atf_fail "no $f"
	done
	[ "$ETCD_CACERT" = "$PWD/etcd/tls/ca.pem" ] ||
	    atf_fail "ETCD_CACERT: $ETCD_CACERT"
	atf_check -s exit:0 -o inline:"OK\n" etcd/etcdctl put secure 1
	atf_check -s exit:0 -o inline:"1\n" etcd/etcdctl-m3 get \
	    --print-value-only secure
	# The CA alone, no client certificate: the handshake fails.
	atf_check -s not-exit:0 -o empty -e ignore env ETCDCTL_API=3 \
	    /usr/bin/etcdctl --endpoints "$ETCD_ENDPOINTS" \
	    --cacert "$ETCD_CACERT" --dial-timeout 1s --command-timeout 2s \
	    get secure
	# Plain http on a TLS port: no answer either.
	atf_check -s not-exit:0 -o empty -e ignore env ETCDCTL_API=3 \
	    /usr/bin/etcdctl --endpoints "$(etcd_url 1 | sed 's/^https/http/')" \
	    --dial-timeout 1s --command-timeout 2s get secure
}
tls__client_certificate_required_cleanup() {
	etcd_stop
}

atf_init_test_cases() {
	atf_add_test_case plain__put_get_through_each_member
	atf_add_test_case member__killed_others_serve_writes
	atf_add_test_case member__restarted_rejoins
	atf_add_test_case cluster__stopped_and_restarted
	atf_add_test_case compact__old_revision_unreadable
	atf_add_test_case tls__client_certificate_required
}
