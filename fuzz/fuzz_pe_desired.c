/*
 * fuzz_pe_desired.c - the peering decision document the controller reads
 * (kv "peering"/"desired", ctl_peering_parse). A refusal must say why; an
 * accepted document must resolve every name to an index in range, write
 * back to a document that reads the same and writes the same bytes, and
 * its moves (from BGP's choice to neto's) must order into steps that the
 * verifier finds congestion-free.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"
#include "pe/order.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_order(const ctl_peering *d)
{
	double *cap = calloc(d->n_links + 1, sizeof *cap);
	double *load = calloc(d->n_links + 1, sizeof *load);
	pe_order_move *mv = calloc(d->n_prefixes + 1, sizeof *mv);
	if (cap == NULL || load == NULL || mv == NULL)
		abort();
	for (size_t l = 0; l < d->n_links; l++)
		cap[l] = d->links[l].cap;
	for (size_t i = 0; i < d->n_prefixes; i++) {
		const ctl_pe_prefix *p = &d->prefixes[i];
		uint32_t from = p->bgp == CTL_PE_NONE ? PE_ORDER_NONE : d->egress[p->bgp].link;
		if (from != PE_ORDER_NONE)
			load[from] += p->rate;
		mv[i] = (pe_order_move){ .from = from, .to = d->egress[p->egress].link,
					 .rate = p->rate };
	}
	for (int slack = 0; slack < 2; slack++) {
		pe_order_problem op = { .n_links = d->n_links, .cap = cap, .headroom = d->headroom,
					.load = load, .n_moves = d->n_prefixes, .moves = mv,
					.use_slack = slack };
		pe_order_result r;
		neto_err err;
		/* rates that overflow a sum to infinity are refused, with a reason */
		if (pe_order(&op, &r, &err) != 0) {
			if (err.msg[0] == '\0')
				abort();
			continue;
		}
		if (pe_order_verify(&op, &r, NULL, NULL) != 0)
			abort();
		pe_order_result_free(&r);
	}
	free(cap);
	free(load);
	free(mv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ctl_peering d;
	neto_err err;
	err.msg[0] = '\0';
	if (ctl_peering_parse(&d, (const char *)data, size, &err) != 0) {
		if (err.msg[0] == '\0')
			abort();
		return 0;
	}
	for (size_t e = 0; e < d.n_egress; e++)
		if (d.egress[e].link >= d.n_links)
			abort();
	for (size_t i = 0; i < d.n_prefixes; i++)
		if (d.prefixes[i].egress >= d.n_egress ||
		    (d.prefixes[i].bgp != CTL_PE_NONE && d.prefixes[i].bgp >= d.n_egress))
			abort();
	if (d.n_routers == 0 || d.n_routers > d.n_egress)
		abort();
	char *text = ctl_peering_json(&d);
	if (text == NULL)
		abort();
	ctl_peering b;
	if (ctl_peering_parse(&b, text, strlen(text), &err) != 0)
		abort();
	char *again = ctl_peering_json(&b);
	if (again == NULL || strcmp(text, again) != 0)
		abort();
	free(again);
	free(text);
	ctl_peering_free(&b);
	check_order(&d);
	ctl_peering_free(&d);
	return 0;
}
