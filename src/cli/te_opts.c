/*
 * te_opts.c - parsing of `neto te`'s options (see te_opts.h). Accepts
 * "--name value", "--name=value" and the short forms listed in the usage.
 * Every value is checked in full: numbers must be whole numbers in range.
 */
#include "cli/te_opts.h"

#include <string.h>

#include "demand/demand.h"
#include "lib/text.h"
#include "te/srv6.h"

const char te_opts_usage[] =
	"usage: neto te --topology FILE --demands FILE [options]\n"
	"\n"
	"Computes a traffic-engineering allocation: candidate paths per demand,\n"
	"bandwidth per path (classes in strict priority, max-min fair inside a\n"
	"class), and the SRv6 segment list of every path.\n"
	"\n"
	"inputs (format detected from the content):\n"
	"  -t, --topology FILE      REPETITA .graph, Topology Zoo GraphML or neto JSON\n"
	"  -d, --demands FILE       REPETITA .demands (all in the lowest class) or\n"
	"                           CSV with header src,dst,class,rate\n"
	"  -c, --classes FILE       CSV with header name,priority[,paths,latency,max_delay];\n"
	"                           default: one class named \"default\"\n"
	"      --default-capacity X capacity of GraphML links that have none\n"
	"      --scale F            multiply every demand rate by F (default 1)\n"
	"\n"
	"computation:\n"
	"      --exact              solve the exact LP model (GLPK) instead of the\n"
	"                           fast heuristic; slower, used as the reference\n"
	"      --compare            run both engines class by class on the same\n"
	"                           residual capacity and print on stderr the\n"
	"                           fairness number and totals of the heuristic\n"
	"                           against the exact engine; the result written is\n"
	"                           the heuristic's (overrides --exact)\n"
	"  -k, --paths N            candidate paths per demand for every class,\n"
	"                           overriding the classes file (1..64; default 4)\n"
	"      --msd N              maximum SID depth: paths that need more segments\n"
	"                           are not used (1..64; default 6)\n"
	"\n"
	"output:\n"
	"  -f, --format FMT         table (default) or json\n"
	"  -o, --output FILE        write the result to FILE instead of stdout\n"
	"      --top N              links listed in the table (default 10)\n"
	"  -q, --quiet              no progress messages on stderr\n"
	"  -h, --help               this text\n"
	"\n"
	"Rates use the topology's capacity unit; delays are in microseconds.\n"
	"Exit status: 0 success, 1 bad input or failure, 2 bad command line.\n";

static int want_value(int argc, char *const *argv, int *i, const char *inline_val,
		      const char *name, const char **out, neto_err *err)
{
	if (inline_val != NULL) {
		*out = inline_val;
		return 0;
	}
	if (*i + 1 >= argc)
		return neto_err_set(err, "option %s needs a value", name);
	*out = argv[++*i];
	return 0;
}

static int parse_u32(const char *s, const char *name, uint32_t lo, uint32_t hi, uint32_t *out,
		     neto_err *err)
{
	uint32_t v;
	if (!neto_span_to_u32((neto_span){ s, strlen(s) }, &v) || v < lo || v > hi)
		return neto_err_set(err, "option %s: '%s' is not a whole number in %u..%u", name, s,
				    lo, hi);
	*out = v;
	return 0;
}

static int parse_pos(const char *s, const char *name, double *out, neto_err *err)
{
	double v;
	if (!neto_span_to_double((neto_span){ s, strlen(s) }, &v) || !(v > 0))
		return neto_err_set(err, "option %s: '%s' is not a positive number", name, s);
	*out = v;
	return 0;
}

int te_opts_parse(te_opts *o, int argc, char *const *argv, neto_err *err)
{
	memset(o, 0, sizeof *o);
	o->msd = SRV6_DEFAULT_MSD;
	o->scale = 1.0;
	o->top = 10;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (a == NULL)
			return neto_err_set(err, "missing argument");
		char name[64];
		const char *val = NULL;
		if (a[0] == '-' && a[1] == '-') {
			const char *eq = strchr(a, '=');
			size_t n = eq ? (size_t)(eq - a) : strlen(a);
			if (n >= sizeof name)
				return neto_err_set(err, "unknown option '%.60s'", a);
			memcpy(name, a, n);
			name[n] = '\0';
			if (eq)
				val = eq + 1;
		} else if (a[0] == '-' && a[1] != '\0' && a[2] == '\0') {
			static const char *const longs[] = {
				['t'] = "--topology", ['d'] = "--demands", ['c'] = "--classes",
				['k'] = "--paths", ['f'] = "--format", ['o'] = "--output",
				['q'] = "--quiet", ['h'] = "--help",
			};
			unsigned char c = (unsigned char)a[1];
			if (c >= sizeof longs / sizeof longs[0] || longs[c] == NULL)
				return neto_err_set(err, "unknown option '%s'", a);
			strcpy(name, longs[c]);
		} else {
			return neto_err_set(err, "unexpected argument '%.200s'", a);
		}

		const char *v = NULL;
		int rc = 0;
		bool flag = false;
		if (strcmp(name, "--topology") == 0) {
			rc = want_value(argc, argv, &i, val, name, &o->topology, err);
		} else if (strcmp(name, "--demands") == 0) {
			rc = want_value(argc, argv, &i, val, name, &o->demands, err);
		} else if (strcmp(name, "--classes") == 0) {
			rc = want_value(argc, argv, &i, val, name, &o->classes, err);
		} else if (strcmp(name, "--output") == 0) {
			rc = want_value(argc, argv, &i, val, name, &o->output, err);
		} else if (strcmp(name, "--format") == 0) {
			rc = want_value(argc, argv, &i, val, name, &v, err);
			if (rc == 0) {
				if (strcmp(v, "table") == 0)
					o->format = TE_OUT_TABLE;
				else if (strcmp(v, "json") == 0)
					o->format = TE_OUT_JSON;
				else
					rc = neto_err_set(err, "option --format: '%.60s' is not table or json", v);
			}
		} else if (strcmp(name, "--paths") == 0) {
			rc = want_value(argc, argv, &i, val, name, &v, err);
			if (rc == 0)
				rc = parse_u32(v, name, 1, TE_MAX_K, &o->k, err);
		} else if (strcmp(name, "--msd") == 0) {
			rc = want_value(argc, argv, &i, val, name, &v, err);
			if (rc == 0)
				rc = parse_u32(v, name, 1, 64, &o->msd, err);
		} else if (strcmp(name, "--top") == 0) {
			uint32_t top = 0;
			rc = want_value(argc, argv, &i, val, name, &v, err);
			if (rc == 0)
				rc = parse_u32(v, name, 0, 1000000, &top, err);
			if (rc == 0)
				o->top = top;
		} else if (strcmp(name, "--default-capacity") == 0) {
			rc = want_value(argc, argv, &i, val, name, &v, err);
			if (rc == 0)
				rc = parse_pos(v, name, &o->default_capacity, err);
		} else if (strcmp(name, "--scale") == 0) {
			rc = want_value(argc, argv, &i, val, name, &v, err);
			if (rc == 0)
				rc = parse_pos(v, name, &o->scale, err);
		} else if (strcmp(name, "--exact") == 0) {
			flag = true;
			o->exact = true;
		} else if (strcmp(name, "--compare") == 0) {
			flag = true;
			o->compare = true;
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
	if (o->topology == NULL)
		return neto_err_set(err, "missing --topology FILE");
	if (o->demands == NULL)
		return neto_err_set(err, "missing --demands FILE");
	return 0;
}
