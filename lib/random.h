/*
 * Random bytes and numbers from the kernel CSPRNG.
 */
#ifndef APITOKEN_RANDOM_H
#define APITOKEN_RANDOM_H

#include <stddef.h>
#include <stdint.h>

int	random_buf(void *, size_t);
int	random_uniform(uint32_t, uint32_t *);

#endif /* APITOKEN_RANDOM_H */
