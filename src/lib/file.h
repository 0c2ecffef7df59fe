/*
 * file.h - reading whole input files into memory.
 *
 * Parsers never do I/O; the command-line layer reads a file with this and
 * hands (buf, len) to them. Inputs are capped (NETO_FILE_MAX) so that a wrong
 * path to a huge file fails clearly instead of exhausting memory.
 */
#ifndef NETO_LIB_FILE_H
#define NETO_LIB_FILE_H

#include <stddef.h>

#include "lib/err.h"

#define NETO_FILE_MAX ((size_t)1 << 31) /* 2 GiB */

/* Reads all of `path` ("-" is stdin) into a new buffer that the caller frees
 * with free(). The buffer is NUL-terminated one past *len for convenience; the
 * terminator is not part of the input. */
int neto_file_read(const char *path, char **buf, size_t *len, neto_err *err);

#endif
