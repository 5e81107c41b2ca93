/*
 * The token store: one LMDB environment in one file (MDB_NOSUBDIR) and its
 * "-lock" file (SPEC section 4).  This is the only unit that includes
 * lmdb.h (lib/store*.c around lib/store_int.h).
 *
 * Named databases: "meta" (schema version, prefix, the store's HMAC key),
 * "tokens" (id -> record), "names" (name -> id), "digests" (keyed digest of
 * an imported token -> id), "users" (user -> ids, for nouserok) and
 * "usage" (id -> last used time and host, written by logins apart from the
 * records so a login never rewrites a record).
 *
 * Only keyed verifiers are stored: HMAC-SHA-256 under a random 32-byte key
 * kept in "meta", so a copy of the store lets nobody log in.
 */
#ifndef APITOKEN_STORE_H
#define APITOKEN_STORE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "record.h"
#include "token.h"

#define STORE_DEFAULT_PATH	"/var/lib/apitoken/tokens.db"
#define STORE_ENV_VAR		"APITOKEN_DB"
#define STORE_KEY_BYTES		32
#define STORE_DIGEST_BYTES	32
/*
 * Room for the why of the functions that take one (the LMDB or system
 * error, the schema found, the unsafe path); why may be NULL.  The others
 * return a code only: atk_strerror() says enough.
 */
#define STORE_WHY_MAX		256

/* store_open() and store_gen_begin() flags; STORE_RDONLY for txns too. */
#define STORE_RDONLY		0x01	/* Logins and listings; a read txn. */
#define STORE_CHECK_SAFE	0x02	/* Refuse an unsafe file. */
/* store_put() flags. */
#define STORE_REPLACE		0x04	/* Insert or replace, not insert. */

/*
 * One struct store may be shared by the threads of a process (a daemon
 * opens one and serves every request from it): each thread begins, uses
 * and ends its own txns, the read txns of many threads at once, write txns
 * one at a time (a second waits for LMDB's write lock).  A txn is used by
 * one thread at a time.  The keyed functions, store_prefix(),
 * store_get_key() and store_current() may be called from any thread, in a
 * txn or not.  A txn or a lookup writes nothing into the handle, with two
 * exceptions made only while no other txn of the handle is open (else they
 * refuse, ATK_ERR_BUSY with the words in why): a write txn on a store that
 * restore --atomic has swapped opens it again in place (below), and a read
 * txn on a STORE_RDONLY store that a writer has grown since the open
 * remaps it (a store opened for writing maps STORE_MAPSIZE at once and is
 * never remapped: the one a daemon shares should be).  store_reset()
 * changes the key every thread sees: it is for a process that has the
 * store to itself.  End every txn before store_close(); never use a store
 * across a fork.  Opening is cheap: about 60 us, most of it LMDB mapping
 * the file.
 */
struct store;
struct store_txn;

/*
 * A store path may also be the symbolic link restore --atomic makes:
 * "tokens.db" -> "tokens.db.g<N>", a generation in the same directory with
 * its own "tokens.db.g<N>-lock" (apitoken.db(5)).  store_open() and
 * store_check_path() accept that one shape of link (owned by root or the
 * caller, a bare generation name) and refuse every other link.  A write
 * txn begun on a store that a restore has swapped since it was opened
 * opens the store again first, so no write goes into a dead generation.
 * store_current() tells a reader that holds a store open whether its path
 * still leads to the file it has open, with the key and prefix it has
 * (a plain restore replaces those inside the same file): 0 means open it
 * again.
 */
struct store_gen;

/*
 * Create a new store with the prefix (NULL: the default) and safe
 * permissions; ATK_ERR_EXISTS if one is there.  A missing directory of the
 * store is made 0700, but not its parents.
 */
int	store_init(const char *, const char *, char *, size_t);
/*
 * The same, with settings in the same txn: name, value, name, value, ...,
 * NULL (each as store_setting_put() takes it).
 */
int	store_init_settings(const char *, const char *, const char *const *,
	    char *, size_t);
/* Flags STORE_RDONLY, STORE_CHECK_SAFE. */
int	store_open(const char *, int, struct store **, char *, size_t);
void	store_close(struct store *);		/* NULL-safe. */
const char *store_prefix(const struct store *);
/*
 * 1 if the path the store was opened by still leads to the file it has
 * open, 0 if restore --atomic swapped another generation in (or the path
 * is gone): open it again for the store of now.  Negative on an error.
 */
int	store_current(struct store *, char *, size_t);
/*
 * The safety rules of SPEC section 4: a regular file (not a symlink) owned
 * by root or by uid, not writable by group or others, and every parent
 * directory up to / owned by root or uid and not writable by group or
 * others - except a root-owned sticky directory such as /tmp, where others
 * cannot rename or remove what is not theirs, so the next component (which
 * must itself be ours) cannot be swapped.  ATK_ERR_UNSAFE, with the reason
 * in why (may be NULL).
 */
int	store_check_path(const char *, uid_t, char *, size_t);

/*
 * Flags STORE_RDONLY (a read txn, the only kind on a STORE_RDONLY store)
 * or 0 (a write txn).
 */
int	store_txn_begin(struct store *, int, struct store_txn **, char *,
	    size_t);
/* Frees the txn, committed or not. */
int	store_txn_commit(struct store_txn *, char *, size_t);
void	store_txn_abort(struct store_txn *);	/* NULL-safe, frees. */

int	store_get(struct store_txn *, const unsigned char *, struct record *);
/* By 22-character id text or by name. */
int	store_find(struct store_txn *, const char *, struct record *);
/*
 * Insert (flags 0: ATK_ERR_EXISTS on a taken id, name or digest) or
 * insert-or-replace (STORE_REPLACE: ATK_ERR_EXISTS only when the name or
 * digest belongs to another id).  Keeps "names", "users" and "digests"
 * (the verifier of an imported record, and the old verifier while a grace
 * period runs) in step.  Nothing is written when it fails with EXISTS.
 */
int	store_put(struct store_txn *, const struct record *, int);
int	store_delete(struct store_txn *, const unsigned char *);
/* Calls cb for every record in id order; a non-zero cb result stops. */
int	store_foreach(struct store_txn *,
	    int (*)(const struct record *, void *), void *);
int	store_lookup_digest(struct store_txn *, const unsigned char *,
	    unsigned char *);
/*
 * For verify_token(), the same walk whether the key is there or not: the
 * record of id (*found = 1) or of a neighbour in id order (*found = 0);
 * the id a digest indexes (*found = 1) or a neighbour's.  ATK_ERR_NOTFOUND
 * only when the store holds no token (no imported token).
 */
int	store_get_near(struct store_txn *, const unsigned char *,
	    struct record *, int *);
int	store_lookup_digest_near(struct store_txn *, const unsigned char *,
	    unsigned char *, int *);
/* 1 if the user has at least one token, 0 if none. */
int	store_user_has_tokens(struct store_txn *, const char *);
/*
 * Record a login (write txn): time and source host (NULL: none; at most
 * 1024 bytes, else ATK_ERR_INVAL) in "usage" only, so a login never
 * rewrites a record.
 */
int	store_touch(struct store_txn *, const unsigned char *, int64_t,
	    const char *);
/* *from is allocated (NULL when never used: *when = 0). */
int	store_usage(struct store_txn *, const unsigned char *, int64_t *,
	    char **);

/*
 * Keyed one-way functions under the store's key, whose schedule is made
 * once, when the store is opened (or the key reset):
 * store_verifier() = HMAC-SHA-256(key, 'V' || data), store_digest() =
 * HMAC-SHA-256(key, 'D' || data).  A native token's verifier is
 * store_verifier(id || secret); an imported token's verifier is its digest
 * (store_digest(text)), which store_put() also indexes.
 * store_token_verifier() does the right one for a parsed token.
 */
int	store_verifier(struct store *, const void *, size_t, unsigned char *);
int	store_digest(struct store *, const void *, size_t, unsigned char *);
int	store_token_verifier(struct store *, const struct token *,
	    unsigned char *);

/* For export and restore: the key and prefix travel with the records. */
int	store_get_key(struct store *, unsigned char *);
/*
 * In a write txn: empty every database and set a new prefix and key.
 * Verifiers made after it use the new key; an abort (or a failed commit)
 * puts the old prefix and key back.  ATK_ERR_BUSY while another txn of the
 * store is open.
 */
int	store_reset(struct store_txn *, const char *, const unsigned char *);

/*
 * Settings: store-wide words kept in meta (lib/store_meta.c), apart from
 * the schema, prefix and key, and kept by store_reset().  A name is 1 to
 * STORE_SETTING_NAME_MAX of a-z 0-9 '.' '-', a letter first; a value is
 * text of at most STORE_SETTING_MAX bytes.  store_setting_get() allocates
 * *value (ATK_ERR_NOTFOUND when unset); store_setting_put() with a NULL
 * value removes the setting; store_setting_foreach() calls cb in name
 * order, and a non-zero cb result stops it and is returned.
 */
#define STORE_SETTING_NAME_MAX	64
#define STORE_SETTING_MAX	4096
int	store_setting_name_valid(const char *);
int	store_setting_get(struct store_txn *, const char *, char **);
int	store_setting_put(struct store_txn *, const char *, const char *);
int	store_setting_foreach(struct store_txn *,
	    int (*)(const char *, const char *, void *), void *);

/*
 * restore --atomic.  store_gen_begin() takes the directory's lock (one
 * restore at a time), opens the store at path if there is one (flags as
 * for store_open(), never STORE_RDONLY; an unsafe one is refused), removes
 * what a killed restore left, and creates the next generation with the
 * prefix, open in *st for the caller to fill and commit (the store belongs
 * to g: do not close it).  store_gen_commit() carries this host's "usage"
 * rows over for the ids the new store has, then renames a new link over
 * path while it holds the old store's write lock, and removes generations
 * older than the one replaced.  Both free g; store_gen_abort() (NULL-safe)
 * removes the new generation.
 */
int	store_gen_begin(const char *, int, const char *, struct store_gen **,
	    struct store **, char *, size_t);
int	store_gen_commit(struct store_gen *, char *, size_t);
void	store_gen_abort(struct store_gen *);

#endif /* APITOKEN_STORE_H */
