/* test_te_opts.c - `neto te` command-line parsing: values, defaults, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "cli/te_opts.h"

/* Copies the literals into writable storage, as a real argv is; the parsed
 * options point into it, so it is static. */
static int parse_v(te_opts *o, neto_err *e, int n, const char *const *args)
{
	static char store[32][128];
	char *argv[32];
	for (int i = 0; i < n; i++) {
		snprintf(store[i], sizeof store[i], "%s", args[i]);
		argv[i] = store[i];
	}
	return te_opts_parse(o, n, argv, e);
}
#define ARGS(...) ((const char *[]){ __VA_ARGS__ })
#define NARGS(...) ((int)(sizeof((const char *[]){ __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, e, ...) parse_v((o), (e), NARGS(__VA_ARGS__), ARGS(__VA_ARGS__))

static void test_defaults(void **state)
{
	(void)state;
	te_opts o;
	neto_err e;
	assert_int_equal(PARSE(&o, &e, "--topology", "t", "--demands", "d"), 0);
	assert_string_equal(o.topology, "t");
	assert_string_equal(o.demands, "d");
	assert_null(o.classes);
	assert_int_equal(o.format, TE_OUT_TABLE);
	assert_int_equal(o.msd, 6);
	assert_int_equal(o.k, 0);
	assert_true(o.scale == 1.0);
	assert_false(o.exact);
}

static void test_all_forms(void **state)
{
	(void)state;
	te_opts o;
	neto_err e;
	assert_int_equal(PARSE(&o, &e, "-t", "t", "-d", "d", "-c", "c", "--format=json", "--msd", "4",
			       "--paths=8", "--exact", "-o", "out", "--scale", "2.5",
			       "--default-capacity=1000", "--top", "3", "-q"),
			 0);
	assert_string_equal(o.classes, "c");
	assert_string_equal(o.output, "out");
	assert_int_equal(o.format, TE_OUT_JSON);
	assert_int_equal(o.msd, 4);
	assert_int_equal(o.k, 8);
	assert_true(o.exact);
	assert_true(o.quiet);
	assert_true(o.scale == 2.5);
	assert_true(o.default_capacity == 1000);
	assert_int_equal(o.top, 3);
}

static void expect_error(int rc, const neto_err *e, const char *needle)
{
	assert_int_equal(rc, -1);
	if (strstr(e->msg, needle) == NULL)
		fail_msg("error '%s' does not mention '%s'", e->msg, needle);
}

static void test_errors(void **state)
{
	(void)state;
	te_opts o;
	neto_err e;
	expect_error(PARSE(&o, &e, "--demands", "d"), &e, "--topology");
	expect_error(PARSE(&o, &e, "--topology", "t"), &e, "--demands");
	expect_error(PARSE(&o, &e, "-t", "t", "-d", "d", "--msd"), &e, "needs a value");
	expect_error(PARSE(&o, &e, "-t", "t", "-d", "d", "--msd", "0"), &e, "--msd");
	expect_error(PARSE(&o, &e, "-t", "t", "-d", "d", "--msd", "7x"), &e, "--msd");
	expect_error(PARSE(&o, &e, "-t", "t", "-d", "d", "--paths", "65"), &e, "--paths");
	expect_error(PARSE(&o, &e, "-t", "t", "-d", "d", "--scale", "-1"), &e, "--scale");
	expect_error(PARSE(&o, &e, "-t", "t", "-d", "d", "--format", "xml"), &e, "xml");
	expect_error(PARSE(&o, &e, "-t", "t", "-d", "d", "--bogus"), &e, "--bogus");
	expect_error(PARSE(&o, &e, "-t", "t", "-d", "d", "stray"), &e, "stray");
	expect_error(PARSE(&o, &e, "-t", "t", "-d", "d", "--exact=yes"), &e, "no value");
	expect_error(PARSE(&o, &e, "-x"), &e, "-x");
}

static void test_help_skips_required(void **state)
{
	(void)state;
	te_opts o;
	neto_err e;
	assert_int_equal(PARSE(&o, &e, "--help"), 0);
	assert_true(o.help);
	/* every option is documented in the usage text */
	const char *opts[] = { "--topology", "--demands", "--classes", "--default-capacity",
			       "--scale", "--exact", "--compare", "--paths", "--msd", "--format", "--output",
			       "--top", "--quiet", "--help" };
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		assert_non_null(strstr(te_opts_usage, opts[i]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_forms),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_help_skips_required),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
