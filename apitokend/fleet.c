/*
 * apitokend --etcd: keep the store equal to the prefix in etcd (SPEC
 * section 11), from one thread of its own, so that a login never waits on
 * the network.
 *
 * The first time (no revision in the store, or another prefix) the whole
 * prefix is read at one revision into a new generation of the store that
 * then replaces it in one rename (store_gen_*(), restore --atomic's
 * machinery: this host's last_used carried over).  Then a watch from the
 * next revision: each response is applied in one write txn that also
 * records its revision (fleet.revision), so a restart resumes where the
 * store is.  A compacted revision, or a meta with another key or prefix,
 * means reading everything again.  A value that cannot be read is logged
 * and skipped.  A failure to reach etcd is retried with a jittered,
 * growing pause, across the endpoints, while the store keeps serving.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "apitokend.h"
#include "error.h"
#include "etcd.h"
#include "fleet.h"
#include "random.h"
#include "record.h"
#include "store.h"
#include "token.h"

#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000
#define PAGE		1000	/* Keys a range request asks for. */
/* fleet_apply()'s "read everything again". */
#define RESYNC		1
#define REV_BUFSZ	24

struct fleet {
	pthread_t	 thread;
	pthread_mutex_t	 lock;
	pthread_cond_t	 wake;
	atomic_int	 stop;
	struct shared	*shared;
	const char	*db;
	struct fleet_conf conf;
	struct etcd	*etcd;
	char		*prefix;	/* conf.prefix */
	unsigned char	 end[FLEET_PREFIX_MAX];
	size_t		 endlen;
	int		 failing;	/* Said so once; quiet till it works. */
	unsigned int	 backoff;	/* The next pause, in ms. */
};


/* Sleep ms, or less when told to stop. */
static void
pause_ms(struct fleet *f, unsigned int ms)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&f->lock);
	while (!atomic_load(&f->stop) &&
	    pthread_cond_timedwait(&f->wake, &f->lock, &until) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&f->lock);
}

/* Half to all of the pause, at random: hosts do not come back in step. */
static unsigned int
jitter(unsigned int ms)
{
	uint32_t x = 0;

	(void)random_buf(&x, sizeof(x));
	return ms / 2 + x % (ms / 2 + 1);
}

/* In step with etcd again. */
static void
working(struct fleet *f, int64_t rev)
{
	f->backoff = BACKOFF_MIN_MS;
	if (!f->failing)
		return;
	f->failing = 0;
	logmsg(LOG_NOTICE, "fleet: in step again at revision %" PRId64 " "
	    "(%s)", rev, etcd_endpoint(f->etcd));
}

static void
failed(struct fleet *f, const char *what, int r, const char *why)
{
	if (f->failing)
		return;
	f->failing = 1;
	logmsg(LOG_WARNING, "fleet: %s: %s%s%s (retrying; logins are "
	    "answered from the store as it is)", what, atk_strerror(r),
	    why[0] != '\0' ? ": " : "", why);
}

/* --- the revision the store holds ------------------------------------- */

/* 0 when none (or another prefix's), else the revision. */
static int64_t
held_revision(struct fleet *f)
{
	struct store *st;
	struct store_txn *t;
	char *rev = NULL, *prefix = NULL, *end;
	int64_t v = 0;

	if (shared_acquire(f->shared, &st, NULL, 0) != 0)
		return 0;
	if (store_txn_begin(st, STORE_RDONLY, &t, NULL, 0) == 0) {
		if (store_setting_get(t, SET_FLEET_REVISION, &rev) == 0 &&
		    store_setting_get(t, SET_FLEET_PREFIX, &prefix) == 0 &&
		    strcmp(prefix, f->prefix) == 0) {
			errno = 0;
			v = strtoll(rev, &end, 10);
			if (errno != 0 || *end != '\0' || v < 0)
				v = 0;
		}
		store_txn_abort(t);
	}
	shared_release(f->shared);
	free(rev);
	free(prefix);
	return v;
}

static int
put_revision(struct store_txn *t, const char *prefix, int64_t rev)
{
	char buf[REV_BUFSZ];
	int r;

	snprintf(buf, sizeof(buf), "%" PRId64, rev);
	if ((r = store_setting_put(t, SET_FLEET_REVISION, buf)) != 0)
		return r;
	return store_setting_put(t, SET_FLEET_PREFIX, prefix);
}

/* --- one token ---------------------------------------------------------- */

static void
skipped(const struct etcd_kv *kv, const char *why)
{
	logmsg(LOG_WARNING, "fleet: skipped the value of %.*s: %s",
	    (int)(kv->keylen > 200 ? 200 : kv->keylen), kv->key, why);
}

/*
 * Put the token etcd holds at kv into the txn.  A name another id holds
 * here is a token etcd removed or renamed in a change not applied yet:
 * that one gives way.  0 (*applied says whether it was, or skipped), or a
 * store error (the txn is then let go).
 */
static int
put_token(struct store_txn *t, const unsigned char *id,
    const struct etcd_kv *kv, int *applied)
{
	struct record rec, other;
	const char *why = "";
	int r;

	*applied = 0;
	memset(&rec, 0, sizeof(rec));
	if (fleet_record_parse(kv->value, kv->valuelen, &rec, &why) != 0) {
		skipped(kv, why);
		record_free(&rec);
		return 0;
	}
	if (memcmp(rec.id, id, TOKEN_ID_BYTES) != 0) {
		skipped(kv, "the id is not the key's");
		record_free(&rec);
		return 0;
	}
	if ((r = store_put(t, &rec, STORE_REPLACE)) == ATK_ERR_EXISTS) {
		memset(&other, 0, sizeof(other));
		if (store_find(t, rec.name, &other) == 0 &&
		    memcmp(other.id, rec.id, TOKEN_ID_BYTES) != 0 &&
		    store_delete(t, other.id) == 0)
			r = store_put(t, &rec, STORE_REPLACE);
		record_free(&other);
		if (r == ATK_ERR_EXISTS) {
			skipped(kv, "its name or digest belongs to another "
			    "token");
			record_free(&rec);
			return 0;
		}
	}
	*applied = r == 0;
	record_free(&rec);
	return r;
}

/* --- the watch ---------------------------------------------------------- */

struct apply {
	struct fleet	*f;
	int64_t		 rev;		/* Applied up to. */
};

/* etcd_watch()'s stop: polled with the apply_events() argument. */
static int
stopping(void *arg)
{
	struct apply *a = arg;

	return atomic_load(&a->f->stop);
}

/* A meta that is not the store's own: everything must be read again. */
static int
meta_differs(struct store *st, const struct etcd_kv *kv)
{
	unsigned char key[STORE_KEY_BYTES], have[STORE_KEY_BYTES];
	char prefix[TOKEN_PREFIX_MAX + 1];
	const char *why = "";
	int differs;

	if (kv->deleted) {
		logmsg(LOG_WARNING, "fleet: the meta key was removed: keeping "
		    "the store as it is");
		return 0;
	}
	if (fleet_meta_parse(kv->value, kv->valuelen, prefix, sizeof(prefix),
	    key, &why) != 0) {
		skipped(kv, why);
		return 0;
	}
	differs = store_get_key(st, have) != 0 ||
	    memcmp(key, have, sizeof(key)) != 0 ||
	    strcmp(prefix, store_prefix(st)) != 0;
	explicit_bzero(key, sizeof(key));
	explicit_bzero(have, sizeof(have));
	return differs;
}

static int
apply_events(const struct etcd_kv *kvs, size_t n, int64_t rev, void *arg)
{
	struct apply *a = arg;
	struct fleet *f = a->f;
	unsigned char id[TOKEN_ID_BYTES];
	struct store *st;
	struct store_txn *t = NULL;
	char why[WHY_MAX] = "";
	int64_t applied_rev = 0;
	size_t i;
	int applied, r;

	if ((r = shared_acquire(f->shared, &st, why, sizeof(why))) != 0)
		return RESYNC;		/* No store: make one. */
	if ((r = store_txn_begin(st, 0, &t, why, sizeof(why))) != 0)
		goto out;
	for (i = 0; i < n && r == 0; i++) {
		switch (fleet_key_kind(f->prefix, kvs[i].key, kvs[i].keylen,
		    id)) {
		case FLEET_KEY_META:
			if (meta_differs(st, &kvs[i]))
				r = RESYNC;
			break;
		case FLEET_KEY_TOKEN:
			if (kvs[i].deleted) {
				r = store_delete(t, id);
				if (r == ATK_ERR_NOTFOUND)
					r = 0;
			} else
				r = put_token(t, id, &kvs[i], &applied);
			break;
		default:
			if (!kvs[i].deleted)
				skipped(&kvs[i], "not a key of apitoken's");
			break;
		}
	}
	/*
	 * The newest event's revision, not the header's: a watch catching up
	 * sends a batch under the header of the store's revision of now with
	 * more batches to come, and a restart must resume after what was
	 * applied, not after what was announced.
	 */
	for (i = 0; i < n; i++)
		if (kvs[i].mod_revision > applied_rev)
			applied_rev = kvs[i].mod_revision;
	if (applied_rev == 0)
		applied_rev = rev;
	if (r == 0)
		r = put_revision(t, f->prefix, applied_rev);
	if (r == 0) {
		r = store_txn_commit(t, why, sizeof(why));
		t = NULL;
	}
out:
	store_txn_abort(t);
	shared_release(f->shared);
	if (r == RESYNC)
		return RESYNC;
	if (r != 0) {
		logmsg(LOG_ERR, "fleet: revision %" PRId64 " not applied: "
		    "%s%s%s", rev, atk_strerror(r), why[0] != '\0' ? ": " : "",
		    why);
		return r;
	}
	a->rev = applied_rev;
	working(f, applied_rev);
	return 0;
}

/* --- reading everything ------------------------------------------------- */

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
	int64_t		 rev;
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
	void *p;

	if ((p = dup_bytes(kv->key, kv->keylen)) == NULL)
		goto nomem;
	free(sn->last);
	sn->last = p;
	sn->lastlen = kv->keylen + 1;	/* Just after it. */
	switch (fleet_key_kind(sn->f->prefix, kv->key, kv->keylen, id)) {
	case FLEET_KEY_META:
		if (fleet_meta_parse(kv->value, kv->valuelen, sn->prefix,
		    sizeof(sn->prefix), sn->key, &why) == 0)
			sn->found = 1;
		else
			skipped(kv, why);
		return 0;
	case FLEET_KEY_TOKEN:
		break;
	default:
		skipped(kv, "not a key of apitoken's");
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

	sn->lastlen = strlen(f->prefix);
	if ((sn->last = dup_bytes(f->prefix, sn->lastlen)) == NULL)
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
		if ((r = put_token(t, sn->items[i].id, &kv, &applied)) != 0)
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
		shared_release(f->shared);
		return 1;
	}
	qsort(sn->items, sn->n, sizeof(*sn->items), id_cmp);
	if ((r = store_txn_begin(s, 0, &t, why, whysz)) != 0 ||
	    (r = store_foreach(t, stale_cb, &st)) != 0 || (r = st.r) != 0)
		goto out;
	for (size_t i = 0; i < st.n; i++)
		if ((r = store_delete(t, st.ids + i * TOKEN_ID_BYTES)) != 0 &&
		    r != ATK_ERR_NOTFOUND)
			goto out;
	if ((r = put_items(t, sn, count)) != 0 ||
	    (r = put_revision(t, f->prefix, sn->rev)) != 0)
		goto out;
	r = store_txn_commit(t, why, whysz);
	t = NULL;
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
	    (r = store_reset(t, w->sn->prefix, w->sn->key)) != 0 ||
	    (r = put_items(t, w->sn, &w->count)) != 0 ||
	    (r = put_revision(t, f->prefix, w->sn->rev)) != 0)
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
static int
resync(struct fleet *f, int64_t *revp, char *why, size_t whysz)
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
		working(f, sn.rev);
	}
out:
	snap_free(&sn);
	return r;
}

/* --- the thread ------------------------------------------------------- */

static void *
run(void *arg)
{
	struct fleet *f = arg;
	struct apply a = { f, 0 };
	char why[WHY_MAX];
	int64_t compact;
	int r;

	a.rev = held_revision(f);
	if (a.rev > 0)
		logmsg(LOG_INFO, "fleet: the store holds revision %" PRId64
		    ": watching from the next", a.rev);
	while (!atomic_load(&f->stop)) {
		why[0] = '\0';
		if (a.rev == 0 &&
		    (r = resync(f, &a.rev, why, sizeof(why))) != 0) {
			if (!atomic_load(&f->stop))
				failed(f, "reading the prefix", r, why);
			goto again;
		}
		why[0] = '\0';
		r = etcd_watch(f->etcd, f->prefix, strlen(f->prefix), f->end,
		    f->endlen, a.rev + 1, apply_events, stopping, &a, &compact,
		    why, sizeof(why));
		if (r == 0)
			break;		/* Stopped. */
		if (r == RESYNC || r == ATK_ERR_COMPACTED) {
			logmsg(LOG_NOTICE, "fleet: %s: reading everything "
			    "again", r == RESYNC ? "a new key, prefix or "
			    "store" : "revision compacted");
			a.rev = 0;
			continue;
		}
		failed(f, "watching", r, why);
again:
		pause_ms(f, jitter(f->backoff));
		f->backoff = f->backoff * 2 > BACKOFF_MAX_MS ?
		    BACKOFF_MAX_MS : f->backoff * 2;
	}
	return NULL;
}

int
fleet_start(struct shared *sh, const char *db, const struct fleet_conf *conf,
    struct fleet **fp, char *why, size_t whysz)
{
	struct fleet *f;
	int r;

	*fp = NULL;
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return ATK_ERR_NOMEM;
	f->shared = sh;
	f->db = db;
	f->conf = *conf;
	f->prefix = conf->prefix;
	f->backoff = BACKOFF_MIN_MS;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->wake, NULL);
	if ((r = etcd_prefix_end(f->prefix, strlen(f->prefix), f->end,
	    &f->endlen)) != 0 ||
	    (r = fleet_client(conf, &f->etcd, why, whysz)) != 0)
		goto fail;
	if ((r = pthread_create(&f->thread, NULL, run, f)) != 0) {
		r = ATK_ERR_SYSTEM;
		goto fail;
	}
	*fp = f;
	return 0;
fail:
	etcd_free(f->etcd);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
	free(f);
	return r;
}

void
fleet_stop(struct fleet *f)
{
	if (f == NULL)
		return;
	pthread_mutex_lock(&f->lock);
	atomic_store(&f->stop, 1);
	pthread_cond_broadcast(&f->wake);
	pthread_mutex_unlock(&f->lock);
	etcd_interrupt(f->etcd);
	pthread_join(f->thread, NULL);
	etcd_free(f->etcd);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
	free(f);
}
