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
	store
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

atf_init_test_cases() {
	atf_add_test_case default_user__sa
	atf_add_test_case export__private
	atf_add_test_case parent__takes_user_and_role
	atf_add_test_case create__unwritable_token_not_kept
	atf_add_test_case role__typo_refused
	atf_add_test_case values__never_echo_tokens
	atf_add_test_case stored_text__escaped
}
