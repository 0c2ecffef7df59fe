/*
 * policy.c - comparing two policy states (driver.h). Routers report what
 * they hold in their own words (other member order, numbers printed back
 * with other digits), so states are compared by meaning: the same paths, in
 * the same order, with the same links and segments, and weights and rate
 * limits equal within a relative 1e-9. The planned "rate" of a path is the
 * controller's expectation, not router state, and is not compared.
 */
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "agent/driver.h"

static int same_num(const json_t *a, const json_t *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (!json_is_number(a) || !json_is_number(b))
		return 0;
	double x = json_number_value(a), y = json_number_value(b);
	return fabs(x - y) <= 1e-9 * (fabs(x) > fabs(y) ? fabs(x) : fabs(y)) + 1e-12;
}

static int same_strings(const json_t *a, const json_t *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (!json_is_array(a) || !json_is_array(b) || json_array_size(a) != json_array_size(b))
		return 0;
	for (size_t i = 0; i < json_array_size(a); i++) {
		const char *x = json_string_value(json_array_get(a, i));
		const char *y = json_string_value(json_array_get(b, i));
		if (x == NULL || y == NULL || strcmp(x, y) != 0)
			return 0;
	}
	return 1;
}

static int same_state(const json_t *a, const json_t *b)
{
	const json_t *pa = json_object_get(a, "paths"), *pb = json_object_get(b, "paths");
	if (!json_is_array(pa) || !json_is_array(pb) || json_array_size(pa) != json_array_size(pb))
		return 0;
	for (size_t i = 0; i < json_array_size(pa); i++) {
		const json_t *x = json_array_get(pa, i), *y = json_array_get(pb, i);
		if (!same_strings(json_object_get(x, "links"), json_object_get(y, "links")) ||
		    !same_strings(json_object_get(x, "segments"), json_object_get(y, "segments")) ||
		    !same_num(json_object_get(x, "limit"), json_object_get(y, "limit")) ||
		    !same_num(json_object_get(x, "weight"), json_object_get(y, "weight")))
			return 0;
	}
	return 1;
}

int driver_policy_equal(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	json_error_t e;
	json_t *x = json_loads(a, 0, &e), *y = json_loads(b, 0, &e);
	int eq = json_is_object(x) && json_is_object(y) && same_state(x, y);
	json_decref(x);
	json_decref(y);
	return eq;
}
