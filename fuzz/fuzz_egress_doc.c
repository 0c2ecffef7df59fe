/*
 * fuzz_egress_doc.c - the egress driver's validation of a task's desired
 * document (driver_egress_parse) on arbitrary input: the first line is the
 * policy name, the rest the document. A refusal must come with a message;
 * an accepted document must give a canonical document that is accepted
 * again with the same route, and whose canonical form is itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "agent/driver_egress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	if (nl == NULL)
		return 0;
	size_t pl = (size_t)(nl - data);
	char *policy = malloc(pl + 1);
	char *doc = malloc(size - pl);
	memcpy(policy, data, pl);
	policy[pl] = '\0';
	memcpy(doc, nl + 1, size - pl - 1);
	doc[size - pl - 1] = '\0';
	egress_route r, r2;
	neto_err err;
	err.msg[0] = '\0';
	if (driver_egress_parse(policy, doc, &r, &err) != 0) {
		if (err.msg[0] == '\0')
			abort();
		goto out;
	}
	char *c1 = driver_egress_doc(&r);
	json_t *o = json_loads(c1, 0, NULL);
	const char *pfx = json_string_value(json_object_get(o, "prefix"));
	if (pfx == NULL)
		abort();
	char pol2[128];
	snprintf(pol2, sizeof pol2, "egress/%s", pfx);
	json_decref(o);
	if (driver_egress_parse(pol2, c1, &r2, &err) != 0)
		abort();
	/* well-known community names come back as numbers: same values */
	if (memcmp(&r, &r2, sizeof r) != 0)
		abort();
	char *c2 = driver_egress_doc(&r2);
	if (strcmp(c1, c2) != 0)
		abort();
	free(c1);
	free(c2);
out:
	free(policy);
	free(doc);
	return 0;
}
