/*
 * rt_nl.c - the thin I/O half of rt.h: a NETLINK_ROUTE socket in the
 * calling process's network namespace, one request at a time, each waited
 * for until the kernel acknowledges it. All message content comes from the
 * pure builders and parsers in rt_msg.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>

#include "lib/mem.h"
#include "router/rt.h"

/* Large enough for one dump datagram (the kernel fills up to 32 KiB). */
#define RT_RX_SIZE 65536

struct rt_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint8_t *tx;		/* RT_MSG_MAX, from malloc: aligned */
	uint8_t *rx;		/* RT_RX_SIZE */
};

rt_nl *rt_nl_open(neto_err *err)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_ROUTE);
	if (!s)
		return neto_err_set(err, "netlink socket: %s", strerror(errno)), NULL;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		neto_err_set(err, "netlink bind: %s", strerror(errno));
		mnl_socket_close(s);
		return NULL;
	}
	/* Optional: the kernel's own words for a refusal, acks without the
	 * echoed request, and dumps filtered by table in the kernel. Older
	 * kernels without them still work (the parsers filter again). */
	int one = 1;
	(void)mnl_socket_setsockopt(s, NETLINK_EXT_ACK, &one, sizeof one);
	(void)mnl_socket_setsockopt(s, NETLINK_CAP_ACK, &one, sizeof one);
	(void)mnl_socket_setsockopt(s, NETLINK_GET_STRICT_CHK, &one, sizeof one);
	rt_nl *nl = neto_calloc(1, sizeof *nl);
	nl->sock = s;
	nl->portid = mnl_socket_get_portid(s);
	nl->seq = (uint32_t)getpid() << 8;
	nl->tx = neto_malloc(RT_MSG_MAX);
	nl->rx = neto_malloc(RT_RX_SIZE);
	return nl;
}

void rt_nl_close(rt_nl *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl->tx);
	free(nl->rx);
	free(nl);
}

/* Sends the len octets in nl->tx (sequence seq) and waits for the ack.
 * *kerr gets the kernel's errno on a refusal. */
static int transact(rt_nl *nl, size_t len, uint32_t seq, int *kerr, neto_err *err)
{
	*kerr = 0;
	if (mnl_socket_sendto(nl->sock, nl->tx, len) < 0)
		return neto_err_set(err, "netlink send: %s", strerror(errno));
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->rx, RT_RX_SIZE);
		if (n < 0)
			return neto_err_set(err, "netlink receive: %s", strerror(errno));
		neto_err e2;
		if (rt_parse_ack(nl->rx, (size_t)n, seq, kerr, &e2) == 0)
			return 0;
		if (*kerr != 0) {
			*err = e2;
			return -1;
		}
		/* not our acknowledgement (a stray reply): keep reading */
	}
}

int rt_nl_policy(rt_nl *nl, enum rt_op op, const rt_policy *p, neto_err *err)
{
	for (uint32_t i = 0; i < p->n_prefixes; i++) {
		uint32_t seq = ++nl->seq;
		size_t len = rt_build_policy_route(nl->tx, RT_MSG_MAX, seq, op, p, i, err);
		if (len == 0)
			return -1;
		int kerr;
		if (transact(nl, len, seq, &kerr, err) != 0) {
			/* removing what is already gone is success */
			if (op == RT_OP_DELETE && kerr == ESRCH)
				continue;
			return -1;
		}
	}
	return 0;
}

int rt_nl_dscp_rule(rt_nl *nl, enum rt_op op, uint8_t dscp, uint32_t table, uint32_t prio,
		    neto_err *err)
{
	uint32_t seq = ++nl->seq;
	size_t len = rt_build_dscp_rule(nl->tx, RT_MSG_MAX, seq, op, dscp, table, prio, err);
	if (len == 0)
		return -1;
	int kerr;
	if (transact(nl, len, seq, &kerr, err) != 0) {
		if ((op == RT_OP_REPLACE && kerr == EEXIST) ||
		    (op == RT_OP_DELETE && kerr == ENOENT))
			return 0;
		return -1;
	}
	return 0;
}

int rt_nl_local_sid(rt_nl *nl, enum rt_op op, const uint8_t sid[16], enum rt_sid_action action,
		    uint32_t table, uint32_t oif, neto_err *err)
{
	uint32_t seq = ++nl->seq;
	size_t len = rt_build_local_sid(nl->tx, RT_MSG_MAX, seq, op, sid, action, table, oif, err);
	if (len == 0)
		return -1;
	int kerr;
	if (transact(nl, len, seq, &kerr, err) != 0)
		return op == RT_OP_DELETE && kerr == ESRCH ? 0 : -1;
	return 0;
}

int rt_nl_read(rt_nl *nl, uint32_t table, rt_policy_set *out, rt_raw_fn raw, void *raw_arg,
	       neto_err *err)
{
	memset(out, 0, sizeof *out);
	uint32_t seq = ++nl->seq;
	size_t len = rt_build_route_dump(nl->tx, RT_MSG_MAX, seq, table, err);
	if (len == 0)
		return -1;
	if (mnl_socket_sendto(nl->sock, nl->tx, len) < 0)
		return neto_err_set(err, "netlink send: %s", strerror(errno));
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->rx, RT_RX_SIZE);
		if (n < 0) {
			rt_policy_set_free(out);
			return neto_err_set(err, "netlink receive: %s", strerror(errno));
		}
		if (raw)
			raw(nl->rx, (size_t)n, raw_arg);
		int rc = rt_parse_dump(nl->rx, (size_t)n, table, out, err);
		if (rc < 0) {
			rt_policy_set_free(out);
			return -1;
		}
		if (rc == RT_DUMP_DONE)
			return 0;
	}
}

int rt_nl_read_rules(rt_nl *nl, rt_rule_set *out, rt_raw_fn raw, void *raw_arg, neto_err *err)
{
	memset(out, 0, sizeof *out);
	uint32_t seq = ++nl->seq;
	size_t len = rt_build_rule_dump(nl->tx, RT_MSG_MAX, seq, err);
	if (len == 0)
		return -1;
	if (mnl_socket_sendto(nl->sock, nl->tx, len) < 0)
		return neto_err_set(err, "netlink send: %s", strerror(errno));
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->rx, RT_RX_SIZE);
		if (n < 0) {
			rt_rule_set_free(out);
			return neto_err_set(err, "netlink receive: %s", strerror(errno));
		}
		if (raw)
			raw(nl->rx, (size_t)n, raw_arg);
		int rc = rt_parse_rule_dump(nl->rx, (size_t)n, out, err);
		if (rc < 0) {
			rt_rule_set_free(out);
			return -1;
		}
		if (rc == RT_DUMP_DONE)
			return 0;
	}
}
