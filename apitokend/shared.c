/*
 * The store, opened once and shared by the workers.
 *
 * LMDB allows one environment per file per process (STYLE.md), shared by
 * every thread with MDB_NOTLS; each request runs its own short read txn
 * in it.  A read lock covers a request's use of the store; replacing the
 * store (a restore --atomic swapped a new generation in, or an earlier
 * open failed) takes the write lock, so no txn is open while it happens.
 * Writers are preferred, so a steady stream of requests cannot hold a
 * swap off.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "apitokend.h"
#include "error.h"
#include "store.h"

/* A store swapped again while we reopened it: give up after this many. */
#define REOPEN_TRIES	3

struct shared {
	pthread_rwlock_t	 lock;
	char			*path;
	struct store		*st;	/* NULL after a failed reopen. */
	atomic_int		 rdonly;	/* st could only be read. */
};

/*
 * Read-write, for last_used.  A store the daemon cannot write (on a file
 * system mounted read-only, say) but can read, after the same checks, is
 * served all the same, without last_used; a missing, unsafe or damaged
 * one is not opened either way.
 */
static int
open_store(struct shared *sh, struct store **stp, char *why, size_t whysz)
{
	char rwwhy[WHY_MAX] = "";
	int r;

	*stp = NULL;
	if ((r = store_open(sh->path, STORE_CHECK_SAFE, stp, rwwhy,
	    sizeof(rwwhy))) == 0) {
		atomic_store(&sh->rdonly, 0);
		return 0;
	}
	if ((r == ATK_ERR_SYSTEM || r == ATK_ERR_STORE) &&
	    store_open(sh->path, STORE_CHECK_SAFE | STORE_RDONLY, stp, NULL,
	    0) == 0) {
		if (!atomic_exchange(&sh->rdonly, 1))
			logmsg(LOG_WARNING, "store %s opened read-only (%s): "
			    "last use is not recorded", sh->path, rwwhy);
		return 0;
	}
	if (why != NULL && whysz > 0)
		snprintf(why, whysz, "%s", rwwhy);
	return r;
}

int
shared_rdonly(struct shared *sh)
{
	return atomic_load(&sh->rdonly);
}

/* With the write lock held. */
static int
reopen(struct shared *sh, char *why, size_t whysz)
{
	struct store *st = NULL;
	int r;

	if (sh->st != NULL && store_current(sh->st, why, whysz) == 1)
		return 0;		/* Another thread did it. */
	store_close(sh->st);
	sh->st = NULL;
	if ((r = open_store(sh, &st, why, whysz)) != 0)
		return r;
	sh->st = st;
	logmsg(LOG_NOTICE, "store %s opened again (replaced since the last "
	    "request)", sh->path);
	return 0;
}

int
shared_open(const char *path, struct shared **shp, char *why, size_t whysz)
{
	pthread_rwlockattr_t attr;
	struct shared *sh;
	int r;

	*shp = NULL;
	if ((sh = calloc(1, sizeof(*sh))) == NULL ||
	    (sh->path = strdup(path)) == NULL) {
		free(sh);
		return ATK_ERR_NOMEM;
	}
	/*
	 * A store not made yet ("apitoken init" after the package) is no
	 * reason not to start: until it is there every request is answered
	 * "error", which the module turns into PAM_AUTHINFO_UNAVAIL.  An
	 * unsafe or damaged one is.
	 */
	r = open_store(sh, &sh->st, why, whysz);
	if (r == ATK_ERR_NOTFOUND)
		logmsg(LOG_WARNING, "store %s: %s: waiting for it to be made "
		    "(apitoken init)", path, why[0] != '\0' ? why :
		    atk_strerror(r));
	else if (r != 0) {
		free(sh->path);
		free(sh);
		return r;
	}
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
	    PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&sh->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	*shp = sh;
	return 0;
}

int
shared_acquire(struct shared *sh, struct store **stp, char *why,
    size_t whysz)
{
	int tries, r;

	*stp = NULL;
	for (tries = 0; tries < REOPEN_TRIES; tries++) {
		pthread_rwlock_rdlock(&sh->lock);
		if (sh->st != NULL &&
		    (r = store_current(sh->st, why, whysz)) == 1) {
			*stp = sh->st;
			return 0;
		}
		pthread_rwlock_unlock(&sh->lock);
		pthread_rwlock_wrlock(&sh->lock);
		r = reopen(sh, why, whysz);
		pthread_rwlock_unlock(&sh->lock);
		if (r != 0)
			return r;
	}
	if (why != NULL && whysz > 0)
		snprintf(why, whysz, "%s: replaced %d times while opening it",
		    sh->path, tries);
	return ATK_ERR_STORE;
}

int
shared_swap(struct shared *sh, int (*fn)(void *), void *arg)
{
	int r;

	pthread_rwlock_wrlock(&sh->lock);
	store_close(sh->st);
	sh->st = NULL;
	r = fn(arg);
	pthread_rwlock_unlock(&sh->lock);
	return r;
}

void
shared_release(struct shared *sh)
{
	pthread_rwlock_unlock(&sh->lock);
}

void
shared_close(struct shared *sh)
{
	if (sh == NULL)
		return;
	store_close(sh->st);
	pthread_rwlock_destroy(&sh->lock);
	free(sh->path);
	free(sh);
}
