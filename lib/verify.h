/*
 * The one verification of a token, shared by the PAM module and
 * "apitoken verify" (SPEC section 3, "Verification"):
 *
 *	parse -> checksum -> look up by id (or digest) -> keyed hash ->
 *	constant-time compare -> not revoked, not expired, user matches, role,
 *	policy and source network rules hold.
 *
 * An unknown id does the same hashing and comparing as a wrong secret.  The
 * result says why a token was refused, so callers can log it without ever
 * seeing the secret.
 */
#ifndef APITOKEN_VERIFY_H
#define APITOKEN_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"
#include "token.h"

enum verify_reason {
	VERIFY_OK = 0,
	VERIFY_MALFORMED,	/* Not a token at all. */
	VERIFY_CHECKSUM,	/* Native shape, bad checksum (a typo). */
	VERIFY_PREFIX,		/* Native token of another store's prefix. */
	VERIFY_UNKNOWN,		/* No such id or digest. */
	VERIFY_WRONG_SECRET,
	VERIFY_REVOKED,
	VERIFY_EXPIRED,
	VERIFY_WRONG_USER,
	VERIFY_ROLE,		/* Lacks the required role. */
	VERIFY_POLICY,		/* Lacks the required policy. */
	VERIFY_NETWORK,		/* Source address outside --from. */
	VERIFY_DELETED,		/* verify_account(): the id is gone. */
};

struct verify_request {
	const char	*user;		/* The user logging in; required. */
	const char	*service;	/* PAM service, or NULL. */
	const char	*rhost;		/* PAM_RHOST, or NULL. */
	const char	*role;		/* Required role, or NULL. */
	const char	*policy;	/* Required policy, or NULL;
					   "service" means the service. */
	int64_t		 now;
};

struct verify_result {
	enum verify_reason reason;
	int		 known;		/* The id or digest was found. */
	char		 id[TOKEN_ID_BUFSZ];	/* "unknown" when not known. */
	char		*name;		/* Set when known, else NULL. */
	char		*role;
	char		*user;
	/*
	 * The one allocation name, role and user point into, made whether
	 * known or not (zeros when not): the same malloc() and free() on
	 * both paths.  Only verify_result_free() should touch it.
	 */
	char		*strings;
};

/*
 * Returns 0 when the check ran to a decision (result->reason says accept
 * or why not) and a negative ATK_ERR_* when it could not decide (store
 * failure, out of memory): callers fail closed on both non-OK outcomes.
 * On an error result->reason is never VERIFY_OK.  Free the result with
 * verify_result_free() in every case.
 */
int	verify_token(struct store *, const char *, size_t,
	    const struct verify_request *, struct verify_result *);
/*
 * The account check of a session a token opened: the token of the id text
 * is still there (else VERIFY_DELETED), the user's (VERIFY_WRONG_USER),
 * not revoked and not expired by req->now, under the very rules
 * verify_token() applies; the other fields of req are not asked.  The
 * same conventions: 0 with result->reason, or a negative ATK_ERR_* when
 * it could not decide; free the result with verify_result_free().
 */
int	verify_account(struct store *, const char *,
	    const struct verify_request *, struct verify_result *);
const char *verify_reason_str(enum verify_reason);
void	verify_result_free(struct verify_result *);	/* NULL-safe. */

#endif /* APITOKEN_VERIFY_H */
