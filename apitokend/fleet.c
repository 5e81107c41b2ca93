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

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include <jansson.h>

#include "apitokend.h"
#include "error.h"
#include "etcd.h"
#include "fleet.h"
#include "fleet_int.h"
#include "rfc3339.h"
#include "random.h"
#include "record.h"
#include "store.h"
#include "token.h"

#define BACKOFF_MIN_MS	100
#define BACKOFF_MAX_MS	5000
#define PROBE_TIMEOUT	2	/* Seconds one may take. */
/* Failing probes for this long: the watch's member is given up. */
#define WATCH_DEAD_MS	10000
#define REV_BUFSZ	24


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

int64_t
fleet_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
fleet_fresh(struct fleet *f)
{
	atomic_store(&f->fresh_at, fleet_mono_ms() / 1000);
	f->fresh_wall = (int64_t)time(NULL);
}

int64_t
fleet_age(struct fleet *f)
{
	int64_t at = atomic_load(&f->fresh_at);

	return at < 0 ? -1 : fleet_mono_ms() / 1000 - at;
}

/* In step with etcd again. */
void
fleet_working(struct fleet *f, int64_t rev)
{
	fleet_fresh(f);
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

int
fleet_put_revision(struct store_txn *t, const char *prefix, int64_t rev)
{
	char buf[REV_BUFSZ];
	int r;

	snprintf(buf, sizeof(buf), "%" PRId64, rev);
	if ((r = store_setting_put(t, SET_FLEET_REVISION, buf)) != 0)
		return r;
	return store_setting_put(t, SET_FLEET_PREFIX, prefix);
}

/* --- one token ---------------------------------------------------------- */

void
fleet_skipped(const struct etcd_kv *kv, const char *why)
{
	logmsg(LOG_WARNING, "fleet: skipped the value of %.*s: %s",
	    (int)(kv->keylen > 200 ? 200 : kv->keylen), kv->key, why);
}

/* The key values must be signed with (--trust), or NULL. */
struct sign_key *
fleet_trusted(const struct fleet *f)
{
	return f->trust;
}

/*
 * The body of kv's value: unsealed, and under --trust signed with the
 * trusted key and no older than the version the store holds for id (NULL:
 * the meta) when t is given.  0 with *bodyp (allocated) and *serialp;
 * -1 after logging why it is skipped.
 */
int
fleet_open_value(const struct fleet *f, struct store_txn *t,
    const unsigned char *id, const struct etcd_kv *kv, char **bodyp,
    uint64_t *serialp)
{
	const char *why = "";
	char msg[128];
	uint64_t have = 0;

	if (fleet_unseal(kv->key, kv->keylen, kv->value, kv->valuelen,
	    fleet_trusted(f), bodyp, serialp, &why) != 0) {
		fleet_skipped(kv, why);
		return -1;
	}
	if (fleet_trusted(f) == NULL || t == NULL)
		return 0;
	if (fleet_serial_get(t, id, &have) != 0 || *serialp < have) {
		snprintf(msg, sizeof(msg), "serial %llu is older than %llu, "
		    "the version applied here: a replay", (unsigned long long)
		    *serialp, (unsigned long long)have);
		fleet_skipped(kv, msg);
		free(*bodyp);
		*bodyp = NULL;
		return -1;
	}
	return 0;
}

/*
 * Put the token etcd holds at kv into the txn.  A name another id holds
 * here is a token etcd removed or renamed in a change not applied yet:
 * that one gives way.  0 (*applied says whether it was, or skipped), or a
 * store error (the txn is then let go).
 */
int
fleet_put_token(const struct fleet *f, struct store_txn *t,
    const unsigned char *id, const struct etcd_kv *kv, int *applied)
{
	struct record rec, other;
	const char *why = "";
	uint64_t serial;
	char *body = NULL;
	int r;

	*applied = 0;
	memset(&rec, 0, sizeof(rec));
	if (fleet_open_value(f, t, id, kv, &body, &serial) != 0)
		return 0;
	r = fleet_record_parse(body, strlen(body), &rec, &why);
	explicit_bzero(body, strlen(body));
	free(body);
	if (r != 0) {
		fleet_skipped(kv, why);
		record_free(&rec);
		return 0;
	}
	if (memcmp(rec.id, id, TOKEN_ID_BYTES) != 0) {
		fleet_skipped(kv, "the id is not the key's");
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
			fleet_skipped(kv, "its name or digest belongs to "
			    "another token");
			record_free(&rec);
			return 0;
		}
	}
	/* The newest version applied: no older one may come back. */
	if (r == 0 && serial > 0)
		r = fleet_serial_put(t, id, serial);
	*applied = r == 0;
	record_free(&rec);
	return r;
}

/* --- the watch ---------------------------------------------------------- */

struct apply {
	struct fleet	*f;
	int64_t		 rev;		/* Applied up to. */
	int		 restart;	/* Watch elsewhere (stopping()). */
};

static int
probe_cb(const struct etcd_kv *kv, void *arg)
{
	(void)kv;
	(void)arg;
	return 0;
}

/*
 * While the watch runs, once every --probe-interval (conf.probe seconds):
 * a linearizable read (which
 * needs the cluster's quorum) through the watch's own member.  When it
 * answers, that member is in the cluster and its watch stream is not
 * behind by more than what is in flight: the store is fresh.
 */
static void
probe(struct fleet *f)
{
	char why[WHY_MAX];
	int64_t now = fleet_mono_ms(), rev;
	int more;

	if (now - f->probed_ms < f->conf.probe * 1000)
		return;
	f->probed_ms = now;
	etcd_pin(f->probe, etcd_current(f->etcd));
	if (etcd_range(f->probe, f->meta_key, strlen(f->meta_key), NULL, 0, 0,
	    1, probe_cb, NULL, &rev, &more, why, sizeof(why)) == 0) {
		fleet_fresh(f);
		f->probe_failed_ms = 0;
	} else if (f->probe_failed_ms == 0)
		f->probe_failed_ms = now;
}

/*
 * Every --report seconds while the watch runs: this host's revision and
 * when it was last in step, under <prefix>hosts/<host>, for apitoken
 * status.  A report that fails is tried again at the next.
 */
static void
report(struct fleet *f, int64_t rev)
{
	struct etcd_op op;
	char why[WHY_MAX], fresh[RFC3339_BUFSZ], now[RFC3339_BUFSZ];
	char *value;
	int64_t ms = fleet_mono_ms(), got;
	json_t *o;

	if (f->conf.report <= 0 || (f->reported_ms != 0 &&
	    ms - f->reported_ms < f->conf.report * 1000))
		return;
	f->reported_ms = ms;
	if (rfc3339_format((int64_t)time(NULL), now, sizeof(now)) != 0 ||
	    (f->fresh_wall != 0 && rfc3339_format(f->fresh_wall, fresh,
	    sizeof(fresh)) != 0))
		return;
	o = json_pack("{s:s, s:I, s:s?, s:s}", "host", f->conf.host,
	    "revision", (json_int_t)rev, "in_step", f->fresh_wall != 0 ?
	    fresh : NULL, "reported", now);
	value = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	if (value == NULL)
		return;
	op.key = f->host_key;
	op.keylen = strlen(f->host_key);
	op.value = value;
	op.valuelen = strlen(value);
	(void)etcd_txn(f->probe, &op, 1, &got, why, sizeof(why));
	free(value);
}

/*
 * etcd_watch()'s stop: polled with the apply_events() argument about once
 * a second and whenever data comes; it also probes freshness and reports.
 */
static int
stopping(void *arg)
{
	struct apply *a = arg;

	if (atomic_load(&a->f->stop))
		return 1;
	probe(a->f);
	report(a->f, a->rev);
	fleet_uses_publish(a->f, 0);
	/*
	 * A member that answers no read for that long (cut off from the
	 * others, stopped) may well send no event either: watch elsewhere.
	 */
	if (a->f->probe_failed_ms != 0 &&
	    fleet_mono_ms() - a->f->probe_failed_ms >= WATCH_DEAD_MS) {
		a->restart = 1;
		return 1;
	}
	return 0;
}

/*
 * A meta that is not the store's own: everything must be read again (1).
 * One that is (its serial noted) or that is skipped: 0.  Or an error.
 */
static int
meta_differs(const struct fleet *f, struct store_txn *t, struct store *st,
    const struct etcd_kv *kv)
{
	unsigned char key[STORE_KEY_BYTES], have[STORE_KEY_BYTES];
	char prefix[TOKEN_PREFIX_MAX + 1], *body = NULL;
	struct fleet_settings fs;
	const char *why = "";
	uint64_t serial;
	int differs, r;

	if (kv->deleted) {
		logmsg(LOG_WARNING, "fleet: the meta key was removed: keeping "
		    "the store as it is");
		return 0;
	}
	if (fleet_open_value(f, t, NULL, kv, &body, &serial) != 0)
		return 0;
	memset(&fs, 0, sizeof(fs));
	r = fleet_meta_parse(body, strlen(body), prefix, sizeof(prefix), key,
	    &fs, &why);
	explicit_bzero(body, strlen(body));
	free(body);
	if (r != 0) {
		fleet_skipped(kv, why);
		return 0;
	}
	differs = store_get_key(st, have) != 0 ||
	    memcmp(key, have, sizeof(key)) != 0 ||
	    strcmp(prefix, store_prefix(st)) != 0;
	explicit_bzero(key, sizeof(key));
	explicit_bzero(have, sizeof(have));
	/* The same store: its settings (apitoken config) as published. */
	r = differs ? 1 : fleet_settings_put(t, &fs);
	fleet_settings_free(&fs);
	if (r != 0)
		return r;
	return serial > 0 ? fleet_serial_put(t, NULL, serial) : 0;
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
			if ((r = meta_differs(f, t, st, &kvs[i])) == 1)
				r = RESYNC;
			break;
		case FLEET_KEY_TOKEN:
			if (kvs[i].deleted) {
				r = store_delete(t, id);
				if (r == ATK_ERR_NOTFOUND)
					r = 0;
				if (r == 0)
					fleet_forget_use(f, id);
			} else
				r = fleet_put_token(f, t, id, &kvs[i],
				    &applied);
			break;
		default:
			if (!kvs[i].deleted)
				fleet_skipped(&kvs[i],
				    "not a key of apitoken's");
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
		r = fleet_put_revision(t, f->prefix, applied_rev);
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
	fleet_working(f, applied_rev);
	return 0;
}

/* --- the thread ------------------------------------------------------- */

static void *
run(void *arg)
{
	struct fleet *f = arg;
	struct apply a = { f, 0, 0 };
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
		    (r = fleet_resync(f, &a.rev, why, sizeof(why))) != 0) {
			if (!atomic_load(&f->stop))
				failed(f, "reading the prefix", r, why);
			goto again;
		}
		why[0] = '\0';
		if (!f->failing)
			logmsg(LOG_INFO, "fleet: watching at %s from revision %"
			    PRId64, etcd_endpoint(f->etcd), a.rev + 1);
		r = etcd_watch(f->etcd, f->meta_key, strlen(f->meta_key),
		    f->end, f->endlen, a.rev + 1, apply_events, stopping, &a,
		    &compact,
		    why, sizeof(why));
		if (r == 0 && a.restart && !atomic_load(&f->stop)) {
			a.restart = 0;
			f->probe_failed_ms = 0;
			failed(f, "watching", ATK_ERR_TIMEOUT, "the watch's "
			    "member answered no read for 10 s");
			etcd_next(f->etcd);
			goto again;
		}
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

/* What fleet_start() made, its thread not running. */
static void
fleet_free(struct fleet *f)
{
	etcd_free(f->etcd);
	etcd_free(f->probe);
	free(f->meta_key);
	free(f->end);
	free(f->host_key);
	sign_key_free(f->trust);
	fleet_uses_free(f->uses);
	pthread_cond_destroy(&f->wake);
	pthread_mutex_destroy(&f->lock);
	free(f);
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
	atomic_store(&f->fresh_at, -1);
	if ((r = fleet_uses_new(&f->uses)) != 0 ||
	    (r = fleet_client(conf, &f->etcd, why, whysz)) != 0 ||
	    (r = fleet_client(conf, &f->probe, why, whysz)) != 0)
		goto fail;
	/* The meta and the tokens, not the hosts' reports. */
	if ((f->meta_key = fleet_meta_key(f->prefix)) == NULL ||
	    (f->end = fleet_range_end(f->prefix)) == NULL ||
	    (f->host_key = fleet_host_key(f->prefix, conf->host)) == NULL) {
		r = ATK_ERR_NOMEM;
		goto fail;
	}
	f->endlen = strlen(f->end);
	etcd_set_timeout(f->probe, PROBE_TIMEOUT);
	if (conf->trusted && (r = sign_key_public(conf->trust, &f->trust)) != 0)
		goto fail;
	if ((r = pthread_create(&f->thread, NULL, run, f)) != 0) {
		r = ATK_ERR_SYSTEM;
		goto fail;
	}
	*fp = f;
	return 0;
fail:
	fleet_free(f);
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
	/* The uses of the last seconds: one try, on the probe's timeout. */
	fleet_uses_publish(f, 1);
	fleet_free(f);
}
