/*
 * fuzz_pe_cfg.c - the [peering] section parser on arbitrary bytes. A
 * success gives values inside their documented ranges; a failure leaves
 * nothing allocated and a message that names the file.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pe/pe_cfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pe_cfg c;
	neto_err err;
	if (pe_cfg_parse((const char *)data, size, "fuzz.ini", &c, &err) != 0) {
		if (strncmp(err.msg, "fuzz.ini", 8) != 0 || c.peering_file || c.static_latency)
			abort();
		return 0;
	}
	if (!(c.headroom > 0 && c.headroom <= 1) || !(c.min_gain_ms >= 0) || !(c.hold_s >= 0) ||
	    !(c.interval_s >= 0.01) || c.bmp_port == 0 || c.bmp_listen[0] == '\0' ||
	    (c.has_community != (c.community_str[0] != '\0')) ||
	    (c.peering_file && c.peering_file[0] == '\0'))
		abort();
	pe_cfg_free(&c);
	return 0;
}
