/*
 * restore --atomic: a new generation of the store beside the old one,
 * filled by the caller and swapped in by one rename of a link.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "store.h"
#include "store_int.h"

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
	const char *base = store_base_name(g->path);
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
			if (store_gen_parse(de->d_name, base, &n, &kind) != 0 ||
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
	const char *base = store_base_name(g->path);
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
		if (store_gen_parse(de->d_name, base, &n, &kind) != 0)
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
	store_set_why(why, whysz, "%s", "");
	if (path == NULL || *store_base_name(path) == '\0' ||
	    (flags & STORE_RDONLY))
		return ATK_ERR_INVAL;
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return ATK_ERR_NOMEM;
	g->dirfd = -1;
	if ((g->path = strdup(path)) == NULL ||
	    (r = store_sibling(path, ".", &dir)) != 0) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	if ((g->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) ==
	    -1) {
		store_set_why(why, whysz, "%s: %s", dir, strerror(errno));
		r = errno == ENOENT ? ATK_ERR_NOTFOUND : ATK_ERR_SYSTEM;
		goto out;
	}
	/* Released on close, or by the kernel when the process dies. */
	if (flock(g->dirfd, LOCK_EX) == -1) {
		store_set_why(why, whysz, "%s: flock: %s", dir,
		    strerror(errno));
		r = ATK_ERR_SYSTEM;
		goto out;
	}
	/* The store replaced must open as any command would open it. */
	if (lstat(path, &sb) == 0) {
		if ((r = store_open(path, flags, &g->old, why,
		    whysz)) != 0 ||
		    (r = store_resolve(path, geteuid(), 0, &real, &g->cur, NULL,
		    why, whysz)) != 0)
			goto out;
	} else if (errno != ENOENT) {
		store_set_why(why, whysz, "%s: %s", path, strerror(errno));
		r = ATK_ERR_SYSTEM;
		goto out;
	}
	/* What a restore killed earlier left behind. */
	gen_scan(g, &prev, &max);
	gen_clean(g, g->cur, prev);
	if (max >= STORE_GEN_MAX) {
		store_set_why(why, whysz, "%s: no generation number left",
		    path);
		r = ATK_ERR_RANGE;
		goto out;
	}
	g->next = max + 1;
	if (asprintf(&g->name, "%s%s%llu", store_base_name(path),
	    STORE_GEN_MARK, (unsigned long long)g->next) == -1) {
		g->name = NULL;
		r = ATK_ERR_NOMEM;
		goto out;
	}
	if ((r = store_sibling(path, g->name, &g->genpath)) != 0 ||
	    (r = store_lock_path(g->genpath, &lock)) != 0)
		goto out;
	(void)unlink(lock);
	if ((r = store_init(g->genpath, prefix, why, whysz)) != 0) {
		/* Not ours to remove: someone else's file by that name. */
		if (r == ATK_ERR_EXISTS) {
			free(g->name);
			g->name = NULL;
		}
		goto out;
	}
	if ((r = store_open(g->genpath, flags, &g->st, why,
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
 * fact of this host, not of the export.  The settings the new store does
 * not set are carried too (store_settings_carry()).
 */
static int
carry_usage(struct store_txn *from, struct store_txn *to, char *why,
    size_t whysz)
{
	MDB_cursor *cur = NULL;
	MDB_val k, v, rec;
	int rc, r = 0;

	if ((rc = mdb_cursor_open(from->txn, from->st->usage, &cur)) != 0)
		return store_map_rc(why, whysz, "usage", rc);
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
		r = store_map_rc(why, whysz, "usage", rc);
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

	store_set_why(why, whysz, "%s", "");
	if (g->old != NULL) {
		if ((r = store_txn_begin(g->old, 0, &ot, why, whysz)) != 0 ||
		    (r = store_txn_begin(g->st, 0, &nt, why, whysz)) != 0 ||
		    (r = carry_usage(ot, nt, why, whysz)) != 0)
			goto out;
		/* Where it publishes, say: the export does not say. */
		if ((r = store_settings_carry(ot, nt)) != 0) {
			store_set_why(why, whysz, "%s", "settings");
			goto out;
		}
		r = store_txn_commit(nt, why, whysz);
		nt = NULL;
		if (r != 0)
			goto out;
	}
	if (asprintf(&tmp, "%s%s", g->name, STORE_LINK_SUFFIX) == -1) {
		tmp = NULL;
		r = ATK_ERR_NOMEM;
		goto out;
	}
	(void)unlinkat(g->dirfd, tmp, 0);
	if (symlinkat(g->name, g->dirfd, tmp) == -1 ||
	    renameat(g->dirfd, tmp, g->dirfd, store_base_name(g->path)) == -1) {
		store_set_why(why, whysz, "%s: %s", g->path, strerror(errno));
		r = ATK_ERR_SYSTEM;
		(void)unlinkat(g->dirfd, tmp, 0);
		goto out;
	}
	/* From here on the new store is the store: no way back. */
	free(g->name);
	g->name = NULL;
	if (fsync(g->dirfd) == -1) {
		store_set_why(why, whysz, "%s: fsync: %s", g->path,
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
