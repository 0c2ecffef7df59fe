/* testutil.c - helpers shared by the unit tests (see testutil.h). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "lib/err.h"
#include "lib/file.h"

char *tu_read(const char *relpath, size_t *len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", NETO_SOURCE_DIR, relpath);
	char *buf;
	neto_err err;
	if (neto_file_read(path, &buf, len, &err) != 0) {
		fprintf(stderr, "%s\n", err.msg);
		abort();
	}
	return buf;
}

uint64_t tu_rand(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9E3779B97F4A7C15ULL;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545F4914F6CDD1DULL;
}

double tu_randf(uint64_t *s)
{
	return (double)(tu_rand(s) >> 11) * (1.0 / 9007199254740992.0);
}
