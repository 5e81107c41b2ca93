# Fleet-wide last use (SPEC section 11, issue 14): every host's apitokend
# --etcd puts its last use of each token under <prefix>usage/<host>/<id>,
# at a bounded rate; apitoken list and show on the admin store show the
# newest across the fleet and the host that saw it.  A real 3-member etcd
# on 127.0.0.1 (tests/etcd.subr), hosts asked through tests/daemon_client.

. "$SRCDIR/tests/fleet.subr"

# use N TOKEN: a login with TOKEN on host N, its last use noted (from the
# remote host fleet.example).
use() {
	atf_check -s exit:0 -o inline:"ok\n" "$CLIENT" ask -u "$PWD/h$1/sock" \
	    ci "$2.tok"
}

# seen: each token of the admin store, its last host and where from.
seen() {
	./admin list -o json 2>/dev/null |
	    jq -r '"\(.name) \(.last_host) \(.last_from)"'
}

# until_seen FILE: the admin store's list says what FILE says, in the wait.
until_seen() {
	local i=0
	until seen > seen.got && cmp -s "$1" seen.got; do
		i=$((i + 1))
		if [ $i -ge $WAIT ]; then
			diff "$1" seen.got >&2
			atf_fail "the fleet's last uses did not show"
		fi
		sleep 0.1
	done
}

# within_wait WHAT CMD...: CMD succeeds within the wait, else fail: WHAT.
within_wait() {
	local what=$1 i=0
	shift
	until "$@"; do
		i=$((i + 1))
		[ $i -lt $WAIT ] || atf_fail "$what"
		sleep 0.1
	done
}

# has_keys PREFIX [PATTERN]: etcd holds a key under PREFIX (that matches).
has_keys() {
	./etcd/etcdctl get --keys-only --prefix "$1" | grep -q "${2:-.}"
}
no_keys() {
	! has_keys "$@"
}

# ---------------------------------------------------------------------------

atf_test_case three_hosts cleanup
three_hosts_head() {
	atf_set descr "uses on three hosts show up on the admin side, the" \
	    "newest of each token with the host that saw it"
	atf_set timeout 300
}
three_hosts_body() {
	HOSTS=3
	admin_up a b c d
	hosts_start --usage-report 1
	until_all ok a
	use 1 a
	use 2 b
	use 3 c
	# A later use of a, on another host, in a later second.
	sleep 1.1
	use 3 a
	cat > want <<'EOT'
a h3 fleet.example
b h2 fleet.example
c h3 fleet.example
d null null
EOT
	until_seen want
	atf_check -o inline:"h2\n" -e empty sh -c \
	    "./admin show -o json b | jq -r .last_host"
	atf_check -o match:"^Last used: .* from fleet.example on host h2$" \
	    -e empty ./admin show b
	atf_check -o match:"^a .* ago on h3" -e empty ./admin list
	# --local: the admin store's own, and it has seen none.
	atf_check -o inline:"null null\nnull null\nnull null\nnull null\n" \
	    -e empty sh -c "./admin list --local -o json |
	    jq -r '\"\(.last_host) \(.last_used)\"'"
	atf_check -o inline:"null\n" -e empty sh -c \
	    "./admin show --local -o json b | jq -r .last_host"
	# Each host wrote under its own name.
	atf_check -o inline:"2\n" sh -c "./etcd/etcdctl get --keys-only \
	    --prefix /apitoken/v1/usage/h3/ | grep -c ."
	# A token deleted: each host that saw it deletes its key.
	idb=$(cut -d_ -f2 b.tok)
	atf_check -s exit:0 -e ignore ./admin delete -q b
	within_wait "the last use of b is still in etcd" \
	    no_keys /apitoken/v1/usage/ "/$idb\$"
	atf_check -o match:"/apitoken/v1/usage/h3/" ./etcd/etcdctl get \
	    --keys-only --prefix /apitoken/v1/usage/
}
three_hosts_cleanup() {
	stop_all
}

atf_test_case bounded cleanup
bounded_head() {
	atf_set descr "a burst of logins is one write a period per host," \
	    "not one a login; the last uses of a stopping host are written"
	atf_set timeout 300
}
bounded_body() {
	HOSTS=1
	admin_up a b
	host_start 1 --usage-report 3 --report 0
	until_all ok a
	ida=$(cut -d_ -f2 a.tok)
	n=0
	while [ $n -lt 40 ]; do
		use 1 a
		n=$((n + 1))
	done
	printf 'a h1 fleet.example\nb null null\n' > want
	until_seen want
	# Past another period: the 40 uses made at most 2 writes of the key.
	sleep 3.5
	./etcd/etcdctl get -w json "/apitoken/v1/usage/h1/$ida" > kv.json
	v=$(jq -r '.kvs[0].version' kv.json)
	[ "$v" -ge 1 ] && [ "$v" -le 2 ] ||
	    atf_fail "40 uses wrote the key $v times, not 1 or 2"
	# A use just before a stop is written on the way out, well before
	# the next period.
	host_stop 1
	host_start 1 --usage-report 600 --report 0
	use 1 b
	host_stop 1
	printf 'a h1 fleet.example\nb h1 fleet.example\n' > want
	seen > seen.got
	atf_check -o file:want cat seen.got
}
bounded_cleanup() {
	stop_all
}

atf_test_case garbage cleanup
garbage_head() {
	atf_set descr "what a host (or anyone) writes under usage/ is read" \
	    "as data: bad keys and values and uses in the future skipped" \
	    "and counted, control characters escaped"
	atf_set timeout 300
}
garbage_body() {
	HOSTS=1
	admin_up a b c
	ida=$(cut -d_ -f2 a.tok)
	idb=$(cut -d_ -f2 b.tok)
	idc=$(cut -d_ -f2 c.tok)
	esc=$(printf '\033')
	# A remote host name with an ESC and a CR in it, as JSON spells them.
	put() {
		./etcd/etcdctl put "$1" "$2" >/dev/null || atf_fail "put $1"
	}
	put "/apitoken/v1/usage/h9/$ida" \
	    '{"last_used":"2026-01-02T03:04:05Z","last_from":"\u001b[31mevil\r"}'
	put "/apitoken/v1/usage/h9/notanid" '{"last_used":"2026-01-02T03:04:05Z","last_from":"x"}'
	put "/apitoken/v1/usage/bad!host/$idb" '{"last_used":"2026-01-02T03:04:05Z","last_from":"x"}'
	put "/apitoken/v1/usage/h9/$idb" 'not JSON'
	put "/apitoken/v1/usage/h8/$idb" '{"last_used":"yesterday","last_from":"x"}'
	put "/apitoken/v1/usage/h9/$idc" '{"last_used":"2099-01-01T00:00:00Z","last_from":"x"}'
	atf_check -s exit:0 -o save:out -e save:err ./admin list
	atf_check -o match:"^apitoken: list: 5 values under /apitoken/v1/usage/ not a host's last use" \
	    cat err
	atf_check -o match:"^a .* on h9" cat out
	atf_check -s exit:0 -o save:show -e ignore ./admin show a
	atf_check -o match:'from \\x1b\[31mevil\\r on host h9$' cat show
	if grep -q "$esc" out show; then
		atf_fail "a raw ESC reached the terminal"
	fi
	atf_check -o inline:'h9 \\x1b[31mevil\\r\n' -e ignore sh -c \
	    "./admin list -o json |
	    jq -r 'select(.name == \"a\") | \"\\(.last_host) \\(.last_from)\"'"
	atf_check -o inline:"null\nnull\n" -e ignore sh -c "./admin list -o json |
	    jq -r 'select(.name != \"a\") | .last_host'"
}
garbage_cleanup() {
	stop_all
}

atf_test_case rhost_bytes cleanup
rhost_bytes_head() {
	atf_set descr "a remote host that is not UTF-8 (PAM_RHOST is the" \
	    "application's word) neither blocks the batch it is in nor" \
	    "makes the host's export fail"
	atf_set timeout 300
}
rhost_bytes_body() {
	HOSTS=1
	admin_up a b
	host_start 1 --usage-report 1
	until_all ok a
	atf_check -s exit:0 -o inline:"ok\n" "$CLIENT" ask \
	    -r "$(printf 'x\377\033y')" "$PWD/h1/sock" ci a.tok
	use 1 b
	printf 'a h1 x\\\\xff\\\\x1by\nb h1 fleet.example\n' > want
	until_seen want
	# The host's own store holds the bytes; its export escapes them.
	atf_check -s exit:0 -o match:'"last_from":"x\\\\xff\\\\x1by"' \
	    "$APITOKEN" --db "$PWD/h1/tokens.db" export
}
rhost_bytes_cleanup() {
	stop_all
}

atf_test_case deleted_while_away cleanup
deleted_while_away_head() {
	atf_set descr "a token deleted while its host was down, past a" \
	    "compaction: the host reads everything again and deletes its" \
	    "usage/ key of it"
	atf_set timeout 300
}
deleted_while_away_body() {
	HOSTS=1
	admin_up a b
	host_start 1 --usage-report 1
	until_all ok b
	use 1 b
	idb=$(cut -d_ -f2 b.tok)
	within_wait "the last use of b not written" \
	    has_keys "/apitoken/v1/usage/h1/$idb"
	host_stop 1
	atf_check -s exit:0 -e ignore ./admin delete -q b
	etcd_compact
	host_start 1 --usage-report 1
	until_all refused b
	within_wait "the last use of b is still in etcd" \
	    no_keys "/apitoken/v1/usage/h1/$idb"
	atf_check -o match:"revision compacted" cat h1/log
}
deleted_while_away_cleanup() {
	stop_all
}

# status_has PATTERN: apitoken status prints a line matching PATTERN.
status_has() {
	./admin status 2>/dev/null | grep -q "$1"
}

atf_test_case forget cleanup
forget_head() {
	atf_set descr "status --forget: a host gone for good loses its" \
	    "report and its last uses; status counts it no more"
	atf_set timeout 300
}
forget_body() {
	HOSTS=2
	admin_up a
	hosts_start --report 1 --usage-report 1
	until_all ok a
	use 1 a
	use 2 a
	within_wait "status: h2 not current" status_has "^h2 .*current"
	within_wait "h2's last use not written" has_keys /apitoken/v1/usage/h2/
	# h2 goes away and misses a change: status is 1 for it.
	host_stop 2
	token b
	HOSTS=1
	until_all ok b
	within_wait "status: h1 not current" status_has "^h1 .*current"
	atf_check -s exit:1 -o match:"^h2 .*behind" -e ignore ./admin status
	atf_check -s exit:0 -o empty \
	    -e inline:"forgot host h2: its report and its last uses\n" \
	    ./admin status --forget h2
	atf_check -s exit:0 -o not-match:"^h2 " -o match:"^h1 .*current" \
	    -e match:"^1 host, 0 not current" ./admin status
	atf_check -o empty ./etcd/etcdctl get --keys-only --prefix \
	    /apitoken/v1/usage/h2/
	atf_check -o not-empty ./etcd/etcdctl get --keys-only --prefix \
	    /apitoken/v1/usage/h1/
	# A name that is none, or none at all: refused.
	atf_check -s exit:2 -e match:"not a host name" ./admin status \
	    --forget 'bad!name'
	atf_check -s exit:2 -e match:"usage: " ./admin status --forget
}
forget_cleanup() {
	stop_all
}

atf_test_case cluster_down cleanup
cluster_down_head() {
	atf_set descr "etcd out of reach: list and show say so in one line" \
	    "and show the store's own; a host's uses meanwhile are written" \
	    "once etcd is back"
	atf_set timeout 300
}
cluster_down_body() {
	HOSTS=1
	admin_up a b
	host_start 1 --usage-report 1
	until_all ok a
	etcd_stop_member 1 2 3
	use 1 a
	atf_check -s exit:0 -o match:"^a " \
	    -e match:"^apitoken: list: the fleet's last uses not read: .* \(this store's own are shown\)$" \
	    ./admin list
	atf_check -s exit:0 -o match:"^Name: +b$" \
	    -e match:"^apitoken: show: the fleet's last uses not read: " ./admin show b
	etcd_start_member 1 2 3
	printf 'a h1 fleet.example\nb null null\n' > want
	until_seen want
}
cluster_down_cleanup() {
	stop_all
}

atf_init_test_cases() {
	atf_add_test_case three_hosts
	atf_add_test_case bounded
	atf_add_test_case garbage
	atf_add_test_case rhost_bytes
	atf_add_test_case forget
	atf_add_test_case deleted_while_away
	atf_add_test_case cluster_down
}
