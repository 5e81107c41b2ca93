/*
 * last_used, in batches.  A login's use is noted in memory (a mutex and a
 * copy, nothing more); a writer thread commits what is pending in one
 * LMDB write txn at most once a USAGE_PERIOD, and once more on stop.  So
 * a burst of logins costs one write, and no worker ever waits on LMDB's
 * writer lock, which root's own apitoken commands may hold.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "apitokend.h"
#include "error.h"
#include "store.h"
#include "token.h"

#define USAGE_PERIOD	1	/* Seconds between writes, at least. */
#define USAGE_MAX	4096	/* Distinct tokens pending at once. */
#define RHOST_MAX	1024	/* store_touch()'s limit. */

struct use {
	unsigned char	 id[TOKEN_ID_BYTES];
	int64_t		 when;
	char		*from;
};

struct usage {
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	pthread_t	 thread;
	struct shared	*shared;
	int		 stop;
	size_t		 n;
	unsigned long	 dropped;	/* Since the last write. */
	struct use	 pending[USAGE_MAX];
};

static void
uses_free(struct use *u, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(u[i].from);
}

/* Write the uses in one txn; a failure is logged, the uses let go. */
static void
write_uses(struct usage *us, struct use *u, size_t n)
{
	struct store *st;
	struct store_txn *txn = NULL;
	char why[WHY_MAX] = "", id[TOKEN_ID_BUFSZ];
	size_t i;
	int r;

	if ((r = shared_acquire(us->shared, &st, why, sizeof(why))) != 0)
		goto out;
	if ((r = store_txn_begin(st, 0, &txn, why, sizeof(why))) == 0) {
		for (i = 0; i < n && r == 0; i++) {
			r = store_touch(txn, u[i].id, u[i].when, u[i].from);
			/* A token deleted since its login: nothing to note. */
			if (r == ATK_ERR_NOTFOUND)
				r = 0;
		}
		if (r == 0)
			r = store_txn_commit(txn, why, sizeof(why));
		else
			store_txn_abort(txn);
	}
	shared_release(us->shared);
 out:
	if (r != 0) {
		token_id_format(u[0].id, id);
		logmsg(LOG_WARNING, "last use of %zu token(s) (%s...) not "
		    "recorded: %s%s%s", n, id, atk_strerror(r),
		    why[0] != '\0' ? ": " : "", why);
	}
}

static void *
writer(void *arg)
{
	struct usage *us = arg;
	struct use *batch;
	struct timespec until;
	unsigned long dropped;
	size_t n;
	int stop;

	if ((batch = calloc(USAGE_MAX, sizeof(*batch))) == NULL) {
		logmsg(LOG_ERR, "last_used: out of memory: not recorded");
		return NULL;
	}
	pthread_mutex_lock(&us->lock);
	for (;;) {
		while (us->n == 0 && !us->stop)
			pthread_cond_wait(&us->wake, &us->lock);
		stop = us->stop;
		n = us->n;
		memcpy(batch, us->pending, n * sizeof(*batch));
		us->n = 0;
		dropped = us->dropped;
		us->dropped = 0;
		pthread_mutex_unlock(&us->lock);
		if (dropped > 0)
			logmsg(LOG_WARNING, "last use of %lu login(s) not "
			    "recorded: too many at once", dropped);
		if (n > 0)
			write_uses(us, batch, n);
		uses_free(batch, n);
		if (stop)
			break;
		/* At most one write a period, however many logins. */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += USAGE_PERIOD;
		pthread_mutex_lock(&us->lock);
		while (!us->stop && pthread_cond_timedwait(&us->wake,
		    &us->lock, &until) != ETIMEDOUT)
			;
	}
	free(batch);
	return NULL;
}

int
usage_start(struct shared *sh, struct usage **usp)
{
	struct usage *us;

	*usp = NULL;
	if ((us = calloc(1, sizeof(*us))) == NULL)
		return ATK_ERR_NOMEM;
	us->shared = sh;
	pthread_mutex_init(&us->lock, NULL);
	pthread_cond_init(&us->wake, NULL);
	if (pthread_create(&us->thread, NULL, writer, us) != 0) {
		pthread_cond_destroy(&us->wake);
		pthread_mutex_destroy(&us->lock);
		free(us);
		return ATK_ERR_SYSTEM;
	}
	*usp = us;
	return 0;
}

void
usage_note(struct usage *us, const char *idtext, int64_t when,
    const char *from)
{
	unsigned char id[TOKEN_ID_BYTES];
	char *copy;
	size_t i;

	if (shared_rdonly(us->shared) || token_id_parse(idtext, id) != 0)
		return;
	if (from == NULL || *from == '\0')
		from = "-";
	if (strlen(from) > RHOST_MAX || (copy = strdup(from)) == NULL) {
		pthread_mutex_lock(&us->lock);
		us->dropped++;
		pthread_mutex_unlock(&us->lock);
		return;
	}
	pthread_mutex_lock(&us->lock);
	for (i = 0; i < us->n; i++)
		if (memcmp(us->pending[i].id, id, sizeof(id)) == 0)
			break;
	if (i == USAGE_MAX) {
		us->dropped++;
		free(copy);
	} else {
		if (i == us->n)
			us->n++;
		else
			free(us->pending[i].from);
		memcpy(us->pending[i].id, id, sizeof(id));
		us->pending[i].when = when;
		us->pending[i].from = copy;
		pthread_cond_signal(&us->wake);
	}
	pthread_mutex_unlock(&us->lock);
}

void
usage_stop(struct usage *us)
{
	if (us == NULL)
		return;
	pthread_mutex_lock(&us->lock);
	us->stop = 1;
	pthread_cond_signal(&us->wake);
	pthread_mutex_unlock(&us->lock);
	pthread_join(us->thread, NULL);
	uses_free(us->pending, us->n);
	pthread_cond_destroy(&us->wake);
	pthread_mutex_destroy(&us->lock);
	free(us);
}
