/*
 * pam_apitoken: log in with an API token checked against the local store.
 *
 * Only the PAM entry points and the argument parsing live here; the check
 * itself is verify_token() in lib/, the very code "apitoken verify" runs.
 *
 * Every path that is not a successful check of a good token returns an
 * error: a missing, unsafe or corrupt store is PAM_AUTHINFO_UNAVAIL, an
 * internal failure PAM_SERVICE_ERR (or PAM_BUF_ERR), a wrong token
 * PAM_AUTH_ERR.  PAM_IGNORE is returned only where the admin asked for it
 * ("nouserok" and a user with no token at all) and by the account group for
 * sessions this module did not authenticate.
 */
#include "config.h"

#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_appl.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "error.h"
#include "pamopts.h"
#include "record.h"
#include "store.h"
#include "token.h"
#include "verify.h"

#define DATA_TOKEN_ID		"pam_apitoken_id"
#define ENV_ID			"APITOKEN_ID"
#define ENV_NAME		"APITOKEN_NAME"
#define ENV_ROLE		"APITOKEN_ROLE"
#define WHY_BUFSZ		256

/*
 * The module arguments (lib/pamopts.h): an unknown or malformed one is an
 * error, logged once here, on the caller's PAM_SERVICE_ERR path.
 */
static int
parse_options(pam_handle_t *pamh, int argc, const char **argv,
    struct pamopts *o)
{
	int bad;

	if (pamopts_parse(argc, argv, o, &bad) == 0)
		return 0;
	if (bad >= 0)
		pam_syslog(pamh, LOG_ERR, "bad module argument \"%s\"",
		    argv[bad]);
	else
		pam_syslog(pamh, LOG_ERR,
		    "use_first_pass and try_first_pass exclude each other");
	return -1;
}

static const char *
item_string(pam_handle_t *pamh, int item)
{
	const void *v = NULL;

	if (pam_get_item(pamh, item, &v) != PAM_SUCCESS || v == NULL)
		return NULL;
	return v;
}

static const char *
or_none(const char *s)
{
	return s != NULL && *s != '\0' ? s : "-";
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

/* A library error while deciding, as a PAM result: never success. */
static int
lib_error_result(int r)
{
	switch (r) {
	case ATK_ERR_NOMEM:
		return PAM_BUF_ERR;
	case ATK_ERR_INVAL:
	case ATK_ERR_CRYPTO:
	case ATK_ERR_RANDOM:
		return PAM_SERVICE_ERR;
	default:
		/* The store: missing, unsafe, corrupt, newer, failing. */
		return PAM_AUTHINFO_UNAVAIL;
	}
}

/*
 * The path is checked once, by store_open() (STORE_CHECK_SAFE is
 * always among the flags here): a second store_check_path() of our own
 * cost a login two path walks and a realpath() more, some 25 us.
 */
static int
open_store(pam_handle_t *pamh, const struct pamopts *o, int flags,
    struct store **st)
{
	char why[WHY_BUFSZ];
	int r;

	why[0] = '\0';
	*st = NULL;
	if ((r = store_open(o->db, flags | STORE_CHECK_SAFE, st, why,
	    sizeof(why))) != 0) {
		pam_syslog(pamh, LOG_ERR, "store %s%s: %s%s%s", o->db,
		    r == ATK_ERR_UNSAFE ? " refused" : "", atk_strerror(r),
		    why[0] != '\0' ? ": " : "", why);
		return r;
	}
	return 0;
}

/* With nouserok: PAM_IGNORE when the user has no token at all. */
static int
user_has_no_tokens(pam_handle_t *pamh, struct store *st, const char *user,
    int *none)
{
	struct store_txn *txn = NULL;
	int r;

	*none = 0;
	if ((r = store_txn_begin(st, STORE_RDONLY, &txn, NULL, 0)) != 0)
		return r;
	r = store_user_has_tokens(txn, user);
	store_txn_abort(txn);
	if (r < 0)
		return r;
	*none = (r == 0);
	return 0;
}

/*
 * Record when and from where the token was used; a failure is only logged.
 * The store is opened again for writing: the path is checked again too.
 */
static void
record_use(pam_handle_t *pamh, const struct pamopts *o, const char *idtext,
    const char *rhost)
{
	unsigned char id[TOKEN_ID_BYTES];
	struct store *st = NULL;
	struct store_txn *txn = NULL;
	int r;

	if ((r = token_id_parse(idtext, id)) != 0 ||
	    (r = store_open(o->db, STORE_CHECK_SAFE, &st, NULL, 0)) != 0 ||
	    (r = store_txn_begin(st, 0, &txn, NULL, 0)) != 0 ||
	    (r = store_touch(txn, id, (int64_t)time(NULL), or_none(rhost))) != 0)
		goto out;
	r = store_txn_commit(txn, NULL, 0);
	txn = NULL;
 out:
	store_txn_abort(txn);
	store_close(st);
	if (r != 0)
		pam_syslog(pamh, LOG_WARNING, "token %s: last use not "
		    "recorded: %s", idtext, atk_strerror(r));
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc,
    const char **argv)
{
	struct pamopts o;
	struct verify_request req;
	struct verify_result res;
	struct store *st = NULL;
	const char *user = NULL, *service, *rhost, *why;
	char *tok = NULL, *idcopy;
	int pr, r, none, accepted = 0;

	memset(&res, 0, sizeof(res));
	if (parse_options(pamh, argc, argv, &o) != 0)
		return PAM_SERVICE_ERR;
	pr = pam_get_user(pamh, &user, NULL);
	if (pr != PAM_SUCCESS || user == NULL || *user == '\0') {
		pam_syslog(pamh, LOG_ERR, "cannot determine the user: %s",
		    pam_strerror(pamh, pr));
		return pr == PAM_CONV_AGAIN ? PAM_INCOMPLETE :
		    (pr == PAM_SUCCESS ? PAM_USER_UNKNOWN : pr);
	}
	service = item_string(pamh, PAM_SERVICE);
	rhost = item_string(pamh, PAM_RHOST);

	if ((r = open_store(pamh, &o, STORE_RDONLY | STORE_CHECK_SAFE,
	    &st)) != 0) {
		pr = lib_error_result(r);
		goto out;
	}
	if (o.nouserok) {
		if ((r = user_has_no_tokens(pamh, st, user, &none)) != 0) {
			pam_syslog(pamh, LOG_ERR, "store %s: %s", o.db,
			    atk_strerror(r));
			pr = lib_error_result(r);
			goto out;
		}
		if (none) {
			if (o.debug)
				pam_syslog(pamh, LOG_DEBUG, "service=%s "
				    "user=%s: no token, ignored (nouserok)",
				    or_none(service), user);
			pr = PAM_IGNORE;
			goto out;
		}
	}
	if ((pr = get_token(pamh, &o, &tok)) != PAM_SUCCESS) {
		pam_syslog(pamh, LOG_NOTICE, "service=%s user=%s rhost=%s: "
		    "no token: %s", or_none(service), user, or_none(rhost),
		    pam_strerror(pamh, pr));
		goto out;
	}

	memset(&req, 0, sizeof(req));
	req.user = user;
	req.service = service;
	req.rhost = rhost;
	req.role = o.role;
	req.policy = o.policy;		/* verify_token() reads "service". */
	req.now = (int64_t)time(NULL);
	r = verify_token(st, tok, strlen(tok), &req, &res);
	free_token(tok);
	tok = NULL;
	if (r != 0) {
		pam_syslog(pamh, LOG_ERR, "service=%s user=%s rhost=%s "
		    "token=%s: cannot verify: %s", or_none(service), user,
		    or_none(rhost), res.known ? res.id : "unknown",
		    atk_strerror(r));
		pr = lib_error_result(r);
		goto out;
	}
	why = verify_reason_str(res.reason);
	if (res.reason != VERIFY_OK) {
		pam_syslog(pamh, LOG_NOTICE, "service=%s user=%s rhost=%s "
		    "token=%s: refused: %s", or_none(service), user,
		    or_none(rhost), res.known ? res.id : "unknown", why);
		pr = PAM_AUTH_ERR;
		goto out;
	}
	/* Close the reader before any write (last_used) and before success. */
	store_close(st);
	st = NULL;

	if ((pr = put_env(pamh, ENV_ID, res.id)) != PAM_SUCCESS ||
	    (pr = put_env(pamh, ENV_NAME, res.name)) != PAM_SUCCESS ||
	    (pr = put_env(pamh, ENV_ROLE, res.role)) != PAM_SUCCESS)
		goto out;
	if ((idcopy = strdup(res.id)) == NULL) {
		pr = PAM_BUF_ERR;
		goto out;
	}
	if ((pr = pam_set_data(pamh, DATA_TOKEN_ID, idcopy,
	    cleanup_data)) != PAM_SUCCESS) {
		free(idcopy);
		goto out;
	}
	pam_syslog(pamh, LOG_INFO, "service=%s user=%s rhost=%s token=%s "
	    "name=%s: accepted", or_none(service), user, or_none(rhost),
	    res.id, or_none(res.name));
	if (o.last_used)
		record_use(pamh, &o, res.id, rhost);
	accepted = 1;
	pr = PAM_SUCCESS;
 out:
	free_token(tok);
	verify_result_free(&res);
	store_close(st);
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
 * Re-check a token-authenticated session: the token may have been revoked
 * or have expired between auth and account.  The token id comes from
 * pam_set_data() when auth ran in this process, else from the PAM
 * environment (sshd runs keyboard-interactive auth in a child and copies
 * the environment back, not the data).
 */
PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pamopts o;
	struct store *st = NULL;
	struct verify_request req;
	struct verify_result res;
	unsigned char id[TOKEN_ID_BYTES];
	const void *data = NULL;
	const char *idtext, *user = NULL, *service, *why;
	int pr, r;

	memset(&res, 0, sizeof(res));
	if (parse_options(pamh, argc, argv, &o) != 0)
		return PAM_SERVICE_ERR;
	if (pam_get_data(pamh, DATA_TOKEN_ID, &data) == PAM_SUCCESS &&
	    data != NULL)
		idtext = data;
	else
		idtext = pam_getenv(pamh, ENV_ID);
	if (idtext == NULL || *idtext == '\0')
		return PAM_IGNORE;
	if (token_id_parse(idtext, id) != 0) {
		pam_syslog(pamh, LOG_ERR, "bad %s in the PAM environment",
		    ENV_ID);
		return PAM_AUTH_ERR;
	}
	pr = pam_get_user(pamh, &user, NULL);
	if (pr != PAM_SUCCESS || user == NULL)
		return PAM_USER_UNKNOWN;
	service = item_string(pamh, PAM_SERVICE);

	if ((r = open_store(pamh, &o, STORE_RDONLY | STORE_CHECK_SAFE,
	    &st)) != 0) {
		pr = lib_error_result(r);
		goto out;
	}
	memset(&req, 0, sizeof(req));
	req.user = user;
	req.service = service;
	req.now = (int64_t)time(NULL);
	if ((r = verify_account(st, idtext, &req, &res)) != 0) {
		pam_syslog(pamh, LOG_ERR, "store %s: %s", o.db,
		    atk_strerror(r));
		pr = lib_error_result(r);
		goto out;
	}
	switch (res.reason) {
	case VERIFY_OK:
		pr = PAM_SUCCESS;
		goto out;
	case VERIFY_DELETED:
		why = "token deleted";
		pr = PAM_AUTH_ERR;
		break;
	case VERIFY_WRONG_USER:
		why = "token is for another user";
		pr = PAM_PERM_DENIED;
		break;
	case VERIFY_REVOKED:
		why = "token revoked";
		pr = PAM_PERM_DENIED;
		break;
	case VERIFY_EXPIRED:
		why = "token expired";
		pr = PAM_ACCT_EXPIRED;
		break;
	default:
		why = verify_reason_str(res.reason);
		pr = PAM_AUTH_ERR;
		break;
	}
	pam_syslog(pamh, LOG_NOTICE, "service=%s user=%s token=%s: "
	    "account refused: %s", or_none(service), user, idtext, why);
 out:
	verify_result_free(&res);
	store_close(st);
	return pr;
}
