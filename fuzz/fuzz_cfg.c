/*
 * fuzz_cfg.c - the configuration file parser on arbitrary bytes. A success
 * must survive a round trip: the effective configuration printed, parsed
 * again and printed again gives the same text. A failure must leave nothing
 * behind but a message that names the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg/cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	neto_cfg c;
	neto_err err;
	if (cfg_parse((const char *)data, size, "fuzz.ini", &c, &err) != 0) {
		if (strncmp(err.msg, "fuzz.ini", 8) != 0)
			abort();
		return 0;
	}
	char *text = cfg_print(&c, 0);
	neto_cfg again;
	if (cfg_parse(text, strlen(text), "printed.ini", &again, &err) != 0)
		abort();
	char *text2 = cfg_print(&again, 0);
	if (strcmp(text, text2) != 0)
		abort();
	free(text);
	free(text2);
	neto_cfg_free(&again);
	neto_cfg_free(&c);
	return 0;
}
