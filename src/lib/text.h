/*
 * text.h - bounds-checked reading of text inputs held in (buf, len).
 *
 * Every parser of a text format (REPETITA, CSV) walks its input with a line
 * cursor and cuts each line into fields; nothing here reads past `len` and the
 * input need not be NUL-terminated. Fields are views (pointer + length) into
 * the caller's buffer: they live as long as that buffer.
 */
#ifndef NETO_LIB_TEXT_H
#define NETO_LIB_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/err.h"

/* A view of bytes inside someone else's buffer; not NUL-terminated. */
typedef struct neto_span {
	const char *p;
	size_t len;
} neto_span;

typedef struct neto_lines {
	const char *buf;
	size_t len;
	size_t pos;
	unsigned lineno; /* 1-based number of the line last returned */
} neto_lines;

void neto_lines_init(neto_lines *c, const char *buf, size_t len);

/* Next line without its terminator ("\n" or "\r\n"), with trailing spaces
 * trimmed. Returns false at the end of input. */
bool neto_lines_next(neto_lines *c, neto_span *line);

/* Next non-blank line that does not start with '#'. */
bool neto_lines_next_data(neto_lines *c, neto_span *line);

/* Splits `line` at `sep` (or at runs of blanks when sep is 0) into at most
 * `max` fields, each trimmed of surrounding blanks. Returns the number of
 * fields found, or max + 1 when there are more than `max`. */
size_t neto_split(neto_span line, char sep, neto_span *fields, size_t max);

bool neto_span_eq(neto_span s, const char *lit);
/* Case-insensitive comparison with a literal. */
bool neto_span_ieq(neto_span s, const char *lit);
neto_span neto_span_trim(neto_span s);

/* Strict numeric conversions of a whole field: no trailing garbage, no empty
 * field, no overflow. Return false on any of those. */
bool neto_span_to_double(neto_span s, double *out);   /* finite only */
bool neto_span_to_u32(neto_span s, uint32_t *out);
bool neto_span_to_u64(neto_span s, uint64_t *out);

/* Copies the field into a NUL-terminated buffer of size n (truncating) for
 * use in error messages. Returns out. */
const char *neto_span_str(neto_span s, char *out, size_t n);

/* Text inputs hold no NUL byte (names become C strings once copied): returns
 * 0, or -1 with "FNAME:LINE: NUL byte in a text file". */
int neto_text_check_nul(const char *buf, size_t len, const char *fname, neto_err *err);

/* Whether the blank-separated fields of line are exactly names[0..n),
 * compared without regard to case (header lines of text formats). */
bool neto_header_is(neto_span line, const char *const *names, size_t n);

#endif
