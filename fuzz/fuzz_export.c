/*
 * The token lines of "apitoken export", as "apitoken restore" reads them
 * (tools/apitoken_json.c: json_line_to_record(), json_from_record(),
 * json_line()).  A line that parses is exported again (everything restore
 * takes, export can write: never a failure), that line parses to the same
 * record (the same record_encode() bytes, last use and its source), and
 * exports to the very same line: the exported text is canonical, one line.
 * A line refused says why and leaves nothing behind.
 * Input: the line (up to a NUL byte, as a C string).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apitoken.h"
#include "fuzz.h"
#include "record.h"

struct parsed {
	struct record	 rec;
	int64_t		 used;
	char		*from;
};

static void
parsed_free(struct parsed *p)
{
	record_free(&p->rec);
	free(p->from);
	memset(p, 0, sizeof(*p));
}

/* The export line of p: never NULL for what a line gave. */
static char *
export_line(const struct parsed *p)
{
	json_t *o;
	char *line;

	o = json_from_record(&p->rec, p->used, p->from, 1);
	FUZZ_CHECK(o != NULL);
	line = json_line(o);
	FUZZ_CHECK(line != NULL);
	json_decref(o);
	FUZZ_CHECK(strchr(line, '\n') == NULL);
	return line;
}

/* The same record, last use, and (when used) source of the last use. */
static int
same(const struct parsed *a, const struct parsed *b)
{
	unsigned char *ea, *eb;
	size_t na, nb;
	int eq;

	FUZZ_CHECK(record_encode(&a->rec, &ea, &na) == 0);
	FUZZ_CHECK(record_encode(&b->rec, &eb, &nb) == 0);
	eq = na == nb && memcmp(ea, eb, na) == 0 && a->used == b->used;
	/* An export writes no source without a time of use. */
	if (eq && a->used != 0)
		eq = (a->from == NULL && b->from == NULL) ||
		    (a->from != NULL && b->from != NULL &&
		    strcmp(a->from, b->from) == 0);
	free(ea);
	free(eb);
	return eq;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parsed p, q, z;
	const char *why = NULL;
	char *line, *again, *third;

	memset(&p, 0, sizeof(p));
	memset(&q, 0, sizeof(q));
	memset(&z, 0, sizeof(z));
	line = fuzz_strndup(data, size);
	if (json_line_to_record(line, &p.rec, &p.used, &p.from, &why) != 0) {
		FUZZ_CHECK(why != NULL);
		parsed_free(&p);
		FUZZ_CHECK(memcmp(&p, &z, sizeof(p)) == 0);
		free(line);
		return 0;
	}
	FUZZ_CHECK(record_validate(&p.rec) == 0);
	again = export_line(&p);
	why = NULL;
	FUZZ_CHECK(json_line_to_record(again, &q.rec, &q.used, &q.from,
	    &why) == 0);
	FUZZ_CHECK(same(&p, &q));
	third = export_line(&q);
	FUZZ_CHECK(strcmp(again, third) == 0);
	free(third);
	free(again);
	parsed_free(&q);
	parsed_free(&p);
	free(line);
	return 0;
}
