/*
 * ipfix_bench.c - speed of the flow collector's pieces, and a sender of
 * export streams for benchmarks against other collectors.
 *
 *   ipfix_bench decode [RECORDS]     decode + attribute + aggregate from
 *                                    memory (the collector's whole per-packet
 *                                    path without the socket), records/s,
 *                                    median of 5 runs
 *   ipfix_bench lpm [PREFIXES]       build and look up a random IPv4 table
 *                                    and an IPv6 one, lookups/s
 *   ipfix_bench send HOST PORT RECORDS [PPS] [VERSION]
 *                                    sends RECORDS flow records as IPFIX (10,
 *                                    default) or NetFlow v9 messages of 30
 *                                    records (templates every 64 messages)
 *                                    over UDP, PPS packets/s (0: as fast as
 *                                    possible); prints the records, octets
 *                                    and bytes sent
 *
 * The stream: flows from 10.1.0.0/16 to 1024 destinations spread over 64
 * sites (10.S.0.0/16 ... plus 100,000 random more-specific prefixes in the
 * table, so lookups walk a realistic trie), DSCP 0/34/46, the template of
 * softflowd's IPv4 records (16 fields, 42 octets).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "agent/collector.h"
#include "lib/lpm.h"
#include "proto/ipfix/ipfix.h"

#define PER_MSG 30

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 88172645463325252ULL;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const ipfix_field tmpl[] = {
	{ IPFIX_IE_SRC_V4, 4, 0 },       { IPFIX_IE_DST_V4, 4, 0 },
	{ IPFIX_IE_START_UPTIME, 4, 0 }, { IPFIX_IE_END_UPTIME, 4, 0 },
	{ IPFIX_IE_OCTET_DELTA, 4, 0 },  { IPFIX_IE_PACKET_DELTA, 4, 0 },
	{ IPFIX_IE_INGRESS_IF, 4, 0 },   { IPFIX_IE_EGRESS_IF, 4, 0 },
	{ 61, 1, 0 },                    { 136, 1, 0 },
	{ IPFIX_IE_SRC_PORT, 2, 0 },     { IPFIX_IE_DST_PORT, 2, 0 },
	{ IPFIX_IE_PROTOCOL, 1, 0 },     { 6, 1, 0 },
	{ 60, 1, 0 },                    { IPFIX_IE_TOS, 1, 0 },
};
#define NT (sizeof tmpl / sizeof tmpl[0])

typedef struct stream {
	uint8_t **msg;
	size_t *len;
	size_t n, records;
	uint64_t octets;
} stream;

static void make_stream(stream *s, size_t records, int version, int64_t t0)
{
	memset(s, 0, sizeof *s);
	size_t nm = (records + PER_MSG - 1) / PER_MSG;
	s->msg = calloc(nm, sizeof *s->msg);
	s->len = calloc(nm, sizeof *s->len);
	ipfix_flow f[PER_MSG];
	static const uint8_t dscp[] = { 0, 34, 46 };
	for (size_t m = 0; m < nm; m++) {
		size_t k = records - m * PER_MSG < PER_MSG ? records - m * PER_MSG : PER_MSG;
		for (size_t i = 0; i < k; i++) {
			memset(&f[i], 0, sizeof f[i]);
			uint64_t r = next();
			ipfix_addr_v4(&f[i].src, 0x0a010000u | (uint32_t)(r & 0xffff));
			uint32_t site = 2 + (uint32_t)((r >> 16) % 64);
			ipfix_addr_v4(&f[i].dst, 0x0a000000u | site << 16 | (uint32_t)((r >> 24) % 16));
			f[i].proto = 17;
			f[i].sport = (uint16_t)(r >> 32);
			f[i].dport = 443;
			f[i].tos = (uint8_t)(dscp[(r >> 48) % 3] << 2);
			f[i].packets = 1 + (r >> 50) % 100;
			f[i].bytes = f[i].packets * 700;
			f[i].start_ms = t0 - 2000;
			f[i].end_ms = t0 - 1000;
			s->octets += f[i].bytes;
		}
		ipfix_msg mm;
		ipfix_msg_begin(&mm, version, t0, t0 - 3600000, (uint32_t)m, 1);
		if (m % 64 == 0)
			ipfix_msg_template(&mm, 1024, tmpl, NT, 0);
		ipfix_msg_data(&mm, 1024, tmpl, NT, 0, f, k);
		s->msg[m] = ipfix_msg_end(&mm, &s->len[m]);
		s->records += k;
	}
	s->n = nm;
}

static void free_stream(stream *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->msg[i]);
	free(s->msg);
	free(s->len);
}

static int sink(void *ctx, const char *topic, const char *key, int64_t at, const char *body,
		size_t len, neto_err *err)
{
	(void)topic, (void)key, (void)at, (void)body, (void)err;
	*(size_t *)ctx += len;
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int bench_decode(size_t records)
{
	static const char ini[] = "[agent b]\nrole = flow\nexporters = R1\nwindow = 10s\n"
				  "listen = 127.0.0.1:0\nexporter_addrs = R1@127.0.0.1\n"
				  "dscp_classes = 46:gold,34:silver\n";
	neto_cfg cfg;
	neto_err e;
	if (cfg_parse(ini, strlen(ini), "bench", &cfg, &e) != 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	int64_t t0 = 1700000000000LL;
	stream s;
	make_stream(&s, records, IPFIX_VERSION, t0);
	double runs[5];
	for (int run = 0; run < 5; run++) {
		collector *c;
		if (collector_new(&c, cfg_agent_find(&cfg, "b"), &e) != 0) {
			fprintf(stderr, "%s\n", e.msg);
			return 1;
		}
		uint8_t a[16] = { 10, 0, 0, 0 };
		char name[16];
		for (unsigned site = 2; site < 66; site++) {
			a[1] = (uint8_t)site;
			snprintf(name, sizeof name, "S%u", site);
			collector_add_prefix(c, 4, a, 16, name, &e);
		}
		for (int i = 0; i < 100000; i++) {
			uint32_t v = (uint32_t)next();
			unsigned plen = 17 + (unsigned)(next() % 8);
			v &= ~0u << (32 - plen);
			uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
					 (uint8_t)v };
			if (p[0] == 10)
				continue; /* keep the sites' own space */
			snprintf(name, sizeof name, "X%d", i % 200);
			collector_add_prefix(c, 4, p, plen, name, &e);
		}
		ipfix_addr from;
		ipfix_addr_v4(&from, 0x7f000001);
		size_t out = 0;
		double t = now_s();
		for (size_t m = 0; m < s.n; m++)
			collector_packet(c, &from, s.msg[m], s.len[m], t0, &e);
		collector_flush(c, t0 + 20000, true, sink, &out, &e);
		runs[run] = now_s() - t;
		const collector_stats *st = collector_stats_get(c);
		if (st->attributed != s.records) {
			fprintf(stderr, "attributed %llu of %zu\n",
				(unsigned long long)st->attributed, s.records);
			return 1;
		}
		collector_free(c);
	}
	qsort(runs, 5, sizeof runs[0], cmp_d);
	printf("decode+attribute+aggregate: %zu records in %zu IPFIX messages, median %.3f s: "
	       "%.0f records/s (min %.0f, max %.0f)\n",
	       s.records, s.n, runs[2], (double)s.records / runs[2], (double)s.records / runs[4],
	       (double)s.records / runs[0]);
	free_stream(&s);
	neto_cfg_free(&cfg);
	return 0;
}

static int bench_lpm(size_t n)
{
	for (int fam = 4; fam <= 6; fam += 2) {
		size_t bytes = fam == 4 ? 4 : 16;
		lpm *t = lpm_new(fam);
		double t0 = now_s();
		for (size_t i = 0; i < n; i++) {
			uint8_t a[16];
			for (size_t j = 0; j < 16; j += 8) {
				uint64_t r = next();
				memcpy(a + j, &r, 8);
			}
			unsigned plen = fam == 4 ? 8 + (unsigned)(next() % 17)
						 : 16 + (unsigned)(next() % 49);
			for (unsigned b = plen; b < bytes * 8; b++)
				a[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
			lpm_insert(t, a, plen, (uint32_t)i);
		}
		double build = now_s() - t0;
		size_t q = 10000000, hit = 0;
		uint8_t *addrs = malloc(4096 * 16);
		for (size_t i = 0; i < 4096 * 16; i += 8) {
			uint64_t r = next();
			memcpy(addrs + i, &r, 8);
		}
		double rate[2];
		for (int c = 0; c < 2; c++) {
			if (c == 1)
				lpm_compile(t);
			t0 = now_s();
			uint32_t v;
			hit = 0;
			for (size_t i = 0; i < q; i++)
				hit += lpm_lookup(t, addrs + (i % 4096) * 16, &v);
			rate[c] = (double)q / (now_s() - t0) / 1e6;
		}
		printf("lpm IPv%d: %zu prefixes (%zu distinct) built in %.2f s; %.1f M lookups/s "
		       "walking from the root, %.1f M with the first stage (%zu%% matched)\n",
		       fam, n, lpm_size(t), build, rate[0], rate[1], hit * 100 / q);
		free(addrs);
		lpm_free(t);
	}
	return 0;
}

static int bench_send(const char *host, int port, size_t records, double pps, int version)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (inet_pton(AF_INET, host, &to.sin_addr) != 1) {
		fprintf(stderr, "ipfix_bench: '%s' is not an IPv4 address\n", host);
		return 2;
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t t0 = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	stream s;
	make_stream(&s, records, version, t0);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	int big = 8 << 20;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
	double start = now_s();
	size_t bytes = 0;
	for (size_t m = 0; m < s.n; m++) {
		if (pps > 0) {
			double due = start + (double)m / pps;
			double wait = due - now_s();
			if (wait > 0) {
				struct timespec w = { (time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9) };
				nanosleep(&w, NULL);
			}
		}
		if (sendto(fd, s.msg[m], s.len[m], 0, (struct sockaddr *)&to, sizeof to) < 0)
			perror("sendto");
		bytes += s.len[m];
	}
	double took = now_s() - start;
	printf("sent %zu records (%llu octets) in %zu packets, %zu bytes, in %.3f s\n", s.records,
	       (unsigned long long)s.octets, s.n, bytes, took);
	close(fd);
	free_stream(&s);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "decode") == 0)
		return bench_decode(argc > 2 ? strtoul(argv[2], NULL, 10) : 3000000);
	if (argc >= 2 && strcmp(argv[1], "lpm") == 0)
		return bench_lpm(argc > 2 ? strtoul(argv[2], NULL, 10) : 1000000);
	if (argc >= 5 && strcmp(argv[1], "send") == 0)
		return bench_send(argv[2], atoi(argv[3]), strtoul(argv[4], NULL, 10),
				  argc > 5 ? atof(argv[5]) : 0, argc > 6 ? atoi(argv[6]) : 10);
	fprintf(stderr, "usage: ipfix_bench decode [RECORDS] | lpm [PREFIXES] | "
			"send HOST PORT RECORDS [PPS] [VERSION]\n");
	return 2;
}
