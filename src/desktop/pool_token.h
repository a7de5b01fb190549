/*
 * A desktop's access token: 32 random bytes, kept as 64 hex digits in a file
 * only its owner can read, and checked without leaking where a guess differs.
 */
#ifndef VESSEL_DESKTOP_POOL_TOKEN_H
#define VESSEL_DESKTOP_POOL_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

#define POOL_TOKEN_BYTES	32
#define POOL_TOKEN_HEX		(2 * POOL_TOKEN_BYTES)

struct error;

/*
 * The token in @path, or a new one written there (mode 0600) when the file is
 * absent. A file that is not a token, or that others may read, is an error.
 */
int pool_token_load(const char *path, char token[POOL_TOKEN_HEX + 1], struct error *err);
/* A fresh token from getrandom(). */
int pool_token_generate(char token[POOL_TOKEN_HEX + 1], struct error *err);
/*
 * Whether @given (@len bytes, not NUL-terminated) is @token. The time taken
 * depends only on @len, never on the contents of either.
 */
bool pool_token_equal(const char *given, size_t len, const char token[POOL_TOKEN_HEX + 1]);

#endif
