/*
 * The verifier of tests/fleet_test: as the module does, open the store,
 * verify one token, close it - in a loop over the tokens given, until the
 * stop file appears.  Each token comes with the answers allowed for it:
 * a (accepted), u (unknown token), r (revoked).  Anything else, and any
 * open or verify error, is counted as an error and said on stderr.
 *
 *	swap_verify DB STOPFILE TOKENFILE:ANSWERS...
 *
 * Prints "VERIFICATIONS ERRORS"; exits 0 only with no error.
 */
#include "config.h"

#include <err.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "store.h"
#include "token.h"
#include "verify.h"

#define TEST_USER	"ci"
#define TOKEN_BUFSZ	(TOKEN_MAX_LEN + 2)

struct probe {
	char		 text[TOKEN_BUFSZ];
	size_t		 len;
	const char	*allowed;
};

static void
load(const char *arg, struct probe *p)
{
	const char *colon = strrchr(arg, ':');
	char *file;
	FILE *f;

	if (colon == NULL)
		errx(2, "%s: want TOKENFILE:ANSWERS", arg);
	if ((file = strndup(arg, (size_t)(colon - arg))) == NULL)
		err(1, "strndup");
	if ((f = fopen(file, "r")) == NULL)
		err(1, "%s", file);
	if (fgets(p->text, sizeof(p->text), f) == NULL)
		errx(1, "%s: no token", file);
	p->len = strcspn(p->text, "\n");
	p->text[p->len] = '\0';
	p->allowed = colon + 1;
	(void)fclose(f);
	free(file);
}

static char
answer(enum verify_reason r)
{
	switch (r) {
	case VERIFY_OK:
		return 'a';
	case VERIFY_UNKNOWN:
		return 'u';
	case VERIFY_REVOKED:
		return 'r';
	default:
		return '?';
	}
}

int
main(int argc, char **argv)
{
	struct verify_request req;
	struct verify_result res;
	struct probe *probes;
	struct store *st;
	char why[STORE_WHY_MAX];
	unsigned long n = 0, bad = 0;
	int i, r;

	if (argc < 4)
		errx(2, "usage: swap_verify DB STOPFILE TOKENFILE:ANSWERS...");
	if ((probes = calloc((size_t)argc - 3, sizeof(*probes))) == NULL)
		err(1, "calloc");
	for (i = 3; i < argc; i++)
		load(argv[i], &probes[i - 3]);
	memset(&req, 0, sizeof(req));
	req.user = TEST_USER;
	while (access(argv[2], F_OK) != 0) {
		for (i = 0; i < argc - 3; i++) {
			req.now = (int64_t)time(NULL);
			n++;
			if ((r = store_open(argv[1], STORE_RDONLY |
			    STORE_CHECK_SAFE, &st, why, sizeof(why))) != 0) {
				warnx("open: %d: %s", r, why);
				bad++;
				continue;
			}
			memset(&res, 0, sizeof(res));
			r = verify_token(st, probes[i].text, probes[i].len,
			    &req, &res);
			if (r != 0) {
				warnx("%s: verify error %d: %s", argv[i + 3],
				    r, atk_strerror(r));
				bad++;
			} else if (strchr(probes[i].allowed,
			    answer(res.reason)) == NULL) {
				warnx("%s: %s", argv[i + 3],
				    verify_reason_str(res.reason));
				bad++;
			}
			verify_result_free(&res);
			store_close(st);
		}
	}
	printf("%lu %lu\n", n, bad);
	free(probes);
	return bad == 0 ? 0 : 1;
}
