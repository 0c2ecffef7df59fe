/*
 * fuzz_run_opts.c - the command line of the orchestrator's roles on
 * arbitrary argument vectors: the first byte picks the role, the rest is
 * split at NUL bytes into arguments.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/run_opts.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	run_role role = (run_role)(data[0] % N_RUN_ROLES);
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
	run_cli o;
	neto_err err;
	err.msg[0] = '\0';
	int rc = run_cli_parse(&o, role, argc, argv, &err);
	if (rc != 0 && (rc != -1 || err.msg[0] == '\0'))
		abort();
	if (rc == 0 && !o.help) {
		if (o.role != role || (role == RUN_AGENT && o.agent == NULL))
			abort();
		if (role == RUN_TOPOLOGY && (o.agent == NULL || o.file == NULL))
			abort();
		if (o.cycles > 1000000 || o.duration_ms < 0 || (o.speedup != 0 && !(o.speedup >= 0.01)))
			abort();
		if (role != RUN_ALL && (o.cycles || o.virtual_clock || o.no_api))
			abort();
	}
	free(buf);
	return 0;
}
