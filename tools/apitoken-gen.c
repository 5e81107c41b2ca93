/*
 * apitoken-gen: make random tokens offline, the way Keptn's instructions do
 * with `head -c 16 /dev/urandom | base64` on Linux and with PowerShell's
 * GeneratePassword(16, 2) + UTF-16LE + base64 on Windows.
 *
 * Start-up is kept to what libc does anyway: no stdio for the output, no
 * locale, no library besides libc, one write(2) for a token.
 */
#include "config.h"


#include <err.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base62.h"
#include "base64.h"
#include "error.h"
#include "hex.h"
#include "number.h"
#include "nocore.h"
#include "opterr.h"
#include "password.h"
#include "random.h"
#include "utf16le.h"

#define PROGNAME		"apitoken-gen"

#define GEN_DEFAULT_BYTES	16
#define GEN_MAX_BYTES		(1024 * 1024)	/* Per token: 1 MiB. */
#define GEN_MAX_BASE62_BYTES	4096		/* base62 is quadratic. */
#define GEN_MAX_COUNT		1000000
/* Random bytes made and encoded at a time; base62 takes them all at once. */
#define GEN_CHUNK		GEN_MAX_BASE62_BYTES

#define GNU_BASE64_COLS		76
#define CERTUTIL_COLS		64
#define CERTUTIL_HEADER		"-----BEGIN CERTIFICATE-----\r\n"
#define CERTUTIL_FOOTER		"-----END CERTIFICATE-----\r\n"

/* Room for the largest piece put at once: a chunk in hex. */
#define OUT_BUFSZ		(16 * 1024)

_Static_assert(OUT_BUFSZ >= 2 * GEN_CHUNK + 1, "a hex chunk fits");
/* base62_encoded_len(GEN_MAX_BASE62_BYTES) + 1, spelled out. */
_Static_assert(OUT_BUFSZ >= (GEN_MAX_BASE62_BYTES * 8000 + 5953) / 5954 + 1,
    "a base62 token fits");

enum format {
	FORMAT_BASE64,
	FORMAT_BASE64URL,
	FORMAT_HEX,
	FORMAT_BASE62,
	FORMAT_RAW
};

static const struct {
	const char	*name;
	enum format	 format;
} formats[] = {
	{ "base64",	FORMAT_BASE64 },
	{ "base64url",	FORMAT_BASE64URL },
	{ "hex",	FORMAT_HEX },
	{ "base62",	FORMAT_BASE62 },
	{ "raw",	FORMAT_RAW },
};

struct options {
	uint64_t	count;
	uint64_t	bytes;
	enum format	format;
	int		certutil;
	uint64_t	length;		/* --password; 0 when not given. */
	uint64_t	symbols;
	int		utf16le;
};

/*
 * Output is gathered here and written with write(2), so that every write is
 * checked, nothing stays behind in a stdio buffer, and the buffer can be
 * wiped: it holds the tokens.
 */
struct out {
	size_t		len;
	size_t		used;		/* High-water mark, for the wipe. */
	char		buf[OUT_BUFSZ];
};

enum {
	OPT_FORMAT = 256,
	OPT_CERTUTIL,
	OPT_PASSWORD,
	OPT_SYMBOLS,
	OPT_UTF16LE,
	OPT_VERSION
};

static const struct option longopts[] = {
	{ "format",	required_argument,	NULL,	OPT_FORMAT },
	{ "certutil",	no_argument,		NULL,	OPT_CERTUTIL },
	{ "password",	required_argument,	NULL,	OPT_PASSWORD },
	{ "symbols",	required_argument,	NULL,	OPT_SYMBOLS },
	{ "utf16le",	no_argument,		NULL,	OPT_UTF16LE },
	{ "help",	no_argument,		NULL,	'h' },
	{ "version",	no_argument,		NULL,	OPT_VERSION },
	{ NULL,		0,			NULL,	0 }
};

static const char usage_text[] =
    "usage: " PROGNAME " [-c COUNT] [-n BYTES]"
    " [--format base64|base64url|hex|base62|raw] [--certutil]\n"
    "       " PROGNAME " [-c COUNT] --password LENGTH [--symbols N]"
    " [--utf16le]\n"
    "       " PROGNAME " -h | --help | --version\n";

static void __attribute__((noreturn))
usage(void)
{
	fputs(usage_text, stderr);
	exit(2);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	usage();
}

static int
out_flush(struct out *o)
{
	size_t off = 0;
	ssize_t n;

	while (off < o->len) {
		n = write(STDOUT_FILENO, o->buf + off, o->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return ATK_ERR_SYSTEM;
		}
		off += (size_t)n;
	}
	o->len = 0;
	return 0;
}

/* Make room for n bytes at *p. */
static int
out_reserve(struct out *o, size_t n, char **p)
{
	int r;

	*p = NULL;
	if (n > OUT_BUFSZ)
		return ATK_ERR_INVAL;
	if (OUT_BUFSZ - o->len < n && (r = out_flush(o)) != 0)
		return r;
	*p = o->buf + o->len;
	return 0;
}

static void
out_commit(struct out *o, size_t n)
{
	o->len += n;
	if (o->len > o->used)
		o->used = o->len;
}

static int
out_put(struct out *o, const void *data, size_t n)
{
	const char *s = data;
	size_t k;
	char *p;
	int r;

	while (n > 0) {
		k = n < OUT_BUFSZ ? n : OUT_BUFSZ;
		if ((r = out_reserve(o, k, &p)) != 0)
			return r;
		memcpy(p, s, k);
		out_commit(o, k);
		s += k;
		n -= k;
	}
	return 0;
}

/*
 * base64 (or base64url) of n random bytes, in the encoder's line shape; a
 * newline after it when the encoder does not wrap (and so end) lines.
 */
static int
put_base64(struct out *o, struct base64_encoder *e, int wraps,
    unsigned char *rnd, size_t n)
{
	size_t k;
	char *p;
	int r;

	for (; n > 0; n -= k) {
		k = n < GEN_CHUNK ? n : GEN_CHUNK;
		if ((r = random_buf(rnd, k)) != 0 ||
		    (r = out_reserve(o, base64_encoder_bound(e, k), &p)) != 0)
			return r;
		out_commit(o, base64_encoder_update(e, rnd, k, p));
	}
	if ((r = out_reserve(o, base64_encoder_bound(e, 0) + 1, &p)) != 0)
		return r;
	k = base64_encoder_final(e, p);
	if (!wraps)
		p[k++] = '\n';
	out_commit(o, k);
	return 0;
}

static int
put_hex(struct out *o, unsigned char *rnd, size_t n)
{
	size_t k;
	char *p;
	int r;

	for (; n > 0; n -= k) {
		k = n < GEN_CHUNK ? n : GEN_CHUNK;
		if ((r = random_buf(rnd, k)) != 0 ||
		    (r = out_reserve(o, 2 * k + 1, &p)) != 0 ||
		    (r = hex_encode(rnd, k, p, 2 * k + 1)) != 0)
			return r;
		out_commit(o, 2 * k);
	}
	return out_put(o, "\n", 1);
}

static int
put_base62(struct out *o, unsigned char *rnd, size_t n)
{
	size_t len = base62_encoded_len(n);
	char *p;
	int r;

	if ((r = random_buf(rnd, n)) != 0 ||
	    (r = out_reserve(o, len + 1, &p)) != 0 ||
	    (r = base62_encode(rnd, n, p, len + 1)) != 0)
		return r;
	p[len] = '\n';
	out_commit(o, len + 1);
	return 0;
}

static int
put_raw(struct out *o, unsigned char *rnd, size_t n)
{
	size_t k;
	int r;

	for (; n > 0; n -= k) {
		k = n < GEN_CHUNK ? n : GEN_CHUNK;
		if ((r = random_buf(rnd, k)) != 0 ||
		    (r = out_put(o, rnd, k)) != 0)
			return r;
	}
	return 0;
}

/* One token of opt->bytes random bytes. */
static int
gen_bytes(struct out *o, const struct options *opt)
{
	unsigned char rnd[GEN_CHUNK];
	struct base64_encoder e;
	size_t n = (size_t)opt->bytes;
	int r;

	switch (opt->format) {
	case FORMAT_BASE64:
		if (opt->certutil) {
			base64_encoder_init(&e, 0, CERTUTIL_COLS, 1);
			if ((r = out_put(o, CERTUTIL_HEADER,
			    sizeof(CERTUTIL_HEADER) - 1)) == 0 &&
			    (r = put_base64(o, &e, 1, rnd, n)) == 0)
				r = out_put(o, CERTUTIL_FOOTER,
				    sizeof(CERTUTIL_FOOTER) - 1);
		} else {
			base64_encoder_init(&e, 0, GNU_BASE64_COLS, 0);
			r = put_base64(o, &e, 1, rnd, n);
		}
		break;
	case FORMAT_BASE64URL:
		base64_encoder_init(&e, BASE64_URL | BASE64_NOPAD, 0, 0);
		r = put_base64(o, &e, 0, rnd, n);
		break;
	case FORMAT_HEX:
		r = put_hex(o, rnd, n);
		break;
	case FORMAT_BASE62:
		r = put_base62(o, rnd, n);
		break;
	case FORMAT_RAW:
		r = put_raw(o, rnd, n);
		break;
	default:
		r = ATK_ERR_INVAL;
		break;
	}
	explicit_bzero(rnd, n < sizeof(rnd) ? n : sizeof(rnd));
	explicit_bzero(&e, sizeof(e));
	return r;
}

/* One GeneratePassword token, as text or as base64 of its UTF-16LE. */
static int
gen_password(struct out *o, const struct options *opt)
{
	char pw[PASSWORD_MAX_LENGTH + 1];
	unsigned char u16[2 * PASSWORD_MAX_LENGTH];
	size_t len = (size_t)opt->length, u16len = 0, b64len;
	char *p;
	int r;

	if ((r = password_generate(len, (size_t)opt->symbols, pw,
	    sizeof(pw))) != 0)
		goto out;
	if (!opt->utf16le) {
		pw[len] = '\n';
		r = out_put(o, pw, len + 1);
		goto out;
	}
	/* One line, as [Convert]::ToBase64String writes it. */
	b64len = base64_encoded_len(2 * len, 0);
	if ((r = utf16le_encode(pw, len, u16, sizeof(u16), &u16len)) != 0 ||
	    (r = out_reserve(o, b64len + 1, &p)) != 0 ||
	    (r = base64_encode(u16, u16len, p, b64len + 1, 0)) != 0)
		goto out;
	p[b64len] = '\n';
	out_commit(o, b64len + 1);
 out:
	explicit_bzero(pw, sizeof(pw));
	explicit_bzero(u16, sizeof(u16));
	return r;
}

static uint64_t
parse_number(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	uint64_t v;

	switch (number_parse(s, min, max, &v)) {
	case 0:
		return v;
	case ATK_ERR_OVERFLOW:
		usage_error("%s: too large: %s (at most %llu)", opt, s,
		    (unsigned long long)max);
	case ATK_ERR_RANGE:
		usage_error("%s: too small: %s (at least %llu)", opt, s,
		    (unsigned long long)min);
	default:
		usage_error("%s: not a number: %s", opt, s);
	}
}

static enum format
parse_format(const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (strcmp(s, formats[i].name) == 0)
			return formats[i].format;
	}
	usage_error("--format: unknown format: %s", s);
}

static void
parse_options(int argc, char **argv, struct options *opt)
{
	int ch, have_bytes = 0, have_format = 0, have_symbols = 0;

	memset(opt, 0, sizeof(*opt));
	opt->count = 1;
	opt->bytes = GEN_DEFAULT_BYTES;
	opt->format = FORMAT_BASE64;
	while ((ch = getopt_long(argc, argv, ":c:hn:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			opt->count = parse_number("-c", optarg, 1,
			    GEN_MAX_COUNT);
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1);
		case 'n':
			opt->bytes = parse_number("-n", optarg, 1,
			    GEN_MAX_BYTES);
			have_bytes = 1;
			break;
		case OPT_FORMAT:
			opt->format = parse_format(optarg);
			have_format = 1;
			break;
		case OPT_CERTUTIL:
			opt->certutil = 1;
			break;
		case OPT_PASSWORD:
			opt->length = parse_number("--password", optarg,
			    PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH);
			break;
		case OPT_SYMBOLS:
			opt->symbols = parse_number("--symbols", optarg, 0,
			    PASSWORD_MAX_LENGTH);
			have_symbols = 1;
			break;
		case OPT_UTF16LE:
			opt->utf16le = 1;
			break;
		case OPT_VERSION:
			puts(PROGNAME " (" PACKAGE_NAME ") " PACKAGE_VERSION);
			exit(fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1);
		default:
			opt_error(PROGNAME, ch, argv, longopts);
			usage();
		}
	}
	if (optind != argc)
		usage_error("unexpected argument: %s", argv[optind]);
	if (opt->length != 0) {
		if (have_bytes || have_format || opt->certutil)
			usage_error("--password cannot be used with -n, "
			    "--format or --certutil");
		if (opt->symbols > opt->length)
			usage_error("symbols > length: --symbols %llu, "
			    "--password %llu",
			    (unsigned long long)opt->symbols,
			    (unsigned long long)opt->length);
		return;
	}
	if (have_symbols)
		usage_error("--symbols needs --password");
	if (opt->utf16le)
		usage_error("--utf16le needs --password");
	if (opt->certutil && opt->format != FORMAT_BASE64)
		usage_error("--certutil writes base64 only");
	if (opt->format == FORMAT_BASE62 &&
	    opt->bytes > GEN_MAX_BASE62_BYTES)
		usage_error("-n: base62 is limited to %d bytes per token",
		    GEN_MAX_BASE62_BYTES);
}

int
main(int argc, char *argv[])
{
	struct options opt;
	struct out out, *o = &out;
	uint64_t i;
	int r = 0, saved_errno = 0;
	no_core_dumps();
	/* opt_error() says what was wrong, never an option's value. */
	opterr = 0;
	parse_options(argc, argv, &opt);
	if (opt.length == 0 && opt.format == FORMAT_RAW &&
	    isatty(STDOUT_FILENO))
		errx(1, "refusing to write raw bytes to a terminal");
	o->len = o->used = 0;

	for (i = 0; i < opt.count && r == 0; i++)
		r = opt.length != 0 ? gen_password(o, &opt) :
		    gen_bytes(o, &opt);
	if (r == 0)
		r = out_flush(o);
	saved_errno = errno;
	explicit_bzero(o->buf, o->used);
	if (r == 0 && close(STDOUT_FILENO) != 0) {
		saved_errno = errno;
		r = ATK_ERR_SYSTEM;
	}
	if (r == ATK_ERR_SYSTEM) {
		errno = saved_errno;
		err(1, "stdout");
	}
	if (r != 0)
		errx(1, "%s", atk_strerror(r));
	return 0;
}
