/*
 * The one verification of a token (SPEC section 3), shared by the PAM
 * module and "apitoken verify".
 *
 * Work is the same whatever the store holds: a native token is looked up
 * by its id, an imported one by its keyed digest; then one HMAC and two
 * CRYPTO_memcmp() calls (current and previous verifier) run whether the
 * id was found or not, against a dummy verifier when it was not, and an
 * unknown id (or a token of another store's prefix) copies a stand-in
 * record as a known one copies its own.  Only after that do the other
 * rules decide.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cidr.h"
#include "error.h"
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

/*
 * What a known id costs on top of an unknown one: its record turned into
 * C strings (the lookup's decode) and the result's copies.  An unknown id
 * pays about the same on a stand-in of a typical record's size.
 */
static int
stand_in_work(const struct token *tok)
{
	char name[] = "stand-in-token-name";
	char user[RECORD_DEFAULT_USER_BUFSZ];
	char role[] = "User";
	struct verify_result scratch;
	struct record in, copy;
	int r;

	memset(&in, 0, sizeof(in));
	memset(&scratch, 0, sizeof(scratch));
	/* As a decode rebuilds a default user from the id. */
	if ((r = record_default_user(tok->id, user, sizeof(user))) != 0)
		return r;
	in.name = name;
	in.user = user;
	in.role = role;
	if ((r = record_copy(&in, &copy)) != 0)
		return r;
	r = copy_out(&copy, tok, &scratch);
	verify_result_free(&scratch);
	record_free(&copy);
	return r;
}

int
verify_token(struct store *st, const char *text, size_t len,
    const struct verify_request *req, struct verify_result *res)
{
	unsigned char v[RECORD_VERIFIER_BYTES], id[TOKEN_ID_BYTES];
	const unsigned char *cur, *old;
	struct store_txn *txn = NULL;
	struct record rec;
	struct token tok;
	int known = 0, foreign, lookup, match, match_old, r;

	memset(res, 0, sizeof(*res));
	/* Never VERIFY_OK by accident: a caller ignoring r still refuses. */
	res->reason = VERIFY_UNKNOWN;
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
	if ((r = store_txn_begin(st, 1, &txn)) != 0)
		goto out;
	if (tok.kind == TOKEN_NATIVE) {
		lookup = store_get(txn, tok.id, &rec);
		if ((r = store_token_verifier(st, &tok, v)) != 0)
			goto out;
		r = lookup;
	} else {
		if ((r = store_token_verifier(st, &tok, v)) != 0)
			goto out;
		if ((r = store_lookup_digest(txn, v, id)) == 0 &&
		    (r = store_get(txn, id, &rec)) == ATK_ERR_NOTFOUND)
			r = ATK_ERR_CORRUPT;	/* A digest leading nowhere. */
	}
	if (r == 0)
		known = 1;
	else if (r != ATK_ERR_NOTFOUND)
		goto out;
	/* Same comparisons, found or not. */
	cur = known ? rec.verifier : dummy_verifier;
	old = known && rec.old_until != 0 ? rec.old_verifier : dummy_verifier;
	match = CRYPTO_memcmp(v, cur, sizeof(v)) == 0;
	match_old = CRYPTO_memcmp(v, old, sizeof(v)) == 0;
	foreign = tok.kind == TOKEN_NATIVE &&
	    strcmp(tok.prefix, store_prefix(st)) != 0;
	if (foreign || !known) {
		if ((r = stand_in_work(&tok)) != 0)
			goto out;
		res->reason = foreign ? VERIFY_PREFIX : VERIFY_UNKNOWN;
		goto out;
	}
	res->known = 1;
	if ((r = copy_out(&rec, &tok, res)) != 0)
		goto out;
	if (!(match || (match_old && rec.old_until > req->now)))
		res->reason = VERIFY_WRONG_SECRET;
	else
		res->reason = check_rules(&rec, req);
 out:
	store_txn_abort(txn);
	record_free(&rec);
	token_clear(&tok);
	explicit_bzero(v, sizeof(v));
	if (r != 0) {
		verify_result_free(res);
		res->reason = VERIFY_UNKNOWN;
		memcpy(res->id, VERIFY_UNKNOWN_ID, sizeof(VERIFY_UNKNOWN_ID));
	}
	return r;
}
