/*
 * fuzz_intent.c - the API's intent validator on arbitrary bytes. An
 * accepted intent must be canonical: its stored body, with the kind put
 * back, is accepted again and gives the same body. A rejected one must say
 * why, and leave nothing allocated.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	api_intent it;
	api_error err;
	if (api_intent_parse((const char *)data, size, &it, &err) != 0) {
		if (err.msg[0] == '\0' || it.kind != NULL || it.body != NULL)
			abort();
		return 0;
	}
	json_t *o = json_loads(it.body, JSON_REJECT_DUPLICATES, NULL);
	if (!json_is_object(o) || json_object_get(o, "kind") != NULL)
		abort();
	json_object_set_new(o, "kind", json_string(it.kind));
	char *again = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	api_intent it2;
	if (again == NULL || api_intent_parse(again, strlen(again), &it2, &err) != 0)
		abort();
	if (strcmp(it.kind, it2.kind) != 0 || strcmp(it.body, it2.body) != 0)
		abort();
	free(again);
	api_intent_free(&it);
	api_intent_free(&it2);
	return 0;
}
