/*
 * The store's files: the safety rules of SPEC section 4 on a path and its
 * directories, and the names of the files beside a store (its lock, the
 * generations of restore --atomic and the link to one).
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "number.h"
#include "store.h"
#include "store_int.h"

static int
owner_ok(const struct stat *sb, uid_t uid)
{
	return sb->st_uid == 0 || sb->st_uid == uid;
}

/*
 * A directory nobody but root or uid can change entries in.  A link is
 * left to the walk of the real path, and said so in *link.  A root-owned
 * sticky directory writable by all (/tmp) lets others add names but not
 * touch root's or uid's: fine on the way, but not as the holder, the
 * directory the store is in, where the store's lock file and generations
 * are made by name: a name someone else took first would be theirs.
 */
static int
check_dir(const char *dir, int holder, uid_t uid, int *link, char *why,
    size_t whysz)
{
	struct stat sb;

	if (lstat(dir, &sb) != 0) {
		store_set_why(why, whysz, "%s: %s", dir, strerror(errno));
		return errno == ENOENT ? ATK_ERR_NOTFOUND : ATK_ERR_SYSTEM;
	}
	if (S_ISLNK(sb.st_mode)) {
		*link = 1;
		return 0;
	}
	if (!S_ISDIR(sb.st_mode)) {
		store_set_why(why, whysz, "%s: not a directory", dir);
		return ATK_ERR_UNSAFE;
	}
	if (!owner_ok(&sb, uid)) {
		store_set_why(why, whysz, "%s: owned by uid %lu", dir,
		    (unsigned long)sb.st_uid);
		return ATK_ERR_UNSAFE;
	}
	if ((sb.st_mode & (S_IWGRP | S_IWOTH)) == 0)
		return 0;
	if (sb.st_uid == 0 && (sb.st_mode & S_ISVTX) != 0) {
		if (!holder)
			return 0;
		store_set_why(why, whysz, "%s: sticky but writable by others: "
		    "they could make the store's lock or generation files "
		    "there first", dir);
		return ATK_ERR_UNSAFE;
	}
	store_set_why(why, whysz, "%s: writable by group or others", dir);
	return ATK_ERR_UNSAFE;
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
 * absolute path), dir as the store's holder.  *canonical is set when no
 * component was a link, "." or "..": then dir is already its own real
 * path (bar repeated slashes), and its walk is the walk of the real path
 * too.
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
	if ((r = check_dir("/", p[1] == '\0', uid, &link, why, whysz)) != 0)
		goto out;
	if (dot_part(p + 1))
		link = 1;
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		if (s[-1] != '/') {
			/* The last one, bar trailing slashes: the holder. */
			int last = s[strspn(s, "/")] == '\0';
			char c = *s;

			*s = '\0';
			r = check_dir(p, last, uid, &link, why, whysz);
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

/*
 * A regular file, not a link, ours or root's, that nobody else may write
 * or read (SPEC section 4): the store holds the key of its verifiers.  Its
 * lock file is held to the same rules.
 */
int
store_file_ok(const char *path, const struct stat *sb, uid_t uid, char *why,
    size_t whysz)
{
	if (S_ISLNK(sb->st_mode)) {
		store_set_why(why, whysz, "%s: is a symbolic link", path);
		return ATK_ERR_UNSAFE;
	}
	if (!S_ISREG(sb->st_mode)) {
		store_set_why(why, whysz, "%s: not a regular file", path);
		return ATK_ERR_UNSAFE;
	}
	if (!owner_ok(sb, uid)) {
		store_set_why(why, whysz, "%s: owned by uid %lu", path,
		    (unsigned long)sb->st_uid);
		return ATK_ERR_UNSAFE;
	}
	if ((sb->st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		store_set_why(why, whysz, "%s: writable by group or others",
		    path);
		return ATK_ERR_UNSAFE;
	}
	if ((sb->st_mode & (S_IRGRP | S_IROTH)) != 0) {
		store_set_why(why, whysz, "%s: readable by group or others: "
		    "chmod 600 it", path);
		return ATK_ERR_UNSAFE;
	}
	return 0;
}

/*
 * store_file_ok() on what lstat() says of path, kept in *sb.  When
 * missing_ok, a missing file is fine and leaves st_mode 0 in *sb.
 */
int
store_check_file(const char *path, uid_t uid, int missing_ok,
    struct stat *sb, char *why, size_t whysz)
{
	if (lstat(path, sb) != 0) {
		if (errno == ENOENT && missing_ok) {
			sb->st_mode = 0;
			return 0;
		}
		store_set_why(why, whysz, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? ATK_ERR_NOTFOUND : ATK_ERR_SYSTEM;
	}
	return store_file_ok(path, sb, uid, why, whysz);
}

int
store_lock_path(const char *path, char **out)
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
const char *
store_base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash == NULL ? path : slash + 1;
}

/* path with its last component replaced by name. */
int
store_sibling(const char *path, const char *name, char **out)
{
	size_t n = (size_t)(store_base_name(path) - path), m = strlen(name);

	if ((*out = malloc(n + m + 1)) == NULL)
		return ATK_ERR_NOMEM;
	memcpy(*out, path, n);
	memcpy(*out + n, name, m + 1);
	return 0;
}

/*
 * Is name "<base>.g<N>" (a generation), its "-lock" or its "-link"?  N is
 * 1 to STORE_GEN_MAX in plain decimal: one spelling per number.
 */
int
store_gen_parse(const char *name, const char *base, uint64_t *n,
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
int
store_resolve(const char *path, uid_t uid, int strict, char **real,
    uint64_t *gen, struct stat *psb, char *why, size_t whysz)
{
	char target[PATH_MAX];
	struct stat own, *sbp = psb != NULL ? psb : &own;
	enum gen_kind kind;
	ssize_t len;

	*real = NULL;
	*gen = 0;
	if (lstat(path, sbp) != 0) {
		store_set_why(why, whysz, "%s: %s", path, strerror(errno));
		return errno == ENOENT ? ATK_ERR_NOTFOUND : ATK_ERR_SYSTEM;
	}
	if (!S_ISLNK(sbp->st_mode))
		goto plain;
	if ((len = readlink(path, target, sizeof(target) - 1)) < 0) {
		store_set_why(why, whysz, "%s: %s", path, strerror(errno));
		return ATK_ERR_SYSTEM;
	}
	target[len] = '\0';
	if (!owner_ok(sbp, uid) ||
	    store_gen_parse(target, store_base_name(path), gen, &kind) != 0 ||
	    kind != GEN_DATA) {
		*gen = 0;
		if (!strict)
			goto plain;
		store_set_why(why, whysz, "%s: is a symbolic link", path);
		return ATK_ERR_UNSAFE;
	}
	return store_sibling(path, target, real);
 plain:
	if ((*real = strdup(path)) == NULL)
		return ATK_ERR_NOMEM;
	return 0;
}

/*
 * store_check_path() on a path already resolved: the file real and its
 * lock, and the directories of path (real is in the same one).  known,
 * when not NULL, is what lstat() said of path a moment ago (store_resolve()):
 * if path is the file itself, that stat is checked rather than taken
 * again.  What the file's stat was is left in *filesb, and whether its
 * lock file is there in *lock_there.
 */
int
store_check_resolved(const char *path, const char *real, uid_t uid,
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
			store_set_why(why, whysz, "getcwd: %s",
			    strerror(errno));
			return ATK_ERR_SYSTEM;
		}
		n = strlen(cwd) + 1 + strlen(path) + 1;
		if ((abs = malloc(n)) == NULL)
			return ATK_ERR_NOMEM;
		/* Sized above: cannot be cut short. */
		(void)snprintf(abs, n, "%s/%s", cwd, path);
	}
	/* In the same directory: only the last component differs. */
	if ((r = store_sibling(abs, store_base_name(real), &file)) != 0)
		goto out;
	if (known != NULL && !S_ISLNK(known->st_mode) &&
	    strcmp(path, real) == 0) {
		*filesb = *known;
		r = store_file_ok(file, filesb, uid, why, whysz);
	} else
		r = store_check_file(file, uid, 0, filesb, why, whysz);
	if (r != 0)
		goto out;
	if ((r = store_lock_path(file, &lock)) != 0 ||
	    (r = store_check_file(lock, uid, 1, &locksb, why,
	    whysz)) != 0)
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
		store_set_why(why, whysz, "%s: %s", dir, strerror(errno));
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

	store_set_why(why, whysz, "%s", "");
	if (path == NULL || path[0] == '\0')
		return ATK_ERR_INVAL;
	if ((r = store_resolve(path, uid, 1, &real, &gen, &sb, why,
	    whysz)) == 0)
		r = store_check_resolved(path, real, uid, &sb, &filesb,
		    &lock_there, why, whysz);
	free(real);
	return r;
}
