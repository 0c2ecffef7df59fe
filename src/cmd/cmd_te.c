/*
 * cmd_te.c - `neto te`: read topology, demands and classes, compute candidate
 * paths and an allocation, print the report. All I/O of the subcommand is
 * here; the parsers and engines it calls are pure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/te_opts.h"
#include "cmd/cmd.h"
#include "demand/demand.h"
#include "lib/file.h"
#include "te/compare.h"
#include "te/paths.h"
#include "te/report.h"
#include "te/te.h"
#include "topo/topo_io.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Reads and parses the three inputs. On failure prints the error. */
static int load_inputs(const te_opts *o, topo *t, class_set *cs, demand_set *ds)
{
	neto_err err;
	char *buf = NULL;
	size_t len = 0;

	if (neto_file_read(o->topology, &buf, &len, &err) != 0)
		goto fail;
	topo_parse_opts popts = { .default_capacity = o->default_capacity };
	int rc = topo_parse(t, TOPO_FMT_AUTO, buf, len, o->topology, &popts, &err);
	free(buf);
	if (rc != 0)
		goto fail;

	if (o->classes) {
		if (neto_file_read(o->classes, &buf, &len, &err) != 0)
			goto fail;
		rc = class_parse_csv(cs, buf, len, o->classes, &err);
		free(buf);
		if (rc != 0)
			goto fail;
	} else {
		class_set_default(cs);
	}
	if (o->k > 0)
		for (uint32_t i = 0; i < cs->n; i++)
			cs->v[i].k_paths = o->k;

	if (neto_file_read(o->demands, &buf, &len, &err) != 0)
		goto fail;
	rc = demand_parse(ds, DEMAND_FMT_AUTO, t, cs, buf, len, o->demands, &err);
	free(buf);
	if (rc != 0)
		goto fail;
	if (o->scale != 1.0)
		for (size_t i = 0; i < ds->n; i++)
			ds->v[i].rate *= o->scale;
	return 0;
fail:
	fprintf(stderr, "neto te: %s\n", err.msg);
	return -1;
}

int cmd_te(int argc, char **argv)
{
	te_opts o;
	neto_err err;
	if (te_opts_parse(&o, argc, argv, &err) != 0) {
		fprintf(stderr, "neto te: %s\n(see neto te --help)\n", err.msg);
		return 2;
	}
	if (o.help) {
		fputs(te_opts_usage, stdout);
		return 0;
	}

	int status = 1;
	topo t;
	class_set cs;
	demand_set ds;
	te_pathset ps;
	te_problem prob;
	te_report rep;
	double *rate = NULL;
	FILE *out = NULL;
	bool have_prob = false, have_rep = false;
	topo_init(&t);
	class_set_init(&cs);
	demand_set_init(&ds);
	te_pathset_init(&ps);

	if (load_inputs(&o, &t, &cs, &ds) != 0)
		goto done;
	if (!o.quiet)
		fprintf(stderr, "neto te: %u nodes, %u links, %zu demands, %u classes\n", t.n_nodes,
			t.n_links, ds.n, cs.n);

	double t0 = now();
	te_paths_opts popts = { .msd = o.msd, .progress = !o.quiet };
	if (te_paths_build(&ps, &t, &cs, &ds, &popts, &err) != 0)
		goto fail;
	double t1 = now();
	if (!o.quiet)
		fprintf(stderr, "neto te: %zu candidate paths for %zu pairs in %.2f s\n", ps.n_paths,
			ps.n_pairs, t1 - t0);
	if (te_problem_build(&prob, &t, &cs, &ds, &ps, &err) != 0)
		goto fail;
	have_prob = true;
	prob.progress = o.quiet ? NULL : stderr;
	rate = malloc((te_problem_n_rates(&prob) + 1) * sizeof *rate);
	if (rate == NULL) {
		fprintf(stderr, "neto te: out of memory\n");
		goto done;
	}
	if (o.compare) {
		double *rate_e = malloc((te_problem_n_rates(&prob) + 1) * sizeof *rate_e);
		te_compare cmp;
		if (rate_e == NULL) {
			fprintf(stderr, "neto te: out of memory\n");
			goto done;
		}
		int crc = te_compare_run(&prob, rate, rate_e, &cmp, &err);
		free(rate_e);
		if (crc != 0)
			goto fail;
		te_compare_print(stderr, &prob, &cmp);
		te_compare_free(&cmp);
	} else if (te_solve(&prob, o.exact ? te_exact_class : te_heur_class, rate, &err) != 0) {
		goto fail;
	}
	double t2 = now();
	if (!o.quiet)
		fprintf(stderr, "neto te: %s allocation in %.2f s\n", o.exact ? "exact" : "heuristic",
			t2 - t1);

	te_report_build(&rep, &prob, rate, t2 - t0, o.exact ? "exact" : "heuristic", o.msd);
	have_rep = true;
	/* An answer that breaks capacity or demand is a bug; never print it as
	 * if it were good. */
	if (te_report_check(&rep, &err) != 0) {
		fprintf(stderr, "neto te: internal error: %s\n", err.msg);
		goto done;
	}

	out = stdout;
	if (o.output && strcmp(o.output, "-") != 0) {
		out = fopen(o.output, "w");
		if (out == NULL) {
			fprintf(stderr, "neto te: %s: %s\n", o.output, strerror(errno));
			goto done;
		}
	}
	/* large answers are hundreds of megabytes: write in big blocks */
	setvbuf(out, NULL, _IOFBF, 1 << 20);
	int wrc;
	if (o.format == TE_OUT_JSON) {
		wrc = te_report_json(out, &rep);
	} else {
		te_report_table(out, &rep, o.top);
		wrc = fflush(out) == 0 && !ferror(out) ? 0 : -1;
	}
	if (out != stdout) {
		if (fclose(out) != 0)
			wrc = -1;
	}
	if (wrc != 0) {
		fprintf(stderr, "neto te: writing %s: %s\n", o.output ? o.output : "stdout",
			strerror(errno));
		goto done;
	}
	status = 0;
	goto done;
fail:
	fprintf(stderr, "neto te: %s\n", err.msg);
done:
	if (have_rep)
		te_report_free(&rep);
	free(rate);
	if (have_prob)
		te_problem_free(&prob);
	te_pathset_free(&ps);
	demand_set_free(&ds);
	class_set_free(&cs);
	topo_free(&t);
	return status;
}
