/*
 * Keyed hashing and constant-time comparison, over OpenSSL's libcrypto.
 *
 * HMAC-SHA-256 through EVP_MAC: the "HMAC" implementation is fetched once
 * per process and kept, a context is keyed once per key (mac_setkey()),
 * and every mac_label() hashes in a duplicate of it.  After mac_setkey()
 * the keyed context is only read, so threads may hash with one struct mac
 * at once; re-initialising one context would be cheaper but would need
 * one per thread.
 *
 * The system's OpenSSL configuration decides: no library context of our
 * own and no property query, so a FIPS-only system gets its FIPS
 * provider's HMAC and SHA-256.  When the configuration allows no HMAC or
 * no SHA-256, mac_setkey() fails with OpenSSL's reason and nothing is
 * hashed: there is no other implementation to fall back to.
 *
 * A process pays libcrypto's start-up (its configuration file and its
 * providers, at the fetch) once, at its first key: apitokend once for
 * every login it answers.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "error.h"
#include "mac.h"

#define MAC_NAME	"HMAC"
#define MAC_DIGEST	"SHA256"
/* Room for what failed and OpenSSL's words about it. */
#define MAC_WHY_MAX	256
/* Room for ERR_error_string_n()'s "error:CODE:LIBRARY:FUNCTION:REASON". */
#define MAC_ERRSTR_MAX	160

/*
 * Set once, by mac_fetch() under mac_once, and only read after: the HMAC
 * kept for the process, or OpenSSL's words for why there is none.
 */
static CRYPTO_ONCE	 mac_once = CRYPTO_ONCE_STATIC_INIT;
static EVP_MAC		*mac_hmac;
static char		 mac_fetch_err[MAC_WHY_MAX];

static void
put_why(char *why, size_t whysz, const char *what, const char *reason)
{
	if (why == NULL || whysz == 0)
		return;
	/* A reason cut short by a small buffer is still a reason. */
	if (snprintf(why, whysz, "%s: %s", what, reason) < 0)
		why[0] = '\0';
}

/*
 * reason = the last error OpenSSL queued, with the details it added (the
 * algorithm and the properties asked for).
 */
static void
ossl_reason(char *reason, size_t reasonsz)
{
	char code[MAC_ERRSTR_MAX];
	const char *data = NULL;
	unsigned long e;
	int flags = 0, n;

	if ((e = ERR_peek_last_error_data(&data, &flags)) == 0)
		n = snprintf(reason, reasonsz, "libcrypto gave no reason");
	else {
		ERR_error_string_n(e, code, sizeof(code));
		if (data != NULL && (flags & ERR_TXT_STRING) != 0 &&
		    *data != '\0')
			n = snprintf(reason, reasonsz, "%s (%s)", code, data);
		else
			n = snprintf(reason, reasonsz, "%s", code);
	}
	if (n < 0)
		reason[0] = '\0';
}

/* why = what failed and OpenSSL's reason. */
static void
ossl_why(char *why, size_t whysz, const char *what)
{
	char reason[MAC_WHY_MAX];

	ossl_reason(reason, sizeof(reason));
	put_why(why, whysz, what, reason);
}

static void
mac_fetch(void)
{
	/* The errors of the fetch are ours: said in why, then dropped. */
	ERR_set_mark();
	if ((mac_hmac = EVP_MAC_fetch(NULL, MAC_NAME, NULL)) == NULL)
		ossl_reason(mac_fetch_err, sizeof(mac_fetch_err));
	ERR_pop_to_mark();
}

/*
 * m = a context keyed with key for HMAC-SHA-256, replacing any key m had.
 * On failure m holds no key, and mac_label() with it fails.
 */
int
mac_setkey(struct mac *m, const unsigned char *key, size_t keylen,
    char *why, size_t whysz)
{
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx = NULL;
	int r = ATK_ERR_CRYPTO;

	mac_clear(m);
	if (why != NULL && whysz > 0)
		why[0] = '\0';
	if (CRYPTO_THREAD_run_once(&mac_once, mac_fetch) != 1) {
		put_why(why, whysz, "CRYPTO_THREAD_run_once", "failed");
		return ATK_ERR_CRYPTO;
	}
	if (mac_hmac == NULL) {
		put_why(why, whysz, "EVP_MAC_fetch " MAC_NAME, mac_fetch_err);
		return ATK_ERR_CRYPTO;
	}
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)(uintptr_t)MAC_DIGEST, 0);
	params[1] = OSSL_PARAM_construct_end();
	ERR_set_mark();
	if ((ctx = EVP_MAC_CTX_new(mac_hmac)) == NULL) {
		ossl_why(why, whysz, "EVP_MAC_CTX_new " MAC_NAME);
		goto out;
	}
	/* The digest is fetched here, under the same configuration. */
	if (EVP_MAC_init(ctx, key, keylen, params) != 1) {
		ossl_why(why, whysz, "EVP_MAC_init " MAC_NAME "-" MAC_DIGEST);
		goto out;
	}
	m->keyed = ctx;
	ctx = NULL;
	r = 0;
 out:
	ERR_pop_to_mark();
	EVP_MAC_CTX_free(ctx);
	return r;
}

/*
 * out (MAC_BYTES) = HMAC(key, label || a || b); b may be empty.  Hashed
 * in a copy of the keyed context, freed (and so cleansed) at the end.
 */
int
mac_label(const struct mac *m, unsigned char label, const void *a,
    size_t alen, const void *b, size_t blen, unsigned char *out)
{
	EVP_MAC_CTX *ctx = NULL;
	size_t outl = 0;
	int r = ATK_ERR_CRYPTO;

	if (m->keyed == NULL)
		goto fail;
	ERR_set_mark();
	if ((ctx = EVP_MAC_CTX_dup(m->keyed)) == NULL)
		r = ATK_ERR_NOMEM;
	else if (EVP_MAC_update(ctx, &label, 1) == 1 &&
	    EVP_MAC_update(ctx, a, alen) == 1 &&
	    (blen == 0 || EVP_MAC_update(ctx, b, blen) == 1) &&
	    EVP_MAC_final(ctx, out, &outl, MAC_BYTES) == 1 &&
	    outl == MAC_BYTES)
		r = 0;
	EVP_MAC_CTX_free(ctx);
	ERR_pop_to_mark();
	if (r == 0)
		return 0;
 fail:
	explicit_bzero(out, MAC_BYTES);
	return r;
}

/* 1 when the n bytes are equal, in a time that depends only on n. */
int
mac_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void
mac_clear(struct mac *m)
{
	if (m == NULL)
		return;
	EVP_MAC_CTX_free(m->keyed);
	m->keyed = NULL;
}
