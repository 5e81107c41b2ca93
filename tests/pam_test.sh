# pam_apitoken.so through the real libpam, with pam_wrapper: a private PAM
# service directory, no root needed.  tests/pam_drive plays the login
# program: it answers the prompt from stdin and prints each step's result.

# scripts/dev valgrind sets APITOKEN_VALGRIND to a valgrind command line
# that the driver then runs under.
APITOKEN_VALGRIND=${APITOKEN_VALGRIND:-}

MODULE="$BUILDDIR/pam_apitoken/.libs/pam_apitoken.so"
APITOKEN="$BUILDDIR/tools/apitoken"
DRIVE="$BUILDDIR/tests/pam_drive"
SVC=atktest

# A store in the work directory with one token for alice; its text in
# ./alice.tok.
setup_store() {
	umask 077
	mkdir -m 0700 db
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" --db "$PWD/db/tokens.db" init
	atf_check -s exit:0 -o save:alice.tok -e ignore "$APITOKEN" \
	    --db "$PWD/db/tokens.db" create --name alice-ci --user alice \
	    --role Administrator --policy "$SVC" -q
}

# service LINES...: write the private PAM service file.
service() {
	mkdir -p svc
	printf '%s\n' "$@" > "svc/$SVC"
}

# The default stack: our module for auth and account.
default_service() {
	service "auth required $MODULE db=$PWD/db/tokens.db $*" \
	    "account required $MODULE db=$PWD/db/tokens.db $*"
}

# ./drive [pam_drive args]: run the private PAM service under pam_wrapper,
# stdin passed through (a script, so that atf_check can run it).
require_built() {
	# scripts/dev sanitize: an ASan runtime must come first in a process,
	# and pam_wrapper's preload comes before it.
	[ -z "${APITOKEN_SANITIZED:-}" ] ||
	    atf_skip "pam_wrapper's LD_PRELOAD does not mix with ASan"
	[ -f "$MODULE" ] || atf_fail "module not built: $MODULE"
	[ -x "$APITOKEN" ] || atf_fail "apitoken not built: $APITOKEN"
	cat > drive <<EOF
#!/bin/sh
exec env LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1 \\
    PAM_WRAPPER_SERVICE_DIR="$PWD/svc" $APITOKEN_VALGRIND "$DRIVE" "\$@"
EOF
	chmod +x drive
}

atf_test_case auth__right_token
auth__right_token_head() {
	atf_set descr "A valid token authenticates, passes account, sets the PAM environment"
}
auth__right_token_body() {
	require_built
	setup_store
	default_service
	id=$("$APITOKEN" --db "$PWD/db/tokens.db" show alice-ci -o json |
	    sed -n 's/.*"id": *"\([0-9A-Za-z]*\)".*/\1/p')
	[ -n "$id" ] || atf_fail "no id from apitoken show"
	atf_check -s exit:0 -o save:out -e match:"prompt: API token: " \
	    ./drive "$SVC" alice auth acct setcred env < alice.tok
	atf_check -o inline:"auth PAM_SUCCESS\nacct PAM_SUCCESS\nsetcred PAM_SUCCESS\n" \
	    grep -v '^env' out
	atf_check -o inline:"env APITOKEN_ID=$id\n" grep '^env APITOKEN_ID=' out
	atf_check -o inline:"env APITOKEN_NAME=alice-ci\n" grep '^env APITOKEN_NAME=' out
	atf_check -o inline:"env APITOKEN_ROLE=Administrator\n" grep '^env APITOKEN_ROLE=' out
}

atf_test_case auth__custom_prompt
auth__custom_prompt_body() {
	require_built
	setup_store
	service "auth required $MODULE db=$PWD/db/tokens.db [prompt=CI token: ]"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" \
	    -e match:"prompt: CI token: " ./drive "$SVC" alice auth < alice.tok
}

atf_test_case auth__wrong_tokens
auth__wrong_tokens_head() {
	atf_set descr "Wrong secret, unknown id, typo, garbage, empty, other user: PAM_AUTH_ERR"
}
auth__wrong_tokens_body() {
	require_built
	setup_store
	default_service
	db="$PWD/db/tokens.db"
	# The old secret after a regenerate: right id, wrong secret.
	cp alice.tok old.tok
	atf_check -s exit:0 -o save:alice.tok -e ignore "$APITOKEN" --db "$db" \
	    regenerate alice-ci -q
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" alice auth < old.tok
	# A deleted token: an unknown id with a good checksum.
	atf_check -s exit:0 -o save:gone.tok -e ignore "$APITOKEN" --db "$db" \
	    create --name gone --user alice -q
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" --db "$db" delete gone
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" alice auth < gone.tok
	# One character changed: the checksum fails.
	sed 's/.$/X/' alice.tok > typo.tok
	cmp -s typo.tok alice.tok && sed 's/.$/Y/' alice.tok > typo.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" alice auth < typo.tok
	# Garbage, an empty answer, sshd's fake password for invalid users.
	for t in 'not a token at all' '' "$(printf '\b\n\r\177INCORRECT')"; do
		printf '%s\n' "$t" > bad.tok
		atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
		    ./drive "$SVC" alice auth < bad.tok
	done
	# Alice's token for bob.
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" bob auth < alice.tok
	# And the right one still works.
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
}

atf_test_case auth__revoked_and_expired
auth__revoked_and_expired_body() {
	require_built
	setup_store
	default_service
	db="$PWD/db/tokens.db"
	atf_check -s exit:0 -o save:short.tok -e ignore "$APITOKEN" --db "$db" \
	    create --name short --user alice --expires PT1S -q
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" --db "$db" \
	    revoke alice-ci --reason "laptop stolen"
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	sleep 2
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" alice auth < short.tok
}

atf_test_case auth__role_policy_network
auth__role_policy_network_head() {
	atf_set descr "role=, policy=, policy=service and --from rules"
}
auth__role_policy_network_body() {
	require_built
	setup_store
	db="$PWD/db/tokens.db"
	atf_check -s exit:0 -o save:user.tok -e ignore "$APITOKEN" --db "$db" \
	    create --name plain --user alice --from 10.0.0.0/8 -q

	service "auth required $MODULE db=$db role=Administrator"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive -r 10.1.2.3 "$SVC" alice auth < user.tok

	service "auth required $MODULE db=$db policy=service"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive -r 10.1.2.3 "$SVC" alice auth < user.tok

	service "auth required $MODULE db=$db policy=deploy"
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok

	service "auth required $MODULE db=$db"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive -r 10.1.2.3 "$SVC" alice auth < user.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive -r 192.0.2.1 "$SVC" alice auth < user.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive -r host.example "$SVC" alice auth < user.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e ignore \
	    ./drive "$SVC" alice auth < user.tok
}

atf_test_case auth__first_pass
auth__first_pass_head() {
	atf_set descr "use_first_pass and try_first_pass take PAM_AUTHTOK"
}
auth__first_pass_body() {
	require_built
	setup_store
	db="$PWD/db/tokens.db"
	setitems=/usr/lib/x86_64-linux-gnu/pam_wrapper/pam_set_items.so
	[ -f "$setitems" ] || atf_fail "pam_wrapper's pam_set_items.so is missing"

	# use_first_pass with no earlier module: fails without a prompt.
	service "auth required $MODULE db=$db use_first_pass"
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e not-match:prompt \
	    ./drive "$SVC" alice auth < alice.tok

	# An earlier instance prompts (and fails on role=), the next one takes
	# the answer from PAM_AUTHTOK without prompting again.
	service "auth optional $MODULE db=$db role=Nobody" \
	    "auth required $MODULE db=$db use_first_pass"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e save:err \
	    ./drive "$SVC" alice auth < alice.tok
	atf_check -o inline:"1\n" grep -c prompt err

	# pam_wrapper's pam_set_items.so sets PAM_AUTHTOK from the environment.
	tok=$(cat alice.tok)
	service "auth required $setitems" \
	    "auth required $MODULE db=$db use_first_pass"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e not-match:prompt \
	    env PAM_AUTHTOK="$tok" ./drive "$SVC" alice auth < /dev/null

	service "auth required $setitems" \
	    "auth required $MODULE db=$db try_first_pass"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e not-match:prompt \
	    env PAM_AUTHTOK="$tok" ./drive "$SVC" alice auth < /dev/null
	# A wrong PAM_AUTHTOK is not retried with a prompt.
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e not-match:prompt \
	    env PAM_AUTHTOK=wrong-token-wrong-token ./drive "$SVC" alice auth \
	    < alice.tok
	# try_first_pass with nothing before it prompts.
	service "auth required $MODULE db=$db try_first_pass"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e match:prompt \
	    ./drive "$SVC" alice auth < alice.tok
}

atf_test_case auth__fail_closed
auth__fail_closed_head() {
	atf_set descr "A missing, unsafe or corrupt store is PAM_AUTHINFO_UNAVAIL, never success"
}
auth__fail_closed_body() {
	require_built
	setup_store
	db="$PWD/db/tokens.db"
	default_service

	# Missing.
	service "auth required $MODULE db=$PWD/nowhere/tokens.db"
	atf_check -s exit:1 -o inline:"auth PAM_AUTHINFO_UNAVAIL\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok

	# Writable by group or others.
	default_service
	chmod 0660 "$db"
	atf_check -s exit:1 -o inline:"auth PAM_AUTHINFO_UNAVAIL\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	chmod 0606 "$db"
	atf_check -s exit:1 -o inline:"auth PAM_AUTHINFO_UNAVAIL\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	chmod 0600 "$db"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok

	# A parent directory writable by others.
	chmod 0777 db
	atf_check -s exit:1 -o inline:"auth PAM_AUTHINFO_UNAVAIL\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	chmod 0700 db

	# A symlink instead of the store.
	ln -s "$db" link.db
	service "auth required $MODULE db=$PWD/link.db"
	atf_check -s exit:1 -o inline:"auth PAM_AUTHINFO_UNAVAIL\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok

	# A directory instead of the store.
	mkdir -p dir.db
	service "auth required $MODULE db=$PWD/dir.db"
	atf_check -s exit:1 -o inline:"auth PAM_AUTHINFO_UNAVAIL\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok

	# Random bytes, and a truncated store.
	mkdir -m 0700 junk
	head -c 65536 /dev/urandom > junk/tokens.db
	chmod 0600 junk/tokens.db
	service "auth required $MODULE db=$PWD/junk/tokens.db"
	atf_check -s exit:1 -o inline:"auth PAM_AUTHINFO_UNAVAIL\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	mkdir -m 0700 short
	head -c 4096 "$db" > short/tokens.db
	chmod 0600 short/tokens.db
	service "auth required $MODULE db=$PWD/short/tokens.db"
	atf_check -s exit:1 -o inline:"auth PAM_AUTHINFO_UNAVAIL\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
	: > short/tokens.db
	atf_check -s exit:1 -o inline:"auth PAM_AUTHINFO_UNAVAIL\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
}

atf_test_case args__bad_options
args__bad_options_head() {
	atf_set descr "An unknown or malformed module argument is PAM_SERVICE_ERR"
}
args__bad_options_body() {
	require_built
	setup_store
	db="$PWD/db/tokens.db"
	for opt in rol=Administrator nouserOK db=relative/path db= prompt= \
	    role= policy= "use_first_pass try_first_pass" debug=1; do
		service "auth required $MODULE db=$db $opt"
		atf_check -s exit:1 -o inline:"auth PAM_SERVICE_ERR\n" -e ignore \
		    ./drive "$SVC" alice auth < alice.tok
	done
	service "account required $MODULE db=$db bogus"
	atf_check -s exit:1 -o inline:"acct PAM_SERVICE_ERR\n" -e ignore \
	    ./drive "$SVC" alice acct < /dev/null
	# Every documented option is accepted.
	service "auth required $MODULE db=$db debug try_first_pass prompt=T: role=Administrator policy=service nouserok last_used"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive "$SVC" alice auth < alice.tok
}

atf_test_case nouserok__next_module_asked
nouserok__next_module_asked_body() {
	require_built
	setup_store
	db="$PWD/db/tokens.db"
	service "auth [success=done ignore=ignore default=die] $MODULE db=$db nouserok" \
	    "auth required pam_permit.so"
	# A user without any token: ignored, pam_permit decides, no prompt.
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e not-match:prompt \
	    ./drive "$SVC" carol auth < /dev/null
	# A user with tokens must give a right one.
	echo wrong-token-wrong-token > bad.tok
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e match:prompt \
	    ./drive "$SVC" alice auth < bad.tok
	# Without nouserok a user without tokens is refused.
	service "auth [success=done ignore=ignore default=die] $MODULE db=$db" \
	    "auth required pam_permit.so"
	atf_check -s exit:1 -o inline:"auth PAM_AUTH_ERR\n" -e match:prompt \
	    ./drive "$SVC" carol auth < bad.tok
}

atf_test_case account__revoked_between_auth_and_account
account__revoked_between_auth_and_account_body() {
	require_built
	setup_store
	default_service
	mkfifo in
	./drive "$SVC" alice auth wait acct < in > out 2> err &
	pid=$!
	exec 3> in
	cat alice.tok >&3
	i=0
	until grep -q '^auth' out 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 100 ] || atf_fail "auth did not finish"
		sleep 0.1
	done
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" \
	    --db "$PWD/db/tokens.db" revoke alice-ci
	echo go >&3
	exec 3>&-
	wait $pid || true
	atf_check -o inline:"auth PAM_SUCCESS\nacct PAM_PERM_DENIED\n" cat out
}

atf_test_case account__ignores_other_sessions
account__ignores_other_sessions_body() {
	require_built
	setup_store
	service "auth required pam_permit.so" \
	    "account [ignore=ignore default=die] $MODULE db=$PWD/db/tokens.db" \
	    "account required pam_permit.so"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\nacct PAM_SUCCESS\n" \
	    -e ignore ./drive "$SVC" alice auth acct < /dev/null
}

atf_test_case last_used__recorded
last_used__recorded_body() {
	require_built
	setup_store
	service "auth required $MODULE db=$PWD/db/tokens.db last_used"
	atf_check -s exit:0 -o inline:"auth PAM_SUCCESS\n" -e ignore \
	    ./drive -r 192.0.2.7 "$SVC" alice auth < alice.tok
	atf_check -s exit:0 -o match:"192.0.2.7" -e ignore "$APITOKEN" \
	    --db "$PWD/db/tokens.db" show alice-ci
}

atf_test_case module__exports_only_pam_sm
module__exports_only_pam_sm_head() {
	atf_set descr "The module exports pam_sm_* and nothing else"
}
module__exports_only_pam_sm_body() {
	require_built
	nm -D --defined-only "$MODULE" | awk '{ print $3 }' | sort > syms
	atf_check -o inline:"pam_sm_acct_mgmt\npam_sm_authenticate\npam_sm_setcred\n" \
	    cat syms
	# Every undefined symbol resolves: the link used -z defs.
	atf_check -s exit:0 -o ignore -e empty \
	    sh -c "LD_BIND_NOW=1 ldd -r '$MODULE' 2>&1 | grep 'undefined symbol' >&2; true"
}

atf_test_case module__loads_little
module__loads_little_head() {
	atf_set descr "The module loads no libsodium (gone from the build)," \
	    "no libssl and no libbsd"
}
module__loads_little_body() {
	require_built
	atf_check -s exit:0 -o save:libs -e empty ldd "$MODULE"
	atf_check -s exit:0 -o ignore grep -E 'liblmdb' libs
	atf_check -s exit:1 grep -E 'libsodium|libssl|libbsd|libmd' libs
}

atf_test_case log__names_token_not_secret
log__names_token_not_secret_head() {
	atf_set descr "The decision is logged with the token id, never the token"
}
log__names_token_not_secret_body() {
	require_built
	setup_store
	default_service
	atf_check -s exit:0 -o ignore -e save:err \
	    env PAM_WRAPPER_DEBUGLEVEL=2 LD_PRELOAD=libpam_wrapper.so \
	    PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$PWD/svc" \
	    $APITOKEN_VALGRIND "$DRIVE" \
	    "$SVC" alice auth < alice.tok
	id=$(cut -d_ -f2 alice.tok)
	atf_check -o ignore grep "token=$id.*accepted" err
	secret=$(cut -d_ -f3 alice.tok)
	atf_check -s exit:1 grep -F "$secret" err
}

atf_init_test_cases() {
	atf_add_test_case auth__right_token
	atf_add_test_case auth__custom_prompt
	atf_add_test_case auth__wrong_tokens
	atf_add_test_case auth__revoked_and_expired
	atf_add_test_case auth__role_policy_network
	atf_add_test_case auth__first_pass
	atf_add_test_case auth__fail_closed
	atf_add_test_case args__bad_options
	atf_add_test_case nouserok__next_module_asked
	atf_add_test_case account__revoked_between_auth_and_account
	atf_add_test_case account__ignores_other_sessions
	atf_add_test_case last_used__recorded
	atf_add_test_case module__exports_only_pam_sm
	atf_add_test_case module__loads_little
	atf_add_test_case log__names_token_not_secret
}
