# Token policy (issue 15): apitoken config, default-lifetime and
# max-lifetime, and the settings an export carries to a restore.

APITOKEN="$BUILDDIR/tools/apitoken"

# A fresh store in the work directory, named by APITOKEN_DB.
store()
{
	# An export is refused into a file others may read: atf_check's.
	umask 077
	APITOKEN_DB="$PWD/tokens.db"
	export APITOKEN_DB
	atf_check -s exit:0 -o empty -e ignore "$APITOKEN" init
}

# set KEY VALUE: a setting, silently.
set_ok()
{
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" config "$1" "$2"
}

# refuses EXIT REGEX COMMAND...: exit EXIT, nothing on stdout, one line
# "apitoken: ..." on stderr matching REGEX.
refuses()
{
	local code="$1" re="$2"
	shift 2
	atf_check -s exit:"$code" -o empty -e save:err "$@"
	atf_check -o inline:"1\n" -x "wc -l <err | tr -d ' '"
	atf_check -o ignore -e empty grep -E -e "^apitoken: .*$re" err
}

# The expiry of token NAME, as show -o json gives it.
expires()
{
	"$APITOKEN" show "$1" -o json | jq -r .expires
}

# expiry_is NAME WANT: token NAME expires at WANT (null: never).
expiry_is()
{
	local got
	got=$(expires "$1")
	[ "$got" = "$2" ] || atf_fail "$1 expires $got, want $2"
}

# The RFC 3339 time DAYS days after the token NAME was created.
after()
{
	local created
	created=$("$APITOKEN" show "$1" -o json | jq -r .created)
	date -u -d "$created + $2 days" +%Y-%m-%dT%H:%M:%SZ
}

atf_test_case config_get_set
config_get_set_head()
{
	atf_set "descr" "config lists, prints and sets the settings git-config style; init proposes P90D and says so"
	atf_set "require.progs" "jq"
}
config_get_set_body()
{
	APITOKEN_DB="$PWD/tokens.db"
	export APITOKEN_DB
	atf_check -s exit:0 -o empty \
	    -e inline:"Made the store $PWD/tokens.db: tokens atk_..., users sa-<id>.\nTokens made without --expires expire after P90D (apitoken config default-lifetime DUR|never changes it).\n" \
	    "$APITOKEN" init
	atf_check -s exit:0 -e empty \
	    -o inline:"default-lifetime=P90D\nmax-lifetime=never\n" \
	    "$APITOKEN" config
	atf_check -s exit:0 -o inline:"P90D\n" -e empty \
	    "$APITOKEN" config default-lifetime
	set_ok max-lifetime P1Y
	set_ok default-lifetime P30D
	atf_check -s exit:0 -e empty \
	    -o inline:"default-lifetime=P30D\nmax-lifetime=P1Y\n" \
	    "$APITOKEN" config
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" config --unset \
	    max-lifetime
	atf_check -s exit:0 -o inline:"never\n" -e empty \
	    "$APITOKEN" config max-lifetime
	set_ok default-lifetime never
	atf_check -s exit:0 -o inline:"never\n" -e empty \
	    "$APITOKEN" config default-lifetime
	# --help and usage.
	atf_check -s exit:0 -o match:"^usage: apitoken \[--db PATH\] config" \
	    -e empty "$APITOKEN" config --help
	atf_check -s exit:2 -o empty -e match:"usage:" "$APITOKEN" config a b c
	atf_check -s exit:2 -o empty -e match:"usage:" "$APITOKEN" config \
	    --unset
	atf_check -s exit:2 -o empty -e match:"usage:" "$APITOKEN" config \
	    --unset max-lifetime P1D
}

atf_test_case config_refuses
config_refuses_head()
{
	atf_set "descr" "config refuses an unknown key, a bad value and a default past the maximum; the store is unchanged"
}
config_refuses_body()
{
	store
	refuses 2 "config: unknown setting \"colour\": want default-lifetime or max-lifetime" \
	    "$APITOKEN" config colour blue
	refuses 2 "config: unknown setting \"colour\"" "$APITOKEN" config colour
	# The fleet's own settings are not this command's.
	refuses 2 "config: unknown setting: want" "$APITOKEN" config \
	    fleet.endpoints http://x
	# A word that is no name is not echoed: it may be a token.
	refuses 2 "config: unknown setting: want" "$APITOKEN" config \
	    atk_5E19Ay07JNhB9yYUu7mXvk_secret
	for bad in P 1D P0D PT0S p1d "P1D " P1Y2W forever "" NEVER; do
		refuses 2 "config: bad default-lifetime \"$bad\": want an ISO 8601 duration" \
		    "$APITOKEN" config default-lifetime "$bad"
		refuses 2 "config: bad max-lifetime" \
		    "$APITOKEN" config max-lifetime "$bad"
	done
	refuses 2 "past the year 9999" "$APITOKEN" config max-lifetime P9000Y
	set_ok max-lifetime P1Y
	refuses 2 "default-lifetime P2Y is longer than max-lifetime P1Y" \
	    "$APITOKEN" config default-lifetime P2Y
	refuses 2 "default-lifetime never is longer than max-lifetime P1Y" \
	    "$APITOKEN" config default-lifetime never
	refuses 2 "max-lifetime P30D is shorter than default-lifetime P90D" \
	    "$APITOKEN" config max-lifetime P30D
	refuses 2 "default-lifetime never is longer than max-lifetime P1Y" \
	    "$APITOKEN" config --unset default-lifetime
	atf_check -s exit:0 -e empty \
	    -o inline:"default-lifetime=P90D\nmax-lifetime=P1Y\n" \
	    "$APITOKEN" config
	# No store: a failure, not a usage error.
	refuses 1 "no store here" "$APITOKEN" --db "$PWD/none.db" config
}

atf_test_case default_lifetime
default_lifetime_head()
{
	atf_set "descr" "default-lifetime applies to create and import without --expires, never to one with it; unset (an old store) means never"
	atf_set "require.progs" "jq"
}
default_lifetime_body()
{
	store
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" create -q --name a
	expiry_is a "$(after a 90)"
	set_ok default-lifetime P7D
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" create -q --name b
	expiry_is b "$(after b 7)"
	echo an-imported-token-of-some-length | atf_check -s exit:0 \
	    -o empty -e ignore "$APITOKEN" import --name i
	expiry_is i "$(after i 7)"
	# --expires wins, never included.
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" create -q \
	    --name c --expires never
	expiry_is c "null"
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" create -q \
	    --name d --expires P1D
	expiry_is d "$(after d 1)"
	# A child of a short-lived parent is still clamped to it.
	atf_check -s exit:0 -o ignore -e match:"expiry clamped" \
	    "$APITOKEN" create -q --name e --parent d
	expiry_is e "$(expires d)"
	# Unset: the store behaves as one made before the setting.
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" config --unset \
	    default-lifetime
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" create -q --name f
	expiry_is f "null"
	# list --expiring keeps working with the lifetimes.
	atf_check -s exit:0 -o match:"^d " -o not-match:"^(a|b|c|f) " \
	    -e empty "$APITOKEN" list --expiring P2D
	atf_check -s exit:0 -o match:"^b " -o match:"^i " -o not-match:"^a " \
	    -e empty "$APITOKEN" list --expiring P8D
}

atf_test_case max_lifetime
max_lifetime_head()
{
	atf_set "descr" "max-lifetime: create, import and regenerate refuse a longer expiry and never, in one line, writing nothing"
	atf_set "require.progs" "jq"
}
max_lifetime_body()
{
	store
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" create -q \
	    --name forever --expires never
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" create -q \
	    --name year --expires P1Y
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" create -q \
	    --name week --expires P7D
	set_ok max-lifetime P180D
	refuses 1 "create x: expiry never is past the store's max-lifetime P180D$" \
	    "$APITOKEN" create -q --name x --expires never
	refuses 1 "create x: expiry [0-9-]+T[0-9:]+Z is past the store's max-lifetime P180D$" \
	    "$APITOKEN" create -q --name x --expires P181D
	refuses 1 "create x: expiry 2999-01-01T00:00:00Z is past" \
	    "$APITOKEN" create -q --name x --expires 2999-01-01
	echo an-imported-token-of-some-length >imp
	refuses 1 "import x: expiry never is past the store's max-lifetime" \
	    "$APITOKEN" import --name x --expires never <imp
	refuses 1 "import x: expiry .* is past" \
	    "$APITOKEN" import --name x --expires P1Y <imp
	atf_check -s exit:1 -o empty -e ignore "$APITOKEN" show x
	# At the maximum, and under it, is fine; so is the default.
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" create -q \
	    --name at --expires P180D
	atf_check -s exit:0 -o empty -e ignore "$APITOKEN" import --name imp \
	    --expires P10D <imp
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" create -q --name dflt
	# regenerate: only a token within the maximum gets a new secret.
	refuses 1 "regenerate forever: expiry never is past the store's max-lifetime P180D$" \
	    "$APITOKEN" regenerate -q forever
	refuses 1 "regenerate year: expiry .* is past the store's max-lifetime P180D$" \
	    "$APITOKEN" regenerate -q year
	atf_check -s exit:0 -o match:"^atk_" -e empty "$APITOKEN" \
	    regenerate -q week
	# Tokens made before the maximum still work, revoke and delete too.
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" revoke -q year
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" delete -q forever
}

atf_test_case export_restore
export_restore_head()
{
	atf_set "descr" "settings travel in the export header; restore sets them, refuses a token past max-lifetime; an old export keeps the store's"
	atf_set "require.progs" "jq"
}
export_restore_body()
{
	store
	set_ok max-lifetime P1Y
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" create -q --name a
	atf_check -s exit:0 -o save:exp -e empty "$APITOKEN" export
	atf_check -s exit:0 \
	    -o inline:'{"default-lifetime":"P90D","max-lifetime":"P1Y"}\n' \
	    -x "head -1 exp | jq -c .settings"
	# Into a store that has other settings: the export's win.
	export APITOKEN_DB="$PWD/other.db"
	atf_check -s exit:0 -o empty -e ignore "$APITOKEN" init
	set_ok default-lifetime P1D
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" restore -q <exp
	atf_check -s exit:0 -e empty \
	    -o inline:"default-lifetime=P90D\nmax-lifetime=P1Y\n" \
	    "$APITOKEN" config
	# The same with --atomic, into a store that does not exist yet.
	export APITOKEN_DB="$PWD/atomic.db"
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" restore -q --atomic <exp
	atf_check -s exit:0 -e empty \
	    -o inline:"default-lifetime=P90D\nmax-lifetime=P1Y\n" \
	    "$APITOKEN" config
	# An export without settings (made before them) changes none, with
	# --atomic too.
	head -1 exp | jq -c 'del(.settings)' >old
	tail -n +2 exp >>old
	set_ok default-lifetime P2D
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" restore -q --atomic <old
	atf_check -s exit:0 -o inline:"P2D\n" -e empty \
	    "$APITOKEN" config default-lifetime
	export APITOKEN_DB="$PWD/other.db"
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" restore -q <old
	atf_check -s exit:0 -o inline:"P90D\n" -e empty \
	    "$APITOKEN" config default-lifetime
	# Every policy setting travels, an unset one as never; one an export
	# does not name becomes never, with --atomic too (which carries the
	# settings an export lacks from the store it replaces).
	export APITOKEN_DB="$PWD/fresh.db"
	atf_check -s exit:0 -o empty -e ignore "$APITOKEN" init
	atf_check -s exit:0 \
	    -o inline:'{"default-lifetime":"P90D","max-lifetime":"never"}\n' \
	    -x "\"$APITOKEN\" export | head -1 | jq -c .settings"
	{ head -1 exp | jq -c '.settings = {"default-lifetime":"P3D"}'
	    tail -n +2 exp; } >partial
	for how in "" --atomic; do
		set_ok max-lifetime P1Y
		atf_check -s exit:0 -o empty -e empty "$APITOKEN" restore -q \
		    $how <partial
		atf_check -s exit:0 -e empty \
		    -o inline:"default-lifetime=P3D\nmax-lifetime=never\n" \
		    "$APITOKEN" config
	done
	export APITOKEN_DB="$PWD/other.db"
	# Only the policy settings travel; bad ones are refused before the
	# store is touched.
	for bad in '{"fleet.endpoints":"http://x"}' '{"colour":"blue"}' \
	    '{"max-lifetime":"P0D"}' '{"max-lifetime":1}' '"P1D"' \
	    '{"default-lifetime":"never","max-lifetime":"P1D"}'; do
		{ head -1 exp | jq -c ".settings = $bad"; tail -n +2 exp; } >bad
		cp other.db before.db
		atf_check -s exit:1 -o empty -e match:"^apitoken: restore: line 1: " \
		    "$APITOKEN" restore <bad
		atf_check cmp other.db before.db
	done
}

atf_test_case restore_max_lifetime
restore_max_lifetime_head()
{
	atf_set "descr" "restore refuses a token that lives past max-lifetime, and never, leaving the store as it was; revoked and expired ones pass"
	atf_set "require.progs" "jq"
}
restore_max_lifetime_body()
{
	store
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" create -q \
	    --name old --expires never
	atf_check -s exit:0 -o ignore -e ignore "$APITOKEN" create -q \
	    --name short --expires P1D
	atf_check -s exit:0 -o save:exp -e empty "$APITOKEN" export
	# The store's own maximum, when the export has none.
	head -1 exp | jq -c 'del(.settings)' >old
	tail -n +2 exp >>old
	set_ok default-lifetime P7D
	set_ok max-lifetime P30D
	refuses 1 "restore: line [23]: old: expiry never is past the store's max-lifetime P30D$" \
	    "$APITOKEN" restore <old
	atf_check -s exit:0 -o match:"^old " -e empty "$APITOKEN" list
	refuses 1 "restore: line [23]: old: expiry never is past" \
	    "$APITOKEN" restore --atomic <old
	# The export's maximum, when it has one.
	{ head -1 exp | jq -c '.settings = {"max-lifetime":"P1Y"}'
	    tail -n +2 exp; } >y
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" config --unset \
	    max-lifetime
	refuses 1 "restore: line [23]: old: expiry never is past the store's max-lifetime P1Y$" \
	    "$APITOKEN" restore <y
	atf_check -s exit:0 -o inline:"never\n" -e empty \
	    "$APITOKEN" config max-lifetime
	# A revoked token is no longer a risk: it passes.
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" revoke -q old
	set_ok max-lifetime P30D
	atf_check -s exit:0 -o save:exp2 -e empty "$APITOKEN" export
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" restore -q <exp2
}

atf_init_test_cases()
{
	atf_add_test_case config_get_set
	atf_add_test_case config_refuses
	atf_add_test_case default_lifetime
	atf_add_test_case max_lifetime
	atf_add_test_case export_restore
	atf_add_test_case restore_max_lifetime
}
