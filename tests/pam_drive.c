/*
 * pam_drive: run a PAM service the way a login program does, for tests.
 *
 *	pam_drive [-r RHOST] SERVICE USER STEP...
 *
 * STEP is "auth", "acct", "setcred", "env" or "wait" (read and drop one line
 * of standard input: a test changes the store between two steps).  Answers to echo-off prompts
 * are read from standard input, one line each.  (Only modules may set
 * PAM_AUTHTOK: tests of use_first_pass stack a module that does.)  For every step one line
 * goes to standard output: "auth PAM_SUCCESS", "acct PAM_AUTH_ERR", ...,
 * and "env NAME=VALUE" for each variable of the PAM environment.  The exit
 * status is 0 when every step succeeded, 1 otherwise, 2 for a usage error.
 *
 * Run under pam_wrapper (LD_PRELOAD=libpam_wrapper.so PAM_WRAPPER=1
 * PAM_WRAPPER_SERVICE_DIR=DIR) so that SERVICE comes from a private
 * directory and no root is needed.
 */
#include "config.h"

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <security/pam_appl.h>

#define ANSWER_MAX	4096

struct pam_result_name {
	int		 code;
	const char	*name;
};

static const struct pam_result_name result_names[] = {
	{ PAM_SUCCESS, "PAM_SUCCESS" },
	{ PAM_AUTH_ERR, "PAM_AUTH_ERR" },
	{ PAM_AUTHINFO_UNAVAIL, "PAM_AUTHINFO_UNAVAIL" },
	{ PAM_SERVICE_ERR, "PAM_SERVICE_ERR" },
	{ PAM_SYSTEM_ERR, "PAM_SYSTEM_ERR" },
	{ PAM_BUF_ERR, "PAM_BUF_ERR" },
	{ PAM_IGNORE, "PAM_IGNORE" },
	{ PAM_PERM_DENIED, "PAM_PERM_DENIED" },
	{ PAM_USER_UNKNOWN, "PAM_USER_UNKNOWN" },
	{ PAM_ACCT_EXPIRED, "PAM_ACCT_EXPIRED" },
	{ PAM_CONV_ERR, "PAM_CONV_ERR" },
	{ PAM_CRED_INSUFFICIENT, "PAM_CRED_INSUFFICIENT" },
	{ PAM_MAXTRIES, "PAM_MAXTRIES" },
	{ PAM_NEW_AUTHTOK_REQD, "PAM_NEW_AUTHTOK_REQD" },
	{ PAM_AUTHTOK_ERR, "PAM_AUTHTOK_ERR" },
	{ PAM_OPEN_ERR, "PAM_OPEN_ERR" },
	{ PAM_SYMBOL_ERR, "PAM_SYMBOL_ERR" },
	{ PAM_ABORT, "PAM_ABORT" },
	{ PAM_INCOMPLETE, "PAM_INCOMPLETE" },
};

static const char *
result_name(int code)
{
	for (size_t i = 0; i < sizeof(result_names) / sizeof(result_names[0]);
	    i++)
		if (result_names[i].code == code)
			return result_names[i].name;
	return "PAM_OTHER";
}

/* Answer echo-off prompts from stdin; show the other messages on stderr. */
static int
conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *appdata)
{
	struct pam_response *r;
	char line[ANSWER_MAX];
	size_t len;
	int i;

	if (n <= 0 || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			fprintf(stderr, "prompt: %s\n", msg[i]->msg);
			if (fgets(line, sizeof(line), stdin) == NULL)
				goto fail;
			len = strcspn(line, "\n");
			line[len] = '\0';
			if ((r[i].resp = strdup(line)) == NULL)
				goto fail;
			explicit_bzero(line, sizeof(line));
			break;
		default:
			fprintf(stderr, "message: %s\n", msg[i]->msg);
			break;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
 fail:
	explicit_bzero(line, sizeof(line));
	for (i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
	return PAM_CONV_ERR;
}

static void
usage(void)
{
	fprintf(stderr, "usage: pam_drive [-r rhost] service user "
	    "auth|acct|setcred|env ...\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct pam_conv pc = { conv, NULL };
	pam_handle_t *pamh = NULL;
	const char *rhost = NULL;
	char line[ANSWER_MAX], **env;
	int ch, i, r, failed = 0;

	while ((ch = getopt(argc, argv, "r:")) != -1) {
		switch (ch) {
		case 'r':
			rhost = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3)
		usage();
	if ((r = pam_start(argv[0], argv[1], &pc, &pamh)) != PAM_SUCCESS)
		errx(1, "pam_start: %s", result_name(r));
	if (rhost != NULL && pam_set_item(pamh, PAM_RHOST, rhost) !=
	    PAM_SUCCESS)
		errx(1, "pam_set_item PAM_RHOST failed");
	for (i = 2; i < argc; i++) {
		if (strcmp(argv[i], "auth") == 0)
			r = pam_authenticate(pamh, 0);
		else if (strcmp(argv[i], "acct") == 0)
			r = pam_acct_mgmt(pamh, 0);
		else if (strcmp(argv[i], "setcred") == 0)
			r = pam_setcred(pamh, PAM_ESTABLISH_CRED);
		else if (strcmp(argv[i], "env") == 0) {
			if ((env = pam_getenvlist(pamh)) == NULL)
				errx(1, "pam_getenvlist failed");
			for (char **e = env; *e != NULL; e++) {
				printf("env %s\n", *e);
				free(*e);
			}
			free(env);
			continue;
		} else if (strcmp(argv[i], "wait") == 0) {
			if (fflush(stdout) != 0)
				err(1, "stdout");
			if (fgets(line, sizeof(line), stdin) == NULL)
				errx(1, "wait: no line on stdin");
			continue;
		} else
			usage();
		printf("%s %s\n", argv[i], result_name(r));
		if (r != PAM_SUCCESS)
			failed = 1;
	}
	pam_end(pamh, failed ? PAM_AUTH_ERR : PAM_SUCCESS);
	if (fflush(stdout) != 0 || ferror(stdout))
		err(1, "stdout");
	return failed;
}
