# Tests of the apitoken admin tool for issue 12: no secret in a message,
# no control character to the terminal, safe outcomes and the habits
# admins bring (kubectl, GNU).  The helpers are tests/tool.subr's.

. "$SRCDIR/tests/tool.subr"

# A native token of the right shape that is in no store.
PASTED="atk_3W6iQLfpDKuixgBIvVlHBp_81v42VzgVRIFnR8m3jQzL0bq5xHZOTa1b2c3d4e5f6g7h8i9j0kLmNoP"

atf_test_case values__never_echo_tokens
values__never_echo_tokens_head() {
	atf_set descr "A token typed as the value of --expires, --from, --role, --policy, --name, --user, --db, -o or a duration is refused without being printed back"
}
values__never_echo_tokens_body() {
	local args
	store
	mk base
	while read -r args; do
		# shellcheck disable=SC2086
		atf_check -s exit:2 -o empty -e save:err "$APITOKEN" $args
		atf_check -s exit:1 grep -F -e "$PASTED" err
		atf_check -s exit:1 grep -F -e "qU39dG9rZW4tZXhhbXBsZQ" err
		atf_check -o ignore grep -F -e "(a value shaped like a token, not shown)" err
	done <<EOF
create --name n --expires $PASTED
create --name n --from $PASTED
create --name n --role $PASTED
create --name n --policy $PASTED
create --name n --user $PASTED
create --name $PASTED
create --name qU39dG9rZW4tZXhhbXBsZQ
--db $PASTED list
list -o $PASTED
list --expiring $PASTED
prune --older-than $PASTED
regenerate base --grace $PASTED
init --prefix $PASTED
EOF
	# A CamelCase name is a name, not a secret.
	mk GitHubActionsRunner --role User
	# The same through APITOKEN_DB.
	atf_check -s exit:2 -o empty -e save:err env APITOKEN_DB="$PASTED" \
	    "$APITOKEN" list
	atf_check -s exit:1 grep -F -e "$PASTED" err
	# A value that is no token is still named, its controls escaped.
	atf_check -s exit:2 -o empty -e save:err "$APITOKEN" create --name n \
	    --expires "$(printf 'P1\033[2J')"
	atf_check -o ignore grep -F -e 'bad duration "P1\x1b[2J"' err
}

atf_test_case stored_text__escaped
stored_text__escaped_head() {
	atf_set descr "show and list -o json print stored text (a remote host with ESC, CR, LF; a description with a C1 control) with C-style escapes, never raw"
}
stored_text__escaped_body() {
	store
	mk e --description "$(printf 'csi \302\233 here')"
	atf_check -s exit:0 -o save:dump -e empty "$APITOKEN" export
	# A last use from a remote host full of terminal controls.
	jq -c 'if .name == "e" then .last_used = "2026-01-02T03:04:05Z" |
	    .last_from = "ev\u001b[2J\r\nil\u007f" else . end' dump >dump2
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" restore <dump2
	atf_check -s exit:0 -o save:out -e empty "$APITOKEN" show e
	atf_check -o match:'^Last used: .* from ev\\x1b\[2J\\r\\nil\\x7f$' \
	    -o match:'^Description: +csi \\xc2\\x9b here$' cat out
	atf_check -s exit:1 grep -q "$(printf '\033')" out
	atf_check -s exit:1 grep -q "$(printf '\302\233')" out
	for cmd in "show e" "list"; do
		# shellcheck disable=SC2086
		atf_check -s exit:0 -o save:j -e empty "$APITOKEN" $cmd -o json
		atf_check -o inline:'ev\\x1b[2J\\r\\nil\\x7f\n' \
		    jq -r 'select(.name == "e") | .last_from' j
		atf_check -o inline:'csi \\xc2\\x9b here\n' \
		    jq -r 'select(.name == "e") | .description' j
	done
	# An export keeps the text as stored, for restore.
	atf_check -s exit:0 -o save:dump3 -e empty "$APITOKEN" export
	atf_check -o inline:'"ev\\u001b[2J\\r\\nil\\u007f"\n' \
	    -x "jq 'select(.name == \"e\") | .last_from' dump3"
}

atf_test_case default_user__sa
default_user__sa_head() {
	atf_set descr "A new token logs in as sa-<id in lower case> (25 characters, which useradd takes), or the store's init --user-prefix; a prefix that makes no valid user name is refused; old tokens keep their user"
}
default_user__sa_body() {
	local u
	store
	mk d
	u=$(jshow d .user)
	atf_check -o inline:"$(defuser d.tok)\n" echo "$u"
	atf_check -o match:'^sa-[0-9a-z]{22}$' echo "$u"
	[ ${#u} -le 32 ] || atf_fail "$u: longer than 32"
	# A store of its own with another prefix.
	atf_check -s exit:0 -o empty -e ignore "$APITOKEN" --db "$PWD/u.db" \
	    init --user-prefix ci-
	atf_check -s exit:0 -o save:c.tok -e ignore "$APITOKEN" \
	    --db "$PWD/u.db" create -q --name c
	atf_check -s exit:0 -o match:"^User: +ci-$(tid c.tok | tr '[:upper:]' '[:lower:]')\$" \
	    -e empty "$APITOKEN" --db "$PWD/u.db" show c
	for p in Ci- -ci 1ci ci. 'c i' abcdefghijk ''; do
		atf_check -s exit:2 -o empty -e match:"bad user prefix" \
		    "$APITOKEN" --db "$PWD/bad.db" init --user-prefix "$p"
		[ ! -e bad.db ] || atf_fail "store made with prefix '$p'"
	done
	atf_check -s exit:0 -o empty -e ignore "$APITOKEN" --db "$PWD/ten.db" \
	    init --user-prefix abcdefghij
	# A token of 67ddc10 keeps its service-account-<id> user.
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" restore \
	    <"$SRCDIR/tests/data/store-67ddc10.jsonl"
	atf_check -s exit:0 -o match:'^User: +service-account-2v3shqh11m1r74xa6ekwdp$' \
	    -e empty "$APITOKEN" show nightly
}

atf_test_case export__private
export__private_head() {
	atf_set descr "export refuses a standard output file group or others may read (the store's key is in it); export -o FILE makes it 0600, whole or not at all"
}
export__private_body() {
	store
	mk x
	umask 022
	atf_check -s exit:1 -o empty -e save:err -x "\"$APITOKEN\" export >open.jsonl"
	atf_check -o match:"mode 0644.*export -o FILE" cat err
	atf_check -o inline:"0\n" -x "wc -c <open.jsonl | tr -d ' '"
	# A private file, a pipe: fine.
	chmod 600 open.jsonl
	atf_check -s exit:0 -o empty -e empty -x "\"$APITOKEN\" export >open.jsonl"
	atf_check -s exit:0 -o match:apitoken-export -e empty -x \
	    "\"$APITOKEN\" export | head -1"
	# -o: 0600 under umask 022, the same lines; again over the old one.
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" export -o out.jsonl
	atf_check -o inline:"600\n" stat -c %a out.jsonl
	atf_check -o inline:"2\n" -x "wc -l <out.jsonl | tr -d ' '"
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" export --output out.jsonl
	atf_check -o inline:"600\n" stat -c %a out.jsonl
	# Nothing half-written where it cannot be made.
	atf_check -s exit:1 -o empty -e match:"export: nodir/out.jsonl" \
	    "$APITOKEN" export -o nodir/out.jsonl
	ls -A >files
	atf_check -s exit:1 grep -e '\.tmp' files
}

atf_test_case parent__takes_user_and_role
parent__takes_user_and_role_head() {
	atf_set descr "create --parent: the child takes its parent's user and role (asking for others is refused), and a child left with none of the policies it asked for is refused"
}
parent__takes_user_and_role_body() {
	store_never
	mk p --user alice --policy sshd --policy su
	fails "role \"Administrator\" refused: a child token has its parent's role, User" \
	    "$APITOKEN" create --name c1 --parent p --role Administrator
	fails "user \"root\" refused: a child token logs in as its parent's user, alice" \
	    "$APITOKEN" create --name c2 --parent p --user root
	atf_check -s exit:1 -o empty -e save:err "$APITOKEN" create \
	    --name c3 --parent p --policy sudo --policy login
	atf_check -o match:"nothing left of the policies asked for" cat err
	atf_check -s exit:0 -o inline:"p\n" -e empty -x \
	    "\"$APITOKEN\" list -o json | jq -r .name"
	mk c4 --parent p --user alice --role User
	jis c4 .user alice
	jis c4 .role User
	mk c5 --parent p
	jis c5 .user alice
	jis c5 .policies '["sshd","su"]'
	atf_check -s exit:0 -o save:c6.tok -e match:"policy sudo dropped" \
	    "$APITOKEN" create -q --name c6 --parent p --policy sudo --policy su
	jis c6 .policies '["su"]'
}

atf_test_case create__unwritable_token_not_kept
create__unwritable_token_not_kept_head() {
	atf_set descr "create -q > /dev/full fails and keeps no token (the name stays free); regenerate -q > /dev/full keeps the old secret"
}
create__unwritable_token_not_kept_body() {
	[ -w /dev/full ] || atf_skip "no /dev/full"
	store
	atf_check -s exit:1 -o empty -e match:"standard output" -x \
	    "\"$APITOKEN\" create -q --name full >/dev/full"
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" list
	mk full --user bob
	atf_check -s exit:1 -o empty -e match:"standard output" -x \
	    "\"$APITOKEN\" regenerate -q full >/dev/full"
	ok full.tok bob
}

atf_test_case role__typo_refused
role__typo_refused_head() {
	atf_set descr "A role neither built in nor carried by a token is refused (a typo) unless --new-role"
}
role__typo_refused_body() {
	store
	usage_fails "unknown role \"Adminstrator\": not Administrator or User, and no token has it \(--new-role to make it\)" \
	    "$APITOKEN" create --name t --role Adminstrator
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" list
	mk a --role Administrator
	mk u --role User
	mk d --role Deployer --new-role
	mk d2 --role Deployer
	jis d2 .role Deployer
	atf_check -s exit:2 -o empty -e match:"unknown role" "$APITOKEN" \
	    import --name i --role Deplyer <d.tok
}

atf_test_case habits__kubectl
habits__kubectl_head() {
	atf_set descr "kubectl habits: -o=json, --output json, --output=json; --db after the command; delete and revoke of several names at once"
}
habits__kubectl_body() {
	local f
	store
	mk a
	mk b
	mk c
	for f in -o=json "--output json" --output=json "-o json"; do
		# shellcheck disable=SC2086
		atf_check -s exit:0 -o match:'^\{"id":' -e empty "$APITOKEN" list $f
		# shellcheck disable=SC2086
		atf_check -s exit:0 -o match:'"name":"a"' -e empty "$APITOKEN" show a $f
	done
	# The global --db anywhere after the command too.
	atf_check -s exit:0 -o empty -e match:"^Made the store" "$APITOKEN" \
	    init --db "$PWD/other.db"
	atf_check -s exit:0 -o save:o.tok -e ignore "$APITOKEN" create -q \
	    --name o --db="$PWD/other.db"
	atf_check -s exit:0 -o match:"^o " -e empty "$APITOKEN" list \
	    --db "$PWD/other.db"
	atf_check -s exit:0 -o not-match:"^o " -e empty "$APITOKEN" list
	usage_fails "option --db needs a value" "$APITOKEN" list --db
	# Several names: all of them, or none when one is wrong.
	atf_check -s exit:1 -o empty -e match:"nosuch: no such token" \
	    "$APITOKEN" revoke a nosuch b
	jis a .revoked null
	atf_check -s exit:0 -o empty -e inline:"Revoked 2 tokens: a, b.\n" \
	    "$APITOKEN" revoke a b --reason "two at once"
	jis b .revoke_reason "two at once"
	atf_check -s exit:0 -o empty -e inline:"Deleted 3 tokens: a, b, c.\n" \
	    "$APITOKEN" delete a b c
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" list
}

atf_test_case habits__help
habits__help_head() {
	atf_set descr "apitoken help [COMMAND]; an unknown command names the closest one in one line; COMMAND --help says what each option does"
}
habits__help_body() {
	local cmd o
	atf_check -s exit:0 -o match:"^usage: apitoken" -o match:"help \[COMMAND\]" \
	    -e empty "$APITOKEN" help
	atf_check -s exit:0 -o match:"^usage: apitoken \[--db PATH\] create" \
	    -o match:"^  --expires WHEN +a duration" -e empty "$APITOKEN" help create
	atf_check -s exit:2 -o empty -e inline:"apitoken: lsit: unknown command; did you mean list?\n" \
	    "$APITOKEN" lsit
	atf_check -s exit:2 -o empty -e inline:"apitoken: ver: unknown command; did you mean verify?\n" \
	    "$APITOKEN" ver
	atf_check -s exit:2 -o empty -e inline:"apitoken: frobnicate: unknown command (apitoken help lists them)\n" \
	    "$APITOKEN" frobnicate
	atf_check -s exit:2 -o empty -e match:"did you mean restore" \
	    "$APITOKEN" help restor
	# Every option of every command's synopsis is described.
	for cmd in init create list show regenerate revoke delete import \
	    verify prune export restore; do
		"$APITOKEN" "$cmd" --help >help.out
		sed '/^$/q' help.out | grep -E -o -- '(^|[[ |])--?[a-z][a-z-]*' |
		    sed 's/^[[ |]//' | grep -v -x -e --db -e --help |
		    sort -u >opts
		while read -r o; do
			grep -q -E -e "^  (-[a-z], )?$o( |,|\$)" help.out ||
			    atf_fail "$cmd --help does not describe $o"
		done <opts
	done
}

atf_test_case habits__say_what_was_done
habits__say_what_was_done_head() {
	atf_set descr "init, delete, revoke, restore and prune say what they did in one line on stderr, with counts; -q silences it"
}
habits__say_what_was_done_body() {
	APITOKEN_DB="$PWD/tokens.db"
	export APITOKEN_DB
	umask 077
	atf_check -s exit:0 -o empty \
	    -e inline:"Made the store $PWD/tokens.db: tokens atk_..., users sa-<id>.\nTokens made without --expires expire after P90D (apitoken config default-lifetime DUR|never changes it).\n" \
	    "$APITOKEN" init
	mk a
	mk b --expires PT1S
	atf_check -s exit:0 -o empty -e inline:"Revoked 1 token: a.\n" \
	    "$APITOKEN" revoke a
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" export -o dump
	atf_check -s exit:0 -o empty \
	    -e inline:"Restored 2 tokens into $PWD/tokens.db.\n" \
	    "$APITOKEN" restore <dump
	sleep 2
	atf_check -s exit:0 -o match:"^pruned a " -o match:"^pruned b " \
	    -e inline:"Pruned 2 tokens (revoked or expired more than PT0S ago).\n" \
	    "$APITOKEN" prune --older-than PT0S
	mk c
	atf_check -s exit:0 -o empty -e inline:"Deleted 1 token: c.\n" \
	    "$APITOKEN" delete c
	# -q: nothing.
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" --db "$PWD/q.db" init -q
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" restore -q <dump
	mk d
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" revoke -q d
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" delete -q d
	atf_check -s exit:0 -o ignore -e empty "$APITOKEN" prune -q
}

atf_test_case habits__durations
habits__durations_head() {
	atf_set descr "Every duration option gives the same ISO 8601 hint for 7d, 30d, 720h, 30m; --expires PT0S is a duration error, not a date error"
}
habits__durations_body() {
	local v want
	store
	mk g
	while read -r v want; do
		usage_fails "create n: bad duration \"$v\": ISO 8601 spells it $want " \
		    "$APITOKEN" create --name n --expires "$v"
		usage_fails "list --expiring: bad duration \"$v\": ISO 8601 spells it $want " \
		    "$APITOKEN" list --expiring "$v"
		usage_fails "regenerate --grace: bad duration \"$v\": ISO 8601 spells it $want " \
		    "$APITOKEN" regenerate g --grace "$v"
		usage_fails "prune --older-than: bad duration \"$v\": ISO 8601 spells it $want " \
		    "$APITOKEN" prune --older-than "$v"
	done <<EOF
7d P7D
30d P30D
720h PT720H
30m PT30M
2w P2W
1y P1Y
EOF
	for v in PT0S P0D; do
		usage_fails "^apitoken: create n: bad duration \"$v\": it must end after now" \
		    "$APITOKEN" create --name n --expires "$v"
		atf_check -s exit:1 grep -F "date" err
	done
	usage_fails "bad duration \"P1X\": want ISO 8601" "$APITOKEN" list --expiring P1X
}

atf_test_case verify__token_argument
verify__token_argument_head() {
	atf_set descr "verify --user U TOKEN (and import --name N TOKEN) say in one line that the token is read from standard input, exit 2 and never print the token"
}
verify__token_argument_body() {
	local t
	store
	mk v
	t="$(cat v.tok)"
	atf_check -s exit:2 -o empty -e save:err "$APITOKEN" verify --user u "$t"
	atf_check -o inline:"apitoken: verify: the token is read from standard input, not the command line\n" cat err
	atf_check -s exit:2 -o empty -e save:err "$APITOKEN" import --name w "$t"
	atf_check -o inline:"apitoken: import: the token is read from standard input, not the command line\n" cat err
	atf_check -s exit:1 grep -F -e "$t" err
	atf_check -s exit:0 -o match:"accepted" -e empty "$APITOKEN" verify \
	    --user "$(defuser v.tok)" <v.tok
}

atf_test_case token_file__powershell
token_file__powershell_head() {
	atf_set descr "A token saved by Windows PowerShell (UTF-16LE with a byte-order mark and CRLF, or UTF-8 with a mark and CRLF) imports, verifies and revokes --leaked as the plain text does"
}
# utf16 FILE: FILE's text as PowerShell 5.1's Set-Content writes it.
utf16() {
	printf '\377\376'
	tr -d '\n' <"$1" | sed 's/./&\n/g' | while IFS= read -r c; do
		printf '%s\000' "$c"
	done
	printf '\r\000\n\000'
}
token_file__powershell_body() {
	store
	mk n
	u="$(defuser n.tok)"
	utf16 n.tok >n.u16
	printf '\357\273\277%s\r\n' "$(cat n.tok)" >n.u8
	# The bytes are what PowerShell writes: FF FE, then 'a' 00 't' 00.
	atf_check -o match:"^ ff fe 61 00 74 00 6b 00" -x "od -A n -t x1 n.u16"
	ok n.u16 "$u"
	ok n.u8 "$u"
	# A foreign secret saved the same way imports as its text.
	printf 'Keptn-0123456789abcdefXYZ==\n' >k.txt
	utf16 k.txt >k.u16
	atf_check -s exit:0 -o empty -e ignore "$APITOKEN" import -q --name k \
	    --user kuser <k.u16
	ok k.txt kuser
	ok k.u16 kuser
	# Not ASCII in UTF-16LE, and half a code unit: refused, in one line.
	printf '\377\376a\000\351\000\r\000\n\000' >bad.u16
	fails "verify: standard input: not ASCII text" \
	    "$APITOKEN" verify --user "$u" <bad.u16
	printf '\377\376a\000b' >odd.u16
	fails "verify: standard input: " "$APITOKEN" verify --user "$u" <odd.u16
	# revoke --leaked reads it too.
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" revoke --leaked <n.u16
	refused n.tok "$u" "revoked"
}

atf_test_case create__format_base64
create__format_base64_head() {
	atf_set descr "create --format base64 makes Keptn's token shape (16 random bytes in base64), stored as an imported token, shown once; native is the default; other formats refused"
}
create__format_base64_body() {
	store
	atf_check -s exit:0 -o save:k.tok -e save:err "$APITOKEN" create \
	    --name k --format base64
	atf_check -o ignore grep -F "will never be shown again" err
	atf_check -o match:'^[A-Za-z0-9+/]{22}==$' cat k.tok
	atf_check -o inline:"16\n" -x "base64 -d k.tok | wc -c | tr -d ' '"
	ok k.tok "$(jshow k .user)"
	# Listed as an imported token is: the same keys, imported true.
	printf 'Keptn-0123456789abcdefXYZ==\n' >i.txt
	atf_check -s exit:0 -o empty -e ignore "$APITOKEN" import -q \
	    --name i <i.txt
	atf_check -o inline:"true\ntrue\n" -x \
	    "\"$APITOKEN\" list -o json | jq -r .imported"
	atf_check -o inline:"Imported:     yes\n" -x \
	    "\"$APITOKEN\" show k | grep Imported"
	# Made twice: two different tokens.
	atf_check -s exit:0 -o save:k2.tok -e ignore "$APITOKEN" create -q \
	    --name k2 --format base64
	atf_check -s exit:1 cmp -s k.tok k2.tok
	# native is the default and can be said.
	atf_check -s exit:0 -o match:"$TOKEN_RE" -e ignore "$APITOKEN" create \
	    -q --name n --format native
	usage_fails '^apitoken: create: --format: "hex": want native or base64$' \
	    "$APITOKEN" create --name x --format hex
	usage_fails '^apitoken: import: --format: ' \
	    "$APITOKEN" import --name x --format base64
}

atf_test_case denied__roots_store_hint
denied__roots_store_hint_head() {
	atf_set descr "A user not root whom the default store refuses (Permission denied) is told it is root's store and to use --db for one's own; another store gets no hint"
	atf_set require.progs "setpriv unshare"
}
denied__roots_store_hint_body() {
	local asnobody hint f
	[ "$(id -u)" = 0 ] || atf_skip "needs root to run apitoken as nobody"
	asnobody="setpriv --reuid=nobody --regid=nogroup --clear-groups"
	$asnobody test -x "$APITOKEN" ||
	    atf_skip "nobody cannot reach the build tree"
	hint="(root's store: run apitoken as root, or use --db PATH for a store of your own)"
	# The default store, in a /var/lib of this test's own mount
	# namespace: the machine's is never touched.
	cat >run.sh <<EOF
set -e
mount -t tmpfs -o mode=0755 tmpfs /var/lib
mkdir -m 0700 /var/lib/apitoken
unset APITOKEN_DB
r=0; $asnobody "$APITOKEN" list 2>dir.err || r=\$?; echo \$r >dir.rc
chmod 0755 /var/lib/apitoken
"$APITOKEN" init -q
r=0; $asnobody "$APITOKEN" list 2>file.err || r=\$?; echo \$r >file.rc
mkdir -m 0700 /var/lib/other
"$APITOKEN" --db /var/lib/other/t.db init -q
r=0; $asnobody "$APITOKEN" --db /var/lib/other/t.db list 2>other.err ||
    r=\$?; echo \$r >other.rc
EOF
	unshare --mount --propagation private sh -e run.sh ||
	    atf_skip "no private mount namespace with a tmpfs here"
	# The directory is root's only, then the file is.
	for f in dir file; do
		atf_check -o inline:"1\n" cat $f.rc
		atf_check -o inline:"apitoken: /var/lib/apitoken/tokens.db: Permission denied $hint\n" \
		    cat $f.err
	done
	atf_check -o inline:"1\n" cat other.rc
	atf_check -o match:"Permission denied" cat other.err
	atf_check -s exit:1 grep -F "root's store" other.err
}

atf_init_test_cases() {
	atf_add_test_case denied__roots_store_hint
	atf_add_test_case create__format_base64
	atf_add_test_case verify__token_argument
	atf_add_test_case token_file__powershell
	atf_add_test_case habits__kubectl
	atf_add_test_case habits__help
	atf_add_test_case habits__say_what_was_done
	atf_add_test_case habits__durations
	atf_add_test_case default_user__sa
	atf_add_test_case export__private
	atf_add_test_case parent__takes_user_and_role
	atf_add_test_case create__unwritable_token_not_kept
	atf_add_test_case role__typo_refused
	atf_add_test_case values__never_echo_tokens
	atf_add_test_case stored_text__escaped
}
