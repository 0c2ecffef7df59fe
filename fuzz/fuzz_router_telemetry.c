/*
 * fuzz_router_telemetry.c - the RTM_NEWLINK dump parser
 * (src/router/telemetry.c) on arbitrary bytes: a refusal carries a
 * message; a success yields named interfaces within the cap.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "router/telemetry.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static telemetry_ifs out;
	/* netlink buffers are 4-octet aligned, as recv and malloc give them */
	uint32_t *buf = malloc(size + 4);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	out.n = 0;
	neto_err err;
	err.msg[0] = '\0';
	int rc = telemetry_parse_dump(buf, size, &out, &err);
	if (rc < 0 && err.msg[0] == '\0')
		abort();
	if (out.n > TELEMETRY_MAX_IFS)
		abort();
	for (size_t i = 0; i < out.n; i++)
		if (out.v[i].name[0] == '\0' || strlen(out.v[i].name) >= sizeof out.v[i].name)
			abort();
	free(buf);
	return 0;
}
