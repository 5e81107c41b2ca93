/*
 * verify_bench: the cost of verify_token() in stores of 1, 10 000 and
 * 1 000 000 tokens, next to the floor measured by the same program on the
 * same file (issue 3, "Speed").
 *
 *	verify	store_txn_begin, lookup, record decode, HMAC and compare
 *		(lib/mac.c: a keyed EVP_MAC_CTX duplicated per call), rules,
 *		result copy: one verify_token() and its verify_result_free(),
 *		on a store opened read-only as the module opens it
 *	floor	a read txn renewed and reset, one mdb_get, one HMAC-SHA-256
 *		with a reused EVP_MAC_CTX, one CRYPTO_memcmp: what any
 *		verification must do at least (the store duplicates the
 *		context instead, so that threads can share it: counted
 *		against the store)
 *
 * Every timed call is timed on its own (CLOCK_MONOTONIC) and the median
 * reported; the calls go through SAMPLES valid tokens spread evenly
 * through the store, a different one each time (all of them in turn in
 * the smaller stores).  The fill puts every record in one write txn, the path
 * "apitoken restore" takes.  The floor needs raw LMDB and libcrypto calls,
 * so this program, unlike lib/, includes lmdb.h; it opens the environment
 * only while the store is closed (never twice in one process).
 *
 *	verify_bench [-d DIR] [-i CALLS] [-n N[,N...]]
 */
#include "config.h"

#include <sys/stat.h>

#include <err.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "error.h"
#include "mac.h"
#include "number.h"
#include "random.h"
#include "record.h"
#include "store.h"
#include "token.h"
#include "verify.h"
#include "timing.h"

#define DEFAULT_SIZES	"1,10000,1000000"
#define DEFAULT_CALLS	20000
#define MAX_SIZES	8
#define MAX_TOKENS	10000000
/*
 * Valid tokens spread through the store, each timed call on the next one:
 * with more of them than calls, no lookup finds its pages warmed by an
 * earlier one, as for logins with many tokens.
 */
#define SAMPLES		65536
#define WARMUP		1000
#define HMAC_CALLS	100000
#define OPEN_CALLS	2000
#define PATH_BUFSZ	4096
#define NAME_BUFSZ	32
#define NAME_STRIDE	7919
/* Where the verifier sits in a schema 1 record: version, flags, id. */
#define REC_VERIFIER_AT	(2 + TOKEN_ID_BYTES)
#define GOAL_RATIO	2.0
#define GOAL_BYTES	300.0
#define GOAL_FILL_S	30.0
#define GOAL_FILL_N	1000000

static char bench_role[] = "User";

struct sample {
	char		 text[TOKEN_NATIVE_BUFSZ];
	unsigned char	 id[TOKEN_ID_BYTES];
	unsigned char	 secret[TOKEN_SECRET_BYTES];
};

static void
lib_check(int r, const char *what, const char *path)
{
	if (r != 0)
		errx(1, "%s: %s: %s", path, what, atk_strerror(r));
}

static EVP_MAC_CTX *
keyed_ctx(const unsigned char *key, size_t keylen)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;
	EVP_MAC *mac;

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL)
		errx(1, "EVP_MAC set-up failed");
	EVP_MAC_free(mac);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, keylen, params) != 1)
		errx(1, "EVP_MAC_init failed");
	return ctx;
}

static void
mac_reinit(EVP_MAC_CTX *ctx, const struct sample *s, unsigned char *out)
{
	static const unsigned char label = 'V';
	size_t outl;

	if (EVP_MAC_init(ctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(ctx, &label, 1) != 1 ||
	    EVP_MAC_update(ctx, s->id, sizeof(s->id)) != 1 ||
	    EVP_MAC_update(ctx, s->secret, sizeof(s->secret)) != 1 ||
	    EVP_MAC_final(ctx, out, &outl, RECORD_VERIFIER_BYTES) != 1)
		errx(1, "HMAC failed");
}

/* Three ways to run the same HMAC: which one the store should use. */
static void
bench_hmac(const unsigned char *key, const struct sample *s)
{
	unsigned char out[RECORD_VERIFIER_BYTES], buf[1 + TOKEN_ID_BYTES +
	    TOKEN_SECRET_BYTES];
	uint64_t *t, t0;
	EVP_MAC_CTX *ctx, *dup;
	struct mac m;
	unsigned int outl;
	double lib, reinit, dupd, oneshot;
	char why[STORE_WHY_MAX];
	int r;

	memset(&m, 0, sizeof(m));
	if ((t = calloc(HMAC_CALLS, sizeof(*t))) == NULL)
		err(1, NULL);
	if ((r = mac_setkey(&m, key, STORE_KEY_BYTES, why, sizeof(why))) != 0)
		errx(1, "mac_setkey: %s: %s", atk_strerror(r), why);
	for (size_t i = 0; i < HMAC_CALLS; i++) {
		t0 = now_ns();
		if (mac_label(&m, 'V', s->id, TOKEN_ID_BYTES, s->secret,
		    TOKEN_SECRET_BYTES, out) != 0)
			errx(1, "mac_label failed");
		t[i] = now_ns() - t0;
	}
	lib = median(t, HMAC_CALLS);
	mac_clear(&m);
	ctx = keyed_ctx(key, STORE_KEY_BYTES);
	for (size_t i = 0; i < HMAC_CALLS; i++) {
		t0 = now_ns();
		mac_reinit(ctx, s, out);
		t[i] = now_ns() - t0;
	}
	reinit = median(t, HMAC_CALLS);
	for (size_t i = 0; i < HMAC_CALLS; i++) {
		t0 = now_ns();
		if ((dup = EVP_MAC_CTX_dup(ctx)) == NULL)
			errx(1, "EVP_MAC_CTX_dup failed");
		mac_reinit(dup, s, out);
		EVP_MAC_CTX_free(dup);
		t[i] = now_ns() - t0;
	}
	dupd = median(t, HMAC_CALLS);
	buf[0] = 'V';
	memcpy(buf + 1, s->id, TOKEN_ID_BYTES);
	memcpy(buf + 1 + TOKEN_ID_BYTES, s->secret, TOKEN_SECRET_BYTES);
	for (size_t i = 0; i < HMAC_CALLS; i++) {
		t0 = now_ns();
		if (HMAC(EVP_sha256(), key, STORE_KEY_BYTES, buf, sizeof(buf),
		    out, &outl) == NULL)
			errx(1, "HMAC failed");
		t[i] = now_ns() - t0;
	}
	oneshot = median(t, HMAC_CALLS);
	printf("HMAC-SHA-256 of one native token, median of %d calls:\n"
	    "  lib/mac.c (EVP_MAC_CTX_dup per call) %6.0f ns   (the store's "
	    "way)\n"
	    "  reused EVP_MAC_CTX, re-initialised  %7.0f ns   (the floor's)\n"
	    "  EVP_MAC_CTX_dup per call, bare      %7.0f ns\n"
	    "  one-shot HMAC()                     %7.0f ns\n\n",
	    HMAC_CALLS, lib, reinit, dupd, oneshot);
	explicit_bzero(buf, sizeof(buf));
	EVP_MAC_CTX_free(ctx);
	free(t);
}

/*
 * Fill a new store with n tokens in one write txn.  SAMPLES of them (or
 * all, when fewer) are real tokens whose text is kept; the others carry a
 * random verifier, as a restore of someone else's export would.
 */
static double
fill(const char *path, size_t n, struct sample *samples, size_t nsamples,
    unsigned char *key)
{
	char name[NAME_BUFSZ], user[RECORD_DEFAULT_USER_BUFSZ];
	struct store *st;
	struct store_txn *t;
	struct record rec;
	struct token tok;
	size_t every = n / nsamples, next = 0;
	/*
	 * Names in no particular order, as a restore of an export (in id
	 * order) puts them: a prime stride visits every number below n once.
	 */
	uint64_t stride = n % NAME_STRIDE == 0 ? 1 : NAME_STRIDE;
	uint64_t t0;
	double secs;

	lib_check(store_init(path, NULL, NULL, 0), "store_init", path);
	lib_check(store_open(path, 0, &st, NULL, 0), "store_open", path);
	lib_check(store_get_key(st, key), "store_get_key", path);
	for (size_t i = 0; i < nsamples; i++) {
		lib_check(token_generate(store_prefix(st), &tok,
		    samples[i].text, sizeof(samples[i].text)), "token_generate",
		    path);
		memcpy(samples[i].id, tok.id, TOKEN_ID_BYTES);
		memcpy(samples[i].secret, tok.secret, TOKEN_SECRET_BYTES);
		token_clear(&tok);
	}
	memset(&rec, 0, sizeof(rec));
	rec.name = name;
	rec.user = user;
	rec.role = bench_role;
	rec.created = (int64_t)time(NULL);
	t0 = now_ns();
	lib_check(store_txn_begin(st, 0, &t, NULL, 0), "store_txn_begin", path);
	for (size_t i = 0; i < n; i++) {
		if (next < nsamples && i == next * every) {
			struct token s;

			memset(&s, 0, sizeof(s));
			s.kind = TOKEN_NATIVE;
			memcpy(s.id, samples[next].id, TOKEN_ID_BYTES);
			memcpy(s.secret, samples[next].secret,
			    TOKEN_SECRET_BYTES);
			memcpy(rec.id, s.id, TOKEN_ID_BYTES);
			lib_check(store_token_verifier(st, &s, rec.verifier),
			    "store_token_verifier", path);
			token_clear(&s);
			next++;
		} else {
			lib_check(random_buf(rec.id, sizeof(rec.id)),
			    "random_buf", path);
			lib_check(random_buf(rec.verifier,
			    sizeof(rec.verifier)), "random_buf", path);
		}
		snprintf(name, sizeof(name), "bench-%07zu",
		    (size_t)(((uint64_t)i * stride) % n));
		lib_check(record_default_user(rec.id, user, sizeof(user)),
		    "record_default_user", path);
		lib_check(store_put(t, &rec, 0), "store_put", path);
	}
	lib_check(store_txn_commit(t, NULL, 0), "store_txn_commit", path);
	secs = (double)(now_ns() - t0) / 1e9;
	store_close(st);
	return secs;
}

static void
mdb_check(int rc, const char *what, const char *path)
{
	if (rc != 0)
		errx(1, "%s: %s: %s", path, what, mdb_strerror(rc));
}

static double
bench_floor(const char *path, const struct sample *samples, size_t nsamples,
    const unsigned char *key, size_t calls)
{
	unsigned char out[RECORD_VERIFIER_BYTES];
	uint64_t *t, t0;
	EVP_MAC_CTX *ctx;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k, v;
	volatile int sink = 0;
	double med;

	if ((t = calloc(calls, sizeof(*t))) == NULL)
		err(1, NULL);
	ctx = keyed_ctx(key, STORE_KEY_BYTES);
	mdb_check(mdb_env_create(&env), "mdb_env_create", path);
	mdb_check(mdb_env_set_maxdbs(env, 8), "mdb_env_set_maxdbs", path);
	mdb_check(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY |
	    MDB_NOTLS, 0600), "mdb_env_open", path);
	mdb_check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "mdb_txn_begin",
	    path);
	mdb_check(mdb_dbi_open(txn, "tokens", 0, &dbi), "mdb_dbi_open", path);
	/* Committed, the handle stays open; a fresh txn is kept reset. */
	mdb_check(mdb_txn_commit(txn), "mdb_txn_commit", path);
	mdb_check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "mdb_txn_begin",
	    path);
	mdb_txn_reset(txn);
	for (size_t i = 0; i < WARMUP + calls; i++) {
		const struct sample *s = &samples[i % nsamples];

		t0 = now_ns();
		mdb_check(mdb_txn_renew(txn), "mdb_txn_renew", path);
		k.mv_data = (void *)(uintptr_t)s->id;
		k.mv_size = TOKEN_ID_BYTES;
		mdb_check(mdb_get(txn, dbi, &k, &v), "mdb_get", path);
		mac_reinit(ctx, s, out);
		sink += CRYPTO_memcmp(out, (const unsigned char *)v.mv_data +
		    REC_VERIFIER_AT, sizeof(out));
		mdb_txn_reset(txn);
		if (i >= WARMUP)
			t[i - WARMUP] = now_ns() - t0;
	}
	if (sink != 0)
		errx(1, "%s: floor: a sample's verifier does not match", path);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	EVP_MAC_CTX_free(ctx);
	med = median(t, calls);
	free(t);
	return med;
}

/* What verify_token() is fed in each timed call. */
enum feed {
	FEED_VALID,		/* The sample itself: VERIFY_OK. */
	FEED_WRONG_SECRET,	/* Its id with another secret. */
	FEED_UNKNOWN_ID,	/* A new token the store never saw. */
};

static double
bench_verify(const char *path, const struct sample *samples,
    size_t nsamples, size_t calls, enum feed feed)
{
	static const enum verify_reason want[] = {
		VERIFY_OK, VERIFY_WRONG_SECRET, VERIFY_UNKNOWN
	};
	char text[TOKEN_NATIVE_BUFSZ], user[RECORD_DEFAULT_USER_BUFSZ];
	struct verify_request req;
	struct verify_result res;
	enum verify_reason got;
	struct store *st;
	struct token tok;
	uint64_t *t, t0;
	double med;
	int r;

	if ((t = calloc(calls, sizeof(*t))) == NULL)
		err(1, NULL);
	lib_check(store_open(path, STORE_RDONLY, &st, NULL, 0), "store_open",
	    path);
	memset(&req, 0, sizeof(req));
	req.service = "sshd";
	req.rhost = "192.0.2.7";
	req.now = (int64_t)time(NULL);
	for (size_t i = 0; i < WARMUP + calls; i++) {
		const struct sample *s = &samples[i % nsamples];

		/* Untimed: what this call is fed. */
		if (feed == FEED_VALID)
			memcpy(text, s->text, sizeof(text));
		else if (feed == FEED_WRONG_SECRET)
			lib_check(token_regenerate(store_prefix(st), s->id,
			    &tok, text, sizeof(text)), "token_regenerate",
			    path);
		else
			lib_check(token_generate(store_prefix(st), &tok, text,
			    sizeof(text)), "token_generate", path);
		token_clear(&tok);
		lib_check(record_default_user(s->id, user, sizeof(user)),
		    "record_default_user", path);
		req.user = user;
		t0 = now_ns();
		r = verify_token(st, text, strlen(text), &req, &res);
		got = res.reason;
		verify_result_free(&res);
		if (i >= WARMUP)
			t[i - WARMUP] = now_ns() - t0;
		if (r != 0 || got != want[feed])
			errx(1, "%s: verify: %s", path, r != 0 ?
			    atk_strerror(r) : verify_reason_str(got));
	}
	explicit_bzero(text, sizeof(text));
	store_close(st);
	med = median(t, calls);
	free(t);
	return med;
}

/* What the module pays per PAM call before it verifies anything. */
static double
bench_open(const char *path)
{
	uint64_t t[OPEN_CALLS], t0;
	struct store *st;

	for (size_t i = 0; i < OPEN_CALLS; i++) {
		t0 = now_ns();
		lib_check(store_open(path, STORE_RDONLY, &st, NULL, 0),
		    "store_open", path);
		store_close(st);
		t[i] = now_ns() - t0;
	}
	return median(t, OPEN_CALLS);
}

static void
remove_store(const char *path)
{
	char lock[PATH_BUFSZ + sizeof("-lock")];
	int n;

	n = snprintf(lock, sizeof(lock), "%s-lock", path);
	if (n < 0 || (size_t)n >= sizeof(lock))
		errx(1, "%s: path too long", path);
	(void)unlink(path);
	(void)unlink(lock);
}

static const char *
verdict(int met)
{
	return met ? "MET" : "MISSED";
}

static void
usage(void)
{
	fprintf(stderr, "usage: verify_bench [-d DIR] [-i CALLS] "
	    "[-n N[,N...]]\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	char path[PATH_BUFSZ], *sizes_arg, *tok, *save = NULL;
	unsigned char key[STORE_KEY_BYTES];
	const char *dir = ".";
	struct sample *samples;
	struct stat sb;
	uint64_t v, sizes[MAX_SIZES], calls = DEFAULT_CALLS;
	size_t nsizes = 0, nsamples;
	double fill_s, floor_ns, verify_ns, wrong_ns, unknown_ns, bytes;
	double open_ns;
	int ch, n;

	sizes_arg = strdup(DEFAULT_SIZES);
	while ((ch = getopt(argc, argv, "d:i:n:")) != -1) {
		switch (ch) {
		case 'd':
			dir = optarg;
			break;
		case 'i':
			if (number_parse(optarg, 1, UINT32_MAX, &calls) != 0)
				errx(2, "-i %s: not a count", optarg);
			break;
		case 'n':
			free(sizes_arg);
			sizes_arg = strdup(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (sizes_arg == NULL)
		err(1, NULL);
	for (tok = strtok_r(sizes_arg, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (nsizes == MAX_SIZES)
			errx(2, "-n: at most %d sizes", MAX_SIZES);
		if (number_parse(tok, 1, MAX_TOKENS, &v) != 0)
			errx(2, "-n %s: not a store size", tok);
		sizes[nsizes++] = v;
	}
	free(sizes_arg);
	if ((samples = calloc(SAMPLES, sizeof(*samples))) == NULL)
		err(1, NULL);

	printf("verify_bench: verify_token() in-process, one open store "
	    "(STORE_RDONLY),\nmedian of %lu calls, each on the next of up to "
	    "%d valid tokens spread\nthrough the store\n\n",
	    (unsigned long)calls, SAMPLES);
	printf("%8s %9s %9s %6s %6s %8s %8s %7s %7s %7s\n", "tokens",
	    "verify ns", "floor ns", "ratio", "goal", "wrong ns", "unkn ns",
	    "fill s", "B/token", "open us");
	for (size_t i = 0; i < nsizes; i++) {
		n = snprintf(path, sizeof(path), "%s/verify-%lu.db", dir,
		    (unsigned long)sizes[i]);
		if (n < 0 || (size_t)n >= sizeof(path))
			errx(1, "%s: path too long", dir);
		remove_store(path);
		nsamples = sizes[i] < SAMPLES ? sizes[i] : SAMPLES;
		fill_s = fill(path, sizes[i], samples, nsamples, key);
		if (stat(path, &sb) != 0)
			err(1, "%s", path);
		bytes = (double)sb.st_size / (double)sizes[i];
		floor_ns = bench_floor(path, samples, nsamples, key, calls);
		verify_ns = bench_verify(path, samples, nsamples, calls,
		    FEED_VALID);
		wrong_ns = bench_verify(path, samples, nsamples, calls,
		    FEED_WRONG_SECRET);
		unknown_ns = bench_verify(path, samples, nsamples, calls,
		    FEED_UNKNOWN_ID);
		open_ns = bench_open(path);
		printf("%8lu %9.0f %9.0f %5.2fx %6s %8.0f %8.0f %7.2f %7.0f "
		    "%7.1f\n", (unsigned long)sizes[i], verify_ns, floor_ns,
		    verify_ns / floor_ns, sizes[i] != GOAL_FILL_N ? "-" :
		    verdict(verify_ns <= GOAL_RATIO * floor_ns), wrong_ns,
		    unknown_ns, fill_s, bytes, open_ns / 1000);
		fflush(stdout);
		if (sizes[i] == GOAL_FILL_N)
			printf("%8s goals at 1M: fill %.2f s (< %.0f s: %s), "
			    "%.0f bytes/token (< %.0f: %s)\n", "", fill_s,
			    GOAL_FILL_S, verdict(fill_s < GOAL_FILL_S), bytes,
			    GOAL_BYTES, verdict(bytes < GOAL_BYTES));
		if (i + 1 == nsizes) {
			printf("\n");
			bench_hmac(key, &samples[0]);
		}
		remove_store(path);
	}
	printf("verify: verify_token() + verify_result_free() of a valid "
	    "token.\nfloor: read txn renew/reset, one mdb_get, one "
	    "HMAC-SHA-256 (reused EVP_MAC_CTX),\n  one CRYPTO_memcmp.  goal: "
	    "verify within 2x the floor at 1M tokens (issue 3).\n"
	    "wrong, unkn: verify of a known id with a wrong secret, of an "
	    "unknown id\n  (the same work by design).\n"
	    "fill: every token put in one write txn (the restore path), "
	    "commit included.\nB/token: file size / tokens.  open: "
	    "store_open(STORE_RDONLY) + store_close.\n");
	explicit_bzero(key, sizeof(key));
	explicit_bzero(samples, SAMPLES * sizeof(*samples));
	free(samples);
	return 0;
}
