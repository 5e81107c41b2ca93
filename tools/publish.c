/*
 * What apitoken publish writes to etcd (tools/fleet.h): the difference
 * between the store and the prefix, each value signed with the store's
 * key and a new serial, in etcd transactions of at most ETCD_TXN_OPS_MAX
 * operations; or the tokens a write command changed.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apitoken.h"
#include "error.h"
#include "etcd.h"
#include "fleet.h"
#include "sign.h"
#include "store.h"
#include "token.h"

/* Keys asked for per range request while reading the prefix. */
#define RANGE_PAGE	5000

/* A key and its value: the store's side or etcd's. */
struct pair {
	unsigned char	*key;
	size_t		 keylen;
	char		*value;		/* NUL-terminated. */
	size_t		 valuelen;
};

struct pairs {
	struct pair	*v;
	size_t		 n, cap;
};

static void
pairs_free(struct pairs *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		free(ps->v[i].key);
		free(ps->v[i].value);
	}
	free(ps->v);
	memset(ps, 0, sizeof(*ps));
}

/* Takes key and value (freed on failure too). */
static int
pairs_add(struct pairs *ps, void *key, size_t keylen, char *value,
    size_t valuelen)
{
	struct pair *v;
	size_t cap;

	if (key == NULL || value == NULL)
		goto nomem;
	if (ps->n == ps->cap) {
		cap = ps->cap == 0 ? 256 : 2 * ps->cap;
		if ((v = reallocarray(ps->v, cap, sizeof(*v))) == NULL)
			goto nomem;
		ps->v = v;
		ps->cap = cap;
	}
	ps->v[ps->n].key = key;
	ps->v[ps->n].keylen = keylen;
	ps->v[ps->n].value = value;
	ps->v[ps->n].valuelen = valuelen;
	ps->n++;
	return 0;
nomem:
	free(key);
	free(value);
	return ATK_ERR_NOMEM;
}

static int
key_cmp(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
	int d = memcmp(a, b, an < bn ? an : bn);

	return d != 0 ? d : (an > bn) - (an < bn);
}

static int
pair_cmp(const void *x, const void *y)
{
	const struct pair *a = x, *b = y;

	return key_cmp(a->key, a->keylen, b->key, b->keylen);
}

/* --- the store's side -------------------------------------------------- */

struct local_ctx {
	struct pairs	*ps;
	const char	*prefix;
	int		 r;
};

static int
local_cb(const struct record *rec, void *arg)
{
	struct local_ctx *c = arg;
	char *k = fleet_token_key(c->prefix, rec->id);
	char *v = fleet_record_value(rec);

	c->r = pairs_add(c->ps, k, k == NULL ? 0 : strlen(k), v,
	    v == NULL ? 0 : strlen(v));
	return c->r != 0;
}

/* Everything the prefix should hold, in key order. */
static int
local_pairs(struct store *s, const char *prefix, struct pairs *ps, char *why,
    size_t whysz)
{
	struct local_ctx c = { ps, prefix, 0 };
	struct store_txn *t;
	char *k, *v;
	int r;

	if ((r = store_txn_begin(s, STORE_RDONLY, &t, why, whysz)) != 0)
		return r;
	k = fleet_meta_key(prefix);
	v = fleet_meta_value(s, t);
	if ((r = pairs_add(ps, k, k == NULL ? 0 : strlen(k), v,
	    v == NULL ? 0 : strlen(v))) == 0 &&
	    (r = store_foreach(t, local_cb, &c)) == 0)
		r = c.r;
	store_txn_abort(t);
	if (r == 0)
		qsort(ps->v, ps->n, sizeof(*ps->v), pair_cmp);
	return r;
}

/* --- etcd's side ------------------------------------------------------- */

struct remote_ctx {
	struct pairs	*ps;
	int		 r;
};

/*
 * etcd's side as bodies (fleet_unseal() without a key): what the store
 * would publish unsigned, for the comparison.  A value that is no seal of
 * ours is kept as it is: it differs, and is written over.
 */
static int
remote_cb(const struct etcd_kv *kv, void *arg)
{
	struct remote_ctx *c = arg;
	unsigned char *k = malloc(kv->keylen + 1);
	const char *why;
	uint64_t serial;
	char *v = NULL;

	if (k != NULL)
		memcpy(k, kv->key, kv->keylen);
	if (fleet_unseal(kv->key, kv->keylen, kv->value, kv->valuelen, NULL,
	    &v, &serial, &why) != 0 && (v = malloc(kv->valuelen + 1)) != NULL) {
		memcpy(v, kv->value, kv->valuelen);
		v[kv->valuelen] = '\0';
	}
	c->r = pairs_add(c->ps, k, kv->keylen, v, v == NULL ? 0 : strlen(v));
	return c->r != 0;
}

/* Everything under the prefix, page by page, at one revision. */
static int
remote_pairs(struct etcd *e, const char *prefix, struct pairs *ps,
    char *why, size_t whysz)
{
	struct remote_ctx c = { ps, 0 };
	unsigned char *p;
	char *from, *end;
	size_t endlen, fromlen;
	int64_t rev = 0, got;
	int more, r;

	/* The meta and the tokens: the hosts' reports are theirs. */
	from = fleet_meta_key(prefix);
	end = fleet_range_end(prefix);
	if (from == NULL || end == NULL) {
		free(from);
		free(end);
		return ATK_ERR_NOMEM;
	}
	fromlen = strlen(from);
	endlen = strlen(end);
	for (;;) {
		r = etcd_range(e, from, fromlen, end, endlen, rev, RANGE_PAGE,
		    remote_cb, &c, &got, &more, why, whysz);
		if (r == 0)
			r = c.r;
		if (r != 0 || !more || ps->n == 0)
			break;
		rev = got;
		/* The next page starts just after the last key. */
		fromlen = ps->v[ps->n - 1].keylen + 1;
		if ((p = realloc(from, fromlen)) == NULL) {
			r = ATK_ERR_NOMEM;
			break;
		}
		from = (char *)p;
		memcpy(from, ps->v[ps->n - 1].key, fromlen - 1);
		from[fromlen - 1] = '\0';
	}
	free(from);
	free(end);
	return r;
}

/* --- the difference, in txns ------------------------------------------- */

struct batch {
	struct etcd_op	 ops[ETCD_TXN_OPS_MAX];
	size_t		 n, bytes;
};

static int
flush(struct etcd *e, struct batch *b, struct publish_stats *st, char *why,
    size_t whysz)
{
	int r;

	if (b->n == 0)
		return 0;
	if ((r = etcd_txn(e, b->ops, b->n, &st->revision, why, whysz)) != 0)
		return r;
	b->n = 0;
	b->bytes = 0;
	return 0;
}

/* A put of value at the key (value NULL: a delete of the key). */
static int
add_op(struct etcd *e, struct batch *b, const struct pair *p,
    const char *value, struct publish_stats *st, char *why, size_t whysz)
{
	size_t vlen = value == NULL ? 0 : strlen(value);
	/* Base64 makes a third more, and JSON some. */
	size_t bytes = (p->keylen + vlen) * 4 / 3 + 64;
	int r;

	if ((b->n == ETCD_TXN_OPS_MAX ||
	    b->bytes + bytes > ETCD_TXN_BYTES_MAX) &&
	    (r = flush(e, b, st, why, whysz)) != 0)
		return r;
	b->ops[b->n].key = p->key;
	b->ops[b->n].keylen = p->keylen;
	b->ops[b->n].value = value;
	b->ops[b->n].valuelen = vlen;
	b->n++;
	b->bytes += bytes;
	if (value != NULL)
		st->written++;
	else
		st->removed++;
	return 0;
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000U + (uint64_t)ts.tv_nsec / 1000U;
}

/*
 * n serials that no earlier publish of this store used, nor, while the
 * clock moves forward, of a store that took its place (a host keeps the
 * newest serial of each token): the first in *first.  The signing key
 * too (made the first time), ready in *skp.
 */
static int
reserve(struct store *s, size_t n, uint64_t *first, struct sign_key **skp,
    char *why, size_t whysz)
{
	unsigned char seed[SIGN_SEED_BYTES];
	struct store_txn *t;
	char *v = NULL, *end, buf[24];
	uint64_t last = 0, now = now_us();
	int r;

	if ((r = store_txn_begin(s, 0, &t, why, whysz)) != 0)
		return r;
	*skp = NULL;
	if ((r = fleet_sign_key(t, 1, seed)) != 0 ||
	    (r = sign_key_private(seed, skp)) != 0)
		goto out;
	if ((r = store_setting_get(t, SET_FLEET_SERIAL, &v)) == 0) {
		errno = 0;
		last = strtoull(v, &end, 10);
		if (errno != 0 || *end != '\0')
			r = ATK_ERR_CORRUPT;
	} else if (r == ATK_ERR_NOTFOUND)
		r = 0;
	free(v);
	if (r != 0)
		goto out;
	*first = last + 1 > now ? last + 1 : now;
	snprintf(buf, sizeof(buf), "%llu",
	    (unsigned long long)(*first + (n > 0 ? n - 1 : 0)));
	if ((r = store_setting_put(t, SET_FLEET_SERIAL, buf)) != 0)
		goto out;
	r = store_txn_commit(t, why, whysz);
	t = NULL;
out:
	store_txn_abort(t);
	explicit_bzero(seed, sizeof(seed));
	if (r != 0) {
		sign_key_free(*skp);
		*skp = NULL;
	}
	return r;
}

/*
 * Make the prefix hold exactly the store: removals first (a name that
 * moved to another id stays unique on every host), then the tokens, then
 * the meta (a new key reaches a host after the tokens made with it).
 */
int
publish_all(struct store *s, struct etcd *e, const char *prefix,
    struct publish_stats *st, char *why, size_t whysz)
{
	struct pairs loc = { 0 }, rem = { 0 };
	struct sign_key *sk = NULL;
	struct batch *b;
	size_t *puts = NULL, nputs = 0, i, j, meta = SIZE_MAX;
	char **sealed = NULL;
	uint64_t serial;
	int r;

	memset(st, 0, sizeof(*st));
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return ATK_ERR_NOMEM;
	if ((r = local_pairs(s, prefix, &loc, why, whysz)) != 0 ||
	    (r = remote_pairs(e, prefix, &rem, why, whysz)) != 0)
		goto out;
	st->tokens = loc.n - 1;
	if ((puts = calloc(loc.n, sizeof(*puts))) == NULL ||
	    (sealed = calloc(loc.n, sizeof(*sealed))) == NULL) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	for (i = j = 0; j < rem.n; j++) {
		while (i < loc.n && pair_cmp(&loc.v[i], &rem.v[j]) < 0)
			i++;
		if ((i == loc.n || pair_cmp(&loc.v[i], &rem.v[j]) != 0) &&
		    (r = add_op(e, b, &rem.v[j], NULL, st, why, whysz)) != 0)
			goto out;
	}
	for (i = j = 0; i < loc.n; i++) {
		while (j < rem.n && pair_cmp(&rem.v[j], &loc.v[i]) < 0)
			j++;
		if (j < rem.n && pair_cmp(&rem.v[j], &loc.v[i]) == 0 &&
		    rem.v[j].valuelen == loc.v[i].valuelen &&
		    memcmp(rem.v[j].value, loc.v[i].value,
		    loc.v[i].valuelen) == 0)
			continue;
		if (fleet_key_kind(prefix, loc.v[i].key, loc.v[i].keylen,
		    NULL) == FLEET_KEY_META)
			meta = nputs;
		puts[nputs++] = i;
	}
	if (nputs > 0 &&
	    (r = reserve(s, nputs, &serial, &sk, why, whysz)) != 0)
		goto out;
	for (i = 0; i < nputs; i++)
		if ((sealed[i] = fleet_seal((const char *)loc.v[puts[i]].key,
		    loc.v[puts[i]].value, serial + i, sk)) == NULL) {
			r = ATK_ERR_NOMEM;
			goto out;
		}
	for (i = 0; i < nputs; i++)
		if (i != meta && (r = add_op(e, b, &loc.v[puts[i]], sealed[i],
		    st, why, whysz)) != 0)
			goto out;
	if (meta != SIZE_MAX && ((r = flush(e, b, st, why, whysz)) != 0 ||
	    (r = add_op(e, b, &loc.v[puts[meta]], sealed[meta], st, why,
	    whysz)) != 0))
		goto out;
	r = flush(e, b, st, why, whysz);
out:
	/* The values hold verifiers and the key: not left in freed memory. */
	for (i = 0; i < loc.n; i++)
		explicit_bzero(loc.v[i].value, loc.v[i].valuelen);
	for (i = 0; sealed != NULL && i < nputs; i++) {
		if (sealed[i] != NULL)
			explicit_bzero(sealed[i], strlen(sealed[i]));
		free(sealed[i]);
	}
	sign_key_free(sk);
	free(sealed);
	free(puts);
	pairs_free(&loc);
	pairs_free(&rem);
	free(b);
	return r;
}

/* The tokens of ids as they are now in the store: each put, or deleted. */
int
publish_ids(struct store *s, struct etcd *e, const char *prefix,
    const unsigned char *ids, size_t n, struct publish_stats *st, char *why,
    size_t whysz)
{
	struct etcd_op ops[ETCD_TXN_OPS_MAX];
	char *keys[ETCD_TXN_OPS_MAX], *values[ETCD_TXN_OPS_MAX], *sealed;
	struct sign_key *sk = NULL;
	struct store_txn *t = NULL;
	struct record rec;
	uint64_t serial = 0;
	size_t i;
	int r = 0;

	memset(st, 0, sizeof(*st));
	if (n > ETCD_TXN_OPS_MAX)
		return ATK_ERR_INVAL;
	memset(keys, 0, sizeof(keys));
	memset(values, 0, sizeof(values));
	if ((r = store_txn_begin(s, STORE_RDONLY, &t, why, whysz)) != 0)
		return r;
	for (i = 0; i < n; i++) {
		memset(&rec, 0, sizeof(rec));
		if ((keys[i] = fleet_token_key(prefix,
		    ids + i * TOKEN_ID_BYTES)) == NULL) {
			r = ATK_ERR_NOMEM;
			break;
		}
		r = store_get(t, ids + i * TOKEN_ID_BYTES, &rec);
		if (r == 0 && (values[i] = fleet_record_value(&rec)) == NULL)
			r = ATK_ERR_NOMEM;
		record_free(&rec);
		if (r != 0 && r != ATK_ERR_NOTFOUND)
			break;
		ops[i].key = keys[i];
		ops[i].keylen = strlen(keys[i]);
		ops[i].value = values[i];
		ops[i].valuelen = values[i] == NULL ? 0 : strlen(values[i]);
		if (values[i] != NULL)
			st->written++;
		else
			st->removed++;
		r = 0;
	}
	store_txn_abort(t);
	if (r == 0 && st->written > 0 &&
	    (r = reserve(s, st->written, &serial, &sk, why, whysz)) == 0)
		for (i = 0; i < n && r == 0; i++) {
			if (values[i] == NULL)
				continue;
			sealed = fleet_seal(keys[i], values[i], serial++, sk);
			explicit_bzero(values[i], strlen(values[i]));
			free(values[i]);
			if ((values[i] = sealed) == NULL)
				r = ATK_ERR_NOMEM;
			else {
				ops[i].value = values[i];
				ops[i].valuelen = strlen(values[i]);
			}
		}
	sign_key_free(sk);
	if (r == 0 && n > 0)
		r = etcd_txn(e, ops, n, &st->revision, why, whysz);
	for (i = 0; i < n; i++) {
		free(keys[i]);
		if (values[i] != NULL)
			explicit_bzero(values[i], strlen(values[i]));
		free(values[i]);
	}
	return r;
}
