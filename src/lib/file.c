/* file.c - whole-file reads for the command-line layer (see file.h). */
#include "lib/file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"

int neto_file_read(const char *path, char **buf, size_t *len, neto_err *err)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL)
		return neto_err_set(err, "%s: %s", path, strerror(errno));
	size_t cap = 1 << 16, n = 0;
	char *b = neto_malloc(cap);
	for (;;) {
		if (n + 1 >= cap) {
			if (cap >= NETO_FILE_MAX) {
				free(b);
				if (f != stdin)
					fclose(f);
				return neto_err_set(err, "%s: larger than %zu bytes", path,
						    NETO_FILE_MAX);
			}
			cap *= 2;
			b = neto_realloc(b, cap);
		}
		size_t got = fread(b + n, 1, cap - n - 1, f);
		n += got;
		if (got == 0)
			break;
	}
	int failed = ferror(f);
	int saved = errno;
	if (f != stdin)
		fclose(f);
	if (failed) {
		free(b);
		return neto_err_set(err, "%s: read error: %s", path, strerror(saved));
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}
