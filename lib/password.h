/*
 * Passwords made the way .NET's Membership.GeneratePassword(length,
 * numberOfNonAlphanumericCharacters) makes them, which Keptn's Windows
 * instructions use, but drawn without modulo bias.
 */
#ifndef APITOKEN_PASSWORD_H
#define APITOKEN_PASSWORD_H

#include <stddef.h>

#include "base62.h"

#define PASSWORD_MIN_LENGTH	1
#define PASSWORD_MAX_LENGTH	128

/* The 25 non-alphanumeric characters of .NET, in its order. */
#define PASSWORD_PUNCTUATION	"!@#$%^&*()_-+=[{]};:>|./?"
#define PASSWORD_PUNCTUATION_LEN	25
/* 0-9A-Za-z then the punctuation: 87 characters, .NET's order. */
#define PASSWORD_ALPHABET	BASE62_ALPHABET PASSWORD_PUNCTUATION
#define PASSWORD_ALPHABET_LEN	87
/* ASP.NET request validation rejects this sequence, so .NET never makes it. */
#define PASSWORD_FORBIDDEN	"&#"

/*
 * Writes length characters and a NUL: ATK_ERR_RANGE when length is outside
 * PASSWORD_MIN_LENGTH..PASSWORD_MAX_LENGTH or symbols > length,
 * ATK_ERR_INVAL when out cannot hold length + 1 bytes.
 */
int	password_generate(size_t, size_t, char *, size_t);
int	password_is_punctuation(int);
/* 1 if the text is a password password_generate(len, symbols) could make. */
int	password_is_valid(const char *, size_t, size_t);

#endif /* APITOKEN_PASSWORD_H */
