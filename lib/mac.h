/*
 * Keyed hashing (HMAC-SHA-256) and constant-time comparison for the store
 * and verify_token(), over libsodium.
 */
#ifndef APITOKEN_MAC_H
#define APITOKEN_MAC_H

#include <stddef.h>

#include <sodium.h>

#define MAC_BYTES	crypto_auth_hmacsha256_BYTES

/* A key schedule: the HMAC state after the key, copied for every use. */
struct mac {
	crypto_auth_hmacsha256_state	keyed;
};

void	mac_setkey(struct mac *, const unsigned char *, size_t);
void	mac_label(const struct mac *, unsigned char, const void *, size_t,
	    const void *, size_t, unsigned char *);
int	mac_equal(const void *, const void *, size_t);
void	mac_clear(struct mac *);

#endif /* APITOKEN_MAC_H */
