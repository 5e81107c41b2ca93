/*
 * Base64 (RFC 4648) in the standard and URL-safe alphabets, with or without
 * padding, as a stream: any amount of input in any number of pieces, in
 * constant memory.
 */
#ifndef APITOKEN_BASE64_H
#define APITOKEN_BASE64_H

#include <stddef.h>

#define BASE64_URL	0x01	/* '-' and '_' instead of '+' and '/'. */
#define BASE64_NOPAD	0x02	/* Leave out the '=' padding. */

/* Characters for len bytes on one line, without a NUL. */
size_t	base64_encoded_len(size_t, int);
/* One-shot: one line, NUL-terminated; ATK_ERR_INVAL if out is too small. */
int	base64_encode(const void *, size_t, char *, size_t, int);

struct base64_encoder {
	int		flags;
	size_t		cols;		/* Line width; 0 for one line. */
	int		crlf;		/* End lines with CR LF, not LF. */
	size_t		col;		/* Characters on the current line. */
	unsigned char	tail[3];	/* Bytes not yet making a group. */
	size_t		ntail;
};

void	base64_encoder_init(struct base64_encoder *, int, size_t, int);
/* Most characters update() or final() may write for len more bytes. */
size_t	base64_encoder_bound(const struct base64_encoder *, size_t);
size_t	base64_encoder_update(struct base64_encoder *, const void *, size_t,
	    char *);
/* Writes the last group and ends the last line (when wrapping). */
size_t	base64_encoder_final(struct base64_encoder *, char *);

#endif /* APITOKEN_BASE64_H */
