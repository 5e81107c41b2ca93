/*
 * The one verification of a token (SPEC section 3), shared by the PAM
 * module and "apitoken verify", and the account check of the session it
 * opened, by the same rules.
 *
 * Work is the same whatever the store holds: a native token is looked up
 * by its id, an imported one by its keyed digest, each with a lookup that
 * walks the B-tree the same way and decodes a real record (a neighbour's)
 * when the id or digest is not there; then one HMAC, two constant-time
 * compares with mac_equal() (current and previous verifier) and the copy
 * a known token's result takes, found or not (zeros when not).  Only
 * after that do the other rules decide.
 */
#include "config.h"

#include <stdint.h>
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
	"token deleted",		/* VERIFY_DELETED */
};

_Static_assert(sizeof(reasons) / sizeof(reasons[0]) == VERIFY_DELETED + 1,
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
	/* name, role and user point into strings. */
	free(res->strings);
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

/* a when keep is all ones, b when it is 0: a select, not a branch. */
static unsigned int
pick(uintptr_t keep, unsigned int a, unsigned int b)
{
	return (a & (unsigned int)keep) | (b & ~(unsigned int)keep);
}

/* n bytes of src into dst, or n zeros when keep is 0. */
static void
masked_copy(char *dst, const char *src, size_t n, unsigned char keep)
{
	size_t i;

	for (i = 0; i < n; i++)
		dst[i] = (char)((unsigned char)src[i] & keep);
}

/*
 * The result's id, name, role and user from rec when keep is all ones;
 * when it is 0 the same work leaves res as it was and its name, role and
 * user NULL, over an allocation of zeros.  No branch, no pointer and no
 * free() depends on keep (three copies kept for the caller on a hit and
 * freed here on a miss made a known id 6 to 14 cycles slower: SECURITY.md,
 * "Timing"), and nothing of a neighbour's record reaches the caller.
 */
static int
copy_out(const struct record *rec, const struct token *tok, uintptr_t keep,
    struct verify_result *res)
{
	char id[TOKEN_ID_BUFSZ], *s;
	size_t i, nname, nrole, nuser;
	unsigned char k = (unsigned char)keep;

	/* A native token carries its id's text: no need to format it. */
	if (tok->kind == TOKEN_NATIVE) {
		memcpy(id, tok->text + strlen(tok->prefix) + 1,
		    TOKEN_ID_CHARS);
		id[TOKEN_ID_CHARS] = '\0';
	} else
		token_id_format(rec->id, id);
	for (i = 0; i < sizeof(id); i++)
		res->id[i] = (char)pick(keep, (unsigned char)id[i],
		    (unsigned char)res->id[i]);
	/* Record lengths are bounded (record.h): no overflow. */
	nname = strlen(rec->name) + 1;
	nrole = strlen(rec->role) + 1;
	nuser = strlen(rec->user) + 1;
	if ((s = malloc(nname + nrole + nuser)) == NULL)
		return ATK_ERR_NOMEM;
	masked_copy(s, rec->name, nname, k);
	masked_copy(s + nname, rec->role, nrole, k);
	masked_copy(s + nname + nrole, rec->user, nuser, k);
	res->strings = s;
	res->name = (char *)((uintptr_t)s & keep);
	res->role = (char *)((uintptr_t)(s + nname) & keep);
	res->user = (char *)((uintptr_t)(s + nname + nrole) & keep);
	return 0;
}

/* Is the token alive at now: not revoked, not expired. */
static enum verify_reason
check_alive(const struct record *rec, int64_t now)
{
	if (rec->revoked != 0)
		return VERIFY_REVOKED;
	if (rec->expires != 0 && now >= rec->expires)
		return VERIFY_EXPIRED;
	return VERIFY_OK;
}

/* Is the token the user's? */
static enum verify_reason
check_user(const struct record *rec, const char *user)
{
	return strcmp(rec->user, user) == 0 ? VERIFY_OK : VERIFY_WRONG_USER;
}

/* The rules after the secret matched, in the order a person would ask. */
static enum verify_reason
check_rules(const struct record *rec, const struct verify_request *req)
{
	const char *policy = req->policy;
	enum verify_reason reason;

	if ((reason = check_alive(rec, req->now)) != VERIFY_OK ||
	    (reason = check_user(rec, req->user)) != VERIFY_OK)
		return reason;
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
	struct record rec;
	struct token tok;
	uintptr_t keep;
	int found = 0, known, foreign, lookup, match, match_old, r;

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
	foreign = tok.kind == TOKEN_NATIVE &&
	    strcmp(tok.prefix, store_prefix(st)) != 0;
	if ((r = store_txn_begin(st, STORE_RDONLY, &txn, NULL, 0)) != 0)
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
	known = found & !foreign;
	/*
	 * From here on a known and an unknown id run the same instructions:
	 * the same comparisons (a neighbour's verifier is keyed on its own
	 * id, so it cannot match; known masks it all the same), the same
	 * copy (copy_out()) and masks instead of branches.
	 */
	keep = (uintptr_t)0 - (uintptr_t)known;
	old = rec.old_until != 0 ? rec.old_verifier : dummy_verifier;
	match = mac_equal(v, rec.verifier, sizeof(v));
	match_old = mac_equal(v, old, sizeof(v)) &&
	    rec.old_until > req->now;
	if ((r = copy_out(&rec, &tok, keep, res)) != 0)
		goto out;
	res->known = known;
	res->reason = (enum verify_reason)pick(keep, VERIFY_WRONG_SECRET,
	    foreign ? VERIFY_PREFIX : VERIFY_UNKNOWN);
	/* Only a known id with its right secret goes on: it may cost more. */
	if (known & (match | match_old))
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

/*
 * The user first, as the account check always asked: a token of another
 * user is refused as that (PAM_PERM_DENIED) whatever its state.  No secret
 * is compared here, so no work is kept the same for an unknown id: the id
 * comes from a login this token has just passed.
 */
int
verify_account(struct store *st, const char *idtext,
    const struct verify_request *req, struct verify_result *res)
{
	unsigned char id[TOKEN_ID_BYTES];
	struct store_txn *txn = NULL;
	struct record rec;
	struct token none;
	int r;

	memset(res, 0, sizeof(*res));
	/* Never VERIFY_OK by accident, as in verify_token(). */
	res->reason = VERIFY_UNKNOWN;
	memset(&rec, 0, sizeof(rec));
	/* No token text: copy_out() formats the record's own id. */
	memset(&none, 0, sizeof(none));
	memcpy(res->id, VERIFY_UNKNOWN_ID, sizeof(VERIFY_UNKNOWN_ID));
	if (st == NULL || idtext == NULL || req == NULL || req->user == NULL)
		return ATK_ERR_INVAL;
	if (token_id_parse(idtext, id) != 0) {
		res->reason = VERIFY_MALFORMED;
		return 0;
	}
	if ((r = store_txn_begin(st, STORE_RDONLY, &txn, NULL, 0)) != 0)
		goto out;
	if ((r = store_get(txn, id, &rec)) == ATK_ERR_NOTFOUND) {
		res->reason = VERIFY_DELETED;
		r = 0;
		goto out;
	}
	if (r != 0 || (r = copy_out(&rec, &none, UINTPTR_MAX, res)) != 0)
		goto out;
	res->known = 1;
	if ((res->reason = check_user(&rec, req->user)) == VERIFY_OK)
		res->reason = check_alive(&rec, req->now);
 out:
	store_txn_abort(txn);
	record_free(&rec);
	if (r != 0) {
		verify_result_free(res);
		res->reason = VERIFY_UNKNOWN;
		memcpy(res->id, VERIFY_UNKNOWN_ID, sizeof(VERIFY_UNKNOWN_ID));
	}
	return r;
}
