/*
 * Ed25519 with OpenSSL (lib/sign.h): one-shot EVP_DigestSign and
 * EVP_DigestVerify over raw 32-byte keys.  Every failure of the library is
 * a refusal: a signature that cannot be checked does not verify.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "error.h"
#include "random.h"
#include "sign.h"

int
sign_keygen(unsigned char *seed)
{
	return random_buf(seed, SIGN_SEED_BYTES) == 0 ? 0 : ATK_ERR_RANDOM;
}

struct sign_key {
	EVP_PKEY	*k;
	EVP_MD_CTX	*c;
};

static int
key_new(EVP_PKEY *k, struct sign_key **kp)
{
	struct sign_key *key;

	*kp = NULL;
	if (k == NULL)
		return ATK_ERR_CRYPTO;
	if ((key = calloc(1, sizeof(*key))) == NULL) {
		EVP_PKEY_free(k);
		return ATK_ERR_NOMEM;
	}
	key->k = k;
	if ((key->c = EVP_MD_CTX_new()) == NULL) {
		sign_key_free(key);
		return ATK_ERR_CRYPTO;
	}
	*kp = key;
	return 0;
}

int
sign_key_private(const unsigned char *seed, struct sign_key **kp)
{
	return key_new(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL,
	    seed, SIGN_SEED_BYTES), kp);
}

int
sign_key_public(const unsigned char *pub, struct sign_key **kp)
{
	return key_new(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL,
	    pub, SIGN_PUBLIC_BYTES), kp);
}

void
sign_key_free(struct sign_key *key)
{
	if (key == NULL)
		return;
	EVP_MD_CTX_free(key->c);
	EVP_PKEY_free(key->k);
	free(key);
}

int
sign_with(struct sign_key *key, const void *msg, size_t len,
    unsigned char *sig)
{
	size_t n = SIGN_BYTES;

	/* Ed25519 takes one message a context init: init again each time. */
	if (EVP_MD_CTX_reset(key->c) != 1 ||
	    EVP_DigestSignInit(key->c, NULL, NULL, NULL, key->k) != 1 ||
	    EVP_DigestSign(key->c, sig, &n, msg, len) != 1 || n != SIGN_BYTES)
		return ATK_ERR_CRYPTO;
	return 0;
}

int
sign_check(struct sign_key *key, const void *msg, size_t len,
    const unsigned char *sig)
{
	if (EVP_MD_CTX_reset(key->c) != 1 ||
	    EVP_DigestVerifyInit(key->c, NULL, NULL, NULL, key->k) != 1 ||
	    EVP_DigestVerify(key->c, sig, SIGN_BYTES, msg, len) != 1)
		return -1;
	return 0;
}

int
sign_public(const unsigned char *seed, unsigned char *pub)
{
	EVP_PKEY *k;
	size_t n = SIGN_PUBLIC_BYTES;
	int r;

	if ((k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
	    SIGN_SEED_BYTES)) == NULL)
		return ATK_ERR_CRYPTO;
	r = EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 &&
	    n == SIGN_PUBLIC_BYTES ? 0 : ATK_ERR_CRYPTO;
	EVP_PKEY_free(k);
	return r;
}

int
sign_sign(const unsigned char *seed, const void *msg, size_t len,
    unsigned char *sig)
{
	EVP_PKEY *k;
	EVP_MD_CTX *c = NULL;
	size_t n = SIGN_BYTES;
	int r = ATK_ERR_CRYPTO;

	if ((k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
	    SIGN_SEED_BYTES)) == NULL)
		return ATK_ERR_CRYPTO;
	if ((c = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestSignInit(c, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestSign(c, sig, &n, msg, len) == 1 && n == SIGN_BYTES)
		r = 0;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	return r;
}

int
sign_verify(const unsigned char *pub, const void *msg, size_t len,
    const unsigned char *sig)
{
	EVP_PKEY *k;
	EVP_MD_CTX *c = NULL;
	int r = -1;

	if ((k = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub,
	    SIGN_PUBLIC_BYTES)) == NULL)
		return -1;
	if ((c = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestVerifyInit(c, NULL, NULL, NULL, k) == 1 &&
	    EVP_DigestVerify(c, sig, SIGN_BYTES, msg, len) == 1)
		r = 0;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	return r;
}
