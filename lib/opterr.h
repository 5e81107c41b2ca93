/*
 * Command-line option errors that never repeat what was typed after "=".
 */
#ifndef APITOKEN_OPTERR_H
#define APITOKEN_OPTERR_H

#include <getopt.h>

void	opt_error(const char *, int, char *const [], const struct option *);

#endif /* APITOKEN_OPTERR_H */
