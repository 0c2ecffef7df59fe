/*
 * cmd_peer.c - `neto peer`: the peering decision on files. Reads the
 * peering links and egresses, the routes (text, or BMP captures of border
 * routers), the traffic and the latencies, runs one decision cycle and
 * prints the moves and the per-link loads. All I/O of the subcommand is
 * here; the parsers and the decision it calls are pure.
 */
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/argv_util.h"
#include "cmd/cmd.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "pe/decide.h"
#include "pe/io.h"


static const char usage[] =
	"usage: neto peer --peering FILE (--routes FILE | --bmp ROUTER=FILE)...\n"
	"                 --traffic FILE [--latency FILE] [--static-latency FILE]\n"
	"                 [options]\n"
	"\n"
	"Chooses, for each destination prefix and traffic class, the egress (ISP\n"
	"peer at a border router, over a peering link) its traffic leaves by: the\n"
	"lowest latency, classes in strict precedence (class 0 first), every\n"
	"peering link under the headroom where possible. Starts from BGP's own\n"
	"choice (best path over the routes) and prints the moves away from it and\n"
	"the load of each link. Formats: docs/peering.md.\n"
	"\n"
	"inputs:\n"
	"  --peering FILE         'link NAME CAPACITY' and\n"
	"                         'egress NAME ROUTER PEER-ADDRESS LINK' lines\n"
	"  --routes FILE          routes, one per line (repeatable)\n"
	"  --bmp ROUTER=FILE      a BMP stream captured from border router ROUTER\n"
	"                         (pre-policy Route Monitoring; repeatable)\n"
	"  --traffic FILE         'PREFIX CLASS RATE' lines (rate in bit/s, k/M/G/T)\n"
	"  --latency FILE         measured 'PREFIX EGRESS MS' lines\n"
	"  --static-latency FILE  fallback 'PREFIX EGRESS MS' lines, longest match\n"
	"  --default-latency MS   when neither knows a latency (default 100)\n"
	"\n"
	"decision:\n"
	"  --headroom F           fraction of capacity a link may carry (default 0.95)\n"
	"  --min-gain MS          a latency move must save more than this (default 5)\n"
	"  --max-moves N          latency moves per cycle (default 1000)\n"
	"  --split                split a prefix into more-specifics when it alone\n"
	"                         fits on no link (off by default)\n"
	"  --split-bits N         more-specific bits, 1..4 (default 1: halves)\n"
	"  --exact SECONDS        also solve the exact model (GLPK MIP, time limit)\n"
	"                         and print its latency against the heuristic's\n"
	"\n"
	"output:\n"
	"  --quiet                no progress on standard error\n"
	"  --all-moves            print every move (default: the first 50)\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 when every link is under the headroom, 1 when some link\n"
	"stays above it, 2 on bad input.\n";

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

typedef struct peer_opts {
	const char *peering, *traffic;
	const char **routes, **bmp, **latency, **static_latency;
	size_t n_routes, n_bmp, n_latency, n_static;
	double default_lat, exact_s;
	bool quiet, all_moves;
	pe_opts d;
} peer_opts;


/* 0, 1 for --help, -1 (message printed) on a bad option. */
static int parse_opts(peer_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "peering", required_argument, NULL, 'p' },
		{ "routes", required_argument, NULL, 'r' },
		{ "bmp", required_argument, NULL, 'b' },
		{ "traffic", required_argument, NULL, 't' },
		{ "latency", required_argument, NULL, 'l' },
		{ "static-latency", required_argument, NULL, 's' },
		{ "default-latency", required_argument, NULL, 'D' },
		{ "headroom", required_argument, NULL, 'H' },
		{ "min-gain", required_argument, NULL, 'g' },
		{ "max-moves", required_argument, NULL, 'm' },
		{ "split", no_argument, NULL, 'S' },
		{ "split-bits", required_argument, NULL, 'B' },
		{ "exact", required_argument, NULL, 'x' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "all-moves", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	memset(o, 0, sizeof *o);
	pe_opts_default(&o->d);
	o->default_lat = 100;
	o->exact_s = -1;
	optind = 1;
	opterr = 0;
	int c, li = 0;
	double v;
	/* argv[-1] is the subcommand's name (main passes argv + 2), which
	 * getopt takes for the program's */
	while ((c = getopt_long(argc + 1, argv - 1, "h", lo, &li)) != -1) {
		switch (c) {
		case 'p': o->peering = optarg; break;
		case 'r': cli_push(&o->routes, &o->n_routes, optarg); break;
		case 'b':
			if (strchr(optarg, '=') == NULL || optarg[0] == '=') {
				fprintf(stderr, "neto peer: --bmp wants ROUTER=FILE, got '%s'\n",
					optarg);
				return -1;
			}
			cli_push(&o->bmp, &o->n_bmp, optarg);
			break;
		case 't': o->traffic = optarg; break;
		case 'l': cli_push(&o->latency, &o->n_latency, optarg); break;
		case 's': cli_push(&o->static_latency, &o->n_static, optarg); break;
		case 'D':
			if (!cli_num(optarg, &o->default_lat) || o->default_lat < 0)
				goto bad;
			break;
		case 'H':
			if (!cli_num(optarg, &o->d.headroom) || o->d.headroom <= 0 || o->d.headroom > 1)
				goto bad;
			break;
		case 'g':
			if (!cli_num(optarg, &o->d.min_gain_ms) || o->d.min_gain_ms < 0)
				goto bad;
			break;
		case 'm':
			if (!cli_num(optarg, &v) || v < 0 || v != floor(v))
				goto bad;
			o->d.max_moves = (size_t)v;
			break;
		case 'S': o->d.split = true; break;
		case 'B':
			if (!cli_num(optarg, &v) || v < 1 || v > 4 || v != floor(v))
				goto bad;
			o->d.split_bits = (unsigned)v;
			break;
		case 'x':
			if (!cli_num(optarg, &o->exact_s) || o->exact_s <= 0)
				goto bad;
			break;
		case 'q': o->quiet = true; break;
		case 'a': o->all_moves = true; break;
		case 'h': return 1;
		default:
			fprintf(stderr, "neto peer: unknown or incomplete option '%s'\n",
				argv[optind - 2]);
			return -1;
		}
		continue;
	bad:
		fprintf(stderr, "neto peer: bad value '%s' for --%s\n", optarg, lo[li].name);
		return -1;
	}
	if (optind - 1 < argc) {
		fprintf(stderr, "neto peer: unexpected argument '%s'\n", argv[optind - 1]);
		return -1;
	}
	if (o->peering == NULL || o->traffic == NULL || (o->n_routes == 0 && o->n_bmp == 0)) {
		fprintf(stderr, "neto peer: --peering, --traffic and --routes or --bmp are "
				"required\n");
		return -1;
	}
	return 0;
}

static int read_text(const char *path, char **buf, size_t *len)
{
	neto_err err;
	if (neto_file_read(path, buf, len, &err) != 0) {
		fprintf(stderr, "neto peer: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static void progress(const peer_opts *o, double t0, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void progress(const peer_opts *o, double t0, const char *fmt, ...)
{
	if (o->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "neto peer: [%6.2fs] ", mono() - t0);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int load(const peer_opts *o, pe_input *in, double t0)
{
	neto_err err;
	char *buf;
	size_t len;
	in->default_lat = (float)o->default_lat;
	if (read_text(o->peering, &buf, &len) != 0)
		return -1;
	int rc = pe_parse_peering(in, buf, len, o->peering, &err);
	free(buf);
	if (rc != 0)
		goto fail;
	for (size_t i = 0; i < o->n_routes; i++) {
		if (read_text(o->routes[i], &buf, &len) != 0)
			return -1;
		rc = pe_parse_routes(in, buf, len, o->routes[i], &err);
		free(buf);
		if (rc != 0)
			goto fail;
		progress(o, t0, "%s: %zu route lines so far, %zu prefixes", o->routes[i],
			 in->n_route_lines, pe_rib_n_prefixes(in->rib));
	}
	for (size_t i = 0; i < o->n_bmp; i++) {
		const char *eq = strchr(o->bmp[i], '=');
		char *router = neto_strndup(o->bmp[i], (size_t)(eq - o->bmp[i]));
		if (read_text(eq + 1, &buf, &len) != 0) {
			free(router);
			return -1;
		}
		rc = pe_read_bmp(in, router, (const uint8_t *)buf, len, eq + 1, &err);
		free(buf);
		free(router);
		if (rc != 0)
			goto fail;
		progress(o, t0, "%s: %zu BMP messages so far, %zu prefixes, %zu routes", eq + 1,
			 in->n_bmp_msgs, pe_rib_n_prefixes(in->rib), pe_rib_n_routes(in->rib));
	}
	if (read_text(o->traffic, &buf, &len) != 0)
		return -1;
	rc = pe_parse_traffic(in, buf, len, o->traffic, &err);
	free(buf);
	if (rc != 0)
		goto fail;
	progress(o, t0, "%s: %zu demands (%zu without a route)", o->traffic, in->n_dem,
		 in->n_traffic_unrouted);
	for (size_t i = 0; i < o->n_static + o->n_latency; i++) {
		bool st = i < o->n_static;
		const char *f = st ? o->static_latency[i] : o->latency[i - o->n_static];
		if (read_text(f, &buf, &len) != 0)
			return -1;
		rc = pe_parse_latency(in, buf, len, f, st, &err);
		free(buf);
		if (rc != 0)
			goto fail;
	}
	return 0;
fail:
	fprintf(stderr, "neto peer: %s\n", err.msg);
	return -1;
}

static const char *ename(const pe_input *in, uint32_t e)
{
	return e == PE_NONE ? "-" : in->egresses[e];
}

static void print_result(const peer_opts *o, const pe_input *in, const pe_problem *p,
			 const pe_result *r)
{
	printf("demands %zu, traffic %.6g bit/s, unroutable %zu\n", p->n_dem, r->rate_sum,
	       r->n_unroutable);
	printf("moves %zu: latency %zu, overload %zu, withdrawn %zu, split %zu; held back by "
	       "the cap %zu\n", r->n_moves, r->n_latency_moves, r->n_relief_moves,
	       r->n_withdrawn_moves, r->n_splits, r->n_capped);
	printf("mean latency %.3f ms (traffic-weighted)\n",
	       r->rate_sum > 0 ? r->lat_sum / r->rate_sum : 0.0);
	size_t shown = o->all_moves ? r->n_moves : (r->n_moves < 50 ? r->n_moves : 50);
	for (size_t i = 0; i < shown; i++) {
		const pe_move *m = &r->moves[i];
		const pe_demand *d = &p->dem[m->dem];
		char pf[80];
		int fam;
		uint8_t addr[16], len;
		pe_rib_prefix(in->rib, d->pfx, &fam, addr, &len);
		pe_prefix_str(fam, addr, len, pf, sizeof pf);
		printf("move %s class %u %s -> %s because %s", pf, d->cls, ename(in, m->from),
		       ename(in, m->to), pe_reason_name(m->reason));
		if (m->reason == PE_OVERLOAD || m->reason == PE_SPLIT)
			printf(" on %s", in->links[m->link]);
		printf(", %.1f -> %.1f ms, %.6g bit/s\n", (double)m->lat_from, (double)m->lat_to,
		       d->rate);
	}
	if (shown < r->n_moves)
		printf("... %zu more moves (--all-moves)\n", r->n_moves - shown);
	for (size_t i = 0; i < r->n_splits; i++) {
		const pe_split *s = &r->splits[i];
		const pe_demand *d = &p->dem[s->dem];
		int fam;
		uint8_t addr[16], len;
		pe_rib_prefix(in->rib, d->pfx, &fam, addr, &len);
		for (unsigned k = 0; k < 1u << s->bits; k++) {
			/* more-specific k: the next bits of the address set to k */
			uint8_t a[16];
			memcpy(a, addr, 16);
			for (unsigned b = 0; b < s->bits; b++) {
				unsigned bit = len + b;
				if (k >> (s->bits - 1 - b) & 1)
					a[bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
			}
			char pf[80];
			pe_prefix_str(fam, a, (uint8_t)(len + s->bits), pf, sizeof pf);
			printf("split %s class %u -> %s\n", pf, d->cls, ename(in, s->egress[k]));
		}
	}
	for (size_t l = 0; l < p->n_links; l++) {
		double lim = o->d.headroom * p->cap[l];
		printf("link %s load %.6g capacity %.6g utilisation %.1f%%%s\n", in->links[l],
		       r->load[l], p->cap[l], p->cap[l] > 0 ? 100 * r->load[l] / p->cap[l] : 0.0,
		       r->load[l] > lim * (1 + 1e-9) ? " OVER HEADROOM" : "");
	}
}

int cmd_peer(int argc, char **argv)
{
	peer_opts o;
	int rc = parse_opts(&o, argc, argv);
	if (rc != 0) {
		if (rc > 0)
			fputs(usage, stdout);
		else
			fputs("(see neto peer --help)\n", stderr);
		free(o.routes);
		free(o.bmp);
		free(o.latency);
		free(o.static_latency);
		return rc > 0 ? 0 : 2;
	}
	double t0 = mono();
	pe_input in;
	pe_input_init(&in);
	pe_problem p;
	pe_state st;
	pe_state_init(&st);
	pe_result r;
	memset(&r, 0, sizeof r);
	neto_err err;
	int status = 2;
	if (load(&o, &in, t0) != 0)
		goto out;
	if (pe_input_build(&in, &p, &err) != 0) {
		fprintf(stderr, "neto peer: %s\n", err.msg);
		goto out;
	}
	progress(&o, t0, "%zu prefixes, %zu candidate egresses (%zu latencies static, %zu "
		 "default), %zu routes from peers no egress names", p.n_pfx,
		 (size_t)p.cand_off[p.n_pfx], in.n_lat_static, in.n_lat_default, in.n_unmapped);
	double t1 = mono();
	if (pe_decide(&p, &o.d, &st, 0, &r, &err) != 0) {
		fprintf(stderr, "neto peer: %s\n", err.msg);
		goto out;
	}
	progress(&o, t0, "decided in %.3f s", mono() - t1);
	print_result(&o, &in, &p, &r);
	status = r.n_overloaded > 0 ? 1 : 0;
	if (o.exact_s > 0) {
		pe_exact_result x;
		if (pe_exact(&p, o.d.headroom, o.exact_s, &x, &err) != 0) {
			fprintf(stderr, "neto peer: %s\n", err.msg);
			status = 2;
			goto out;
		}
		static const char *const sn[] = { "optimal", "feasible (time limit)", "infeasible",
						  "no solution in time" };
		printf("exact: %s", sn[x.status]);
		if (x.status <= PE_EXACT_FEASIBLE && x.lat_sum > 0)
			printf(", mean latency %.3f ms, heuristic/exact %.4f",
			       r.rate_sum > 0 ? x.lat_sum / r.rate_sum : 0.0, r.lat_sum / x.lat_sum);
		printf("\n");
		pe_exact_free(&x);
	}
out:
	pe_result_free(&r);
	pe_state_free(&st);
	pe_input_free(&in);
	free(o.routes);
	free(o.bmp);
	free(o.latency);
	free(o.static_latency);
	return status;
}
