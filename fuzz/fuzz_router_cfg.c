/*
 * fuzz_router_cfg.c - the [router] section parser (src/router/agent_cfg.c)
 * on arbitrary bytes: a refusal carries a message, a success holds values
 * within their documented ranges, and nothing leaks either way.
 */
#include <stdint.h>
#include <stdlib.h>

#include "router/agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ragent_cfg c;
	neto_err err;
	err.msg[0] = '\0';
	ragent_cfg_defaults(&c);
	if (ragent_cfg_parse((const char *)data, size, "fuzz", &c, &err) != 0) {
		if (err.msg[0] == '\0')
			abort();
	} else {
		if (c.keepalive < 1 || c.keepalive > 63 || c.pce_port == 0 ||
		    c.n_cls > RAGENT_MAX_CLASSES || c.n_ep > RAGENT_MAX_ENDPOINTS)
			abort();
		for (uint32_t i = 0; i < c.n_cls; i++)
			if (c.cls[i].dscp > 63 || (c.cls[i].table >= 253 && c.cls[i].table <= 255))
				abort();
		for (uint32_t i = 0; i < c.n_ep; i++)
			if (c.ep[i].n == 0 || c.ep[i].n > RT_MAX_PREFIXES)
				abort();
	}
	ragent_cfg_free(&c);
	return 0;
}
