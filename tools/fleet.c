/*
 * A fleet on etcd: the keys and values under the prefix (tools/fleet.h),
 * shared by apitoken publish and apitokend --etcd.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apitoken.h"
#include "error.h"
#include "etcd.h"
#include "fleet.h"
#include "record.h"
#include "store.h"
#include "token.h"

#define KEY_B64_BUFSZ	64

int
fleet_prefix_valid(const char *p)
{
	size_t n = strlen(p);

	if (n < 2 || n > FLEET_PREFIX_MAX || p[0] != '/' || p[n - 1] != '/')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (p[i] <= ' ' || p[i] > '~')
			return 0;
	return 1;
}

enum fleet_key
fleet_key_kind(const char *prefix, const unsigned char *key, size_t n,
    unsigned char *id)
{
	unsigned char scratch[TOKEN_ID_BYTES];
	char text[TOKEN_ID_BUFSZ];
	size_t pl = strlen(prefix), tl = strlen(FLEET_TOKENS);

	if (id == NULL)
		id = scratch;
	if (n < pl || memcmp(key, prefix, pl) != 0)
		return FLEET_KEY_OTHER;
	key += pl;
	n -= pl;
	if (n == strlen(FLEET_META) && memcmp(key, FLEET_META, n) == 0)
		return FLEET_KEY_META;
	if (n != tl + TOKEN_ID_CHARS || memcmp(key, FLEET_TOKENS, tl) != 0)
		return FLEET_KEY_OTHER;
	memcpy(text, key + tl, TOKEN_ID_CHARS);
	text[TOKEN_ID_CHARS] = '\0';
	return token_id_parse(text, id) == 0 ? FLEET_KEY_TOKEN :
	    FLEET_KEY_OTHER;
}

char *
fleet_meta_key(const char *prefix)
{
	char *k;

	return asprintf(&k, "%s%s", prefix, FLEET_META) == -1 ? NULL : k;
}

char *
fleet_token_key(const char *prefix, const unsigned char *id)
{
	char text[TOKEN_ID_BUFSZ], *k;

	token_id_format(id, text);
	return asprintf(&k, "%s%s%s", prefix, FLEET_TOKENS, text) == -1 ?
	    NULL : k;
}

char *
fleet_meta_value(struct store *s)
{
	unsigned char key[STORE_KEY_BYTES];
	char b64[KEY_B64_BUFSZ], *text = NULL;
	json_t *o;

	if (store_get_key(s, key) != 0 ||
	    json_b64_encode(key, sizeof(key), b64, sizeof(b64)) != 0)
		goto out;
	o = json_pack("{s:s, s:i, s:i, s:s, s:s}", "format", FLEET_FORMAT,
	    "version", FLEET_VERSION, "schema", RECORD_SCHEMA, "prefix",
	    store_prefix(s), "key", b64);
	if (o != NULL)
		text = json_line(o);
	json_decref(o);
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(b64, sizeof(b64));
	return text;
}

int
fleet_meta_parse(const void *v, size_t n, char *prefix, size_t prefixsz,
    unsigned char *key, const char **why)
{
	json_error_t jerr;
	json_t *o;
	const char *format, *p, *k;
	json_int_t version, schema;
	int r = -1;

	if ((o = json_loadb(v, n, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		*why = "not JSON";
		return -1;
	}
	if (json_unpack_ex(o, &jerr, JSON_STRICT, "{s:s, s:I, s:I, s:s, s:s}",
	    "format", &format, "version", &version, "schema", &schema,
	    "prefix", &p, "key", &k) != 0 ||
	    strcmp(format, FLEET_FORMAT) != 0) {
		*why = "not an apitoken fleet meta";
		goto out;
	}
	if (version > FLEET_VERSION || schema > RECORD_SCHEMA) {
		*why = "written by a newer apitoken";
		goto out;
	}
	if (version < 1 || schema < 1 || !token_prefix_valid(p) ||
	    strlen(p) >= prefixsz) {
		*why = "bad version, schema or prefix";
		goto out;
	}
	if (json_b64_decode(k, key, STORE_KEY_BYTES) != 0) {
		*why = "bad key";
		goto out;
	}
	strcpy(prefix, p);
	r = 0;
out:
	json_decref(o);
	return r;
}

char *
fleet_record_value(const struct record *rec)
{
	json_t *o;
	char *text;

	if ((o = json_from_record(rec, 0, NULL, 1)) == NULL)
		return NULL;
	/* Each host's own. */
	json_object_del(o, "last_used");
	json_object_del(o, "last_from");
	text = json_line(o);
	json_decref(o);
	return text;
}

int
fleet_record_parse(const void *v, size_t n, struct record *rec,
    const char **why)
{
	json_error_t jerr;
	json_t *o;
	char *from = NULL;
	int64_t used;
	int r;

	if ((o = json_loadb(v, n, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		*why = "not JSON";
		return -1;
	}
	r = json_to_record(o, rec, &used, &from, why);
	if (r == 0 && (json_object_get(o, "last_used") != NULL ||
	    json_object_get(o, "last_from") != NULL)) {
		*why = "last_used";
		r = -1;
	}
	free(from);
	json_decref(o);
	return r;
}

void
fleet_conf_free(struct fleet_conf *c)
{
	free(c->etcd);
	free(c->prefix);
	free(c->cacert);
	free(c->cert);
	free(c->key);
	memset(c, 0, sizeof(*c));
}

static int
get_opt(struct store_txn *t, const char *name, char **vp)
{
	int r = store_setting_get(t, name, vp);

	return r == ATK_ERR_NOTFOUND ? 0 : r;
}

int
fleet_conf_get(struct store_txn *t, struct fleet_conf *c)
{
	int r;

	memset(c, 0, sizeof(*c));
	if ((r = store_setting_get(t, SET_FLEET_ETCD, &c->etcd)) != 0 ||
	    (r = get_opt(t, SET_FLEET_PREFIX, &c->prefix)) != 0 ||
	    (r = get_opt(t, SET_FLEET_CACERT, &c->cacert)) != 0 ||
	    (r = get_opt(t, SET_FLEET_CERT, &c->cert)) != 0 ||
	    (r = get_opt(t, SET_FLEET_KEY, &c->key)) != 0) {
		fleet_conf_free(c);
		return r;
	}
	if (c->prefix == NULL && (c->prefix = strdup(FLEET_PREFIX_DEFAULT)) ==
	    NULL) {
		fleet_conf_free(c);
		return ATK_ERR_NOMEM;
	}
	return 0;
}

int
fleet_conf_put(struct store_txn *t, const struct fleet_conf *c)
{
	int r;

	if ((r = store_setting_put(t, SET_FLEET_ETCD, c->etcd)) != 0 ||
	    (r = store_setting_put(t, SET_FLEET_PREFIX, c->prefix)) != 0 ||
	    (r = store_setting_put(t, SET_FLEET_CACERT, c->cacert)) != 0 ||
	    (r = store_setting_put(t, SET_FLEET_CERT, c->cert)) != 0)
		return r;
	return store_setting_put(t, SET_FLEET_KEY, c->key);
}

int
fleet_client(const struct fleet_conf *c, struct etcd **ep, char *why,
    size_t whysz)
{
	struct etcd_tls tls = { c->cacert, c->cert, c->key };

	return etcd_new(c->etcd, &tls, ep, why, whysz);
}
