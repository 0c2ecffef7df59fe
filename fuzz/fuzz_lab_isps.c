/*
 * fuzz_lab_isps.c - the lab's --isps format and everything made from an
 * accepted file: a refusal must say why; an accepted file (when its tables
 * are small enough to generate quickly) must give tables of the declared
 * sizes, a BIRD configuration with one route per prefix, a border router
 * configuration per site and a peering file that neto peer's own parser
 * accepts. The sites are the peerings' site names, in a plan of their own.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/lab_isp.h"
#include "lib/mem.h"
#include "pe/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	lab_isps c;
	neto_err err;
	err.msg[0] = '\0';
	if (lab_isps_parse(&c, (const char *)data, size, "isps", &err) != 0) {
		if (err.msg[0] == '\0')
			abort();
		lab_isps_free(&c);
		return 0;
	}
	size_t total = 0;
	for (size_t i = 0; i < c.n_isps; i++)
		total += c.isps[i].n_prefixes;
	if (total > 20000) {	/* generation is tested at scale in test_lab_isps */
		lab_isps_free(&c);
		return 0;
	}
	/* a plan whose sites are the peerings' sites */
	lab_plan p;
	memset(&p, 0, sizeof p);
	snprintf(p.prefix, sizeof p.prefix, "fz-");
	p.scale = 0.5;
	p.sites = neto_calloc(c.n_peerings, sizeof *p.sites);
	for (size_t k = 0; k < c.n_peerings; k++) {
		uint32_t j = 0;
		while (j < p.n_sites && strcmp(p.sites[j].host, c.peerings[k].site) != 0)
			j++;
		size_t len = strlen(c.peerings[k].site);
		if (j == p.n_sites && len < sizeof p.sites[j].host) {
			memcpy(p.sites[j].host, c.peerings[k].site, len + 1);
			snprintf(p.sites[j].ns, sizeof p.sites[j].ns, "fz-%u", j + 1);
			p.n_sites++;
		}
	}
	/* a name longer than a site's host field cannot be resolved */
	if (lab_isps_resolve(&c, &p, &err) != 0) {
		if (err.msg[0] == '\0')
			abort();
		goto out;
	}
	lab_isp_table *t = neto_calloc(c.n_isps, sizeof *t);
	if (lab_isps_generate(&c, t, &err) != 0)
		abort();
	for (uint32_t i = 0; i < c.n_isps; i++) {
		if (t[i].n != c.isps[i].n_prefixes)
			abort();
		char *bird = lab_isp_bird_conf(&c, i, &t[i], "/run/fz");
		size_t routes = 0;
		for (const char *s = bird; (s = strstr(s, "\n  route ")) != NULL; s++)
			routes++;
		if (routes != t[i].n)
			abort();
		free(bird);
		lab_isp_table_free(&t[i]);
	}
	free(t);
	for (uint32_t s = 0; s < p.n_sites; s++)
		free(lab_isp_border_conf(&c, &p, s));
	char *pf = lab_isp_peering_file(&c, &p);
	pe_input in;
	pe_input_init(&in);
	if (pe_parse_peering(&in, pf, strlen(pf), "peering", &err) != 0) {
		fprintf(stderr, "%s\n%s\n", err.msg, pf);
		abort();
	}
	pe_input_free(&in);
	free(pf);
out:
	free(p.sites);
	lab_isps_free(&c);
	return 0;
}
