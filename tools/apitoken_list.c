/*
 * apitoken list, what it shares with show (tools/apitoken_show.c), and the
 * walk over the store both share with prune (tools/collect.h).
 */
#include "config.h"

#include <sys/ioctl.h>

#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apitoken.h"
#include "collect.h"
#include "duration.h"
#include "error.h"
#include "fleet.h"
#include "number.h"
#include "opterr.h"
#include "record.h"
#include "rfc3339.h"
#include "store.h"
#include "token.h"

enum {
	OPT_USER = 256, OPT_ROLE, OPT_EXPIRED, OPT_ACTIVE, OPT_EXPIRING,
	OPT_LOCAL,
};

/* Columns of the list table. */
enum {
	COL_NAME, COL_ID, COL_USER, COL_ROLE, COL_EXPIRES, COL_USED, COL_AGE,
	NCOLS
};
static const char *const col_head[NCOLS] = {
	"NAME", "ID", "USER", "ROLE", "EXPIRES", "LAST-USED", "AGE"
};
#define COL_GAP		2

/*
 * Fitting the table to a terminal: the width when the terminal does not
 * say and COLUMNS is unset, the narrowest a name, user or role column is
 * cut to, the mark that ends a cut cell (never in a name, which is
 * letters, digits, ".", "_" and "-"), and the length of a date alone
 * ("2027-06-30") in the EXPIRES column.
 */
#define TERM_COLS_DEFAULT	80
#define TERM_COLS_MAX		100000
#define COL_MIN			8
#define CUT_MARK		"~"
#define DATE_LEN		10
/*
 * Colours of the EXPIRES cell (SGR): red for a token that no longer
 * works, yellow for one that stops within LIST_SOON seconds.
 */
#define SGR_RED			"\033[31m"
#define SGR_YELLOW		"\033[33m"
#define SGR_RESET		"\033[0m"
#define LIST_SOON		(7 * 24 * 60 * 60)

/* Where the table goes: its width (0: no limit) and whether to colour. */
struct term {
	size_t	cols;
	int	colour;
};


int
list_is_expired(const struct record *rec, int64_t now)
{
	return rec->expires != 0 && rec->expires <= now;
}

/* prune: revoked or expired, and that for longer than the retention. */
static int
is_prunable(const struct record *rec, const struct collect *c)
{
	int64_t t;

	if (rec->revoked != 0 &&
	    duration_add(rec->revoked, c->older, &t) == 0 && t <= c->now)
		return 1;
	return rec->expires != 0 &&
	    duration_add(rec->expires, c->older, &t) == 0 && t <= c->now;
}

static int
wanted(const struct record *rec, const struct collect *c)
{
	if (c->older != NULL)
		return is_prunable(rec, c);
	if (c->user != NULL && strcmp(rec->user, c->user) != 0)
		return 0;
	if (c->role != NULL && strcmp(rec->role, c->role) != 0)
		return 0;
	if (c->state == ST_EXPIRED && !list_is_expired(rec, c->now))
		return 0;
	if (c->state == ST_ACTIVE &&
	    (rec->revoked != 0 || list_is_expired(rec, c->now)))
		return 0;
	if (c->until != 0 && (rec->revoked != 0 || rec->expires == 0 ||
	    rec->expires <= c->now || rec->expires > c->until))
		return 0;
	return 1;
}

static int
collect_cb(const struct record *rec, void *arg)
{
	struct collect *c = arg;
	struct item *p;
	size_t cap;

	if (!wanted(rec, c))
		return 0;
	if (c->n == c->cap) {
		cap = c->cap == 0 ? 16 : c->cap * 2;
		if ((p = reallocarray(c->items, cap, sizeof(*p))) == NULL) {
			c->err = ATK_ERR_NOMEM;
			return 1;
		}
		c->items = p;
		c->cap = cap;
	}
	memset(&c->items[c->n], 0, sizeof(c->items[c->n]));
	if ((c->err = record_copy(rec, &c->items[c->n].rec)) != 0)
		return 1;
	c->n++;
	return 0;
}

void
collect_free(struct collect *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		record_free(&c->items[i].rec);
		free(c->items[i].from);
		free(c->items[i].host);
	}
	free(c->items);
	c->items = NULL;
	c->n = c->cap = 0;
}

static int
by_name(const void *a, const void *b)
{
	const struct item *x = a, *y = b;

	return strcmp(x->rec.name, y->rec.name);
}

/* The wanted tokens, by name, with their last use; 0 or an ATK_ERR_*. */
int
collect(struct store_txn *txn, struct collect *c, int usage)
{
	size_t i;
	int r;

	errno = 0;
	if ((r = store_foreach(txn, collect_cb, c)) != 0)
		return r;
	if (c->err != 0)
		return c->err;
	for (i = 0; usage && i < c->n; i++)
		if ((r = store_usage(txn, c->items[i].rec.id,
		    &c->items[i].used, &c->items[i].from)) != 0)
			return r;
	if (c->n > 1)
		qsort(c->items, c->n, sizeof(*c->items), by_name);
	return 0;
}

/* -o table|json */
int
list_format_parse(const char *cmd, const char *s, enum format *f)
{
	struct shown sh;

	/* kubectl's "-o=json": getopt leaves the "=" to the value. */
	if (*s == '=')
		s++;
	if (strcmp(s, "table") == 0)
		*f = FMT_TABLE;
	else if (strcmp(s, "json") == 0)
		*f = FMT_JSON;
	else {
		warnx("%s: bad output format %s: want table or json", cmd,
		    tool_shown(s, &sh));
		return -1;
	}
	return 0;
}

void
list_age_text(int64_t secs, const char *suffix, char *buf, size_t size)
{
	if (duration_format_age(secs, buf, size - strlen(suffix)) != 0)
		strlcpy(buf, "?", size);
	strlcat(buf, suffix, size);
}

void
list_time_text(int64_t t, char *buf, size_t size)
{
	if (rfc3339_format(t, buf, size) != 0)
		strlcpy(buf, "?", size);
}

/*
 * The cells of one row; the text ones point into the record.  With
 * short_dates an expiry date is the day alone.
 */
static void
row_cells(const struct item *it, int64_t now, int short_dates,
    const char **cell, char id[TOKEN_ID_BUFSZ], char exp[LIST_CELL_BUFSZ],
    char used[LIST_CELL_BUFSZ], char age[LIST_CELL_BUFSZ])
{
	token_id_format(it->rec.id, id);
	if (it->rec.revoked != 0)
		strlcpy(exp, "revoked", LIST_CELL_BUFSZ);
	else if (it->rec.expires == 0)
		strlcpy(exp, DURATION_NEVER, LIST_CELL_BUFSZ);
	else if (list_is_expired(&it->rec, now))
		strlcpy(exp, "expired", LIST_CELL_BUFSZ);
	else {
		list_time_text(it->rec.expires, exp, LIST_CELL_BUFSZ);
		if (short_dates && strlen(exp) > DATE_LEN)
			exp[DATE_LEN] = '\0';
	}
	if (it->used == 0)
		strlcpy(used, DURATION_NEVER, LIST_CELL_BUFSZ);
	else {
		list_age_text(now - it->used, " ago", used, LIST_CELL_BUFSZ);
		/* Seen by another host of the fleet: which. */
		if (it->host != NULL) {
			strlcat(used, " on ", LIST_CELL_BUFSZ);
			strlcat(used, it->host, LIST_CELL_BUFSZ);
		}
	}
	list_age_text(now - it->rec.created, "", age, LIST_CELL_BUFSZ);
	cell[COL_NAME] = it->rec.name;
	cell[COL_ID] = id;
	cell[COL_USER] = it->rec.user;
	cell[COL_ROLE] = it->rec.role;
	cell[COL_EXPIRES] = exp;
	cell[COL_USED] = used;
	cell[COL_AGE] = age;
}

/* The colour of a row's EXPIRES cell, or NULL. */
static const char *
expires_colour(const struct record *rec, int64_t now)
{
	if (rec->revoked != 0 || list_is_expired(rec, now))
		return SGR_RED;
	if (rec->expires != 0 && rec->expires - now <= LIST_SOON)
		return SGR_YELLOW;
	return NULL;
}

/*
 * The width and colour of standard output: a terminal's own width, else
 * COLUMNS, else TERM_COLS_DEFAULT; colour unless NO_COLOR is set to
 * something (no-color.org) or TERM is "dumb".  Not a terminal (a pipe, a
 * file, a mail): no limit and no colour, since scripts want every value
 * whole and plain.
 */
static void
term_get(struct term *t)
{
	struct winsize ws;
	const char *env;
	uint64_t v;

	memset(t, 0, sizeof(*t));
	if (!isatty(STDOUT_FILENO))
		return;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		t->cols = ws.ws_col;
	else if ((env = getenv("COLUMNS")) != NULL &&
	    number_parse(env, 1, TERM_COLS_MAX, &v) == 0)
		t->cols = (size_t)v;
	else
		t->cols = TERM_COLS_DEFAULT;
	env = getenv("NO_COLOR");
	t->colour = (env == NULL || *env == '\0') &&
	    ((env = getenv("TERM")) == NULL || strcmp(env, "dumb") != 0);
}

/* Every column as wide as its heading and its widest cell. */
static void
table_widths(const struct collect *c, int short_dates, size_t w[NCOLS])
{
	const char *cell[NCOLS];
	char id[TOKEN_ID_BUFSZ], exp[LIST_CELL_BUFSZ], used[LIST_CELL_BUFSZ];
	char age[LIST_CELL_BUFSZ];
	size_t i, k, len;

	for (k = 0; k < NCOLS; k++)
		w[k] = strlen(col_head[k]);
	for (i = 0; i < c->n; i++) {
		row_cells(&c->items[i], c->now, short_dates, cell, id, exp,
		    used, age);
		for (k = 0; k < NCOLS; k++)
			if ((len = strlen(cell[k])) > w[k])
				w[k] = len;
	}
}

static size_t
table_width(const size_t w[NCOLS])
{
	size_t k, sum = COL_GAP * (NCOLS - 1);

	for (k = 0; k < NCOLS; k++)
		sum += w[k];
	return sum;
}

/*
 * Narrow the name, user and role columns, the widest first, until the
 * table fits cols or each is down to COL_MIN (or its heading).  The id,
 * which an administrator copies, and the short columns keep their width.
 */
static void
table_shrink(size_t w[NCOLS], size_t cols)
{
	static const int cut[] = { COL_NAME, COL_USER, COL_ROLE };
	size_t k, min, best;
	int pick;

	while (table_width(w) > cols) {
		pick = -1;
		best = 0;
		for (k = 0; k < sizeof(cut) / sizeof(cut[0]); k++) {
			min = strlen(col_head[cut[k]]);
			if (min < COL_MIN)
				min = COL_MIN;
			if (w[cut[k]] > min && w[cut[k]] > best) {
				best = w[cut[k]];
				pick = cut[k];
			}
		}
		if (pick == -1)
			return;
		w[pick]--;
	}
}

/*
 * One cell padded to width w (the last one not padded), cut with CUT_MARK
 * when longer, coloured when colour is not NULL.
 */
static void
put_cell(const char *s, size_t w, int last, const char *colour)
{
	size_t len = strlen(s), cut = strlen(CUT_MARK);

	if (colour != NULL)
		fputs(colour, stdout);
	if (len > w && w > cut) {
		fwrite(s, 1, w - cut, stdout);
		fputs(CUT_MARK, stdout);
		len = w;
	} else
		fputs(s, stdout);
	if (colour != NULL)
		fputs(SGR_RESET, stdout);
	for (; !last && len < w + COL_GAP; len++)
		putchar(' ');
}

/*
 * The table, sized to its content; on a terminal too narrow for it, the
 * expiry dates lose their time of day, then long names, users and roles
 * are cut.  Nothing at all when no token is listed, so that a cron job or
 * a mail of "list --expiring" stays empty when nothing expires.
 */
static void
print_table(const struct collect *c, const struct term *t)
{
	const char *cell[NCOLS];
	char id[TOKEN_ID_BUFSZ], exp[LIST_CELL_BUFSZ], used[LIST_CELL_BUFSZ];
	char age[LIST_CELL_BUFSZ];
	size_t w[NCOLS], i, k;
	int short_dates = 0;

	if (c->n == 0)
		return;
	table_widths(c, 0, w);
	if (t->cols != 0 && table_width(w) > t->cols) {
		short_dates = 1;
		table_widths(c, 1, w);
		table_shrink(w, t->cols);
	}
	for (k = 0; k < NCOLS; k++)
		put_cell(col_head[k], w[k], k + 1 == NCOLS, NULL);
	putchar('\n');
	for (i = 0; i < c->n; i++) {
		row_cells(&c->items[i], c->now, short_dates, cell, id, exp,
		    used, age);
		for (k = 0; k < NCOLS; k++)
			put_cell(cell[k], w[k], k + 1 == NCOLS,
			    t->colour && k == COL_EXPIRES ?
			    expires_colour(&c->items[i].rec, c->now) : NULL);
		putchar('\n');
	}
}

int
list_print_json(const struct item *it)
{
	json_t *o;
	int r;

	if ((o = json_from_record(&it->rec, it->used, it->from, 0)) == NULL)
		return -1;
	/* The host of the fleet that saw the last use; null: this one. */
	if (json_object_set_new(o, "last_host", it->host != NULL ?
	    json_string(it->host) : json_null()) != 0) {
		json_decref(o);
		return -1;
	}
	r = json_print_line(o);
	json_decref(o);
	return r;
}

int
cmd_list(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "user", required_argument, NULL, OPT_USER },
		{ "role", required_argument, NULL, OPT_ROLE },
		{ "expired", no_argument, NULL, OPT_EXPIRED },
		{ "active", no_argument, NULL, OPT_ACTIVE },
		{ "expiring", required_argument, NULL, OPT_EXPIRING },
		{ "local", no_argument, NULL, OPT_LOCAL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct collect c;
	struct duration d;
	struct term t;
	struct store *s = NULL;
	struct store_txn *txn = NULL;
	enum format fmt = FMT_TABLE;
	const char *expiring = NULL;
	size_t i;
	int ch, local = 0, rv = 1, r;

	memset(&c, 0, sizeof(c));
	c.now = ctx->now;
	while ((ch = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
		switch (ch) {
		case 'o':
			if (list_format_parse("list", optarg, &fmt) != 0)
				return usage_cmd("list");
			break;
		case OPT_USER:
			c.user = optarg;
			break;
		case OPT_ROLE:
			c.role = optarg;
			break;
		case OPT_EXPIRED:
		case OPT_ACTIVE:
			if (c.state != ST_ANY) {
				warnx("list: --expired and --active exclude "
				    "each other");
				return usage_cmd("list");
			}
			c.state = ch == OPT_EXPIRED ? ST_EXPIRED : ST_ACTIVE;
			break;
		case OPT_EXPIRING:
			expiring = optarg;
			break;
		case OPT_LOCAL:
			local = 1;
			break;
		case 'h':
			return help_cmd("list");
		default:
			opt_error(argv[0], ch, argv, opts);
			return usage_cmd("list");
		}
	}
	if (optind != argc)
		return usage_cmd("list");
	if (expiring != NULL && ((r = duration_parse(expiring, &d)) != 0 ||
	    (r = duration_add(ctx->now, &d, &c.until)) != 0)) {
		tool_duration_warn("list --expiring", expiring, r);
		return EXIT_USAGE;
	}
	if (tool_open_txn(ctx, STORE_RDONLY, &s, &txn) != 0)
		goto out;
	if ((r = collect(txn, &c, 1)) != 0) {
		tool_store_warn(ctx, "list", r, NULL);
		goto out;
	}
	if (!local && collect_fleet_usage(ctx, "list", txn, c.items, c.n) != 0)
		goto out;
	store_txn_abort(txn);
	txn = NULL;
	if (fmt == FMT_TABLE) {
		term_get(&t);
		print_table(&c, &t);
	}
	else
		for (i = 0; i < c.n; i++)
			if (list_print_json(&c.items[i]) != 0) {
				warnx("list: cannot write JSON");
				goto out;
			}
	if (fflush(stdout) == EOF) {
		warn("list: standard output");
		goto out;
	}
	rv = 0;
out:
	collect_free(&c);
	store_txn_abort(txn);
	store_close(s);
	return rv;
}
