/*
 * lab_isp.c - the pure half of the lab's ISPs (lab_isp.h): the --isps text
 * format, each ISP's generated table, and the configuration texts.
 *
 * The table is built to look like what a border router hears from its
 * transit providers, at a size a lab can hold: one universe of disjoint
 * prefixes, each with an origin AS, shared by every ISP, so that the same
 * prefix arrives from several ISPs with paths of different lengths (what
 * makes the choice of egress interesting). A prefix's path through an ISP
 * depends only on the ISP's seed and the origin AS, as in the Internet,
 * where the prefixes of one origin share a path. Everything comes from a
 * splitmix64 stream: the same file gives the same tables on any machine.
 *
 * Configurations are written with open_memstream: a table of 200,000
 * routes is a few megabytes of BIRD configuration.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_isp.h"
#include "lib/mem.h"
#include "lib/text.h"
#include "pe/io.h"

/* ---- the --isps format ---------------------------------------------------- */

/* ISP names have no '-': links and egresses are named ISP-SITE, which must
 * stay unique whatever the site names are. */

static bool name_ok(neto_span s)
{
	if (s.len == 0 || s.len > LAB_ISP_NAME_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		char ch = s.p[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_'))
			return false;
	}
	return true;
}

static int find_isp(const lab_isps *c, neto_span s)
{
	for (size_t i = 0; i < c->n_isps; i++)
		if (strlen(c->isps[i].name) == s.len && memcmp(c->isps[i].name, s.p, s.len) == 0)
			return (int)i;
	return -1;
}

static int parse_isp(lab_isps *c, const neto_span *f, size_t n, const char *fname,
		     unsigned line, neto_err *err)
{
	char tmp[64];
	if (n < 5 || n > 6)
		return neto_err_at(err, fname, line,
				   "expected 'isp NAME AS LATENCY_MS PREFIXES [seed=N]'");
	if (!name_ok(f[1]))
		return neto_err_at(err, fname, line,
				   "bad ISP name '%s' (1 to %d of A-Z a-z 0-9 _)",
				   neto_span_str(f[1], tmp, sizeof tmp), LAB_ISP_NAME_MAX);
	if (find_isp(c, f[1]) >= 0)
		return neto_err_at(err, fname, line, "ISP '%s' twice",
				   neto_span_str(f[1], tmp, sizeof tmp));
	if (c->n_isps == LAB_ISP_MAX)
		return neto_err_at(err, fname, line, "more than %d ISPs", LAB_ISP_MAX);
	lab_isp isp;
	memset(&isp, 0, sizeof isp);
	memcpy(isp.name, f[1].p, f[1].len);
	if (!neto_span_to_u32(f[2], &isp.as) || isp.as == 0 || isp.as == 23456 ||
	    isp.as == LAB_ISP_WAN_AS)
		return neto_err_at(err, fname, line,
				   "bad AS '%s' (1 .. 4294967295, not 23456, not the WAN's %u)",
				   neto_span_str(f[2], tmp, sizeof tmp), LAB_ISP_WAN_AS);
	if (!neto_span_to_double(f[3], &isp.latency_ms) || isp.latency_ms < 0 ||
	    isp.latency_ms > LAB_ISP_LATENCY_MAX)
		return neto_err_at(err, fname, line, "bad latency '%s' (0 .. %g ms)",
				   neto_span_str(f[3], tmp, sizeof tmp), LAB_ISP_LATENCY_MAX);
	if (!neto_span_to_u32(f[4], &isp.n_prefixes) || isp.n_prefixes == 0 ||
	    isp.n_prefixes > LAB_ISP_PREFIXES_MAX)
		return neto_err_at(err, fname, line, "bad prefix count '%s' (1 .. %u)",
				   neto_span_str(f[4], tmp, sizeof tmp), LAB_ISP_PREFIXES_MAX);
	isp.seed = c->n_isps + 1;
	if (n == 6) {
		neto_span v = f[5];
		if (v.len < 6 || memcmp(v.p, "seed=", 5) != 0)
			return neto_err_at(err, fname, line, "unknown option '%s' (seed=N)",
					   neto_span_str(v, tmp, sizeof tmp));
		v.p += 5;
		v.len -= 5;
		if (!neto_span_to_u64(v, &isp.seed))
			return neto_err_at(err, fname, line, "bad seed '%s'",
					   neto_span_str(v, tmp, sizeof tmp));
	}
	for (size_t i = 0; i < c->n_isps; i++)
		if (c->isps[i].as == isp.as)
			return neto_err_at(err, fname, line, "AS %u is ISP %s's already", isp.as,
					   c->isps[i].name);
	c->isps = neto_reallocarray(c->isps, c->n_isps + 1, sizeof *c->isps);
	c->isps[c->n_isps++] = isp;
	return 0;
}

static int parse_peering(lab_isps *c, const neto_span *f, size_t n, const char *fname,
			 unsigned line, neto_err *err)
{
	char tmp[64];
	if (n != 4)
		return neto_err_at(err, fname, line, "expected 'peering ISP BORDER-SITE CAPACITY'");
	int isp = find_isp(c, f[1]);
	if (isp < 0)
		return neto_err_at(err, fname, line, "unknown ISP '%s' (declare it first)",
				   neto_span_str(f[1], tmp, sizeof tmp));
	lab_peering pe;
	memset(&pe, 0, sizeof pe);
	pe.isp = (uint32_t)isp;
	if (f[2].len >= sizeof pe.site)
		return neto_err_at(err, fname, line, "site name longer than %zu",
				   sizeof pe.site - 1);
	memcpy(pe.site, f[2].p, f[2].len);
	if (!pe_parse_rate(f[3].p, f[3].len, &pe.capacity) || !(pe.capacity > 0) ||
	    pe.capacity > 1e15)
		return neto_err_at(err, fname, line,
				   "bad capacity '%s' (bit/s, suffix k, M, G, T)",
				   neto_span_str(f[3], tmp, sizeof tmp));
	for (size_t k = 0; k < c->n_peerings; k++)
		if (c->peerings[k].isp == pe.isp && strcmp(c->peerings[k].site, pe.site) == 0)
			return neto_err_at(err, fname, line, "ISP %s peers with %s twice",
					   c->isps[isp].name, pe.site);
	if (c->n_peerings == LAB_ISP_PEERING_MAX)
		return neto_err_at(err, fname, line, "more than %d peerings", LAB_ISP_PEERING_MAX);
	c->peerings = neto_reallocarray(c->peerings, c->n_peerings + 1, sizeof *c->peerings);
	c->peerings[c->n_peerings++] = pe;
	return 0;
}

int lab_isps_parse(lab_isps *out, const char *buf, size_t len, const char *fname,
		   neto_err *err)
{
	memset(out, 0, sizeof *out);
	if (neto_text_check_nul(buf, len, fname, err) != 0)
		return -1;
	neto_lines c;
	neto_lines_init(&c, buf, len);
	neto_span line;
	while (neto_lines_next_data(&c, &line)) {
		neto_span f[8];
		size_t n = neto_split(line, 0, f, 7);
		if (n > 7)
			return neto_err_at(err, fname, c.lineno, "too many fields");
		int rc;
		if (neto_span_eq(f[0], "isp"))
			rc = parse_isp(out, f, n, fname, c.lineno, err);
		else if (neto_span_eq(f[0], "peering"))
			rc = parse_peering(out, f, n, fname, c.lineno, err);
		else {
			char tmp[64];
			rc = neto_err_at(err, fname, c.lineno,
					 "unknown line '%s' (isp or peering)",
					 neto_span_str(f[0], tmp, sizeof tmp));
		}
		if (rc != 0)
			return -1;
	}
	if (out->n_isps == 0)
		return neto_err_at(err, fname, 0, "no ISP");
	for (size_t i = 0; i < out->n_isps; i++) {
		size_t k = 0;
		while (k < out->n_peerings && out->peerings[k].isp != i)
			k++;
		if (k == out->n_peerings)
			return neto_err_at(err, fname, 0, "ISP %s has no peering",
					   out->isps[i].name);
	}
	return 0;
}

void lab_isps_free(lab_isps *c)
{
	free(c->isps);
	free(c->peerings);
	memset(c, 0, sizeof *c);
}

int lab_isps_resolve(lab_isps *c, const lab_plan *p, neto_err *err)
{
	for (size_t k = 0; k < c->n_peerings; k++) {
		lab_peering *pe = &c->peerings[k];
		uint32_t j = 0;
		while (j < p->n_sites && strcmp(p->sites[j].host, pe->site) != 0)
			j++;
		if (j == p->n_sites)
			return neto_err_set(err, "peering %s %s: no site %s in the topology",
					    c->isps[pe->isp].name, pe->site, pe->site);
		pe->site_ix = j;
	}
	return 0;
}

/* ---- generated tables --------------------------------------------------------- */

static uint64_t mix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Prefix lengths in per mille: a rough picture of the IPv4 table, where
 * /24s are about 60% and /16 .. /23 share most of the rest. */
static const struct { uint8_t len; uint16_t permille; } len_mix[] = {
	{ 24, 580 }, { 23, 90 }, { 22, 120 }, { 21, 60 }, { 20, 60 }, { 19, 35 },
	{ 18, 20 }, { 17, 10 }, { 16, 20 }, { 15, 3 }, { 14, 2 },
};

/* AS path lengths after the ISP's own AS, in per cent: mostly 2 to 3. */
static const uint8_t path_mix[LAB_ISP_PATH_MAX] = { 10, 35, 33, 15, 7 };

#define UNIVERSE_START 0x14000000u	/* 20.0.0.0 */
#define UNIVERSE_END 0x64000000u	/* 100.0.0.0: below 100.64.0.0/10 */

static bool as_taken(const lab_isps *c, uint32_t as)
{
	if (as == LAB_ISP_WAN_AS || as == 23456)
		return true;
	for (size_t i = 0; i < c->n_isps; i++)
		if (c->isps[i].as == as)
			return true;
	return false;
}

static int route_cmp(const void *a, const void *b)
{
	const lab_isp_route *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int lab_isps_generate(const lab_isps *c, lab_isp_table *tables, neto_err *err)
{
	size_t sum = 0, max = 0;
	for (size_t i = 0; i < c->n_isps; i++) {
		tables[i].routes = NULL;
		tables[i].n = 0;
		sum += c->isps[i].n_prefixes;
		if (c->isps[i].n_prefixes > max)
			max = c->isps[i].n_prefixes;
	}
	/* the universe: on average 2.3 ISPs offer each prefix */
	size_t u = (sum * 10 + 22) / 23;
	if (u < max)
		u = max;
	if (u > LAB_ISP_PREFIXES_MAX)
		u = LAB_ISP_PREFIXES_MAX;
	if (u < max)
		return neto_err_set(err, "more prefixes than %u", LAB_ISP_PREFIXES_MAX);
	uint32_t *addr = neto_calloc(u, sizeof *addr);
	uint8_t *plen = neto_calloc(u, 1);
	uint32_t *origin = neto_calloc(u, sizeof *origin);
	uint64_t s = 0x6e65746f2d697370ull;	/* the universe's own stream */
	uint64_t cur = UNIVERSE_START;
	uint32_t n_origins = (uint32_t)(u / 3 + 1);
	for (size_t j = 0; j < u; j++) {
		uint32_t r = (uint32_t)(mix64(&s) % 1000), acc = 0;
		size_t m = 0;
		while (m + 1 < sizeof len_mix / sizeof len_mix[0] &&
		       r >= acc + len_mix[m].permille)
			acc += len_mix[m++].permille;
		uint64_t size = 1ull << (32 - len_mix[m].len);
		cur = (cur + size - 1) & ~(size - 1);
		if (cur + size > UNIVERSE_END) {
			free(addr);
			free(plen);
			free(origin);
			return neto_err_set(err, "the generated table outgrew its address range");
		}
		addr[j] = (uint32_t)cur;
		plen[j] = len_mix[m].len;
		cur += size + (mix64(&s) % 4) * 256;
		uint32_t o;
		do
			o = 10000 + (uint32_t)(mix64(&s) % n_origins % 50000);
		while (as_taken(c, o));
		origin[j] = o;
	}
	uint32_t *idx = neto_calloc(u, sizeof *idx);
	for (size_t i = 0; i < c->n_isps; i++) {
		const lab_isp *isp = &c->isps[i];
		uint64_t rs = isp->seed * 0x9e3779b97f4a7c15ull + 1;
		for (size_t j = 0; j < u; j++)
			idx[j] = (uint32_t)j;
		size_t n = isp->n_prefixes;
		lab_isp_table *t = &tables[i];
		t->routes = neto_calloc(n, sizeof *t->routes);
		t->n = n;
		for (size_t j = 0; j < n; j++) {
			size_t pick = j + (size_t)(mix64(&rs) % (u - j));
			uint32_t v = idx[pick];
			idx[pick] = idx[j];
			idx[j] = v;
			lab_isp_route *r = &t->routes[j];
			r->addr = addr[v];
			r->len = plen[v];
			/* the path: a function of (seed, origin) only */
			uint64_t ps = isp->seed ^ ((uint64_t)origin[v] << 20);
			uint32_t pr = (uint32_t)(mix64(&ps) % 100), pacc = 0;
			uint8_t L = 1;
			while (L < LAB_ISP_PATH_MAX && pr >= pacc + path_mix[L - 1])
				pacc += path_mix[L++ - 1];
			r->path_len = L;
			r->path[L - 1] = origin[v];
			for (uint8_t h = 0; h + 1 < L; h++) {
				uint32_t as;
				bool dup;
				do {
					as = 1000 + (uint32_t)(mix64(&ps) % 9000);
					dup = as_taken(c, as);
					for (uint8_t g = 0; g < h && !dup; g++)
						dup = r->path[g] == as;
				} while (dup);
				r->path[h] = as;
			}
		}
		qsort(t->routes, t->n, sizeof *t->routes, route_cmp);
	}
	free(idx);
	free(addr);
	free(plen);
	free(origin);
	return 0;
}

void lab_isp_table_free(lab_isp_table *t)
{
	free(t->routes);
	t->routes = NULL;
	t->n = 0;
}

/* ---- configurations ------------------------------------------------------------ */

void lab_peering_addr(uint32_t k, bool isp_side, char *out, size_t n)
{
	snprintf(out, n, "10.250.%u.%u", (k + 1) & 255, isp_side ? 2 : 1);
}

/* Closes an open_memstream stream: *buf is set only then. */
static char *mem_close(FILE *f, char **buf)
{
	if (fclose(f) != 0)
		abort();	/* out of memory: mem.h's policy */
	return *buf;
}

char *lab_isp_bird_conf(const lab_isps *c, uint32_t i, const lab_isp_table *t,
			const char *rundir)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();	/* out of memory: mem.h's policy */
	const lab_isp *isp = &c->isps[i];
	char a[24], b[24];
	uint32_t first = 0;
	while (c->peerings[first].isp != i)
		first++;	/* lab_isps_parse: every ISP has one */
	lab_peering_addr(first, true, a, sizeof a);
	fprintf(f, "# ISP %s (AS %u), written by neto lab up\n", isp->name, isp->as);
	fprintf(f, "log \"%s/bird.log\" { info, warning, error, fatal };\n", rundir);
	fprintf(f, "router id %s;\n", a);
	fprintf(f, "protocol device { }\n");
	/* the table: blackhole statics (the addresses are local routes in
	 * the kernel, not BIRD's business), each with the path beyond the
	 * ISP, origin last (prepend builds it from the origin outwards) */
	fprintf(f, "protocol static announced {\n  ipv4;\n");
	for (size_t j = 0; j < t->n; j++) {
		const lab_isp_route *r = &t->routes[j];
		fprintf(f, "  route %u.%u.%u.%u/%u blackhole {", r->addr >> 24, (r->addr >> 16) & 255,
			(r->addr >> 8) & 255, r->addr & 255, r->len);
		for (int h = r->path_len - 1; h >= 0; h--)
			fprintf(f, " bgp_path.prepend(%u);", r->path[h]);
		fprintf(f, " };\n");
	}
	fprintf(f, "}\n");
	for (size_t k = 0; k < c->n_peerings; k++) {
		const lab_peering *pe = &c->peerings[k];
		if (pe->isp != i)
			continue;
		lab_peering_addr((uint32_t)k, true, a, sizeof a);
		lab_peering_addr((uint32_t)k, false, b, sizeof b);
		fprintf(f, "protocol bgp p%zu {\n", k + 1);
		fputs("  description \"", f);
		for (const char *ch = pe->site; *ch; ch++)	/* a BIRD string */
			fputc(*ch == '"' || *ch == '\\' ? '_' : *ch, f);
		fputs("\";\n", f);
		fprintf(f, "  local %s as %u;\n  neighbor %s as %u;\n", a, isp->as, b,
			LAB_ISP_WAN_AS);
		fprintf(f, "  hold time 9;\n  keepalive time 3;\n  connect retry time 2;\n");
		fprintf(f, "  ipv4 { import none; export filter { bgp_origin = ORIGIN_IGP; "
			   "accept; }; };\n}\n");
	}
	return mem_close(f, &buf);
}

static void rid(uint32_t s, char *out, size_t n)
{
	snprintf(out, n, "10.255.%u.%u", (s + 1) >> 8, (s + 1) & 255);
}

char *lab_isp_border_conf(const lab_isps *c, const lab_plan *p, uint32_t s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();	/* out of memory: mem.h's policy */
	char id[24], a[24];
	rid(s, id, sizeof id);
	unsigned n = s + 1;
	fprintf(f, "! border site %s: BGP, written by neto lab up --isps\n", p->sites[s].host);
	/* nothing learned from one ISP goes to another: the WAN is no transit */
	fprintf(f, "route-map neto-isp-out deny 10\nexit\n!\n");
	fprintf(f, "router bgp %u\n", LAB_ISP_WAN_AS);
	fprintf(f, " bgp router-id %s\n", id);
	fprintf(f, " no bgp ebgp-requires-policy\n no bgp network import-check\n");
	fprintf(f, " timers bgp 3 9\n");
	for (size_t k = 0; k < c->n_peerings; k++) {
		const lab_peering *pe = &c->peerings[k];
		if (pe->site_ix != s)
			continue;
		lab_peering_addr((uint32_t)k, true, a, sizeof a);
		fprintf(f, " neighbor %s remote-as %u\n", a, c->isps[pe->isp].as);
		fprintf(f, " neighbor %s description isp %s\n", a, c->isps[pe->isp].name);
	}
	/* iBGP: the other border routers (full mesh over lo), and neto */
	bool *seen = neto_calloc(p->n_sites, sizeof *seen);
	for (size_t k = 0; k < c->n_peerings; k++) {
		uint32_t o = c->peerings[k].site_ix;
		if (o == s || seen[o])
			continue;
		seen[o] = true;
		rid(o, a, sizeof a);
		fprintf(f, " neighbor %s remote-as %u\n", a, LAB_ISP_WAN_AS);
		fprintf(f, " neighbor %s description border %s\n", a, p->sites[o].host);
		fprintf(f, " neighbor %s update-source %s\n", a, id);
	}
	fprintf(f, " neighbor 10.254.%u.2 remote-as %u\n", n, LAB_ISP_WAN_AS);
	fprintf(f, " neighbor 10.254.%u.2 description neto\n", n);
	fprintf(f, " neighbor 10.254.%u.2 passive\n", n);
	fprintf(f, " address-family ipv4 unicast\n");
	/* pre-policy routes over BMP need the Adj-RIB-In kept (docs/peering.md) */
	for (size_t k = 0; k < c->n_peerings; k++) {
		if (c->peerings[k].site_ix != s)
			continue;
		lab_peering_addr((uint32_t)k, true, a, sizeof a);
		fprintf(f, "  neighbor %s soft-reconfiguration inbound\n", a);
		fprintf(f, "  neighbor %s route-map neto-isp-out out\n", a);
	}
	for (uint32_t o = 0; o < p->n_sites; o++) {
		if (!seen[o])
			continue;
		rid(o, a, sizeof a);
		fprintf(f, "  neighbor %s soft-reconfiguration inbound\n", a);
	}
	free(seen);
	fprintf(f, "  neighbor 10.254.%u.2 soft-reconfiguration inbound\n", n);
	fprintf(f, " exit-address-family\n");
	fprintf(f, " bmp targets neto\n");
	fprintf(f, "  bmp connect 10.254.%u.2 port %d min-retry 100 max-retry 1000\n", n,
		LAB_ISP_BMP_PORT);
	fprintf(f, "  bmp monitor ipv4 unicast pre-policy\n");
	fprintf(f, " exit\nexit\n!\n");
	/* next hops and iBGP peers reachable from every site: IS-IS carries
	 * the peering subnets and lo's IPv4 address, passively */
	fprintf(f, "interface lo\n ip router isis neto\nexit\n");
	/* sites without BGP send IPv4 toward their nearest border router,
	 * whose BGP picks the exit (docs/lab.md: borders should be adjacent) */
	fprintf(f, "router isis neto\n default-information originate ipv4 level-2 always\nexit\n");
	for (size_t k = 0; k < c->n_peerings; k++) {
		const lab_peering *pe = &c->peerings[k];
		if (pe->site_ix != s)
			continue;
		fprintf(f, "interface isp%u\n ip router isis neto\n isis passive\nexit\n",
			pe->isp + 1);
	}
	return mem_close(f, &buf);
}

char *lab_isp_peering_file(const lab_isps *c, const lab_plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		abort();	/* out of memory: mem.h's policy */
	fprintf(f, "# peering of lab %s (docs/peering.md), written by neto lab up --isps\n"
		   "# links at their shaped capacity (x %g)\n", p->prefix, p->scale);
	for (size_t k = 0; k < c->n_peerings; k++) {
		const lab_peering *pe = &c->peerings[k];
		double rate = pe->capacity * p->scale;
		if (rate < LAB_MIN_RATE_BPS)
			rate = LAB_MIN_RATE_BPS;
		fprintf(f, "link %s-%s %.0f\n", c->isps[pe->isp].name, p->sites[pe->site_ix].host,
			rate);
	}
	for (size_t k = 0; k < c->n_peerings; k++) {
		const lab_peering *pe = &c->peerings[k];
		char a[24];
		lab_peering_addr((uint32_t)k, true, a, sizeof a);
		const char *isp = c->isps[pe->isp].name, *site = p->sites[pe->site_ix].host;
		fprintf(f, "egress %s-%s %s %s %s-%s\n", isp, site, site, a, isp, site);
	}
	return mem_close(f, &buf);
}
