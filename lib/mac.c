/*
 * Keyed hashing and constant-time comparison, over libsodium.
 *
 * Why libsodium and not libcrypto: the module is loaded by every login,
 * and a plain process (login, su, sudo) that loads libcrypto pays for its
 * start-up and, at the first HMAC, for OpenSSL's configuration file and
 * provider: bench/pam.sh measured about 5 ms of a 6.9 ms fresh login, four
 * times pam_userdb's whole login (issue 4).  libsodium starts in
 * microseconds and offers both primitives the store needs, audited and
 * kept: HMAC-SHA-256 (the same function as before, so every existing
 * verifier still matches) and sodium_memcmp(), whose time depends only on
 * the length.
 *
 * The key schedule (the state after hashing the padded key) is made once
 * per store and copied per call: about 0.37 us a verifier against 0.18 us
 * for OpenSSL's reused context (bench/verify_bench sets the store against
 * an OpenSSL floor).
 *
 * No sodium_init(): what it sets up (CPU dispatch for ciphers, the random
 * number generator, which may keep /dev/urandom open) is nothing these
 * functions use (libsodium 1.0.18's SHA-256 has one implementation), and
 * a login module should leave no descriptor or random state behind in
 * the program that loaded it (su's shell, sshd).  It would also cost a
 * fresh login about 40 us.
 */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "mac.h"

void
mac_setkey(struct mac *m, const unsigned char *key, size_t keylen)
{
	crypto_auth_hmacsha256_init(&m->keyed, key, keylen);
}

/* out (MAC_BYTES) = HMAC(key, label || a || b); b may be empty. */
void
mac_label(const struct mac *m, unsigned char label, const void *a,
    size_t alen, const void *b, size_t blen, unsigned char *out)
{
	crypto_auth_hmacsha256_state s;

	memcpy(&s, &m->keyed, sizeof(s));
	crypto_auth_hmacsha256_update(&s, &label, 1);
	crypto_auth_hmacsha256_update(&s, a, alen);
	if (blen > 0)
		crypto_auth_hmacsha256_update(&s, b, blen);
	crypto_auth_hmacsha256_final(&s, out);
	sodium_memzero(&s, sizeof(s));
}

/* 1 when the n bytes are equal, in a time that depends only on n. */
int
mac_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void
mac_clear(struct mac *m)
{
	sodium_memzero(m, sizeof(*m));
}
