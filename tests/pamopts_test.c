#include "config.h"

#include <stdio.h>
#include <string.h>

#include <atf-c.h>

#include "error.h"
#include "pamopts.h"

#define NARGS(a)	((int)(sizeof(a) / sizeof((a)[0])))

ATF_TC_WITHOUT_HEAD(pamopts_parse__defaults);
ATF_TC_BODY(pamopts_parse__defaults, tc)
{
	struct pamopts o;
	int bad = 99;

	ATF_CHECK_EQ(pamopts_parse(0, NULL, &o, &bad), 0);
	ATF_CHECK_EQ(bad, -1);
	ATF_CHECK_STREQ(o.socket, PAMOPTS_DEFAULT_SOCKET);
	ATF_CHECK_STREQ(o.socket, "/run/apitoken/apitokend.sock");
	ATF_CHECK_EQ(o.timeout, PAMOPTS_DEFAULT_TIMEOUT);
	ATF_CHECK_EQ(o.timeout, 5);
	ATF_CHECK_STREQ(o.prompt, PAMOPTS_DEFAULT_PROMPT);
	ATF_CHECK(o.role == NULL);
	ATF_CHECK(o.policy == NULL);
	ATF_CHECK_EQ(o.debug + o.use_first_pass + o.try_first_pass +
	    o.nouserok + o.last_used, 0);
}

ATF_TC_WITHOUT_HEAD(pamopts_parse__every_option);
ATF_TC_BODY(pamopts_parse__every_option, tc)
{
	const char *argv[] = { "socket=/run/other/apitokend.sock",
	    "timeout=30", "debug", "use_first_pass",
	    "prompt=Token for robots: ", "role=Administrator",
	    "policy=service", "nouserok", "last_used" };
	const char *argv2[] = { "try_first_pass" };
	struct pamopts o;

	ATF_CHECK_EQ(pamopts_parse(NARGS(argv), argv, &o, NULL), 0);
	/* Values point into argv: the module keeps argv for the call. */
	ATF_CHECK(o.socket == argv[0] + strlen("socket="));
	ATF_CHECK_STREQ(o.socket, "/run/other/apitokend.sock");
	ATF_CHECK_EQ(o.timeout, 30);
	ATF_CHECK_STREQ(o.prompt, "Token for robots: ");
	ATF_CHECK_STREQ(o.role, "Administrator");
	ATF_CHECK_STREQ(o.policy, "service");
	ATF_CHECK_EQ(o.debug, 1);
	ATF_CHECK_EQ(o.use_first_pass, 1);
	ATF_CHECK_EQ(o.try_first_pass, 0);
	ATF_CHECK_EQ(o.nouserok, 1);
	ATF_CHECK_EQ(o.last_used, 1);
	ATF_CHECK_EQ(pamopts_parse(NARGS(argv2), argv2, &o, NULL), 0);
	ATF_CHECK_EQ(o.try_first_pass, 1);
	ATF_CHECK_EQ(o.use_first_pass, 0);
}

ATF_TC_WITHOUT_HEAD(pamopts_parse__unknown);
ATF_TC_BODY(pamopts_parse__unknown, tc)
{
	const char *bad[] = { "rol=Administrator", "DEBUG", "debug=1",
	    "debug ", " debug", "", "db", "role", "nouser_ok", "lastused",
	    "policy:sshd", "=", "use_first_pass=1", "prompt", "socket",
	    "timeout", "SOCKET=/x", "Timeout=5", "sock=/x", "timeout =5" };
	const char *argv[2];
	struct pamopts o;
	int i, at;

	for (i = 0; i < NARGS(bad); i++) {
		argv[0] = "debug";
		argv[1] = bad[i];
		at = 99;
		ATF_CHECK_EQ_MSG(pamopts_parse(2, argv, &o, &at),
		    ATK_ERR_INVAL, "argument \"%s\"", bad[i]);
		ATF_CHECK_EQ_MSG(at, 1, "argument \"%s\"", bad[i]);
	}
}

ATF_TC_WITHOUT_HEAD(pamopts_parse__empty_or_relative_values);
ATF_TC_BODY(pamopts_parse__empty_or_relative_values, tc)
{
	const char *bad[] = { "socket=", "socket=apitokend.sock",
	    "socket=./apitokend.sock", "socket=~/apitokend.sock",
	    "socket= /run/apitoken/apitokend.sock", "prompt=", "role=",
	    "policy=" };
	const char *argv[1];
	struct pamopts o;
	int i, at;

	for (i = 0; i < NARGS(bad); i++) {
		argv[0] = bad[i];
		at = 99;
		ATF_CHECK_EQ_MSG(pamopts_parse(1, argv, &o, &at),
		    ATK_ERR_INVAL, "argument \"%s\"", bad[i]);
		ATF_CHECK_EQ(at, 0);
	}
}

/* db= went with the daemon: refused as any unknown argument. */
ATF_TC_WITHOUT_HEAD(pamopts_parse__db_refused);
ATF_TC_BODY(pamopts_parse__db_refused, tc)
{
	const char *argv[] = { "debug", "role=User", "db=/x" };
	const char *argv2[] = { "db=/var/lib/apitoken/tokens.db", "debug" };
	struct pamopts o;
	int at = 99;

	ATF_CHECK_EQ(pamopts_parse(NARGS(argv), argv, &o, &at),
	    ATK_ERR_INVAL);
	ATF_CHECK_EQ(at, 2);
	ATF_CHECK_EQ(o.debug, 1);
	ATF_CHECK_STREQ(o.role, "User");
	at = 99;
	ATF_CHECK_EQ(pamopts_parse(NARGS(argv2), argv2, &o, &at),
	    ATK_ERR_INVAL);
	ATF_CHECK_EQ(at, 0);
	ATF_CHECK_EQ(o.debug, 0);
	ATF_CHECK_STREQ(o.socket, PAMOPTS_DEFAULT_SOCKET);
}

ATF_TC_WITHOUT_HEAD(pamopts_parse__timeout_range);
ATF_TC_BODY(pamopts_parse__timeout_range, tc)
{
	const struct {
		const char	*arg;
		int		 seconds;
	} good[] = { { "timeout=1", 1 }, { "timeout=5", 5 },
	    { "timeout=600", 600 }, { "timeout=599", 599 } };
	const char *argv[1];
	struct pamopts o;
	int i, at;

	for (i = 0; i < NARGS(good); i++) {
		argv[0] = good[i].arg;
		at = 99;
		ATF_CHECK_EQ_MSG(pamopts_parse(1, argv, &o, &at), 0,
		    "argument \"%s\"", good[i].arg);
		ATF_CHECK_EQ(at, -1);
		ATF_CHECK_EQ_MSG(o.timeout, good[i].seconds,
		    "argument \"%s\"", good[i].arg);
	}
	ATF_CHECK_EQ(PAMOPTS_TIMEOUT_MAX, 600);
}

ATF_TC_WITHOUT_HEAD(pamopts_parse__timeout_refused);
ATF_TC_BODY(pamopts_parse__timeout_refused, tc)
{
	const char *bad[] = { "timeout=0", "timeout=601", "timeout=-1",
	    "timeout=1.5", "timeout=", "timeout=99999999999999999999",
	    "timeout=18446744073709551617", "timeout=+5", "timeout= 5",
	    "timeout=5 ", "timeout=0x10", "timeout=5s", "timeout=1e2" };
	const char *argv[2];
	struct pamopts o;
	int i, at;

	for (i = 0; i < NARGS(bad); i++) {
		argv[0] = "timeout=7";
		argv[1] = bad[i];
		at = 99;
		ATF_CHECK_EQ_MSG(pamopts_parse(2, argv, &o, &at),
		    ATK_ERR_INVAL, "argument \"%s\"", bad[i]);
		ATF_CHECK_EQ_MSG(at, 1, "argument \"%s\"", bad[i]);
		/* What was read before the bad one is kept. */
		ATF_CHECK_EQ(o.timeout, 7);
	}
}

/* The first bad argument is the one named; what came before is kept. */
ATF_TC_WITHOUT_HEAD(pamopts_parse__first_bad_named);
ATF_TC_BODY(pamopts_parse__first_bad_named, tc)
{
	const char *argv[] = { "role=User", "debug", "bogus", "role=" };
	struct pamopts o;
	int at = 99;

	ATF_CHECK_EQ(pamopts_parse(NARGS(argv), argv, &o, &at),
	    ATK_ERR_INVAL);
	ATF_CHECK_EQ(at, 2);
	ATF_CHECK_STREQ(o.role, "User");
	ATF_CHECK_EQ(o.debug, 1);
}

ATF_TC_WITHOUT_HEAD(pamopts_parse__first_pass_exclusive);
ATF_TC_BODY(pamopts_parse__first_pass_exclusive, tc)
{
	const char *argv[] = { "try_first_pass", "debug", "use_first_pass" };
	struct pamopts o;
	int at = 99;

	ATF_CHECK_EQ(pamopts_parse(NARGS(argv), argv, &o, &at),
	    ATK_ERR_INVAL);
	ATF_CHECK_EQ(at, -1);
}

/* Given twice, an argument counts the last time. */
ATF_TC_WITHOUT_HEAD(pamopts_parse__repeated_last_wins);
ATF_TC_BODY(pamopts_parse__repeated_last_wins, tc)
{
	const char *argv[] = { "role=User", "socket=/a", "timeout=10",
	    "debug", "role=Admin", "debug", "socket=/b", "prompt=one",
	    "timeout=20", "prompt=two", "policy=sshd", "policy=service" };
	struct pamopts o;

	ATF_CHECK_EQ(pamopts_parse(NARGS(argv), argv, &o, NULL), 0);
	ATF_CHECK_STREQ(o.role, "Admin");
	ATF_CHECK_STREQ(o.socket, "/b");
	ATF_CHECK(o.socket == argv[6] + strlen("socket="));
	ATF_CHECK_EQ(o.timeout, 20);
	ATF_CHECK_STREQ(o.prompt, "two");
	ATF_CHECK_STREQ(o.policy, "service");
	ATF_CHECK_EQ(o.debug, 1);
}

ATF_TC_WITHOUT_HEAD(pamopts_parse__maxstale);
ATF_TC_BODY(pamopts_parse__maxstale, tc)
{
	static const struct { const char *v; long secs; } good[] = {
		{ "PT2S", 2 }, { "PT5M", 300 }, { "PT1H", 3600 },
		{ "P1D", 86400 }, { "P1W", 604800 }, { "P1DT1S", 86401 },
		{ "P1W2DT3H4M5S", 788645 }, { "PT90S", 90 },
		{ "P366D", PAMOPTS_MAXSTALE_MAX },
	};
	static const char *const bad[] = {
		"", "P", "PT", "2", "PT0S", "P1M", "P1Y", "PT1S1M", "P1DT",
		"pt2s", "PT-1S", "P367D", "PT99999999999999999999S", "P1D1W",
		"PT2S ", "T2S",
	};
	const char *argv[2];
	struct pamopts o;
	char arg[64];
	int bad_i;

	for (size_t i = 0; i < NARGS(good); i++) {
		ATF_CHECK_EQ_MSG(pamopts_seconds(good[i].v), good[i].secs, "%s",
		    good[i].v);
		snprintf(arg, sizeof(arg), "maxstale=%s", good[i].v);
		argv[0] = arg;
		ATF_CHECK_EQ(pamopts_parse(1, argv, &o, NULL), 0);
		ATF_CHECK_EQ(o.maxstale, good[i].secs);
		ATF_CHECK_EQ(o.stale_allow, 0);
	}
	for (size_t i = 0; i < NARGS(bad); i++) {
		ATF_CHECK_EQ_MSG(pamopts_seconds(bad[i]), -1, "%s", bad[i]);
		snprintf(arg, sizeof(arg), "maxstale=%s", bad[i]);
		argv[0] = arg;
		ATF_CHECK_EQ(pamopts_parse(1, argv, &o, &bad_i),
		    ATK_ERR_INVAL);
		ATF_CHECK_EQ(bad_i, 0);
		ATF_CHECK_EQ(o.maxstale, 0);
	}
	argv[0] = "maxstale=PT2S";
	argv[1] = "stale=allow";
	ATF_CHECK_EQ(pamopts_parse(2, argv, &o, NULL), 0);
	ATF_CHECK(o.maxstale == 2 && o.stale_allow == 1);
	argv[1] = "stale=deny";
	ATF_CHECK_EQ(pamopts_parse(2, argv, &o, NULL), 0);
	ATF_CHECK(o.maxstale == 2 && o.stale_allow == 0);
	argv[1] = "stale=maybe";
	ATF_CHECK_EQ(pamopts_parse(2, argv, &o, &bad_i), ATK_ERR_INVAL);
	ATF_CHECK_EQ(bad_i, 1);
}

/* Values are taken as they are: spaces, '=', any role or policy word. */
ATF_TC_WITHOUT_HEAD(pamopts_parse__values_verbatim);
ATF_TC_BODY(pamopts_parse__values_verbatim, tc)
{
	const char *argv[] = { "prompt= ", "role=a=b", "policy=db=/x",
	    "socket=/" };
	struct pamopts o;

	ATF_CHECK_EQ(pamopts_parse(NARGS(argv), argv, &o, NULL), 0);
	ATF_CHECK_STREQ(o.prompt, " ");
	ATF_CHECK_STREQ(o.role, "a=b");
	ATF_CHECK_STREQ(o.policy, "db=/x");
	ATF_CHECK_STREQ(o.socket, "/");
}

ATF_TC_WITHOUT_HEAD(pamopts_parse__null_argument);
ATF_TC_BODY(pamopts_parse__null_argument, tc)
{
	const char *argv[] = { "debug", NULL };
	struct pamopts o;
	int at = 99;

	ATF_CHECK_EQ(pamopts_parse(NARGS(argv), argv, &o, &at),
	    ATK_ERR_INVAL);
	ATF_CHECK_EQ(at, 1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, pamopts_parse__defaults);
	ATF_TP_ADD_TC(tp, pamopts_parse__every_option);
	ATF_TP_ADD_TC(tp, pamopts_parse__unknown);
	ATF_TP_ADD_TC(tp, pamopts_parse__empty_or_relative_values);
	ATF_TP_ADD_TC(tp, pamopts_parse__db_refused);
	ATF_TP_ADD_TC(tp, pamopts_parse__timeout_range);
	ATF_TP_ADD_TC(tp, pamopts_parse__timeout_refused);
	ATF_TP_ADD_TC(tp, pamopts_parse__first_bad_named);
	ATF_TP_ADD_TC(tp, pamopts_parse__first_pass_exclusive);
	ATF_TP_ADD_TC(tp, pamopts_parse__repeated_last_wins);
	ATF_TP_ADD_TC(tp, pamopts_parse__maxstale);
	ATF_TP_ADD_TC(tp, pamopts_parse__values_verbatim);
	ATF_TP_ADD_TC(tp, pamopts_parse__null_argument);
	return atf_no_error();
}
