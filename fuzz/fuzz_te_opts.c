/*
 * fuzz_te_opts.c - `neto te`'s command-line parser on arbitrary argument
 * vectors: the input is split at NUL bytes into arguments.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/te_opts.h"

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
	te_opts o;
	neto_err err;
	(void)te_opts_parse(&o, argc, argv, &err);
	free(buf);
	return 0;
}
