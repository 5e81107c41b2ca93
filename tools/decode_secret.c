/*
 * apitoken-decode --secret-key KEY: decode data[KEY] of a Kubernetes
 * Secret given as JSON ("kubectl get secret NAME -o json | apitoken-decode
 * --secret-key token").
 */
#include "config.h"

#include <dlfcn.h>
#include <err.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "apitoken-decode.h"
#include "armor.h"
#include "base64.h"
#include "error.h"

#define JSON_MAX	(16 * 1024 * 1024) /* Largest Secret read. */
#define JSON_DATA	"data"		/* A Secret's values. */

/*
 * jansson is loaded with dlopen(3) by --secret-key alone.  Linked, the
 * dynamic loader would map it at every start: 3% of a one-token decode,
 * whose goal is the time of base64 -d.  jansson 2 is libjansson.so.4.
 */
#if JANSSON_MAJOR_VERSION != 2
#error "JANSSON_SONAME names the library of jansson 2"
#endif
#define JANSSON_SONAME	"libjansson.so.4"

/* The jansson functions --secret-key calls, from JANSSON_SONAME. */
struct jansson {
	void		*handle;
	json_t		*(*loadb)(const char *, size_t, size_t,
			    json_error_t *);
	json_t		*(*object_get)(const json_t *, const char *);
	const char	*(*string_value)(const json_t *);
	size_t		 (*string_length)(const json_t *);
	void		 (*del)(json_t *);
};

/*
 * jansson's allocations hold the Secret's JSON and its values (the token's
 * base64): each carries its size in front, so that it is wiped before it
 * is freed.  ALLOC_HEAD keeps what follows aligned for any type.
 */
#define ALLOC_HEAD	(sizeof(max_align_t))

static void *
wiping_malloc(size_t n)
{
	unsigned char *p;

	if (n > SIZE_MAX - ALLOC_HEAD || (p = malloc(ALLOC_HEAD + n)) == NULL)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + ALLOC_HEAD;
}

static void
wiping_free(void *q)
{
	unsigned char *p;
	size_t n;

	if (q == NULL)
		return;
	p = (unsigned char *)q - ALLOC_HEAD;
	memcpy(&n, p, sizeof(n));
	explicit_bzero(p, ALLOC_HEAD + n);
	free(p);
}

/* The whole input, for JSON: at most JSON_MAX bytes. */
static int
read_all(const struct opts *o, int fd, char **bufp, size_t *lenp)
{
	char *buf = NULL, *nbuf;
	size_t len = 0, size = 0;
	ssize_t got;

	*bufp = NULL;
	*lenp = 0;
	for (;;) {
		if (len == size) {
			if (size == JSON_MAX) {
				warnx("%s: %s (more than %d bytes)", o->inname,
				    atk_strerror(ATK_ERR_TOOLONG), JSON_MAX);
				goto fail;
			}
			size = size == 0 ? IO_BUF : size * 2;
			if (size > JSON_MAX)
				size = JSON_MAX;
			/* Grow by hand so no copy of a secret is left. */
			if ((nbuf = malloc(size)) == NULL) {
				warn(NULL);
				goto fail;
			}
			if (len > 0)
				memcpy(nbuf, buf, len);
			if (buf != NULL)
				explicit_bzero(buf, len);
			free(buf);
			buf = nbuf;
		}
		if ((got = read_some(fd, buf + len, size - len)) < 0) {
			read_error(o->inname);
			goto fail;
		}
		if (got == 0)
			break;
		len += (size_t)got;
	}
	*bufp = buf;
	*lenp = len;
	return 0;
fail:
	if (buf != NULL)
		explicit_bzero(buf, size);
	free(buf);
	return -1;
}

/* jansson's functions, or one line saying why not; 0 or -1. */
static int
jansson_open(struct jansson *j)
{
	void *p[6];
	size_t i;
	static const char *const names[] = {
		"json_loadb", "json_object_get", "json_string_value",
		"json_string_length", "json_delete", "json_set_alloc_funcs"
	};

	_Static_assert(sizeof(p) / sizeof(p[0]) ==
	    sizeof(names) / sizeof(names[0]), "a pointer per name");
	memset(j, 0, sizeof(*j));
	if ((j->handle = dlopen(JANSSON_SONAME, RTLD_NOW | RTLD_LOCAL)) ==
	    NULL) {
		warnx("--secret-key: %s", dlerror());
		return -1;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((p[i] = dlsym(j->handle, names[i])) == NULL) {
			warnx("--secret-key: " JANSSON_SONAME ": no %s",
			    names[i]);
			(void)dlclose(j->handle);
			j->handle = NULL;
			return -1;
		}
	}
	/* POSIX: a function's address from dlsym() converts back. */
	j->loadb = (json_t *(*)(const char *, size_t, size_t,
	    json_error_t *))p[0];
	j->object_get = (json_t *(*)(const json_t *, const char *))p[1];
	j->string_value = (const char *(*)(const json_t *))p[2];
	j->string_length = (size_t (*)(const json_t *))p[3];
	j->del = (void (*)(json_t *))p[4];
	/* Before jansson allocates anything. */
	((void (*)(json_malloc_t, json_free_t))p[5])(wiping_malloc,
	    wiping_free);
	return 0;
}

/* json_decref() as jansson.h has it, through the loaded json_delete(). */
static void
jansson_decref(const struct jansson *j, json_t *v)
{
	if (v != NULL && v->refcount != (size_t)-1 && --v->refcount == 0)
		j->del(v);
}

int
run_secret(const struct opts *o, int fd, struct sink *s)
{
	struct armor_reader *ar = NULL;
	struct jansson j;
	json_t *root = NULL, *data, *val;
	json_error_t jerr;
	char *buf = NULL, what[64];
	const char *str;
	unsigned char *out = NULL;
	size_t len = 0, slen, n;
	int r, ret = -1;

	if (jansson_open(&j) != 0)
		return -1;
	if (read_all(o, fd, &buf, &len) != 0)
		goto out;
	if ((root = j.loadb(buf, len, 0, &jerr)) == NULL) {
		warnx("%s: bad JSON at line %d column %d: %s", o->inname,
		    jerr.line, jerr.column, jerr.text);
		goto out;
	}
	if ((data = j.object_get(root, JSON_DATA)) == NULL ||
	    !json_is_object(data)) {
		warnx("%s: not a Secret: no \"" JSON_DATA "\" object",
		    o->inname);
		goto out;
	}
	if ((val = j.object_get(data, o->secret_key)) == NULL) {
		warnx("%s: no key \"%s\" in " JSON_DATA, o->inname,
		    o->secret_key);
		goto out;
	}
	if (!json_is_string(val)) {
		warnx("%s: " JSON_DATA " \"%s\" is not a string", o->inname,
		    o->secret_key);
		goto out;
	}
	str = j.string_value(val);
	slen = j.string_length(val);
	if ((ar = malloc(sizeof(*ar))) == NULL ||
	    (out = malloc(armor_reader_bound(slen))) == NULL) {
		warn(NULL);
		goto out;
	}
	armor_reader_init(ar, (o->url ? BASE64_URL : 0) |
	    (o->garbage ? BASE64_GARBAGE : 0));
	if ((r = armor_reader_update(ar, str, slen, out, &n)) == 0) {
		if (sink_put(s, out, n) != 0)
			goto out;
		r = armor_reader_final(ar, out, &n);
	}
	if (r != 0) {
		/* Name the key, but do not show the value. */
		(void)snprintf(what, sizeof(what), " " JSON_DATA " \"%.32s\"",
		    o->secret_key);
		decode_error(o->inname, what, r, ar->errpos);
		goto out;
	}
	if (sink_put(s, out, n) != 0)
		goto out;
	ret = sink_final(s);
out:
	if (out != NULL)
		explicit_bzero(out, armor_reader_bound(slen));
	if (ar != NULL)
		explicit_bzero(ar, sizeof(*ar));
	if (buf != NULL)
		explicit_bzero(buf, len);
	free(out);
	free(ar);
	free(buf);
	jansson_decref(&j, root);
	(void)dlclose(j.handle);
	return ret;
}

