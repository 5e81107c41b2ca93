# Leak response (issue 15): apitoken scan, apitoken revoke --leaked, and the
# secret-scanner rules in contrib/.

APITOKEN="$BUILDDIR/tools/apitoken"
BASE62=0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz

# A fresh store in the work directory, named by APITOKEN_DB.
store()
{
	APITOKEN_DB="$PWD/tokens.db"
	export APITOKEN_DB
	atf_check -s exit:0 -o empty -e ignore "$APITOKEN" init
}

# mk NAME [create options]: a token, its text saved in NAME.tok.
mk()
{
	local name="$1"
	shift
	atf_check -s exit:0 -o save:"$name.tok" -e empty \
	    "$APITOKEN" create -q --name "$name" "$@"
}

# mkimp: an imported token named imp, its text in imp.tok.
mkimp()
{
	echo an-imported-token-of-some-length >imp.tok
	atf_check -s exit:0 -o empty -e ignore "$APITOKEN" import --name imp \
	    <imp.tok
}

tid()
{
	cut -d_ -f2 <"$1"
}

# The secret of a token and its checksum: what must never be printed.
secret()
{
	cut -d_ -f3 <"$1"
}

# never_shown FILE TOKENFILE...: FILE holds no token's secret.
never_shown()
{
	local f="$1" t
	shift
	for t in "$@"; do
		if grep -q -F -e "$(secret "$t")" "$f"; then
			atf_fail "the secret of $t is in $f"
		fi
	done
}

# status NAME: "revoked REASON" or "active", from show -o json.
status()
{
	"$APITOKEN" show "$1" -o json |
	    jq -r 'if .revoked then "revoked \(.revoke_reason)" else "active" end'
}

# status_is NAME WANT: token NAME's status is WANT.
status_is()
{
	local got
	got=$(status "$1")
	[ "$got" = "$2" ] || atf_fail "$1: $got, want $2"
}

atf_test_case scan_finds
scan_finds_head()
{
	atf_set "descr" "scan prints FILE:LINE: ID known|unknown|revoked for files, stdin and -r trees; exit 1 found, 0 none, 2 error"
}
scan_finds_body()
{
	store
	mk a
	mk b
	mk gone
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" revoke -q gone
	# A token of the same prefix from another store: unknown here.
	atf_check -s exit:0 -o empty -e ignore "$APITOKEN" --db other.db init
	atf_check -s exit:0 -o save:other.tok -e empty "$APITOKEN" \
	    --db other.db create -q --name x
	# And one of another prefix: not this store's, not reported.
	atf_check -s exit:0 -o empty -e ignore "$APITOKEN" --db zzz.db init \
	    --prefix zzz
	atf_check -s exit:0 -o save:zzz.tok -e empty "$APITOKEN" \
	    --db zzz.db create -q --name z
	{
		echo "line 1: nothing"
		echo "export TOKEN=$(cat a.tok)"
		echo
		echo "curl -H 'Authorization: Bearer $(cat b.tok)' $(cat gone.tok)"
		echo "{\"token\":\"$(cat other.tok)\",\"z\":\"$(cat zzz.tok)\"}"
		printf '%s' "$(cat a.tok)"
	} >log
	atf_check -s exit:1 -e empty -o inline:"\
log:2: $(tid a.tok) known
log:4: $(tid b.tok) known
log:4: $(tid gone.tok) revoked
log:5: $(tid other.tok) unknown
log:6: $(tid a.tok) known
" "$APITOKEN" scan log
	# Standard input, and "-".
	atf_check -s exit:1 -e empty \
	    -o inline:"(standard input):2: $(tid a.tok) known\n" \
	    -x "head -2 log | \"$APITOKEN\" scan"
	atf_check -s exit:1 -e empty \
	    -o inline:"(standard input):1: $(tid b.tok) known\n" \
	    -x "cat b.tok | \"$APITOKEN\" scan -"
	# Nothing found: 0, silently.
	echo "atk_ is our prefix, atk_x_y is no token" >clean
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" scan clean
	: >empty
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" scan empty </dev/null
	# A tree with -r, in name order; a link is not followed.
	mkdir -p tree/sub/deeper tree/a
	cp a.tok tree/sub/deeper/t.txt
	cp b.tok tree/a/b.txt
	cp clean tree/z
	ln -s "$PWD/log" tree/link
	atf_check -s exit:1 -e empty -o inline:"\
tree/a/b.txt:1: $(tid b.tok) known
tree/sub/deeper/t.txt:1: $(tid a.tok) known
" "$APITOKEN" scan -r tree
	# A directory without -r, a missing file: 2, the others still scanned.
	atf_check -s exit:2 -o inline:"b.tok:1: $(tid b.tok) known\n" \
	    -e inline:"apitoken: scan: tree: is a directory (-r scans a tree)\napitoken: scan: missing: No such file or directory\n" \
	    "$APITOKEN" scan tree missing b.tok
	# No store: 2.
	atf_check -s exit:2 -o empty -e match:"no store here" \
	    "$APITOKEN" --db none.db scan log
	atf_check -s exit:2 -o empty -e match:"usage:" "$APITOKEN" scan --bogus
}

atf_test_case scan_no_secret
scan_no_secret_head()
{
	atf_set "descr" "scan never prints a secret: not in its findings, its revocations or its errors"
	atf_set "require.progs" "jq"
}
scan_no_secret_body()
{
	store
	mk a
	mk b
	mkimp
	cat a.tok b.tok imp.tok >log
	"$APITOKEN" scan --imported log >out 2>&1
	atf_check -o match:"$(tid a.tok) known" cat out
	"$APITOKEN" scan --revoke --imported log >>out 2>&1
	"$APITOKEN" scan --revoke --imported log nonexistent >>out 2>&1
	"$APITOKEN" scan --revoke --imported <log >>out 2>&1
	atf_check -o match:"revoked token a, id $(tid a.tok): leaked: log:1" \
	    cat out
	never_shown out a.tok b.tok
	atf_check -s exit:1 -o empty grep -F -e an-imported-token-of out
	# Nor in the reasons the store keeps.
	"$APITOKEN" export >exp
	never_shown exp a.tok b.tok
}

# typos FILE: every token in FILE with one character changed, dropped,
# doubled, or two neighbours swapped, after its prefix, one per line.
typos()
{
	local t len i c d
	while read -r t; do
		len=${#t}
		for ((i = 4; i < len; i++)); do
			c=${t:i:1}
			# Another base62 digit (or '_' for a separator).
			d=${BASE62:$(( (i * 7 + 1) % 62 )):1}
			[ "$d" = "$c" ] && d=${BASE62:$(( (i * 7 + 2) % 62 )):1}
			echo "${t:0:i}$d${t:i+1}"
			echo "${t:0:i}${t:i+1}"
			echo "${t:0:i}$c$c${t:i+1}"
			[ $((i + 1)) -lt "$len" ] &&
			    [ "$c" != "${t:i+1:1}" ] &&
			    echo "${t:0:i}${t:i+1:1}$c${t:i+2}"
		done
	done <"$1"
}

atf_test_case scan_typos
scan_typos_head()
{
	atf_set "descr" "scan does not report a token with one character changed, dropped, doubled or swapped, nor a random look-alike"
}
scan_typos_body()
{
	store
	for n in 1 2 3 4 5; do
		mk t$n
	done
	cat t?.tok >all
	typos all >typos
	[ "$(wc -l <typos)" -gt 1000 ] || atf_fail "too few typos"
	# The doubled and dropped ones can contain the token itself only if
	# the change is in its last character; those lines are not typos of
	# the token's text as scanned, so leave them out.
	grep -v -F -f all typos >bad || true
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" scan bad
	# Look-alikes of the right shape.
	for n in $(seq 1 200); do
		printf 'atk_%s_%s\n' \
		    "$(head -c 200 /dev/urandom | tr -dc "$BASE62" | head -c 22)" \
		    "$(head -c 400 /dev/urandom | tr -dc "$BASE62" | head -c 49)"
	done >lookalikes
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" scan lookalikes
	# The good ones among them are all found.
	cat bad all >mixed
	atf_check -s exit:1 -o save:found -e empty "$APITOKEN" scan mixed
	atf_check -o inline:"5\n" -x "wc -l <found | tr -d ' '"
}

atf_test_case scan_blocks
scan_blocks_head()
{
	atf_set "descr" "scan finds a token cut by its 1 MiB blocks or by a pipe's writes, with the right line, and one past 4 GiB of lines worth of counting"
}
scan_blocks_body()
{
	store
	mk a
	# The token straddles the end of the first 1 MiB block (and the
	# second, and the third, at other offsets).
	for off in 30 1 60; do
		head -c $((1048576 - off)) /dev/zero | tr '\0' '\n'
		cat a.tok
	done >big
	l1=$((1048576 - 30 + 1))
	l2=$((l1 + 1048576 - 1 + 1))
	l3=$((l2 + 1048576 - 60 + 1))
	atf_check -s exit:1 -e empty -o inline:"\
big:$l1: $(tid a.tok) known
big:$l2: $(tid a.tok) known
big:$l3: $(tid a.tok) known
" "$APITOKEN" scan big
	# A pipe that writes the token in two halves.
	t=$(cat a.tok)
	atf_check -s exit:1 -e empty \
	    -o inline:"(standard input):2: $(tid a.tok) known\n" \
	    -x "{ printf 'x\\n%s' '${t:0:40}'; sleep 0.3; printf '%s\\n' '${t:40}'; } | \"$APITOKEN\" scan"
	# An imported token cut by a block, as a whole word.
	mkimp
	{ head -c $((1048576 - 10)) /dev/zero | tr '\0' ' '; cat imp.tok; } >w
	atf_check -s exit:1 -e empty -o match:"^w:1: [0-9A-Za-z]{22} known$" \
	    "$APITOKEN" scan --imported w
}

atf_test_case scan_imported
scan_imported_head()
{
	atf_set "descr" "scan --imported finds an imported token as a whole blank- or quote-delimited word, not inside a longer one, and not without --imported"
}
scan_imported_body()
{
	store
	mkimp
	id=$("$APITOKEN" show imp -o json | jq -r .id)
	t=$(cat imp.tok)
	{
		echo "Authorization: Bearer $t"
		echo "{\"token\": \"$t\"}"
		echo "TOKEN='$t'"
		echo "TOKEN=$t"
		echo "x${t}"
		echo "$t-more"
		printf '\t%s\r\n' "$t"
	} >log
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" scan log
	atf_check -s exit:1 -e empty -o inline:"\
log:1: $id known
log:2: $id known
log:3: $id known
log:7: $id known
" "$APITOKEN" scan --imported log
}

atf_test_case scan_revoke
scan_revoke_head()
{
	atf_set "descr" "scan --revoke revokes every live token found, and only those, with reason leaked: FILE:LINE; a second run reports them revoked"
	atf_set "require.progs" "jq"
}
scan_revoke_body()
{
	store
	mk a
	mk b
	mk untouched
	mk rotated
	cp rotated.tok rotated.old
	atf_check -s exit:0 -o save:rotated.tok -e empty "$APITOKEN" \
	    regenerate -q rotated
	{ echo x; cat a.tok; echo y; cat b.tok a.tok; cat rotated.old; } >log
	atf_check -s exit:1 -o inline:"\
log:2: $(tid a.tok) known
log:4: $(tid b.tok) known
log:5: $(tid a.tok) revoked
log:6: $(tid rotated.tok) stale
" -e inline:"\
apitoken scan: revoked token a, id $(tid a.tok): leaked: log:2
apitoken scan: revoked token b, id $(tid b.tok): leaked: log:4
" "$APITOKEN" scan --revoke log
	status_is a "revoked leaked: log:2"
	status_is b "revoked leaked: log:4"
	# An old secret does not work: nothing to revoke (and anyone could
	# forge one from an id, which is no secret).
	status_is rotated "active"
	status_is untouched "active"
	atf_check -s exit:1 -e empty -o inline:"\
log:2: $(tid a.tok) revoked
log:4: $(tid b.tok) revoked
log:5: $(tid a.tok) revoked
log:6: $(tid rotated.tok) stale
" "$APITOKEN" scan --revoke log
	status_is a "revoked leaked: log:2"
}

atf_test_case revoke_leaked
revoke_leaked_head()
{
	atf_set "descr" "revoke --leaked revokes the token whose text is on stdin (native or imported), says which; unknown, typo'd, stale or revoked again: exit 1"
	atf_set "require.progs" "jq"
}
revoke_leaked_body()
{
	store
	mk a
	mk b
	mkimp
	impid=$("$APITOKEN" show imp -o json | jq -r .id)
	atf_check -s exit:0 -e empty \
	    -o inline:"revoked token a, id $(tid a.tok)\n" \
	    "$APITOKEN" revoke --leaked <a.tok
	status_is a "revoked leaked"
	status_is b "active"
	atf_check -s exit:1 -o empty -e inline:"apitoken: a: already revoked\n" \
	    "$APITOKEN" revoke --leaked <a.tok
	atf_check -s exit:0 -e empty \
	    -o inline:"revoked token imp, id $impid\n" \
	    "$APITOKEN" revoke --leaked --reason "in a CI log" <imp.tok
	status_is imp "revoked in a CI log"
	# Unknown, a typo, another prefix, an old secret: exit 1, one line,
	# never the text.
	echo another-imported-text-here >unk
	atf_check -s exit:1 -o empty \
	    -e inline:"apitoken: revoke: no token of this store has that text\n" \
	    "$APITOKEN" revoke --leaked <unk
	t=$(cat b.tok)
	last=${t: -1}
	[ "$last" = A ] && typo="${t%?}B" || typo="${t%?}A"
	echo "$typo" | atf_check -s exit:1 -o empty \
	    -e match:"^apitoken: revoke: not a whole token: its checksum is wrong" \
	    "$APITOKEN" revoke --leaked
	cp b.tok b.old
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" regenerate -q b
	atf_check -s exit:1 -o empty \
	    -e inline:"apitoken: b: id $(tid b.tok), but not its secret (an old one, or made up): not revoked\n" \
	    "$APITOKEN" revoke --leaked <b.old
	status_is b "active"
	atf_check -s exit:1 -o empty -e match:"no token on standard input" \
	    "$APITOKEN" revoke --leaked </dev/null
	# Never from argv.
	atf_check -s exit:2 -o empty -e match:"^usage:" \
	    "$APITOKEN" revoke --leaked "$t"
}

atf_test_case fleet_publish cleanup
fleet_publish_head()
{
	atf_set "descr" "on a store that publishes, scan --revoke and revoke --leaked publish the revocation to etcd, or exit 3 naming publish"
	atf_set "timeout" "300"
}
fleet_publish_body()
{
	. "$SRCDIR/tests/etcd.subr"
	etcd_start
	store
	mk a
	mk b
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" publish \
	    --etcd "$ETCD_ENDPOINTS"
	atf_check -s exit:1 -o match:"known" -e match:"revoked token a" \
	    "$APITOKEN" scan --revoke a.tok
	atf_check -s exit:0 -o match:'"revoke_reason":"leaked: a.tok:1"' \
	    -e empty "$ETCD_DIR/etcdctl" get --print-value-only \
	    "/apitoken/v1/tokens/$(tid a.tok)"
	atf_check -s exit:0 -o match:"revoked token b" -e empty \
	    "$APITOKEN" revoke --leaked <b.tok
	atf_check -s exit:0 -o match:'"revoke_reason":"leaked"' -e empty \
	    "$ETCD_DIR/etcdctl" get --print-value-only \
	    "/apitoken/v1/tokens/$(tid b.tok)"
	# etcd gone: the revocation is kept, and said unpublished.
	mk c
	mk d
	etcd_stop
	atf_check -s exit:3 -o match:"known" \
	    -e match:"scan: saved in .* but not published to etcd" \
	    "$APITOKEN" scan --revoke c.tok
	status_is c "revoked leaked: c.tok:1"
	atf_check -s exit:3 -o match:"revoked token d" \
	    -e match:"revoke: saved in .* but not published to etcd" \
	    "$APITOKEN" revoke --leaked <d.tok
	status_is d "revoked leaked"
}
fleet_publish_cleanup()
{
	. "$SRCDIR/tests/etcd.subr"
	etcd_stop
}

atf_test_case contrib_rules
contrib_rules_head()
{
	atf_set "descr" "contrib/'s gitleaks and trufflehog regexes match every token create makes, and its typos too: the checksum, checked by scan, rules those out"
}
contrib_rules_body()
{
	store
	for n in $(seq 1 20); do
		mk t$n
	done
	cat t*.tok >all
	re=$(sed -n "s/^regex = '''\(.*\)'''\$/\1/p" \
	    "$SRCDIR/contrib/gitleaks.toml")
	[ -n "$re" ] || atf_fail "no regex in contrib/gitleaks.toml"
	re2=$(sed -n "s/^ *token: '\(.*\)'\$/\1/p" \
	    "$SRCDIR/contrib/trufflehog.yaml")
	[ "$re" = "$re2" ] || atf_fail "gitleaks and trufflehog regexes differ"
	# Every token, whole, alone and in text.
	atf_check -o file:all grep -o -E -e "$re" all
	sed 's/.*/key="&";/' all >quoted
	atf_check -o file:all grep -o -E -e "$re" quoted
	# Its keyword is the prefix the tokens start with.
	atf_check -o match:'keywords = \["atk_"\]' cat "$SRCDIR/contrib/gitleaks.toml"
	# One character changed keeps the shape: the regex matches it, and
	# scan, which checks the checksum, does not report it.
	while read -r t; do
		c=${t:40:1}
		[ "$c" = x ] && d=y || d=x
		echo "${t:0:40}$d${t:41}"
	done <all >typos
	atf_check -o file:typos grep -o -E -e "$re" typos
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" scan typos
	atf_check -s exit:1 -o match:"known" -e empty "$APITOKEN" scan all
}

atf_init_test_cases()
{
	atf_add_test_case scan_finds
	atf_add_test_case scan_no_secret
	atf_add_test_case scan_typos
	atf_add_test_case scan_blocks
	atf_add_test_case scan_imported
	atf_add_test_case scan_revoke
	atf_add_test_case revoke_leaked
	atf_add_test_case fleet_publish
	atf_add_test_case contrib_rules
}
