/*
 * Transactions on a store: reads, writes on the file the path leads to now
 * (a store swapped by restore --atomic is opened again first), and
 * store_reset(), whose new key an abort puts back.
 *
 * Threads (store.h): st->use counts the txns begun and not ended.  The two
 * changes to what txns use, a remap and a reopen, are made by a thread
 * whose begin is the only use (exclusive()): STORE_USE_EXCL then keeps
 * every other begin waiting while it lasts (a remap, or an open of the
 * new file: never a wait on anything outside the process), and with any
 * other txn open they are refused, never made under it.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "store.h"
#include "store_int.h"
#include "token.h"

/* One more use of what txns use; waits while a remap or reopen runs. */
static void
enter(struct store *st)
{
	unsigned int n = atomic_load(&st->use);

	for (;;) {
		if (n & STORE_USE_EXCL) {
			sched_yield();
			n = atomic_load(&st->use);
		} else if (atomic_compare_exchange_weak(&st->use, &n, n + 1))
			return;
	}
}

static void
leave(struct store *st)
{
	atomic_fetch_sub(&st->use, 1);
}

/*
 * For a caller that has entered and holds no LMDB txn: 1 when its use is
 * the only one, and then the store is its own until unexclusive(); 0 when
 * another txn is open.
 */
static int
exclusive(struct store *st)
{
	unsigned int one = 1;

	return atomic_compare_exchange_strong(&st->use, &one,
	    STORE_USE_EXCL | 1);
}

static void
unexclusive(struct store *st)
{
	atomic_store(&st->use, 1);
}

/*
 * A read txn, for a caller that has entered.  A map smaller than what a
 * writer has committed since the open (MDB_MAP_RESIZED) is remapped to the
 * file's size and the begin tried again (a few times: the writer may grow
 * it again meanwhile), but only while no other txn is open: remapping
 * moves what its pointers point into.
 */
int
store_rd_txn_begin(struct store *st, MDB_txn **txn, char *why, size_t whysz)
{
	struct stat sb;
	mdb_filehandle_t fd;
	int rc, tries;

	*txn = NULL;
	if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY, txn)) !=
	    MDB_MAP_RESIZED) {
		if (rc != 0)
			*txn = NULL;
		return store_map_rc(why, whysz, "mdb_txn_begin", rc);
	}
	*txn = NULL;
	if (!exclusive(st)) {
		store_set_why(why, whysz, "%s: grown by a writer while other "
		    "transactions were open: try again", st->path);
		return ATK_ERR_BUSY;
	}
	if ((rc = mdb_env_get_fd(st->env, &fd)) != 0)
		goto out;
	/* A writer that keeps growing the file may outrun one remap. */
	for (tries = 0; tries < STORE_RESIZE_TRIES; tries++) {
		if (fstat(fd, &sb) != 0) {
			rc = errno;
			goto out;
		}
		/* LMDB raises it to the size in use if the file says less. */
		if ((rc = mdb_env_set_mapsize(st->env, sb.st_size > 0 ?
		    (size_t)sb.st_size : 0)) != 0)
			goto out;
		if ((rc = mdb_txn_begin(st->env, NULL, MDB_RDONLY,
		    txn)) != MDB_MAP_RESIZED)
			break;
	}
	if (rc != 0)
		*txn = NULL;
 out:
	unexclusive(st);
	return store_map_rc(why, whysz, "mdb_txn_begin", rc);
}

/*
 * 1 if the file this store has open is still the one its path leads to,
 * 0 if a restore --atomic swapped another in (or the path is gone).  For a
 * caller that has entered.
 */
static int
current(struct store *st, char *why, size_t whysz)
{
	struct stat now, sb;
	mdb_filehandle_t fd;
	int rc;

	if ((rc = mdb_env_get_fd(st->env, &fd)) != 0)
		return store_map_rc(why, whysz, "mdb_env_get_fd", rc);
	if (fstat(fd, &sb) != 0) {
		store_set_why(why, whysz, "fstat: %s", strerror(errno));
		return ATK_ERR_SYSTEM;
	}
	/* Made unsafe since it was opened (chmod, chown): refused now. */
	if ((st->flags & STORE_CHECK_SAFE) &&
	    (rc = store_file_ok(st->path, &sb, geteuid(), why, whysz)) != 0)
		return rc;
	/*
	 * Where the path leads now, through restore --atomic's link: one
	 * stat(), since apitokend asks before every request.  Whether what
	 * it leads to is safe is for the open that follows a 0 to check.
	 */
	if (stat(st->path, &now) != 0) {
		if (errno != ENOENT && errno != ENOTDIR) {
			store_set_why(why, whysz, "%s: %s", st->path,
			    strerror(errno));
			return ATK_ERR_SYSTEM;
		}
		store_set_why(why, whysz, "%s", "");
		return 0;
	}
	return now.st_dev == sb.st_dev && now.st_ino == sb.st_ino;
}

int
store_current(struct store *st, char *why, size_t whysz)
{
	int r;

	store_set_why(why, whysz, "%s", "");
	enter(st);
	if ((r = current(st, why, whysz)) == 1)
		r = store_key_current(st, why, whysz);
	leave(st);
	return r;
}

/*
 * Open the store at st's path again, into the same struct store, for a
 * caller that has it to itself (exclusive()).  The keys made so far stay
 * for threads still hashing with one.
 */
static int
reopen(struct store *st, char *why, size_t whysz)
{
	struct store *nst = NULL;
	struct store_key *k, *last;
	int r;

	if ((r = store_open(st->path, st->flags, &nst, why, whysz)) != 0)
		return r;
	mdb_env_close(st->env);
	st->env = nst->env;
	nst->env = NULL;
	st->meta = nst->meta;
	st->tokens = nst->tokens;
	st->names = nst->names;
	st->digests = nst->digests;
	st->users = nst->users;
	st->usage = nst->usage;
	/* nst's one key goes at the head of st's list. */
	k = nst->keys;
	for (last = k; last->next != NULL; last = last->next)
		;
	last->next = st->keys;
	st->keys = k;
	atomic_store(&st->key, atomic_load(&nst->key));
	atomic_store(&st->key_txnid, 0);
	nst->keys = NULL;
	store_close(nst);
	return 0;
}

/*
 * A write txn on the file the path leads to now, for a caller that has
 * entered.  A writer that opened the store and then waited for the write
 * lock while restore --atomic swapped in a new generation would write into
 * a dead one: restore holds the old store's write lock while it renames,
 * so once the lock is ours a look at the path tells, and the store is
 * opened again where it now leads.
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
		/* Reopening would pull the map from under another txn. */
		if (!exclusive(st)) {
			store_set_why(why, whysz,
			    "%s: replaced while a transaction on it was open",
			    st->path);
			return ATK_ERR_BUSY;
		}
		r = reopen(st, why, whysz);
		unexclusive(st);
		if (r != 0)
			return r;
	}
}

int
store_txn_begin(struct store *st, int flags, struct store_txn **tp,
    char *why, size_t whysz)
{
	struct store_txn *t;
	int r;

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
	enter(st);
	if (t->rdonly)
		r = store_rd_txn_begin(st, &t->txn, why, whysz);
	else
		r = begin_write(st, &t->txn, why, whysz);
	if (r != 0) {
		leave(st);
		free(t);
		return r;
	}
	*tp = t;
	return 0;
}

static void
txn_free(struct store_txn *t)
{
	leave(t->st);
	explicit_bzero(t, sizeof(*t));
	free(t);
}

/* Put back the key store_reset() replaced. */
static void
undo_reset(struct store_txn *t)
{
	if (t->old_key == NULL)
		return;
	atomic_store(&t->st->key, t->old_key);
	t->old_key = NULL;
}

void
store_txn_abort(struct store_txn *t)
{
	if (t == NULL)
		return;
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
	struct store_key *nk = NULL;
	MDB_dbi dbis[5];
	MDB_val k, v;
	int rc, r;

	if (t->rdonly || t->old_key != NULL || !token_prefix_valid(prefix))
		return ATK_ERR_INVAL;
	/* Other threads would see the new key in their snapshot of the old. */
	if (atomic_load(&st->use) != 1)
		return ATK_ERR_BUSY;
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
	if ((r = store_key_make(prefix, key, &nk, NULL, 0)) != 0)
		return r;
	/* Verifiers made from now on use the new key. */
	t->old_key = atomic_load(&st->key);
	store_key_add(st, nk);
	return 0;
}
