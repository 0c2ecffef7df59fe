/*
 * test_collector.c - the collector between the wire and the flow leaf:
 * its configuration keys, the prefix file, attribution (exporter address,
 * longest prefix of the destination, DSCP class), per-window aggregation
 * with one batch per sampling rate, empty batches for live exporters, and
 * the whole path exporter -> collector -> store -> leaf/root -> demand
 * matrix, whose rate must be bytes x sampling x 8 / window; and the
 * traffic to destinations outside the WAN (pe_traffic): rows per /24 or
 * /48, class and ingress in kv "pe-traffic", top-N with a remainder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "agent/collector.h"
#include "agent/collector_pe.h"
#include "agent/flow.h"
#include "agent/flowmsg.h"
#include "cfg/cfg.h"
#include "store/store.h"

#define W 10000
#define T0 1700000000000LL /* a multiple of W */

static const char ini[] =
	"[agent col]\n"
	"role = flow\n"
	"exporters = PAR,LON\n"
	"window = 10s\n"
	"smoothing = none\n"
	"listen = 127.0.0.1:0\n"
	"rcvbuf = 4194304\n"
	"exporter_addrs = PAR@192.0.2.1,LON@2001:db8::1\n"
	"dscp_classes = 46:gold,34:silver\n"
	"default_class = bronze\n"
	"sampling = 10\n"
	"template_timeout = 5m\n"
	"ingress_ifaces = PAR:7:PAR2\n";

static const char prefixes[] = "# site prefixes\n"
			       "10.1.0.0/16 PAR\n"
			       "10.2.0.0/16 LON\n"
			       "10.2.3.0/24 AMS   # more specific\n"
			       "2001:db8:2::/48 LON\n";

static void parse(neto_cfg *cfg)
{
	neto_err e;
	if (cfg_parse(ini, strlen(ini), "t.ini", cfg, &e) != 0)
		fail_msg("%s", e.msg);
}

static void test_cfg_keys(void **state)
{
	(void)state;
	neto_cfg cfg;
	parse(&cfg);
	const neto_cfg_agent *a = cfg_agent_find(&cfg, "col");
	assert_string_equal(a->listen_host, "127.0.0.1");
	assert_int_equal(a->rcvbuf, 4194304);
	assert_int_equal(a->n_exporter_addrs, 2);
	assert_int_equal(a->sampling, 10);
	assert_int_equal(a->template_timeout_ms, 300000);
	/* printed back, it reads the same */
	char *out = cfg_print(&cfg, 0);
	neto_cfg again;
	neto_err e;
	assert_int_equal(cfg_parse(out, strlen(out), "printed", &again, &e), 0);
	char *out2 = cfg_print(&again, 0);
	assert_string_equal(out, out2);
	free(out);
	free(out2);
	neto_cfg_free(&again);
	neto_cfg_free(&cfg);

	struct {
		const char *text, *want;
	} bad[] = {
		{ "[agent a]\nrole = flow\nexporters = X\nrcvbuf = 10\n", "rcvbuf: needs listen" },
		{ "[agent a]\nrole = flow\nexporters = X\nlisten = 1.2.3.4:9\n"
		  "exporter_addrs = Y@1.2.3.4\n", "names no exporter" },
		{ "[agent a]\nrole = flow\nexporters = X\nlisten = 1.2.3.4:9\n"
		  "exporter_addrs = X@nowhere\n", "is not NAME@ADDRESS" },
		{ "[agent a]\nrole = flow\nexporters = X\nlisten = 1.2.3.4:9\n"
		  "dscp_classes = 64:gold\n", "is not DSCP:CLASS" },
		{ "[agent a]\nrole = update\nlisten = 1.2.3.4:9\n", "not a key of update" },
		{ "[agent a]\nrole = flow\nexporters = X\nlisten = 1.2.3.4:9\n"
		  "ingress_ifaces = X:7\n", "is not EXPORTER:IFINDEX:ROUTER" },
		{ "[agent a]\nrole = flow\nexporters = X\nlisten = 1.2.3.4:9\n"
		  "ingress_ifaces = Y:7:Z\n", "names no exporter" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (cfg_parse(bad[i].text, strlen(bad[i].text), "t.ini", &cfg, &e) == 0)
			fail_msg("case %zu parsed", i);
		if (!strstr(e.msg, bad[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, bad[i].want);
	}
}

typedef struct sent {
	flowmsg_batch b[16];
	char topic[16][64];
	size_t n;
} sent;

static int keep(void *ctx, const char *topic, const char *key, int64_t at, const char *body,
		size_t len, neto_err *err)
{
	sent *s = ctx;
	(void)key;
	assert_true(s->n < 16);
	assert_int_equal(at % W, 0);
	if (flowmsg_batch_decode(&s->b[s->n], body, len, topic, err) != 0)
		fail_msg("%s", err->msg);
	snprintf(s->topic[s->n], sizeof s->topic[s->n], "%s", topic);
	s->n++;
	return 0;
}

static void free_sent(sent *s)
{
	for (size_t i = 0; i < s->n; i++)
		flowmsg_batch_free(&s->b[i]);
	s->n = 0;
}

static ipfix_flow flow(const char *src, const char *dst, uint8_t dscp, uint64_t bytes,
		       int64_t end)
{
	ipfix_flow f;
	memset(&f, 0, sizeof f);
	ipfix_addr_parse(&f.src, src);
	ipfix_addr_parse(&f.dst, dst);
	f.tos = (uint8_t)(dscp << 2);
	f.bytes = bytes;
	f.packets = bytes / 1000 + 1;
	f.start_ms = end - 1000;
	f.end_ms = end;
	return f;
}

static const ipfix_field fields4[] = {
	{ IPFIX_IE_SRC_V4, 4, 0 },     { IPFIX_IE_DST_V4, 4, 0 },  { IPFIX_IE_TOS, 1, 0 },
	{ IPFIX_IE_OCTET_DELTA, 8, 0 }, { IPFIX_IE_PACKET_DELTA, 8, 0 },
	{ IPFIX_IE_END_MS, 8, 0 },
};
static const ipfix_field fields6[] = {
	{ IPFIX_IE_SRC_V6, 16, 0 },     { IPFIX_IE_DST_V6, 16, 0 }, { IPFIX_IE_TOS, 1, 0 },
	{ IPFIX_IE_OCTET_DELTA, 8, 0 }, { IPFIX_IE_PACKET_DELTA, 8, 0 },
	{ IPFIX_IE_END_MS, 8, 0 },
};

static uint8_t *msg(const ipfix_field *f, size_t nf, const ipfix_flow *fl, size_t n, size_t *len)
{
	ipfix_msg m;
	ipfix_msg_begin(&m, IPFIX_VERSION, T0, T0 - 1000000, 1, 1);
	ipfix_msg_template(&m, 256, f, nf, 0);
	ipfix_msg_data(&m, 256, f, nf, 0, fl, n);
	return ipfix_msg_end(&m, len);
}

static collector *make(neto_cfg *cfg)
{
	parse(cfg);
	collector *c;
	neto_err e;
	if (collector_new(&c, cfg_agent_find(cfg, "col"), &e) != 0)
		fail_msg("%s", e.msg);
	if (collector_load_prefixes(c, prefixes, strlen(prefixes), "prefixes", &e) != 0)
		fail_msg("%s", e.msg);
	return c;
}

/* bytes of the batch's record (egress, class); fails when absent */
static uint64_t find(const flowmsg_batch *b, const char *eg, const char *cls)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->recs[i].egress, eg) == 0 && strcmp(b->recs[i].cls, cls) == 0) {
			assert_string_equal(b->recs[i].ingress, b->exporter);
			return b->recs[i].bytes;
		}
	fail_msg("no record %s,%s", eg, cls);
	return 0;
}

static void test_attribution(void **state)
{
	(void)state;
	neto_cfg cfg;
	collector *c = make(&cfg);
	assert_int_equal(collector_prefixes(c), 4);
	ipfix_addr par, lon, other;
	ipfix_addr_parse(&par, "192.0.2.1");
	ipfix_addr_parse(&lon, "2001:db8::1");
	ipfix_addr_parse(&other, "192.0.2.99");
	ipfix_flow f[5] = {
		flow("10.1.0.5", "10.2.0.9", 46, 1000, T0 + 2000),  /* LON gold */
		flow("10.1.0.5", "10.2.0.10", 46, 500, T0 + 3000),  /* LON gold, adds up */
		flow("10.1.0.6", "10.2.3.4", 0, 700, T0 + 4000),    /* AMS (longest) bronze */
		flow("10.1.0.6", "10.9.9.9", 34, 300, T0 + 4000),   /* no site prefix */
		flow("10.1.0.6", "10.1.7.7", 34, 200, T0 + 4000),   /* PAR silver (local) */
	};
	size_t len;
	uint8_t *b = msg(fields4, 6, f, 5, &len);
	neto_err e;
	assert_int_equal(collector_packet(c, &par, b, len, T0 + 5000, &e), 0);
	/* an address that is no exporter: refused */
	assert_int_equal(collector_packet(c, &other, b, len, T0 + 5000, &e), -1);
	assert_non_null(strstr(e.msg, "192.0.2.99"));
	free(b);
	/* LON exports IPv6 with its own sampling rate in the flows */
	ipfix_flow g = flow("2001:db8:1::1", "2001:db8:2::1", 46, 4000, T0 + 6000);
	b = msg(fields6, 6, &g, 1, &len);
	assert_int_equal(collector_packet(c, &lon, b, len, T0 + 6000, &e), 0);
	free(b);
	const collector_stats *st = collector_stats_get(c);
	assert_int_equal(st->flows, 6);
	assert_int_equal(st->attributed, 5);
	assert_int_equal(st->unattributed, 1);
	assert_int_equal(st->unknown_exporter, 1);

	/* nothing before the window's end plus the flush delay */
	sent s = { .n = 0 };
	assert_int_equal(collector_flush(c, T0 + W + 999, false, keep, &s, &e), 0);
	assert_int_equal(s.n, 0);
	assert_int_equal(collector_next_flush(c), T0 + W + 1000);
	assert_int_equal(collector_flush(c, T0 + W + 1000, false, keep, &s, &e), 2);
	assert_string_equal(s.topic[0], "flow.PAR");
	const flowmsg_batch *p = &s.b[0];
	assert_string_equal(p->exporter, "PAR");
	assert_int_equal(p->start_ms, T0);
	assert_int_equal(p->window_ms, W);
	assert_int_equal(p->sampling, 10); /* the configuration's */
	assert_int_equal(p->n, 3);
	assert_int_equal(find(p, "LON", "gold"), 1500);
	assert_int_equal(find(p, "AMS", "bronze"), 700);
	assert_int_equal(find(p, "PAR", "silver"), 200);
	assert_string_equal(s.topic[1], "flow.LON");
	assert_int_equal(find(&s.b[1], "LON", "gold"), 4000);
	free_sent(&s);

	/* next window: PAR sends only a template refresh, LON nothing: PAR
	 * gets an empty batch (alive), LON none (missing) */
	ipfix_msg m;
	ipfix_msg_begin(&m, IPFIX_VERSION, T0 + W, T0 - 1000000, 2, 1);
	ipfix_msg_template(&m, 256, fields4, 6, 0);
	b = ipfix_msg_end(&m, &len);
	assert_int_equal(collector_packet(c, &par, b, len, T0 + W + 5000, &e), 0);
	free(b);
	/* a flow that ended in the flushed window comes late: counted, and
	 * put in the window it arrived in */
	ipfix_flow late = flow("10.1.0.5", "10.2.0.9", 46, 111, T0 + 9000);
	b = msg(fields4, 6, &late, 1, &len);
	assert_int_equal(collector_packet(c, &lon, b, len, T0 + W + 5000, &e), 0);
	free(b);
	assert_int_equal(st->late, 1);
	assert_int_equal(collector_flush(c, T0 + 2 * W + 1000, false, keep, &s, &e), 2);
	assert_int_equal(s.b[0].n, 0);
	assert_string_equal(s.b[0].exporter, "PAR");
	assert_int_equal(s.b[1].start_ms, T0 + W);
	assert_int_equal(find(&s.b[1], "LON", "gold"), 111);
	free_sent(&s);

	char *met = collector_metrics(c);
	assert_non_null(strstr(met, "neto_collector_flows_total{agent=\"col\"} 7\n"));
	assert_non_null(strstr(met, "# TYPE neto_collector_kernel_drops_total counter\n"));
	free(met);
	collector_free(c);
	neto_cfg_free(&cfg);
}

/* Flows of one exporter at two sampling rates: one batch per rate, so the
 * leaf scales each by its own. */
static void test_sampling_batches(void **state)
{
	(void)state;
	neto_cfg cfg;
	collector *c = make(&cfg);
	ipfix_addr par;
	ipfix_addr_parse(&par, "192.0.2.1");
	ipfix_flow f[2] = { flow("10.1.0.5", "10.2.0.9", 46, 1000, T0 + 2000),
			    flow("10.1.0.5", "10.2.0.9", 46, 3000, T0 + 2000) };
	size_t len;
	uint8_t *b = ipfix_encode_v5(f, 1, T0 + 3000, T0 - 5000, 1, 0, 100, 1, &len);
	neto_err e;
	assert_int_equal(collector_packet(c, &par, b, len, T0 + 3000, &e), 0);
	free(b);
	b = ipfix_encode_v5(f + 1, 1, T0 + 3000, T0 - 5000, 2, 0, 0, 0, &len);
	assert_int_equal(collector_packet(c, &par, b, len, T0 + 3000, &e), 0);
	free(b);
	sent s = { .n = 0 };
	assert_int_equal(collector_flush(c, T0 + W, true, keep, &s, &e), 2);
	bool seen100 = false, seen10 = false;
	for (size_t i = 0; i < s.n; i++) {
		assert_int_equal(s.b[i].n, 1);
		if (s.b[i].sampling == 100) {
			seen100 = true;
			assert_int_equal(s.b[i].recs[0].bytes, 1000);
		} else if (s.b[i].sampling == 10) { /* v5 says 0: the configuration's */
			seen10 = true;
			assert_int_equal(s.b[i].recs[0].bytes, 3000);
		}
	}
	assert_true(seen100 && seen10);
	free_sent(&s);
	collector_free(c);
	neto_cfg_free(&cfg);
}

/* A flow that came in on an interface of the exporter that ingress_ifaces
 * names entered the WAN at that interface's router. */
static void test_ingress_iface(void **state)
{
	(void)state;
	neto_cfg cfg;
	collector *c = make(&cfg);
	ipfix_addr par;
	ipfix_addr_parse(&par, "192.0.2.1");
	ipfix_flow f[2] = { flow("10.1.0.5", "10.2.0.9", 46, 1000, T0 + 2000),
			    flow("10.1.0.5", "10.2.0.9", 46, 3000, T0 + 2000) };
	f[0].in_if = 7;
	f[1].in_if = 8;
	static const ipfix_field fi[] = { { IPFIX_IE_SRC_V4, 4, 0 },     { IPFIX_IE_DST_V4, 4, 0 },
					  { IPFIX_IE_TOS, 1, 0 },        { IPFIX_IE_OCTET_DELTA, 8, 0 },
					  { IPFIX_IE_INGRESS_IF, 4, 0 }, { IPFIX_IE_END_MS, 8, 0 } };
	size_t len;
	uint8_t *b = msg(fi, 6, f, 2, &len);
	neto_err e;
	assert_int_equal(collector_packet(c, &par, b, len, T0 + 3000, &e), 0);
	free(b);
	sent s = { .n = 0 };
	assert_int_equal(collector_flush(c, T0 + W, true, keep, &s, &e), 1);
	assert_int_equal(s.b[0].n, 2);
	for (size_t i = 0; i < 2; i++) {
		const flowmsg_record *r = &s.b[0].recs[i];
		if (r->bytes == 1000)
			assert_string_equal(r->ingress, "PAR2");
		else
			assert_string_equal(r->ingress, "PAR");
	}
	free_sent(&s);
	collector_free(c);
	neto_cfg_free(&cfg);
}

static int put_store(void *ctx, const char *topic, const char *key, int64_t at,
		     const char *body, size_t len, neto_err *err)
{
	return store_msg_put(ctx, topic, key, at, body, len, err);
}

/* exporter -> collector -> store -> leaf (a tree of one) -> demand matrix */
static void test_end_to_end(void **state)
{
	(void)state;
	neto_cfg cfg;
	collector *c = make(&cfg);
	store *st;
	neto_err e;
	assert_int_equal(store_open(&st, "sqlite::memory:", &e), 0);
	const neto_cfg_agent *ag = cfg_agent_find(&cfg, "col");
	flowagent_cfg fc = { .name = "col",
			     .kind = FLOWAGENT_LEAF,
			     .exporters = (const char *const *)ag->exporters,
			     .n_exporters = ag->n_exporters,
			     .window_ms = W,
			     .bits_per_unit = 1e6 };
	fc.smoothing.kind = FLOWAGENT_SMOOTH_NONE;
	flowagent *fa;
	if (flowagent_new(&fa, st, &fc, &e) != 0)
		fail_msg("%s", e.msg);
	/* the agent starts before the window */
	flowagent_tick(fa, T0 - 1, &e);
	ipfix_addr par, lon;
	ipfix_addr_parse(&par, "192.0.2.1");
	ipfix_addr_parse(&lon, "2001:db8::1");
	/* 1,250,000 bytes sampled 1 in 10 over 10 s: 10 Mbps PAR->LON gold */
	ipfix_flow f = flow("10.1.0.5", "10.2.0.9", 46, 1250000, T0 + 5000);
	size_t len;
	uint8_t *b = msg(fields4, 6, &f, 1, &len);
	assert_int_equal(collector_packet(c, &par, b, len, T0 + 5000, &e), 0);
	free(b);
	ipfix_flow g = flow("2001:db8:1::1", "10.1.2.3", 0, 125000, T0 + 5000);
	b = msg(fields4, 6, &g, 1, &len); /* v4 template: dst 10.1.2.3 */
	ipfix_addr_parse(&g.src, "10.2.0.1");
	free(b);
	b = msg(fields4, 6, &g, 1, &len);
	assert_int_equal(collector_packet(c, &lon, b, len, T0 + 5000, &e), 0);
	free(b);
	assert_int_equal(collector_flush(c, T0 + W + 1000, false, put_store, st, &e), 2);
	for (int64_t t = T0 + W + 1000; t <= T0 + W + 3000; t += 500)
		flowagent_tick(fa, t, &e);
	int64_t id, at;
	char *body = NULL, *missing = NULL;
	size_t blen;
	assert_int_equal(store_demand_latest(st, &id, &at, &body, &blen, &missing, &e), 0);
	assert_non_null(body);
	assert_int_equal(at, T0 + W);
	assert_true(missing == NULL || missing[0] == '\0');
	assert_non_null(strstr(body, "PAR,LON,gold,10\n"));
	assert_non_null(strstr(body, "LON,PAR,bronze,1\n"));
	free(body);
	free(missing);
	flowagent_free(fa);
	store_close(st);
	collector_free(c);
	neto_cfg_free(&cfg);
}

static void test_bad_prefixes(void **state)
{
	(void)state;
	neto_cfg cfg;
	collector *c = make(&cfg);
	neto_err e;
	const char *bad[] = { "10.0.0.0/8\n", "10.0.0.0/8 A B\n", "10.0.0.1/8 A\n",
			      "x/8 A\n", "10.0.0.0/8 a,b\n" };
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(collector_load_prefixes(c, bad[i], strlen(bad[i]), "p.txt", &e),
				 -1);
		assert_non_null(strstr(e.msg, "p.txt:1:"));
	}
	collector_free(c);
	neto_cfg_free(&cfg);
}

/* ---- pe_traffic ------------------------------------------------------------ */

static const char ini_pe[] =
	"[agent col]\n"
	"role = flow\n"
	"exporters = PAR,LON\n"
	"window = 10s\n"
	"smoothing = none\n"
	"listen = 127.0.0.1:0\n"
	"exporter_addrs = PAR@192.0.2.1,LON@2001:db8::1\n"
	"dscp_classes = 46:gold,34:silver\n"
	"default_class = bronze\n"
	"sampling = 10\n"
	"ingress_ifaces = PAR:7:PAR2\n"
	"pe_traffic = yes\n"
	"pe_traffic_top = 3\n";

static void test_pe_cfg(void **state)
{
	(void)state;
	neto_cfg cfg;
	neto_err e;
	assert_int_equal(cfg_parse(ini_pe, strlen(ini_pe), "t.ini", &cfg, &e), 0);
	const neto_cfg_agent *a = cfg_agent_find(&cfg, "col");
	assert_true(a->pe_traffic);
	assert_int_equal(a->pe_traffic_top, 3);
	char *out = cfg_print(&cfg, 0);
	assert_non_null(strstr(out, "pe_traffic = yes\npe_traffic_top = 3\n"));
	neto_cfg again;
	assert_int_equal(cfg_parse(out, strlen(out), "printed", &again, &e), 0);
	char *out2 = cfg_print(&again, 0);
	assert_string_equal(out, out2);
	free(out);
	free(out2);
	neto_cfg_free(&again);
	neto_cfg_free(&cfg);
	/* the default top-N; off by default */
	const char *def = "[agent a]\nrole = flow\nexporters = X\nlisten = 1.2.3.4:9\n"
			  "pe_traffic = yes\n";
	assert_int_equal(cfg_parse(def, strlen(def), "t.ini", &cfg, &e), 0);
	assert_int_equal(cfg_agent_find(&cfg, "a")->pe_traffic_top, 100000);
	neto_cfg_free(&cfg);
	parse(&cfg);
	assert_false(cfg_agent_find(&cfg, "col")->pe_traffic);
	out = cfg_print(&cfg, 0);
	assert_null(strstr(out, "pe_traffic"));
	free(out);
	neto_cfg_free(&cfg);

	struct {
		const char *text, *want;
	} bad[] = {
		{ "[agent a]\nrole = flow\nexporters = X\npe_traffic = yes\n",
		  "pe_traffic: needs listen" },
		{ "[agent a]\nrole = flow\nexporters = X\nlisten = 1.2.3.4:9\n"
		  "pe_traffic = maybe\n", "is not yes or no" },
		{ "[agent a]\nrole = flow\nexporters = X\nlisten = 1.2.3.4:9\n"
		  "pe_traffic_top = 10\n", "needs pe_traffic = yes" },
		{ "[agent a]\nrole = flow\nexporters = X\nlisten = 1.2.3.4:9\n"
		  "pe_traffic = yes\npe_traffic_top = 0\n", "pe_traffic_top: '0'" },
		{ "[agent a]\nrole = update\npe_traffic = yes\n", "not a key of update" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (cfg_parse(bad[i].text, strlen(bad[i].text), "t.ini", &cfg, &e) == 0)
			fail_msg("case %zu parsed", i);
		if (!strstr(e.msg, bad[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, bad[i].want);
	}
}

static int put_kv(void *ctx, const char *ns, const char *key, const char *body, size_t len,
		  neto_err *err)
{
	return store_kv_put(ctx, ns, key, body, len, T0, err);
}

/* the row (prefix, class, ingress) of doc's rows; its rate, -1 when absent */
static double row_rate(json_t *doc, const char *pfx, int cls, const char *ingress)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(doc, "rows"), i, r) {
		if (strcmp(json_string_value(json_object_get(r, "prefix")), pfx) == 0 &&
		    json_integer_value(json_object_get(r, "class")) == cls &&
		    strcmp(json_string_value(json_object_get(r, "ingress")), ingress) == 0)
			return json_number_value(json_object_get(r, "rate"));
	}
	return -1;
}

static json_t *read_kv(store *st, const char *key)
{
	char *body = NULL;
	size_t len;
	int64_t upd;
	neto_err e;
	if (store_kv_get(st, "pe-traffic", key, &body, &len, &upd, &e) != 0)
		fail_msg("%s", e.msg);
	assert_non_null(body);
	json_error_t je;
	json_t *doc = json_loadb(body, len, 0, &je);
	if (!doc)
		fail_msg("%s: %s", je.text, body);
	free(body);
	return doc;
}

/* Flows to no site prefix: summed per destination /24 or /48, class (by
 * dscp_classes order: gold 0, silver 1, bronze 2) and ingress, scaled by
 * the sampling rate, into kv "pe-traffic" under the agent's name; the
 * top 3 prefixes listed, the others in the remainder; site traffic still
 * goes to the leaf's batches and never into the rows. */
static void test_pe_traffic(void **state)
{
	(void)state;
	neto_cfg cfg;
	neto_err e;
	assert_int_equal(cfg_parse(ini_pe, strlen(ini_pe), "t.ini", &cfg, &e), 0);
	collector *c;
	if (collector_new(&c, cfg_agent_find(&cfg, "col"), &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(collector_load_prefixes(c, prefixes, strlen(prefixes), "p", &e), 0);
	store *st;
	assert_int_equal(store_open(&st, "sqlite::memory:", &e), 0);
	collector_set_pe_sink(c, put_kv, st);
	ipfix_addr par, lon;
	ipfix_addr_parse(&par, "192.0.2.1");
	ipfix_addr_parse(&lon, "2001:db8::1");
	static const ipfix_field fi[] = { { IPFIX_IE_SRC_V4, 4, 0 },     { IPFIX_IE_DST_V4, 4, 0 },
					  { IPFIX_IE_TOS, 1, 0 },        { IPFIX_IE_OCTET_DELTA, 8, 0 },
					  { IPFIX_IE_INGRESS_IF, 4, 0 }, { IPFIX_IE_END_MS, 8, 0 } };
	ipfix_flow f[11] = {
		flow("10.1.0.5", "198.51.100.1", 46, 100000, T0 + 2000),   /* gold */
		flow("10.1.0.6", "198.51.100.200", 46, 50000, T0 + 3000),  /* same /24 */
		flow("10.1.0.6", "198.51.100.7", 0, 20000, T0 + 3000),     /* bronze */
		flow("10.1.0.6", "198.51.100.8", 46, 30000, T0 + 3000),    /* in at PAR2 */
		flow("10.1.0.6", "203.0.113.9", 34, 90000, T0 + 4000),     /* silver */
		flow("10.1.0.6", "192.0.2.77", 0, 1000, T0 + 4000),        /* cut: 4th */
		flow("10.1.0.6", "198.18.0.1", 0, 500, T0 + 4000),         /* cut: 5th */
		flow("10.1.0.6", "10.2.0.9", 46, 7777, T0 + 4000),         /* site LON */
		flow("10.1.0.6", "224.0.0.251", 0, 999, T0 + 4000),        /* multicast */
		flow("10.1.0.6", "169.254.1.1", 0, 999, T0 + 4000),        /* link-local */
		/* exported at PAR (a border router's export toward an ISP),
		 * from a host of LON: it entered the WAN at LON */
		flow("10.2.0.7", "203.0.113.10", 34, 40000, T0 + 4000),
	};
	f[3].in_if = 7;
	size_t len;
	uint8_t *b = msg(fi, 6, f, 11, &len);
	assert_int_equal(collector_packet(c, &par, b, len, T0 + 5000, &e), 0);
	free(b);
	ipfix_flow g[3] = {
		flow("2001:db8:1::1", "2001:db8:99:ab::1", 34, 60000, T0 + 6000),
		flow("fe80::1", "ff02::1:ff00:1", 0, 72, T0 + 6000),	/* neighbour discovery */
		flow("fe80::1", "fe80::2", 0, 72, T0 + 6000),		/* link-local */
	};
	b = msg(fields6, 6, g, 3, &len);
	assert_int_equal(collector_packet(c, &lon, b, len, T0 + 6000, &e), 0);
	free(b);
	const collector_stats *cs = collector_stats_get(c);
	/* not routable (multicast, link-local): unattributed, not summed */
	assert_int_equal(cs->pe_flows, 9);
	assert_int_equal(cs->unattributed, 13);
	assert_int_equal(cs->attributed, 1);

	sent s = { .n = 0 };
	assert_int_equal(collector_flush(c, T0 + W + 1000, false, keep, &s, &e), 2);
	/* the site flow alone in the leaf's batches; LON, whose only flow
	 * left the WAN, is alive with nothing for the matrix */
	assert_int_equal(s.b[0].n, 1);
	assert_int_equal(find(&s.b[0], "LON", "gold"), 7777);
	assert_string_equal(s.b[1].exporter, "LON");
	assert_int_equal(s.b[1].n, 0);
	free_sent(&s);
	/* the window before the first packet's is flushed too (empty) */
	assert_int_equal(cs->pe_writes, 2);

	json_t *doc = read_kv(st, "col");
	assert_int_equal(json_integer_value(json_object_get(doc, "at")), T0 + W);
	/* rate = octets x sampling 10 x 8 / 10 s = octets x 8 bit/s */
	assert_true(row_rate(doc, "198.51.100.0/24", 0, "PAR") == 150000 * 8.0);
	assert_true(row_rate(doc, "198.51.100.0/24", 2, "PAR") == 20000 * 8.0);
	assert_true(row_rate(doc, "198.51.100.0/24", 0, "PAR2") == 30000 * 8.0);
	assert_true(row_rate(doc, "203.0.113.0/24", 1, "PAR") == 90000 * 8.0);
	assert_true(row_rate(doc, "203.0.113.0/24", 1, "LON") == 40000 * 8.0);
	assert_true(row_rate(doc, "2001:db8:99::/48", 1, "LON") == 60000 * 8.0);
	/* top 3 prefixes: 198.51.100.0/24 (200k), 203.0.113.0/24 (130k),
	 * 2001:db8:99::/48 (60k); the two smallest summed */
	assert_int_equal(json_array_size(json_object_get(doc, "rows")), 6);
	assert_true(row_rate(doc, "192.0.2.0/24", 2, "PAR") < 0);
	json_t *rest = json_object_get(doc, "rest");
	assert_int_equal(json_integer_value(json_object_get(rest, "prefixes")), 2);
	assert_true(json_number_value(json_object_get(rest, "rate")) == 1500 * 8.0);
	assert_int_equal(json_integer_value(json_object_get(rest, "unranked_flows")), 0);
	/* largest prefix first */
	json_t *r0 = json_array_get(json_object_get(doc, "rows"), 0);
	assert_string_equal(json_string_value(json_object_get(r0, "prefix")), "198.51.100.0/24");
	json_decref(doc);

	/* the next window: no traffic to the outside, still a (fresh) document */
	ipfix_flow h = flow("10.1.0.5", "10.2.0.9", 46, 10, T0 + W + 2000);
	b = msg(fields4, 6, &h, 1, &len);
	assert_int_equal(collector_packet(c, &par, b, len, T0 + W + 3000, &e), 0);
	free(b);
	assert_int_equal(collector_flush(c, T0 + 2 * W + 1000, false, keep, &s, &e), 1);
	free_sent(&s);
	doc = read_kv(st, "col");
	assert_int_equal(json_integer_value(json_object_get(doc, "at")), T0 + 2 * W);
	assert_int_equal(json_array_size(json_object_get(doc, "rows")), 0);
	json_decref(doc);
	assert_int_equal(cs->pe_writes, 3);

	char *met = collector_metrics(c);
	assert_non_null(strstr(met, "neto_collector_pe_flows_total{agent=\"col\"} 9\n"));
	free(met);
	store_close(st);
	collector_free(c);
	neto_cfg_free(&cfg);
}

/* The table's bound: once cap entries are held, a new key goes to the
 * remainder (unranked_flows), an existing one still adds up; a flushed
 * window's entries are forgotten, the next window's kept. */
static void test_pe_bound(void **state)
{
	(void)state;
	collector_pe *p = collector_pe_new(10, 2);
	ipfix_addr a, b, c6;
	ipfix_addr_parse(&a, "198.51.100.1");
	ipfix_addr_parse(&b, "203.0.113.1");
	ipfix_addr_parse(&c6, "2001:db8:5::1");
	collector_pe_add(p, 0, &a, 0, 0, 1000);
	collector_pe_add(p, 0, &b, 1, 0, 2000);
	collector_pe_add(p, 0, &c6, 0, 0, 4000);	/* full: to the remainder */
	collector_pe_add(p, 0, &a, 0, 0, 500);	/* existing: adds up */
	assert_int_equal(collector_pe_entries(p), 2);
	static const char *const ing[] = { "site1" };
	char *text = collector_pe_window(p, 0, 1000, ing);
	json_error_t je;
	json_t *doc = json_loads(text, 0, &je);
	assert_non_null(doc);
	assert_true(row_rate(doc, "198.51.100.0/24", 0, "site1") == 1500 * 8.0);
	assert_true(row_rate(doc, "203.0.113.0/24", 1, "site1") == 2000 * 8.0);
	json_t *rest = json_object_get(doc, "rest");
	assert_int_equal(json_integer_value(json_object_get(rest, "unranked_flows")), 1);
	assert_true(json_number_value(json_object_get(rest, "rate")) == 4000 * 8.0);
	json_decref(doc);
	free(text);
	assert_int_equal(collector_pe_entries(p), 0);
	/* many windows and prefixes: bounded, correct per window */
	collector_pe_free(p);
	p = collector_pe_new(100, 5000);
	for (uint32_t i = 0; i < 4000; i++) {
		ipfix_addr x = { .family = 4, .a = { 100, (uint8_t)(i >> 8), (uint8_t)i, 9 } };
		collector_pe_add(p, 1000, &x, 0, 0, 10);
		collector_pe_add(p, 2000, &x, 0, 0, i < 100 ? 1000 : 10);
	}
	assert_true(collector_pe_entries(p) <= 5000);
	text = collector_pe_window(p, 1000, 1000, ing);
	doc = json_loads(text, 0, &je);
	assert_int_equal(json_array_size(json_object_get(doc, "rows")), 100);
	rest = json_object_get(doc, "rest");
	/* the two windows shared the 5000 slots: 2500 prefixes each held
	 * (100 listed), the other 1500 flows of each past the cap */
	assert_int_equal(json_integer_value(json_object_get(rest, "prefixes")), 2500 - 100);
	assert_int_equal(json_integer_value(json_object_get(rest, "unranked_flows")), 1500);
	assert_true(json_number_value(json_object_get(rest, "rate")) == (2400 + 1500) * 10 * 8.0);
	assert_int_equal(collector_pe_entries(p), 2500);
	json_decref(doc);
	free(text);
	text = collector_pe_window(p, 2000, 1000, ing);
	doc = json_loads(text, 0, &je);
	rest = json_object_get(doc, "rest");
	assert_int_equal(json_integer_value(json_object_get(rest, "unranked_flows")), 1500);
	assert_true(row_rate(doc, "100.0.0.0/24", 0, "site1") == 1000 * 8.0);
	json_decref(doc);
	free(text);
	collector_pe_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cfg_keys),
		cmocka_unit_test(test_attribution),
		cmocka_unit_test(test_sampling_batches),
		cmocka_unit_test(test_ingress_iface),
		cmocka_unit_test(test_end_to_end),
		cmocka_unit_test(test_bad_prefixes),
		cmocka_unit_test(test_pe_cfg),
		cmocka_unit_test(test_pe_traffic),
		cmocka_unit_test(test_pe_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
