/*
 * Store records (lib/record.h), as read back from a damaged store.  A
 * record that decodes is valid by record_validate() and re-encodes to the
 * very bytes it came from (the encoding is canonical: anything else is
 * damage), and so does a copy of it; anything else is refused with
 * ATK_ERR_SCHEMA for a newer schema and ATK_ERR_CORRUPT otherwise, leaving
 * nothing behind.
 * Input: the encoded record.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fuzz.h"
#include "record.h"

static void
check_encodes_to(const struct record *rec, const uint8_t *data, size_t size)
{
	unsigned char *buf;
	size_t len;

	FUZZ_CHECK(record_validate(rec) == 0);
	FUZZ_CHECK(record_encode(rec, &buf, &len) == 0);
	FUZZ_CHECK(len == size && memcmp(buf, data, size) == 0);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct record rec, copy, zero;
	uint8_t *in;
	int r;

	/* An exact copy: a read past the record is caught. */
	in = fuzz_malloc(size);
	memcpy(in, data, size);
	r = record_decode(in, size, &rec);
	if (r == 0) {
		check_encodes_to(&rec, in, size);
		FUZZ_CHECK(record_copy(&rec, &copy) == 0);
		check_encodes_to(&copy, in, size);
		record_free(&copy);
		record_free(&rec);
	} else {
		FUZZ_CHECK(r == ATK_ERR_SCHEMA || r == ATK_ERR_CORRUPT);
		FUZZ_CHECK((r == ATK_ERR_SCHEMA) ==
		    (size > 0 && in[0] > RECORD_SCHEMA));
		memset(&zero, 0, sizeof(zero));
		FUZZ_CHECK(memcmp(&rec, &zero, sizeof(rec)) == 0);
	}
	free(in);
	return 0;
}
