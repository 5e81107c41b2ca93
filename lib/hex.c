/*
 * Lowercase hexadecimal, the shape of `xxd -p` without its line breaks.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "hex.h"

int
hex_encode(const void *inv, size_t len, char *out, size_t outsz)
{
	static const char digits[] = HEX_DIGITS;
	const unsigned char *in = inv;
	size_t i;

	/* 2 * len + 1 must neither wrap nor exceed the room given. */
	if (len > (SIZE_MAX - 1) / 2 || outsz < 2 * len + 1)
		return ATK_ERR_INVAL;
	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0x0f];
	}
	out[2 * len] = '\0';
	return 0;
}
