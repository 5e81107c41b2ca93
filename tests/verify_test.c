#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "cidr.h"
#include "error.h"
#include "random.h"
#include "record.h"
#include "store.h"
#include "token.h"
#include "verify.h"

#define DB		"tokens.db"
#define NOW		1700000000
#define DAY		86400

static char name_ci[] = "ci";
static char name_keptn[] = "keptn";
static char user_robot[] = "robot";
static char role_user[] = "User";
static char pol_sshd[] = "sshd";
static char pol_deploy[] = "deploy";
static char *policies[] = { pol_sshd, pol_deploy };

struct fixture {
	struct store	*st;
	struct record	 rec;
	struct cidr	 from[2];
	char		 text[TOKEN_NATIVE_BUFSZ];
};

static void
setup(struct fixture *f)
{
	struct store_txn *t;
	struct token tok;

	memset(f, 0, sizeof(*f));
	ATF_REQUIRE_EQ(store_init(DB, NULL, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_open(DB, 0, &f->st, NULL, 0), 0);
	ATF_REQUIRE_EQ(token_generate(store_prefix(f->st), &tok, f->text,
	    sizeof(f->text)), 0);
	memcpy(f->rec.id, tok.id, TOKEN_ID_BYTES);
	f->rec.name = name_ci;
	f->rec.user = user_robot;
	f->rec.role = role_user;
	f->rec.policies = policies;
	f->rec.npolicies = 2;
	f->rec.created = NOW - DAY;
	ATF_REQUIRE_EQ(store_token_verifier(f->st, &tok, f->rec.verifier), 0);
	token_clear(&tok);
	ATF_REQUIRE_EQ(store_txn_begin(f->st, 0, &t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_put(t, &f->rec, 0), 0);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
}

static void
update(struct fixture *f)
{
	struct store_txn *t;

	ATF_REQUIRE_EQ(store_txn_begin(f->st, 0, &t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_put(t, &f->rec, STORE_REPLACE), 0);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
}

static void
request(struct verify_request *req)
{
	memset(req, 0, sizeof(*req));
	req->user = "robot";
	req->service = "sshd";
	req->rhost = "192.0.2.7";
	req->now = NOW;
}

/* The reason verify_token() gives for text; fails the test on an error. */
static enum verify_reason
check(struct fixture *f, const char *text, const struct verify_request *req)
{
	struct verify_result res;
	enum verify_reason why;
	int r;

	r = verify_token(f->st, text, text == NULL ? 0 : strlen(text), req,
	    &res);
	ATF_REQUIRE_EQ_MSG(r, 0, "verify_token: %s", atk_strerror(r));
	why = res.reason;
	if (res.known) {
		ATF_CHECK_STREQ(res.name, f->rec.name);
		ATF_CHECK_STREQ(res.user, f->rec.user);
		ATF_CHECK_STREQ(res.role, f->rec.role);
	} else {
		ATF_CHECK_STREQ(res.id, "unknown");
		ATF_CHECK(res.name == NULL);
	}
	verify_result_free(&res);
	return why;
}

ATF_TC_WITHOUT_HEAD(verify_token__right_token);
ATF_TC_BODY(verify_token__right_token, tc)
{
	char idtext[TOKEN_ID_BUFSZ];
	struct verify_request req;
	struct verify_result res;
	struct fixture f;

	setup(&f);
	request(&req);
	ATF_REQUIRE_EQ(verify_token(f.st, f.text, strlen(f.text), &req, &res),
	    0);
	ATF_CHECK_EQ(res.reason, VERIFY_OK);
	ATF_CHECK(res.known);
	token_id_format(f.rec.id, idtext);
	ATF_CHECK_STREQ(res.id, idtext);
	ATF_CHECK_STREQ(res.name, "ci");
	ATF_CHECK_STREQ(res.role, "User");
	ATF_CHECK_STREQ(res.user, "robot");
	verify_result_free(&res);
	verify_result_free(NULL);
	/* Optional checks that hold. */
	req.role = "User";
	req.policy = "deploy";
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_OK);
	req.policy = "service";
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_OK);
	/* A store opened read-only, as the module does. */
	store_close(f.st);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &f.st, NULL, 0), 0);
	for (int i = 0; i < 3; i++)
		ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_OK);
	store_close(f.st);
}

ATF_TC_WITHOUT_HEAD(verify_token__wrong_secret_and_unknown_id);
ATF_TC_BODY(verify_token__wrong_secret_and_unknown_id, tc)
{
	char other[TOKEN_NATIVE_BUFSZ];
	struct verify_request req;
	struct fixture f;
	struct token tok;

	setup(&f);
	request(&req);
	/* Same id, another secret (a good checksum of its own). */
	ATF_REQUIRE_EQ(token_regenerate("atk", f.rec.id, &tok, other,
	    sizeof(other)), 0);
	ATF_CHECK_EQ(check(&f, other, &req), VERIFY_WRONG_SECRET);
	/* Another id altogether. */
	ATF_REQUIRE_EQ(token_generate("atk", &tok, other, sizeof(other)), 0);
	ATF_CHECK_EQ(check(&f, other, &req), VERIFY_UNKNOWN);
	token_clear(&tok);
	store_close(f.st);
}

ATF_TC_WITHOUT_HEAD(verify_token__malformed_and_checksum);
ATF_TC_BODY(verify_token__malformed_and_checksum, tc)
{
	struct verify_request req;
	struct verify_result res;
	struct fixture f;
	char typo[TOKEN_NATIVE_BUFSZ];
	size_t len;

	setup(&f);
	request(&req);
	len = strlen(f.text);
	memcpy(typo, f.text, len + 1);
	typo[10] = typo[10] == 'a' ? 'b' : 'a';
	ATF_CHECK_EQ(check(&f, typo, &req), VERIFY_CHECKSUM);
	typo[len - 1] = '\0';			/* Cut short. */
	ATF_CHECK_EQ(check(&f, typo, &req), VERIFY_CHECKSUM);
	typo[30] = '\0';
	ATF_CHECK_EQ(check(&f, typo, &req), VERIFY_CHECKSUM);
	typo[20] = '\0';				/* Any text. */
	ATF_CHECK_EQ(check(&f, typo, &req), VERIFY_UNKNOWN);
	ATF_CHECK_EQ(check(&f, "short", &req), VERIFY_MALFORMED);
	ATF_CHECK_EQ(check(&f, "", &req), VERIFY_MALFORMED);
	ATF_CHECK_EQ(check(&f, NULL, &req), VERIFY_MALFORMED);
	ATF_REQUIRE_EQ(verify_token(f.st, "abc\0defghijklmnopq", 18, &req,
	    &res), 0);
	ATF_CHECK_EQ(res.reason, VERIFY_MALFORMED);
	verify_result_free(&res);
	/* No user: the caller's mistake, and never OK. */
	req.user = NULL;
	ATF_CHECK_EQ(verify_token(f.st, f.text, len, &req, &res),
	    ATK_ERR_INVAL);
	ATF_CHECK(res.reason != VERIFY_OK);
	verify_result_free(&res);
	store_close(f.st);
}

ATF_TC_WITHOUT_HEAD(verify_token__other_prefix);
ATF_TC_BODY(verify_token__other_prefix, tc)
{
	char other[TOKEN_NATIVE_BUFSZ];
	struct verify_request req;
	struct fixture f;
	struct token tok;

	setup(&f);
	request(&req);
	/* The right id and a secret the store would accept, wrong prefix. */
	ATF_REQUIRE_EQ(token_generate("ghx", &tok, other, sizeof(other)), 0);
	ATF_CHECK_EQ(check(&f, other, &req), VERIFY_PREFIX);
	ATF_REQUIRE_EQ(token_regenerate("ghx", f.rec.id, &tok, other,
	    sizeof(other)), 0);
	ATF_CHECK_EQ(check(&f, other, &req), VERIFY_PREFIX);
	token_clear(&tok);
	store_close(f.st);
}

ATF_TC_WITHOUT_HEAD(verify_token__revoked_and_expired);
ATF_TC_BODY(verify_token__revoked_and_expired, tc)
{
	struct verify_request req;
	struct fixture f;

	setup(&f);
	request(&req);
	f.rec.expires = NOW + 1;
	update(&f);
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_OK);
	req.now = NOW + 1;
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_EXPIRED);
	req.now = NOW;
	f.rec.revoked = NOW - 5;
	update(&f);
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_REVOKED);
	store_close(f.st);
}

ATF_TC_WITHOUT_HEAD(verify_token__user_role_policy);
ATF_TC_BODY(verify_token__user_role_policy, tc)
{
	struct verify_request req;
	struct fixture f;

	setup(&f);
	request(&req);
	req.user = "root";
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_WRONG_USER);
	req.user = "robot2";
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_WRONG_USER);
	request(&req);
	req.role = "Administrator";
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_ROLE);
	request(&req);
	req.policy = "sudo";
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_POLICY);
	req.policy = "service";
	req.service = "su";
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_POLICY);
	req.service = NULL;
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_POLICY);
	store_close(f.st);
}

ATF_TC_WITHOUT_HEAD(verify_token__network);
ATF_TC_BODY(verify_token__network, tc)
{
	struct verify_request req;
	struct fixture f;

	setup(&f);
	request(&req);
	ATF_REQUIRE_EQ(cidr_parse("10.0.0.0/8", &f.from[0]), 0);
	ATF_REQUIRE_EQ(cidr_parse("2001:db8::/32", &f.from[1]), 0);
	f.rec.from = f.from;
	f.rec.nfrom = 2;
	update(&f);
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_NETWORK);
	req.rhost = "10.1.2.3";
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_OK);
	req.rhost = "2001:db8::5";
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_OK);
	req.rhost = "host.example";
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_NETWORK);
	req.rhost = NULL;
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_NETWORK);
	req.rhost = "";
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_NETWORK);
	store_close(f.st);
}

ATF_TC_WITHOUT_HEAD(verify_token__grace_period);
ATF_TC_BODY(verify_token__grace_period, tc)
{
	char fresh_text[TOKEN_NATIVE_BUFSZ];
	struct verify_request req;
	struct fixture f;
	struct token tok;

	setup(&f);
	request(&req);
	/* regenerate --grace P1D: the old secret works for a day. */
	ATF_REQUIRE_EQ(token_regenerate("atk", f.rec.id, &tok, fresh_text,
	    sizeof(fresh_text)), 0);
	memcpy(f.rec.old_verifier, f.rec.verifier, RECORD_VERIFIER_BYTES);
	f.rec.old_until = NOW + DAY;
	ATF_REQUIRE_EQ(store_token_verifier(f.st, &tok, f.rec.verifier), 0);
	token_clear(&tok);
	update(&f);
	ATF_CHECK_EQ(check(&f, fresh_text, &req), VERIFY_OK);
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_OK);
	req.now = NOW + DAY - 1;
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_OK);
	req.now = NOW + DAY;
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_WRONG_SECRET);
	ATF_CHECK_EQ(check(&f, fresh_text, &req), VERIFY_OK);
	/* Without grace the old one stops at once. */
	req.now = NOW;
	f.rec.old_until = 0;
	update(&f);
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_WRONG_SECRET);
	ATF_CHECK_EQ(check(&f, fresh_text, &req), VERIFY_OK);
	store_close(f.st);
}

ATF_TC_WITHOUT_HEAD(verify_token__imported);
ATF_TC_BODY(verify_token__imported, tc)
{
	static const char keptn[] = "q1w2e3r4t5y6u7i8o9p0aA==";
	struct verify_request req;
	struct store_txn *t;
	struct fixture f;
	struct token tok;

	setup(&f);
	request(&req);
	ATF_REQUIRE_EQ(random_buf(f.rec.id, TOKEN_ID_BYTES), 0);
	f.rec.name = name_keptn;
	f.rec.imported = 1;
	ATF_REQUIRE_EQ(token_parse(keptn, strlen(keptn), &tok),
	    TOKEN_IMPORTED);
	ATF_REQUIRE_EQ(store_token_verifier(f.st, &tok, f.rec.verifier), 0);
	ATF_REQUIRE_EQ(store_txn_begin(f.st, 0, &t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_put(t, &f.rec, 0), 0);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	ATF_CHECK_EQ(check(&f, keptn, &req), VERIFY_OK);
	ATF_CHECK_EQ(check(&f, "q1w2e3r4t5y6u7i8o9p0aB==", &req),
	    VERIFY_UNKNOWN);
	ATF_CHECK_EQ(check(&f, "q1w2e3r4t5y6u7i8o9p0aA=", &req),
	    VERIFY_UNKNOWN);
	req.user = "other";
	ATF_CHECK_EQ(check(&f, keptn, &req), VERIFY_WRONG_USER);
	store_close(f.st);
}

/* A damaged record cannot be decided: an error, never VERIFY_OK. */
ATF_TC_WITHOUT_HEAD(verify_token__damaged_record_fails_closed);
ATF_TC_BODY(verify_token__damaged_record_fails_closed, tc)
{
	unsigned char from[2 + TOKEN_ID_BYTES], to[2 + TOKEN_ID_BYTES];
	struct verify_request req;
	struct verify_result res;
	struct fixture f;
	unsigned char *buf;
	size_t len, n = 0;
	FILE *fp;

	setup(&f);
	store_close(f.st);
	/* The record value: schema byte, flags byte, id; flags damaged. */
	ATF_REQUIRE((fp = fopen(DB, "r+b")) != NULL);
	ATF_REQUIRE((buf = malloc(1 << 20)) != NULL);
	len = fread(buf, 1, 1 << 20, fp);
	for (size_t i = 2; i + TOKEN_ID_BYTES <= len; i++)
		if (buf[i - 2] == RECORD_SCHEMA &&
		    memcmp(buf + i, f.rec.id, TOKEN_ID_BYTES) == 0) {
			memcpy(from, buf + i - 2, sizeof(from));
			memcpy(to, from, sizeof(to));
			to[1] |= 0x80;
			memcpy(buf + i - 2, to, sizeof(to));
			n++;
		}
	ATF_REQUIRE(n > 0);
	ATF_REQUIRE(fseek(fp, 0, SEEK_SET) == 0);
	ATF_REQUIRE_EQ(fwrite(buf, 1, len, fp), len);
	ATF_REQUIRE(fclose(fp) == 0);
	free(buf);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &f.st, NULL, 0), 0);
	request(&req);
	ATF_CHECK_EQ(verify_token(f.st, f.text, strlen(f.text), &req, &res),
	    ATK_ERR_CORRUPT);
	ATF_CHECK(res.reason != VERIFY_OK);
	ATF_CHECK(!res.known);
	ATF_CHECK(res.name == NULL);
	verify_result_free(&res);
	store_close(f.st);
}

/* The reason verify_account() gives for f's token; fails on an error. */
static enum verify_reason
account(struct fixture *f, const char *idtext,
    const struct verify_request *req)
{
	struct verify_result res;
	enum verify_reason why;
	int r;

	r = verify_account(f->st, idtext, req, &res);
	ATF_REQUIRE_EQ_MSG(r, 0, "verify_account: %s", atk_strerror(r));
	why = res.reason;
	if (res.known) {
		ATF_CHECK_STREQ(res.id, idtext);
		ATF_CHECK_STREQ(res.name, f->rec.name);
		ATF_CHECK_STREQ(res.user, f->rec.user);
		ATF_CHECK_STREQ(res.role, f->rec.role);
	} else {
		ATF_CHECK_STREQ(res.id, "unknown");
		ATF_CHECK(res.name == NULL);
	}
	verify_result_free(&res);
	return why;
}

ATF_TC_WITHOUT_HEAD(verify_account__rules);
ATF_TC_BODY(verify_account__rules, tc)
{
	char idtext[TOKEN_ID_BUFSZ], other[TOKEN_ID_BUFSZ];
	unsigned char id[TOKEN_ID_BYTES];
	struct verify_request req;
	struct fixture f;

	setup(&f);
	request(&req);
	token_id_format(f.rec.id, idtext);
	ATF_CHECK_EQ(account(&f, idtext, &req), VERIFY_OK);
	/* Only the account's rules: no role, policy or network asked. */
	ATF_REQUIRE_EQ(cidr_parse("10.0.0.0/8", &f.from[0]), 0);
	f.rec.from = f.from;
	f.rec.nfrom = 1;
	update(&f);
	req.role = "Admin";
	req.policy = "ftp";
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_ROLE);
	ATF_CHECK_EQ(account(&f, idtext, &req), VERIFY_OK);
	f.rec.nfrom = 0;
	request(&req);
	req.user = "alice";
	ATF_CHECK_EQ(account(&f, idtext, &req), VERIFY_WRONG_USER);
	request(&req);
	/* Expired at the second it expires, as verify_token() says. */
	f.rec.expires = NOW;
	update(&f);
	ATF_CHECK_EQ(account(&f, idtext, &req), VERIFY_EXPIRED);
	req.now = NOW - 1;
	ATF_CHECK_EQ(account(&f, idtext, &req), VERIFY_OK);
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_OK);
	req.now = NOW;
	ATF_CHECK_EQ(check(&f, f.text, &req), VERIFY_EXPIRED);
	f.rec.revoked = NOW - 5;
	update(&f);
	ATF_CHECK_EQ(account(&f, idtext, &req), VERIFY_REVOKED);
	/* Another user's token is that, revoked or not. */
	req.user = "alice";
	ATF_CHECK_EQ(account(&f, idtext, &req), VERIFY_WRONG_USER);
	/* An id of no token, and one that is not an id. */
	request(&req);
	ATF_REQUIRE_EQ(random_buf(id, sizeof(id)), 0);
	token_id_format(id, other);
	ATF_CHECK_EQ(account(&f, other, &req), VERIFY_DELETED);
	ATF_CHECK_EQ(account(&f, "not-an-id", &req), VERIFY_MALFORMED);
	ATF_CHECK_EQ(account(&f, f.text, &req), VERIFY_MALFORMED);
	/* A store opened read-only, as the account check does. */
	store_close(f.st);
	ATF_REQUIRE_EQ(store_open(DB, STORE_RDONLY, &f.st, NULL, 0), 0);
	ATF_CHECK_EQ(account(&f, idtext, &req), VERIFY_REVOKED);
	store_close(f.st);
}

ATF_TC_WITHOUT_HEAD(verify_account__deleted_and_bad_calls);
ATF_TC_BODY(verify_account__deleted_and_bad_calls, tc)
{
	char idtext[TOKEN_ID_BUFSZ];
	struct verify_request req;
	struct verify_result res;
	struct store_txn *t;
	struct fixture f;

	setup(&f);
	request(&req);
	token_id_format(f.rec.id, idtext);
	ATF_REQUIRE_EQ(store_txn_begin(f.st, 0, &t, NULL, 0), 0);
	ATF_REQUIRE_EQ(store_delete(t, f.rec.id), 0);
	ATF_REQUIRE_EQ(store_txn_commit(t, NULL, 0), 0);
	ATF_CHECK_EQ(account(&f, idtext, &req), VERIFY_DELETED);
	/* Calls that cannot be decided never say VERIFY_OK. */
	ATF_CHECK_EQ(verify_account(f.st, NULL, &req, &res), ATK_ERR_INVAL);
	ATF_CHECK(res.reason != VERIFY_OK);
	verify_result_free(&res);
	ATF_CHECK_EQ(verify_account(NULL, idtext, &req, &res),
	    ATK_ERR_INVAL);
	ATF_CHECK(res.reason != VERIFY_OK);
	verify_result_free(&res);
	req.user = NULL;
	ATF_CHECK_EQ(verify_account(f.st, idtext, &req, &res),
	    ATK_ERR_INVAL);
	ATF_CHECK(res.reason != VERIFY_OK);
	verify_result_free(&res);
	store_close(f.st);
}

ATF_TC_WITHOUT_HEAD(verify_reason_str__words);
ATF_TC_BODY(verify_reason_str__words, tc)
{
	ATF_CHECK_STREQ(verify_reason_str(VERIFY_OK), "ok");
	ATF_CHECK_STREQ(verify_reason_str(VERIFY_EXPIRED), "expired");
	ATF_CHECK_STREQ(verify_reason_str(VERIFY_DELETED), "token deleted");
	for (int i = VERIFY_OK; i <= VERIFY_DELETED; i++)
		ATF_CHECK(strcmp(verify_reason_str((enum verify_reason)i),
		    "unknown reason") != 0);
	ATF_CHECK_STREQ(verify_reason_str((enum verify_reason)99),
	    "unknown reason");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, verify_token__right_token);
	ATF_TP_ADD_TC(tp, verify_token__wrong_secret_and_unknown_id);
	ATF_TP_ADD_TC(tp, verify_token__malformed_and_checksum);
	ATF_TP_ADD_TC(tp, verify_token__other_prefix);
	ATF_TP_ADD_TC(tp, verify_token__revoked_and_expired);
	ATF_TP_ADD_TC(tp, verify_token__user_role_policy);
	ATF_TP_ADD_TC(tp, verify_token__network);
	ATF_TP_ADD_TC(tp, verify_token__grace_period);
	ATF_TP_ADD_TC(tp, verify_token__imported);
	ATF_TP_ADD_TC(tp, verify_token__damaged_record_fails_closed);
	ATF_TP_ADD_TC(tp, verify_account__rules);
	ATF_TP_ADD_TC(tp, verify_account__deleted_and_bad_calls);
	ATF_TP_ADD_TC(tp, verify_reason_str__words);
	return atf_no_error();
}
