/*
 * Finding tokens in text (lib/scan.h).  Fed in blocks of any size, as
 * apitoken scan feeds a file, scan_block() reports exactly what a plain
 * reference finds in the whole text: every offset where the prefix "atk_"
 * starts a text token_parse() calls a native token, and with SCAN_WORDS
 * every run of bytes between blanks, line ends, quotes and backquotes that
 * it calls importable; it carries at most SCAN_CARRY_MAX bytes and
 * nothing at the end.
 * Input: one control byte (bit 0: SCAN_WORDS; the rest seeds the block
 * sizes), then the text.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "scan.h"
#include "token.h"

#define PREFIX		"atk"
#define PREFIX_LEN	(sizeof(PREFIX) - 1)
#define TOKLEN		(PREFIX_LEN + 1 + TOKEN_ID_CHARS + 1 + \
	TOKEN_SECRET_CHARS + TOKEN_CHECKSUM_CHARS)
#define MAX_BLOCK	300

struct found {
	size_t	*pos;
	int	*kind;
	size_t	 n, size;
	size_t	 base;
};

static int
add(struct found *f, size_t pos, int kind)
{
	FUZZ_CHECK(f->n < f->size);
	f->pos[f->n] = pos;
	f->kind[f->n] = kind;
	f->n++;
	return 0;
}

static int
collect(const struct token *tok, size_t pos, void *arg)
{
	struct found *f = arg;

	return add(f, f->base + pos, tok->kind);
}

static int
is_end(unsigned char c)
{
	return strchr(" \t\n\r\v\f\"'`", c) != NULL || c == '\0';
}

/* The plain reference: natives by position, then words. */
static void
reference(const char *t, size_t len, int words, struct found *f)
{
	struct token tok;
	size_t p, s;

	for (p = 0; p + TOKLEN <= len; p++) {
		if (memcmp(t + p, PREFIX "_", PREFIX_LEN + 1) == 0 &&
		    token_parse(t + p, TOKLEN, &tok) == TOKEN_NATIVE)
			add(f, p, TOKEN_NATIVE);
		token_clear(&tok);
	}
	if (!words)
		return;
	for (p = 0; p < len; p = s + 1) {
		for (s = p; s < len && !is_end((unsigned char)t[s]); s++)
			;
		if (s - p >= TOKEN_IMPORT_MIN && s - p <= TOKEN_MAX_LEN &&
		    token_parse(t + p, s - p, &tok) == TOKEN_IMPORTED)
			add(f, p, TOKEN_IMPORTED);
		token_clear(&tok);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = { data, size };
	struct fuzz_split sp;
	struct found want, got;
	struct scan sc;
	const char *text;
	char *buf;
	size_t len, off = 0, have = 0, n, cut, i, nat, nw;
	uint8_t ctl;
	int words, eof = 0;

	ctl = fuzz_u8(&in);
	words = ctl & 1;
	text = (const char *)in.p;
	len = in.n;
	fuzz_split_init(&sp, ctl >> 1, MAX_BLOCK);
	memset(&want, 0, sizeof(want));
	memset(&got, 0, sizeof(got));
	want.size = got.size = 2 * len + 1;
	want.pos = fuzz_malloc(want.size * sizeof(size_t));
	want.kind = fuzz_malloc(want.size * sizeof(int));
	got.pos = fuzz_malloc(got.size * sizeof(size_t));
	got.kind = fuzz_malloc(got.size * sizeof(int));
	buf = fuzz_malloc(MAX_BLOCK + SCAN_CARRY_MAX);
	reference(text, len, words, &want);

	FUZZ_CHECK(scan_init(&sc, PREFIX, words ? SCAN_WORDS : 0) == 0);
	while (!eof) {
		n = len - off == 0 ? 0 : fuzz_split_next(&sp, len - off);
		memcpy(buf + have, text + off, n);
		off += n;
		have += n;
		eof = n == 0;
		FUZZ_CHECK(scan_block(&sc, buf, have, eof, collect, &got,
		    &cut) == 0);
		FUZZ_CHECK(cut <= have && have - cut <= SCAN_CARRY_MAX);
		FUZZ_CHECK(!eof || cut == have);
		memmove(buf, buf + cut, have - cut);
		have -= cut;
		got.base += cut;
	}
	/* Natives come in text order, words too; compare each kind. */
	for (nat = nw = i = 0; i < got.n; i++) {
		if (got.kind[i] == TOKEN_NATIVE) {
			FUZZ_CHECK(nat < want.n &&
			    want.kind[nat] == TOKEN_NATIVE);
			FUZZ_CHECK(got.pos[i] == want.pos[nat]);
			nat++;
		} else {
			while (nw < want.n && want.kind[nw] != TOKEN_IMPORTED)
				nw++;
			FUZZ_CHECK(nw < want.n && got.pos[i] == want.pos[nw]);
			nw++;
		}
	}
	FUZZ_CHECK(nat == want.n || want.kind[nat] != TOKEN_NATIVE);
	while (nw < want.n && want.kind[nw] != TOKEN_IMPORTED)
		nw++;
	FUZZ_CHECK(nw == want.n);
	free(want.pos);
	free(want.kind);
	free(got.pos);
	free(got.kind);
	free(buf);
	return 0;
}
