/*
 * apitoken publish, and the publishing every write command does on a
 * store that publishes (SPEC section 11): the prefix in etcd made to hold
 * exactly the admin store, a meta key and one key per token
 * (tools/fleet.h), in etcd transactions.
 *
 * A whole publish reads the prefix, compares it with the store, and
 * writes only the difference: run twice, the second writes nothing.  A
 * write command publishes the tokens it changed, or everything when an
 * earlier publish failed (the store's fleet.pending); when it cannot, the
 * change stays in the store, one line names "apitoken publish" as the
 * retry, and the exit status is 3.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apitoken.h"
#include "error.h"
#include "etcd.h"
#include "fleet.h"
#include "opterr.h"
#include "store.h"
#include "token.h"

/* Keys asked for per range request while reading the prefix. */
#define RANGE_PAGE	1000
#define WHY_MAX		512

enum {
	OPT_ETCD = 256, OPT_PREFIX, OPT_CACERT, OPT_CERT, OPT_KEY
};

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

struct stats {
	size_t		 tokens, written, removed;
	int64_t		 revision;
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
	v = fleet_meta_value(s);
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

static int
remote_cb(const struct etcd_kv *kv, void *arg)
{
	struct remote_ctx *c = arg;
	unsigned char *k = malloc(kv->keylen + 1);
	char *v = malloc(kv->valuelen + 1);

	if (k != NULL && v != NULL) {
		memcpy(k, kv->key, kv->keylen);
		memcpy(v, kv->value, kv->valuelen);
		v[kv->valuelen] = '\0';
	}
	c->r = pairs_add(c->ps, k, kv->keylen, v, kv->valuelen);
	return c->r != 0;
}

/* Everything under the prefix, page by page, at one revision. */
static int
remote_pairs(struct etcd *e, const char *prefix, struct pairs *ps,
    char *why, size_t whysz)
{
	struct remote_ctx c = { ps, 0 };
	unsigned char end[FLEET_PREFIX_MAX];
	unsigned char *from = NULL, *p;
	size_t endlen, fromlen = strlen(prefix);
	int64_t rev = 0, got;
	int more, r;

	if (etcd_prefix_end(prefix, fromlen, end, &endlen) != 0)
		return ATK_ERR_INVAL;
	if ((from = malloc(fromlen + 1)) == NULL)
		return ATK_ERR_NOMEM;
	memcpy(from, prefix, fromlen);
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
		from = p;
		memcpy(from, ps->v[ps->n - 1].key, fromlen - 1);
		from[fromlen - 1] = '\0';
	}
	free(from);
	return r;
}

/* --- the difference, in txns ------------------------------------------- */

struct batch {
	struct etcd_op	 ops[ETCD_TXN_OPS_MAX];
	size_t		 n, bytes;
};

static int
flush(struct etcd *e, struct batch *b, struct stats *st, char *why,
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

static int
add_op(struct etcd *e, struct batch *b, const struct pair *p, int put,
    struct stats *st, char *why, size_t whysz)
{
	/* Base64 makes a third more, and JSON some. */
	size_t bytes = (p->keylen + (put ? p->valuelen : 0)) * 4 / 3 + 64;
	int r;

	if ((b->n == ETCD_TXN_OPS_MAX ||
	    b->bytes + bytes > ETCD_TXN_BYTES_MAX) &&
	    (r = flush(e, b, st, why, whysz)) != 0)
		return r;
	b->ops[b->n].key = p->key;
	b->ops[b->n].keylen = p->keylen;
	b->ops[b->n].value = put ? p->value : NULL;
	b->ops[b->n].valuelen = put ? p->valuelen : 0;
	b->n++;
	b->bytes += bytes;
	if (put)
		st->written++;
	else
		st->removed++;
	return 0;
}

/*
 * Make the prefix hold exactly the store: removals first (a name that
 * moved to another id stays unique on every host), then the tokens, then
 * the meta (a new key reaches a host after the tokens made with it).
 */
static int
publish_all(struct store *s, struct etcd *e, const char *prefix,
    struct stats *st, char *why, size_t whysz)
{
	struct pairs loc = { 0 }, rem = { 0 };
	struct batch *b;
	const struct pair *meta = NULL;
	size_t i, j;
	int d, r;

	memset(st, 0, sizeof(*st));
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return ATK_ERR_NOMEM;
	if ((r = local_pairs(s, prefix, &loc, why, whysz)) != 0 ||
	    (r = remote_pairs(e, prefix, &rem, why, whysz)) != 0)
		goto out;
	st->tokens = loc.n - 1;
	for (i = j = 0; j < rem.n; j++) {
		while (i < loc.n && (d = pair_cmp(&loc.v[i], &rem.v[j])) < 0)
			i++;
		if ((i == loc.n || pair_cmp(&loc.v[i], &rem.v[j]) != 0) &&
		    (r = add_op(e, b, &rem.v[j], 0, st, why, whysz)) != 0)
			goto out;
	}
	(void)d;
	for (i = j = 0; i < loc.n; i++) {
		while (j < rem.n && pair_cmp(&rem.v[j], &loc.v[i]) < 0)
			j++;
		if (j < rem.n && pair_cmp(&rem.v[j], &loc.v[i]) == 0 &&
		    rem.v[j].valuelen == loc.v[i].valuelen &&
		    memcmp(rem.v[j].value, loc.v[i].value,
		    loc.v[i].valuelen) == 0)
			continue;
		if (fleet_key_kind(prefix, loc.v[i].key, loc.v[i].keylen,
		    NULL) == FLEET_KEY_META) {
			meta = &loc.v[i];
			continue;
		}
		if ((r = add_op(e, b, &loc.v[i], 1, st, why, whysz)) != 0)
			goto out;
	}
	if (meta != NULL && ((r = flush(e, b, st, why, whysz)) != 0 ||
	    (r = add_op(e, b, meta, 1, st, why, whysz)) != 0))
		goto out;
	r = flush(e, b, st, why, whysz);
out:
	/* The values hold verifiers and the key: not left in freed memory. */
	for (i = 0; i < loc.n; i++)
		explicit_bzero(loc.v[i].value, loc.v[i].valuelen);
	pairs_free(&loc);
	pairs_free(&rem);
	free(b);
	return r;
}

/* The tokens of ids as they are now in the store: each put, or deleted. */
static int
publish_ids(struct store *s, struct etcd *e, const char *prefix,
    const unsigned char *ids, size_t n, struct stats *st, char *why,
    size_t whysz)
{
	struct etcd_op ops[ETCD_TXN_OPS_MAX];
	char *keys[ETCD_TXN_OPS_MAX], *values[ETCD_TXN_OPS_MAX];
	struct store_txn *t = NULL;
	struct record rec;
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

/* Set or clear the store's fleet.pending (and the conf, when given). */
static int
mark(const struct ctx *ctx, struct store *s, const struct fleet_conf *conf,
    int pending)
{
	struct store_txn *t;
	char why[STORE_WHY_MAX];
	int r;

	if ((r = store_txn_begin(s, 0, &t, why, sizeof(why))) != 0 ||
	    (conf != NULL && (r = fleet_conf_put(t, conf)) != 0) ||
	    (r = store_setting_put(t, SET_FLEET_PENDING,
	    pending ? "1" : NULL)) != 0 ||
	    (r = store_txn_commit(t, why, sizeof(why))) != 0) {
		if (r != 0 && t != NULL)
			store_txn_abort(t);
		tool_store_warn(ctx, "publish", r, why);
		return -1;
	}
	return 0;
}

/* The store's conf and pending mark: ATK_ERR_NOTFOUND if none. */
static int
read_conf(struct store *s, struct fleet_conf *conf, int *pending, char *why,
    size_t whysz)
{
	struct store_txn *t;
	char *p = NULL;
	int r;

	*pending = 0;
	if ((r = store_txn_begin(s, STORE_RDONLY, &t, why, whysz)) != 0)
		return r;
	if ((r = fleet_conf_get(t, conf)) == 0) {
		r = store_setting_get(t, SET_FLEET_PENDING, &p);
		*pending = r == 0;
		if (r == ATK_ERR_NOTFOUND)
			r = 0;
		free(p);
		if (r != 0)
			fleet_conf_free(conf);
	}
	store_txn_abort(t);
	return r;
}

int
tool_publish(const struct ctx *ctx, const char *cmd, struct store *s,
    const unsigned char *ids, size_t n)
{
	struct fleet_conf conf;
	struct etcd *e = NULL;
	struct stats st;
	char why[WHY_MAX];
	int pending, r;

	why[0] = '\0';
	if ((r = read_conf(s, &conf, &pending, why, sizeof(why))) ==
	    ATK_ERR_NOTFOUND)
		return 0;
	if (r == 0 && (r = fleet_client(&conf, &e, why, sizeof(why))) == 0) {
		if (pending || ids == NULL || n > ETCD_TXN_OPS_MAX)
			r = publish_all(s, e, conf.prefix, &st, why,
			    sizeof(why));
		else
			r = publish_ids(s, e, conf.prefix, ids, n, &st, why,
			    sizeof(why));
	}
	etcd_free(e);
	if (r != 0) {
		warnx("%s: saved in %s but not published to etcd: %s; "
		    "'apitoken publish' sends it", cmd, ctx->db,
		    why[0] != '\0' ? why : tool_strerror(r));
		if (!pending)
			(void)mark(ctx, s, NULL, 1);
		fleet_conf_free(&conf);
		return EXIT_UNPUBLISHED;
	}
	fleet_conf_free(&conf);
	if (pending && mark(ctx, s, NULL, 0) != 0)
		return EXIT_UNPUBLISHED;
	return 0;
}

int
cmd_publish(struct ctx *ctx, int argc, char **argv)
{
	static char default_prefix[] = FLEET_PREFIX_DEFAULT;
	static const struct option opts[] = {
		{ "etcd", required_argument, NULL, OPT_ETCD },
		{ "prefix", required_argument, NULL, OPT_PREFIX },
		{ "cacert", required_argument, NULL, OPT_CACERT },
		{ "cert", required_argument, NULL, OPT_CERT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct fleet_conf conf, given;
	struct store *s = NULL;
	struct etcd *e = NULL;
	struct stats st;
	char why[WHY_MAX];
	int ch, quiet = 0, pending, published, rv = 1, r;

	memset(&conf, 0, sizeof(conf));
	memset(&given, 0, sizeof(given));
	while ((ch = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
		switch (ch) {
		case OPT_ETCD:
			given.etcd = optarg;
			break;
		case OPT_PREFIX:
			given.prefix = optarg;
			break;
		case OPT_CACERT:
			given.cacert = optarg;
			break;
		case OPT_CERT:
			given.cert = optarg;
			break;
		case OPT_KEY:
			given.key = optarg;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			return help_cmd("publish");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("publish");
		}
	}
	if (optind != argc)
		return usage_cmd("publish");
	if (given.etcd != NULL &&
	    etcd_endpoints_check(given.etcd, why, sizeof(why)) != 0) {
		warnx("publish: bad --etcd: %s", why);
		return EXIT_USAGE;
	}
	if (given.prefix != NULL && !fleet_prefix_valid(given.prefix)) {
		warnx("publish: bad --prefix: it starts and ends with '/' and "
		    "is at most %d printable characters", FLEET_PREFIX_MAX);
		return EXIT_USAGE;
	}
	if (given.etcd == NULL && (given.prefix != NULL ||
	    given.cacert != NULL || given.cert != NULL || given.key != NULL)) {
		warnx("publish: --prefix, --cacert, --cert and --key go with "
		    "--etcd");
		return EXIT_USAGE;
	}
	if (tool_open(ctx, 0, &s) != 0)
		goto out;
	why[0] = '\0';
	r = read_conf(s, &conf, &pending, why, sizeof(why));
	if (r == ATK_ERR_NOTFOUND && given.etcd == NULL) {
		warnx("publish: %s publishes nowhere yet: give --etcd URL",
		    ctx->db);
		goto out;
	}
	if (r != 0 && r != ATK_ERR_NOTFOUND) {
		tool_store_warn(ctx, "publish", r, why);
		goto out;
	}
	published = r == 0;
	if (given.etcd != NULL) {
		if (given.prefix == NULL)
			given.prefix = default_prefix;
		fleet_conf_free(&conf);
	}
	if ((r = fleet_client(given.etcd != NULL ? &given : &conf, &e, why,
	    sizeof(why))) != 0 ||
	    (r = publish_all(s, e, given.etcd != NULL ? given.prefix :
	    conf.prefix, &st, why, sizeof(why))) != 0) {
		warnx("publish: %s", why[0] != '\0' ? why : tool_strerror(r));
		/* Half written, maybe: the next write publishes everything. */
		if (published && !pending)
			(void)mark(ctx, s, NULL, 1);
		goto out;
	}
	/* Remembered once it worked: from now on every write publishes. */
	if (mark(ctx, s, given.etcd != NULL ? &given : NULL, 0) != 0)
		goto out;
	if (!quiet)
		fprintf(stderr, "published %zu token%s to %s: %zu written, "
		    "%zu removed%s\n", st.tokens, st.tokens == 1 ? "" : "s",
		    etcd_endpoint(e), st.written, st.removed,
		    st.written + st.removed == 0 ? " (already equal)" : "");
	rv = 0;
out:
	etcd_free(e);
	fleet_conf_free(&conf);
	store_close(s);
	return rv;
}
