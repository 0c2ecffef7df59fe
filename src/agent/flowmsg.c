/*
 * flowmsg.c - codecs of the flow agents' messages (flowmsg.h; the formats
 * are in docs/formats.md, "Flow messages").
 *
 * The decoder copies the message once and cuts the copy in place: every line
 * and field becomes a NUL-terminated string inside that copy, so a batch of a
 * million records costs three allocations, not three million. Lengths come
 * from the cut positions, never from strlen, so a NUL byte in the input is
 * seen (and rejected as a control character) rather than silently ending a
 * name. Every count in a header is checked against its cap before anything
 * is read, and arrays grow with the lines actually present, so a header that
 * declares a million records in a ten-byte message costs nothing.
 *
 * The format is strict so that there is one way to write a message: lines
 * end with "\n" (the last one too), no blank or comment lines, integers
 * without sign or leading zeros, rates as plain decimals. Encoders check
 * everything the decoder checks, so whatever they accept decodes again.
 */
#include "agent/flowmsg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/strmap.h"

#define BATCH_TAG "neto-flows"
#define PARTIAL_TAG "neto-partial"
#define NUM_MAX 64 /* longest number field */

/* ---- names and numbers -------------------------------------------------- */

bool flowmsg_name_ok(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	if (len == 0 || len > FLOWMSG_NAME_MAX || s[0] == ' ' || s[len - 1] == ' ')
		return false;
	size_t i = 0;
	while (i < len) {
		unsigned c = s[i];
		size_t n;
		unsigned cp;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f || c == ',')
				return false;
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return false;
		}
		if (n >= len - i)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* overlong forms, surrogates, beyond U+10FFFF (RFC 3629 section 3) */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

/* "0" or a digit string without leading zero that fits in 64 bits. */
static bool parse_u64(const char *s, size_t len, uint64_t *out)
{
	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return false;
	uint64_t v = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* A non-negative plain decimal: digits, optional fraction, optional
 * exponent ("12", "0.5", "1.25e+06"); finite. A result too small for a
 * normal double is kept as the nearest double (strtod's ERANGE on underflow
 * still gives it), so that every double the encoder writes reads back. */
static bool parse_rate(const char *s, size_t len, double *out)
{
	if (len == 0 || len >= NUM_MAX)
		return false;
	size_t i = 0;
	size_t d0 = i;
	while (i < len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == d0)
		return false;
	if (i < len && s[i] == '.') {
		size_t f0 = ++i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == f0)
			return false;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t e0 = i;
		while (i < len && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == e0)
			return false;
	}
	if (i != len)
		return false;
	char buf[NUM_MAX];
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	double v = strtod(buf, NULL);
	if (!isfinite(v) || v < 0)
		return false;
	*out = v;
	return true;
}

/* ---- encoding ----------------------------------------------------------- */

typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n)
{
	if (b->cap - b->len < n + 1) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap - b->len < n + 1)
			cap *= 2;
		b->p = neto_realloc(b->p, cap);
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

static void sb_fmt(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_fmt(sbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A double as the decoder reads it: 17 significant digits, never "-0". */
static void sb_rate(sbuf *b, double v)
{
	if (v == 0)
		v = 0; /* -0.0 becomes 0 */
	sb_fmt(b, "%.17g", v);
}

static bool name_ok(const char *s)
{
	return s != NULL && flowmsg_name_ok(s, strlen(s));
}

static int check_window(const char *msg, int64_t start, int64_t window, neto_err *err)
{
	if (start < 0)
		return neto_err_set(err, "%s: window start %lld is negative", msg, (long long)start);
	if (window < 1 || window > FLOWMSG_MAX_WINDOW_MS)
		return neto_err_set(err, "%s: window length %lld is not in 1..%d ms", msg,
				    (long long)window, FLOWMSG_MAX_WINDOW_MS);
	if (start > INT64_MAX - window)
		return neto_err_set(err, "%s: window end is past the range of times", msg);
	return 0;
}

int flowmsg_batch_encode(const flowmsg_batch *b, char **out, size_t *len, neto_err *err)
{
	static const char *const msg = "flow record batch";
	if (!name_ok(b->exporter))
		return neto_err_set(err, "%s: exporter: not a valid name", msg);
	if (check_window(msg, b->start_ms, b->window_ms, err) != 0)
		return -1;
	if (b->sampling < 1)
		return neto_err_set(err, "%s: sampling interval must be at least 1", msg);
	if (b->n > FLOWMSG_MAX_RECORDS)
		return neto_err_set(err, "%s: %zu records, more than %u", msg, b->n,
				    FLOWMSG_MAX_RECORDS);
	for (size_t i = 0; i < b->n; i++) {
		const flowmsg_record *r = &b->recs[i];
		const char *bad = !name_ok(r->ingress) ? "ingress"
				  : !name_ok(r->egress) ? "egress"
				  : !name_ok(r->cls)	? "class"
							: NULL;
		if (bad != NULL)
			return neto_err_set(err, "%s: record %zu: %s: not a valid name", msg, i, bad);
	}
	sbuf s = { 0 };
	sb_str(&s, BATCH_TAG ",1,");
	sb_str(&s, b->exporter);
	sb_fmt(&s, ",%lld,%lld,%u,%zu\n", (long long)b->start_ms, (long long)b->window_ms,
	       b->sampling, b->n);
	for (size_t i = 0; i < b->n; i++) {
		const flowmsg_record *r = &b->recs[i];
		sb_str(&s, r->ingress);
		sb_put(&s, ",", 1);
		sb_str(&s, r->egress);
		sb_put(&s, ",", 1);
		sb_str(&s, r->cls);
		sb_fmt(&s, ",%llu,%llu\n", (unsigned long long)r->bytes,
		       (unsigned long long)r->packets);
	}
	*out = s.p;
	*len = s.len;
	return 0;
}

/* Appends "src,dst,cls" to a reset scratch buffer (the dedup key). */
static void entry_key(sbuf *k, const flowmsg_entry *e)
{
	k->len = 0;
	sb_str(k, e->src);
	sb_put(k, ",", 1);
	sb_str(k, e->dst);
	sb_put(k, ",", 1);
	sb_str(k, e->cls);
}

static int check_partial_names(const flowmsg_partial *p, neto_err *err)
{
	static const char *const msg = "partial matrix";
	neto_strmap seen;
	neto_strmap_init(&seen);
	int rc = 0;
	for (size_t i = 0; i < p->n_covered + p->n_missing && rc == 0; i++) {
		bool cov = i < p->n_covered;
		const char *nm = cov ? p->covered[i] : p->missing[i - p->n_covered];
		size_t at = cov ? i : i - p->n_covered;
		if (!name_ok(nm))
			rc = neto_err_set(err, "%s: %s[%zu]: not a valid name", msg,
					  cov ? "covered" : "missing", at);
		else if (!neto_strmap_put(&seen, nm, strlen(nm), 0, NULL))
			rc = neto_err_set(err, "%s: %s[%zu]: '%s' is listed twice", msg,
					  cov ? "covered" : "missing", at, nm);
	}
	neto_strmap_free(&seen);
	return rc;
}

static int check_partial_entries(const flowmsg_partial *p, neto_err *err)
{
	static const char *const msg = "partial matrix";
	neto_strmap seen;
	neto_strmap_init(&seen);
	sbuf key = { 0 };
	int rc = 0;
	for (size_t i = 0; i < p->n && rc == 0; i++) {
		const flowmsg_entry *e = &p->entries[i];
		const char *bad = !name_ok(e->src) ? "src"
				  : !name_ok(e->dst) ? "dst"
				  : !name_ok(e->cls) ? "class"
						     : NULL;
		if (bad != NULL) {
			rc = neto_err_set(err, "%s: entry %zu: %s: not a valid name", msg, i, bad);
			break;
		}
		if (strcmp(e->src, e->dst) == 0) {
			rc = neto_err_set(err, "%s: entry %zu: src and dst are the same", msg, i);
			break;
		}
		if (!isfinite(e->rate) || !(e->rate >= 0)) {
			rc = neto_err_set(err, "%s: entry %zu: rate must be a finite number >= 0",
					  msg, i);
			break;
		}
		entry_key(&key, e);
		if (!neto_strmap_put(&seen, key.p, key.len, 0, NULL))
			rc = neto_err_set(err, "%s: entry %zu: (%s, %s, %s) is listed twice", msg,
					  i, e->src, e->dst, e->cls);
	}
	free(key.p);
	neto_strmap_free(&seen);
	return rc;
}

int flowmsg_partial_encode(const flowmsg_partial *p, char **out, size_t *len, neto_err *err)
{
	static const char *const msg = "partial matrix";
	if (!name_ok(p->agent))
		return neto_err_set(err, "%s: agent: not a valid name", msg);
	if (check_window(msg, p->start_ms, p->window_ms, err) != 0)
		return -1;
	if (!isfinite(p->bits_per_unit) || !(p->bits_per_unit > 0))
		return neto_err_set(err, "%s: bits per unit must be a positive number", msg);
	if (p->n_covered > FLOWMSG_MAX_EXPORTERS ||
	    p->n_missing > FLOWMSG_MAX_EXPORTERS - p->n_covered)
		return neto_err_set(err, "%s: more than %u covered and missing names", msg,
				    FLOWMSG_MAX_EXPORTERS);
	if (p->n > FLOWMSG_MAX_ENTRIES)
		return neto_err_set(err, "%s: %zu entries, more than %u", msg, p->n,
				    FLOWMSG_MAX_ENTRIES);
	if (check_partial_names(p, err) != 0 || check_partial_entries(p, err) != 0)
		return -1;
	sbuf s = { 0 };
	sb_str(&s, PARTIAL_TAG ",1,");
	sb_str(&s, p->agent);
	sb_fmt(&s, ",%lld,%lld,", (long long)p->start_ms, (long long)p->window_ms);
	sb_rate(&s, p->bits_per_unit);
	sb_fmt(&s, ",%zu,%zu,%zu\ncovered", p->n_covered, p->n_missing, p->n);
	for (size_t i = 0; i < p->n_covered; i++) {
		sb_put(&s, ",", 1);
		sb_str(&s, p->covered[i]);
	}
	sb_str(&s, "\nmissing");
	for (size_t i = 0; i < p->n_missing; i++) {
		sb_put(&s, ",", 1);
		sb_str(&s, p->missing[i]);
	}
	sb_put(&s, "\n", 1);
	for (size_t i = 0; i < p->n; i++) {
		const flowmsg_entry *e = &p->entries[i];
		sb_str(&s, e->src);
		sb_put(&s, ",", 1);
		sb_str(&s, e->dst);
		sb_put(&s, ",", 1);
		sb_str(&s, e->cls);
		sb_put(&s, ",", 1);
		sb_rate(&s, e->rate);
		sb_put(&s, "\n", 1);
	}
	*out = s.p;
	*len = s.len;
	return 0;
}

/* ---- decoding ----------------------------------------------------------- */

typedef struct dec {
	char *p, *end; /* unread part of the owned copy */
	unsigned line; /* number of the line last cut */
	const char *what;
	neto_err *err;
} dec;

/* A field of the current line: a NUL-terminated view into the copy. */
typedef struct field {
	char *s;
	size_t len;
} field;

static int derr(dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int derr(dec *d, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return neto_err_at(d->err, d->what, d->line, "%s", msg);
}

static void dec_init(dec *d, char **copy, const char *buf, size_t len, const char *what,
		     neto_err *err)
{
	*copy = neto_malloc(len + 1);
	memcpy(*copy, buf, len);
	(*copy)[len] = '\0';
	d->p = *copy;
	d->end = *copy + len;
	d->line = 0;
	d->what = what;
	d->err = err;
}

/* Cuts the next line. Returns 0, 1 at the end of input, -1 when the last
 * line has no terminator. */
static int next_line(dec *d, char **line, size_t *len)
{
	if (d->p == d->end)
		return 1;
	d->line++;
	char *nl = memchr(d->p, '\n', (size_t)(d->end - d->p));
	if (nl == NULL)
		return derr(d, "line does not end with a newline");
	*nl = '\0';
	*line = d->p;
	*len = (size_t)(nl - d->p);
	d->p = nl + 1;
	return 0;
}

/* Number of fields of a line (commas + 1). */
static size_t count_fields(const char *line, size_t len)
{
	size_t n = 1;
	for (const char *c = memchr(line, ',', len); c != NULL;
	     c = memchr(c + 1, ',', len - (size_t)(c + 1 - line)))
		n++;
	return n;
}

/* Cuts a line of exactly n fields (the caller counted them). */
static void cut_fields(char *line, size_t len, field *f, size_t n)
{
	size_t k = 0;
	f[0].s = line;
	for (size_t i = 0; i < len; i++) {
		if (line[i] != ',')
			continue;
		line[i] = '\0';
		f[k].len = (size_t)(line + i - f[k].s);
		f[++k].s = line + i + 1;
	}
	f[k].len = (size_t)(line + len - f[k].s);
	(void)n;
}

static int fixed_fields(dec *d, char *line, size_t len, field *f, size_t n, const char *shape)
{
	size_t got = count_fields(line, len);
	if (got != n)
		return derr(d, "%zu fields, expected %zu: %s", got, n, shape);
	cut_fields(line, len, f, n);
	return 0;
}

static int name_field(dec *d, const field *f, const char *what)
{
	if (!flowmsg_name_ok(f->s, f->len))
		return derr(d,
			    "%s: not a valid name (1..%d bytes of UTF-8, no comma, control "
			    "character or surrounding space)",
			    what, FLOWMSG_NAME_MAX);
	return 0;
}

static int u64_field(dec *d, const field *f, const char *what, uint64_t lo, uint64_t hi,
		     uint64_t *out)
{
	if (!parse_u64(f->s, f->len, out))
		return derr(d, "%s: '%.40s' is not an integer (digits, no sign or leading zero)",
			    what, f->s);
	if (*out < lo || *out > hi)
		return derr(d, "%s: %llu is not in %llu..%llu", what, (unsigned long long)*out,
			    (unsigned long long)lo, (unsigned long long)hi);
	return 0;
}

/* The first header fields: tag, version; then the window. */
static int header_start(dec *d, const field *f, const char *tag, const char *shape)
{
	if (strcmp(f[0].s, tag) != 0)
		return derr(d, "not a %s (the first line must start with '%s,1,')", shape, tag);
	if (strcmp(f[1].s, "1") != 0)
		return derr(d, "unsupported version '%.20s' (this reader knows 1)", f[1].s);
	return 0;
}

static int header_window(dec *d, const field *fs, const field *fw, int64_t *start,
			 int64_t *window)
{
	uint64_t s, w;
	if (u64_field(d, fs, "window start", 0, INT64_MAX, &s) != 0 ||
	    u64_field(d, fw, "window length", 1, FLOWMSG_MAX_WINDOW_MS, &w) != 0)
		return -1;
	if (s > (uint64_t)INT64_MAX - w)
		return derr(d, "window end is past the range of times");
	*start = (int64_t)s;
	*window = (int64_t)w;
	return 0;
}

static int no_more_lines(dec *d, size_t declared)
{
	if (d->p != d->end) {
		d->line++;
		return derr(d, "more lines than the %zu the header declares", declared);
	}
	return 0;
}

void flowmsg_batch_free(flowmsg_batch *b)
{
	free(b->text_);
	free(b->recs_);
	memset(b, 0, sizeof *b);
}

int flowmsg_batch_decode(flowmsg_batch *b, const char *buf, size_t len, const char *what,
			 neto_err *err)
{
	static const char *const hdr =
		"'neto-flows,1,EXPORTER,START_MS,WINDOW_MS,SAMPLING,RECORDS'";
	static const char *const rec = "'INGRESS,EGRESS,CLASS,BYTES,PACKETS'";
	memset(b, 0, sizeof *b);
	if (len > FLOWMSG_MAX_BYTES)
		return neto_err_at(err, what, 0, "larger than %zu bytes", FLOWMSG_MAX_BYTES);
	dec d;
	dec_init(&d, &b->text_, buf, len, what, err);
	char *line = NULL;
	size_t ll = 0;
	field f[7];
	uint64_t v;
	int rc = next_line(&d, &line, &ll);
	if (rc == 1)
		rc = derr(&d, "empty message");
	if (rc != 0 || fixed_fields(&d, line, ll, f, 7, hdr) != 0 ||
	    header_start(&d, f, BATCH_TAG, "flow record batch") != 0 ||
	    name_field(&d, &f[2], "exporter") != 0 ||
	    header_window(&d, &f[3], &f[4], &b->start_ms, &b->window_ms) != 0 ||
	    u64_field(&d, &f[5], "sampling interval", 1, UINT32_MAX, &v) != 0)
		goto fail;
	b->exporter = f[2].s;
	b->sampling = (uint32_t)v;
	uint64_t count;
	if (u64_field(&d, &f[6], "record count", 0, FLOWMSG_MAX_RECORDS, &count) != 0)
		goto fail;
	size_t cap = 0;
	for (size_t i = 0; i < count; i++) {
		rc = next_line(&d, &line, &ll);
		if (rc == 1)
			rc = derr(&d, "the header declares %llu records, found %zu",
				  (unsigned long long)count, i);
		if (rc != 0 || fixed_fields(&d, line, ll, f, 5, rec) != 0 ||
		    name_field(&d, &f[0], "ingress") != 0 ||
		    name_field(&d, &f[1], "egress") != 0 || name_field(&d, &f[2], "class") != 0)
			goto fail;
		if (b->n == cap) {
			cap = cap ? cap * 2 : 64;
			b->recs_ = neto_reallocarray(b->recs_, cap, sizeof *b->recs_);
		}
		flowmsg_record *r = &b->recs_[b->n];
		r->ingress = f[0].s;
		r->egress = f[1].s;
		r->cls = f[2].s;
		if (u64_field(&d, &f[3], "bytes", 0, UINT64_MAX, &r->bytes) != 0 ||
		    u64_field(&d, &f[4], "packets", 0, UINT64_MAX, &r->packets) != 0)
			goto fail;
		b->n++;
	}
	if (no_more_lines(&d, (size_t)count) != 0)
		goto fail;
	b->recs = b->recs_;
	return 0;
fail:
	flowmsg_batch_free(b);
	return -1;
}

void flowmsg_partial_free(flowmsg_partial *p)
{
	free(p->text_);
	free(p->names_);
	free(p->entries_);
	memset(p, 0, sizeof *p);
}

/* The "covered,..." or "missing,..." line: `count` names after the tag,
 * stored at (*names)[off ..], which grows once the line holds them. */
static int name_list(dec *d, const char *tag, uint64_t count, neto_strmap *seen,
		     const char ***names, size_t off)
{
	char *line = NULL;
	size_t ll = 0;
	int rc = next_line(d, &line, &ll);
	if (rc == 1)
		rc = derr(d, "missing the '%s' line", tag);
	if (rc != 0)
		return -1;
	size_t got = count_fields(line, ll);
	if (got - 1 != count)
		return derr(d, "'%s' line: %zu names, the header declares %llu", tag, got - 1,
			    (unsigned long long)count);
	field *f = neto_reallocarray(NULL, got, sizeof *f);
	cut_fields(line, ll, f, got);
	*names = neto_reallocarray(*names, off + got, sizeof **names);
	rc = 0;
	if (strcmp(f[0].s, tag) != 0)
		rc = derr(d, "expected the '%s' line, found '%.40s'", tag, f[0].s);
	for (size_t i = 1; i < got && rc == 0; i++) {
		char what[48];
		snprintf(what, sizeof what, "%s name %zu", tag, i);
		rc = name_field(d, &f[i], what);
		if (rc == 0 && !neto_strmap_put(seen, f[i].s, f[i].len, 0, NULL))
			rc = derr(d, "'%.100s' is listed twice (covered and missing names are "
				     "distinct)",
				  f[i].s);
		(*names)[off + i - 1] = f[i].s;
	}
	free(f);
	return rc;
}

int flowmsg_partial_decode(flowmsg_partial *p, const char *buf, size_t len, const char *what,
			   neto_err *err)
{
	static const char *const hdr = "'neto-partial,1,AGENT,START_MS,WINDOW_MS,BITS_PER_UNIT,"
				       "COVERED,MISSING,ENTRIES'";
	static const char *const ent = "'SRC,DST,CLASS,RATE'";
	memset(p, 0, sizeof *p);
	if (len > FLOWMSG_MAX_BYTES)
		return neto_err_at(err, what, 0, "larger than %zu bytes", FLOWMSG_MAX_BYTES);
	dec d;
	dec_init(&d, &p->text_, buf, len, what, err);
	neto_strmap seen;
	neto_strmap_init(&seen);
	char *line = NULL;
	size_t ll = 0;
	field f[9];
	uint64_t nc, nm, count;
	int rc = next_line(&d, &line, &ll);
	if (rc == 1)
		rc = derr(&d, "empty message");
	if (rc != 0 || fixed_fields(&d, line, ll, f, 9, hdr) != 0 ||
	    header_start(&d, f, PARTIAL_TAG, "partial matrix") != 0 ||
	    name_field(&d, &f[2], "agent") != 0 ||
	    header_window(&d, &f[3], &f[4], &p->start_ms, &p->window_ms) != 0)
		goto fail;
	p->agent = f[2].s;
	if (!parse_rate(f[5].s, f[5].len, &p->bits_per_unit) || !(p->bits_per_unit > 0)) {
		derr(&d, "bits per unit: '%.40s' is not a positive number", f[5].s);
		goto fail;
	}
	if (u64_field(&d, &f[6], "covered count", 0, FLOWMSG_MAX_EXPORTERS, &nc) != 0 ||
	    u64_field(&d, &f[7], "missing count", 0, FLOWMSG_MAX_EXPORTERS - nc, &nm) != 0 ||
	    u64_field(&d, &f[8], "entry count", 0, FLOWMSG_MAX_ENTRIES, &count) != 0)
		goto fail;
	if (name_list(&d, "covered", nc, &seen, &p->names_, 0) != 0 ||
	    name_list(&d, "missing", nm, &seen, &p->names_, nc) != 0)
		goto fail;
	p->covered = p->names_;
	p->n_covered = nc;
	p->missing = p->names_ + nc;
	p->n_missing = nm;
	neto_strmap_free(&seen);
	neto_strmap_init(&seen);
	size_t cap = 0;
	for (size_t i = 0; i < count; i++) {
		rc = next_line(&d, &line, &ll);
		if (rc == 1)
			rc = derr(&d, "the header declares %llu entries, found %zu",
				  (unsigned long long)count, i);
		if (rc != 0 || fixed_fields(&d, line, ll, f, 4, ent) != 0 ||
		    name_field(&d, &f[0], "src") != 0 || name_field(&d, &f[1], "dst") != 0 ||
		    name_field(&d, &f[2], "class") != 0)
			goto fail;
		if (f[0].len == f[1].len && memcmp(f[0].s, f[1].s, f[0].len) == 0) {
			derr(&d, "src and dst are the same node '%.100s'", f[0].s);
			goto fail;
		}
		/* the triple's key: the line up to its third separator */
		if (!neto_strmap_put(&seen, line, (size_t)(f[3].s - 1 - line), 0, NULL)) {
			derr(&d, "(%.100s, %.100s, %.100s) is listed twice", f[0].s, f[1].s, f[2].s);
			goto fail;
		}
		if (p->n == cap) {
			cap = cap ? cap * 2 : 64;
			p->entries_ = neto_reallocarray(p->entries_, cap, sizeof *p->entries_);
		}
		flowmsg_entry *e = &p->entries_[p->n];
		e->src = f[0].s;
		e->dst = f[1].s;
		e->cls = f[2].s;
		if (!parse_rate(f[3].s, f[3].len, &e->rate)) {
			derr(&d, "rate: '%.40s' is not a number >= 0", f[3].s);
			goto fail;
		}
		p->n++;
	}
	if (no_more_lines(&d, (size_t)count) != 0)
		goto fail;
	neto_strmap_free(&seen);
	p->entries = p->entries_;
	return 0;
fail:
	neto_strmap_free(&seen);
	flowmsg_partial_free(p);
	return -1;
}
