# The seed corpus of every fuzz target, run once through the target's
# properties (fuzz/README.md): without --enable-fuzz the targets link
# fuzz/replay.c, with it libFuzzer, and both run each file named on the
# command line once.  One case per fuzz/fuzz_*.c, found at run time, so a
# new target needs no line here.  BUILDDIR and SRCDIR are set above.

# Seeds per target, at the least.
MIN_SEEDS=3

run_corpus()
{
	corpus="$SRCDIR/fuzz/corpus/$1"
	[ -x "$BUILDDIR/fuzz/$1" ] ||
	    atf_fail "fuzz/$1 is not built: is it in FUZZ_TARGETS?"
	n=0
	for f in "$corpus"/*; do
		[ -f "$f" ] && n=$((n + 1))
	done
	[ "$n" -ge "$MIN_SEEDS" ] ||
	    atf_fail "fuzz/corpus/$1 holds $n seeds, fewer than $MIN_SEEDS"
	atf_check -s exit:0 -o ignore -e ignore "$BUILDDIR/fuzz/$1" \
	    "$corpus"/*
}

atf_init_test_cases()
{
	for src in "$SRCDIR"/fuzz/fuzz_*.c; do
		t=$(basename "$src" .c)
		eval "${t}__corpus_head() {
			atf_set descr 'fuzz/corpus/$t keeps the properties'
		}"
		eval "${t}__corpus_body() { run_corpus $t; }"
		atf_add_test_case "${t}__corpus"
	done
}
