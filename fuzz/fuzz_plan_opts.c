/*
 * fuzz_plan_opts.c - `neto plan`'s command-line parser on arbitrary argument
 * vectors: the input is split at NUL bytes into arguments. A success must
 * leave the options of its mode consistent.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/plan_opts.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* copy with a terminator so that every argument is a C string */
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
	plan_cli o;
	neto_err err;
	err.msg[0] = '\0';
	int rc = plan_cli_parse(&o, argc, argv, &err);
	if (rc != 0 && (rc != -1 || err.msg[0] == '\0'))
		abort();
	if (rc == 0 && !o.help) {
		if (o.topology == NULL || o.max_steps < 1 || o.max_steps > 1000)
			abort();
		if (o.verify && (o.plan == NULL || o.from != NULL || o.to != NULL))
			abort();
		if (!o.verify && (o.from == NULL || o.to == NULL))
			abort();
	}
	free(buf);
	return 0;
}
