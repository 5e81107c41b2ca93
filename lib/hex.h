/*
 * Lowercase hexadecimal of bytes.
 */
#ifndef APITOKEN_HEX_H
#define APITOKEN_HEX_H

#include <stddef.h>

#define HEX_DIGITS	"0123456789abcdef"

/* Writes 2 * len characters and a NUL; ATK_ERR_INVAL if out is too small. */
int	hex_encode(const void *, size_t, char *, size_t);

#endif /* APITOKEN_HEX_H */
