#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "error.h"
#include "hex.h"
#include "mac.h"
#include "random.h"

#define RANDOM_CASES	2000
#define RANDOM_MAX	300
#define KEY_MAX		200
#define THREADS		8
#define THREAD_CALLS	2000
#define WHY_BUFSZ	256
#define CONF_FILE	"openssl.cnf"

/* RFC 4231, section 4: HMAC-SHA-256 (case 5 is truncated: left out). */
struct vector {
	const char	*key;		/* Hex. */
	const char	*data;		/* Hex. */
	const char	*mac;		/* Hex. */
};

static const struct vector rfc4231[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
	  "4869205468657265",
	  "b0344c61d8db38535ca8afceaf0bf12b"
	  "881dc200c9833da726e9376c2e32cff7" },
	{ "4a656665",
	  "7768617420646f2079612077616e7420"
	  "666f72206e6f7468696e673f",
	  "5bdcc146bf60754e6a042426089575c7"
	  "5a003f089d2739839dec58b964ec3843" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "dddddddddddddddddddddddddddddddddddddddddddddddddd"
	  "dddddddddddddddddddddddddddddddddddddddddddddddddd",
	  "773ea91e36800e46854db8ebd09181a7"
	  "2959098b3ef8c122d9635514ced565fe" },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819",
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
	  "82558a389a443c0ea4cc819899f2083a"
	  "85f0faa3e578f8077a2e3ff46729665b" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaa",
	  "54657374205573696e67204c61726765"
	  "72205468616e20426c6f636b2d53697a"
	  "65204b6579202d2048617368204b6579"
	  "204669727374",
	  "60e431591ee0b67f0d8a26aacbf5b77f"
	  "8e0bc6213728c5140546040f0ee37f54" },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaa",
	  "54686973206973206120746573742075"
	  "73696e672061206c6172676572207468"
	  "616e20626c6f636b2d73697a65206b65"
	  "7920616e642061206c61726765722074"
	  "68616e20626c6f636b2d73697a652064"
	  "6174612e20546865206b6579206e6565"
	  "647320746f2062652068617368656420"
	  "6265666f7265206265696e6720757365"
	  "642062792074686520484d414320616c"
	  "676f726974686d2e",
	  "9b09ffa71b942fcb27635fbcd5b0e944"
	  "bfdc63644f0713938a7f51535c3a35e2" },
};

static size_t
unhex(const char *s, unsigned char *out, size_t outsz)
{
	size_t n = strlen(s) / 2;

	ATF_REQUIRE(n <= outsz);
	for (size_t i = 0; i < n; i++) {
		unsigned int b;
		char two[3] = { s[2 * i], s[2 * i + 1], '\0' };

		b = (unsigned int)strtoul(two, NULL, 16);
		out[i] = (unsigned char)b;
	}
	return n;
}

/* m = a key for RFC 4231 case i; *data, *dlen its message. */
static void
rfc_key(struct mac *m, size_t i, unsigned char *data, size_t *dlen)
{
	unsigned char key[KEY_MAX];
	char why[WHY_BUFSZ];
	size_t klen = unhex(rfc4231[i].key, key, sizeof(key));

	*dlen = unhex(rfc4231[i].data, data, KEY_MAX);
	ATF_REQUIRE_EQ_MSG(mac_setkey(m, key, klen, why, sizeof(why)), 0,
	    "%s", why);
	ATF_CHECK_STREQ(why, "");
}

ATF_TC_WITHOUT_HEAD(mac_label__rfc4231);
ATF_TC_BODY(mac_label__rfc4231, tc)
{
	unsigned char data[KEY_MAX], out[MAC_BYTES];
	char got[2 * MAC_BYTES + 1];
	struct mac m = { 0 };
	size_t dlen;

	for (size_t i = 0; i < sizeof(rfc4231) / sizeof(rfc4231[0]); i++) {
		rfc_key(&m, i, data, &dlen);
		/* The label is the data's first byte, the rest split in two. */
		ATF_REQUIRE_EQ(mac_label(&m, data[0], data + 1, dlen / 2 - 1,
		    data + dlen / 2, dlen - dlen / 2, out), 0);
		ATF_REQUIRE_EQ(hex_encode(out, sizeof(out), got, sizeof(got)),
		    0);
		ATF_CHECK_STREQ_MSG(got, rfc4231[i].mac, "RFC 4231 case %zu",
		    i + 1);
		/* The same keyed context gives the same answer again. */
		ATF_REQUIRE_EQ(mac_label(&m, data[0], data + 1, dlen - 1, NULL,
		    0, out), 0);
		ATF_REQUIRE_EQ(hex_encode(out, sizeof(out), got, sizeof(got)),
		    0);
		ATF_CHECK_STREQ(got, rfc4231[i].mac);
		/* The next case's key replaces this one without a clear. */
	}
	mac_clear(&m);
}

/*
 * Inputs of every length against OpenSSL's one-shot HMAC(); the known
 * answers above are what makes both right.
 */
ATF_TC_WITHOUT_HEAD(mac_label__same_as_hmac);
ATF_TC_BODY(mac_label__same_as_hmac, tc)
{
	unsigned char key[32], in[1 + 2 * RANDOM_MAX], want[EVP_MAX_MD_SIZE];
	unsigned char out[MAC_BYTES];
	unsigned int wantlen;
	uint32_t alen, blen;
	struct mac m = { 0 };

	for (int i = 0; i < RANDOM_CASES; i++) {
		ATF_REQUIRE_EQ(random_buf(key, sizeof(key)), 0);
		ATF_REQUIRE_EQ(random_uniform(RANDOM_MAX + 1, &alen), 0);
		ATF_REQUIRE_EQ(random_uniform(RANDOM_MAX + 1, &blen), 0);
		ATF_REQUIRE_EQ(random_buf(in, 1 + alen + blen), 0);
		ATF_REQUIRE(HMAC(EVP_sha256(), key, sizeof(key), in,
		    1 + alen + blen, want, &wantlen) != NULL);
		ATF_REQUIRE_EQ(wantlen, MAC_BYTES);
		ATF_REQUIRE_EQ(mac_setkey(&m, key, sizeof(key), NULL, 0), 0);
		ATF_REQUIRE_EQ(mac_label(&m, in[0], in + 1, alen,
		    in + 1 + alen, blen, out), 0);
		ATF_CHECK_MSG(memcmp(out, want, MAC_BYTES) == 0,
		    "case %d: a %u, b %u bytes", i, alen, blen);
	}
	mac_clear(&m);
}

struct shared {
	const struct mac	*m;
	const unsigned char	*data;
	size_t			 dlen;
	const unsigned char	*want;
	int			 wrong;		/* Calls that failed or differed. */
};

static void *
hash_many(void *arg)
{
	struct shared *sh = arg;
	unsigned char out[MAC_BYTES];

	for (int i = 0; i < THREAD_CALLS; i++)
		if (mac_label(sh->m, sh->data[0], sh->data + 1, sh->dlen - 1,
		    NULL, 0, out) != 0 ||
		    memcmp(out, sh->want, MAC_BYTES) != 0)
			sh->wrong++;
	return NULL;
}

ATF_TC_WITHOUT_HEAD(mac_label__threads_share_a_key);
ATF_TC_BODY(mac_label__threads_share_a_key, tc)
{
	unsigned char data[KEY_MAX], want[MAC_BYTES];
	struct shared sh[THREADS];
	pthread_t th[THREADS];
	struct mac m = { 0 };
	size_t dlen, i;

	rfc_key(&m, 1, data, &dlen);
	ATF_REQUIRE_EQ(unhex(rfc4231[1].mac, want, sizeof(want)), MAC_BYTES);
	for (i = 0; i < THREADS; i++) {
		sh[i].m = &m;
		sh[i].data = data;
		sh[i].dlen = dlen;
		sh[i].want = want;
		sh[i].wrong = 0;
		ATF_REQUIRE_EQ(pthread_create(&th[i], NULL, hash_many, &sh[i]),
		    0);
	}
	for (i = 0; i < THREADS; i++) {
		ATF_REQUIRE_EQ(pthread_join(th[i], NULL), 0);
		ATF_CHECK_EQ_MSG(sh[i].wrong, 0, "thread %zu", i);
	}
	mac_clear(&m);
}

ATF_TC_WITHOUT_HEAD(mac_label__unkeyed_fails);
ATF_TC_BODY(mac_label__unkeyed_fails, tc)
{
	static const unsigned char zero[MAC_BYTES];
	unsigned char out[MAC_BYTES];
	struct mac m = { 0 };

	memset(out, 0xa5, sizeof(out));
	ATF_CHECK_EQ(mac_label(&m, 'V', "x", 1, NULL, 0, out),
	    ATK_ERR_CRYPTO);
	ATF_CHECK(memcmp(out, zero, sizeof(out)) == 0);
}

ATF_TC_WITHOUT_HEAD(mac_equal__every_byte);
ATF_TC_BODY(mac_equal__every_byte, tc)
{
	unsigned char a[MAC_BYTES], b[MAC_BYTES];

	ATF_REQUIRE_EQ(random_buf(a, sizeof(a)), 0);
	memcpy(b, a, sizeof(b));
	ATF_CHECK_EQ(mac_equal(a, b, sizeof(a)), 1);
	ATF_CHECK_EQ(mac_equal(a, b, 0), 1);
	for (size_t i = 0; i < sizeof(a); i++) {
		for (int bit = 0; bit < 8; bit++) {
			b[i] ^= (unsigned char)(1U << bit);
			ATF_CHECK_EQ_MSG(mac_equal(a, b, sizeof(a)), 0,
			    "byte %zu bit %d", i, bit);
			b[i] ^= (unsigned char)(1U << bit);
		}
	}
	ATF_CHECK_EQ(mac_equal(a, b, sizeof(a)), 1);
}

ATF_TC_WITHOUT_HEAD(mac_clear__wipes);
ATF_TC_BODY(mac_clear__wipes, tc)
{
	static const unsigned char zero[sizeof(struct mac)];
	unsigned char key[32];
	struct mac m = { 0 };

	memset(key, 0x5a, sizeof(key));
	ATF_REQUIRE_EQ(mac_setkey(&m, key, sizeof(key), NULL, 0), 0);
	ATF_REQUIRE(memcmp(&m, zero, sizeof(m)) != 0);
	mac_clear(&m);
	ATF_CHECK(memcmp(&m, zero, sizeof(m)) == 0);
	/* Again, and with nothing: no double free, no crash. */
	mac_clear(&m);
	mac_clear(NULL);
	ATF_CHECK(memcmp(&m, zero, sizeof(m)) == 0);
}

/*
 * What a process whose OpenSSL configuration is conf gets from mac_setkey()
 * and mac_label() on RFC 4231 case 1.  The HMAC is fetched once per
 * process: a child of its own reads the configuration afresh.
 */
struct outcome {
	int		setkey;
	int		label;
	unsigned char	out[MAC_BYTES];
	char		why[WHY_BUFSZ];
	char		again[WHY_BUFSZ];	/* why of a second mac_setkey() */
};

static void
run_configured(const char *conf, struct outcome *o)
{
	unsigned char data[KEY_MAX], key[KEY_MAX];
	struct mac m = { 0 };
	size_t klen, dlen, got = 0;
	ssize_t n;
	pid_t pid;
	int fd[2], status;
	FILE *f;

	ATF_REQUIRE((f = fopen(CONF_FILE, "w")) != NULL);
	ATF_REQUIRE(fputs(conf, f) >= 0);
	ATF_REQUIRE_EQ(fclose(f), 0);
	klen = unhex(rfc4231[0].key, key, sizeof(key));
	dlen = unhex(rfc4231[0].data, data, sizeof(data));
	ATF_REQUIRE_EQ(pipe(fd), 0);
	ATF_REQUIRE((pid = fork()) != -1);
	if (pid == 0) {
		memset(o, 0, sizeof(*o));
		memset(o->out, 0xa5, sizeof(o->out));
		if (setenv("OPENSSL_CONF", CONF_FILE, 1) != 0)
			_exit(2);
		o->setkey = mac_setkey(&m, key, klen, o->why, sizeof(o->why));
		o->label = mac_label(&m, data[0], data + 1, dlen - 1, NULL, 0,
		    o->out);
		(void)mac_setkey(&m, key, klen, o->again, sizeof(o->again));
		mac_clear(&m);
		_exit(write(fd[1], o, sizeof(*o)) == (ssize_t)sizeof(*o) ?
		    0 : 2);
	}
	ATF_REQUIRE_EQ(close(fd[1]), 0);
	while (got < sizeof(*o) &&
	    (n = read(fd[0], (char *)o + got, sizeof(*o) - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		ATF_REQUIRE(n > 0);
		got += (size_t)n;
	}
	ATF_REQUIRE_EQ(close(fd[0]), 0);
	ATF_REQUIRE_EQ(waitpid(pid, &status, 0), pid);
	ATF_REQUIRE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ATF_REQUIRE_EQ(got, sizeof(*o));
	o->why[sizeof(o->why) - 1] = '\0';
	o->again[sizeof(o->again) - 1] = '\0';
}

#define CONF_HEAD \
	"openssl_conf = openssl_init\n" \
	"[openssl_init]\n" \
	"alg_section = algorithm_sect\n" \
	"[algorithm_sect]\n"

/* A configuration allowing no HMAC fails closed, with OpenSSL's reason. */
static void
check_refused(const char *props)
{
	static const unsigned char zero[MAC_BYTES];
	char conf[WHY_BUFSZ];
	struct outcome o;

	ATF_REQUIRE(snprintf(conf, sizeof(conf), "%sdefault_properties = %s\n",
	    CONF_HEAD, props) < (int)sizeof(conf));
	run_configured(conf, &o);
	ATF_CHECK_EQ(o.setkey, ATK_ERR_CRYPTO);
	ATF_CHECK_EQ(o.label, ATK_ERR_CRYPTO);
	ATF_CHECK_MSG(memcmp(o.out, zero, sizeof(o.out)) == 0,
	    "a failed mac_label() leaves its output zeroed");
	/* OpenSSL's words: its error code and reason, the algorithm. */
	ATF_CHECK_MATCH("^EVP_MAC_fetch HMAC: error:[0-9A-F]+:.*unsupported",
	    o.why);
	ATF_CHECK_MATCH("Algorithm \\(HMAC", o.why);
	/* The failed fetch is kept: the next key fails alike. */
	ATF_CHECK_STREQ(o.again, o.why);
}

ATF_TC_WITHOUT_HEAD(mac_setkey__no_fips_provider);
ATF_TC_BODY(mac_setkey__no_fips_provider, tc)
{
	check_refused("fips=yes");
}

ATF_TC_WITHOUT_HEAD(mac_setkey__unmet_properties);
ATF_TC_BODY(mac_setkey__unmet_properties, tc)
{
	check_refused("provider=nonexistent");
}

/* The control: the same kind of file, properties the default provider has. */
ATF_TC_WITHOUT_HEAD(mac_setkey__configuration_honoured);
ATF_TC_BODY(mac_setkey__configuration_honoured, tc)
{
	unsigned char want[MAC_BYTES];
	struct outcome o;

	run_configured(CONF_HEAD "default_properties = provider=default\n",
	    &o);
	ATF_CHECK_EQ_MSG(o.setkey, 0, "%s", o.why);
	ATF_CHECK_EQ(o.label, 0);
	ATF_REQUIRE_EQ(unhex(rfc4231[0].mac, want, sizeof(want)), MAC_BYTES);
	ATF_CHECK(memcmp(o.out, want, sizeof(want)) == 0);
	ATF_CHECK_STREQ(o.again, "");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, mac_label__rfc4231);
	ATF_TP_ADD_TC(tp, mac_label__same_as_hmac);
	ATF_TP_ADD_TC(tp, mac_label__threads_share_a_key);
	ATF_TP_ADD_TC(tp, mac_label__unkeyed_fails);
	ATF_TP_ADD_TC(tp, mac_equal__every_byte);
	ATF_TP_ADD_TC(tp, mac_clear__wipes);
	ATF_TP_ADD_TC(tp, mac_setkey__no_fips_provider);
	ATF_TP_ADD_TC(tp, mac_setkey__unmet_properties);
	ATF_TP_ADD_TC(tp, mac_setkey__configuration_honoured);
	return atf_no_error();
}
