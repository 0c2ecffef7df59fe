/*
 * test_api_intent.c - the intent validator of the API: the stored form of
 * every kind (canonical member order, defaults filled in), and for invalid
 * documents the message and the JSON path of the value at fault.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/api.h"

static void test_valid(void **state)
{
	(void)state;
	static const struct {
		const char *in, *kind, *body;
	} cases[] = {
		{ "{\"kind\":\"drain-link\",\"src\":\"PAR\",\"dst\":\"LON\"}", "drain-link",
		  "{\"src\":\"PAR\",\"dst\":\"LON\"}" },
		{ "{\"dst\":\"LON\",\"src\":\"PAR\",\"kind\":\"drain-link\"}", "drain-link",
		  "{\"src\":\"PAR\",\"dst\":\"LON\"}" },
		{ "{\"kind\":\"drain-link\",\"link\":\"PAR-LON_2\"}", "drain-link",
		  "{\"link\":\"PAR-LON_2\"}" },
		{ " {\"kind\" : \"drain-router\", \"router\" : \"Zürich\"}\n", "drain-router",
		  "{\"router\":\"Zürich\"}" },
		{ "{\"kind\":\"classes\",\"classes\":[{\"priority\":0,\"name\":\"gold\",\"k\":2},"
		  "{\"name\":\"bronze\",\"priority\":7}]}",
		  "classes",
		  "{\"classes\":[{\"name\":\"gold\",\"priority\":0,\"k\":2},"
		  "{\"name\":\"bronze\",\"priority\":7,\"k\":4}]}" },
		{ "{\"kind\":\"share\",\"class\":\"bronze\",\"share\":1}", "share",
		  "{\"class\":\"bronze\",\"share\":1.0}" },
		{ "{\"kind\":\"share\",\"class\":\"bronze\",\"share\":0.25,\"pairs\":[[\"a\",\"b\"],"
		  "[\"b\",\"a\"]]}",
		  "share", "{\"class\":\"bronze\",\"share\":0.25,\"pairs\":[[\"a\",\"b\"],[\"b\",\"a\"]]}" },
		{ "{\"kind\":\"pin\",\"class\":\"gold\",\"path\":[\"a\",\"b\",\"c\"],\"src\":\"a\","
		  "\"dst\":\"c\"}",
		  "pin", "{\"src\":\"a\",\"dst\":\"c\",\"class\":\"gold\",\"path\":[\"a\",\"b\",\"c\"]}" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		api_intent it;
		api_error e;
		if (api_intent_parse(cases[i].in, strlen(cases[i].in), &it, &e) != 0)
			fail_msg("case %zu: %s: %s", i, e.field, e.msg);
		assert_string_equal(it.kind, cases[i].kind);
		assert_string_equal(it.body, cases[i].body);
		api_intent_free(&it);
		assert_null(it.kind);
	}
}

static void test_invalid(void **state)
{
	(void)state;
	static const struct {
		const char *in, *field, *msg;
	} cases[] = {
		{ "", "", "invalid JSON: line 1, column 0: '[' or '{' expected near end of file" },
		{ "{\"kind\":\"drain-router\",\"router\":\"a\"", "", NULL },
		{ "[1]", "", "an intent is a JSON object" },
		{ "{\"router\":\"a\"}", "kind", "missing" },
		{ "{\"kind\":3}", "kind", "must be a string" },
		{ "{\"kind\":\"reboot\"}", "kind",
		  "unknown kind 'reboot' (drain-link, drain-router, classes, share, pin)" },
		{ "{\"kind\":\"drain-router\",\"router\":\"a\",\"router\":\"b\"}", "", NULL },
		{ "{\"kind\":\"drain-router\"}", "router", "missing" },
		{ "{\"kind\":\"drain-router\",\"router\":\"\"}", "router",
		  "must be 1 to 256 bytes without control characters" },
		{ "{\"kind\":\"drain-router\",\"router\":\"a\\tb\"}", "router",
		  "must be 1 to 256 bytes without control characters" },
		{ "{\"kind\":\"drain-router\",\"router\":\"a\\u0000b\"}", "", NULL },
		{ "{\"kind\":\"drain-router\",\"router\":[\"a\"]}", "router", "must be a string" },
		{ "{\"kind\":\"drain-router\",\"router\":\"a\",\"why\":\"x\"}", "why", "unknown member" },
		{ "{\"kind\":\"drain-link\",\"src\":\"a\"}", "dst", "missing" },
		{ "{\"kind\":\"drain-link\",\"src\":\"a\",\"dst\":\"a\"}", "dst", "same node as src" },
		{ "{\"kind\":\"drain-link\",\"link\":\"l\",\"dst\":\"a\"}", "link",
		  "give either \"link\" or \"src\" and \"dst\", not both" },
		{ "{\"kind\":\"drain-link\"}", "src", "missing" },
		{ "{\"kind\":\"classes\"}", "classes", "missing" },
		{ "{\"kind\":\"classes\",\"classes\":[]}", "classes", "must be an array of 1 to 64 classes" },
		{ "{\"kind\":\"classes\",\"classes\":[3]}", "classes[0]", "must be an object" },
		{ "{\"kind\":\"classes\",\"classes\":[{\"name\":\"g\"}]}", "classes[0].priority",
		  "missing" },
		{ "{\"kind\":\"classes\",\"classes\":[{\"name\":\"g\",\"priority\":-1}]}",
		  "classes[0].priority", "must be a whole number in 0..1000000" },
		{ "{\"kind\":\"classes\",\"classes\":[{\"name\":\"g\",\"priority\":1.0}]}",
		  "classes[0].priority", "must be a whole number in 0..1000000" },
		{ "{\"kind\":\"classes\",\"classes\":[{\"name\":\"g\",\"priority\":1,\"k\":65}]}",
		  "classes[0].k", "must be a whole number in 1..64" },
		{ "{\"kind\":\"classes\",\"classes\":[{\"name\":\"g\",\"priority\":1,\"paths\":2}]}",
		  "classes[0].paths", "unknown member" },
		{ "{\"kind\":\"classes\",\"classes\":[{\"name\":\"g\",\"priority\":1},{\"name\":\"g\","
		  "\"priority\":2}]}",
		  "classes[1].name", "class 'g' given twice" },
		{ "{\"kind\":\"share\",\"class\":\"g\"}", "share", "missing" },
		{ "{\"kind\":\"share\",\"class\":\"g\",\"share\":-0.1}", "share",
		  "must be a number in [0, 1]" },
		{ "{\"kind\":\"share\",\"class\":\"g\",\"share\":\"1\"}", "share",
		  "must be a number in [0, 1]" },
		{ "{\"kind\":\"share\",\"share\":1}", "class", "missing" },
		{ "{\"kind\":\"share\",\"class\":\"g\",\"share\":1,\"pairs\":[]}", "pairs",
		  "must be an array of 1 to 10000 [src, dst] pairs" },
		{ "{\"kind\":\"share\",\"class\":\"g\",\"share\":1,\"pairs\":[[\"a\",\"b\",\"c\"]]}",
		  "pairs[0]", "must be an array of two node names" },
		{ "{\"kind\":\"share\",\"class\":\"g\",\"share\":1,\"pairs\":[[\"a\",\"b\"],[\"a\",1]]}",
		  "pairs[1][1]", "must be a string" },
		{ "{\"kind\":\"share\",\"class\":\"g\",\"share\":1,\"pairs\":[[\"a\",\"a\"]]}",
		  "pairs[0]", "a pair of the same node" },
		{ "{\"kind\":\"pin\",\"src\":\"a\",\"dst\":\"b\",\"class\":\"g\"}", "path", "missing" },
		{ "{\"kind\":\"pin\",\"src\":\"a\",\"dst\":\"b\",\"class\":\"g\",\"path\":[\"a\"]}", "path",
		  "must be an array of 2 to 256 node names" },
		{ "{\"kind\":\"pin\",\"src\":\"a\",\"dst\":\"b\",\"class\":\"g\",\"path\":[\"x\",\"b\"]}",
		  "path[0]", "the path must start at src" },
		{ "{\"kind\":\"pin\",\"src\":\"a\",\"dst\":\"b\",\"class\":\"g\",\"path\":[\"a\",\"x\"]}",
		  "path[1]", "the path must end at dst" },
		{ "{\"kind\":\"pin\",\"src\":\"a\",\"dst\":\"b\",\"class\":\"g\",\"path\":[\"a\",\"c\","
		  "\"a\",\"b\"]}",
		  "path[2]", "node 'a' visited twice" },
		{ "{\"kind\":\"pin\",\"src\":\"a\",\"dst\":\"a\",\"class\":\"g\",\"path\":[\"a\",\"a\"]}",
		  "dst", "same node as src" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		api_intent it;
		api_error e;
		memset(&e, 0, sizeof e);
		if (api_intent_parse(cases[i].in, strlen(cases[i].in), &it, &e) == 0)
			fail_msg("case %zu accepted: %s", i, cases[i].in);
		assert_null(it.kind);
		assert_null(it.body);
		if (strcmp(e.field, cases[i].field) != 0)
			fail_msg("case %zu: field '%s', want '%s' (%s)", i, e.field, cases[i].field,
				 e.msg);
		if (cases[i].msg != NULL && strcmp(e.msg, cases[i].msg) != 0)
			fail_msg("case %zu: '%s', want '%s'", i, e.msg, cases[i].msg);
		if (cases[i].msg == NULL && strncmp(e.msg, "invalid JSON", 12) != 0)
			fail_msg("case %zu: '%s', want invalid JSON", i, e.msg);
	}
}

/* Names and arrays at their caps pass; one more fails. */
static void test_caps(void **state)
{
	(void)state;
	char name[API_MAX_NAME + 2];
	memset(name, 'n', sizeof name);
	name[API_MAX_NAME] = '\0';
	char doc[1024];
	snprintf(doc, sizeof doc, "{\"kind\":\"drain-router\",\"router\":\"%s\"}", name);
	api_intent it;
	api_error e;
	assert_int_equal(api_intent_parse(doc, strlen(doc), &it, &e), 0);
	api_intent_free(&it);
	name[API_MAX_NAME] = 'n';
	name[API_MAX_NAME + 1] = '\0';
	snprintf(doc, sizeof doc, "{\"kind\":\"drain-router\",\"router\":\"%s\"}", name);
	assert_int_equal(api_intent_parse(doc, strlen(doc), &it, &e), -1);
	assert_string_equal(e.field, "router");

	/* a path of API_MAX_PATH + 1 distinct nodes */
	size_t cap = 64 * (API_MAX_PATH + 2);
	char *big = malloc(cap);
	size_t n = (size_t)snprintf(big, cap, "{\"kind\":\"pin\",\"src\":\"n0\",\"dst\":\"n%d\","
					      "\"class\":\"g\",\"path\":[",
				    API_MAX_PATH);
	for (int i = 0; i <= API_MAX_PATH; i++)
		n += (size_t)snprintf(big + n, cap - n, "%s\"n%d\"", i ? "," : "", i);
	snprintf(big + n, cap - n, "]}");
	assert_int_equal(api_intent_parse(big, strlen(big), &it, &e), -1);
	assert_string_equal(e.field, "path");
	free(big);

	/* a body over the cap is refused before it is parsed */
	assert_int_equal(api_intent_parse("{}", API_MAX_BODY + 1, &it, &e), -1);
	assert_string_equal(e.msg, "body larger than 1048576 bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
