/*
 * etcd's v3 JSON gateway, the bodies: requests made and answers decoded
 * with jansson, no network (lib/etcd.c carries them; fuzz/fuzz_etcd feeds
 * the decoders).
 *
 * The gateway speaks protobuf's JSON mapping: bytes are base64, int64 are
 * decimal strings, and fields with their default value (0, false, empty,
 * the PUT event type) are left out.  An error is {"error": ..., "code":
 * N} (range, txn) or {"error": {...}} (a line of a watch stream).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base64.h"
#include "error.h"
#include "etcd.h"

/* A decoded key or value, owned by the decoder until its cb returned. */
struct buf {
	unsigned char	*p;
	size_t		 n;
};

static void
set_why(char *why, size_t whysz, const char *msg)
{
	if (why != NULL && whysz > 0)
		snprintf(why, whysz, "%.200s", msg);
}

static json_t *
b64_string(const void *p, size_t n)
{
	size_t len = base64_encoded_len(n, 0);
	char *s;
	json_t *j;

	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	if (base64_encode(p, n, s, len + 1, 0) != 0) {
		free(s);
		return NULL;
	}
	j = json_stringn(s, len);
	free(s);
	return j;
}

/* A body: o with its references stolen, as compact text. */
static char *
dump(json_t *o)
{
	char *s;

	if (o == NULL)
		return NULL;
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return s;
}

/* o[name] = base64 of p, stealing; 0 or -1. */
static int
set_b64(json_t *o, const char *name, const void *p, size_t n)
{
	json_t *j;

	return (j = b64_string(p, n)) == NULL ? -1 :
	    json_object_set_new(o, name, j);
}

char *
etcd_range_body(const void *key, size_t keylen, const void *end,
    size_t endlen, int64_t rev, int64_t limit)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (set_b64(o, "key", key, keylen) != 0 ||
	    (end != NULL && set_b64(o, "range_end", end, endlen) != 0) ||
	    (rev > 0 && json_object_set_new(o, "revision",
	    json_integer(rev)) != 0) ||
	    (limit > 0 && json_object_set_new(o, "limit",
	    json_integer(limit)) != 0)) {
		json_decref(o);
		return NULL;
	}
	return dump(o);
}

char *
etcd_newest_body(const void *key, size_t keylen, const void *end,
    size_t endlen)
{
	json_t *o;

	if ((o = json_object()) == NULL)
		return NULL;
	if (set_b64(o, "key", key, keylen) != 0 ||
	    set_b64(o, "range_end", end, endlen) != 0 ||
	    json_object_set_new(o, "limit", json_integer(1)) != 0 ||
	    json_object_set_new(o, "sort_order", json_string("DESCEND")) != 0 ||
	    json_object_set_new(o, "sort_target", json_string("MOD")) != 0 ||
	    json_object_set_new(o, "keys_only", json_true()) != 0) {
		json_decref(o);
		return NULL;
	}
	return dump(o);
}

char *
etcd_txn_body(const struct etcd_op *ops, size_t n)
{
	json_t *o, *a, *op, *req;

	if ((o = json_object()) == NULL)
		return NULL;
	if ((a = json_array()) == NULL ||
	    json_object_set_new(o, "success", a) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if ((op = json_object()) == NULL ||
		    json_array_append_new(a, op) != 0 ||
		    (req = json_object()) == NULL ||
		    json_object_set_new(op, ops[i].value != NULL ?
		    "request_put" : "request_delete_range", req) != 0 ||
		    set_b64(req, "key", ops[i].key, ops[i].keylen) != 0 ||
		    (ops[i].value != NULL && set_b64(req, "value",
		    ops[i].value, ops[i].valuelen) != 0))
			goto fail;
	}
	return dump(o);
fail:
	json_decref(o);
	return NULL;
}

char *
etcd_delete_range_body(const void *key, size_t keylen, const void *end,
    size_t endlen)
{
	json_t *o, *a, *op, *req;

	if ((o = json_object()) == NULL)
		return NULL;
	if ((a = json_array()) == NULL ||
	    json_object_set_new(o, "success", a) != 0 ||
	    (op = json_object()) == NULL ||
	    json_array_append_new(a, op) != 0 ||
	    (req = json_object()) == NULL ||
	    json_object_set_new(op, "request_delete_range", req) != 0 ||
	    set_b64(req, "key", key, keylen) != 0 ||
	    set_b64(req, "range_end", end, endlen) != 0) {
		json_decref(o);
		return NULL;
	}
	return dump(o);
}

char *
etcd_watch_body(const void *key, size_t keylen, const void *end,
    size_t endlen, int64_t start)
{
	json_t *o, *c;

	if ((o = json_object()) == NULL)
		return NULL;
	if ((c = json_object()) == NULL ||
	    json_object_set_new(o, "create_request", c) != 0 ||
	    set_b64(c, "key", key, keylen) != 0 ||
	    (end != NULL && set_b64(c, "range_end", end, endlen) != 0) ||
	    (start > 0 && json_object_set_new(c, "start_revision",
	    json_integer(start)) != 0)) {
		json_decref(o);
		return NULL;
	}
	return dump(o);
}

/*
 * An int64 field: absent is 0; a decimal string (the mapping's way) or a
 * JSON integer; never negative.
 */
static int
get_i64(json_t *o, const char *name, int64_t *vp)
{
	json_t *j = json_object_get(o, name);
	const char *s;
	char *end;
	long long v;

	*vp = 0;
	if (j == NULL)
		return 0;
	if (json_is_integer(j)) {
		if (json_integer_value(j) < 0)
			return ATK_ERR_SYNTAX;
		*vp = json_integer_value(j);
		return 0;
	}
	if (!json_is_string(j))
		return ATK_ERR_SYNTAX;
	s = json_string_value(j);
	if (s[0] < '0' || s[0] > '9' || json_string_length(j) > 19)
		return ATK_ERR_SYNTAX;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0)
		return ATK_ERR_SYNTAX;
	*vp = v;
	return 0;
}

/* A bytes field: absent is empty (b->p still allocated: never NULL). */
static int
get_bytes(json_t *o, const char *name, struct buf *b)
{
	json_t *j = json_object_get(o, name);
	size_t len, cap, errpos;

	b->p = NULL;
	b->n = 0;
	if (j != NULL && !json_is_string(j))
		return ATK_ERR_SYNTAX;
	len = j == NULL ? 0 : json_string_length(j);
	cap = base64_decoder_bound(len) + 1;
	if ((b->p = malloc(cap)) == NULL)
		return ATK_ERR_NOMEM;
	if (len > 0 && base64_decode(json_string_value(j), len, b->p, cap,
	    &b->n, 0, &errpos) != 0) {
		free(b->p);
		b->p = NULL;
		return ATK_ERR_SYNTAX;
	}
	return 0;
}

/* kv (a mvccpb.KeyValue) into *out, with its bytes in kb and vb. */
static int
get_kv(json_t *kv, int deleted, struct etcd_kv *out, struct buf *kb,
    struct buf *vb)
{
	int r;

	kb->p = vb->p = NULL;
	if (!json_is_object(kv) || json_object_get(kv, "key") == NULL)
		return ATK_ERR_SYNTAX;
	if ((r = get_bytes(kv, "key", kb)) != 0 ||
	    (r = get_bytes(kv, "value", vb)) != 0 ||
	    (r = get_i64(kv, "mod_revision", &out->mod_revision)) != 0) {
		free(kb->p);
		free(vb->p);
		kb->p = vb->p = NULL;
		return r;
	}
	out->key = kb->p;
	out->keylen = kb->n;
	out->deleted = deleted;
	out->value = deleted ? NULL : vb->p;
	out->valuelen = deleted ? 0 : vb->n;
	return 0;
}

/* The root of an answer; an error answer's words in why. */
static int
parse(const char *text, size_t len, json_t **op, char *why, size_t whysz)
{
	json_error_t jerr;
	json_t *o, *e, *m;
	const char *msg = NULL;
	int compacted;

	*op = NULL;
	if ((o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL || !json_is_object(o)) {
		json_decref(o);
		set_why(why, whysz, "etcd's answer is not a JSON object");
		return ATK_ERR_SYNTAX;
	}
	if ((e = json_object_get(o, "error")) != NULL) {
		if (json_is_string(e))
			msg = json_string_value(e);
		else if (json_is_object(e) &&
		    (m = json_object_get(e, "message")) != NULL &&
		    json_is_string(m))
			msg = json_string_value(m);
		set_why(why, whysz, msg != NULL ? msg :
		    "an error without words");
		/* The gateway's words for mvcc.ErrCompacted. */
		compacted = msg != NULL &&
		    strstr(msg, "has been compacted") != NULL;
		json_decref(o);
		return compacted ? ATK_ERR_COMPACTED : ATK_ERR_REMOTE;
	}
	*op = o;
	return 0;
}

static int
header_revision(json_t *o, int64_t *revp)
{
	json_t *h = json_object_get(o, "header");

	*revp = 0;
	if (h == NULL || !json_is_object(h))
		return ATK_ERR_SYNTAX;
	return get_i64(h, "revision", revp);
}

int
etcd_range_decode(const char *text, size_t len,
    int (*cb)(const struct etcd_kv *, void *), void *arg, int64_t *revp,
    int *morep, char *why, size_t whysz)
{
	struct etcd_kv kv;
	struct buf kb, vb;
	json_t *o, *kvs, *more;
	size_t i;
	int r;

	*revp = 0;
	*morep = 0;
	if ((r = parse(text, len, &o, why, whysz)) != 0)
		return r;
	if ((r = header_revision(o, revp)) != 0)
		goto bad;
	more = json_object_get(o, "more");
	if (more != NULL && !json_is_boolean(more))
		goto bad;
	*morep = more != NULL && json_is_true(more);
	kvs = json_object_get(o, "kvs");
	if (kvs != NULL && !json_is_array(kvs))
		goto bad;
	for (i = 0; kvs != NULL && i < json_array_size(kvs); i++) {
		if ((r = get_kv(json_array_get(kvs, i), 0, &kv, &kb, &vb)) !=
		    0) {
			if (r == ATK_ERR_NOMEM)
				goto out;
			goto bad;
		}
		r = cb(&kv, arg);
		free(kb.p);
		free(vb.p);
		if (r != 0)
			goto out;
	}
	r = 0;
	goto out;
bad:
	set_why(why, whysz, "etcd's range answer is malformed");
	r = ATK_ERR_SYNTAX;
out:
	json_decref(o);
	return r;
}

int
etcd_txn_decode(const char *text, size_t len, int64_t *revp, char *why,
    size_t whysz)
{
	json_t *o, *ok;
	int r;

	if ((r = parse(text, len, &o, why, whysz)) != 0)
		return r;
	ok = json_object_get(o, "succeeded");
	/* No compares: a txn always takes its success branch. */
	if ((r = header_revision(o, revp)) != 0 || ok == NULL ||
	    !json_is_true(ok)) {
		set_why(why, whysz, "etcd's txn answer is malformed");
		r = ATK_ERR_SYNTAX;
	}
	json_decref(o);
	return r;
}

static const char *
event_type(json_t *ev, int *deletedp)
{
	json_t *t = json_object_get(ev, "type");

	*deletedp = 0;
	if (t == NULL)
		return "PUT";
	if (!json_is_string(t))
		return NULL;
	if (strcmp(json_string_value(t), "DELETE") == 0)
		*deletedp = 1;
	else if (strcmp(json_string_value(t), "PUT") != 0)
		return NULL;
	return json_string_value(t);
}

int
etcd_watch_decode(const char *text, size_t len,
    int (*cb)(const struct etcd_kv *, size_t, int64_t, void *), void *arg,
    int64_t *compactp, char *why, size_t whysz)
{
	struct etcd_kv *kvs = NULL;
	struct buf *bufs = NULL;
	json_t *o, *res, *evs, *ev, *c;
	int64_t rev, compact;
	size_t n = 0, i;
	int r, deleted;

	*compactp = 0;
	if ((r = parse(text, len, &o, why, whysz)) != 0)
		return r;
	if ((res = json_object_get(o, "result")) == NULL ||
	    !json_is_object(res) || header_revision(res, &rev) != 0 ||
	    get_i64(res, "compact_revision", &compact) != 0)
		goto bad;
	c = json_object_get(res, "canceled");
	if (c != NULL && !json_is_boolean(c))
		goto bad;
	if (c != NULL && json_is_true(c)) {
		json_decref(o);
		if (compact > 0) {
			*compactp = compact;
			set_why(why, whysz, "the watch's start revision "
			    "was compacted");
			return ATK_ERR_COMPACTED;
		}
		set_why(why, whysz, "etcd cancelled the watch");
		return ATK_ERR_REMOTE;
	}
	evs = json_object_get(res, "events");
	if (evs != NULL && !json_is_array(evs))
		goto bad;
	if (evs == NULL || (n = json_array_size(evs)) == 0) {
		json_decref(o);
		return 0;
	}
	kvs = calloc(n, sizeof(*kvs));
	bufs = calloc(2 * n, sizeof(*bufs));
	if (kvs == NULL || bufs == NULL) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		ev = json_array_get(evs, i);
		if (!json_is_object(ev) || event_type(ev, &deleted) == NULL)
			goto bad;
		if ((r = get_kv(json_object_get(ev, "kv"), deleted, &kvs[i],
		    &bufs[2 * i], &bufs[2 * i + 1])) != 0) {
			if (r == ATK_ERR_NOMEM)
				goto out;
			goto bad;
		}
	}
	r = cb(kvs, n, rev, arg);
	goto out;
bad:
	set_why(why, whysz, "etcd's watch answer is malformed");
	r = ATK_ERR_SYNTAX;
out:
	if (bufs != NULL)
		for (i = 0; i < 2 * n; i++)
			free(bufs[i].p);
	free(bufs);
	free(kvs);
	json_decref(o);
	return r;
}

int
etcd_prefix_end(const void *prefix, size_t n, unsigned char *end,
    size_t *endlenp)
{
	const unsigned char *p = prefix;
	size_t i;

	/* The prefix with its last byte below 0xff incremented, cut there. */
	for (i = n; i > 0; i--)
		if (p[i - 1] != 0xff)
			break;
	if (i == 0)
		return ATK_ERR_INVAL;
	memcpy(end, p, i);
	end[i - 1]++;
	*endlenp = i;
	return 0;
}
