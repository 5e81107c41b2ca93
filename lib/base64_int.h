/*
 * Private to lib/base64.c (the encoder) and lib/base64_decode.c (the
 * decoder): the group sizes, the SSSE3 configuration, the alphabet.
 */
#ifndef APITOKEN_BASE64_INT_H
#define APITOKEN_BASE64_INT_H

/*
 * On x86-64, SSSE3 code does 16 characters at a time when the CPU has it
 * (asked at run time: the build stays for any x86-64).
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define B64_SSSE3	1
#include <tmmintrin.h>
#define B64_SIMD_CHARS	16	/* Characters per SSSE3 step... */
#define B64_SIMD_BYTES	12	/* ...and their bytes. */
#endif

#define B64_GROUP_BYTES	3	/* Bytes in a group... */
#define B64_GROUP_CHARS	4	/* ...and the characters they become. */
#define B64_STORE_MAX	16	/* Widest store of a fast path (SSSE3). */
#define B64_ONESHOT_CHARS 256	/* Characters a one-shot call does at once. */

extern const char base64_std_alphabet[];

#endif /* APITOKEN_BASE64_INT_H */
