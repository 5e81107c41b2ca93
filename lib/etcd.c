/*
 * etcd's v3 JSON gateway, the transport: POSTs to /v3/kv/range,
 * /v3/kv/txn and the stream of /v3/watch with libcurl, over HTTP or HTTPS
 * (with a client certificate where the cluster asks for one), one
 * endpoint after another.  lib/etcd_json.c makes and reads the bodies.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "error.h"
#include "etcd.h"
#include "random.h"

#define TIMEOUT_DEFAULT		10L	/* Seconds for a range or txn. */
#define CONNECT_TIMEOUT		3L	/* Seconds to connect to one member. */
#define KEEPALIVE_IDLE		10L	/* A watch's TCP keepalive. */
#define KEEPALIVE_INTVL		5L
/* A watch looks at stop() this often at least, and when woken. */
#define WATCH_POLL_MS		1000
/* The longest answer (or line of a watch stream) taken in. */
#define ANSWER_MAX		((size_t)256 << 20)
#define WHY_CURL		CURL_ERROR_SIZE

struct etcd {
	char		*urls[ETCD_ENDPOINTS_MAX];
	size_t		 n;
	size_t		 cur;		/* Asked first next time. */
	int		 pinned;	/* Only cur is asked (etcd_pin()). */
	char		*cacert, *cert, *key;
	long		 timeout;
	CURL		*curl;
	CURLM		*multi;		/* A watch's, for etcd_interrupt(). */
	char		 errbuf[WHY_CURL];
};

/* An answer growing as it arrives. */
struct answer {
	char		*p;
	size_t		 n, cap;
	int		 toolong;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_FAILED_INIT;

static void
curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void set_why(char *, size_t, const char *, ...)
    __attribute__((__format__(__printf__, 3, 4)));
static CURLcode perform(struct etcd *, int (*)(void *), void *, int *);

static void
set_why(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whysz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
}

/* One endpoint's length, or 0 if it is not "http[s]://authority[/]". */
static size_t
endpoint_len(const char *s, char *why, size_t whysz)
{
	const char *p;
	size_t n = strcspn(s, ","), i, host;

	if (strncmp(s, "http://", 7) == 0)
		p = s + 7;
	else if (strncmp(s, "https://", 8) == 0)
		p = s + 8;
	else {
		set_why(why, whysz, "an endpoint is not an http:// or "
		    "https:// URL");
		return 0;
	}
	host = (size_t)(p - s);
	for (i = host; i < n; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789.-:[]", s[i]) == NULL)
			break;
	if (i < n && s[i] == '/' && i + 1 == n)
		i++;
	if (i != n || n == host || s[host] == ':' || s[host] == '/' ||
	    n >= ETCD_URL_MAX) {
		set_why(why, whysz, "an endpoint is not scheme://host[:port] "
		    "(no path, user or query; under %d characters)",
		    ETCD_URL_MAX);
		return 0;
	}
	return n;
}

int
etcd_endpoints_check(const char *list, char *why, size_t whysz)
{
	size_t count = 0, n;

	for (;;) {
		if ((n = endpoint_len(list, why, whysz)) == 0)
			return ATK_ERR_SYNTAX;
		if (++count > ETCD_ENDPOINTS_MAX) {
			set_why(why, whysz, "more than %d endpoints",
			    ETCD_ENDPOINTS_MAX);
			return ATK_ERR_SYNTAX;
		}
		if (list[n] == '\0')
			return 0;
		list += n + 1;
	}
}

static int
dup_opt(const char *s, char **dp)
{
	*dp = NULL;
	if (s == NULL)
		return 0;
	return (*dp = strdup(s)) == NULL ? ATK_ERR_NOMEM : 0;
}

int
etcd_new(const char *list, const struct etcd_tls *tls, struct etcd **ep,
    char *why, size_t whysz)
{
	struct etcd *e;
	uint32_t start;
	size_t n;
	int r;

	*ep = NULL;
	if ((r = etcd_endpoints_check(list, why, whysz)) != 0)
		return r;
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		set_why(why, whysz, "libcurl: %s",
		    curl_easy_strerror(curl_init_rc));
		return ATK_ERR_SYSTEM;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return ATK_ERR_NOMEM;
	e->timeout = TIMEOUT_DEFAULT;
	for (;;) {
		n = strcspn(list, ",");
		/* Without the trailing '/': the paths bring their own. */
		if ((e->urls[e->n] = strndup(list, n > 0 &&
		    list[n - 1] == '/' ? n - 1 : n)) == NULL)
			goto nomem;
		e->n++;
		if (list[n] == '\0')
			break;
		list += n + 1;
	}
	if (tls != NULL && (dup_opt(tls->cacert, &e->cacert) != 0 ||
	    dup_opt(tls->cert, &e->cert) != 0 ||
	    dup_opt(tls->key, &e->key) != 0))
		goto nomem;
	if ((e->curl = curl_easy_init()) == NULL ||
	    (e->multi = curl_multi_init()) == NULL)
		goto nomem;
	/*
	 * Hosts given the same list start on a member of their own, so
	 * that their watches spread over the cluster.
	 */
	if (random_buf(&start, sizeof(start)) == 0)
		e->cur = start % e->n;
	*ep = e;
	return 0;
nomem:
	etcd_free(e);
	return ATK_ERR_NOMEM;
}

void
etcd_free(struct etcd *e)
{
	if (e == NULL)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->urls[i]);
	free(e->cacert);
	free(e->cert);
	free(e->key);
	if (e->curl != NULL)
		curl_easy_cleanup(e->curl);
	if (e->multi != NULL)
		curl_multi_cleanup(e->multi);
	free(e);
}

const char *
etcd_endpoint(const struct etcd *e)
{
	return e->urls[e->cur];
}

size_t
etcd_current(const struct etcd *e)
{
	return e->cur;
}

void
etcd_next(struct etcd *e)
{
	e->cur = (e->cur + 1) % e->n;
}

void
etcd_pin(struct etcd *e, size_t i)
{
	e->cur = i % e->n;
	e->pinned = 1;
}

void
etcd_set_timeout(struct etcd *e, long secs)
{
	e->timeout = secs;
}

/* An answer may hold the store's key and verifiers: not left in memory. */
static void
answer_free(struct answer *a)
{
	if (a->p != NULL)
		explicit_bzero(a->p, a->cap);
	free(a->p);
	a->p = NULL;
	a->n = a->cap = 0;
}

static int
answer_add(struct answer *a, const char *p, size_t n)
{
	size_t cap;
	char *q;

	if (n > ANSWER_MAX - a->n) {
		a->toolong = 1;
		return -1;
	}
	if (a->n + n + 1 > a->cap) {
		cap = a->cap == 0 ? 4096 : a->cap;
		while (cap < a->n + n + 1)
			cap *= 2;
		/* Not realloc(): the old copy is wiped before it is freed. */
		if ((q = malloc(cap)) == NULL)
			return -1;
		if (a->p != NULL) {
			memcpy(q, a->p, a->n);
			explicit_bzero(a->p, a->cap);
			free(a->p);
		}
		a->p = q;
		a->cap = cap;
	}
	memcpy(a->p + a->n, p, n);
	a->n += n;
	a->p[a->n] = '\0';
	return 0;
}

static size_t
write_answer(char *p, size_t size, size_t nmemb, void *arg)
{
	return answer_add(arg, p, size * nmemb) == 0 ? size * nmemb : 0;
}

/* The options every request to endpoint i sets. */
static int
setup(struct etcd *e, size_t i, const char *path, const char *body,
    struct curl_slist *hdrs)
{
	char url[ETCD_URL_MAX + 32];
	CURL *c = e->curl;

	snprintf(url, sizeof(url), "%s%s", e->urls[i], path);
	curl_easy_reset(c);
	e->errbuf[0] = '\0';
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, e->errbuf) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT) !=
	    CURLE_OK ||
	    (e->cacert != NULL && curl_easy_setopt(c, CURLOPT_CAINFO,
	    e->cacert) != CURLE_OK) ||
	    (e->cert != NULL && curl_easy_setopt(c, CURLOPT_SSLCERT,
	    e->cert) != CURLE_OK) ||
	    (e->key != NULL && curl_easy_setopt(c, CURLOPT_SSLKEY,
	    e->key) != CURLE_OK))
		return -1;
	return 0;
}

/* Words for a failed transfer: curl's own, or its code's. */
static void
curl_why(struct etcd *e, size_t i, CURLcode rc, char *why, size_t whysz)
{
	set_why(why, whysz, "%s: %s", e->urls[i], e->errbuf[0] != '\0' ?
	    e->errbuf : curl_easy_strerror(rc));
}

/*
 * POST body to path on each endpoint in turn, from the current one, and
 * decode the first answer that is not a server error.
 */
static int
request(struct etcd *e, const char *path, const char *body,
    int (*decode)(const char *, size_t, void *, char *, size_t), void *dctx,
    char *why, size_t whysz)
{
	struct curl_slist *hdrs;
	struct answer a;
	CURLcode rc;
	long code = 0;
	size_t i, k;
	int r = ATK_ERR_UNREACHABLE;

	if ((hdrs = curl_slist_append(NULL,
	    "Content-Type: application/json")) == NULL)
		return ATK_ERR_NOMEM;
	for (k = 0; k < (e->pinned ? 1 : e->n); k++) {
		i = (e->cur + k) % e->n;
		memset(&a, 0, sizeof(a));
		if (setup(e, i, path, body, hdrs) != 0 ||
		    curl_easy_setopt(e->curl, CURLOPT_TIMEOUT, e->timeout) !=
		    CURLE_OK ||
		    curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION,
		    write_answer) != CURLE_OK ||
		    curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &a) !=
		    CURLE_OK) {
			r = ATK_ERR_NOMEM;
			break;
		}
		rc = perform(e, NULL, NULL, NULL);
		if (rc != CURLE_OK || a.p == NULL) {
			if (a.toolong)
				set_why(why, whysz, "%s: answer over %zu bytes",
				    e->urls[i], ANSWER_MAX);
			else
				curl_why(e, i, rc, why, whysz);
			answer_free(&a);
			r = ATK_ERR_UNREACHABLE;
			continue;
		}
		curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &code);
		r = decode(a.p, a.n, dctx, why, whysz);
		answer_free(&a);
		/* A member without a leader, say: another may do better. */
		if (code >= 500 && r != 0)
			continue;
		e->cur = i;
		break;
	}
	curl_slist_free_all(hdrs);
	if ((r == ATK_ERR_UNREACHABLE || code >= 500) && !e->pinned)
		e->cur = (e->cur + 1) % e->n;
	return r;
}

struct range_ctx {
	int		(*cb)(const struct etcd_kv *, void *);
	void		*arg;
	int64_t		*revp;
	int		*morep;
};

static int
range_decode(const char *p, size_t n, void *arg, char *why, size_t whysz)
{
	struct range_ctx *c = arg;

	return etcd_range_decode(p, n, c->cb, c->arg, c->revp, c->morep, why,
	    whysz);
}

int
etcd_range(struct etcd *e, const void *key, size_t keylen, const void *end,
    size_t endlen, int64_t rev, int64_t limit,
    int (*cb)(const struct etcd_kv *, void *), void *arg, int64_t *revp,
    int *morep, char *why, size_t whysz)
{
	struct range_ctx c = { cb, arg, revp, morep };
	char *body;
	int r;

	if ((body = etcd_range_body(key, keylen, end, endlen, rev, limit)) ==
	    NULL)
		return ATK_ERR_NOMEM;
	r = request(e, "/v3/kv/range", body, range_decode, &c, why, whysz);
	free(body);
	return r;
}

static int
newest_cb(const struct etcd_kv *kv, void *arg)
{
	int64_t *modp = arg;

	if (kv->mod_revision > *modp)
		*modp = kv->mod_revision;
	return 0;
}

int
etcd_newest(struct etcd *e, const void *key, size_t keylen, const void *end,
    size_t endlen, int64_t *modp, int64_t *revp, char *why, size_t whysz)
{
	struct range_ctx c = { newest_cb, modp, revp, NULL };
	int more = 0, r;
	char *body;

	*modp = 0;
	c.morep = &more;
	if ((body = etcd_newest_body(key, keylen, end, endlen)) == NULL)
		return ATK_ERR_NOMEM;
	r = request(e, "/v3/kv/range", body, range_decode, &c, why, whysz);
	free(body);
	return r;
}

static int
txn_decode(const char *p, size_t n, void *arg, char *why, size_t whysz)
{
	return etcd_txn_decode(p, n, arg, why, whysz);
}

int
etcd_txn(struct etcd *e, const struct etcd_op *ops, size_t n, int64_t *revp,
    char *why, size_t whysz)
{
	char *body;
	int r;

	if (n == 0 || n > ETCD_TXN_OPS_MAX)
		return ATK_ERR_INVAL;
	if ((body = etcd_txn_body(ops, n)) == NULL)
		return ATK_ERR_NOMEM;
	r = request(e, "/v3/kv/txn", body, txn_decode, revp, why, whysz);
	free(body);
	return r;
}

int
etcd_delete_range(struct etcd *e, const void *key, size_t keylen,
    const void *end, size_t endlen, int64_t *revp, char *why, size_t whysz)
{
	char *body;
	int r;

	if ((body = etcd_delete_range_body(key, keylen, end, endlen)) == NULL)
		return ATK_ERR_NOMEM;
	r = request(e, "/v3/kv/txn", body, txn_decode, revp, why, whysz);
	free(body);
	return r;
}

/* A watch stream being read: lines decoded as they complete. */
struct watch_ctx {
	struct answer	 line;
	int		(*cb)(const struct etcd_kv *, size_t, int64_t, void *);
	int		(*stop)(void *);
	void		*arg;
	int64_t		*compactp;
	int		 r;		/* The first non-zero result. */
	int		 stopped;
	char		*why;
	size_t		 whysz;
};

static size_t
write_watch(char *p, size_t size, size_t nmemb, void *arg)
{
	struct watch_ctx *w = arg;
	size_t n = size * nmemb, used = 0, len;
	char *nl;

	while (used < n) {
		if ((nl = memchr(p + used, '\n', n - used)) == NULL) {
			if (answer_add(&w->line, p + used, n - used) != 0) {
				set_why(w->why, w->whysz, "a watch answer "
				    "over %zu bytes", ANSWER_MAX);
				w->r = ATK_ERR_TOOLONG;
				return 0;
			}
			break;
		}
		len = (size_t)(nl - (p + used));
		if (answer_add(&w->line, p + used, len) != 0) {
			w->r = ATK_ERR_TOOLONG;
			return 0;
		}
		used += len + 1;
		if (w->line.n > 0)
			w->r = etcd_watch_decode(w->line.p, w->line.n, w->cb,
			    w->arg, w->compactp, w->why, w->whysz);
		w->line.n = 0;
		if (w->r != 0)
			return 0;
	}
	if (w->stop != NULL && w->stop(w->arg)) {
		w->stopped = 1;
		return 0;
	}
	return n;
}

/*
 * The transfer set up on e->curl, through e->multi, until it ends or
 * stop(arg) says so (*stopped set).  Every request goes this way, so
 * that the ranges of a first sync and the watch after them share the
 * multi handle's connections: one to a member, not one per interface.
 */
static CURLcode
perform(struct etcd *e, int (*stop)(void *), void *arg, int *stopped)
{
	CURLMsg *msg;
	CURLcode rc = CURLE_OK;
	int running = 1, left;

	if (curl_multi_add_handle(e->multi, e->curl) != CURLM_OK)
		return CURLE_OUT_OF_MEMORY;
	while (running) {
		if (stop != NULL && stop(arg)) {
			*stopped = 1;
			break;
		}
		if (curl_multi_perform(e->multi, &running) != CURLM_OK) {
			rc = CURLE_RECV_ERROR;
			break;
		}
		while ((msg = curl_multi_info_read(e->multi, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE)
				rc = msg->data.result;
		if (running && curl_multi_poll(e->multi, NULL, 0,
		    WATCH_POLL_MS, NULL) != CURLM_OK) {
			rc = CURLE_RECV_ERROR;
			break;
		}
	}
	curl_multi_remove_handle(e->multi, e->curl);
	return rc;
}

void
etcd_interrupt(struct etcd *e)
{
	curl_multi_wakeup(e->multi);
}

int
etcd_watch(struct etcd *e, const void *key, size_t keylen, const void *end,
    size_t endlen, int64_t start,
    int (*cb)(const struct etcd_kv *, size_t, int64_t, void *),
    int (*stop)(void *), void *arg, int64_t *compactp, char *why,
    size_t whysz)
{
	struct watch_ctx w;
	struct curl_slist *hdrs;
	CURL *c = e->curl;
	CURLcode rc;
	char *body;
	size_t i = e->cur;

	memset(&w, 0, sizeof(w));
	w.cb = cb;
	w.stop = stop;
	w.arg = arg;
	w.compactp = compactp;
	w.why = why;
	w.whysz = whysz;
	*compactp = 0;
	if ((body = etcd_watch_body(key, keylen, end, endlen, start)) == NULL)
		return ATK_ERR_NOMEM;
	if ((hdrs = curl_slist_append(NULL,
	    "Content-Type: application/json")) == NULL) {
		free(body);
		return ATK_ERR_NOMEM;
	}
	if (setup(e, i, "/v3/watch", body, hdrs) != 0 ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_watch) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, &w) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, KEEPALIVE_IDLE) !=
	    CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, KEEPALIVE_INTVL) !=
	    CURLE_OK) {
		w.r = ATK_ERR_NOMEM;
		goto out;
	}
	rc = perform(e, w.stop, w.arg, &w.stopped);
	if (w.stopped && w.r == 0)
		w.r = 0;
	else if (w.r == 0) {
		/* The stream ended or broke: etcd never ends one itself. */
		if (rc == CURLE_OK)
			set_why(why, whysz, "%s: the watch stream ended",
			    e->urls[i]);
		else
			curl_why(e, i, rc, why, whysz);
		w.r = ATK_ERR_UNREACHABLE;
	}
	if (w.r == ATK_ERR_UNREACHABLE || w.r == ATK_ERR_REMOTE)
		e->cur = (i + 1) % e->n;
out:
	answer_free(&w.line);
	curl_slist_free_all(hdrs);
	free(body);
	return w.r;
}
