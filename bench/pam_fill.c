/*
 * pam_fill: a store for bench/pam.sh (issue 4, "Speed").
 *
 *	pam_fill -n N -u USER DB SECRET
 *
 * A new store DB of N tokens, all put in one write txn (the path "apitoken
 * restore" takes); the one in the middle belongs to USER and its text goes
 * to the new file SECRET (0600); the others carry random ids and
 * verifiers and the default user of their id.  Prints the seconds the
 * txn took, commit included.
 */
#include "config.h"

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "number.h"
#include "random.h"
#include "record.h"
#include "store.h"
#include "token.h"
#include "timing.h"

#define NAME_BUFSZ	32
#define BENCH_ROLE	"User"
#define MAX_TOKENS	10000000

static void
lib_check(int r, const char *what, const char *path)
{
	if (r != 0)
		errx(1, "%s: %s: %s", path, what, atk_strerror(r));
}

static void
usage(void)
{
	fprintf(stderr, "usage: pam_fill -n N -u USER DB SECRET\n");
	exit(2);
}

static void
write_secret(const char *path, const char *text)
{
	size_t len = strlen(text), off = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) < 0)
		err(1, "%s", path);
	while (off < len) {
		n = write(fd, text + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			err(1, "%s", path);
		off += (size_t)n;
	}
	if (write(fd, "\n", 1) != 1 || close(fd) != 0)
		err(1, "%s", path);
}


int
main(int argc, char *argv[])
{
	char name[NAME_BUFSZ], user[RECORD_DEFAULT_USER_BUFSZ];
	char text[TOKEN_NATIVE_BUFSZ];
	const char *login_user = NULL, *db, *secret;
	struct store *st;
	struct store_txn *t;
	struct record rec;
	struct token tok;
	uint64_t n = 0, t0;
	int ch;

	while ((ch = getopt(argc, argv, "n:u:")) != -1) {
		switch (ch) {
		case 'n':
			if (number_parse(optarg, 1, MAX_TOKENS, &n) != 0)
				errx(2, "-n %s: not a count", optarg);
			break;
		case 'u':
			login_user = optarg;
			break;
		default:
			usage();
		}
	}
	if (n == 0 || login_user == NULL || argc - optind != 2)
		usage();
	if (!record_word_valid(login_user))
		errx(2, "-u %s: not a user name", login_user);
	db = argv[optind];
	secret = argv[optind + 1];

	lib_check(store_init(db, NULL, NULL, 0), "store_init", db);
	lib_check(store_open(db, 0, &st, NULL, 0), "store_open", db);
	memset(&rec, 0, sizeof(rec));
	rec.name = name;
	rec.role = (char *)(uintptr_t)BENCH_ROLE;
	rec.created = (int64_t)time(NULL);
	t0 = now_ns();
	lib_check(store_txn_begin(st, 0, &t, NULL, 0), "store_txn_begin", db);
	for (uint64_t i = 0; i < n; i++) {
		if (i == n / 2) {
			lib_check(token_generate(store_prefix(st), &tok, text,
			    sizeof(text)), "token_generate", db);
			memcpy(rec.id, tok.id, TOKEN_ID_BYTES);
			lib_check(store_token_verifier(st, &tok, rec.verifier),
			    "store_token_verifier", db);
			token_clear(&tok);
			rec.user = (char *)(uintptr_t)login_user;
		} else {
			lib_check(random_buf(rec.id, sizeof(rec.id)),
			    "random_buf", db);
			lib_check(random_buf(rec.verifier,
			    sizeof(rec.verifier)), "random_buf", db);
			lib_check(record_default_user(rec.id, user,
			    sizeof(user)), "record_default_user", db);
			rec.user = user;
		}
		/* Cannot be cut short: NAME_BUFSZ holds any count. */
		(void)snprintf(name, sizeof(name), "bench-%08llu",
		    (unsigned long long)i);
		lib_check(store_put(t, &rec, 0), "store_put", db);
	}
	lib_check(store_txn_commit(t, NULL, 0), "store_txn_commit", db);
	store_close(st);
	write_secret(secret, text);
	explicit_bzero(text, sizeof(text));
	printf("%.2f\n", (double)(now_ns() - t0) / 1e9);
	return 0;
}
