/*
 * Words for the error codes of error.h.
 */
#include "config.h"

#include "error.h"

static const char *const atk_errors[] = {
	"success",				/* ATK_OK */
	"out of memory",			/* ATK_ERR_NOMEM */
	"invalid argument",			/* ATK_ERR_INVAL */
	"bad syntax",				/* ATK_ERR_SYNTAX */
	"number too large",			/* ATK_ERR_OVERFLOW */
	"system error",				/* ATK_ERR_SYSTEM */
	"random number generator failed",	/* ATK_ERR_RANDOM */
	"invalid base64",			/* ATK_ERR_BASE64 */
	"input truncated",			/* ATK_ERR_TRUNCATED */
	"input too long",			/* ATK_ERR_TOOLONG */
	"checksum mismatch",			/* ATK_ERR_CHECKSUM */
	"already exists",			/* ATK_ERR_EXISTS */
	"not found",				/* ATK_ERR_NOTFOUND */
	"store error",				/* ATK_ERR_STORE */
	"store was written by a newer version",	/* ATK_ERR_SCHEMA */
	"store record is corrupt",		/* ATK_ERR_CORRUPT */
	"unsafe ownership or permissions",	/* ATK_ERR_UNSAFE */
	"cryptographic library failed",		/* ATK_ERR_CRYPTO */
	"bad BEGIN/END armor",			/* ATK_ERR_ARMOR */
	"bad text encoding",			/* ATK_ERR_ENCODING */
	"value out of range",			/* ATK_ERR_RANGE */
	"the store is full",			/* ATK_ERR_FULL */
	"too many readers of the store",	/* ATK_ERR_READERS */
	"too many changes in one transaction",	/* ATK_ERR_TXNFULL */
	"the store is in use by another transaction", /* ATK_ERR_BUSY */
	"timed out",				/* ATK_ERR_TIMEOUT */
	"etcd unreachable",			/* ATK_ERR_UNREACHABLE */
	"etcd refused the request",		/* ATK_ERR_REMOTE */
	"revision compacted",			/* ATK_ERR_COMPACTED */
};

const char *
atk_strerror(int r)
{
	if (r > 0 || r < ATK_ERR_LAST)
		return "unknown error";
	return atk_errors[-r];
}

_Static_assert(sizeof(atk_errors) / sizeof(atk_errors[0]) == 1 - ATK_ERR_LAST,
    "every error code needs its words");
