/*
 * A strict decimal parser: digits only, no sign, no space, no base prefix;
 * every multiply and add is checked before it is done.  ATK_ERR_SYNTAX and
 * ATK_ERR_OVERFLOW stay distinct so callers can say which it was.  (The
 * codec tools use this instead of strtonum(3) so as not to load libbsd.)
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "number.h"

int
number_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0, d;
	int toobig = 0;

	*out = 0;
	if (s == NULL || *s == '\0')
		return ATK_ERR_SYNTAX;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return ATK_ERR_SYNTAX;
		d = (uint64_t)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			toobig = 1;
		else
			v = v * 10 + d;
	}
	if (toobig || v > max)
		return ATK_ERR_OVERFLOW;
	if (v < min)
		return ATK_ERR_RANGE;
	*out = v;
	return 0;
}
