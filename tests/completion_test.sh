# Tests of the bash completions in completion/ (issue 6 item 5): each file
# is sourced into "bash --norc", COMP_WORDS, COMP_CWORD, COMP_LINE and
# COMP_POINT are set as bash sets them, the function is called, and
# COMPREPLY is checked.  Their option lists are compared with the tools'
# own --help, so that neither can change without the other.

APITOKEN="$BUILDDIR/tools/apitoken"
GEN="$BUILDDIR/tools/apitoken-gen"
DECODE="$BUILDDIR/tools/apitoken-decode"
COMPLETION="$SRCDIR/completion"

# comp FILE FUNCTION LINE: the candidates FUNCTION offers for LINE, one
# per line and sorted (tests/data/complete.bash).  The first word of LINE
# is the program run for token names.
comp()
{
	bash --norc --noprofile "$SRCDIR/tests/data/complete.bash" "$@"
}

# offers LINE WORD...: the apitoken completion offers exactly WORD... for
# LINE ("apitoken" in LINE is the program in the build tree), and says
# nothing on standard error.
offers()
{
	local line="$1" want
	shift
	want=$(printf '%s\n' "$@" | LC_ALL=C sort | sed '/^$/d')
	atf_check -s exit:0 -o save:got -e empty bash --norc --noprofile \
	    "$SRCDIR/tests/data/complete.bash" "$COMPLETION/apitoken" \
	    _apitoken "$APITOKEN${line#apitoken}"
	[ "$(cat got)" = "$want" ] ||
	    atf_fail "\"$line\": got \"$(tr '\n' ' ' <got)\", want \"$*\""
}

# help_opts CMD...: the options the synopsis of "CMD --help" (up to its
# first empty line) names, one per line, sorted.
help_opts()
{
	"$@" --help | sed '/^$/q' | grep -E -o -- '(^|[[ |])--?[a-z][a-z0-9-]*' |
	    sed 's/^[[ |]//' | grep -v -x -e --db | LC_ALL=C sort -u
}

atf_test_case syntax
syntax_head()
{
	atf_set "descr" "every completion file parses (bash -n) and registers its function"
}
syntax_body()
{
	for f in apitoken apitoken-gen apitoken-decode; do
		atf_check -s exit:0 -o empty -e empty bash -n "$COMPLETION/$f"
		atf_check -s exit:0 -o match:"-F _[a-z_]+ $f\$" -e empty \
		    bash --norc --noprofile -c ". '$COMPLETION/$f'; complete -p $f"
	done
}

atf_test_case commands
commands_head()
{
	atf_set "descr" "the commands, the options before them, the commands of --help"
}
commands_body()
{
	offers "apitoken " init create list show regenerate revoke delete \
	    import verify prune export restore publish fleet-key status config scan
	offers "apitoken re" regenerate restore revoke
	offers "apitoken --" --db --help --version
	offers "apitoken --db /x/t.db li" list
	offers "apitoken --db=/x/t.db li" list
	# The same commands as apitoken --help.
	"$APITOKEN" --help | sed -n 's/^ *apitoken \[--db PATH\] \([a-z-]*\).*/\1/p' |
	    LC_ALL=C sort >want
	comp "$COMPLETION/apitoken" _apitoken "$APITOKEN " >got
	atf_check -o empty -e empty diff want got
}

atf_test_case options
options_head()
{
	atf_set "descr" "each command's options, the same as its --help names"
}
options_body()
{
	offers "apitoken list --ex" --expired --expiring
	offers "apitoken create --p" --parent --policy
	offers "apitoken --db x regenerate abc -" --grace -q --help
	for cmd in $("$APITOKEN" --help |
	    sed -n 's/^ *apitoken \[--db PATH\] \([a-z-]*\).*/\1/p'); do
		help_opts "$APITOKEN" "$cmd" >want
		comp "$COMPLETION/apitoken" _apitoken "$APITOKEN $cmd -" |
		    grep -v -x -e --help >got
		diff -u want got >diff ||
		    atf_fail "$cmd: completion and --help differ: $(cat diff)"
	done
}

atf_test_case values
values_head()
{
	atf_set "descr" "option values: formats, roles, durations, after = too"
}
values_body()
{
	offers "apitoken list -o " json table
	offers "apitoken show x --output j" json
	offers "apitoken create --name a --role " Administrator User
	offers "apitoken create --expires n" never
	offers "apitoken list --expiring P" P1D P1Y P30D P7D P90D PT1H
	offers "apitoken regenerate a --grace = P3" P30D
	offers "apitoken create --name "
	offers "apitoken create --description x --from "
	offers "apitoken create --user roo" root
	offers "apitoken config " default-lifetime max-lifetime
	offers "apitoken config --unset m" max-lifetime
	offers "apitoken config max-lifetime P" P1Y P30D P7D P90D
	offers "apitoken config max-lifetime P1Y "
	offers "apitoken scan --re" --revoke
	offers "apitoken revoke --l" --leaked
	touch scanme.log
	offers "apitoken scan -r scanm" scanme.log
}

atf_test_case tokens
tokens_head()
{
	atf_set "descr" "names and ids from the store, by --db on the line or APITOKEN_DB"
}
tokens_body()
{
	export APITOKEN_DB="$PWD/t.db"
	atf_check -s exit:0 "$APITOKEN" init -q
	atf_check -s exit:0 -o save:alpha "$APITOKEN" create -q --name alpha
	atf_check -s exit:0 -o save:beta "$APITOKEN" create -q --name beta
	a=$(cut -d_ -f2 alpha)
	b=$(cut -d_ -f2 beta)
	offers "apitoken show " alpha beta "$a" "$b"
	offers "apitoken revoke al" alpha
	offers "apitoken revoke --leaked al"
	offers "apitoken delete $a" "$a"
	offers "apitoken create --name c --parent b" beta
	# The second operand is no token; nor is a list option's value.
	offers "apitoken show alpha "
	# --db on the line wins over APITOKEN_DB.
	mv t.db moved.db
	mv t.db-lock moved.db-lock
	offers "apitoken show al"
	offers "apitoken --db $PWD/moved.db show al" alpha
	offers "apitoken --db=$PWD/moved.db regenerate be" beta
	home=$HOME
	HOME=$PWD
	offers "apitoken --db ~/moved.db show al" alpha
	mkdir bin
	ln -s "$APITOKEN" bin/apitoken
	atf_check -s exit:0 -o inline:"alpha\n" -e empty bash --norc --noprofile \
	    "$SRCDIR/tests/data/complete.bash" "$COMPLETION/apitoken" \
	    _apitoken "~/bin/apitoken --db ~/moved.db show al"
	HOME=$home
	APITOKEN_DB="$PWD/moved.db"
	offers "apitoken revoke al" alpha
	offers "apitoken revoke --leaked al"
}

atf_test_case tokens_unreadable
tokens_unreadable_head()
{
	atf_set "descr" "a store that cannot be read: no candidates, nothing on stderr"
}
tokens_unreadable_body()
{
	export APITOKEN_DB="$PWD/none.db"
	offers "apitoken show "
	echo "not a store" >junk.db
	APITOKEN_DB="$PWD/junk.db"
	offers "apitoken show "
	offers "apitoken --db $PWD/junk.db delete "
	# Unsafe: writable by others, so apitoken refuses it.
	export APITOKEN_DB="$PWD/t.db"
	atf_check -s exit:0 "$APITOKEN" init -q
	atf_check -s exit:0 -o ignore "$APITOKEN" create -q --name alpha
	chmod 666 t.db
	offers "apitoken show "
	# A program that hangs: given up after 2 seconds, nothing offered.
	printf '#!/bin/sh\nsleep 30\n' >slow
	chmod +x slow
	start=$(date +%s)
	atf_check -s exit:0 -o empty -e empty bash --norc --noprofile \
	    "$SRCDIR/tests/data/complete.bash" "$COMPLETION/apitoken" \
	    _apitoken "$PWD/slow show "
	[ $(($(date +%s) - start)) -lt 10 ] || atf_fail "waited for a hung apitoken"
	# No apitoken at all.
	atf_check -s exit:0 -o empty -e empty bash --norc --noprofile \
	    "$SRCDIR/tests/data/complete.bash" "$COMPLETION/apitoken" \
	    _apitoken "/nonexistent/apitoken show "
}

# gen LINE WORD..., decode LINE WORD...: as offers, for the apitoken-gen
# and apitoken-decode completions (WORD... in the order sort gives).
gen()
{
	simple apitoken-gen _apitoken_gen "$@"
}
decode()
{
	simple apitoken-decode _apitoken_decode "$@"
}
simple()
{
	local file="$1" fn="$2" line="$3"
	shift 3
	atf_check -s exit:0 -o inline:"$(printf '%s\\n' "$@" | sed 's/^\\n$//')" \
	    -e empty bash --norc --noprofile "$SRCDIR/tests/data/complete.bash" \
	    "$COMPLETION/$file" "$fn" "$line"
}

atf_test_case gen_decode
gen_decode_head()
{
	atf_set "descr" "apitoken-gen and apitoken-decode: options as their --help, --format values"
}
gen_decode_body()
{
	gen "$GEN --format " base62 base64 base64url hex raw
	gen "$GEN -c 3 --pa" --password
	gen "$GEN -n "
	gen "$GEN --format=" base62 base64 base64url hex raw
	decode "$DECODE --se" --secret-key
	decode "$DECODE -w "
	help_opts "$GEN" >want
	comp "$COMPLETION/apitoken-gen" _apitoken_gen "$GEN -" >got
	atf_check -o empty -e empty diff -u want got
	help_opts "$DECODE" >want
	comp "$COMPLETION/apitoken-decode" _apitoken_decode "$DECODE -" >got
	atf_check -o empty -e empty diff -u want got
}

atf_init_test_cases()
{
	atf_add_test_case syntax
	atf_add_test_case commands
	atf_add_test_case options
	atf_add_test_case values
	atf_add_test_case tokens
	atf_add_test_case tokens_unreadable
	atf_add_test_case gen_decode
}
