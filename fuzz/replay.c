/*
 * A main() for the fuzz targets without libFuzzer: runs each file named on
 * the command line (or each file in a named directory) through
 * LLVMFuzzerTestOneInput() once.  "make check" replays the seed corpora
 * with it, and a crash found by the fuzzer can be replayed under gdb or
 * valgrind with it too.
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

/* More than libFuzzer's -max_len ever makes. */
#define REPLAY_MAX_INPUT	(1U << 20)

static void
run_file(const char *path)
{
	uint8_t *buf, *in;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		err(1, "%s", path);
	buf = fuzz_malloc(REPLAY_MAX_INPUT);
	while (len < REPLAY_MAX_INPUT &&
	    (n = read(fd, buf + len, REPLAY_MAX_INPUT - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			err(1, "%s", path);
		}
		len += (size_t)n;
	}
	if (len == REPLAY_MAX_INPUT)
		errx(1, "%s: longer than %u bytes", path, REPLAY_MAX_INPUT);
	close(fd);
	/* An exact-size copy, so ASan sees a read past the input. */
	in = fuzz_malloc(len);
	memcpy(in, buf, len);
	free(buf);
	LLVMFuzzerTestOneInput(in, len);
	free(in);
}

static void
run_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	char *file;
	int i, n;

	if (stat(path, &st) == -1)
		err(1, "%s", path);
	if (!S_ISDIR(st.st_mode)) {
		run_file(path);
		return;
	}
	if ((n = scandir(path, &names, NULL, alphasort)) == -1)
		err(1, "%s", path);
	for (i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.') {
			if (asprintf(&file, "%s/%s", path,
			    names[i]->d_name) == -1)
				err(1, "asprintf");
			run_file(file);
			free(file);
		}
		free(names[i]);
	}
	free(names);
}

int
main(int argc, char *argv[])
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: %s file|directory ...\n", argv[0]);
		return 2;
	}
	for (i = 1; i < argc; i++)
		run_path(argv[i]);
	return 0;
}
