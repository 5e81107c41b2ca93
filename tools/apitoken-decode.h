/*
 * apitoken-decode: what its source files share.  apitoken-decode.c has
 * main(), the options and the plain decode and encode; decode_secret.c
 * the Kubernetes Secret of --secret-key.
 */
#ifndef APITOKEN_DECODE_H
#define APITOKEN_DECODE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "outfile.h"
#include "utf16.h"

/* Bytes read at a time: input and output buffers stay in L2. */
#define IO_BUF		(64 * 1024)

struct opts {
	int		encode;
	int		force;
	int		url;
	int		text;
	int		certutil;
	int		cols_set;
	int		decode;		/* -d, -decode: said so. */
	int		garbage;	/* -i: skip what is not base64. */
	size_t		cols;
	const char	*secret_key;
	const char	*inpath;
	const char	*outpath;
	const char	*inname;	/* For messages. */
	const char	*outname;
};

/* Where decoded bytes go: straight out, or through UTF-16LE to UTF-8. */
struct sink {
	struct outfile	*of;
	const char	*outname;
	int		text;
	struct utf16_decoder u;
	char		*tbuf;
	size_t		tbufsz;
	char		*held;		/* --text: the text, out at the end. */
	size_t		nheld, capheld;
	int		latin;		/* --text: a code unit below 0x100. */
	char		last;		/* Last byte written (for --text). */
	uint64_t	nout;
};

ssize_t	read_some(int, void *, size_t);
void	read_error(const char *);
/* Decoded bytes out, as they are or (--text) as text; 0 or -1. */
int	sink_put(struct sink *, const void *, size_t);
int	sink_final(struct sink *);
void	decode_error(const char *, const char *, int, uint64_t);
/* --secret-key: decode data[KEY] of the Secret read from fd. */
int	run_secret(const struct opts *, int, struct sink *);

#endif /* APITOKEN_DECODE_H */
