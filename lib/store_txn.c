/*
 * Transactions on a store: reads, writes on the file the path leads to now
 * (a store swapped by restore --atomic is opened again first), and
 * store_reset(), whose new key an abort puts back.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "mac.h"
#include "store.h"
#include "store_int.h"
#include "token.h"

/*
 * A read txn.  A map smaller than what a writer has committed since the
 * open (MDB_MAP_RESIZED) is remapped to the file's size and the begin
 * tried once more, but only while no txn of ours is open: remapping moves
 * what its pointers point into.
 */
int
store_rd_txn_begin(struct store *st, MDB_txn **txn)
{
	struct stat sb;
	mdb_filehandle_t fd;
	int rc;

	*txn = NULL;
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn)) !=
	    MDB_MAP_RESIZED || st->ntxn != 0)
		return rc;
	*txn = NULL;
	if ((rc = mdb_env_get_fd(st->env, &fd)) != 0)
		return rc;
	if (fstat(fd, &sb) != 0)
		return errno;
	/* LMDB raises it to the size in use if the file says less. */
	if ((rc = mdb_env_set_mapsize(st->env, sb.st_size > 0 ?
	    (size_t)sb.st_size : 0)) != 0)
		return rc;
	return mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn);
}

/*
 * 1 if the file this store has open is still the one its path leads to,
 * 0 if a restore --atomic swapped another in (or the path is gone).
 */
static int
current(struct store *st, char *why, size_t whysz)
{
	struct stat now, sb;
	mdb_filehandle_t fd;
	char *real = NULL;
	uint64_t gen;
	int rc, r;

	if ((rc = mdb_env_get_fd(st->env, &fd)) != 0)
		return store_map_rc(why, whysz, "mdb_env_get_fd", rc);
	if (fstat(fd, &sb) != 0) {
		store_set_why(why, whysz, "fstat: %s", strerror(errno));
		return ATK_ERR_SYSTEM;
	}
	if ((r = store_resolve(st->path, geteuid(), 0, &real, &gen, NULL,
	    why, whysz)) != 0) {
		if (r != ATK_ERR_NOTFOUND)
			return r;
		store_set_why(why, whysz, "%s", "");
		return 0;
	}
	r = stat(real, &now) == 0 && now.st_dev == sb.st_dev &&
	    now.st_ino == sb.st_ino;
	free(real);
	return r;
}

/* Open the store at st's path again, into the same struct store. */
static int
reopen(struct store *st, char *why, size_t whysz)
{
	struct store *nst = NULL;
	int r;

	if ((r = store_open(st->path, st->flags, &nst, why, whysz)) != 0)
		return r;
	if (st->spare != NULL)
		mdb_txn_abort(st->spare);
	mdb_env_close(st->env);
	mac_clear(&st->mac);
	free(st->path);
	*st = *nst;
	explicit_bzero(nst, sizeof(*nst));
	free(nst);
	return 0;
}

/*
 * A write txn on the file the path leads to now.  A writer that opened the
 * store and then waited for the write lock while restore --atomic swapped
 * in a new generation would write into a dead one: restore holds the old
 * store's write lock while it renames, so once the lock is ours a look at
 * the path tells, and the store is opened again where it now leads.
 */
static int
begin_write(struct store *st, MDB_txn **txnp, char *why, size_t whysz)
{
	int tries, rc, r;

	for (tries = 1; ; tries++) {
		if ((rc = mdb_txn_begin(st->env, NULL, 0, txnp)) != 0) {
			*txnp = NULL;
			return store_map_rc(why, whysz, "mdb_txn_begin", rc);
		}
		if ((r = current(st, why, whysz)) == 1)
			return 0;
		mdb_txn_abort(*txnp);
		*txnp = NULL;
		if (r < 0)
			return r;
		if (tries == STORE_SWAP_TRIES) {
			store_set_why(why, whysz,
			    "%s: replaced %d times while waiting to write",
			    st->path, tries);
			return ATK_ERR_STORE;
		}
		/* Reopening would pull the map from under a txn of ours. */
		if (st->ntxn != 0) {
			store_set_why(why, whysz,
			    "%s: replaced while a transaction on it was open",
			    st->path);
			return ATK_ERR_BUSY;
		}
		if ((r = reopen(st, why, whysz)) != 0)
			return r;
	}
}

int
store_txn_begin(struct store *st, int flags, struct store_txn **tp,
    char *why, size_t whysz)
{
	struct store_txn *t;
	int rc, r;

	*tp = NULL;
	store_set_why(why, whysz, "%s", "");
	if ((flags & ~STORE_RDONLY) != 0)
		return ATK_ERR_INVAL;
	if (!(flags & STORE_RDONLY) && (st->flags & STORE_RDONLY)) {
		store_set_why(why, whysz, "%s: opened read-only", st->path);
		return ATK_ERR_INVAL;
	}
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ATK_ERR_NOMEM;
	t->st = st;
	t->rdonly = (flags & STORE_RDONLY) != 0;
	if (t->rdonly && st->spare != NULL) {
		t->txn = st->spare;
		st->spare = NULL;
		if ((rc = mdb_txn_renew(t->txn)) == MDB_MAP_RESIZED) {
			/* Grown since the open: a fresh txn remaps. */
			mdb_txn_abort(t->txn);
			rc = store_rd_txn_begin(st, &t->txn);
		} else if (rc != 0)
			mdb_txn_abort(t->txn);
		if (rc != 0) {
			free(t);
			return store_map_rc(why, whysz, "mdb_txn_renew", rc);
		}
	} else if (t->rdonly && (rc = store_rd_txn_begin(st, &t->txn)) != 0) {
		free(t);
		return store_map_rc(why, whysz, "mdb_txn_begin", rc);
	} else if (!t->rdonly && (r = begin_write(st, &t->txn, why,
	    whysz)) != 0) {
		free(t);
		return r;
	}
	st->ntxn++;
	*tp = t;
	return 0;
}

static void
txn_free(struct store_txn *t)
{
	t->st->ntxn--;
	explicit_bzero(t, sizeof(*t));
	free(t);
}

/* Put back the prefix and key store_reset() replaced. */
static void
undo_reset(struct store_txn *t)
{
	struct store *st = t->st;

	if (!t->reset)
		return;
	memcpy(st->prefix, t->old_prefix, sizeof(st->prefix));
	memcpy(st->key, t->old_key, sizeof(st->key));
	store_mac_setup(st);
	t->reset = 0;
}

void
store_txn_abort(struct store_txn *t)
{
	struct store *st;

	if (t == NULL)
		return;
	st = t->st;
	if (t->rdonly && st->spare == NULL) {
		/* Keep it for the next reader: renewing is cheaper. */
		mdb_txn_reset(t->txn);
		st->spare = t->txn;
	} else
		mdb_txn_abort(t->txn);
	undo_reset(t);
	txn_free(t);
}

int
store_txn_commit(struct store_txn *t, char *why, size_t whysz)
{
	int rc;

	store_set_why(why, whysz, "%s", "");
	if (t->rdonly) {
		store_txn_abort(t);
		return 0;
	}
	if ((rc = mdb_txn_commit(t->txn)) != 0)
		undo_reset(t);
	txn_free(t);
	return store_map_rc(why, whysz, "mdb_txn_commit", rc);
}

int
store_reset(struct store_txn *t, const char *prefix, const unsigned char *key)
{
	struct store *st = t->st;
	MDB_dbi dbis[5];
	MDB_val k, v;
	int rc;

	if (t->rdonly || t->reset || !token_prefix_valid(prefix))
		return ATK_ERR_INVAL;
	dbis[0] = st->tokens;
	dbis[1] = st->names;
	dbis[2] = st->digests;
	dbis[3] = st->users;
	dbis[4] = st->usage;
	for (size_t i = 0; i < sizeof(dbis) / sizeof(dbis[0]); i++)
		if ((rc = mdb_drop(t->txn, dbis[i], 0)) != 0)
			return store_rc(rc);
	k = store_str_val(META_PREFIX);
	v = store_str_val(prefix);
	if ((rc = mdb_put(t->txn, st->meta, &k, &v, 0)) != 0)
		return store_rc(rc);
	k = store_str_val(META_KEY);
	v = store_val(key, STORE_KEY_BYTES);
	if ((rc = mdb_put(t->txn, st->meta, &k, &v, 0)) != 0)
		return store_rc(rc);
	/* Verifiers made in this txn use the new key at once. */
	memcpy(t->old_prefix, st->prefix, sizeof(t->old_prefix));
	memcpy(t->old_key, st->key, sizeof(t->old_key));
	t->reset = 1;
	memcpy(st->prefix, prefix, strlen(prefix) + 1);
	memcpy(st->key, key, STORE_KEY_BYTES);
	store_mac_setup(st);
	return 0;
}
