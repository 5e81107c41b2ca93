# Shell comfort and expiry notices (issue 6 items 5 and 6): --help and
# --version of the three tools against their man pages, the list table on
# a terminal (script(1) gives the pty, stty its width) and in a pipe,
# colour and NO_COLOR, list --expiring as a cron job or a timer mails it,
# and the example systemd units.

APITOKEN="$BUILDDIR/tools/apitoken"
GEN="$BUILDDIR/tools/apitoken-gen"
DECODE="$BUILDDIR/tools/apitoken-decode"
ESC=$(printf '\033')
LONGNAME=a-very-long-token-name-for-the-deploy-robot-of-team-x

# The options named in a synopsis read on stdin, one per line, sorted.
opts()
{
	grep -E -o -- '(^|[[ |])--?[a-z][a-z0-9-]*' | sed 's/^[[ |]//' |
	    LC_ALL=C sort -u
}

# synopsis PAGE: the SYNOPSIS section of a man page as text.
synopsis()
{
	mandoc -Tascii "$SRCDIR/man/$1" | sed 's/.\x08//g' |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p'
}

atf_test_case help_version
help_version_head()
{
	atf_set "descr" "--help and --version of the three tools: stdout, exit 0, the man page's SYNOPSIS"
	atf_set "require.progs" "mandoc"
}
help_version_body()
{
	for t in "$APITOKEN:apitoken.8" "$GEN:apitoken-gen.1" \
	    "$DECODE:apitoken-decode.1"; do
		prog=${t%%:*}
		page=${t#*:}
		name=${page%.[0-9]}
		atf_check -s exit:0 -o save:help -e empty "$prog" --help
		atf_check -s exit:0 -o match:"^$name \(pam_apitoken\) [0-9]+\.[0-9]+" \
		    -e empty "$prog" --version
		# The same options in --help's synopsis as in the page's.
		sed '/^$/q' help | opts >got
		synopsis "$page" | opts >want
		diff -u want got >diff ||
		    atf_fail "$name --help and SYNOPSIS differ: $(cat diff)"
	done
	# Each command's own --help: its line of apitoken --help, on stdout.
	"$APITOKEN" --help | sed -n 's/^ *apitoken \[--db PATH\] \([a-z-]*\).*/\1/p' >cmds
	atf_check -o match:"^init$" -o match:"^restore$" cat cmds
	for cmd in $(cat cmds); do
		atf_check -s exit:0 -o save:one -e empty "$APITOKEN" "$cmd" --help
		atf_check -s exit:0 -o match:"^usage: apitoken \[--db PATH\] $cmd" \
		    cat one
		"$APITOKEN" --help | grep -q -F -e \
		    "$(head -1 one | sed 's/^usage: *//')" ||
		    atf_fail "apitoken $cmd --help is not in apitoken --help"
		atf_check -s exit:0 -o save:short -e empty "$APITOKEN" "$cmd" -h
		atf_check -o empty -e empty cmp one short
	done
}

# A store with a token of a long name expiring in 3 days, one in 30 days,
# one that never expires, a revoked one, and (when $1 is "expired") one
# that has just expired.
tokens()
{
	APITOKEN_DB="$PWD/tokens.db"
	export APITOKEN_DB
	atf_check -s exit:0 "$APITOKEN" init -q
	atf_check -s exit:0 -o ignore "$APITOKEN" create -q --name "$LONGNAME" \
	    --role Administrator --expires P3D
	atf_check -s exit:0 -o ignore "$APITOKEN" create -q --name month \
	    --expires P30D
	atf_check -s exit:0 -o ignore "$APITOKEN" create -q --name forever \
	    --user deploy --expires never
	atf_check -s exit:0 -o ignore "$APITOKEN" create -q --name gone \
	    --expires P2D
	atf_check -s exit:0 "$APITOKEN" revoke -q gone
	if [ "${1-}" = expired ]; then
		atf_check -s exit:0 -o ignore "$APITOKEN" create -q \
		    --name brief --expires PT1S
		sleep 2
	fi
}

# tty COLS COMMAND...: COMMAND's standard output on a terminal COLS wide
# (0: a terminal that does not say), without the terminal's CRs, in out.
tty()
{
	local cols="$1" cmd=
	shift
	for w in "$@"; do
		cmd="$cmd '$w'"
	done
	script -qec "stty cols $cols rows 50; exec $cmd" /dev/null </dev/null |
	    tr -d '\r' >out
}

# widest FILE: the longest line, colours left out.
widest()
{
	sed "s/$ESC\[[0-9;]*m//g" "$1" | awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }'
}

# aligned FILE: in every row of the table in FILE (colours left out), each
# column after the first starts where its heading does, after a blank.
aligned()
{
	sed "s/$ESC\[[0-9;]*m//g" "$1" | awk '
	    NR == 1 {
		for (i = 2; i <= length($0); i++)
			if (substr($0, i - 1, 2) ~ /^ [^ ]$/)
				at[++n] = i
		next
	    }
	    {
		for (k = 1; k <= n; k++)
			if (substr($0, at[k] - 1, 2) !~ /^ [^ ]$/)
				bad++
	    }
	    END { exit !(n == 6 && NR > 1 && bad == 0) }' ||
	    atf_fail "$1: columns not under their headings: $(cat "$1")"
}

# ids_whole FILE: every token's id is in FILE, whole.
ids_whole()
{
	"$APITOKEN" list -o json | jq -r .id >ids
	atf_check -o inline:"$(wc -l <ids | tr -d ' ')\n" -x \
	    "grep -c -F -f ids '$1' | tr -d ' '"
}

atf_test_case list_width
list_width_head()
{
	atf_set "descr" "list fits a terminal of 40, 80, 200 columns; never cuts an id; a pipe gets it all"
	atf_set "require.progs" "script stty jq"
}
list_width_body()
{
	tokens
	export NO_COLOR=1
	# Wide enough: nothing cut, full dates.
	tty 200 "$APITOKEN" list
	atf_check -o match:"^$LONGNAME " -o match:"T[0-9:]{8}Z" \
	    -o not-match:"~" cat out
	atf_check -o inline:"5\n" -x "wc -l <out | tr -d ' '"
	[ "$(widest out)" -le 200 ] || atf_fail "wider than 200"
	ids_whole out
	# 80: dates to the day, the long name and the default users cut.
	tty 80 "$APITOKEN" list
	atf_check -o not-match:"$LONGNAME" -o match:"^a-very-[a-z-]*~ " \
	    -o match:" sa-[a-z0-9]*~ " -o not-match:"T[0-9:]{8}Z" \
	    -o match:" 20[0-9]{2}-[0-9]{2}-[0-9]{2} " \
	    -o match:"^forever .* deploy +User +never " cat out
	[ "$(widest out)" -le 80 ] || atf_fail "wider than 80: $(cat out)"
	ids_whole out
	aligned out
	# 40: cannot fit; cut as far as it goes, the ids still whole.
	tty 40 "$APITOKEN" list
	atf_check -o match:"^a-very-~ " cat out
	ids_whole out
	# A terminal that does not give its width: COLUMNS, else 80.
	COLUMNS=100 tty 0 "$APITOKEN" list
	w=$(widest out)
	[ "$w" -le 100 ] && [ "$w" -gt 80 ] || atf_fail "COLUMNS=100: $w wide"
	unset COLUMNS
	tty 0 "$APITOKEN" list
	[ "$(widest out)" -le 80 ] || atf_fail "no COLUMNS: wider than 80"
	# Not a terminal: every value whole, COLUMNS or not.
	COLUMNS=40 "$APITOKEN" list >piped
	atf_check -o match:"^$LONGNAME " -o match:"T[0-9:]{8}Z" \
	    -o not-match:"~" cat piped
	ids_whole piped
	# -o json on a terminal: whole values, one object a line.
	tty 40 "$APITOKEN" list -o json
	atf_check -o inline:"4\n" -x "jq -r .name out | wc -l | tr -d ' '"
	atf_check -o match:"$LONGNAME" cat out
}

atf_test_case list_colour
list_colour_head()
{
	atf_set "descr" "list colours EXPIRES on a terminal only, unless NO_COLOR or TERM=dumb"
	atf_set "require.progs" "script stty"
}
list_colour_body()
{
	tokens expired
	unset NO_COLOR
	export TERM=xterm
	tty 200 "$APITOKEN" list
	# Red: revoked, expired; yellow: within 7 days; plain: the others.
	atf_check -o match:"^gone .*${ESC}\[31mrevoked${ESC}\[0m" \
	    -o match:"^brief .*${ESC}\[31mexpired${ESC}\[0m" \
	    -o match:"^a-very.*${ESC}\[33m20[0-9-]+T[0-9:]+Z${ESC}\[0m" \
	    -o not-match:"^month .*$ESC" -o not-match:"^forever .*$ESC" \
	    -o not-match:"^NAME .*$ESC" cat out
	# The colour codes take no room: the columns stay aligned.
	aligned out
	# NO_COLOR set to anything, TERM=dumb: none.
	NO_COLOR=1 tty 200 "$APITOKEN" list
	atf_check -o not-match:"$ESC" -o match:"revoked" cat out
	NO_COLOR=0 tty 200 "$APITOKEN" list
	atf_check -o not-match:"$ESC" cat out
	# NO_COLOR empty counts as unset.
	NO_COLOR= tty 200 "$APITOKEN" list
	atf_check -o match:"$ESC\[31m" cat out
	TERM=dumb tty 200 "$APITOKEN" list
	atf_check -o not-match:"$ESC" cat out
	# Never in JSON, never in a pipe or a file.
	tty 200 "$APITOKEN" list -o json
	atf_check -o not-match:"$ESC" cat out
	atf_check -s exit:0 -o not-match:"$ESC" -o match:revoked -e empty \
	    "$APITOKEN" list
	"$APITOKEN" list >file
	atf_check -o not-match:"$ESC" -o match:expired cat file
}

atf_test_case expiring
expiring_head()
{
	atf_set "descr" "list --expiring: working tokens expiring within the duration; empty and exit 0 when none"
	atf_set "require.progs" "jq"
}
expiring_body()
{
	tokens expired
	# Within 7 days: the long one; not the revoked (gone), the expired
	# (brief) nor the one that never expires.
	atf_check -s exit:0 -o save:out -e empty "$APITOKEN" list --expiring P7D
	atf_check -o match:'^NAME +ID +USER +ROLE +EXPIRES +LAST-USED +AGE$' \
	    head -1 out
	atf_check -o inline:"$LONGNAME\n" -x "tail -n +2 out | cut -d' ' -f1"
	atf_check -s exit:0 -o save:json -e empty \
	    "$APITOKEN" list --expiring P31D -o json
	atf_check -o inline:"$LONGNAME month\n" -x \
	    "jq -r .name json | tr '\n' ' ' | sed 's/ \$//'; echo"
	# Nothing expires within the hour: no output at all, exit 0, in a
	# table (no headings alone) as in JSON; what cron and mail -E skip.
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" list --expiring PT1H
	atf_check -s exit:0 -o empty -e empty \
	    "$APITOKEN" list --expiring PT1H -o json
	atf_check -s exit:0 -o empty -e empty \
	    "$APITOKEN" list --expiring P7D --user deploy
	# The same when the store holds nothing at all.
	APITOKEN_DB="$PWD/empty.db" atf_check -s exit:0 -o empty -e empty \
	    "$APITOKEN" --db "$PWD/empty.db" init -q
	atf_check -s exit:0 -o empty -e empty "$APITOKEN" --db "$PWD/empty.db" list
	# No store: a failure, which a timer reports.
	atf_check -s exit:1 -o empty -e match:"no store here" \
	    "$APITOKEN" --db "$PWD/none.db" list --expiring P7D
	atf_check -s exit:2 -o empty -e match:'bad duration "7d"' \
	    "$APITOKEN" list --expiring 7d
}

atf_test_case systemd_units
systemd_units_head()
{
	atf_set "descr" "examples/apitoken-expiring.{service,timer} pass systemd-analyze verify"
}
systemd_units_body()
{
	command -v systemd-analyze >/dev/null ||
	    atf_skip "systemd-analyze is not installed"
	cp "$SRCDIR/examples/apitoken-expiring.service" \
	    "$SRCDIR/examples/apitoken-expiring.timer" .
	atf_check -s exit:0 -o ignore -e empty systemd-analyze verify --man=no \
	    ./apitoken-expiring.timer ./apitoken-expiring.service
	# The service runs what the man page says.
	atf_check -o match:"ExecStart=.*apitoken list --expiring P7D .*mail -E" \
	    cat apitoken-expiring.service
	atf_check -o match:"^OnCalendar=daily$" cat apitoken-expiring.timer
	# And the check can fail.
	sed 's/daily/dayly/' apitoken-expiring.timer >bad.timer
	atf_check -s not-exit:0 -o ignore -e match:"dayly" \
	    systemd-analyze verify --man=no ./bad.timer
}

atf_test_case plumbing__some_tests
plumbing__some_tests_head()
{
	atf_set "descr" "make check KYUA_FILTERS=PROGRAM:CASE (scripts/dev test PROGRAM[:CASE]) runs that case alone"
	atf_set "require.progs" "kyua make"
}
plumbing__some_tests_body()
{
	atf_check -s exit:0 -o ignore -e ignore make -C "$BUILDDIR" check-local \
	    KYUA_FILTERS="escape_test:escape_text__controls man_test:lint" \
	    KYUA_RESULTS="$PWD/r.db" KYUA_LOG="$PWD/k.log" \
	    KYUA_FAILURES="$PWD/f.txt"
	atf_check -s exit:0 \
	    -o match:"^Test cases: 2 total, 0 skipped, 0 expected failures, 0 broken, 0 failed" \
	    -e ignore kyua --config=none report --results-file="$PWD/r.db"
	grep -q 'KYUA_FILTERS="\$\*"' "$SRCDIR/scripts/dev" ||
	    atf_fail "scripts/dev test does not pass its arguments on"
}

atf_init_test_cases()
{
	atf_add_test_case plumbing__some_tests
	atf_add_test_case help_version
	atf_add_test_case list_width
	atf_add_test_case list_colour
	atf_add_test_case expiring
	atf_add_test_case systemd_units
}
