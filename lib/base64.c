/*
 * Base64 encoding, streamed.
 */
#include "config.h"

#include <stddef.h>
#include <string.h>

#include "base64.h"
#include "error.h"

static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t
base64_encoded_len(size_t len, int flags)
{
	if (flags & BASE64_NOPAD)
		return len / 3 * 4 + (len % 3 == 0 ? 0 : len % 3 + 1);
	return (len + 2) / 3 * 4;
}

int
base64_encode(const void *in, size_t len, char *out, size_t outsz, int flags)
{
	struct base64_encoder e;
	size_t n;

	if (len > (((size_t)-1) / 4 - 1) ||
	    outsz < base64_encoded_len(len, flags) + 1)
		return ATK_ERR_INVAL;
	base64_encoder_init(&e, flags, 0, 0);
	n = base64_encoder_update(&e, in, len, out);
	n += base64_encoder_final(&e, out + n);
	out[n] = '\0';
	return 0;
}

void
base64_encoder_init(struct base64_encoder *e, int flags, size_t cols,
    int crlf)
{
	memset(e, 0, sizeof(*e));
	e->flags = flags;
	e->cols = cols;
	e->crlf = crlf;
}

size_t
base64_encoder_bound(const struct base64_encoder *e, size_t len)
{
	size_t chars = (e->ntail + len + 2) / 3 * 4;

	if (e->cols == 0)
		return chars;
	/* Room for a line end after every cols characters, plus the last. */
	return chars + (chars / e->cols + 2) * 2;
}

static size_t
put(struct base64_encoder *e, char *out, const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		out[w++] = s[i];
		if (e->cols != 0 && ++e->col == e->cols) {
			if (e->crlf)
				out[w++] = '\r';
			out[w++] = '\n';
			e->col = 0;
		}
	}
	return w;
}

static void
group(const char *a, const unsigned char *p, char q[4])
{
	q[0] = a[p[0] >> 2];
	q[1] = a[((p[0] & 0x03) << 4) | (p[1] >> 4)];
	q[2] = a[((p[1] & 0x0f) << 2) | (p[2] >> 6)];
	q[3] = a[p[2] & 0x3f];
}

size_t
base64_encoder_update(struct base64_encoder *e, const void *inv, size_t len,
    char *out)
{
	const char *a = (e->flags & BASE64_URL) ? url_alphabet : std_alphabet;
	const unsigned char *in = inv;
	size_t w = 0;
	char q[4];

	while (len > 0) {
		e->tail[e->ntail++] = *in++;
		len--;
		if (e->ntail == 3) {
			group(a, e->tail, q);
			w += put(e, out + w, q, 4);
			e->ntail = 0;
		}
	}
	return w;
}

size_t
base64_encoder_final(struct base64_encoder *e, char *out)
{
	const char *a = (e->flags & BASE64_URL) ? url_alphabet : std_alphabet;
	unsigned char p[3] = { 0, 0, 0 };
	size_t w = 0, n;
	char q[4];

	if (e->ntail > 0) {
		memcpy(p, e->tail, e->ntail);
		group(a, p, q);
		n = e->ntail + 1;
		if (!(e->flags & BASE64_NOPAD)) {
			for (; n < 4; n++)
				q[n] = '=';
		}
		w += put(e, out + w, q, n);
		e->ntail = 0;
	}
	if (e->cols != 0 && e->col != 0) {
		if (e->crlf)
			out[w++] = '\r';
		out[w++] = '\n';
		e->col = 0;
	}
	explicit_bzero(p, sizeof(p));
	explicit_bzero(e->tail, sizeof(e->tail));
	return w;
}
