/*
 * The store's lock file made by someone else between the check that saw
 * it missing and its creation with O_EXCL (lib/store.c, make_lock()).
 * The race is made real by a wrapper of open(2), linked with
 * -Wl,--wrap=open, that plants a file by that name just before the
 * creation: what LMDB then opens must have been checked.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "error.h"
#include "store.h"

#define DB		"tokens.db"
#define DB_LOCK		"tokens.db-lock"
#define LOCK_SUFFIX	"-lock"
#define ELSEWHERE	"elsewhere"
#define OTHER_UID	12345

/* What the next creation of a lock file finds made just before it. */
enum plant { PLANT_NONE, PLANT_LINK, PLANT_MODE, PLANT_OWNER };

static enum plant plant;
static mode_t plant_mode;

int	__real_open(const char *, int, ...);
int	__wrap_open(const char *, int, ...);

static int
is_lock(const char *path)
{
	size_t n = strlen(path), m = strlen(LOCK_SUFFIX);

	return n >= m && strcmp(path + n - m, LOCK_SUFFIX) == 0;
}

static void
plant_now(const char *path)
{
	int fd;

	if (plant == PLANT_LINK) {
		ATF_REQUIRE(symlink(ELSEWHERE, path) == 0);
		return;
	}
	ATF_REQUIRE((fd = __real_open(path, O_RDWR | O_CREAT | O_EXCL,
	    0600)) >= 0);
	ATF_REQUIRE(fchmod(fd, plant_mode) == 0);
	if (plant == PLANT_OWNER)
		ATF_REQUIRE(fchown(fd, OTHER_UID, OTHER_UID) == 0);
	ATF_REQUIRE(close(fd) == 0);
}

int
__wrap_open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode = 0;

	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (plant != PLANT_NONE && (flags & O_EXCL) && is_lock(path)) {
		plant_now(path);
		plant = PLANT_NONE;
	}
	return __real_open(path, flags, mode);
}

/* A store whose lock file is missing, and the plant armed. */
static void
setup(enum plant p, mode_t mode)
{
	ATF_REQUIRE_EQ(store_init(DB, NULL, NULL, 0), 0);
	ATF_REQUIRE(unlink(DB_LOCK) == 0);
	plant = p;
	plant_mode = mode;
}

static int
open_checked(char *why, size_t whysz)
{
	struct store *st = NULL;
	int r;

	r = store_open(DB, STORE_RDONLY | STORE_CHECK_SAFE, &st, why, whysz);
	store_close(st);
	return r;
}

ATF_TC_WITHOUT_HEAD(store_open__lock_planted_link);
ATF_TC_BODY(store_open__lock_planted_link, tc)
{
	char why[STORE_WHY_MAX];
	struct stat sb;

	setup(PLANT_LINK, 0);
	ATF_CHECK_EQ(open_checked(why, sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK_MSG(strstr(why, DB_LOCK ": is a symbolic link") != NULL,
	    "%s", why);
	ATF_CHECK_EQ(plant, PLANT_NONE);
	/* LMDB never followed it. */
	ATF_CHECK(lstat(ELSEWHERE, &sb) == -1 && errno == ENOENT);
}

ATF_TC_WITHOUT_HEAD(store_open__lock_planted_open);
ATF_TC_BODY(store_open__lock_planted_open, tc)
{
	char why[STORE_WHY_MAX];

	setup(PLANT_MODE, 0666);
	ATF_CHECK_EQ(open_checked(why, sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK_MSG(strstr(why, "writable by group or others") != NULL,
	    "%s", why);
	ATF_REQUIRE(unlink(DB_LOCK) == 0);
	plant = PLANT_MODE;
	plant_mode = 0644;
	ATF_CHECK_EQ(open_checked(why, sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK_MSG(strstr(why, "readable by group or others") != NULL,
	    "%s", why);
}

ATF_TC_WITHOUT_HEAD(store_open__lock_planted_owner);
ATF_TC_BODY(store_open__lock_planted_owner, tc)
{
	char why[STORE_WHY_MAX];

	if (geteuid() != 0)
		atf_tc_skip("chown to another user needs root");
	setup(PLANT_OWNER, 0600);
	ATF_CHECK_EQ(open_checked(why, sizeof(why)), ATK_ERR_UNSAFE);
	ATF_CHECK_MSG(strstr(why, "owned by uid") != NULL, "%s", why);
}

/* Made by another process of the same user (two commands at once): fine. */
ATF_TC_WITHOUT_HEAD(store_open__lock_planted_ok);
ATF_TC_BODY(store_open__lock_planted_ok, tc)
{
	char why[STORE_WHY_MAX];

	setup(PLANT_MODE, 0600);
	ATF_CHECK_EQ_MSG(open_checked(why, sizeof(why)), 0, "%s", why);
	ATF_CHECK_EQ(plant, PLANT_NONE);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, store_open__lock_planted_link);
	ATF_TP_ADD_TC(tp, store_open__lock_planted_ok);
	ATF_TP_ADD_TC(tp, store_open__lock_planted_open);
	ATF_TP_ADD_TC(tp, store_open__lock_planted_owner);
	return atf_no_error();
}
