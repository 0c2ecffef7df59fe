/*
 * latency_store.c - "pe-latency" rows into the decision's measured
 * latencies (latency_store.h). The format is the one src/router/probe.c
 * writes; the key is parsed field by field, the body with jansson, and
 * every field's type and range is checked before it is used.
 */
#include "pe/latency_store.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lpm.h"
#include "lib/mem.h"

int pe_lat_row_parse(const char *key, const char *body, size_t len, pe_lat_row *r,
		     neto_err *err)
{
	memset(r, 0, sizeof *r);
	char pfx[80], router[80], peer[80], extra[2];
	if (strlen(key) > 240 ||
	    sscanf(key, "%79s %79s %79s %1s", pfx, router, peer, extra) != 3)
		return neto_err_set(err, "key '%.80s' is not 'PREFIX ROUTER PEER-ADDRESS'", key);
	unsigned plen;
	neto_err e2;
	if (lpm_parse_prefix(pfx, &r->family, r->addr, &plen, &e2) != 0)
		return neto_err_set(err, "key '%.80s': %s", key, e2.msg);
	r->plen = (uint8_t)plen;
	if (strlen(router) >= sizeof r->router)
		return neto_err_set(err, "key '%.80s': router name longer than 64", key);
	memcpy(r->router, router, strlen(router) + 1);
	/* the route table's form of a peer address: IPv4 in the last four
	 * octets (RFC 7854 section 4.2) */
	if (inet_pton(AF_INET6, peer, r->peer) != 1 && inet_pton(AF_INET, peer, r->peer + 12) != 1)
		return neto_err_set(err, "key '%.80s': '%s' is not a peer address", key, peer);
	json_error_t je;
	json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
	int rc = 0;
	if (!json_is_object(o)) {
		rc = neto_err_set(err, "%s: body is not a JSON object", key);
		goto out;
	}
	json_t *ms = json_object_get(o, "ms"), *at = json_object_get(o, "at");
	json_t *tg = json_object_get(o, "target"), *sent = json_object_get(o, "sent");
	json_t *lost = json_object_get(o, "lost");
	if (!json_is_integer(at) || !json_is_integer(sent) || !json_is_integer(lost)) {
		rc = neto_err_set(err, "%s: \"at\", \"sent\" and \"lost\" must be integers", key);
		goto out;
	}
	json_int_t s = json_integer_value(sent), l = json_integer_value(lost);
	if (s < 0 || l < 0 || l > s || s > 1000000) {
		rc = neto_err_set(err, "%s: sent %lld, lost %lld", key, (long long)s, (long long)l);
		goto out;
	}
	r->sent = (uint32_t)s;
	r->lost = (uint32_t)l;
	r->at = (int64_t)json_integer_value(at);
	if (ms != NULL && !json_is_null(ms)) {
		if (!json_is_number(ms) || !(json_number_value(ms) >= 0) ||
		    json_number_value(ms) > 1e6) {
			rc = neto_err_set(err, "%s: \"ms\" must be null or 0 .. 1e6", key);
			goto out;
		}
		r->has_ms = true;
		r->ms = json_number_value(ms);
	}
	if (tg != NULL && json_is_string(tg))
		snprintf(r->target, sizeof r->target, "%s", json_string_value(tg));
out:
	json_decref(o);
	return rc;
}

void pe_lat_rows_apply(pe_input *in, const store_kv *v, size_t n, int64_t now_ms,
		       int64_t max_age_ms, pe_lat_store_stats *stats)
{
	pe_lat_store_stats local;
	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof *stats);
	for (size_t i = 0; i < n; i++) {
		stats->rows++;
		pe_lat_row r;
		neto_err err;
		if (v[i].key == NULL || v[i].body == NULL ||
		    pe_lat_row_parse(v[i].key, v[i].body, v[i].len, &r, &err) != 0) {
			stats->malformed++;
			continue;
		}
		/* a row from a clock ahead of ours is fresh */
		if (now_ms - r.at > max_age_ms) {
			stats->stale++;
			continue;
		}
		if (!r.has_ms) {
			stats->all_lost++;
			continue;
		}
		uint32_t router, e = PE_NONE;
		if (neto_strmap_get(&in->router_ix, r.router, strlen(r.router), &router))
			for (size_t k = 0; k < in->n_egress && e == PE_NONE; k++)
				if (in->egress_router[k] == router &&
				    memcmp(in->egress_addr[k], r.peer, 16) == 0)
					e = (uint32_t)k;
		if (e == PE_NONE) {
			stats->unknown_egress++;
			continue;
		}
		uint32_t p = pe_rib_find(in->rib, r.family, r.addr, r.plen);
		if (p == PE_NONE) {
			stats->unrouted++;
			continue;
		}
		if (in->n_meas == in->cap_meas) {
			in->cap_meas = in->cap_meas ? 2 * in->cap_meas : 1024;
			in->meas = neto_reallocarray(in->meas, in->cap_meas, sizeof *in->meas);
		}
		in->meas[in->n_meas].pfx = p;
		in->meas[in->n_meas].egress = e;
		in->meas[in->n_meas].ms = (float)r.ms;
		in->n_meas++;
		stats->used++;
	}
}

int pe_latency_store_read(store *st, pe_input *in, int64_t now_ms, int64_t max_age_ms,
			  pe_lat_store_stats *stats, neto_err *err)
{
	store_kv *v = NULL;
	size_t n = 0;
	if (store_kv_list(st, PE_LAT_NS, &v, &n, err) != 0)
		return -1;
	pe_lat_rows_apply(in, v, n, now_ms, max_age_ms, stats);
	store_kv_free(v, n);
	return 0;
}
