#include "config.h"

#include <string.h>

#include <atf-c.h>

#include "error.h"
#include "password.h"

/*
 * Upper 10^-6 quantiles of the chi-squared distribution: a correct
 * generator fails these checks once in a million runs.
 */
#define CHI2_86_DOF_1E6		163.3
#define CHI2_24_DOF_1E6		72.3

static size_t
count_punctuation(const char *pw)
{
	size_t n = 0;

	for (; *pw != '\0'; pw++) {
		if (password_is_punctuation((unsigned char)*pw))
			n++;
	}
	return n;
}

static int
in_alphabet(const char *pw)
{
	for (; *pw != '\0'; pw++) {
		if (strchr(PASSWORD_ALPHABET, *pw) == NULL)
			return 0;
	}
	return 1;
}

static double
chi_squared(const unsigned int *count, size_t n, double expect)
{
	double chi = 0;

	for (size_t i = 0; i < n; i++)
		chi += (count[i] - expect) * (count[i] - expect) / expect;
	return chi;
}

ATF_TC_WITHOUT_HEAD(password_is_punctuation__set);
ATF_TC_BODY(password_is_punctuation__set, tc)
{
	size_t n = 0;

	ATF_CHECK_EQ(strlen(PASSWORD_ALPHABET), 87);
	ATF_CHECK_EQ(strlen(PASSWORD_PUNCTUATION), 25);
	for (int c = 0; c < 256; c++) {
		if (password_is_punctuation(c))
			n++;
	}
	ATF_CHECK_EQ(n, 25);
	ATF_CHECK(password_is_punctuation('!'));
	ATF_CHECK(password_is_punctuation('?'));
	ATF_CHECK(!password_is_punctuation('<'));
	ATF_CHECK(!password_is_punctuation('a'));
	ATF_CHECK(!password_is_punctuation('\0'));
}

ATF_TC_WITHOUT_HEAD(password_is_valid__examples);
ATF_TC_BODY(password_is_valid__examples, tc)
{
	ATF_CHECK(password_is_valid("aB3!", 4, 1));
	ATF_CHECK(!password_is_valid("aB3!", 4, 2));
	ATF_CHECK(!password_is_valid("aB&#", 4, 0));
	ATF_CHECK(password_is_valid("aB#&", 4, 2));
	ATF_CHECK(!password_is_valid("aB <", 4, 0));
	ATF_CHECK(!password_is_valid("", 0, 0));
}

ATF_TC_WITHOUT_HEAD(password_generate__every_length);
ATF_TC_BODY(password_generate__every_length, tc)
{
	char pw[PASSWORD_MAX_LENGTH + 1];

	for (size_t len = PASSWORD_MIN_LENGTH; len <= PASSWORD_MAX_LENGTH;
	    len++) {
		ATF_REQUIRE_EQ(password_generate(len, 0, pw, sizeof(pw)), 0);
		ATF_CHECK_EQ(strlen(pw), len);
		ATF_CHECK(in_alphabet(pw));
		ATF_CHECK(password_is_valid(pw, len, 0));
	}
	/* Exactly len + 1 bytes of room is enough. */
	ATF_REQUIRE_EQ(password_generate(1, 1, pw, 2), 0);
	ATF_CHECK_EQ(strlen(pw), 1);
	ATF_CHECK(password_is_punctuation((unsigned char)pw[0]));
}

ATF_TC_WITHOUT_HEAD(password_generate__symbols_minimum);
ATF_TC_BODY(password_generate__symbols_minimum, tc)
{
	static const size_t cases[][2] = {
		{ 1, 0 }, { 1, 1 }, { 2, 2 }, { 16, 2 }, { 16, 16 },
		{ 128, 0 }, { 128, 64 }, { 128, 127 }, { 128, 128 },
	};
	char pw[PASSWORD_MAX_LENGTH + 1];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (int k = 0; k < 200; k++) {
			ATF_REQUIRE_EQ(password_generate(cases[i][0],
			    cases[i][1], pw, sizeof(pw)), 0);
			ATF_CHECK_EQ(strlen(pw), cases[i][0]);
			ATF_CHECK(in_alphabet(pw));
			ATF_CHECK(count_punctuation(pw) >= cases[i][1]);
			ATF_CHECK(password_is_valid(pw, cases[i][0],
			    cases[i][1]));
		}
	}
}

/*
 * All punctuation: "&#" would come up in about one password of 128 in
 * six, so 2000 of them would show it if it were not drawn again.
 */
ATF_TC_WITHOUT_HEAD(password_generate__never_forbidden);
ATF_TC_BODY(password_generate__never_forbidden, tc)
{
	char pw[PASSWORD_MAX_LENGTH + 1];

	for (int k = 0; k < 2000; k++) {
		ATF_REQUIRE_EQ(password_generate(PASSWORD_MAX_LENGTH,
		    PASSWORD_MAX_LENGTH, pw, sizeof(pw)), 0);
		ATF_CHECK(strstr(pw, PASSWORD_FORBIDDEN) == NULL);
		ATF_CHECK_EQ(count_punctuation(pw), PASSWORD_MAX_LENGTH);
	}
}

ATF_TC_WITHOUT_HEAD(password_generate__errors);
ATF_TC_BODY(password_generate__errors, tc)
{
	char pw[PASSWORD_MAX_LENGTH + 2];

	memset(pw, 'x', sizeof(pw));
	ATF_CHECK_EQ(password_generate(0, 0, pw, sizeof(pw)), ATK_ERR_RANGE);
	ATF_CHECK_EQ(pw[0], '\0');
	ATF_CHECK_EQ(password_generate(PASSWORD_MAX_LENGTH + 1, 0, pw,
	    sizeof(pw)), ATK_ERR_RANGE);
	ATF_CHECK_EQ(password_generate(16, 17, pw, sizeof(pw)),
	    ATK_ERR_RANGE);
	/* No room for the NUL. */
	ATF_CHECK_EQ(password_generate(16, 2, pw, 16), ATK_ERR_INVAL);
	ATF_CHECK_EQ(pw[0], '\0');
	ATF_CHECK_EQ(password_generate(16, 2, pw, 0), ATK_ERR_INVAL);
}

/*
 * No modulo bias: one-character passwords (where "&#" cannot occur) are
 * uniform over the 87 characters.  .NET's byte mod 87 would give the last
 * five characters two thirds of their share, a chi-squared above 500 here.
 */
ATF_TC_WITHOUT_HEAD(password_generate__uniform);
ATF_TC_BODY(password_generate__uniform, tc)
{
	enum { N = PASSWORD_ALPHABET_LEN, DRAWS = 1000 * N };
	unsigned int count[N];
	char pw[2];
	double chi;

	memset(count, 0, sizeof(count));
	for (int i = 0; i < DRAWS; i++) {
		ATF_REQUIRE_EQ(password_generate(1, 0, pw, sizeof(pw)), 0);
		count[strchr(PASSWORD_ALPHABET, pw[0]) - PASSWORD_ALPHABET]++;
	}
	chi = chi_squared(count, N, (double)DRAWS / N);
	ATF_CHECK_MSG(chi < CHI2_86_DOF_1E6, "chi-squared %.1f", chi);
}

/* The punctuation put in to reach the minimum is uniform over the 25. */
ATF_TC_WITHOUT_HEAD(password_generate__uniform_punctuation);
ATF_TC_BODY(password_generate__uniform_punctuation, tc)
{
	enum { N = PASSWORD_PUNCTUATION_LEN, DRAWS = 1000 * N };
	unsigned int count[N];
	char pw[2];
	double chi;

	memset(count, 0, sizeof(count));
	for (int i = 0; i < DRAWS; i++) {
		ATF_REQUIRE_EQ(password_generate(1, 1, pw, sizeof(pw)), 0);
		ATF_REQUIRE(password_is_punctuation((unsigned char)pw[0]));
		count[strchr(PASSWORD_PUNCTUATION, pw[0]) -
		    PASSWORD_PUNCTUATION]++;
	}
	chi = chi_squared(count, N, (double)DRAWS / N);
	ATF_CHECK_MSG(chi < CHI2_24_DOF_1E6, "chi-squared %.1f", chi);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, password_is_punctuation__set);
	ATF_TP_ADD_TC(tp, password_is_valid__examples);
	ATF_TP_ADD_TC(tp, password_generate__every_length);
	ATF_TP_ADD_TC(tp, password_generate__symbols_minimum);
	ATF_TP_ADD_TC(tp, password_generate__never_forbidden);
	ATF_TP_ADD_TC(tp, password_generate__errors);
	ATF_TP_ADD_TC(tp, password_generate__uniform);
	ATF_TP_ADD_TC(tp, password_generate__uniform_punctuation);
	return atf_no_error();
}
