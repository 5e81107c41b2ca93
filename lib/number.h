/*
 * Whole numbers from outside (command lines, module arguments), checked.
 */
#ifndef APITOKEN_NUMBER_H
#define APITOKEN_NUMBER_H

#include <stdint.h>

int	number_parse(const char *, uint64_t, uint64_t, uint64_t *);

#endif /* APITOKEN_NUMBER_H */
