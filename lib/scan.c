/*
 * Finding tokens in text, block by block (lib/scan.h).
 */
#include "config.h"

#include <string.h>

#include "error.h"
#include "scan.h"
#include "token.h"

#define SCAN_SEP	'_'
/* After the prefix: "_" id "_" secret checksum. */
#define SCAN_TAIL	(1 + TOKEN_ID_CHARS + 1 + TOKEN_SECRET_CHARS + \
	TOKEN_CHECKSUM_CHARS)

int
scan_init(struct scan *sc, const char *prefix, int flags)
{
	size_t plen;

	memset(sc, 0, sizeof(*sc));
	if (!token_prefix_valid(prefix))
		return ATK_ERR_INVAL;
	plen = strlen(prefix);
	memcpy(sc->needle, prefix, plen);
	sc->needle[plen] = SCAN_SEP;
	sc->nlen = plen + 1;
	sc->toklen = plen + SCAN_TAIL;
	sc->flags = flags;
	return 0;
}

/* 1 at a byte that ends a word: blanks, line ends and quotes. */
static int
word_end(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\v' || c == '\f' || c == '"' || c == '\'' || c == '`' ||
	    c == '\0';
}

/*
 * Native tokens starting in buf[sc->nat, cut), cut the first start where
 * a whole token would not fit (have at eof: none fits there).
 */
static int
scan_native(struct scan *sc, const char *buf, size_t have, int eof,
    scan_cb cb, void *arg)
{
	struct token tok;
	const char *p;
	size_t cut, pos, plen = sc->nlen - 1;
	int r, rv = 0;

	cut = have >= sc->toklen ? have - sc->toklen + 1 : 0;
	while (sc->nat < cut) {
		/*
		 * The '_' after the prefix, then the prefix before it: '_' is
		 * rarer in text than most letters, and memchr(3) runs at
		 * memory speed, about twice memmem(3)'s.
		 */
		if ((p = memchr(buf + sc->nat + plen, SCAN_SEP,
		    cut - sc->nat)) == NULL)
			break;
		pos = (size_t)(p - buf) - plen;
		sc->nat = pos + 1;
		if (buf[pos] != sc->needle[0] ||
		    memcmp(buf + pos, sc->needle, plen) != 0)
			continue;
		if ((r = token_parse(buf + pos, sc->toklen, &tok)) ==
		    TOKEN_NATIVE)
			rv = cb(&tok, pos, arg);
		token_clear(&tok);
		if (rv != 0)
			return rv;
	}
	sc->nat = eof ? have : (sc->nat > cut ? sc->nat : cut);
	return 0;
}

/* A word: reported if it is importable text. */
static int
scan_word(const char *buf, size_t pos, size_t len, scan_cb cb, void *arg)
{
	struct token tok;
	int rv = 0;

	if (len < TOKEN_IMPORT_MIN || len > TOKEN_MAX_LEN)
		return 0;
	if (token_parse(buf + pos, len, &tok) == TOKEN_IMPORTED)
		rv = cb(&tok, pos, arg);
	token_clear(&tok);
	return rv;
}

/* Whole words in buf[sc->wat, have); one cut off by the end waits. */
static int
scan_words(struct scan *sc, const char *buf, size_t have, int eof,
    scan_cb cb, void *arg)
{
	size_t i;
	int rv;

	for (i = sc->wat; i < have; i++) {
		if (word_end((unsigned char)buf[i])) {
			if (sc->inword && !sc->toolong && (rv = scan_word(buf,
			    sc->wstart, i - sc->wstart, cb, arg)) != 0) {
				sc->wat = i + 1;
				sc->inword = 0;
				return rv;
			}
			sc->inword = sc->toolong = 0;
		} else if (!sc->inword) {
			sc->inword = 1;
			sc->wstart = i;
		} else if (i - sc->wstart >= TOKEN_MAX_LEN)
			sc->toolong = 1;
	}
	sc->wat = have;
	if (eof && sc->inword && !sc->toolong) {
		sc->inword = 0;
		return scan_word(buf, sc->wstart, have - sc->wstart, cb, arg);
	}
	return 0;
}

int
scan_block(struct scan *sc, const char *buf, size_t have, int eof,
    scan_cb cb, void *arg, size_t *cutp)
{
	size_t cut;
	int rv;

	*cutp = 0;
	if ((rv = scan_native(sc, buf, have, eof, cb, arg)) != 0)
		return rv;
	if ((sc->flags & SCAN_WORDS) &&
	    (rv = scan_words(sc, buf, have, eof, cb, arg)) != 0)
		return rv;
	/* Keep what the next block may still need. */
	cut = eof ? have : sc->nat;
	if ((sc->flags & SCAN_WORDS) && !eof && sc->inword && !sc->toolong &&
	    sc->wstart < cut)
		cut = sc->wstart;
	sc->nat -= cut;
	if (sc->flags & SCAN_WORDS) {
		sc->wat -= cut;
		if (sc->inword && !sc->toolong)
			sc->wstart -= cut;
	}
	*cutp = cut;
	return 0;
}
