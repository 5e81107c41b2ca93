/*
 * UTF-16LE to UTF-8, streamed: for showing the bytes of a token made by the
 * PowerShell recipe ([Text.Encoding]::Unicode.GetBytes) as text.  Besides
 * well-formed surrogate pairs it asks for text: control characters other
 * than tab, line feed and carriage return, and the noncharacters U+FFFE and
 * U+FFFF, are errors (ATK_ERR_ENCODING with the offset of the code unit).
 * A leading byte-order mark is dropped.
 */
#ifndef APITOKEN_UTF16_H
#define APITOKEN_UTF16_H

#include <stddef.h>
#include <stdint.h>

struct utf16_decoder {
	unsigned char	half;		/* First byte of a code unit. */
	int		nhalf;
	uint32_t	high;		/* A high surrogate waiting for its pair. */
	uint64_t	highpos;
	uint64_t	pos;		/* Bytes fed so far. */
	uint64_t	errpos;		/* Offset of the first bad code unit. */
	int		bom;		/* A byte-order mark was dropped. */
};

void	utf16_decoder_init(struct utf16_decoder *);
/* Most bytes update() or final() may write for len more bytes. */
size_t	utf16_decoder_bound(size_t);
int	utf16_decoder_update(struct utf16_decoder *, const void *, size_t,
	    char *, size_t *);
/* ATK_ERR_ENCODING for half a code unit or a lone high surrogate. */
int	utf16_decoder_final(struct utf16_decoder *);

#endif /* APITOKEN_UTF16_H */
