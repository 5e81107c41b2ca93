/*
 * The token store on LMDB: a store's life (open, check what was opened,
 * read its meta, close), its key and the keyed functions, and the words of
 * an LMDB failure.  The family around lib/store_int.h, the only files that
 * include lmdb.h: store_path.c (safe files, generation names),
 * store_init.c (a new store), store_txn.c (transactions),
 * store_records.c (records and lookups), store_gen.c (restore --atomic).
 *
 * Keyed one-way functions: HMAC-SHA-256 under the store's key, with a
 * one-byte label in front so that no output of one can pass for another:
 *	native verifier		HMAC(key, 'V' || id || secret)
 *	imported digest		HMAC(key, 'D' || text)
 * An imported token's verifier is its digest: knowing the text is the only
 * way to find the record at all, and the index and the record then agree.
 * The HMAC context is keyed once per key, when the store is opened (or its
 * key reset), and duplicated per call (lib/mac.c, over libcrypto's
 * EVP_MAC); a key is never changed in place, so threads hash with it at
 * once (store_key_add()).
 *
 * Generations (restore --atomic, store_gen_*): the store's name may be a
 * link to "<name>.g<N>" in the same directory, swapped by one rename.  The
 * link is resolved here and LMDB is given the generation's own name: an
 * LMDB reader takes the last txnid from the lock file and picks the meta
 * page by its parity, so a data file under another file's lock is misread.
 *
 * Map size: STORE_MAPSIZE (1 GiB) is address space, not disk: the file
 * grows as it fills, about 270 bytes per token (bench/verify_bench at a
 * million), so 1 GiB holds close to four million tokens; past that a put
 * fails with MDB_MAP_FULL (ATK_ERR_FULL).
 * A read-only open maps only the file as it is (LMDB raises a smaller
 * size to the size in use): tearing down a 1 GiB map cost every login
 * about 20 us per open.  A reader that finds the file grown by a writer
 * since gets MDB_MAP_RESIZED and remaps to the new size
 * (store_rd_txn_begin()).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "error.h"
#include "mac.h"
#include "store.h"
#include "store_int.h"
#include "token.h"

void
store_set_why(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;
	int n, saved = errno;

	if (why == NULL || whysz == 0)
		return;
	va_start(ap, fmt);
	/* A reason cut short by a small buffer is still a reason. */
	n = vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	if (n < 0)
		why[0] = '\0';
	/* The store's own code looks at errno after saying why. */
	errno = saved;
}

/*
 * The ATK_ERR_* code of an LMDB or errno result: distinct codes for what
 * a caller without words may still want to tell apart.
 */
int
store_rc(int rc)
{
	switch (rc) {
	case 0:
		return 0;
	case MDB_NOTFOUND:
	case ENOENT:
		return ATK_ERR_NOTFOUND;
	case MDB_KEYEXIST:
		return ATK_ERR_EXISTS;
	case MDB_MAP_FULL:
		return ATK_ERR_FULL;
	case MDB_READERS_FULL:
		return ATK_ERR_READERS;
	case MDB_TXN_FULL:
		return ATK_ERR_TXNFULL;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
	case MDB_INVALID:
	case MDB_INCOMPATIBLE:
		return ATK_ERR_CORRUPT;
	case MDB_VERSION_MISMATCH:
		return ATK_ERR_SCHEMA;
	case ENOMEM:
		return ATK_ERR_NOMEM;
	case EACCES:
	case EPERM:
	case EROFS:
	case EAGAIN:
	case EIO:
	case ENOSPC:
		return ATK_ERR_SYSTEM;
	default:
		return ATK_ERR_STORE;
	}
}

/* store_rc(), keeping LMDB's words for a failure in why. */
int
store_map_rc(char *why, size_t whysz, const char *what, int rc)
{
	/*
	 * A miss or a taken key is an answer, not a failure: no words, and
	 * no formatting on the way of a lookup of an unknown token.
	 */
	if (rc == MDB_NOTFOUND || rc == MDB_KEYEXIST) {
		if (why != NULL && whysz > 0)
			why[0] = '\0';
	} else if (rc != 0)
		store_set_why(why, whysz, "%s: %s", what, mdb_strerror(rc));
	return store_rc(rc);
}

/* --- keys and keyed one-way functions ------------------------------------- */

/*
 * A key object for prefix and key.  The one place that makes a key
 * schedule (lib/mac.c): once per key, when the store is opened or its key
 * reset, never on the way of a lookup.
 */
int
store_key_make(const char *prefix, const unsigned char *key,
    struct store_key **kp, char *why, size_t whysz)
{
	struct store_key *k;
	size_t n = strlen(prefix);
	int r;

	*kp = NULL;
	if (n >= sizeof(k->prefix))
		return ATK_ERR_INVAL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return ATK_ERR_NOMEM;
	memcpy(k->prefix, prefix, n + 1);
	memcpy(k->key, key, sizeof(k->key));
	if ((r = mac_setkey(&k->mac, k->key, sizeof(k->key), why,
	    whysz)) != 0) {
		explicit_bzero(k, sizeof(*k));
		free(k);
		return r;
	}
	*kp = k;
	return 0;
}

static void
key_free(struct store_key *k)
{
	struct store_key *next;

	for (; k != NULL; k = next) {
		next = k->next;
		mac_clear(&k->mac);
		explicit_bzero(k, sizeof(*k));
		free(k);
	}
}

/*
 * Make k (from store_key_make()) the store's key.  The one it replaces
 * stays on the list until the store is closed: another thread may be
 * hashing with it.  Callers that add a key are one at a time: the write
 * txn, or the open or reopen that has the store to itself.
 */
void
store_key_add(struct store *st, struct store_key *k)
{
	k->next = st->keys;
	st->keys = k;
	atomic_store(&st->key, k);
}

static int
store_mac(struct store *st, unsigned char label, const void *a, size_t alen,
    const void *b, size_t blen, unsigned char *out)
{
	const struct store_key *k = atomic_load(&st->key);

	return mac_label(&k->mac, label, a, alen, b, blen, out);
}

int
store_verifier(struct store *st, const void *data, size_t len,
    unsigned char *out)
{
	return store_mac(st, LABEL_VERIFIER, data, len, NULL, 0, out);
}

int
store_digest(struct store *st, const void *data, size_t len,
    unsigned char *out)
{
	return store_mac(st, LABEL_DIGEST, data, len, NULL, 0, out);
}

int
store_token_verifier(struct store *st, const struct token *tok,
    unsigned char *out)
{
	if (tok->kind == TOKEN_NATIVE)
		return store_mac(st, LABEL_VERIFIER, tok->id, sizeof(tok->id),
		    tok->secret, sizeof(tok->secret), out);
	if (tok->kind == TOKEN_IMPORTED && tok->text != NULL)
		return store_digest(st, tok->text, tok->len, out);
	return ATK_ERR_INVAL;
}

/* The fixed-size key of a user in the "users" index. */
int
store_user_key(struct store *st, const char *user, unsigned char *out)
{
	unsigned char mac[RECORD_VERIFIER_BYTES];
	int r;

	if ((r = store_mac(st, LABEL_USER, user, strlen(user), NULL, 0,
	    mac)) != 0)
		return r;
	memcpy(out, mac, USER_KEY_BYTES);
	return 0;
}

/* --- environments --------------------------------------------------------- */

/* mapsize 0: STORE_MAPSIZE, for writers. */
int
store_env_open(const char *path, int rdonly, size_t mapsize, MDB_env **envp,
    char *why, size_t whysz)
{
	MDB_env *env = NULL;
	mdb_filehandle_t fd;
	unsigned int fl = MDB_NOSUBDIR | MDB_NOTLS;
	int rc, r;

	*envp = NULL;
	if (rdonly)
		fl |= MDB_RDONLY;
	if ((rc = mdb_env_create(&env)) != 0)
		return store_map_rc(why, whysz, "mdb_env_create", rc);
	if ((rc = mdb_env_set_maxdbs(env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(env, STORE_MAXREADERS)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, mapsize > 0 ? mapsize :
	    STORE_MAPSIZE)) != 0 ||
	    (rc = mdb_env_open(env, path, fl, STORE_MODE)) != 0 ||
	    (rc = mdb_env_get_fd(env, &fd)) != 0) {
		r = store_map_rc(why, whysz, path, rc);
		mdb_env_close(env);
		return r;
	}
	/*
	 * LMDB opens the data file without O_CLOEXEC: a program that runs
	 * another while the store is open must not hand it the store.
	 * FD_CLOEXEC is the only descriptor flag there is: nothing to keep.
	 */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		store_set_why(why, whysz, "%s: fcntl: %s", path,
		    strerror(errno));
		mdb_env_close(env);
		return ATK_ERR_SYSTEM;
	}
	*envp = env;
	return 0;
}

static int
get_meta(MDB_txn *txn, MDB_dbi meta, const char *name, MDB_val *v,
    char *why, size_t whysz)
{
	MDB_val k = store_str_val(name);
	int rc;

	if ((rc = mdb_get(txn, meta, &k, v)) != 0) {
		if (rc == MDB_NOTFOUND) {
			store_set_why(why, whysz, "no \"%s\" in meta: not an "
			    "apitoken store", name);
			return ATK_ERR_CORRUPT;
		}
		return store_map_rc(why, whysz, name, rc);
	}
	return 0;
}

/*
 * 1 if the key and prefix in the file are still the ones this store
 * hashes with, 0 if a plain restore (store_reset()) put others there
 * since: a store kept open, as apitokend keeps it, must then be opened
 * again.  For a caller that has entered.
 */
int
store_key_current(struct store *st, char *why, size_t whysz)
{
	const struct store_key *k = atomic_load(&st->key);
	MDB_envinfo info;
	MDB_txn *txn = NULL;
	MDB_val v;
	size_t seen;
	int r;

	/* Nothing committed since the last look: nothing to read. */
	if (mdb_env_info(st->env, &info) == 0 &&
	    info.me_last_txnid == atomic_load(&st->key_txnid))
		return 1;
	if ((r = store_rd_txn_begin(st, &txn, why, whysz)) != 0)
		return r;
	seen = mdb_txn_id(txn);
	if ((r = get_meta(txn, st->meta, META_KEY, &v, why, whysz)) == 0)
		r = v.mv_size == STORE_KEY_BYTES &&
		    mac_equal(v.mv_data, k->key, STORE_KEY_BYTES);
	if (r == 1 && (r = get_meta(txn, st->meta, META_PREFIX, &v, why,
	    whysz)) == 0)
		r = v.mv_size == strlen(k->prefix) &&
		    memcmp(v.mv_data, k->prefix, v.mv_size) == 0;
	mdb_txn_abort(txn);
	if (r == 1)
		atomic_store(&st->key_txnid, seen);
	return r;
}

/*
 * Read the meta database, make the key schedule and open the other
 * databases.  The schema is checked before anything else is read, so a
 * newer layout is never misread.
 */
static int
load_meta(struct store *st, char *why, size_t whysz)
{
	char prefix[TOKEN_PREFIX_MAX + 1];
	const unsigned char *s;
	struct store_key *k = NULL;
	MDB_txn *txn = NULL;
	MDB_val v;
	uint32_t schema;
	int rc, r;

	if ((r = store_rd_txn_begin(st, &txn, why, whysz)) != 0)
		return r;
	if ((r = store_dbi_open(txn, DB_META, 0, &st->meta, why, whysz)) != 0 ||
	    (r = get_meta(txn, st->meta, META_SCHEMA, &v, why, whysz)) != 0)
		goto out;
	if (v.mv_size != STORE_SCHEMA_BYTES) {
		store_set_why(why, whysz, "bad schema entry");
		r = ATK_ERR_CORRUPT;
		goto out;
	}
	s = v.mv_data;
	schema = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 |
	    (uint32_t)s[2] << 8 | s[3];
	if (schema != STORE_SCHEMA) {
		store_set_why(why, whysz,
		    "store schema %lu, this program knows %u",
		    (unsigned long)schema, STORE_SCHEMA);
		r = ATK_ERR_SCHEMA;
		goto out;
	}
	if ((r = get_meta(txn, st->meta, META_PREFIX, &v, why, whysz)) != 0)
		goto out;
	if (v.mv_size == 0 || v.mv_size > TOKEN_PREFIX_MAX) {
		store_set_why(why, whysz, "bad prefix entry");
		r = ATK_ERR_CORRUPT;
		goto out;
	}
	memcpy(prefix, v.mv_data, v.mv_size);
	prefix[v.mv_size] = '\0';
	if (!token_prefix_valid(prefix)) {
		store_set_why(why, whysz, "bad prefix entry");
		r = ATK_ERR_CORRUPT;
		goto out;
	}
	if ((r = get_meta(txn, st->meta, META_KEY, &v, why, whysz)) != 0)
		goto out;
	if (v.mv_size != STORE_KEY_BYTES) {
		store_set_why(why, whysz, "bad key entry");
		r = ATK_ERR_CORRUPT;
		goto out;
	}
	if ((r = store_key_make(prefix, v.mv_data, &k, why, whysz)) != 0)
		goto out;
	store_key_add(st, k);
	if ((r = store_dbi_open(txn, DB_TOKENS, 0, &st->tokens, why,
	    whysz)) != 0 ||
	    (r = store_dbi_open(txn, DB_NAMES, 0, &st->names, why,
	    whysz)) != 0 ||
	    (r = store_dbi_open(txn, DB_DIGESTS, 0, &st->digests, why,
	    whysz)) != 0 ||
	    (r = store_dbi_open(txn, DB_USERS, MDB_DUPSORT, &st->users, why,
	    whysz)) != 0 ||
	    (r = store_dbi_open(txn, DB_USAGE, 0, &st->usage, why, whysz)) != 0)
		goto out;
	/* Committing a read txn keeps the database handles open. */
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0)
		r = store_map_rc(why, whysz, "mdb_txn_commit", rc);
 out:
	if (txn != NULL)
		mdb_txn_abort(txn);
	return r;
}

/*
 * LMDB opens the store by name and follows links: make sure it opened the
 * very file that was checked, not one swapped in since.  And LMDB maps the
 * file and trusts it: a file cut shorter than its own meta page says would
 * fault on the first read past the end.  Info first, size second: the file
 * only grows, so a writer in between cannot fool this.
 */
static int
check_opened(struct store *st, const char *path, const struct stat *checked,
    char *why, size_t whysz)
{
	MDB_envinfo info;
	MDB_stat ms;
	struct stat sb;
	mdb_filehandle_t fd;
	int rc;

	if ((rc = mdb_env_info(st->env, &info)) != 0 ||
	    (rc = mdb_env_stat(st->env, &ms)) != 0 ||
	    (rc = mdb_env_get_fd(st->env, &fd)) != 0)
		return store_map_rc(why, whysz, "mdb_env_info", rc);
	if (fstat(fd, &sb) != 0) {
		store_set_why(why, whysz, "fstat: %s", strerror(errno));
		return ATK_ERR_SYSTEM;
	}
	if (sb.st_dev != checked->st_dev || sb.st_ino != checked->st_ino) {
		store_set_why(why, whysz, "%s: replaced while being opened",
		    path);
		return ATK_ERR_UNSAFE;
	}
	if (sb.st_size < 0 || ((uint64_t)info.me_last_pgno + 1) *
	    ms.ms_psize > (uint64_t)sb.st_size) {
		store_set_why(why, whysz, "store file is truncated");
		return ATK_ERR_CORRUPT;
	}
	return 0;
}

/*
 * LMDB would create a missing lock file under the umask: make it 0600
 * first.  With STORE_CHECK_SAFE the check has just seen it missing, and
 * one that someone made since (O_EXCL failed) is checked now as the check
 * would have, so that LMDB opens no lock file that was not checked.  A
 * lock still missing after another failure is LMDB's to report: it fails
 * alike.  Without STORE_CHECK_SAFE, LMDB's to judge as ever.  *made is
 * set when this call made it.
 */
static int
make_lock(const char *lock, int flags, int *made, char *why, size_t whysz)
{
	struct stat sb;
	int fd;

	*made = 0;
	if ((fd = open(lock, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, STORE_MODE)) >= 0) {
		*made = 1;
		(void)fchmod(fd, STORE_MODE);
		(void)close(fd);
		return 0;
	}
	if (!(flags & STORE_CHECK_SAFE) ||
	    (errno != EEXIST && lstat(lock, &sb) != 0 && errno == ENOENT))
		return 0;
	return store_check_file(lock, geteuid(), 0, &sb, why, whysz);
}

/*
 * One try at opening the store at path whose file is real (resolved);
 * known is what lstat() said of path while resolving it.
 */
static int
open_resolved(const char *path, const char *real, const struct stat *known,
    int flags, struct store **stp, char *why, size_t whysz)
{
	struct store *st = NULL;
	struct stat sb;
	char *lock = NULL;
	int dead, lock_there = 0, made_lock = 0, r;

	*stp = NULL;
	/*
	 * Never let LMDB turn a missing or empty file into a new store.  The
	 * check took the file's own stat (not a link, or it would have
	 * failed): what LMDB opens is compared with it below.
	 */
	if (flags & STORE_CHECK_SAFE) {
		if ((r = store_check_resolved(path, real, geteuid(), known, &sb,
		    &lock_there, why, whysz)) != 0)
			return r;
	} else if (stat(real, &sb) != 0) {
		store_set_why(why, whysz, "%s: %s", real, strerror(errno));
		return errno == ENOENT ? ATK_ERR_NOTFOUND : ATK_ERR_SYSTEM;
	}
	if (!S_ISREG(sb.st_mode)) {
		store_set_why(why, whysz, "%s: not a regular file", real);
		return ATK_ERR_UNSAFE;
	}
	if (sb.st_size == 0) {
		store_set_why(why, whysz, "%s: empty file", real);
		return ATK_ERR_CORRUPT;
	}
	if ((r = store_lock_path(real, &lock)) != 0 ||
	    (!lock_there && (r = make_lock(lock, flags, &made_lock, why,
	    whysz)) != 0))
		goto out;
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	st->flags = flags;
	atomic_init(&st->key, NULL);
	atomic_init(&st->key_txnid, 0);
	/* This open is the one use of the store until it is handed out. */
	atomic_init(&st->use, 1);
	if ((st->path = strdup(path)) == NULL) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	if ((r = store_env_open(real, (flags & STORE_RDONLY) != 0,
	    (flags & STORE_RDONLY) ? (size_t)sb.st_size : 0, &st->env, why,
	    whysz)) != 0 ||
	    (r = check_opened(st, real, &sb, why, whysz)) != 0 ||
	    (r = load_meta(st, why, whysz)) != 0)
		goto out;
	atomic_store(&st->use, 0);
	/*
	 * A reader killed with SIGKILL leaves its slot behind, and LMDB
	 * cannot reuse pages it might still see: the admin tool clears such
	 * slots, logins need not.
	 */
	if (!(flags & STORE_RDONLY))
		(void)mdb_reader_check(st->env, &dead);
	*stp = st;
	st = NULL;
 out:
	store_close(st);
	/* A generation deleted under us: leave no lock file of it behind. */
	if (r != 0 && made_lock && stat(real, &sb) != 0 && errno == ENOENT)
		(void)unlink(lock);
	free(lock);
	return r;
}

/* Does path lead somewhere else than real now (a restore swapped it)? */
static int
moved(const char *path, const char *real)
{
	char *now = NULL;
	uint64_t gen;
	int r;

	r = store_resolve(path, geteuid(), 0, &now, &gen, NULL, NULL, 0) == 0 &&
	    strcmp(now, real) != 0;
	free(now);
	return r;
}

/*
 * A restore --atomic may swap the store between the resolving of path and
 * the opening of the file: the generation found may be gone (ENOENT), or,
 * the first time, LMDB may follow the new link from a plain file.  Either
 * way path leads elsewhere by now, and the open is tried again there.
 */
int
store_open(const char *path, int flags, struct store **stp, char *why,
    size_t whysz)
{
	struct stat sb;
	char *real = NULL;
	uint64_t gen;
	int tries, r;

	*stp = NULL;
	store_set_why(why, whysz, "%s", "");
	if (path == NULL || path[0] == '\0' ||
	    (flags & ~(STORE_RDONLY | STORE_CHECK_SAFE)) != 0)
		return ATK_ERR_INVAL;
	for (tries = 1; ; tries++) {
		if ((r = store_resolve(path, geteuid(),
		    flags & STORE_CHECK_SAFE, &real, &gen, &sb, why,
		    whysz)) != 0 ||
		    (r = open_resolved(path, real, &sb, flags, stp, why,
		    whysz)) == 0 ||
		    tries == STORE_SWAP_TRIES || !moved(path, real))
			break;
		free(real);
		real = NULL;
	}
	free(real);
	return r;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->env != NULL)
		mdb_env_close(st->env);
	key_free(st->keys);
	free(st->path);
	explicit_bzero(st, sizeof(*st));
	free(st);
}

/* Good until the store is closed, whatever replaces the key meanwhile. */
const char *
store_prefix(const struct store *st)
{
	return atomic_load(&st->key)->prefix;
}

int
store_get_key(struct store *st, unsigned char *out)
{
	memcpy(out, atomic_load(&st->key)->key, STORE_KEY_BYTES);
	return 0;
}
