/*
 * pam_apitoken: log in with an API token, checked by apitokend.
 *
 * The module never opens the token store: it runs inside processes the
 * user being authenticated can stop (su, sudo and login run with that
 * user's real uid), and a stopped process must hold no lock that others
 * wait on.  It parses its arguments, prompts, asks the daemon over its
 * Unix socket (client.c, lib/proto.c) and puts the answer into PAM.  It
 * links libpam and libc only and keeps no state between calls, so it is
 * safe in threaded programs and across fork().
 *
 * Every path that is not the daemon's "accepted" returns an error: no
 * answer, a late or malformed one, or the daemon's own failure is
 * PAM_AUTHINFO_UNAVAIL (logged once), a bad argument PAM_SERVICE_ERR, a
 * refused token PAM_AUTH_ERR.  PAM_IGNORE is returned only where the
 * admin asked for it ("nouserok" and a user with no token at all) and by
 * the account group for sessions this module did not authenticate.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "client.h"
#include "error.h"
#include "escape.h"
#include "pamopts.h"
#include "proto.h"
#include "token.h"
#include "verify.h"

#define DATA_TOKEN_ID		"pam_apitoken_id"
#define ENV_ID			"APITOKEN_ID"
#define ENV_NAME		"APITOKEN_NAME"
#define ENV_ROLE		"APITOKEN_ROLE"
#define WHY_BUFSZ		256
/* What a log line says of a user name that may be a token typed there. */
#define LOG_USER_SECRET		"(token-shaped, not logged)"
#define LOG_NOMEM		"(?)"
#define STALE_BUFSZ		24	/* maxstale= in decimal seconds. */

static const char *
item_string(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	if (pam_get_item(pamh, item, &v) != PAM_SUCCESS || v == NULL)
		return NULL;
	return v;
}

/*
 * The fields of a log line, escaped (escape.h): a PAM item is what a
 * client sent, and a newline in it would forge a second line, an ESC
 * would act on the terminal of whoever reads the log.  A user name shaped
 * like a token (one typed at the login prompt by mistake) is not logged.
 */
struct logfields {
	char	*service;
	char	*user;
	char	*rhost;
};

static char *
log_text(const char *s)
{
	return escape_text(s != NULL && *s != '\0' ? s : "-");
}

static void
log_fields(pam_handle_t *pamh, const char *user, struct logfields *lf)
{
	lf->service = log_text(item_string(pamh, PAM_SERVICE));
	lf->rhost = log_text(item_string(pamh, PAM_RHOST));
	lf->user = user != NULL && escape_secretlike(user) ?
	    strdup(LOG_USER_SECRET) : log_text(user);
}

static void
log_fields_free(struct logfields *lf)
{
	free(lf->service);
	free(lf->user);
	free(lf->rhost);
	memset(lf, 0, sizeof(*lf));
}

/*
 * A token id for a log line: the daemon's id, or "unknown"; anything that
 * is not an id's 22 base62 characters (a PAM environment made up by a
 * client) is not repeated.
 */
static const char *
token_id_shown(const char *id)
{
	size_t n;

	if (id == NULL || strcmp(id, "unknown") == 0)
		return "unknown";
	n = strspn(id, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz");
	return n == TOKEN_ID_CHARS && id[n] == '\0' ? id : "(not an id)";
}

/* A field for a log line, never NULL. */
static const char *
L(const char *s)
{
	return s != NULL ? s : LOG_NOMEM;
}

/*
 * The module arguments (lib/pamopts.h): an unknown or malformed one is an
 * error, logged once here, on the caller's PAM_SERVICE_ERR path.
 */
static int
parse_options(pam_handle_t *pamh, int argc, const char **argv,
    struct pamopts *o)
{
	char *arg;
	int bad;

	if (pamopts_parse(argc, argv, o, &bad) == 0)
		return 0;
	arg = bad >= 0 ? log_text(argv[bad]) : NULL;
	if (bad >= 0 && strncmp(argv[bad], "db=", 3) == 0)
		pam_syslog(pamh, LOG_ERR, "bad module argument \"%s\": the "
		    "module no longer opens the store; apitokend does, and "
		    "socket= names its socket", L(arg));
	else if (bad >= 0)
		pam_syslog(pamh, LOG_ERR, "bad module argument \"%s\"",
		    L(arg));
	else
		pam_syslog(pamh, LOG_ERR,
		    "use_first_pass and try_first_pass exclude each other");
	free(arg);
	return -1;
}

/*
 * The token: PAM_AUTHTOK from an earlier module (use_first_pass,
 * try_first_pass) or an answer to our prompt, echo off.  The answer is
 * copied into *tok (the caller wipes and frees it) and offered as
 * PAM_AUTHTOK to the modules stacked after this one.
 */
static int
get_token(pam_handle_t *pamh, const struct pamopts *o, char **tok)
{
	const char *item;
	char *resp = NULL;
	int pr;

	*tok = NULL;
	if (o->use_first_pass || o->try_first_pass) {
		item = item_string(pamh, PAM_AUTHTOK);
		if (item != NULL) {
			if ((*tok = strdup(item)) == NULL)
				return PAM_BUF_ERR;
			return PAM_SUCCESS;
		}
		if (o->use_first_pass)
			return PAM_AUTH_ERR;
	}
	pr = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s", o->prompt);
	if (pr != PAM_SUCCESS) {
		if (resp != NULL) {
			explicit_bzero(resp, strlen(resp));
			free(resp);
		}
		return pr == PAM_CONV_AGAIN ? PAM_INCOMPLETE : PAM_CONV_ERR;
	}
	if (resp == NULL)
		return PAM_CONV_ERR;
	pr = pam_set_item(pamh, PAM_AUTHTOK, resp);
	if (pr != PAM_SUCCESS) {
		explicit_bzero(resp, strlen(resp));
		free(resp);
		return pr;
	}
	*tok = resp;
	return PAM_SUCCESS;
}

static void
free_token(char *tok)
{
	if (tok != NULL) {
		explicit_bzero(tok, strlen(tok));
		free(tok);
	}
}

static void
cleanup_data(pam_handle_t *pamh, void *data, int error_status)
{
	free(data);
}

/* Set NAME=value in the PAM environment. */
static int
put_env(pam_handle_t *pamh, const char *name, const char *value)
{
	char *s;
	int r;

	if (asprintf(&s, "%s=%s", name, value != NULL ? value : "") < 0)
		return PAM_BUF_ERR;
	r = pam_putenv(pamh, s);
	free(s);
	return r;
}

/* A request of type for the user, with the PAM items the daemon logs. */
static void
make_request(pam_handle_t *pamh, int type, const char *user,
    struct proto_msg *req)
{
	proto_init(req, type);
	req->user = user;
	req->service = item_string(pamh, PAM_SERVICE);
	req->rhost = item_string(pamh, PAM_RHOST);
	req->tty = item_string(pamh, PAM_TTY);
}

/*
 * maxstale= and stale= into a VERIFY or ACCOUNT request: the daemon of a
 * fleet host answers "error" past the bound with stale=deny (here
 * PAM_AUTHINFO_UNAVAIL, so that the next module decides), and goes on
 * with a warning in its log with stale=allow.  buf holds the text.
 */
static void
set_stale(const struct pamopts *o, struct proto_msg *req, char *buf,
    size_t size)
{
	if (o->maxstale <= 0)
		return;
	snprintf(buf, size, "%ld", o->maxstale);
	req->maxstale = buf;
	if (!o->stale_allow)
		req->flags = (req->flags < 0 ? 0 : req->flags) |
		    PROTO_STALE_DENY;
}

/*
 * Ask the daemon.  PAM_SUCCESS with its answer in *rep when it decided
 * (status ok, refused, no token or rate limited); otherwise the one log
 * line of the failure and PAM_AUTHINFO_UNAVAIL.
 */
static int
ask(pam_handle_t *pamh, const struct pamopts *o, const struct logfields *lf,
    const struct proto_msg *req, struct proto_msg *rep)
{
	char why[WHY_BUFSZ], *t;
	int r;

	if ((r = client_ask(o->socket, o->timeout, req, rep, why,
	    sizeof(why))) != 0) {
		t = log_text(why[0] != '\0' ? why : atk_strerror(r));
		pam_syslog(pamh, LOG_ERR, "service=%s user=%s: apitokend "
		    "(%s) unavailable: %s", L(lf->service), L(lf->user),
		    o->socket, L(t));
		free(t);
		return PAM_AUTHINFO_UNAVAIL;
	}
	switch (rep->status) {
	case PROTO_ST_OK:
	case PROTO_ST_REFUSED:
	case PROTO_ST_NOTOKEN:
	case PROTO_ST_LIMITED:
		return PAM_SUCCESS;
	default:
		t = log_text(rep->why);
		pam_syslog(pamh, LOG_ERR, "service=%s user=%s: apitokend "
		    "(%s) could not answer: %s%s%s", L(lf->service),
		    L(lf->user), o->socket, proto_status_str(rep->status),
		    rep->why != NULL ? ": " : "", L(t));
		free(t);
		proto_clear(rep);
		return PAM_AUTHINFO_UNAVAIL;
	}
}

/* With nouserok: PAM_IGNORE when the user has no token at all. */
static int
check_has_token(pam_handle_t *pamh, const struct pamopts *o,
    const struct logfields *lf, const char *user)
{
	struct proto_msg req, rep;
	int pr;

	make_request(pamh, PROTO_HAS_TOKEN, user, &req);
	if ((pr = ask(pamh, o, lf, &req, &rep)) != PAM_SUCCESS)
		return pr;
	switch (rep.status) {
	case PROTO_ST_NOTOKEN:
		if (o->debug)
			pam_syslog(pamh, LOG_DEBUG, "service=%s user=%s: no "
			    "token, ignored (nouserok)", L(lf->service),
			    L(lf->user));
		return PAM_IGNORE;
	case PROTO_ST_OK:
		return PAM_SUCCESS;
	default:
		pam_syslog(pamh, LOG_ERR, "service=%s user=%s: apitokend: "
		    "unexpected answer %s", L(lf->service), L(lf->user),
		    proto_status_str(rep.status));
		return PAM_AUTHINFO_UNAVAIL;
	}
}

/* An accepted token: its id, name and role into the PAM environment. */
static int
accept_token(pam_handle_t *pamh, const struct proto_msg *rep)
{
	char *idcopy;
	int pr;

	if ((pr = put_env(pamh, ENV_ID, rep->id)) != PAM_SUCCESS ||
	    (pr = put_env(pamh, ENV_NAME, rep->name)) != PAM_SUCCESS ||
	    (pr = put_env(pamh, ENV_ROLE, rep->role)) != PAM_SUCCESS)
		return pr;
	if ((idcopy = strdup(rep->id)) == NULL)
		return PAM_BUF_ERR;
	if ((pr = pam_set_data(pamh, DATA_TOKEN_ID, idcopy,
	    cleanup_data)) != PAM_SUCCESS)
		free(idcopy);
	return pr;
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct pamopts o;
	struct proto_msg req, rep;
	struct logfields lf;
	const char *user = NULL;
	char *tok = NULL, *t, stale[STALE_BUFSZ];
	int pr, accepted = 0;

	proto_init(&rep, 0);
	memset(&lf, 0, sizeof(lf));
	if (parse_options(pamh, argc, argv, &o) != 0)
		return PAM_SERVICE_ERR;
	pr = pam_get_user(pamh, &user, NULL);
	if (pr != PAM_SUCCESS || user == NULL || *user == '\0') {
		pam_syslog(pamh, LOG_ERR, "cannot determine the user: %s",
		    pam_strerror(pamh, pr));
		return pr == PAM_CONV_AGAIN ? PAM_INCOMPLETE :
		    (pr == PAM_SUCCESS ? PAM_USER_UNKNOWN : pr);
	}
	log_fields(pamh, user, &lf);
	if (o.nouserok && (pr = check_has_token(pamh, &o, &lf, user)) !=
	    PAM_SUCCESS)
		goto out;

	make_request(pamh, PROTO_VERIFY, user, &req);
	if ((pr = get_token(pamh, &o, &tok)) != PAM_SUCCESS) {
		pam_syslog(pamh, LOG_NOTICE, "service=%s user=%s rhost=%s: "
		    "no token: %s", L(lf.service), L(lf.user), L(lf.rhost),
		    pam_strerror(pamh, pr));
		goto out;
	}
	req.token = tok;
	req.tokenlen = strlen(tok);
	req.role = o.role;
	req.policy = o.policy;
	req.flags = o.last_used ? PROTO_LAST_USED : 0;
	set_stale(&o, &req, stale, sizeof(stale));
	pr = ask(pamh, &o, &lf, &req, &rep);
	free_token(tok);
	req.token = tok = NULL;
	if (pr != PAM_SUCCESS)
		goto out;
	if (rep.status != PROTO_ST_OK) {
		t = log_text(rep.why != NULL ? rep.why :
		    proto_status_str(rep.status));
		pam_syslog(pamh, LOG_NOTICE, "service=%s user=%s rhost=%s "
		    "token=%s: refused: %s", L(lf.service), L(lf.user),
		    L(lf.rhost), token_id_shown(rep.id), L(t));
		free(t);
		pr = PAM_AUTH_ERR;
		goto out;
	}
	if (rep.id == NULL || rep.name == NULL || rep.role == NULL) {
		pam_syslog(pamh, LOG_ERR, "service=%s user=%s: apitokend: "
		    "accepted without the token's id, name and role",
		    L(lf.service), L(lf.user));
		pr = PAM_AUTHINFO_UNAVAIL;
		goto out;
	}
	if ((pr = accept_token(pamh, &rep)) != PAM_SUCCESS)
		goto out;
	t = log_text(rep.name);
	pam_syslog(pamh, LOG_INFO, "service=%s user=%s rhost=%s token=%s "
	    "name=%s: accepted", L(lf.service), L(lf.user), L(lf.rhost),
	    token_id_shown(rep.id), L(t));
	free(t);
	accepted = 1;
 out:
	log_fields_free(&lf);
	proto_clear(&rep);
	/* Belt and braces: only the accepting path above may say yes. */
	if (pr == PAM_SUCCESS && !accepted)
		pr = PAM_SERVICE_ERR;
	return pr;
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	return PAM_SUCCESS;
}

/*
 * Re-check a token-authenticated session: the token may have been revoked,
 * deleted or have expired between auth and account.  The token id comes
 * from pam_set_data() when auth ran in this process, else from the PAM
 * environment (sshd runs keyboard-interactive auth in a child and copies
 * the environment back, not the data).
 */
PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pamopts o;
	struct proto_msg req, rep;
	struct logfields lf;
	const void *data = NULL;
	const char *idtext, *user = NULL;
	char *t, stale[STALE_BUFSZ];
	int pr;

	proto_init(&rep, 0);
	memset(&lf, 0, sizeof(lf));
	if (parse_options(pamh, argc, argv, &o) != 0)
		return PAM_SERVICE_ERR;
	if (pam_get_data(pamh, DATA_TOKEN_ID, &data) == PAM_SUCCESS &&
	    data != NULL)
		idtext = data;
	else
		idtext = pam_getenv(pamh, ENV_ID);
	if (idtext == NULL || *idtext == '\0')
		return PAM_IGNORE;
	pr = pam_get_user(pamh, &user, NULL);
	if (pr != PAM_SUCCESS || user == NULL || *user == '\0')
		return PAM_USER_UNKNOWN;

	make_request(pamh, PROTO_ACCOUNT, user, &req);
	req.id = idtext;
	log_fields(pamh, user, &lf);
	set_stale(&o, &req, stale, sizeof(stale));
	if ((pr = ask(pamh, &o, &lf, &req, &rep)) != PAM_SUCCESS)
		goto out;
	if (rep.status == PROTO_ST_OK) {
		pr = PAM_SUCCESS;
		goto out;
	}
	t = log_text(rep.why != NULL ? rep.why :
	    proto_status_str(rep.status));
	pam_syslog(pamh, LOG_NOTICE, "service=%s user=%s token=%s: account "
	    "refused: %s", L(lf.service), L(lf.user), token_id_shown(idtext),
	    L(t));
	free(t);
	if (rep.status != PROTO_ST_REFUSED)
		pr = PAM_AUTH_ERR;
	else if (rep.reason == VERIFY_EXPIRED)
		pr = PAM_ACCT_EXPIRED;
	else if (rep.reason == VERIFY_REVOKED ||
	    rep.reason == VERIFY_WRONG_USER)
		pr = PAM_PERM_DENIED;
	else
		/* Deleted, or an id the PAM environment made up. */
		pr = PAM_AUTH_ERR;
out:
	log_fields_free(&lf);
	proto_clear(&rep);
	return pr;
}
