/*
 * fuzz_api_opts.c - the command lines of `neto show`, `neto intent` and
 * `neto api` on arbitrary argument vectors: the first byte picks the parser,
 * the rest is split at NUL bytes into arguments. A failure must come with a
 * message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned which = data[0] % 3;
	data++;
	size--;
	char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	char *argv[MAX_ARGS];
	int argc = 0;
	size_t start = 0;
	for (size_t i = 0; i <= size && argc < MAX_ARGS; i++) {
		if (i == size || buf[i] == '\0') {
			argv[argc++] = buf + start;
			start = i + 1;
		}
	}
	neto_err err;
	err.msg[0] = '\0';
	int rc;
	if (which == 0) {
		api_show_opts o;
		rc = api_show_opts_parse(&o, argc, argv, &err);
	} else if (which == 1) {
		api_intent_opts o;
		rc = api_intent_opts_parse(&o, argc, argv, &err);
	} else {
		api_serve_opts o;
		rc = api_serve_opts_parse(&o, argc, argv, &err);
	}
	if (rc != 0 && (rc != -1 || err.msg[0] == '\0'))
		abort();
	free(buf);
	return 0;
}
