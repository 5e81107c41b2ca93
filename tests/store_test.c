#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>
#include <lmdb.h>

#include "base62.h"
#include "error.h"
#include "random.h"
#include "record.h"
#include "store.h"
#include "token.h"
#include "verify.h"

#define DB		"tokens.db"
#define DB_LOCK		"tokens.db-lock"
#define FILL		300
#define OTHER_UID	12345
#define WRITER_COMMITS	200
#define KILL_ROUNDS	8
#define KILL_MAX_US	30000
#define NAME_MAX_TEST	32
#define THREADS		8
#define STABLE		32	/* Tokens every reader thread looks up. */
#define CHURN_COMMITS	300	/* The writer thread's creates. */
#define READER_ROUNDS	200	/* At least, per reader thread. */
#define FAIL_MAX	256

/*
 * The thread cases are not run under valgrind (scripts/valgrind-check sets
 * APITOKEN_UNDER_VALGRIND): its one-thread-at-a-time scheduler ran
 * threads_share_a_store for more than 10 minutes without an end, even at
 * a tenth of the work.  TSan (scripts/dev tsan) and ASan run them.
 */
static void
skip_under_valgrind(void)
{
	if (getenv("APITOKEN_UNDER_VALGRIND") != NULL)
		atf_tc_skip("threads under valgrind's scheduler: see "
		    "scripts/dev tsan");
}

static char role_user[] = "User";
static char user_robot[] = "robot";
static char user_deploy[] = "deploy";

struct named {
	struct record	 rec;
	char		 name[RECORD_NAME_MAX + 1];
	char		 user[RECORD_DEFAULT_USER_BUFSZ];
};

/* A record with a random id, the given name and the default user. */
static void
mkrec(struct named *n, const char *name)
{
	memset(n, 0, sizeof(*n));
	ATF_REQUIRE_EQ(random_buf(n->rec.id, sizeof(n->rec.id)), 0);
	ATF_REQUIRE(strlen(name) < sizeof(n->name));
	strcpy(n->name, name);
	ATF_REQUIRE_EQ(record_default_user(n->rec.id, n->user,
	    sizeof(n->user)), 0);
	n->rec.name = n->name;
	n->rec.user = n->user;
	n->rec.role = role_user;
	n->rec.created = 1700000000;
	ATF_REQUIRE_EQ(random_buf(n->rec.verifier, sizeof(n->rec.verifier)),
	    0);
}

static struct store *
fresh(void)
{
	struct store *st;

	ATF_REQUIRE_EQ(store_init(DB, NULL, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_open(DB, 0, &st, NULL, 0), 0);
	return st;
}

static void
put1(struct store *st, const struct record *rec, int flags, int want)
{
	struct store_txn *t;

	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_put(t, rec, flags), want);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
}

static void *
slurp(const char *path, size_t *len)
{
	struct stat sb;
	unsigned char *buf;
	FILE *f;

	ATF_REQUIRE((f = fopen(path, "rb")) != NULL);
	ATF_REQUIRE(fstat(fileno(f), &sb) == 0);
	ATF_REQUIRE((buf = malloc((size_t)sb.st_size + 1)) != NULL);
	ATF_REQUIRE_EQ(fread(buf, 1, (size_t)sb.st_size, f),
	    (size_t)sb.st_size);
	fclose(f);
	*len = (size_t)sb.st_size;
	return buf;
}

static void
spit(const char *path, const void *buf, size_t len)
{
	FILE *f;

	ATF_REQUIRE((f = fopen(path, "wb")) != NULL);
	ATF_REQUIRE_EQ(fwrite(buf, 1, len, f), len);
	ATF_REQUIRE(fclose(f) == 0);
}

static int
contains(const unsigned char *hay, size_t hlen, const void *needle,
    size_t nlen)
{
	for (size_t i = 0; i + nlen <= hlen; i++)
		if (memcmp(hay + i, needle, nlen) == 0)
			return 1;
	return 0;
}

ATF_TC_WITHOUT_HEAD(store_init__private_files);
ATF_TC_BODY(store_init__private_files, tc)
{
	struct store *st;
	struct stat sb;

	umask(0);
	ATF_REQUIRE_EQ(store_init(DB, "xyz", NULL, 0), 0);
	ATF_REQUIRE(stat(DB, &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0600);
	ATF_REQUIRE(stat(DB_LOCK, &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0600);
	ATF_CHECK_EQ(store_init(DB, NULL, NULL, 0), ATK_ERR_EXISTS);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &st, NULL, 0), 0);
	ATF_CHECK_STREQ(store_prefix(st), "xyz");
	store_close(st);
	store_close(NULL);
	/* A umask that would leave the owner without write access. */
	umask(0277);
	ATF_REQUIRE_EQ(store_init("b.db", NULL, NULL, 0), 0);
	ATF_REQUIRE(stat("b.db", &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0600);
	ATF_REQUIRE_EQ(store_open("b.db", 0, &st, NULL, 0), 0);
	ATF_CHECK_STREQ(store_prefix(st), TOKEN_PREFIX_DEFAULT);
	store_close(st);
	ATF_CHECK_EQ(store_init("c.db", "Bad", NULL, 0), ATK_ERR_INVAL);
	ATF_CHECK(access("c.db", F_OK) != 0);
	ATF_CHECK_EQ(store_init("no/such/dir.db", NULL, NULL, 0),
	    ATK_ERR_SYSTEM);
}

ATF_TC_WITHOUT_HEAD(store_init__makes_dir);
ATF_TC_BODY(store_init__makes_dir, tc)
{
	char why[STORE_WHY_MAX];
	struct stat sb;

	/* The store's own directory, 0700 whatever the umask. */
	umask(0);
	ATF_REQUIRE_EQ(store_init("d/tokens.db", NULL, NULL, 0), 0);
	ATF_REQUIRE(stat("d", &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0700);
	ATF_CHECK_EQ(store_check_path("d/tokens.db", geteuid(), why,
	    sizeof(why)), 0);
	umask(0277);
	ATF_REQUIRE_EQ(store_init("e/tokens.db", NULL, NULL, 0), 0);
	ATF_REQUIRE(stat("e", &sb) == 0);
	ATF_CHECK_EQ(sb.st_mode & 07777, 0700);
	umask(022);
	/* One directory, never its parents. */
	ATF_CHECK_EQ(store_init("no/such/dir.db", NULL, why,
	    sizeof(why)), ATK_ERR_SYSTEM);
	ATF_CHECK_STREQ(why, "no/such/dir.db: cannot create directory "
	    "no/such: No such file or directory");
	ATF_CHECK(access("no", F_OK) != 0);
	/* Never through a link that leads nowhere, never over a file. */
	ATF_REQUIRE(symlink("elsewhere", "dangling") == 0);
	ATF_CHECK_EQ(store_init("dangling/tokens.db", NULL, NULL, 0),
	    ATK_ERR_UNSAFE);
	ATF_CHECK(access("elsewhere", F_OK) != 0);
	spit("plain", "", 0);
	ATF_CHECK_EQ(store_init("plain/tokens.db", NULL, NULL, 0),
	    ATK_ERR_UNSAFE);
	/* A failed init removes the directory it made. */
	ATF_CHECK_EQ(store_init("f/", NULL, NULL, 0), ATK_ERR_SYSTEM);
	ATF_CHECK(access("f", F_OK) != 0);
}

/*
 * A lock file gone (an admin's rm, a restore's clean-up) comes back 0600
 * on the next open, checked or not, read-only or not, whatever the umask.
 */
ATF_TC_WITHOUT_HEAD(store_open__lock_recreated_private);
ATF_TC_BODY(store_open__lock_recreated_private, tc)
{
	static const int flags[] = { STORE_RDONLY | STORE_CHECK_SAFE,
	    STORE_CHECK_SAFE, STORE_RDONLY, 0 };
	struct store *st;
	struct stat sb;

	ATF_REQUIRE_EQ(store_init(DB, NULL, NULL, 0), 0);
	umask(0277);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		ATF_REQUIRE(unlink(DB_LOCK) == 0);
		ATF_REQUIRE_EQ(store_open(DB, flags[i], &st, NULL, 0), 0);
		store_close(st);
		ATF_REQUIRE(lstat(DB_LOCK, &sb) == 0);
		ATF_CHECK(S_ISREG(sb.st_mode));
		ATF_CHECK_EQ_MSG(sb.st_mode & 07777, 0600, "flags %#x",
		    (unsigned)flags[i]);
	}
	umask(022);
}

ATF_TC_WITHOUT_HEAD(store_init__refuses_symlink);
ATF_TC_BODY(store_init__refuses_symlink, tc)
{
	ATF_REQUIRE(symlink("target.db", DB) == 0);
	ATF_CHECK_EQ(store_init(DB, NULL, NULL, 0), ATK_ERR_EXISTS);
	ATF_CHECK(access("target.db", F_OK) != 0);
}

ATF_TC_WITHOUT_HEAD(store_open__missing_or_empty);
ATF_TC_BODY(store_open__missing_or_empty, tc)
{
	char why[STORE_WHY_MAX];
	struct store *st = NULL;

	ATF_CHECK_EQ(store_open(DB, 0, &st, NULL, 0), ATK_ERR_NOTFOUND);
	ATF_CHECK(st == NULL);
	ATF_CHECK(access(DB, F_OK) != 0);	/* Not created. */
	spit(DB, "", 0);
	ATF_CHECK_EQ(store_open(DB, 0, &st, why, sizeof(why)),
	    ATK_ERR_CORRUPT);
	ATF_CHECK(strstr(why, "empty") != NULL);
	ATF_CHECK_EQ(store_open(DB, STORE_RDONLY, &st, NULL, 0),
	    ATK_ERR_CORRUPT);
	ATF_CHECK_EQ(store_open(".", STORE_RDONLY, &st, NULL, 0),
	    ATK_ERR_UNSAFE);
}

ATF_TC_WITHOUT_HEAD(store_put__get_find_delete);
ATF_TC_BODY(store_put__get_find_delete, tc)
{
	char idtext[TOKEN_ID_BUFSZ];
	struct store *st = fresh();
	struct store_txn *t;
	struct record got;
	struct named a;

	mkrec(&a, "ci-bot");
	put1(st, &a.rec, 0, 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_get(t, a.rec.id, &got), 0);
	ATF_CHECK_STREQ(got.name, "ci-bot");
	ATF_CHECK_STREQ(got.user, a.user);
	ATF_CHECK(memcmp(got.verifier, a.rec.verifier, 32) == 0);
	record_free(&got);
	token_id_format(a.rec.id, idtext);
	ATF_REQUIRE_EQ(store_find(t, idtext, &got), 0);
	ATF_CHECK_STREQ(got.name, "ci-bot");
	record_free(&got);
	ATF_REQUIRE_EQ(store_find(t, "ci-bot", &got), 0);
	ATF_CHECK(memcmp(got.id, a.rec.id, TOKEN_ID_BYTES) == 0);
	record_free(&got);
	ATF_CHECK_EQ(store_find(t, "nobody", &got), ATK_ERR_NOTFOUND);
	ATF_CHECK_EQ(store_find(t, "bad name!", &got), ATK_ERR_NOTFOUND);
	/* No writes in a read txn. */
	ATF_CHECK_EQ(store_put(t, &a.rec, STORE_REPLACE), ATK_ERR_INVAL);
	ATF_CHECK_EQ(store_delete(t, a.rec.id), ATK_ERR_INVAL);
	store_txn_abort(t);
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_delete(t, a.rec.id), 0);
	ATF_CHECK_EQ(store_delete(t, a.rec.id), ATK_ERR_NOTFOUND);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_get(t, a.rec.id, &got), ATK_ERR_NOTFOUND);
	ATF_CHECK_EQ(store_find(t, "ci-bot", &got), ATK_ERR_NOTFOUND);
	ATF_CHECK_EQ(store_find(t, idtext, &got), ATK_ERR_NOTFOUND);
	ATF_CHECK_EQ(store_user_has_tokens(t, a.user), 0);
	store_txn_abort(t);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(store_put__duplicates);
ATF_TC_BODY(store_put__duplicates, tc)
{
	struct store *st = fresh();
	struct named a, b;
	struct store_txn *t;
	struct record got;

	mkrec(&a, "one");
	mkrec(&b, "one");
	put1(st, &a.rec, 0, 0);
	put1(st, &b.rec, 0, ATK_ERR_EXISTS);	/* Same name. */
	/* Even as a replace. */
	put1(st, &b.rec, STORE_REPLACE, ATK_ERR_EXISTS);
	strcpy(b.name, "two");
	memcpy(b.rec.id, a.rec.id, TOKEN_ID_BYTES);
	put1(st, &b.rec, 0, ATK_ERR_EXISTS);	/* Same id. */
	/* A replace may rename; the old name is then free. */
	put1(st, &b.rec, STORE_REPLACE, 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_find(t, "one", &got), ATK_ERR_NOTFOUND);
	ATF_REQUIRE_EQ(store_find(t, "two", &got), 0);
	ATF_CHECK(memcmp(got.id, a.rec.id, TOKEN_ID_BYTES) == 0);
	record_free(&got);
	store_txn_abort(t);
	mkrec(&a, "one");
	put1(st, &a.rec, 0, 0);
	/* A failed insert writes nothing, so the txn can go on. */
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	strcpy(b.name, "one");
	mkrec(&b, "two");
	ATF_CHECK_EQ(store_put(t, &b.rec, 0), ATK_ERR_EXISTS);
	strcpy(b.name, "three");
	ATF_CHECK_EQ(store_put(t, &b.rec, 0), 0);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	/* A refused insert leaves no name or digest behind. */
	mkrec(&b, "fresh");
	memcpy(b.rec.id, a.rec.id, TOKEN_ID_BYTES);
	b.rec.imported = 1;
	put1(st, &b.rec, 0, ATK_ERR_EXISTS);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_find(t, "fresh", &got), ATK_ERR_NOTFOUND);
	ATF_CHECK_EQ(store_lookup_digest(t, b.rec.verifier, b.rec.id),
	    ATK_ERR_NOTFOUND);
	ATF_REQUIRE_EQ(store_find(t, "one", &got), 0);
	ATF_CHECK(memcmp(got.id, a.rec.id, TOKEN_ID_BYTES) == 0);
	record_free(&got);
	store_txn_abort(t);
	/* Invalid records are refused. */
	b.name[0] = '-';
	put1(st, &b.rec, STORE_REPLACE, ATK_ERR_INVAL);
	store_close(st);
}

static int
count_cb(const struct record *rec, void *arg)
{
	size_t *n = arg;

	(*n)++;
	return rec->name[0] == 's' ? 42 : 0;
}

ATF_TC_WITHOUT_HEAD(store_foreach__all_in_id_order);
ATF_TC_BODY(store_foreach__all_in_id_order, tc)
{
	struct store *st = fresh();
	struct store_txn *t;
	struct named n;
	char name[32];
	size_t count = 0;

	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	for (int i = 0; i < FILL; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		mkrec(&n, name);
		ATF_REQUIRE_EQ(store_put(t, &n.rec, 0), 0);
	}
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_foreach(t, count_cb, &count), 0);
	ATF_CHECK_EQ(count, FILL);
	store_txn_abort(t);
	mkrec(&n, "stop");
	put1(st, &n.rec, 0, 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	count = 0;
	ATF_CHECK_EQ(store_foreach(t, count_cb, &count), 42);
	ATF_CHECK(count >= 1 && count <= FILL + 1);
	store_txn_abort(t);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(store_usage__touch);
ATF_TC_BODY(store_usage__touch, tc)
{
	struct store *st = fresh(), *ro;
	struct store_txn *t;
	struct named a;
	int64_t when;
	char *from;

	mkrec(&a, "a");
	put1(st, &a.rec, 0, 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_usage(t, a.rec.id, &when, &from), 0);
	ATF_CHECK_EQ(when, 0);
	ATF_CHECK(from == NULL);
	ATF_CHECK_EQ(store_touch(t, a.rec.id, 5, "x"), ATK_ERR_INVAL);
	store_txn_abort(t);
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_touch(t, a.rec.id, 1700001234, "192.0.2.7"), 0);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	/* A reader in another environment sees it. */
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &ro, NULL, 0), 0);
	ATF_CHECK_EQ(store_txn_begin(ro, 0, &t, NULL, 0), ATK_ERR_INVAL);
	ATF_REQUIRE_EQ(store_txn_begin(ro, STORE_RDONLY, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_usage(t, a.rec.id, &when, &from), 0);
	ATF_CHECK_EQ(when, 1700001234);
	ATF_CHECK_STREQ(from, "192.0.2.7");
	free(from);
	store_txn_abort(t);
	store_close(ro);
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_touch(t, a.rec.id, 1700001300, NULL), 0);
	ATF_CHECK_EQ(store_usage(t, a.rec.id, &when, &from), 0);
	ATF_CHECK_EQ(when, 1700001300);
	ATF_CHECK_STREQ(from, "");
	free(from);
	/* Deleting the token forgets its usage. */
	ATF_CHECK_EQ(store_delete(t, a.rec.id), 0);
	ATF_CHECK_EQ(store_usage(t, a.rec.id, &when, &from), 0);
	ATF_CHECK_EQ(when, 0);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(store_txn_begin__flags);
ATF_TC_BODY(store_txn_begin__flags, tc)
{
	struct store *st = fresh(), *ro;
	struct store_txn *t;
	struct named a;
	char why[STORE_WHY_MAX];

	mkrec(&a, "a");
	ATF_CHECK_EQ(store_txn_begin(st, STORE_CHECK_SAFE, &t, NULL, 0),
	    ATK_ERR_INVAL);
	ATF_CHECK(t == NULL);
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, why, sizeof(why)), 0);
	ATF_CHECK_STREQ(why, "");
	ATF_CHECK_EQ(store_put(t, &a.rec, STORE_RDONLY), ATK_ERR_INVAL);
	ATF_CHECK_EQ(store_put(t, &a.rec, STORE_REPLACE), 0);
	ATF_CHECK_EQ(store_txn_commit(t, why, sizeof(why)), 0);
	ATF_CHECK_STREQ(why, "");
	ATF_CHECK_EQ(store_open(DB, STORE_REPLACE, &ro, NULL, 0),
	    ATK_ERR_INVAL);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &ro, NULL, 0), 0);
	ATF_CHECK_EQ(store_txn_begin(ro, 0, &t, why, sizeof(why)),
	    ATK_ERR_INVAL);
	ATF_CHECK(strstr(why, "read-only") != NULL);
	store_close(ro);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(store_lookup_digest__imported);
ATF_TC_BODY(store_lookup_digest__imported, tc)
{
	static const char keptn[] = "q1w2e3r4t5y6u7i8o9p0aA==";
	unsigned char d[STORE_DIGEST_BYTES], d2[STORE_DIGEST_BYTES];
	unsigned char id[TOKEN_ID_BYTES];
	struct store *st = fresh();
	struct store_txn *t;
	struct token tok;
	struct named a, b;

	ATF_REQUIRE_EQ(token_parse(keptn, strlen(keptn), &tok),
	    TOKEN_IMPORTED);
	ATF_REQUIRE_EQ(store_token_verifier(st, &tok, d), 0);
	ATF_REQUIRE_EQ(store_digest(st, keptn, strlen(keptn), d2), 0);
	ATF_CHECK(memcmp(d, d2, sizeof(d)) == 0);
	/* The digest is not the native verifier of the same bytes. */
	ATF_REQUIRE_EQ(store_verifier(st, keptn, strlen(keptn), d2), 0);
	ATF_CHECK(memcmp(d, d2, sizeof(d)) != 0);
	mkrec(&a, "keptn");
	a.rec.imported = 1;
	memcpy(a.rec.verifier, d, sizeof(d));
	put1(st, &a.rec, 0, 0);
	mkrec(&b, "keptn2");
	b.rec.imported = 1;
	memcpy(b.rec.verifier, d, sizeof(d));
	put1(st, &b.rec, 0, ATK_ERR_EXISTS);	/* Same text imported twice. */
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_lookup_digest(t, d, id), 0);
	ATF_CHECK(memcmp(id, a.rec.id, sizeof(id)) == 0);
	ATF_CHECK_EQ(store_lookup_digest(t, d2, id), ATK_ERR_NOTFOUND);
	ATF_CHECK_EQ(store_delete(t, a.rec.id), 0);
	ATF_CHECK_EQ(store_lookup_digest(t, d, id), ATK_ERR_NOTFOUND);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	store_close(st);
}

/* The id just before (-1) or after (+1) id, as big-endian numbers. */
static void
id_step(const unsigned char *id, int step, unsigned char *out)
{
	int i;

	memcpy(out, id, TOKEN_ID_BYTES);
	for (i = TOKEN_ID_BYTES - 1; i >= 0; i--) {
		out[i] = (unsigned char)(out[i] + step);
		if (out[i] != (step > 0 ? 0x00 : 0xff))
			break;
	}
}

ATF_TC_WITHOUT_HEAD(store_get_near__hit_neighbour_empty);
ATF_TC_BODY(store_get_near__hit_neighbour_empty, tc)
{
	static const unsigned char lowest[TOKEN_ID_BYTES];
	unsigned char ids[3][TOKEN_ID_BYTES], probe[TOKEN_ID_BYTES];
	struct store *st = fresh();
	struct store_txn *t;
	struct record rec;
	struct named n[3];
	int found, i;

	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	found = 1;
	ATF_CHECK_EQ(store_get_near(t, lowest, &rec, &found),
	    ATK_ERR_NOTFOUND);
	ATF_CHECK_EQ(found, 0);
	store_txn_abort(t);
	/* Three ids in a known order: 40..., 80..., c0... */
	for (i = 0; i < 3; i++) {
		mkrec(&n[i], i == 0 ? "a" : i == 1 ? "b" : "c");
		n[i].rec.id[0] = (unsigned char)(0x40 * (i + 1));
		memcpy(ids[i], n[i].rec.id, TOKEN_ID_BYTES);
		put1(st, &n[i].rec, 0, 0);
	}
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	for (i = 0; i < 3; i++) {
		/* A hit is the id's own record. */
		ATF_CHECK_EQ(store_get_near(t, ids[i], &rec, &found), 0);
		ATF_CHECK_EQ(found, 1);
		ATF_CHECK(memcmp(rec.id, ids[i], TOKEN_ID_BYTES) == 0);
		ATF_CHECK_STREQ(rec.name, n[i].name);
		record_free(&rec);
		/* Just after it: a miss that decodes the id's record. */
		id_step(ids[i], 1, probe);
		ATF_CHECK_EQ(store_get_near(t, probe, &rec, &found), 0);
		ATF_CHECK_EQ(found, 0);
		ATF_CHECK(memcmp(rec.id, ids[i], TOKEN_ID_BYTES) == 0);
		record_free(&rec);
		/* Just before it: the record before, or the first one. */
		id_step(ids[i], -1, probe);
		ATF_CHECK_EQ(store_get_near(t, probe, &rec, &found), 0);
		ATF_CHECK_EQ(found, 0);
		ATF_CHECK(memcmp(rec.id, ids[i == 0 ? 0 : i - 1],
		    TOKEN_ID_BYTES) == 0);
		record_free(&rec);
	}
	ATF_CHECK_EQ(store_get_near(t, lowest, &rec, &found), 0);
	ATF_CHECK_EQ(found, 0);
	ATF_CHECK(memcmp(rec.id, ids[0], TOKEN_ID_BYTES) == 0);
	record_free(&rec);
	store_txn_abort(t);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(store_lookup_digest_near__hit_and_neighbour);
ATF_TC_BODY(store_lookup_digest_near__hit_and_neighbour, tc)
{
	unsigned char d[STORE_DIGEST_BYTES], other[STORE_DIGEST_BYTES];
	unsigned char id[TOKEN_ID_BYTES];
	struct store *st = fresh();
	struct store_txn *t;
	struct named a;
	int found;

	ATF_REQUIRE_EQ(store_digest(st, "imported-token-text", 19, d), 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	found = 1;
	ATF_CHECK_EQ(store_lookup_digest_near(t, d, id, &found),
	    ATK_ERR_NOTFOUND);
	ATF_CHECK_EQ(found, 0);
	store_txn_abort(t);
	mkrec(&a, "imported");
	a.rec.imported = 1;
	memcpy(a.rec.verifier, d, sizeof(d));
	put1(st, &a.rec, 0, 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_lookup_digest_near(t, d, id, &found), 0);
	ATF_CHECK_EQ(found, 1);
	ATF_CHECK(memcmp(id, a.rec.id, sizeof(id)) == 0);
	/* Any other digest: not found, the one entry's id all the same. */
	memcpy(other, d, sizeof(other));
	other[sizeof(other) - 1] ^= 1;
	ATF_CHECK_EQ(store_lookup_digest_near(t, other, id, &found), 0);
	ATF_CHECK_EQ(found, 0);
	ATF_CHECK(memcmp(id, a.rec.id, sizeof(id)) == 0);
	store_txn_abort(t);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(store_user_has_tokens__index);
ATF_TC_BODY(store_user_has_tokens__index, tc)
{
	struct store *st = fresh();
	struct store_txn *t;
	struct named a, b;

	mkrec(&a, "a");
	a.rec.user = user_robot;
	mkrec(&b, "b");
	b.rec.user = user_robot;
	put1(st, &a.rec, 0, 0);
	put1(st, &b.rec, 0, 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_user_has_tokens(t, "robot"), 1);
	ATF_CHECK_EQ(store_user_has_tokens(t, "deploy"), 0);
	ATF_CHECK_EQ(store_user_has_tokens(t, ""), 0);
	ATF_CHECK_EQ(store_delete(t, a.rec.id), 0);
	ATF_CHECK_EQ(store_user_has_tokens(t, "robot"), 1);
	/* Moving b to another user empties robot's list. */
	b.rec.user = user_deploy;
	ATF_CHECK_EQ(store_put(t, &b.rec, STORE_REPLACE), 0);
	ATF_CHECK_EQ(store_user_has_tokens(t, "robot"), 0);
	ATF_CHECK_EQ(store_user_has_tokens(t, "deploy"), 1);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	store_close(st);
}

/* Reading the store gives nobody a token: only verifiers are in it. */
ATF_TC_WITHOUT_HEAD(store_file__holds_no_secret);
ATF_TC_BODY(store_file__holds_no_secret, tc)
{
	char text[TOKEN_NATIVE_BUFSZ], secret[TOKEN_SECRET_CHARS + 1];
	static const char keptn[] = "Keptn-0123456789abcdefXYZ";
	unsigned char *file;
	struct store *st = fresh();
	struct named a, b;
	struct token tok, imp;
	size_t len, plen;

	ATF_REQUIRE_EQ(token_generate(store_prefix(st), &tok, text,
	    sizeof(text)), 0);
	mkrec(&a, "native");
	memcpy(a.rec.id, tok.id, TOKEN_ID_BYTES);
	ATF_REQUIRE_EQ(record_default_user(a.rec.id, a.user, sizeof(a.user)),
	    0);
	ATF_REQUIRE_EQ(store_token_verifier(st, &tok, a.rec.verifier), 0);
	put1(st, &a.rec, 0, 0);
	ATF_REQUIRE_EQ(token_parse(keptn, strlen(keptn), &imp),
	    TOKEN_IMPORTED);
	mkrec(&b, "imported");
	b.rec.imported = 1;
	ATF_REQUIRE_EQ(store_token_verifier(st, &imp, b.rec.verifier), 0);
	put1(st, &b.rec, 0, 0);
	store_close(st);
	plen = strlen(tok.prefix);
	memcpy(secret, text + plen + 2 + TOKEN_ID_CHARS, TOKEN_SECRET_CHARS);
	secret[TOKEN_SECRET_CHARS] = '\0';
	file = slurp(DB, &len);
	ATF_REQUIRE(len > 0);
	ATF_CHECK(!contains(file, len, text, strlen(text)));
	ATF_CHECK(!contains(file, len, secret, strlen(secret)));
	ATF_CHECK(!contains(file, len, secret, 12));
	ATF_CHECK(!contains(file, len, tok.secret, sizeof(tok.secret)));
	ATF_CHECK(!contains(file, len, tok.secret, 8));
	ATF_CHECK(!contains(file, len, keptn, strlen(keptn)));
	ATF_CHECK(!contains(file, len, keptn, 8));
	/* The test can see what it looks for: the id is there. */
	ATF_CHECK(contains(file, len, tok.id, sizeof(tok.id)));
	free(file);
	file = slurp(DB_LOCK, &len);
	ATF_CHECK(!contains(file, len, tok.secret, 8));
	free(file);
	token_clear(&tok);
}

/* Replace every occurrence of from by to (same length) in a file. */
static int
patch_file(const char *path, const void *from, const void *to, size_t n)
{
	unsigned char *buf;
	size_t len;
	int hits = 0;

	buf = slurp(path, &len);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(buf + i, from, n) == 0) {
			memcpy(buf + i, to, n);
			hits++;
		}
	spit(path, buf, len);
	free(buf);
	return hits;
}

ATF_TC_WITHOUT_HEAD(store_open__newer_schema_refused);
ATF_TC_BODY(store_open__newer_schema_refused, tc)
{
	static const unsigned char v1[] = "schema\0\0\0\1";
	static const unsigned char v2[] = "schema\0\0\0\2";
	char why[STORE_WHY_MAX];
	struct store *st;

	ATF_REQUIRE_EQ(store_init(DB, NULL, NULL, 0), 0);
	ATF_REQUIRE(patch_file(DB, v1, v2, sizeof(v1) - 1) > 0);
	ATF_CHECK_EQ(store_open(DB, STORE_RDONLY, &st, why, sizeof(why)),
	    ATK_ERR_SCHEMA);
	ATF_CHECK(strstr(why, "schema 2") != NULL);
	ATF_CHECK_EQ(store_open(DB, 0, &st, NULL, 0), ATK_ERR_SCHEMA);
	ATF_CHECK(st == NULL);
}

ATF_TC_WITHOUT_HEAD(store_get__newer_record_refused);
ATF_TC_BODY(store_get__newer_record_refused, tc)
{
	unsigned char from[2 + TOKEN_ID_BYTES], to[2 + TOKEN_ID_BYTES];
	struct store *st = fresh();
	struct store_txn *t;
	struct record got;
	struct named a;
	unsigned char *file;
	size_t len;

	mkrec(&a, "a");
	put1(st, &a.rec, 0, 0);
	store_close(st);
	/* The record value: schema byte, flags byte, id. */
	file = slurp(DB, &len);
	for (size_t i = 2; i + TOKEN_ID_BYTES <= len; i++)
		if (file[i - 2] == RECORD_SCHEMA &&
		    memcmp(file + i, a.rec.id, TOKEN_ID_BYTES) == 0) {
			memcpy(from, file + i - 2, sizeof(from));
			break;
		}
	free(file);
	memcpy(to, from, sizeof(to));
	to[0] = RECORD_SCHEMA + 1;
	ATF_REQUIRE(patch_file(DB, from, to, sizeof(from)) > 0);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &st, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_get(t, a.rec.id, &got), ATK_ERR_SCHEMA);
	ATF_CHECK_EQ(store_find(t, "a", &got), ATK_ERR_SCHEMA);
	store_txn_abort(t);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(store_open__damaged_meta);
ATF_TC_BODY(store_open__damaged_meta, tc)
{
	static const char *const keys[][2] = {
		{ "prefix", "prefiy" },		/* Entry missing. */
		{ "key", "kez" },
	};
	char why[STORE_WHY_MAX];
	struct store *st;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		remove(DB);
		remove(DB_LOCK);
		ATF_REQUIRE_EQ(store_init(DB, NULL, NULL, 0), 0);
		ATF_REQUIRE(patch_file(DB, keys[i][0], keys[i][1],
		    strlen(keys[i][0])) > 0);
		ATF_CHECK_EQ(store_open(DB, STORE_RDONLY, &st, why,
		    sizeof(why)), ATK_ERR_CORRUPT);
		ATF_CHECK_MSG(strstr(why, keys[i][0]) != NULL, "%s", why);
	}
}

static int
never_ok(int r)
{
	return r < 0;
}

/* A cut or garbled store file is a clean error, never a crash. */
ATF_TC_WITHOUT_HEAD(store_open__truncated_and_random);
ATF_TC_BODY(store_open__truncated_and_random, tc)
{
	static const size_t cuts[] = { 1, 100, 4095, 4096, 8191, 8192, 8193,
	    12288 };
	unsigned char *whole, junk[65536];
	struct store *st = fresh();
	struct store_txn *t;
	struct named n;
	char name[32];
	size_t len;
	int r;

	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	for (int i = 0; i < FILL; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		mkrec(&n, name);
		ATF_REQUIRE_EQ(store_put(t, &n.rec, 0), 0);
	}
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	store_close(st);
	whole = slurp(DB, &len);
	ATF_REQUIRE(len > 3 * 4096);
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		spit(DB, whole, cuts[i]);
		r = store_open(DB, STORE_RDONLY, &st, NULL, 0);
		ATF_CHECK_MSG(never_ok(r), "cut at %zu opened", cuts[i]);
		if (r == 0)
			store_close(st);
		r = store_open(DB, 0, &st, NULL, 0);
		ATF_CHECK_MSG(never_ok(r), "cut at %zu opened rw", cuts[i]);
		if (r == 0)
			store_close(st);
	}
	spit(DB, whole, len / 2);
	ATF_CHECK_EQ(store_open(DB, STORE_RDONLY, &st, NULL, 0),
	    ATK_ERR_CORRUPT);
	for (int i = 0; i < 20; i++) {
		ATF_REQUIRE_EQ(random_buf(junk, sizeof(junk)), 0);
		spit(DB, junk, sizeof(junk));
		ATF_CHECK(never_ok(store_open(DB, STORE_RDONLY, &st, NULL, 0)));
		ATF_CHECK(never_ok(store_open(DB, 0, &st, NULL, 0)));
	}
	spit(DB, "not a store\n", 12);
	ATF_CHECK_EQ(store_open(DB, STORE_RDONLY, &st, NULL, 0),
	    ATK_ERR_CORRUPT);
	/* The whole file again: still good. */
	spit(DB, whole, len);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &st, NULL, 0), 0);
	store_close(st);
	free(whole);
}

ATF_TC_WITHOUT_HEAD(store_check_path__safe);
ATF_TC_BODY(store_check_path__safe, tc)
{
	char why[STORE_WHY_MAX], cwd[4096], abs[4200];
	struct store *st;

	ATF_REQUIRE_EQ(store_init(DB, NULL, NULL, 0), 0);
	ATF_REQUIRE(getcwd(cwd, sizeof(cwd)) != NULL);
	ATF_CHECK_EQ_MSG(store_check_path(DB, geteuid(), why, sizeof(why)), 0,
	    "%s", why);
	snprintf(abs, sizeof(abs), "%s/%s", cwd, DB);
	ATF_CHECK_EQ(store_check_path(abs, geteuid(), why, sizeof(why)), 0);
	ATF_CHECK_EQ(store_open(DB, STORE_RDONLY | STORE_CHECK_SAFE, &st, NULL,
	    0), 0);
	store_close(st);
	/* A symlinked parent directory leading somewhere safe is fine. */
	ATF_REQUIRE(mkdir("real", 0700) == 0);
	ATF_REQUIRE(symlink("real", "link") == 0);
	ATF_REQUIRE_EQ(store_init("real/x.db", NULL, NULL, 0), 0);
	ATF_CHECK_EQ(store_check_path("link/x.db", geteuid(), why,
	    sizeof(why)), 0);
	ATF_CHECK_EQ(store_check_path("missing.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_NOTFOUND);
	ATF_CHECK_EQ(store_check_path("", geteuid(), NULL, 0), ATK_ERR_INVAL);
}

ATF_TC_WITHOUT_HEAD(store_check_path__unsafe);
ATF_TC_BODY(store_check_path__unsafe, tc)
{
	char why[STORE_WHY_MAX];
	struct store *st;

	ATF_REQUIRE_EQ(store_init(DB, NULL, NULL, 0), 0);
	/* Group-writable file. */
	ATF_REQUIRE(chmod(DB, 0620) == 0);
	ATF_CHECK_EQ(store_check_path(DB, geteuid(), why, sizeof(why)),
	    ATK_ERR_UNSAFE);
	ATF_CHECK(strstr(why, "writable") != NULL);
	ATF_CHECK_EQ(store_open(DB, STORE_RDONLY | STORE_CHECK_SAFE, &st, NULL,
	    0), ATK_ERR_UNSAFE);
	/* Readable by group or others: the key is in it (SPEC section 4). */
	ATF_REQUIRE(chmod(DB, 0604) == 0);
	ATF_CHECK_EQ(store_check_path(DB, geteuid(), why, sizeof(why)),
	    ATK_ERR_UNSAFE);
	ATF_CHECK_MSG(strstr(why, DB ": readable by group or others: chmod "
	    "600 it") != NULL, "%s", why);
	ATF_CHECK_EQ(store_open(DB, STORE_RDONLY | STORE_CHECK_SAFE, &st, NULL,
	    0), ATK_ERR_UNSAFE);
	ATF_REQUIRE(chmod(DB, 0640) == 0);
	ATF_CHECK_EQ(store_check_path(DB, geteuid(), why, sizeof(why)),
	    ATK_ERR_UNSAFE);
	ATF_REQUIRE(chmod(DB, 0400) == 0);
	ATF_CHECK_EQ(store_check_path(DB, geteuid(), why, sizeof(why)), 0);
	ATF_REQUIRE(chmod(DB_LOCK, 0644) == 0);
	ATF_CHECK_EQ(store_check_path(DB, geteuid(), why, sizeof(why)),
	    ATK_ERR_UNSAFE);
	ATF_REQUIRE(chmod(DB_LOCK, 0600) == 0);
	ATF_REQUIRE(chmod(DB, 0602) == 0);
	ATF_CHECK_EQ(store_check_path(DB, geteuid(), why, sizeof(why)),
	    ATK_ERR_UNSAFE);
	ATF_REQUIRE(chmod(DB, 0600) == 0);
	/* World-writable lock file. */
	ATF_REQUIRE(chmod(DB_LOCK, 0666) == 0);
	ATF_CHECK_EQ(store_check_path(DB, geteuid(), why, sizeof(why)),
	    ATK_ERR_UNSAFE);
	ATF_REQUIRE(chmod(DB_LOCK, 0600) == 0);
	/* Symlink as the final component. */
	ATF_REQUIRE(symlink(DB, "alias.db") == 0);
	ATF_CHECK_EQ(store_check_path("alias.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK(strstr(why, "symbolic link") != NULL);
	/* Not a regular file. */
	ATF_REQUIRE(mkdir("dir.db", 0700) == 0);
	ATF_CHECK_EQ(store_check_path("dir.db", geteuid(), why, sizeof(why)),
	    ATK_ERR_UNSAFE);
	/* A world-writable parent directory, and a link into one. */
	ATF_REQUIRE(mkdir("open", 0700) == 0);
	ATF_REQUIRE_EQ(store_init("open/x.db", NULL, NULL, 0), 0);
	ATF_REQUIRE(chmod("open", 0777) == 0);
	ATF_CHECK_EQ(store_check_path("open/x.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_UNSAFE);
	ATF_REQUIRE(symlink("open", "via") == 0);
	ATF_CHECK_EQ(store_check_path("via/x.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_UNSAFE);
	/*
	 * A safe directory inside the open one, reached through a link or
	 * by "." and "..": only the walk of the real path sees "open" on
	 * the way.
	 */
	ATF_REQUIRE(mkdir("open/in", 0700) == 0);
	ATF_REQUIRE_EQ(store_init("open/in/y.db", NULL, NULL, 0), 0);
	ATF_REQUIRE(symlink("open/in", "deep") == 0);
	ATF_REQUIRE(mkdir("ok", 0700) == 0);
	ATF_REQUIRE(symlink("../open", "ok/up") == 0);
	ATF_CHECK_EQ(store_check_path("open/in/y.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK_EQ(store_check_path("deep/y.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK(strstr(why, "/open: writable") != NULL);
	ATF_CHECK_EQ(store_check_path("deep/./y.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK_EQ(store_check_path("ok/up/in/y.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK_EQ(store_check_path("ok/../deep/y.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK_EQ(store_open("deep/y.db", STORE_RDONLY | STORE_CHECK_SAFE,
	    &st, NULL, 0), ATK_ERR_UNSAFE);
	/*
	 * Sticky and writable by all: on the way, safe only when root owns
	 * the directory (/tmp); never the directory the store is in, where
	 * others could make its lock or generation files first.
	 */
	ATF_REQUIRE(chmod("open", 01777) == 0);
	ATF_CHECK_EQ(store_check_path("open/x.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_UNSAFE);
	if (geteuid() == 0)
		ATF_CHECK_MSG(strstr(why, "/open: sticky but writable by "
		    "others") != NULL, "%s", why);
	ATF_CHECK_EQ(store_open("open/x.db", STORE_RDONLY | STORE_CHECK_SAFE,
	    &st, NULL, 0), ATK_ERR_UNSAFE);
	ATF_CHECK_EQ(store_check_path("deep/y.db", geteuid(), why,
	    sizeof(why)), geteuid() == 0 ? 0 : ATK_ERR_UNSAFE);
	ATF_CHECK_EQ(store_check_path("open/in/y.db", geteuid(), why,
	    sizeof(why)), geteuid() == 0 ? 0 : ATK_ERR_UNSAFE);
	/* Reached through a link, and as ".": the holder all the same. */
	ATF_CHECK_EQ(store_check_path("via/x.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK_EQ(store_check_path("open/in/../x.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_UNSAFE);
	ATF_REQUIRE(chmod("open", 0700) == 0);
	ATF_CHECK_EQ(store_check_path("open/x.db", geteuid(), why,
	    sizeof(why)), 0);
	ATF_CHECK_EQ(store_check_path("deep/y.db", geteuid(), why,
	    sizeof(why)), 0);
	ATF_CHECK_EQ(store_check_path("ok/up/./in/../in/y.db", geteuid(),
	    why, sizeof(why)), 0);
	ATF_CHECK_EQ(store_open("deep/y.db", STORE_RDONLY | STORE_CHECK_SAFE,
	    &st, NULL, 0), 0);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(store_check_path__wrong_owner);
ATF_TC_BODY(store_check_path__wrong_owner, tc)
{
	char why[STORE_WHY_MAX];

	ATF_REQUIRE_EQ(store_init(DB, NULL, NULL, 0), 0);
	if (geteuid() != 0) {
		/* Our own file, checked for another user: not theirs. */
		ATF_CHECK_EQ(store_check_path(DB, OTHER_UID, why,
		    sizeof(why)), ATK_ERR_UNSAFE);
		atf_tc_skip("chown to another user needs root");
	}
	ATF_REQUIRE(chown(DB, OTHER_UID, 0) == 0);
	ATF_CHECK_EQ(store_check_path(DB, 0, why, sizeof(why)),
	    ATK_ERR_UNSAFE);
	ATF_CHECK(strstr(why, "owned by uid 12345") != NULL);
	ATF_CHECK_EQ(store_check_path(DB, OTHER_UID, why, sizeof(why)), 0);
	ATF_REQUIRE(chown(DB, 0, 0) == 0);
	ATF_REQUIRE(mkdir("theirs", 0755) == 0);
	ATF_REQUIRE_EQ(store_init("theirs/x.db", NULL, NULL, 0), 0);
	ATF_REQUIRE(chown("theirs", OTHER_UID, 0) == 0);
	ATF_CHECK_EQ(store_check_path("theirs/x.db", 0, why, sizeof(why)),
	    ATK_ERR_UNSAFE);
}

/* Swap in a new generation holding rec (NULL: empty); the commit's result. */
static int
swap_in(const struct record *rec)
{
	struct store_gen *g;
	struct store *st;
	char why[STORE_WHY_MAX];

	ATF_REQUIRE_EQ_MSG(store_gen_begin(DB, STORE_CHECK_SAFE, NULL, &g,
	    &st, why, sizeof(why)), 0, "%s", why);
	if (rec != NULL)
		put1(st, rec, 0, 0);
	return store_gen_commit(g, why, sizeof(why));
}

static int
has(struct store *st, const unsigned char *id)
{
	struct store_txn *t;
	struct record rec;
	int r;

	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	if ((r = store_get(t, id, &rec)) == 0)
		record_free(&rec);
	store_txn_abort(t);
	return r == 0;
}

static void
readlink_is(const char *path, const char *want)
{
	char buf[256];
	ssize_t n;

	ATF_REQUIRE((n = readlink(path, buf, sizeof(buf) - 1)) > 0);
	buf[n] = '\0';
	ATF_CHECK_STREQ(buf, want);
}

/*
 * A store held open (the daemon's) tells when a swap has made it stale,
 * and a write txn on it reopens it only while no other txn is open.
 */
ATF_TC_WITHOUT_HEAD(store_current__after_swap);
ATF_TC_BODY(store_current__after_swap, tc)
{
	struct named a, b;
	struct store *st, *ro;
	struct store_txn *t, *r;
	char why[STORE_WHY_MAX];

	mkrec(&a, "a");
	mkrec(&b, "b");
	st = fresh();
	put1(st, &a.rec, 0, 0);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &ro, NULL, 0), 0);
	ATF_CHECK_EQ(store_current(ro, why, sizeof(why)), 1);
	ATF_CHECK_STREQ(why, "");
	ATF_CHECK_EQ(store_current(st, NULL, 0), 1);
	ATF_REQUIRE_EQ(swap_in(&b.rec), 0);
	/* Stale, and still reading the file it has open. */
	ATF_CHECK_EQ(store_current(ro, why, sizeof(why)), 0);
	ATF_CHECK(has(ro, a.rec.id) && !has(ro, b.rec.id));
	store_close(ro);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &ro, NULL, 0), 0);
	ATF_CHECK_EQ(store_current(ro, NULL, 0), 1);
	ATF_CHECK(has(ro, b.rec.id) && !has(ro, a.rec.id));
	/* Another txn open: the writer refuses to reopen under it. */
	ATF_CHECK_EQ(store_current(st, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &r, NULL, 0), 0);
	ATF_CHECK_EQ(store_txn_begin(st, 0, &t, why, sizeof(why)),
	    ATK_ERR_BUSY);
	ATF_CHECK(t == NULL);
	ATF_CHECK_MSG(strstr(why, "replaced") != NULL, "%s", why);
	store_txn_abort(r);
	/* Alone, it reopens where the path leads now, and its new key. */
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, why, sizeof(why)), 0);
	store_txn_abort(t);
	ATF_CHECK_EQ(store_current(st, NULL, 0), 1);
	ATF_CHECK(has(st, b.rec.id) && !has(st, a.rec.id));
	/* A path that leads nowhere: not current either. */
	ATF_REQUIRE(unlink(DB) == 0);
	ATF_CHECK_EQ(store_current(ro, NULL, 0), 0);
	store_close(ro);
	store_close(st);
}

/*
 * A plain restore (store_reset() in the same file) keeps the path and the
 * file: a store kept open (apitokend's) must still learn it is stale, or
 * it would go on hashing with the old key and refuse every new token.
 */
ATF_TC_WITHOUT_HEAD(store_current__after_plain_reset);
ATF_TC_BODY(store_current__after_plain_reset, tc)
{
	unsigned char k2[STORE_KEY_BYTES];
	struct store *st, *kept;
	struct store_txn *t;

	memset(k2, 0x5a, sizeof(k2));
	st = fresh();
	ATF_REQUIRE_EQ(store_open(DB, 0, &kept, NULL, 0), 0);
	ATF_CHECK_EQ(store_current(kept, NULL, 0), 1);
	/* The same key again: still current. */
	ATF_REQUIRE_EQ(store_get_key(st, k2), 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_reset(t, store_prefix(st), k2), 0);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	ATF_CHECK_EQ(store_current(kept, NULL, 0), 1);
	/* Another key, the same prefix. */
	k2[0] ^= 1;
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_reset(t, store_prefix(st), k2), 0);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	ATF_CHECK_EQ(store_current(kept, NULL, 0), 0);
	store_close(kept);
	ATF_REQUIRE_EQ(store_open(DB, 0, &kept, NULL, 0), 0);
	ATF_CHECK_EQ(store_current(kept, NULL, 0), 1);
	/* The same key, another prefix. */
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_reset(t, "other", k2), 0);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	ATF_CHECK_EQ(store_current(kept, NULL, 0), 0);
	store_close(kept);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(store_gen__swap_and_stale_writer);
ATF_TC_BODY(store_gen__swap_and_stale_writer, tc)
{
	struct named a, b, c;
	struct store *old, *st;
	struct store_txn *t;
	struct stat sb;
	int64_t when;
	char *from;

	mkrec(&a, "a");
	mkrec(&b, "b");
	mkrec(&c, "c");
	old = fresh();
	put1(old, &a.rec, 0, 0);
	/* A plain store becomes a link; its own lock file goes. */
	ATF_REQUIRE_EQ(swap_in(&b.rec), 0);
	readlink_is(DB, "tokens.db.g1");
	ATF_CHECK(lstat(DB_LOCK, &sb) != 0 && errno == ENOENT);
	ATF_CHECK_EQ(store_open(DB, STORE_RDONLY | STORE_CHECK_SAFE, &st, NULL,
	    0), 0);
	ATF_CHECK(has(st, b.rec.id) && !has(st, a.rec.id));
	store_close(st);
	/* Opened before the swap: its next write goes to the new store. */
	ATF_REQUIRE_EQ(swap_in(NULL), 0);
	readlink_is(DB, "tokens.db.g2");
	put1(old, &c.rec, 0, 0);
	store_close(old);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY | STORE_CHECK_SAFE, &st,
	    NULL, 0), 0);
	ATF_CHECK(has(st, c.rec.id) && !has(st, b.rec.id));
	store_close(st);
	/* The generation before stays, the one before that goes. */
	ATF_REQUIRE_EQ(swap_in(NULL), 0);
	ATF_CHECK(stat("tokens.db.g2", &sb) == 0);
	ATF_CHECK(stat("tokens.db.g2-lock", &sb) == 0);
	ATF_CHECK(lstat("tokens.db.g1", &sb) != 0 && errno == ENOENT);
	ATF_CHECK(lstat("tokens.db.g1-lock", &sb) != 0 && errno == ENOENT);
	/* Leftovers of a killed restore go with the next one. */
	spit("tokens.db.g9", "x", 1);
	spit("tokens.db.g9-lock", "x", 1);
	ATF_REQUIRE(symlink("tokens.db.g9", "tokens.db.g9-link") == 0);
	ATF_REQUIRE_EQ(swap_in(&a.rec), 0);
	readlink_is(DB, "tokens.db.g10");
	ATF_CHECK(lstat("tokens.db.g9", &sb) != 0 && errno == ENOENT);
	ATF_CHECK(lstat("tokens.db.g9-lock", &sb) != 0 && errno == ENOENT);
	ATF_CHECK(lstat("tokens.db.g9-link", &sb) != 0 && errno == ENOENT);
	ATF_CHECK(stat("tokens.db.g3", &sb) == 0);
	/* The usage of this host survives for ids the new store has. */
	ATF_REQUIRE_EQ(store_open(DB, 0, &st, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_touch(t, a.rec.id, 1800000000, "192.0.2.1"), 0);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	store_close(st);
	ATF_REQUIRE_EQ(swap_in(&a.rec), 0);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &st, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_usage(t, a.rec.id, &when, &from), 0);
	ATF_CHECK_EQ(when, 1800000000);
	ATF_CHECK(from != NULL && strcmp(from, "192.0.2.1") == 0);
	free(from);
	store_txn_abort(t);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(store_check_path__generation_link);
ATF_TC_BODY(store_check_path__generation_link, tc)
{
	char why[STORE_WHY_MAX];
	struct store *st;
	struct store_gen *g;

	ATF_REQUIRE_EQ(store_init("tokens.db.g4", NULL, NULL, 0), 0);
	ATF_REQUIRE(symlink("tokens.db.g4", DB) == 0);
	ATF_CHECK_EQ_MSG(store_check_path(DB, geteuid(), why, sizeof(why)), 0,
	    "%s", why);
	ATF_CHECK_EQ(store_open(DB, STORE_RDONLY | STORE_CHECK_SAFE, &st, NULL,
	    0), 0);
	store_close(st);
	/* The generation's own file and lock are held to the rules. */
	ATF_REQUIRE(chmod("tokens.db.g4-lock", 0666) == 0);
	ATF_CHECK_EQ(store_check_path(DB, geteuid(), why, sizeof(why)),
	    ATK_ERR_UNSAFE);
	ATF_REQUIRE(chmod("tokens.db.g4-lock", 0600) == 0);
	ATF_REQUIRE(chmod("tokens.db.g4", 0660) == 0);
	ATF_CHECK_EQ(store_check_path(DB, geteuid(), why, sizeof(why)),
	    ATK_ERR_UNSAFE);
	ATF_REQUIRE(chmod("tokens.db.g4", 0600) == 0);
	/* Any other shape of link is refused. */
	ATF_REQUIRE(symlink("tokens.db.g4", "other.db") == 0);
	ATF_REQUIRE(symlink("tokens.db.g04", "zero.db") == 0);
	ATF_REQUIRE(mkdir("sub", 0700) == 0);
	ATF_REQUIRE(symlink("../tokens.db.g4", "sub/tokens.db") == 0);
	ATF_CHECK_EQ(store_check_path("other.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK(strstr(why, "symbolic link") != NULL);
	ATF_CHECK_EQ(store_check_path("zero.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK_EQ(store_check_path("sub/tokens.db", geteuid(), why,
	    sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK_EQ(store_open("sub/tokens.db", STORE_CHECK_SAFE, &st, NULL,
	    0), ATK_ERR_UNSAFE);
	/* A generation that is itself a link. */
	ATF_REQUIRE(unlink(DB) == 0);
	ATF_REQUIRE(rename("tokens.db.g4", "real.db") == 0);
	ATF_REQUIRE(symlink("real.db", "tokens.db.g4") == 0);
	ATF_REQUIRE(symlink("tokens.db.g4", DB) == 0);
	ATF_CHECK_EQ(store_check_path(DB, geteuid(), why, sizeof(why)),
	    ATK_ERR_UNSAFE);
	/* And a restore refuses to replace what it may not open. */
	ATF_CHECK_EQ(store_gen_begin("other.db", STORE_CHECK_SAFE, NULL, &g,
	    &st, why, sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK(g == NULL && st == NULL);
	if (geteuid() == 0) {
		ATF_REQUIRE(unlink("tokens.db.g4") == 0);
		ATF_REQUIRE(rename("real.db", "tokens.db.g4") == 0);
		ATF_CHECK_EQ(store_check_path(DB, 0, why, sizeof(why)), 0);
		ATF_REQUIRE(lchown(DB, OTHER_UID, 0) == 0);
		ATF_CHECK_EQ(store_check_path(DB, 0, why, sizeof(why)),
		    ATK_ERR_UNSAFE);
	}
}

ATF_TC_WITHOUT_HEAD(store_reset__new_prefix_and_key);
ATF_TC_BODY(store_reset__new_prefix_and_key, tc)
{
	unsigned char k1[STORE_KEY_BYTES], k2[STORE_KEY_BYTES], kx[32];
	unsigned char v1[32], v2[32];
	struct store *st = fresh();
	struct store_txn *t;
	struct record got;
	struct named a;

	mkrec(&a, "a");
	put1(st, &a.rec, 0, 0);
	ATF_REQUIRE_EQ(store_get_key(st, k1), 0);
	ATF_REQUIRE_EQ(store_verifier(st, "x", 1, v1), 0);
	ATF_REQUIRE_EQ(random_buf(k2, sizeof(k2)), 0);
	/* Aborted: nothing changes. */
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_reset(t, "Bad", k2), ATK_ERR_INVAL);
	ATF_REQUIRE_EQ(store_reset(t, "new", k2), 0);
	ATF_CHECK_STREQ(store_prefix(st), "new");
	ATF_CHECK_EQ(store_get(t, a.rec.id, &got), ATK_ERR_NOTFOUND);
	store_txn_abort(t);
	ATF_CHECK_STREQ(store_prefix(st), TOKEN_PREFIX_DEFAULT);
	ATF_REQUIRE_EQ(store_get_key(st, kx), 0);
	ATF_CHECK(memcmp(kx, k1, sizeof(kx)) == 0);
	ATF_REQUIRE_EQ(store_verifier(st, "x", 1, v2), 0);
	ATF_CHECK(memcmp(v1, v2, sizeof(v1)) == 0);
	/* Committed: empty, new prefix and key, also after a reopen. */
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_reset(t, "new", k2), 0);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	store_close(st);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &st, NULL, 0), 0);
	ATF_CHECK_STREQ(store_prefix(st), "new");
	ATF_REQUIRE_EQ(store_get_key(st, kx), 0);
	ATF_CHECK(memcmp(kx, k2, sizeof(kx)) == 0);
	ATF_REQUIRE_EQ(store_verifier(st, "x", 1, v2), 0);
	ATF_CHECK(memcmp(v1, v2, sizeof(v1)) != 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_find(t, "a", &got), ATK_ERR_NOTFOUND);
	store_txn_abort(t);
	store_close(st);
}

static int
setting_cb(const char *name, const char *value, void *arg)
{
	char *seen = arg;

	strcat(seen, name);
	strcat(seen, "=");
	strcat(seen, value);
	strcat(seen, ";");
	return 0;
}

ATF_TC_WITHOUT_HEAD(store_setting__put_get_foreach_reset);
ATF_TC_BODY(store_setting__put_get_foreach_reset, tc)
{
	unsigned char k2[STORE_KEY_BYTES];
	struct store *st = fresh();
	struct store_txn *t;
	char *v, seen[256] = "";
	char longv[STORE_SETTING_MAX + 2];

	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	ATF_CHECK_EQ(store_setting_get(t, "fleet.etcd", &v), ATK_ERR_NOTFOUND);
	ATF_CHECK(v == NULL);
	ATF_CHECK_EQ(store_setting_put(t, "Bad", "x"), ATK_ERR_INVAL);
	ATF_CHECK_EQ(store_setting_put(t, "", "x"), ATK_ERR_INVAL);
	ATF_CHECK_EQ(store_setting_put(t, "9a", "x"), ATK_ERR_INVAL);
	memset(longv, 'x', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	ATF_CHECK_EQ(store_setting_put(t, "a", longv), ATK_ERR_INVAL);
	ATF_REQUIRE_EQ(store_setting_put(t, "fleet.etcd", "http://a,http://b"),
	    0);
	ATF_REQUIRE_EQ(store_setting_put(t, "b-c", "2"), 0);
	ATF_REQUIRE_EQ(store_setting_put(t, "a", ""), 0);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	ATF_REQUIRE_EQ(random_buf(k2, sizeof(k2)), 0);
	/* A plain restore keeps the settings. */
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_reset(t, "new", k2), 0);
	ATF_REQUIRE_EQ(store_setting_put(t, "b-c", NULL), 0);
	ATF_REQUIRE_EQ(store_setting_put(t, "zz", NULL), 0);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	store_close(st);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &st, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_setting_get(t, "fleet.etcd", &v), 0);
	ATF_CHECK_STREQ(v, "http://a,http://b");
	free(v);
	ATF_CHECK_EQ(store_setting_get(t, "b-c", &v), ATK_ERR_NOTFOUND);
	ATF_REQUIRE_EQ(store_setting_foreach(t, setting_cb, seen), 0);
	ATF_CHECK_STREQ(seen, "a=;fleet.etcd=http://a,http://b;");
	store_txn_abort(t);
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(store_init_settings__in_the_first_txn);
ATF_TC_BODY(store_init_settings__in_the_first_txn, tc)
{
	static const char *const good[] = {
		"default-lifetime", "P90D", "a", "", NULL
	};
	static const char *const bad[] = { "default-lifetime", "P1D",
		"Bad", "x", NULL
	};
	struct store *st;
	struct store_txn *t;
	struct stat sb;
	char *v, seen[256] = "";

	ATF_REQUIRE_EQ(store_init_settings(DB, NULL, good, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &st, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_setting_get(t, "default-lifetime", &v), 0);
	ATF_CHECK_STREQ(v, "P90D");
	free(v);
	ATF_REQUIRE_EQ(store_setting_foreach(t, setting_cb, seen), 0);
	ATF_CHECK_STREQ(seen, "a=;default-lifetime=P90D;");
	store_txn_abort(t);
	store_close(st);
	/* A bad one: no store at all, not one without it. */
	ATF_CHECK_EQ(store_init_settings("other.db", NULL, bad, NULL, 0),
	    ATK_ERR_INVAL);
	ATF_CHECK(stat("other.db", &sb) == -1 && errno == ENOENT);
}

ATF_TC_WITHOUT_HEAD(store_txn__reader_sees_commits_only);
ATF_TC_BODY(store_txn__reader_sees_commits_only, tc)
{
	struct store *st = fresh(), *ro;
	struct store_txn *w, *r;
	struct record got;
	struct named a;

	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &ro, NULL, 0), 0);
	mkrec(&a, "a");
	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &w, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_put(w, &a.rec, 0), 0);
	ATF_REQUIRE_EQ(store_txn_begin(ro, STORE_RDONLY, &r, NULL, 0), 0);
	ATF_CHECK_EQ(store_find(r, "a", &got), ATK_ERR_NOTFOUND);
	store_txn_abort(r);
	ATF_REQUIRE_EQ(store_txn_commit(w, NULL, 0), 0);
	/* A read txn begun after the commit sees it. */
	ATF_REQUIRE_EQ(store_txn_begin(ro, STORE_RDONLY, &r, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_find(r, "a", &got), 0);
	record_free(&got);
	ATF_CHECK_EQ(store_txn_commit(r, NULL, 0), 0);
	store_close(ro);
	store_close(st);
}


/* A token and its record, made in and put by the calling process. */
static void
mktoken(struct store *st, struct named *n, const char *name, char *text,
    size_t textsz)
{
	struct token tok;

	mkrec(n, name);
	ATF_REQUIRE_EQ(token_generate(store_prefix(st), &tok, text, textsz),
	    0);
	memcpy(n->rec.id, tok.id, TOKEN_ID_BYTES);
	ATF_REQUIRE_EQ(record_default_user(n->rec.id, n->user,
	    sizeof(n->user)), 0);
	ATF_REQUIRE_EQ(store_token_verifier(st, &tok, n->rec.verifier), 0);
	token_clear(&tok);
}

static int
verifies(struct store *st, const char *text, const char *user)
{
	struct verify_request req;
	struct verify_result res;
	int r, ok;

	memset(&req, 0, sizeof(req));
	req.user = user;
	req.now = 1700000100;
	r = verify_token(st, text, strlen(text), &req, &res);
	ok = r == 0 && res.reason == VERIFY_OK;
	verify_result_free(&res);
	return ok;
}

static int
count_all(const struct record *rec, void *arg)
{
	size_t *n = arg;

	(*n)++;
	return rec->name == NULL ? -1 : 0;
}

/*
 * The writer of the concurrency test, in a child: creates, regenerates
 * (replaces) and deletes tokens, one commit each.  Exit 0 if all went
 * well.
 */
static int
writer(void)
{
	struct store *st;
	struct store_txn *t;
	struct named a, b;
	char name[NAME_MAX_TEST];
	int i;

	if (store_open(DB, 0, &st, NULL, 0) != 0)
		return 1;
	for (i = 0; i < WRITER_COMMITS; i++) {
		memset(&a, 0, sizeof(a));
		(void)snprintf(name, sizeof(name), "w%d", i);
		if (random_buf(a.rec.id, TOKEN_ID_BYTES) != 0 ||
		    random_buf(a.rec.verifier, RECORD_VERIFIER_BYTES) != 0 ||
		    record_default_user(a.rec.id, a.user, sizeof(a.user)) != 0)
			return 1;
		strcpy(a.name, name);
		a.rec.name = a.name;
		a.rec.user = a.user;
		a.rec.role = role_user;
		if (store_txn_begin(st, 0, &t, NULL, 0) != 0 ||
		    store_put(t, &a.rec, 0) != 0 ||
		    store_txn_commit(t, NULL, 0) != 0)
			return 2;
		/* Regenerate it: same id, new verifier. */
		b = a;
		b.rec.name = a.name;
		b.rec.user = a.user;
		if (random_buf(b.rec.verifier, RECORD_VERIFIER_BYTES) != 0 ||
		    store_txn_begin(st, 0, &t, NULL, 0) != 0 ||
		    store_put(t, &b.rec, STORE_REPLACE) != 0 ||
		    store_txn_commit(t, NULL, 0) != 0)
			return 3;
		if (i % 2 == 0 && (store_txn_begin(st, 0, &t, NULL, 0) != 0 ||
		    store_delete(t, a.rec.id) != 0 ||
		    store_txn_commit(t, NULL, 0) != 0))
			return 4;
	}
	store_close(st);
	return 0;
}

/* Readers never fail or misread while a writer commits. */
ATF_TC_WITHOUT_HEAD(store_txn__readers_during_writes);
ATF_TC_BODY(store_txn__readers_during_writes, tc)
{
	char text[TOKEN_NATIVE_BUFSZ];
	struct store *st;
	struct store_txn *t;
	struct named keep;
	size_t n, rounds = 0;
	pid_t pid;
	int status, done = 0;

	st = fresh();
	mktoken(st, &keep, "keep", text, sizeof(text));
	put1(st, &keep.rec, 0, 0);
	store_close(st);
	/* No environment crosses the fork: each side opens its own. */
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0)
		_exit(writer());
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &st, NULL, 0), 0);
	while (!done || rounds < 100) {
		ATF_REQUIRE(verifies(st, text, keep.user));
		ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0),
		    0);
		n = 0;
		ATF_REQUIRE_EQ(store_foreach(t, count_all, &n), 0);
		ATF_REQUIRE(n >= 1);
		store_txn_abort(t);
		rounds++;
		if (!done && waitpid(pid, &status, WNOHANG) == pid)
			done = 1;
	}
	ATF_CHECK(WIFEXITED(status));
	ATF_CHECK_EQ(WEXITSTATUS(status), 0);
	/* Every second token was deleted, the rest kept. */
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	n = 0;
	ATF_CHECK_EQ(store_foreach(t, count_all, &n), 0);
	ATF_CHECK_EQ(n, 1 + WRITER_COMMITS / 2);
	store_txn_abort(t);
	store_close(st);
}

/*
 * A read-only store maps only the file's size at its open: a writer that
 * grows the file afterwards must not hide its commits or fail the reader.
 * had_txn: the reader has had a txn before the file grew.
 */
static void
reader_follows_growth(int had_txn)
{
	char text[TOKEN_NATIVE_BUFSZ];
	struct store *st;
	struct store_txn *t;
	struct named keep;
	struct stat before, after;
	size_t n;
	pid_t pid;
	int status;

	st = fresh();
	mktoken(st, &keep, "keep", text, sizeof(text));
	put1(st, &keep.rec, 0, 0);
	store_close(st);
	ATF_REQUIRE_EQ(stat(DB, &before), 0);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &st, NULL, 0), 0);
	if (had_txn) {
		ATF_REQUIRE(verifies(st, text, keep.user));
		ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0),
		    0);
		store_txn_abort(t);
	}
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0)
		_exit(writer());
	ATF_REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	ATF_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ATF_REQUIRE_EQ(stat(DB, &after), 0);
	/* Else this test proves nothing. */
	ATF_REQUIRE_MSG(after.st_size > 2 * before.st_size, "%jd -> %jd bytes",
	    (intmax_t)before.st_size, (intmax_t)after.st_size);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	n = 0;
	ATF_CHECK_EQ(store_foreach(t, count_all, &n), 0);
	ATF_CHECK_EQ(n, 1 + WRITER_COMMITS / 2);
	store_txn_abort(t);
	ATF_CHECK(verifies(st, text, keep.user));
	store_close(st);
}

ATF_TC_WITHOUT_HEAD(store_txn__reader_follows_growth);
ATF_TC_BODY(store_txn__reader_follows_growth, tc)
{
	reader_follows_growth(0);
}

ATF_TC_WITHOUT_HEAD(store_txn__reader_after_a_txn_follows_growth);
ATF_TC_BODY(store_txn__reader_after_a_txn_follows_growth, tc)
{
	reader_follows_growth(1);
}

/*
 * The threads test: reader threads on one store shared with the writer
 * (or with a writer in another process), each with its own read txns.
 */
struct shared {
	struct store	*st;
	struct named	 stable[STABLE];
	char		 text[STABLE][TOKEN_NATIVE_BUFSZ];
	atomic_int	 stop;
};

struct reader {
	pthread_t	 tid;
	struct shared	*sh;
	unsigned long	 rounds;
	unsigned long	 busy;		/* Begins refused: another txn open. */
	char		 fail[FAIL_MAX];	/* The first failure, or "". */
};

static void failed(struct reader *, const char *, ...)
    __attribute__((__format__(__printf__, 2, 3)));

/* ATF's checks are for the main thread: keep the first failure for it. */
static void
failed(struct reader *rd, const char *fmt, ...)
{
	va_list ap;

	if (rd->fail[0] != '\0')
		return;
	va_start(ap, fmt);
	(void)vsnprintf(rd->fail, sizeof(rd->fail), fmt, ap);
	va_end(ap);
}

/* Every lookup of stable token k, in one read txn; 0 or -1 (failed()). */
static int
look_up(struct reader *rd, struct store_txn *t, size_t k)
{
	const struct named *n = &rd->sh->stable[k];
	unsigned char v[RECORD_VERIFIER_BYTES], unknown[TOKEN_ID_BYTES];
	struct record rec;
	struct token tok;
	int found, r;

	if ((r = store_get(t, n->rec.id, &rec)) != 0 ||
	    strcmp(rec.name, n->name) != 0 || strcmp(rec.user, n->user) != 0 ||
	    memcmp(rec.verifier, n->rec.verifier, sizeof(v)) != 0) {
		failed(rd, "store_get %s: %d %s", n->name, r,
		    r == 0 ? rec.name : "");
		record_free(&rec);
		return -1;
	}
	record_free(&rec);
	if ((r = store_find(t, n->name, &rec)) != 0 ||
	    memcmp(rec.id, n->rec.id, TOKEN_ID_BYTES) != 0) {
		failed(rd, "store_find %s: %d", n->name, r);
		record_free(&rec);
		return -1;
	}
	record_free(&rec);
	if ((r = store_get_near(t, n->rec.id, &rec, &found)) != 0 ||
	    !found || strcmp(rec.name, n->name) != 0) {
		failed(rd, "store_get_near %s: %d found %d", n->name, r,
		    found);
		record_free(&rec);
		return -1;
	}
	record_free(&rec);
	if ((r = store_user_has_tokens(t, n->user)) != 1) {
		failed(rd, "store_user_has_tokens %s: %d", n->user, r);
		return -1;
	}
	/* The key schedule, shared by every thread, gives the same. */
	if ((r = token_parse(rd->sh->text[k], strlen(rd->sh->text[k]),
	    &tok)) != TOKEN_NATIVE ||
	    (r = store_token_verifier(rd->sh->st, &tok, v)) != 0 ||
	    memcmp(v, n->rec.verifier, sizeof(v)) != 0) {
		failed(rd, "store_token_verifier %s: %d", n->name, r);
		token_clear(&tok);
		return -1;
	}
	token_clear(&tok);
	/* An id of no token is not found, and no neighbour passes for it. */
	memcpy(unknown, n->rec.id, sizeof(unknown));
	unknown[sizeof(unknown) - 1] ^= 1;
	if ((r = store_get(t, unknown, &rec)) != ATK_ERR_NOTFOUND) {
		failed(rd, "store_get of an unknown id: %d", r);
		record_free(&rec);
		return -1;
	}
	if ((r = store_get_near(t, unknown, &rec, &found)) != 0 || found) {
		failed(rd, "store_get_near of an unknown id: %d found %d", r,
		    found);
		record_free(&rec);
		return -1;
	}
	record_free(&rec);
	return 0;
}

static void *
reader_main(void *arg)
{
	struct reader *rd = arg;
	struct store_txn *t;
	char why[STORE_WHY_MAX];
	size_t k, n;
	int r;

	for (k = 0; !atomic_load(&rd->sh->stop) || rd->rounds < READER_ROUNDS;
	    k = (k + 1) % STABLE) {
		if ((r = store_txn_begin(rd->sh->st, STORE_RDONLY, &t, why,
		    sizeof(why))) == ATK_ERR_BUSY) {
			rd->busy++;
			sched_yield();
			continue;
		}
		if (r != 0) {
			failed(rd, "store_txn_begin: %d %s", r, why);
			break;
		}
		n = 0;
		r = look_up(rd, t, k) != 0 ? -1 :
		    store_foreach(t, count_all, &n);
		store_txn_abort(t);
		if (r != 0) {
			failed(rd, "store_foreach: %d", r);
			break;
		}
		rd->rounds++;
	}
	return NULL;
}

/* The stable tokens, in the store at DB, closed. */
static void
threads_setup(struct shared *sh)
{
	char name[NAME_MAX_TEST];
	struct store *st = fresh();

	memset(sh, 0, sizeof(*sh));
	for (size_t k = 0; k < STABLE; k++) {
		(void)snprintf(name, sizeof(name), "stable%zu", k);
		mktoken(st, &sh->stable[k], name, sh->text[k],
		    sizeof(sh->text[k]));
		put1(st, &sh->stable[k].rec, 0, 0);
	}
	store_close(st);
	atomic_init(&sh->stop, 0);
}

static void
threads_start(struct shared *sh, struct reader *rd)
{
	for (size_t i = 0; i < THREADS; i++) {
		memset(&rd[i], 0, sizeof(rd[i]));
		rd[i].sh = sh;
		ATF_REQUIRE_EQ(pthread_create(&rd[i].tid, NULL, reader_main,
		    &rd[i]), 0);
	}
}

static void
threads_join(struct shared *sh, struct reader *rd)
{
	atomic_store(&sh->stop, 1);
	for (size_t i = 0; i < THREADS; i++) {
		ATF_REQUIRE_EQ(pthread_join(rd[i].tid, NULL), 0);
		ATF_CHECK_MSG(rd[i].fail[0] == '\0', "thread %zu: %s", i,
		    rd[i].fail);
		ATF_CHECK(rd[i].rounds >= READER_ROUNDS);
	}
}

/*
 * One store, opened for writing as the daemon opens it, shared by reader
 * threads while this thread commits creates, revokes and deletes.
 */
ATF_TC_WITHOUT_HEAD(store_txn__threads_share_a_store);
ATF_TC_BODY(store_txn__threads_share_a_store, tc)
{
	struct shared sh;
	struct reader rd[THREADS];
	struct store_txn *t;
	struct named c;
	char name[NAME_MAX_TEST], why[STORE_WHY_MAX];
	size_t n;

	skip_under_valgrind();
	threads_setup(&sh);
	ATF_REQUIRE_EQ(store_open(DB, 0, &sh.st, NULL, 0), 0);
	threads_start(&sh, rd);
	for (int i = 0; i < CHURN_COMMITS; i++) {
		(void)snprintf(name, sizeof(name), "churn%d", i);
		mkrec(&c, name);
		ATF_REQUIRE_EQ(store_txn_begin(sh.st, 0, &t, why, sizeof(why)),
		    0);
		ATF_REQUIRE_EQ(store_put(t, &c.rec, 0), 0);
		ATF_REQUIRE_EQ(store_txn_commit(t, why, sizeof(why)), 0);
		c.rec.revoked = 1700000200;
		ATF_REQUIRE_EQ(store_txn_begin(sh.st, 0, &t, why, sizeof(why)),
		    0);
		ATF_REQUIRE_EQ(store_put(t, &c.rec, STORE_REPLACE), 0);
		if (i % 3 == 0)
			ATF_REQUIRE_EQ(store_delete(t, c.rec.id), 0);
		ATF_REQUIRE_EQ(store_txn_commit(t, why, sizeof(why)), 0);
	}
	threads_join(&sh, rd);
	ATF_REQUIRE_EQ(store_txn_begin(sh.st, STORE_RDONLY, &t, NULL, 0), 0);
	n = 0;
	ATF_CHECK_EQ(store_foreach(t, count_all, &n), 0);
	ATF_CHECK_EQ(n, STABLE + CHURN_COMMITS - (CHURN_COMMITS + 2) / 3);
	store_txn_abort(t);
	store_close(sh.st);
}

/*
 * The same on a read-only store while a writer in another process grows
 * the file: a remap waits for the one moment no other txn is open.
 */
ATF_TC_WITHOUT_HEAD(store_txn__threads_share_a_read_only_store);
ATF_TC_BODY(store_txn__threads_share_a_read_only_store, tc)
{
	struct shared sh;
	struct reader rd[THREADS];
	pid_t pid;
	int status;

	skip_under_valgrind();
	threads_setup(&sh);
	/* Forked before any thread or store of this process. */
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0)
		_exit(writer());
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &sh.st, NULL, 0), 0);
	threads_start(&sh, rd);
	ATF_REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	threads_join(&sh, rd);
	ATF_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	store_close(sh.st);
}

/*
 * The creator of the SIGKILL test, in a child: makes tokens without end
 * and sends each one's text down the pipe once its commit returned.
 */
static void
creator(int fd)
{
	char text[TOKEN_NATIVE_BUFSZ], name[NAME_MAX_TEST];
	struct store *st;
	struct store_txn *t;
	struct named n;
	struct token tok;

	if (store_open(DB, 0, &st, NULL, 0) != 0)
		_exit(1);
	for (unsigned long i = 0; ; i++) {
		memset(text, 0, sizeof(text));
		memset(&n, 0, sizeof(n));
		if (token_generate(store_prefix(st), &tok, text,
		    sizeof(text)) != 0)
			_exit(2);
		memcpy(n.rec.id, tok.id, TOKEN_ID_BYTES);
		(void)snprintf(name, sizeof(name), "k%d-%lu", (int)getpid(), i);
		strcpy(n.name, name);
		n.rec.name = n.name;
		n.rec.user = user_robot;
		n.rec.role = role_user;
		if (store_token_verifier(st, &tok, n.rec.verifier) != 0 ||
		    store_txn_begin(st, 0, &t, NULL, 0) != 0 ||
		    store_put(t, &n.rec, 0) != 0 ||
		    store_txn_commit(t, NULL, 0) != 0)
			_exit(3);
		/* One write of less than PIPE_BUF: whole or not at all. */
		if (write(fd, text, sizeof(text)) != (ssize_t)sizeof(text))
			_exit(4);
	}
}

/* A create killed at a random moment loses no token it reported. */
ATF_TC_WITHOUT_HEAD(store_put__survives_sigkill);
ATF_TC_BODY(store_put__survives_sigkill, tc)
{
	char text[TOKEN_NATIVE_BUFSZ], first[TOKEN_NATIVE_BUFSZ];
	struct store *st;
	size_t reported = 0;
	uint32_t us;
	ssize_t got;
	pid_t pid;
	int fds[2], status;

	st = fresh();
	store_close(st);
	for (int round = 0; round < KILL_ROUNDS; round++) {
		ATF_REQUIRE(pipe(fds) == 0);
		ATF_REQUIRE((pid = fork()) != -1);
		if (pid == 0) {
			close(fds[0]);
			creator(fds[1]);
		}
		close(fds[1]);
		/*
		 * Once it is at work (however slow the machine), kill it at
		 * a random moment: inside a commit as likely as not.
		 */
		ATF_REQUIRE_EQ(read(fds[0], first, sizeof(first)),
		    (ssize_t)sizeof(first));
		ATF_REQUIRE_EQ(random_uniform(KILL_MAX_US, &us), 0);
		usleep(us);
		ATF_REQUIRE(kill(pid, SIGKILL) == 0);
		ATF_REQUIRE(waitpid(pid, &status, 0) == pid);
		ATF_CHECK(WIFSIGNALED(status));
		/* Everything reported must verify in a fresh environment. */
		ATF_REQUIRE_EQ(store_open(DB, 0, &st, NULL, 0), 0);
		ATF_CHECK_MSG(verifies(st, first, "robot"),
		    "round %d: the first reported token is gone", round);
		reported++;
		while ((got = read(fds[0], text, sizeof(text))) ==
		    (ssize_t)sizeof(text)) {
			ATF_CHECK_MSG(verifies(st, text, "robot"),
			    "round %d: a reported token is gone", round);
			reported++;
		}
		ATF_CHECK(got == 0);
		close(fds[0]);
		store_close(st);
	}
	ATF_CHECK(reported >= KILL_ROUNDS);
}

/*
 * LMDB's own order (memcmp(), then the shorter key first), which mdb_dump,
 * mdb_stat and the builds before key_cmp() use.
 */
static int
lmdb_order(const MDB_val *a, const MDB_val *b)
{
	size_t n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
	int d = memcmp(a->mv_data, b->mv_data, n);

	if (d != 0)
		return d;
	return (a->mv_size > b->mv_size) - (a->mv_size < b->mv_size);
}

#define ORDER_NAMES	400
#define ORDER_NAME_MAX	12

/*
 * The store compares keys with its own key_cmp() (lib/store_records.c):
 * the file it writes must be in LMDB's default order, or a program opening
 * it with the default comparison (mdb_dump, an older build) would misread it.
 * Names are the keys that vary in length; drawn from three letters, many
 * are prefixes of others.
 */
ATF_TC_WITHOUT_HEAD(store_put__lmdb_default_order);
ATF_TC_BODY(store_put__lmdb_default_order, tc)
{
	static struct named n[ORDER_NAMES];
	char name[ORDER_NAME_MAX + 1];
	struct store *st = fresh();
	struct store_txn *t;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_cursor *cur;
	MDB_val k, v, prev;
	uint32_t len, c;
	int i, made = 0, seen = 0, rc;

	ATF_REQUIRE_EQ(store_txn_begin(st, 0, &t, NULL, 0), 0);
	for (i = 0; i < ORDER_NAMES; i++) {
		ATF_REQUIRE_EQ(random_uniform(ORDER_NAME_MAX, &len), 0);
		for (uint32_t j = 0; j <= len; j++) {
			ATF_REQUIRE_EQ(random_uniform(3, &c), 0);
			name[j] = (char)('a' + c);
		}
		name[len + 1] = '\0';
		mkrec(&n[made], name);
		rc = store_put(t, &n[made].rec, 0);
		ATF_REQUIRE(rc == 0 || rc == ATK_ERR_EXISTS);
		if (rc == 0)
			made++;
	}
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	store_close(st);

	/* Plain LMDB, its default comparison: every key in order, found. */
	ATF_REQUIRE_EQ(mdb_env_create(&env), 0);
	ATF_REQUIRE_EQ(mdb_env_set_maxdbs(env, 8), 0);
	ATF_REQUIRE_EQ(mdb_env_open(env, DB, MDB_NOSUBDIR | MDB_RDONLY,
	    0600), 0);
	ATF_REQUIRE_EQ(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	ATF_REQUIRE_EQ(mdb_dbi_open(txn, "names", 0, &dbi), 0);
	ATF_REQUIRE_EQ(mdb_cursor_open(txn, dbi, &cur), 0);
	memset(&prev, 0, sizeof(prev));
	while ((rc = mdb_cursor_get(cur, &k, &v,
	    seen == 0 ? MDB_FIRST : MDB_NEXT)) == 0) {
		if (seen > 0)
			ATF_CHECK_MSG(lmdb_order(&prev, &k) < 0,
			    "key %d out of LMDB's order", seen);
		prev = k;
		seen++;
	}
	ATF_CHECK_EQ(rc, MDB_NOTFOUND);
	ATF_CHECK_EQ(seen, made);
	for (i = 0; i < made; i++) {
		k.mv_data = n[i].name;
		k.mv_size = strlen(n[i].name);
		ATF_CHECK_EQ_MSG(mdb_get(txn, dbi, &k, &v), 0, "%s not found",
		    n[i].name);
	}
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	mdb_env_close(env);

	/* And the store finds every name in what it wrote. */
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &st, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_txn_begin(st, STORE_RDONLY, &t, NULL, 0), 0);
	for (i = 0; i < made; i++) {
		struct record got;

		ATF_CHECK_EQ_MSG(store_find(t, n[i].name, &got), 0,
		    "%s not found", n[i].name);
		record_free(&got);
	}
	store_txn_abort(t);
	store_close(st);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, store_init__private_files);
	ATF_TP_ADD_TC(tp, store_init__makes_dir);
	ATF_TP_ADD_TC(tp, store_put__lmdb_default_order);
	ATF_TP_ADD_TC(tp, store_init__refuses_symlink);
	ATF_TP_ADD_TC(tp, store_open__missing_or_empty);
	ATF_TP_ADD_TC(tp, store_txn__reader_follows_growth);
	ATF_TP_ADD_TC(tp, store_txn__reader_after_a_txn_follows_growth);
	ATF_TP_ADD_TC(tp, store_put__get_find_delete);
	ATF_TP_ADD_TC(tp, store_put__duplicates);
	ATF_TP_ADD_TC(tp, store_foreach__all_in_id_order);
	ATF_TP_ADD_TC(tp, store_usage__touch);
	ATF_TP_ADD_TC(tp, store_txn_begin__flags);
	ATF_TP_ADD_TC(tp, store_lookup_digest__imported);
	ATF_TP_ADD_TC(tp, store_get_near__hit_neighbour_empty);
	ATF_TP_ADD_TC(tp, store_lookup_digest_near__hit_and_neighbour);
	ATF_TP_ADD_TC(tp, store_user_has_tokens__index);
	ATF_TP_ADD_TC(tp, store_file__holds_no_secret);
	ATF_TP_ADD_TC(tp, store_open__newer_schema_refused);
	ATF_TP_ADD_TC(tp, store_get__newer_record_refused);
	ATF_TP_ADD_TC(tp, store_open__truncated_and_random);
	ATF_TP_ADD_TC(tp, store_open__damaged_meta);
	ATF_TP_ADD_TC(tp, store_open__lock_recreated_private);
	ATF_TP_ADD_TC(tp, store_check_path__safe);
	ATF_TP_ADD_TC(tp, store_check_path__unsafe);
	ATF_TP_ADD_TC(tp, store_check_path__wrong_owner);
	ATF_TP_ADD_TC(tp, store_check_path__generation_link);
	ATF_TP_ADD_TC(tp, store_gen__swap_and_stale_writer);
	ATF_TP_ADD_TC(tp, store_current__after_swap);
	ATF_TP_ADD_TC(tp, store_current__after_plain_reset);
	ATF_TP_ADD_TC(tp, store_reset__new_prefix_and_key);
	ATF_TP_ADD_TC(tp, store_setting__put_get_foreach_reset);
	ATF_TP_ADD_TC(tp, store_init_settings__in_the_first_txn);
	ATF_TP_ADD_TC(tp, store_txn__reader_sees_commits_only);
	ATF_TP_ADD_TC(tp, store_txn__readers_during_writes);
	ATF_TP_ADD_TC(tp, store_txn__threads_share_a_store);
	ATF_TP_ADD_TC(tp, store_txn__threads_share_a_read_only_store);
	ATF_TP_ADD_TC(tp, store_put__survives_sigkill);
	return atf_no_error();
}
