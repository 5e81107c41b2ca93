# A fleet on etcd (SPEC section 11, issue 13): an admin store published
# with apitoken publish, host daemons (apitokend --etcd) kept equal to it,
# against a real 3-member etcd cluster on 127.0.0.1 (tests/etcd.subr) that
# each case starts and stops.  Hosts are asked through their sockets with
# tests/daemon_client, as the module asks.

. "$SRCDIR/tests/fleet.subr"

# ---------------------------------------------------------------------------

atf_test_case publish_reaches_hosts cleanup
publish_reaches_hosts_head() {
	atf_set descr "publish, then five hosts get the tokens; revoke," \
	    "regenerate and delete each reach every host; publish is" \
	    "idempotent"
	atf_set timeout 300
}
publish_reaches_hosts_body() {
	etcd_start
	setup_admin
	token a
	token b
	token c
	atf_check -s exit:0 -o empty -e match:"published 3 tokens.*4 written" \
	    ./admin publish --etcd "$ETCD_ENDPOINTS"
	atf_check -s exit:0 -o empty -e match:"already equal" ./admin publish
	hosts_start
	all_equal
	until_all ok a
	until_all ok b
	# Each change reaches every host, through the daemons.
	atf_check -s exit:0 -o empty -e empty ./admin revoke -q a
	until_all refused a
	atf_check -s exit:0 -o save:b2.tok -e ignore ./admin regenerate -q b
	until_all ok b2
	until_all refused b
	atf_check -s exit:0 -o empty -e empty ./admin delete -q c
	until_all refused c
	token d
	until_all ok d
	all_equal
	# What is in etcd: the meta and one key per token, and the hosts'
	# reports.
	etcd_ctl get --prefix --keys-only /apitoken/v1/ | grep . |
	    grep -v '^/apitoken/v1/hosts/h[1-5]$' | sort > keys
	atf_check -o inline:"4\n" grep -c . keys
	atf_check -o match:"^/apitoken/v1/meta$" cat keys
	atf_check -s exit:0 -e match:"3 tokens.*0 written, 0 removed" \
	    ./admin publish
	# prune publishes the removal of what it removed (a, revoked).
	sleep 1.1
	atf_check -s exit:0 -o match:"^pruned a " -e ignore ./admin prune \
	    --older-than PT1S
	all_equal
	atf_check -o inline:"3\n" sh -c "./etcd/etcdctl get --prefix \
	    --keys-only /apitoken/v1/ | grep -v -e '^\$' -e /hosts/ | wc -l"
	atf_check -s exit:0 -e match:"2 tokens.*0 written, 0 removed" \
	    ./admin publish
}
publish_reaches_hosts_cleanup() {
	stop_all
}

atf_test_case member_down cleanup
member_down_head() {
	atf_set descr "one etcd member killed (the endpoint named first):" \
	    "publishing and the hosts go on through the others"
	atf_set timeout 300
}
member_down_body() {
	fleet_up a
	etcd_kill_member 1
	atf_check -s exit:0 -e empty ./admin revoke -q a
	until_all refused a
	token b
	until_all ok b
	etcd_start_member 1
	token c
	until_all ok c
	all_equal
}
member_down_cleanup() {
	stop_all
}

atf_test_case member_stopped cleanup
member_stopped_head() {
	atf_set descr "one etcd member stopped with SIGSTOP (its connections" \
	    "open, nothing answered): a host watching it moves to another" \
	    "member, and a revoke reaches every host"
	atf_set timeout 300
}
member_stopped_body() {
	HOSTS=3
	fleet_up a
	# The member host 1 watches.
	url=$(sed -n 's/.*fleet: watching at \([^ ]*\) from .*/\1/p' h1/log |
	    tail -n 1)
	m=0
	for n in 1 2 3; do
		[ "$(etcd_url $n)" = "$url" ] && m=$n
	done
	[ $m -ne 0 ] || atf_fail "host 1 watches no member: '$url'"
	echo "$m" > stopped
	kill -STOP "$(cat "etcd/m$m.pid")"
	atf_check -s exit:0 -e ignore ./admin revoke a
	WAIT=400
	until_all refused a
	token b
	until_all ok b
	atf_check -o match:"the watch's member answered no read for 10 s" \
	    cat h1/log
	kill -CONT "$(cat "etcd/m$m.pid")"
	rm stopped
}
member_stopped_cleanup() {
	[ -f stopped ] && kill -CONT "$(cat "etcd/m$(cat stopped).pid")" \
	    2>/dev/null
	stop_all
}

atf_test_case cluster_down cleanup
cluster_down_head() {
	atf_set descr "the whole cluster stopped: hosts keep verifying, a" \
	    "write exits 3 naming publish and keeps its change; the cluster" \
	    "back, publish and the hosts catch up with nothing lost"
	atf_set timeout 300
}
cluster_down_body() {
	fleet_up a b
	etcd_stop_member 1 2 3
	# Logins never wait on the network.
	until_all ok a
	until_all ok b
	atf_check -s exit:3 -o save:c.tok \
	    -e match:"create: saved in .* but not published to etcd: .*'apitoken publish' sends it" \
	    ./admin create --name c --user ci -q
	atf_check -o match:"^c " -e match:"the fleet.s last uses not read" \
	    ./admin list
	atf_check -s exit:3 -e match:"revoke: .*apitoken publish" \
	    ./admin revoke b
	atf_check -s exit:1 -e match:"publish: " ./admin publish
	etcd_start_member 1 2 3
	atf_check -s exit:0 -e match:"published 3 tokens" ./admin publish
	until_all ok c
	until_all refused b
	all_equal
	# The cluster stopped again, a write fails, and the next write once
	# it is back publishes everything (the store says one is pending).
	etcd_stop_member 1 2 3
	atf_check -s exit:3 -e ignore ./admin revoke a
	etcd_start_member 1 2 3
	token d
	until_all refused a
	until_all ok d
	all_equal
}
cluster_down_cleanup() {
	stop_all
}

atf_test_case compaction cleanup
compaction_head() {
	atf_set descr "a host down across a compaction reads everything" \
	    "again when it comes back and ends equal to the admin store"
	atf_set timeout 300
}
compaction_body() {
	HOSTS=2
	fleet_up a b
	host_stop 1
	atf_check -s exit:0 -e ignore ./admin revoke a
	atf_check -s exit:0 -e ignore ./admin delete b
	token c
	token d
	etcd_compact
	host_start 1
	until_all ok c
	until_all refused a
	until_all refused b
	all_equal
	atf_check -o match:"revision compacted: reading everything again" \
	    cat h1/log
	# A restart without a compaction resumes from the revision it has.
	host_stop 2
	token e
	host_start 2
	until_all ok e
	atf_check -o match:"holds revision [0-9]+: watching from the next" \
	    cat h2/log
}
compaction_cleanup() {
	stop_all
}

atf_test_case new_key cleanup
new_key_head() {
	atf_set descr "the admin store restored from another store (another" \
	    "key): every host reads everything again, swaps it in whole, and" \
	    "verifies the new tokens, not the old"
	atf_set timeout 300
}
new_key_body() {
	HOSTS=2
	fleet_up a
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" --db "$PWD/o.db" \
	    init
	atf_check -s exit:0 -o save:x.tok -e ignore "$APITOKEN" --db \
	    "$PWD/o.db" create -q --name x --user ci
	"$APITOKEN" --db "$PWD/o.db" export > other.jsonl
	atf_check -s exit:0 -o ignore -e ignore ./admin restore --atomic \
	    < other.jsonl
	until_all ok x
	until_all refused a
	all_equal
	atf_check -o match:"a new key, prefix or store: reading everything" \
	    cat h1/log
}
new_key_cleanup() {
	stop_all
}

# log_all REGEX: every host's log matches the extended REGEX, within the
# wait.
log_all() {
	local n=1 i=0
	while [ $n -le $HOSTS ]; do
		until grep -Eq "$1" "h$n/log"; do
			i=$((i + 1))
			[ $i -lt $WAIT ] || { cat "h$n/log" >&2;
			    atf_fail "host $n did not log: $1"; }
			sleep 0.1
		done
		n=$((n + 1))
	done
}

atf_test_case signed cleanup
signed_head() {
	atf_set descr "with --trust: a forged record (another store's key)," \
	    "a record with its signature stripped, an older signed version" \
	    "replayed after a revoke and a meta swapped for another store's" \
	    "are each refused and logged, and the revoke holds"
	atf_set timeout 300
}
signed_body() {
	HOSTS=2
	etcd_start
	setup_admin
	token a
	token b
	atf_check -s exit:0 -o save:trust.pub -e empty ./admin fleet-key
	atf_check -s exit:0 -o match:"^[A-Za-z0-9+/]{43}=$" cat trust.pub
	atf_check -s exit:0 -o file:trust.pub -e empty ./admin fleet-key
	atf_check -s exit:0 -e ignore ./admin publish --etcd "$ETCD_ENDPOINTS"
	hosts_start --trust "$PWD/trust.pub"
	until_all ok a
	# Another store, with its own signing key, under another prefix.
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" --db "$PWD/o.db" \
	    init
	atf_check -s exit:0 -o save:x.tok -e ignore "$APITOKEN" --db \
	    "$PWD/o.db" create -q --name x --user ci
	atf_check -s exit:0 -e ignore "$APITOKEN" --db "$PWD/o.db" publish \
	    --etcd "$ETCD_ENDPOINTS" --prefix /other/
	ida=$(cut -d_ -f2 a.tok)
	idx=$(cut -d_ -f2 x.tok)
	# Forged: x's signed value put under this prefix.
	./etcd/etcdctl get --print-value-only "/other/tokens/$idx" > x.val
	atf_check -o ignore ./etcd/etcdctl put "/apitoken/v1/tokens/$idx" \
	    "$(cat x.val)"
	log_all "skipped the value of /apitoken/v1/tokens/$idx: the signature does not verify"
	# Stripped: a's own value without its serial and signature.
	./etcd/etcdctl get --print-value-only "/apitoken/v1/tokens/$ida" \
	    > a.val
	sed 's/,"serial":[0-9]*,"sig":"[^"]*"}$/}/' a.val > a.body
	atf_check -s exit:1 cmp -s a.val a.body
	atf_check -o ignore ./etcd/etcdctl put "/apitoken/v1/tokens/$ida" \
	    "$(cat a.body)"
	log_all "skipped the value of /apitoken/v1/tokens/$ida: not signed"
	# Replayed: a revoked, then its older signed version put back.
	atf_check -s exit:0 -e empty ./admin revoke -q a
	until_all refused a
	atf_check -o ignore ./etcd/etcdctl put "/apitoken/v1/tokens/$ida" \
	    "$(cat a.val)"
	log_all "skipped the value of /apitoken/v1/tokens/$ida: serial [0-9]+ is older than [0-9]+, the version applied here: a replay"
	# The meta of the other store.
	./etcd/etcdctl get --print-value-only /other/meta > o.meta
	atf_check -o ignore ./etcd/etcdctl put /apitoken/v1/meta \
	    "$(cat o.meta)"
	log_all "skipped the value of /apitoken/v1/meta: the signature does not verify"
	# Hosts serve on, the revoke holds, x is unknown here, and a change
	# published after all that still arrives.
	token c
	until_all ok c
	until_all refused a
	until_all ok b
	until_all refused x
	# A restart reads everything again after a compaction: the replayed
	# value is still refused, the revoke still holds.
	atf_check -s exit:0 -e ignore ./admin publish
	host_stop 1
	atf_check -o ignore ./etcd/etcdctl put "/apitoken/v1/tokens/$ida" \
	    "$(cat a.val)"
	token d
	etcd_compact
	host_start 1 --trust "$PWD/trust.pub"
	until_all ok d
	until_all refused a
	# Without --trust a host says once whom it trusts.
	HOSTS=3
	host_start 3
	atf_check -o match:"no --trust: applying whatever the writers of /apitoken/v1/ in etcd put there" \
	    cat h3/log
	atf_check -s exit:1 -o ignore -e match:"^apitokend: --trust: " \
	    "$APITOKEND" --db "$PWD/x.db" --socket "$PWD/x.sock" --etcd \
	    "$ETCD_ENDPOINTS" --trust "$PWD/a.tok"
}
signed_cleanup() {
	stop_all
}

# ask_stale N TOKEN SPEC: host N's answer with maxstale (SPEC: SECONDS or
# SECONDS:allow).
ask_stale() {
	"$CLIENT" ask -s "$3" "$PWD/h$1/sock" ci "$2.tok" 2>/dev/null
}

# until_stale WANT N TOKEN SPEC: ask_stale answers WANT, within the wait.
until_stale() {
	local i=0
	until [ "$(ask_stale "$2" "$3" "$4")" = "$1" ]; do
		i=$((i + 1))
		[ $i -lt $((WAIT * 2)) ] ||
		    atf_fail "host $2: not $1 but $(ask_stale "$2" "$3" "$4")"
		sleep 0.1
	done
}

atf_test_case stale cleanup
stale_head() {
	atf_set descr "maxstale=2 s with stale=deny: answered while the host" \
	    "is in step; with the whole cluster stopped, refused as error" \
	    "after 2 s (stale=allow answers, and warns); answered again" \
	    "once the cluster is back"
	atf_set timeout 300
}
stale_body() {
	HOSTS=1
	fleet_up a
	until_stale ok 1 a 2
	etcd_stop_member 1 2 3
	start=$(date +%s)
	until_stale error 1 a 2
	atf_check -s exit:0 test $(($(date +%s) - start)) -ge 1
	atf_check -o match:"stale: last in step with etcd [0-9]+ s ago \(maxstale 2 s\): refused \(stale=deny\)" \
	    cat h1/log
	atf_check -s exit:0 -o inline:"ok\n" "$CLIENT" ask -s 2:allow \
	    "$PWD/h1/sock" ci a.tok
	atf_check -o match:"answered all the same \(stale=allow" cat h1/log
	# No bound asked: answered from the store as it is.
	atf_check -s exit:0 -o inline:"ok\n" "$CLIENT" ask "$PWD/h1/sock" ci \
	    a.tok
	# A bound far away: answered.
	atf_check -s exit:0 -o inline:"ok\n" "$CLIENT" ask -s 3600 \
	    "$PWD/h1/sock" ci a.tok
	etcd_start_member 1 2 3
	until_stale ok 1 a 2
	# A malformed bound is not understood.
	atf_check -s exit:1 -o inline:"malformed request\n" "$CLIENT" ask \
	    -s 0 "$PWD/h1/sock" ci a.tok
}
stale_cleanup() {
	stop_all
}

atf_test_case probe_interval cleanup
probe_interval_head() {
	atf_set descr "--probe-interval 4: with nothing changing, a host is" \
	    "confirmed in step every 4 s only, so maxstale=2 s finds it" \
	    "stale for part of each period, and in step again"
	atf_set timeout 300
}
probe_interval_body() {
	HOSTS=1
	admin_up a
	host_start 1 --probe-interval 4
	until_stale ok 1 a 2
	until_stale error 1 a 2
	until_stale ok 1 a 2
}
probe_interval_cleanup() {
	stop_all
}

atf_test_case status cleanup
status_head() {
	atf_set descr "apitoken status: every host reports its revision;" \
	    "a host that missed a change is behind, and the exit status says" \
	    "so; the reports are not tokens to the hosts or to publish"
	atf_set timeout 300
}
status_body() {
	HOSTS=3
	admin_up a
	hosts_start --report 1
	until_all ok a
	i=0
	until ./admin status > st 2>st.err; do
		i=$((i + 1))
		[ $i -lt $WAIT ] || { cat st st.err >&2; atf_fail "not current"; }
		sleep 0.1
	done
	atf_check -o match:"^HOST +REVISION +STATE" cat st
	for n in 1 2 3; do
		atf_check -o match:"^h$n +[0-9]+ +current +[0-9]+s ago" cat st
	done
	atf_check -o match:"^3 hosts, 0 not current" cat st.err
	host_stop 2
	token b
	for n in 1 3; do
		i=0
		until [ "$(ask $n b)" = ok ]; do
			i=$((i + 1))
			[ $i -lt $WAIT ] || atf_fail "host $n: b not there"
			sleep 0.1
		done
	done
	# Reports come every second.
	sleep 1.5
	atf_check -s exit:1 -o match:"^h2 +[0-9]+ +behind" \
	    -e match:"3 hosts, 1 not current" ./admin status
	atf_check -s exit:1 -o match:'"host":"h2".*"state":"behind"' \
	    -e empty ./admin status -o json
	# Hosts skip nothing on account of the reports, and publish keeps
	# them.
	atf_check -s exit:1 grep -q "skipped" h1/log
	atf_check -s exit:0 -e match:"0 written, 0 removed" ./admin publish
	atf_check -o match:"/apitoken/v1/hosts/h1" ./etcd/etcdctl get \
	    --prefix --keys-only /apitoken/v1/hosts/
}
status_cleanup() {
	stop_all
}

# host_setting N KEY: what host N's store says of a setting.
host_setting() {
	"$APITOKEN" --db "$PWD/h$1/tokens.db" config "$2" 2>/dev/null
}

atf_test_case settings cleanup
settings_head() {
	atf_set descr "the store's settings (apitoken config) travel in the" \
	    "published meta: a watching host and a new one hold them"
	atf_set timeout 300
}
settings_body() {
	HOSTS=1
	fleet_up a
	atf_check -s exit:0 -o empty -e ignore ./admin config max-lifetime \
	    P400D
	i=0
	until [ "$(host_setting 1 max-lifetime)" = P400D ]; do
		i=$((i + 1))
		[ $i -lt $WAIT ] || atf_fail "max-lifetime: $(host_setting 1 \
		    max-lifetime)"
		sleep 0.1
	done
	host_setting 1 default-lifetime > got
	atf_check -o inline:"P90D\n" cat got
	atf_check -s exit:0 -o empty -e ignore ./admin config --unset \
	    max-lifetime
	i=0
	until [ "$(host_setting 1 max-lifetime)" = never ]; do
		i=$((i + 1))
		[ $i -lt $WAIT ] || atf_fail "still $(host_setting 1 \
		    max-lifetime)"
		sleep 0.1
	done
	# A host that reads everything the first time gets them too.
	HOSTS=2
	host_start 2
	until_all ok a
	host_setting 2 default-lifetime > got
	atf_check -o inline:"P90D\n" cat got
	host_setting 2 max-lifetime > got
	atf_check -o inline:"never\n" cat got
	all_equal
}
settings_cleanup() {
	stop_all
}

# gen_export N: an export of N tokens (their verifiers random: none of
# them verifies, and none needs to), on standard output.
gen_export() {
	local key
	key=$(head -c 32 /dev/urandom | base64)
	printf '{"format":"apitoken-export","version":1,"schema":1,'
	printf '"prefix":"atk","key":"%s","count":%d}\n' "$key" "$1"
	head -c $(($1 * 65)) /dev/urandom | od -An -v -tu1 | tr -s ' ' '\n' |
	    grep . | awk -v n="$1" '
	BEGIN { a = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		b = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" }
	{ r[NR % 65] = $1
	  if (NR % 65 != 0) next
	  id = "0"; for (i = 1; i <= 21; i++) id = id substr(a, r[i] % 62 + 1, 1)
	  v = ""; for (i = 22; i <= 63; i++) v = v substr(b, r[i] % 64 + 1, 1)
	  k++
	  printf "{\"id\":\"%s\",\"name\":\"t%d\",\"description\":null,", id, k
	  printf "\"user\":\"ci\",\"role\":\"User\",\"policies\":[],\"from\":[],"
	  printf "\"created\":\"2026-01-01T00:00:00Z\",\"expires\":null,"
	  printf "\"revoked\":null,\"revoke_reason\":null,\"last_used\":null,"
	  printf "\"last_from\":null,\"parent\":null,\"imported\":false,"
	  printf "\"verifier\":\"%sA=\",\"old_verifier\":null,", v
	  printf "\"old_until\":null}\n" }'
}

atf_test_case first_sync_killed cleanup
first_sync_killed_head() {
	atf_set descr "a host kill -9ed during its first sync of thousands" \
	    "of tokens, restarted, ends equal to the admin store"
	atf_set timeout 600
}
first_sync_killed_body() {
	HOSTS=1
	etcd_start
	setup_admin
	gen_export $MANY > many.jsonl
	atf_check -s exit:0 -o ignore -e ignore ./admin restore < many.jsonl
	token a
	atf_check -s exit:0 -e match:"published $((MANY + 1)) tokens" \
	    ./admin publish --etcd "$ETCD_ENDPOINTS"
	host_start 1
	# The first read of $MANY tokens is under way: kill the host in it.
	sleep 0.0$(od -An -N1 -tu1 /dev/urandom | tr -d ' ' | cut -c1)
	host_stop 1 KILL
	host_start 1
	until_all ok a
	until_equal 1
	# What a killed read left is gone: the store and at most the
	# generation before it.
	ls h1 | grep -c '^tokens\.db\.g[0-9]*$' > gens || true
	atf_check -s exit:0 test "$(cat gens)" -le 2
}
first_sync_killed_cleanup() {
	stop_all
}

atf_test_case garbage_value cleanup
garbage_value_head() {
	atf_set descr "a garbage value or key planted under the prefix is" \
	    "skipped and logged; the hosts keep serving; publish puts the" \
	    "prefix right again"
	atf_set timeout 300
}
garbage_value_body() {
	fleet_up a b
	id=$(cut -d_ -f2 a.tok)
	atf_check -o ignore ./etcd/etcdctl put "/apitoken/v1/tokens/$id" 'not JSON'
	atf_check -o ignore ./etcd/etcdctl put /apitoken/v1/tokens/garbage xx
	atf_check -o ignore ./etcd/etcdctl put /apitoken/v1/meta '{"format":1}'
	token c
	until_all ok c
	# Skipped: a still has what it had, b is untouched.
	until_all ok a
	until_all ok b
	n=1
	while [ $n -le $HOSTS ]; do
		atf_check -o match:"skipped the value of /apitoken/v1/tokens/$id: not JSON" \
		    cat "h$n/log"
		atf_check -o match:"skipped the value of /apitoken/v1/tokens/garbage" \
		    cat "h$n/log"
		atf_check -o match:"skipped the value of /apitoken/v1/meta" \
		    cat "h$n/log"
		n=$((n + 1))
	done
	atf_check -s exit:0 -e match:"2 written, 1 removed" ./admin publish
	all_equal
	until_all ok a
}
garbage_value_cleanup() {
	stop_all
}

# used N TOKEN: host N's last use of TOKEN, as its list says.
used() {
	"$APITOKEN" --db "$PWD/h$1/tokens.db" list -o json |
	    jq -r --arg n "$2" 'select(.name == $n) | "\(.last_used) \(.last_from)"'
}

atf_test_case last_used_survives cleanup
last_used_survives_head() {
	atf_set descr "a host's own last_used survives a change of the" \
	    "token, a restart and a full read again after a compaction"
	atf_set timeout 300
}
last_used_survives_body() {
	HOSTS=1
	fleet_up a b
	atf_check -s exit:0 -o inline:"ok\n" "$CLIENT" ask -u "$PWD/h1/sock" \
	    ci a.tok
	i=0
	until used 1 a | grep -q ' fleet.example$'; do
		i=$((i + 1))
		[ $i -lt $WAIT ] || atf_fail "last use not recorded"
		sleep 0.1
	done
	used 1 a > used.want
	# A change of the token itself, through the watch.
	atf_check -s exit:0 -o ignore -e ignore ./admin regenerate -q a \
	    --grace P1D
	atf_check -s exit:0 -e ignore ./admin revoke b
	until_all refused b
	used 1 a > used.got
	atf_check -o file:used.want cat used.got
	# A restart, then a compaction: everything read again.
	host_stop 1
	token c
	token d
	etcd_compact
	host_start 1
	until_all ok d
	atf_check -o match:"revision compacted" cat h1/log
	used 1 a > used.got
	atf_check -o file:used.want cat used.got
	# The admin store's own last use stays its own (--local); the
	# fleet's is read from etcd (fleet_usage_test).
	atf_check -o match:"^null null$" sh -c \
	    "'$APITOKEN' --db '$ADMIN_DB' list --local -o json | jq -r 'select(.name == \"a\") | \"\(.last_used) \(.last_from)\"'"
}
last_used_survives_cleanup() {
	stop_all
}

atf_test_case tls cleanup
tls_head() {
	atf_set descr "https with a CA and a client certificate: publish and" \
	    "a host work with them, and publish without the certificate is" \
	    "refused with one line"
	atf_set timeout 300
}
tls_body() {
	HOSTS=1
	etcd_start tls
	setup_admin
	token a
	atf_check -s exit:1 -e match:"^apitoken: publish: " ./admin publish \
	    --etcd "$ETCD_ENDPOINTS" --cacert "$ETCD_CACERT"
	atf_check -s exit:1 -e match:"publishes nowhere yet" ./admin publish
	atf_check -s exit:0 -e match:"published 1 token" ./admin publish \
	    --etcd "$ETCD_ENDPOINTS" --cacert "$ETCD_CACERT" \
	    --cert "$ETCD_CERT" --key "$ETCD_KEY"
	host_start 1 --cacert "$ETCD_CACERT" --cert "$ETCD_CERT" \
	    --key "$ETCD_KEY"
	until_all ok a
	# The store remembers the files too.
	atf_check -s exit:0 -e empty ./admin revoke -q a
	until_all refused a
}
tls_cleanup() {
	stop_all
}

atf_test_case usage_errors
usage_errors_head() {
	atf_set descr "bad endpoints and prefixes are refused with one line" \
	    "before anything is written"
}
usage_errors_body() {
	setup_admin
	atf_check -s exit:2 -e match:"^apitoken: publish: bad --etcd: " \
	    ./admin publish --etcd ftp://x:1
	atf_check -s exit:2 -e match:"^apitoken: publish: bad --prefix: " \
	    ./admin publish --etcd http://127.0.0.1:1 --prefix nope
	atf_check -s exit:2 -e match:"go with --etcd" ./admin publish \
	    --prefix /a/
	atf_check -s exit:2 -e match:"^apitokend: --etcd: " "$APITOKEND" \
	    --db "$PWD/x.db" --etcd 'http://a:1/v3'
	atf_check -s exit:2 -e match:"^apitokend: --prefix: " "$APITOKEND" \
	    --db "$PWD/x.db" --etcd http://a:1 --prefix x
	atf_check -s exit:2 -e match:"go with --etcd" "$APITOKEND" \
	    --db "$PWD/x.db" --cert /x
	atf_check -s exit:2 -e match:"go with --etcd" "$APITOKEND" \
	    --db "$PWD/x.db" --usage-report 9
	atf_check -s exit:2 -e match:"^apitokend: --probe-interval: seconds, 1 to 3600$" \
	    "$APITOKEND" --db "$PWD/x.db" --etcd http://a:1 --probe-interval 0
	atf_check -s exit:2 -e match:"^apitokend: --usage-report: seconds" \
	    "$APITOKEND" --db "$PWD/x.db" --etcd http://a:1 --usage-report -1
	# A store that never published is not marked by a failed publish.
	atf_check -s exit:1 -e match:"publish: " ./admin publish \
	    --etcd http://127.0.0.1:1
	atf_check -s exit:0 -o ignore -e empty ./admin create --name z \
	    --user ci -q
}

atf_init_test_cases() {
	atf_add_test_case publish_reaches_hosts
	atf_add_test_case member_down
	atf_add_test_case member_stopped
	atf_add_test_case cluster_down
	atf_add_test_case compaction
	atf_add_test_case new_key
	atf_add_test_case signed
	atf_add_test_case stale
	atf_add_test_case probe_interval
	atf_add_test_case status
	atf_add_test_case settings
	atf_add_test_case first_sync_killed
	atf_add_test_case garbage_value
	atf_add_test_case last_used_survives
	atf_add_test_case tls
	atf_add_test_case usage_errors
}
