/*
 * test_api.c - the HTTP API end to end: a server on 127.0.0.1 (a free port)
 * over an SQLite store in a temporary directory, requests made with
 * libcurl. Status codes, headers and bodies of every route, authentication
 * failures, invalid and oversized bodies (nothing written), and /metrics.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/api.h"
#include "api/api_int.h"
#include "store/store.h"

#define TOKEN "test-token-0123456789"

typedef struct fixture {
	char dir[64];
	char uri[128];
	store *st;		/* the test's own handle, to seed and check */
	api_server *srv;
	char base[64];
} fixture;

typedef struct reply {
	long status;
	char *body;
	size_t len;
	char headers[2048];
} reply;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	reply *r = ud;
	size_t k = size * n;
	r->body = realloc(r->body, r->len + k + 1);
	memcpy(r->body + r->len, p, k);
	r->len += k;
	r->body[r->len] = '\0';
	return k;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	reply *r = ud;
	size_t k = size * n, have = strlen(r->headers);
	if (have + k + 1 < sizeof r->headers) {
		memcpy(r->headers + have, p, k);
		r->headers[have + k] = '\0';
	}
	return k;
}

static bool chunked; /* send bodies without a length (chunked encoding) */

/* One request; AUTH is the whole Authorization header value or NULL. */
static reply http(const fixture *f, const char *method, const char *path, const char *body,
		  size_t len, const char *auth)
{
	reply r = { 0 };
	r.body = calloc(1, 1);
	CURL *c = curl_easy_init();
	char url[512];
	snprintf(url, sizeof url, "%s%s", f->base, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	struct curl_slist *h = NULL;
	char line[256];
	if (auth) {
		snprintf(line, sizeof line, "Authorization: %s", auth);
		h = curl_slist_append(h, line);
	}
	if (body) {
		h = curl_slist_append(h, "Content-Type: application/json");
		if (chunked)
			h = curl_slist_append(h, "Transfer-Encoding: chunked");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	CURLcode rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		fail_msg("%s %s: %s", method, path, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return r;
}

static reply get(const fixture *f, const char *path)
{
	return http(f, "GET", path, NULL, 0, NULL);
}

/* The body as JSON (fails the test when it is not). */
static json_t *js(const reply *r)
{
	json_error_t je;
	json_t *v = json_loads(r->body, 0, &je);
	if (v == NULL)
		fail_msg("not JSON (%s): %.300s", je.text, r->body);
	return v;
}

static void expect_error(reply *r, long status, const char *field)
{
	if (r->status != status)
		fail_msg("status %ld, want %ld: %.300s", r->status, status, r->body);
	json_t *v = js(r);
	assert_true(json_is_string(json_object_get(v, "error")));
	const json_t *fv = json_object_get(v, "field");
	if (field == NULL)
		assert_true(json_is_null(fv));
	else
		assert_string_equal(json_string_value(fv), field);
	json_decref(v);
	free(r->body);
}

static int64_t intent_serial(const fixture *f)
{
	int64_t s;
	neto_err e;
	assert_int_equal(store_intent_serial(f->st, &s, &e), 0);
	return s;
}

static int start_server(fixture *f, const char *token)
{
	char listen[] = "127.0.0.1:0", host[] = "127.0.0.1";
	char tok[64];
	snprintf(tok, sizeof tok, "%s", token ? token : "");
	neto_cfg_api cfg = { .listen = listen, .host = host, .port = 0, .loopback = true,
			     .token = token ? tok : NULL };
	neto_err e;
	if (api_start(&cfg, f->uri, &f->srv, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	snprintf(f->base, sizeof f->base, "http://127.0.0.1:%u", (unsigned)api_port(f->srv));
	return 0;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	snprintf(f->dir, sizeof f->dir, "/tmp/neto-api-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->uri, sizeof f->uri, "sqlite:%s/neto.db", f->dir);
	neto_err e;
	if (store_open(&f->st, f->uri, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return -1;
	}
	if (start_server(f, TOKEN) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	api_stop(f->srv);
	store_close(f->st);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* ---- seed data ---------------------------------------------------------------- */

static const char topo_doc[] =
	"{\"unit\":\"Mbps\",\"nodes\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"}],"
	"\"links\":["
	"{\"id\":\"ab\",\"src\":\"a\",\"dst\":\"b\",\"capacity\":100,\"delay\":1000},"
	"{\"id\":\"ba\",\"src\":\"b\",\"dst\":\"a\",\"capacity\":100,\"delay\":1000},"
	"{\"id\":\"bc\",\"src\":\"b\",\"dst\":\"c\",\"capacity\":50,\"delay\":1000},"
	"{\"id\":\"cb\",\"src\":\"c\",\"dst\":\"b\",\"capacity\":50,\"delay\":1000,\"up\":false}]}";

static const char solution_doc[] =
	"{\"classes\":[{\"name\":\"gold\",\"priority\":0}],\"demands\":[],"
	"\"links\":[{\"id\":\"ab\",\"src\":\"a\",\"dst\":\"b\",\"capacity\":100,\"load\":40,"
	"\"delay\":1000},{\"id\":\"bc\",\"src\":\"b\",\"dst\":\"c\",\"capacity\":50,\"load\":25,"
	"\"delay\":1000}],\"summary\":{\"unit\":\"Mbps\"}}";

static const char plan_doc[] = "{\"classes\":[],\"initial\":{\"tunnels\":[]},\"steps\":[],"
			       "\"summary\":{\"steps\":2}}";

/* Topology, demands, a plan of two steps and three tasks, an agent, the
 * controller's metrics and telemetry. */
static void seed(fixture *f)
{
	neto_err e;
	int64_t v, id, epoch, plan_id;
	int changed, held;
	assert_int_equal(store_topology_put(f->st, "test", topo_doc, strlen(topo_doc), 1000, &v,
					    &changed, &e),
			 0);
	static const char dem[] = "src,dst,class,rate\na,c,gold,10\nc,a,gold,5.5\na,b,silver,3\n";
	assert_int_equal(store_demand_put(f->st, 2000, dem, strlen(dem), "exp1,exp2", &id, &e), 0);
	/* the server judges leases by the real clock */
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t real_now = (int64_t)ts.tv_sec * 1000;
	assert_int_equal(store_lease_acquire(f->st, "controller", "ctl-1", real_now, 600000,
					     &held, &epoch, &e),
			 0);
	assert_true(held);
	store_fence fence = { "ctl-1", epoch };
	store_task_in tasks[3] = {
		{ 0, "a", "c/gold", "apply", "{\"segment_lists\":[]}" },
		{ 0, "c", "a/gold", "apply", "{\"segment_lists\":[]}" },
		{ 1, "a", "b/gold", "remove", NULL },
	};
	store_plan_in in = { .kind = "reopt", .priority = 1, .topology_version = v,
			     .demand_id = id, .intent_serial = 0, .solution = solution_doc,
			     .plan = plan_doc, .nsteps = 2, .tasks = tasks, .ntasks = 3 };
	assert_int_equal(store_plan_create(f->st, &fence, &in, real_now, &plan_id, &e), 0);
	assert_int_equal(plan_id, 1);
	assert_int_equal(store_agent_heartbeat(f->st, "upd-1", "update", "a*,c", "{\"driver\":\"sim\"}",
					       5000, &e),
			 0);
	static const char metrics[] =
		"{\"cycles\":7,\"plans\":2,\"failures\":1,\"last_cycle_seconds\":0.25,"
		"\"te_seconds\":0.125,\"plan_seconds\":0.0625,\"steps\":2,\"tasks\":3,"
		"\"max_utilization\":0.8,\"allocated\":{\"gold\":15.5},\"demanded\":{\"gold\":15.5,"
		"\"sil\\\"ver\":3}}";
	assert_int_equal(store_kv_put(f->st, "metrics", "controller", metrics, strlen(metrics),
				      6000, &e),
			 0);
	static const char tel[] = "{\"at\":7000,\"links\":[{\"id\":\"ab\",\"load\":42},"
				  "{\"src\":\"b\",\"dst\":\"a\",\"load\":7},"
				  "{\"label\":\"nope\",\"load\":1}]}";
	assert_int_equal(store_kv_put(f->st, "telemetry", "links", tel, strlen(tel), 7000, &e), 0);
}

/* ---- tests -------------------------------------------------------------------- */

static void test_empty_store(void **state)
{
	fixture *f = *state;
	reply r = get(f, "/health");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.headers, "Content-Type: application/json"));
	json_t *v = js(&r);
	assert_true(json_is_true(json_object_get(v, "ok")));
	assert_string_equal(json_string_value(json_object_get(v, "store")), "sqlite");
	assert_true(json_is_null(json_object_get(v, "controller")));
	json_decref(v);
	free(r.body);

	static const char *const missing[] = { "/topology", "/links", "/demands", "/solution" };
	for (size_t i = 0; i < 4; i++) {
		r = get(f, missing[i]);
		expect_error(&r, 404, NULL);
	}
	r = get(f, "/plans");
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"plans\":[]}");
	free(r.body);
	r = get(f, "/intents");
	assert_string_equal(r.body, "{\"intents\":[]}");
	free(r.body);
	r = get(f, "/metrics");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "neto_tasks{state=\"pending\"} 0\n"));
	assert_null(strstr(r.body, "neto_cycle_seconds"));
	free(r.body);
}

static void test_routes_and_methods(void **state)
{
	fixture *f = *state;
	static const char *const not_found[] = { "/",         "/nope",     "/plans/",
						 "/plans/0",  "/plans/x",  "/plans/01",
						 "/health/",  "/intents/", "/plans/1/x" };
	for (size_t i = 0; i < sizeof not_found / sizeof not_found[0]; i++) {
		reply r = get(f, not_found[i]);
		if (r.status != 404)
			fail_msg("%s: %ld", not_found[i], r.status);
		expect_error(&r, 404, NULL);
	}
	reply r = http(f, "POST", "/health", "{}", 2, "Bearer " TOKEN);
	assert_non_null(strstr(r.headers, "Allow: GET, HEAD"));
	expect_error(&r, 405, NULL);
	r = http(f, "PUT", "/intents", "{}", 2, "Bearer " TOKEN);
	assert_non_null(strstr(r.headers, "Allow: GET, HEAD, POST"));
	expect_error(&r, 405, NULL);
	r = http(f, "GET", "/intents/3", NULL, 0, NULL);
	expect_error(&r, 405, NULL);
	r = http(f, "HEAD", "/health", NULL, 0, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.len, 0);
	free(r.body);
	r = get(f, "/plans?limit=0");
	expect_error(&r, 400, "limit");
	r = get(f, "/tasks?state=running");
	expect_error(&r, 400, "state");
	r = get(f, "/tasks?plan=-1");
	expect_error(&r, 400, "plan");
	r = get(f, "/audit?after=x");
	expect_error(&r, 400, "after");
}

static void test_reads(void **state)
{
	fixture *f = *state;
	seed(f);

	reply r = get(f, "/topology");
	assert_int_equal(r.status, 200);
	json_t *v = js(&r);
	assert_int_equal(json_integer_value(json_object_get(v, "version")), 1);
	assert_int_equal(json_integer_value(json_object_get(v, "at")), 1000);
	json_t *want = json_loads(topo_doc, 0, NULL);
	assert_true(json_equal(json_object_get(v, "topology"), want));
	json_decref(want);
	json_decref(v);
	free(r.body);

	r = get(f, "/links");
	assert_int_equal(r.status, 200);
	v = js(&r);
	assert_string_equal(json_string_value(json_object_get(v, "unit")), "Mbps");
	assert_int_equal(json_integer_value(json_object_get(v, "plan_id")), 1);
	assert_int_equal(json_integer_value(json_object_get(v, "telemetry_at")), 7000);
	assert_int_equal(json_integer_value(json_object_get(v, "unmatched_measurements")), 1);
	json_t *links = json_object_get(v, "links");
	assert_int_equal(json_array_size(links), 4);
	json_t *ab = json_array_get(links, 0), *ba = json_array_get(links, 1),
	       *bc = json_array_get(links, 2), *cb = json_array_get(links, 3);
	assert_string_equal(json_string_value(json_object_get(ab, "id")), "ab");
	assert_true(json_real_value(json_object_get(ab, "planned")) == 40);
	assert_true(json_real_value(json_object_get(ab, "measured")) == 42);
	assert_true(json_real_value(json_object_get(ab, "utilization")) == 0.42);
	assert_true(json_is_null(json_object_get(ba, "planned")));
	assert_true(json_real_value(json_object_get(ba, "measured")) == 7);
	assert_true(json_is_null(json_object_get(bc, "measured")));
	assert_true(json_real_value(json_object_get(bc, "utilization")) == 0.5);
	assert_true(json_is_false(json_object_get(cb, "up")));
	assert_true(json_real_value(json_object_get(cb, "utilization")) == 0);
	json_decref(v);
	free(r.body);

	r = get(f, "/demands");
	assert_int_equal(r.status, 200);
	v = js(&r);
	assert_int_equal(json_integer_value(json_object_get(v, "at")), 2000);
	assert_true(json_real_value(json_object_get(v, "total")) == 18.5);
	assert_int_equal(json_array_size(json_object_get(v, "demands")), 3);
	assert_int_equal(json_array_size(json_object_get(v, "missing")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "missing"), 1)),
			    "exp2");
	assert_true(json_real_value(json_object_get(json_object_get(v, "classes"), "gold")) == 15.5);
	json_t *d1 = json_array_get(json_object_get(v, "demands"), 1);
	assert_string_equal(json_string_value(json_object_get(d1, "src")), "c");
	assert_true(json_real_value(json_object_get(d1, "rate")) == 5.5);
	json_decref(v);
	free(r.body);

	r = get(f, "/solution");
	assert_int_equal(r.status, 200);
	v = js(&r);
	assert_int_equal(json_integer_value(json_object_get(v, "plan_id")), 1);
	want = json_loads(solution_doc, 0, NULL);
	assert_true(json_equal(json_object_get(v, "solution"), want));
	json_decref(want);
	json_decref(v);
	free(r.body);

	r = get(f, "/plans");
	v = js(&r);
	json_t *p = json_array_get(json_object_get(v, "plans"), 0);
	assert_int_equal(json_integer_value(json_object_get(p, "id")), 1);
	assert_string_equal(json_string_value(json_object_get(p, "state")), "running");
	assert_string_equal(json_string_value(json_object_get(p, "kind")), "reopt");
	assert_int_equal(json_integer_value(json_object_get(p, "nsteps")), 2);
	json_decref(v);
	free(r.body);

	r = get(f, "/plans/1");
	assert_int_equal(r.status, 200);
	v = js(&r);
	json_t *steps = json_object_get(v, "step_tasks");
	assert_int_equal(json_array_size(steps), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(steps, 0), "tasks")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(steps, 0), "pending")),
			 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(steps, 1), "tasks")), 1);
	want = json_loads(plan_doc, 0, NULL);
	assert_true(json_equal(json_object_get(v, "plan"), want));
	json_decref(want);
	json_decref(v);
	free(r.body);
	r = get(f, "/plans/2");
	expect_error(&r, 404, NULL);

	r = get(f, "/tasks?plan=1&state=pending&step=0");
	assert_int_equal(r.status, 200);
	v = js(&r);
	json_t *tasks = json_object_get(v, "tasks");
	assert_int_equal(json_array_size(tasks), 2);
	json_t *t0 = json_array_get(tasks, 0);
	assert_string_equal(json_string_value(json_object_get(t0, "router")), "a");
	assert_string_equal(json_string_value(json_object_get(t0, "policy")), "c/gold");
	assert_true(json_is_array(json_object_get(json_object_get(t0, "desired"), "segment_lists")));
	json_decref(v);
	free(r.body);
	r = get(f, "/tasks?plan=1&state=done");
	assert_string_equal(r.body, "{\"tasks\":[]}");
	free(r.body);
	r = get(f, "/tasks");
	v = js(&r);
	assert_int_equal(json_array_size(json_object_get(v, "tasks")), 3);
	json_decref(v);
	free(r.body);

	r = get(f, "/agents");
	v = js(&r);
	json_t *a = json_array_get(json_object_get(v, "agents"), 0);
	assert_string_equal(json_string_value(json_object_get(a, "name")), "upd-1");
	assert_int_equal(json_array_size(json_object_get(a, "routers")), 2);
	assert_string_equal(json_string_value(json_object_get(json_object_get(a, "info"), "driver")),
			    "sim");
	json_decref(v);
	free(r.body);

	r = get(f, "/health");
	v = js(&r);
	json_t *ctl = json_object_get(v, "controller");
	assert_string_equal(json_string_value(json_object_get(ctl, "holder")), "ctl-1");
	assert_int_equal(json_integer_value(json_object_get(ctl, "epoch")), 1);
	assert_true(json_is_null(json_object_get(v, "scheduler")));
	json_decref(v);
	free(r.body);

	r = get(f, "/audit?after=0&limit=1000");
	assert_int_equal(r.status, 200);
	v = js(&r);
	assert_true(json_array_size(json_object_get(v, "audit")) >= 1);
	int64_t next = json_integer_value(json_object_get(v, "next"));
	json_decref(v);
	free(r.body);
	char path[64];
	snprintf(path, sizeof path, "/audit?after=%lld", (long long)next);
	r = get(f, path);
	v = js(&r);
	assert_int_equal(json_array_size(json_object_get(v, "audit")), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "next")), next);
	json_decref(v);
	free(r.body);
}

static void test_metrics(void **state)
{
	fixture *f = *state;
	seed(f);
	reply r = get(f, "/metrics");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.headers, "Content-Type: text/plain; version=0.0.4"));
	static const char *const lines[] = {
		"# TYPE neto_cycle_seconds gauge\nneto_cycle_seconds 0.25\n",
		"neto_te_seconds 0.125\n",
		"neto_plan_seconds 0.0625\n",
		"# TYPE neto_cycles_total counter\nneto_cycles_total 7\n",
		"neto_cycle_failures_total 1\n",
		"neto_tasks{state=\"pending\"} 3\n",
		"neto_tasks{state=\"done\"} 0\n",
		"neto_link_utilization{link=\"ab\"} 0.42\n",
		"neto_link_utilization{link=\"bc\"} 0.5\n",
		"neto_allocated_rate{class=\"gold\"} 15.5\n",
		"neto_demanded_rate{class=\"sil\\\"ver\"} 3\n",
	};
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		if (strstr(r.body, lines[i]) == NULL)
			fail_msg("metrics lack '%s':\n%s", lines[i], r.body);
	free(r.body);
}

static void test_intents(void **state)
{
	fixture *f = *state;
	static const char ok[] = "{\"kind\":\"drain-link\",\"dst\":\"b\",\"src\":\"a\"}";
	int64_t serial = intent_serial(f);

	/* authentication first: nothing is looked at without it */
	reply r = http(f, "POST", "/intents", ok, strlen(ok), NULL);
	assert_non_null(strstr(r.headers, "WWW-Authenticate: Bearer"));
	expect_error(&r, 401, NULL);
	r = http(f, "POST", "/intents", ok, strlen(ok), "Basic dXNlcjpwYXNz");
	expect_error(&r, 401, NULL);
	r = http(f, "POST", "/intents", ok, strlen(ok), "Bearer wrong-token-0123456789");
	expect_error(&r, 403, NULL);
	r = http(f, "POST", "/intents", ok, strlen(ok), "Bearer " TOKEN "x");
	expect_error(&r, 403, NULL);
	r = http(f, "POST", "/intents", "{", 1, "Bearer wrong");
	expect_error(&r, 403, NULL);

	/* invalid bodies: 400 with the field, nothing written */
	r = http(f, "POST", "/intents", "{\"kind\":", 8, "Bearer " TOKEN);
	expect_error(&r, 400, NULL);
	static const char bad[] = "{\"kind\":\"share\",\"class\":\"g\",\"share\":2}";
	r = http(f, "POST", "/intents", bad, strlen(bad), "Bearer " TOKEN);
	expect_error(&r, 400, "share");
	r = http(f, "POST", "/intents", "", 0, "Bearer " TOKEN);
	expect_error(&r, 400, NULL);
	assert_int_equal(intent_serial(f), serial);

	/* over the cap: 413, declared or not, nothing written */
	size_t big = API_MAX_BODY + 10;
	char *huge = malloc(big);
	memset(huge, ' ', big);
	static const char small[] = "{\"kind\":\"drain-router\",\"router\":\"a\"}";
	memcpy(huge, small, strlen(small));
	r = http(f, "POST", "/intents", huge, big, "Bearer " TOKEN);
	expect_error(&r, 413, NULL);
	chunked = true;
	r = http(f, "POST", "/intents", huge, big, "Bearer " TOKEN);
	expect_error(&r, 413, NULL);
	/* a chunked body under the cap goes through like any other */
	r = http(f, "POST", "/intents", huge, API_MAX_BODY, "Bearer " TOKEN);
	chunked = false;
	assert_int_equal(r.status, 201);
	free(r.body);
	free(huge);
	serial++;
	assert_int_equal(intent_serial(f), serial);

	/* a good one with a bearer scheme in another case */
	r = http(f, "POST", "/intents", ok, strlen(ok), "bearer " TOKEN);
	assert_int_equal(r.status, 201);
	json_t *v = js(&r);
	int64_t id = json_integer_value(json_object_get(v, "id"));
	assert_true(id > 0);
	assert_string_equal(json_string_value(json_object_get(v, "kind")), "drain-link");
	json_decref(v);
	free(r.body);
	assert_int_equal(intent_serial(f), serial + 1);

	neto_err e;
	store_intent *iv;
	size_t n;
	assert_int_equal(store_intent_list(f->st, &iv, &n, &e), 0);
	assert_int_equal(n, 2);
	assert_string_equal(iv[0].kind, "drain-router");
	assert_string_equal(iv[1].kind, "drain-link");
	assert_string_equal(iv[1].body, "{\"src\":\"a\",\"dst\":\"b\"}");
	store_intent_free(iv, n);

	r = get(f, "/intents");
	v = js(&r);
	json_t *i0 = json_array_get(json_object_get(v, "intents"), 1);
	assert_int_equal(json_integer_value(json_object_get(i0, "id")), id);
	assert_string_equal(json_string_value(json_object_get(json_object_get(i0, "body"), "src")),
			    "a");
	json_decref(v);
	free(r.body);

	/* delete: authenticated, once */
	char path[64];
	snprintf(path, sizeof path, "/intents/%lld", (long long)id);
	r = http(f, "DELETE", path, NULL, 0, NULL);
	expect_error(&r, 401, NULL);
	r = http(f, "DELETE", path, NULL, 0, "Bearer nope-nope-nope-nope");
	expect_error(&r, 403, NULL);
	r = http(f, "DELETE", path, NULL, 0, "Bearer " TOKEN);
	assert_int_equal(r.status, 200);
	free(r.body);
	r = http(f, "DELETE", path, NULL, 0, "Bearer " TOKEN);
	expect_error(&r, 404, NULL);
	r = get(f, "/intents");
	v = js(&r);
	assert_int_equal(json_array_size(json_object_get(v, "intents")), 1);
	json_decref(v);
	free(r.body);

	/* both changes are in the audit log */
	r = get(f, "/audit");
	assert_non_null(strstr(r.body, "\"action\":\"intent-add\""));
	assert_non_null(strstr(r.body, "\"action\":\"intent-delete\""));
	free(r.body);
}

/* On loopback without a token, mutating requests need no credentials. */
static void test_no_token(void **state)
{
	fixture *f = *state;
	api_stop(f->srv);
	assert_int_equal(start_server(f, NULL), 0);
	static const char ok[] = "{\"kind\":\"drain-router\",\"router\":\"b\"}";
	reply r = http(f, "POST", "/intents", ok, strlen(ok), NULL);
	assert_int_equal(r.status, 201);
	free(r.body);
	r = http(f, "POST", "/intents", ok, strlen(ok), "Bearer anything");
	assert_int_equal(r.status, 201);
	free(r.body);
}

static void test_start_errors(void **state)
{
	fixture *f = *state;
	neto_err e;
	api_server *s = NULL;
	char any[] = "0.0.0.0", lo[] = "127.0.0.1";
	neto_cfg_api pub = { .listen = any, .host = any, .port = 0 };
	assert_int_equal(api_start(&pub, f->uri, &s, &e), -1);
	assert_non_null(strstr(e.msg, "needs a token"));
	assert_null(s);
	/* the port of the running server is taken */
	neto_cfg_api same = { .listen = lo, .host = lo, .port = api_port(f->srv),
			      .loopback = true };
	assert_int_equal(api_start(&same, f->uri, &s, &e), -1);
	assert_non_null(strstr(e.msg, "cannot listen"));
	neto_cfg_api ok = { .listen = lo, .host = lo, .loopback = true };
	assert_int_equal(api_start(&ok, "sqlite:/nonexistent/dir/x.db", &s, &e), -1);
	api_stop(NULL);
}

static void test_auth_check(void **state)
{
	(void)state;
	assert_int_equal(api_auth_check(NULL, "abc"), 401);
	assert_int_equal(api_auth_check("", "abc"), 401);
	assert_int_equal(api_auth_check("Token abc", "abc"), 401);
	assert_int_equal(api_auth_check("Bearerabc", "abc"), 401);
	assert_int_equal(api_auth_check("Bearer abc", "abc"), 0);
	assert_int_equal(api_auth_check("BEARER   abc", "abc"), 0);
	assert_int_equal(api_auth_check("Bearer ab", "abc"), 403);
	assert_int_equal(api_auth_check("Bearer abcd", "abc"), 403);
	assert_int_equal(api_auth_check("Bearer abd", "abc"), 403);
	assert_int_equal(api_auth_check("Bearer ", "abc"), 403);
}

int main(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_routes_and_methods, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_start_errors, setup, teardown),
		cmocka_unit_test(test_auth_check),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return rc;
}
