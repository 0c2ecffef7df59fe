/* text.c - line cursor and field conversions for text parsers (see text.h). */
#include "lib/text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void neto_lines_init(neto_lines *c, const char *buf, size_t len)
{
	c->buf = buf;
	c->len = len;
	c->pos = 0;
	c->lineno = 0;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

neto_span neto_span_trim(neto_span s)
{
	while (s.len > 0 && is_blank(s.p[0])) {
		s.p++;
		s.len--;
	}
	while (s.len > 0 && is_blank(s.p[s.len - 1]))
		s.len--;
	return s;
}

bool neto_lines_next(neto_lines *c, neto_span *line)
{
	if (c->pos >= c->len)
		return false;
	const char *start = c->buf + c->pos;
	size_t rest = c->len - c->pos;
	const char *nl = memchr(start, '\n', rest);
	size_t n = nl ? (size_t)(nl - start) : rest;
	c->pos += n + (nl ? 1 : 0);
	c->lineno++;
	neto_span s = { start, n };
	while (s.len > 0 && is_blank(s.p[s.len - 1]))
		s.len--;
	*line = s;
	return true;
}

bool neto_lines_next_data(neto_lines *c, neto_span *line)
{
	neto_span s;
	while (neto_lines_next(c, &s)) {
		neto_span t = neto_span_trim(s);
		if (t.len == 0 || t.p[0] == '#')
			continue;
		*line = t;
		return true;
	}
	return false;
}

size_t neto_split(neto_span line, char sep, neto_span *fields, size_t max)
{
	size_t n = 0, i = 0;
	if (sep == 0) {
		while (i < line.len) {
			while (i < line.len && is_blank(line.p[i]))
				i++;
			if (i >= line.len)
				break;
			size_t b = i;
			while (i < line.len && !is_blank(line.p[i]))
				i++;
			if (n == max)
				return max + 1;
			fields[n++] = (neto_span){ line.p + b, i - b };
		}
		return n;
	}
	size_t b = 0;
	for (i = 0; i <= line.len; i++) {
		if (i == line.len || line.p[i] == sep) {
			if (n == max)
				return max + 1;
			fields[n++] = neto_span_trim((neto_span){ line.p + b, i - b });
			b = i + 1;
		}
	}
	return n;
}

bool neto_span_eq(neto_span s, const char *lit)
{
	size_t n = strlen(lit);
	return s.len == n && memcmp(s.p, lit, n) == 0;
}

bool neto_span_ieq(neto_span s, const char *lit)
{
	size_t n = strlen(lit);
	if (s.len != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (tolower((unsigned char)s.p[i]) != tolower((unsigned char)lit[i]))
			return false;
	return true;
}

/* Numbers are at most a few dozen characters; longer fields are rejected
 * rather than copied. */
#define NUM_MAX 64

static bool span_cstr(neto_span s, char *buf)
{
	s = neto_span_trim(s);
	if (s.len == 0 || s.len >= NUM_MAX)
		return false;
	memcpy(buf, s.p, s.len);
	buf[s.len] = '\0';
	return true;
}

bool neto_span_to_double(neto_span s, double *out)
{
	char buf[NUM_MAX];
	if (!span_cstr(s, buf))
		return false;
	char *end;
	errno = 0;
	double v = strtod(buf, &end);
	if (*end != '\0' || errno == ERANGE || !isfinite(v))
		return false;
	*out = v;
	return true;
}

bool neto_span_to_u64(neto_span s, uint64_t *out)
{
	char buf[NUM_MAX];
	if (!span_cstr(s, buf))
		return false;
	if (!isdigit((unsigned char)buf[0]))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 10);
	if (*end != '\0' || errno == ERANGE)
		return false;
	*out = v;
	return true;
}

bool neto_span_to_u32(neto_span s, uint32_t *out)
{
	uint64_t v;
	if (!neto_span_to_u64(s, &v) || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}

const char *neto_span_str(neto_span s, char *out, size_t n)
{
	if (n == 0)
		return out;
	size_t k = s.len < n - 1 ? s.len : n - 1;
	memcpy(out, s.p, k);
	out[k] = '\0';
	return out;
}

int neto_text_check_nul(const char *buf, size_t len, const char *fname, neto_err *err)
{
	const char *z = len > 0 ? memchr(buf, '\0', len) : NULL;
	if (z == NULL)
		return 0;
	unsigned line = 1;
	for (const char *p = buf; p < z; p++)
		line += *p == '\n';
	return neto_err_at(err, fname, line, "NUL byte in a text file");
}

bool neto_header_is(neto_span line, const char *const *names, size_t n)
{
	neto_span f[8];
	if (n > 8 || neto_split(line, 0, f, 8) != n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!neto_span_ieq(f[i], names[i]))
			return false;
	return true;
}
