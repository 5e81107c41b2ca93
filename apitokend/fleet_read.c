/*
 * apitokend --etcd: reading everything under the prefix again (the first
 * time, after a compaction, for a new key): over the network into memory
 * first, then applied in one write txn of the daemon's own handle when the
 * store has the meta's key and prefix, else swapped in as a new generation
 * (restore --atomic's machinery) with that handle closed.
 */
#include "config.h"

#include <sys/stat.h>

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "apitokend.h"
#include "error.h"
#include "etcd.h"
#include "fleet.h"
#include "fleet_int.h"
#include "record.h"
#include "store.h"
#include "token.h"

/* Keys a range request asks for: some 3 MB of JSON. */
#define PAGE		5000

/* One token key of a full read: its id, and its key and value (copies). */
struct item {
	unsigned char	 id[TOKEN_ID_BYTES];
	unsigned char	*key, *value;
	size_t		 keylen, valuelen;
};

/* The prefix at one revision, in memory: read first, applied after. */
struct snap {
	struct fleet	*f;
	char		 prefix[TOKEN_PREFIX_MAX + 1];
	unsigned char	 key[STORE_KEY_BYTES];
	int		 found;		/* A meta that parses. */
	struct fleet_settings settings;	/* Its policy settings. */
	uint64_t	 meta_serial;
	int64_t		 rev;
	/* The serials the store held ("fleet.s.*"), for a new generation. */
	char		**serials;	/* name, value, name, value... */
	size_t		 nserials;
	struct item	*items;
	size_t		 n, cap;
	unsigned char	*last;		/* The last key read, for the next page. */
	size_t		 lastlen;
	int		 r;
};

static void
snap_free(struct snap *sn)
{
	for (size_t i = 0; i < sn->n; i++) {
		free(sn->items[i].key);
		explicit_bzero(sn->items[i].value, sn->items[i].valuelen);
		free(sn->items[i].value);
	}
	free(sn->items);
	free(sn->last);
	fleet_settings_free(&sn->settings);
	for (size_t i = 0; i < 2 * sn->nserials; i++)
		free(sn->serials[i]);
	free(sn->serials);
	explicit_bzero(sn->key, sizeof(sn->key));
}

static void *
dup_bytes(const void *p, size_t n)
{
	unsigned char *q = malloc(n + 1);

	if (q != NULL) {
		memcpy(q, p, n);
		q[n] = '\0';
	}
	return q;
}

static int
snap_cb(const struct etcd_kv *kv, void *arg)
{
	struct snap *sn = arg;
	struct item *it;
	unsigned char id[TOKEN_ID_BYTES];
	const char *why = "";
	char *body;
	void *p;

	if ((p = dup_bytes(kv->key, kv->keylen)) == NULL)
		goto nomem;
	free(sn->last);
	sn->last = p;
	sn->lastlen = kv->keylen + 1;	/* Just after it. */
	switch (fleet_key_kind(sn->f->prefix, kv->key, kv->keylen, id)) {
	case FLEET_KEY_META:
		if (fleet_open_value(sn->f, NULL, NULL, kv, &body,
		    &sn->meta_serial) != 0)
			return 0;
		fleet_settings_free(&sn->settings);
		if (fleet_meta_parse(body, strlen(body), sn->prefix,
		    sizeof(sn->prefix), sn->key, &sn->settings, &why) == 0)
			sn->found = 1;
		else
			fleet_skipped(kv, why);
		explicit_bzero(body, strlen(body));
		free(body);
		return 0;
	case FLEET_KEY_TOKEN:
		break;
	default:
		fleet_skipped(kv, "not a key of apitoken's");
		return 0;
	}
	if (sn->n == sn->cap) {
		sn->cap = sn->cap == 0 ? 1024 : 2 * sn->cap;
		if ((p = reallocarray(sn->items, sn->cap,
		    sizeof(*sn->items))) == NULL)
			goto nomem;
		sn->items = p;
	}
	it = &sn->items[sn->n];
	memcpy(it->id, id, sizeof(it->id));
	it->key = dup_bytes(kv->key, kv->keylen);
	it->value = dup_bytes(kv->value, kv->valuelen);
	it->keylen = kv->keylen;
	it->valuelen = kv->valuelen;
	if (it->key == NULL || it->value == NULL) {
		free(it->key);
		free(it->value);
		goto nomem;
	}
	sn->n++;
	return 0;
nomem:
	sn->r = ATK_ERR_NOMEM;
	return 1;
}

/* Everything under the prefix at the revision of its first page. */
static int
snap_read(struct fleet *f, struct snap *sn, char *why, size_t whysz)
{
	int64_t got;
	int more, r;

	sn->lastlen = strlen(f->meta_key);
	if ((sn->last = dup_bytes(f->meta_key, sn->lastlen)) == NULL)
		return ATK_ERR_NOMEM;
	do {
		r = etcd_range(f->etcd, sn->last, sn->lastlen, f->end,
		    f->endlen, sn->rev, PAGE, snap_cb, sn, &got, &more, why,
		    whysz);
		if (r == 0)
			r = sn->r;
		if (r != 0)
			return r;
		if (sn->rev == 0)
			sn->rev = got;
		if (atomic_load(&f->stop))
			return ATK_ERR_TIMEOUT;
	} while (more);
	return 0;
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, TOKEN_ID_BYTES);
}

/* Put every item; *applied counts what was. */
static int
put_items(struct store_txn *t, const struct snap *sn, size_t *count)
{
	struct etcd_kv kv;
	int applied, r;

	*count = 0;
	memset(&kv, 0, sizeof(kv));
	for (size_t i = 0; i < sn->n; i++) {
		kv.key = sn->items[i].key;
		kv.keylen = sn->items[i].keylen;
		kv.value = sn->items[i].value;
		kv.valuelen = sn->items[i].valuelen;
		if ((r = fleet_put_token(sn->f, t, sn->items[i].id, &kv,
		    &applied)) != 0)
			return r;
		*count += applied;
	}
	return 0;
}

struct stale {
	const struct snap *sn;
	unsigned char	*ids;		/* Local ids etcd no longer has. */
	size_t		 n, cap;
	int		 r;
};

static int
stale_cb(const struct record *rec, void *arg)
{
	struct stale *st = arg;
	const struct snap *sn = st->sn;
	void *p;

	/* The items are in id order (stale_ids() sorted them). */
	if (bsearch(rec->id, sn->items, sn->n, sizeof(*sn->items),
	    id_cmp) != NULL)
		return 0;
	if (st->n == st->cap) {
		st->cap = st->cap == 0 ? 64 : 2 * st->cap;
		if ((p = reallocarray(st->ids, st->cap, TOKEN_ID_BYTES)) ==
		    NULL) {
			st->r = ATK_ERR_NOMEM;
			return 1;
		}
		st->ids = p;
	}
	memcpy(st->ids + st->n * TOKEN_ID_BYTES, rec->id, TOKEN_ID_BYTES);
	st->n++;
	return 0;
}

/*
 * Under --trust, a meta older than the one the store holds is a replay:
 * refused (ATK_ERR_RANGE, logged); else its serial is noted.
 */
static int
meta_current(const struct fleet *f, struct store_txn *t,
    const struct snap *sn)
{
	uint64_t have = 0;
	int r;

	if (fleet_trusted(f) == NULL || sn->meta_serial == 0)
		return 0;
	if ((r = fleet_serial_get(t, NULL, &have)) != 0)
		return r;
	if (sn->meta_serial < have) {
		logmsg(LOG_WARNING, "fleet: refused the meta at revision %"
		    PRId64 ": serial %llu is older than %llu, the meta applied "
		    "here: a replay", sn->rev, (unsigned long long)
		    sn->meta_serial, (unsigned long long)have);
		return ATK_ERR_RANGE;
	}
	return fleet_serial_put(t, NULL, sn->meta_serial);
}

static int
serial_cb(const char *name, const char *value, void *arg)
{
	struct snap *sn = arg;
	char **v;

	if (strncmp(name, SET_FLEET_SERIAL_MARK,
	    strlen(SET_FLEET_SERIAL_MARK)) != 0)
		return 0;
	if ((v = reallocarray(sn->serials, 2 * (sn->nserials + 1),
	    sizeof(*v))) == NULL)
		return ATK_ERR_NOMEM;
	sn->serials = v;
	v[2 * sn->nserials] = strdup(name);
	v[2 * sn->nserials + 1] = strdup(value);
	sn->nserials++;
	return v[2 * sn->nserials - 2] == NULL ||
	    v[2 * sn->nserials - 1] == NULL ? ATK_ERR_NOMEM : 0;
}

/* The serials of the store being replaced, for its new generation. */
static int
keep_serials(struct store *s, struct snap *sn)
{
	struct store_txn *t;
	int r;

	if ((r = store_txn_begin(s, STORE_RDONLY, &t, NULL, 0)) != 0)
		return r;
	r = store_setting_foreach(t, serial_cb, sn);
	store_txn_abort(t);
	return r;
}

/*
 * The store already has the meta's key and prefix: one write txn of the
 * shared store makes it equal to the snapshot (readers see the old store
 * or the new, whole), keeping this host's last_used.  A token whose value
 * was skipped keeps what the store had.  1 when the key or prefix is not
 * the store's (a swap is needed), 0 when applied, else an error.
 */
static int
apply_snap(struct fleet *f, struct snap *sn, size_t *count, char *why,
    size_t whysz)
{
	unsigned char have[STORE_KEY_BYTES];
	struct stale st = { sn, NULL, 0, 0, 0 };
	struct store *s;
	struct store_txn *t = NULL;
	int same, r;

	if (shared_acquire(f->shared, &s, NULL, 0) != 0)
		return 1;		/* No store yet. */
	same = store_get_key(s, have) == 0 &&
	    memcmp(have, sn->key, sizeof(have)) == 0 &&
	    strcmp(store_prefix(s), sn->prefix) == 0;
	explicit_bzero(have, sizeof(have));
	if (!same) {
		r = keep_serials(s, sn);
		shared_release(f->shared);
		return r == 0 ? 1 : r;
	}
	qsort(sn->items, sn->n, sizeof(*sn->items), id_cmp);
	if ((r = store_txn_begin(s, 0, &t, why, whysz)) != 0 ||
	    (r = meta_current(f, t, sn)) != 0 ||
	    (r = store_foreach(t, stale_cb, &st)) != 0 || (r = st.r) != 0)
		goto out;
	for (size_t i = 0; i < st.n; i++)
		if ((r = store_delete(t, st.ids + i * TOKEN_ID_BYTES)) != 0 &&
		    r != ATK_ERR_NOTFOUND)
			goto out;
	if ((r = put_items(t, sn, count)) != 0 ||
	    (r = fleet_settings_put(t, &sn->settings)) != 0 ||
	    (r = fleet_put_revision(t, f->prefix, sn->rev)) != 0)
		goto out;
	r = store_txn_commit(t, why, whysz);
	t = NULL;
	/* The tokens gone: this host's usage/ keys of them too. */
	for (size_t i = 0; r == 0 && i < st.n; i++)
		fleet_forget_use(f, st.ids + i * TOKEN_ID_BYTES);
out:
	store_txn_abort(t);
	shared_release(f->shared);
	free(st.ids);
	return r;
}

/* The store's directory, made 0700 when missing (not its parents). */
static void
make_dir(const char *path)
{
	char *dir, *slash;

	if ((dir = strdup(path)) == NULL)
		return;
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		(void)mkdir(dir, 0700);
	}
	free(dir);
}

struct swap {
	struct fleet	*f;
	struct snap	*sn;
	size_t		 count;
	char		*why;
	size_t		 whysz;
};

/*
 * A new generation with the meta's key and prefix, filled and swapped in
 * (restore --atomic's machinery, which carries this host's last_used).
 * Called by shared_swap() with the daemon's own handle closed: LMDB must
 * never have one file open twice in a process.
 */
static int
swap_in(void *arg)
{
	struct swap *w = arg;
	struct fleet *f = w->f;
	struct store_gen *g = NULL;
	struct store *st;
	struct store_txn *t = NULL;
	int r;

	make_dir(f->db);
	if ((r = store_gen_begin(f->db, STORE_CHECK_SAFE, w->sn->prefix, &g,
	    &st, w->why, w->whysz)) != 0)
		goto out;
	if ((r = store_txn_begin(st, 0, &t, w->why, w->whysz)) != 0 ||
	    (r = store_reset(t, w->sn->prefix, w->sn->key)) != 0)
		goto out;
	for (size_t i = 0; i < w->sn->nserials; i++)
		if ((r = store_setting_put(t, w->sn->serials[2 * i],
		    w->sn->serials[2 * i + 1])) != 0)
			goto out;
	if ((r = meta_current(f, t, w->sn)) != 0 ||
	    (r = put_items(t, w->sn, &w->count)) != 0 ||
	    (r = fleet_settings_put(t, &w->sn->settings)) != 0 ||
	    (r = fleet_put_revision(t, f->prefix, w->sn->rev)) != 0)
		goto out;
	r = store_txn_commit(t, w->why, w->whysz);
	t = NULL;
	if (r != 0)
		goto out;
	r = store_gen_commit(g, w->why, w->whysz);
	g = NULL;
out:
	store_txn_abort(t);
	store_gen_abort(g);
	return r;
}

/*
 * Everything under the prefix at one revision, read over the network
 * first, then applied: in one txn when the store has the meta's key, else
 * swapped in whole.  *revp: the revision read.  Without a meta (nothing
 * published yet) the store stays as it is.
 */
int
fleet_resync(struct fleet *f, int64_t *revp, char *why, size_t whysz)
{
	struct snap sn;
	struct swap w;
	size_t count = 0;
	int r;

	memset(&sn, 0, sizeof(sn));
	sn.f = f;
	if ((r = snap_read(f, &sn, why, whysz)) != 0)
		goto out;
	*revp = sn.rev;
	if (!sn.found) {
		logmsg(LOG_NOTICE, "fleet: nothing published under %s at "
		    "revision %" PRId64 " yet: waiting", f->prefix, sn.rev);
		goto out;
	}
	if ((r = apply_snap(f, &sn, &count, why, whysz)) == 1) {
		w.f = f;
		w.sn = &sn;
		w.count = 0;
		w.why = why;
		w.whysz = whysz;
		r = shared_swap(f->shared, swap_in, &w);
		count = w.count;
	}
	if (r == 0) {
		logmsg(LOG_NOTICE, "fleet: %zu token(s) read from %s at "
		    "revision %" PRId64, count, etcd_endpoint(f->etcd),
		    sn.rev);
		fleet_working(f, sn.rev);
	}
out:
	snap_free(&sn);
	return r;
}
