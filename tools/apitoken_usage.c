/*
 * list and show on a store that publishes (apitoken publish): the latest
 * use of each token across the fleet.  Every host's apitokend --etcd puts
 * the last use it saw under <prefix>usage/<host>/<id> (tools/fleet.h);
 * this reads them all, a page at a time at one revision, and keeps for
 * each token the newest of those and of the store's own last use, with
 * the host that saw it.  etcd out of reach is said in one line, and the
 * store's own uses are shown.
 */
#include "config.h"

#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "apitoken.h"
#include "collect.h"
#include "error.h"
#include "etcd.h"
#include "fleet.h"
#include "token.h"

#define USAGE_PAGE	10000	/* Keys a range answer holds (about 2 MB). */
#define USAGE_TIMEOUT	5L	/* Seconds a range may take. */
#define WHY_MAX		512
/* A use later than this past now is a host's clock gone wrong, or a lie. */
#define USAGE_SKEW	3600

struct merge {
	const char	*prefix;
	int64_t		 now;
	struct item	**byid;		/* The items, by id. */
	size_t		 n;
	unsigned long	 bad;		/* Values that are not uses. */
	unsigned long	 seen;		/* Keys read on this page. */
	char		*last;		/* The last key read, and its length. */
	size_t		 lastlen;
	int		 err;
};

static int
by_id(const void *a, const void *b)
{
	const struct item *const *x = a, *const *y = b;

	return memcmp((*x)->rec.id, (*y)->rec.id, TOKEN_ID_BYTES);
}

static int
id_cmp(const void *key, const void *elem)
{
	const struct item *const *y = elem;

	return memcmp(key, (*y)->rec.id, TOKEN_ID_BYTES);
}

static int
use_cb(const struct etcd_kv *kv, void *arg)
{
	struct merge *m = arg;
	struct fleet_use u;
	struct item **p, *it;
	const char *why;
	char *k;

	m->seen++;
	if ((k = realloc(m->last, kv->keylen + 1)) == NULL) {
		m->err = ATK_ERR_NOMEM;
		return 1;
	}
	memcpy(k, kv->key, kv->keylen);
	k[kv->keylen] = '\0';	/* The next page starts after it. */
	m->last = k;
	m->lastlen = kv->keylen + 1;
	if (fleet_usage_parse(m->prefix, kv, &u, &why) != 0) {
		m->bad++;
		return 0;
	}
	if (u.when > m->now + USAGE_SKEW) {
		free(u.from);
		m->bad++;
		return 0;
	}
	p = bsearch(u.id, m->byid, m->n, sizeof(*m->byid), id_cmp);
	if (p == NULL || u.when <= (it = *p)->used) {
		free(u.from);
		return 0;
	}
	free(it->from);
	free(it->host);
	it->used = u.when;
	it->from = u.from;
	if ((it->host = strdup(u.host)) == NULL) {
		m->err = ATK_ERR_NOMEM;
		return 1;
	}
	return 0;
}

int
collect_fleet_usage(const struct ctx *ctx, const char *cmd,
    struct store_txn *txn, struct item *items, size_t n)
{
	struct fleet_conf conf;
	struct merge m;
	struct etcd *e = NULL;
	char why[WHY_MAX] = "", *start = NULL, *end = NULL;
	int64_t rev = 0, got;
	size_t i;
	int more, r;

	memset(&conf, 0, sizeof(conf));
	memset(&m, 0, sizeof(m));
	if ((r = fleet_conf_get(txn, &conf)) == ATK_ERR_NOTFOUND)
		return 0;		/* It publishes nowhere. */
	if (r != 0) {
		tool_store_warn(ctx, cmd, r, NULL);
		return r;
	}
	if (n == 0)
		goto out;
	m.prefix = conf.prefix;
	m.now = ctx->now;
	m.n = n;
	if ((m.byid = calloc(n, sizeof(*m.byid))) == NULL ||
	    (start = fleet_usage_key(conf.prefix, "", NULL)) == NULL ||
	    (end = strdup(start)) == NULL) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	end[strlen(end) - 1]++;			/* "usage/" -> "usage0" */
	for (i = 0; i < n; i++)
		m.byid[i] = &items[i];
	qsort(m.byid, n, sizeof(*m.byid), by_id);
	if ((r = fleet_client(&conf, &e, why, sizeof(why))) != 0)
		goto out;
	etcd_set_timeout(e, USAGE_TIMEOUT);
	/* Page after page, every one at the revision of the first. */
	do {
		m.seen = 0;
		/* The request is made before use_cb() moves m.last. */
		r = etcd_range(e, m.last != NULL ? m.last : start,
		    m.last != NULL ? m.lastlen : strlen(start), end, strlen(end),
		    rev, USAGE_PAGE, use_cb, &m, &got, &more, why, sizeof(why));
		if (r == 0 && m.err != 0)
			r = m.err;
		if (rev == 0)
			rev = got;
	} while (r == 0 && more && m.seen > 0);
out:
	if (r != 0)
		warnx("%s: the fleet's last uses not read: %s (this store's "
		    "own are shown)", cmd, why[0] != '\0' ? why :
		    tool_strerror(r));
	else if (m.bad > 0)
		warnx("%s: %lu value%s under %s%s not a host's last use (or "
		    "in the future): skipped", cmd, m.bad, m.bad == 1 ? "" :
		    "s", conf.prefix, FLEET_USAGE);
	etcd_free(e);
	free(m.byid);
	free(m.last);
	free(start);
	free(end);
	fleet_conf_free(&conf);
	return 0;
}
