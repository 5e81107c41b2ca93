/*
 * Text input as Windows and Unix tools save it: a UTF-8 byte-order mark is
 * dropped, and UTF-16LE with the mark FF FE (what Windows PowerShell 5.1
 * writes with ">") is turned into single bytes on the fly.  Only ASCII
 * passes through UTF-16LE: base64 and armor are ASCII, anything else is an
 * error.  Offsets of the text map back to offsets of the original input.
 */
#ifndef APITOKEN_TEXTIN_H
#define APITOKEN_TEXTIN_H

#include <stddef.h>
#include <stdint.h>

#define TEXTIN_BOM_MAX	3	/* Longest byte-order mark. */

struct textin {
	int		enc;		/* TEXTIN_DETECT, _PLAIN or _UTF16LE. */
	unsigned char	held[TEXTIN_BOM_MAX]; /* Bytes seen while detecting. */
	size_t		nheld;
	int		odd;		/* A UTF-16 code unit is half read. */
	unsigned char	oddbyte;
	size_t		bom;		/* Length of the mark found. */
	uint64_t	pos;		/* Input bytes used so far. */
	uint64_t	errpos;		/* Offset of the first bad byte. */
};

#define TEXTIN_DETECT	0
#define TEXTIN_PLAIN	1
#define TEXTIN_UTF16LE	2

void	textin_init(struct textin *);
/*
 * Takes the next run of text from *in / *len (both advanced past the input
 * used): *text / *textlen point into the input, into the state or into
 * scratch (scratchsz > 0 bytes).  Call until *len is 0; a run may be empty.
 */
int	textin_next(struct textin *, const unsigned char **, size_t *,
	    const unsigned char **, size_t *, unsigned char *, size_t);
/* At the end of input: what is left, or an error for half a code unit. */
int	textin_final(struct textin *, const unsigned char **, size_t *);
/* Offset in the original input of the text byte at offset off. */
uint64_t textin_offset(const struct textin *, uint64_t);
/*
 * A whole input at once (a token file, say) as its text: the mark dropped,
 * UTF-16LE made single bytes.  ATK_ERR_ENCODING for a byte-order mark of
 * UTF-16BE, text that is not ASCII in UTF-16LE or half a code unit at the
 * end; ATK_ERR_TOOLONG when the text is longer than outsz.
 */
int	textin_whole(const void *, size_t, void *, size_t, size_t *);

#endif /* APITOKEN_TEXTIN_H */
