/*
 * agent_nl.c - the next hop of a segment: one RTM_GETROUTE to the kernel
 * (as `ip -6 route get`), so that a policy's encapsulation routes name the
 * interface and gateway the IGP uses towards the first SID.
 *
 * A seg6 encap route needs a device (or a gateway) on every next hop; the
 * kernel routes the encapsulated packet again by its new destination, but
 * giving it the real next hop keeps `ip route` honest and makes a SID the
 * IGP cannot reach a refusal here rather than a black hole.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "router/agent.h"

typedef struct nh_ctx {
	uint32_t oif;
	bool has_via;
	uint8_t via[16];
	uint32_t type;
} nh_ctx;

static int attr_cb(const struct nlattr *a, void *data)
{
	nh_ctx *x = data;
	switch (mnl_attr_get_type(a)) {
	case RTA_OIF:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			x->oif = mnl_attr_get_u32(a);
		break;
	case RTA_GATEWAY:
		if (mnl_attr_get_payload_len(a) == 16) {
			memcpy(x->via, mnl_attr_get_payload(a), 16);
			x->has_via = true;
		}
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int msg_cb(const struct nlmsghdr *nlh, void *data)
{
	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(struct rtmsg))
		return MNL_CB_OK;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	((nh_ctx *)data)->type = rtm->rtm_type;
	return mnl_attr_parse(nlh, sizeof *rtm, attr_cb, data);
}

int ragent_nexthop(const uint8_t dst[16], uint32_t *oif, bool *has_via, uint8_t via[16],
		   neto_err *err)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_ROUTE);
	if (nl == NULL)
		return neto_err_set(err, "netlink: %s", strerror(errno));
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		return neto_err_set(err, "netlink bind: %s", strerror(e));
	}
	char buf[8192];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	uint32_t seq = (uint32_t)time(NULL);
	nlh->nlmsg_seq = seq;
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof *rtm);
	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = 128;
	/* no DSCP in the lookup: the rules send only marked packets to the
	 * policies' tables, so this is the IGP's (main table's) route */
	mnl_attr_put(nlh, RTA_DST, 16, dst);
	nh_ctx x = { 0 };
	int rc = -1;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		neto_err_set(err, "netlink send: %s", strerror(errno));
		goto out;
	}
	ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof buf);
	if (n < 0) {
		neto_err_set(err, "netlink receive: %s", strerror(errno));
		goto out;
	}
	if (mnl_cb_run(buf, (size_t)n, seq, mnl_socket_get_portid(nl), msg_cb, &x) < 0) {
		neto_err_set(err, "no route: %s", strerror(errno));
		goto out;
	}
	if (x.type != RTN_UNICAST || x.oif == 0) {
		neto_err_set(err, "no unicast route");
		goto out;
	}
	*oif = x.oif;
	*has_via = x.has_via;
	memcpy(via, x.via, 16);
	rc = 0;
out:
	mnl_socket_close(nl);
	return rc;
}
