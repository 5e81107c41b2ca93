/*
 * Option errors for the tools, in place of getopt_long()'s own.
 *
 * GNU getopt_long() reports an unknown "--name=VALUE" whole, and VALUE
 * is where a secret typed by mistake would be ("--token=atk_...",
 * "--secret=..."): on a terminal, in a CI log, in a shell transcript.
 * So the tools set opterr to 0, put ':' first in their option strings
 * (to tell a missing value from an unknown option) and call opt_error()
 * for what getopt_long() returned instead: it names the option, never
 * what follows its "=".
 */
#include "config.h"

#include <ctype.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "opterr.h"

/*
 * The long option that "--" word (without its dashes, n bytes up to any
 * "=") stands for, as getopt_long() takes it: the exact name, else the
 * one name it begins.  *many is set when it begins several.
 */
static const struct option *
long_named(const struct option *lo, const char *word, size_t n, int *many)
{
	const struct option *found = NULL;

	*many = 0;
	for (; lo != NULL && lo->name != NULL; lo++) {
		if (strncmp(lo->name, word, n) != 0)
			continue;
		if (lo->name[n] == '\0')
			return lo;
		if (found != NULL)
			*many = 1;
		found = lo;
	}
	return *many ? NULL : found;
}

/*
 * Say on stderr, prefixed "prog: ", what was wrong with the option that
 * made getopt_long() return ch ('?' or ':'), using optind and optopt as
 * it left them.  argv and longopts are what it was given.
 */
void
opt_error(const char *prog, int ch, char *const argv[],
    const struct option *longopts)
{
	const struct option *lo;
	const char *word = optind > 0 ? argv[optind - 1] : NULL;
	size_t n;
	int many;

	/*
	 * A long option: getopt_long() has stepped past its word.  An
	 * unknown or ambiguous one leaves optopt 0; a known one with a
	 * value missing or not wanted, its val.
	 */
	if (word != NULL && strncmp(word, "--", 2) == 0 && word[2] != '\0') {
		word += 2;
		n = strcspn(word, "=");
		lo = long_named(longopts, word, n, &many);
		if (optopt == 0) {
			fprintf(stderr, "%s: %s option --%.*s\n", prog,
			    many ? "ambiguous" : "unknown", (int)n, word);
			return;
		}
		if (lo != NULL && lo->flag == NULL && lo->val == optopt) {
			fprintf(stderr, "%s: option --%s %s\n", prog,
			    lo->name, ch == ':' ? "needs a value" :
			    "takes no value");
			return;
		}
	}
	/* A short option: optopt is its letter, any value stays unsaid. */
	if (optopt > 0 && optopt <= UCHAR_MAX && isgraph(optopt))
		fprintf(stderr, ch == ':' ? "%s: option -%c needs a value\n" :
		    "%s: unknown option -%c\n", prog, optopt);
	else
		fprintf(stderr, "%s: unknown option\n", prog);
}
