#include "config.h"

#include <string.h>

#include <atf-c.h>

#include "error.h"

ATF_TC_WITHOUT_HEAD(atk_strerror__every_code_has_words);
ATF_TC_BODY(atk_strerror__every_code_has_words, tc)
{
	const char *unknown = atk_strerror(1);

	for (int r = ATK_OK; r >= ATK_ERR_LAST; r--) {
		ATF_CHECK_MSG(strcmp(atk_strerror(r), unknown) != 0,
		    "code %d has no words", r);
		ATF_CHECK(strlen(atk_strerror(r)) > 0);
	}
}

ATF_TC_WITHOUT_HEAD(atk_strerror__out_of_range);
ATF_TC_BODY(atk_strerror__out_of_range, tc)
{
	ATF_CHECK_STREQ(atk_strerror(ATK_ERR_LAST - 1), "unknown error");
	ATF_CHECK_STREQ(atk_strerror(42), "unknown error");
	ATF_CHECK_STREQ(atk_strerror(ATK_ERR_NOMEM), "out of memory");
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, atk_strerror__every_code_has_words);
	ATF_TP_ADD_TC(tp, atk_strerror__out_of_range);
	return atf_no_error();
}
