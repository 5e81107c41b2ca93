/*
 * Base62 of fixed-width big-endian numbers.
 *
 * Token IDs (16 bytes, 22 characters) and secrets (32 bytes, 43 characters)
 * are short, so the schoolbook long division below, quadratic in the
 * length, costs well under a microsecond for them.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base62.h"
#include "error.h"

#define BASE62_MAX_BYTES	(1U << 16)

/*
 * log2(62) is a little above 5.954; 1000 * len * 8 / 5954 rounded up is
 * never short (62^n >= 256^len for that n) and never one too long for the
 * sizes we use.  Checked against exact powers in the tests.
 */
size_t
base62_encoded_len(size_t len)
{
	if (len == 0)
		return 0;
	return (len * 8000 + 5953) / 5954;
}

int
base62_is_digit(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
	    (c >= 'a' && c <= 'z');
}

static int
digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 36;
	return -1;
}

/*
 * Write base62_encoded_len(len) characters and a NUL to out.
 */
int
base62_encode(const void *in, size_t len, char *out, size_t outsz)
{
	unsigned char *num = NULL;
	size_t n, i, start;
	unsigned int rem, cur;
	int r = ATK_ERR_INVAL;

	n = base62_encoded_len(len);
	if (len > BASE62_MAX_BYTES || outsz < n + 1)
		goto out;
	if (len == 0) {
		out[0] = '\0';
		return 0;
	}
	if ((num = malloc(len)) == NULL) {
		r = ATK_ERR_NOMEM;
		goto out;
	}
	memcpy(num, in, len);
	out[n] = '\0';
	/* Divide the number by 62 once per output digit, last digit first. */
	start = 0;
	for (i = n; i > 0; i--) {
		rem = 0;
		while (start < len && num[start] == 0)
			start++;
		for (size_t j = start; j < len; j++) {
			cur = (rem << 8) | num[j];
			num[j] = (unsigned char)(cur / 62);
			rem = cur % 62;
		}
		out[i - 1] = BASE62_ALPHABET[rem];
	}
	r = 0;
 out:
	if (num != NULL) {
		explicit_bzero(num, len);
		free(num);
	}
	return r;
}

/*
 * Decode exactly inlen characters into a len-byte big-endian number.
 * ATK_ERR_SYNTAX for a character outside the alphabet, ATK_ERR_OVERFLOW
 * when the value does not fit in len bytes.
 */
int
base62_decode(const char *in, size_t inlen, void *outv, size_t len)
{
	unsigned char *out = outv;
	unsigned int carry;
	size_t i, j;
	int d;

	if (len > BASE62_MAX_BYTES)
		return ATK_ERR_INVAL;
	memset(out, 0, len);
	for (i = 0; i < inlen; i++) {
		if ((d = digit_value((unsigned char)in[i])) < 0) {
			explicit_bzero(out, len);
			return ATK_ERR_SYNTAX;
		}
		carry = (unsigned int)d;
		for (j = len; j > 0; j--) {
			carry += (unsigned int)out[j - 1] * 62;
			out[j - 1] = carry & 0xff;
			carry >>= 8;
		}
		if (carry != 0) {
			explicit_bzero(out, len);
			return ATK_ERR_OVERFLOW;
		}
	}
	return 0;
}
