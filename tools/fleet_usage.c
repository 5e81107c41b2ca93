/*
 * Fleet-wide last use (SPEC section 11, issue 14): each host's apitokend
 * --etcd puts the last use it saw of a token under
 *
 *	<prefix>usage/<host>/<id>	{"last_used":"<RFC 3339>",
 *					"last_from":"<remote host>"}
 *
 * and apitoken list and show on the admin store read them all back.  The
 * keys and values, shared by both sides; and the host names of the keys
 * and of the hosts' reports.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "escape.h"
#include "fleet.h"
#include "rfc3339.h"
#include "token.h"

int
fleet_host_valid(const char *h)
{
	size_t n = strlen(h);

	return n > 0 && n <= FLEET_HOST_MAX && strspn(h, "ABCDEFGHIJKLMNOP"
	    "QRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

char *
fleet_usage_key(const char *prefix, const char *host, const unsigned char *id)
{
	char text[TOKEN_ID_BUFSZ], *k;

	if (id == NULL)
		text[0] = '\0';
	else
		token_id_format(id, text);
	return asprintf(&k, "%s%s%s%s%s", prefix, FLEET_USAGE, host,
	    host[0] != '\0' ? "/" : "", text) == -1 ? NULL : k;
}

char *
fleet_usage_value(int64_t when, const char *from)
{
	char t[RFC3339_BUFSZ], *v, *e = NULL;
	json_t *o;

	if (from == NULL)
		from = "-";
	if (rfc3339_format(when, t, sizeof(t)) != 0)
		return NULL;
	/* Bytes that are not UTF-8, which JSON cannot carry: escaped. */
	if ((o = json_pack("{s:s, s:s}", "last_used", t, "last_from",
	    from)) == NULL && ((e = escape_text(from)) == NULL ||
	    (o = json_pack("{s:s, s:s}", "last_used", t, "last_from",
	    e)) == NULL)) {
		free(e);
		return NULL;
	}
	free(e);
	v = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return v;
}

int
fleet_usage_parse(const char *prefix, const struct etcd_kv *kv,
    struct fleet_use *u, const char **why)
{
	size_t plen = strlen(prefix), ulen = strlen(FLEET_USAGE), hlen;
	const char *k = (const char *)kv->key, *slash, *when, *from;
	char idtext[TOKEN_ID_BUFSZ];
	json_error_t jerr;
	json_t *o;
	int r = -1;

	memset(u, 0, sizeof(*u));
	*why = "not a key of a host's usage";
	if (kv->keylen <= plen + ulen || memcmp(k, prefix, plen) != 0 ||
	    memcmp(k + plen, FLEET_USAGE, ulen) != 0)
		return -1;
	k += plen + ulen;
	if ((slash = memchr(k, '/', kv->keylen - plen - ulen)) == NULL)
		return -1;
	hlen = (size_t)(slash - k);
	if (hlen == 0 || hlen > FLEET_HOST_MAX)
		return -1;
	memcpy(u->host, k, hlen);
	u->host[hlen] = '\0';
	/* A NUL in the key would make it another host's name. */
	if (strlen(u->host) != hlen || !fleet_host_valid(u->host) ||
	    kv->keylen - plen - ulen - hlen - 1 != TOKEN_ID_CHARS)
		return -1;
	memcpy(idtext, slash + 1, TOKEN_ID_CHARS);
	idtext[TOKEN_ID_CHARS] = '\0';
	if (token_id_parse(idtext, u->id) != 0)
		return -1;
	*why = "not a use: {\"last_used\":\"<RFC 3339>\","
	    "\"last_from\":\"...\"}";
	if (kv->value == NULL || kv->valuelen > FLEET_USE_VALUE_MAX ||
	    (o = json_loadb((const char *)kv->value, kv->valuelen,
	    JSON_REJECT_DUPLICATES, &jerr)) == NULL)
		return -1;
	if (json_unpack_ex(o, &jerr, JSON_STRICT, "{s:s, s:s}", "last_used",
	    &when, "last_from", &from) == 0 &&
	    rfc3339_parse(when, &u->when) == 0 && u->when > 0 &&
	    strlen(from) <= FLEET_USE_FROM_MAX &&
	    (u->from = strdup(from)) != NULL)
		r = 0;
	json_decref(o);
	return r;
}
