/*
 * UTF-8 text to UTF-16LE bytes without a byte-order mark: what .NET's
 * [Text.Encoding]::Unicode.GetBytes() makes of a string.
 */
#ifndef APITOKEN_UTF16LE_H
#define APITOKEN_UTF16LE_H

#include <stddef.h>

/* Bytes of UTF-16LE for len bytes of UTF-8; ATK_ERR_ENCODING if invalid. */
int	utf16le_encoded_len(const char *, size_t, size_t *);
/*
 * Writes the UTF-16LE bytes to out and their number to *outlen.
 * ATK_ERR_ENCODING for invalid UTF-8 (bad or overlong sequences,
 * surrogates, values above U+10FFFF), ATK_ERR_INVAL if out is too small.
 */
int	utf16le_encode(const char *, size_t, void *, size_t, size_t *);

#endif /* APITOKEN_UTF16LE_H */
