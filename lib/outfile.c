/*
 * Output files written to a temporary name and renamed on success, or,
 * where the file system and /proc allow, to an unnamed file (O_TMPFILE)
 * given its name by linkat(2) on success: a process killed by any signal,
 * SIGKILL included, then leaves nothing behind.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "outfile.h"
#include "random.h"

#define OUTFILE_MODE	0600
#define OUTFILE_TRIES	16	/* Temporary names tried before giving up. */
#define OUTFILE_RANDOM	6	/* Random bytes in a temporary name. */
#define OUTFILE_TMPFMT	"%.*s.%s.%s.tmp" /* Directory, base, random hex. */
#define OUTFILE_FDPATH	"/proc/self/fd/%d"
#define FDPATH_BUFSZ	32

struct outfile {
	int	fd;
	int	force;
	char	*path;		/* Final name; NULL for standard output. */
	char	*tmp;		/* Temporary name; NULL for an unnamed file. */
};

static void
free_outfile(struct outfile *of)
{
	int saved = errno;

	if (of == NULL)
		return;
	free(of->path);
	free(of->tmp);
	free(of);
	errno = saved;
}

/* A fresh name beside path: "dir/.base.RANDOM.tmp". */
static int
tmp_name(const char *path, char **out)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char rnd[OUTFILE_RANDOM];
	char rhex[2 * OUTFILE_RANDOM + 1];
	const char *base = strrchr(path, '/');
	int dirlen, n, r;

	*out = NULL;
	base = base == NULL ? path : base + 1;
	dirlen = (int)(base - path);
	if ((r = random_buf(rnd, sizeof(rnd))) != 0)
		return r;
	for (size_t i = 0; i < sizeof(rnd); i++) {
		rhex[2 * i] = hex[rnd[i] >> 4];
		rhex[2 * i + 1] = hex[rnd[i] & 0x0f];
	}
	rhex[sizeof(rhex) - 1] = '\0';
	n = snprintf(NULL, 0, OUTFILE_TMPFMT, dirlen, path, base, rhex);
	if (n < 0)
		return ATK_ERR_SYSTEM;
	if ((*out = malloc((size_t)n + 1)) == NULL)
		return ATK_ERR_NOMEM;
	if (snprintf(*out, (size_t)n + 1, OUTFILE_TMPFMT, dirlen, path, base,
	    rhex) != n) {
		free(*out);
		*out = NULL;
		return ATK_ERR_SYSTEM;
	}
	return 0;
}

/*
 * An unnamed file in path's directory, or -1 where there can be none (a
 * file system without O_TMPFILE, no /proc for linkat() to name it by).
 */
static int
open_unnamed(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd, saved = errno;

	if (access("/proc/self/fd", X_OK) != 0) {
		errno = saved;
		return -1;
	}
	if (slash == NULL)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (dir == NULL) {
		errno = saved;
		return -1;
	}
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, OUTFILE_MODE);
	free(dir);
	errno = saved;
	return fd;
}

int
outfile_open(const char *path, int force, struct outfile **ofp)
{
	struct outfile *of = NULL;
	struct stat st;
	int r = 0;

	*ofp = NULL;
	if ((of = calloc(1, sizeof(*of))) == NULL)
		return ATK_ERR_NOMEM;
	of->fd = -1;
	of->force = force;
	if (strcmp(path, OUTFILE_STDOUT) == 0) {
		of->fd = STDOUT_FILENO;
		goto done;
	}
	if (*path == '\0' || path[strlen(path) - 1] == '/') {
		errno = EISDIR;
		r = ATK_ERR_SYSTEM;
		goto out;
	}
	if (lstat(path, &st) == 0) {
		if (!force) {
			r = ATK_ERR_EXISTS;
			goto out;
		}
		if (S_ISDIR(st.st_mode)) {
			errno = EISDIR;
			r = ATK_ERR_SYSTEM;
			goto out;
		}
	} else if (errno != ENOENT) {
		r = ATK_ERR_SYSTEM;
		goto out;
	}
	if ((of->path = strdup(path)) == NULL) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	if ((of->fd = open_unnamed(path)) >= 0)
		goto done;
	for (int i = 0; i < OUTFILE_TRIES; i++) {
		free(of->tmp);
		if ((r = tmp_name(path, &of->tmp)) != 0)
			goto out;
		of->fd = open(of->tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, OUTFILE_MODE);
		if (of->fd >= 0 || errno != EEXIST)
			break;
	}
	if (of->fd < 0) {
		r = ATK_ERR_SYSTEM;
		goto out;
	}
done:
	*ofp = of;
	of = NULL;
out:
	free_outfile(of);
	return r;
}

int
outfile_write(struct outfile *of, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(of->fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return ATK_ERR_SYSTEM;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * Names the unnamed file path; forced over an existing file, by way of a
 * temporary name renamed over it.
 */
static int
install_unnamed(struct outfile *of, int fd)
{
	char fdpath[FDPATH_BUFSZ];
	int r;

	(void)snprintf(fdpath, sizeof(fdpath), OUTFILE_FDPATH, fd);
	if (linkat(AT_FDCWD, fdpath, AT_FDCWD, of->path,
	    AT_SYMLINK_FOLLOW) == 0)
		return 0;
	if (errno != EEXIST)
		return ATK_ERR_SYSTEM;
	if (!of->force)
		return ATK_ERR_EXISTS;
	for (int i = 0; i < OUTFILE_TRIES; i++) {
		free(of->tmp);
		if ((r = tmp_name(of->path, &of->tmp)) != 0)
			return r;
		if (linkat(AT_FDCWD, fdpath, AT_FDCWD, of->tmp,
		    AT_SYMLINK_FOLLOW) == 0)
			return rename(of->tmp, of->path) == 0 ? 0 :
			    ATK_ERR_SYSTEM;
		if (errno != EEXIST)
			break;
	}
	free(of->tmp);
	of->tmp = NULL;
	return ATK_ERR_SYSTEM;
}

/* Renames tmp to path, refusing to replace a file unless forced. */
static int
install(const struct outfile *of)
{
	if (of->force)
		return rename(of->tmp, of->path) == 0 ? 0 : ATK_ERR_SYSTEM;
	if (renameat2(AT_FDCWD, of->tmp, AT_FDCWD, of->path,
	    RENAME_NOREPLACE) == 0)
		return 0;
	/* File systems without RENAME_NOREPLACE: link(2) refuses too. */
	if (errno != EINVAL && errno != ENOSYS)
		return errno == EEXIST ? ATK_ERR_EXISTS : ATK_ERR_SYSTEM;
	if (link(of->tmp, of->path) != 0)
		return errno == EEXIST ? ATK_ERR_EXISTS : ATK_ERR_SYSTEM;
	(void)unlink(of->tmp);
	return 0;
}

int
outfile_commit(struct outfile *of)
{
	int r = 0, fd = of->fd;

	of->fd = -1;
	if (of->path == NULL) {
		/* Standard output: a failing close is a failed write. */
		if (close(fd) != 0)
			r = ATK_ERR_SYSTEM;
		free_outfile(of);
		return r;
	}
	if (fsync(fd) != 0) {
		r = ATK_ERR_SYSTEM;
		(void)close(fd);
		goto out;
	}
	if (of->tmp == NULL) {
		r = install_unnamed(of, fd);
		if (close(fd) != 0 && r == 0)
			r = ATK_ERR_SYSTEM;
		goto out;
	}
	if (close(fd) != 0) {
		r = ATK_ERR_SYSTEM;
		goto out;
	}
	r = install(of);
out:
	if (r != 0 && of->tmp != NULL) {
		int saved = errno;

		(void)unlink(of->tmp);
		errno = saved;
	}
	free_outfile(of);
	return r;
}

void
outfile_abort(struct outfile *of)
{
	int saved = errno;

	if (of == NULL)
		return;
	if (of->path != NULL) {
		if (of->fd >= 0)
			(void)close(of->fd);
		if (of->tmp != NULL)
			(void)unlink(of->tmp);
	}
	free_outfile(of);
	errno = saved;
}
