/*
 * Base62 (0-9A-Za-z) of a big-endian number held in bytes, padded to a fixed
 * width so that equal-sized inputs always give equal-length text.
 */
#ifndef APITOKEN_BASE62_H
#define APITOKEN_BASE62_H

#include <stddef.h>

#define BASE62_ALPHABET \
	"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

/* Characters needed for len bytes: ceil(len * 8 / log2(62)). */
size_t	base62_encoded_len(size_t);
int	base62_encode(const void *, size_t, char *, size_t);
int	base62_decode(const char *, size_t, void *, size_t);
int	base62_is_digit(int);

#endif /* APITOKEN_BASE62_H */
