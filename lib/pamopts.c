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

int
pamopts_parse(int argc, const char *const *argv, struct pamopts *o,
    int *bad)
{
	const char *v;
	uint64_t n;
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
