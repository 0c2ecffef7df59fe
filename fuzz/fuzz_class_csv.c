/*
 * fuzz_class_csv.c - the classes CSV parser on arbitrary bytes. A success must
 * give valid, uniquely named classes; a failure an empty set with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "demand/demand.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	class_set cs;
	neto_err err;
	err.msg[0] = '\0';
	class_set_init(&cs);
	int rc = class_parse_csv(&cs, (const char *)data, size, "fuzz.csv", &err);
	if (rc != 0 && (rc != -1 || cs.n != 0 || err.msg[0] == '\0'))
		abort();
	if (rc == 0 && (cs.n == 0 || class_lowest(&cs) >= cs.n || class_max_k(&cs) < 1 ||
			class_max_k(&cs) > TE_MAX_K))
		abort();
	for (uint32_t i = 0; i < cs.n; i++) {
		const te_class *c = &cs.v[i];
		if (c->k_paths < 1 || c->k_paths > TE_MAX_K || !(c->max_delay >= 0) ||
		    class_find(&cs, c->name, strlen(c->name)) != i)
			abort();
	}
	class_set_free(&cs);
	return 0;
}
