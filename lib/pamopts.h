/*
 * The arguments of pam_apitoken.so (SPEC section 8), parsed apart from the
 * module so that a unit test and a fuzz target reach the very parser the
 * module runs.  Nothing here logs: the module says what was wrong.
 *
 *	socket=PATH	apitokend's socket (absolute path)
 *	timeout=SECONDS	how long to wait for apitokend (1 to 600)
 *	debug		log the decisions PAM_IGNORE makes too
 *	use_first_pass	the token is PAM_AUTHTOK, never a prompt
 *	try_first_pass	PAM_AUTHTOK if set, else the prompt
 *	prompt=TEXT	the prompt (not empty)
 *	role=R		the token must carry role R (not empty)
 *	policy=P	the token must carry policy P (not empty; "service"
 *			means the PAM service name)
 *	nouserok	PAM_IGNORE for a user with no token at all
 *	last_used	record when and from where a token was used
 *	maxstale=DUR	a fleet host (apitokend --etcd) last in step with
 *			etcd longer ago than DUR is stale: an ISO 8601
 *			duration of weeks, days, hours, minutes and seconds
 *			(PT2S, PT5M, P1D), 1 s to PAMOPTS_MAXSTALE_MAX
 *	stale=deny|allow  past maxstale: PAM_AUTHINFO_UNAVAIL (deny, the
 *			default), or go on with a warning (allow)
 *
 * An argument given twice counts the last time.  "db=" is gone with the
 * daemon (the module no longer opens the store): it is refused as unknown,
 * and the module's log line names socket=.
 */
#ifndef APITOKEN_PAMOPTS_H
#define APITOKEN_PAMOPTS_H

#define PAMOPTS_DEFAULT_PROMPT	"API token: "
#define PAMOPTS_DEFAULT_SOCKET	"/run/apitoken/apitokend.sock"
#define PAMOPTS_DEFAULT_TIMEOUT	5	/* Seconds. */
#define PAMOPTS_TIMEOUT_MAX	600
#define PAMOPTS_MAXSTALE_MAX	31622400	/* 366 days, in seconds. */

struct pamopts {
	/* Into argv, or the defaults (PAMOPTS_DEFAULT_*). */
	const char	*socket;	/* Begins with '/'. */
	const char	*prompt;	/* Not empty. */
	const char	*role;		/* NULL or not empty. */
	const char	*policy;	/* NULL or not empty. */
	int		 timeout;	/* Seconds, 1 to PAMOPTS_TIMEOUT_MAX. */
	int		 debug;		/* 0 or 1, as the others. */
	int		 use_first_pass;
	int		 try_first_pass;	/* Never with use_first_pass. */
	int		 nouserok;
	int		 last_used;
	long		 maxstale;	/* Seconds; 0: no bound. */
	int		 stale_allow;	/* stale=allow; deny is 0. */
};

/*
 * An ISO 8601 duration of weeks, days, hours, minutes and seconds
 * ("P[nW][nD][T[nH][nM][nS]]", at least one, no years or months, which
 * have no fixed length) in seconds, 1 to PAMOPTS_MAXSTALE_MAX; else -1.
 */
long	pamopts_seconds(const char *);

/*
 * 0, or ATK_ERR_INVAL for an unknown or malformed argument (*bad is its
 * index in argv) or a bad combination (*bad is -1: use_first_pass with
 * try_first_pass).  *o is set to the defaults first, and on an error holds
 * what was read before it; bad may be NULL.
 */
int	pamopts_parse(int, const char *const *, struct pamopts *, int *);

#endif /* APITOKEN_PAMOPTS_H */
