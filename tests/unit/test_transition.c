/* test_transition.c - the controller's [controller] transition switch on the
 * lab square (tests/data/lab/square.json, 10 Mbit/s links) and the demand
 * change of tests/data/lab/transition_{a,b}.csv: two gold flows (a->c,
 * b->d) installed on their shortest paths, then gold transfers a<->b of 9
 * Mbit/s that push them off a-b and b-a. Planned, the move takes more than
 * one step and the verifier finds no overload; one-shot, it is a single
 * step holding every update, and the controller says that the verifier
 * finds transient overloads (the same ones the planner avoided). The
 * `transition` key parses, prints back and refuses other values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg/cfg.h"
#include "ctl/ctl.h"
#include "demand/demand.h"
#include "store/store.h"
#include "testutil.h"
#include "topo/topo_io.h"

typedef struct fixture {
	topo t;
	class_set cs;
	demand_set a, b;
	ctl_intents in;
} fixture;

static void load(fixture *f)
{
	size_t len;
	neto_err e;
	topo_init(&f->t);
	char *buf = tu_read("tests/data/lab/square.json", &len);
	if (topo_parse(&f->t, TOPO_FMT_AUTO, buf, len, "square.json", NULL, &e) != 0)
		fail_msg("%s", e.msg);
	free(buf);
	class_set_init(&f->cs);
	assert_int_equal(class_set_add(&f->cs, "gold", 4, 0, 4, TE_LAT_LOW, 0, &e), 0);
	assert_int_equal(class_set_add(&f->cs, "silver", 6, 1, 4, TE_LAT_LOW, 0, &e), 0);
	assert_int_equal(class_set_add(&f->cs, "bronze", 6, 2, 4, TE_LAT_ANY, 0, &e), 0);
	const char *files[2] = { "tests/data/lab/transition_a.csv",
				 "tests/data/lab/transition_b.csv" };
	demand_set *ds[2] = { &f->a, &f->b };
	for (int i = 0; i < 2; i++) {
		demand_set_init(ds[i]);
		buf = tu_read(files[i], &len);
		if (demand_parse(ds[i], DEMAND_FMT_AUTO, &f->t, &f->cs, buf, len, files[i], &e) !=
		    0)
			fail_msg("%s", e.msg);
		free(buf);
	}
	memset(&f->in, 0, sizeof f->in);
}

static void unload(fixture *f)
{
	demand_set_free(&f->a);
	demand_set_free(&f->b);
	class_set_free(&f->cs);
	topo_free(&f->t);
}

/* The routers' reports after a plan r is done: each applied task's desired
 * state, as the router agents echo it. Strings are borrowed from r. */
static store_installed *installed_of(const ctl_result *r, size_t *n)
{
	store_installed *v = calloc(r->n_tasks + 1, sizeof *v);
	assert_non_null(v);
	*n = 0;
	for (size_t i = 0; i < r->n_tasks; i++)
		if (r->tasks[i].desired)
			v[(*n)++] = (store_installed){ .router = r->tasks[i].router,
						       .policy = r->tasks[i].policy,
						       .body = r->tasks[i].desired };
	return v;
}

/* Computes the move from demands A (installed by a first cycle) to B. */
static void move(fixture *f, bool one_shot, ctl_result *out)
{
	neto_err e;
	ctl_result first;
	ctl_input ci = { .t = &f->t,
			 .classes = &f->cs,
			 .demands = &f->a,
			 .intents = &f->in,
			 .params = { .msd = 10, .max_steps = 10, .one_shot = one_shot } };
	if (ctl_compute(&ci, &first, &e) != 0)
		fail_msg("%s", e.msg);
	assert_true(first.n_tasks >= 2);
	size_t n;
	store_installed *inst = installed_of(&first, &n);
	assert_int_equal(n, 4);
	ci.demands = &f->b;
	ci.installed = inst;
	ci.n_installed = n;
	if (ctl_compute(&ci, out, &e) != 0)
		fail_msg("%s", e.msg);
	free(inst);
	ctl_result_free(&first);
}

static void test_planned(void **state)
{
	(void)state;
	fixture f;
	load(&f);
	ctl_result r;
	move(&f, false, &r);
	assert_false(r.one_shot);
	assert_int_equal(r.n_violations, 0);
	assert_true(r.n_steps >= 2);
	int last = 0;
	for (size_t i = 0; i < r.n_tasks; i++)
		last = r.tasks[i].step > last ? r.tasks[i].step : last;
	assert_int_equal(last, r.n_steps - 1);
	assert_true(r.log == NULL || strstr(r.log, "one-shot") == NULL);
	ctl_result_free(&r);
	unload(&f);
}

static void test_one_shot(void **state)
{
	(void)state;
	fixture f;
	load(&f);
	ctl_result planned, r;
	move(&f, false, &planned);
	move(&f, true, &r);
	assert_true(r.one_shot);
	assert_int_equal(r.n_steps, 1);
	/* every update in the one step, and the same final state: each
	 * tunnel's last task carries the planned run's last desired state */
	for (size_t i = 0; i < r.n_tasks; i++)
		assert_int_equal(r.tasks[i].step, 0);
	for (size_t i = 0; i < r.n_tasks; i++) {
		const ctl_task *want = NULL;
		for (size_t j = 0; j < planned.n_tasks; j++)
			if (strcmp(planned.tasks[j].router, r.tasks[i].router) == 0 &&
			    strcmp(planned.tasks[j].policy, r.tasks[i].policy) == 0)
				want = &planned.tasks[j];
		if (want == NULL)
			fail_msg("%s %s: not in the planned transition", r.tasks[i].router,
				 r.tasks[i].policy);
		assert_string_equal(r.tasks[i].action, want->action);
		if (want->desired == NULL)
			assert_null(r.tasks[i].desired);
		else
			assert_string_equal(r.tasks[i].desired, want->desired);
	}
	/* the planner needed more than one step, so the single one overloads a
	 * link while it is applied, and the log says so */
	assert_true(r.n_violations > 0);
	assert_non_null(r.log);
	assert_non_null(strstr(r.log, "one-shot transition (planning disabled)"));
	assert_non_null(strstr(r.log, "transient overload"));
	assert_null(strstr(r.log, "\"limit\""));
	for (size_t i = 0; i < r.n_tasks; i++)
		assert_true(r.tasks[i].desired == NULL || strstr(r.tasks[i].desired, "limit") == NULL);
	ctl_result_free(&planned);
	ctl_result_free(&r);
	unload(&f);
}

/* Nothing to move: one-shot is still one step, and congestion-free. */
static void test_one_shot_quiet(void **state)
{
	(void)state;
	fixture f;
	load(&f);
	neto_err e;
	ctl_result r;
	ctl_input ci = { .t = &f.t,
			 .classes = &f.cs,
			 .demands = &f.a,
			 .intents = &f.in,
			 .params = { .msd = 10, .max_steps = 10, .one_shot = true } };
	if (ctl_compute(&ci, &r, &e) != 0)
		fail_msg("%s", e.msg);
	assert_int_equal(r.n_steps, 1);
	assert_int_equal(r.n_violations, 0);
	assert_non_null(strstr(r.log, "finds it congestion-free"));
	ctl_result_free(&r);
	unload(&f);
}

static int parse_str(const char *s, neto_cfg *c, neto_err *e)
{
	return cfg_parse(s, strlen(s), "t.ini", c, e);
}

static void test_cfg_key(void **state)
{
	(void)state;
	neto_cfg c;
	neto_err e;
	assert_int_equal(parse_str("", &c, &e), 0);
	assert_false(c.controller.one_shot);
	neto_cfg_free(&c);
	assert_int_equal(parse_str("[controller]\ntransition = planned\n", &c, &e), 0);
	assert_false(c.controller.one_shot);
	neto_cfg_free(&c);
	assert_int_equal(parse_str("[controller]\ntransition = one-shot\n", &c, &e), 0);
	assert_true(c.controller.one_shot);
	char *text = cfg_print(&c, 0);
	assert_non_null(strstr(text, "\ntransition = one-shot\n"));
	neto_cfg back;
	assert_int_equal(cfg_parse(text, strlen(text), "printed", &back, &e), 0);
	assert_true(back.controller.one_shot);
	neto_cfg_free(&back);
	free(text);
	neto_cfg_free(&c);
	assert_int_equal(parse_str("[controller]\ntransition = oneshot\n", &c, &e), -1);
	assert_non_null(strstr(e.msg, "t.ini:2: [controller] transition: 'oneshot' is not planned "
				      "or one-shot"));
	assert_int_equal(
		parse_str("[controller]\ntransition = planned\ntransition = planned\n", &c, &e), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_planned),
		cmocka_unit_test(test_one_shot),
		cmocka_unit_test(test_one_shot_quiet),
		cmocka_unit_test(test_cfg_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
