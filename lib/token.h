/*
 * Token text: the native format and imported tokens (SPEC section 3).
 *
 * Native: <prefix>_<id>_<secret><checksum>
 *	prefix		[a-z][a-z0-9]{0,15}, "atk" unless the store says otherwise
 *	id		22 base62 characters of 16 random bytes
 *	secret		43 base62 characters of 32 random bytes
 *	checksum	6 base62 characters of the CRC-32 of everything before it
 * A typo or a truncation fails the checksum before any store is read.
 *
 * Imported: any other text of TOKEN_IMPORT_MIN..TOKEN_MAX_LEN printable ASCII
 * characters (a Keptn token, say); the store finds it by a keyed digest of
 * the whole text.
 */
#ifndef APITOKEN_TOKEN_H
#define APITOKEN_TOKEN_H

#include <stddef.h>

#define TOKEN_PREFIX_DEFAULT	"atk"
#define TOKEN_PREFIX_MAX	16
#define TOKEN_ID_BYTES		16
#define TOKEN_ID_CHARS		22
#define TOKEN_SECRET_BYTES	32
#define TOKEN_SECRET_CHARS	43
#define TOKEN_CHECKSUM_CHARS	6
/* OpenSSH cuts a prompt answer at 1023 bytes; nothing longer is a token. */
#define TOKEN_MAX_LEN		1023
#define TOKEN_IMPORT_MIN	16
/* Room for the longest native token and its NUL. */
#define TOKEN_NATIVE_BUFSZ	(TOKEN_PREFIX_MAX + 1 + TOKEN_ID_CHARS + 1 + \
	TOKEN_SECRET_CHARS + TOKEN_CHECKSUM_CHARS + 1)
#define TOKEN_ID_BUFSZ		(TOKEN_ID_CHARS + 1)

enum token_kind {
	TOKEN_NATIVE = 1,
	TOKEN_IMPORTED = 2,
};

struct token {
	enum token_kind	 kind;
	char		 prefix[TOKEN_PREFIX_MAX + 1];	/* Native only. */
	unsigned char	 id[TOKEN_ID_BYTES];		/* Native only. */
	unsigned char	 secret[TOKEN_SECRET_BYTES];	/* Native only. */
	const char	*text;		/* The whole text (borrowed). */
	size_t		 len;
};

/* 1 if the text is a valid prefix, else 0. */
int	token_prefix_valid(const char *);
/* A new native token with a random id and secret; its text into buf. */
int	token_generate(const char *, struct token *, char *, size_t);
/* A new secret for an existing id (regenerate keeps the id). */
int	token_regenerate(const char *, const unsigned char *, struct token *,
	    char *, size_t);
/*
 * Parse untrusted text (not NUL-terminated; len bytes).  Native shape with a
 * good checksum: TOKEN_NATIVE.  Native shape with a bad checksum:
 * ATK_ERR_CHECKSUM.  A text that starts like a native token (prefix, '_',
 * 22 base62 digits, '_') without being one exactly - cut short, lengthened,
 * a stray character in the secret - is ATK_ERR_CHECKSUM too.  Anything else
 * importable: TOKEN_IMPORTED.  Too short, too long, NUL or control
 * characters: ATK_ERR_SYNTAX / ATK_ERR_TOOLONG.
 */
int	token_parse(const char *, size_t, struct token *);
/* Wipe the secret parts. */
void	token_clear(struct token *);
/* The 22-character text of an id, and back (ATK_ERR_SYNTAX if not one). */
void	token_id_format(const unsigned char *, char *);
int	token_id_parse(const char *, unsigned char *);

#endif /* APITOKEN_TOKEN_H */
