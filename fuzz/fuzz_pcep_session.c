/*
 * fuzz_pcep_session.c - arbitrary bytes from a peer into established
 * sessions: the PCE side (neto's PCE with its LSP database is driven by the
 * same messages through pce.c in the loopback tests; here the session
 * layer) and neto's PCC, which answers PCInitiate/PCUpd. The input is cut
 * at a first octet-chosen point to exercise partial frames. Whatever comes
 * in, the sessions must stay consistent: closed means closed, everything
 * they queue to send decodes as PCEP, and nothing leaks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/pcep/pcc.h"
#include "proto/pcep/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every queued message must be one the decoder accepts. */
static void check_output(pcep_session *s)
{
	size_t len, off = 0;
	const uint8_t *b = pcep_session_output(s, &len);
	while (off < len) {
		size_t ml;
		pcep_perr pe;
		neto_err err;
		if (pcep_frame(b + off, len - off, &ml, &pe, &err) != 0 || ml == 0)
			abort();
		pcep_msg m;
		if (pcep_decode(b + off, ml, &m, &pe, &err) != 0)
			abort();
		pcep_msg_free(&m);
		off += ml;
	}
	pcep_session_sent(s, len);
}

/* Brings A and B up against each other (in memory). */
static void wire_up(pcep_session *a, pcep_session *b)
{
	pcep_session_start(a, 0);
	pcep_session_start(b, 0);
	for (int i = 0; i < 4; i++) {
		size_t n;
		const uint8_t *x = pcep_session_output(a, &n);
		pcep_session_input(b, x, n, 1);
		pcep_session_sent(a, n);
		x = pcep_session_output(b, &n);
		pcep_session_input(a, x, n, 1);
		pcep_session_sent(b, n);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t cut = data[0] % (size);
	data++;
	size--;
	if (cut > size)
		cut = size;

	/* the PCE side */
	pcep_session_cfg ce, cc;
	pcep_session_cfg_default(&ce, false);
	pcep_session_cfg_default(&cc, true);
	pcep_session pce_s, peer;
	pcep_session_init(&pce_s, &ce);
	pcep_session_init(&peer, &cc);
	wire_up(&pce_s, &peer);
	if (pce_s.state != PCEP_ST_UP)
		abort();
	pcep_session_input(&pce_s, data, cut, 2);
	pcep_session_input(&pce_s, data + cut, size - cut, 3);
	pcep_session_tick(&pce_s, 200000);
	check_output(&pce_s);
	pcep_msg *m;
	while ((m = pcep_session_next(&pce_s)) != NULL) {
		if (m->type == PCEP_MSG_OPEN || m->type == PCEP_MSG_KEEPALIVE)
			abort();	/* handled inside, never delivered */
		pcep_msg_free(m);
		free(m);
	}
	if (pce_s.state == PCEP_ST_CLOSED && pcep_session_input(&pce_s, data, size, 4) != -1)
		abort();
	pcep_session_free(&pce_s);
	pcep_session_free(&peer);

	/* neto's PCC, fed as if by a PCE */
	pcc_cfg pc = { 0 };
	pcep_session_cfg_default(&pc.sess, true);
	pcep_addr_parse("10.0.0.1", &pc.addr);
	pcc c;
	pcc_init(&c, &pc);
	pcep_session_init(&peer, &ce);
	pcep_session_start(&c.s, 0);
	pcep_session_start(&peer, 0);
	for (int i = 0; i < 4; i++) {
		size_t n;
		const uint8_t *x = pcep_session_output(&c.s, &n);
		pcep_session_input(&peer, x, n, 1);
		pcep_session_sent(&c.s, n);
		x = pcep_session_output(&peer, &n);
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, x, n);
		pcep_session_sent(&peer, n);
		pcc_input(&c, copy, n, 1);
		free(copy);
	}
	check_output(&c.s);
	pcc_input(&c, data, cut, 2);
	pcc_input(&c, data + cut, size - cut, 3);
	check_output(&c.s);
	if (pcc_count(&c) > c.n_initiated + 0)
		abort();	/* only initiations create LSPs here */
	pcc_free(&c);
	pcep_session_free(&peer);
	return 0;
}
