/*
 * A fleet on etcd: the keys and values under the prefix (tools/fleet.h),
 * shared by apitoken publish and apitokend --etcd.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apitoken.h"
#include "duration.h"
#include "error.h"
#include "etcd.h"
#include "fleet.h"
#include "record.h"
#include "sign.h"
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
fleet_range_end(const char *prefix)
{
	char *k;

	return asprintf(&k, "%s%s", prefix, FLEET_RANGE_END) == -1 ? NULL : k;
}

char *
fleet_host_key(const char *prefix, const char *host)
{
	char *k;

	return asprintf(&k, "%s%s%s", prefix, FLEET_HOSTS, host) == -1 ?
	    NULL : k;
}

char *
fleet_token_key(const char *prefix, const unsigned char *id)
{
	char text[TOKEN_ID_BUFSZ], *k;

	token_id_format(id, text);
	return asprintf(&k, "%s%s%s", prefix, FLEET_TOKENS, text) == -1 ?
	    NULL : k;
}

const char *const fleet_setting_names[FLEET_SETTINGS] = {
	SETTING_DEFAULT_LIFETIME, SETTING_MAX_LIFETIME
};

void
fleet_settings_free(struct fleet_settings *fs)
{
	for (size_t i = 0; i < FLEET_SETTINGS; i++) {
		free(fs->v[i]);
		fs->v[i] = NULL;
	}
}

int
fleet_settings_put(struct store_txn *t, const struct fleet_settings *fs)
{
	int r;

	for (size_t i = 0; i < FLEET_SETTINGS; i++)
		if ((r = store_setting_put(t, fleet_setting_names[i],
		    fs->v[i])) != 0)
			return r;
	return 0;
}

char *
fleet_meta_value(struct store *s, struct store_txn *t)
{
	unsigned char key[STORE_KEY_BYTES];
	char b64[KEY_B64_BUFSZ], *text = NULL, *v;
	json_t *o = NULL, *set;
	int r;

	if (store_get_key(s, key) != 0 ||
	    json_b64_encode(key, sizeof(key), b64, sizeof(b64)) != 0 ||
	    (set = json_object()) == NULL)
		goto out;
	for (size_t i = 0; i < FLEET_SETTINGS; i++) {
		if ((r = store_setting_get(t, fleet_setting_names[i], &v)) ==
		    ATK_ERR_NOTFOUND)
			continue;
		if (r != 0 || json_object_set_new(set, fleet_setting_names[i],
		    json_string(v)) != 0) {
			free(v);
			json_decref(set);
			goto out;
		}
		free(v);
	}
	o = json_pack("{s:s, s:i, s:i, s:s, s:s, s:o}", "format", FLEET_FORMAT,
	    "version", FLEET_VERSION, "schema", RECORD_SCHEMA, "prefix",
	    store_prefix(s), "key", b64, "settings", set);
	if (o != NULL)
		text = json_line(o);
	json_decref(o);
out:
	explicit_bzero(key, sizeof(key));
	explicit_bzero(b64, sizeof(b64));
	return text;
}

/* A setting's value as config takes it: never, or a duration. */
static int
setting_ok(const char *v)
{
	struct duration d;

	return strcmp(v, DURATION_NEVER) == 0 || duration_parse(v, &d) == 0;
}

static int
settings_parse(json_t *set, struct fleet_settings *fs, const char **why)
{
	const char *name;
	json_t *v;
	size_t i;

	if (set == NULL)
		return 0;
	if (!json_is_object(set)) {
		*why = "bad settings";
		return -1;
	}
	json_object_foreach(set, name, v) {
		for (i = 0; i < FLEET_SETTINGS; i++)
			if (strcmp(name, fleet_setting_names[i]) == 0)
				break;
		if (i == FLEET_SETTINGS || !json_is_string(v) ||
		    !setting_ok(json_string_value(v))) {
			*why = "bad settings";
			return -1;
		}
		if (fs != NULL && (fs->v[i] = strdup(json_string_value(v))) ==
		    NULL) {
			*why = "out of memory";
			return -1;
		}
	}
	return 0;
}

int
fleet_meta_parse(const void *v, size_t n, char *prefix, size_t prefixsz,
    unsigned char *key, struct fleet_settings *fs, const char **why)
{
	json_error_t jerr;
	json_t *o, *set = NULL;
	const char *format, *p, *k;
	json_int_t version, schema;
	int r = -1;

	if ((o = json_loadb(v, n, JSON_REJECT_DUPLICATES, &jerr)) == NULL) {
		*why = "not JSON";
		return -1;
	}
	if (json_unpack_ex(o, &jerr, JSON_STRICT,
	    "{s:s, s:I, s:I, s:s, s:s, s?o}", "format", &format, "version",
	    &version, "schema", &schema, "prefix", &p, "key", &k, "settings",
	    &set) != 0 ||
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
	if (settings_parse(set, fs, why) != 0) {
		if (fs != NULL)
			fleet_settings_free(fs);
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

/* --- signed values -------------------------------------------------------- */

#define SEAL_CONTEXT	"apitoken-fleet-v1\n"
#define SIG_MEMBER	",\"sig\":\""
#define SERIAL_MEMBER	",\"serial\":"
/* ,"sig":"<88 base64 characters>"} */
#define SIG_B64_LEN	88
#define SIG_TAIL_LEN	(sizeof(SIG_MEMBER) - 1 + SIG_B64_LEN + 2)

/* The message a seal signs: context, key, and the value without "sig". */
static char *
seal_message(const char *key, size_t keylen, const char *head, size_t n,
    size_t *lenp)
{
	size_t cl = sizeof(SEAL_CONTEXT) - 1;
	char *m;

	if ((m = malloc(cl + keylen + 1 + n + 1)) == NULL)
		return NULL;
	memcpy(m, SEAL_CONTEXT, cl);
	memcpy(m + cl, key, keylen);
	m[cl + keylen] = '\n';
	memcpy(m + cl + keylen + 1, head, n);
	m[cl + keylen + 1 + n] = '}';
	*lenp = cl + keylen + 1 + n + 1;
	return m;
}

char *
fleet_seal(const char *key, const char *body, uint64_t serial,
    struct sign_key *sk)
{
	unsigned char sig[SIGN_BYTES];
	char b64[SIG_B64_LEN + 1], *head = NULL, *msg = NULL, *out = NULL;
	size_t n = strlen(body), hl, ml;

	if (n < 2 || body[n - 1] != '}' ||
	    asprintf(&head, "%.*s%s%llu", (int)(n - 1), body, SERIAL_MEMBER,
	    (unsigned long long)serial) == -1)
		return NULL;
	hl = strlen(head);
	if ((msg = seal_message(key, strlen(key), head, hl, &ml)) == NULL ||
	    sign_with(sk, msg, ml, sig) != 0 ||
	    json_b64_encode(sig, sizeof(sig), b64, sizeof(b64)) != 0 ||
	    strlen(b64) != SIG_B64_LEN ||
	    asprintf(&out, "%s%s%s\"}", head, SIG_MEMBER, b64) == -1)
		out = NULL;
	free(head);
	free(msg);
	return out;
}

int
fleet_unseal(const void *key, size_t keylen, const void *value, size_t n,
    struct sign_key *pub, char **bodyp, uint64_t *serialp,
    const char **why)
{
	const char *v = value, *s, *end;
	unsigned char sig[SIGN_BYTES];
	char b64[SIG_B64_LEN + 1], *msg;
	size_t hl, ml;
	unsigned long long serial = 0;
	int ok;

	*bodyp = NULL;
	*serialp = 0;
	hl = n >= SIG_TAIL_LEN ? n - SIG_TAIL_LEN : 0;
	if (n < SIG_TAIL_LEN || memcmp(v + hl, SIG_MEMBER,
	    sizeof(SIG_MEMBER) - 1) != 0 || v[n - 2] != '"' || v[n - 1] != '}') {
		/* Unsigned: the body as it is, refused under --trust. */
		if (pub != NULL) {
			*why = "not signed";
			return -1;
		}
		if ((*bodyp = malloc(n + 1)) == NULL) {
			*why = "out of memory";
			return -1;
		}
		memcpy(*bodyp, v, n);
		(*bodyp)[n] = '\0';
		return 0;
	}
	/* The serial: digits between the last ,"serial": and the sig. */
	for (s = v + hl; s > v; s--)
		if ((size_t)(v + hl - s) >= sizeof(SERIAL_MEMBER) - 1 &&
		    memcmp(s, SERIAL_MEMBER, sizeof(SERIAL_MEMBER) - 1) == 0)
			break;
	if (s == v) {
		*why = "a signature without a serial";
		return -1;
	}
	for (end = s + sizeof(SERIAL_MEMBER) - 1; end < v + hl; end++) {
		if (*end < '0' || *end > '9' || serial > UINT64_MAX / 10) {
			*why = "a bad serial";
			return -1;
		}
		serial = serial * 10 + (unsigned long long)(*end - '0');
	}
	if (end == s + sizeof(SERIAL_MEMBER) - 1) {
		*why = "a bad serial";
		return -1;
	}
	if (pub != NULL) {
		memcpy(b64, v + hl + sizeof(SIG_MEMBER) - 1, SIG_B64_LEN);
		b64[SIG_B64_LEN] = '\0';
		if (json_b64_decode(b64, sig, sizeof(sig)) != 0) {
			*why = "a bad signature";
			return -1;
		}
		if ((msg = seal_message(key, keylen, v, hl, &ml)) == NULL) {
			*why = "out of memory";
			return -1;
		}
		ok = sign_check(pub, msg, ml, sig) == 0;
		free(msg);
		if (!ok) {
			*why = "the signature does not verify with the "
			    "trusted key";
			return -1;
		}
	}
	if ((*bodyp = malloc((size_t)(s - v) + 2)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	memcpy(*bodyp, v, (size_t)(s - v));
	(*bodyp)[s - v] = '}';
	(*bodyp)[s - v + 1] = '\0';
	*serialp = serial;
	return 0;
}

/* --- the signing key and the serials -------------------------------------- */

int
fleet_sign_key(struct store_txn *t, int make, unsigned char *seed)
{
	char *v = NULL, b64[KEY_B64_BUFSZ];
	int r;

	if ((r = store_setting_get(t, SET_FLEET_SIGN_KEY, &v)) == 0) {
		r = json_b64_decode(v, seed, SIGN_SEED_BYTES) == 0 ? 0 :
		    ATK_ERR_CORRUPT;
		explicit_bzero(v, strlen(v));
		free(v);
		return r;
	}
	if (r != ATK_ERR_NOTFOUND || !make)
		return r;
	if ((r = sign_keygen(seed)) != 0 ||
	    (r = json_b64_encode(seed, SIGN_SEED_BYTES, b64,
	    sizeof(b64))) != 0)
		return r != 0 ? r : ATK_ERR_CRYPTO;
	r = store_setting_put(t, SET_FLEET_SIGN_KEY, b64);
	explicit_bzero(b64, sizeof(b64));
	return r;
}

int
fleet_trust_read(const char *path, unsigned char *pub, char *why,
    size_t whysz)
{
	char line[256], *p;
	FILE *fp;
	int found = 0;

	if ((fp = fopen(path, "re")) == NULL) {
		snprintf(why, whysz, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		p = line + strspn(line, " \t");
		p[strcspn(p, " \t\r\n")] = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		if (found || json_b64_decode(p, pub, SIGN_PUBLIC_BYTES) != 0) {
			snprintf(why, whysz, "%s: not one public key as "
			    "'apitoken fleet-key' prints it", path);
			fclose(fp);
			return -1;
		}
		found = 1;
	}
	fclose(fp);
	if (!found) {
		snprintf(why, whysz, "%s: no public key in it", path);
		return -1;
	}
	return 0;
}

void
fleet_serial_name(const unsigned char *id, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = strlen(SET_FLEET_SERIAL_MARK);

	memcpy(buf, SET_FLEET_SERIAL_MARK, n);
	if (id == NULL) {
		strcpy(buf + n, "meta");
		return;
	}
	for (size_t i = 0; i < TOKEN_ID_BYTES; i++) {
		buf[n + 2 * i] = hex[id[i] >> 4];
		buf[n + 2 * i + 1] = hex[id[i] & 15];
	}
	buf[n + 2 * TOKEN_ID_BYTES] = '\0';
}

int
fleet_serial_get(struct store_txn *t, const unsigned char *id, uint64_t *sp)
{
	char name[FLEET_SERIAL_NAME_BUFSZ], *v = NULL, *end;
	int r;

	*sp = 0;
	fleet_serial_name(id, name);
	if ((r = store_setting_get(t, name, &v)) != 0)
		return r == ATK_ERR_NOTFOUND ? 0 : r;
	errno = 0;
	*sp = strtoull(v, &end, 10);
	r = errno != 0 || *end != '\0' || end == v ? ATK_ERR_CORRUPT : 0;
	free(v);
	return r;
}

int
fleet_serial_put(struct store_txn *t, const unsigned char *id, uint64_t s)
{
	char name[FLEET_SERIAL_NAME_BUFSZ], v[24];

	fleet_serial_name(id, name);
	snprintf(v, sizeof(v), "%llu", (unsigned long long)s);
	return store_setting_put(t, name, v);
}
