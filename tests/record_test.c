#include "config.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "error.h"
#include "random.h"
#include "record.h"

#define FUZZ_ROUNDS	20000
#define FUZZ_MAXLEN	300

static char n_ci[] = "ci";
static char u_robot[] = "robot";
static char r_user[] = "User";
static char n_deploy[] = "deploy-bot.prod_1";
static char d_nightly[] = "d\xc3\xa9ploiement nightly";
static char u_deploy[] = "deploy";
static char r_admin[] = "Administrator";
static char why_leak[] = "leaked in a log";
static char u_longer[] = "robotrobotrobotrobotrobotrobotrobotrobot";
static char n_bad[] = "-x";
static char u_space[] = "two words";
static char u_empty[] = "";
static char d_newline[] = "line\nbreak";
static char p_sshd[] = "sshd", p_su[] = "su", p_deploy[] = "deploy:prod";
static char *pol_full[] = { p_sshd, p_su, p_deploy };

static void
minimal(struct record *r)
{
	memset(r, 0, sizeof(*r));
	for (int i = 0; i < TOKEN_ID_BYTES; i++)
		r->id[i] = (unsigned char)(0xa0 + i);
	r->name = n_ci;
	r->user = u_robot;
	r->role = r_user;
	r->created = 1700000000;
	memset(r->verifier, 0x5a, sizeof(r->verifier));
}

static void
full(struct record *r, struct cidr *from)
{
	minimal(r);
	r->imported = 1;
	r->name = n_deploy;
	r->description = d_nightly;
	r->user = u_deploy;
	r->role = r_admin;
	r->policies = pol_full;
	r->npolicies = 3;
	memset(from, 0, 3 * sizeof(*from));
	from[0].family = AF_INET;
	from[0].addr[0] = 10;
	from[0].prefix = 8;
	from[1].family = AF_INET6;
	from[1].addr[0] = 0x20;
	from[1].addr[1] = 0x01;
	from[1].addr[2] = 0x0d;
	from[1].addr[3] = 0xb8;
	from[1].prefix = 32;
	from[2].family = AF_INET;
	from[2].addr[0] = 192;
	from[2].addr[1] = 0;
	from[2].addr[2] = 2;
	from[2].addr[3] = 7;
	from[2].prefix = 32;
	r->from = from;
	r->nfrom = 3;
	r->expires = INT64_MAX;
	r->revoked = 1700000500;
	r->revoke_reason = why_leak;
	r->has_parent = 1;
	memset(r->parent, 0x11, sizeof(r->parent));
	r->old_until = 1700086400;
	memset(r->old_verifier, 0xc3, sizeof(r->old_verifier));
}

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static void
check_equal(const struct record *a, const struct record *b)
{
	ATF_CHECK(memcmp(a->id, b->id, sizeof(a->id)) == 0);
	ATF_CHECK_EQ(a->imported, b->imported);
	ATF_CHECK(same_str(a->name, b->name));
	ATF_CHECK(same_str(a->description, b->description));
	ATF_CHECK(same_str(a->user, b->user));
	ATF_CHECK(same_str(a->role, b->role));
	ATF_CHECK(same_str(a->revoke_reason, b->revoke_reason));
	ATF_REQUIRE_EQ(a->npolicies, b->npolicies);
	for (size_t i = 0; i < a->npolicies; i++)
		ATF_CHECK_STREQ(a->policies[i], b->policies[i]);
	ATF_REQUIRE_EQ(a->nfrom, b->nfrom);
	for (size_t i = 0; i < a->nfrom; i++) {
		ATF_CHECK_EQ(a->from[i].family, b->from[i].family);
		ATF_CHECK_EQ(a->from[i].prefix, b->from[i].prefix);
		ATF_CHECK(memcmp(a->from[i].addr, b->from[i].addr, 16) == 0);
	}
	ATF_CHECK_EQ(a->created, b->created);
	ATF_CHECK_EQ(a->expires, b->expires);
	ATF_CHECK_EQ(a->revoked, b->revoked);
	ATF_CHECK_EQ(a->has_parent, b->has_parent);
	if (a->has_parent)
		ATF_CHECK(memcmp(a->parent, b->parent, sizeof(a->parent)) == 0);
	ATF_CHECK(memcmp(a->verifier, b->verifier, sizeof(a->verifier)) == 0);
	ATF_CHECK_EQ(a->old_until, b->old_until);
	if (a->old_until != 0)
		ATF_CHECK(memcmp(a->old_verifier, b->old_verifier,
		    sizeof(a->old_verifier)) == 0);
}

ATF_TC_WITHOUT_HEAD(record_encode__round_trip_minimal);
ATF_TC_BODY(record_encode__round_trip_minimal, tc)
{
	struct record in, out;
	unsigned char *buf;
	size_t len;

	minimal(&in);
	ATF_REQUIRE_EQ(record_encode(&in, &buf, &len), 0);
	ATF_CHECK_EQ(buf[0], RECORD_SCHEMA);
	ATF_REQUIRE_EQ(record_decode(buf, len, &out), 0);
	check_equal(&in, &out);
	ATF_CHECK(out.description == NULL);
	ATF_CHECK(out.revoke_reason == NULL);
	ATF_CHECK(out.policies == NULL);
	ATF_CHECK(out.from == NULL);
	record_free(&out);
	free(buf);
}

ATF_TC_WITHOUT_HEAD(record_encode__round_trip_full);
ATF_TC_BODY(record_encode__round_trip_full, tc)
{
	struct record in, out, copy;
	struct cidr from[3];
	unsigned char *buf;
	size_t len;

	full(&in, from);
	ATF_REQUIRE_EQ(record_encode(&in, &buf, &len), 0);
	ATF_REQUIRE_EQ(record_decode(buf, len, &out), 0);
	check_equal(&in, &out);
	ATF_REQUIRE_EQ(record_copy(&out, &copy), 0);
	record_free(&out);
	check_equal(&in, &copy);
	ATF_CHECK(record_has_policy(&copy, "su"));
	ATF_CHECK(!record_has_policy(&copy, "sudo"));
	ATF_CHECK(!record_has_policy(&copy, NULL));
	record_free(&copy);
	record_free(&copy);	/* Freed records are empty: twice is fine. */
	record_free(NULL);
	free(buf);
}

ATF_TC_WITHOUT_HEAD(record_encode__default_user_not_stored);
ATF_TC_BODY(record_encode__default_user_not_stored, tc)
{
	char def[RECORD_DEFAULT_USER_BUFSZ];
	struct record in, out;
	unsigned char *a, *b;
	size_t alen, blen;

	minimal(&in);
	ATF_REQUIRE_EQ(record_default_user(in.id, def, sizeof(def)), 0);
	ATF_CHECK(strncmp(def, "service-account-", 16) == 0);
	ATF_CHECK_EQ(strlen(def), 16 + TOKEN_ID_CHARS);
	for (size_t i = 0; def[i] != '\0'; i++)
		ATF_CHECK(!(def[i] >= 'A' && def[i] <= 'Z'));
	ATF_CHECK_EQ(record_default_user(in.id, def, sizeof(def) - 1),
	    ATK_ERR_INVAL);
	ATF_REQUIRE_EQ(record_default_user(in.id, def, sizeof(def)), 0);
	in.user = u_longer;
	ATF_REQUIRE_EQ(record_encode(&in, &a, &alen), 0);
	in.user = def;
	ATF_REQUIRE_EQ(record_encode(&in, &b, &blen), 0);
	ATF_CHECK(blen < alen - 30);
	ATF_REQUIRE_EQ(record_decode(b, blen, &out), 0);
	ATF_CHECK_STREQ(out.user, def);
	record_free(&out);
	free(a);
	free(b);
}

ATF_TC_WITHOUT_HEAD(record_decode__every_truncation_corrupt);
ATF_TC_BODY(record_decode__every_truncation_corrupt, tc)
{
	struct record in, out;
	struct cidr from[3];
	unsigned char *buf;
	size_t len;

	full(&in, from);
	ATF_REQUIRE_EQ(record_encode(&in, &buf, &len), 0);
	for (size_t n = 0; n < len; n++)
		if (record_decode(buf, n, &out) != ATK_ERR_CORRUPT)
			atf_tc_fail("truncation to %zu bytes not refused", n);
	free(buf);
	minimal(&in);
	ATF_REQUIRE_EQ(record_encode(&in, &buf, &len), 0);
	for (size_t n = 0; n < len; n++)
		ATF_CHECK_EQ(record_decode(buf, n, &out), ATK_ERR_CORRUPT);
	free(buf);
}

ATF_TC_WITHOUT_HEAD(record_decode__trailing_bytes_corrupt);
ATF_TC_BODY(record_decode__trailing_bytes_corrupt, tc)
{
	struct record in, out;
	unsigned char *buf, *big;
	size_t len;

	minimal(&in);
	ATF_REQUIRE_EQ(record_encode(&in, &buf, &len), 0);
	ATF_REQUIRE((big = malloc(len + 1)) != NULL);
	memcpy(big, buf, len);
	big[len] = 0;
	ATF_CHECK_EQ(record_decode(big, len + 1, &out), ATK_ERR_CORRUPT);
	free(big);
	free(buf);
}

ATF_TC_WITHOUT_HEAD(record_decode__schema_versions);
ATF_TC_BODY(record_decode__schema_versions, tc)
{
	struct record in, out;
	unsigned char *buf;
	size_t len;

	minimal(&in);
	ATF_REQUIRE_EQ(record_encode(&in, &buf, &len), 0);
	buf[0] = RECORD_SCHEMA + 1;
	ATF_CHECK_EQ(record_decode(buf, len, &out), ATK_ERR_SCHEMA);
	ATF_CHECK(out.name == NULL);
	buf[0] = 0xff;
	ATF_CHECK_EQ(record_decode(buf, len, &out), ATK_ERR_SCHEMA);
	/* Even a lone newer version byte: never read as version 1. */
	ATF_CHECK_EQ(record_decode(buf, 1, &out), ATK_ERR_SCHEMA);
	buf[0] = 0;
	ATF_CHECK_EQ(record_decode(buf, len, &out), ATK_ERR_CORRUPT);
	free(buf);
}

ATF_TC_WITHOUT_HEAD(record_decode__damaged_fields);
ATF_TC_BODY(record_decode__damaged_fields, tc)
{
	struct record in, out;
	unsigned char *buf;
	size_t len, at;

	minimal(&in);
	in.created = 0;
	ATF_REQUIRE_EQ(record_encode(&in, &buf, &len), 0);
	/* Unknown flag bit. */
	buf[1] |= 0x80;
	ATF_CHECK_EQ(record_decode(buf, len, &out), ATK_ERR_CORRUPT);
	buf[1] &= 0x7f;
	ATF_REQUIRE_EQ(record_decode(buf, len, &out), 0);
	record_free(&out);
	/* The name "ci" sits after id, verifier and three one-byte times. */
	at = 2 + TOKEN_ID_BYTES + RECORD_VERIFIER_BYTES + 3;
	ATF_REQUIRE_EQ(buf[at], 2);
	ATF_REQUIRE_EQ(buf[at + 1], 'c');
	buf[at + 1] = '\0';		/* NUL inside a string. */
	ATF_CHECK_EQ(record_decode(buf, len, &out), ATK_ERR_CORRUPT);
	buf[at + 1] = '-';		/* Name breaks the rules. */
	ATF_CHECK_EQ(record_decode(buf, len, &out), ATK_ERR_CORRUPT);
	buf[at + 1] = 'c';
	buf[at] = 0xff;			/* Length past the end. */
	ATF_CHECK_EQ(record_decode(buf, len, &out), ATK_ERR_CORRUPT);
	buf[at] = 0x82;			/* Non-minimal varint: 0x82 0x00. */
	ATF_CHECK_EQ(record_decode(buf, len, &out), ATK_ERR_CORRUPT);
	buf[at] = 2;
	ATF_REQUIRE_EQ(record_decode(buf, len, &out), 0);
	record_free(&out);
	free(buf);
}

ATF_TC_WITHOUT_HEAD(record_decode__bad_networks);
ATF_TC_BODY(record_decode__bad_networks, tc)
{
	struct record in, out;
	struct cidr from[3];
	unsigned char *buf;
	size_t len;

	minimal(&in);
	memset(from, 0, sizeof(from));
	from[0].family = AF_INET;
	from[0].addr[0] = 10;
	from[0].prefix = 8;
	in.from = from;
	in.nfrom = 1;
	ATF_REQUIRE_EQ(record_encode(&in, &buf, &len), 0);
	/* The network is the last 6 bytes: family, prefix, 4 address. */
	ATF_REQUIRE_EQ(buf[len - 6], 4);
	buf[len - 5] = 33;
	ATF_CHECK_EQ(record_decode(buf, len, &out), ATK_ERR_CORRUPT);
	buf[len - 5] = 8;
	buf[len - 3] = 1;		/* 10.1.0.0/8: host bits set. */
	ATF_CHECK_EQ(record_decode(buf, len, &out), ATK_ERR_CORRUPT);
	buf[len - 3] = 0;
	buf[len - 6] = 5;
	ATF_CHECK_EQ(record_decode(buf, len, &out), ATK_ERR_CORRUPT);
	buf[len - 6] = 4;
	ATF_REQUIRE_EQ(record_decode(buf, len, &out), 0);
	ATF_CHECK_EQ(out.from[0].family, AF_INET);
	record_free(&out);
	free(buf);
}

ATF_TC_WITHOUT_HEAD(record_encode__refuses_invalid);
ATF_TC_BODY(record_encode__refuses_invalid, tc)
{
	char *many[RECORD_POLICIES_MAX + 1];
	char longname[RECORD_NAME_MAX + 2];
	struct record in;
	struct cidr c;
	unsigned char *buf;
	size_t len;

	minimal(&in);
	in.name = n_bad;
	ATF_CHECK_EQ(record_encode(&in, &buf, &len), ATK_ERR_INVAL);
	ATF_CHECK(buf == NULL);
	memset(longname, 'a', sizeof(longname));
	longname[RECORD_NAME_MAX] = '\0';
	in.name = longname;
	ATF_CHECK_EQ(record_encode(&in, &buf, &len), 0);
	free(buf);
	longname[RECORD_NAME_MAX] = 'a';
	longname[RECORD_NAME_MAX + 1] = '\0';
	ATF_CHECK_EQ(record_encode(&in, &buf, &len), ATK_ERR_INVAL);
	minimal(&in);
	in.user = u_space;
	ATF_CHECK_EQ(record_encode(&in, &buf, &len), ATK_ERR_INVAL);
	in.user = u_empty;
	ATF_CHECK_EQ(record_encode(&in, &buf, &len), ATK_ERR_INVAL);
	minimal(&in);
	in.role = NULL;
	ATF_CHECK_EQ(record_encode(&in, &buf, &len), ATK_ERR_INVAL);
	minimal(&in);
	in.description = d_newline;
	ATF_CHECK_EQ(record_encode(&in, &buf, &len), ATK_ERR_INVAL);
	minimal(&in);
	in.expires = -1;
	ATF_CHECK_EQ(record_encode(&in, &buf, &len), ATK_ERR_INVAL);
	minimal(&in);
	for (int i = 0; i <= RECORD_POLICIES_MAX; i++)
		many[i] = p_su;
	in.policies = many;
	in.npolicies = RECORD_POLICIES_MAX + 1;
	ATF_CHECK_EQ(record_encode(&in, &buf, &len), ATK_ERR_INVAL);
	in.npolicies = RECORD_POLICIES_MAX;
	ATF_CHECK_EQ(record_encode(&in, &buf, &len), 0);
	free(buf);
	minimal(&in);
	memset(&c, 0, sizeof(c));
	c.family = AF_INET6;
	c.prefix = 129;
	in.from = &c;
	in.nfrom = 1;
	ATF_CHECK_EQ(record_encode(&in, &buf, &len), ATK_ERR_INVAL);
	c.prefix = 128;
	c.addr[15] = 1;
	ATF_CHECK_EQ(record_encode(&in, &buf, &len), 0);
	free(buf);
	c.prefix = 127;
	ATF_CHECK_EQ(record_encode(&in, &buf, &len), ATK_ERR_INVAL);
	c.family = 99;
	ATF_CHECK_EQ(record_encode(&in, &buf, &len), ATK_ERR_INVAL);
}

ATF_TC_WITHOUT_HEAD(record_name_valid__rules);
ATF_TC_BODY(record_name_valid__rules, tc)
{
	ATF_CHECK(record_name_valid("a"));
	ATF_CHECK(record_name_valid("CI.deploy_bot-2"));
	ATF_CHECK(record_name_valid("9"));
	ATF_CHECK(!record_name_valid(""));
	ATF_CHECK(!record_name_valid(NULL));
	ATF_CHECK(!record_name_valid(".hidden"));
	ATF_CHECK(!record_name_valid("_x"));
	ATF_CHECK(!record_name_valid("a b"));
	ATF_CHECK(!record_name_valid("a/b"));
	ATF_CHECK(!record_name_valid("caf\xc3\xa9"));
	ATF_CHECK(record_word_valid("Administrator"));
	ATF_CHECK(!record_word_valid("a b"));
	ATF_CHECK(!record_word_valid(""));
	ATF_CHECK(record_text_valid(""));
	ATF_CHECK(!record_text_valid("a\tb"));
}

/* Random bytes, and random damage to a good record, never crash. */
ATF_TC_WITHOUT_HEAD(record_decode__random_bytes);
ATF_TC_BODY(record_decode__random_bytes, tc)
{
	unsigned char junk[FUZZ_MAXLEN], *good;
	struct record in, out;
	struct cidr from[3];
	uint32_t len, at, v;
	size_t glen;
	int r, ok = 0;

	for (int i = 0; i < FUZZ_ROUNDS; i++) {
		ATF_REQUIRE_EQ(random_uniform(sizeof(junk), &len), 0);
		ATF_REQUIRE_EQ(random_buf(junk, len), 0);
		if (len > 0 && i % 2 == 0)
			junk[0] = RECORD_SCHEMA;
		r = record_decode(junk, len, &out);
		ATF_CHECK(r == 0 || r == ATK_ERR_CORRUPT ||
		    r == ATK_ERR_SCHEMA);
		record_free(&out);
	}
	full(&in, from);
	ATF_REQUIRE_EQ(record_encode(&in, &good, &glen), 0);
	ATF_REQUIRE(glen <= sizeof(junk));
	for (int i = 0; i < FUZZ_ROUNDS; i++) {
		memcpy(junk, good, glen);
		ATF_REQUIRE_EQ(random_uniform((uint32_t)glen, &at), 0);
		ATF_REQUIRE_EQ(random_uniform(256, &v), 0);
		junk[at] = (unsigned char)v;
		r = record_decode(junk, glen, &out);
		ATF_CHECK(r == 0 || r == ATK_ERR_CORRUPT ||
		    r == ATK_ERR_SCHEMA);
		if (r == 0) {
			/* Whatever decodes is valid and encodes again. */
			unsigned char *again;
			size_t alen;

			ok++;
			ATF_CHECK_EQ(record_validate(&out), 0);
			ATF_CHECK_EQ(record_encode(&out, &again, &alen), 0);
			free(again);
		}
		record_free(&out);
	}
	ATF_CHECK(ok > 0);
	free(good);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, record_encode__round_trip_minimal);
	ATF_TP_ADD_TC(tp, record_encode__round_trip_full);
	ATF_TP_ADD_TC(tp, record_encode__default_user_not_stored);
	ATF_TP_ADD_TC(tp, record_decode__every_truncation_corrupt);
	ATF_TP_ADD_TC(tp, record_decode__trailing_bytes_corrupt);
	ATF_TP_ADD_TC(tp, record_decode__schema_versions);
	ATF_TP_ADD_TC(tp, record_decode__damaged_fields);
	ATF_TP_ADD_TC(tp, record_decode__bad_networks);
	ATF_TP_ADD_TC(tp, record_encode__refuses_invalid);
	ATF_TP_ADD_TC(tp, record_name_valid__rules);
	ATF_TP_ADD_TC(tp, record_decode__random_bytes);
	return atf_no_error();
}
