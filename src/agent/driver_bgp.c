/*
 * driver_bgp.c - SR policies to routers over BGP (see driver_bgp.h).
 *
 * The driver keeps, per (router, policy), the desired document, the encoded
 * policy, and whether and on which incarnation of the session it was
 * announced (the session's count of Established transitions): a policy
 * announced on an earlier session is not on the router any more.
 */
#include "agent/driver_bgp.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "proto/bgp/srpolicy.h"

typedef struct pol {
	char *router, *policy;
	char *desired;		/* NULL: to be removed */
	bgp_sr_policy sr;
	bool announced;		/* the current desired state is out */
	unsigned incarnation;	/* the session's established_count when sent */
	bool withdrawn;		/* removal sent */
} pol;

typedef struct endpoint {
	char *node;
	uint16_t afi;
	uint8_t addr[16];
} endpoint;

typedef struct ctx {
	bgp_speaker *sp;
	pol *p;
	size_t n;
	endpoint *ep;
	size_t n_ep;
} ctx;

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static bgp_peer *peer_of(ctx *c, const char *router)
{
	for (size_t i = 0; i < c->sp->n_peers; i++)
		if (strcmp(c->sp->peers[i].cfg.name, router) == 0)
			return &c->sp->peers[i];
	return NULL;
}

static pol *find(ctx *c, const char *router, const char *policy)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->p[i].router, router) == 0 && strcmp(c->p[i].policy, policy) == 0)
			return &c->p[i];
	return NULL;
}

/* The task document as an SR policy. */
static int build(ctx *c, const char *policy, const char *desired, bgp_sr_policy *sr,
		 neto_err *err)
{
	json_error_t je;
	json_t *doc = json_loads(desired, 0, &je);
	if (doc == NULL)
		return neto_err_set(err, "policy %s: %s", policy, je.text);
	memset(sr, 0, sizeof *sr);
	int rc = -1;
	const char *dst = json_string_value(json_object_get(doc, "dst"));
	const char *cls = json_string_value(json_object_get(doc, "class"));
	json_t *paths = json_object_get(doc, "paths");
	if (dst == NULL || cls == NULL || !json_is_array(paths) || json_array_size(paths) == 0) {
		neto_err_set(err, "policy %s: dst, class and paths are required", policy);
		goto out;
	}
	if (json_array_size(paths) > BGP_SR_MAX_LISTS) {
		neto_err_set(err, "policy %s: more than %d paths", policy, BGP_SR_MAX_LISTS);
		goto out;
	}
	sr->distinguisher = fnv1a(policy);
	sr->color = 1 + (fnv1a(cls) & 0x7fffffffu);
	sr->has_preference = true;
	sr->preference = 100;
	for (size_t i = 0; i < json_array_size(paths); i++) {
		json_t *pa = json_array_get(paths, i);
		json_t *segs = json_object_get(pa, "segments");
		bgp_sr_seglist *l = &sr->lists[sr->n_lists++];
		double wgt = json_number_value(json_object_get(pa, "weight"));
		l->has_weight = true;
		l->weight = wgt > 0 ? (uint32_t)fmax(1.0, round(wgt * 1000.0)) : 1;
		if (!json_is_array(segs) || json_array_size(segs) == 0 ||
		    json_array_size(segs) > BGP_SR_MAX_SEGS) {
			neto_err_set(err, "policy %s: path %zu needs 1 to %d segments", policy, i,
				     BGP_SR_MAX_SEGS);
			goto out;
		}
		for (size_t k = 0; k < json_array_size(segs); k++) {
			const char *s = json_string_value(json_array_get(segs, k));
			bgp_sr_segment *g = &l->seg[l->n++];
			g->type = 'B';
			if (s == NULL || inet_pton(AF_INET6, s, g->sid) != 1) {
				neto_err_set(err, "policy %s: segment '%s' is not an IPv6 SID", policy,
					     s ? s : "?");
				goto out;
			}
		}
	}
	sr->afi = BGP_AFI_IPV6;
	const bgp_sr_seglist *first = &sr->lists[0];
	memcpy(sr->endpoint, first->seg[first->n - 1].sid, 16);
	for (size_t i = 0; i < c->n_ep; i++)
		if (strcmp(c->ep[i].node, dst) == 0) {
			sr->afi = c->ep[i].afi;
			memset(sr->endpoint, 0, 16);
			memcpy(sr->endpoint, c->ep[i].addr, c->ep[i].afi == BGP_AFI_IPV4 ? 4 : 16);
		}
	rc = 0;
out:
	json_decref(doc);
	return rc;
}

/* Sends what p needs on its router's session, if the session can take it. */
static void push(ctx *c, pol *p)
{
	bgp_peer *peer = peer_of(c, p->router);
	if (peer == NULL || peer->s.state != BGP_ST_ESTABLISHED ||
	    !bgp_session_has_family(&peer->s, p->sr.afi, BGP_SAFI_SR_POLICY) || peer->fd < 0)
		return;
	neto_err err;
	wire_wr w;
	wire_wr_init(&w);
	if (p->desired != NULL) {
		if (p->announced && p->incarnation == peer->s.stats.established_count)
			goto out;
		struct sockaddr_storage la;
		socklen_t ll = sizeof la;
		uint8_t nh[16];
		uint8_t nh_len = 4;
		memset(nh, 0, sizeof nh);
		if (getsockname(peer->fd, (struct sockaddr *)&la, &ll) == 0) {
			if (la.ss_family == AF_INET) {
				memcpy(nh, &((struct sockaddr_in *)&la)->sin_addr, 4);
			} else {
				memcpy(nh, &((struct sockaddr_in6 *)&la)->sin6_addr, 16);
				nh_len = 16;
			}
		}
		if (bgp_srpolicy_update_encode(&p->sr, nh, nh_len,
					       peer->cfg.s.local_as != peer->cfg.s.remote_as,
					       peer->cfg.s.local_as, &w, &err) == 0 &&
		    bgp_speaker_send(c->sp, peer, w.buf, w.len, &err) == 0) {
			p->announced = true;
			p->incarnation = peer->s.stats.established_count;
		}
	} else if (!p->withdrawn) {
		if (bgp_srpolicy_withdraw_encode(&p->sr, &w, &err) == 0 &&
		    bgp_speaker_send(c->sp, peer, w.buf, w.len, &err) == 0)
			p->withdrawn = true;
	}
out:
	wire_wr_free(&w);
}

static int d_apply(void *vc, const char *router, const char *policy, const char *desired,
		   int64_t now, neto_err *err)
{
	(void)now;
	ctx *c = vc;
	if (peer_of(c, router) == NULL)
		return neto_err_set(err, "router %s is not a configured BGP peer", router);
	bgp_sr_policy sr;
	if (build(c, policy, desired, &sr, err) != 0)
		return -1;
	pol *p = find(c, router, policy);
	if (p == NULL) {
		c->p = neto_reallocarray(c->p, c->n + 1, sizeof *c->p);
		p = &c->p[c->n++];
		memset(p, 0, sizeof *p);
		p->router = neto_strdup(router);
		p->policy = neto_strdup(policy);
	}
	if (p->desired == NULL || !driver_policy_equal(p->desired, desired) ||
	    memcmp(&p->sr, &sr, sizeof sr) != 0) {
		free(p->desired);
		p->desired = neto_strdup(desired);
		p->sr = sr;
		p->announced = false;
		p->withdrawn = false;
	}
	push(c, p);
	return 0;
}

static int d_remove(void *vc, const char *router, const char *policy, int64_t now,
		    neto_err *err)
{
	(void)now;
	(void)err;
	ctx *c = vc;
	pol *p = find(c, router, policy);
	if (p == NULL || p->desired == NULL)
		return 0;
	free(p->desired);
	p->desired = NULL;
	p->announced = false;
	p->withdrawn = false;
	push(c, p);
	return 0;
}

static int d_status(void *vc, const char *router, const char *policy, const char *desired,
		    int64_t now, driver_status *st, char **readback, neto_err *err)
{
	(void)now;
	(void)err;
	ctx *c = vc;
	*readback = NULL;
	*st = DRIVER_PENDING;
	pol *p = find(c, router, policy);
	bgp_peer *peer = peer_of(c, router);
	if (desired == NULL) {
		/* removed: withdrawn, or never announced, or the session that
		 * carried it is gone (a head-end drops a lost peer's routes) */
		if (p == NULL || p->withdrawn || peer == NULL ||
		    (!p->announced && p->desired == NULL) ||
		    (p->announced && (peer->s.state != BGP_ST_ESTABLISHED ||
				      p->incarnation != peer->s.stats.established_count)))
			*st = DRIVER_DONE;
		return 0;
	}
	if (p != NULL && p->desired != NULL && p->announced && peer != NULL &&
	    peer->s.state == BGP_ST_ESTABLISHED &&
	    p->incarnation == peer->s.stats.established_count &&
	    driver_policy_equal(p->desired, desired)) {
		*st = DRIVER_DONE;
		*readback = neto_strdup(p->desired);
	}
	return 0;
}

static int d_refresh(void *vc, const char *routers, int64_t now, neto_err *err)
{
	(void)routers;
	(void)now;
	ctx *c = vc;
	if (bgp_speaker_poll(c->sp, 0, err) != 0)
		return -1;
	for (size_t i = 0; i < c->n; i++)
		push(c, &c->p[i]);
	return 0;
}

static void d_close(void *vc)
{
	ctx *c = vc;
	for (size_t i = 0; i < c->n; i++) {
		free(c->p[i].router);
		free(c->p[i].policy);
		free(c->p[i].desired);
	}
	for (size_t i = 0; i < c->n_ep; i++)
		free(c->ep[i].node);
	free(c->p);
	free(c->ep);
	free(c);
}

void driver_bgp_init(agent_driver *drv, bgp_speaker *sp)
{
	ctx *c = neto_calloc(1, sizeof *c);
	c->sp = sp;
	drv->name = "bgp";
	drv->ctx = c;
	drv->apply = d_apply;
	drv->remove = d_remove;
	drv->status = d_status;
	drv->refresh = d_refresh;
	drv->close = d_close;
}

int driver_bgp_set_endpoint(agent_driver *drv, const char *node, const char *addr, neto_err *err)
{
	ctx *c = drv->ctx;
	endpoint e;
	memset(&e, 0, sizeof e);
	if (inet_pton(AF_INET, addr, e.addr) == 1)
		e.afi = BGP_AFI_IPV4;
	else if (inet_pton(AF_INET6, addr, e.addr) == 1)
		e.afi = BGP_AFI_IPV6;
	else
		return neto_err_set(err, "endpoint of %s: '%s' is not an address", node, addr);
	e.node = neto_strdup(node);
	c->ep = neto_reallocarray(c->ep, c->n_ep + 1, sizeof *c->ep);
	c->ep[c->n_ep++] = e;
	return 0;
}
