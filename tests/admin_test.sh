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

atf_init_test_cases() {
	atf_add_test_case values__never_echo_tokens
	atf_add_test_case stored_text__escaped
}
