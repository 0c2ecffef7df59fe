/*
 * report.c - summaries and renderings of an allocation (see report.h).
 */
#include "te/report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "te/srv6.h"

void te_report_build(te_report *r, const te_problem *p, const double *rate, double secs,
		     const char *engine, uint32_t msd)
{
	memset(r, 0, sizeof *r);
	r->p = p;
	r->rate = rate;
	r->compute_seconds = secs;
	r->engine = engine;
	r->msd = msd;
	const topo *t = p->topo;
	const demand_set *ds = p->demands;
	const te_pathset *ps = p->paths;
	size_t n = ds->n;
	r->dem_alloc = neto_calloc(n ? n : 1, sizeof *r->dem_alloc);
	r->link_load = neto_calloc(t->n_links ? t->n_links : 1, sizeof *r->link_load);
	r->cls = neto_calloc(p->classes->n, sizeof *r->cls);
	r->unreach = neto_calloc(n ? n : 1, 1);
	for (size_t d = 0; d < n; d++) {
		const demand *dm = &ds->v[d];
		te_class_sum *cs = &r->cls[dm->cls];
		cs->n_demands++;
		cs->demand += dm->rate;
		r->total_demand += dm->rate;
		if (p->dp_off[d] == p->dp_off[d + 1]) {
			const te_pair *pr = te_paths_find(ps, dm->src, dm->dst);
			if (pr == NULL || (pr->n_paths == 0 && pr->n_dropped == 0))
				r->unreach[d] = TE_UNREACH_NO_PATH;
			else if (pr->n_paths == 0)
				r->unreach[d] = TE_UNREACH_MSD;
			else
				r->unreach[d] = TE_UNREACH_DELAY;
			r->n_unreachable++;
			cs->n_unreachable++;
			continue;
		}
		double a = 0;
		for (uint32_t k = p->dp_off[d]; k < p->dp_off[d + 1]; k++) {
			const te_path *path = &ps->paths[p->dp[k]];
			double x = rate[k];
			a += x;
			cs->delay_rate += x * path->delay;
			for (uint32_t i = 0; i < path->n_links; i++)
				r->link_load[ps->links[path->link_off + i]] += x;
		}
		r->dem_alloc[d] = a;
		cs->allocated += a;
		r->total_allocated += a;
	}
	for (uint32_t l = 0; l < t->n_links; l++) {
		double u = r->link_load[l] / t->links[l].capacity;
		if (u > r->max_utilization)
			r->max_utilization = u;
	}
}

void te_report_free(te_report *r)
{
	free(r->dem_alloc);
	free(r->link_load);
	free(r->cls);
	free(r->unreach);
	memset(r, 0, sizeof *r);
}

int te_report_check(const te_report *r, neto_err *err)
{
	const te_problem *p = r->p;
	const topo *t = p->topo;
	const double slack = TE_EPS * 1e3;
	for (size_t k = 0; k < te_problem_n_rates(p); k++)
		if (!(r->rate[k] >= 0) || !isfinite(r->rate[k]))
			return neto_err_set(err, "negative or invalid rate %g", r->rate[k]);
	for (size_t d = 0; d < p->demands->n; d++) {
		double dem = p->demands->v[d].rate;
		if (r->dem_alloc[d] > dem * (1 + slack) + slack)
			return neto_err_set(err, "demand %s -> %s allocated %.17g over its demand %.17g",
					    t->nodes[p->demands->v[d].src].name,
					    t->nodes[p->demands->v[d].dst].name, r->dem_alloc[d], dem);
	}
	for (uint32_t l = 0; l < t->n_links; l++) {
		double c = t->links[l].capacity;
		if (r->link_load[l] > c * (1 + slack))
			return neto_err_set(err, "link %s loaded %.17g over its capacity %.17g",
					    t->links[l].id, r->link_load[l], c);
	}
	return 0;
}

/* ---- table ---- */

/* links by utilisation, highest first; ctx is the report */
static int cmp_util_desc(const void *a, const void *b, void *ctx)
{
	const te_report *r = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const topo *t = r->p->topo;
	double ux = r->link_load[x] / t->links[x].capacity;
	double uy = r->link_load[y] / t->links[y].capacity;
	if (ux != uy)
		return ux > uy ? -1 : 1;
	return x < y ? -1 : (x > y);
}

static const char *unreach_reason(uint8_t u)
{
	switch (u) {
	case TE_UNREACH_NO_PATH:
		return "no path";
	case TE_UNREACH_MSD:
		return "no path within the MSD";
	case TE_UNREACH_DELAY:
		return "no path within the class's max_delay";
	default:
		return "reachable";
	}
}

static double pct(double a, double b)
{
	return b > 0 ? 100.0 * a / b : 100.0;
}

void te_report_table(FILE *f, const te_report *r, unsigned top_links)
{
	const te_problem *p = r->p;
	const topo *t = p->topo;
	const char *unit = t->unit ? t->unit : "units";
	fprintf(f, "neto te: %u nodes, %u links, %zu demands in %u classes; %s engine, %.3f s\n\n",
		t->n_nodes, t->n_links, p->demands->n, p->classes->n, r->engine,
		r->compute_seconds);
	fprintf(f, "%-12s %4s %9s %15s %15s %10s %12s\n", "class", "prio", "demands",
		"demand", "allocated", "satisfied", "mean delay");
	for (uint32_t i = 0; i < p->classes->n; i++) {
		uint32_t c = p->class_order[i];
		const te_class_sum *s = &r->cls[c];
		char delay[32] = "-";
		if (s->allocated > 0)
			snprintf(delay, sizeof delay, "%.3f ms", s->delay_rate / s->allocated / 1000.0);
		fprintf(f, "%-12s %4u %9zu %15.6g %15.6g %9.2f%% %12s\n", p->classes->v[c].name,
			p->classes->v[c].priority, s->n_demands, s->demand, s->allocated,
			pct(s->allocated, s->demand), delay);
	}
	fprintf(f, "%-12s %4s %9zu %15.6g %15.6g %9.2f%%\n", "total", "", p->demands->n,
		r->total_demand, r->total_allocated, pct(r->total_allocated, r->total_demand));
	fprintf(f, "(rates in %s)\n", unit);

	if (top_links > 0 && t->n_links > 0) {
		uint32_t *idx = neto_malloc(t->n_links * sizeof *idx);
		for (uint32_t l = 0; l < t->n_links; l++)
			idx[l] = l;
		qsort_r(idx, t->n_links, sizeof *idx, cmp_util_desc, (void *)(uintptr_t)r);
		unsigned n = top_links < t->n_links ? top_links : t->n_links;
		/* columns as wide as the names shown (at least the header) */
		int wl = 4, ws = 3, wd = 3;
		for (unsigned i = 0; i < n; i++) {
			const topo_link *lk = &t->links[idx[i]];
			int a = (int)strlen(lk->id), b = (int)strlen(t->nodes[lk->src].name);
			int c = (int)strlen(t->nodes[lk->dst].name);
			wl = a > wl ? a : wl;
			ws = b > ws ? b : ws;
			wd = c > wd ? c : wd;
		}
		fprintf(f, "\nmost loaded links (max utilisation %.2f%%)\n", 100 * r->max_utilization);
		fprintf(f, "%-*s  %-*s  %-*s %14s %14s %8s\n", wl, "link", ws, "src", wd, "dst",
			"capacity", "load", "util");
		for (unsigned i = 0; i < n; i++) {
			const topo_link *lk = &t->links[idx[i]];
			fprintf(f, "%-*s  %-*s  %-*s %14.6g %14.6g %7.2f%%\n", wl, lk->id, ws,
				t->nodes[lk->src].name, wd, t->nodes[lk->dst].name, lk->capacity,
				r->link_load[idx[i]], pct(r->link_load[idx[i]], lk->capacity));
		}
		free(idx);
	}

	fprintf(f, "\nunreachable demands: %zu\n", r->n_unreachable);
	size_t shown = 0;
	for (size_t d = 0; d < p->demands->n && shown < 20; d++) {
		if (!r->unreach[d])
			continue;
		const demand *dm = &p->demands->v[d];
		fprintf(f, "  %s -> %s class %s, %.6g %s: %s\n", t->nodes[dm->src].name,
			t->nodes[dm->dst].name, p->classes->v[dm->cls].name, dm->rate, unit,
			unreach_reason(r->unreach[d]));
		shown++;
	}
	if (shown < r->n_unreachable)
		fprintf(f, "  ... and %zu more (see --format json)\n", r->n_unreachable - shown);
}

/* ---- JSON ---- */

/* Writes s as a JSON string (RFC 8259 section 7 escapes). The writers below
 * run with the stream locked once (flockfile) and use the unlocked stdio
 * calls: a large answer has tens of millions of tokens. */
static void json_str(FILE *f, const char *s)
{
	putc_unlocked('"', f);
	const char *run = s;
	for (const char *c = s;; c++) {
		unsigned char ch = (unsigned char)*c;
		if (ch != 0 && ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		fwrite_unlocked(run, 1, (size_t)(c - run), f);
		if (ch == 0)
			break;
		switch (ch) {
		case '"':
			fputs_unlocked("\\\"", f);
			break;
		case '\\':
			fputs_unlocked("\\\\", f);
			break;
		case '\n':
			fputs_unlocked("\\n", f);
			break;
		case '\r':
			fputs_unlocked("\\r", f);
			break;
		case '\t':
			fputs_unlocked("\\t", f);
			break;
		default:
			fprintf(f, "\\u%04x", ch);
		}
		run = c + 1;
	}
	putc_unlocked('"', f);
}

/* Numbers: integers as such, others with enough digits to round-trip a
 * double (the planner reads these rates back and checks capacities). */
static void json_num(FILE *f, double v)
{
	char buf[40];
	int n;
	if (!isfinite(v))
		v = 0;
	if (v == floor(v) && fabs(v) < 1e15)
		n = snprintf(buf, sizeof buf, "%.0f", v);
	else
		n = snprintf(buf, sizeof buf, "%.17g", v);
	if (n > 0)
		fwrite_unlocked(buf, 1, (size_t)n, f);
}

#define fputs fputs_unlocked
#define fputc putc_unlocked

int te_report_json(FILE *f, const te_report *r)
{
	const te_problem *p = r->p;
	const topo *t = p->topo;
	const te_pathset *ps = p->paths;
	errno = 0;
	/* every SID's text once, not once per segment of every path */
	char (*node_sid)[48] = neto_malloc((t->n_nodes + 1) * sizeof *node_sid);
	char (*adj_sid)[48] = neto_malloc((t->n_links + 1) * sizeof *adj_sid);
	for (uint32_t v = 0; v < t->n_nodes; v++)
		srv6_seg_str(t, v, node_sid[v], sizeof node_sid[v]);
	for (uint32_t l = 0; l < t->n_links; l++)
		srv6_seg_str(t, SRV6_SEG_ADJ | l, adj_sid[l], sizeof adj_sid[l]);
	flockfile(f);

	fputs("{\"classes\":[", f);
	for (uint32_t i = 0; i < p->classes->n; i++) {
		uint32_t c = p->class_order[i];
		const te_class_sum *s = &r->cls[c];
		fputs(i ? ",\n{\"name\":" : "\n{\"name\":", f);
		json_str(f, p->classes->v[c].name);
		fprintf(f, ",\"priority\":%u,\"demand\":", p->classes->v[c].priority);
		json_num(f, s->demand);
		fputs(",\"allocated\":", f);
		json_num(f, s->allocated);
		fputs(",\"mean_delay\":", f);
		json_num(f, s->allocated > 0 ? s->delay_rate / s->allocated : 0);
		fprintf(f, ",\"demands\":%zu,\"unreachable\":%zu}", s->n_demands, s->n_unreachable);
	}
	fputs("],\n\"demands\":[", f);
	for (size_t d = 0; d < p->demands->n; d++) {
		const demand *dm = &p->demands->v[d];
		fputs(d ? ",\n{\"src\":" : "\n{\"src\":", f);
		json_str(f, t->nodes[dm->src].name);
		fputs(",\"dst\":", f);
		json_str(f, t->nodes[dm->dst].name);
		fputs(",\"class\":", f);
		json_str(f, p->classes->v[dm->cls].name);
		fputs(",\"demand\":", f);
		json_num(f, dm->rate);
		fputs(",\"allocated\":", f);
		json_num(f, r->dem_alloc[d]);
		if (r->unreach[d]) {
			fputs(",\"unreachable\":", f);
			json_str(f, unreach_reason(r->unreach[d]));
		}
		fputs(",\"paths\":[", f);
		for (uint32_t k = p->dp_off[d]; k < p->dp_off[d + 1]; k++) {
			const te_path *path = &ps->paths[p->dp[k]];
			fputs(k > p->dp_off[d] ? ",{\"links\":[" : "{\"links\":[", f);
			for (uint32_t i = 0; i < path->n_links; i++) {
				if (i)
					fputc(',', f);
				json_str(f, t->links[ps->links[path->link_off + i]].id);
			}
			fputs("],\"rate\":", f);
			json_num(f, r->rate[k]);
			fputs(",\"delay\":", f);
			json_num(f, path->delay);
			fputs(",\"segments\":[", f);
			for (uint32_t i = 0; i < path->n_segs; i++) {
				if (i)
					fputc(',', f);
				uint32_t seg = ps->segs[path->seg_off + i];
				json_str(f, seg & SRV6_SEG_ADJ ? adj_sid[seg & ~SRV6_SEG_ADJ] : node_sid[seg]);
			}
			fputs("]}", f);
		}
		fputs("]}", f);
	}
	fputs("],\n\"links\":[", f);
	for (uint32_t l = 0; l < t->n_links; l++) {
		const topo_link *lk = &t->links[l];
		fputs(l ? ",\n{\"id\":" : "\n{\"id\":", f);
		json_str(f, lk->id);
		fputs(",\"src\":", f);
		json_str(f, t->nodes[lk->src].name);
		fputs(",\"dst\":", f);
		json_str(f, t->nodes[lk->dst].name);
		fputs(",\"capacity\":", f);
		json_num(f, lk->capacity);
		fputs(",\"load\":", f);
		json_num(f, r->link_load[l]);
		fputs(",\"delay\":", f);
		json_num(f, lk->delay);
		fputc('}', f);
	}
	fputs("],\n\"summary\":{\"total_demand\":", f);
	json_num(f, r->total_demand);
	fputs(",\"total_allocated\":", f);
	json_num(f, r->total_allocated);
	fputs(",\"max_utilization\":", f);
	json_num(f, r->max_utilization);
	fputs(",\"compute_seconds\":", f);
	json_num(f, r->compute_seconds);
	fputs(",\"engine\":", f);
	json_str(f, r->engine);
	fprintf(f, ",\"msd\":%u,\"unreachable\":%zu", r->msd, r->n_unreachable);
	if (t->unit) {
		fputs(",\"unit\":", f);
		json_str(f, t->unit);
	}
	fputs("}}\n", f);
	funlockfile(f);
	free(node_sid);
	free(adj_sid);
	if (fflush(f) != 0 || ferror(f))
		return -1;
	return 0;
}
