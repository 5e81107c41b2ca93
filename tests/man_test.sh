# Every man page is clean under mandoc -Tlint and has the sections
# STYLE.md asks for.  SRCDIR is set above.

atf_test_case lint
lint_head()
{
	atf_set "descr" "mandoc -Tlint -Wwarning finds nothing in any page"
	atf_set "require.progs" "mandoc"
}
lint_body()
{
	n=0
	for page in "$SRCDIR"/man/*.[0-9]; do
		[ -f "$page" ] || continue
		atf_check -o empty -e empty mandoc -Tlint -Wwarning "$page"
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || atf_fail "no man pages in $SRCDIR/man"
}

atf_test_case sections
sections_head()
{
	atf_set "descr" "every page has the sections STYLE.md asks for"
}
sections_body()
{
	# mandoc -Tlint (above) checks their order.
	missing=
	n=0
	for page in "$SRCDIR"/man/*.[0-9]; do
		[ -f "$page" ] || continue
		for sh in NAME SYNOPSIS DESCRIPTION FILES "EXIT STATUS" \
		    EXAMPLES "SEE ALSO"; do
			grep -qx ".Sh $sh" "$page" ||
			    missing="$missing ${page##*/}:\"$sh\""
		done
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || atf_fail "no man pages in $SRCDIR/man"
	[ -z "$missing" ] || atf_fail "missing sections:$missing"
}

atf_init_test_cases()
{
	atf_add_test_case lint
	atf_add_test_case sections
}
