/*
 * The arguments of pam_apitoken.so (lib/pamopts.h).  Parsing never reads
 * past an argument; a parse that succeeds leaves every field in its
 * documented domain (socket absolute, timeout 1..600, prompt not empty,
 * role and policy NULL or not empty, flags 0 or 1, not both first_pass
 * flags, maxstale 0 or its seconds as a plain reference of the duration
 * grammar reads them, stale= the last one given), each value from the last argument that gave it (pointing into
 * argv; timeout as a plain reference reads it) or its default; a parse
 * that fails names the first argument a plain reference of the grammar
 * refuses (db= among them: it went with the daemon), or -1 for the
 * first_pass pair when there is none; the parsed options rendered back to
 * arguments parse to the same options and render to the same arguments
 * again.
 * Input: the arguments, separated by NUL or newline bytes.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "pamopts.h"

#define MAX_ARGS	64
/*
 * A rendering: five flags, four "name=value" texts, timeout=, maxstale=
 * and stale=.
 */
#define RENDER_MAX	12
#define MAXSTALE_ARG	"maxstale="
#define STALE_ALLOW	"stale=allow"
#define STALE_DENY	"stale=deny"
#define TIMEOUT_ARG	"timeout="
/* "timeout=600" and its NUL, and then some. */
#define TIMEOUT_ARG_MAX	32

static const char *const flags[] = {
	"debug", "use_first_pass", "try_first_pass", "nouserok", "last_used"
};
static const char *const valued[] = {
	"socket=", "prompt=", "role=", "policy="
};
static const char *const defaults[] = {
	PAMOPTS_DEFAULT_SOCKET, PAMOPTS_DEFAULT_PROMPT, NULL, NULL
};

/* The seconds of a timeout= value by SPEC section 8, or -1. */
static int
reference_timeout(const char *v)
{
	long n = 0;

	if (*v == '\0')
		return -1;
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9')
			return -1;
		/* Past the limit it stays past: no overflow. */
		if (n <= PAMOPTS_TIMEOUT_MAX)
			n = n * 10 + (*v - '0');
	}
	return n >= 1 && n <= PAMOPTS_TIMEOUT_MAX ? (int)n : -1;
}

/*
 * The seconds of a maxstale= value, or -1: "P", then "<n>W", "<n>D" (each
 * optional, in that order), then optionally "T" and at least one of
 * "<n>H", "<n>M", "<n>S" in that order; at least one part; 1 s to the
 * limit, counted without overflow.
 */
static long
reference_seconds(const char *v)
{
	static const struct { char unit; long mult; int timepart; } parts[] = {
		{ 'W', 604800, 0 }, { 'D', 86400, 0 },
		{ 'H', 3600, 1 }, { 'M', 60, 1 }, { 'S', 1, 1 },
	};
	unsigned long long total = 0, n;
	size_t p = 0, i;
	int intime = 0, timeparts = 0, any = 0;
	const char *d;

	if (*v++ != 'P')
		return -1;
	while (*v != '\0') {
		if (*v == 'T' && !intime) {
			intime = 1;
			v++;
			while (p < 5 && !parts[p].timepart)
				p++;
			continue;
		}
		for (d = v, n = 0; *d >= '0' && *d <= '9'; d++)
			if (n <= PAMOPTS_MAXSTALE_MAX)
				n = n * 10 + (unsigned long long)(*d - '0');
		if (d == v)
			return -1;
		for (i = p; i < 5; i++)
			if (parts[i].unit == *d && parts[i].timepart == intime)
				break;
		if (i == 5)
			return -1;
		if (n <= PAMOPTS_MAXSTALE_MAX)
			total += n * (unsigned long long)parts[i].mult;
		else
			total = PAMOPTS_MAXSTALE_MAX + 1ULL;
		if (total > PAMOPTS_MAXSTALE_MAX)
			total = PAMOPTS_MAXSTALE_MAX + 1ULL;
		p = i + 1;
		any = 1;
		timeparts += intime;
		v = d + 1;
	}
	if (!any || (intime && timeparts == 0) || total < 1 ||
	    total > PAMOPTS_MAXSTALE_MAX)
		return -1;
	return (long)total;
}

/* 1 if arg is an argument SPEC section 8 accepts on its own. */
static int
reference_ok(const char *arg)
{
	size_t i, n;

	if (strcmp(arg, STALE_ALLOW) == 0 || strcmp(arg, STALE_DENY) == 0)
		return 1;
	n = strlen(MAXSTALE_ARG);
	if (strncmp(arg, MAXSTALE_ARG, n) == 0)
		return reference_seconds(arg + n) != -1;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strcmp(arg, flags[i]) == 0)
			return 1;
	for (i = 0; i < sizeof(valued) / sizeof(valued[0]); i++) {
		n = strlen(valued[i]);
		if (strncmp(arg, valued[i], n) == 0)
			return i == 0 ? arg[n] == '/' : arg[n] != '\0';
	}
	n = strlen(TIMEOUT_ARG);
	if (strncmp(arg, TIMEOUT_ARG, n) == 0)
		return reference_timeout(arg + n) != -1;
	return 0;
}

static int *
flag_field(struct pamopts *o, size_t i)
{
	int *f[] = { &o->debug, &o->use_first_pass, &o->try_first_pass,
	    &o->nouserok, &o->last_used };

	return f[i];
}

static const char **
valued_field(struct pamopts *o, size_t i)
{
	const char **f[] = { &o->socket, &o->prompt, &o->role, &o->policy };

	return f[i];
}

/*
 * A value comes from the last argument that gave it (pointing just after
 * its prefix), else it is the default (the same literal need not be one
 * object in two files).
 */
static int
points_well(const char *v, size_t field, const char *const *argv, int argc)
{
	size_t n = strlen(valued[field]);
	int i;

	for (i = argc - 1; i >= 0; i--)
		if (strncmp(argv[i], valued[field], n) == 0)
			return v == argv[i] + n;
	if (defaults[field] == NULL)
		return v == NULL;
	return v != NULL && strcmp(v, defaults[field]) == 0;
}

/* The timeout of the last timeout= argument, else the default. */
static int
timeout_well(int timeout, const char *const *argv, int argc)
{
	size_t n = strlen(TIMEOUT_ARG);
	int i;

	for (i = argc - 1; i >= 0; i--)
		if (strncmp(argv[i], TIMEOUT_ARG, n) == 0)
			return timeout == reference_timeout(argv[i] + n);
	return timeout == PAMOPTS_DEFAULT_TIMEOUT;
}

/* maxstale and stale= from the last arguments that gave them, or 0. */
static int
stale_well(const struct pamopts *o, const char *const *argv, int argc)
{
	size_t n = strlen(MAXSTALE_ARG);
	long want = 0;
	int allow = 0, i, seen = 0;

	for (i = argc - 1; i >= 0; i--)
		if (strncmp(argv[i], MAXSTALE_ARG, n) == 0) {
			want = reference_seconds(argv[i] + n);
			break;
		}
	for (i = argc - 1; i >= 0 && !seen; i--)
		if (strcmp(argv[i], STALE_ALLOW) == 0)
			allow = seen = 1;
		else if (strcmp(argv[i], STALE_DENY) == 0)
			seen = 1;
	return o->maxstale == want && o->stale_allow == allow;
}

static void
check_domain(struct pamopts *o, const char *const *argv, int argc)
{
	size_t i;

	FUZZ_CHECK(o->maxstale >= 0 && o->maxstale <= PAMOPTS_MAXSTALE_MAX);
	FUZZ_CHECK(o->stale_allow == 0 || o->stale_allow == 1);
	FUZZ_CHECK(stale_well(o, argv, argc));
	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		FUZZ_CHECK(*flag_field(o, i) == 0 || *flag_field(o, i) == 1);
	FUZZ_CHECK(!(o->use_first_pass && o->try_first_pass));
	FUZZ_CHECK(o->socket != NULL && o->socket[0] == '/');
	FUZZ_CHECK(o->timeout >= 1 && o->timeout <= PAMOPTS_TIMEOUT_MAX);
	FUZZ_CHECK(o->prompt != NULL && o->prompt[0] != '\0');
	FUZZ_CHECK(o->role == NULL || o->role[0] != '\0');
	FUZZ_CHECK(o->policy == NULL || o->policy[0] != '\0');
	for (i = 0; i < sizeof(valued) / sizeof(valued[0]); i++)
		FUZZ_CHECK(points_well(*valued_field(o, i), i, argv, argc));
	FUZZ_CHECK(timeout_well(o->timeout, argv, argc));
}

/*
 * The canonical arguments of o: each flag set, then each text that is
 * not the default, then timeout= unless it is the default.  The strings
 * are allocated; the count is returned.
 */
static int
render(struct pamopts *o, char **out)
{
	const char *v;
	size_t i, n;
	int k = 0, w;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (*flag_field(o, i))
			out[k++] = fuzz_strndup((const uint8_t *)flags[i],
			    strlen(flags[i]));
	for (i = 0; i < sizeof(valued) / sizeof(valued[0]); i++) {
		v = *valued_field(o, i);
		if (v == NULL ||
		    (defaults[i] != NULL && strcmp(v, defaults[i]) == 0))
			continue;
		n = strlen(valued[i]);
		out[k] = fuzz_malloc(n + strlen(v) + 1);
		memcpy(out[k], valued[i], n);
		memcpy(out[k] + n, v, strlen(v) + 1);
		k++;
	}
	if (o->timeout != PAMOPTS_DEFAULT_TIMEOUT) {
		out[k] = fuzz_malloc(TIMEOUT_ARG_MAX);
		w = snprintf(out[k], TIMEOUT_ARG_MAX, "%s%d", TIMEOUT_ARG,
		    o->timeout);
		FUZZ_CHECK(w > 0 && w < TIMEOUT_ARG_MAX);
		k++;
	}
	if (o->maxstale != 0) {
		out[k] = fuzz_malloc(TIMEOUT_ARG_MAX);
		w = snprintf(out[k], TIMEOUT_ARG_MAX, "%sPT%ldS", MAXSTALE_ARG,
		    o->maxstale);
		FUZZ_CHECK(w > 0 && w < TIMEOUT_ARG_MAX);
		k++;
	}
	if (o->stale_allow)
		out[k++] = fuzz_strndup((const uint8_t *)STALE_ALLOW,
		    strlen(STALE_ALLOW));
	return k;
}

static int
same_value(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int
same(struct pamopts *a, struct pamopts *b)
{
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (*flag_field(a, i) != *flag_field(b, i))
			return 0;
	if (a->timeout != b->timeout || a->maxstale != b->maxstale ||
	    a->stale_allow != b->stale_allow)
		return 0;
	for (i = 0; i < sizeof(valued) / sizeof(valued[0]); i++)
		if (!same_value(*valued_field(a, i), *valued_field(b, i)))
			return 0;
	return 1;
}

static void
free_args(char **argv, int argc)
{
	int i;

	for (i = 0; i < argc; i++)
		free(argv[i]);
}

static void
round_trip(struct pamopts *o)
{
	char *r1[RENDER_MAX], *r2[RENDER_MAX];
	struct pamopts o1, o2;
	int n1, n2, i, bad;

	n1 = render(o, r1);
	FUZZ_CHECK(pamopts_parse(n1, (const char *const *)r1, &o1, &bad) ==
	    0);
	FUZZ_CHECK(bad == -1);
	check_domain(&o1, (const char *const *)r1, n1);
	FUZZ_CHECK(same(o, &o1));
	n2 = render(&o1, r2);
	FUZZ_CHECK(n1 == n2);
	for (i = 0; i < n1 && i < n2; i++)
		FUZZ_CHECK(strcmp(r1[i], r2[i]) == 0);
	FUZZ_CHECK(pamopts_parse(n2, (const char *const *)r2, &o2, NULL) ==
	    0);
	FUZZ_CHECK(same(&o1, &o2));
	free_args(r2, n2);
	free_args(r1, n1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS];
	struct pamopts o;
	size_t start = 0, i;
	int argc = 0, bad, r, k, use = 0, try = 0;

	/* Each argument in a buffer of its own size, for ASan. */
	for (i = 0; i <= size && argc < MAX_ARGS; i++) {
		if (i < size && data[i] != '\0' && data[i] != '\n')
			continue;
		argv[argc++] = fuzz_strndup(data + start, i - start);
		start = i + 1;
	}
	r = pamopts_parse(argc, (const char *const *)argv, &o, &bad);
	if (r == 0) {
		FUZZ_CHECK(bad == -1);
		for (k = 0; k < argc; k++)
			FUZZ_CHECK(reference_ok(argv[k]));
		check_domain(&o, (const char *const *)argv, argc);
		round_trip(&o);
	} else {
		FUZZ_CHECK(r == ATK_ERR_INVAL);
		FUZZ_CHECK(bad >= -1 && bad < argc);
		/* Every argument before the one named is a good one. */
		for (k = 0; k < (bad >= 0 ? bad : argc); k++) {
			FUZZ_CHECK(reference_ok(argv[k]));
			use |= strcmp(argv[k], "use_first_pass") == 0;
			try |= strcmp(argv[k], "try_first_pass") == 0;
		}
		if (bad >= 0)
			FUZZ_CHECK(!reference_ok(argv[bad]));
		else
			FUZZ_CHECK(use && try);
	}
	free_args(argv, argc);
	return 0;
}
