/*
 * plan_opts.c - parsing of `neto plan`'s options (see plan_opts.h). Accepts
 * "--name value", "--name=value", the short forms listed in the usage, and
 * "--" before a plan file whose name starts with '-'. Every value is checked
 * in full, and options that do not apply to the chosen mode are errors
 * rather than silently ignored.
 */
#include "cli/plan_opts.h"

#include <string.h>

#include "lib/text.h"
#include "plan/plan_json.h"

const char plan_cli_usage[] =
	"usage: neto plan --topology FILE --from CURRENT.json --to TARGET.json [options]\n"
	"       neto plan --verify --topology FILE PLAN.json\n"
	"\n"
	"Plans a congestion-free transition from the installed allocation to a new\n"
	"one: a short sequence of steps such that, whatever order the routers apply\n"
	"a step's updates in, no link carries more than its capacity. When the\n"
	"target leaves no slack, the lowest classes are rate-limited for a few steps\n"
	"(never a higher class for a lower one), and the plan says which tunnels,\n"
	"by how much and for how long. With --verify, checks a plan file instead.\n"
	"\n"
	"inputs:\n"
	"  -t, --topology FILE      REPETITA .graph, Topology Zoo GraphML or neto JSON\n"
	"                           (the topology the allocations were computed on)\n"
	"      --from FILE          the installed allocation: `neto te --format json`\n"
	"                           output, or a document of the same shape\n"
	"      --to FILE            the target allocation, same format; tunnels found\n"
	"                           in only one of the two go from or to zero\n"
	"      --default-capacity X capacity of GraphML links that have none\n"
	"\n"
	"planning:\n"
	"      --max-steps N        at most N steps (1..1000; default 10); when no plan\n"
	"                           fits, even with throttling, nothing is printed and\n"
	"                           the exit status is 1\n"
	"\n"
	"checking:\n"
	"      --verify PLAN.json   check every step of a plan written by\n"
	"                           `neto plan --format json` (\"-\" reads stdin); print\n"
	"                           each violation (step, link, load and capacity)\n"
	"\n"
	"output:\n"
	"  -f, --format FMT         table (default) or json (the plan file)\n"
	"  -o, --output FILE        write the plan to FILE instead of stdout\n"
	"  -q, --quiet              no progress messages on stderr\n"
	"  -h, --help               this text\n"
	"\n"
	"Rates use the topology's capacity unit. Steps are numbered from 0.\n"
	"Exit status: 0 success (a plan, or a plan that verifies), 1 bad input, no\n"
	"plan within --max-steps or a plan that does not verify, 2 bad command line.\n";

static int want_value(int argc, char *const *argv, int *i, const char *inline_val,
		      const char *name, const char **out, neto_err *err)
{
	if (inline_val != NULL) {
		*out = inline_val;
		return 0;
	}
	if (*i + 1 >= argc || argv[*i + 1] == NULL)
		return neto_err_set(err, "option %s needs a value", name);
	*out = argv[++*i];
	return 0;
}

/* Options that only make sense when planning, with whether they were given. */
enum { GIVEN_FROM, GIVEN_TO, GIVEN_MAX_STEPS, GIVEN_FORMAT, GIVEN_OUTPUT, N_GIVEN };
static const char *const given_name[N_GIVEN] = { "--from", "--to", "--max-steps", "--format",
						 "--output" };

int plan_cli_parse(plan_cli *o, int argc, char *const *argv, neto_err *err)
{
	memset(o, 0, sizeof *o);
	o->max_steps = 10;
	bool given[N_GIVEN] = { false };
	size_t n_pos = 0;
	const char *extra = NULL; /* second positional argument, for the message */
	bool opts_done = false;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (a == NULL)
			return neto_err_set(err, "missing argument");
		if (opts_done || a[0] != '-' || a[1] == '\0') {
			if (n_pos++ == 0)
				o->plan = a;
			else if (extra == NULL)
				extra = a;
			continue;
		}
		char name[64];
		const char *val = NULL;
		if (a[1] == '-') {
			if (a[2] == '\0') {
				opts_done = true;
				continue;
			}
			const char *eq = strchr(a, '=');
			size_t n = eq ? (size_t)(eq - a) : strlen(a);
			if (n >= sizeof name)
				return neto_err_set(err, "unknown option '%.60s'", a);
			memcpy(name, a, n);
			name[n] = '\0';
			if (eq)
				val = eq + 1;
		} else if (a[2] == '\0') {
			static const char *const longs[] = {
				['t'] = "--topology", ['f'] = "--format", ['o'] = "--output",
				['q'] = "--quiet",    ['h'] = "--help",
			};
			unsigned char c = (unsigned char)a[1];
			if (c >= sizeof longs / sizeof longs[0] || longs[c] == NULL)
				return neto_err_set(err, "unknown option '%s'", a);
			strcpy(name, longs[c]);
		} else {
			return neto_err_set(err, "unknown option '%.60s'", a);
		}

		const char *v = NULL;
		int rc = 0;
		bool flag = false;
		if (strcmp(name, "--topology") == 0) {
			rc = want_value(argc, argv, &i, val, name, &o->topology, err);
		} else if (strcmp(name, "--from") == 0) {
			given[GIVEN_FROM] = true;
			rc = want_value(argc, argv, &i, val, name, &o->from, err);
		} else if (strcmp(name, "--to") == 0) {
			given[GIVEN_TO] = true;
			rc = want_value(argc, argv, &i, val, name, &o->to, err);
		} else if (strcmp(name, "--output") == 0) {
			given[GIVEN_OUTPUT] = true;
			rc = want_value(argc, argv, &i, val, name, &o->output, err);
		} else if (strcmp(name, "--format") == 0) {
			given[GIVEN_FORMAT] = true;
			rc = want_value(argc, argv, &i, val, name, &v, err);
			if (rc == 0) {
				if (strcmp(v, "table") == 0)
					o->format = PLAN_OUT_TABLE;
				else if (strcmp(v, "json") == 0)
					o->format = PLAN_OUT_JSON;
				else
					rc = neto_err_set(err, "option --format: '%.60s' is not table or json", v);
			}
		} else if (strcmp(name, "--max-steps") == 0) {
			given[GIVEN_MAX_STEPS] = true;
			rc = want_value(argc, argv, &i, val, name, &v, err);
			if (rc == 0 && (!neto_span_to_u32((neto_span){ v, strlen(v) }, &o->max_steps) ||
					o->max_steps < 1 || o->max_steps > PLAN_MAX_STEPS))
				rc = neto_err_set(err,
						  "option --max-steps: '%.60s' is not a whole number in "
						  "1..%d",
						  v, PLAN_MAX_STEPS);
		} else if (strcmp(name, "--default-capacity") == 0) {
			rc = want_value(argc, argv, &i, val, name, &v, err);
			if (rc == 0 &&
			    (!neto_span_to_double((neto_span){ v, strlen(v) }, &o->default_capacity) ||
			     !(o->default_capacity > 0)))
				rc = neto_err_set(err,
						  "option --default-capacity: '%.60s' is not a positive "
						  "number",
						  v);
		} else if (strcmp(name, "--verify") == 0) {
			o->verify = true;
			if (val != NULL) { /* --verify=PLAN.json */
				if (n_pos++ == 0)
					o->plan = val;
				else if (extra == NULL)
					extra = val;
			}
		} else if (strcmp(name, "--quiet") == 0) {
			flag = true;
			o->quiet = true;
		} else if (strcmp(name, "--help") == 0) {
			flag = true;
			o->help = true;
		} else {
			return neto_err_set(err, "unknown option '%.60s'", name);
		}
		if (rc != 0)
			return -1;
		if (flag && val != NULL)
			return neto_err_set(err, "option %s takes no value", name);
	}
	if (o->help)
		return 0;
	if (o->verify) {
		for (int g = 0; g < N_GIVEN; g++)
			if (given[g])
				return neto_err_set(err, "option %s does not apply to --verify",
						    given_name[g]);
		if (n_pos == 0)
			return neto_err_set(err, "--verify needs a plan file");
		if (n_pos > 1)
			return neto_err_set(err, "--verify checks one plan file; unexpected '%.200s'",
					    extra);
		if (o->topology == NULL)
			return neto_err_set(err, "missing --topology FILE");
		return 0;
	}
	if (n_pos > 0)
		return neto_err_set(err, "unexpected argument '%.200s' (a plan file goes with --verify)",
				    o->plan);
	if (o->topology == NULL)
		return neto_err_set(err, "missing --topology FILE");
	if (o->from == NULL)
		return neto_err_set(err, "missing --from FILE (the installed allocation)");
	if (o->to == NULL)
		return neto_err_set(err, "missing --to FILE (the target allocation)");
	return 0;
}
