/*
 * The GeneratePassword recipe of .NET's System.Web.Security.Membership:
 *
 * 1. every character is drawn from the 87-character alphabet;
 * 2. while there are fewer than `symbols` punctuation characters, a
 *    randomly chosen alphanumeric position is replaced by a random
 *    punctuation character;
 * 3. the whole password is drawn again while it contains "&#".
 *
 * .NET draws with a random byte mod 87, which favours the first 82
 * characters, and picks the replaced positions with System.Random.  Here
 * every draw comes from random_uniform(), so each step is uniform: each
 * character of step 1 is uniform over the 87, each replaced position is
 * uniform over the alphanumeric ones left and each replacement uniform over
 * the 25 punctuation characters.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "error.h"
#include "password.h"
#include "random.h"

_Static_assert(sizeof(PASSWORD_ALPHABET) - 1 == PASSWORD_ALPHABET_LEN,
    "the alphabet has 87 characters");
_Static_assert(sizeof(PASSWORD_PUNCTUATION) - 1 == PASSWORD_PUNCTUATION_LEN,
    "there are 25 punctuation characters");

int
password_is_punctuation(int c)
{
	return c != '\0' && strchr(PASSWORD_PUNCTUATION, c) != NULL;
}

int
password_is_valid(const char *pw, size_t len, size_t symbols)
{
	size_t i, punct = 0;

	if (len < PASSWORD_MIN_LENGTH || len > PASSWORD_MAX_LENGTH)
		return 0;
	for (i = 0; i < len; i++) {
		if (password_is_punctuation((unsigned char)pw[i]))
			punct++;
		else if (!base62_is_digit((unsigned char)pw[i]))
			return 0;
		if (i > 0 && pw[i - 1] == PASSWORD_FORBIDDEN[0] &&
		    pw[i] == PASSWORD_FORBIDDEN[1])
			return 0;
	}
	return punct >= symbols;
}

/* One draw of steps 1 and 2 into out[0..len). */
static int
draw(size_t len, size_t symbols, char *out)
{
	static const char alphabet[] = PASSWORD_ALPHABET;
	static const char punctuation[] = PASSWORD_PUNCTUATION;
	size_t i, punct = 0;
	uint32_t v;
	int r;

	for (i = 0; i < len; i++) {
		if ((r = random_uniform(PASSWORD_ALPHABET_LEN, &v)) != 0)
			return r;
		out[i] = alphabet[v];
		if (v >= PASSWORD_ALPHABET_LEN - PASSWORD_PUNCTUATION_LEN)
			punct++;
	}
	/*
	 * There is an alphanumeric position left whenever punct < symbols <=
	 * len, so the rejection loop for the position ends.
	 */
	while (punct < symbols) {
		do {
			if ((r = random_uniform((uint32_t)len, &v)) != 0)
				return r;
		} while (password_is_punctuation((unsigned char)out[v]));
		i = v;
		if ((r = random_uniform(PASSWORD_PUNCTUATION_LEN, &v)) != 0)
			return r;
		out[i] = punctuation[v];
		punct++;
	}
	return 0;
}

int
password_generate(size_t len, size_t symbols, char *out, size_t outsz)
{
	int r;

	if (outsz > 0)
		out[0] = '\0';
	if (len < PASSWORD_MIN_LENGTH || len > PASSWORD_MAX_LENGTH ||
	    symbols > len)
		return ATK_ERR_RANGE;
	if (outsz < len + 1)
		return ATK_ERR_INVAL;
	out[len] = '\0';
	do {
		if ((r = draw(len, symbols, out)) != 0) {
			explicit_bzero(out, outsz);
			return r;
		}
	} while (strstr(out, PASSWORD_FORBIDDEN) != NULL);
	return 0;
}
