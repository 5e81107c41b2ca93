#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <string.h>

#include <atf-c.h>

#include "cidr.h"
#include "error.h"

#define ARRAY_LEN(a)	(sizeof(a) / sizeof((a)[0]))

static struct cidr
net(const char *text)
{
	struct cidr c;

	ATF_REQUIRE_EQ_MSG(cidr_parse(text, &c), 0, "'%s'", text);
	return c;
}

static void
check_format(const char *in, const char *want)
{
	struct cidr c = net(in);
	char buf[CIDR_BUFSZ];

	ATF_CHECK_EQ(cidr_format(&c, buf, sizeof(buf)), 0);
	ATF_CHECK_STREQ_MSG(buf, want, "'%s'", in);
}

static int
all_zero(const struct cidr *c)
{
	static const struct cidr zero;

	return memcmp(c, &zero, sizeof(zero)) == 0;
}

ATF_TC_WITHOUT_HEAD(cidr_parse__ipv4);
ATF_TC_BODY(cidr_parse__ipv4, tc)
{
	static const unsigned char ten[4] = { 10, 0, 0, 0 };
	static const unsigned char host[4] = { 192, 0, 2, 1 };
	struct cidr c;

	c = net("10.0.0.0/8");
	ATF_CHECK_EQ(c.family, AF_INET);
	ATF_CHECK_EQ(c.prefix, 8);
	ATF_CHECK(memcmp(c.addr, ten, sizeof(ten)) == 0);
	c = net("192.0.2.1");
	ATF_CHECK_EQ(c.family, AF_INET);
	ATF_CHECK_EQ(c.prefix, 32);
	ATF_CHECK(memcmp(c.addr, host, sizeof(host)) == 0);
	c = net("192.0.2.1/32");
	ATF_CHECK_EQ(c.prefix, 32);
	c = net("0.0.0.0/0");
	ATF_CHECK_EQ(c.family, AF_INET);
	ATF_CHECK_EQ(c.prefix, 0);
	c = net("255.255.255.255/32");
	ATF_CHECK_EQ(c.prefix, 32);
	c = net("192.0.2.128/25");
	ATF_CHECK_EQ(c.prefix, 25);
}

ATF_TC_WITHOUT_HEAD(cidr_parse__ipv6);
ATF_TC_BODY(cidr_parse__ipv6, tc)
{
	static const unsigned char doc[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	static const unsigned char one[16] = { [15] = 1 };
	struct cidr c;

	c = net("2001:db8::/32");
	ATF_CHECK_EQ(c.family, AF_INET6);
	ATF_CHECK_EQ(c.prefix, 32);
	ATF_CHECK(memcmp(c.addr, doc, sizeof(doc)) == 0);
	c = net("::1");
	ATF_CHECK_EQ(c.family, AF_INET6);
	ATF_CHECK_EQ(c.prefix, 128);
	ATF_CHECK(memcmp(c.addr, one, sizeof(one)) == 0);
	c = net("::1/128");
	ATF_CHECK_EQ(c.prefix, 128);
	c = net("::/0");
	ATF_CHECK_EQ(c.prefix, 0);
	c = net("2001:DB8:0:0:0:0:0:0/32");
	ATF_CHECK(memcmp(c.addr, doc, sizeof(doc)) == 0);
	c = net("::ffff:10.0.0.0/104");
	ATF_CHECK_EQ(c.family, AF_INET6);
	c = net("fe80::/10");
	ATF_CHECK_EQ(c.prefix, 10);
}

ATF_TC_WITHOUT_HEAD(cidr_parse__syntax);
ATF_TC_BODY(cidr_parse__syntax, tc)
{
	static const char *const bad[] = {
		"", "/", "/8", "10.0.0.0/", "10.0.0/8", "10.0/8", "10/8",
		"10.0.0.0/08", "10.0.0.0/00", "10.0.0.0/-1", "10.0.0.0/+8",
		"10.0.0.0/8/8", "10.0.0.0//8", "10.0.0.0/8 ", "1.2.3.4 /8",
		"1.2.3.4/ 8", " 1.2.3.4", "1.2.3.4 ", "1.2.3.4\n",
		"10.0.0.0/8x", "10.0.0.0/0x8", "10.0.0.0/ 8", "256.0.0.0/8",
		"1.2.3.4.5", "010.0.0.0/8", "1.2.3.04", "0x0a.0.0.0/8",
		"1.2.3", "localhost", "example.com/24", "::1/", "/128",
		"::1/0128", "fe80::1%eth0", "fe80::%eth0/64", "[::1]",
		"[::1]/128", ":::1", "1::2::3", "2001:db8::g/32",
		"10.0.0.0/8\xff", "\xef\xbc\x91.2.3.4",
		"1234:1234:1234:1234:1234:1234:1234:1234:1234/128",
		"0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000/0",
	};
	struct cidr c;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		memset(&c, 0xa5, sizeof(c));
		ATF_CHECK_EQ_MSG(cidr_parse(bad[i], &c), ATK_ERR_SYNTAX,
		    "'%s'", bad[i]);
		ATF_CHECK_MSG(all_zero(&c), "'%s' left a value", bad[i]);
	}
	ATF_CHECK_EQ(cidr_parse(NULL, &c), ATK_ERR_SYNTAX);
}

ATF_TC_WITHOUT_HEAD(cidr_parse__prefix_too_long);
ATF_TC_BODY(cidr_parse__prefix_too_long, tc)
{
	static const char *const bad[] = {
		"10.0.0.0/33", "10.0.0.0/128", "10.0.0.0/999",
		"10.0.0.0/4294967304", "::1/129", "::/255", "::/1000",
		"::/99999999999999999999999",
	};
	struct cidr c;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		memset(&c, 0xa5, sizeof(c));
		ATF_CHECK_EQ_MSG(cidr_parse(bad[i], &c), ATK_ERR_OVERFLOW,
		    "'%s'", bad[i]);
		ATF_CHECK_MSG(all_zero(&c), "'%s' left a value", bad[i]);
	}
	/* The largest allowed, for contrast. */
	ATF_CHECK_EQ(cidr_parse("10.0.0.1/32", &c), 0);
	ATF_CHECK_EQ(cidr_parse("::1/128", &c), 0);
}

ATF_TC_WITHOUT_HEAD(cidr_parse__host_bits);
ATF_TC_BODY(cidr_parse__host_bits, tc)
{
	static const struct {
		const char	*in;
		const char	*network;
	} bad[] = {
		{ "10.1.2.3/8", "10.0.0.0/8" },
		{ "10.0.0.1/31", "10.0.0.0/31" },
		{ "192.0.2.129/25", "192.0.2.128/25" },
		{ "192.0.2.1/24", "192.0.2.0/24" },
		{ "0.0.0.1/0", "0.0.0.0/0" },
		{ "255.255.255.255/1", "128.0.0.0/1" },
		{ "2001:db8::1/32", "2001:db8::/32" },
		{ "::1/127", "::/127" },
		{ "fe80::1/10", "fe80::/10" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/0", "::/0" },
	};
	char buf[CIDR_BUFSZ];
	struct cidr c;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
		ATF_CHECK_EQ_MSG(cidr_parse(bad[i].in, &c), ATK_ERR_RANGE,
		    "'%s'", bad[i].in);
		/* The suggestion for "did you mean". */
		ATF_CHECK_EQ(cidr_format(&c, buf, sizeof(buf)), 0);
		ATF_CHECK_STREQ_MSG(buf, bad[i].network, "'%s'", bad[i].in);
	}
	/* A syntax error wins over host bits. */
	ATF_CHECK_EQ(cidr_parse("10.1.2.3/08", &c), ATK_ERR_SYNTAX);
	ATF_CHECK_EQ(cidr_parse("10.1.2.3/33", &c), ATK_ERR_OVERFLOW);
}

ATF_TC_WITHOUT_HEAD(cidr_format__canonical);
ATF_TC_BODY(cidr_format__canonical, tc)
{
	check_format("10.0.0.0/8", "10.0.0.0/8");
	check_format("192.0.2.1", "192.0.2.1/32");
	check_format("0.0.0.0/0", "0.0.0.0/0");
	check_format("::1", "::1/128");
	check_format("::/0", "::/0");
	check_format("2001:0DB8:0000:0000:0000:0000:0000:0000/32",
	    "2001:db8::/32");
	check_format("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1/128");
	check_format("::ffff:192.0.2.1", "::ffff:192.0.2.1/128");
	check_format("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
}

ATF_TC_WITHOUT_HEAD(cidr_format__errors);
ATF_TC_BODY(cidr_format__errors, tc)
{
	struct cidr c = net("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	char buf[CIDR_BUFSZ];
	size_t len = strlen("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");

	/* The longest text fits CIDR_BUFSZ; one byte less does not. */
	ATF_CHECK(len < CIDR_BUFSZ);
	ATF_CHECK_EQ(cidr_format(&c, buf, len + 1), 0);
	ATF_CHECK_EQ(strlen(buf), len);
	memset(buf, 'x', sizeof(buf));
	ATF_CHECK_EQ(cidr_format(&c, buf, len), ATK_ERR_INVAL);
	ATF_CHECK_EQ(buf[0], '\0');
	ATF_CHECK_EQ(cidr_format(&c, NULL, 0), ATK_ERR_INVAL);
	ATF_CHECK_EQ(cidr_format(NULL, buf, sizeof(buf)), ATK_ERR_INVAL);
	c.family = AF_UNIX;
	ATF_CHECK_EQ(cidr_format(&c, buf, sizeof(buf)), ATK_ERR_INVAL);
	c = net("10.0.0.0/8");
	c.prefix = 33;
	ATF_CHECK_EQ(cidr_format(&c, buf, sizeof(buf)), ATK_ERR_INVAL);
}

ATF_TC_WITHOUT_HEAD(cidr_match__ipv4);
ATF_TC_BODY(cidr_match__ipv4, tc)
{
	struct cidr c = net("192.0.2.0/24");

	/* The boundaries of a /24. */
	ATF_CHECK_EQ(cidr_match(&c, "192.0.2.0"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "192.0.2.1"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "192.0.2.255"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "192.0.1.255"), 0);
	ATF_CHECK_EQ(cidr_match(&c, "192.0.3.0"), 0);
	ATF_CHECK_EQ(cidr_match(&c, "192.1.2.1"), 0);
	ATF_CHECK_EQ(cidr_match(&c, "::1"), 0);
	ATF_CHECK_EQ(cidr_match(&c, "::192.0.2.1"), 0);	/* Compatible. */
	c = net("192.0.2.128/25");
	ATF_CHECK_EQ(cidr_match(&c, "192.0.2.127"), 0);
	ATF_CHECK_EQ(cidr_match(&c, "192.0.2.128"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "192.0.2.255"), 1);
	c = net("10.0.0.0/8");
	ATF_CHECK_EQ(cidr_match(&c, "10.255.255.255"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "11.0.0.0"), 0);
	ATF_CHECK_EQ(cidr_match(&c, "9.255.255.255"), 0);
	c = net("192.0.2.7");
	ATF_CHECK_EQ(cidr_match(&c, "192.0.2.7"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "192.0.2.6"), 0);
	ATF_CHECK_EQ(cidr_match(&c, "192.0.2.8"), 0);
	c = net("0.0.0.0/0");
	ATF_CHECK_EQ(cidr_match(&c, "0.0.0.0"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "255.255.255.255"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "2001:db8::1"), 0);
	c = net("128.0.0.0/1");
	ATF_CHECK_EQ(cidr_match(&c, "127.255.255.255"), 0);
	ATF_CHECK_EQ(cidr_match(&c, "128.0.0.0"), 1);
}

ATF_TC_WITHOUT_HEAD(cidr_match__ipv6);
ATF_TC_BODY(cidr_match__ipv6, tc)
{
	struct cidr c = net("2001:db8::/32");

	ATF_CHECK_EQ(cidr_match(&c, "2001:db8::1"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "2001:DB8:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF"),
	    1);
	ATF_CHECK_EQ(cidr_match(&c, "2001:db9::"), 0);
	ATF_CHECK_EQ(cidr_match(&c, "2001:db7:ffff::"), 0);
	ATF_CHECK_EQ(cidr_match(&c, "192.0.2.1"), 0);
	c = net("::1");
	ATF_CHECK_EQ(cidr_match(&c, "::1"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "0:0:0:0:0:0:0:1"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "::2"), 0);
	ATF_CHECK_EQ(cidr_match(&c, "127.0.0.1"), 0);
	c = net("fe80::/10");
	ATF_CHECK_EQ(cidr_match(&c, "fe80::1"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "febf:ffff::1"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "fec0::1"), 0);
	c = net("2001:db8::/127");
	ATF_CHECK_EQ(cidr_match(&c, "2001:db8::"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "2001:db8::1"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "2001:db8::2"), 0);
	c = net("::/0");
	ATF_CHECK_EQ(cidr_match(&c, "2001:db8::1"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "::"), 1);
}

ATF_TC_WITHOUT_HEAD(cidr_match__mapped);
ATF_TC_BODY(cidr_match__mapped, tc)
{
	struct cidr c = net("192.0.2.0/24");

	/* sshd on a dual-stack socket reports IPv4 peers this way. */
	ATF_CHECK_EQ(cidr_match(&c, "::ffff:192.0.2.1"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "::FFFF:192.0.2.255"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "::ffff:c000:201"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "::ffff:192.0.3.1"), 0);
	ATF_CHECK_EQ(cidr_match(&c, "::fffe:192.0.2.1"), 0);
	ATF_CHECK_EQ(cidr_match(&c, "64:ff9b::192.0.2.1"), 0);
	c = net("0.0.0.0/0");
	ATF_CHECK_EQ(cidr_match(&c, "::ffff:10.0.0.1"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "::1"), 0);
	/* An IPv6 network over mapped space takes plain IPv4 too. */
	c = net("::ffff:192.0.2.0/120");
	ATF_CHECK_EQ(cidr_match(&c, "192.0.2.1"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "::ffff:192.0.2.1"), 1);
	ATF_CHECK_EQ(cidr_match(&c, "192.0.3.1"), 0);
	c = net("::/0");
	ATF_CHECK_EQ(cidr_match(&c, "192.0.2.1"), 1);
	c = net("2001:db8::/32");
	ATF_CHECK_EQ(cidr_match(&c, "::ffff:192.0.2.1"), 0);
}

ATF_TC_WITHOUT_HEAD(cidr_match__fails_closed);
ATF_TC_BODY(cidr_match__fails_closed, tc)
{
	static const char *const odd[] = {
		NULL, "", " ", "localhost", "example.com", "192.0.2.1.nip.io",
		"192.0.2.1 ", " 192.0.2.1", "192.0.2.1\n", "192.0.2.1/32",
		"192.0.2.1/24", "192.0.2", "192.0.2.01", "0xc0.0.2.1",
		"3221225985", "[192.0.2.1]", "fe80::1%eth0", "fe80::1%1",
		"::ffff:192.0.2.1%eth0", "[::1]", "::1/128", "*", "0/0",
		"192.0.2.1:22", "192.0.2.1\xff",
	};
	struct cidr any4 = net("0.0.0.0/0"), any6 = net("::/0");
	struct cidr link = net("fe80::/10");

	for (size_t i = 0; i < ARRAY_LEN(odd); i++) {
		ATF_CHECK_EQ_MSG(cidr_match(&any4, odd[i]), 0, "'%s'",
		    odd[i] != NULL ? odd[i] : "(null)");
		ATF_CHECK_EQ_MSG(cidr_match(&any6, odd[i]), 0, "'%s'",
		    odd[i] != NULL ? odd[i] : "(null)");
		ATF_CHECK_EQ_MSG(cidr_match(&link, odd[i]), 0, "'%s'",
		    odd[i] != NULL ? odd[i] : "(null)");
	}
	ATF_CHECK_EQ(cidr_match(NULL, "192.0.2.1"), 0);
	/* A struct that cidr_parse() would never make. */
	any4.family = AF_UNIX;
	ATF_CHECK_EQ(cidr_match(&any4, "192.0.2.1"), 0);
	any4.family = AF_INET;
	any4.prefix = 33;
	ATF_CHECK_EQ(cidr_match(&any4, "192.0.2.1"), 0);
}

ATF_TC_WITHOUT_HEAD(cidr__round_trip);
ATF_TC_BODY(cidr__round_trip, tc)
{
	char buf[CIDR_BUFSZ], text[CIDR_BUFSZ];
	struct cidr c, back;
	unsigned int p;

	/* Every prefix length of each family, formatted and parsed back. */
	for (p = 0; p <= 32; p++) {
		memset(&c, 0, sizeof(c));
		c.family = AF_INET;
		c.prefix = p;
		ATF_REQUIRE_EQ(cidr_format(&c, text, sizeof(text)), 0);
		ATF_REQUIRE_EQ_MSG(cidr_parse(text, &back), 0, "%s", text);
		ATF_CHECK(memcmp(&c, &back, sizeof(c)) == 0);
		ATF_CHECK_EQ(cidr_match(&back, "0.0.0.0"), 1);
		ATF_CHECK_EQ(cidr_match(&back, "255.255.255.255"), p == 0);
	}
	for (p = 0; p <= 128; p++) {
		memset(&c, 0, sizeof(c));
		c.family = AF_INET6;
		c.prefix = p;
		ATF_REQUIRE_EQ(cidr_format(&c, text, sizeof(text)), 0);
		ATF_REQUIRE_EQ_MSG(cidr_parse(text, &back), 0, "%s", text);
		ATF_REQUIRE_EQ(cidr_format(&back, buf, sizeof(buf)), 0);
		ATF_CHECK_STREQ(buf, text);
		ATF_CHECK_EQ(cidr_match(&back, "::"), 1);
		ATF_CHECK_EQ(cidr_match(&back,
		    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), p == 0);
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, cidr_parse__ipv4);
	ATF_TP_ADD_TC(tp, cidr_parse__ipv6);
	ATF_TP_ADD_TC(tp, cidr_parse__syntax);
	ATF_TP_ADD_TC(tp, cidr_parse__prefix_too_long);
	ATF_TP_ADD_TC(tp, cidr_parse__host_bits);
	ATF_TP_ADD_TC(tp, cidr_format__canonical);
	ATF_TP_ADD_TC(tp, cidr_format__errors);
	ATF_TP_ADD_TC(tp, cidr_match__ipv4);
	ATF_TP_ADD_TC(tp, cidr_match__ipv6);
	ATF_TP_ADD_TC(tp, cidr_match__mapped);
	ATF_TP_ADD_TC(tp, cidr_match__fails_closed);
	ATF_TP_ADD_TC(tp, cidr__round_trip);
	return atf_no_error();
}
