/*
 * The arguments of pam_apitoken.so: see pamopts.h.
 *
 * Unknown or malformed is an error, never skipped: a typo such as
 * "rol=Administrator" must not silently drop a rule.
 */
#include "config.h"

#include <string.h>

#include <stdint.h>

#include "error.h"
#include "number.h"
#include "pamopts.h"

/* The value of "name=value" if arg starts with prefix "name=", else NULL. */
static const char *
option_value(const char *arg, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(arg, prefix, n) == 0 ? arg + n : NULL;
}

/*
 * One "nX" of a duration at *sp: its value times mult, added to *total;
 * 0 also when *sp holds no "n" followed by unit (nothing read), -1 past
 * the bound.
 */
static int
component(const char **sp, char unit, long mult, long *total, int *any)
{
	const char *s = *sp;
	long n = 0;

	if (*s < '0' || *s > '9')
		return 0;
	while (*s >= '0' && *s <= '9') {
		if (n > PAMOPTS_MAXSTALE_MAX)
			return -1;
		n = n * 10 + (*s++ - '0');
	}
	if (*s != unit)
		return 0;		/* Another unit's: not this one. */
	if (n > PAMOPTS_MAXSTALE_MAX / mult)
		return -1;
	*total += n * mult;
	if (*total > PAMOPTS_MAXSTALE_MAX)
		return -1;
	*sp = s + 1;
	*any = 1;
	return 0;
}

long
pamopts_seconds(const char *s)
{
	long total = 0;
	int any = 0, t = 0;

	if (*s++ != 'P')
		return -1;
	if (component(&s, 'W', 604800, &total, &any) != 0 ||
	    component(&s, 'D', 86400, &total, &any) != 0)
		return -1;
	if (*s == 'T') {
		s++;
		if (component(&s, 'H', 3600, &total, &t) != 0 ||
		    component(&s, 'M', 60, &total, &t) != 0 ||
		    component(&s, 'S', 1, &total, &t) != 0 || !t)
			return -1;
		any = 1;
	}
	if (*s != '\0' || !any || total < 1)
		return -1;
	return total;
}

int
pamopts_parse(int argc, const char *const *argv, struct pamopts *o,
    int *bad)
{
	const char *v;
	uint64_t n;
	long secs;
	int i;

	memset(o, 0, sizeof(*o));
	o->socket = PAMOPTS_DEFAULT_SOCKET;
	o->timeout = PAMOPTS_DEFAULT_TIMEOUT;
	o->prompt = PAMOPTS_DEFAULT_PROMPT;
	if (bad != NULL)
		*bad = -1;
	for (i = 0; i < argc; i++) {
		if (argv[i] == NULL)
			goto bad;
		if (strcmp(argv[i], "debug") == 0)
			o->debug = 1;
		else if (strcmp(argv[i], "use_first_pass") == 0)
			o->use_first_pass = 1;
		else if (strcmp(argv[i], "try_first_pass") == 0)
			o->try_first_pass = 1;
		else if (strcmp(argv[i], "nouserok") == 0)
			o->nouserok = 1;
		else if (strcmp(argv[i], "last_used") == 0)
			o->last_used = 1;
		else if ((v = option_value(argv[i], "socket=")) != NULL &&
		    v[0] == '/')
			o->socket = v;
		else if ((v = option_value(argv[i], "timeout=")) != NULL &&
		    number_parse(v, 1, PAMOPTS_TIMEOUT_MAX, &n) == 0)
			o->timeout = (int)n;
		else if ((v = option_value(argv[i], "prompt=")) != NULL &&
		    v[0] != '\0')
			o->prompt = v;
		else if ((v = option_value(argv[i], "role=")) != NULL &&
		    v[0] != '\0')
			o->role = v;
		else if ((v = option_value(argv[i], "policy=")) != NULL &&
		    v[0] != '\0')
			o->policy = v;
		else if ((v = option_value(argv[i], "maxstale=")) != NULL &&
		    (secs = pamopts_seconds(v)) > 0)
			o->maxstale = secs;
		else if (strcmp(argv[i], "stale=deny") == 0)
			o->stale_allow = 0;
		else if (strcmp(argv[i], "stale=allow") == 0)
			o->stale_allow = 1;
		else
			goto bad;
	}
	if (o->use_first_pass && o->try_first_pass)
		return ATK_ERR_INVAL;
	return 0;
 bad:
	if (bad != NULL)
		*bad = i;
	return ATK_ERR_INVAL;
}
