/*
 * What the fuzz targets share.  Each fuzz/fuzz_<name>.c defines
 * LLVMFuzzerTestOneInput() and checks properties of one parser with
 * FUZZ_CHECK(): a property that does not hold is a crash (abort()), which
 * libFuzzer saves and "make fuzz" reports.  The same file links either with
 * libFuzzer (--enable-fuzz) or with fuzz/replay.c, a main() that runs the
 * seed corpus once, in "make check".
 */
#ifndef APITOKEN_FUZZ_H
#define APITOKEN_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#define FUZZ_CHECK(e) \
	((e) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #e))

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Says which property failed, and aborts. */
void	fuzz_fail(const char *, int, const char *) __attribute__((noreturn));
/* A NUL-terminated copy of n bytes (the text stops at an inner NUL). */
char	*fuzz_strndup(const uint8_t *, size_t);
void	*fuzz_malloc(size_t);

/*
 * One well-formed UTF-8 sequence (RFC 3629) at s, n > 0 bytes left: its
 * code point, and its length in *used; -1 if there is none.
 */
long	fuzz_utf8_next(const unsigned char *, size_t, size_t *);

/*
 * Reads control values off the front of the input: a byte, a little-endian
 * integer; 0 once the input is used up.
 */
struct fuzz_input {
	const uint8_t	*p;
	size_t		 n;
};

uint8_t	fuzz_u8(struct fuzz_input *);
uint64_t fuzz_u64(struct fuzz_input *);

/*
 * Cuts a buffer into pieces of pseudo-random sizes (1..max), so that a
 * streamed codec sees every split; seeded from the input.
 */
struct fuzz_split {
	uint64_t	state;
	size_t		max;
};

void	fuzz_split_init(struct fuzz_split *, uint64_t, size_t);
size_t	fuzz_split_next(struct fuzz_split *, size_t);

#endif /* APITOKEN_FUZZ_H */
