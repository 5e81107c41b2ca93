# The store's HMAC-SHA-256 (lib/mac.c, libcrypto) seen through apitoken:
# a store and an export made by apitoken at 67ddc10 (libsodium's HMAC)
# verify unchanged, and an OpenSSL configuration that allows no HMAC
# makes every command that hashes fail closed, saying why.

APITOKEN="$BUILDDIR/tools/apitoken"
DATA="$SRCDIR/tests/data"
OLD="$DATA/store-67ddc10"
# Each line of the fixture's token list: NAME USER TOKEN.
TOKENS="$DATA/store-67ddc10-tokens.txt"
GOOD="deploy-ci backup nightly legacy"

field()
{
	awk -v n="$1" -v f="$2" '$1 == n { print $f }' "$TOKENS"
}

# old_store: a private 0600 copy of the store made at 67ddc10.
old_store()
{
	cp "$OLD.db" tokens.db
	chmod 0600 tokens.db
	APITOKEN_DB="$PWD/tokens.db"
	export APITOKEN_DB
}

# all_verify: every token of the list logs in as its user (the native ones
# by their verifier 'V', the imported one by its digest 'D'), and
# deploy-ci's id with another secret does not.
all_verify()
{
	local n u

	for n in $GOOD; do
		u=$(field "$n" 2)
		field "$n" 3 >"$n.tok"
		atf_check -s exit:0 -e empty \
		    -o match:"^token [0-9A-Za-z]{22} $n accepted for user $u," \
		    "$APITOKEN" verify --user "$u" <"$n.tok"
	done
	field wrong 3 >wrong.tok
	atf_check -s exit:1 -o empty \
	    -e match:"verify: token 6ArCHjJDthrVTErGxL75sQ deploy-ci refused: wrong secret" \
	    "$APITOKEN" verify --user deploy <wrong.tok
	# Another text is another digest: no record.
	sed 's/0123456789$/0123456788/' legacy.tok >legacy-wrong.tok
	atf_check -s exit:1 -o empty -e match:"refused: unknown token" \
	    "$APITOKEN" verify --user keptn <legacy-wrong.tok
}

# users_index DB: the "users" index of DB (keys are HMAC(key, 'U' || user)).
users_index()
{
	mdb_dump -n -s users "$1" | sed '1,/^HEADER=END$/d'
}

atf_test_case store_67ddc10__verifies
store_67ddc10__verifies_head()
{
	atf_set "descr" "a store made by apitoken at 67ddc10 (libsodium's HMAC)" \
	    "verifies its tokens unchanged and exports the same records"
}
store_67ddc10__verifies_body()
{
	old_store
	all_verify
	umask 077	# export refuses a file others may read
	atf_check -s exit:0 -o save:export.jsonl -e empty "$APITOKEN" export
	tail -n +2 "$OLD.jsonl" >want
	atf_check -o file:want tail -n +2 export.jsonl
}

atf_test_case export_67ddc10__restores
export_67ddc10__restores_head()
{
	atf_set "descr" "an export made by apitoken at 67ddc10 restores into a" \
	    "fresh store whose tokens verify and whose users index is the" \
	    "old store's (the same HMAC for 'U')"
	atf_set "require.progs" "mdb_dump"
}
export_67ddc10__restores_body()
{
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" --db new.db restore -q \
	    <"$OLD.jsonl"
	APITOKEN_DB="$PWD/new.db"
	export APITOKEN_DB
	all_verify
	cp "$OLD.db" old.db
	chmod 0600 old.db
	users_index old.db >want
	users_index new.db >got
	atf_check -o not-empty cat want
	atf_check -o file:want cat got
}

# no_hmac PROPERTIES: an OpenSSL configuration whose default properties
# no loaded provider meets.
no_hmac()
{
	cat >openssl.cnf <<EOF
openssl_conf = openssl_init
[openssl_init]
alg_section = algorithm_sect
[algorithm_sect]
default_properties = $1
EOF
}

atf_test_case no_hmac__fails_closed
no_hmac__fails_closed_head()
{
	atf_set "descr" "with an OpenSSL configuration that allows no HMAC" \
	    "(FIPS asked for, no FIPS provider) verify, create and import" \
	    "fail with OpenSSL's reason and change nothing"
}
no_hmac__fails_closed_body()
{
	local re='^apitoken: .*: EVP_MAC_fetch HMAC: error:[0-9A-F]+:'

	old_store
	no_hmac "fips=yes"
	field deploy-ci 3 >deploy-ci.tok
	field legacy 3 >legacy.tok
	cp tokens.db before.db
	atf_check -s exit:1 -o empty -e match:"$re" \
	    env OPENSSL_CONF="$PWD/openssl.cnf" "$APITOKEN" verify \
	    --user deploy <deploy-ci.tok
	atf_check -s exit:1 -o empty -e match:"$re" \
	    env OPENSSL_CONF="$PWD/openssl.cnf" "$APITOKEN" verify \
	    --user keptn <legacy.tok
	atf_check -s exit:1 -o empty -e match:"$re" \
	    env OPENSSL_CONF="$PWD/openssl.cnf" "$APITOKEN" create -q \
	    --name more --user deploy
	echo "another-test-only-token-0123456789" >other.tok
	atf_check -s exit:1 -o empty -e match:"$re" \
	    env OPENSSL_CONF="$PWD/openssl.cnf" "$APITOKEN" import -q \
	    --name other --user keptn <other.tok
	atf_check cmp tokens.db before.db
	# The same store and tokens under the system's configuration.
	atf_check -s exit:0 -o match:"accepted for user deploy," -e empty \
	    "$APITOKEN" verify --user deploy <deploy-ci.tok
}

atf_test_case unmet_properties__fails_closed
unmet_properties__fails_closed_head()
{
	atf_set "descr" "default properties that no provider has: verify fails" \
	    "closed, nothing else is tried"
}
unmet_properties__fails_closed_body()
{
	old_store
	no_hmac "provider=nonexistent"
	field deploy-ci 3 >deploy-ci.tok
	atf_check -s exit:1 -o empty \
	    -e match:"^apitoken: .*tokens.db: EVP_MAC_fetch HMAC: error:[0-9A-F]+:" \
	    env OPENSSL_CONF="$PWD/openssl.cnf" "$APITOKEN" verify \
	    --user deploy <deploy-ci.tok
}

atf_test_case daemon_no_hmac__refuses_to_start
daemon_no_hmac__refuses_to_start_head()
{
	atf_set "descr" "apitokend under a configuration that allows no HMAC" \
	    "does not start: it says OpenSSL's reason and makes no socket"
}
daemon_no_hmac__refuses_to_start_body()
{
	old_store
	no_hmac "fips=yes"
	atf_check -s exit:1 -o empty \
	    -e match:"tokens.db: .*EVP_MAC_fetch HMAC: error:[0-9A-F]+:" \
	    env OPENSSL_CONF="$PWD/openssl.cnf" \
	    "$BUILDDIR/apitokend/apitokend" --db "$PWD/tokens.db" \
	    --socket "$PWD/d.sock"
	atf_check test ! -e d.sock
}

atf_init_test_cases()
{
	atf_add_test_case daemon_no_hmac__refuses_to_start
	atf_add_test_case store_67ddc10__verifies
	atf_add_test_case export_67ddc10__restores
	atf_add_test_case no_hmac__fails_closed
	atf_add_test_case unmet_properties__fails_closed
}
