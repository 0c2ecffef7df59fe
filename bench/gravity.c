/*
 * gravity.c - writes a gravity-model demand matrix for a topology, as the CSV
 * demand format of neto (`src,dst,class,rate`), on stdout.
 *
 * Usage: gravity TOPOLOGY [--total-fraction F] [--classes N] [--seed S]
 *
 * The topology is any format neto reads (detected from its content); links
 * without a capacity (Topology Zoo GraphML) get capacity 1000, NCFlow's
 * convention for these files.
 *
 * Model. Demands are generated for every ordered pair (s, d), s != d, of the
 * largest strongly connected component C (the only pairs that can all be
 * routed). Only links with both ends in C count. With
 *     out(v) = sum of the capacities of the links leaving v,
 *     in(v)  = sum of the capacities of the links entering v,
 * the rate of (s, d) is proportional to out(s) x in(d), and the rates are
 * scaled so that their total is
 *     total = F x (sum of the capacities of all links of C)       (F = 0.5)
 * The network cannot carry all of it once the mean path is longer than 1/F
 * hops; F sets the load level, it is not a utilisation.
 *
 * --seed S perturbs the matrix: each pair's weight is multiplied by a factor
 * drawn uniformly from [0.5, 1.5) (splitmix64 seeded with S, pairs in output
 * order), and the rates are rescaled to the same total. Without --seed the
 * matrix is the pure gravity model.
 *
 * Classes: --classes 1 (default) writes one row per pair in class "default";
 * --classes 3 splits each pair into gold 20%, silver 30%, bronze 50% (use
 * bench/classes3.csv as the class file). Rates are printed with %.6g. A node
 * whose name cannot be a plain CSV field (a comma, a quote, a leading '#') is
 * written as its 0-based index, which neto's CSV reader accepts.
 * A summary goes to stderr.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "topo/topo.h"
#include "topo/topo_io.h"

#define GRAVITY_DEFAULT_CAPACITY 1000.0

typedef struct gr_class {
	const char *name;
	double share;
} gr_class;

static const gr_class GR_ONE[] = { { "default", 1.0 } };
static const gr_class GR_THREE[] = { { "gold", 0.2 }, { "silver", 0.3 }, { "bronze", 0.5 } };

static void gr_usage(void)
{
	fprintf(stderr,
		"usage: gravity TOPOLOGY [--total-fraction F] [--classes 1|3] [--seed S]\n");
}

static uint64_t gr_splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, 1) with 53 random bits. */
static double gr_uniform(uint64_t *s)
{
	return (double)(gr_splitmix64(s) >> 11) * (1.0 / 9007199254740992.0);
}

/*
 * Strongly connected components (Tarjan), iterative so that long chains do
 * not exhaust the stack. Writes comp[v] (0-based component number) and
 * returns the number of components.
 */
static uint32_t gr_scc(const topo *t, uint32_t *comp)
{
	uint32_t n = t->n_nodes;
	uint32_t *index = neto_malloc(n * sizeof(*index));
	uint32_t *low = neto_malloc(n * sizeof(*low));
	uint32_t *edge = neto_malloc(n * sizeof(*edge)); /* next out-link to look at */
	uint32_t *stack = neto_malloc(n * sizeof(*stack));
	uint32_t *call = neto_malloc(n * sizeof(*call));
	bool *on_stack = neto_calloc(n, sizeof(*on_stack));
	uint32_t next_index = 0, n_comp = 0, sp = 0;

	for (uint32_t v = 0; v < n; v++)
		index[v] = TOPO_NONE;
	for (uint32_t root = 0; root < n; root++) {
		if (index[root] != TOPO_NONE)
			continue;
		uint32_t depth = 0;
		call[depth++] = root;
		index[root] = low[root] = next_index++;
		edge[root] = t->out_off[root];
		stack[sp++] = root;
		on_stack[root] = true;
		while (depth > 0) {
			uint32_t v = call[depth - 1];
			if (edge[v] < t->out_off[v + 1]) {
				uint32_t w = t->links[t->out_links[edge[v]++]].dst;
				if (index[w] == TOPO_NONE) {
					index[w] = low[w] = next_index++;
					edge[w] = t->out_off[w];
					stack[sp++] = w;
					on_stack[w] = true;
					call[depth++] = w;
				} else if (on_stack[w] && index[w] < low[v]) {
					low[v] = index[w];
				}
				continue;
			}
			/* v is done */
			if (low[v] == index[v]) {
				uint32_t w;
				do {
					w = stack[--sp];
					on_stack[w] = false;
					comp[w] = n_comp;
				} while (w != v);
				n_comp++;
			}
			depth--;
			if (depth > 0) {
				uint32_t u = call[depth - 1];
				if (low[v] < low[u])
					low[u] = low[v];
			}
		}
	}
	free(index);
	free(low);
	free(edge);
	free(stack);
	free(call);
	free(on_stack);
	return n_comp;
}

static bool gr_parse_double(const char *s, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

static bool gr_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	if (*s == '-')
		return false;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	const char *path = NULL;
	double fraction = 0.5;
	uint64_t n_classes = 1, seed = 0;
	bool seeded = false;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			gr_usage();
			return 0;
		}
		bool takes = !strcmp(a, "--total-fraction") || !strcmp(a, "--classes") ||
			     !strcmp(a, "--seed");
		if (takes && i + 1 >= argc) {
			fprintf(stderr, "gravity: %s needs a value\n", a);
			return 2;
		}
		if (!strcmp(a, "--total-fraction")) {
			if (!gr_parse_double(argv[++i], &fraction) || fraction <= 0) {
				fprintf(stderr, "gravity: --total-fraction: want a number > 0\n");
				return 2;
			}
		} else if (!strcmp(a, "--classes")) {
			if (!gr_parse_u64(argv[++i], &n_classes) ||
			    (n_classes != 1 && n_classes != 3)) {
				fprintf(stderr, "gravity: --classes: want 1 or 3\n");
				return 2;
			}
		} else if (!strcmp(a, "--seed")) {
			if (!gr_parse_u64(argv[++i], &seed)) {
				fprintf(stderr, "gravity: --seed: want a non-negative integer\n");
				return 2;
			}
			seeded = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "gravity: unknown option %s\n", a);
			gr_usage();
			return 2;
		} else if (!path) {
			path = a;
		} else {
			gr_usage();
			return 2;
		}
	}
	if (!path) {
		gr_usage();
		return 2;
	}

	neto_err err;
	char *buf;
	size_t len;
	if (neto_file_read(path, &buf, &len, &err) != 0) {
		fprintf(stderr, "gravity: %s\n", err.msg);
		return 1;
	}
	topo t;
	topo_init(&t);
	topo_parse_opts opts = { .default_capacity = GRAVITY_DEFAULT_CAPACITY };
	if (topo_parse(&t, TOPO_FMT_AUTO, buf, len, path, &opts, &err) != 0) {
		fprintf(stderr, "gravity: %s\n", err.msg);
		free(buf);
		topo_free(&t);
		return 1;
	}
	free(buf);

	/* the largest strongly connected component (first one on ties) */
	uint32_t *comp = neto_malloc(t.n_nodes * sizeof(*comp));
	uint32_t n_comp = gr_scc(&t, comp);
	uint32_t *size = neto_calloc(n_comp, sizeof(*size));
	for (uint32_t v = 0; v < t.n_nodes; v++)
		size[comp[v]]++;
	uint32_t big = 0;
	for (uint32_t c = 1; c < n_comp; c++)
		if (size[c] > size[big])
			big = c;

	uint32_t *members = neto_malloc(size[big] * sizeof(*members));
	uint32_t m = 0;
	for (uint32_t v = 0; v < t.n_nodes; v++)
		if (comp[v] == big)
			members[m++] = v;
	if (m < 2) {
		fprintf(stderr, "gravity: %s: no two nodes reach each other\n", path);
		return 1;
	}
	/* a name that cannot be a plain CSV field is written as the node index,
	 * which neto's CSV reader accepts when no node has that name */
	char **label = neto_calloc(t.n_nodes, sizeof(*label));
	uint32_t by_index = 0;
	for (uint32_t i = 0; i < m; i++) {
		uint32_t v = members[i];
		const char *name = t.nodes[v].name;
		if (!strpbrk(name, ",\"\r\n") && name[0] != '#') {
			label[v] = neto_strdup(name);
			continue;
		}
		char idx[16];
		snprintf(idx, sizeof(idx), "%u", v);
		uint32_t other = topo_find_node(&t, idx, strlen(idx));
		if (other != TOPO_NONE && other != v) {
			fprintf(stderr,
				"gravity: node name \"%s\" cannot be a CSV field, and its index %u "
				"is another node's name\n",
				name, v);
			return 1;
		}
		label[v] = neto_strdup(idx);
		by_index++;
	}

	double *out_cap = neto_calloc(t.n_nodes, sizeof(*out_cap));
	double *in_cap = neto_calloc(t.n_nodes, sizeof(*in_cap));
	double cap_sum = 0;
	uint32_t n_links = 0;
	for (uint32_t l = 0; l < t.n_links; l++) {
		const topo_link *k = &t.links[l];
		if (comp[k->src] != big || comp[k->dst] != big)
			continue;
		out_cap[k->src] += k->capacity;
		in_cap[k->dst] += k->capacity;
		cap_sum += k->capacity;
		n_links++;
	}

	/* weights w(s,d) = out(s) in(d) [x noise]; total weight, in output order */
	double wsum = 0;
	uint64_t rng = seed;
	for (uint32_t i = 0; i < m; i++)
		for (uint32_t j = 0; j < m; j++) {
			if (i == j)
				continue;
			double w = out_cap[members[i]] * in_cap[members[j]];
			if (seeded)
				w *= 0.5 + gr_uniform(&rng);
			wsum += w;
		}
	double total = fraction * cap_sum;
	double scale = total / wsum;

	const gr_class *cls = n_classes == 3 ? GR_THREE : GR_ONE;
	static char obuf[1 << 16];
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	printf("src,dst,class,rate\n");
	rng = seed;
	uint64_t rows = 0;
	for (uint32_t i = 0; i < m; i++) {
		const char *sname = label[members[i]];
		for (uint32_t j = 0; j < m; j++) {
			if (i == j)
				continue;
			double w = out_cap[members[i]] * in_cap[members[j]];
			if (seeded)
				w *= 0.5 + gr_uniform(&rng);
			double rate = w * scale;
			for (uint64_t c = 0; c < n_classes; c++) {
				printf("%s,%s,%s,%.6g\n", sname, label[members[j]], cls[c].name,
				       rate * cls[c].share);
				rows++;
			}
		}
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "gravity: writing the matrix: %s\n", strerror(errno));
		return 1;
	}
	fprintf(stderr,
		"gravity: %s: %u of %u nodes and %u of %u links in the largest strongly connected "
		"component; %llu pairs, %llu rows; total %.6g = %.6g x capacity sum %.6g%s\n",
		path, m, t.n_nodes, n_links, t.n_links, (unsigned long long)m * (m - 1),
		(unsigned long long)rows, total, fraction, cap_sum, seeded ? " (perturbed)" : "");
	if (by_index)
		fprintf(stderr, "gravity: %u nodes written by index (name not CSV-safe)\n", by_index);
	for (uint32_t v = 0; v < t.n_nodes; v++)
		free(label[v]);
	free(label);

	free(out_cap);
	free(in_cap);
	free(members);
	free(size);
	free(comp);
	topo_free(&t);
	return 0;
}
