/*
 * Keyed hashing (HMAC-SHA-256) and constant-time comparison for the store
 * and verify_token(), over OpenSSL's libcrypto.
 */
#ifndef APITOKEN_MAC_H
#define APITOKEN_MAC_H

#include <stddef.h>

#include <openssl/types.h>

/* The length of an HMAC-SHA-256, SHA-256's output. */
#define MAC_BYTES	32

/*
 * A key: an HMAC context keyed once, duplicated for every use, so that
 * many threads may hash with one struct mac at once.  Zeroed (calloc,
 * "= { 0 }" or mac_clear()) before its first mac_setkey().
 */
struct mac {
	EVP_MAC_CTX	*keyed;
};

int	mac_setkey(struct mac *, const unsigned char *, size_t, char *,
	    size_t);
int	mac_label(const struct mac *, unsigned char, const void *, size_t,
	    const void *, size_t, unsigned char *);
int	mac_equal(const void *, const void *, size_t);
void	mac_clear(struct mac *);

#endif /* APITOKEN_MAC_H */
