/*
 * One token's record as the store keeps it (SPEC section 3, "Metadata"),
 * and its on-disk encoding.  The encoding starts with the schema version;
 * record_decode() refuses a newer one (ATK_ERR_SCHEMA) and a damaged one
 * (ATK_ERR_CORRUPT) and never reads outside the buffer.
 *
 * No secret is ever in a record: only the keyed verifier of the secret.
 */
#ifndef APITOKEN_RECORD_H
#define APITOKEN_RECORD_H

#include <stddef.h>
#include <stdint.h>

#include "cidr.h"
#include "token.h"

#define RECORD_SCHEMA		1
#define RECORD_VERIFIER_BYTES	32
#define RECORD_NAME_MAX		64	/* [A-Za-z0-9][A-Za-z0-9._-]* */
#define RECORD_TEXT_MAX		1024	/* description, reasons */
#define RECORD_POLICIES_MAX	64
#define RECORD_FROM_MAX		64
#define RECORD_WORD_MAX		256	/* user, role, policy: [!-~]+ */
/*
 * The default user of stores made before issue 12, "service-account-<id
 * lc>" (38 characters, more than useradd takes): a record keeps it as a
 * flag, so old tokens keep their user.  apitoken now gives new tokens
 * "sa-<id lc>" (or the store's user-prefix), stored as any other user.
 */
#define RECORD_DEFAULT_USER_PREFIX	"service-account-"
#define RECORD_DEFAULT_USER_BUFSZ	\
	(sizeof(RECORD_DEFAULT_USER_PREFIX) - 1 + TOKEN_ID_CHARS + 1)

struct record {
	unsigned char	 id[TOKEN_ID_BYTES];
	int		 imported;	/* Found by digest, not by id. */
	char		*name;
	char		*description;	/* NULL when none. */
	char		*user;
	char		*role;
	char		**policies;
	size_t		 npolicies;
	struct cidr	*from;		/* Empty: any source. */
	size_t		 nfrom;
	int64_t		 created;
	int64_t		 expires;	/* 0: never. */
	int64_t		 revoked;	/* 0: not revoked. */
	char		*revoke_reason;	/* NULL when none. */
	int		 has_parent;
	unsigned char	 parent[TOKEN_ID_BYTES];
	unsigned char	 verifier[RECORD_VERIFIER_BYTES];
	/* regenerate --grace: the previous secret works until old_until. */
	int64_t		 old_until;	/* 0: no previous secret. */
	unsigned char	 old_verifier[RECORD_VERIFIER_BYTES];
};

/* 1 if the name is valid, else 0. */
int	record_name_valid(const char *);
/* 1 if the text is a valid user, role or policy word, else 0. */
int	record_word_valid(const char *);
/* 1 if the text is a valid description or revoke reason, else 0. */
int	record_text_valid(const char *);
/*
 * 0 if every field follows the rules record_decode() enforces, else
 * ATK_ERR_INVAL; record_encode() refuses what this refuses.
 */
int	record_validate(const struct record *);
/* "service-account-<id in lower case>" into buf (RECORD_DEFAULT_USER_BUFSZ). */
int	record_default_user(const unsigned char *, char *, size_t);
/* Allocates *buf (freed by the caller). */
int	record_encode(const struct record *, unsigned char **, size_t *);
int	record_decode(const void *, size_t, struct record *);
/* Deep copy. */
int	record_copy(const struct record *, struct record *);
/* Frees the members (not the struct) and zeroes it; NULL-safe. */
void	record_free(struct record *);
/* 1 if the record carries policy p, else 0. */
int	record_has_policy(const struct record *, const char *);

#endif /* APITOKEN_RECORD_H */
