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

atf_test_case quotes
quotes_head()
{
	atf_set "descr" "no page renders quotes nested by accident (two Ql on one Pq line: ‘name, ‘id’’)"
	atf_set "require.progs" "mandoc"
}
quotes_body()
{
	for page in "$SRCDIR"/man/*.[0-9]; do
		[ -f "$page" ] || continue
		mandoc -Tutf8 "$page" | col -b >out
		if grep -n -e '’’' -e '””' out >bad; then
			atf_fail "${page##*/}: nested quotes: $(cat bad)"
		fi
	done
}

atf_test_case readme_sshd
readme_sshd_head()
{
	atf_set "descr" "the README's /etc/pam.d/sshd lines are pam_apitoken(8)'s"
}
readme_sshd_body()
{
	# The lines of the first block after the mention of /etc/pam.d/sshd,
	# continuations joined, blanks squeezed.
	awk '/\/etc\/pam.d\/sshd/ { on = 1; next }
	    on && /^```$/ { if (blk) exit; blk = 1; next }
	    blk { print }' "$SRCDIR/README.md" >readme.raw
	awk '/^\.Pa \/etc\/pam.d\/sshd/ { on = 1; next }
	    on && /^\.Bd -literal/ { blk = 1; next }
	    blk && /^\.Ed/ { exit }
	    blk { sub(/\\e$/, "\\"); print }' \
	    "$SRCDIR/man/pam_apitoken.8" >man.raw
	for f in readme man; do
		sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$f.raw" |
		    tr -s ' \t' ' ' >"$f.lines"
	done
	atf_check -o match:"new_authtok_reqd=done" cat readme.lines
	atf_check -o file:man.lines cat readme.lines
}

atf_init_test_cases()
{
	atf_add_test_case readme_sshd
	atf_add_test_case quotes
	atf_add_test_case lint
	atf_add_test_case sections
}
