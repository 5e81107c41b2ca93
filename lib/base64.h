/*
 * Base64 (RFC 4648) in the standard and URL-safe alphabets, with or without
 * padding, as a stream: any amount of input in any number of pieces, in
 * constant memory.
 */
#ifndef APITOKEN_BASE64_H
#define APITOKEN_BASE64_H

#include <stddef.h>
#include <stdint.h>

#define BASE64_URL	0x01	/* '-' and '_' instead of '+' and '/'. */
#define BASE64_NOPAD	0x02	/* Leave out the '=' padding. */
#define BASE64_GARBAGE	0x04	/* Decode: skip bytes not of the alphabet. */
#define BASE64_SCALAR	0x80	/* No SIMD code (for tests). */

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

/*
 * The decoder takes what GNU base64 -d and certutil -decode take, and more:
 * ASCII white space anywhere is skipped, padding may be left out, a padded
 * group may be followed by more groups ("YQ==YQ==" is "aa"), and the bits
 * left over in the last group need not be zero.  Without BASE64_URL the
 * alphabet is found from the first '+', '/', '-' or '_'; with it '+' and '/'
 * are errors.  On an error, errpos is the offset of the first bad byte
 * among all bytes fed.
 */
struct base64_decoder {
	uint32_t	fast[4][256];	/* Bytes of a character at 0..3 in a group. */
	uint32_t	badmask;	/* Set in a fast entry: not a value. */
	unsigned char	tab[256];	/* Byte class or 6-bit value. */
	int		flags;
	int		err;		/* First error, sticky. */
	uint32_t	acc;		/* Sextets of the current group. */
	unsigned int	nq;		/* Characters in the current group. */
	unsigned int	npad;		/* '=' in the current group. */
	uint64_t	qpos;		/* Offset of the group's first char. */
	uint64_t	pos;		/* Bytes fed so far. */
	uint64_t	nout;		/* Bytes written so far. */
	uint64_t	errpos;		/* Offset of the first bad byte. */
};

void	base64_decoder_init(struct base64_decoder *, int);
/* Most bytes update() or final() may write for len more characters. */
size_t	base64_decoder_bound(size_t);
int	base64_decoder_update(struct base64_decoder *, const void *, size_t,
	    void *, size_t *);
/* Writes the last unpadded group; ATK_ERR_TRUNCATED on a lone character. */
int	base64_decoder_final(struct base64_decoder *, void *, size_t *);
/* One-shot: ATK_ERR_INVAL if out is too small; *errpos set on errors. */
int	base64_decode(const char *, size_t, void *, size_t, size_t *, int,
	    size_t *);

#endif /* APITOKEN_BASE64_H */
