/*
 * apitokend --etcd: this host's last use of each token, for the whole
 * fleet to see (SPEC section 11, issue 14).  A login's use is noted in
 * memory, as usage.c notes it for the store; the fleet's thread puts what
 * is pending under <prefix>usage/<host>/<id> (tools/fleet.h) in one etcd
 * txn at most once every --usage-report seconds, at most
 * ETCD_TXN_OPS_MAX tokens a txn, the newest use of each token alone.  So
 * a host writes at a bounded rate however many logins it serves; what
 * does not fit waits for the next txn, and what fails is tried again.  A
 * token deleted through the watch has its key deleted the same way.
 */
#include "config.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "apitokend.h"
#include "error.h"
#include "etcd.h"
#include "fleet.h"
#include "fleet_int.h"
#include "token.h"

#define USES_MAX	4096	/* Distinct tokens pending at once. */

struct use {
	unsigned char	 id[TOKEN_ID_BYTES];
	int64_t		 when;		/* FORGET: the key is to go. */
	char		*from;
};
#define FORGET		(-1)

struct fleet_uses {
	pthread_mutex_t	 lock;
	size_t		 n;
	unsigned long	 dropped;	/* Since the last txn. */
	int64_t		 published_ms;	/* The last txn, monotonic. */
	int		 failing;	/* Said so once; quiet till it works. */
	struct use	 pending[USES_MAX];
};

int
fleet_uses_new(struct fleet_uses **up)
{
	struct fleet_uses *u;

	if ((*up = u = calloc(1, sizeof(*u))) == NULL)
		return ATK_ERR_NOMEM;
	pthread_mutex_init(&u->lock, NULL);
	return 0;
}

void
fleet_uses_free(struct fleet_uses *u)
{
	size_t i;

	if (u == NULL)
		return;
	for (i = 0; i < u->n; i++)
		free(u->pending[i].from);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

/*
 * With the lock: the newer of the use and the one pending, or a FORGET
 * over anything; from is taken.
 */
static void
note_locked(struct fleet_uses *u, const unsigned char *id, int64_t when,
    char *from)
{
	size_t i;

	for (i = 0; i < u->n; i++)
		if (memcmp(u->pending[i].id, id, TOKEN_ID_BYTES) == 0)
			break;
	if (i == USES_MAX) {
		u->dropped++;
		free(from);
		return;
	}
	if (i == u->n) {
		u->n++;
		memcpy(u->pending[i].id, id, TOKEN_ID_BYTES);
	} else if (when != FORGET && u->pending[i].when > when) {
		free(from);
		return;
	} else
		free(u->pending[i].from);
	u->pending[i].when = when;
	u->pending[i].from = from;
}

void
fleet_note_use(struct fleet *f, const char *idtext, int64_t when,
    const char *from)
{
	struct fleet_uses *u;
	unsigned char id[TOKEN_ID_BYTES];
	char *copy;

	if (f == NULL || f->conf.usage <= 0 ||
	    token_id_parse(idtext, id) != 0)
		return;
	u = f->uses;
	/* Too long for a value: where it came from is not told. */
	if (from == NULL || *from == '\0' || strlen(from) > FLEET_USE_FROM_MAX)
		from = "-";
	copy = strdup(from);
	pthread_mutex_lock(&u->lock);
	if (copy == NULL)
		u->dropped++;
	else
		note_locked(u, id, when, copy);
	pthread_mutex_unlock(&u->lock);
}

void
fleet_forget_use(struct fleet *f, const unsigned char *id)
{
	struct fleet_uses *u = f->uses;

	if (f->conf.usage <= 0)
		return;
	pthread_mutex_lock(&u->lock);
	note_locked(u, id, FORGET, NULL);
	pthread_mutex_unlock(&u->lock);
}

void
fleet_uses_publish(struct fleet *f, int now)
{
	struct fleet_uses *u = f->uses;
	struct use batch[ETCD_TXN_OPS_MAX];
	struct etcd_op ops[ETCD_TXN_OPS_MAX];
	char *keys[ETCD_TXN_OPS_MAX], *values[ETCD_TXN_OPS_MAX];
	char why[WHY_MAX] = "";
	unsigned long dropped;
	int64_t ms = fleet_mono_ms(), rev;
	size_t i, k;
	int r = ATK_ERR_NOMEM;

	if (f->conf.usage <= 0 || (!now && u->published_ms != 0 &&
	    ms - u->published_ms < f->conf.usage * 1000))
		return;
	u->published_ms = ms;
	pthread_mutex_lock(&u->lock);
	k = u->n < ETCD_TXN_OPS_MAX ? u->n : ETCD_TXN_OPS_MAX;
	memcpy(batch, u->pending, k * sizeof(*batch));
	memmove(u->pending, u->pending + k, (u->n - k) * sizeof(*batch));
	u->n -= k;
	dropped = u->dropped;
	u->dropped = 0;
	pthread_mutex_unlock(&u->lock);
	if (dropped > 0)
		logmsg(LOG_WARNING, "fleet: last use of %lu login(s) not "
		    "published: too many tokens at once", dropped);
	if (k == 0)
		return;
	memset(keys, 0, sizeof(keys));
	memset(values, 0, sizeof(values));
	for (i = 0; i < k; i++) {
		if ((keys[i] = fleet_usage_key(f->prefix, f->conf.host,
		    batch[i].id)) == NULL || (batch[i].when != FORGET &&
		    (values[i] = fleet_usage_value(batch[i].when,
		    batch[i].from)) == NULL))
			goto out;
		ops[i].key = keys[i];
		ops[i].keylen = strlen(keys[i]);
		ops[i].value = values[i];	/* NULL: a delete. */
		ops[i].valuelen = values[i] != NULL ? strlen(values[i]) : 0;
	}
	r = etcd_txn(f->probe, ops, k, &rev, why, sizeof(why));
out:
	for (i = 0; i < k; i++) {
		free(keys[i]);
		free(values[i]);
	}
	if (r == 0) {
		for (i = 0; i < k; i++)
			free(batch[i].from);
		if (u->failing)
			logmsg(LOG_NOTICE, "fleet: last use published again");
		u->failing = 0;
		return;
	}
	/* Tried again at the next txn, unless a newer use came since. */
	pthread_mutex_lock(&u->lock);
	for (i = 0; i < k; i++)
		note_locked(u, batch[i].id, batch[i].when, batch[i].from);
	pthread_mutex_unlock(&u->lock);
	if (!u->failing)
		logmsg(LOG_WARNING, "fleet: last use of %zu token(s) not "
		    "published: %s%s%s (retrying)", k, atk_strerror(r),
		    why[0] != '\0' ? ": " : "", why);
	u->failing = 1;
}
