/*
 * lib/etcd_json.c and the endpoint rules of lib/etcd.c: the bodies sent to
 * etcd's v3 JSON gateway and the answers read back, with answers as etcd
 * 3.4 (Debian's etcd-server) writes them.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "error.h"
#include "etcd.h"

#define WHY_MAX		256
#define KEYS_MAX	8

struct seen {
	char		 keys[KEYS_MAX][64];
	char		 values[KEYS_MAX][64];
	int		 deleted[KEYS_MAX];
	int64_t		 mods[KEYS_MAX];
	size_t		 n;
	int64_t		 rev;
	int		 calls;
};

static void
note(struct seen *s, const struct etcd_kv *kv)
{
	ATF_REQUIRE(s->n < KEYS_MAX && kv->keylen < 64 && kv->valuelen < 64);
	memcpy(s->keys[s->n], kv->key, kv->keylen);
	s->keys[s->n][kv->keylen] = '\0';
	if (kv->value != NULL) {
		memcpy(s->values[s->n], kv->value, kv->valuelen);
		s->values[s->n][kv->valuelen] = '\0';
	}
	s->deleted[s->n] = kv->deleted;
	s->mods[s->n] = kv->mod_revision;
	s->n++;
}

static int
range_cb(const struct etcd_kv *kv, void *arg)
{
	note(arg, kv);
	return 0;
}

static int
watch_cb(const struct etcd_kv *kvs, size_t n, int64_t rev, void *arg)
{
	struct seen *s = arg;

	s->calls++;
	s->rev = rev;
	for (size_t i = 0; i < n; i++)
		note(s, &kvs[i]);
	return 0;
}

static int
range(const char *text, struct seen *s, int *more)
{
	char why[WHY_MAX];

	memset(s, 0, sizeof(*s));
	return etcd_range_decode(text, strlen(text), range_cb, s, &s->rev,
	    more, why, sizeof(why));
}

static int
watch(const char *text, struct seen *s, int64_t *compact)
{
	char why[WHY_MAX];

	memset(s, 0, sizeof(*s));
	return etcd_watch_decode(text, strlen(text), watch_cb, s, compact,
	    why, sizeof(why));
}

ATF_TC_WITHOUT_HEAD(range_decode__etcd_answers);
ATF_TC_BODY(range_decode__etcd_answers, tc)
{
	struct seen s;
	int more;

	/* etcd 3.4: int64 as strings, a missing value is empty. */
	ATF_REQUIRE_EQ(range("{\"header\":{\"cluster_id\":\"1511849554843385"
	    "7066\",\"member_id\":\"13668033151171901709\",\"revision\":\"2\","
	    "\"raft_term\":\"2\"},\"kvs\":[{\"key\":\"L2FwaXRva2VuL3YxL2E=\","
	    "\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":"
	    "\"1\",\"value\":\"eyJ4IjoxfQ==\"},{\"key\":\"Yg==\","
	    "\"mod_revision\":\"3\"}],\"more\":true,\"count\":\"3\"}", &s,
	    &more), 0);
	ATF_CHECK_EQ(s.rev, 2);
	ATF_CHECK_EQ(more, 1);
	ATF_REQUIRE_EQ(s.n, 2);
	ATF_CHECK_STREQ(s.keys[0], "/apitoken/v1/a");
	ATF_CHECK_STREQ(s.values[0], "{\"x\":1}");
	ATF_CHECK_EQ(s.mods[0], 2);
	ATF_CHECK_STREQ(s.keys[1], "b");
	ATF_CHECK_STREQ(s.values[1], "");
	/* Nothing there: no kvs, no more. */
	ATF_REQUIRE_EQ(range("{\"header\":{\"revision\":\"3\"}}", &s, &more),
	    0);
	ATF_CHECK_EQ(s.n, 0);
	ATF_CHECK_EQ(s.rev, 3);
	ATF_CHECK_EQ(more, 0);
}

ATF_TC_WITHOUT_HEAD(range_decode__errors);
ATF_TC_BODY(range_decode__errors, tc)
{
	static const char *const bad[] = {
		"", "[]", "{}", "null", "{\"header\":1}",
		"{\"header\":{\"revision\":\"-1\"}}",
		"{\"header\":{\"revision\":\"99999999999999999999\"}}",
		"{\"header\":{\"revision\":\"1x\"}}",
		"{\"header\":{\"revision\":\"2\"},\"kvs\":{}}",
		"{\"header\":{\"revision\":\"2\"},\"kvs\":[{}]}",
		"{\"header\":{\"revision\":\"2\"},\"kvs\":[{\"key\":\"!!\"}]}",
		"{\"header\":{\"revision\":\"2\"},\"kvs\":[{\"key\":1}]}",
		"{\"header\":{\"revision\":\"2\"},\"more\":\"yes\"}",
		"{\"header\":{\"revision\":\"2\"},\"header\":{}}",
	};
	struct seen s;
	char why[WHY_MAX];
	int64_t rev;
	int more;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_EQ_MSG(range(bad[i], &s, &more), ATK_ERR_SYNTAX,
		    "%s", bad[i]);
	ATF_CHECK_EQ(range("{\"error\":\"etcdserver: mvcc: required revision "
	    "has been compacted\",\"message\":\"etcdserver: mvcc: required "
	    "revision has been compacted\",\"code\":11}", &s, &more),
	    ATK_ERR_COMPACTED);
	ATF_CHECK_EQ(etcd_range_decode("{\"error\":\"etcdserver: no leader\","
	    "\"code\":14}", 43, range_cb, &s, &rev, &more, why, sizeof(why)),
	    ATK_ERR_REMOTE);
	ATF_CHECK_STREQ(why, "etcdserver: no leader");
}

ATF_TC_WITHOUT_HEAD(watch_decode__etcd_answers);
ATF_TC_BODY(watch_decode__etcd_answers, tc)
{
	struct seen s;
	int64_t compact;

	ATF_REQUIRE_EQ(watch("{\"result\":{\"header\":{\"cluster_id\":\"1\","
	    "\"member_id\":\"2\",\"revision\":\"3\",\"raft_term\":\"2\"},"
	    "\"created\":true}}", &s, &compact), 0);
	ATF_CHECK_EQ(s.calls, 0);
	/* A PUT has no type (the enum's default); a DELETE no value. */
	ATF_REQUIRE_EQ(watch("{\"result\":{\"header\":{\"revision\":\"5\"},"
	    "\"events\":[{\"type\":\"DELETE\",\"kv\":{\"key\":\"YQ==\","
	    "\"mod_revision\":\"5\"}},{\"kv\":{\"key\":\"Yg==\","
	    "\"create_revision\":\"4\",\"mod_revision\":\"5\",\"version\":\"1\","
	    "\"value\":\"aGVsbG8=\"}}]}}", &s, &compact), 0);
	ATF_CHECK_EQ(s.calls, 1);
	ATF_CHECK_EQ(s.rev, 5);
	ATF_REQUIRE_EQ(s.n, 2);
	ATF_CHECK_STREQ(s.keys[0], "a");
	ATF_CHECK_EQ(s.deleted[0], 1);
	ATF_CHECK_STREQ(s.keys[1], "b");
	ATF_CHECK_EQ(s.deleted[1], 0);
	ATF_CHECK_STREQ(s.values[1], "hello");
	ATF_CHECK_EQ(watch("{\"result\":{\"header\":{\"cluster_id\":\"1\","
	    "\"raft_term\":\"2\"},\"canceled\":true,\"compact_revision\":"
	    "\"4\"}}", &s, &compact), ATK_ERR_COMPACTED);
	ATF_CHECK_EQ(compact, 4);
	ATF_CHECK_EQ(watch("{\"result\":{\"header\":{},\"canceled\":true}}",
	    &s, &compact), ATK_ERR_REMOTE);
	ATF_CHECK_EQ(watch("{\"error\":{\"grpc_code\":14,\"http_code\":503,"
	    "\"message\":\"etcdserver: no leader\"}}", &s, &compact),
	    ATK_ERR_REMOTE);
	ATF_CHECK_EQ(watch("{\"result\":{\"header\":{},\"events\":[{\"type\":"
	    "\"EXPIRE\",\"kv\":{\"key\":\"YQ==\"}}]}}", &s, &compact),
	    ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(watch("{\"result\":{\"header\":{},\"events\":[{}]}}", &s,
	    &compact), ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(watch("{\"result\":5}", &s, &compact), ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(s.calls, 0);
}

ATF_TC_WITHOUT_HEAD(txn_decode__answers);
ATF_TC_BODY(txn_decode__answers, tc)
{
	static const char ok[] = "{\"header\":{\"revision\":\"3\"},"
	    "\"succeeded\":true,\"responses\":[{\"response_put\":{\"header\":"
	    "{\"revision\":\"3\"}}}]}";
	static const char no[] = "{\"header\":{\"revision\":\"3\"}}";
	char why[WHY_MAX];
	int64_t rev;

	ATF_CHECK_EQ(etcd_txn_decode(ok, strlen(ok), &rev, why, sizeof(why)),
	    0);
	ATF_CHECK_EQ(rev, 3);
	ATF_CHECK_EQ(etcd_txn_decode(no, strlen(no), &rev, why, sizeof(why)),
	    ATK_ERR_SYNTAX);
}

ATF_TC_WITHOUT_HEAD(bodies__golden);
ATF_TC_BODY(bodies__golden, tc)
{
	struct etcd_op ops[2] = {
		{ "a", 1, NULL, 0 },
		{ "b", 1, "hello", 5 },
	};
	char *s;

	ATF_REQUIRE((s = etcd_range_body("/p/", 3, "/p0", 3, 7, 1000)) !=
	    NULL);
	ATF_CHECK_STREQ(s, "{\"key\":\"L3Av\",\"range_end\":\"L3Aw\","
	    "\"revision\":7,\"limit\":1000}");
	free(s);
	ATF_REQUIRE((s = etcd_range_body("k", 1, NULL, 0, 0, 0)) != NULL);
	ATF_CHECK_STREQ(s, "{\"key\":\"aw==\"}");
	free(s);
	ATF_REQUIRE((s = etcd_txn_body(ops, 2)) != NULL);
	ATF_CHECK_STREQ(s, "{\"success\":[{\"request_delete_range\":{\"key\":"
	    "\"YQ==\"}},{\"request_put\":{\"key\":\"Yg==\",\"value\":"
	    "\"aGVsbG8=\"}}]}");
	free(s);
	ATF_REQUIRE((s = etcd_delete_range_body("/p/", 3, "/p0", 3)) !=
	    NULL);
	ATF_CHECK_STREQ(s, "{\"success\":[{\"request_delete_range\":{\"key\":"
	    "\"L3Av\",\"range_end\":\"L3Aw\"}}]}");
	free(s);
	ATF_REQUIRE((s = etcd_watch_body("/p/", 3, "/p0", 3, 12)) != NULL);
	ATF_CHECK_STREQ(s, "{\"create_request\":{\"key\":\"L3Av\","
	    "\"range_end\":\"L3Aw\",\"start_revision\":12}}");
	free(s);
}

ATF_TC_WITHOUT_HEAD(prefix_end__etcd_rule);
ATF_TC_BODY(prefix_end__etcd_rule, tc)
{
	unsigned char end[8];
	size_t n;

	ATF_REQUIRE_EQ(etcd_prefix_end("/a/", 3, end, &n), 0);
	ATF_CHECK(n == 3 && memcmp(end, "/a0", 3) == 0);
	ATF_REQUIRE_EQ(etcd_prefix_end("a\xff\xff", 3, end, &n), 0);
	ATF_CHECK(n == 1 && end[0] == 'b');
	ATF_CHECK_EQ(etcd_prefix_end("\xff", 1, end, &n), ATK_ERR_INVAL);
}

ATF_TC_WITHOUT_HEAD(endpoints_check__urls);
ATF_TC_BODY(endpoints_check__urls, tc)
{
	static const char *const good[] = {
		"http://127.0.0.1:2379", "https://etcd1:2379/",
		"http://a:1,https://b:2,http://[::1]:3", "http://etcd",
	};
	static const char *const bad[] = {
		"", "127.0.0.1:2379", "ftp://a:1", "http://", "http://a:1/v3",
		"http://a:1,", ",http://a:1", "http://user@a:1", "http://a b",
		"http://a:1?x", "http://:1", "file:///etc/passwd",
		"http://a,http://a,http://a,http://a,http://a,http://a,http://a,"
		"http://a,http://a,http://a,http://a,http://a,http://a,http://a,"
		"http://a,http://a,http://a",
	};
	char why[WHY_MAX];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ATF_CHECK_EQ_MSG(etcd_endpoints_check(good[i], why,
		    sizeof(why)), 0, "%s: %s", good[i], why);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ATF_CHECK_EQ_MSG(etcd_endpoints_check(bad[i], why,
		    sizeof(why)), ATK_ERR_SYNTAX, "%s", bad[i]);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, range_decode__etcd_answers);
	ATF_TP_ADD_TC(tp, range_decode__errors);
	ATF_TP_ADD_TC(tp, watch_decode__etcd_answers);
	ATF_TP_ADD_TC(tp, txn_decode__answers);
	ATF_TP_ADD_TC(tp, bodies__golden);
	ATF_TP_ADD_TC(tp, prefix_end__etcd_rule);
	ATF_TP_ADD_TC(tp, endpoints_check__urls);
	return atf_no_error();
}
