/*
 * pam_threads: logins from many threads of one process, and across
 * fork(), through the real libpam, for tests/daemon_test.  Run under
 * pam_wrapper as tests/pam_drive is.
 *
 *	pam_threads threads SERVICE SECONDS ITERATIONS USER:TOKENFILE:ok|refused...
 *		One thread per USER:TOKENFILE, each looping pam_start,
 *		pam_authenticate, pam_acct_mgmt (after a success) and pam_end
 *		until SECONDS have passed or it did ITERATIONS logins (0: no
 *		limit).  The conversation answers the prompt with the thread's
 *		token (nothing is read from standard input).  "ok": every
 *		login must pass auth and account; "refused": every one must
 *		fail auth with PAM_AUTH_ERR.  Prints each thread's counts.
 *	pam_threads fork SERVICE USER TOKENFILE
 *		Authenticate, then fork with the PAM handle open: the child
 *		runs the account step on the handle it inherited and a whole
 *		login of its own, then the parent does the same.  Prints one
 *		line for each step.
 *
 * Exit status: 0 when every answer was the one expected, 1 otherwise, 2
 * for a usage error.
 */
#include "config.h"

#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "number.h"
#include "token.h"

#define EXIT_USAGE	2
#define THREADS_MAX	64
#define TOKEN_BUFSZ	(TOKEN_MAX_LEN + 2)	/* And its newline, NUL. */
#define WRONG_SHOWN	3	/* Wrong answers told, a thread. */

struct worker {
	pthread_t	 thread;
	const char	*service;
	char		*user;
	char		 token[TOKEN_BUFSZ];
	int		 ok;		/* Expect acceptance. */
	int64_t		 end;
	unsigned long	 max;
	unsigned long	 logins, accepted, refused, wrong;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t
number(const char *s, uint64_t max, const char *what)
{
	uint64_t n;

	if (number_parse(s, 0, max, &n) != 0)
		errx(EXIT_USAGE, "%s: 0 to %llu", what, (unsigned long long)max);
	return n;
}

static void
read_token(const char *file, char *buf, size_t bufsz)
{
	FILE *f;

	if ((f = fopen(file, "r")) == NULL)
		err(1, "%s", file);
	if (fgets(buf, (int)bufsz, f) == NULL)
		errx(1, "%s: no token", file);
	buf[strcspn(buf, "\n")] = '\0';
	(void)fclose(f);
}

/* Every prompt is answered with the token appdata points to. */
static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *appdata)
{
	struct pam_response *r;
	int i;

	if (n <= 0 || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF &&
		    msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		if ((r[i].resp = strdup(appdata)) == NULL) {
			while (i-- > 0)
				free(r[i].resp);
			free(r);
			return PAM_CONV_ERR;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

/* One whole login: auth, and account after a success. */
static void
login(const char *service, const char *user, char *token, int *auth,
    int *acct)
{
	struct pam_conv pc = { conv, token };
	pam_handle_t *pamh = NULL;
	int r;

	*auth = *acct = -1;
	if ((r = pam_start(service, user, &pc, &pamh)) != PAM_SUCCESS) {
		*auth = r;
		return;
	}
	*auth = pam_authenticate(pamh, 0);
	if (*auth == PAM_SUCCESS)
		*acct = pam_acct_mgmt(pamh, 0);
	pam_end(pamh, *auth);
}

static void *
worker(void *arg)
{
	struct worker *w = arg;
	int auth, acct, right;

	while (now_ms() < w->end && (w->max == 0 || w->logins < w->max)) {
		login(w->service, w->user, w->token, &auth, &acct);
		w->logins++;
		if (auth == PAM_SUCCESS)
			w->accepted++;
		else
			w->refused++;
		if (w->ok)
			right = auth == PAM_SUCCESS && acct == PAM_SUCCESS;
		else
			right = auth == PAM_AUTH_ERR;
		if (!right && w->wrong++ < WRONG_SHOWN)
			warnx("user %s, %s token: auth %s, account %s",
			    w->user, w->ok ? "a good" : "a refused",
			    pam_strerror(NULL, auth),
			    acct == -1 ? "not run" : pam_strerror(NULL, acct));
	}
	return NULL;
}

static int
cmd_threads(int argc, char *argv[])
{
	static struct worker w[THREADS_MAX];
	unsigned long logins = 0, wrong = 0, idle = 0;
	int64_t end;
	unsigned long max;
	size_t n, i;
	char *file, *want;

	if (argc < 5)
		return -1;
	end = now_ms() + 1000 * (int64_t)number(argv[2], 3600, "SECONDS");
	max = (unsigned long)number(argv[3], UINT32_MAX, "ITERATIONS");
	if ((n = (size_t)(argc - 4)) > THREADS_MAX)
		errx(EXIT_USAGE, "at most %d threads", THREADS_MAX);
	for (i = 0; i < n; i++) {
		if ((w[i].user = strdup(argv[4 + i])) == NULL)
			err(1, "strdup");
		if ((file = strchr(w[i].user, ':')) == NULL ||
		    (want = strchr(file + 1, ':')) == NULL ||
		    (strcmp(want + 1, "ok") != 0 &&
		    strcmp(want + 1, "refused") != 0))
			errx(EXIT_USAGE, "%s: USER:TOKENFILE:ok|refused",
			    argv[4 + i]);
		*file++ = '\0';
		*want++ = '\0';
		read_token(file, w[i].token, sizeof(w[i].token));
		w[i].ok = strcmp(want, "ok") == 0;
		w[i].service = argv[1];
		w[i].end = end;
		w[i].max = max;
	}
	for (i = 0; i < n; i++)
		if ((errno = pthread_create(&w[i].thread, NULL, worker,
		    &w[i])) != 0)
			err(1, "pthread_create");
	for (i = 0; i < n; i++) {
		pthread_join(w[i].thread, NULL);
		printf("thread %zu user %s (%s token): %lu logins, %lu "
		    "accepted, %lu refused, %lu wrong\n", i, w[i].user,
		    w[i].ok ? "good" : "refused", w[i].logins, w[i].accepted,
		    w[i].refused, w[i].wrong);
		logins += w[i].logins;
		wrong += w[i].wrong;
		if (w[i].logins == 0)
			idle++;
		explicit_bzero(w[i].token, sizeof(w[i].token));
		free(w[i].user);
	}
	printf("%lu logins in %zu threads, %lu wrong answers\n", logins, n,
	    wrong);
	if (fflush(stdout) == EOF)
		err(1, "stdout");
	return wrong == 0 && idle == 0 ? 0 : 1;
}

/* "WHO STEP RESULT"; 1 if it is not a success. */
static int
say(const char *who, const char *step, int r)
{
	printf("%s %s %s\n", who, step, r == PAM_SUCCESS ? "PAM_SUCCESS" :
	    pam_strerror(NULL, r));
	if (fflush(stdout) == EOF)
		err(1, "stdout");
	return r != PAM_SUCCESS;
}

/* The account step on the handle from before the fork, then a new login. */
static int
after_fork(const char *who, pam_handle_t *pamh, const char *service,
    const char *user, char *token)
{
	int auth, acct, failed;

	failed = say(who, "acct", pam_acct_mgmt(pamh, 0));
	login(service, user, token, &auth, &acct);
	failed |= say(who, "auth", auth);
	failed |= say(who, "acct", acct);
	return failed;
}

static int
cmd_fork(int argc, char *argv[])
{
	char token[TOKEN_BUFSZ];
	struct pam_conv pc = { conv, token };
	pam_handle_t *pamh = NULL;
	pid_t pid;
	int r, status, failed;

	if (argc != 4)
		return -1;
	read_token(argv[3], token, sizeof(token));
	if ((r = pam_start(argv[1], argv[2], &pc, &pamh)) != PAM_SUCCESS)
		errx(1, "pam_start: %s", pam_strerror(NULL, r));
	failed = say("parent", "auth", pam_authenticate(pamh, 0));
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		r = after_fork("child", pamh, argv[1], argv[2], token);
		pam_end(pamh, PAM_SUCCESS);
		/*
		 * exit, not _exit: pam_wrapper made a directory of its own
		 * for the child, which its destructor removes.  (Nothing is
		 * left in stdio's buffers: say() flushes.)
		 */
		exit(r);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			err(1, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		printf("child failed (status %d)\n", status);
		failed = 1;
	}
	failed |= after_fork("parent", pamh, argv[1], argv[2], token);
	pam_end(pamh, PAM_SUCCESS);
	explicit_bzero(token, sizeof(token));
	return failed;
}

static void usage(void) __attribute__((__noreturn__));

static void
usage(void)
{
	fprintf(stderr, "usage: pam_threads threads service seconds "
	    "iterations user:tokenfile:ok|refused ...\n"
	    "       pam_threads fork service user tokenfile\n");
	exit(EXIT_USAGE);
}

int
main(int argc, char *argv[])
{
	int r = -1;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "threads") == 0)
		r = cmd_threads(argc - 1, argv + 1);
	else if (strcmp(argv[1], "fork") == 0)
		r = cmd_fork(argc - 1, argv + 1);
	if (r < 0)
		usage();
	return r;
}
