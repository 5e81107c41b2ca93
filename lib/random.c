/*
 * Random bytes from the kernel CSPRNG, never from rand(3).
 *
 * glibc 2.36 and later provide arc4random_buf(3) and arc4random_uniform(3)
 * on top of getrandom(2); elsewhere getrandom(2) is called directly.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#ifdef HAVE_SYS_RANDOM_H
#include <sys/random.h>
#endif

#include "error.h"
#include "random.h"

int
random_buf(void *buf, size_t len)
{
#ifdef HAVE_ARC4RANDOM_BUF
	arc4random_buf(buf, len);
	return 0;
#else
	unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return ATK_ERR_RANDOM;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
#endif
}

/*
 * A uniform number in [0, upper) without modulo bias: draws that fall in the
 * short last interval of 2^32 are thrown away and drawn again.
 */
int
random_uniform(uint32_t upper, uint32_t *out)
{
	uint32_t min, v;
	int r;

	*out = 0;
	if (upper < 2)
		return upper == 0 ? ATK_ERR_INVAL : 0;
	/* 2^32 mod upper, computed in 32 bits. */
	min = -upper % upper;
	for (;;) {
		if ((r = random_buf(&v, sizeof(v))) != 0)
			return r;
		if (v >= min)
			break;
	}
	*out = v % upper;
	return 0;
}
