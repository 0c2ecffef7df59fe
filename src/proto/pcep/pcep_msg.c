/*
 * pcep_msg.c - PCEP message decoder and encoder (pcep.h).
 *
 * The decoder works in three layers, each on its own wire_rd slice: the
 * common header (RFC 5440 s6.1) frames the message; the object headers
 * (s7.2) cut the body into objects, each parsed inside its own slice, TLVs
 * (s7.1) inside slices of their own; and the message grammar (s6, RFC 8231
 * s6, RFC 8281 s5) groups the objects into LSP units and checks that the
 * mandatory ones are there. Each layer answers a problem with the Error-Type
 * and Error-value the RFC assigns to it, so the session can send the PCErr
 * without knowing where the problem was found.
 *
 * Objects a PCE needs no content from (RP, NO-PATH, LSPA, IRO, SVEC,
 * NOTIFICATION, LOAD-BALANCING, OF) are recognised and skipped; an unknown
 * class or type is refused (RFC 5440 s7.2, Error-Type 3). Unknown TLVs are
 * skipped (s7.1), unknown message types refused (Error-Type 2).
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "proto/pcep/pcep.h"

typedef struct dctx {
	pcep_perr *perr;
	neto_err *err;
	bool rro;		/* parsing an RRO: SR-RRO error values */
} dctx;

__attribute__((format(printf, 5, 6))) static int fail(dctx *d, uint8_t type, uint8_t value,
						       uint8_t close, const char *fmt, ...)
{
	char buf[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	d->perr->type = type;
	d->perr->value = value;
	d->perr->close = close;
	return neto_err_set(d->err, "pcep: %s (PCErr %u/%u)", buf, (unsigned)type,
			    (unsigned)value);
}

#define MALFORMED(d, ...) fail(d, PCEP_ERR_INVALID_OBJECT, PCEP_EV_MALFORMED_OBJECT, 0, __VA_ARGS__)

/* ---- addresses --------------------------------------------------------- */

const char *pcep_addr_str(const pcep_addr *a, char *out, size_t n)
{
	if (a->af == 4)
		inet_ntop(AF_INET, a->a, out, (socklen_t)n);
	else if (a->af == 6)
		inet_ntop(AF_INET6, a->a, out, (socklen_t)n);
	else
		snprintf(out, n, "-");
	return out;
}

int pcep_addr_parse(const char *s, pcep_addr *a)
{
	memset(a, 0, sizeof *a);
	if (inet_pton(AF_INET, s, a->a) == 1) {
		a->af = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->a) == 1) {
		a->af = 6;
		return 0;
	}
	return -1;
}

bool pcep_addr_eq(const pcep_addr *a, const pcep_addr *b)
{
	return a->af == b->af && memcmp(a->a, b->a, a->af == 4 ? 4 : a->af == 6 ? 16 : 0) == 0;
}

static void rd_addr(wire_rd *r, pcep_addr *a, int af)
{
	memset(a, 0, sizeof *a);
	a->af = (uint8_t)af;
	wire_copy(r, a->a, af == 4 ? 4 : 16);
}

static void put_addr(wire_wr *w, const pcep_addr *a)
{
	wire_put_bytes(w, a->a, a->af == 4 ? 4 : 16);
}

static float rd_float(wire_rd *r)
{
	uint32_t u = wire_u32(r);
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

static void put_float(wire_wr *w, float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	wire_put_u32(w, u);
}

/* ---- freeing ----------------------------------------------------------- */

void pcep_tlvs_free(pcep_tlvs *t)
{
	free(t->name);
	free(t->policy_name);
	t->name = t->policy_name = NULL;
}

void pcep_path_free(pcep_path *p)
{
	pcep_tlvs_free(&p->srp.tlvs);
	pcep_tlvs_free(&p->lsp.tlvs);
	pcep_tlvs_free(&p->assoc.tlvs);
	free(p->ero.sub);
	free(p->rro.sub);
	memset(p, 0, sizeof *p);
}

void pcep_msg_free(pcep_msg *m)
{
	pcep_tlvs_free(&m->open.tlvs);
	free(m->err);
	free(m->err_srp);
	for (size_t i = 0; i < m->n_path; i++)
		pcep_path_free(&m->path[i]);
	free(m->path);
	memset(m, 0, sizeof *m);
}

static void tlvs_copy(pcep_tlvs *d, const pcep_tlvs *s)
{
	*d = *s;
	d->name = s->name ? neto_strdup(s->name) : NULL;
	d->policy_name = s->policy_name ? neto_strdup(s->policy_name) : NULL;
}

void pcep_ro_copy(pcep_ro *dst, const pcep_ro *src)
{
	dst->n = src->n;
	dst->sub = NULL;
	if (src->n) {
		dst->sub = neto_reallocarray(NULL, src->n, sizeof *src->sub);
		memcpy(dst->sub, src->sub, src->n * sizeof *src->sub);
	}
}

void pcep_path_copy(pcep_path *dst, const pcep_path *src)
{
	*dst = *src;
	tlvs_copy(&dst->srp.tlvs, &src->srp.tlvs);
	tlvs_copy(&dst->lsp.tlvs, &src->lsp.tlvs);
	tlvs_copy(&dst->assoc.tlvs, &src->assoc.tlvs);
	pcep_ro_copy(&dst->ero, &src->ero);
	pcep_ro_copy(&dst->rro, &src->rro);
}

pcep_subobj *pcep_ro_add(pcep_ro *ro)
{
	ro->sub = neto_reallocarray(ro->sub, ro->n + 1, sizeof *ro->sub);
	pcep_subobj *s = &ro->sub[ro->n++];
	memset(s, 0, sizeof *s);
	return s;
}

/* ---- framing ----------------------------------------------------------- */

int pcep_frame(const uint8_t *buf, size_t len, size_t *msg_len, pcep_perr *perr,
	       neto_err *err)
{
	dctx d = { perr, err, false };
	*msg_len = 0;
	if (len < PCEP_HDR_LEN)
		return 0;
	wire_rd r = wire_rd_init(buf, len);
	uint8_t vf = wire_u8(&r);
	uint8_t type = wire_u8(&r);
	uint16_t mlen = wire_u16(&r);
	/* RFC 5440 s6.1: Ver is 1; the length counts the header. Objects are
	 * multiples of 4 octets (s7.2), so the message is too. */
	if (vf >> 5 != PCEP_VERSION)
		return fail(&d, PCEP_ERR_SESSION, PCEP_EV_SESSION_BAD_OPEN, PCEP_CLOSE_MALFORMED,
			    "version %u in the common header (%s)", (unsigned)(vf >> 5),
			    pcep_msg_name(type));
	if (mlen < PCEP_HDR_LEN || mlen % 4 != 0)
		return fail(&d, PCEP_ERR_INVALID_OBJECT, PCEP_EV_MALFORMED_OBJECT,
			    PCEP_CLOSE_MALFORMED, "message length %u (%s)", (unsigned)mlen,
			    pcep_msg_name(type));
	if (len >= mlen)
		*msg_len = mlen;
	return 0;
}

/* ---- TLVs -------------------------------------------------------------- */

static int rd_string(dctx *d, wire_rd *v, char **out, const char *what)
{
	size_t n = wire_left(v);
	if (n == 0)
		return MALFORMED(d, "empty %s", what);
	const uint8_t *p = wire_ptr(v);
	if (memchr(p, 0, n) != NULL)
		return MALFORMED(d, "%s with a NUL octet", what);
	free(*out);
	*out = neto_strndup((const char *)p, n);
	wire_skip(v, n);
	return 0;
}

static int rd_pst_cap(dctx *d, wire_rd *v, pcep_tlvs *t);

/* The TLVs of an object, up to the end of r (RFC 5440 s7.1). */
static int rd_tlvs(dctx *d, wire_rd *r, pcep_tlvs *t, const char *obj)
{
	while (wire_left(r) > 0) {
		if (wire_left(r) < 4)
			return MALFORMED(d, "%s: %zu octets after the last TLV", obj, wire_left(r));
		uint16_t type = wire_u16(r);
		uint16_t len = wire_u16(r);
		wire_rd v = wire_sub(r, len);
		/* the value is padded to 4 octets; the padding is not counted */
		wire_skip(r, (4 - len % 4) % 4);
		if (!wire_ok(r))
			return MALFORMED(d, "%s: TLV %u of length %u runs past the object", obj,
					 (unsigned)type, (unsigned)len);
		switch (type) {
		case PCEP_TLV_STATEFUL_PCE_CAP:	/* RFC 8231 s7.1.1 */
			if (len < 4)
				return MALFORMED(d, "%s: STATEFUL-PCE-CAPABILITY of length %u", obj,
						 (unsigned)len);
			t->has_stateful = true;
			t->stateful_flags = wire_u32(&v);
			break;
		case PCEP_TLV_SYMBOLIC_PATH_NAME:	/* RFC 8231 s7.3.2 */
			if (rd_string(d, &v, &t->name, "SYMBOLIC-PATH-NAME") != 0)
				return -1;
			break;
		case PCEP_TLV_IPV4_LSP_ID:	/* RFC 8231 s7.3.1 */
			if (len != 16)
				return MALFORMED(d, "%s: IPV4-LSP-IDENTIFIERS of length %u", obj,
						 (unsigned)len);
			t->has_lsp_ids = true;
			memset(&t->lsp_ids, 0, sizeof t->lsp_ids);
			rd_addr(&v, &t->lsp_ids.sender, 4);
			t->lsp_ids.lsp_id = wire_u16(&v);
			t->lsp_ids.tunnel_id = wire_u16(&v);
			wire_copy(&v, t->lsp_ids.ext_tunnel_id, 4);
			rd_addr(&v, &t->lsp_ids.endpoint, 4);
			break;
		case PCEP_TLV_IPV6_LSP_ID:
			if (len != 52)
				return MALFORMED(d, "%s: IPV6-LSP-IDENTIFIERS of length %u", obj,
						 (unsigned)len);
			t->has_lsp_ids = true;
			memset(&t->lsp_ids, 0, sizeof t->lsp_ids);
			rd_addr(&v, &t->lsp_ids.sender, 6);
			t->lsp_ids.lsp_id = wire_u16(&v);
			t->lsp_ids.tunnel_id = wire_u16(&v);
			wire_copy(&v, t->lsp_ids.ext_tunnel_id, 16);
			rd_addr(&v, &t->lsp_ids.endpoint, 6);
			break;
		case PCEP_TLV_LSP_ERROR_CODE:	/* RFC 8231 s7.3.3 */
			if (len != 4)
				return MALFORMED(d, "%s: LSP-ERROR-CODE of length %u", obj,
						 (unsigned)len);
			t->has_lsp_error = true;
			t->lsp_error = wire_u32(&v);
			break;
		case PCEP_TLV_SR_PCE_CAP:	/* RFC 8664 s4.1.2 */
			if (len != 4)
				return MALFORMED(d, "%s: SR-PCE-CAPABILITY of length %u", obj,
						 (unsigned)len);
			t->has_sr_cap = true;
			t->sr_cap_sub = false;
			wire_skip(&v, 2);
			t->sr_cap_flags = wire_u8(&v);
			t->sr_msd = wire_u8(&v);
			break;
		case PCEP_TLV_PATH_SETUP_TYPE:	/* RFC 8408 s3 */
			if (len != 4)
				return MALFORMED(d, "%s: PATH-SETUP-TYPE of length %u", obj,
						 (unsigned)len);
			t->has_pst = true;
			wire_skip(&v, 3);
			t->pst_value = wire_u8(&v);
			break;
		case PCEP_TLV_PST_CAP:	/* RFC 8408 s4 */
			if (rd_pst_cap(d, &v, t) != 0)
				return -1;
			break;
		case PCEP_TLV_EXT_ASSOC_ID:	/* RFC 9862 s5.1: color, endpoint */
			if (len != 8 && len != 20)
				return MALFORMED(d, "%s: EXTENDED-ASSOCIATION-ID of length %u", obj,
						 (unsigned)len);
			t->has_ext_assoc = true;
			t->color = wire_u32(&v);
			rd_addr(&v, &t->policy_endpoint, len == 8 ? 4 : 6);
			break;
		case PCEP_TLV_SRPOLICY_POL_NAME:	/* RFC 9862 s5.2.1 */
			if (rd_string(d, &v, &t->policy_name, "SRPOLICY-POL-NAME") != 0)
				return -1;
			break;
		case PCEP_TLV_SRPOLICY_CPATH_PREF:	/* RFC 9862 s5.2.4 */
			if (len != 4)
				return MALFORMED(d, "%s: SRPOLICY-CPATH-PREFERENCE of length %u", obj,
						 (unsigned)len);
			t->has_preference = true;
			t->preference = wire_u32(&v);
			break;
		default:
			/* RFC 5440 s7.1: unknown TLVs are ignored */
			if (t->n_unknown < UINT16_MAX)
				t->n_unknown++;
			break;
		}
		if (!wire_ok(&v))
			return MALFORMED(d, "%s: TLV %u truncated", obj, (unsigned)type);
	}
	return 0;
}

/* PATH-SETUP-TYPE-CAPABILITY: the PST list, then sub-TLVs (RFC 8408 s4):
 * SR-PCE-CAPABILITY (RFC 8664) and SRv6-PCE-CAPABILITY (RFC 9603 s4.1.1). */
static int rd_pst_cap(dctx *d, wire_rd *v, pcep_tlvs *t)
{
	wire_skip(v, 3);
	uint8_t n = wire_u8(v);
	if (!wire_ok(v) || wire_left(v) < (size_t)((n + 3u) & ~3u))
		return MALFORMED(d, "PATH-SETUP-TYPE-CAPABILITY with %u types does not fit",
				 (unsigned)n);
	if (n > sizeof t->pst)
		return MALFORMED(d, "PATH-SETUP-TYPE-CAPABILITY lists %u types", (unsigned)n);
	t->has_pst_cap = true;
	t->n_pst = n;
	wire_copy(v, t->pst, n);
	wire_skip(v, (4 - n % 4) % 4);
	while (wire_left(v) > 0) {
		if (wire_left(v) < 4)
			return MALFORMED(d, "PATH-SETUP-TYPE-CAPABILITY: trailing octets");
		uint16_t type = wire_u16(v), len = wire_u16(v);
		wire_rd s = wire_sub(v, len);
		wire_skip(v, (4 - len % 4) % 4);
		if (!wire_ok(v))
			return MALFORMED(d, "PATH-SETUP-TYPE-CAPABILITY: sub-TLV %u overruns",
					 (unsigned)type);
		if (type == PCEP_TLV_SR_PCE_CAP) {
			if (len != 4)
				return MALFORMED(d, "SR-PCE-CAPABILITY of length %u", (unsigned)len);
			t->has_sr_cap = true;
			t->sr_cap_sub = true;
			wire_skip(&s, 2);
			t->sr_cap_flags = wire_u8(&s);
			t->sr_msd = wire_u8(&s);
		} else if (type == PCEP_TLV_SRV6_PCE_CAP) {
			if (len < 4 || len % 2 != 0)
				return MALFORMED(d, "SRv6-PCE-CAPABILITY of length %u", (unsigned)len);
			t->has_srv6_cap = true;
			wire_skip(&s, 2);
			t->srv6_cap_flags = wire_u16(&s);
			t->n_srv6_msd = 0;
			while (wire_left(&s) >= 2) {
				uint8_t mt = wire_u8(&s), mv = wire_u8(&s);
				if (mt == 0)	/* padding */
					continue;
				if (t->n_srv6_msd == sizeof t->srv6_msd / sizeof t->srv6_msd[0])
					return MALFORMED(d, "SRv6-PCE-CAPABILITY: too many MSDs");
				t->srv6_msd[t->n_srv6_msd++] = (pcep_srv6_msd){ mt, mv };
			}
		} else if (t->n_unknown < UINT16_MAX) {
			t->n_unknown++;
		}
	}
	/* RFC 8664 s4.1.2 / RFC 9603 s4.1.1: advertising PST 1 (3) without its
	 * capability sub-TLV is an error */
	for (size_t i = 0; i < n; i++) {
		if (t->pst[i] == PCEP_PST_SR && !t->has_sr_cap)
			return fail(d, PCEP_ERR_INVALID_OBJECT, PCEP_EV_MISSING_SR_CAP, 0,
				    "PST 1 (SR) without SR-PCE-CAPABILITY");
		if (t->pst[i] == PCEP_PST_SRV6 && !t->has_srv6_cap)
			return fail(d, PCEP_ERR_INVALID_OBJECT, PCEP_EV_MISSING_SRV6_CAP, 0,
				    "PST 3 (SRv6) without SRv6-PCE-CAPABILITY");
	}
	return 0;
}

/* ---- ERO / RRO subobjects ---------------------------------------------- */

static size_t nai_len(uint8_t nt, bool srv6)
{
	switch (nt) {
	case PCEP_NAI_IPV4_NODE:
		return srv6 ? 0 : 4;
	case PCEP_NAI_IPV6_NODE:
		return 16;
	case PCEP_NAI_IPV4_ADJ:
		return srv6 ? 0 : 8;
	case PCEP_NAI_IPV6_ADJ:
		return 32;
	case PCEP_NAI_UNNUMBERED:
		return srv6 ? 0 : 16;
	case PCEP_NAI_IPV6_LL_ADJ:
		return 40;
	default:
		return 0;
	}
}

static void rd_nai(wire_rd *r, pcep_nai *n)
{
	switch (n->type) {
	case PCEP_NAI_IPV4_NODE:
		rd_addr(r, &n->local, 4);
		break;
	case PCEP_NAI_IPV6_NODE:
		rd_addr(r, &n->local, 6);
		break;
	case PCEP_NAI_IPV4_ADJ:
		rd_addr(r, &n->local, 4);
		rd_addr(r, &n->remote, 4);
		break;
	case PCEP_NAI_IPV6_ADJ:
		rd_addr(r, &n->local, 6);
		rd_addr(r, &n->remote, 6);
		break;
	case PCEP_NAI_UNNUMBERED:
		n->local_node = wire_u32(r);
		n->local_if = wire_u32(r);
		n->remote_node = wire_u32(r);
		n->remote_if = wire_u32(r);
		break;
	case PCEP_NAI_IPV6_LL_ADJ:
		rd_addr(r, &n->local, 6);
		n->local_if = wire_u32(r);
		rd_addr(r, &n->remote, 6);
		n->remote_if = wire_u32(r);
		break;
	default:
		break;
	}
}

static void put_nai(wire_wr *w, const pcep_nai *n)
{
	switch (n->type) {
	case PCEP_NAI_IPV4_NODE:
	case PCEP_NAI_IPV6_NODE:
		put_addr(w, &n->local);
		break;
	case PCEP_NAI_IPV4_ADJ:
	case PCEP_NAI_IPV6_ADJ:
		put_addr(w, &n->local);
		put_addr(w, &n->remote);
		break;
	case PCEP_NAI_UNNUMBERED:
		wire_put_u32(w, n->local_node);
		wire_put_u32(w, n->local_if);
		wire_put_u32(w, n->remote_node);
		wire_put_u32(w, n->remote_if);
		break;
	case PCEP_NAI_IPV6_LL_ADJ:
		put_addr(w, &n->local);
		wire_put_u32(w, n->local_if);
		put_addr(w, &n->remote);
		wire_put_u32(w, n->remote_if);
		break;
	default:
		break;
	}
}

/* SR-ERO / SR-RRO, RFC 8664 s4.3.1 and s4.4 */
static int rd_sr(dctx *d, wire_rd *s, pcep_subobj *o)
{
	uint16_t ntf = wire_u16(s);
	o->nai.type = (uint8_t)(ntf >> 12);
	o->flags = ntf & 0xfff;
	if ((o->flags & PCEP_SR_S) && (o->flags & PCEP_SR_F))
		return fail(d, PCEP_ERR_INVALID_OBJECT,
			    d->rro ? PCEP_EV_SR_RRO_NO_SID_NAI : PCEP_EV_SR_ERO_NO_SID_NAI, 0,
			    "SR subobject with neither SID nor NAI");
	if (!(o->flags & PCEP_SR_F) &&
	    (o->nai.type == PCEP_NAI_ABSENT || nai_len(o->nai.type, false) == 0))
		return fail(d, PCEP_ERR_INVALID_OBJECT, PCEP_EV_BAD_NAI_TYPE, 0,
			    "SR subobject with NAI type %u", (unsigned)o->nai.type);
	if (!(o->flags & PCEP_SR_M) && (o->flags & PCEP_SR_C))
		return fail(d, PCEP_ERR_INVALID_OBJECT, PCEP_EV_BAD_LABEL_FORMAT, 0,
			    "SR subobject with C but not M");
	if (!(o->flags & PCEP_SR_S)) {
		o->sid = wire_u32(s);
		/* labels 0-15 are reserved (RFC 3032 s2.1) */
		if ((o->flags & PCEP_SR_M) && wire_ok(s) && (o->sid >> 12) < 16)
			return fail(d, PCEP_ERR_INVALID_OBJECT, PCEP_EV_BAD_LABEL, 0,
				    "SR subobject with label %u", (unsigned)(o->sid >> 12));
	}
	if (!(o->flags & PCEP_SR_F))
		rd_nai(s, &o->nai);
	return 0;
}

/* SRv6-ERO / SRv6-RRO, RFC 9603 s4.3.1 */
static int rd_srv6(dctx *d, wire_rd *s, pcep_subobj *o)
{
	uint16_t ntf = wire_u16(s);
	o->nai.type = (uint8_t)(ntf >> 12);
	o->flags = ntf & 0xfff;
	wire_skip(s, 2);
	o->behavior = wire_u16(s);
	if ((o->flags & PCEP_SRV6_S) && (o->flags & PCEP_SRV6_F))
		return fail(d, PCEP_ERR_INVALID_OBJECT,
			    d->rro ? PCEP_EV_SRV6_RRO_NO_SID_NAI : PCEP_EV_SRV6_ERO_NO_SID_NAI, 0,
			    "SRv6 subobject with neither SID nor NAI");
	if (!(o->flags & PCEP_SRV6_F) &&
	    (o->nai.type == PCEP_NAI_ABSENT || nai_len(o->nai.type, true) == 0))
		return fail(d, PCEP_ERR_INVALID_OBJECT, PCEP_EV_BAD_NAI_TYPE, 0,
			    "SRv6 subobject with NAI type %u", (unsigned)o->nai.type);
	if (!(o->flags & PCEP_SRV6_S))
		wire_copy(s, o->sid6, 16);
	if (!(o->flags & PCEP_SRV6_F))
		rd_nai(s, &o->nai);
	if (o->flags & PCEP_SRV6_T) {
		o->st.lb = wire_u8(s);
		o->st.ln = wire_u8(s);
		o->st.fun = wire_u8(s);
		o->st.arg = wire_u8(s);
		wire_skip(s, 3);
		o->st.flags = wire_u8(s);
		/* RFC 9603 s4.3.1.1: the parts cannot add up to more than 128 bits */
		if (wire_ok(s) && (unsigned)o->st.lb + o->st.ln + o->st.fun + o->st.arg > 128)
			return fail(d, PCEP_ERR_INVALID_OBJECT, PCEP_EV_BAD_SRV6_STRUCTURE, 0,
				    "SRv6 SID structure of %u bits",
				    (unsigned)o->st.lb + o->st.ln + o->st.fun + o->st.arg);
	}
	return 0;
}

/* An ERO or RRO body (RFC 5440 s7.9, s7.10). */
static int rd_ro(dctx *d, wire_rd *r, pcep_ro *ro, bool rro)
{
	const char *what = rro ? "RRO" : "ERO";
	d->rro = rro;
	bool sr = false, srv6 = false, plain = false;
	while (wire_left(r) > 0) {
		if (ro->n == PCEP_MAX_SUBOBJ)
			return fail(d, PCEP_ERR_INVALID_OBJECT, PCEP_EV_TOO_MANY_SR_ERO, 0,
				    "%s with more than %d subobjects", what, PCEP_MAX_SUBOBJ);
		uint8_t lt = wire_u8(r);
		uint8_t len = wire_u8(r);
		if (!wire_ok(r) || len < 4 || len % 4 != 0)
			return MALFORMED(d, "%s subobject of length %u", what, (unsigned)len);
		wire_rd s = wire_sub(r, (size_t)len - 2);
		if (!wire_ok(r))
			return MALFORMED(d, "%s subobject of length %u runs past the object", what,
					 (unsigned)len);
		pcep_subobj *o = pcep_ro_add(ro);
		/* the L bit exists in EROs only (RFC 3209 s4.3.3); in an RRO the
		 * octet is the type (RFC 3209 s4.4.1) */
		o->loose = !rro && (lt & 0x80);
		o->type = rro ? lt : lt & 0x7f;
		int rc = 0;
		switch (o->type) {
		case PCEP_RO_IPV4:
		case PCEP_RO_IPV6: {
			int af = o->type == PCEP_RO_IPV4 ? 4 : 6;
			if (len != (af == 4 ? 8 : 20))
				return MALFORMED(d, "%s IPv%d subobject of length %u", what, af,
						 (unsigned)len);
			rd_addr(&s, &o->prefix, af);
			o->prefix_len = wire_u8(&s);
			o->flags = wire_u8(&s);
			if (o->prefix_len > (af == 4 ? 32 : 128))
				return MALFORMED(d, "%s prefix length %u", what,
						 (unsigned)o->prefix_len);
			plain = true;
			break;
		}
		case PCEP_RO_SR:
			rc = rd_sr(d, &s, o);
			sr = true;
			break;
		case PCEP_RO_SRV6:
			rc = rd_srv6(d, &s, o);
			srv6 = true;
			break;
		default:
			return MALFORMED(d, "%s subobject type %u", what, (unsigned)o->type);
		}
		if (rc != 0)
			return -1;
		/* every field inside its length, and nothing left over */
		if (!wire_ok(&s) || wire_left(&s) != 0)
			return MALFORMED(d, "%s subobject type %u: length %u does not match its flags",
					 what, (unsigned)o->type, (unsigned)len);
	}
	/* RFC 8664 s5.2.1, RFC 9603 s5.1: no mixing of SR with other subobjects */
	if ((sr ? 1 : 0) + (srv6 ? 1 : 0) + (plain ? 1 : 0) > 1)
		return fail(d, PCEP_ERR_INVALID_OBJECT, rro ? PCEP_EV_RRO_MIXES : PCEP_EV_ERO_MIXES,
			    0, "%s mixes subobject types", what);
	return 0;
}

/* ---- objects ------------------------------------------------------------ */

typedef struct obj_hdr {
	uint8_t cls, ot;
	bool p, i;
	wire_rd body;
} obj_hdr;

/* Object types this decoder knows per class; 0: class skipped whatever
 * its type; -1: unknown class. */
static int class_known(uint8_t cls, uint8_t ot)
{
	switch (cls) {
	case PCEP_OBJ_OPEN:
	case PCEP_OBJ_ERO:
	case PCEP_OBJ_RRO:
	case PCEP_OBJ_ERROR:
	case PCEP_OBJ_CLOSE:
	case PCEP_OBJ_LSP:
	case PCEP_OBJ_SRP:
	case PCEP_OBJ_VENDOR_INFO:
	case PCEP_OBJ_METRIC:
		return ot == 1 ? 1 : 2;
	case PCEP_OBJ_ENDPOINTS:
	case PCEP_OBJ_BANDWIDTH:
	case PCEP_OBJ_ASSOCIATION:
		return ot == 1 || ot == 2 ? 1 : 2;
	case PCEP_OBJ_RP:
	case PCEP_OBJ_NOPATH:
	case PCEP_OBJ_LSPA:
	case PCEP_OBJ_IRO:
	case PCEP_OBJ_SVEC:
	case PCEP_OBJ_NOTF:
	case PCEP_OBJ_LOAD_BALANCING:
	case PCEP_OBJ_OF:
		return 0;
	default:
		return -1;
	}
}

static int rd_obj_hdr(dctx *d, wire_rd *r, obj_hdr *h)
{
	if (wire_left(r) < PCEP_OBJ_HDR_LEN)
		return MALFORMED(d, "%zu octets after the last object", wire_left(r));
	h->cls = wire_u8(r);
	uint8_t b = wire_u8(r);
	uint16_t len = wire_u16(r);
	h->ot = b >> 4;
	h->p = b & 0x2;
	h->i = b & 0x1;
	/* RFC 5440 s7.2: the length counts the header, is a multiple of 4 */
	if (len < PCEP_OBJ_HDR_LEN || len % 4 != 0)
		return MALFORMED(d, "object class %u of length %u", (unsigned)h->cls,
				 (unsigned)len);
	h->body = wire_sub(r, (size_t)len - PCEP_OBJ_HDR_LEN);
	if (!wire_ok(r))
		return MALFORMED(d, "object class %u of length %u runs past the message",
				 (unsigned)h->cls, (unsigned)len);
	int k = class_known(h->cls, h->ot);
	if (k < 0)
		return fail(d, PCEP_ERR_UNKNOWN_OBJECT, 1, 0, "unknown object class %u",
			    (unsigned)h->cls);
	if (k == 2)
		return fail(d, PCEP_ERR_UNKNOWN_OBJECT, 2, 0, "object class %u of unknown type %u",
			    (unsigned)h->cls, (unsigned)h->ot);
	return 0;
}

static int rd_open(dctx *d, obj_hdr *h, pcep_open *o)
{
	wire_rd *b = &h->body;
	uint8_t vf = wire_u8(b);
	o->keepalive = wire_u8(b);
	o->deadtimer = wire_u8(b);
	o->sid = wire_u8(b);
	if (!wire_ok(b))
		return fail(d, PCEP_ERR_SESSION, PCEP_EV_SESSION_BAD_OPEN, 0, "OPEN object too short");
	/* RFC 5440 s7.3: version 1 */
	if (vf >> 5 != PCEP_VERSION)
		return fail(d, PCEP_ERR_SESSION, PCEP_EV_SESSION_UNACCEPTABLE, 0,
			    "OPEN object of version %u", (unsigned)(vf >> 5));
	return rd_tlvs(d, b, &o->tlvs, "OPEN");
}

static int rd_lsp(dctx *d, obj_hdr *h, pcep_lsp *l)
{
	uint32_t w = wire_u32(&h->body);
	if (!wire_ok(&h->body))
		return MALFORMED(d, "LSP object too short");
	/* RFC 8231 s7.3: PLSP-ID (20 bits), flags (12 bits) */
	l->plsp_id = w >> 12;
	l->flags = w & 0xfff;
	return rd_tlvs(d, &h->body, &l->tlvs, "LSP");
}

static int rd_srp(dctx *d, obj_hdr *h, pcep_srp *s)
{
	s->flags = wire_u32(&h->body);
	s->srp_id = wire_u32(&h->body);
	if (!wire_ok(&h->body))
		return MALFORMED(d, "SRP object too short");
	/* RFC 8231 s7.2: 0x00000000 and 0xFFFFFFFF are reserved */
	if (s->srp_id == 0xffffffffu)
		return MALFORMED(d, "SRP-ID 0xffffffff is reserved");
	return rd_tlvs(d, &h->body, &s->tlvs, "SRP");
}

static int rd_assoc(dctx *d, obj_hdr *h, pcep_assoc *a)
{
	wire_rd *b = &h->body;
	wire_skip(b, 2);
	a->flags = wire_u16(b);
	a->type = wire_u16(b);
	a->id = wire_u16(b);
	rd_addr(b, &a->source, h->ot == 1 ? 4 : 6);
	if (!wire_ok(b))
		return MALFORMED(d, "ASSOCIATION object too short");
	return rd_tlvs(d, b, &a->tlvs, "ASSOCIATION");
}

static int rd_vendor(dctx *d, obj_hdr *h, pcep_vendor *v)
{
	v->enterprise = wire_u32(&h->body);
	size_t n = wire_left(&h->body);
	if (!wire_ok(&h->body) || n > sizeof v->data)
		return MALFORMED(d, "VENDOR-INFORMATION object of %zu octets", n + 4);
	v->len = (uint8_t)n;
	wire_copy(&h->body, v->data, n);
	return 0;
}

/* ---- message grammar ----------------------------------------------------- */

static pcep_path *new_path(pcep_msg *m)
{
	m->path = neto_reallocarray(m->path, m->n_path + 1, sizeof *m->path);
	pcep_path *p = &m->path[m->n_path++];
	memset(p, 0, sizeof *p);
	return p;
}

/* Objects of PCRpt, PCUpd and PCInitiate, grouped into LSP units: an SRP
 * starts a unit; an LSP starts one unless it follows the unit's SRP. */
static int rd_path_obj(dctx *d, pcep_msg *m, obj_hdr *h, pcep_path **cur)
{
	pcep_path *p = *cur;
	switch (h->cls) {
	case PCEP_OBJ_SRP:
		if (m->n_path == PCEP_MAX_PATHS)
			return MALFORMED(d, "more than %d LSPs in one message", PCEP_MAX_PATHS);
		p = *cur = new_path(m);
		p->has_srp = true;
		return rd_srp(d, h, &p->srp);
	case PCEP_OBJ_LSP:
		if (p == NULL || p->has_lsp) {
			if (m->n_path == PCEP_MAX_PATHS)
				return MALFORMED(d, "more than %d LSPs in one message",
						 PCEP_MAX_PATHS);
			p = *cur = new_path(m);
		}
		p->has_lsp = true;
		return rd_lsp(d, h, &p->lsp);
	default:
		break;
	}
	if (p == NULL || !p->has_lsp) {
		/* an object before its LSP: the LSP is what is missing */
		if (m->type == PCEP_MSG_PCRPT || p != NULL)
			return fail(d, PCEP_ERR_MISSING_OBJECT, PCEP_EV_MISSING_LSP, 0,
				    "%s: object class %u before an LSP object", pcep_msg_name(m->type),
				    (unsigned)h->cls);
		return fail(d, PCEP_ERR_MISSING_OBJECT, PCEP_EV_MISSING_SRP, 0,
			    "%s: object class %u before an SRP object", pcep_msg_name(m->type),
			    (unsigned)h->cls);
	}
	wire_rd *b = &h->body;
	switch (h->cls) {
	case PCEP_OBJ_ENDPOINTS:	/* RFC 5440 s7.6 */
		if (wire_left(b) != (h->ot == 1 ? 8u : 32u))
			return MALFORMED(d, "END-POINTS of %zu octets", wire_left(b));
		p->has_endpoints = true;
		rd_addr(b, &p->src, h->ot == 1 ? 4 : 6);
		rd_addr(b, &p->dst, h->ot == 1 ? 4 : 6);
		return 0;
	case PCEP_OBJ_ERO:
		if (p->has_ero)
			return MALFORMED(d, "two EROs for one LSP");
		p->has_ero = true;
		return rd_ro(d, b, &p->ero, false);
	case PCEP_OBJ_RRO:
		if (p->has_rro)
			return MALFORMED(d, "two RROs for one LSP");
		p->has_rro = true;
		return rd_ro(d, b, &p->rro, true);
	case PCEP_OBJ_BANDWIDTH:	/* RFC 5440 s7.7 */
		if (wire_left(b) != 4)
			return MALFORMED(d, "BANDWIDTH of %zu octets", wire_left(b));
		p->has_bandwidth = true;
		p->bandwidth = rd_float(b);
		return 0;
	case PCEP_OBJ_METRIC:	/* RFC 5440 s7.8 */
		if (wire_left(b) != 8)
			return MALFORMED(d, "METRIC of %zu octets", wire_left(b));
		if (p->n_metric == PCEP_MAX_METRICS)
			return MALFORMED(d, "more than %d METRIC objects", PCEP_MAX_METRICS);
		wire_skip(b, 2);
		p->metric[p->n_metric].flags = wire_u8(b);
		p->metric[p->n_metric].type = wire_u8(b);
		p->metric[p->n_metric].value = rd_float(b);
		p->n_metric++;
		return 0;
	case PCEP_OBJ_ASSOCIATION:
		if (p->has_assoc)
			return MALFORMED(d, "two ASSOCIATION objects for one LSP");
		p->has_assoc = true;
		return rd_assoc(d, h, &p->assoc);
	case PCEP_OBJ_VENDOR_INFO:
		if (p->has_vendor)
			return MALFORMED(d, "two VENDOR-INFORMATION objects for one LSP");
		p->has_vendor = true;
		return rd_vendor(d, h, &p->vendor);
	default:
		if (class_known(h->cls, h->ot) == 0)
			return 0;	/* attribute objects not modelled */
		return MALFORMED(d, "object class %u in a %s", (unsigned)h->cls,
				 pcep_msg_name(m->type));
	}
}

/* RFC 8231 s6.1 (PCRpt), s6.2 (PCUpd), RFC 8281 s5.1 (PCInitiate) */
static int check_paths(dctx *d, const pcep_msg *m)
{
	if (m->n_path == 0)
		return fail(d, PCEP_ERR_MISSING_OBJECT,
			    m->type == PCEP_MSG_PCRPT ? PCEP_EV_MISSING_LSP : PCEP_EV_MISSING_SRP, 0,
			    "%s without any LSP", pcep_msg_name(m->type));
	for (size_t i = 0; i < m->n_path; i++) {
		const pcep_path *p = &m->path[i];
		if (m->type != PCEP_MSG_PCRPT && !p->has_srp)
			return fail(d, PCEP_ERR_MISSING_OBJECT, PCEP_EV_MISSING_SRP, 0,
				    "%s: LSP %zu without SRP", pcep_msg_name(m->type), i);
		if (!p->has_lsp)
			return fail(d, PCEP_ERR_MISSING_OBJECT, PCEP_EV_MISSING_LSP, 0,
				    "%s: LSP %zu without an LSP object", pcep_msg_name(m->type), i);
		bool removal = p->has_srp && (p->srp.flags & PCEP_SRP_R);
		if (!p->has_ero && !(m->type == PCEP_MSG_PCINITIATE && removal))
			return fail(d, PCEP_ERR_MISSING_OBJECT, PCEP_EV_MISSING_ERO, 0,
				    "%s: LSP %zu without ERO", pcep_msg_name(m->type), i);
	}
	return 0;
}

static int rd_body(dctx *d, wire_rd *r, pcep_msg *m)
{
	pcep_path *cur = NULL;
	size_t n_obj = 0;
	while (wire_left(r) > 0) {
		obj_hdr h;
		if (rd_obj_hdr(d, r, &h) != 0)
			return -1;
		n_obj++;
		switch (m->type) {
		case PCEP_MSG_OPEN:
			/* RFC 5440 s6.2: exactly one OPEN object */
			if (h.cls != PCEP_OBJ_OPEN || n_obj > 1)
				return fail(d, PCEP_ERR_SESSION, PCEP_EV_SESSION_BAD_OPEN, 0,
					    "Open with object class %u", (unsigned)h.cls);
			m->has_open = true;
			if (rd_open(d, &h, &m->open) != 0)
				return -1;
			break;
		case PCEP_MSG_KEEPALIVE:
			return MALFORMED(d, "Keepalive with objects");
		case PCEP_MSG_CLOSE:
			/* RFC 5440 s6.8 */
			if (h.cls != PCEP_OBJ_CLOSE || n_obj > 1)
				return MALFORMED(d, "Close with object class %u", (unsigned)h.cls);
			wire_skip(&h.body, 3);
			m->close_reason = wire_u8(&h.body);
			if (!wire_ok(&h.body))
				return MALFORMED(d, "CLOSE object too short");
			break;
		case PCEP_MSG_PCERR:
			/* RFC 5440 s6.7, RFC 8231 s6.3: [RP/SRP list] ERROR list [Open] */
			if (h.cls == PCEP_OBJ_ERROR) {
				if (m->n_err == PCEP_MAX_ERRORS)
					return MALFORMED(d, "more than %d ERROR objects",
							 PCEP_MAX_ERRORS);
				wire_skip(&h.body, 2);
				pcep_error e;
				e.type = wire_u8(&h.body);
				e.value = wire_u8(&h.body);
				if (!wire_ok(&h.body))
					return MALFORMED(d, "ERROR object too short");
				m->err = neto_reallocarray(m->err, m->n_err + 1, sizeof *m->err);
				m->err[m->n_err++] = e;
			} else if (h.cls == PCEP_OBJ_SRP) {
				pcep_srp s = { 0 };
				int rc = rd_srp(d, &h, &s);
				pcep_tlvs_free(&s.tlvs);
				if (rc != 0)
					return -1;
				if (m->n_err_srp == PCEP_MAX_ERRORS)
					return MALFORMED(d, "more than %d SRPs in a PCErr",
							 PCEP_MAX_ERRORS);
				m->err_srp = neto_reallocarray(m->err_srp, m->n_err_srp + 1,
							       sizeof *m->err_srp);
				m->err_srp[m->n_err_srp++] = s.srp_id;
			} else if (h.cls == PCEP_OBJ_OPEN && !m->has_open && m->n_err > 0) {
				m->has_open = true;
				if (rd_open(d, &h, &m->open) != 0)
					return -1;
			} else if (h.cls != PCEP_OBJ_RP) {
				return MALFORMED(d, "PCErr with object class %u", (unsigned)h.cls);
			}
			break;
		case PCEP_MSG_PCRPT:
		case PCEP_MSG_PCUPD:
		case PCEP_MSG_PCINITIATE:
			if (rd_path_obj(d, m, &h, &cur) != 0)
				return -1;
			break;
		default:
			break;	/* PCNtf: content not used */
		}
	}
	switch (m->type) {
	case PCEP_MSG_OPEN:
		if (!m->has_open)
			return fail(d, PCEP_ERR_SESSION, PCEP_EV_SESSION_BAD_OPEN, 0,
				    "Open without an OPEN object");
		return 0;
	case PCEP_MSG_CLOSE:
		if (n_obj == 0)
			return MALFORMED(d, "Close without a CLOSE object");
		return 0;
	case PCEP_MSG_PCERR:
		if (m->n_err == 0)
			return MALFORMED(d, "PCErr without an ERROR object");
		return 0;
	case PCEP_MSG_PCRPT:
	case PCEP_MSG_PCUPD:
	case PCEP_MSG_PCINITIATE:
		return check_paths(d, m);
	default:
		return 0;
	}
}

int pcep_decode(const uint8_t *buf, size_t len, pcep_msg *m, pcep_perr *perr, neto_err *err)
{
	dctx d = { perr, err, false };
	memset(m, 0, sizeof *m);
	memset(perr, 0, sizeof *perr);
	size_t mlen;
	if (pcep_frame(buf, len, &mlen, perr, err) != 0)
		return -1;
	if (mlen == 0 || mlen != len)
		return fail(&d, PCEP_ERR_INVALID_OBJECT, PCEP_EV_MALFORMED_OBJECT,
			    PCEP_CLOSE_MALFORMED, "message of %zu octets, header says otherwise",
			    len);
	wire_rd r = wire_rd_init(buf, len);
	wire_skip(&r, 1);
	m->type = wire_u8(&r);
	wire_skip(&r, 2);
	switch (m->type) {
	case PCEP_MSG_OPEN:
	case PCEP_MSG_KEEPALIVE:
	case PCEP_MSG_PCERR:
	case PCEP_MSG_CLOSE:
	case PCEP_MSG_PCRPT:
	case PCEP_MSG_PCUPD:
	case PCEP_MSG_PCINITIATE:
	case PCEP_MSG_PCNTF:
		break;
	default:
		/* RFC 5440 s6.9 / s9.12: a message type not supported here
		 * (PCReq/PCRep: paths are computed by the PCE itself) */
		return fail(&d, PCEP_ERR_CAPABILITY, 0, 0, "unsupported message type %u",
			    (unsigned)m->type);
	}
	if (rd_body(&d, &r, m) != 0) {
		pcep_msg_free(m);
		return -1;
	}
	return 0;
}

/* ---- encoder ------------------------------------------------------------- */

typedef struct ectx {
	wire_wr *w;
	bool bad;
	const char *why;
} ectx;

static size_t obj_begin(wire_wr *w, uint8_t cls, uint8_t ot)
{
	size_t at = wire_wr_mark(w);
	wire_put_u8(w, cls);
	wire_put_u8(w, (uint8_t)(ot << 4));
	wire_put_u16(w, 0);
	return at;
}

static void obj_end(ectx *e, size_t at)
{
	size_t n = e->w->len - at;
	if (n > UINT16_MAX) {
		e->bad = true;
		e->why = "object longer than 65535 octets";
		return;
	}
	wire_wr_patch_u16(e->w, at + 2, (uint16_t)n);
}

static void put_tlv_hdr(wire_wr *w, uint16_t type, uint16_t len)
{
	wire_put_u16(w, type);
	wire_put_u16(w, len);
}

static void put_tlv_string(ectx *e, uint16_t type, const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > UINT16_MAX) {
		e->bad = true;
		e->why = "name empty or longer than 65535 octets";
		return;
	}
	put_tlv_hdr(e->w, type, (uint16_t)n);
	wire_put_bytes(e->w, s, n);
	wire_put_zero(e->w, (4 - n % 4) % 4);
}

static void put_tlvs(ectx *e, const pcep_tlvs *t)
{
	wire_wr *w = e->w;
	if (t->has_stateful) {
		put_tlv_hdr(w, PCEP_TLV_STATEFUL_PCE_CAP, 4);
		wire_put_u32(w, t->stateful_flags);
	}
	if (t->has_sr_cap && !t->sr_cap_sub) {
		put_tlv_hdr(w, PCEP_TLV_SR_PCE_CAP, 4);
		wire_put_u16(w, 0);
		wire_put_u8(w, t->sr_cap_flags);
		wire_put_u8(w, t->sr_msd);
	}
	if (t->has_pst_cap) {
		size_t at = wire_wr_mark(w);
		put_tlv_hdr(w, PCEP_TLV_PST_CAP, 0);
		wire_put_zero(w, 3);
		uint8_t n = t->n_pst > sizeof t->pst ? sizeof t->pst : t->n_pst;
		wire_put_u8(w, n);
		wire_put_bytes(w, t->pst, n);
		wire_put_zero(w, (4 - n % 4) % 4);
		if (t->has_sr_cap && t->sr_cap_sub) {
			put_tlv_hdr(w, PCEP_TLV_SR_PCE_CAP, 4);
			wire_put_u16(w, 0);
			wire_put_u8(w, t->sr_cap_flags);
			wire_put_u8(w, t->sr_msd);
		}
		if (t->has_srv6_cap) {
			uint8_t k = t->n_srv6_msd;
			if (k > sizeof t->srv6_msd / sizeof t->srv6_msd[0])
				k = sizeof t->srv6_msd / sizeof t->srv6_msd[0];
			put_tlv_hdr(w, PCEP_TLV_SRV6_PCE_CAP, (uint16_t)(4 + 2 * k));
			wire_put_u16(w, 0);
			wire_put_u16(w, t->srv6_cap_flags);
			for (size_t i = 0; i < k; i++) {
				wire_put_u8(w, t->srv6_msd[i].type);
				wire_put_u8(w, t->srv6_msd[i].value);
			}
			wire_put_zero(w, (4 - (2 * k) % 4) % 4);
		}
		wire_wr_patch_u16(w, at + 2, (uint16_t)(w->len - at - 4));
	}
	if (t->has_pst) {
		put_tlv_hdr(w, PCEP_TLV_PATH_SETUP_TYPE, 4);
		wire_put_zero(w, 3);
		wire_put_u8(w, t->pst_value);
	}
	if (t->has_lsp_ids) {
		const pcep_lsp_ids *l = &t->lsp_ids;
		bool v4 = l->sender.af == 4;
		put_tlv_hdr(w, v4 ? PCEP_TLV_IPV4_LSP_ID : PCEP_TLV_IPV6_LSP_ID, v4 ? 16 : 52);
		wire_put_bytes(w, l->sender.a, v4 ? 4 : 16);
		wire_put_u16(w, l->lsp_id);
		wire_put_u16(w, l->tunnel_id);
		wire_put_bytes(w, l->ext_tunnel_id, v4 ? 4 : 16);
		wire_put_bytes(w, l->endpoint.a, v4 ? 4 : 16);
	}
	if (t->name)
		put_tlv_string(e, PCEP_TLV_SYMBOLIC_PATH_NAME, t->name);
	if (t->has_lsp_error) {
		put_tlv_hdr(w, PCEP_TLV_LSP_ERROR_CODE, 4);
		wire_put_u32(w, t->lsp_error);
	}
	if (t->has_ext_assoc) {
		bool v4 = t->policy_endpoint.af == 4;
		put_tlv_hdr(w, PCEP_TLV_EXT_ASSOC_ID, v4 ? 8 : 20);
		wire_put_u32(w, t->color);
		wire_put_bytes(w, t->policy_endpoint.a, v4 ? 4 : 16);
	}
	if (t->policy_name)
		put_tlv_string(e, PCEP_TLV_SRPOLICY_POL_NAME, t->policy_name);
	if (t->has_preference) {
		put_tlv_hdr(w, PCEP_TLV_SRPOLICY_CPATH_PREF, 4);
		wire_put_u32(w, t->preference);
	}
}

static void put_ro(ectx *e, const pcep_ro *ro, bool rro)
{
	wire_wr *w = e->w;
	for (size_t i = 0; i < ro->n; i++) {
		const pcep_subobj *o = &ro->sub[i];
		size_t at = wire_wr_mark(w);
		wire_put_u8(w, (uint8_t)((o->loose && !rro ? 0x80 : 0) | (o->type & 0x7f)));
		wire_put_u8(w, 0);
		switch (o->type) {
		case PCEP_RO_IPV4:
		case PCEP_RO_IPV6:
			put_addr(w, &o->prefix);
			wire_put_u8(w, o->prefix_len);
			wire_put_u8(w, (uint8_t)o->flags);
			break;
		case PCEP_RO_SR:
			wire_put_u16(w, (uint16_t)((unsigned)o->nai.type << 12 | (o->flags & 0xfff)));
			if (!(o->flags & PCEP_SR_S))
				wire_put_u32(w, o->sid);
			if (!(o->flags & PCEP_SR_F))
				put_nai(w, &o->nai);
			break;
		case PCEP_RO_SRV6:
			wire_put_u16(w, (uint16_t)((unsigned)o->nai.type << 12 | (o->flags & 0xfff)));
			wire_put_u16(w, 0);
			wire_put_u16(w, o->behavior);
			if (!(o->flags & PCEP_SRV6_S))
				wire_put_bytes(w, o->sid6, 16);
			if (!(o->flags & PCEP_SRV6_F))
				put_nai(w, &o->nai);
			if (o->flags & PCEP_SRV6_T) {
				wire_put_u8(w, o->st.lb);
				wire_put_u8(w, o->st.ln);
				wire_put_u8(w, o->st.fun);
				wire_put_u8(w, o->st.arg);
				wire_put_zero(w, 3);
				wire_put_u8(w, o->st.flags);
			}
			break;
		default:
			e->bad = true;
			e->why = "unknown subobject type";
			break;
		}
		size_t n = w->len - at;
		if (n > 255) {
			e->bad = true;
			e->why = "subobject longer than 255 octets";
		}
		wire_wr_patch_u8(w, at + 1, (uint8_t)n);
	}
}

static void put_path(ectx *e, const pcep_path *p)
{
	wire_wr *w = e->w;
	size_t at;
	if (p->has_srp) {
		at = obj_begin(w, PCEP_OBJ_SRP, 1);
		wire_put_u32(w, p->srp.flags);
		wire_put_u32(w, p->srp.srp_id);
		put_tlvs(e, &p->srp.tlvs);
		obj_end(e, at);
	}
	if (p->has_lsp) {
		at = obj_begin(w, PCEP_OBJ_LSP, 1);
		wire_put_u32(w, (p->lsp.plsp_id & PCEP_MAX_PLSP_ID) << 12 | (p->lsp.flags & 0xfff));
		put_tlvs(e, &p->lsp.tlvs);
		obj_end(e, at);
	}
	if (p->has_endpoints) {
		bool v4 = p->src.af == 4;
		at = obj_begin(w, PCEP_OBJ_ENDPOINTS, v4 ? 1 : 2);
		wire_put_bytes(w, p->src.a, v4 ? 4 : 16);
		wire_put_bytes(w, p->dst.a, v4 ? 4 : 16);
		obj_end(e, at);
	}
	if (p->has_assoc) {
		bool v4 = p->assoc.source.af == 4;
		at = obj_begin(w, PCEP_OBJ_ASSOCIATION, v4 ? 1 : 2);
		wire_put_u16(w, 0);
		wire_put_u16(w, p->assoc.flags);
		wire_put_u16(w, p->assoc.type);
		wire_put_u16(w, p->assoc.id);
		wire_put_bytes(w, p->assoc.source.a, v4 ? 4 : 16);
		put_tlvs(e, &p->assoc.tlvs);
		obj_end(e, at);
	}
	if (p->has_ero) {
		at = obj_begin(w, PCEP_OBJ_ERO, 1);
		put_ro(e, &p->ero, false);
		obj_end(e, at);
	}
	if (p->has_bandwidth) {
		at = obj_begin(w, PCEP_OBJ_BANDWIDTH, 1);
		put_float(w, p->bandwidth);
		obj_end(e, at);
	}
	for (size_t i = 0; i < p->n_metric && i < PCEP_MAX_METRICS; i++) {
		at = obj_begin(w, PCEP_OBJ_METRIC, 1);
		wire_put_u16(w, 0);
		wire_put_u8(w, p->metric[i].flags);
		wire_put_u8(w, p->metric[i].type);
		put_float(w, p->metric[i].value);
		obj_end(e, at);
	}
	if (p->has_vendor) {
		at = obj_begin(w, PCEP_OBJ_VENDOR_INFO, 1);
		wire_put_u32(w, p->vendor.enterprise);
		uint8_t n = p->vendor.len > sizeof p->vendor.data ? sizeof p->vendor.data
								  : p->vendor.len;
		wire_put_bytes(w, p->vendor.data, n);
		wire_put_zero(w, (4 - n % 4) % 4);
		obj_end(e, at);
	}
	if (p->has_rro) {
		at = obj_begin(w, PCEP_OBJ_RRO, 1);
		put_ro(e, &p->rro, true);
		obj_end(e, at);
	}
}

static void put_open(ectx *e, const pcep_open *o)
{
	size_t at = obj_begin(e->w, PCEP_OBJ_OPEN, 1);
	wire_put_u8(e->w, PCEP_VERSION << 5);
	wire_put_u8(e->w, o->keepalive);
	wire_put_u8(e->w, o->deadtimer);
	wire_put_u8(e->w, o->sid);
	put_tlvs(e, &o->tlvs);
	obj_end(e, at);
}

int pcep_encode(const pcep_msg *m, wire_wr *w, neto_err *err)
{
	ectx e = { w, false, NULL };
	size_t start = wire_wr_mark(w);
	wire_put_u8(w, PCEP_VERSION << 5);
	wire_put_u8(w, m->type);
	wire_put_u16(w, 0);
	switch (m->type) {
	case PCEP_MSG_OPEN:
		put_open(&e, &m->open);
		break;
	case PCEP_MSG_KEEPALIVE:
		break;
	case PCEP_MSG_CLOSE: {
		size_t at = obj_begin(w, PCEP_OBJ_CLOSE, 1);
		wire_put_zero(w, 3);
		wire_put_u8(w, m->close_reason);
		obj_end(&e, at);
		break;
	}
	case PCEP_MSG_PCERR:
		for (size_t i = 0; i < m->n_err_srp; i++) {
			size_t at = obj_begin(w, PCEP_OBJ_SRP, 1);
			wire_put_u32(w, 0);
			wire_put_u32(w, m->err_srp[i]);
			obj_end(&e, at);
		}
		for (size_t i = 0; i < m->n_err; i++) {
			size_t at = obj_begin(w, PCEP_OBJ_ERROR, 1);
			wire_put_u16(w, 0);
			wire_put_u8(w, m->err[i].type);
			wire_put_u8(w, m->err[i].value);
			obj_end(&e, at);
		}
		if (m->has_open)
			put_open(&e, &m->open);
		break;
	case PCEP_MSG_PCRPT:
	case PCEP_MSG_PCUPD:
	case PCEP_MSG_PCINITIATE:
		for (size_t i = 0; i < m->n_path; i++)
			put_path(&e, &m->path[i]);
		break;
	default:
		e.bad = true;
		e.why = "message type not encodable";
		break;
	}
	size_t n = w->len - start;
	if (!e.bad && n > PCEP_MAX_MSG) {
		e.bad = true;
		e.why = "message longer than 65535 octets";
	}
	if (e.bad) {
		w->len = start;
		return neto_err_set(err, "pcep: cannot encode %s: %s", pcep_msg_name(m->type),
				    e.why);
	}
	wire_wr_patch_u16(w, start + 2, (uint16_t)n);
	return 0;
}

void pcep_encode_keepalive(wire_wr *w)
{
	wire_put_u8(w, PCEP_VERSION << 5);
	wire_put_u8(w, PCEP_MSG_KEEPALIVE);
	wire_put_u16(w, 4);
}

void pcep_encode_close(wire_wr *w, uint8_t reason)
{
	pcep_msg m = { .type = PCEP_MSG_CLOSE, .close_reason = reason };
	(void)pcep_encode(&m, w, NULL);
}

void pcep_encode_error(wire_wr *w, uint8_t type, uint8_t value, uint32_t srp_id)
{
	pcep_error e = { type, value };
	pcep_msg m = { .type = PCEP_MSG_PCERR, .err = &e, .n_err = 1 };
	if (srp_id != 0) {
		m.err_srp = &srp_id;
		m.n_err_srp = 1;
	}
	(void)pcep_encode(&m, w, NULL);
}

/* ---- names -------------------------------------------------------------- */

const char *pcep_msg_name(uint8_t type)
{
	static const char *const names[] = { "type 0", "Open",	    "Keepalive", "PCReq",
					     "PCRep",  "PCNtf",	    "PCErr",	 "Close",
					     "type 8", "type 9",    "PCRpt",	 "PCUpd",
					     "PCInitiate" };
	return type < sizeof names / sizeof names[0] ? names[type] : "unknown message";
}

const char *pcep_err_str(uint8_t type, uint8_t value)
{
	switch (type) {
	case PCEP_ERR_SESSION:
		return "session establishment failure";
	case PCEP_ERR_CAPABILITY:
		return "capability not supported";
	case PCEP_ERR_UNKNOWN_OBJECT:
		return value == 2 ? "unrecognized object type" : "unrecognized object class";
	case PCEP_ERR_NOT_SUPPORTED_OBJECT:
		return "not supported object";
	case PCEP_ERR_POLICY:
		return "policy violation";
	case PCEP_ERR_MISSING_OBJECT:
		return value == PCEP_EV_MISSING_SRP   ? "SRP object missing"
		       : value == PCEP_EV_MISSING_LSP ? "LSP object missing"
		       : value == PCEP_EV_MISSING_ERO ? "ERO object missing"
						      : "mandatory object missing";
	case PCEP_ERR_SECOND_SESSION:
		return "attempt to establish a second PCEP session";
	case PCEP_ERR_INVALID_OBJECT:
		return value == PCEP_EV_BAD_LABEL	      ? "bad label value"
		       : value == PCEP_EV_ERO_MIXES	      ? "ERO mixes SR and other subobjects"
		       : value == PCEP_EV_SR_ERO_NO_SID_NAI ? "SR-ERO without SID and NAI"
		       : value == PCEP_EV_NO_SYMBOLIC_NAME  ? "SYMBOLIC-PATH-NAME missing"
		       : value == PCEP_EV_BAD_NAI_TYPE	      ? "unsupported NAI type"
		       : value == PCEP_EV_MALFORMED_OBJECT  ? "malformed object"
							    : "reception of an invalid object";
	case PCEP_ERR_INVALID_OPERATION:
		return value == PCEP_EV_NOT_DELEGATED	      ? "update of a non-delegated LSP"
		       : value == PCEP_EV_UNKNOWN_PLSP_ID     ? "unknown PLSP-ID"
		       : value == PCEP_EV_NONZERO_PLSP_ID     ? "non-zero PLSP-ID in an initiation"
		       : value == PCEP_EV_NOT_PCE_INITIATED ? "LSP is not PCE-initiated"
							    : "invalid operation";
	case PCEP_ERR_SYNC:
		return "LSP state synchronization error";
	case PCEP_ERR_INVALID_PST:
		return value == 2 ? "mismatched path setup type" : "unsupported path setup type";
	case PCEP_ERR_BAD_PARAMETER:
		return value == 1 ? "SYMBOLIC-PATH-NAME in use" : "bad parameter value";
	case PCEP_ERR_INSTANTIATION:
		return value == 1   ? "unacceptable instantiation parameters"
		       : value == 2 ? "internal error"
				    : "signaling error";
	default:
		return "error";
	}
}
