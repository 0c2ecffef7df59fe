/*
 * collector.c - framing a BMP byte stream into messages for the route table
 * (see collector.h).
 */
#include "pe/collector.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/mem.h"
#include "pe/io.h"

void pe_bmp_sess_init(pe_bmp_sess *s, uint32_t router, const char *name)
{
	memset(s, 0, sizeof *s);
	s->router = router;
	snprintf(s->name, sizeof s->name, "%s", name);
}

void pe_bmp_sess_free(pe_bmp_sess *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

static void info_string(const bmp_msg *m, uint16_t type, char *out, size_t n)
{
	for (size_t i = 0; i < m->n_tlvs; i++) {
		if (m->tlvs[i].type != type)
			continue;
		size_t l = m->tlvs[i].len < n - 1 ? m->tlvs[i].len : n - 1;
		memcpy(out, m->tlvs[i].val, l);
		out[l] = '\0';
		/* printable only: the name goes into summaries and messages */
		for (size_t j = 0; j < l; j++)
			if (out[j] < 0x20 || out[j] > 0x7e)
				out[j] = '?';
		return;
	}
}

int pe_bmp_sess_feed(pe_bmp_sess *s, pe_rib *t, const uint8_t *data, size_t n,
		     neto_err *err)
{
	if (n > 0) {
		if (s->len + n > s->cap) {
			size_t c = s->cap ? s->cap : 4096;
			while (c < s->len + n)
				c *= 2;
			s->buf = neto_realloc(s->buf, c);
			s->cap = c;
		}
		memcpy(s->buf + s->len, data, n);
		s->len += n;
		s->n_bytes += n;
	}
	size_t off = 0;
	int rc = 0;
	while (off < s->len && rc == 0) {
		size_t ml;
		neto_err e;
		/* RFC 7854 section 4.1: version 3, the length covers the whole
		 * message; bmp_frame also caps it (BMP_MAX_LEN), so a garbage
		 * length never makes the session buffer without bound */
		int fr = bmp_frame(s->buf + off, s->len - off, &ml, &e);
		if (fr > 0)
			break;
		if (fr < 0) {
			rc = neto_err_set(err, "%s: offset %" PRIu64 ": %s", s->name,
					  s->offset + off, e.msg);
			break;
		}
		bmp_msg m;
		if (bmp_decode(s->buf + off, ml, &m, &e) != 0) {
			rc = neto_err_set(err, "%s: offset %" PRIu64 ": %s", s->name,
					  s->offset + off, e.msg);
			break;
		}
		if (pe_rib_apply(t, s->router, &m, &e) != 0) {
			bmp_msg_free(&m);
			rc = neto_err_set(err, "%s: offset %" PRIu64 ": %s", s->name,
					  s->offset + off, e.msg);
			break;
		}
		s->n_msgs++;
		if (m.type == BMP_INITIATION)
			info_string(&m, BMP_INFO_SYSNAME, s->sysname, sizeof s->sysname);
		else if (m.type == BMP_STATS_REPORT)
			s->n_stats++;
		else if (m.type == BMP_TERMINATION) {
			/* RFC 7854 section 4.5: the router closes after this */
			s->terminated = true;
			rc = 1;
		}
		bmp_msg_free(&m);
		off += ml;
	}
	/* keep only the unframed tail */
	if (off > 0) {
		memmove(s->buf, s->buf + off, s->len - off);
		s->len -= off;
		s->offset += off;
	}
	return rc;
}

size_t pe_bmp_sess_close(pe_bmp_sess *s, pe_rib *t)
{
	return pe_rib_router_down(t, s->router);
}

const char *pe_peer_addr_str(const uint8_t addr[16], char *out, size_t n)
{
	static const uint8_t zero[12];
	if (memcmp(addr, zero, 12) == 0)
		inet_ntop(AF_INET, addr + 12, out, (socklen_t)n);
	else
		inet_ntop(AF_INET6, addr, out, (socklen_t)n);
	return out;
}

int pe_rib_write_routes(const pe_rib *t, const char *const *router_names, size_t n_names,
			FILE *f)
{
	size_t cap = 16;
	pe_route *rs = neto_malloc(cap * sizeof *rs);
	for (uint32_t i = 0; i < pe_rib_n_prefixes(t); i++) {
		size_t nr = pe_rib_routes(t, i, rs, cap);
		if (nr > cap) {
			cap = nr;
			rs = neto_reallocarray(rs, cap, sizeof *rs);
			nr = pe_rib_routes(t, i, rs, cap);
		}
		if (nr == 0)
			continue;
		int family;
		uint8_t addr[16];
		uint8_t len;
		char ps[64];
		pe_rib_prefix(t, i, &family, addr, &len);
		pe_prefix_str(family, addr, len, ps, sizeof ps);
		for (size_t k = 0; k < nr; k++) {
			const pe_rib_peer *p = pe_rib_peer_get(t, rs[k].peer);
			const pe_attr *a = rs[k].attr;
			char pa[64], nh[64];
			pe_peer_addr_str(p->addr, pa, sizeof pa);
			inet_ntop(a->nh_len == 16 ? AF_INET6 : AF_INET, a->nh, nh, sizeof nh);
			const char *rn = p->router < n_names ? router_names[p->router] : "?";
			fprintf(f, "%s %s %s %" PRIu32 " ", ps, rn, pa, p->as);
			/* one AS_SEQUENCE, as the text format has it: an AS_SET's
			 * members are written in order (docs/peering.md) */
			const uint32_t *as = pe_attr_asns(a);
			if (a->n_asns == 0)
				fputc('-', f);
			for (uint16_t j = 0; j < a->n_asns; j++)
				fprintf(f, "%s%" PRIu32, j ? "," : "", as[j]);
			fprintf(f, " %s", nh);
			if (a->has & PE_HAS_MED)
				fprintf(f, " med=%" PRIu32, a->med);
			if (a->has & PE_HAS_LP)
				fprintf(f, " lp=%" PRIu32, a->local_pref);
			static const char *const orig[] = { "igp", "egp", "incomplete" };
			if (a->origin < 3)
				fprintf(f, " origin=%s", orig[a->origin]);
			const uint32_t *c = pe_attr_comms(a);
			for (uint16_t j = 0; j < a->n_comm; j++)
				fprintf(f, "%s%" PRIu32 ":%" PRIu32, j ? "," : " comm=", c[j] >> 16,
					c[j] & 0xffff);
			fputc('\n', f);
		}
	}
	free(rs);
	return ferror(f) ? -1 : 0;
}
