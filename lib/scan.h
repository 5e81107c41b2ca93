/*
 * Finding tokens in text (apitoken scan): the native tokens of one prefix,
 * and with SCAN_WORDS the words an imported token could be.
 *
 * The text comes in blocks, each the rest of the one before (the bytes
 * from its cut on) followed by new input.  A native token is found by the
 * '_' after the prefix (memchr(3), not a regular expression per line),
 * then the prefix before it, and reported only when the text from there
 * parses as a native token with a good checksum (token_parse()): a
 * look-alike or a copy with one character wrong is not.  Each start is
 * tried once, when the whole token is in the block.  A word is a run of
 * bytes between blanks, line ends, quotes and backquotes; one of 16 to
 * 1023 bytes that token_parse() calls importable is reported.  Nothing
 * found is ever copied or kept: the caller gets the parsed token and its
 * offset in the block.
 */
#ifndef APITOKEN_SCAN_H
#define APITOKEN_SCAN_H

#include <stddef.h>

#include "token.h"

/* scan_init() flags. */
#define SCAN_WORDS	0x01	/* Also words an imported token could be. */

/* What a block may carry into the next one, at most. */
#define SCAN_CARRY_MAX	TOKEN_MAX_LEN

struct scan {
	char	 needle[TOKEN_PREFIX_MAX + 2];	/* prefix and '_' */
	size_t	 nlen;
	size_t	 toklen;	/* Of a native token of the prefix. */
	int	 flags;
	size_t	 nat;		/* Next native start to try. */
	size_t	 wat;		/* Next byte of words to look at. */
	size_t	 wstart;	/* Of the word being read. */
	int	 inword;
	int	 toolong;	/* That word is longer than any token. */
};

/*
 * Called for each token found, in block order for each kind (natives
 * first): the parsed token (TOKEN_NATIVE, or TOKEN_IMPORTED for a word;
 * its text points into the block) and its offset.  A non-zero return
 * stops scan_block(), which returns it.
 */
typedef int (*scan_cb)(const struct token *, size_t, void *);

/* ATK_ERR_INVAL for a bad prefix. */
int	scan_init(struct scan *, const char *, int);
/*
 * One block of have bytes (eof: the input ends with it).  Reports what it
 * holds and sets *cut: the bytes before it are done, those from it on
 * (at most SCAN_CARRY_MAX; none at eof) must begin the next block.
 */
int	scan_block(struct scan *, const char *, size_t, int, scan_cb, void *,
	    size_t *);

#endif /* APITOKEN_SCAN_H */
