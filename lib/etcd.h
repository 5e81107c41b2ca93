/*
 * A small client of etcd's v3 API through its JSON gateway (SPEC section
 * 11): range, txn and watch over HTTP or HTTPS with libcurl, the bodies
 * made and read with jansson.  Keys and values are bytes (base64 on the
 * wire); revisions are etcd's int64 (decimal strings on the wire).
 *
 * lib/etcd_json.c makes the request bodies and decodes the answers (no
 * network: fuzz/fuzz_etcd drives it); lib/etcd.c carries them.
 *
 * A struct etcd is one client for one thread.  Several endpoints are
 * tried in turn, from one picked at random: a request that cannot reach
 * one goes to the next, and the one that answered is asked first the next
 * time.
 */
#ifndef APITOKEN_ETCD_H
#define APITOKEN_ETCD_H

#include <stddef.h>
#include <stdint.h>

#define ETCD_ENDPOINTS_MAX	16
#define ETCD_URL_MAX		256
/* etcd's own default limit on the operations of one txn (--max-txn-ops). */
#define ETCD_TXN_OPS_MAX	128
/* Keep a request well under etcd's default --max-request-bytes (1.5 MiB). */
#define ETCD_TXN_BYTES_MAX	(1024 * 1024)

/* Client TLS (any may be NULL): the CA to trust, our certificate and key. */
struct etcd_tls {
	const char	*cacert;
	const char	*cert;
	const char	*key;
};

/* One key as etcd returned it: a range row, or a watch event. */
struct etcd_kv {
	const unsigned char *key;
	size_t		 keylen;
	const unsigned char *value;	/* NULL on a delete. */
	size_t		 valuelen;
	int64_t		 mod_revision;
	int		 deleted;	/* A watch's DELETE event. */
};

/* One operation of a txn: a put, or (value NULL) a delete of one key. */
struct etcd_op {
	const void	*key;
	size_t		 keylen;
	const void	*value;
	size_t		 valuelen;
};

struct etcd;

/*
 * "http[s]://host:port[,...]": 1 to ETCD_ENDPOINTS_MAX URLs of the form
 * scheme "://" authority, nothing after it but an optional "/".  0 if
 * valid, else ATK_ERR_SYNTAX with the reason in why.
 */
int	etcd_endpoints_check(const char *, char *, size_t);
/* A client for the endpoints (copied; tls's paths too). */
int	etcd_new(const char *, const struct etcd_tls *, struct etcd **, char *,
	    size_t);
void	etcd_free(struct etcd *);		/* NULL-safe. */
/* The endpoint asked last (or first). */
const char *etcd_endpoint(const struct etcd *);
/*
 * The index of the endpoint asked first; etcd_pin() makes a client ask
 * only the endpoint of that index (another client's etcd_current()).
 */
size_t	etcd_current(const struct etcd *);
void	etcd_pin(struct etcd *, size_t);
/* Ask the next endpoint first from now on. */
void	etcd_next(struct etcd *);
/* Seconds a range or txn may take before it fails (default 10). */
void	etcd_set_timeout(struct etcd *, long);

/*
 * The range [key, end) (end NULL: key alone) at revision rev (0: the
 * newest), at most limit keys (0: all), in key order: cb for each (a
 * non-zero cb result stops and is returned).  *revp gets the revision the
 * answer is of, *morep whether keys past the limit remain.  A compacted
 * rev is ATK_ERR_COMPACTED.  Errors: ATK_ERR_UNREACHABLE (no endpoint
 * answered), ATK_ERR_REMOTE (etcd refused; its words in why),
 * ATK_ERR_SYNTAX (an answer this client cannot read).
 */
int	etcd_range(struct etcd *, const void *, size_t, const void *, size_t,
	    int64_t, int64_t, int (*)(const struct etcd_kv *, void *), void *,
	    int64_t *, int *, char *, size_t);
/*
 * The newest change in [key, end): *modp gets the mod revision of the key
 * changed last (0 when the range is empty), *revp the answer's revision.
 */
int	etcd_newest(struct etcd *, const void *, size_t, const void *, size_t,
	    int64_t *, int64_t *, char *, size_t);
/*
 * The ops in one txn (no compares: they always apply), at most
 * ETCD_TXN_OPS_MAX; *revp gets the revision it made.
 */
int	etcd_txn(struct etcd *, const struct etcd_op *, size_t, int64_t *,
	    char *, size_t);
/* Delete every key of [key, end), in a txn; *revp as etcd_txn(). */
int	etcd_delete_range(struct etcd *, const void *, size_t, const void *,
	    size_t, int64_t *, char *, size_t);

/*
 * Watch [key, end) from revision start until stop(arg) says so or the
 * stream ends.  For each response that holds events, cb(events, n, rev,
 * arg) with rev the revision the response is of; a non-zero cb result
 * stops the watch and is returned.  Returns ATK_ERR_COMPACTED (with the
 * oldest revision left in *compactp) when start has been compacted,
 * ATK_ERR_UNREACHABLE when the endpoint could not be reached or the
 * stream broke, 0 when stop() ended it.  stop is polled about once a
 * second, whenever data arrives, and at once after etcd_interrupt().  One
 * endpoint is tried: a failure moves to the next one for the next call.
 */
int	etcd_watch(struct etcd *, const void *, size_t, const void *, size_t,
	    int64_t, int (*)(const struct etcd_kv *, size_t, int64_t, void *),
	    int (*)(void *), void *, int64_t *, char *, size_t);

/* From another thread: make a watch of e look at its stop() now. */
void	etcd_interrupt(struct etcd *);

/* The end of the range of every key that starts with prefix (etcd's rule). */
int	etcd_prefix_end(const void *, size_t, unsigned char *, size_t *);

/*
 * lib/etcd_json.c: the bodies and their answers, without a network.  The
 * request makers return a malloc()ed NUL-terminated body (NULL: no
 * memory).  The decoders take one whole answer (a watch's: one line of
 * its stream) and call cb as the transport functions above do.
 */
char	*etcd_range_body(const void *, size_t, const void *, size_t, int64_t,
	    int64_t);
char	*etcd_txn_body(const struct etcd_op *, size_t);
char	*etcd_delete_range_body(const void *, size_t, const void *, size_t);
/* A range of [key, end) asking for the key changed last, alone. */
char	*etcd_newest_body(const void *, size_t, const void *, size_t);
char	*etcd_watch_body(const void *, size_t, const void *, size_t, int64_t);
int	etcd_range_decode(const char *, size_t,
	    int (*)(const struct etcd_kv *, void *), void *, int64_t *, int *,
	    char *, size_t);
int	etcd_txn_decode(const char *, size_t, int64_t *, char *, size_t);
/*
 * One line of a watch stream: ATK_ERR_COMPACTED (*compactp set) when the
 * watch was cancelled for compaction, ATK_ERR_REMOTE when cancelled
 * otherwise or an error, else 0 after cb for the events it holds (none
 * for the "created" answer).
 */
int	etcd_watch_decode(const char *, size_t,
	    int (*)(const struct etcd_kv *, size_t, int64_t, void *), void *,
	    int64_t *, char *, size_t);

#endif /* APITOKEN_ETCD_H */
