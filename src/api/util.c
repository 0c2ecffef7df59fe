/*
 * util.c - small pieces the API's files share: a text buffer and the bearer
 * token check (api_int.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/api_int.h"
#include "lib/mem.h"

static void reserve(api_buf *b, size_t n)
{
	if (b->len + n + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	b->p = neto_realloc(b->p, cap);
	b->cap = cap;
}

void api_buf_put(api_buf *b, const char *s, size_t n)
{
	reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void api_buf_puts(api_buf *b, const char *s)
{
	api_buf_put(b, s, strlen(s));
}

void api_buf_printf(api_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n <= 0)
		return;
	reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

char *api_buf_take(api_buf *b)
{
	char *p = b->p ? b->p : neto_strdup("");
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

int api_auth_check(const char *header, const char *token)
{
	if (header == NULL)
		return 401;
	/* RFC 6750 section 2.1: "Bearer" (any case), one or more spaces, token */
	if (strncasecmp(header, "Bearer ", 7) != 0)
		return 401;
	const char *t = header + 7;
	while (*t == ' ')
		t++;
	size_t n = strlen(t), m = strlen(token);
	/* constant time in the token's content: every byte of the longer one
	 * is looked at whatever the first difference */
	size_t longest = n > m ? n : m;
	unsigned char diff = (unsigned char)(n != m);
	for (size_t i = 0; i < longest; i++) {
		unsigned char a = i < n ? (unsigned char)t[i] : 0;
		unsigned char b = i < m ? (unsigned char)token[i] : 0;
		diff |= (unsigned char)(a ^ b);
	}
	return diff ? 403 : 0;
}
