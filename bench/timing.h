/*
 * timing.h: the clock and the median the benchmark programs share.
 * Header-only (static inline): each program includes it once.
 */
#ifndef BENCH_TIMING_H
#define BENCH_TIMING_H

#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#define TIMING_NS_PER_S	1000000000U

/* CLOCK_MONOTONIC in nanoseconds; a clock that fails stops the program. */
static inline uint64_t
now_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		err(1, "clock_gettime");
	return (uint64_t)ts.tv_sec * TIMING_NS_PER_S + (uint64_t)ts.tv_nsec;
}

static inline int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n), n > 0; v is sorted in place. */
static inline double
median(uint64_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return n % 2 ? (double)v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

#endif
