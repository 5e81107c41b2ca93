/*
 * The one verification of a token (SPEC section 3), shared by the PAM
 * module and "apitoken verify".
 *
 * Work is the same whatever the store holds: a native token is looked up
 * by its id, an imported one by its keyed digest, each with a lookup that
 * walks the B-tree the same way and decodes a real record (a neighbour's)
 * when the id or digest is not there; then one HMAC, two constant-time
 * compares with mac_equal() (current and previous verifier) and the
 * copies a known token's result takes, found or not.  Only after that do the other rules decide.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "error.h"
#include "mac.h"
#include "record.h"
#include "store.h"
#include "token.h"
#include "verify.h"

#define VERIFY_UNKNOWN_ID	"unknown"
/* policy=service in the module: the PAM service name is the policy. */
#define VERIFY_POLICY_SERVICE	"service"

static const unsigned char dummy_verifier[RECORD_VERIFIER_BYTES];

static const char *const reasons[] = {
	"ok",				/* VERIFY_OK */
	"not a token",			/* VERIFY_MALFORMED */
	"checksum mismatch (typo?)",	/* VERIFY_CHECKSUM */
	"token of another store",	/* VERIFY_PREFIX */
	"unknown token",		/* VERIFY_UNKNOWN */
	"wrong secret",			/* VERIFY_WRONG_SECRET */
	"revoked",			/* VERIFY_REVOKED */
	"expired",			/* VERIFY_EXPIRED */
	"token belongs to another user",/* VERIFY_WRONG_USER */
	"token lacks the required role",/* VERIFY_ROLE */
	"token lacks the required policy", /* VERIFY_POLICY */
	"source address not allowed",	/* VERIFY_NETWORK */
};

_Static_assert(sizeof(reasons) / sizeof(reasons[0]) == VERIFY_NETWORK + 1,
    "every reason needs its words");

const char *
verify_reason_str(enum verify_reason r)
{
	if ((unsigned int)r >= sizeof(reasons) / sizeof(reasons[0]))
		return "unknown reason";
	return reasons[r];
}

void
verify_result_free(struct verify_result *res)
{
	if (res == NULL)
		return;
	free(res->name);
	free(res->role);
	free(res->user);
	memset(res, 0, sizeof(*res));
}

static int
network_ok(const struct record *rec, const char *rhost)
{
	size_t i;

	if (rec->nfrom == 0)
		return 1;
	for (i = 0; i < rec->nfrom; i++)
		if (cidr_match(&rec->from[i], rhost) == 1)
			return 1;
	return 0;
}

static int
copy_out(const struct record *rec, const struct token *tok,
    struct verify_result *res)
{
	/* A native token carries its id's text: no need to format it. */
	if (tok->kind == TOKEN_NATIVE) {
		memcpy(res->id, tok->text + strlen(tok->prefix) + 1,
		    TOKEN_ID_CHARS);
		res->id[TOKEN_ID_CHARS] = '\0';
	} else
		token_id_format(rec->id, res->id);
	if ((res->name = strdup(rec->name)) == NULL ||
	    (res->role = strdup(rec->role)) == NULL ||
	    (res->user = strdup(rec->user)) == NULL)
		return ATK_ERR_NOMEM;
	return 0;
}

/* The rules after the secret matched, in the order a person would ask. */
static enum verify_reason
check_rules(const struct record *rec, const struct verify_request *req)
{
	const char *policy = req->policy;

	if (rec->revoked != 0)
		return VERIFY_REVOKED;
	if (rec->expires != 0 && req->now >= rec->expires)
		return VERIFY_EXPIRED;
	if (strcmp(rec->user, req->user) != 0)
		return VERIFY_WRONG_USER;
	if (req->role != NULL && strcmp(rec->role, req->role) != 0)
		return VERIFY_ROLE;
	if (policy != NULL && strcmp(policy, VERIFY_POLICY_SERVICE) == 0)
		policy = req->service;
	if (req->policy != NULL && !record_has_policy(rec, policy))
		return VERIFY_POLICY;
	if (!network_ok(rec, req->rhost))
		return VERIFY_NETWORK;
	return VERIFY_OK;
}

int
verify_token(struct store *st, const char *text, size_t len,
    const struct verify_request *req, struct verify_result *res)
{
	unsigned char v[RECORD_VERIFIER_BYTES], id[TOKEN_ID_BYTES];
	const unsigned char *old;
	struct store_txn *txn = NULL;
	struct verify_result got, dropped, *to;
	struct record rec;
	struct token tok;
	int found = 0, known, foreign, lookup, match, match_old, r;

	memset(res, 0, sizeof(*res));
	/* Never VERIFY_OK by accident: a caller ignoring r still refuses. */
	res->reason = VERIFY_UNKNOWN;
	memset(&got, 0, sizeof(got));
	memset(&dropped, 0, sizeof(dropped));
	memset(&rec, 0, sizeof(rec));
	memset(&tok, 0, sizeof(tok));
	memcpy(res->id, VERIFY_UNKNOWN_ID, sizeof(VERIFY_UNKNOWN_ID));
	if (st == NULL || req == NULL || req->user == NULL)
		return ATK_ERR_INVAL;
	if (text == NULL) {
		res->reason = VERIFY_MALFORMED;
		return 0;
	}
	if ((r = token_parse(text, len, &tok)) < 0) {
		res->reason = r == ATK_ERR_CHECKSUM ? VERIFY_CHECKSUM :
		    VERIFY_MALFORMED;
		r = 0;
		goto out;
	}
	foreign = tok.kind == TOKEN_NATIVE &&
	    strcmp(tok.prefix, store_prefix(st)) != 0;
	if ((r = store_txn_begin(st, 1, &txn)) != 0)
		goto out;
	/*
	 * The record of the id, or of a neighbour when the store has none:
	 * the same B-tree walk and record decode either way (store.h).
	 */
	if (tok.kind == TOKEN_NATIVE) {
		lookup = store_get_near(txn, tok.id, &rec, &found);
		if ((r = store_token_verifier(st, &tok, v)) != 0)
			goto out;
		r = lookup;
	} else {
		if ((r = store_token_verifier(st, &tok, v)) != 0)
			goto out;
		if ((r = store_lookup_digest_near(txn, v, id, &found)) == 0 &&
		    (r = store_get(txn, id, &rec)) == ATK_ERR_NOTFOUND)
			r = ATK_ERR_CORRUPT;	/* A digest leading nowhere. */
	}
	if (r == ATK_ERR_NOTFOUND) {
		/* No token (no imported one): none to tell from another. */
		res->reason = foreign ? VERIFY_PREFIX : VERIFY_UNKNOWN;
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	known = found && !foreign;
	/*
	 * From here on a known and an unknown id run the same instructions:
	 * the same comparisons (a neighbour's verifier is keyed on its own
	 * id, so it cannot match; known masks it all the same), the same
	 * copies (kept for the caller when known, freed here when not: each
	 * path frees three strings and three NULLs, here and in the caller's
	 * verify_result_free() together) and selects instead of branches.
	 */
	old = rec.old_until != 0 ? rec.old_verifier : dummy_verifier;
	match = mac_equal(v, rec.verifier, sizeof(v));
	match_old = mac_equal(v, old, sizeof(v)) &&
	    rec.old_until > req->now;
	if ((r = copy_out(&rec, &tok, &got)) != 0)
		goto out;
	to = known ? res : &dropped;
	memcpy(to->id, got.id, sizeof(to->id));
	to->name = got.name;
	to->role = got.role;
	to->user = got.user;
	memset(&got, 0, sizeof(got));
	res->known = known;
	if (known & (match | match_old))
		res->reason = check_rules(&rec, req);
	else if (known)
		res->reason = VERIFY_WRONG_SECRET;
	else
		res->reason = foreign ? VERIFY_PREFIX : VERIFY_UNKNOWN;
 out:
	store_txn_abort(txn);
	record_free(&rec);
	token_clear(&tok);
	explicit_bzero(v, sizeof(v));
	/*
	 * Last, so that a miss frees its copies where a hit's caller frees
	 * them: the allocator sees the same frees in the same order.
	 */
	verify_result_free(&got);
	verify_result_free(&dropped);
	if (r != 0) {
		verify_result_free(res);
		res->reason = VERIFY_UNKNOWN;
		memcpy(res->id, VERIFY_UNKNOWN_ID, sizeof(VERIFY_UNKNOWN_ID));
	}
	return r;
}
