/*
 * Making a new store: its directory when missing, its file and lock file
 * 0600 whatever the umask, and its databases and meta entries.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "random.h"
#include "store.h"
#include "store_int.h"
#include "token.h"

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
		store_set_why(why, whysz, "%s: %s", path, strerror(errno));
		return errno == EEXIST ? ATK_ERR_EXISTS : ATK_ERR_SYSTEM;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		store_set_why(why, whysz, "%s: not a regular file", path);
		r = ATK_ERR_UNSAFE;
	} else if (fchmod(fd, STORE_MODE) != 0) {
		store_set_why(why, whysz, "%s: %s", path, strerror(errno));
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
			store_set_why(why, whysz, "%s: %s is not a directory",
			    path, dir);
			r = ATK_ERR_UNSAFE;
		}
		goto out;
	}
	if (errno != ENOENT) {
		store_set_why(why, whysz, "%s: %s: %s", path, dir,
		    strerror(errno));
		r = ATK_ERR_SYSTEM;
		goto out;
	}
	/* Missing, or a link that leads nowhere: mkdir never follows it. */
	if (mkdir(dir, STORE_DIR_MODE) != 0) {
		if (errno == EEXIST && lstat(dir, &sb) == 0) {
			/* Made by someone else meanwhile: not ours. */
			if (S_ISDIR(sb.st_mode))
				goto out;
			store_set_why(why, whysz, "%s: %s is %s", path, dir,
			    S_ISLNK(sb.st_mode) ? "a symbolic link" :
			    "not a directory");
			r = ATK_ERR_UNSAFE;
		} else {
			e = errno;
			store_set_why(why, whysz,
			    "%s: cannot create directory %s: %s", path, dir,
			    strerror(e));
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
		store_set_why(why, whysz, "%s: %s: %s", path, dir, strerror(e));
		r = e == ELOOP || e == ENOTDIR ? ATK_ERR_UNSAFE :
		    ATK_ERR_SYSTEM;
		/* Not ours to remove any more. */
		if (r == ATK_ERR_UNSAFE)
			goto out;
	} else {
		if (fchmod(fd, STORE_DIR_MODE) != 0) {
			store_set_why(why, whysz, "%s: %s: %s", path, dir,
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

int
store_init(const char *path, const char *prefix, char *why, size_t whysz)
{
	return store_init_settings(path, prefix, NULL, why, whysz);
}

int
store_init_settings(const char *path, const char *prefix,
    const char *const *settings, char *why, size_t whysz)
{
	unsigned char key[STORE_KEY_BYTES], schema[STORE_SCHEMA_BYTES];
	MDB_env *env = NULL;
	MDB_txn *txn = NULL;
	MDB_dbi meta, dbi;
	MDB_val k, v;
	char *lock = NULL, *made_dir = NULL;
	int made_db = 0, made_lock = 0, rc, r;

	store_set_why(why, whysz, "%s", "");
	if (prefix == NULL)
		prefix = TOKEN_PREFIX_DEFAULT;
	if (path == NULL || path[0] == '\0' || !token_prefix_valid(prefix))
		return ATK_ERR_INVAL;
	if ((r = store_lock_path(path, &lock)) != 0)
		return r;
	if ((r = make_dir(path, &made_dir, why, whysz)) != 0 ||
	    (r = create_private(path, 1, &made_db, why, whysz)) != 0 ||
	    (r = create_private(lock, 0, &made_lock, why, whysz)) != 0 ||
	    (r = store_env_open(path, 0, 0, &env, why, whysz)) != 0)
		goto out;
	if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0) {
		r = store_map_rc(why, whysz, "mdb_txn_begin", rc);
		goto out;
	}
	if ((r = store_dbi_open(txn, DB_META, MDB_CREATE, &meta, why,
	    whysz)) != 0 ||
	    (r = store_dbi_open(txn, DB_TOKENS, MDB_CREATE, &dbi, why,
	    whysz)) != 0 ||
	    (r = store_dbi_open(txn, DB_NAMES, MDB_CREATE, &dbi, why,
	    whysz)) != 0 ||
	    (r = store_dbi_open(txn, DB_DIGESTS, MDB_CREATE, &dbi, why,
	    whysz)) != 0 ||
	    (r = store_dbi_open(txn, DB_USERS, MDB_CREATE | MDB_DUPSORT, &dbi,
	    why, whysz)) != 0 ||
	    (r = store_dbi_open(txn, DB_USAGE, MDB_CREATE, &dbi, why,
	    whysz)) != 0)
		goto out;
	if ((r = random_buf(key, sizeof(key))) != 0)
		goto out;
	schema[0] = (unsigned char)(STORE_SCHEMA >> 24);
	schema[1] = (unsigned char)(STORE_SCHEMA >> 16);
	schema[2] = (unsigned char)(STORE_SCHEMA >> 8);
	schema[3] = (unsigned char)STORE_SCHEMA;
	k = store_str_val(META_SCHEMA);
	v = store_val(schema, sizeof(schema));
	if ((rc = mdb_put(txn, meta, &k, &v, 0)) == 0) {
		k = store_str_val(META_PREFIX);
		v = store_str_val(prefix);
		rc = mdb_put(txn, meta, &k, &v, 0);
	}
	if (rc == 0) {
		k = store_str_val(META_KEY);
		v = store_val(key, sizeof(key));
		rc = mdb_put(txn, meta, &k, &v, 0);
	}
	if (rc != 0) {
		r = store_map_rc(why, whysz, "mdb_put", rc);
		goto out;
	}
	for (; settings != NULL && settings[0] != NULL; settings += 2)
		if ((r = store_meta_setting_put(txn, meta, settings[0],
		    settings[1])) != 0)
			goto out;
	rc = mdb_txn_commit(txn);
	txn = NULL;
	if (rc != 0) {
		r = store_map_rc(why, whysz, "mdb_txn_commit", rc);
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
