/*
 * lib/scan.c: native tokens by prefix and checksum, importable words, and
 * the same findings whatever the blocks the text comes in.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <atf-c.h>

#include "error.h"
#include "scan.h"
#include "token.h"

#define MAX_HITS	64
#define TEXT_MAX	8192
#define IMPORTED	"an-imported-token-of-some-length"

struct hits {
	size_t	pos[MAX_HITS];
	int	kind[MAX_HITS];
	size_t	n;
	size_t	base;		/* Offset of the block in the text. */
};

static int
collect(const struct token *tok, size_t pos, void *arg)
{
	struct hits *h = arg;

	ATF_REQUIRE(h->n < MAX_HITS);
	h->pos[h->n] = h->base + pos;
	h->kind[h->n] = tok->kind;
	h->n++;
	return 0;
}

/* Sorted by position, natives before words at one position. */
static void
sort_hits(struct hits *h)
{
	size_t i, j, tp;
	int tk;

	for (i = 1; i < h->n; i++)
		for (j = i; j > 0 && (h->pos[j - 1] > h->pos[j] ||
		    (h->pos[j - 1] == h->pos[j] &&
		    h->kind[j - 1] > h->kind[j])); j--) {
			tp = h->pos[j];
			h->pos[j] = h->pos[j - 1];
			h->pos[j - 1] = tp;
			tk = h->kind[j];
			h->kind[j] = h->kind[j - 1];
			h->kind[j - 1] = tk;
		}
}

/*
 * The text fed as apitoken scan feeds a file: blocks of at most chunk new
 * bytes after what the one before carried.
 */
static void
feed(const char *text, size_t len, size_t chunk, int flags, struct hits *h)
{
	char buf[TEXT_MAX + SCAN_CARRY_MAX];
	struct scan sc;
	size_t have = 0, off = 0, n, cut;
	int eof = 0;

	memset(h, 0, sizeof(*h));
	ATF_REQUIRE_EQ(scan_init(&sc, "atk", flags), 0);
	while (!eof) {
		n = len - off < chunk ? len - off : chunk;
		memcpy(buf + have, text + off, n);
		off += n;
		have += n;
		eof = n == 0;
		ATF_REQUIRE_EQ(scan_block(&sc, buf, have, eof, collect, h,
		    &cut), 0);
		ATF_REQUIRE(cut <= have);
		ATF_REQUIRE(have - cut <= SCAN_CARRY_MAX);
		if (eof)
			ATF_REQUIRE_EQ(cut, have);
		memmove(buf, buf + cut, have - cut);
		have -= cut;
		h->base += cut;
	}
	sort_hits(h);
}

static void
token(char *buf, size_t size)
{
	struct token tok;

	ATF_REQUIRE_EQ(token_generate("atk", &tok, buf, size), 0);
	token_clear(&tok);
}

ATF_TC_WITHOUT_HEAD(scan_init__bad_prefix);
ATF_TC_BODY(scan_init__bad_prefix, tc)
{
	struct scan sc;

	ATF_CHECK_EQ(scan_init(&sc, "Atk", 0), ATK_ERR_INVAL);
	ATF_CHECK_EQ(scan_init(&sc, "", 0), ATK_ERR_INVAL);
	ATF_CHECK_EQ(scan_init(&sc, "atk", 0), 0);
}

ATF_TC_WITHOUT_HEAD(scan_block__natives_by_checksum);
ATF_TC_BODY(scan_block__natives_by_checksum, tc)
{
	char a[TOKEN_NATIVE_BUFSZ], b[TOKEN_NATIVE_BUFSZ], typo[TOKEN_NATIVE_BUFSZ];
	char other[TOKEN_NATIVE_BUFSZ], text[TEXT_MAX];
	struct token tok;
	struct hits h;
	size_t i;
	int n;

	token(a, sizeof(a));
	token(b, sizeof(b));
	ATF_REQUIRE_EQ(token_generate("xatk", &tok, other, sizeof(other)), 0);
	token_clear(&tok);
	memcpy(typo, b, sizeof(typo));
	typo[30] = typo[30] == 'x' ? 'y' : 'x';
	/* At the start, after a letter, a typo, another prefix, at the end. */
	n = snprintf(text, sizeof(text), "%s\nkey=%s %s\n%s x%s", a, b, typo,
	    other, a);
	ATF_REQUIRE(n > 0 && (size_t)n < sizeof(text));
	feed(text, (size_t)n, TEXT_MAX, 0, &h);
	ATF_REQUIRE_EQ(h.n, 3);
	ATF_CHECK_EQ(h.pos[0], 0);
	ATF_CHECK_EQ(h.pos[1], strlen(a) + 5);
	ATF_CHECK_EQ(h.pos[2], (size_t)n - strlen(a));
	for (i = 0; i < h.n; i++)
		ATF_CHECK_EQ(h.kind[i], TOKEN_NATIVE);
	/* A token of prefix "xatk" holds no "atk_" token: its checksum. */
	n = snprintf(text, sizeof(text), "%s", other);
	feed(text, (size_t)n, TEXT_MAX, 0, &h);
	ATF_CHECK_EQ(h.n, 0);
	/* Cut short by the end of the text. */
	feed(a, strlen(a) - 1, TEXT_MAX, 0, &h);
	ATF_CHECK_EQ(h.n, 0);
}

ATF_TC_WITHOUT_HEAD(scan_block__words);
ATF_TC_BODY(scan_block__words, tc)
{
	static const char text[] =
	    "Bearer " IMPORTED "\n"
	    "{\"t\":\"" IMPORTED "\"}\n"
	    "T=" IMPORTED " " IMPORTED "-more\n"
	    "'" IMPORTED "'\tshort-word " IMPORTED;
	struct hits h;

	feed(text, sizeof(text) - 1, TEXT_MAX, 0, &h);
	ATF_CHECK_EQ(h.n, 0);
	feed(text, sizeof(text) - 1, TEXT_MAX, SCAN_WORDS, &h);
	/* Every importable word is reported: the store decides. */
	ATF_REQUIRE_EQ(h.n, 6);
	ATF_CHECK_EQ(h.pos[0], 7);
	ATF_CHECK_EQ(h.pos[5], sizeof(text) - 1 - strlen(IMPORTED));
	ATF_CHECK(memcmp(text + h.pos[2], "T=", 2) == 0);
}

ATF_TC_WITHOUT_HEAD(scan_block__long_word_carries_little);
ATF_TC_BODY(scan_block__long_word_carries_little, tc)
{
	char text[TEXT_MAX], a[TOKEN_NATIVE_BUFSZ];
	struct hits h;
	size_t len;

	/* A word longer than any token, with a token at its end. */
	token(a, sizeof(a));
	memset(text, 'w', 3000);
	memcpy(text + 3000, a, strlen(a));
	len = 3000 + strlen(a);
	feed(text, len, 100, SCAN_WORDS, &h);
	ATF_REQUIRE_EQ(h.n, 1);
	ATF_CHECK_EQ(h.pos[0], 3000);
	ATF_CHECK_EQ(h.kind[0], TOKEN_NATIVE);
}

ATF_TC_WITHOUT_HEAD(scan_block__every_split);
ATF_TC_BODY(scan_block__every_split, tc)
{
	char text[TEXT_MAX], a[TOKEN_NATIVE_BUFSZ], b[TOKEN_NATIVE_BUFSZ];
	struct hits whole, split;
	size_t chunk, i;
	int n;

	token(a, sizeof(a));
	token(b, sizeof(b));
	n = snprintf(text, sizeof(text), "%s%s\n\"%s\" x %s\n%s %s", a, b,
	    IMPORTED, a, b, IMPORTED);
	ATF_REQUIRE(n > 0 && (size_t)n < sizeof(text));
	feed(text, (size_t)n, TEXT_MAX, SCAN_WORDS, &whole);
	/* Four natives (two of them back to back), two words. */
	ATF_REQUIRE_EQ(whole.n, 6);
	for (chunk = 1; chunk <= (size_t)n; chunk++) {
		feed(text, (size_t)n, chunk, SCAN_WORDS, &split);
		ATF_REQUIRE_EQ_MSG(split.n, whole.n, "chunk %zu", chunk);
		for (i = 0; i < whole.n; i++) {
			ATF_CHECK_EQ_MSG(split.pos[i], whole.pos[i],
			    "chunk %zu", chunk);
			ATF_CHECK_EQ_MSG(split.kind[i], whole.kind[i],
			    "chunk %zu", chunk);
		}
	}
}

ATF_TP_ADD_TCS(tp)
{
	ATF_TP_ADD_TC(tp, scan_init__bad_prefix);
	ATF_TP_ADD_TC(tp, scan_block__natives_by_checksum);
	ATF_TP_ADD_TC(tp, scan_block__words);
	ATF_TP_ADD_TC(tp, scan_block__long_word_carries_little);
	ATF_TP_ADD_TC(tp, scan_block__every_split);
	return atf_no_error();
}
