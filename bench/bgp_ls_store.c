/*
 * bgp_ls_store.c - from the last BGP-LS UPDATE to the topology snapshot in
 * the store: the path of `neto agent topology NAME --bgp`.
 *
 * Usage: bgp_ls_store [--nodes N] [--links L] [--runs R] [--interval-ms MS]
 *
 * Generates a topology of N nodes (default 1,000) and L directed links
 * (default 5,000, in L/2 two-way pairs: a ring plus pseudo-random chords,
 * fixed seed), turns it into BGP-LS NLRI and attributes with the same code
 * as `neto bgp --announce-ls` (bgpls_from_topo) and encodes one UPDATE per
 * NLRI. Each run forks a sender (a bgp_speaker peering over loopback TCP,
 * iBGP, family ls) that sends every UPDATE once the session is Established
 * and reports the moment the last one has left its output queue (written to
 * the socket). The parent is the topology agent's BGP source, with the loop
 * of bgp_topology_agent_main: bgp_speaker_poll (200 ms at most),
 * bgpls_db_update, bgpls_db_topology when the database changed,
 * topoagent_set_topology, topoagent_tick, on a fresh SQLite store file.
 * A run ends when the store's snapshot holds the whole topology (N nodes,
 * L links, read back from the store and counted).
 *
 * Every run is done twice: with the agent's rate limit (--interval-ms,
 * default 1000 ms, the agent's default) and with a 1 ms interval (the
 * processing time alone). Prints per run and the medians of: last UPDATE
 * sent to snapshot in the store; last UPDATE sent to the start of the first
 * rebuild that sees the whole topology (database complete);
 * the transfer (first to last UPDATE); the time spent building topologies,
 * serialising them and writing the store; and how many snapshots and
 * rebuilds a run made.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent/bgp_peer.h"
#include "agent/bgpls_db.h"
#include "agent/bgpls_topo.h"
#include "agent/topology.h"
#include "lib/mem.h"
#include "store/store.h"

typedef struct run_result {
	double last_to_store, last_to_db, transfer, build, snapshots, rebuilds, dbtopo, serial, tick;
} run_result;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* N nodes "nNNNN", L/2 two-way pairs: the ring first, then chords. */
static void gen_topo(topo *t, uint32_t n, uint32_t l)
{
	neto_err err;
	topo_init(t);
	char name[32], id[32];
	for (uint32_t v = 0; v < n; v++) {
		int k = snprintf(name, sizeof name, "n%04u", v + 1);
		if (topo_add_node(t, name, (size_t)k, &err) == TOPO_NONE) {
			fprintf(stderr, "bgp_ls_store: %s\n", err.msg);
			exit(1);
		}
	}
	uint32_t seed = 12345;
	for (uint32_t p = 0; p < l / 2; p++) {
		uint32_t a, b;
		if (p < n) {
			a = p;
			b = (p + 1) % n;
		} else {
			do {
				a = lcg(&seed) % n;
				b = lcg(&seed) % n;
			} while (a == b);
		}
		double delay = 100 + lcg(&seed) % 4900;
		for (int dir = 0; dir < 2; dir++) {
			uint32_t s = dir ? b : a, d = dir ? a : b;
			int k = snprintf(id, sizeof id, "l%u%c", p + 1, dir ? 'b' : 'a');
			if (topo_add_link(t, id, (size_t)k, s, d, 1e7, delay,
					  topo_default_igp(delay), &err) == TOPO_NONE) {
				fprintf(stderr, "bgp_ls_store: %s\n", err.msg);
				exit(1);
			}
		}
	}
	if (topo_finish(t, &err) != 0) {
		fprintf(stderr, "bgp_ls_store: %s\n", err.msg);
		exit(1);
	}
}

static bgp_session_cfg sess_cfg(uint32_t rid, bool passive)
{
	return (bgp_session_cfg){ .local_as = 65000, .remote_as = 65000, .router_id = rid,
				  .hold_time = 90, .passive = passive, .n_families = 1,
				  .families = { { BGP_AFI_LS, BGP_SAFI_LS } } };
}

/* The child: connects, sends msgs (len octets of UPDATEs) once Established,
 * writes the monotonic times of the first and the last UPDATE leaving its
 * queue to fd, then idles until killed. */
static void sender(uint16_t port, const uint8_t *msgs, size_t len, size_t split, double pause,
		   int fd)
{
	bgp_peer_cfg c;
	memset(&c, 0, sizeof c);
	strcpy(c.name, "agent");
	strcpy(c.address, "127.0.0.1");
	c.port = port;
	c.s = sess_cfg(0x01010101, false);
	bgp_speaker sp;
	neto_err err;
	if (bgp_speaker_init(&sp, &c, 1, NULL, 0, &err) != 0) {
		fprintf(stderr, "bgp_ls_store: sender: %s\n", err.msg);
		_exit(1);
	}
	bgp_speaker_start(&sp);
	bgp_peer *p = &sp.peers[0];
	size_t off = 0;
	double t[2] = { 0, 0 };
	bool reported = false;
	double resume = 0;
	for (;;) {
		bgp_speaker_poll(&sp, off < len && p->s.out.len > 0 ? 1 : 50, &err);
		if (p->s.state != BGP_ST_ESTABLISHED)
			continue;
		while (off < len && p->s.out.len < (1u << 20)) {
			if (off >= split && resume == 0)
				resume = bgp_now() + pause;
			if (off >= split && bgp_now() < resume)
				break;
			size_t m = (size_t)msgs[off + 16] << 8 | msgs[off + 17];
			if (bgp_speaker_send(&sp, p, msgs + off, m, &err) != 0) {
				fprintf(stderr, "bgp_ls_store: sender: %s\n", err.msg);
				_exit(1);
			}
			if (off == 0)
				t[0] = bgp_now();
			off += m;
		}
		if (off == len && p->s.out.len == 0 && !reported) {
			t[1] = bgp_now();
			if (write(fd, t, sizeof t) != (ssize_t)sizeof t)
				_exit(1);
			reported = true;
		}
	}
}

static int count_store(store *st, size_t *nodes, size_t *links)
{
	int64_t v, at;
	char *body = NULL;
	size_t len = 0;
	neto_err err;
	if (store_topology_latest(st, &v, &at, &body, &len, &err) != 0 || body == NULL)
		return -1;
	json_error_t je;
	json_t *o = json_loadb(body, len, 0, &je);
	free(body);
	if (o == NULL)
		return -1;
	*nodes = json_array_size(json_object_get(o, "nodes"));
	*links = json_array_size(json_object_get(o, "links"));
	json_decref(o);
	return 0;
}

typedef struct agent_ctx {
	bgp_speaker *sp;
	bgpls_db *db;
} agent_ctx;

static void on_update(void *ctx, bgp_peer *p, const bgp_update *u, int rc)
{
	agent_ctx *c = ctx;
	bgpls_db_update(c->db, (uint32_t)(p - c->sp->peers), u, rc);
}

static int one_run(uint16_t port, const uint8_t *msgs, size_t len, size_t split, double pause,
		   uint32_t nn, uint32_t nl, int64_t interval, const char *dbpath, run_result *r)
{
	neto_err err;
	unlink(dbpath);
	char wal[512], shm[512];
	snprintf(wal, sizeof wal, "%s-wal", dbpath);
	snprintf(shm, sizeof shm, "%s-shm", dbpath);
	unlink(wal);
	unlink(shm);
	char uri[512];
	snprintf(uri, sizeof uri, "sqlite:%s", dbpath);
	store *st = NULL;
	if (store_open(&st, uri, &err) != 0) {
		fprintf(stderr, "bgp_ls_store: %s\n", err.msg);
		return -1;
	}
	topoagent *ta = NULL;
	topoagent_cfg tc = { .name = "bench", .source = TOPOAGENT_BGP,
			     .min_interval_ms = interval };
	bgp_peer_cfg c;
	memset(&c, 0, sizeof c);
	strcpy(c.name, "speaker");
	strcpy(c.address, "127.0.0.1");
	c.s = sess_cfg(0x02020202, true);
	bgp_speaker sp;
	bgpls_db db;
	bgpls_db_init(&db);
	if (topoagent_new(&ta, st, &tc, &err) != 0 ||
	    bgp_speaker_init(&sp, &c, 1, "127.0.0.1", port, &err) != 0) {
		fprintf(stderr, "bgp_ls_store: %s\n", err.msg);
		topoagent_free(ta);
		store_close(st);
		return -1;
	}
	agent_ctx ac = { &sp, &db };
	sp.on_update = on_update;
	sp.ctx = &ac;
	int pfd[2];
	if (pipe(pfd) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(pfd[0]);
		sender(port, msgs, len, split, pause, pfd[1]);
		_exit(0);
	}
	close(pfd[1]);
	/* the agent's loop (bgp_cmd.c, bgp_topology_agent_main) */
	bgp_speaker_start(&sp);
	uint64_t built = 0;
	bool full_set = false;
	double t_db = 0, t_store = 0, t_end = bgp_now() + 120;
	memset(r, 0, sizeof *r);
	while (bgp_now() < t_end) {
		if (bgp_speaker_poll(&sp, 200, &err) != 0)
			break;
		double b0 = bgp_now();
		bool worked = false;
		if (db.generation != built) {
			built = db.generation;
			topo t;
			r->rebuilds++;
			worked = true;
			int brc = bgpls_db_topology(&db, &t, &err);
			double b1 = bgp_now();
			r->dbtopo += b1 - b0;
			if (brc == 0) {
				int src = topoagent_set_topology(ta, &t, &err);
				r->serial += bgp_now() - b1;
				if (src != 0)
					fprintf(stderr, "bgp_ls_store: %s\n", err.msg);
				full_set = t.n_nodes == nn && t.n_links == nl;
				if (full_set && t_db == 0)
					t_db = b0;
				topo_free(&t);
			}
		}
		int64_t before = (int64_t)topoagent_status_get(ta)->snapshots;
		double k0 = bgp_now();
		if (topoagent_tick(ta, wall_ms(), &err) != 0)
			fprintf(stderr, "bgp_ls_store: %s\n", err.msg);
		const topoagent_status *s = topoagent_status_get(ta);
		if ((int64_t)s->snapshots != before) {
			worked = true;
			r->tick += bgp_now() - k0;
		}
		if (worked)
			r->build += bgp_now() - b0;
		if (full_set && !s->pending && (int64_t)s->snapshots != before) {
			t_store = bgp_now();
			r->snapshots = (double)s->snapshots;
			break;
		}
	}
	double t[2] = { 0, 0 };
	ssize_t got = read(pfd[0], t, sizeof t);
	close(pfd[0]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	size_t sn = 0, sl = 0;
	int rc = 0;
	if (t_store == 0 || got != (ssize_t)sizeof t || count_store(st, &sn, &sl) != 0 ||
	    sn != nn || sl != nl) {
		fprintf(stderr, "bgp_ls_store: run failed (store: %zu nodes, %zu links)\n", sn, sl);
		rc = -1;
	}
	r->last_to_store = t_store - t[1];
	r->last_to_db = t_db - t[1];
	r->transfer = t[1] - t[0];
	bgp_speaker_free(&sp);
	bgpls_db_free(&db);
	topoagent_free(ta);
	store_close(st);
	unlink(dbpath);
	unlink(wal);
	unlink(shm);
	return rc;
}

int main(int argc, char **argv)
{
	uint32_t nn = 1000, nl = 5000;
	int runs = 5;
	int64_t interval = TOPOAGENT_DEFAULT_INTERVAL_MS;
	double first = 100, pause = 0;
	for (int i = 1; i < argc; i++) {
		bool more = i + 1 < argc;
		if (strcmp(argv[i], "--nodes") == 0 && more)
			nn = (uint32_t)atol(argv[++i]);
		else if (strcmp(argv[i], "--links") == 0 && more)
			nl = (uint32_t)atol(argv[++i]);
		else if (strcmp(argv[i], "--runs") == 0 && more)
			runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--interval-ms") == 0 && more)
			interval = atol(argv[++i]);
		else if (strcmp(argv[i], "--first") == 0 && more)
			first = strtod(argv[++i], NULL);
		else if (strcmp(argv[i], "--pause-ms") == 0 && more)
			pause = strtod(argv[++i], NULL) / 1e3;
		else {
			fprintf(stderr, "usage: bgp_ls_store [--nodes N] [--links L] [--runs R] "
					"[--interval-ms MS] [--first PERCENT --pause-ms MS]\n");
			return 2;
		}
	}
	if (nn < 3 || nn > 60000 || nl < 2 * nn || nl % 2 || nl > 1000000 || runs < 1 ||
	    runs > 51 || interval < 1 || !(first > 0 && first <= 100) || !(pause >= 0)) {
		fprintf(stderr, "bgp_ls_store: need 3..60000 nodes, an even number of links of "
				"at least twice the nodes, 1..51 runs, an interval >= 1 ms\n");
		return 2;
	}
	topo t;
	gen_topo(&t, nn, nl);
	bgpls_item *items = NULL;
	size_t n_items = 0;
	neto_err err;
	if (bgpls_from_topo(&t, 65000, &items, &n_items, &err) != 0) {
		fprintf(stderr, "bgp_ls_store: %s\n", err.msg);
		return 1;
	}
	topo_free(&t);
	wire_wr w;
	wire_wr_init(&w);
	const uint8_t nh[4] = { 127, 0, 0, 1 };
	for (size_t i = 0; i < n_items; i++)
		if (bgpls_update_encode(&items[i].nlri, &items[i].attr, nh, 4, false, 65000, &w,
					&err) != 0) {
			fprintf(stderr, "bgp_ls_store: %s\n", err.msg);
			return 1;
		}
	/* the first burst: the UPDATEs of the first PERCENT of the items */
	size_t split = w.len, cut = (size_t)ceil((double)n_items * first / 100), off = 0;
	for (size_t i = 0; i < n_items && first < 100; i++) {
		if (i == cut) {
			split = off;
			break;
		}
		off += (size_t)w.buf[off + 16] << 8 | w.buf[off + 17];
	}
	free(items);
	signal(SIGPIPE, SIG_IGN);
	char dbpath[256];
	snprintf(dbpath, sizeof dbpath, "/tmp/bgp_ls_store.%d.db", (int)getpid());
	printf("%u nodes, %u links: %zu UPDATEs, %.2f MB\n", nn, nl, n_items, (double)w.len / 1e6);
	double *v[2][9];
	for (int m = 0; m < 2; m++)
		for (int k = 0; k < 9; k++)
			v[m][k] = neto_calloc((size_t)runs, sizeof(double));
	uint16_t port = (uint16_t)(20000 + getpid() % 20000);
	int rc = 0;
	for (int i = 0; i < runs && rc == 0; i++)
		for (int m = 0; m < 2 && rc == 0; m++) {
			run_result r;
			int64_t iv = m == 0 ? interval : 1;
			if (one_run((uint16_t)(port + 2 * i + m), w.buf, w.len, split, pause, nn, nl, iv, dbpath,
				    &r) != 0) {
				rc = 1;
				break;
			}
			printf("run %d, interval %4lld ms: last UPDATE to store %.1f ms, to whole-topology build "
			       "%.1f ms, transfer %.1f ms, build+store %.1f ms (db %.1f, json "
			       "%.1f, store %.1f), %g snapshots, %g rebuilds\n",
			       i + 1, (long long)iv, r.last_to_store * 1e3, r.last_to_db * 1e3,
			       r.transfer * 1e3, r.build * 1e3, r.dbtopo * 1e3, r.serial * 1e3,
			       r.tick * 1e3, r.snapshots, r.rebuilds);
			fflush(stdout);
			double x[9] = { r.last_to_store, r.last_to_db, r.transfer, r.build,
					r.snapshots, r.rebuilds, r.dbtopo, r.serial, r.tick };
			for (int k = 0; k < 9; k++)
				v[m][k][i] = x[k];
		}
	for (int m = 0; m < 2 && rc == 0; m++)
		printf("median of %d, interval %4lld ms: last UPDATE to store %.1f ms, to whole-topology build "
		       "%.1f ms, transfer %.1f ms, build+store %.1f ms (db %.1f, json %.1f, store %.1f), %g snapshots, "
		       "%g rebuilds\n",
		       runs, (long long)(m == 0 ? interval : 1), median(v[m][0], runs) * 1e3,
		       median(v[m][1], runs) * 1e3, median(v[m][2], runs) * 1e3,
		       median(v[m][3], runs) * 1e3, median(v[m][6], runs) * 1e3,
		       median(v[m][7], runs) * 1e3, median(v[m][8], runs) * 1e3,
		       median(v[m][4], runs), median(v[m][5], runs));
	for (int m = 0; m < 2; m++)
		for (int k = 0; k < 9; k++)
			free(v[m][k]);
	wire_wr_free(&w);
	return rc;
}
