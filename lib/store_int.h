/*
 * Private to the store family (lib/store*.c): the only files that include
 * lmdb.h.  The handle, the txn and the helpers the files share.
 *
 * Layout (one environment, MDB_NOSUBDIR, plus its "-lock" file):
 *	meta	"schema" -> u32 big-endian STORE_SCHEMA, "prefix" -> text,
 *		"key" -> STORE_KEY_BYTES random bytes (the HMAC key)
 *	tokens	id (16 bytes) -> record_encode() bytes
 *	names	name -> id
 *	digests	keyed digest of an imported token's text -> id
 *	users	user key -> id (MDB_DUPSORT: one entry per token); the key
 *		is USER_KEY_BYTES of HMAC(key, 'U' || user): a fixed eight
 *		bytes instead of a 38-byte "service-account-..." saves a
 *		third of the store's size, and a lookup confirms the user
 *		in the record, so two users sharing a key cannot mix
 *	usage	id -> u8 version, i64 big-endian time, host bytes
 */
#ifndef APITOKEN_STORE_INT_H
#define APITOKEN_STORE_INT_H

#include <sys/types.h>
#include <sys/stat.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <lmdb.h>

#include "mac.h"
#include "record.h"
#include "store.h"
#include "token.h"

#define STORE_SCHEMA		1U
#define STORE_SCHEMA_BYTES	4
#define STORE_MAPSIZE		((size_t)1 << 30)
#define STORE_MAXDBS		8
#define STORE_MAXREADERS	510
#define STORE_MODE		0600
#define STORE_DIR_MODE		0700
#define STORE_LOCK_SUFFIX	"-lock"
/*
 * restore --atomic: "<store>.g<N>" is generation N, "<store>.g<N>-link"
 * the link to it before its rename over the store's name.
 */
#define STORE_GEN_MARK		".g"
#define STORE_GEN_DIGITS	9
#define STORE_GEN_MAX		999999999U
#define STORE_LINK_SUFFIX	"-link"
/* Opens and writes retried when a restore swapped the store meanwhile. */
#define STORE_SWAP_TRIES	8
#define STORE_RESIZE_TRIES	8	/* Remaps while a writer grows the file. */

#define DB_META			"meta"
#define DB_TOKENS		"tokens"
#define DB_NAMES		"names"
#define DB_DIGESTS		"digests"
#define DB_USERS		"users"
#define DB_USAGE		"usage"
#define META_SCHEMA		"schema"
#define META_PREFIX		"prefix"
#define META_KEY		"key"

#define LABEL_VERIFIER		'V'
#define LABEL_DIGEST		'D'
#define LABEL_USER		'U'
#define USER_KEY_BYTES		8

/* struct store's use: a remap or reopen in progress, no txn may begin. */
#define STORE_USE_EXCL		0x80000000U

_Static_assert(RECORD_VERIFIER_BYTES == MAC_BYTES,
    "a verifier is one HMAC-SHA-256");

/*
 * A prefix and key with the key schedule made from it, once.  Never
 * changed and never freed before the store is closed: a thread that took
 * the store's current one may use it while store_reset() or a reopen puts
 * another in its place.
 */
struct store_key {
	struct store_key *next;		/* Made before it, for store_close(). */
	char		 prefix[TOKEN_PREFIX_MAX + 1];
	unsigned char	 key[STORE_KEY_BYTES];
	struct mac	 mac;
};

/*
 * Shared by threads (store.h): what a txn needs (env, dbis) changes only
 * while use says no other txn is open, and the key only by a pointer swap.
 */
struct store {
	char		*path;		/* As opened: a swap is seen by it. */
	MDB_env		*env;
	MDB_dbi		 meta, tokens, names, digests, users, usage;
	int		 flags;
	struct store_key *keys;		/* Every one made, newest first. */
	_Atomic(struct store_key *) key;	/* The current one. */
	/* Txns begun and not ended, and STORE_USE_EXCL. */
	atomic_uint	 use;
	/* The last txn id at which the file's key was seen to be ours. */
	atomic_size_t	 key_txnid;
};

struct store_txn {
	struct store	*st;
	MDB_txn		*txn;
	int		 rdonly;
	/* store_reset(): the key to put back if the txn is aborted. */
	struct store_key *old_key;
};

/* What restore --atomic keeps beside a store. */
enum gen_kind { GEN_DATA, GEN_LOCK, GEN_LINK };

/* store_meta.c: store_setting_put() in an LMDB txn (store_init's too). */
int	store_meta_setting_put(MDB_txn *, MDB_dbi, const char *, const char *);

/* store.c */
void	store_set_why(char *, size_t, const char *, ...)
    __attribute__((__format__(__printf__, 3, 4)));
int	store_rc(int);
int	store_map_rc(char *, size_t, const char *, int);
int	store_key_make(const char *, const unsigned char *,
	    struct store_key **, char *, size_t);
void	store_key_add(struct store *, struct store_key *);
int	store_user_key(struct store *, const char *, unsigned char *);
int	store_env_open(const char *, int, size_t, MDB_env **, char *, size_t);

/* store_meta.c */
int	store_settings_carry(struct store_txn *, struct store_txn *);

/* store_path.c */
int	store_lock_path(const char *, char **);
const char *store_base_name(const char *);
int	store_sibling(const char *, const char *, char **);
int	store_gen_parse(const char *, const char *, uint64_t *,
	    enum gen_kind *);
int	store_resolve(const char *, uid_t, int, char **, uint64_t *,
	    struct stat *, char *, size_t);
int	store_check_resolved(const char *, const char *, uid_t,
	    const struct stat *, struct stat *, int *, char *, size_t);
/*
 * The file rules on what lstat() says of a path, kept in the stat; a
 * missing file is fine when asked (st_mode 0).
 */
int	store_check_file(const char *, uid_t, int, struct stat *, char *,
	    size_t);

/* store_txn.c */
int	store_rd_txn_begin(struct store *, MDB_txn **, char *, size_t);
int	store_key_current(struct store *, char *, size_t);
/* The file rules of store_check_path() on what stat() said of path. */
int	store_file_ok(const char *, const struct stat *, uid_t, char *,
	    size_t);

/* store_records.c */
int	store_dbi_open(MDB_txn *, const char *, unsigned int, MDB_dbi *,
	    char *, size_t);

static inline MDB_val
store_val(const void *p, size_t n)
{
	MDB_val v;

	v.mv_data = (void *)(uintptr_t)p;
	v.mv_size = n;
	return v;
}

static inline MDB_val
store_str_val(const char *s)
{
	return store_val(s, strlen(s));
}

#endif /* APITOKEN_STORE_INT_H */
