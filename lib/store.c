/*
 * The token store on LMDB: the only file that includes lmdb.h.
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
 *
 * Keyed one-way functions: HMAC-SHA-256 under the store's key, with a
 * one-byte label in front so that no output of one can pass for another:
 *	native verifier		HMAC(key, 'V' || id || secret)
 *	imported digest		HMAC(key, 'D' || text)
 * An imported token's verifier is its digest: knowing the text is the only
 * way to find the record at all, and the index and the record then agree.
 * The HMAC context is keyed once per store, on first use, and duplicated
 * per call (lib/mac.c, over libcrypto's EVP_MAC).
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
 * fails with MDB_MAP_FULL (ATK_ERR_STORE, the words in store_errstr()).
 * A read-only open maps only the file as it is (LMDB raises a smaller
 * size to the size in use): tearing down a 1 GiB map cost every login
 * about 20 us per open.  A reader that finds the file grown by a writer
 * since gets MDB_MAP_RESIZED and remaps to the new size (rd_txn_begin()).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>

#include "error.h"
#include "mac.h"
#include "number.h"
#include "random.h"
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
/* The longest key get_near() looks up: a digest. */
#define NEAR_KEY_MAX		STORE_DIGEST_BYTES
/* key_cmp() reads keys this many bytes at a time. */
#define KEY_WORD		8

#define USAGE_VERSION		1
#define USAGE_HEAD		9	/* version byte and the time */
#define USAGE_HOST_MAX		1024

_Static_assert(RECORD_VERIFIER_BYTES == MAC_BYTES,
    "a verifier is one HMAC-SHA-256");

struct store {
	char		*path;		/* As opened: a swap is seen by it. */
	MDB_env		*env;
	MDB_dbi		 meta, tokens, names, digests, users, usage;
	int		 flags;
	char		 prefix[TOKEN_PREFIX_MAX + 1];
	unsigned char	 key[STORE_KEY_BYTES];
	struct mac	 mac;		/* Keyed on first use, then reused. */
	int		 keyed;		/* mac holds the store's key. */
	MDB_txn		*spare;		/* A reset read txn, renewed next. */
	int		 ntxn;		/* Txns handed out and not ended. */
	char		 why[STORE_WHY_MAX];
};

struct store_txn {
	struct store	*st;
	MDB_txn		*txn;
	int		 rdonly;
	/* store_reset(): what to put back if the txn is aborted. */
	int		 reset;
	char		 old_prefix[TOKEN_PREFIX_MAX + 1];
	unsigned char	 old_key[STORE_KEY_BYTES];
};

static void set_why(char *, size_t, const char *, ...)
    __attribute__((__format__(__printf__, 3, 4)));

static void
set_why(char *why, size_t whysz, const char *fmt, ...)
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
	/* Callers look at errno after saying why. */
	errno = saved;
}

/*
 * Turn an LMDB or errno result into an ATK_ERR_* code, keeping the words
 * in why.
 */
static int
map_rc(char *why, size_t whysz, const char *what, int rc)
{
	/*
	 * A miss or a taken key is an answer, not a failure: no words, and
	 * no formatting on the way of a lookup of an unknown token.
	 */
	if (rc == MDB_NOTFOUND || rc == MDB_KEYEXIST) {
		if (why != NULL && whysz > 0)
			why[0] = '\0';
		return rc == MDB_NOTFOUND ? ATK_ERR_NOTFOUND : ATK_ERR_EXISTS;
	}
	set_why(why, whysz, "%s: %s", what, mdb_strerror(rc));
	switch (rc) {
	case 0:
		return 0;
	case ENOENT:
		return ATK_ERR_NOTFOUND;
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
		errno = rc;
		return ATK_ERR_SYSTEM;
	default:
		return ATK_ERR_STORE;
	}
}

static int
st_rc(struct store *st, const char *what, int rc)
{
	return map_rc(st->why, sizeof(st->why), what, rc);
}

static MDB_val
val(const void *p, size_t n)
{
	MDB_val v;

	v.mv_data = (void *)(uintptr_t)p;
	v.mv_size = n;
	return v;
}

static MDB_val
str_val(const char *s)
{
	return val(s, strlen(s));
}

/* --- keyed one-way functions ---------------------------------------------- */

static int
mac_setup(struct store *st)
{
	int r;

	r = mac_setkey(&st->mac, st->key, sizeof(st->key), st->why,
	    sizeof(st->why));
	st->keyed = r == 0;
	return r;
}

static int
store_mac(struct store *st, unsigned char label, const void *a, size_t alen,
    const void *b, size_t blen, unsigned char *out)
{
	int r;

	/* Keyed on first use: an open that never hashes (account) skips it. */
	if (!st->keyed && (r = mac_setup(st)) != 0)
		return r;
	if ((r = mac_label(&st->mac, label, a, alen, b, blen, out)) != 0)
		st->why[0] = '\0';
	return r;
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
static int
user_key(struct store *st, const char *user, unsigned char *out)
{
	unsigned char mac[RECORD_VERIFIER_BYTES];
	int r;

	if ((r = store_mac(st, LABEL_USER, user, strlen(user), NULL, 0,
	    mac)) != 0)
		return r;
	memcpy(out, mac, USER_KEY_BYTES);
	return 0;
}

/* --- safe files ----------------------------------------------------------- */

static int
owner_ok(const struct stat *sb, uid_t uid)
{
	return sb->st_uid == 0 || sb->st_uid == uid;
}

/*
 * A directory nobody but root or uid can change entries in.  A link is
 * left to the walk of the real path, and said so in *link.
 */
static int
check_dir(const char *dir, uid_t uid, int *link, char *why, size_t whysz)
{
	struct stat sb;

	if (lstat(dir, &sb) != 0) {
		set_why(why, whysz, "%s: %s", dir, strerror(errno));
		return errno == ENOENT ? ATK_ERR_NOTFOUND : ATK_ERR_SYSTEM;
	}
	if (S_ISLNK(sb.st_mode)) {
		*link = 1;
		return 0;
	}
	if (!S_ISDIR(sb.st_mode)) {
		set_why(why, whysz, "%s: not a directory", dir);
		return ATK_ERR_UNSAFE;
	}
	if (!owner_ok(&sb, uid)) {
		set_why(why, whysz, "%s: owned by uid %lu", dir,
		    (unsigned long)sb.st_uid);
		return ATK_ERR_UNSAFE;
	}
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    !(sb.st_uid == 0 && (sb.st_mode & S_ISVTX) != 0)) {
		set_why(why, whysz, "%s: writable by group or others", dir);
		return ATK_ERR_UNSAFE;
	}
	return 0;
}

/* Is the component that starts at s (up to '/' or the end) "." or ".."? */
static int
dot_part(const char *s)
{
	size_t n = strcspn(s, "/");

	return (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' &&
	    s[1] == '.');
}

/*
 * Check "/" and every directory on the way to, and including, dir (an
 * absolute path).  *canonical is set when no component was a link, "."
 * or "..": then dir is already its own real path (bar repeated slashes),
 * and its walk is the walk of the real path too.
 */
static int
walk_dirs(const char *dir, uid_t uid, int *canonical, char *why,
    size_t whysz)
{
	char *p, *s;
	int link = 0, r;

	*canonical = 0;
	if ((p = strdup(dir)) == NULL)
		return ATK_ERR_NOMEM;
	if ((r = check_dir("/", uid, &link, why, whysz)) != 0)
		goto out;
	if (dot_part(p + 1))
		link = 1;
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (s[-1] != '/') {
			char c = *s;

			*s = '\0';
			r = check_dir(p, uid, &link, why, whysz);
			*s = c;
			if (r != 0)
				goto out;
		}
		if (*s == '\0')
			break;
		if (dot_part(s + 1))
			link = 1;
	}
	*canonical = !link;
	r = 0;
 out:
	free(p);
	return r;
}

/* A regular file, not a link, ours or root's, writable by nobody else. */
static int
file_ok(const char *path, const struct stat *sb, uid_t uid, char *why,
    size_t whysz)
{
	if (S_ISLNK(sb->st_mode)) {
		set_why(why, whysz, "%s: is a symbolic link", path);
		return ATK_ERR_UNSAFE;
	}
	if (!S_ISREG(sb->st_mode)) {
		set_why(why, whysz, "%s: not a regular file", path);
		return ATK_ERR_UNSAFE;
	}
	if (!owner_ok(sb, uid)) {
		set_why(why, whysz, "%s: owned by uid %lu", path,
		    (unsigned long)sb->st_uid);
		return ATK_ERR_UNSAFE;
	}
	if ((sb->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		set_why(why, whysz, "%s: writable by group or others", path);
		return ATK_ERR_UNSAFE;
	}
	return 0;
}

/*
 * file_ok() on what lstat() says of path, kept in *sb.  When missing_ok,
 * a missing file is fine and leaves st_mode 0 in *sb.
 */
static int
check_file(const char *path, uid_t uid, int missing_ok, struct stat *sb,
    char *why, size_t whysz)
{
	if (lstat(path, sb) != 0) {
		if (errno == ENOENT && missing_ok) {
			sb->st_mode = 0;
			return 0;
		}
		set_why(why, whysz, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? ATK_ERR_NOTFOUND : ATK_ERR_SYSTEM;
	}
	return file_ok(path, sb, uid, why, whysz);
}

static int
lock_path(const char *path, char **out)
{
	size_t n = strlen(path);

	*out = NULL;
	if (n > SIZE_MAX - sizeof(STORE_LOCK_SUFFIX) ||
	    (*out = malloc(n + sizeof(STORE_LOCK_SUFFIX))) == NULL)
		return ATK_ERR_NOMEM;
	memcpy(*out, path, n);
	memcpy(*out + n, STORE_LOCK_SUFFIX, sizeof(STORE_LOCK_SUFFIX));
	return 0;
}

/* The last component of path. */
static const char *
base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash == NULL ? path : slash + 1;
}

/* path with its last component replaced by name. */
static int
sibling(const char *path, const char *name, char **out)
{
	size_t n = (size_t)(base_name(path) - path), m = strlen(name);

	if ((*out = malloc(n + m + 1)) == NULL)
		return ATK_ERR_NOMEM;
	memcpy(*out, path, n);
	memcpy(*out + n, name, m + 1);
	return 0;
}

/* What restore --atomic keeps beside a store. */
enum gen_kind { GEN_DATA, GEN_LOCK, GEN_LINK };

/*
 * Is name "<base>.g<N>" (a generation), its "-lock" or its "-link"?  N is
 * 1 to STORE_GEN_MAX in plain decimal: one spelling per number.
 */
static int
gen_parse(const char *name, const char *base, uint64_t *n,
    enum gen_kind *kind)
{
	char digits[STORE_GEN_DIGITS + 1];
	size_t bl = strlen(base), ml = strlen(STORE_GEN_MARK), dl;
	const char *p;

	*n = 0;
	*kind = GEN_DATA;
	if (strncmp(name, base, bl) != 0 ||
	    strncmp(name + bl, STORE_GEN_MARK, ml) != 0)
		return -1;
	p = name + bl + ml;
	dl = strspn(p, "0123456789");
	if (dl == 0 || dl > STORE_GEN_DIGITS || p[0] == '0')
		return -1;
	memcpy(digits, p, dl);
	digits[dl] = '\0';
	if (number_parse(digits, 1, STORE_GEN_MAX, n) != 0)
		return -1;
	p += dl;
	if (strcmp(p, STORE_LOCK_SUFFIX) == 0)
		*kind = GEN_LOCK;
	else if (strcmp(p, STORE_LINK_SUFFIX) == 0)
		*kind = GEN_LINK;
	else if (*p != '\0')
		return -1;
	return 0;
}

/*
 * The file the store at path is: path itself, or "<dir>/<base>.g<N>" when
 * path is the link restore --atomic made - a link owned by root or uid to
 * a generation in the same directory.  LMDB must be given that file's own
 * name, so that the lock file ("<name>-lock") belongs to it.  Any other
 * link is refused when strict (STORE_CHECK_SAFE), else followed as ever.
 * *gen is N, or 0 when path is not such a link.  What lstat() said of
 * path is left in *psb when psb is not NULL.
 */
static int
resolve(const char *path, uid_t uid, int strict, char **real, uint64_t *gen,
    struct stat *psb, char *why, size_t whysz)
{
	char target[PATH_MAX];
	struct stat own, *sbp = psb != NULL ? psb : &own;
	enum gen_kind kind;
	ssize_t len;

	*real = NULL;
	*gen = 0;
	if (lstat(path, sbp) != 0) {
		set_why(why, whysz, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? ATK_ERR_NOTFOUND : ATK_ERR_SYSTEM;
	}
	if (!S_ISLNK(sbp->st_mode))
		goto plain;
	if ((len = readlink(path, target, sizeof(target) - 1)) < 0) {
		set_why(why, whysz, "%s: %s", path, strerror(errno));
		return ATK_ERR_SYSTEM;
	}
	target[len] = '\0';
	if (!owner_ok(sbp, uid) ||
	    gen_parse(target, base_name(path), gen, &kind) != 0 ||
	    kind != GEN_DATA) {
		*gen = 0;
		if (!strict)
			goto plain;
		set_why(why, whysz, "%s: is a symbolic link", path);
		return ATK_ERR_UNSAFE;
	}
	return sibling(path, target, real);
 plain:
	if ((*real = strdup(path)) == NULL)
		return ATK_ERR_NOMEM;
	return 0;
}

/*
 * store_check_path() on a path already resolved: the file real and its
 * lock, and the directories of path (real is in the same one).  known,
 * when not NULL, is what lstat() said of path a moment ago (resolve()):
 * if path is the file itself, that stat is checked rather than taken
 * again.  What the file's stat was is left in *filesb, and whether its
 * lock file is there in *lock_there.
 */
static int
check_resolved(const char *path, const char *real, uid_t uid,
    const struct stat *known, struct stat *filesb, int *lock_there,
    char *why, size_t whysz)
{
	char *abs = NULL, *file = NULL, *dir = NULL, *rdir = NULL;
	char *lock = NULL, *slash;
	char cwd[PATH_MAX];
	struct stat locksb;
	size_t n;
	int canonical, r;

	*lock_there = 0;
	if (path[0] == '/') {
		if ((abs = strdup(path)) == NULL)
			return ATK_ERR_NOMEM;
	} else {
		if (getcwd(cwd, sizeof(cwd)) == NULL) {
			set_why(why, whysz, "getcwd: %s", strerror(errno));
			return ATK_ERR_SYSTEM;
		}
		n = strlen(cwd) + 1 + strlen(path) + 1;
		if ((abs = malloc(n)) == NULL)
			return ATK_ERR_NOMEM;
		/* Sized above: cannot be cut short. */
		(void)snprintf(abs, n, "%s/%s", cwd, path);
	}
	/* In the same directory: only the last component differs. */
	if ((r = sibling(abs, base_name(real), &file)) != 0)
		goto out;
	if (known != NULL && !S_ISLNK(known->st_mode) &&
	    strcmp(path, real) == 0) {
		*filesb = *known;
		r = file_ok(file, filesb, uid, why, whysz);
	} else
		r = check_file(file, uid, 0, filesb, why, whysz);
	if (r != 0)
		goto out;
	if ((r = lock_path(file, &lock)) != 0 ||
	    (r = check_file(lock, uid, 1, &locksb, why, whysz)) != 0)
		goto out;
	*lock_there = S_ISREG(locksb.st_mode);
	if ((dir = strdup(abs)) == NULL) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	slash = strrchr(dir, '/');
	slash[slash == dir ? 1 : 0] = '\0';
	/* The path as written, then where its links really lead. */
	if ((r = walk_dirs(dir, uid, &canonical, why, whysz)) != 0 ||
	    canonical)
		goto out;
	if ((rdir = realpath(dir, NULL)) == NULL) {
		set_why(why, whysz, "%s: %s", dir, strerror(errno));
		r = ATK_ERR_SYSTEM;
		goto out;
	}
	/* The same directories by another spelling: seen already. */
	r = strcmp(rdir, dir) == 0 ? 0 :
	    walk_dirs(rdir, uid, &canonical, why, whysz);
 out:
	free(rdir);
	free(dir);
	free(lock);
	free(file);
	free(abs);
	return r;
}

int
store_check_path(const char *path, uid_t uid, char *why, size_t whysz)
{
	struct stat sb, filesb;
	char *real = NULL;
	uint64_t gen;
	int lock_there, r;

	set_why(why, whysz, "%s", "");
	if (path == NULL || path[0] == '\0')
		return ATK_ERR_INVAL;
	if ((r = resolve(path, uid, 1, &real, &gen, &sb, why, whysz)) == 0)
		r = check_resolved(path, real, uid, &sb, &filesb, &lock_there,
		    why, whysz);
	free(real);
	return r;
}

/*
 * Create a file that holds secrets: 0600 whatever the umask, never through
 * a link.  *created is set when this call made it.
 */
static int
create_private(const char *path, int excl, int *created, char *why,
    size_t whysz)
{
	struct stat sb;
	int fd, r = 0;

	*created = 0;
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    STORE_MODE);
	if (fd >= 0)
		*created = 1;
	else if (errno == EEXIST && !excl)
		fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		set_why(why, whysz, "%s: %s", path, strerror(errno));
		return errno == EEXIST ? ATK_ERR_EXISTS : ATK_ERR_SYSTEM;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		set_why(why, whysz, "%s: not a regular file", path);
		r = ATK_ERR_UNSAFE;
	} else if (fchmod(fd, STORE_MODE) != 0) {
		set_why(why, whysz, "%s: %s", path, strerror(errno));
		r = ATK_ERR_SYSTEM;
	}
	(void)close(fd);
	return r;
}

/* The directory path is in: "." for a bare name, "/" at the top. */
static int
dir_name(const char *path, char **out)
{
	char *dir, *slash;

	/* Room for "." whatever path is. */
	if ((dir = malloc(strlen(path) + 2)) == NULL)
		return ATK_ERR_NOMEM;
	memcpy(dir, path, strlen(path) + 1);
	if ((slash = strrchr(dir, '/')) == NULL) {
		dir[0] = '.';
		dir[1] = '\0';
	} else
		slash[slash == dir ? 1 : 0] = '\0';
	*out = dir;
	return 0;
}

/* Make a new directory entry survive a power loss. */
static void
sync_parent(const char *path)
{
	char *dir;
	int fd;

	if (dir_name(path, &dir) != 0)
		return;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		(void)close(fd);
	}
	free(dir);
}

/*
 * The store's directory, made when it is missing: a source install has no
 * /var/lib/apitoken.  Only that one directory, never its parents, 0700
 * whatever the umask.  One that is there, or a link to one, is left as it
 * is, for store_check_path() to judge as before.  *dirp is set to the
 * directory when this call made it, for the caller to remove on failure.
 */
static int
make_dir(const char *path, char **dirp, char *why, size_t whysz)
{
	struct stat sb;
	char *dir = NULL;
	int e, fd, r;

	*dirp = NULL;
	if ((r = dir_name(path, &dir)) != 0)
		return r;
	if (stat(dir, &sb) == 0) {
		if (!S_ISDIR(sb.st_mode)) {
			set_why(why, whysz, "%s: %s is not a directory", path,
			    dir);
			r = ATK_ERR_UNSAFE;
		}
		goto out;
	}
	if (errno != ENOENT) {
		set_why(why, whysz, "%s: %s: %s", path, dir, strerror(errno));
		r = ATK_ERR_SYSTEM;
		goto out;
	}
	/* Missing, or a link that leads nowhere: mkdir never follows it. */
	if (mkdir(dir, STORE_DIR_MODE) != 0) {
		if (errno == EEXIST && lstat(dir, &sb) == 0) {
			/* Made by someone else meanwhile: not ours. */
			if (S_ISDIR(sb.st_mode))
				goto out;
			set_why(why, whysz, "%s: %s is %s", path, dir,
			    S_ISLNK(sb.st_mode) ? "a symbolic link" :
			    "not a directory");
			r = ATK_ERR_UNSAFE;
		} else {
			e = errno;
			set_why(why, whysz, "%s: cannot create directory %s: "
			    "%s", path, dir, strerror(e));
			r = ATK_ERR_SYSTEM;
		}
		goto out;
	}
	/*
	 * The umask may have taken bits: set the mode on the directory made,
	 * never through a link someone put in its place.
	 */
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1) {
		e = errno;
		set_why(why, whysz, "%s: %s: %s", path, dir, strerror(e));
		r = e == ELOOP || e == ENOTDIR ? ATK_ERR_UNSAFE :
		    ATK_ERR_SYSTEM;
		/* Not ours to remove any more. */
		if (r == ATK_ERR_UNSAFE)
			goto out;
	} else {
		if (fchmod(fd, STORE_DIR_MODE) != 0) {
			set_why(why, whysz, "%s: %s: %s", path, dir,
			    strerror(errno));
			r = ATK_ERR_SYSTEM;
		}
		(void)close(fd);
	}
	if (r != 0) {
		(void)rmdir(dir);
		goto out;
	}
	sync_parent(dir);
	*dirp = dir;
	dir = NULL;
 out:
	free(dir);
	return r;
}

/* --- environments --------------------------------------------------------- */

/* mapsize 0: STORE_MAPSIZE, for writers. */
static int
env_open(const char *path, int rdonly, size_t mapsize, MDB_env **envp,
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
		return map_rc(why, whysz, "mdb_env_create", rc);
	if ((rc = mdb_env_set_maxdbs(env, STORE_MAXDBS)) != 0 ||
	    (rc = mdb_env_set_maxreaders(env, STORE_MAXREADERS)) != 0 ||
	    (rc = mdb_env_set_mapsize(env, mapsize > 0 ? mapsize :
	    STORE_MAPSIZE)) != 0 ||
	    (rc = mdb_env_open(env, path, fl, STORE_MODE)) != 0 ||
	    (rc = mdb_env_get_fd(env, &fd)) != 0) {
		r = map_rc(why, whysz, path, rc);
		mdb_env_close(env);
		return r;
	}
	/*
	 * LMDB opens the data file without O_CLOEXEC: a program that runs
	 * another while the store is open must not hand it the store.
	 * FD_CLOEXEC is the only descriptor flag there is: nothing to keep.
	 */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		set_why(why, whysz, "%s: fcntl: %s", path, strerror(errno));
		mdb_env_close(env);
		return ATK_ERR_SYSTEM;
	}
	*envp = env;
	return 0;
}

/* Inline: key_cmp() runs some 20 times a lookup in a large store. */
static inline uint64_t
load_be64(const unsigned char *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return be64toh(x);
}

/*
 * LMDB's own key order (the bytes as unsigned numbers, then the shorter
 * key first), so a store stays what mdb_dump and older builds read, but
 * in time that depends on the lengths only.  LMDB compares with memcmp(),
 * whose way out depends on where the keys differ and whether they do: a
 * lookup's binary search meets the key itself only when the store holds
 * it, and that one comparison of equal bytes made a known id 3 to 4
 * cycles faster to look up than an unknown one next to it (SECURITY.md,
 * "Timing").  Here every byte is read and the first difference kept with
 * masks, not branches.
 */
static int
key_cmp(const MDB_val *a, const MDB_val *b)
{
	const unsigned char *p = a->mv_data, *q = b->mv_data;
	size_t n, i;
	uint64_t x, y;
	int d, r = 0;

	n = a->mv_size < b->mv_size ? a->mv_size : b->mv_size;
	for (i = 0; i + KEY_WORD <= n; i += KEY_WORD) {
		x = load_be64(p + i);
		y = load_be64(q + i);
		d = (x > y) - (x < y);
		/* r stays at the first nonzero d. */
		r |= d & -(r == 0);
	}
	for (; i < n; i++) {
		d = (p[i] > q[i]) - (p[i] < q[i]);
		r |= d & -(r == 0);
	}
	d = (a->mv_size > b->mv_size) - (a->mv_size < b->mv_size);
	return r | (d & -(r == 0));
}

static int
dbi_open(MDB_txn *txn, const char *name, unsigned int fl, MDB_dbi *dbi,
    char *why, size_t whysz)
{
	int rc;

	if ((rc = mdb_dbi_open(txn, name, fl, dbi)) != 0) {
		/* A missing database: not a store of ours. */
		if (rc == MDB_NOTFOUND) {
			set_why(why, whysz, "no \"%s\" database: not an "
			    "apitoken store", name);
			return ATK_ERR_CORRUPT;
		}
		return map_rc(why, whysz, name, rc);
	}
	/* Every open of every program, before the first access (lmdb.h). */
	if ((rc = mdb_set_compare(txn, *dbi, key_cmp)) != 0)
		return map_rc(why, whysz, name, rc);
	return 0;
}

int
store_init(const char *path, const char *prefix)
{
	return store_init_why(path, prefix, NULL, 0);
}

int
store_init_why(const char *path, const char *prefix, char *why,
    size_t whysz)
{
	unsigned char key[STORE_KEY_BYTES], schema[STORE_SCHEMA_BYTES];
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi meta, dbi;
	MDB_val k, v;
	char *lock = NULL, *made_dir = NULL;
	int made_db = 0, made_lock = 0, rc, r;

	set_why(why, whysz, "%s", "");
	if (prefix == NULL)
		prefix = TOKEN_PREFIX_DEFAULT;
	if (path == NULL || path[0] == '\0' || !token_prefix_valid(prefix))
		return ATK_ERR_INVAL;
	if ((r = lock_path(path, &lock)) != 0)
		return r;
	if ((r = make_dir(path, &made_dir, why, whysz)) != 0 ||
	    (r = create_private(path, 1, &made_db, why, whysz)) != 0 ||
	    (r = create_private(lock, 0, &made_lock, why, whysz)) != 0 ||
	    (r = env_open(path, 0, 0, &env, why, whysz)) != 0)
		goto out;
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0) {
		r = map_rc(why, whysz, "mdb_txn_begin", rc);
		goto out;
	}
	if ((r = dbi_open(txn, DB_META, MDB_CREATE, &meta, why, whysz)) != 0 ||
	    (r = dbi_open(txn, DB_TOKENS, MDB_CREATE, &dbi, why, whysz)) != 0 ||
	    (r = dbi_open(txn, DB_NAMES, MDB_CREATE, &dbi, why, whysz)) != 0 ||
	    (r = dbi_open(txn, DB_DIGESTS, MDB_CREATE, &dbi, why,
	    whysz)) != 0 ||
	    (r = dbi_open(txn, DB_USERS, MDB_CREATE | MDB_DUPSORT, &dbi, why,
	    whysz)) != 0 ||
	    (r = dbi_open(txn, DB_USAGE, MDB_CREATE, &dbi, why, whysz)) != 0)
		goto out;
	if ((r = random_buf(key, sizeof(key))) != 0)
		goto out;
	schema[0] = (unsigned char)(STORE_SCHEMA >> 24);
	schema[1] = (unsigned char)(STORE_SCHEMA >> 16);
	schema[2] = (unsigned char)(STORE_SCHEMA >> 8);
	schema[3] = (unsigned char)STORE_SCHEMA;
	k = str_val(META_SCHEMA);
	v = val(schema, sizeof(schema));
	if ((rc = mdb_put(txn, meta, &k, &v, 0)) == 0) {
		k = str_val(META_PREFIX);
		v = str_val(prefix);
		rc = mdb_put(txn, meta, &k, &v, 0);
	}
	if (rc == 0) {
		k = str_val(META_KEY);
		v = val(key, sizeof(key));
		rc = mdb_put(txn, meta, &k, &v, 0);
	}
	if (rc != 0) {
		r = map_rc(why, whysz, "mdb_put", rc);
		goto out;
	}
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		r = map_rc(why, whysz, "mdb_txn_commit", rc);
		goto out;
	}
	sync_parent(path);
	r = 0;
 out:
	explicit_bzero(key, sizeof(key));
	if (txn != NULL)
		mdb_txn_abort(txn);
	if (env != NULL)
		mdb_env_close(env);
	if (r != 0) {
		if (made_lock)
			(void)unlink(lock);
		if (made_db)
			(void)unlink(path);
		if (made_dir != NULL)
			(void)rmdir(made_dir);
	}
	free(made_dir);
	free(lock);
	return r;
}

/*
 * A read txn.  A map smaller than what a writer has committed since the
 * open (MDB_MAP_RESIZED) is remapped to the file's size and the begin
 * tried once more, but only while no txn of ours is open: remapping moves
 * what its pointers point into.
 */
static int
rd_txn_begin(struct store *st, MDB_txn **txn)
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

static int
get_meta(MDB_txn *txn, MDB_dbi meta, const char *name, MDB_val *v,
    char *why, size_t whysz)
{
	MDB_val k = str_val(name);
	int rc;

	if ((rc = mdb_get(txn, meta, &k, v)) != 0) {
		if (rc == MDB_NOTFOUND) {
			set_why(why, whysz, "no \"%s\" in meta: not an "
			    "apitoken store", name);
			return ATK_ERR_CORRUPT;
		}
		return map_rc(why, whysz, name, rc);
	}
	return 0;
}

/*
 * Read the meta database and open the others.  The schema is checked
 * before anything else is read, so a newer layout is never misread.
 */
static int
load_meta(struct store *st, char *why, size_t whysz)
{
	const unsigned char *s;
	MDB_txn *txn = NULL;
	MDB_val v;
	uint32_t schema;
	int rc, r;

	if ((rc = rd_txn_begin(st, &txn)) != 0)
		return map_rc(why, whysz, "mdb_txn_begin", rc);
	if ((r = dbi_open(txn, DB_META, 0, &st->meta, why, whysz)) != 0 ||
	    (r = get_meta(txn, st->meta, META_SCHEMA, &v, why, whysz)) != 0)
		goto out;
	if (v.mv_size != STORE_SCHEMA_BYTES) {
		set_why(why, whysz, "bad schema entry");
		r = ATK_ERR_CORRUPT;
		goto out;
	}
	s = v.mv_data;
	schema = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 |
	    (uint32_t)s[2] << 8 | s[3];
	if (schema != STORE_SCHEMA) {
		set_why(why, whysz, "store schema %lu, this program knows %u",
		    (unsigned long)schema, STORE_SCHEMA);
		r = ATK_ERR_SCHEMA;
		goto out;
	}
	if ((r = get_meta(txn, st->meta, META_PREFIX, &v, why, whysz)) != 0)
		goto out;
	if (v.mv_size == 0 || v.mv_size > TOKEN_PREFIX_MAX) {
		set_why(why, whysz, "bad prefix entry");
		r = ATK_ERR_CORRUPT;
		goto out;
	}
	memcpy(st->prefix, v.mv_data, v.mv_size);
	st->prefix[v.mv_size] = '\0';
	if (!token_prefix_valid(st->prefix)) {
		set_why(why, whysz, "bad prefix entry");
		r = ATK_ERR_CORRUPT;
		goto out;
	}
	if ((r = get_meta(txn, st->meta, META_KEY, &v, why, whysz)) != 0)
		goto out;
	if (v.mv_size != STORE_KEY_BYTES) {
		set_why(why, whysz, "bad key entry");
		r = ATK_ERR_CORRUPT;
		goto out;
	}
	memcpy(st->key, v.mv_data, STORE_KEY_BYTES);
	if ((r = dbi_open(txn, DB_TOKENS, 0, &st->tokens, why, whysz)) != 0 ||
	    (r = dbi_open(txn, DB_NAMES, 0, &st->names, why, whysz)) != 0 ||
	    (r = dbi_open(txn, DB_DIGESTS, 0, &st->digests, why,
	    whysz)) != 0 ||
	    (r = dbi_open(txn, DB_USERS, MDB_DUPSORT, &st->users, why,
	    whysz)) != 0 ||
	    (r = dbi_open(txn, DB_USAGE, 0, &st->usage, why, whysz)) != 0)
		goto out;
	/* Committing a read txn keeps the database handles open. */
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0)
		r = map_rc(why, whysz, "mdb_txn_commit", rc);
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
		return map_rc(why, whysz, "mdb_env_info", rc);
	if (fstat(fd, &sb) != 0) {
		set_why(why, whysz, "fstat: %s", strerror(errno));
		return ATK_ERR_SYSTEM;
	}
	if (sb.st_dev != checked->st_dev || sb.st_ino != checked->st_ino) {
		set_why(why, whysz, "%s: replaced while being opened", path);
		return ATK_ERR_UNSAFE;
	}
	if (sb.st_size < 0 || ((uint64_t)info.me_last_pgno + 1) *
	    ms.ms_psize > (uint64_t)sb.st_size) {
		set_why(why, whysz, "store file is truncated");
		return ATK_ERR_CORRUPT;
	}
	return 0;
}

int
store_open(const char *path, int flags, struct store **stp)
{
	return store_open_why(path, flags, stp, NULL, 0);
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
	int dead, fd, lock_there = 0, made_lock = 0, r;

	*stp = NULL;
	/*
	 * Never let LMDB turn a missing or empty file into a new store.  The
	 * check took the file's own stat (not a link, or it would have
	 * failed): what LMDB opens is compared with it below.
	 */
	if (flags & STORE_CHECK_SAFE) {
		if ((r = check_resolved(path, real, geteuid(), known, &sb,
		    &lock_there, why, whysz)) != 0)
			return r;
	} else if (stat(real, &sb) != 0) {
		set_why(why, whysz, "%s: %s", real, strerror(errno));
		return errno == ENOENT ? ATK_ERR_NOTFOUND : ATK_ERR_SYSTEM;
	}
	if (!S_ISREG(sb.st_mode)) {
		set_why(why, whysz, "%s: not a regular file", real);
		return ATK_ERR_UNSAFE;
	}
	if (sb.st_size == 0) {
		set_why(why, whysz, "%s: empty file", real);
		return ATK_ERR_CORRUPT;
	}
	/*
	 * LMDB would create a missing lock file under the umask: make it
	 * 0600 first.  One that is there is left alone (a reader must not
	 * touch it), and an error here is LMDB's to report.  The check has
	 * just seen whether it is there.
	 */
	if ((r = lock_path(real, &lock)) != 0)
		return r;
	if (!lock_there && (fd = open(lock, O_RDWR | O_CREAT | O_EXCL |
	    O_NOFOLLOW | O_CLOEXEC, STORE_MODE)) >= 0) {
		made_lock = 1;
		(void)fchmod(fd, STORE_MODE);
		(void)close(fd);
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	st->flags = flags;
	if ((st->path = strdup(path)) == NULL) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	if ((r = env_open(real, (flags & STORE_RDONLY) != 0,
	    (flags & STORE_RDONLY) ? (size_t)sb.st_size : 0, &st->env, why,
	    whysz)) != 0 ||
	    (r = check_opened(st, real, &sb, why, whysz)) != 0 ||
	    (r = load_meta(st, why, whysz)) != 0)
		goto out;
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

	r = resolve(path, geteuid(), 0, &now, &gen, NULL, NULL, 0) == 0 &&
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
store_open_why(const char *path, int flags, struct store **stp, char *why,
    size_t whysz)
{
	struct stat sb;
	char *real = NULL;
	uint64_t gen;
	int tries, r;

	*stp = NULL;
	set_why(why, whysz, "%s", "");
	if (path == NULL || path[0] == '\0')
		return ATK_ERR_INVAL;
	for (tries = 1; ; tries++) {
		if ((r = resolve(path, geteuid(), flags & STORE_CHECK_SAFE,
		    &real, &gen, &sb, why, whysz)) != 0 ||
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
	if (st->spare != NULL)
		mdb_txn_abort(st->spare);
	if (st->env != NULL)
		mdb_env_close(st->env);
	mac_clear(&st->mac);
	free(st->path);
	explicit_bzero(st, sizeof(*st));
	free(st);
}

const char *
store_prefix(const struct store *st)
{
	return st->prefix;
}

const char *
store_errstr(const struct store *st)
{
	return st->why;
}

int
store_get_key(struct store *st, unsigned char *out)
{
	memcpy(out, st->key, STORE_KEY_BYTES);
	return 0;
}

/* --- transactions --------------------------------------------------------- */

/*
 * 1 if the file this store has open is still the one its path leads to,
 * 0 if a restore --atomic swapped another in (or the path is gone).
 */
static int
current(struct store *st)
{
	struct stat now, sb;
	mdb_filehandle_t fd;
	char *real = NULL;
	uint64_t gen;
	int rc, r;

	if ((rc = mdb_env_get_fd(st->env, &fd)) != 0)
		return st_rc(st, "mdb_env_get_fd", rc);
	if (fstat(fd, &sb) != 0) {
		set_why(st->why, sizeof(st->why), "fstat: %s",
		    strerror(errno));
		return ATK_ERR_SYSTEM;
	}
	if ((r = resolve(st->path, geteuid(), 0, &real, &gen, NULL,
	    NULL, 0)) != 0)
		return r == ATK_ERR_NOTFOUND ? 0 : r;
	r = stat(real, &now) == 0 && now.st_dev == sb.st_dev &&
	    now.st_ino == sb.st_ino;
	free(real);
	return r;
}

/* Open the store at st's path again, into the same struct store. */
static int
reopen(struct store *st)
{
	struct store *nst = NULL;
	char why[STORE_WHY_MAX];
	int r;

	if ((r = store_open_why(st->path, st->flags, &nst, why,
	    sizeof(why))) != 0) {
		memcpy(st->why, why, sizeof(st->why));
		return r;
	}
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
begin_write(struct store *st, MDB_txn **txnp)
{
	int tries, rc, r;

	for (tries = 1; ; tries++) {
		if ((rc = mdb_txn_begin(st->env, NULL, 0, txnp)) != 0) {
			*txnp = NULL;
			return st_rc(st, "mdb_txn_begin", rc);
		}
		if ((r = current(st)) == 1)
			return 0;
		mdb_txn_abort(*txnp);
		*txnp = NULL;
		if (r < 0)
			return r;
		if (tries == STORE_SWAP_TRIES) {
			set_why(st->why, sizeof(st->why), "%s: replaced %d "
			    "times while waiting to write", st->path, tries);
			return ATK_ERR_STORE;
		}
		/* Reopening would pull the map from under a txn of ours. */
		if (st->ntxn != 0) {
			set_why(st->why, sizeof(st->why), "%s: replaced while "
			    "a transaction on it was open", st->path);
			return ATK_ERR_STORE;
		}
		if ((r = reopen(st)) != 0)
			return r;
	}
}

int
store_txn_begin(struct store *st, int rdonly, struct store_txn **tp)
{
	struct store_txn *t;
	int rc, r;

	*tp = NULL;
	if (!rdonly && (st->flags & STORE_RDONLY))
		return ATK_ERR_INVAL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return ATK_ERR_NOMEM;
	t->st = st;
	t->rdonly = rdonly != 0;
	if (t->rdonly && st->spare != NULL) {
		t->txn = st->spare;
		st->spare = NULL;
		if ((rc = mdb_txn_renew(t->txn)) == MDB_MAP_RESIZED) {
			/* Grown since the open: a fresh txn remaps. */
			mdb_txn_abort(t->txn);
			rc = rd_txn_begin(st, &t->txn);
		} else if (rc != 0)
			mdb_txn_abort(t->txn);
		if (rc != 0) {
			free(t);
			return st_rc(st, "mdb_txn_renew", rc);
		}
	} else if (t->rdonly && (rc = rd_txn_begin(st, &t->txn)) != 0) {
		free(t);
		return st_rc(st, "mdb_txn_begin", rc);
	} else if (!t->rdonly && (r = begin_write(st, &t->txn)) != 0) {
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
	st->keyed = 0;		/* Keyed again on next use. */
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
store_txn_commit(struct store_txn *t)
{
	struct store *st = t->st;
	int rc;

	if (t->rdonly) {
		store_txn_abort(t);
		return 0;
	}
	if ((rc = mdb_txn_commit(t->txn)) != 0) {
		undo_reset(t);
		txn_free(t);
		return st_rc(st, "mdb_txn_commit", rc);
	}
	txn_free(t);
	return 0;
}

/* --- records -------------------------------------------------------------- */

static int
get_id(struct store_txn *t, MDB_dbi dbi, MDB_val *k, unsigned char *id)
{
	MDB_val v;
	int rc;

	if ((rc = mdb_get(t->txn, dbi, k, &v)) != 0)
		return st_rc(t->st, "mdb_get", rc);
	if (v.mv_size != TOKEN_ID_BYTES) {
		set_why(t->st->why, sizeof(t->st->why), "bad index entry");
		return ATK_ERR_CORRUPT;
	}
	memcpy(id, v.mv_data, TOKEN_ID_BYTES);
	return 0;
}

int
store_get(struct store_txn *t, const unsigned char *id, struct record *rec)
{
	MDB_val k = val(id, TOKEN_ID_BYTES), v;
	int rc, r;

	memset(rec, 0, sizeof(*rec));
	if ((rc = mdb_get(t->txn, t->st->tokens, &k, &v)) != 0)
		return st_rc(t->st, "mdb_get", rc);
	if ((r = record_decode(v.mv_data, v.mv_size, rec)) != 0)
		return r;
	if (memcmp(rec->id, id, TOKEN_ID_BYTES) != 0) {
		record_free(rec);
		return ATK_ERR_CORRUPT;
	}
	return 0;
}

int
store_find(struct store_txn *t, const char *text, struct record *rec)
{
	unsigned char id[TOKEN_ID_BYTES];
	MDB_val k;
	int r;

	memset(rec, 0, sizeof(*rec));
	if (text == NULL)
		return ATK_ERR_INVAL;
	if (token_id_parse(text, id) == 0 &&
	    (r = store_get(t, id, rec)) != ATK_ERR_NOTFOUND)
		return r;
	if (!record_name_valid(text))
		return ATK_ERR_NOTFOUND;
	k = str_val(text);
	if ((r = get_id(t, t->st->names, &k, id)) != 0)
		return r;
	/* A name that leads nowhere is a broken index. */
	if ((r = store_get(t, id, rec)) == ATK_ERR_NOTFOUND)
		r = ATK_ERR_CORRUPT;
	return r;
}

/* 1 if dbi maps k to id, 0 if it maps it elsewhere or not at all. */
static int
maps_to(struct store_txn *t, MDB_dbi dbi, MDB_val *k, const unsigned char *id)
{
	unsigned char cur[TOKEN_ID_BYTES];
	int r;

	if ((r = get_id(t, dbi, k, cur)) == ATK_ERR_NOTFOUND)
		return 0;
	if (r != 0)
		return r;
	return memcmp(cur, id, TOKEN_ID_BYTES) == 0;
}

/* ATK_ERR_EXISTS if dbi maps k to another id than id, else 0. */
static int
taken(struct store_txn *t, MDB_dbi dbi, MDB_val *k, const unsigned char *id)
{
	unsigned char cur[TOKEN_ID_BYTES];
	int r;

	if ((r = get_id(t, dbi, k, cur)) == ATK_ERR_NOTFOUND)
		return 0;
	if (r != 0)
		return r;
	return memcmp(cur, id, TOKEN_ID_BYTES) == 0 ? 0 : ATK_ERR_EXISTS;
}

static int
put(struct store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v,
    unsigned int fl)
{
	int rc;

	if ((rc = mdb_put(t->txn, dbi, k, v, fl)) != 0) {
		/* Already there and already ours: nothing to do. */
		if (rc == MDB_KEYEXIST && (fl & MDB_NODUPDATA))
			return 0;
		return st_rc(t->st, "mdb_put", rc);
	}
	return 0;
}

static int
del(struct store_txn *t, MDB_dbi dbi, MDB_val *k, MDB_val *v)
{
	int rc;

	if ((rc = mdb_del(t->txn, dbi, k, v)) != 0 && rc != MDB_NOTFOUND)
		return st_rc(t->st, "mdb_del", rc);
	return 0;
}

/* The digests a record holds in the index: its own, and its old one. */
static int
digest_kept(const struct record *rec, const unsigned char *d)
{
	if (rec == NULL)
		return 0;
	if (rec->imported && mac_equal(rec->verifier, d,
	    RECORD_VERIFIER_BYTES))
		return 1;
	return rec->old_until != 0 && mac_equal(rec->old_verifier, d,
	    RECORD_VERIFIER_BYTES);
}

/*
 * Remove the index entries of old that rec (NULL on delete) does not keep.
 */
static int
unindex(struct store_txn *t, const struct record *old,
    const struct record *rec)
{
	unsigned char ukey[USER_KEY_BYTES];
	MDB_val k, v;
	const unsigned char *ds[2];
	int r;

	if (rec == NULL || strcmp(old->name, rec->name) != 0) {
		k = str_val(old->name);
		if ((r = maps_to(t, t->st->names, &k, old->id)) < 0)
			return r;
		if (r == 1 && (r = del(t, t->st->names, &k, NULL)) != 0)
			return r;
	}
	if (rec == NULL || strcmp(old->user, rec->user) != 0) {
		if ((r = user_key(t->st, old->user, ukey)) != 0)
			return r;
		k = val(ukey, sizeof(ukey));
		v = val(old->id, TOKEN_ID_BYTES);
		if ((r = del(t, t->st->users, &k, &v)) != 0)
			return r;
	}
	ds[0] = old->verifier;
	ds[1] = old->old_until != 0 ? old->old_verifier : NULL;
	for (size_t i = 0; i < 2; i++) {
		if (ds[i] == NULL || digest_kept(rec, ds[i]))
			continue;
		k = val(ds[i], RECORD_VERIFIER_BYTES);
		if ((r = maps_to(t, t->st->digests, &k, old->id)) < 0)
			return r;
		if (r == 1 && (r = del(t, t->st->digests, &k, NULL)) != 0)
			return r;
	}
	return 0;
}

/*
 * Claim a unique key for id with MDB_NOOVERWRITE: one walk down the tree
 * instead of a look and a put.  *claimed says whether this call added it
 * (it may already be id's own).
 */
static int
claim(struct store_txn *t, MDB_dbi dbi, MDB_val *k, const unsigned char *id,
    int *claimed)
{
	MDB_val v = val(id, TOKEN_ID_BYTES);
	int rc;

	*claimed = 0;
	if ((rc = mdb_put(t->txn, dbi, k, &v, MDB_NOOVERWRITE)) == 0) {
		*claimed = 1;
		return 0;
	}
	if (rc != MDB_KEYEXIST)
		return st_rc(t->st, "mdb_put", rc);
	/* v now holds the id the key belongs to. */
	if (v.mv_size == TOKEN_ID_BYTES &&
	    memcmp(v.mv_data, id, TOKEN_ID_BYTES) == 0)
		return 0;
	return ATK_ERR_EXISTS;
}

/*
 * A new record (the create and bulk restore path): name, digest and id
 * claimed in turn, and what was claimed handed back when a later one is
 * taken, so a refused insert leaves the txn as it was.
 */
static int
insert_new(struct store_txn *t, const struct record *rec,
    const unsigned char *enc, size_t enclen)
{
	unsigned char ukey[USER_KEY_BYTES];
	MDB_val kn, kd, k, v;
	int got_name = 0, got_digest = 0, r;

	kn = str_val(rec->name);
	kd = val(rec->verifier, RECORD_VERIFIER_BYTES);
	if ((r = claim(t, t->st->names, &kn, rec->id, &got_name)) != 0)
		goto undo;
	if (rec->imported && (r = claim(t, t->st->digests, &kd, rec->id,
	    &got_digest)) != 0)
		goto undo;
	k = val(rec->id, TOKEN_ID_BYTES);
	v = val(enc, enclen);
	if ((r = put(t, t->st->tokens, &k, &v, MDB_NOOVERWRITE)) != 0)
		goto undo;
	if ((r = user_key(t->st, rec->user, ukey)) != 0)
		return r;
	k = val(ukey, sizeof(ukey));
	v = val(rec->id, TOKEN_ID_BYTES);
	return put(t, t->st->users, &k, &v, MDB_NODUPDATA);
 undo:
	if (got_digest)
		(void)mdb_del(t->txn, t->st->digests, &kd, NULL);
	if (got_name)
		(void)mdb_del(t->txn, t->st->names, &kn, NULL);
	return r;
}

int
store_put(struct store_txn *t, const struct record *rec, int replace)
{
	struct record old;
	unsigned char ukey[USER_KEY_BYTES], *enc = NULL;
	size_t enclen;
	MDB_val k, v;
	int have_old = 0, r;

	memset(&old, 0, sizeof(old));
	if (t->rdonly)
		return ATK_ERR_INVAL;
	if ((r = record_encode(rec, &enc, &enclen)) != 0)
		return r;
	if (!replace) {
		r = insert_new(t, rec, enc, enclen);
		goto out;
	}
	if ((r = store_get(t, rec->id, &old)) == 0)
		have_old = 1;
	else if (r != ATK_ERR_NOTFOUND)
		goto out;
	/* Every conflict is found before anything is written. */
	k = str_val(rec->name);
	if ((r = taken(t, t->st->names, &k, rec->id)) != 0)
		goto out;
	if (rec->imported) {
		k = val(rec->verifier, RECORD_VERIFIER_BYTES);
		if ((r = taken(t, t->st->digests, &k, rec->id)) != 0)
			goto out;
	}
	k = val(rec->id, TOKEN_ID_BYTES);
	v = val(enc, enclen);
	if ((r = put(t, t->st->tokens, &k, &v, 0)) != 0)
		goto out;
	if (have_old && (r = unindex(t, &old, rec)) != 0)
		goto out;
	k = str_val(rec->name);
	v = val(rec->id, TOKEN_ID_BYTES);
	if ((r = put(t, t->st->names, &k, &v, 0)) != 0)
		goto out;
	if ((r = user_key(t->st, rec->user, ukey)) != 0)
		goto out;
	k = val(ukey, sizeof(ukey));
	if ((r = put(t, t->st->users, &k, &v, MDB_NODUPDATA)) != 0)
		goto out;
	if (rec->imported) {
		k = val(rec->verifier, RECORD_VERIFIER_BYTES);
		if ((r = put(t, t->st->digests, &k, &v, 0)) != 0)
			goto out;
	}
	r = 0;
 out:
	record_free(&old);
	free(enc);
	return r;
}

int
store_delete(struct store_txn *t, const unsigned char *id)
{
	struct record old;
	MDB_val k;
	int r;

	if (t->rdonly)
		return ATK_ERR_INVAL;
	if ((r = store_get(t, id, &old)) != 0)
		return r;
	if ((r = unindex(t, &old, NULL)) != 0)
		goto out;
	k = val(id, TOKEN_ID_BYTES);
	if ((r = del(t, t->st->usage, &k, NULL)) != 0 ||
	    (r = del(t, t->st->tokens, &k, NULL)) != 0)
		goto out;
 out:
	record_free(&old);
	return r;
}

int
store_foreach(struct store_txn *t, int (*cb)(const struct record *, void *),
    void *arg)
{
	MDB_cursor *cur = NULL;
	struct record rec;
	MDB_val k, v;
	int rc, r;

	if ((rc = mdb_cursor_open(t->txn, t->st->tokens, &cur)) != 0)
		return st_rc(t->st, "mdb_cursor_open", rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if ((r = record_decode(v.mv_data, v.mv_size, &rec)) != 0)
			goto out;
		if (k.mv_size != TOKEN_ID_BYTES ||
		    memcmp(k.mv_data, rec.id, TOKEN_ID_BYTES) != 0) {
			record_free(&rec);
			r = ATK_ERR_CORRUPT;
			goto out;
		}
		r = cb(&rec, arg);
		record_free(&rec);
		if (r != 0)
			goto out;
	}
	r = rc == MDB_NOTFOUND ? 0 : st_rc(t->st, "mdb_cursor_get", rc);
 out:
	mdb_cursor_close(cur);
	return r;
}

int
store_lookup_digest(struct store_txn *t, const unsigned char *digest,
    unsigned char *id)
{
	MDB_val k = val(digest, STORE_DIGEST_BYTES);

	memset(id, 0, TOKEN_ID_BYTES);
	return get_id(t, t->st->digests, &k, id);
}

/*
 * The entry of dbi with key (n bytes) or, when there is none, the entry
 * before where it would be (the first entry when every key sorts after
 * it); *found says which.  ATK_ERR_NOTFOUND only for an empty dbi.
 *
 * For verify_token(), which must cost the same for an id the store holds
 * and one it does not: a lookup of the key itself stops at the entry on a
 * hit, but on a miss now and then runs off the end of a leaf page and
 * steps to the next one (SECURITY.md, "Timing").  Here the cursor is set
 * at the gap just after the key (the key and a 0 byte sorts after the key
 * and before every other key) and stepped back over one entry: a present
 * and an absent key both walk down to a gap between two keys, cross a page
 * boundary as often, and land on a real entry of a real record.
 *
 * At the ends of the key order the walk has no neighbour on one side: a
 * key above every key finds no gap and must go to the last entry, one
 * below every key finds no entry to step back to and takes the first, the
 * one the gap search found.  Every lookup makes the same three moves, a
 * gap search, a step and a walk to the last entry (taken, or made only to
 * cost the same), so that an id outside the stored range is not the one
 * lookup in N that takes an extra walk down the tree: timing would
 * otherwise find the smallest and largest stored ids by bisection
 * (ct_verify's "ends" pair: max |t| 126 before, SECURITY.md).
 */
static int
get_near(struct store_txn *t, MDB_dbi dbi, const unsigned char *key,
    size_t n, MDB_val *k, MDB_val *v, int *found)
{
	unsigned char gap[NEAR_KEY_MAX + 1];
	MDB_cursor *cur = NULL;
	MDB_val k1, v1, dk, dv;
	int rc, rc2;

	*found = 0;
	if (n > NEAR_KEY_MAX)
		return ATK_ERR_INVAL;
	memcpy(gap, key, n);
	gap[n] = 0;
	*k = val(gap, n + 1);
	if ((rc = mdb_cursor_open(t->txn, dbi, &cur)) != 0)
		return st_rc(t->st, "mdb_cursor_open", rc);
	/* What the cursor returns points into the map, not the cursor. */
	rc = mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
	if (rc == 0) {
		k1 = *k;
		v1 = *v;
		rc = mdb_cursor_get(cur, k, v, MDB_PREV);
		if (rc == MDB_NOTFOUND) {
			*k = k1;
			*v = v1;
			rc = 0;
		}
		rc2 = mdb_cursor_get(cur, &dk, &dv, MDB_LAST);
	} else if (rc == MDB_NOTFOUND) {
		rc = mdb_cursor_get(cur, k, v, MDB_LAST);
		rc2 = rc == 0 ? mdb_cursor_get(cur, &dk, &dv, MDB_PREV) : 0;
	} else
		rc2 = 0;
	if (rc == 0 && rc2 != 0 && rc2 != MDB_NOTFOUND)
		rc = rc2;
	mdb_cursor_close(cur);
	if (rc != 0)
		return st_rc(t->st, "mdb_cursor_get", rc);
	/* Not secret, but a comparison stopping early would tell how near. */
	*found = k->mv_size == n && mac_equal(k->mv_data, key, n);
	return 0;
}

int
store_get_near(struct store_txn *t, const unsigned char *id,
    struct record *rec, int *found)
{
	MDB_val k, v;
	int r;

	memset(rec, 0, sizeof(*rec));
	if ((r = get_near(t, t->st->tokens, id, TOKEN_ID_BYTES, &k, &v,
	    found)) != 0)
		return r;
	if (k.mv_size != TOKEN_ID_BYTES) {
		*found = 0;
		set_why(t->st->why, sizeof(t->st->why), "bad record key");
		return ATK_ERR_CORRUPT;
	}
	if ((r = record_decode(v.mv_data, v.mv_size, rec)) != 0 ||
	    memcmp(rec->id, k.mv_data, TOKEN_ID_BYTES) != 0) {
		record_free(rec);
		*found = 0;
		return r != 0 ? r : ATK_ERR_CORRUPT;
	}
	return 0;
}

int
store_lookup_digest_near(struct store_txn *t, const unsigned char *digest,
    unsigned char *id, int *found)
{
	MDB_val k, v;
	int r;

	memset(id, 0, TOKEN_ID_BYTES);
	if ((r = get_near(t, t->st->digests, digest, STORE_DIGEST_BYTES, &k,
	    &v, found)) != 0)
		return r;
	if (v.mv_size != TOKEN_ID_BYTES) {
		*found = 0;
		set_why(t->st->why, sizeof(t->st->why), "bad index entry");
		return ATK_ERR_CORRUPT;
	}
	memcpy(id, v.mv_data, TOKEN_ID_BYTES);
	return 0;
}

int
store_user_has_tokens(struct store_txn *t, const char *user)
{
	unsigned char ukey[USER_KEY_BYTES];
	MDB_cursor *cur = NULL;
	struct record rec;
	MDB_val k, v;
	int rc, r;

	if (user == NULL || user[0] == '\0')
		return 0;
	if ((r = user_key(t->st, user, ukey)) != 0)
		return r;
	if ((rc = mdb_cursor_open(t->txn, t->st->users, &cur)) != 0)
		return st_rc(t->st, "mdb_cursor_open", rc);
	k = val(ukey, sizeof(ukey));
	/* Every token under this key, until one is really the user's. */
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_DUP)) {
		if (v.mv_size != TOKEN_ID_BYTES) {
			r = ATK_ERR_CORRUPT;
			goto out;
		}
		if ((r = store_get(t, v.mv_data, &rec)) != 0) {
			if (r == ATK_ERR_NOTFOUND)
				r = ATK_ERR_CORRUPT;
			goto out;
		}
		r = strcmp(rec.user, user) == 0;
		record_free(&rec);
		if (r == 1)
			goto out;
	}
	r = rc == MDB_NOTFOUND ? 0 : st_rc(t->st, "mdb_cursor_get", rc);
 out:
	mdb_cursor_close(cur);
	return r;
}

int
store_touch(struct store_txn *t, const unsigned char *id, int64_t when,
    const char *from)
{
	unsigned char buf[USAGE_HEAD + USAGE_HOST_MAX];
	uint64_t u = (uint64_t)when;
	size_t n = from == NULL ? 0 : strnlen(from, USAGE_HOST_MAX + 1);
	MDB_val k, v;
	int i;

	if (t->rdonly || n > USAGE_HOST_MAX || when < 0)
		return ATK_ERR_INVAL;
	buf[0] = USAGE_VERSION;
	for (i = 0; i < 8; i++)
		buf[1 + i] = (unsigned char)(u >> (56 - 8 * i));
	if (n > 0)
		memcpy(buf + USAGE_HEAD, from, n);
	k = val(id, TOKEN_ID_BYTES);
	v = val(buf, USAGE_HEAD + n);
	return put(t, t->st->usage, &k, &v, 0);
}

int
store_usage(struct store_txn *t, const unsigned char *id, int64_t *when,
    char **from)
{
	const unsigned char *p;
	MDB_val k = val(id, TOKEN_ID_BYTES), v;
	uint64_t u = 0;
	size_t n;
	int rc, i;

	*when = 0;
	*from = NULL;
	if ((rc = mdb_get(t->txn, t->st->usage, &k, &v)) == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return st_rc(t->st, "mdb_get", rc);
	p = v.mv_data;
	if (v.mv_size < 1)
		return ATK_ERR_CORRUPT;
	if (p[0] > USAGE_VERSION)
		return ATK_ERR_SCHEMA;
	if (p[0] != USAGE_VERSION || v.mv_size < USAGE_HEAD ||
	    v.mv_size > USAGE_HEAD + USAGE_HOST_MAX)
		return ATK_ERR_CORRUPT;
	n = v.mv_size - USAGE_HEAD;
	if (memchr(p + USAGE_HEAD, '\0', n) != NULL)
		return ATK_ERR_CORRUPT;
	for (i = 0; i < 8; i++)
		u = u << 8 | p[1 + i];
	if (u > INT64_MAX)
		return ATK_ERR_CORRUPT;
	if ((*from = malloc(n + 1)) == NULL)
		return ATK_ERR_NOMEM;
	memcpy(*from, p + USAGE_HEAD, n);
	(*from)[n] = '\0';
	*when = (int64_t)u;
	return 0;
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
			return st_rc(st, "mdb_drop", rc);
	k = str_val(META_PREFIX);
	v = str_val(prefix);
	if ((rc = mdb_put(t->txn, st->meta, &k, &v, 0)) != 0)
		return st_rc(st, "mdb_put", rc);
	k = str_val(META_KEY);
	v = val(key, STORE_KEY_BYTES);
	if ((rc = mdb_put(t->txn, st->meta, &k, &v, 0)) != 0)
		return st_rc(st, "mdb_put", rc);
	/* Verifiers made in this txn use the new key at once. */
	memcpy(t->old_prefix, st->prefix, sizeof(t->old_prefix));
	memcpy(t->old_key, st->key, sizeof(t->old_key));
	t->reset = 1;
	memcpy(st->prefix, prefix, strlen(prefix) + 1);
	memcpy(st->key, key, STORE_KEY_BYTES);
	st->keyed = 0;		/* Keyed again on next use. */
	return 0;
}

/* --- restore --atomic: generations ---------------------------------------- */

struct store_gen {
	char		*path;		/* The store's name: becomes the link. */
	char		*name;		/* "<base>.g<N>", the new generation. */
	char		*genpath;	/* The same beside path. */
	int		 dirfd;		/* flock()ed: one restore at a time. */
	uint64_t	 cur;		/* Generation path led to, 0: none. */
	uint64_t	 next;		/* The new one. */
	struct store	*old;		/* The store replaced; NULL: none. */
	struct store	*st;		/* The new one, for the caller to fill. */
};

/*
 * Remove what restore --atomic left beside the store at g->path, except
 * generations keep1 and keep2 (0: none): generations and temporary links
 * first, then lock files, so a lock is never made again for a generation
 * that is still there; then the plain store's own lock when path is a
 * link.  Names that fail to go are left for the next restore.
 */
static void
gen_clean(struct store_gen *g, uint64_t keep1, uint64_t keep2)
{
	const char *base = base_name(g->path);
	struct dirent *de;
	enum gen_kind kind;
	uint64_t n;
	char *lock;
	DIR *d;
	int fd, pass;

	if ((fd = dup(g->dirfd)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return;
	}
	for (pass = 0; pass < 2; pass++) {
		rewinddir(d);
		while ((de = readdir(d)) != NULL) {
			if (gen_parse(de->d_name, base, &n, &kind) != 0 ||
			    n == keep1 || n == keep2 ||
			    (kind == GEN_LOCK) != (pass == 1))
				continue;
			(void)unlinkat(g->dirfd, de->d_name, 0);
		}
	}
	(void)closedir(d);
	if (keep1 != 0 && asprintf(&lock, "%s%s", base,
	    STORE_LOCK_SUFFIX) != -1) {
		(void)unlinkat(g->dirfd, lock, 0);
		free(lock);
	}
}

/*
 * The generation path leads to (0: a plain file or nothing), the one
 * before it (the largest below it, kept for readers that resolved it a
 * moment ago) and the largest number in use, lock files included.
 */
static void
gen_scan(struct store_gen *g, uint64_t *prev, uint64_t *max)
{
	const char *base = base_name(g->path);
	struct dirent *de;
	enum gen_kind kind;
	uint64_t n;
	DIR *d;
	int fd;

	*prev = *max = 0;
	if ((fd = dup(g->dirfd)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		(void)close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (gen_parse(de->d_name, base, &n, &kind) != 0)
			continue;
		if (n > *max)
			*max = n;
		if (kind == GEN_DATA && n < g->cur && n > *prev)
			*prev = n;
	}
	(void)closedir(d);
}

void
store_gen_abort(struct store_gen *g)
{
	char *lock;

	if (g == NULL)
		return;
	store_close(g->st);
	store_close(g->old);
	if (g->name != NULL) {
		(void)unlinkat(g->dirfd, g->name, 0);
		if (asprintf(&lock, "%s%s", g->name, STORE_LOCK_SUFFIX) !=
		    -1) {
			(void)unlinkat(g->dirfd, lock, 0);
			free(lock);
		}
	}
	if (g->dirfd != -1)
		(void)close(g->dirfd);
	free(g->genpath);
	free(g->name);
	free(g->path);
	free(g);
}

int
store_gen_begin(const char *path, int flags, const char *prefix,
    struct store_gen **gp, struct store **stp, char *why, size_t whysz)
{
	struct store_gen *g;
	struct stat sb;
	char *dir = NULL, *real = NULL, *lock = NULL;
	uint64_t prev, max;
	int r;

	*gp = NULL;
	*stp = NULL;
	set_why(why, whysz, "%s", "");
	if (path == NULL || *base_name(path) == '\0' ||
	    (flags & STORE_RDONLY))
		return ATK_ERR_INVAL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return ATK_ERR_NOMEM;
	g->dirfd = -1;
	if ((g->path = strdup(path)) == NULL ||
	    (r = sibling(path, ".", &dir)) != 0) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	if ((g->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		set_why(why, whysz, "%s: %s", dir, strerror(errno));
		r = errno == ENOENT ? ATK_ERR_NOTFOUND : ATK_ERR_SYSTEM;
		goto out;
	}
	/* Released on close, or by the kernel when the process dies. */
	if (flock(g->dirfd, LOCK_EX) == -1) {
		set_why(why, whysz, "%s: flock: %s", dir, strerror(errno));
		r = ATK_ERR_SYSTEM;
		goto out;
	}
	/* The store replaced must open as any command would open it. */
	if (lstat(path, &sb) == 0) {
		if ((r = store_open_why(path, flags, &g->old, why,
		    whysz)) != 0 ||
		    (r = resolve(path, geteuid(), 0, &real, &g->cur, NULL, why,
		    whysz)) != 0)
			goto out;
	} else if (errno != ENOENT) {
		set_why(why, whysz, "%s: %s", path, strerror(errno));
		r = ATK_ERR_SYSTEM;
		goto out;
	}
	/* What a restore killed earlier left behind. */
	gen_scan(g, &prev, &max);
	gen_clean(g, g->cur, prev);
	if (max >= STORE_GEN_MAX) {
		set_why(why, whysz, "%s: no generation number left", path);
		r = ATK_ERR_RANGE;
		goto out;
	}
	g->next = max + 1;
	if (asprintf(&g->name, "%s%s%llu", base_name(path), STORE_GEN_MARK,
	    (unsigned long long)g->next) == -1) {
		g->name = NULL;
		r = ATK_ERR_NOMEM;
		goto out;
	}
	if ((r = sibling(path, g->name, &g->genpath)) != 0 ||
	    (r = lock_path(g->genpath, &lock)) != 0)
		goto out;
	(void)unlink(lock);
	if ((r = store_init_why(g->genpath, prefix, why, whysz)) != 0) {
		/* Not ours to remove: someone else's file by that name. */
		if (r == ATK_ERR_EXISTS) {
			free(g->name);
			g->name = NULL;
		}
		goto out;
	}
	if ((r = store_open_why(g->genpath, flags, &g->st, why,
	    whysz)) != 0)
		goto out;
	*stp = g->st;
	*gp = g;
	g = NULL;
 out:
	store_gen_abort(g);
	free(lock);
	free(real);
	free(dir);
	return r;
}

/*
 * This host's "usage" rows of the ids the new store has: last used is a
 * fact of this host, not of the export.
 */
static int
carry_usage(struct store_txn *from, struct store_txn *to)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v, rec;
	int rc, r = 0;

	if ((rc = mdb_cursor_open(from->txn, from->st->usage, &cur)) != 0)
		return st_rc(from->st, "mdb_cursor_open", rc);
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		if (k.mv_size != TOKEN_ID_BYTES)
			continue;
		if ((rc = mdb_get(to->txn, to->st->tokens, &k, &rec)) ==
		    MDB_NOTFOUND)
			continue;
		if (rc != 0 || (rc = mdb_put(to->txn, to->st->usage, &k, &v,
		    0)) != 0)
			break;
	}
	if (rc != MDB_NOTFOUND)
		r = st_rc(to->st, "usage", rc);
	mdb_cursor_close(cur);
	return r;
}

/*
 * The swap.  The old store's write lock is held from before the usage is
 * carried until after the rename: no write to the old store is lost, and
 * a writer that waited for the lock finds the path moved (begin_write)
 * and writes into the new store.
 */
int
store_gen_commit(struct store_gen *g, char *why, size_t whysz)
{
	struct store_txn *ot = NULL, *nt = NULL;
	char *tmp = NULL;
	int r;

	set_why(why, whysz, "%s", "");
	if (g->old != NULL) {
		if ((r = store_txn_begin(g->old, 0, &ot)) != 0) {
			set_why(why, whysz, "%s", store_errstr(g->old));
			goto out;
		}
		if ((r = store_txn_begin(g->st, 0, &nt)) == 0 &&
		    (r = carry_usage(ot, nt)) == 0) {
			r = store_txn_commit(nt);
			nt = NULL;
		}
		if (r != 0) {
			set_why(why, whysz, "%s", store_errstr(g->st));
			goto out;
		}
	}
	if (asprintf(&tmp, "%s%s", g->name, STORE_LINK_SUFFIX) == -1) {
		tmp = NULL;
		r = ATK_ERR_NOMEM;
		goto out;
	}
	(void)unlinkat(g->dirfd, tmp, 0);
	if (symlinkat(g->name, g->dirfd, tmp) == -1 ||
	    renameat(g->dirfd, tmp, g->dirfd, base_name(g->path)) == -1) {
		set_why(why, whysz, "%s: %s", g->path, strerror(errno));
		r = ATK_ERR_SYSTEM;
		(void)unlinkat(g->dirfd, tmp, 0);
		goto out;
	}
	/* From here on the new store is the store: no way back. */
	free(g->name);
	g->name = NULL;
	if (fsync(g->dirfd) == -1) {
		set_why(why, whysz, "%s: fsync: %s", g->path,
		    strerror(errno));
		r = ATK_ERR_SYSTEM;
		goto out;
	}
	store_txn_abort(ot);
	ot = NULL;
	store_close(g->old);
	g->old = NULL;
	store_close(g->st);
	g->st = NULL;
	gen_clean(g, g->next, g->cur);
	r = 0;
 out:
	store_txn_abort(nt);
	store_txn_abort(ot);
	free(tmp);
	store_gen_abort(g);
	return r;
}
