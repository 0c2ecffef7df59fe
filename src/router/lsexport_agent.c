/*
 * lsexport_agent.c - the router's BGP-LS export (agent.h): every te_period
 * the TE database is read (FRR's vtysh, or a file), converted
 * (lsexport_frr_ted) and compared with the previous round by the encoded
 * NLRI (the key of a link-state database, RFC 9552 s5.1) and attribute:
 * new or changed items go out as UPDATEs, vanished ones as withdrawals.
 * A peer whose session becomes Established first gets everything.
 *
 * The BGP side is the project's speaker (src/agent/bgp_peer.h) over the
 * [bgp] and [peer NAME] sections; only peers that negotiated BGP-LS
 * (AFI 16388, SAFI 71) are sent to. The MP_REACH next hop is the [bgp]
 * router ID.
 *
 * vtysh runs as a child with its argument vector (no shell); its output is
 * capped at LSX_MAX_JSON.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/bgp_cfg.h"
#include "agent/bgp_peer.h"
#include "lib/file.h"
#include "lib/mem.h"
#include "router/agent.h"

#define LSX_MAX_JSON (16u << 20)
#define BGPLS_AFI 16388
#define BGPLS_SAFI 71

typedef struct lsx_entry {
	uint8_t *key;		/* encoded NLRI (owned) */
	size_t key_len;
	uint8_t *attr;		/* encoded attribute (owned) */
	size_t attr_len;
	lsexport_item it;
} lsx_entry;

struct lsx {
	bgp_speaker sp;
	bool sp_up;
	lsexport_opts opts;
	lsexport_delay *delays;	/* owned; opts.delays points here */
	char *source;
	int64_t period_ms, next_read;
	uint8_t nh[4];
	uint32_t local_as;
	lsx_entry *cur;		/* the last announced set */
	size_t n_cur;
	bool *synced;		/* per peer: the full set went out */
	FILE *log;
	uint64_t n_updates, n_withdraws, n_reads, n_read_errors;
};

static void entries_free(lsx_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(e[i].key);
		free(e[i].attr);
	}
	free(e);
}

char *lsx_read_source(const char *source, size_t *len, neto_err *err)
{
	if (strncmp(source, "file:", 5) == 0) {
		char *buf = NULL;
		if (neto_file_read(source + 5, &buf, len, err) != 0)
			return NULL;
		return buf;
	}
	if (strncmp(source, "frr:", 4) != 0) {
		neto_err_set(err, "unknown TE source '%s'", source);
		return NULL;
	}
	int pfd[2];
	if (pipe(pfd) != 0) {
		neto_err_set(err, "pipe: %s", strerror(errno));
		return NULL;
	}
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		neto_err_set(err, "fork: %s", strerror(errno));
		return NULL;
	}
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		char a0[] = "vtysh", a1[] = "-N", a3[] = "-c",
		     a4[] = "show isis mpls-te database json";
		char *inst = strdup(source + 4);
		char *const argv[] = { a0, a1, inst, a3, a4, NULL };
		if (inst)
			execvp("vtysh", argv);
		_exit(127);
	}
	close(pfd[1]);
	size_t cap = 65536, n = 0;
	char *buf = neto_malloc(cap);
	for (;;) {
		if (n == cap) {
			if (cap >= LSX_MAX_JSON)
				break;
			cap *= 2;
			buf = realloc(buf, cap);
			if (buf == NULL)
				abort();
		}
		ssize_t r = read(pfd[0], buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(pfd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || n == cap) {
		free(buf);
		neto_err_set(err, "vtysh -N %s: %s", source + 4,
			     n == cap ? "output too large" : "failed");
		return NULL;
	}
	*len = n;
	return buf;
}

int lsx_open(lsx **out, const ragent_cfg *cfg, const bgp_cfg *bc, FILE *log, neto_err *err)
{
	if (bc == NULL || !bc->present || bc->n_peers == 0)
		return neto_err_set(err, "te_source needs a [bgp] section and a [peer NAME]");
	lsx *x = neto_calloc(1, sizeof *x);
	if (bgp_speaker_init(&x->sp, bc->peers, bc->n_peers, bc->listen[0] ? bc->listen : NULL,
			     bc->port, err) != 0) {
		free(x);
		return -1;
	}
	x->sp_up = true;
	x->source = neto_strdup(cfg->te_source);
	x->period_ms = cfg->te_period_ms;
	x->log = log;
	x->local_as = bc->local_as;
	uint32_t rid = htonl(bc->router_id);
	memcpy(x->nh, &rid, 4);
	x->opts.asn = 0;
	if (cfg->n_delays) {
		x->delays = neto_reallocarray(NULL, cfg->n_delays, sizeof *cfg->delays);
		memcpy(x->delays, cfg->delays, cfg->n_delays * sizeof *cfg->delays);
	}
	x->opts.delays = x->delays;
	x->opts.n_delays = cfg->n_delays;
	x->opts.has_locator = cfg->has_locator && cfg->has_igp_rid;
	x->opts.locator = cfg->locator;
	memcpy(x->opts.local_rid, cfg->igp_rid, 4);
	x->synced = neto_calloc(bc->n_peers, sizeof *x->synced);
	bgp_speaker_start(&x->sp);
	*out = x;
	return 0;
}

void lsx_free(lsx *x)
{
	if (x == NULL)
		return;
	if (x->sp_up) {
		bgp_speaker_stop(&x->sp);
		bgp_speaker_free(&x->sp);
	}
	entries_free(x->cur, x->n_cur);
	free(x->delays);
	free(x->source);
	free(x->synced);
	free(x);
}

static bool ls_negotiated(const bgp_peer *p)
{
	for (size_t i = 0; i < p->s.n_nego; i++)
		if (p->s.nego[i].afi == BGPLS_AFI && p->s.nego[i].safi == BGPLS_SAFI)
			return true;
	return false;
}

static void send_one(lsx *x, bgp_peer *p, const lsx_entry *e, bool withdraw)
{
	wire_wr w;
	wire_wr_init(&w);
	neto_err err;
	bool ebgp = p->cfg.s.remote_as != x->local_as;
	int rc = withdraw ? bgpls_withdraw_encode(&e->it.n, &w, &err)
			  : bgpls_update_encode(&e->it.n, &e->it.a, x->nh, 4, ebgp, x->local_as, &w,
						&err);
	if (rc == 0 && bgp_speaker_send(&x->sp, p, w.buf, w.len, &err) == 0) {
		if (withdraw)
			x->n_withdraws++;
		else
			x->n_updates++;
	} else if (x->log) {
		fprintf(x->log, "bgp-ls: peer %s: %s\n", p->cfg.name, err.msg);
	}
	wire_wr_free(&w);
}

static int entry_cmp(const void *a, const void *b)
{
	const lsx_entry *x = a, *y = b;
	size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int c = memcmp(x->key, y->key, n);
	return c ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* The new set, encoded and sorted by key. */
static lsx_entry *encode_set(const lsexport_set *s, size_t *n)
{
	lsx_entry *e = neto_calloc(s->n ? s->n : 1, sizeof *e);
	for (size_t i = 0; i < s->n; i++) {
		wire_wr w;
		wire_wr_init(&w);
		bgpls_nlri_encode(&s->v[i].n, &w);
		e[i].key = wire_wr_take(&w, &e[i].key_len);
		bgpls_attr_encode(&s->v[i].a, &w);
		e[i].attr = wire_wr_take(&w, &e[i].attr_len);
		e[i].it = s->v[i];
	}
	qsort(e, s->n, sizeof *e, entry_cmp);
	*n = s->n;
	return e;
}

static void read_ted(lsx *x)
{
	size_t len;
	neto_err err;
	x->n_reads++;
	char *json = lsx_read_source(x->source, &len, &err);
	lsexport_set s;
	if (json == NULL || lsexport_frr_ted(json, len, &x->opts, &s, &err) != 0) {
		x->n_read_errors++;
		if (x->log)
			fprintf(x->log, "bgp-ls: %s\n", err.msg);
		free(json);
		return;
	}
	free(json);
	size_t n;
	lsx_entry *e = encode_set(&s, &n);
	lsexport_set_free(&s);
	/* merge walk over the two sorted sets */
	size_t i = 0, j = 0, changed = 0, gone = 0;
	while (i < x->n_cur || j < n) {
		int c = i == x->n_cur ? 1 : j == n ? -1 : entry_cmp(&x->cur[i], &e[j]);
		for (size_t k = 0; k < x->sp.n_peers; k++) {
			bgp_peer *p = &x->sp.peers[k];
			if (!x->synced[k])
				continue;
			if (c < 0)
				send_one(x, p, &x->cur[i], true);
			else if (c > 0 || e[j].attr_len != x->cur[i].attr_len ||
				 memcmp(e[j].attr, x->cur[i].attr, e[j].attr_len) != 0)
				send_one(x, p, &e[j], false);
		}
		if (c < 0) {
			gone++;
			i++;
		} else if (c > 0) {
			changed++;
			j++;
		} else {
			changed += e[j].attr_len != x->cur[i].attr_len ||
				   memcmp(e[j].attr, x->cur[i].attr, e[j].attr_len) != 0;
			i++;
			j++;
		}
	}
	if ((changed || gone) && x->log)
		fprintf(x->log, "bgp-ls: TE database: %zu item(s), %zu new or changed, %zu gone\n", n,
			changed, gone);
	entries_free(x->cur, x->n_cur);
	x->cur = e;
	x->n_cur = n;
}

void lsx_poll(lsx *x, int64_t now_ms)
{
	neto_err err;
	if (bgp_speaker_poll(&x->sp, 0, &err) != 0 && x->log)
		fprintf(x->log, "bgp-ls: %s\n", err.msg);
	if (now_ms >= x->next_read) {
		read_ted(x);
		x->next_read = now_ms + x->period_ms;
	}
	for (size_t k = 0; k < x->sp.n_peers; k++) {
		bgp_peer *p = &x->sp.peers[k];
		bool up = p->s.state == BGP_ST_ESTABLISHED && ls_negotiated(p);
		if (up && !x->synced[k]) {
			for (size_t i = 0; i < x->n_cur; i++)
				send_one(x, p, &x->cur[i], false);
			x->synced[k] = true;
			if (x->log)
				fprintf(x->log, "bgp-ls: peer %s established: %zu item(s) announced\n",
					p->cfg.name, x->n_cur);
		} else if (!up) {
			x->synced[k] = false;
		}
	}
}
