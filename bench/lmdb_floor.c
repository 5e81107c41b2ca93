/*
 * lmdb_floor: what STYLE.md's rule for the module ("open the environment
 * per call and close it before returning") costs by itself, for
 * bench/pam.sh (issue 4, "Speed").
 *
 *	lmdb_floor [-c CYCLES] DB
 *
 * CYCLES times (after a tenth as many untimed): create an environment,
 * open DB read-only at its own size as lib/store.c does, begin a read
 * txn, open the tokens database, look up a random token id (a cursor's
 * MDB_SET_RANGE, so the walk goes down the whole tree as a login's does),
 * abort, close.  No path check, no meta, no HMAC: only LMDB.  Prints the
 * median in microseconds.  A login calls the module twice (auth, account),
 * so twice this is the least a login can cost under the rule, on top of
 * libpam's own pam_start and pam_end.
 *
 * Like verify_bench, this program includes lmdb.h; it has one environment
 * open at a time, never two.
 */
#include "config.h"

#include <sys/stat.h>

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>

#include "number.h"
#include "random.h"
#include "token.h"
#include "timing.h"

#define DEFAULT_CYCLES	5000
#define MAX_CYCLES	10000000
#define FLOOR_MAXDBS	8
#define FLOOR_MODE	0600
#define TOKENS_DB	"tokens"

static void
mdb_check(int rc, const char *what, const char *path)
{
	if (rc != 0)
		errx(1, "%s: %s: %s", path, what, mdb_strerror(rc));
}

/* One call's worth of LMDB, as the module does it, nothing more. */
static void
one(const char *path, size_t size)
{
	unsigned char id[TOKEN_ID_BYTES];
	MDB_env *env;
	MDB_txn *txn;
	MDB_cursor *cur;
	MDB_dbi dbi;
	MDB_val k, v;
	int rc;

	if (random_buf(id, sizeof(id)) != 0)
		errx(1, "no randomness");
	mdb_check(mdb_env_create(&env), "mdb_env_create", path);
	mdb_check(mdb_env_set_maxdbs(env, FLOOR_MAXDBS), "mdb_env_set_maxdbs",
	    path);
	mdb_check(mdb_env_set_mapsize(env, size), "mdb_env_set_mapsize",
	    path);
	mdb_check(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY |
	    MDB_NOTLS, FLOOR_MODE), "mdb_env_open", path);
	mdb_check(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), "mdb_txn_begin",
	    path);
	mdb_check(mdb_dbi_open(txn, TOKENS_DB, 0, &dbi), "mdb_dbi_open", path);
	mdb_check(mdb_cursor_open(txn, dbi, &cur), "mdb_cursor_open", path);
	k.mv_data = id;
	k.mv_size = sizeof(id);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc != 0 && rc != MDB_NOTFOUND)
		mdb_check(rc, "mdb_cursor_get", path);
	mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	mdb_env_close(env);
}

int
main(int argc, char *argv[])
{
	uint64_t *t, t0;
	uint64_t cycles = DEFAULT_CYCLES;
	struct stat sb;
	size_t n;
	int ch;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		switch (ch) {
		case 'c':
			if (number_parse(optarg, 1, MAX_CYCLES, &cycles) != 0)
				errx(2, "-c: a number from 1 to %d",
				    MAX_CYCLES);
			break;
		default:
			fprintf(stderr, "usage: lmdb_floor [-c CYCLES] DB\n");
			return 2;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "usage: lmdb_floor [-c CYCLES] DB\n");
		return 2;
	}
	if (stat(argv[optind], &sb) != 0 || sb.st_size <= 0)
		err(1, "%s", argv[optind]);
	n = (size_t)cycles;
	if ((t = calloc(n, sizeof(*t))) == NULL)
		err(1, "calloc");
	for (size_t i = 0; i < n / 10; i++)
		one(argv[optind], (size_t)sb.st_size);
	for (size_t i = 0; i < n; i++) {
		t0 = now_ns();
		one(argv[optind], (size_t)sb.st_size);
		t[i] = now_ns() - t0;
	}
	printf("%.1f\n", median(t, n) / 1000.0);
	free(t);
	return 0;
}
