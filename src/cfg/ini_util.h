/*
 * ini_util.h - what the section parsers that libinih drives share (the
 * [bgp] / [peer NAME] parser, src/agent/bgp_cfg.c, and the [peering] one,
 * src/pe/pe_cfg.c): a line reader over a buffer that counts lines so that
 * messages can name them, and the strict value readers.
 */
#ifndef NETO_CFG_INI_UTIL_H
#define NETO_CFG_INI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The rest of a configuration file held in memory (NUL-free or not: the
 * reader copies bytes up to a newline). */
typedef struct cfg_lines {
	const char *pos, *end;
	int lineno;		/* of the line last read */
} cfg_lines;

/* libinih's reader: the next line (with its newline, at most num - 1
 * octets) into str, NULL at the end. */
char *cfg_lines_next(cfg_lines *l, char *str, int num);

/* A decimal integer 0..max, digits only; 0 or -1. */
int cfg_uint(const char *v, uint64_t max, uint64_t *out);
/* yes/no, true/false (any case), 1/0; 0 or -1. */
int cfg_bool(const char *v, bool *out);

#endif
