/*
 * Token records as JSON objects, through jansson: the output of
 * "list -o json" and "show -o json", and the lines of export and restore.
 *
 * Keys are stable (scripts rely on them): id, name, description, user,
 * role, policies, from, created, expires, revoked, revoke_reason,
 * last_used, last_from, parent, imported; an export adds verifier,
 * old_verifier and old_until.  Times are RFC 3339 UTC, null when unset.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apitoken.h"
#include "base64.h"
#include "cidr.h"
#include "error.h"
#include "escape.h"
#include "record.h"
#include "rfc3339.h"
#include "token.h"

/* Base64 of the largest value we carry (a 32-byte key or verifier). */
#define B64_MAX_BYTES	64
#define B64_BUFSZ	(((B64_MAX_BYTES + 2) / 3) * 4 + 1)

/* Every key a record object may have; anything else is refused. */
static const char *const record_keys[] = {
	"id", "name", "description", "user", "role", "policies", "from",
	"created", "expires", "revoked", "revoke_reason", "last_used",
	"last_from", "parent", "imported", "verifier", "old_verifier",
	"old_until",
};
#define NRECORD_KEYS	(sizeof(record_keys) / sizeof(record_keys[0]))
/* One object a line: no spaces, keys in the order they were set. */
#define JSON_LINE_FLAGS		JSON_COMPACT
/* As restore_line() reads a line: a key given twice is refused. */
#define JSON_LINE_LOAD_FLAGS	JSON_REJECT_DUPLICATES

/* A description or a reason as the record takes it, in UTF-8. */
int
tool_text_valid(const char *s)
{
	json_t *j;

	if (!record_text_valid(s))
		return 0;
	/* jansson refuses a string that is not valid UTF-8. */
	if ((j = json_string(s)) == NULL)
		return 0;
	json_decref(j);
	return 1;
}

int
json_b64_encode(const unsigned char *p, size_t n, char *buf, size_t size)
{
	return base64_encode(p, n, buf, size, 0);
}

/*
 * Exactly n bytes from canonical padded base64 (the way we write it), so a
 * damaged value is refused rather than silently read differently.
 */
int
json_b64_decode(const char *s, unsigned char *out, size_t n)
{
	unsigned char tmp[B64_BUFSZ];
	char again[B64_BUFSZ];
	size_t len, got = 0, errpos;
	int r = ATK_ERR_BASE64;

	if (n > B64_MAX_BYTES)
		return ATK_ERR_INVAL;
	len = strlen(s);
	if (len != base64_encoded_len(n, 0))
		return ATK_ERR_BASE64;
	if (base64_decode(s, len, tmp, sizeof(tmp), &got, 0, &errpos) != 0 ||
	    got != n ||
	    base64_encode(tmp, n, again, sizeof(again), 0) != 0 ||
	    strcmp(again, s) != 0)
		goto out;
	memcpy(out, tmp, n);
	r = 0;
out:
	explicit_bzero(tmp, sizeof(tmp));
	explicit_bzero(again, sizeof(again));
	return r;
}

static json_t *
jtime(int64_t t)
{
	char buf[RFC3339_BUFSZ];

	if (t == 0)
		return json_null();
	if (rfc3339_format(t, buf, sizeof(buf)) != 0)
		return NULL;
	return json_string(buf);
}

static json_t *
jstr(const char *s)
{
	return s == NULL ? json_null() : json_string(s);
}

/*
 * Free text for a reader (list, show): C-style escapes for what a
 * terminal would act on (escape.h), which JSON alone leaves raw (DEL,
 * C1 controls) or refuses (bytes that are not UTF-8).  An export keeps
 * the text as stored: restore reads it back.
 */
static json_t *
jtext(const char *s, int raw)
{
	json_t *j;
	char *e;

	if (s == NULL)
		return jstr(s);
	/*
	 * Raw (export) where JSON can carry it; a remote host's bytes that
	 * are not UTF-8 (PAM_RHOST is the application's word) escaped even
	 * then, so that one login cannot make every export fail.
	 */
	if (raw && (j = jstr(s)) != NULL)
		return j;
	if ((e = escape_text(s)) == NULL)
		return NULL;
	j = json_string(e);
	free(e);
	return j;
}

static json_t *
jid(const unsigned char *id)
{
	char buf[TOKEN_ID_BUFSZ];

	token_id_format(id, buf);
	return json_string(buf);
}

static json_t *
jb64(const unsigned char *p, size_t n)
{
	char buf[B64_BUFSZ];

	if (json_b64_encode(p, n, buf, sizeof(buf)) != 0)
		return NULL;
	return json_string(buf);
}

/*
 * One token as an object.  With secrets set (export), the keyed verifiers
 * too: they let nobody log in without the store's key, but with it they
 * keep the tokens working on another host.
 */
json_t *
json_from_record(const struct record *rec, int64_t last_used,
    const char *last_from, int secrets)
{
	json_t *o, *pol, *from;
	char net[CIDR_BUFSZ];
	size_t i;
	int bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	if ((pol = json_array()) == NULL || (from = json_array()) == NULL) {
		json_decref(pol);
		json_decref(o);
		return NULL;
	}
	for (i = 0; i < rec->npolicies; i++)
		bad |= json_array_append_new(pol,
		    json_string(rec->policies[i]));
	for (i = 0; i < rec->nfrom; i++) {
		if (cidr_format(&rec->from[i], net, sizeof(net)) != 0)
			bad = -1;
		else
			bad |= json_array_append_new(from, json_string(net));
	}
	bad |= json_object_set_new(o, "id", jid(rec->id));
	bad |= json_object_set_new(o, "name", jstr(rec->name));
	bad |= json_object_set_new(o, "description", jtext(rec->description, secrets));
	bad |= json_object_set_new(o, "user", jstr(rec->user));
	bad |= json_object_set_new(o, "role", jstr(rec->role));
	bad |= json_object_set_new(o, "policies", pol);
	bad |= json_object_set_new(o, "from", from);
	bad |= json_object_set_new(o, "created", jtime(rec->created));
	bad |= json_object_set_new(o, "expires", jtime(rec->expires));
	bad |= json_object_set_new(o, "revoked", jtime(rec->revoked));
	bad |= json_object_set_new(o, "revoke_reason",
	    jtext(rec->revoke_reason, secrets));
	bad |= json_object_set_new(o, "last_used", jtime(last_used));
	bad |= json_object_set_new(o, "last_from",
	    jtext(last_used != 0 ? last_from : NULL, secrets));
	bad |= json_object_set_new(o, "parent",
	    rec->has_parent ? jid(rec->parent) : json_null());
	bad |= json_object_set_new(o, "imported",
	    json_boolean(rec->imported));
	if (secrets) {
		bad |= json_object_set_new(o, "verifier",
		    jb64(rec->verifier, sizeof(rec->verifier)));
		bad |= json_object_set_new(o, "old_verifier",
		    rec->old_until != 0 ? jb64(rec->old_verifier,
		    sizeof(rec->old_verifier)) : json_null());
		bad |= json_object_set_new(o, "old_until",
		    jtime(rec->old_until));
	}
	if (bad != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The members of an object, by type; *why says what is wrong. */
static int
get_str(json_t *o, const char *key, int nullable, const char **sp,
    const char **why)
{
	json_t *v = json_object_get(o, key);

	*sp = NULL;
	if (v != NULL && json_is_string(v)) {
		*sp = json_string_value(v);
		return 0;
	}
	if (nullable && (v == NULL || json_is_null(v)))
		return 0;
	*why = key;
	return -1;
}

static int
get_time(json_t *o, const char *key, int nullable, int64_t *tp,
    const char **why)
{
	const char *s;

	*tp = 0;
	if (get_str(o, key, nullable, &s, why) != 0)
		return -1;
	if (s == NULL)
		return 0;
	if (rfc3339_parse(s, tp) != 0 || *tp == 0) {
		*why = key;
		return -1;
	}
	return 0;
}

static int
get_dup(json_t *o, const char *key, int nullable, char **dp, const char **why)
{
	const char *s;

	*dp = NULL;
	if (get_str(o, key, nullable, &s, why) != 0)
		return -1;
	if (s != NULL && (*dp = strdup(s)) == NULL) {
		*why = "out of memory";
		return -1;
	}
	return 0;
}

static int
get_words(json_t *o, const char *key, struct record *rec, const char **why)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i, n;

	*why = key;
	if (a == NULL || !json_is_array(a) ||
	    (n = json_array_size(a)) > RECORD_POLICIES_MAX)
		return -1;
	if (n == 0)
		return 0;
	if ((rec->policies = calloc(n, sizeof(*rec->policies))) == NULL) {
		*why = "out of memory";
		return -1;
	}
	json_array_foreach(a, i, v) {
		if (!json_is_string(v))
			return -1;
		if ((rec->policies[i] = strdup(json_string_value(v))) == NULL) {
			*why = "out of memory";
			return -1;
		}
		rec->npolicies++;
	}
	return 0;
}

static int
get_nets(json_t *o, const char *key, struct record *rec, const char **why)
{
	json_t *a = json_object_get(o, key), *v;
	size_t i, n;

	*why = key;
	if (a == NULL || !json_is_array(a) ||
	    (n = json_array_size(a)) > RECORD_FROM_MAX)
		return -1;
	if (n == 0)
		return 0;
	if ((rec->from = calloc(n, sizeof(*rec->from))) == NULL) {
		*why = "out of memory";
		return -1;
	}
	json_array_foreach(a, i, v) {
		if (!json_is_string(v) ||
		    cidr_parse(json_string_value(v), &rec->from[i]) != 0)
			return -1;
		rec->nfrom++;
	}
	return 0;
}

static int
get_b64(json_t *o, const char *key, unsigned char *out, size_t n,
    const char **why)
{
	const char *s;

	if (get_str(o, key, 0, &s, why) != 0 ||
	    json_b64_decode(s, out, n) != 0) {
		*why = key;
		return -1;
	}
	return 0;
}

/*
 * An exported object back into a record, checked as strictly as the
 * command line checks what it stores.  On failure *why names the key.
 * The record is filled as far as it got: the caller frees it either way.
 */
int
json_to_record(json_t *o, struct record *rec, int64_t *last_used,
    char **last_from, const char **why)
{
	const char *key, *s;
	json_t *v;
	size_t i;

	*last_used = 0;
	*last_from = NULL;
	*why = "not an object";
	if (!json_is_object(o))
		return -1;
	json_object_foreach(o, key, v) {
		for (i = 0; i < NRECORD_KEYS; i++)
			if (strcmp(key, record_keys[i]) == 0)
				break;
		if (i == NRECORD_KEYS) {
			*why = key;
			return -1;
		}
	}
	if (get_str(o, "id", 0, &s, why) != 0 ||
	    token_id_parse(s, rec->id) != 0) {
		*why = "id";
		return -1;
	}
	if (get_dup(o, "name", 0, &rec->name, why) != 0 ||
	    get_dup(o, "description", 1, &rec->description, why) != 0 ||
	    get_dup(o, "user", 0, &rec->user, why) != 0 ||
	    get_dup(o, "role", 0, &rec->role, why) != 0 ||
	    get_dup(o, "revoke_reason", 1, &rec->revoke_reason, why) != 0 ||
	    get_dup(o, "last_from", 1, last_from, why) != 0 ||
	    get_words(o, "policies", rec, why) != 0 ||
	    get_nets(o, "from", rec, why) != 0 ||
	    get_time(o, "created", 0, &rec->created, why) != 0 ||
	    get_time(o, "expires", 1, &rec->expires, why) != 0 ||
	    get_time(o, "revoked", 1, &rec->revoked, why) != 0 ||
	    get_time(o, "last_used", 1, last_used, why) != 0 ||
	    get_time(o, "old_until", 1, &rec->old_until, why) != 0 ||
	    get_b64(o, "verifier", rec->verifier, sizeof(rec->verifier),
	    why) != 0)
		return -1;
	if (rec->description != NULL && !tool_text_valid(rec->description)) {
		*why = "description";
		return -1;
	}
	if (rec->revoke_reason != NULL &&
	    !tool_text_valid(rec->revoke_reason)) {
		*why = "revoke_reason";
		return -1;
	}
	v = json_object_get(o, "imported");
	if (v != NULL && !json_is_boolean(v)) {
		*why = "imported";
		return -1;
	}
	rec->imported = v != NULL && json_is_true(v);
	if (get_str(o, "parent", 1, &s, why) != 0 ||
	    (s != NULL && token_id_parse(s, rec->parent) != 0)) {
		*why = "parent";
		return -1;
	}
	rec->has_parent = s != NULL;
	if (record_validate(rec) != 0) {
		*why = "name, user, role or policy";
		return -1;
	}
	if (rec->old_until != 0 && get_b64(o, "old_verifier",
	    rec->old_verifier, sizeof(rec->old_verifier), why) != 0)
		return -1;
	v = json_object_get(o, "old_verifier");
	if (rec->old_until == 0 && v != NULL && !json_is_null(v)) {
		*why = "old_verifier";
		return -1;
	}
	return 0;
}

/* One object on one line of standard output. */
int
json_print_line(json_t *o)
{
	if (json_dumpf(o, stdout, JSON_LINE_FLAGS) != 0 ||
	    putchar('\n') == EOF)
		return -1;
	return 0;
}

/* The text json_print_line() writes, without the newline; allocated. */
char *
json_line(json_t *o)
{
	return json_dumps(o, JSON_LINE_FLAGS);
}

/*
 * One line of an export back into a record, as restore reads it (a key
 * twice is refused): json_to_record() of the line's object.
 */
int
json_line_to_record(const char *line, struct record *rec, int64_t *last_used,
    char **last_from, const char **why)
{
	json_error_t jerr;
	json_t *o;
	int r;

	*last_used = 0;
	*last_from = NULL;
	if ((o = json_loads(line, JSON_LINE_LOAD_FLAGS, &jerr)) == NULL) {
		*why = "JSON";
		return -1;
	}
	r = json_to_record(o, rec, last_used, last_from, why);
	json_decref(o);
	return r;
}
