/*
 * Ed25519 signatures (RFC 8032) with OpenSSL's EVP_PKEY, for the records a
 * fleet's admin store publishes (SPEC section 11): the admin store keeps
 * the 32-byte private key (seed), hosts trust the 32-byte public key.
 */
#ifndef APITOKEN_SIGN_H
#define APITOKEN_SIGN_H

#include <stddef.h>

#define SIGN_SEED_BYTES		32
#define SIGN_PUBLIC_BYTES	32
#define SIGN_BYTES		64

/*
 * A key made once for many signatures or checks (the one-shot functions
 * below make one each call, most of a signature's cost): from a private
 * key (sign_key_private) or a public one (sign_key_public).  NULL-safe
 * free.  A key may be used by one thread at a time.
 */
struct sign_key;
int	sign_key_private(const unsigned char *, struct sign_key **);
int	sign_key_public(const unsigned char *, struct sign_key **);
void	sign_key_free(struct sign_key *);
int	sign_with(struct sign_key *, const void *, size_t, unsigned char *);
/* 0 when sig is msg's signature by the key (or its public half), else -1. */
int	sign_check(struct sign_key *, const void *, size_t,
	    const unsigned char *);

/* A new private key (seed) from the kernel CSPRNG. */
int	sign_keygen(unsigned char *);
/* The public key of a private key. */
int	sign_public(const unsigned char *, unsigned char *);
int	sign_sign(const unsigned char *, const void *, size_t, unsigned char *);
/* 0 when sig is the signature of msg by the public key, else -1. */
int	sign_verify(const unsigned char *, const void *, size_t,
	    const unsigned char *);

#endif /* APITOKEN_SIGN_H */
