/*
 * topo_json_write.c - a topology as a neto JSON document (docs/formats.md,
 * "neto JSON"), the form in which the store keeps topology snapshots.
 *
 * The document holds every field of the model explicitly (delays and IGP
 * metrics too, which the reader could otherwise derive), so that
 * topo_parse_json gives back the same topology whatever format it came from:
 * the same nodes and links in the same order, the same doubles (whole numbers
 * as integers, others with 17 significant digits; -0 as -0.0), the same
 * strings. The output is deterministic (a function of the topology alone),
 * which is what lets the topology agent and the store detect a change by
 * comparing bytes. One node or link per line keeps diffs of two snapshots
 * readable.
 *
 * JSON strings are UTF-8; a REPETITA label may be any bytes. A name that is
 * not valid UTF-8 has no faithful JSON form, so the writer refuses it
 * (EILSEQ) rather than write a document that reads back differently, or not
 * at all; likewise an IGP metric above the JSON range (ERANGE), which only
 * REPETITA can carry.
 */
#include "topo/topo_io.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* Valid UTF-8 as RFC 3629 defines it: no overlong forms, no surrogates,
 * nothing past U+10FFFF (what jansson accepts). */
static bool utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	while (*s) {
		unsigned c = *s;
		size_t n;
		unsigned cp;
		if (c < 0x80) {
			s++;
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
		for (size_t k = 1; k <= n; k++) {
			if ((s[k] & 0xc0) != 0x80)
				return false; /* also stops at the terminator */
			cp = (cp << 6) | (s[k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

/* The JSON reader's range of IGP metrics (REPETITA's reader takes any
 * 32-bit metric). */
#define IGP_MAX 16777215u

static bool names_valid(const topo *t)
{
	if (t->unit != NULL && !utf8_valid(t->unit))
		return false;
	for (uint32_t v = 0; v < t->n_nodes; v++)
		if (!utf8_valid(t->nodes[v].name))
			return false;
	for (uint32_t i = 0; i < t->n_links; i++)
		if (!utf8_valid(t->links[i].id))
			return false;
	return true;
}

/* s as a JSON string (RFC 8259 section 7). */
static void put_str(FILE *f, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	putc_unlocked('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\') {
			putc_unlocked('\\', f);
			putc_unlocked((int)*c, f);
		} else if (*c < 0x20) {
			fputs_unlocked("\\u00", f);
			putc_unlocked(hex[*c >> 4], f);
			putc_unlocked(hex[*c & 15], f);
		} else {
			putc_unlocked((int)*c, f);
		}
	}
	putc_unlocked('"', f);
}

/* Whole numbers as integers, others with 17 significant digits: either way
 * the reader gets the same double back. The model holds finite values only. */
static void put_num(FILE *f, double v)
{
	char buf[40];
	int n;
	if (v == 0 && signbit(v))
		n = snprintf(buf, sizeof buf, "-0.0");
	else if (v == floor(v) && fabs(v) < 1e15)
		n = snprintf(buf, sizeof buf, "%.0f", v);
	else
		n = snprintf(buf, sizeof buf, "%.17g", v);
	if (n > 0)
		fwrite_unlocked(buf, 1, (size_t)n, f);
}

static void put_node(FILE *f, const topo_node *n)
{
	fputs_unlocked("{\"name\":", f);
	put_str(f, n->name);
	if (n->has_locator) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, n->locator, a, sizeof a);
		fprintf(f, ",\"locator\":\"%s/%u\"", a, (unsigned)n->locator_len);
	}
	if (n->has_coord) {
		fputs_unlocked(",\"lat\":", f);
		put_num(f, n->lat);
		fputs_unlocked(",\"lon\":", f);
		put_num(f, n->lon);
	}
	putc_unlocked('}', f);
}

static void put_link(FILE *f, const topo *t, const topo_link *l)
{
	fputs_unlocked("{\"id\":", f);
	put_str(f, l->id);
	fputs_unlocked(",\"src\":", f);
	put_str(f, t->nodes[l->src].name);
	fputs_unlocked(",\"dst\":", f);
	put_str(f, t->nodes[l->dst].name);
	fputs_unlocked(",\"capacity\":", f);
	put_num(f, l->capacity);
	fputs_unlocked(",\"delay\":", f);
	put_num(f, l->delay);
	fprintf(f, ",\"igp\":%u", l->igp);
	if (l->n_srlgs > 0) {
		fputs_unlocked(",\"srlgs\":[", f);
		for (uint32_t k = 0; k < l->n_srlgs; k++)
			fprintf(f, k ? ",%u" : "%u", l->srlgs[k]);
		putc_unlocked(']', f);
	}
	if (l->has_adj_sid) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(AF_INET6, l->adj_sid, a, sizeof a);
		fprintf(f, ",\"adj_sid\":\"%s\"", a);
	}
	fputs_unlocked(l->up ? ",\"up\":true}" : ",\"up\":false}", f);
}

int topo_json_write(FILE *f, const topo *t)
{
	if (!names_valid(t)) {
		errno = EILSEQ;
		return -1;
	}
	for (uint32_t i = 0; i < t->n_links; i++) {
		if (t->links[i].igp > IGP_MAX) {
			errno = ERANGE;
			return -1;
		}
	}
	flockfile(f);
	putc_unlocked('{', f);
	if (t->unit != NULL) {
		fputs_unlocked("\"unit\":", f);
		put_str(f, t->unit);
		fputs_unlocked(",\n", f);
	}
	fputs_unlocked("\"nodes\":[", f);
	for (uint32_t v = 0; v < t->n_nodes; v++) {
		fputs_unlocked(v ? ",\n" : "\n", f);
		put_node(f, &t->nodes[v]);
	}
	fputs_unlocked("],\n\"links\":[", f);
	for (uint32_t i = 0; i < t->n_links; i++) {
		fputs_unlocked(i ? ",\n" : "\n", f);
		put_link(f, t, &t->links[i]);
	}
	fputs_unlocked("]}\n", f);
	funlockfile(f);
	if (fflush(f) != 0 || ferror(f)) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}
