/*
 * fuzz_plan_json.c - the reader of plan files (`neto plan --verify`), on
 * arbitrary bytes against a fixed four-node topology. A success must give
 * configurations that the verifier can check and that survive a round trip:
 * written back as a plan document and read again, every configuration has
 * the same link loads. A failure must leave nothing behind but a message.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan_json.h"
#include "topo/topo_io.h"

/* Kept for the life of the process. */
static const topo *fuzz_topo(void)
{
	static topo t;
	static int ready;
	static const char doc[] =
		"{\"unit\":\"kbps\",\"nodes\":[{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"},"
		"{\"name\":\"d\"}],\"links\":["
		"{\"id\":\"ab\",\"src\":\"a\",\"dst\":\"b\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"ba\",\"src\":\"b\",\"dst\":\"a\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"bc\",\"src\":\"b\",\"dst\":\"c\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"cb\",\"src\":\"c\",\"dst\":\"b\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"cd\",\"src\":\"c\",\"dst\":\"d\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"dc\",\"src\":\"d\",\"dst\":\"c\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"ad\",\"src\":\"a\",\"dst\":\"d\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"da\",\"src\":\"d\",\"dst\":\"a\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"ac\",\"src\":\"a\",\"dst\":\"c\",\"capacity\":10,\"delay\":100},"
		"{\"id\":\"ac2\",\"src\":\"a\",\"dst\":\"c\",\"capacity\":10,\"delay\":100}]}";
	if (!ready) {
		neto_err err;
		topo_init(&t);
		if (topo_parse_json(&t, doc, sizeof doc - 1, "fuzz-topo.json", &err) != 0)
			abort();
		ready = 1;
	}
	return &t;
}

static void round_trip(const topo *t, const plan_space *s, double **cfg, size_t n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (f == NULL)
		abort();
	plan_doc d = { .s = s, .cfg = (const double *const *)cfg, .n_configs = n };
	if (plan_json_write(f, &d) != 0)
		abort();
	fclose(f);
	plan_space s2;
	double **cfg2;
	size_t n2;
	neto_err err;
	plan_space_init(&s2, t);
	if (plan_json_parse(&s2, &cfg2, &n2, buf, len, "again.json", &err) != 0 || n2 != n)
		abort();
	double l1[16], l2[16];
	for (size_t k = 0; k < n; k++) {
		plan_link_loads(s, cfg[k], l1);
		plan_link_loads(&s2, cfg2[k], l2);
		for (uint32_t l = 0; l < t->n_links; l++)
			if (!(fabs(l1[l] - l2[l]) <= 1e-12 * (1 + l1[l])) && isfinite(l1[l]))
				abort();
	}
	plan_json_cfg_free(cfg2, n2);
	plan_space_free(&s2);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const topo *t = fuzz_topo();
	plan_space s;
	double **cfg = NULL;
	size_t n = 0;
	neto_err err;
	err.msg[0] = '\0';
	plan_space_init(&s, t);
	int rc = plan_json_parse(&s, &cfg, &n, (const char *)data, size, "fuzz.json", &err);
	if (rc != 0) {
		if (rc != -1 || cfg != NULL || n != 0 || s.n_tunnels != 0 || err.msg[0] == '\0')
			abort();
		plan_space_free(&s);
		return 0;
	}
	if (n < 1 || n > PLAN_MAX_STEPS + 1)
		abort();
	double worst[PLAN_MAX_STEPS];
	plan_violation v[8];
	size_t nv = plan_verify(&s, (const double *const *)cfg, n, v, 8, worst);
	for (size_t i = 0; i < nv && i < 8; i++)
		if (v[i].step + 1 >= n || v[i].link >= t->n_links || !(v[i].load > v[i].capacity))
			abort();
	round_trip(t, &s, cfg, n);
	plan_json_cfg_free(cfg, n);
	plan_space_free(&s);
	return 0;
}
