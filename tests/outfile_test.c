#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <atf-c.h>

#include "error.h"
#include "outfile.h"

/* Entries in the current directory, but . and .. */
static int
entries(void)
{
	DIR *d;
	struct dirent *e;
	int n = 0;

	ATF_REQUIRE((d = opendir(".")) != NULL);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

ATF_TC_WITHOUT_HEAD(outfile_commit__appears_whole);
ATF_TC_BODY(outfile_commit__appears_whole, tc)
{
	struct outfile *of;
	struct stat st;

	ATF_REQUIRE_EQ(outfile_open("out", 0, &of), 0);
	ATF_REQUIRE_EQ(outfile_write(of, "abc", 3), 0);
	/* At most the temporary file so far (none where O_TMPFILE works). */
	ATF_CHECK_EQ(stat("out", &st), -1);
	ATF_CHECK(entries() <= 1);
	ATF_REQUIRE_EQ(outfile_commit(of), 0);
	ATF_REQUIRE_EQ(stat("out", &st), 0);
	ATF_CHECK_EQ(st.st_size, 3);
	ATF_CHECK_EQ(st.st_mode & 0777, 0600);
	ATF_CHECK_EQ(entries(), 1);
}

/*
 * Where the file system has O_TMPFILE, the file being written has no name
 * at all: a process killed by SIGKILL leaves nothing.
 */
ATF_TC_WITHOUT_HEAD(outfile_open__unnamed_until_commit);
ATF_TC_BODY(outfile_open__unnamed_until_commit, tc)
{
	struct outfile *of;
	struct stat st;
	int fd;

	if ((fd = open(".", O_TMPFILE | O_WRONLY, 0600)) < 0)
		atf_tc_skip("no O_TMPFILE here");
	close(fd);
	ATF_REQUIRE_EQ(outfile_open("out", 0, &of), 0);
	ATF_REQUIRE_EQ(outfile_write(of, "abc", 3), 0);
	ATF_CHECK_EQ(entries(), 0);
	ATF_REQUIRE_EQ(outfile_commit(of), 0);
	ATF_REQUIRE_EQ(stat("out", &st), 0);
	ATF_CHECK_EQ(st.st_size, 3);
	ATF_CHECK_EQ(st.st_mode & 0777, 0600);
	ATF_CHECK_EQ(entries(), 1);
	/* Forced over an existing file, and refused without force. */
	ATF_REQUIRE_EQ(outfile_open("out", 1, &of), 0);
	ATF_REQUIRE_EQ(outfile_write(of, "xy", 2), 0);
	ATF_CHECK_EQ(entries(), 1);
	ATF_REQUIRE_EQ(outfile_commit(of), 0);
	ATF_REQUIRE_EQ(stat("out", &st), 0);
	ATF_CHECK_EQ(st.st_size, 2);
	ATF_CHECK_EQ(entries(), 1);
}

ATF_TC_WITHOUT_HEAD(outfile_open__refuses_existing);
ATF_TC_BODY(outfile_open__refuses_existing, tc)
{
	struct outfile *of;
	struct stat st;
	FILE *f;

	ATF_REQUIRE((f = fopen("out", "w")) != NULL);
	fclose(f);
	ATF_CHECK_EQ(outfile_open("out", 0, &of), ATK_ERR_EXISTS);
	ATF_CHECK(of == NULL);
	/* A dangling symbolic link is there too. */
	ATF_REQUIRE_EQ(symlink("nowhere", "link"), 0);
	ATF_CHECK_EQ(outfile_open("link", 0, &of), ATK_ERR_EXISTS);
	/* Forced: replaced, and the link itself, not its target. */
	ATF_REQUIRE_EQ(outfile_open("link", 1, &of), 0);
	ATF_REQUIRE_EQ(outfile_write(of, "x", 1), 0);
	ATF_REQUIRE_EQ(outfile_commit(of), 0);
	ATF_REQUIRE_EQ(lstat("link", &st), 0);
	ATF_CHECK(S_ISREG(st.st_mode));
	ATF_CHECK_EQ(stat("nowhere", &st), -1);
}

ATF_TC_WITHOUT_HEAD(outfile_commit__refuses_newcomer);
ATF_TC_BODY(outfile_commit__refuses_newcomer, tc)
{
	struct outfile *of;
	FILE *f;

	ATF_REQUIRE_EQ(outfile_open("out", 0, &of), 0);
	ATF_REQUIRE((f = fopen("out", "w")) != NULL);
	fclose(f);
	ATF_CHECK_EQ(outfile_commit(of), ATK_ERR_EXISTS);
	ATF_CHECK_EQ(entries(), 1);
}

ATF_TC_WITHOUT_HEAD(outfile_abort__leaves_nothing);
ATF_TC_BODY(outfile_abort__leaves_nothing, tc)
{
	struct outfile *of;

	ATF_REQUIRE_EQ(outfile_open("out", 0, &of), 0);
	ATF_REQUIRE_EQ(outfile_write(of, "abc", 3), 0);
	outfile_abort(of);
	ATF_CHECK_EQ(entries(), 0);
	outfile_abort(NULL);
}

ATF_TC_WITHOUT_HEAD(outfile_open__errors);
ATF_TC_BODY(outfile_open__errors, tc)
{
	struct outfile *of;

	ATF_CHECK_EQ(outfile_open("nodir/out", 0, &of), ATK_ERR_SYSTEM);
	ATF_CHECK_EQ(errno, ENOENT);
	ATF_REQUIRE_EQ(mkdir("dir", 0700), 0);
	ATF_CHECK_EQ(outfile_open("dir", 1, &of), ATK_ERR_SYSTEM);
	ATF_CHECK_EQ(errno, EISDIR);
	ATF_CHECK_EQ(outfile_open("dir/", 0, &of), ATK_ERR_SYSTEM);
	ATF_CHECK_EQ(outfile_open("", 0, &of), ATK_ERR_SYSTEM);
	ATF_CHECK_EQ(entries(), 1);
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, outfile_abort__leaves_nothing);
	ATF_TP_ADD_TC(tp, outfile_commit__appears_whole);
	ATF_TP_ADD_TC(tp, outfile_open__unnamed_until_commit);
	ATF_TP_ADD_TC(tp, outfile_commit__refuses_newcomer);
	ATF_TP_ADD_TC(tp, outfile_open__errors);
	ATF_TP_ADD_TC(tp, outfile_open__refuses_existing);
	return atf_no_error();
}
