/*
 * telemetry.c - interface counters into neto's telemetry document
 * (telemetry.h).
 *
 * Several routers merge into one document: each reads it, replaces its own
 * entries and writes it back. Two routers writing in the same instant can
 * lose one's update for one period (the key-value store has no
 * compare-and-swap); the next sample restores it. The API matches entries
 * to links by id, so the order in the document does not matter.
 */
#include <errno.h>
#include <limits.h>
#include <jansson.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "lib/mem.h"
#include "router/telemetry.h"
#include "store/store.h"

/* ---- the dump (pure) --------------------------------------------------------- */

typedef struct lctx {
	telemetry_if *it;
	bool has_name, has_stats;
} lctx;

static int link_attr(const struct nlattr *a, void *data)
{
	lctx *x = data;
	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME: {
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_OK;
		const char *s = mnl_attr_get_str(a);
		size_t n = strnlen(s, mnl_attr_get_payload_len(a));
		if (n == 0 || n >= sizeof x->it->name)
			return MNL_CB_OK;
		memcpy(x->it->name, s, n);
		x->it->name[n] = '\0';
		x->has_name = true;
		break;
	}
	case IFLA_STATS64: {
		struct rtnl_link_stats64 st;
		/* older kernels send a shorter structure: take what is there */
		size_t n = mnl_attr_get_payload_len(a);
		if (n < 4 * sizeof(uint64_t))
			return MNL_CB_OK;
		memset(&st, 0, sizeof st);
		memcpy(&st, mnl_attr_get_payload(a), n < sizeof st ? n : sizeof st);
		x->it->rx_packets = st.rx_packets;
		x->it->tx_packets = st.tx_packets;
		x->it->rx_bytes = st.rx_bytes;
		x->it->tx_bytes = st.tx_bytes;
		x->has_stats = true;
		break;
	}
	default:
		break;
	}
	return MNL_CB_OK;
}

static int link_msg(const struct nlmsghdr *nlh, void *data)
{
	telemetry_ifs *out = data;
	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct ifinfomsg))
		return MNL_CB_ERROR;
	if (out->n == TELEMETRY_MAX_IFS)
		return MNL_CB_OK;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	telemetry_if *it = &out->v[out->n];
	memset(it, 0, sizeof *it);
	it->index = (uint32_t)ifi->ifi_index;
	lctx x = { .it = it };
	if (mnl_attr_parse(nlh, sizeof *ifi, link_attr, &x) < 0)
		return MNL_CB_ERROR;
	if (x.has_name && x.has_stats)
		out->n++;
	return MNL_CB_OK;
}

int telemetry_parse_dump(const void *buf, size_t len, telemetry_ifs *out, neto_err *err)
{
	if ((uintptr_t)buf % 4 != 0)
		return neto_err_set(err, "link dump: unaligned buffer");
	int left = len > INT_MAX ? INT_MAX : (int)len;
	const struct nlmsghdr *nlh = buf;
	/* mnl_nlmsg_ok compares the length as a signed int, so a length above
	 * INT_MAX would pass it: check it as unsigned too */
	for (; mnl_nlmsg_ok(nlh, left) && nlh->nlmsg_len <= (uint32_t)left;
	     nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nlmsgerr))
				return neto_err_set(err, "link dump: short error message");
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
			if (e->error != 0)
				return neto_err_set(err, "link dump: kernel: %s",
						    e->error < 0 && e->error > -4096 ? strerror(-e->error)
										      : "bad error code");
			continue;
		}
		if (link_msg(nlh, out) != MNL_CB_OK)
			return neto_err_set(err, "link dump: malformed link message");
	}
	if (left != 0)
		return neto_err_set(err, "link dump: %d octets that are not a message", left);
	return 0;
}

int telemetry_dump(telemetry_ifs *out, neto_err *err)
{
	out->n = 0;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	if (nl == NULL)
		return neto_err_set(err, "netlink: %s", strerror(errno));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		return neto_err_set(err, "netlink bind: %s", strerror(e));
	}
	uint32_t *buf = neto_malloc(65536);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof *ifi);
	ifi->ifi_family = AF_UNSPEC;
	int rc = -1;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		neto_err_set(err, "netlink send: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, 65536);
		if (n < 0) {
			neto_err_set(err, "netlink receive: %s", strerror(errno));
			goto out;
		}
		errno = 0;
		int r = telemetry_parse_dump(buf, (size_t)n, out, err);
		if (r < 0)
			goto out;
		if (r == 1)
			break;
	}
	rc = 0;
out:
	free(buf);
	mnl_socket_close(nl);
	return rc;
}

double telemetry_rate_bps(uint64_t before, uint64_t after, int64_t dt_ms)
{
	if (after < before || dt_ms <= 0)
		return 0;
	return (double)(after - before) * 8.0 * 1000.0 / (double)dt_ms;
}

/* ---- the document (pure) ----------------------------------------------------- */

char *telemetry_merge(const char *old, size_t old_len, const telemetry_load *v, size_t n,
		      int64_t at_ms)
{
	json_t *doc = old ? json_loadb(old, old_len, JSON_REJECT_DUPLICATES, NULL) : NULL;
	if (!json_is_object(doc) || !json_is_array(json_object_get(doc, "links"))) {
		json_decref(doc);
		doc = json_pack("{s:[]}", "links");
	}
	json_t *links = json_object_get(doc, "links");
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_pack("{s:s,s:s,s:s,s:f,s:I,s:I}", "id", v[i].link->id, "src",
				      v[i].link->src, "dst", v[i].link->dst, "load", v[i].load,
				      "tx_bytes", (json_int_t)v[i].tx_bytes, "tx_packets",
				      (json_int_t)v[i].tx_packets);
		size_t k;
		json_t *x;
		bool put = false;
		json_array_foreach(links, k, x) {
			const char *id = json_string_value(json_object_get(x, "id"));
			if (id && strcmp(id, v[i].link->id) == 0) {
				json_array_set(links, k, e);
				put = true;
				break;
			}
		}
		if (!put)
			json_array_append(links, e);
		json_decref(e);
	}
	json_object_set_new(doc, "at", json_integer((json_int_t)at_ms));
	char *s = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (s == NULL)
		abort();	/* jansson fails only when out of memory */
	return s;
}

/* ---- sampling ---------------------------------------------------------------- */

struct telemetry {
	store *st;
	int64_t period_ms, next, last_at;
	double unit_bps;
	telemetry_link *links;
	size_t n_links;
	uint64_t *prev_bytes;	/* per link; at last_at */
	bool have_prev;
	telemetry_ifs *ifs;
	FILE *log;
};

int telemetry_open(telemetry **out, const char *uri, int64_t period_ms, double unit_bps,
		   const telemetry_link *links, size_t n_links, FILE *log, neto_err *err)
{
	telemetry *t = neto_calloc(1, sizeof *t);
	if (store_open(&t->st, uri, err) != 0) {
		free(t);
		return -1;
	}
	t->period_ms = period_ms;
	t->unit_bps = unit_bps > 0 ? unit_bps : 1e6;
	t->links = neto_calloc(n_links ? n_links : 1, sizeof *t->links);
	memcpy(t->links, links, n_links * sizeof *links);
	t->n_links = n_links;
	t->prev_bytes = neto_calloc(n_links ? n_links : 1, sizeof *t->prev_bytes);
	t->ifs = neto_malloc(sizeof *t->ifs);
	t->log = log;
	*out = t;
	return 0;
}

void telemetry_free(telemetry *t)
{
	if (t == NULL)
		return;
	store_close(t->st);
	free(t->links);
	free(t->prev_bytes);
	free(t->ifs);
	free(t);
}

static int64_t wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void telemetry_poll(telemetry *t, int64_t now_ms)
{
	if (now_ms < t->next)
		return;
	t->next = now_ms + t->period_ms;
	neto_err err;
	if (telemetry_dump(t->ifs, &err) != 0) {
		if (t->log)
			fprintf(t->log, "telemetry: %s\n", err.msg);
		return;
	}
	telemetry_load *loads = neto_calloc(t->n_links ? t->n_links : 1, sizeof *loads);
	size_t n = 0;
	for (size_t i = 0; i < t->n_links; i++) {
		const telemetry_if *it = NULL;
		for (size_t k = 0; k < t->ifs->n && it == NULL; k++)
			if (strcmp(t->ifs->v[k].name, t->links[i].ifname) == 0)
				it = &t->ifs->v[k];
		if (it == NULL)
			continue;
		if (t->have_prev) {
			double bps = telemetry_rate_bps(t->prev_bytes[i], it->tx_bytes,
							now_ms - t->last_at);
			loads[n++] = (telemetry_load){ .link = &t->links[i], .load = bps / t->unit_bps,
						       .tx_bytes = it->tx_bytes,
						       .tx_packets = it->tx_packets };
		}
		t->prev_bytes[i] = it->tx_bytes;
	}
	bool first = !t->have_prev;
	t->have_prev = true;
	t->last_at = now_ms;
	if (first || n == 0) {
		free(loads);
		return;
	}
	char *old = NULL;
	size_t old_len = 0;
	int64_t upd;
	int64_t at = wall_ms();
	if (store_kv_get(t->st, "telemetry", "links", &old, &old_len, &upd, &err) != 0 && t->log)
		fprintf(t->log, "telemetry: %s\n", err.msg);
	char *doc = telemetry_merge(old, old_len, loads, n, at);
	if (store_kv_put(t->st, "telemetry", "links", doc, strlen(doc), at, &err) != 0 && t->log)
		fprintf(t->log, "telemetry: %s\n", err.msg);
	free(old);
	free(doc);
	free(loads);
}
