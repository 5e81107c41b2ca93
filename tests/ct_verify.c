/*
 * ct_verify: dudect-style evidence that verify_token() takes the same time
 * for tokens an attacker can tell apart only by what the store holds
 * (SPEC section 3, issue 5 item 3).
 *
 * Two classes of inputs are fed to verify_token() in a random order, each
 * call (with its verify_result_free(), as the module makes it) timed on its
 * own with the cycle counter (rdtscp between fences on
 * x86, CLOCK_MONOTONIC_RAW elsewhere), and Welch's t-test asks whether the
 * two timing distributions differ.  As dudect does, the test is repeated
 * on the measurements below each of CROP_TESTS percentiles of a warm-up
 * batch (the long tail of interrupts and preemption hides a small shift in
 * the body), and the largest |t| of the tests with enough measurements is
 * the verdict: below the threshold (4.5, dudect's and the issue's) is no
 * evidence of a difference.
 *
 *	prefix	a wrong secret sharing all but the last digit with the
 *		right one, vs a wholly different wrong secret, same id
 *	id	an id the store does not hold, vs an id it holds with a
 *		wrong secret; both drawn from one of the store's ids
 *		picked at random each call: the known id is that id, the
 *		unknown one a random id between it and the next id in
 *		key order, so both land in the same gap of the B-tree
 *		and read the same record (see below)
 *	ends	the same at the two ends of the key order, where the
 *		walk has no neighbour on one side: an unknown id below
 *		the smallest stored id or above the largest vs that
 *		smallest or largest id with a wrong secret
 *
 * Why the unknown id is not simply a random one: a random id lands in a
 * gap between two stored ids with the odds of that gap's width, and the
 * widths of the gaps between random ids vary as much as an exponential
 * variable does, while a known id picked at random lands after each id
 * equally often.  Over 10^6 interleaved calls the branch predictor and
 * the caches learn the wide gaps the random ids favour: random unknown
 * ids ran 7 to 10 cycles faster than known ones for that alone (the same
 * gap showed between two classes of unknown ids, random ones and ones
 * next to a stored id).  Which gap a lookup lands in is the store's
 * layout, not whether it holds the id: an unknown id walks to where the
 * id just below it does (store_records.c, get_near()), and that is what the
 * pair compares.  With the walk the same, what is left to see is the work
 * that does depend on the id being there: LMDB's memcmp() of the id with
 * itself, which the unknown id never makes, made the known id 3 to 4
 * cycles faster (store_records.c, key_cmp()).
 *
 * Every input has a valid checksum (built with the lib/token functions),
 * so each call goes past the checksum into the lookup, the HMAC and the
 * comparison.  Inputs are made in batches before any of the batch is
 * timed.  The store lives in a directory of its own and is removed at the
 * end.
 *
 *	ct_verify [-d DIR] [-n MEASUREMENTS] [-m CYCLES] [-s TOKENS]
 *	    [-t THRESHOLD] prefix|id|ends ...
 *
 * With -m, a pair passes when the medians of its two classes are less than
 * CYCLES apart, whatever the t-test says (a regression guard for a known
 * residue: ct_test, "ends").
 *
 * Exit 0: every named test under the threshold; 1: a test over it; 2: a
 * usage error or a failure to run (a wrong verification result is one).
 */
#include "config.h"

#include <err.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#endif

#include "base62.h"
#include "crc32.h"
#include "error.h"
#include "number.h"
#include "random.h"
#include "record.h"
#include "store.h"
#include "token.h"
#include "verify.h"

#define DEFAULT_MEASUREMENTS	1000000
#define DEFAULT_TOKENS		1000
#define DEFAULT_THRESHOLD	"4.5"
#define MAX_MEASUREMENTS	1000000000
#define MAX_TOKENS		1000000
/* Inputs made, then timed, BATCH at a time; the first batch warms up. */
#define BATCH			10000
/* dudect: tests cropped at 1 - 0.5^(10 (k + 1) / CROP_TESTS). */
#define CROP_TESTS		100
#define CROP_EXPONENT		10.0
/* Cycle counts kept one by one for the medians; longer ones in one bin. */
#define HIST_BINS		65536
/* A test needs this many measurements before its t counts. */
#define MIN_PER_TEST		10000
#define STORE_NAME		"ct.db"
#define LOCK_SUFFIX		"-lock"
#define PATH_BUFSZ		4096
#define NAME_BUFSZ		32
#define CRC_BYTES		4
#define NOW			1700000000
#define EXIT_LEAK		1
#define EXIT_TROUBLE		2

#if defined(__x86_64__) || defined(__i386__)
#define UNIT			"cycles"
#else
#define UNIT			"ns"
#endif

static char ct_role[] = "User";
static char ct_user[] = "robot";

/* Welch's t-test, kept online (Welford) for each of the two classes. */
struct welch {
	double		 mean[2];
	double		 m2[2];
	uint64_t	 n[2];
};

struct ct_test {
	const char	*name;
	const char	*what;
	/* Fill text with an input of class c (0 or 1); its length back. */
	size_t		(*make)(struct ct_test *, int, char *);
	enum verify_reason expect[2];
	struct store	*st;
	const char	*prefix;
	unsigned char	 id[TOKEN_ID_BYTES];	/* The known token's. */
	char		 right[TOKEN_NATIVE_BUFSZ];
	const unsigned char *ids;	/* Every token's id, in key order. */
	size_t		 nids;
};

/* An id as the number its bytes make, most significant first. */
struct id128 {
	uint64_t	 hi;
	uint64_t	 lo;
};

static uint64_t
cycles(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned int aux;
	uint64_t t;

	/* Fences keep the timed call from leaking out of the window. */
	_mm_lfence();
	t = __rdtscp(&aux);
	_mm_lfence();
	return t;
#else
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts) != 0)
		err(EXIT_TROUBLE, "clock_gettime");
	return (uint64_t)ts.tv_sec * 1000000000U + (uint64_t)ts.tv_nsec;
#endif
}

static void
welch_add(struct welch *w, int c, double x)
{
	double d;

	w->n[c]++;
	d = x - w->mean[c];
	w->mean[c] += d / (double)w->n[c];
	w->m2[c] += d * (x - w->mean[c]);
}

static double
welch_t(const struct welch *w)
{
	double v0, v1, se;

	if (w->n[0] < 2 || w->n[1] < 2)
		return 0.0;
	v0 = w->m2[0] / (double)(w->n[0] - 1);
	v1 = w->m2[1] / (double)(w->n[1] - 1);
	se = sqrt(v0 / (double)w->n[0] + v1 / (double)w->n[1]);
	if (se == 0.0)
		return 0.0;
	return (w->mean[0] - w->mean[1]) / se;
}

static void
lib_check(int r, const char *what)
{
	if (r != 0)
		errx(EXIT_TROUBLE, "%s: %s", what, atk_strerror(r));
}

/* The checksum digits of the first n characters of text, after them. */
static void
set_checksum(char *text, size_t n)
{
	unsigned char be[CRC_BYTES];
	char sum[TOKEN_CHECKSUM_CHARS + 1];
	uint32_t crc;

	crc = crc32_buf(text, n);
	be[0] = (unsigned char)(crc >> 24);
	be[1] = (unsigned char)(crc >> 16);
	be[2] = (unsigned char)(crc >> 8);
	be[3] = (unsigned char)crc;
	lib_check(base62_encode(be, sizeof(be), sum, sizeof(sum)),
	    "base62_encode");
	memcpy(text + n, sum, TOKEN_CHECKSUM_CHARS);
	text[n + TOKEN_CHECKSUM_CHARS] = '\0';
}

/* 1 if text parses as a native token with a good checksum. */
static int
parses(const char *text, size_t len)
{
	struct token tok;
	int r;

	r = token_parse(text, len, &tok);
	token_clear(&tok);
	return r == TOKEN_NATIVE;
}

/*
 * A token of the given id with a new random secret: for a known id, one
 * wholly different from the right one.
 */
static size_t
make_other(struct ct_test *t, const unsigned char *id, char *text)
{
	struct token tok;

	lib_check(token_regenerate(t->prefix, id, &tok, text,
	    TOKEN_NATIVE_BUFSZ), "token_regenerate");
	token_clear(&tok);
	return strlen(text);
}

/*
 * The right token with the last secret digit changed: the secret text
 * shares its first TOKEN_SECRET_CHARS - 1 digits (and the decoded secret
 * all but its last byte or so) with the right one.
 */
static size_t
make_near(struct ct_test *t, char *text)
{
	size_t len = strlen(t->right), last;
	uint32_t d;

	last = len - TOKEN_CHECKSUM_CHARS - 1;
	memcpy(text, t->right, len + 1);
	do {
		lib_check(random_uniform(sizeof(BASE62_ALPHABET) - 1, &d),
		    "random_uniform");
		text[last] = BASE62_ALPHABET[d];
		set_checksum(text, len - TOKEN_CHECKSUM_CHARS);
		/*
		 * Any digit but the right one, and not one that pushes the
		 * number past 256 bits.
		 */
	} while (text[last] == t->right[last] || !parses(text, len));
	return len;
}

static size_t
make_prefix(struct ct_test *t, int c, char *text)
{
	return c == 0 ? make_near(t, text) : make_other(t, t->id, text);
}

static struct id128
id_load(const unsigned char *p)
{
	struct id128 x = { 0, 0 };
	size_t i;

	for (i = 0; i < TOKEN_ID_BYTES / 2; i++) {
		x.hi = x.hi << 8 | p[i];
		x.lo = x.lo << 8 | p[TOKEN_ID_BYTES / 2 + i];
	}
	return x;
}

static void
id_store(struct id128 x, unsigned char *p)
{
	size_t i;

	for (i = TOKEN_ID_BYTES / 2; i-- > 0; ) {
		p[i] = (unsigned char)x.hi;
		p[TOKEN_ID_BYTES / 2 + i] = (unsigned char)x.lo;
		x.hi >>= 8;
		x.lo >>= 8;
	}
}

static struct id128
id_sub(struct id128 a, struct id128 b)
{
	struct id128 d;

	d.lo = a.lo - b.lo;
	d.hi = a.hi - b.hi - (a.lo < b.lo);
	return d;
}

static struct id128
id_add(struct id128 a, struct id128 b)
{
	struct id128 s;

	s.lo = a.lo + b.lo;
	s.hi = a.hi + b.hi + (s.lo < a.lo);
	return s;
}

static int
id_less(struct id128 a, struct id128 b)
{
	return a.hi < b.hi || (a.hi == b.hi && a.lo < b.lo);
}

/* All ones from the highest bit of x down. */
static uint64_t
spread(uint64_t x)
{
	x |= x >> 1;
	x |= x >> 2;
	x |= x >> 4;
	x |= x >> 8;
	x |= x >> 16;
	x |= x >> 32;
	return x;
}

/* A random id128 below w (w not 0): drawn under the next power of two. */
static struct id128
id_uniform_below(struct id128 w)
{
	static const struct id128 one = { 0, 1 };
	struct id128 r, mask;
	unsigned char raw[TOKEN_ID_BYTES];

	r = id_sub(w, one);
	mask.hi = spread(r.hi);
	mask.lo = mask.hi != 0 ? UINT64_MAX : spread(r.lo);
	do {
		lib_check(random_buf(raw, sizeof(raw)), "random_buf");
		r = id_load(raw);
		r.hi &= mask.hi;
		r.lo &= mask.lo;
	} while (!id_less(r, w));
	return r;
}

/*
 * A random id strictly between ids[k] and ids[k + 1] (above ids[k] for
 * the last); 0 if there is none.
 */
static int
id_after(const unsigned char *ids, size_t n, size_t k, unsigned char *out)
{
	static const struct id128 one = { 0, 1 };
	struct id128 lo, w;

	lo = id_add(id_load(ids + k * TOKEN_ID_BYTES), one);
	/* w: how many ids lie in the gap (2^128 - lo above the last). */
	if (k + 1 < n)
		w = id_sub(id_load(ids + (k + 1) * TOKEN_ID_BYTES), lo);
	else
		w = id_sub((struct id128){ 0, 0 }, lo);
	if (w.hi == 0 && w.lo == 0)
		return 0;
	id_store(id_add(lo, id_uniform_below(w)), out);
	if (memcmp(out, ids + k * TOKEN_ID_BYTES, TOKEN_ID_BYTES) <= 0 ||
	    (k + 1 < n && memcmp(out, ids + (k + 1) * TOKEN_ID_BYTES,
	    TOKEN_ID_BYTES) >= 0))
		errx(EXIT_TROUBLE, "id_after: an id outside its gap");
	return 1;
}

static size_t
make_id(struct ct_test *t, int c, char *text)
{
	unsigned char id[TOKEN_ID_BYTES];
	uint32_t k;

	/* The same draw for both classes: a stored id, any equally often. */
	do
		lib_check(random_uniform((uint32_t)t->nids, &k),
		    "random_uniform");
	while (c == 0 && !id_after(t->ids, t->nids, k, id));
	if (c == 1)
		return make_other(t, t->ids + (size_t)k * TOKEN_ID_BYTES, text);
	return make_other(t, id, text);
}

/* A random id below ids[0], the smallest stored one; 0 if there is none. */
static int
id_below_first(const unsigned char *ids, unsigned char *out)
{
	struct id128 w;

	/* w: how many ids lie below the first, 0 to ids[0] - 1. */
	w = id_load(ids);
	if (w.hi == 0 && w.lo == 0)
		return 0;
	id_store(id_uniform_below(w), out);
	if (memcmp(out, ids, TOKEN_ID_BYTES) >= 0)
		errx(EXIT_TROUBLE, "id_below_first: an id not below the first");
	return 1;
}

/*
 * The ends of the key order, where a lookup's walk has no neighbour on one
 * side: an unknown id below the smallest stored id or above the largest
 * (0) vs that smallest or largest id itself with a wrong secret (1), the
 * end drawn the same way for both classes.
 */
static size_t
make_ends(struct ct_test *t, int c, char *text)
{
	unsigned char id[TOKEN_ID_BYTES];
	uint32_t e;
	int ok;

	do {
		lib_check(random_uniform(2, &e), "random_uniform");
		if (c == 1)
			return make_other(t, t->ids + (e == 0 ? 0 :
			    (t->nids - 1) * TOKEN_ID_BYTES), text);
		ok = e == 0 ? id_below_first(t->ids, id) :
		    id_after(t->ids, t->nids, t->nids - 1, id);
	} while (!ok);
	return make_other(t, id, text);
}

/*
 * Fill a new store with n tokens: their ids into ids, the first one's text
 * into right.
 */
static void
fill(const char *path, size_t n, unsigned char *ids, char *right)
{
	char name[NAME_BUFSZ], text[TOKEN_NATIVE_BUFSZ];
	struct store_txn *txn;
	struct store *st;
	struct record rec;
	struct token tok;
	size_t i;

	lib_check(store_init(path, NULL, NULL, 0), path);
	lib_check(store_open(path, 0, &st, NULL, 0), path);
	lib_check(store_txn_begin(st, 0, &txn, NULL, 0), "store_txn_begin");
	for (i = 0; i < n; i++) {
		memset(&rec, 0, sizeof(rec));
		lib_check(token_generate(store_prefix(st), &tok, text,
		    sizeof(text)), "token_generate");
		lib_check(store_token_verifier(st, &tok, rec.verifier),
		    "store_token_verifier");
		memcpy(rec.id, tok.id, TOKEN_ID_BYTES);
		memcpy(ids + i * TOKEN_ID_BYTES, tok.id, TOKEN_ID_BYTES);
		if (i == 0)
			memcpy(right, text, sizeof(text));
		token_clear(&tok);
		explicit_bzero(text, sizeof(text));
		(void)snprintf(name, sizeof(name), "ct-%zu", i);
		rec.name = name;
		rec.user = ct_user;
		rec.role = ct_role;
		rec.created = NOW;
		lib_check(store_put(txn, &rec, 0), "store_put");
	}
	lib_check(store_txn_commit(txn, NULL, 0), "store_txn_commit");
	store_close(st);
}

static int
cmp_id(const void *a, const void *b)
{
	return memcmp(a, b, TOKEN_ID_BYTES);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The crop limits from the warm-up batch (sorted in place). */
static void
crops(uint64_t *dt, size_t n, uint64_t *limit)
{
	double p;
	size_t k, at;

	qsort(dt, n, sizeof(*dt), cmp_u64);
	for (k = 0; k < CROP_TESTS; k++) {
		p = 1.0 - pow(0.5, CROP_EXPONENT * (double)(k + 1) /
		    CROP_TESTS);
		at = (size_t)(p * (double)n);
		limit[k] = dt[at < n ? at : n - 1];
	}
}

/* One timed batch: make the inputs, then time every call. */
static void
batch(struct ct_test *t, const struct verify_request *req, char (*text)[
    TOKEN_NATIVE_BUFSZ], size_t *len, unsigned char *cls, uint64_t *dt)
{
	struct verify_result res;
	enum verify_reason why;
	uint64_t t0, t1;
	size_t i;
	int r;

	lib_check(random_buf(cls, BATCH), "random_buf");
	for (i = 0; i < BATCH; i++) {
		cls[i] &= 1;
		len[i] = t->make(t, cls[i], text[i]);
	}
	for (i = 0; i < BATCH; i++) {
		/* The call and the free, as the module makes them. */
		t0 = cycles();
		r = verify_token(t->st, text[i], len[i], req, &res);
		why = res.reason;
		verify_result_free(&res);
		t1 = cycles();
		if (r != 0 || why != t->expect[cls[i]])
			errx(EXIT_TROUBLE, "%s: class %d: %s (%s), expected %s",
			    t->name, cls[i], verify_reason_str(why),
			    atk_strerror(r), verify_reason_str(
			    t->expect[cls[i]]));
		dt[i] = t1 - t0;
	}
	explicit_bzero(text, BATCH * sizeof(*text));
}

/* Run one test; 1 if its largest |t| is under the threshold. */
/* The median of a histogram of n values. */
static uint64_t
hist_median(const uint64_t *h, uint64_t n)
{
	uint64_t seen = 0, b;

	for (b = 0; b < HIST_BINS - 1; b++)
		if ((seen += h[b]) * 2 >= n)
			break;
	return b;
}

/*
 * maxdiff 0: the verdict is the t-test's.  Otherwise it is whether the
 * two classes' medians are less than maxdiff apart, for a pair with a
 * known residue too small for the t-test to pass but whose old, larger
 * difference must not come back (ct_test says which).
 */
static int
run(struct ct_test *t, uint64_t total, double threshold, uint64_t maxdiff)
{
	static struct welch w[1 + CROP_TESTS];
	static uint64_t hist[2][HIST_BINS];
	uint64_t med[2], apart;
	int pass;
	struct verify_request req;
	char (*text)[TOKEN_NATIVE_BUFSZ];
	uint64_t *dt, limit[CROP_TESTS], done;
	unsigned char *cls;
	size_t *len, i, k, best;
	double tt, tmax;

	if ((text = calloc(BATCH, sizeof(*text))) == NULL ||
	    (len = calloc(BATCH, sizeof(*len))) == NULL ||
	    (cls = calloc(BATCH, 1)) == NULL ||
	    (dt = calloc(BATCH, sizeof(*dt))) == NULL)
		err(EXIT_TROUBLE, NULL);
	memset(w, 0, sizeof(w));
	memset(hist, 0, sizeof(hist));
	memset(&req, 0, sizeof(req));
	req.user = ct_user;
	req.service = "sshd";
	req.now = NOW;
	/* Warm-up: caches, branch predictors, the crop limits. */
	batch(t, &req, text, len, cls, dt);
	crops(dt, BATCH, limit);
	for (done = 0; done < total; done += BATCH) {
		batch(t, &req, text, len, cls, dt);
		for (i = 0; i < BATCH; i++) {
			welch_add(&w[0], cls[i], (double)dt[i]);
			hist[cls[i]][dt[i] < HIST_BINS - 1 ? dt[i] :
			    HIST_BINS - 1]++;
			for (k = 0; k < CROP_TESTS; k++)
				if (dt[i] < limit[k])
					welch_add(&w[1 + k], cls[i],
					    (double)dt[i]);
		}
	}
	tmax = 0.0;
	best = 0;
	for (k = 0; k < 1 + CROP_TESTS; k++) {
		if (w[k].n[0] + w[k].n[1] < MIN_PER_TEST)
			continue;
		tt = fabs(welch_t(&w[k]));
		if (tt > tmax) {
			tmax = tt;
			best = k;
		}
	}
	med[0] = hist_median(hist[0], w[0].n[0]);
	med[1] = hist_median(hist[1], w[0].n[1]);
	apart = med[0] > med[1] ? med[0] - med[1] : med[1] - med[0];
	pass = maxdiff > 0 ? apart < maxdiff : tmax < threshold;
	printf("%s: %s\n"
	    "  measurements %llu (class 0: %llu, class 1: %llu)\n"
	    "  median %s: class 0 %llu, class 1 %llu\n"
	    "  mean %s in that test: class 0 %.0f, class 1 %.0f\n"
	    "  uncropped t = %.2f; max |t| = %.2f (test %zu of %d: %s"
	    " %llu measurements)\n",
	    t->name, t->what,
	    (unsigned long long)(w[0].n[0] + w[0].n[1]),
	    (unsigned long long)w[0].n[0], (unsigned long long)w[0].n[1],
	    UNIT, (unsigned long long)med[0], (unsigned long long)med[1],
	    UNIT, w[best].mean[0], w[best].mean[1], welch_t(&w[0]), tmax, best,
	    1 + CROP_TESTS, best == 0 ? "uncropped," : "cropped,",
	    (unsigned long long)(w[best].n[0] + w[best].n[1]));
	if (maxdiff > 0)
		printf("  %s: medians %llu %s apart %s %llu (max |t| %s %.2f)\n",
		    pass ? "PASS" : "FAIL", (unsigned long long)apart, UNIT,
		    pass ? "<" : ">=", (unsigned long long)maxdiff,
		    tmax < threshold ? "<" : ">=", threshold);
	else
		printf("  %s: max |t| %s %.2f\n", pass ? "PASS" : "FAIL",
		    pass ? "<" : ">=", threshold);
	free(dt);
	free(cls);
	free(len);
	free(text);
	return pass;
}

static void
usage(void)
{
	fprintf(stderr, "usage: ct_verify [-d DIR] [-n MEASUREMENTS] "
	    "[-m CYCLES] [-s TOKENS] [-t THRESHOLD] prefix|id|ends ...\n");
	exit(EXIT_TROUBLE);
}

int
main(int argc, char *argv[])
{
	struct ct_test tests[] = {
		{ "prefix", "wrong secret sharing all but its last digit "
		    "with the right one (0) vs a wholly different wrong "
		    "secret (1), same id", make_prefix,
		    { VERIFY_WRONG_SECRET, VERIFY_WRONG_SECRET },
		    NULL, NULL, { 0 }, { 0 }, NULL, 0 },
		{ "id", "unknown id (0) vs known id with a wrong secret (1)",
		    make_id, { VERIFY_UNKNOWN, VERIFY_WRONG_SECRET },
		    NULL, NULL, { 0 }, { 0 }, NULL, 0 },
		{ "ends", "unknown id below the smallest or above the "
		    "largest stored id (0) vs that id with a wrong secret (1)",
		    make_ends, { VERIFY_UNKNOWN, VERIFY_WRONG_SECRET },
		    NULL, NULL, { 0 }, { 0 }, NULL, 0 },
	};
	const size_t ntests = sizeof(tests) / sizeof(tests[0]);
	char path[PATH_BUFSZ], lock[PATH_BUFSZ], right[TOKEN_NATIVE_BUFSZ];
	char *end;
	const char *dir = ".";
	unsigned char *ids, *sorted;
	struct store *st;
	uint64_t total = DEFAULT_MEASUREMENTS, ntok = DEFAULT_TOKENS;
	uint64_t maxdiff = 0;
	double threshold;
	size_t i;
	int ch, ok = 1, a;

	threshold = strtod(DEFAULT_THRESHOLD, NULL);
	while ((ch = getopt(argc, argv, "d:m:n:s:t:")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'm':
			if (number_parse(optarg, 1, HIST_BINS - 1,
			    &maxdiff) != 0)
				errx(EXIT_TROUBLE, "-m %s: want 1 to %d",
				    optarg, HIST_BINS - 1);
			break;
		case 'n':
			if (number_parse(optarg, BATCH, MAX_MEASUREMENTS,
			    &total) != 0)
				errx(EXIT_TROUBLE, "-n %s: want %d to %d",
				    optarg, BATCH, MAX_MEASUREMENTS);
			break;
		case 's':
			if (number_parse(optarg, 1, MAX_TOKENS, &ntok) != 0)
				errx(EXIT_TROUBLE, "-s %s: want 1 to %d",
				    optarg, MAX_TOKENS);
			break;
		case 't':
			threshold = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || !(threshold > 0))
				errx(EXIT_TROUBLE, "-t %s: not a positive "
				    "number", optarg);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	for (a = 0; a < argc; a++) {
		for (i = 0; i < ntests; i++)
			if (strcmp(argv[a], tests[i].name) == 0)
				break;
		if (i == ntests)
			usage();
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, STORE_NAME) >=
	    sizeof(path) || (size_t)snprintf(lock, sizeof(lock), "%s%s", path,
	    LOCK_SUFFIX) >= sizeof(lock))
		errx(EXIT_TROUBLE, "%s: path too long", dir);
	(void)unlink(path);
	(void)unlink(lock);
	if ((ids = calloc(ntok, TOKEN_ID_BYTES)) == NULL ||
	    (sorted = calloc(ntok, TOKEN_ID_BYTES)) == NULL)
		err(EXIT_TROUBLE, NULL);
	fill(path, ntok, ids, right);
	/* The store's key order: what the "id" pair's gaps are between. */
	memcpy(sorted, ids, ntok * TOKEN_ID_BYTES);
	qsort(sorted, ntok, TOKEN_ID_BYTES, cmp_id);
	/* Opened as the module opens it. */
	lib_check(store_open(path, STORE_RDONLY, &st, NULL, 0), path);
	printf("store: %llu tokens; threshold |t| < %.2f; %d-call batches, "
	    "%d tests per class pair (dudect cropping)\n",
	    (unsigned long long)ntok, threshold, BATCH, 1 + CROP_TESTS);
	for (a = 0; a < argc; a++) {
		for (i = 0; i < ntests; i++)
			if (strcmp(argv[a], tests[i].name) == 0)
				break;
		tests[i].st = st;
		tests[i].prefix = store_prefix(st);
		memcpy(tests[i].id, ids, TOKEN_ID_BYTES);
		tests[i].ids = sorted;
		tests[i].nids = ntok;
		memcpy(tests[i].right, right, sizeof(right));
		if (!run(&tests[i], total, threshold, maxdiff))
			ok = 0;
		explicit_bzero(tests[i].right, sizeof(tests[i].right));
		fflush(stdout);
	}
	explicit_bzero(right, sizeof(right));
	store_close(st);
	free(sorted);
	free(ids);
	(void)unlink(path);
	(void)unlink(lock);
	return ok ? 0 : EXIT_LEAK;
}
