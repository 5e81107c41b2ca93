/*
 * An output file that appears whole or not at all: it is written to a
 * temporary file in the same directory, created O_EXCL|O_NOFOLLOW with mode
 * 0600, and renamed over the name only by outfile_commit().  An existing
 * file is refused (ATK_ERR_EXISTS) unless force is set, also when one
 * appears while the output is being written.  "-" is standard output,
 * written directly.
 */
#ifndef APITOKEN_OUTFILE_H
#define APITOKEN_OUTFILE_H

#include <stddef.h>

#define OUTFILE_STDOUT	"-"

struct outfile;

/* ATK_ERR_SYSTEM leaves errno set. */
int	outfile_open(const char *, int, struct outfile **);
int	outfile_write(struct outfile *, const void *, size_t);
/* Flushes, closes and renames; frees the outfile whatever the result. */
int	outfile_commit(struct outfile *);
/* Removes the temporary file and frees; NULL is fine. */
void	outfile_abort(struct outfile *);

#endif /* APITOKEN_OUTFILE_H */
