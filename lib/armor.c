/*
 * certutil armor, read and written, streamed.
 *
 * The reader passes the base64 text to the decoder in runs as long as the
 * input allows and only looks closer at a '-' that begins a line: that may
 * start a BEGIN or END line, whose bytes are kept back (at most the length
 * of the longer prefix) until it is clear whether they are armor or data
 * (the url alphabet has '-').  Armor lines are never given to the decoder,
 * so a count of the bytes left out maps decoder offsets back to the text.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "armor.h"
#include "base64.h"
#include "error.h"
#include "textin.h"

/* Where the reader is in the input. */
#define ARM_BEFORE	0	/* No BEGIN line yet. */
#define ARM_INSIDE	1	/* After BEGIN. */
#define ARM_AFTER	2	/* After END: the rest is ignored. */

/* What the current line is. */
#define LINE_TEXT	0	/* Base64 (or blank). */
#define LINE_CAND	1	/* Begins with dashes: maybe BEGIN or END. */
#define LINE_BEGIN	2	/* A BEGIN line, after its prefix. */
#define LINE_END	3	/* An END line, after its prefix. */

#define DASHES_MIN	(sizeof(ARMOR_DASHES) - 1)

/* White space that may begin a line before the dashes. */
static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

void
armor_reader_init(struct armor_reader *r, int flags)
{
	memset(r, 0, sizeof(*r));
	textin_init(&r->tin);
	base64_decoder_init(&r->dec, flags);
	r->state = ARM_BEFORE;
	r->line = LINE_TEXT;
	r->blank = 1;
}

size_t
armor_reader_bound(size_t len)
{
	/* Held-back bytes of a mark or a dash line may come out later. */
	return base64_decoder_bound(len + TEXTIN_BOM_MAX + ARMOR_PREFIX_MAX) +
	    base64_decoder_bound(0);
}

static int
fail(struct armor_reader *r, int err, uint64_t textpos)
{
	r->errpos = textin_offset(&r->tin, textpos);
	return r->err = err;
}

/* Gives n text bytes to the decoder. */
static int
feed(struct armor_reader *r, const void *s, size_t n, unsigned char *out,
    size_t *w)
{
	size_t k;
	int ret;

	ret = base64_decoder_update(&r->dec, s, n, out + *w, &k);
	*w += k;
	if (ret != 0)
		return fail(r, ret, r->dec.errpos + r->skipped);
	return 0;
}

/* The held-back dashes turned out to be data. */
static int
flush_cand(struct armor_reader *r, unsigned char *out, size_t *w)
{
	size_t n = r->ncand;

	r->ncand = 0;
	r->line = LINE_TEXT;
	r->blank = 0;
	return feed(r, r->cand, n, out, w);
}

/* A whole BEGIN or END prefix has been read: check where it stands. */
static int
header_start(struct armor_reader *r, int end, unsigned char *out, size_t *w)
{
	const struct base64_decoder *d = &r->dec;
	size_t k;
	int ret;

	if (end) {
		if (r->state != ARM_INSIDE)
			return fail(r, ATK_ERR_ARMOR, r->candpos);
		/* Before the END line is counted as left out. */
		ret = base64_decoder_final(&r->dec, out + *w, &k);
		*w += k;
		if (ret != 0)
			return fail(r, ret, r->dec.errpos + r->skipped);
	} else if (r->state != ARM_BEFORE || d->nout > 0 || d->nq > 0 ||
	    d->npad > 0)
		return fail(r, ATK_ERR_ARMOR, r->candpos);
	r->line = end ? LINE_END : LINE_BEGIN;
	r->linepos = r->candpos;
	r->skipped += r->ncand;
	r->ncand = 0;
	r->dashes = 0;
	return 0;
}

/* The line end of a BEGIN or END line. */
static int
header_done(struct armor_reader *r)
{
	if (r->dashes < (int)DASHES_MIN)
		return fail(r, ATK_ERR_ARMOR, r->linepos);
	r->state = r->line == LINE_END ? ARM_AFTER : ARM_INSIDE;
	r->line = LINE_TEXT;
	r->blank = 1;
	return 0;
}

/* One more byte of a line that begins with a dash. */
static int
cand_byte(struct armor_reader *r, unsigned char c, unsigned char *out,
    size_t *w, int *used)
{
	size_t n = r->ncand;
	int begin, end;

	*used = 0;
	r->cand[n] = (char)c;
	begin = n < sizeof(ARMOR_BEGIN) - 1 &&
	    memcmp(r->cand, ARMOR_BEGIN, n + 1) == 0;
	end = n < sizeof(ARMOR_END) - 1 &&
	    memcmp(r->cand, ARMOR_END, n + 1) == 0;
	if (!begin && !end)
		return flush_cand(r, out, w);
	*used = 1;
	r->ncand++;
	r->tpos++;
	if (begin && r->ncand == sizeof(ARMOR_BEGIN) - 1)
		return header_start(r, 0, out, w);
	if (end && r->ncand == sizeof(ARMOR_END) - 1)
		return header_start(r, 1, out, w);
	return 0;
}

/* A run of text: base64 lines, dash lines, or the rest of a header line. */
static int
feed_text(struct armor_reader *r, const unsigned char *s, size_t n,
    unsigned char *out, size_t *w)
{
	const unsigned char *q;
	size_t k, i;
	int ret, used;

	while (n > 0 && r->state != ARM_AFTER) {
		switch (r->line) {
		case LINE_BEGIN:
		case LINE_END:
			q = memchr(s, '\n', n);
			k = q != NULL ? (size_t)(q - s) : n;
			for (i = 0; i < k; i++) {
				if (s[i] == '-')
					r->dashes++;
				else if (!is_blank(s[i]))
					r->dashes = 0;
			}
			if (q != NULL)
				k++;
			r->skipped += k;
			r->tpos += k;
			s += k;
			n -= k;
			if (q != NULL && (ret = header_done(r)) != 0)
				return ret;
			break;
		case LINE_CAND:
			if ((ret = cand_byte(r, *s, out, w, &used)) != 0)
				return ret;
			if (used) {
				s++;
				n--;
			}
			break;
		default:
			q = memchr(s, '-', n);
			k = q != NULL ? (size_t)(q - s) : n;
			/* Does the line end in white space only? */
			for (i = k; i > 0 && is_blank(s[i - 1]); i--)
				continue;
			if (i > 0)
				r->blank = s[i - 1] == '\n';
			if (q != NULL && r->blank) {
				if (k > 0 && (ret = feed(r, s, k, out, w)) != 0)
					return ret;
				r->line = LINE_CAND;
				r->cand[0] = '-';
				r->ncand = 1;
				r->candpos = r->tpos + k;
				k++;
			} else {
				/* A dash inside a line is the decoder's. */
				if (q != NULL) {
					k++;
					r->blank = 0;
				}
				if ((ret = feed(r, s, k, out, w)) != 0)
					return ret;
			}
			r->tpos += k;
			s += k;
			n -= k;
			break;
		}
	}
	return 0;
}

int
armor_reader_update(struct armor_reader *r, const void *in, size_t len,
    void *outv, size_t *outlen)
{
	const unsigned char *p = in, *text;
	unsigned char *out = outv;
	size_t w = 0, tlen;
	int ret = 0;

	*outlen = 0;
	if (r->err != 0)
		return r->err;
	while (len > 0 && r->state != ARM_AFTER) {
		ret = textin_next(&r->tin, &p, &len, &text, &tlen, r->scratch,
		    sizeof(r->scratch));
		if (ret != 0) {
			r->errpos = r->tin.errpos;
			r->err = ret;
			break;
		}
		if ((ret = feed_text(r, text, tlen, out, &w)) != 0)
			break;
	}
	*outlen = w;
	return ret;
}

int
armor_reader_final(struct armor_reader *r, void *outv, size_t *outlen)
{
	const unsigned char *text;
	unsigned char *out = outv;
	size_t w = 0, tlen, k;
	int ret = 0;

	*outlen = 0;
	if (r->err != 0)
		return r->err;
	if (r->state == ARM_AFTER)
		return 0;
	if ((ret = textin_final(&r->tin, &text, &tlen)) != 0) {
		r->errpos = r->tin.errpos;
		return r->err = ret;
	}
	if ((ret = feed_text(r, text, tlen, out, &w)) != 0)
		goto out;
	switch (r->line) {
	case LINE_CAND:
		if ((ret = flush_cand(r, out, &w)) != 0)
			goto out;
		break;
	case LINE_BEGIN:
	case LINE_END:
		/* A header line without its line end. */
		if ((ret = header_done(r)) != 0)
			goto out;
		break;
	}
	if (r->state == ARM_AFTER)
		goto out;
	if (r->state == ARM_INSIDE) {
		/* BEGIN without END. */
		ret = fail(r, ATK_ERR_ARMOR, r->tpos);
		goto out;
	}
	ret = base64_decoder_final(&r->dec, out + w, &k);
	w += k;
	if (ret != 0)
		ret = fail(r, ret, r->dec.errpos + r->skipped);
out:
	*outlen = w;
	return ret;
}

size_t
armor_certutil_len(size_t len)
{
	size_t chars = base64_encoded_len(len, 0);
	size_t eol = sizeof(ARMOR_EOL) - 1;

	return sizeof(ARMOR_CERT_BEGIN) - 1 + eol + chars +
	    (chars + ARMOR_CERT_COLS - 1) / ARMOR_CERT_COLS * eol +
	    sizeof(ARMOR_CERT_END) - 1 + eol;
}

void
armor_writer_init(struct armor_writer *a)
{
	memset(a, 0, sizeof(*a));
	base64_encoder_init(&a->enc, 0, ARMOR_CERT_COLS, 1);
}

size_t
armor_writer_bound(const struct armor_writer *a, size_t len)
{
	return sizeof(ARMOR_CERT_BEGIN ARMOR_EOL) +
	    base64_encoder_bound(&a->enc, len) +
	    sizeof(ARMOR_CERT_END ARMOR_EOL);
}

static size_t
begin(struct armor_writer *a, char *out)
{
	if (a->begun)
		return 0;
	a->begun = 1;
	memcpy(out, ARMOR_CERT_BEGIN ARMOR_EOL,
	    sizeof(ARMOR_CERT_BEGIN ARMOR_EOL) - 1);
	return sizeof(ARMOR_CERT_BEGIN ARMOR_EOL) - 1;
}

size_t
armor_writer_update(struct armor_writer *a, const void *in, size_t len,
    char *out)
{
	size_t w = begin(a, out);

	return w + base64_encoder_update(&a->enc, in, len, out + w);
}

size_t
armor_writer_final(struct armor_writer *a, char *out)
{
	size_t w = begin(a, out);

	w += base64_encoder_final(&a->enc, out + w);
	memcpy(out + w, ARMOR_CERT_END ARMOR_EOL,
	    sizeof(ARMOR_CERT_END ARMOR_EOL) - 1);
	return w + sizeof(ARMOR_CERT_END ARMOR_EOL) - 1;
}
