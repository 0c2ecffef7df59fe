/*
 * run_opts.c - the command line of the orchestrator's roles (run_opts.h).
 */
#include <stdlib.h>
#include <string.h>

#include "cfg/cfg.h"
#include "cli/run_opts.h"
#include "lib/text.h"

static const char usage_run[] =
	"usage: neto run [--config FILE] [--store URI] [--cycles N] [options]\n"
	"\n"
	"Runs the whole orchestrator in one process: the simulated WAN, the topology\n"
	"and demand measurement, the controller, the task scheduler, the updating\n"
	"agents and the HTTP API, over one store. Without --config it runs on the\n"
	"bundled 12-site example WAN (examples/b4) with a day of hourly demand, an\n"
	"SQLite store in ./neto.db and the API on 127.0.0.1:8080.\n"
	"\n"
	"options:\n"
	"  -c, --config FILE     configuration file (docs/config.md)\n"
	"      --store URI       store: sqlite:PATH or postgresql://... (overrides\n"
	"                        the configuration)\n"
	"      --cycles N        stop after N controller cycles, once the last plan\n"
	"                        has finished (default: run until interrupted)\n"
	"      --for DURATION    stop after this much simulated time (e.g. 2h)\n"
	"      --speedup X       simulated seconds per real second (default: the\n"
	"                        configuration's, 60 without one)\n"
	"      --virtual-clock   do not wait: simulated time jumps from tick to tick\n"
	"      --no-api          do not serve the HTTP API\n"
	"  -q, --quiet           no progress output\n"
	"  -h, --help            this text\n"
	"\n"
	"Exit status: 0 when stopped (--cycles, --for or a signal), 1 on an error\n"
	"(store unreachable, bad input files), 2 on a bad command line.\n";

static const char usage_role[] =
	"usage: neto controller|scheduler|sim [--config FILE] [--store URI] [options]\n"
	"       neto agent update NAME [--config FILE] [--store URI] [options]\n"
	"       neto agent topology NAME --file TOPOLOGY [--config FILE] [--store URI]\n"
	"       neto agent topology NAME --bgp --config FILE [--store URI] (BGP-LS;\n"
	"                            `neto agent topology NAME --bgp --help`)\n"
	"       neto agent flow NAME --config FILE (`neto agent flow --help`)\n"
	"\n"
	"Runs one role of the orchestrator against a shared store (usually\n"
	"PostgreSQL), so that the roles can run as separate processes on several\n"
	"machines. Start as many of each as you like: controllers and schedulers\n"
	"elect a leader through the store, updating agents all work.\n"
	"  controller   computes allocations and plans (leader only)\n"
	"  scheduler    hands tasks to updating agents, step by step (leader only)\n"
	"  agent update applies tasks to the routers that [agent NAME] allows\n"
	"  agent topology  keeps the store's topology in step with a file, re-read\n"
	"               when it changes (start several: one leads, the others wait)\n"
	"  sim          the simulated WAN of the configuration's [sim] section\n"
	"\n"
	"options:\n"
	"  -c, --config FILE     configuration file (docs/config.md)\n"
	"      --store URI       store (overrides the configuration)\n"
	"      --file TOPOLOGY   agent topology: the topology file it follows\n"
	"      --classes FILE    controller: classes CSV used when no classes intent\n"
	"                        exists (default: gold, silver, bronze)\n"
	"      --for DURATION    stop after this long\n"
	"      --speedup X       sim: simulated seconds per real second\n"
	"  -q, --quiet           no progress output\n"
	"  -h, --help            this text\n";

static const char usage_check[] =
	"usage: neto check [--config FILE] [--store URI]\n"
	"\n"
	"Checks that a store is consistent, whatever crashed when: every plan\n"
	"verifies (no step can overload a link), at most one plan runs, plans and\n"
	"their tasks agree, plans were written by controllers whose epochs never\n"
	"go back and each epoch belongs to one controller, and, when the newest\n"
	"plan is done, routers hold what it asked for. Prints each problem.\n"
	"\n"
	"options:\n"
	"  -c, --config FILE     configuration file (for its [store] uri)\n"
	"      --store URI       store (overrides the configuration)\n"
	"  -q, --quiet           print nothing when the store is consistent\n"
	"  -h, --help            this text\n"
	"\n"
	"Exit status: 0 consistent, 1 problems found or store unreachable, 2 bad\n"
	"command line.\n";

const char *run_cli_usage(run_role role)
{
	return role == RUN_ALL ? usage_run : role == RUN_CHECK ? usage_check : usage_role;
}

static int value(int argc, char *const *argv, int *i, const char *inl, const char *name,
		 const char **out, neto_err *err)
{
	if (inl) {
		*out = inl;
		return 0;
	}
	if (*i + 1 >= argc || argv[*i + 1] == NULL)
		return neto_err_set(err, "option %s needs a value", name);
	*out = argv[++*i];
	return 0;
}

int run_cli_parse(run_cli *o, run_role role, int argc, char *const *argv, neto_err *err)
{
	memset(o, 0, sizeof *o);
	if ((unsigned)role >= N_RUN_ROLES)
		return neto_err_set(err, "unknown role");
	o->role = role;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (a == NULL)
			return neto_err_set(err, "missing argument");
		if (a[0] != '-' || a[1] == '\0') {
			if ((role == RUN_AGENT || role == RUN_TOPOLOGY) && o->agent == NULL) {
				o->agent = a;
				continue;
			}
			return neto_err_set(err, "unexpected argument '%.60s'", a);
		}
		char name[32];
		const char *inl = NULL;
		if (a[1] == '-') {
			const char *eq = strchr(a, '=');
			size_t n = eq ? (size_t)(eq - a) : strlen(a);
			if (n >= sizeof name)
				return neto_err_set(err, "unknown option '%.60s'", a);
			memcpy(name, a, n);
			name[n] = '\0';
			inl = eq ? eq + 1 : NULL;
		} else if (a[2] == '\0' && (a[1] == 'c' || a[1] == 'q' || a[1] == 'h')) {
			strcpy(name, a[1] == 'c' ? "--config" : a[1] == 'q' ? "--quiet" : "--help");
		} else {
			return neto_err_set(err, "unknown option '%.60s'", a);
		}
		const char *v = NULL;
		bool flag = false;
		int rc = 0;
		if (strcmp(name, "--config") == 0) {
			rc = value(argc, argv, &i, inl, name, &o->config, err);
		} else if (strcmp(name, "--store") == 0) {
			rc = value(argc, argv, &i, inl, name, &o->store, err);
			if (rc == 0)
				rc = cfg_check_store_uri(o->store, err);
		} else if (strcmp(name, "--file") == 0 && role == RUN_TOPOLOGY) {
			rc = value(argc, argv, &i, inl, name, &o->file, err);
		} else if (strcmp(name, "--classes") == 0 && role == RUN_CONTROLLER) {
			rc = value(argc, argv, &i, inl, name, &o->classes, err);
		} else if (strcmp(name, "--cycles") == 0 && role == RUN_ALL) {
			rc = value(argc, argv, &i, inl, name, &v, err);
			neto_span s = { v, v ? strlen(v) : 0 };
			if (rc == 0 && (!neto_span_to_u32(s, &o->cycles) || o->cycles == 0 ||
					o->cycles > 1000000))
				rc = neto_err_set(err, "--cycles: expected an integer 1..1000000");
		} else if (strcmp(name, "--for") == 0 && role != RUN_CHECK) {
			rc = value(argc, argv, &i, inl, name, &v, err);
			if (rc == 0 && cfg_parse_duration(v, &o->duration_ms, err) != 0)
				rc = -1;
			if (rc == 0 && o->duration_ms <= 0)
				rc = neto_err_set(err, "--for: the duration must be positive");
		} else if (strcmp(name, "--speedup") == 0 && (role == RUN_ALL || role == RUN_SIM)) {
			rc = value(argc, argv, &i, inl, name, &v, err);
			neto_span s = { v, v ? strlen(v) : 0 };
			if (rc == 0 && (!neto_span_to_double(s, &o->speedup) || !(o->speedup >= 0.01) ||
					o->speedup > 1e6))
				rc = neto_err_set(err, "--speedup: expected a number 0.01..1000000");
		} else if (strcmp(name, "--virtual-clock") == 0 && role == RUN_ALL) {
			flag = o->virtual_clock = true;
		} else if (strcmp(name, "--no-api") == 0 && role == RUN_ALL) {
			flag = o->no_api = true;
		} else if (strcmp(name, "--quiet") == 0) {
			flag = o->quiet = true;
		} else if (strcmp(name, "--help") == 0) {
			flag = o->help = true;
		} else {
			return neto_err_set(err, "unknown option '%.60s'", a);
		}
		if (rc != 0)
			return -1;
		if (flag && inl)
			return neto_err_set(err, "option %s takes no value", name);
	}
	if (o->help)
		return 0;
	if (role == RUN_AGENT && o->agent == NULL)
		return neto_err_set(err, "which agent? neto agent update NAME (an [agent NAME] of "
					 "the configuration)");
	if (role == RUN_TOPOLOGY && (o->agent == NULL || o->file == NULL))
		return neto_err_set(err, "usage: neto agent topology NAME --file TOPOLOGY");
	return 0;
}
