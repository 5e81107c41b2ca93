/*
 * Error codes shared by everything in lib/.
 *
 * Library functions return 0 on success or one of the negative codes below;
 * they never print and never exit.  The caller turns a code into words with
 * atk_strerror() and decides what to say and how to exit.
 */
#ifndef APITOKEN_ERROR_H
#define APITOKEN_ERROR_H

#define ATK_OK			0
#define ATK_ERR_NOMEM		-1	/* Out of memory. */
#define ATK_ERR_INVAL		-2	/* Bad argument from the caller. */
#define ATK_ERR_SYNTAX		-3	/* Input does not follow the grammar. */
#define ATK_ERR_OVERFLOW	-4	/* A number does not fit. */
#define ATK_ERR_SYSTEM		-5	/* A system call failed; see errno. */
#define ATK_ERR_RANDOM		-6	/* The kernel CSPRNG failed. */
#define ATK_ERR_BASE64		-7	/* Not valid base64. */
#define ATK_ERR_TRUNCATED	-8	/* Input ends too early. */
#define ATK_ERR_TOOLONG		-9	/* Input longer than allowed. */
#define ATK_ERR_CHECKSUM	-10	/* Token checksum does not match. */
#define ATK_ERR_EXISTS		-11	/* Already there. */
#define ATK_ERR_NOTFOUND	-12	/* Not there. */
#define ATK_ERR_STORE		-13	/* The LMDB store failed. */
#define ATK_ERR_SCHEMA		-14	/* Store written by a newer version. */
#define ATK_ERR_CORRUPT		-15	/* Store record damaged. */
#define ATK_ERR_UNSAFE		-16	/* Unsafe ownership or permissions. */
#define ATK_ERR_CRYPTO		-17	/* libcrypto failed (or allows no HMAC). */
#define ATK_ERR_ARMOR		-18	/* Bad BEGIN/END armor. */
#define ATK_ERR_ENCODING	-19	/* Bad text encoding (UTF-8/UTF-16). */
#define ATK_ERR_RANGE		-20	/* A value outside the allowed range. */
#define ATK_ERR_FULL		-21	/* The store's map is full. */
#define ATK_ERR_READERS		-22	/* The store's reader table is full. */
#define ATK_ERR_TXNFULL		-23	/* Too many changes in one txn. */
#define ATK_ERR_BUSY		-24	/* Store in use by another txn. */
#define ATK_ERR_TIMEOUT		-25	/* No answer in time. */
#define ATK_ERR_UNREACHABLE	-26	/* No etcd endpoint answered. */
#define ATK_ERR_REMOTE		-27	/* etcd refused the request. */
#define ATK_ERR_COMPACTED	-28	/* The revision was compacted. */
#define ATK_ERR_LAST		-28

const char	*atk_strerror(int);

#endif /* APITOKEN_ERROR_H */
