/*
 * cli_opts.c - the command lines of `neto show`, `neto intent` and
 * `neto api` (client.h). Accepts "--name value" and "--name=value", "-h",
 * and "--" before positional arguments that start with '-'. Every value is
 * checked in full; an option that does not apply to what is asked is an
 * error rather than silently ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"
#include "cfg/cfg.h"
#include "lib/text.h"

const char api_show_usage[] =
	"usage: neto show WHAT [options]\n"
	"\n"
	"Shows what the orchestrator knows, read from its HTTP API (`neto api` or\n"
	"`neto run`), as tables, or as the API's JSON with --json.\n"
	"\n"
	"WHAT:\n"
	"  health             store, leases (who is controller and scheduler)\n"
	"  topology           the latest topology snapshot: nodes and links\n"
	"  links              per link: capacity, planned and measured load, utilisation\n"
	"  demands            the latest demand matrix\n"
	"  solution           summary of the latest target allocation\n"
	"  plan [ID]          a plan (default: the newest) and its tasks per step\n"
	"  plans              the most recent plans\n"
	"  tasks              router tasks (default: of the running plans)\n"
	"  agents             registered agents and their last heartbeat\n"
	"  intents            live intents\n"
	"  audit              the audit log\n"
	"  metrics            the Prometheus metrics text\n"
	"\n"
	"options:\n"
	"      --api URL          the API (default: http://LISTEN of --config's [api],\n"
	"                         else " API_DEFAULT_URL ")\n"
	"      --config FILE      configuration file, for [api] listen and token\n"
	"      --token T          bearer token (default: $NETO_TOKEN, else [api] token\n"
	"                         of --config); reads need none\n"
	"      --json             print the API's JSON document instead of a table\n"
	"      --plan ID          tasks: of plan ID\n"
	"      --step N           tasks: of step N only\n"
	"      --state S          tasks: pending, assigned, done, failed or cancelled\n"
	"      --after ID         audit: rows after ID (default 0)\n"
	"      --limit N          plans, audit: at most N rows (1..1000)\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 success, 1 the API is unreachable or answered an error,\n"
	"2 bad command line.\n";

const char api_intent_usage[] =
	"usage: neto intent add KIND JSON [options]\n"
	"       neto intent add KIND --file FILE [options]\n"
	"       neto intent list [options]\n"
	"       neto intent delete ID [options]\n"
	"\n"
	"Adds, lists or deletes the operator's intents through the HTTP API. The\n"
	"controller plans again when intents change. JSON is the intent's members\n"
	"as one JSON object (docs/api.md):\n"
	"\n"
	"  drain-link    '{\"src\":\"A\",\"dst\":\"B\"}' or '{\"link\":\"LINK-ID\"}'\n"
	"  drain-router  '{\"router\":\"R\"}'\n"
	"  classes       '{\"classes\":[{\"name\":\"gold\",\"priority\":0,\"k\":4},...]}'\n"
	"  share         '{\"class\":\"bronze\",\"share\":0.5}' (optional \"pairs\":[[\"A\",\"B\"]])\n"
	"  pin           '{\"src\":\"A\",\"dst\":\"C\",\"class\":\"gold\",\"path\":[\"A\",\"B\",\"C\"]}'\n"
	"\n"
	"The intent is checked here before it is sent, with the API's own rules.\n"
	"\n"
	"options:\n"
	"      --file FILE        read JSON from FILE (- for stdin)\n"
	"      --api URL          the API (default: http://LISTEN of --config's [api],\n"
	"                         else " API_DEFAULT_URL ")\n"
	"      --config FILE      configuration file, for [api] listen and token\n"
	"      --token T          bearer token for add and delete (default: $NETO_TOKEN,\n"
	"                         else [api] token of --config)\n"
	"      --json             print the API's JSON document\n"
	"  -h, --help             this text\n"
	"\n"
	"Exit status: 0 success, 1 the API is unreachable or refused the request,\n"
	"2 bad command line or invalid intent.\n";

const char api_serve_usage[] =
	"usage: neto api [--config FILE] [--store URI] [--listen HOST:PORT]\n"
	"\n"
	"Serves the HTTP API (docs/api.md) from a store, until interrupted (SIGINT or\n"
	"SIGTERM). Any number of API servers may run against the same store, beside\n"
	"the controller, scheduler and agents or without them.\n"
	"\n"
	"options:\n"
	"      --config FILE      configuration file ([store] uri, [api] listen and token;\n"
	"                         default: the built-in defaults)\n"
	"      --store URI        the store, overriding [store] uri\n"
	"      --listen HOST:PORT the address, overriding [api] listen (port 0: any\n"
	"                         free port, printed at start)\n"
	"  -h, --help             this text\n"
	"\n"
	"A token ([api] token) is required when the address is not loopback.\n"
	"Exit status: 0 after a clean stop, 1 start-up failure, 2 bad command line.\n";

/* Splits argv[*i] into an option name and an inline value. Returns 1 for an
 * option, 0 for a positional argument (also everything after "--"), -1 on
 * an option too long to be one of ours. */
static int cut_option(char *const *argv, int *i, bool *dashdash, char *name, size_t nname,
		      const char **inline_val)
{
	const char *a = argv[*i];
	*inline_val = NULL;
	if (*dashdash || a[0] != '-' || a[1] == '\0')
		return 0;
	if (strcmp(a, "--") == 0) {
		*dashdash = true;
		return 2;
	}
	if (strcmp(a, "-h") == 0) {
		snprintf(name, nname, "--help");
		return 1;
	}
	if (a[1] != '-')
		return -1;
	const char *eq = strchr(a, '=');
	size_t n = eq ? (size_t)(eq - a) : strlen(a);
	if (n >= nname)
		return -1;
	memcpy(name, a, n);
	name[n] = '\0';
	if (eq)
		*inline_val = eq + 1;
	return 1;
}

static int value(int argc, char *const *argv, int *i, const char *inline_val, const char *name,
		 const char **out, neto_err *err)
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

static int whole(const char *s, const char *what, int64_t lo, int64_t hi, int64_t *out,
		 neto_err *err)
{
	uint64_t u;
	if (s == NULL)
		return neto_err_set(err, "%s: missing", what);
	if (!neto_span_to_u64((neto_span){ s, strlen(s) }, &u) || u > (uint64_t)hi ||
	    (int64_t)u < lo)
		return neto_err_set(err, "%s: '%.60s' is not a whole number in %lld..%lld", what, s,
				    (long long)lo, (long long)hi);
	*out = (int64_t)u;
	return 0;
}

/* The options every client command takes. Returns 1 when NAME was one of
 * them (handled, rc in *rc), 0 otherwise. */
static int common_option(api_cli_common *c, const char *name, int argc, char *const *argv, int *i,
			 const char *iv, int *rc, neto_err *err)
{
	*rc = 0;
	if (strcmp(name, "--api") == 0) {
		*rc = value(argc, argv, i, iv, name, &c->api, err);
		if (*rc == 0 && cfg_check_http_url(c->api, err) != 0)
			*rc = -1;
	} else if (strcmp(name, "--token") == 0) {
		*rc = value(argc, argv, i, iv, name, &c->token, err);
		if (*rc == 0 && c->token[0] == '\0')
			*rc = neto_err_set(err, "option --token: empty token");
	} else if (strcmp(name, "--config") == 0) {
		*rc = value(argc, argv, i, iv, name, &c->config, err);
	} else if (strcmp(name, "--json") == 0 || strcmp(name, "--help") == 0) {
		if (iv != NULL)
			*rc = neto_err_set(err, "option %s takes no value", name);
		else if (name[2] == 'j')
			c->json = true;
		else
			c->help = true;
	} else {
		return 0;
	}
	return 1;
}

static const struct {
	const char *word;
	api_show_what what;
} show_words[] = {
	{ "health", SHOW_HEALTH },   { "topology", SHOW_TOPOLOGY }, { "links", SHOW_LINKS },
	{ "demands", SHOW_DEMANDS }, { "solution", SHOW_SOLUTION }, { "plan", SHOW_PLAN },
	{ "plans", SHOW_PLANS },     { "tasks", SHOW_TASKS },       { "agents", SHOW_AGENTS },
	{ "intents", SHOW_INTENTS }, { "audit", SHOW_AUDIT },       { "metrics", SHOW_METRICS },
};

int api_show_opts_parse(api_show_opts *o, int argc, char *const *argv, neto_err *err)
{
	memset(o, 0, sizeof *o);
	o->step = -1;
	const char *pos[3];
	int npos = 0;
	bool dashdash = false, have_plan = false, have_step = false, have_after = false,
	     have_limit = false;
	for (int i = 0; i < argc; i++) {
		if (argv[i] == NULL)
			return neto_err_set(err, "missing argument");
		char name[32];
		const char *iv, *v = NULL;
		int kind = cut_option(argv, &i, &dashdash, name, sizeof name, &iv);
		if (kind == 2)
			continue;
		if (kind < 0)
			return neto_err_set(err, "unknown option '%.60s'", argv[i]);
		if (kind == 0) {
			if (npos == 2)
				return neto_err_set(err, "unexpected argument '%.60s'", argv[i]);
			pos[npos++] = argv[i];
			continue;
		}
		int rc;
		if (common_option(&o->c, name, argc, argv, &i, iv, &rc, err)) {
			if (rc != 0)
				return -1;
		} else if (strcmp(name, "--plan") == 0) {
			if (value(argc, argv, &i, iv, name, &v, err) != 0 ||
			    whole(v, "option --plan", 1, INT64_MAX, &o->plan, err) != 0)
				return -1;
			have_plan = true;
		} else if (strcmp(name, "--step") == 0) {
			if (value(argc, argv, &i, iv, name, &v, err) != 0 ||
			    whole(v, "option --step", 0, 1000000, &o->step, err) != 0)
				return -1;
			have_step = true;
		} else if (strcmp(name, "--state") == 0) {
			if (value(argc, argv, &i, iv, name, &o->state, err) != 0)
				return -1;
			static const char *const states[] = { "pending", "assigned", "done", "failed",
							      "cancelled" };
			bool ok = false;
			for (size_t k = 0; k < 5 && !ok; k++)
				ok = strcmp(o->state, states[k]) == 0;
			if (!ok)
				return neto_err_set(err,
						    "option --state: '%.60s' is not pending, assigned, "
						    "done, failed or cancelled",
						    o->state);
		} else if (strcmp(name, "--after") == 0) {
			if (value(argc, argv, &i, iv, name, &v, err) != 0 ||
			    whole(v, "option --after", 0, INT64_MAX, &o->after, err) != 0)
				return -1;
			have_after = true;
		} else if (strcmp(name, "--limit") == 0) {
			if (value(argc, argv, &i, iv, name, &v, err) != 0 ||
			    whole(v, "option --limit", 1, 1000, &o->limit, err) != 0)
				return -1;
			have_limit = true;
		} else {
			return neto_err_set(err, "unknown option '%.60s'", argv[i]);
		}
	}
	if (o->c.help)
		return 0;
	if (npos == 0)
		return neto_err_set(err, "what to show? (health, topology, links, demands, solution, "
					 "plan, plans, tasks, agents, intents, audit, metrics)");
	size_t k = 0;
	while (k < sizeof show_words / sizeof show_words[0] && strcmp(show_words[k].word, pos[0]) != 0)
		k++;
	if (k == sizeof show_words / sizeof show_words[0])
		return neto_err_set(err, "cannot show '%.60s'", pos[0]);
	o->what = show_words[k].what;
	if (npos == 2) {
		if (o->what != SHOW_PLAN)
			return neto_err_set(err, "unexpected argument '%.60s'", pos[1]);
		if (whole(pos[1], "plan ID", 1, INT64_MAX, &o->id, err) != 0)
			return -1;
	}
	if ((have_plan || have_step || o->state) && o->what != SHOW_TASKS)
		return neto_err_set(err, "--plan, --step and --state apply to `neto show tasks`");
	if (have_after && o->what != SHOW_AUDIT)
		return neto_err_set(err, "--after applies to `neto show audit`");
	if (have_limit && o->what != SHOW_AUDIT && o->what != SHOW_PLANS)
		return neto_err_set(err, "--limit applies to `neto show plans` and `neto show audit`");
	if (o->c.json && o->what == SHOW_METRICS)
		return neto_err_set(err, "metrics are text, not JSON");
	return 0;
}

int api_intent_opts_parse(api_intent_opts *o, int argc, char *const *argv, neto_err *err)
{
	memset(o, 0, sizeof *o);
	const char *pos[4];
	int npos = 0;
	bool dashdash = false;
	for (int i = 0; i < argc; i++) {
		if (argv[i] == NULL)
			return neto_err_set(err, "missing argument");
		char name[32];
		const char *iv;
		int kind = cut_option(argv, &i, &dashdash, name, sizeof name, &iv);
		if (kind == 2)
			continue;
		if (kind < 0)
			return neto_err_set(err, "unknown option '%.60s'", argv[i]);
		if (kind == 0) {
			if (npos == 3)
				return neto_err_set(err, "unexpected argument '%.60s'", argv[i]);
			pos[npos++] = argv[i];
			continue;
		}
		int rc;
		if (common_option(&o->c, name, argc, argv, &i, iv, &rc, err)) {
			if (rc != 0)
				return -1;
		} else if (strcmp(name, "--file") == 0) {
			if (value(argc, argv, &i, iv, name, &o->file, err) != 0)
				return -1;
		} else {
			return neto_err_set(err, "unknown option '%.60s'", argv[i]);
		}
	}
	if (o->c.help)
		return 0;
	if (npos == 0)
		return neto_err_set(err, "add, list or delete?");
	if (strcmp(pos[0], "add") == 0) {
		o->cmd = INTENT_ADD;
		if (npos < 2)
			return neto_err_set(err, "intent add needs a KIND");
		o->kind = pos[1];
		if (npos == 3)
			o->json = pos[2];
		if (o->json && o->file)
			return neto_err_set(err, "give the intent as JSON or with --file, not both");
		if (!o->json && !o->file)
			return neto_err_set(err, "intent add needs the intent as JSON or --file FILE");
		return 0;
	}
	if (o->file)
		return neto_err_set(err, "--file applies to `neto intent add`");
	if (strcmp(pos[0], "list") == 0) {
		o->cmd = INTENT_LIST;
		if (npos > 1)
			return neto_err_set(err, "unexpected argument '%.60s'", pos[1]);
		return 0;
	}
	if (strcmp(pos[0], "delete") == 0) {
		o->cmd = INTENT_DELETE;
		if (npos != 2)
			return neto_err_set(err, npos < 2 ? "intent delete needs an ID"
							  : "intent delete takes one ID");
		return whole(pos[1], "intent ID", 1, INT64_MAX, &o->id, err);
	}
	return neto_err_set(err, "unknown intent command '%.60s' (add, list, delete)", pos[0]);
}

int api_serve_opts_parse(api_serve_opts *o, int argc, char *const *argv, neto_err *err)
{
	memset(o, 0, sizeof *o);
	bool dashdash = false;
	for (int i = 0; i < argc; i++) {
		if (argv[i] == NULL)
			return neto_err_set(err, "missing argument");
		char name[32];
		const char *iv;
		int kind = cut_option(argv, &i, &dashdash, name, sizeof name, &iv);
		if (kind == 2)
			continue;
		if (kind < 0)
			return neto_err_set(err, "unknown option '%.60s'", argv[i]);
		if (kind == 0)
			return neto_err_set(err, "unexpected argument '%.60s'", argv[i]);
		if (strcmp(name, "--help") == 0) {
			if (iv != NULL)
				return neto_err_set(err, "option --help takes no value");
			o->help = true;
		} else if (strcmp(name, "--config") == 0) {
			if (value(argc, argv, &i, iv, name, &o->config, err) != 0)
				return -1;
		} else if (strcmp(name, "--store") == 0) {
			if (value(argc, argv, &i, iv, name, &o->store, err) != 0)
				return -1;
			neto_err e;
			if (cfg_check_store_uri(o->store, &e) != 0)
				return neto_err_set(err, "option --store: %s", e.msg);
		} else if (strcmp(name, "--listen") == 0) {
			if (value(argc, argv, &i, iv, name, &o->listen, err) != 0)
				return -1;
			char *host;
			uint16_t port;
			bool loop;
			neto_err e;
			if (cfg_parse_listen(o->listen, &host, &port, &loop, &e) != 0)
				return neto_err_set(err, "option --listen: %s", e.msg);
			free(host);
		} else {
			return neto_err_set(err, "unknown option '%.60s'", argv[i]);
		}
	}
	return 0;
}
