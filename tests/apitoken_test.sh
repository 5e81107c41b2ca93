# Tests of the apitoken admin tool (SPEC sections 5 and 10): every command
# and every error path, through the installed-to-be binary in the build tree.

. "$SRCDIR/tests/tool.subr"

atf_test_case usage
usage_head()
{
	atf_set "descr" "--help, --version, and usage errors exit 2"
}
usage_body()
{
	atf_check -s exit:0 -o match:"^usage: apitoken \[--db PATH\] COMMAND" \
	    -o match:"restore \[--atomic\]" -e empty "$APITOKEN" --help
	atf_check -s exit:0 -o match:"^usage: apitoken" -e empty "$APITOKEN" -h
	atf_check -s exit:0 -o match:"^apitoken \(pam_apitoken\) [0-9]" -e empty \
	    "$APITOKEN" --version
	atf_check -s exit:0 -o match:"^usage: apitoken \[--db PATH\] create" \
	    -e empty "$APITOKEN" create --help
	usage_fails "^usage:" "$APITOKEN"
	usage_fails "frobnicate: unknown command" "$APITOKEN" frobnicate
	usage_fails "^apitoken: unknown option --bogus$" "$APITOKEN" --bogus list
	usage_fails "^apitoken list: unknown option --bogus$" "$APITOKEN" list --bogus
	usage_fails "empty path" "$APITOKEN" --db "" list
	usage_fails "--name is required" "$APITOKEN" create
	usage_fails "usage: apitoken \[--db PATH\] show" "$APITOKEN" show
	usage_fails "usage: apitoken \[--db PATH\] show" "$APITOKEN" show a b
	usage_fails "usage: apitoken \[--db PATH\] delete" "$APITOKEN" delete
	usage_fails "usage: apitoken \[--db PATH\] revoke" "$APITOKEN" revoke
	usage_fails "usage: apitoken \[--db PATH\] list" "$APITOKEN" list x
	usage_fails "bad output format" "$APITOKEN" list -o yaml
	usage_fails "exclude each other" "$APITOKEN" list --expired --active
	usage_fails "--user is required" "$APITOKEN" verify
	usage_fails "needs --service" "$APITOKEN" verify --user u \
	    --policy service
	usage_fails "usage: apitoken \[--db PATH\] export" "$APITOKEN" export x
	usage_fails "^apitoken create: option --name needs a value$" \
	    "$APITOKEN" create --name
}

atf_test_case options__never_echo_values
options__never_echo_values_head() {
	atf_set descr "An option error names the option, never what was typed after its '=': a token pasted as --token=... stays off the screen and out of logs"
}
options__never_echo_values_body() {
	local gen="$BUILDDIR/tools/apitoken-gen"
	local dec="$BUILDDIR/tools/apitoken-decode"
	local v="atk_Pasted0Secret0Value"
	local want args
	# What getopt_long() itself would print whole: unknown long options,
	# values given to options that take none, ambiguous abbreviations.
	while read -r want args; do
		# shellcheck disable=SC2086
		atf_check -s exit:2 -o empty -e save:err $args
		atf_check -s exit:1 grep -F -e "$v" err
		atf_check -o ignore grep -E -e "^$want\$" err
	done <<EOF
apitoken:.unknown.option.--token $APITOKEN --token=$v list
apitoken:.option.--version.takes.no.value $APITOKEN --version=$v
apitoken.verify:.unknown.option.--token $APITOKEN verify --user u --token=$v
apitoken.verify:.option.--help.takes.no.value $APITOKEN verify --help=$v
apitoken.list:.ambiguous.option.--ex $APITOKEN list --ex=$v
apitoken.create:.unknown.option.--secret $APITOKEN create --name n --secret=$v
apitoken.import:.unknown.option.--token $APITOKEN import --name n --user u --token=$v
apitoken-gen:.unknown.option.--secret $gen --secret=$v
apitoken-gen:.option.--certutil.takes.no.value $gen --certutil=$v
apitoken-decode:.unknown.option.--token $dec --token=$v
apitoken-decode:.option.--text.takes.no.value $dec --text=$v
EOF
	# A token given as the command.
	atf_check -s exit:2 -o empty -e save:err "$APITOKEN" "$v"
	atf_check -o ignore grep -E -e "^apitoken: unknown command \(apitoken help lists them\)\$" err
	atf_check -s exit:1 grep -F -e "$v" err
	# Short options: the letter alone.
	atf_check -s exit:2 -o empty -e save:err "$gen" "-Z$v"
	atf_check -o ignore grep -E -e "^apitoken-gen: unknown option -Z\$" err
	atf_check -s exit:1 grep -F -e "$v" err
}

atf_test_case init
init_head()
{
	atf_set "descr" "init makes a 0600 store once, with a valid prefix"
}
init_body()
{
	store
	atf_check -o inline:"600\n" stat -c %a tokens.db
	fails "tokens.db: a store is already there" "$APITOKEN" init
	usage_fails "bad prefix \"Bad\"" "$APITOKEN" --db other.db init \
	    --prefix Bad
	usage_fails "bad prefix" "$APITOKEN" --db other.db init \
	    --prefix abcdefghijklmnopq
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" --db other.db init -q \
	    --prefix ci2
	atf_check -s exit:0 -o match:'^ci2_[0-9A-Za-z]{22}_' -e empty \
	    "$APITOKEN" --db other.db create -q --name x
	# --db wins over APITOKEN_DB.
	atf_check -s exit:0 -o not-match:x -e empty "$APITOKEN" list
}

atf_test_case init_directory
init_directory_head()
{
	atf_set "descr" "init makes the store's own directory 0700, never its parents nor through a link"
}
init_directory_body()
{
	# Whatever the umask: 0700, and a store the module would read.
	atf_check -s exit:0 -o empty -e empty \
	    sh -c "umask 000 && exec \"\$0\" --db \"\$1\" init -q" \
	    "$APITOKEN" "$PWD/made/tokens.db"
	atf_check -o inline:"700\n600\n600\n" \
	    stat -c %a made made/tokens.db made/tokens.db-lock
	atf_check -s exit:0 -o empty -e empty \
	    "$APITOKEN" --db "$PWD/made/tokens.db" list
	# A relative path, as --db takes it.
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" --db rel/t.db init -q
	atf_check -o inline:"700\n" stat -c %a rel
	# One directory only: no grandparent, one line, nothing made.
	atf_check -s exit:1 -o empty -e inline:"apitoken: $PWD/no/dir/t.db: \
cannot create directory $PWD/no/dir: No such file or directory\n" \
	    "$APITOKEN" --db "$PWD/no/dir/t.db" init
	atf_check -s exit:1 test -e no
	# Never through a link that leads nowhere, never over a file.
	ln -s "$PWD/elsewhere" dangling
	atf_check -s exit:1 -o empty \
	    -e inline:"apitoken: $PWD/dangling/t.db: $PWD/dangling is a symbolic link\n" \
	    "$APITOKEN" --db "$PWD/dangling/t.db" init
	atf_check -s exit:1 test -e elsewhere
	touch plain
	atf_check -s exit:1 -o empty \
	    -e inline:"apitoken: $PWD/plain/t.db: $PWD/plain is not a directory\n" \
	    "$APITOKEN" --db "$PWD/plain/t.db" init
	# A link to a directory that is there: what the admin asked for.
	mkdir -m 0700 real
	ln -s real linked
	atf_check -s exit:0 -o empty -e empty \
	    "$APITOKEN" --db "$PWD/linked/t.db" init -q
	atf_check -s exit:0 test -f real/t.db
}

atf_test_case store_missing
store_missing_head()
{
	atf_set "descr" "every command says clearly that there is no store"
}
store_missing_body()
{
	APITOKEN_DB="$PWD/none/tokens.db"
	export APITOKEN_DB
	fails "none/tokens.db: no store here" "$APITOKEN" list
	fails "none/tokens.db: no store here" "$APITOKEN" create --name a
	fails "none/tokens.db: no store here" "$APITOKEN" show a
	fails "none/tokens.db: no store here" "$APITOKEN" export
	echo x-token-of-some-length | fails "none/tokens.db" \
	    "$APITOKEN" verify --user u
}

atf_test_case create_quiet
create_quiet_head()
{
	atf_set "descr" "create -q prints the token alone, one line, once"
}
create_quiet_body()
{
	store
	mk one
	atf_check -o inline:"1\n" -x "wc -l <one.tok | tr -d ' '"
	atf_check -o ignore grep -Ex "$TOKEN_RE" one.tok
	ok one.tok "$(defuser one.tok)"
	# Two tokens never share an id or a secret.
	mk two
	atf_check -s exit:1 cmp -s one.tok two.tok
}

atf_test_case create_warns
create_warns_head()
{
	atf_set "descr" "create without -q: token on stdout, warning on stderr"
}
create_warns_body()
{
	store
	atf_check -s exit:0 -o save:tok -e save:msg "$APITOKEN" create \
	    --name web --role Administrator
	atf_check -o ignore grep -Ex "$TOKEN_RE" tok
	atf_check -o ignore grep "^Token web created: id $(tid tok), user" msg
	atf_check -o ignore grep "role Administrator" msg
	atf_check -o ignore grep "will never be shown again" msg
	# The token itself is not in the message.
	atf_check -s exit:1 grep -F "$(cat tok)" msg
}

atf_test_case create_defaults
create_defaults_head()
{
	atf_set "descr" "user sa-<id>, role User, expires after init's default-lifetime P90D, or never on a store without one"
}
create_defaults_body()
{
	store
	mk cf
	jis cf .user "$(defuser cf.tok)"
	jis cf .role "User"
	created=$(jshow cf .created)
	jis cf .expires "$(date -u -d "$created + 90 days" +%Y-%m-%dT%H:%M:%SZ)"
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" config --unset \
	    default-lifetime
	mk cn
	jis cn .expires "null"
	jis cf .id "$(tid cf.tok)"
	jis "$(tid cf.tok)" .user "$(defuser cf.tok)"
}

atf_test_case create_duplicate
create_duplicate_head()
{
	atf_set "descr" "a name is unique"
}
create_duplicate_body()
{
	store
	mk dup
	fails "dup: a token of that name exists" "$APITOKEN" create --name dup
	atf_check -o inline:"1\n" -x "\"$APITOKEN\" list -o json | wc -l | tr -d ' '"
}

atf_test_case create_bad_values
create_bad_values_head()
{
	atf_set "descr" "bad names, users, durations, dates and CIDRs exit 2"
}
create_bad_values_body()
{
	store
	# bad REGEX NAME [options]: create refuses a value, exit 2.
	bad()
	{
		local re="$1"
		shift
		usage_fails "$re" "$APITOKEN" create --name "$@"
	}
	bad 'bad name "a b"' "a b"
	usage_fails 'bad name "-x"' "$APITOKEN" create --name=-x
	bad 'bad name ".x"' .x
	bad "bad name" \
	    aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
	bad 'bad name "0123456789ABCDEFGHIJKL"' 0123456789ABCDEFGHIJKL
	bad 'bad user' n --user "a b"
	bad 'bad role' n --role ""
	bad 'bad policy "a,b"' n --policy a,b
	bad 'bad duration "P"' n --expires P
	bad 'bad duration "PT"' n --expires PT
	bad 'bad duration "P1.5D"' n --expires P1.5D
	bad 'bad expiry "-P1D"' n --expires -P1D
	bad 'bad expiry "tomorrow"' n --expires tomorrow
	bad 'bad date "2027-13-01"' n --expires 2027-13-01
	bad 'bad date "2027-02-30T00:00:00Z"' n \
	    --expires 2027-02-30T00:00:00Z
	bad 'expiry "2001-01-01" is not in the future' n \
	    --expires 2001-01-01
	bad 'bad network "10.0.0.0/33"' n --from 10.0.0.0/33
	bad 'bad network "foo"' n --from foo
	bad 'did you mean 10.0.0.0/8' n --from 10.1.2.3/8
	bad 'bad description' n --description "$(printf 'a\tb')"
	# Nothing was made.
	atf_check -o empty "$APITOKEN" list -o json
	# The good forms are taken.
	mk d1 --expires P1Y2M3DT4H5M6S
	mk d2 --expires 2099-12-31T23:59:59Z --from 192.0.2.0/24 \
	    --from 2001:db8::/32 --from 198.51.100.7
	jis d2 .expires '2099-12-31T23:59:59Z'
	jis d2 '.from | join(" ")' '192.0.2.0/24 2001:db8::/32 198.51.100.7/32'
	mk d3 --expires never
	jis d3 .expires 'null'
}

atf_test_case list_table
list_table_head()
{
	atf_set "descr" "list: aligned NAME ID USER ROLE EXPIRES LAST-USED AGE"
}
list_table_body()
{
	store_never
	mk a-very-long-token-name --role Administrator --expires P1D
	mk b --user deploy
	atf_check -s exit:0 -o save:out -e empty "$APITOKEN" list
	atf_check -o match:'^NAME +ID +USER +ROLE +EXPIRES +LAST-USED +AGE$' \
	    head -1 out
	atf_check -o inline:"3\n" -x "wc -l <out | tr -d ' '"
	# Every column starts where its heading does.
	for col in ID USER ROLE EXPIRES LAST-USED AGE; do
		pos=$(head -1 out | awk -v c="$col" '{ print index($0, c) }')
		atf_check -o inline:"$pos $pos\n" -x "awk -v p=$pos \
		    'NR > 1 { print (substr(\$0, p - 2, 2) == \"  \" && \
		    substr(\$0, p, 1) != \" \") ? p : -1 }' out | tr '\n' ' ' | \
		    sed 's/ \$//'; echo"
	done
	atf_check -o match:"^a-very-long-token-name +$(tid a-very-long-token-name.tok) " \
	    -o match:"^b +$(tid b.tok) +deploy +User +never +never +[0-9]+s$" \
	    cat out
	# Sorted by name.
	atf_check -o inline:"a-very-long-token-name\nb\n" -x \
	    "tail -n +2 out | cut -d' ' -f1"
}

# names "A B" [list options]: the names list prints, in order.
names()
{
	local want="$1" got
	shift
	got=$("$APITOKEN" list -o json "$@" | jq -r .name | tr '\n' ' ')
	[ "$got" = "${want:+$want }" ] ||
	    atf_fail "list $*: got \"$got\", want \"$want\""
}

atf_test_case list_filters
list_filters_head()
{
	atf_set "descr" "list --user, --role, --expired, --active, --expiring"
}
list_filters_body()
{
	store
	mk soon --expires PT1S --user ci
	mk week --expires P7D --role Administrator
	mk forever --user ci
	mk gone
	atf_check -s exit:0 "$APITOKEN" revoke -q gone
	sleep 1
	names "forever gone soon week"
	names "forever soon" --user ci
	names "week" --role Administrator
	names "soon" --expired
	names "forever week" --active
	names "week" --expiring P8D
	names "" --expiring P6D
	names "forever" --active --user ci
	atf_check -o match:"^soon .* expired " -o match:"^gone .* revoked " \
	    "$APITOKEN" list
	usage_fails 'bad duration "1d"' "$APITOKEN" list --expiring 1d
}

atf_test_case list_json
list_json_head()
{
	atf_set "descr" "list -o json: one object per line, stable keys"
}
list_json_body()
{
	store_never
	mk p --role Administrator --policy sshd --policy su
	mk j --role Administrator --policy sshd --policy su --from 10.0.0.0/8 \
	    --expires 2099-01-01 --description "CI deploys" --parent p
	atf_check -s exit:0 -o save:out -e ignore "$APITOKEN" list -o json
	atf_check -o inline:"2\n" -x "wc -l <out | tr -d ' '"
	keys='["created","description","expires","from","id","imported","last_from","last_host","last_used","name","parent","policies","revoke_reason","revoked","role","user"]'
	atf_check -o inline:"$keys\n$keys\n" jq -c 'keys' out
	atf_check -o inline:'{"name":"j","role":"Administrator","policies":["sshd","su"],"from":["10.0.0.0/8"],"expires":"2099-01-01T00:00:00Z","description":"CI deploys","revoked":null,"revoke_reason":null,"last_used":null,"last_from":null,"imported":false}\n' \
	    jq -c 'select(.name == "j") | {name, role, policies, from,
	    expires, description, revoked, revoke_reason, last_used,
	    last_from, imported}' out
	atf_check -o inline:"$(tid p.tok)\n" \
	    jq -r 'select(.name == "j") | .parent' out
	atf_check -o match:'^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9:]{8}Z$' \
	    jq -r 'select(.name == "j") | .created' out
	# The secret is nowhere in the output.
	atf_check -s exit:1 grep -F "$(cut -d_ -f3 <j.tok)" out
}

atf_test_case show
show_head()
{
	atf_set "descr" "show: every field, the value redacted, by id or name"
}
show_body()
{
	store_never
	mk s --role Administrator --policy sshd --from 192.0.2.0/24 \
	    --description "the web robot"
	atf_check -s exit:0 -o save:out -e empty "$APITOKEN" show s
	atf_check -o match:"^Name: +s$" -o match:"^ID: +$(tid s.tok)$" \
	    -o match:"^Token: +\(not stored; shown only at creation\)$" \
	    -o match:"^Status: +active$" \
	    -o match:"^Description: +the web robot$" \
	    -o match:"^User: +$(defuser s.tok)$" \
	    -o match:"^Role: +Administrator$" -o match:"^Policies: +sshd$" \
	    -o match:"^From: +192.0.2.0/24$" -o match:"^Created: +20" \
	    -o match:"^Expires: +never$" -o match:"^Revoked: +no$" \
	    -o match:"^Last used: +never$" -o match:"^Parent: +\(none\)$" \
	    cat out
	atf_check -s exit:1 grep -F "$(cut -d_ -f3 <s.tok)" out
	# By id, the same (but for the age, which may have ticked).
	grep -v '^Created:' out >out.name
	atf_check -s exit:0 -o save:out.id -e empty "$APITOKEN" show \
	    "$(tid s.tok)"
	atf_check -o file:out.name grep -v '^Created:' out.id
	atf_check -s exit:0 -o match:'"name":"s"' -e empty \
	    "$APITOKEN" show s -o json
	fails "nosuch: no such token" "$APITOKEN" show nosuch
	fails "0123456789abcdefghijkl: no such token" \
	    "$APITOKEN" show 0123456789abcdefghijkl
}

atf_test_case find__whole_token_not_echoed
find__whole_token_not_echoed_head() {
	atf_set descr "A whole token given where its id or name belongs is refused without being printed back, and nothing changes"
}
find__whole_token_not_echoed_body() {
	local tok typo cmd
	store
	mk w --user alice
	tok=$(cat w.tok)
	# One digit changed: the checksum fails, the rest is still the secret.
	typo=$(sed 's/.$/x/' w.tok)
	[ "$typo" = "$tok" ] && typo=$(sed 's/.$/y/' w.tok)
	for cmd in show revoke regenerate delete; do
		for t in "$tok" "$typo"; do
			fails "that looks like a whole token \(a secret\): give its id or its name$" \
			    "$APITOKEN" "$cmd" "$t"
			atf_check -s exit:1 grep -F -e "$t" err
		done
	done
	ok w.tok alice
	# Anything else that is neither an id nor a name is not named either.
	fails "no such token: not an id or a name$" "$APITOKEN" show 'a b'
	fails "nosuch: no such token" "$APITOKEN" show nosuch
}

atf_test_case verify_rules
verify_rules_head()
{
	atf_set "descr" "verify: user, role, policy, service and network rules"
}
verify_rules_body()
{
	store
	mk v --user deploy --role Administrator --policy sshd \
	    --from 192.0.2.0/24 --from 2001:db8::/32
	# Bound to networks: no remote host, no login (fail closed).
	refused v.tok deploy "source address"
	ok v.tok deploy --service sshd --policy service --rhost 192.0.2.7
	ok v.tok deploy --rhost 2001:db8::1 --role Administrator
	r=192.0.2.1
	refused v.tok root "another user" --rhost $r
	refused v.tok deploy "role" --role User --rhost $r
	refused v.tok deploy "policy" --policy sudo --rhost $r
	refused v.tok deploy "policy" --service su --policy service --rhost $r
	refused v.tok deploy "source address" --rhost 198.51.100.1
	refused v.tok deploy "source address" --rhost host.example
	mk any --user deploy
	ok any.tok deploy --rhost 198.51.100.1
	# Not a token, a typo, an unknown id.
	echo "not a token" >bad.tok
	refused bad.tok deploy "not a token"
	# The last character changed (to y if it already was x).
	sed 's/.$/x/' v.tok >typo.tok
	cmp -s typo.tok v.tok && sed 's/.$/y/' v.tok >typo.tok
	cmp -s typo.tok v.tok && atf_fail "the typo is no typo"
	refused typo.tok deploy "checksum"
	atf_check -s exit:0 "$APITOKEN" delete -q any
	refused any.tok deploy "unknown token"
	# Not from argv: there is no such option.
	usage_fails "unknown option --token" "$APITOKEN" verify --user deploy \
	    --token "$(cat v.tok)"
	echo "" | fails "no token on standard input" "$APITOKEN" verify \
	    --user deploy
	printf 'a\nb\n' | fails "more than one line" "$APITOKEN" verify \
	    --user deploy
}

atf_test_case verify_unsafe
verify_unsafe_head()
{
	atf_set "descr" "init warns, and create and verify refuse where the module would"
}
verify_unsafe_body()
{
	mkdir wide
	chmod 0777 wide
	atf_check -s exit:0 -o empty \
	    -e match:"warning: pam_apitoken will refuse this store: .*wide" \
	    "$APITOKEN" --db "$PWD/wide/tokens.db" init
	mkdir -m 0755 open
	APITOKEN_DB="$PWD/open/tokens.db"
	export APITOKEN_DB
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" init -q
	mk u --user ci
	chmod 0777 open
	fails "open/tokens.db: unsafe store, apitokend would refuse it" \
	    "$APITOKEN" verify --user ci <u.tok
	fails "open/tokens.db: unsafe store, refused: .*open" \
	    "$APITOKEN" create -q --name v --user ci
	chmod 0755 open
	ok u.tok ci
}

atf_test_case verify_prompt
verify_prompt_head()
{
	atf_set "descr" "on a terminal, verify and import prompt without echo"
	atf_set "require.progs" "script"
}
verify_prompt_body()
{
	store
	mk p --user ci
	# Type the token once the prompt shows: the echo is off by then.
	typed()
	{
		local i=0
		while ! grep -q "API token: " out 2>/dev/null; do
			i=$((i + 1))
			[ $i -lt 100 ] || break
			sleep 0.1
		done
		cat "$1"
	}
	typed p.tok | script -qec "'$APITOKEN' verify --user ci" /dev/null \
	    >out || atf_fail "verify on a terminal failed: $(cat out)"
	atf_check -o match:"^API token: " -o match:"accepted for user ci" cat out
	atf_check -s exit:1 grep -F "$(cut -d_ -f3 <p.tok)" out
	echo typed-imported-token-text >typed.tok
	rm out
	typed typed.tok | script -qec \
	    "'$APITOKEN' import -q --name typed --user ci" /dev/null >out ||
	    atf_fail "import on a terminal failed: $(cat out)"
	atf_check -s exit:1 grep -F typed-imported out
	ok typed.tok ci
}

atf_test_case verify_expired
verify_expired_head()
{
	atf_set "descr" "an expired token is refused"
}
verify_expired_body()
{
	store
	# Whole seconds: PT2S is still good a moment later, gone 2 s later.
	mk e --user ci --expires PT2S
	ok e.tok ci
	sleep 2
	refused e.tok ci "expired"
	atf_check -o match:"^Status: +expired$" -o match:"^Expires: .*(expired)" \
	    "$APITOKEN" show e
}

atf_test_case regenerate
regenerate_head()
{
	atf_set "descr" "regenerate: same id, new secret, the old one stops"
}
regenerate_body()
{
	store
	mk r --user ci
	atf_check -s exit:0 -o save:new.tok -e empty "$APITOKEN" regenerate r -q
	atf_check -o ignore grep -Ex "$TOKEN_RE" new.tok
	[ "$(tid new.tok)" = "$(tid r.tok)" ] || atf_fail "the id changed"
	atf_check -s exit:1 cmp -s r.tok new.tok
	ok new.tok ci
	refused r.tok ci "wrong secret"
	# Without -q: the warning, and the old secret's fate.
	atf_check -s exit:0 -o save:third.tok -e match:"no longer works" \
	    -e match:"will never be shown again" "$APITOKEN" regenerate r
	ok third.tok ci
	refused new.tok ci "wrong secret"
	fails "nosuch: no such token" "$APITOKEN" regenerate nosuch
	usage_fails 'bad duration "1h"' "$APITOKEN" regenerate r --grace 1h
}

atf_test_case regenerate_grace
regenerate_grace_head()
{
	atf_set "descr" "regenerate --grace: both secrets work meanwhile"
}
regenerate_grace_body()
{
	store
	mk g --user ci
	atf_check -s exit:0 -o save:new.tok -e match:"old secret works until" \
	    "$APITOKEN" regenerate g --grace P1D
	ok g.tok ci
	ok new.tok ci
	atf_check -o match:"^Old secret: +works until 20" "$APITOKEN" show g
	# A grace that is over: only the new one.
	atf_check -s exit:0 -o save:third.tok -e ignore \
	    "$APITOKEN" regenerate g --grace PT2S
	ok third.tok ci
	ok new.tok ci
	refused g.tok ci "wrong secret"
	sleep 2
	ok third.tok ci
	refused new.tok ci "wrong secret"
	atf_check -s exit:0 "$APITOKEN" revoke -q g
	fails "g: revoked" "$APITOKEN" regenerate g
}

atf_test_case revoke
revoke_head()
{
	atf_set "descr" "revoke --reason: refused from then on, reason shown"
}
revoke_body()
{
	store
	mk k --user ci
	ok k.tok ci
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" revoke -q k \
	    --reason "laptop stolen"
	refused k.tok ci "revoked"
	atf_check -o match:"^Status: +revoked$" -o match:"^Revoked: +20" \
	    -o match:"^Reason: +laptop stolen$" "$APITOKEN" show k
	jis k .revoke_reason "laptop stolen"
	fails "k: already revoked" "$APITOKEN" revoke k
	fails "nosuch: no such token" "$APITOKEN" revoke nosuch
	usage_fails "bad reason" "$APITOKEN" revoke k --reason "$(printf 'a\nb')"
}

atf_test_case delete
delete_head()
{
	atf_set "descr" "delete removes the record; the name is free again"
}
delete_body()
{
	store
	mk d --user ci
	mk keep --user ci
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" delete -q d
	refused d.tok ci "unknown token"
	ok keep.tok ci
	fails "d: no such token" "$APITOKEN" show d
	fails "d: no such token" "$APITOKEN" delete d
	mk d --user ci
	ok d.tok ci
	atf_check -s exit:0 "$APITOKEN" delete -q "$(tid d.tok)"
	atf_check -o inline:"keep\n" -x "\"$APITOKEN\" list -o json | jq -r .name"
}

atf_test_case import
import_head()
{
	atf_set "descr" "import from stdin: a Keptn token, refusing short ones"
}
import_body()
{
	store
	# A Keptn token: base64 of 16 random bytes.
	head -c 16 /dev/urandom | base64 >keptn.tok
	atf_check -s exit:0 -o empty -e match:"Token keptn imported" \
	    "$APITOKEN" import --name keptn --user keptn --role Administrator \
	    <keptn.tok
	ok keptn.tok keptn --role Administrator
	refused keptn.tok root "another user"
	jis keptn .imported "true"
	# Without its final newline, and quietly.
	printf 'a-long-enough-imported-token' >nonl.tok
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" import -q \
	    --name nonl --user u <nonl.tok
	ok nonl.tok u
	# The same token twice, a short one, none, a typo'd native one.
	fails "already in the store" "$APITOKEN" import --name again \
	    --user u <nonl.tok
	printf '123456789012345\n' >short.tok
	fails "shorter than 16 characters" "$APITOKEN" import --name short \
	    --user u <short.tok
	fails "no token on standard input" "$APITOKEN" import --name none \
	    </dev/null
	mk native
	sed 's/.$/x/' native.tok >typo.tok
	cmp -s typo.tok native.tok && sed 's/.$/y/' native.tok >typo.tok
	cmp -s typo.tok native.tok && atf_fail "the typo is no typo"
	fails "bad checksum" "$APITOKEN" import --name typo <typo.tok
	# The longest token, with a CR LF line end; one more is too long.
	head -c 1023 /dev/zero | tr '\0' 'k' >long.tok
	printf '\r\n' >>long.tok
	atf_check -s exit:0 -o empty -e ignore "$APITOKEN" import --name long \
	    --user u <long.tok
	ok long.tok u
	printf 'k' | cat long.tok - | tr -d '\r\n' >longer.tok
	fails "token longer than 1023 characters" "$APITOKEN" import \
	    --name longer --user u <longer.tok
	head -c 100000 /dev/zero | tr '\0' 'k' >huge.tok
	fails "token longer than 1023 characters" "$APITOKEN" verify \
	    --user u <huge.tok
	# Reset as Keptn does it: delete, then create a new one.
	atf_check -s exit:0 "$APITOKEN" delete -q keptn
	refused keptn.tok keptn "unknown token"
	atf_check -s exit:0 -o save:reset.tok -e empty "$APITOKEN" create -q \
	    --name keptn --user keptn
	ok reset.tok keptn
	# A native token of this store moves by its id to another store.
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" --db two.db init -q
	atf_check -s exit:0 -e ignore "$APITOKEN" --db two.db import \
	    --name moved --user ci <reset.tok
	atf_check -o inline:"$(tid reset.tok)\n" -x \
	    "\"$APITOKEN\" --db two.db show moved -o json | jq -r .id"
	atf_check -s exit:0 -o match:accepted -e empty \
	    "$APITOKEN" --db two.db verify --user ci <reset.tok
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" --db three.db init -q \
	    --prefix other
	fails "native one of prefix atk" "$APITOKEN" --db three.db import \
	    --name x <reset.tok
}

atf_test_case parent
parent_head()
{
	atf_set "descr" "a child gets at most its parent's policies and expiry"
}
parent_body()
{
	store
	mk boss --policy sshd --policy su --expires P1D
	atf_check -s exit:0 -o save:child.tok -e save:msg "$APITOKEN" create \
	    -q --name child --policy sshd --policy sudo --expires P1Y \
	    --parent boss
	atf_check -o match:"create child: policy sudo dropped: parent boss" \
	    -o match:"create child: expiry clamped to .*: parent boss" cat msg
	atf_check -s exit:1 grep sshd msg
	jis child .policies '["sshd"]'
	jis child .expires "$(jshow boss .expires)"
	jis child .parent "$(tid boss.tok)"
	ok child.tok "$(defuser boss.tok)" --policy sshd
	refused child.tok "$(defuser boss.tok)" "policy" --policy sudo
	# Asking for nothing gets the parent's; an earlier expiry stays.
	atf_check -s exit:0 -o ignore -e empty "$APITOKEN" create -q \
	    --name heir --parent "$(tid boss.tok)" --expires PT1H
	jis heir .policies '["sshd","su"]'
	[ "$(jshow heir .expires)" != "$(jshow boss .expires)" ] ||
	    atf_fail "the child's earlier expiry was moved"
	atf_check -o match:"^Parent: +boss \($(tid boss.tok)\)$" \
	    "$APITOKEN" show heir
	fails "nosuch: no such token" "$APITOKEN" create --name x \
	    --parent nosuch
	atf_check -s exit:0 "$APITOKEN" revoke -q boss
	fails "parent boss is revoked" "$APITOKEN" create --name x --parent boss
}

atf_test_case prune
prune_head()
{
	atf_set "descr" "prune removes expired and revoked tokens past retention"
}
prune_body()
{
	store
	mk live
	mk old --expires PT1S
	mk bad
	atf_check -s exit:0 "$APITOKEN" revoke -q bad
	sleep 1
	# The default retention (P30D) keeps them for audit.
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" prune -q
	atf_check -o inline:"3\n" -x "\"$APITOKEN\" list -o json | wc -l | tr -d ' '"
	atf_check -s exit:0 -o save:out -e empty "$APITOKEN" prune -q \
	    --older-than PT0S
	atf_check -o inline:"pruned bad $(tid bad.tok)\npruned old $(tid old.tok)\n" \
	    sort out
	atf_check -o inline:"live\n" -x "\"$APITOKEN\" list -o json | jq -r .name"
	usage_fails 'bad duration "30"' "$APITOKEN" prune --older-than 30
}

atf_test_case export_restore
export_restore_head()
{
	atf_set "descr" "export then restore elsewhere: the same tokens work"
}
export_restore_body()
{
	store
	mk plain --user ci
	mk rich --user ci --role Administrator --policy sshd --policy su \
	    --from 192.0.2.0/24 --expires P1Y --description "rich token"
	mk kid --user ci --parent rich --policy sshd --expires P1D
	mk dead --user ci
	atf_check -s exit:0 "$APITOKEN" revoke -q dead --reason "gone"
	mk rot --user ci
	atf_check -s exit:0 -o save:rot2.tok -e ignore "$APITOKEN" \
	    regenerate rot --grace P1D -q
	head -c 16 /dev/urandom | base64 >imp.tok
	atf_check -s exit:0 -e ignore "$APITOKEN" import --name imp --user ci \
	    <imp.tok
	atf_check -s exit:0 -o save:dump -e empty "$APITOKEN" export
	atf_check -o inline:"7\n" -x "wc -l <dump | tr -d ' '"
	atf_check -o inline:'"apitoken-export" 1 1 "atk" 6\n' \
	    -x "head -1 dump | jq -c '.format, .version, .schema, .prefix, .count' | tr '\n' ' ' | sed 's/ \$//'; echo"
	# Verifiers only: no secret, no imported text.
	for t in plain rich kid dead rot rot2 imp; do
		atf_check -s exit:1 grep -F "$(cut -d_ -f3 <$t.tok)" dump
	done
	atf_check -s exit:1 grep -F "$(cat imp.tok)" dump
	# Into a fresh store on "another host".
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" --db new.db restore -q \
	    <dump
	atf_check -o inline:"600\n" stat -c %a new.db
	export APITOKEN_DB="$PWD/new.db"
	for t in plain rich kid rot rot2 imp; do
		ok $t.tok ci --rhost 192.0.2.1
	done
	refused dead.tok ci "revoked"
	# It holds exactly what was exported.
	atf_check -s exit:0 -o save:dump2 -e empty "$APITOKEN" export
	atf_check -o file:dump -x "tail -n +2 dump2 | sed '1i\\
'\"\$(head -1 dump)\""
	# Into a store with other tokens: they are gone afterwards.
	export APITOKEN_DB="$PWD/other.db"
	atf_check -s exit:0 "$APITOKEN" init -q
	mk stray --user ci
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" restore -q --atomic \
	    <dump
	refused stray.tok ci "unknown token"
	ok plain.tok ci
	atf_check -o inline:"6\n" -x "\"$APITOKEN\" list -o json | wc -l | tr -d ' '"
}

atf_test_case restore_openssl_export
restore_openssl_export_head()
{
	atf_set "descr" "a backup made when libcrypto computed the HMAC restores" \
	    "and verifies the same tokens (the verifiers did not change)"
}
restore_openssl_export_body()
{
	local data="$SRCDIR/tests/data"

	# Exported by apitoken at 71425e0, whose HMAC-SHA-256 was OpenSSL's.
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" --db old.db restore -q \
	    <"$data/openssl-export.jsonl"
	export APITOKEN_DB="$PWD/old.db"
	sed -n 1p "$data/openssl-export.tokens" >native.tok
	sed -n 2p "$data/openssl-export.tokens" >imported.tok
	ok native.tok deploy
	ok imported.tok keptn
	refused native.tok keptn "another user"
	# Another text is another digest: no record.
	sed 's/AAAA/AAAB/' imported.tok >wrong.tok
	refused wrong.tok keptn "unknown token"
}

atf_test_case last_used
last_used_head()
{
	atf_set "descr" "the last use travels through export and restore"
}
last_used_body()
{
	store
	mk used --user ci
	mk idle --user ci
	atf_check -s exit:0 -o save:dump "$APITOKEN" export
	# Logins record their use; here restore plants one.
	jq -c 'if .name == "used" then .last_used = "2026-01-02T03:04:05Z" |
	    .last_from = "192.0.2.9" else . end' dump >dump2
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" restore -q <dump2
	atf_check -o match:"^Last used: +2026-01-02T03:04:05Z from 192.0.2.9$" \
	    "$APITOKEN" show used
	atf_check -o match:"^Last used: +never$" "$APITOKEN" show idle
	jis used .last_used "2026-01-02T03:04:05Z"
	jis used .last_from "192.0.2.9"
	jis idle .last_from "null"
	atf_check -o match:"^used .* [0-9]+[smhdy] ago +[0-9]+[smhdy]$" \
	    -o match:"^idle .* never +[0-9]+[smhdy]$" "$APITOKEN" list
	atf_check -s exit:0 -o save:dump3 "$APITOKEN" export
	atf_check -o file:dump2 -x "tail -n +2 dump3 | sed '1i\\
'\"\$(head -1 dump2)\""
}

atf_test_case restore_refuses
restore_refuses_head()
{
	atf_set "descr" "a bad export changes nothing"
}
restore_refuses_body()
{
	store
	mk a --user ci
	mk b --user ci
	atf_check -s exit:0 -o save:dump -e empty "$APITOKEN" export
	mk c --user ci
	atf_check -s exit:0 -o save:before "$APITOKEN" export
	try()
	{
		fails "$1" "$APITOKEN" restore <bad
		atf_check -s exit:0 -o save:after "$APITOKEN" export
		atf_check -o file:before -x "tail -n +2 after | sed '1i\\
'\"\$(head -1 before)\""
		ok c.tok ci
	}
	: >bad
	try "no export on standard input"
	head -2 dump >bad
	try "1 tokens, the header says 2: a truncated export"
	{ cat dump; tail -1 dump; } >bad
	try "line 4: more tokens than the header's count of 2"
	n2=$(sed -n 2p dump | jq -r .name)
	sed "3s/\"name\":\"[^\"]*\"/\"name\":\"$n2\"/" dump >bad
	try "line 3: $n2: id or name twice"
	sed -n 2p dump >line2
	{ cat dump; } | sed "3r line2" | sed '1s/"count":2/"count":3/' >bad
	try "line 4: .*: id or name twice"
	sed '3s/"verifier":"[^"]*"/"verifier":"AAAA"/' dump >bad
	try "line 3: bad or unknown verifier"
	sed '2s/"role":"User"/"rolle":"User"/' dump >bad
	try "line 2: bad or unknown rolle"
	sed '2s/"name":"[^"]*"/"name":"a b"/' dump >bad
	try "line 2: bad or unknown"
	sed '3s/}$/,}/' dump >bad
	try "line 3: not JSON"
	sed '1s/"version":1/"version":2/' dump >bad
	try "written by a newer apitoken"
	sed '1s/"schema":1/"schema":9/' dump >bad
	try "written by a newer apitoken"
	sed '1s/"key":"[^"]*"/"key":"c2hvcnQ="/' dump >bad
	try "line 1: bad key"
	echo '{"format":"something-else"}' >bad
	try "line 1: not an apitoken export header"
	# A failed restore into no store leaves no store behind.
	atf_check -s exit:1 -e ignore "$APITOKEN" --db fresh.db restore <bad
	atf_check -s exit:1 test -e fresh.db
}

atf_test_case secret_not_stored
secret_not_stored_head()
{
	atf_set "descr" "the store file holds no token, secret or imported text"
}
secret_not_stored_body()
{
	store
	mk s1
	atf_check -s exit:0 -o save:s2.tok -e ignore "$APITOKEN" regenerate \
	    s1 --grace P1D -q
	printf 'imported-secret-text-of-keptn\n' >imp.tok
	atf_check -s exit:0 -e ignore "$APITOKEN" import --name imp <imp.tok
	for f in s1.tok s2.tok; do
		atf_check -s exit:1 grep -F "$(cut -d_ -f3 <$f)" tokens.db
		atf_check -s exit:1 grep -F "$(cut -c 28-40 <$f)" tokens.db
	done
	atf_check -s exit:1 grep -F imported-secret tokens.db
	# The id, on the other hand, is there.
	atf_check -s exit:0 -o ignore grep -c s1 tokens.db
}

atf_test_case store_not_writable
store_not_writable_head()
{
	atf_set "descr" "a store that cannot be written: one line, exit 1"
}
store_not_writable_body()
{
	store
	mk w --user ci
	chmod 0400 tokens.db tokens.db-lock
	# root may write anything: drop the capability that lets it.
	run=""
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || atf_skip "setpriv needed as root"
		run="setpriv --bounding-set=-dac_override,-dac_read_search"
	fi
	# shellcheck disable=SC2086 # $run is a command line or nothing.
	fails "tokens.db" $run "$APITOKEN" create --name x
	# shellcheck disable=SC2086
	fails "tokens.db" $run "$APITOKEN" revoke w
	chmod 0600 tokens.db tokens.db-lock
	ok w.tok ci
}

atf_test_case store_newer_schema
store_newer_schema_head()
{
	atf_set "descr" "a store from a newer schema is refused, not misread"
	atf_set "require.progs" "mdb_dump mdb_load"
}
store_newer_schema_body()
{
	store
	mk n --user ci
	# Rewrite the schema version in "meta" with LMDB's own tools.
	mdb_dump -n -s meta tokens.db >meta.txt
	atf_check -o ignore grep -E '^ 736368656d61$' meta.txt
	awk 'prev == " 736368656d61" { sub(/01$/, "63") } { print; prev = $0 }' \
	    meta.txt >meta2.txt
	atf_check -s exit:1 cmp -s meta.txt meta2.txt
	atf_check -s exit:0 -e ignore mdb_load -n -s meta -f meta2.txt tokens.db
	fails "tokens.db: .*schema 99" "$APITOKEN" list
	fails "tokens.db: .*schema 99" "$APITOKEN" create --name x
	atf_check -s exit:1 -o empty -e match:"schema 99" "$APITOKEN" verify \
	    --user ci <n.tok
	# A record of a newer schema (its first byte), and a damaged one.
	atf_check -s exit:0 -e ignore mdb_load -n -s meta -f meta.txt tokens.db
	atf_check -s exit:0 -o ignore "$APITOKEN" list
	mdb_dump -n -s tokens tokens.db >tokens.txt
	for how in newer damaged; do
		awk -v how=$how '/^HEADER=END/ { h = 1; print; next }
		    h && /^ / && ++n % 2 == 0 {
			if (how == "newer") sub(/^ 01/, " 02")
			else $0 = " 01ff"
		    } { print }' tokens.txt >tokens2.txt
		atf_check -s exit:1 cmp -s tokens.txt tokens2.txt
		atf_check -s exit:0 -e ignore mdb_load -n -s tokens \
		    -f tokens2.txt tokens.db
		case $how in
		newer)	words="newer version" ;;
		damaged) words="corrupt" ;;
		esac
		fails "tokens.db: list: .*$words" "$APITOKEN" list
		fails "tokens.db: n: .*$words" "$APITOKEN" show n
		fails "tokens.db: n: .*$words" "$APITOKEN" revoke n
		fails "tokens.db: export: .*$words" "$APITOKEN" export
		refused_or_err=$("$APITOKEN" verify --user ci <n.tok 2>&1) &&
		    atf_fail "a $how record verified"
		echo "$refused_or_err" | grep -q "$words" ||
		    atf_fail "verify of a $how record: $refused_or_err"
	done
}

atf_test_case store_corrupt
store_corrupt_head()
{
	atf_set "descr" "a truncated or random store: one line, exit 1, no crash"
}
store_corrupt_body()
{
	store
	mk c --user ci
	size=$(stat -c %s tokens.db)
	cp tokens.db good.db
	for how in truncated short random zero; do
		case $how in
		truncated)	head -c 8192 good.db >tokens.db ;;
		short)		head -c 100 good.db >tokens.db ;;
		random)		head -c "$size" /dev/urandom >tokens.db ;;
		zero)		: >tokens.db ;;
		esac
		rm -f tokens.db-lock
		for cmd in list "show c" "create --name x" export; do
			# shellcheck disable=SC2086 # A command and its words.
			fails "tokens.db" "$APITOKEN" $cmd
		done
		atf_check -s exit:1 -o empty -e match:"^apitoken: .*tokens.db" \
		    "$APITOKEN" verify --user ci <c.tok
	done
}

atf_test_case man_pages
man_pages_head()
{
	atf_set "descr" "the man pages are lint-clean and name every option"
	atf_set "require.progs" "mandoc"
}
man_pages_body()
{
	atf_check -s exit:0 -o empty -e empty mandoc -Tlint -Wwarning \
	    "$SRCDIR/man/apitoken.8" "$SRCDIR/man/apitoken.db.5"
	mandoc -Tascii "$SRCDIR/man/apitoken.8" | sed 's/.\x08//g' >page
	for word in $("$APITOKEN" --help | grep -Eo -- '--?[a-z-]+|^ +apitoken \[--db PATH\] [a-z]+' |
	    sed 's/.* //' | sort -u); do
		grep -q -e "$word" page || atf_fail "apitoken.8 lacks $word"
	done
}

atf_init_test_cases()
{
	atf_add_test_case usage
	atf_add_test_case options__never_echo_values
	atf_add_test_case find__whole_token_not_echoed
	atf_add_test_case init
	atf_add_test_case init_directory
	atf_add_test_case store_missing
	atf_add_test_case create_quiet
	atf_add_test_case create_warns
	atf_add_test_case create_defaults
	atf_add_test_case create_duplicate
	atf_add_test_case create_bad_values
	atf_add_test_case list_table
	atf_add_test_case list_filters
	atf_add_test_case list_json
	atf_add_test_case show
	atf_add_test_case verify_rules
	atf_add_test_case verify_unsafe
	atf_add_test_case verify_prompt
	atf_add_test_case verify_expired
	atf_add_test_case regenerate
	atf_add_test_case regenerate_grace
	atf_add_test_case revoke
	atf_add_test_case delete
	atf_add_test_case import
	atf_add_test_case parent
	atf_add_test_case prune
	atf_add_test_case export_restore
	atf_add_test_case restore_openssl_export
	atf_add_test_case last_used
	atf_add_test_case restore_refuses
	atf_add_test_case secret_not_stored
	atf_add_test_case store_not_writable
	atf_add_test_case store_newer_schema
	atf_add_test_case store_corrupt
	atf_add_test_case man_pages
}
