# Constant-time evidence for verify_token() (issue 5 item 3): the dudect
# style program tests/ct_verify, 10^6 interleaved measurements per class
# pair, Welch's t-test with dudect's percentile cropping, |t| < 4.5.
#
# 10^6 calls take 3 to 7 s on the 2-core CI machine, so CI runs the full
# count the issue asks for and the threshold stays 4.5: no shorter run
# with a looser bound is needed.  CT_MEASUREMENTS overrides the count
# (at least 10000) for a quick look; "make bench" (bench-ct) runs the same
# full count outside the test suite.

CT="$BUILDDIR/tests/ct_verify"
CT_MEASUREMENTS="${CT_MEASUREMENTS:-1000000}"

require_ct() {
	[ -x "$CT" ] || atf_fail "$CT not built"
	# Instrumented code times the instrumentation, not ours.
	if readelf -d "$CT" 2>/dev/null | grep -Eq 'NEEDED.*lib(asan|ubsan)'; then
		atf_skip "sanitizer build: timings are meaningless"
	fi
}

atf_test_case verify_token__secret_prefix
verify_token__secret_prefix_head() {
	atf_set descr "A wrong secret sharing a long prefix with the right one costs what any wrong secret costs"
	atf_set timeout 300
}
verify_token__secret_prefix_body() {
	require_ct
	atf_check -s exit:0 -o save:out -e empty \
	    "$CT" -d "$PWD" -n "$CT_MEASUREMENTS" prefix
	cat out
	atf_check -o match:"^  PASS: max \|t\| < 4.50" cat out
}

atf_test_case verify_token__unknown_id
verify_token__unknown_id_head() {
	atf_set descr "An unknown id costs what a known id with a wrong secret costs"
	atf_set timeout 300
}
verify_token__unknown_id_body() {
	require_ct
	rc=0
	"$CT" -d "$PWD" -n "$CT_MEASUREMENTS" id > out 2> err || rc=$?
	cat out
	cat err >&2
	[ $rc -le 1 ] || atf_fail "ct_verify could not run (exit $rc)"
	[ -s err ] && atf_fail "ct_verify wrote to standard error"
	# Measured at 10^6: |t| 30-630, 70-160 cycles (20-50 ns) between the
	# two paths: the miss path's stand-in work does not yet match a hit
	# (see SECURITY.md, "Timing").  Remove this line once it does.
	atf_expect_fail "lookup of an absent id is not yet as costly as a present one"
	[ $rc -eq 0 ] || atf_fail "$(grep 'uncropped t' out | sed 's/^ *//')"
}

atf_init_test_cases() {
	atf_add_test_case verify_token__secret_prefix
	atf_add_test_case verify_token__unknown_id
}
