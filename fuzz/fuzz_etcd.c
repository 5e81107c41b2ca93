/*
 * The answers of etcd's v3 JSON gateway as apitokend and apitoken publish
 * read them (lib/etcd_json.c: etcd_range_decode(), etcd_txn_decode(),
 * etcd_watch_decode()).  What an answer gives (its keys, values, revisions,
 * deletes, "more") is written out again as the gateway would write it,
 * and that text decodes to the very same; a delete carries no value; a
 * compacted watch names a revision; a refused answer is one of the
 * decoders' own errors.
 * Input: a mode byte (0 range, 1 txn, 2 a watch line), then the answer.
 */
#include "config.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base64.h"
#include "error.h"
#include "etcd.h"
#include "fuzz.h"

#define WHY_MAX		256

struct kv {
	unsigned char	*key, *value;
	size_t		 keylen, valuelen;
	int64_t		 mod;
	int		 deleted;
};

struct got {
	struct kv	*kvs;
	size_t		 n;
	int64_t		 rev;
	int		 calls;
};

static void
got_free(struct got *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->kvs[i].key);
		free(g->kvs[i].value);
	}
	free(g->kvs);
	memset(g, 0, sizeof(*g));
}

static void
keep(struct got *g, const struct etcd_kv *kv)
{
	struct kv *k;

	g->kvs = realloc(g->kvs, (g->n + 1) * sizeof(*g->kvs));
	FUZZ_CHECK(g->kvs != NULL);
	k = &g->kvs[g->n++];
	memset(k, 0, sizeof(*k));
	k->key = fuzz_malloc(kv->keylen + 1);
	memcpy(k->key, kv->key, kv->keylen);
	k->keylen = kv->keylen;
	k->mod = kv->mod_revision;
	k->deleted = kv->deleted;
	FUZZ_CHECK(kv->mod_revision >= 0);
	if (kv->deleted) {
		FUZZ_CHECK(kv->value == NULL && kv->valuelen == 0);
		return;
	}
	FUZZ_CHECK(kv->value != NULL);
	k->value = fuzz_malloc(kv->valuelen + 1);
	memcpy(k->value, kv->value, kv->valuelen);
	k->valuelen = kv->valuelen;
}

static int
range_cb(const struct etcd_kv *kv, void *arg)
{
	keep(arg, kv);
	return 0;
}

static int
watch_cb(const struct etcd_kv *kvs, size_t n, int64_t rev, void *arg)
{
	struct got *g = arg;

	FUZZ_CHECK(n > 0 && rev >= 0);
	g->calls++;
	g->rev = rev;
	for (size_t i = 0; i < n; i++)
		keep(g, &kvs[i]);
	return 0;
}

static json_t *
b64(const unsigned char *p, size_t n)
{
	size_t len = base64_encoded_len(n, 0);
	char *s = fuzz_malloc(len + 1);
	json_t *j;

	FUZZ_CHECK(base64_encode(p, n, s, len + 1, 0) == 0);
	j = json_string(s);
	free(s);
	return j;
}

static json_t *
i64(int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return json_string(buf);
}

/* The gateway's text for what was got: kvs (range) or events (watch). */
static char *
again(const struct got *g, int more, int watch)
{
	json_t *o = json_object(), *h = json_object(), *a = json_array();
	json_t *kv, *ev, *res;
	char *text;

	json_object_set_new(h, "revision", i64(g->rev));
	for (size_t i = 0; i < g->n; i++) {
		kv = json_object();
		json_object_set_new(kv, "key", b64(g->kvs[i].key,
		    g->kvs[i].keylen));
		if (!g->kvs[i].deleted)
			json_object_set_new(kv, "value", b64(g->kvs[i].value,
			    g->kvs[i].valuelen));
		json_object_set_new(kv, "mod_revision", i64(g->kvs[i].mod));
		if (watch) {
			ev = json_object();
			if (g->kvs[i].deleted)
				json_object_set_new(ev, "type",
				    json_string("DELETE"));
			json_object_set_new(ev, "kv", kv);
			json_array_append_new(a, ev);
		} else
			json_array_append_new(a, kv);
	}
	if (watch) {
		res = json_object();
		json_object_set_new(res, "header", h);
		json_object_set_new(res, "events", a);
		json_object_set_new(o, "result", res);
	} else {
		json_object_set_new(o, "header", h);
		json_object_set_new(o, "kvs", a);
		if (more)
			json_object_set_new(o, "more", json_true());
	}
	text = json_dumps(o, JSON_COMPACT);
	FUZZ_CHECK(text != NULL);
	json_decref(o);
	return text;
}

static int
same(const struct got *a, const struct got *b)
{
	if (a->n != b->n || a->rev != b->rev)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const struct kv *x = &a->kvs[i], *y = &b->kvs[i];

		if (x->keylen != y->keylen || x->valuelen != y->valuelen ||
		    x->mod != y->mod || x->deleted != y->deleted ||
		    memcmp(x->key, y->key, x->keylen) != 0 ||
		    (x->valuelen > 0 && memcmp(x->value, y->value,
		    x->valuelen) != 0))
			return 0;
	}
	return 1;
}

static int
refusal(int r)
{
	return r == ATK_ERR_SYNTAX || r == ATK_ERR_REMOTE ||
	    r == ATK_ERR_COMPACTED;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct got g, h;
	char why[WHY_MAX], *text;
	int64_t rev, compact;
	int more, more2, r;

	if (size < 1)
		return 0;
	memset(&g, 0, sizeof(g));
	memset(&h, 0, sizeof(h));
	switch (data[0] % 3) {
	case 0:
		r = etcd_range_decode((const char *)data + 1, size - 1,
		    range_cb, &g, &g.rev, &more, why, sizeof(why));
		if (r != 0) {
			FUZZ_CHECK(refusal(r));
			break;
		}
		text = again(&g, more, 0);
		FUZZ_CHECK(etcd_range_decode(text, strlen(text), range_cb,
		    &h, &h.rev, &more2, why, sizeof(why)) == 0);
		FUZZ_CHECK(same(&g, &h) && more == more2);
		free(text);
		break;
	case 1:
		r = etcd_txn_decode((const char *)data + 1, size - 1, &rev,
		    why, sizeof(why));
		FUZZ_CHECK(r == 0 ? rev >= 0 : refusal(r));
		break;
	default:
		r = etcd_watch_decode((const char *)data + 1, size - 1,
		    watch_cb, &g, &compact, why, sizeof(why));
		/* Cancelled for compaction names the oldest revision left. */
		if (r == ATK_ERR_COMPACTED)
			FUZZ_CHECK(compact >= 0 && g.calls == 0);
		if (r == ATK_ERR_COMPACTED && memmem(data, size, "\"error\"",
		    7) == NULL)
			FUZZ_CHECK(compact > 0);
		if (r != 0) {
			FUZZ_CHECK(refusal(r));
			break;
		}
		FUZZ_CHECK(g.calls <= 1);
		if (g.calls == 0)
			break;
		text = again(&g, 0, 1);
		FUZZ_CHECK(etcd_watch_decode(text, strlen(text), watch_cb, &h,
		    &compact, why, sizeof(why)) == 0);
		FUZZ_CHECK(same(&g, &h) && h.calls == 1);
		free(text);
		break;
	}
	got_free(&g);
	got_free(&h);
	return 0;
}
