/*
 * certutil armor: base64 between "-----BEGIN <label>-----" and
 * "-----END <label>-----" lines.
 *
 * The reader takes what certutil -decode and GNU base64 -d take: armor with
 * any labels (they need not match; the first block is decoded) or none,
 * LF or CR LF, lines of any length, no final line end, a UTF-8 or UTF-16LE
 * byte-order mark.  It is the whole decoding pipeline (text encoding,
 * armor, base64), streamed in constant memory; errors carry the offset of
 * the first bad byte in the original input.
 *
 * The writer writes exactly what certutil -encode writes.
 */
#ifndef APITOKEN_ARMOR_H
#define APITOKEN_ARMOR_H

#include <stddef.h>
#include <stdint.h>

#include "base64.h"
#include "textin.h"

#define ARMOR_DASHES		"-----"
#define ARMOR_BEGIN		"-----BEGIN "
#define ARMOR_END		"-----END "
#define ARMOR_CERT_BEGIN	"-----BEGIN CERTIFICATE-----"
#define ARMOR_CERT_END		"-----END CERTIFICATE-----"
#define ARMOR_CERT_COLS		64
#define ARMOR_EOL		"\r\n"
#define ARMOR_PREFIX_MAX	11	/* Longest of ARMOR_BEGIN, ARMOR_END. */
#define ARMOR_SCRATCH		4096	/* Text bytes of UTF-16 at a time. */

struct armor_reader {
	struct textin	tin;
	struct base64_decoder dec;
	int		state;		/* Before, inside, after the armor. */
	int		line;		/* What the current line is. */
	int		blank;		/* Line so far is white space only. */
	char		cand[ARMOR_PREFIX_MAX]; /* Start of a dash line. */
	size_t		ncand;
	uint64_t	candpos;	/* Text offset of cand[0]. */
	int		dashes;		/* Dashes ending the header line. */
	uint64_t	tpos;		/* Text bytes seen. */
	uint64_t	skipped;	/* Text bytes not given to the decoder. */
	uint64_t	linepos;	/* Text offset of the header line. */
	int		err;
	uint64_t	errpos;		/* Original offset of the first bad byte. */
	unsigned char	scratch[ARMOR_SCRATCH];
};

void	armor_reader_init(struct armor_reader *, int);
/* Most bytes update() or final() may write for len more input bytes. */
size_t	armor_reader_bound(size_t);
int	armor_reader_update(struct armor_reader *, const void *, size_t,
	    void *, size_t *);
int	armor_reader_final(struct armor_reader *, void *, size_t *);

struct armor_writer {
	struct base64_encoder enc;
	int		begun;		/* Header written. */
};

/* Bytes certutil -encode writes for len bytes. */
size_t	armor_certutil_len(size_t);
void	armor_writer_init(struct armor_writer *);
size_t	armor_writer_bound(const struct armor_writer *, size_t);
size_t	armor_writer_update(struct armor_writer *, const void *, size_t,
	    char *);
size_t	armor_writer_final(struct armor_writer *, char *);

#endif /* APITOKEN_ARMOR_H */
