#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "escape.h"

static void
check_escape(const char *in, const char *want)
{
	char *out;

	ATF_REQUIRE((out = escape_text(in)) != NULL);
	ATF_CHECK_STREQ_MSG(want, out, "escape of %zu bytes", strlen(in));
	ATF_CHECK_EQ(strlen(want), escape_len(in));
	free(out);
}

ATF_TC_WITHOUT_HEAD(escape_text__controls);
ATF_TC_BODY(escape_text__controls, tc)
{
	check_escape("", "");
	check_escape("host.example", "host.example");
	check_escape("\033[2J", "\\x1b[2J");
	check_escape("a\r\nb\tc", "a\\r\\nb\\tc");
	check_escape("back\\slash", "back\\\\slash");
	check_escape("del\x7f", "del\\x7f");
}

ATF_TC_WITHOUT_HEAD(escape_text__utf8);
ATF_TC_BODY(escape_text__utf8, tc)
{
	/* Printable UTF-8 stays; a C1 control (CSI) and stray bytes do not. */
	check_escape("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91",
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91");
	check_escape("\xc2\x9b" "2J", "\\xc2\\x9b2J");
	check_escape("\x9b" "2J", "\\x9b2J");
	check_escape("\xc0\xaf", "\\xc0\\xaf");
	check_escape("\xed\xa0\x80", "\\xed\\xa0\\x80");
	check_escape("cut\xe2\x82", "cut\\xe2\\x82");
}

ATF_TC_WITHOUT_HEAD(escape_secretlike__shapes);
ATF_TC_BODY(escape_secretlike__shapes, tc)
{
	ATF_CHECK(escape_secretlike("atk_3W6iQLfpDKuixgBIvVlHBp_81v42VzgVRIF"
	    "nR8m3jQzL0bq5xHZOT"));
	ATF_CHECK(escape_secretlike("qU39dG9rZW4tZXhhbXBsZQ=="));
	ATF_CHECK(escape_secretlike("0123456789abcdef0123456789abcdef"));
	ATF_CHECK(escape_secretlike("2iKo4Asy51EUx2gpJFW76t"));
	ATF_CHECK(!escape_secretlike("sa-2iko4asy51eux2gpjfw76t"));
	ATF_CHECK(!escape_secretlike("deploy"));
	ATF_CHECK(!escape_secretlike("Administrator"));
	ATF_CHECK(!escape_secretlike("/var/lib/apitoken/tokens.db"));
	ATF_CHECK(!escape_secretlike("ShortMixed1"));
	ATF_CHECK(!escape_secretlike("a=b=c=dEFGHIJKLMNOP"));
	ATF_CHECK(!escape_secretlike("0123456789abcdef"));
	ATF_CHECK(!escape_secretlike("GitHubActionsRunner"));
	ATF_CHECK(!escape_secretlike("GitHub-Actions-Runner"));
	ATF_CHECK(escape_secretlike("qUxvYUJWahPugz+KVauNvg=="));
	ATF_CHECK(escape_secretlike("qUxvYUJWahPugzbKVauNvg=="));
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, escape_text__controls);
	ATF_TP_ADD_TC(tp, escape_text__utf8);
	ATF_TP_ADD_TC(tp, escape_secretlike__shapes);
	return atf_no_error();
}
