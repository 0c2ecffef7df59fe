/*
 * driver_pcep.c - the PCEP southbound driver (driver_pcep.h).
 *
 * The map: routers (name -> PCC address), SID -> label (with an optional
 * NAI), class -> colour, and the data plane, from the configuration's
 * pcep_peers and the map file, whose lines are
 *     router NAME ADDRESS
 *     label SID LABEL [NODE-ADDRESS]
 *     srgb BASE
 *     index SID N [NODE-ADDRESS]      (label BASE + N)
 *     color CLASS COLOR
 *     dataplane mpls|srv6
 * with '#' comments. Lookups are linear: a map is the size of a topology's
 * node list, and the driver converts a policy per call.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/driver_pcep.h"
#include "cfg/cfg.h"
#include "ctl/scheduler.h"
#include "lib/file.h"
#include "lib/mem.h"

#define MAX_PATHS 64
#define PENDING_MS 30000	/* ask again after this long without an answer */
#define OPAQUE_BEHAVIOR 0xffff	/* SRv6 endpoint behavior unknown (IANA) */
#define DEFAULT_STATE_TIMEOUT 180	/* s: assumed PCC State Timeout Interval */
#define LEASE_MS 30000		/* a router's lease (agent clock), renewed at half */

typedef struct drv_router {
	char *name;
	pcep_addr addr;
	/* reconciliation of the store's installed state (driver_pcep_reconcile) */
	uint64_t done_serial, done_gen;	/* the session and database state written */
	int64_t lost_since;		/* monotonic ms since when no session is up; 0: up */
	bool cleared;			/* the state timeout passed and the rows went */
	int64_t lease_until;		/* the router's lease is ours until (agent clock) */
} drv_router;

typedef struct drv_label {
	uint8_t sid[16];
	uint32_t label;
	pcep_addr nai;		/* af 0: none */
} drv_label;

typedef struct drv_color {
	char *cls;
	uint32_t color;
} drv_color;

typedef struct pcep_drv {
	uint32_t srgb;		/* SRGB base for "index" lines; 0: none */
	pce *p;
	drv_router *r;
	size_t n_r;
	drv_label *l;
	size_t n_l;
	drv_color *c;
	size_t n_c;
	bool srv6;
	uint32_t state_timeout;	/* seconds (map "state_timeout"); the PCCs' */
	FILE *log;
} pcep_drv;

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int add_router(pcep_drv *d, const char *name, size_t nlen, const char *addr,
		      neto_err *err)
{
	pcep_addr a;
	if (pcep_addr_parse(addr, &a) != 0)
		return neto_err_set(err, "router %.*s: '%s' is not an IP address", (int)nlen, name,
				    addr);
	for (size_t i = 0; i < d->n_r; i++)
		if (strlen(d->r[i].name) == nlen && memcmp(d->r[i].name, name, nlen) == 0) {
			d->r[i].addr = a;
			return 0;
		}
	d->r = neto_reallocarray(d->r, d->n_r + 1, sizeof *d->r);
	memset(&d->r[d->n_r], 0, sizeof *d->r);
	d->r[d->n_r].name = neto_strndup(name, nlen);
	d->r[d->n_r++].addr = a;
	return 0;
}

static const pcep_addr *router_addr(const pcep_drv *d, const char *name)
{
	for (size_t i = 0; i < d->n_r; i++)
		if (strcmp(d->r[i].name, name) == 0)
			return &d->r[i].addr;
	return NULL;
}

static int parse_map(pcep_drv *d, const char *text, const char *fname, neto_err *err)
{
	char *copy = neto_strdup(text);
	unsigned line = 0;
	int rc = 0;
	for (char *ln = copy, *next; ln && rc == 0; ln = next) {
		next = strchr(ln, '\n');
		if (next)
			*next++ = '\0';
		line++;
		char *hash = strchr(ln, '#');
		if (hash)
			*hash = '\0';
		char *f[5];
		size_t nf = 0;
		char *s2 = NULL;
		for (char *t = strtok_r(ln, " \t\r", &s2); t && nf < 5; t = strtok_r(NULL, " \t\r", &s2))
			f[nf++] = t;
		if (nf == 0)
			continue;
		neto_err e;
		if (strcmp(f[0], "router") == 0 && nf == 3) {
			if (add_router(d, f[1], strlen(f[1]), f[2], &e) != 0)
				rc = neto_err_at(err, fname, line, "%s", e.msg);
		} else if (strcmp(f[0], "srgb") == 0 && nf == 2) {
			char *end;
			unsigned long v = strtoul(f[1], &end, 10);
			if (*end || v < 16 || v > 0xfffff)
				rc = neto_err_at(err, fname, line, "SRGB base '%s' is not 16..1048575",
						 f[1]);
			else
				d->srgb = (uint32_t)v;
		} else if ((strcmp(f[0], "label") == 0 || strcmp(f[0], "index") == 0) &&
			   (nf == 3 || nf == 4)) {
			/* "index SID N": the node SID's index in the SRGB (RFC 8402
			 * s3.1.2), label = SRGB base + N */
			bool idx = f[0][0] == 'i';
			drv_label l = { 0 };
			char *end;
			unsigned long v = strtoul(f[2], &end, 10);
			if (idx && d->srgb == 0)
				rc = neto_err_at(err, fname, line, "index before any srgb line");
			else if (idx && !*end && v <= 0xfffff)
				v += d->srgb;
			if (rc == 0 && inet_pton(AF_INET6, f[1], l.sid) != 1)
				rc = neto_err_at(err, fname, line, "'%s' is not an SRv6 SID", f[1]);
			else if (rc == 0 && (*end || v < 16 || v > 0xfffff))
				rc = neto_err_at(err, fname, line, "label '%s' is not 16..1048575",
						 f[2]);
			else if (rc == 0 && nf == 4 && pcep_addr_parse(f[3], &l.nai) != 0)
				rc = neto_err_at(err, fname, line, "'%s' is not an IP address", f[3]);
			if (rc == 0) {
				l.label = (uint32_t)v;
				d->l = neto_reallocarray(d->l, d->n_l + 1, sizeof *d->l);
				d->l[d->n_l++] = l;
			}
		} else if (strcmp(f[0], "color") == 0 && nf == 3) {
			char *end;
			unsigned long v = strtoul(f[2], &end, 10);
			if (*end || v == 0 || v > 0xffffffffUL) {
				rc = neto_err_at(err, fname, line, "colour '%s' is not 1..4294967295",
						 f[2]);
			} else {
				d->c = neto_reallocarray(d->c, d->n_c + 1, sizeof *d->c);
				d->c[d->n_c].cls = neto_strdup(f[1]);
				d->c[d->n_c++].color = (uint32_t)v;
			}
		} else if (strcmp(f[0], "state_timeout") == 0 && nf == 2) {
			char *end;
			unsigned long v = strtoul(f[1], &end, 10);
			if (*end || v == 0 || v > 86400)
				rc = neto_err_at(err, fname, line,
						 "state timeout '%s' is not 1..86400 seconds", f[1]);
			else
				d->state_timeout = (uint32_t)v;
		} else if (strcmp(f[0], "dataplane") == 0 && nf == 2 &&
			   (strcmp(f[1], "mpls") == 0 || strcmp(f[1], "srv6") == 0)) {
			d->srv6 = strcmp(f[1], "srv6") == 0;
		} else {
			rc = neto_err_at(err, fname, line,
					 "expected 'router NAME ADDRESS', 'label SID LABEL [ADDRESS]', "
					 "'srgb BASE', 'index SID N [ADDRESS]', 'color CLASS COLOR', "
					 "'dataplane mpls|srv6' or 'state_timeout SECONDS'");
		}
	}
	free(copy);
	return rc;
}

/* ---- policy -> paths ------------------------------------------------------------ */

static void lsp_name(char *out, size_t n, const char *policy, size_t i)
{
	snprintf(out, n, "neto/%s/%zu", policy, i);
}

static int seg_to_sub(const pcep_drv *d, const char *seg, pcep_subobj *o, neto_err *err)
{
	uint8_t sid[16];
	if (inet_pton(AF_INET6, seg, sid) != 1)
		return neto_err_set(err, "segment '%s' is not an SRv6 SID", seg);
	if (d->srv6) {
		/* RFC 9603 s4.3.1: the SID alone (F: no NAI) */
		o->type = PCEP_RO_SRV6;
		o->flags = PCEP_SRV6_F;
		o->behavior = OPAQUE_BEHAVIOR;
		memcpy(o->sid6, sid, 16);
		return 0;
	}
	for (size_t i = 0; i < d->n_l; i++) {
		if (memcmp(d->l[i].sid, sid, 16) != 0)
			continue;
		/* RFC 8664 s4.3.1: an MPLS label (M), TC/S/TTL left to the PCC */
		o->type = PCEP_RO_SR;
		o->flags = PCEP_SR_M;
		o->sid = d->l[i].label << 12;
		if (d->l[i].nai.af) {
			o->nai.type = d->l[i].nai.af == 4 ? PCEP_NAI_IPV4_NODE : PCEP_NAI_IPV6_NODE;
			o->nai.local = d->l[i].nai;
		} else {
			o->flags |= PCEP_SR_F;
		}
		return 0;
	}
	return neto_err_set(err, "no MPLS label for SID %s in the PCEP map", seg);
}

/* The request for path I of DESIRED from ROUTER. */
static int build_path(const pcep_drv *d, const char *router, const json_t *doc, size_t i,
		      pcep_path *out, neto_err *err)
{
	memset(out, 0, sizeof *out);
	const pcep_addr *src = router_addr(d, router);
	const char *dst_name = json_string_value(json_object_get(doc, "dst"));
	const pcep_addr *dst = dst_name ? router_addr(d, dst_name) : NULL;
	if (src == NULL)
		return neto_err_set(err, "no PCC address for router %s", router);
	if (dst == NULL)
		return neto_err_set(err, "no address for end point %s", dst_name ? dst_name : "?");
	if (src->af != dst->af)
		return neto_err_set(err, "%s and %s have addresses of different families", router,
				    dst_name);
	out->has_endpoints = true;
	out->src = *src;
	out->dst = *dst;
	out->has_ero = true;
	const json_t *segs =
		json_object_get(json_array_get(json_object_get(doc, "paths"), i), "segments");
	for (size_t k = 0; k < json_array_size(segs); k++) {
		const char *seg = json_string_value(json_array_get(segs, k));
		if (seg == NULL || seg_to_sub(d, seg, pcep_ro_add(&out->ero), err) != 0) {
			pcep_path_free(out);
			return seg ? -1 : neto_err_set(err, "a segment is not a string");
		}
	}
	const char *cls = json_string_value(json_object_get(doc, "class"));
	for (size_t k = 0; cls && k < d->n_c; k++) {
		if (strcmp(d->c[k].cls, cls) != 0)
			continue;
		/* the colour as FRR pathd reads it (pceplib: enterprise 9,
		 * then 0x00010004, then the colour) */
		out->has_vendor = true;
		out->vendor.enterprise = PCEP_ENTERPRISE_CISCO;
		out->vendor.len = 8;
		uint32_t w[2] = { htonl(PCEP_VENDOR_COLOR), htonl(d->c[k].color) };
		memcpy(out->vendor.data, w, 8);
	}
	return 0;
}

/* The segment lists are the same (SIDs, in order). */
static bool same_ero(const pcep_ro *a, const pcep_ro *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		const pcep_subobj *x = &a->sub[i], *y = &b->sub[i];
		if (x->type != y->type)
			return false;
		if (x->type == PCEP_RO_SR && (x->sid >> 12) != (y->sid >> 12))
			return false;
		if (x->type == PCEP_RO_SRV6 && memcmp(x->sid6, y->sid6, 16) != 0)
			return false;
	}
	return true;
}

static json_t *load_doc(const char *desired, neto_err *err)
{
	json_error_t je;
	json_t *doc = json_loads(desired, 0, &je);
	if (!json_is_object(doc) || !json_is_array(json_object_get(doc, "paths"))) {
		json_decref(doc);
		neto_err_set(err, "desired state is not a policy document");
		return NULL;
	}
	if (json_array_size(json_object_get(doc, "paths")) > MAX_PATHS) {
		json_decref(doc);
		neto_err_set(err, "more than %d paths", MAX_PATHS);
		return NULL;
	}
	return doc;
}

static pce_sess *session(pcep_drv *d, const char *router, neto_err *err)
{
	const pcep_addr *a = router_addr(d, router);
	if (a == NULL) {
		neto_err_set(err, "no PCC address for router %s", router);
		return NULL;
	}
	pce_sess *s = pce_find(d->p, a);
	char as[64];
	if (s == NULL) {
		neto_err_set(err, "router %s (%s) has no PCEP session", router,
			     pcep_addr_str(a, as, sizeof as));
		return NULL;
	}
	return s;
}

static void poll_now(pcep_drv *d)
{
	neto_err e;
	if (pce_poll(d->p, 0, mono_ms(), &e) != 0 && d->log)
		fprintf(d->log, "pcep: %s\n", e.msg);
}

/* Removes the policy's LSPs from index FROM on. */
static int remove_from(pcep_drv *d, pce_sess *s, const char *policy, size_t from,
		       neto_err *err)
{
	int rc = 0;
	for (size_t i = from; i < MAX_PATHS; i++) {
		char name[300];
		lsp_name(name, sizeof name, policy, i);
		pce_lsp *l = pce_lsp_find(s, name);
		if (l == NULL || !l->exists)
			continue;
		if (l->req == PCE_REQ_PENDING && l->op == PCE_OP_REMOVE)
			continue;
		neto_err e;
		if (pce_remove(s, name, mono_ms(), &e) != 0 && rc == 0)
			rc = neto_err_set(err, "%s", e.msg);
	}
	return rc;
}

static int pcep_apply(void *ctx, const char *router, const char *policy, const char *desired,
		      int64_t now, neto_err *err)
{
	pcep_drv *d = ctx;
	(void)now;
	poll_now(d);
	json_t *doc = load_doc(desired, err);
	if (doc == NULL)
		return -1;
	pce_sess *s = session(d, router, err);
	if (s == NULL || (!pce_sess_up(s) || !s->synced)) {
		if (s)
			neto_err_set(err, "router %s: PCEP session %s%s", router,
				     pcep_state_name(s->s.state),
				     pce_sess_up(s) ? ", synchronising" : "");
		json_decref(doc);
		return -1;
	}
	size_t n = json_array_size(json_object_get(doc, "paths"));
	int rc = 0;
	for (size_t i = 0; i < n; i++) {
		char name[300];
		lsp_name(name, sizeof name, policy, i);
		pcep_path p;
		neto_err e;
		if (build_path(d, router, doc, i, &p, &e) != 0) {
			if (rc == 0)
				rc = neto_err_set(err, "%s: %s", name, e.msg);
			continue;
		}
		pce_lsp *l = pce_lsp_find(s, name);
		int r2 = 0;
		if (l && l->req == PCE_REQ_PENDING && l->op != PCE_OP_REMOVE &&
		    same_ero(&l->asked, &p.ero) && mono_ms() - l->sent_at < PENDING_MS) {
			/* asked already: a second PCInitiate of the same name would be
			 * refused (name in use), a second PCUpd is useless */
		} else if (l && l->exists) {
			if (!same_ero(&l->report.ero, &p.ero))
				r2 = pce_update(s, name, &p, mono_ms(), &e);
		} else {
			r2 = pce_initiate(s, name, &p, mono_ms(), &e);
		}
		if (r2 != 0 && rc == 0)
			rc = neto_err_set(err, "%s: %s", name, e.msg);
		pcep_path_free(&p);
	}
	if (remove_from(d, s, policy, n, err) != 0)
		rc = -1;
	json_decref(doc);
	poll_now(d);
	return rc;
}

static int pcep_remove(void *ctx, const char *router, const char *policy, int64_t now,
		       neto_err *err)
{
	pcep_drv *d = ctx;
	(void)now;
	poll_now(d);
	pce_sess *s = session(d, router, err);
	if (s == NULL)
		return -1;
	int rc = remove_from(d, s, policy, 0, err);
	poll_now(d);
	return rc;
}

static const char *oper_name(uint16_t flags)
{
	static const char *const n[] = { "down", "up", "active", "going-down", "going-up",
					  "5", "6", "7" };
	return n[(flags & PCEP_LSP_O_MASK) >> PCEP_LSP_O_SHIFT];
}

/* The segment a reported subobject stands for: the desired text when the
 * SID is the one asked for (same text, whatever the notation), else the
 * SID (srv6) or the SID the label maps to (mpls). */
static json_t *seg_text(const pcep_drv *d, const pcep_subobj *o, const char *want)
{
	uint8_t sid[16];
	bool have = false;
	if (o->type == PCEP_RO_SRV6) {
		memcpy(sid, o->sid6, 16);
		have = true;
	} else if (o->type == PCEP_RO_SR) {
		for (size_t i = 0; i < d->n_l && !have; i++)
			if (d->l[i].label == o->sid >> 12) {
				memcpy(sid, d->l[i].sid, 16);
				have = true;
			}
		if (!have) {
			char t[32];
			snprintf(t, sizeof t, "label:%u", (unsigned)(o->sid >> 12));
			return json_string(t);
		}
	}
	if (!have)
		return json_string("?");
	uint8_t w[16];
	if (want && inet_pton(AF_INET6, want, w) == 1 && memcmp(w, sid, 16) == 0)
		return json_string(want);
	char t[64];
	inet_ntop(AF_INET6, sid, t, sizeof t);
	return json_string(t);
}

static int pcep_status(void *ctx, const char *router, const char *policy, const char *desired,
		       int64_t now, driver_status *st, char **readback, neto_err *err)
{
	pcep_drv *d = ctx;
	(void)now;
	*st = DRIVER_PENDING;
	*readback = NULL;
	poll_now(d);
	pce_sess *s = session(d, router, err);
	if (s == NULL || !pce_sess_up(s) || !s->synced)
		return 0;	/* cannot tell yet: pending */
	size_t n = 0;
	json_t *doc = NULL;
	if (desired) {
		doc = load_doc(desired, err);
		if (doc == NULL) {
			*st = DRIVER_FAILED;
			return 0;
		}
		n = json_array_size(json_object_get(doc, "paths"));
	}
	bool done = true;
	json_t *lsps = json_array();
	for (size_t i = 0; i < MAX_PATHS; i++) {
		char name[300];
		lsp_name(name, sizeof name, policy, i);
		pce_lsp *l = pce_lsp_find(s, name);
		if (i >= n) {
			/* beyond the desired paths: must not exist */
			if (l && l->exists) {
				done = false;
				if (l->req == PCE_REQ_FAILED && l->op == PCE_OP_REMOVE) {
					neto_err_set(err, "%s: %s", name, l->why);
					*st = DRIVER_FAILED;
					json_decref(lsps);
					json_decref(doc);
					return 0;
				}
			}
			continue;
		}
		pcep_path p;
		neto_err e;
		if (build_path(d, router, doc, i, &p, &e) != 0) {
			/* the desired state cannot be expressed: refuse it */
			neto_err_set(err, "%s: %s", name, e.msg);
			*st = DRIVER_FAILED;
			json_decref(lsps);
			json_decref(doc);
			return 0;
		}
		if (l && l->req == PCE_REQ_FAILED && l->op != PCE_OP_REMOVE) {
			neto_err_set(err, "%s: %s", name, l->why);
			*st = DRIVER_FAILED;
			pcep_path_free(&p);
			json_decref(lsps);
			json_decref(doc);
			return 0;
		}
		if (l == NULL || !l->exists || !same_ero(&l->report.ero, &p.ero)) {
			done = false;
		} else {
			json_t *segs = json_array();
			const json_t *want = json_object_get(
				json_array_get(json_object_get(doc, "paths"), i), "segments");
			for (size_t k = 0; k < l->report.ero.n; k++)
				json_array_append_new(
					segs, seg_text(d, &l->report.ero.sub[k],
						       json_string_value(json_array_get(want, k))));
			json_object_set_new(json_array_get(json_object_get(doc, "paths"), i),
					    "segments", segs);
			json_array_append_new(
				lsps, json_pack("{s:s,s:i,s:b,s:b,s:s}", "name", name, "plsp_id",
						(json_int_t)l->plsp_id, "delegated",
						(l->flags & PCEP_LSP_D) != 0, "pce_initiated",
						(l->flags & PCEP_LSP_C) != 0, "oper",
						oper_name(l->flags)));
		}
		pcep_path_free(&p);
	}
	if (done) {
		*st = DRIVER_DONE;
		if (doc) {
			json_object_set_new(doc, "pcep", lsps);
			lsps = NULL;
			*readback = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(17));
		}
	}
	json_decref(lsps);
	json_decref(doc);
	return 0;
}

/* ---- the store's installed state, from what the routers report ---------------- */

/* "neto/DST/CLASS/I" -> policy "DST/CLASS" and I; false for the names of
 * LSPs neto did not create (configured on the router, another PCE's). */
static bool parse_name(const char *name, char *pol, size_t n, size_t *idx)
{
	if (strncmp(name, "neto/", 5) != 0)
		return false;
	const char *p = name + 5;
	const char *slash = strrchr(p, '/');
	if (slash == NULL || slash == p || slash[1] < '0' || slash[1] > '9')
		return false;
	char *end;
	unsigned long v = strtoul(slash + 1, &end, 10);
	size_t len = (size_t)(slash - p);
	if (*end || v >= MAX_PATHS || len >= n || memchr(p, '/', len) == NULL)
		return false;
	memcpy(pol, p, len);
	pol[len] = '\0';
	*idx = v;
	return true;
}

/* Path I of POLICY exists on S. */
static pce_lsp *reported(pce_sess *s, const char *policy, size_t i)
{
	char name[300];
	lsp_name(name, sizeof name, policy, i);
	pce_lsp *l = pce_lsp_find(s, name);
	return l && l->exists ? l : NULL;
}

/* The document of POLICY as S reports it, built on OLD (the row recorded,
 * or NULL): a path whose reported segments are OLD's keeps OLD's path
 * (links, rate, weight, limit: PCEP carries none of them); a path whose
 * segments differ gets them as reported, no links (neto cannot tell the
 * links a foreign segment list takes) and OLD's rate, weight and limit; a
 * path OLD does not have gets rate 0 and an equal share of the weight. */
static json_t *reported_doc(const pcep_drv *d, const char *router, const char *policy,
			    pce_sess *s, const json_t *old)
{
	size_t idx[MAX_PATHS], n = 0;
	for (size_t i = 0; i < MAX_PATHS; i++)
		if (reported(s, policy, i))
			idx[n++] = i;
	const json_t *oldp = json_object_get(old, "paths");
	json_t *paths = json_array();
	for (size_t k = 0; k < n; k++) {
		const pce_lsp *l = reported(s, policy, idx[k]);
		if (l == NULL)
			continue;
		const json_t *op = json_array_get(oldp, idx[k]);
		const json_t *want = json_object_get(op, "segments");
		json_t *segs = json_array();
		for (size_t j = 0; j < l->report.ero.n; j++)
			json_array_append_new(segs, seg_text(d, &l->report.ero.sub[j],
							     json_string_value(json_array_get(want, j))));
		json_t *np;
		if (json_is_object(op) && json_equal(segs, want)) {
			np = json_deep_copy(op);
			json_decref(segs);
		} else if (json_is_object(op)) {
			np = json_deep_copy(op);
			json_object_set_new(np, "segments", segs);
			json_object_set_new(np, "links", json_array());
		} else {
			np = json_pack("{s:[],s:o,s:f,s:f}", "links", "segments", segs, "rate", 0.0,
				       "weight", 1.0 / (double)n);
		}
		json_array_append_new(paths, np);
	}
	json_t *doc;
	if (json_is_object(old)) {
		doc = json_deep_copy(old);
	} else {
		const char *slash = strchr(policy, '/');
		doc = json_pack("{s:s,s:s%,s:s,s:i}", "src", router, "dst", policy,
				(size_t)(slash - policy), "class", slash + 1, "priority", 0);
	}
	json_object_set_new(doc, "paths", paths);
	return doc;
}

/* Writes ROUTER's installed rows from S's database: the policies it reports
 * as they are reported (unchanged rows are not written again), and deletes
 * the rows of the policies it no longer reports. */
static int write_router(const pcep_drv *d, const drv_router *r, pce_sess *s, store *st,
			int64_t now, neto_err *err)
{
	store_installed *iv = NULL;
	size_t ni = 0;
	if (store_installed_list(st, &iv, &ni, err) != 0)
		return -1;
	char why[200];
	int rc = 0;
	for (size_t i = 0; i < s->n_lsp && rc == 0; i++) {
		const pce_lsp *l = &s->lsp[i];
		char pol[256];
		size_t idx;
		if (!l->exists || !parse_name(l->name, pol, sizeof pol, &idx))
			continue;
		bool first = true;	/* each policy once: at its lowest path */
		for (size_t j = 0; j < idx && first; j++)
			first = reported(s, pol, j) == NULL;
		if (!first)
			continue;
		const store_installed *row = NULL;
		for (size_t j = 0; j < ni && row == NULL; j++)
			if (strcmp(iv[j].router, r->name) == 0 && strcmp(iv[j].policy, pol) == 0)
				row = &iv[j];
		json_t *old = row ? json_loads(row->body, 0, NULL) : NULL;
		json_t *doc = reported_doc(d, r->name, pol, s, json_is_object(old) ? old : NULL);
		json_decref(old);
		char *text = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(17));
		json_decref(doc);
		if (row == NULL || !driver_policy_equal(text, row->body)) {
			snprintf(why, sizeof why, "pcep: %s reports it", r->name);
			rc = store_installed_set(st, r->name, pol, text, why, now, err);
			if (rc == 0 && d->log)
				fprintf(d->log, "pcep: %s %s: installed state as reported\n", r->name,
					pol);
		}
		free(text);
	}
	for (size_t j = 0; j < ni && rc == 0; j++) {
		if (strcmp(iv[j].router, r->name) != 0)
			continue;
		bool any = false;
		for (size_t i = 0; i < MAX_PATHS && !any; i++)
			any = reported(s, iv[j].policy, i) != NULL;
		if (any)
			continue;
		snprintf(why, sizeof why, "pcep: %s no longer reports it", r->name);
		rc = store_installed_set(st, r->name, iv[j].policy, NULL, why, now, err);
		if (rc == 0 && d->log)
			fprintf(d->log, "pcep: %s %s: no longer reported, removed\n", r->name,
				iv[j].policy);
	}
	store_installed_free(iv, ni);
	return rc;
}

/* Deletes all of ROUTER's installed rows (its state timeout passed). */
static int clear_router(const pcep_drv *d, const drv_router *r, store *st, int64_t now,
			neto_err *err)
{
	store_installed *iv = NULL;
	size_t ni = 0;
	if (store_installed_list(st, &iv, &ni, err) != 0)
		return -1;
	char why[200];
	snprintf(why, sizeof why, "pcep: no session with %s for its state timeout (%u s)",
		 r->name, (unsigned)d->state_timeout);
	int rc = 0;
	for (size_t j = 0; j < ni && rc == 0; j++) {
		if (strcmp(iv[j].router, r->name) != 0)
			continue;
		rc = store_installed_set(st, r->name, iv[j].policy, NULL, why, now, err);
		if (rc == 0 && d->log)
			fprintf(d->log, "pcep: %s %s: state timeout, removed\n", r->name,
				iv[j].policy);
	}
	store_installed_free(iv, ni);
	return rc;
}

/* Takes or renews lease "pcep/ROUTER" for AGENT (renewed once half gone). */
static int router_lease(drv_router *r, store *st, const char *agent, int64_t now, bool *held,
			neto_err *err)
{
	if (r->lease_until - now > LEASE_MS / 2) {
		*held = true;
		return 0;
	}
	char name[300];
	snprintf(name, sizeof name, "pcep/%s", r->name);
	int h = 0;
	int64_t epoch;
	if (store_lease_acquire(st, name, agent, now, LEASE_MS, &h, &epoch, err) != 0)
		return -1;
	*held = h != 0;
	r->lease_until = h ? now + LEASE_MS : 0;
	return 0;
}

int driver_pcep_reconcile(const agent_driver *drv, store *st, const char *agent,
			  const char *routers, int64_t now, neto_err *err)
{
	pcep_drv *d = drv->ctx;
	int64_t mono = mono_ms();
	for (size_t i = 0; i < d->n_r; i++) {
		drv_router *r = &d->r[i];
		if (!sched_router_allowed(routers ? routers : "*", r->name))
			continue;
		pce_sess *s = pce_find(d->p, &r->addr);
		bool held = false;
		if (s && pce_sess_up(s)) {
			r->lost_since = 0;
			r->cleared = false;
			if (router_lease(r, st, agent, now, &held, err) != 0)
				return -1;
			if (!held || !s->synced ||
			    (s->serial == r->done_serial && s->gen == r->done_gen))
				continue;
			if (write_router(d, r, s, st, now, err) != 0)
				return -1;
			r->done_serial = s->serial;
			r->done_gen = s->gen;
			continue;
		}
		/* RFC 8231 s5.7.5: without a session the PCC keeps the LSPs for
		 * its State Timeout Interval, then flushes those the PCE created */
		if (r->lost_since == 0)
			r->lost_since = mono;
		if (r->cleared || mono - r->lost_since < (int64_t)d->state_timeout * 1000)
			continue;
		if (router_lease(r, st, agent, now, &held, err) != 0)
			return -1;
		if (!held)
			continue;	/* another agent holds the router's session */
		if (clear_router(d, r, st, now, err) != 0)
			return -1;
		r->cleared = true;
		r->done_serial = 0;
	}
	return 0;
}

static int pcep_refresh(void *ctx, const char *routers, int64_t now, neto_err *err)
{
	(void)routers;
	(void)now;
	(void)err;
	poll_now(ctx);
	return 0;
}

static void pcep_close(void *ctx)
{
	pcep_drv *d = ctx;
	pce_free(d->p);
	for (size_t i = 0; i < d->n_r; i++)
		free(d->r[i].name);
	for (size_t i = 0; i < d->n_c; i++)
		free(d->c[i].cls);
	free(d->r);
	free(d->l);
	free(d->c);
	free(d);
}

pce *driver_pcep_pce(const agent_driver *drv)
{
	return ((const pcep_drv *)drv->ctx)->p;
}

pce_sess *driver_pcep_session(const agent_driver *drv, const char *router)
{
	const pcep_drv *d = drv->ctx;
	const pcep_addr *a = router_addr(d, router);
	return a ? pce_find(d->p, a) : NULL;
}

int driver_pcep_init(agent_driver *drv, const driver_pcep_cfg *cfg, neto_err *err)
{
	pcep_drv *d = neto_calloc(1, sizeof *d);
	d->log = cfg->log;
	int rc = 0;
	for (size_t i = 0; i < cfg->n_peers && rc == 0; i++) {
		const char *eq = strchr(cfg->peers[i], '=');
		if (eq == NULL)
			rc = neto_err_set(err, "pcep_peers: '%s' is not ROUTER=ADDRESS", cfg->peers[i]);
		else
			rc = add_router(d, cfg->peers[i], (size_t)(eq - cfg->peers[i]), eq + 1, err);
	}
	if (rc == 0 && cfg->map_text)
		rc = parse_map(d, cfg->map_text, "map", err);
	if (rc == 0 && cfg->map) {
		char *buf = NULL;
		size_t len = 0;
		rc = neto_file_read(cfg->map, &buf, &len, err);
		if (rc == 0 && memchr(buf, 0, len) != NULL)
			rc = neto_err_set(err, "%s: not a text file", cfg->map);
		if (rc == 0)
			rc = parse_map(d, buf, cfg->map, err);
		free(buf);
	}
	if (d->state_timeout == 0)
		d->state_timeout = DEFAULT_STATE_TIMEOUT;
	pce_cfg pc = { 0 };
	char *host = NULL;
	if (rc == 0) {
		bool lo;
		pc.port = PCEP_PORT;
		if (cfg->listen)
			rc = cfg_parse_listen(cfg->listen, &host, &pc.port, &lo, err);
		if (rc == 0 && host && strcmp(host, "localhost") == 0) {
			free(host);
			host = neto_strdup("127.0.0.1");
		}
	}
	if (rc == 0) {
		pc.host = host;
		pc.log = cfg->log;
		pcep_session_cfg_default(&pc.sess, false);
		if (cfg->keepalive)
			pc.sess.keepalive = cfg->keepalive;
		if (cfg->deadtimer)
			pc.sess.deadtimer = cfg->deadtimer;
		pc.sess.srv6 = d->srv6;
		rc = pce_open(&d->p, &pc, err);
	}
	free(host);
	if (rc != 0) {
		pcep_close(d);
		return -1;
	}
	*drv = (agent_driver){ .name = "pcep",
			       .ctx = d,
			       .apply = pcep_apply,
			       .remove = pcep_remove,
			       .status = pcep_status,
			       .refresh = pcep_refresh,
			       .close = pcep_close };
	return 0;
}
