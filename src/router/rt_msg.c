/*
 * rt_msg.c - rtnetlink messages for SR policies, DSCP rules and local SIDs:
 * builders and parsers, pure over (buf, len).
 *
 * Builders write with libmnl's *_check functions, which refuse to write past
 * the caller's buffer. Parsers never trust a length: every message goes
 * through mnl_nlmsg_ok, every attribute through mnl_attr_ok and a type check
 * (mnl_attr_validate / validate2) before its payload is read, and the
 * structures that are not attributes (struct rtnexthop in RTA_MULTIPATH, the
 * SRH inside SEG6_IPTUNNEL_SRH) are checked field by field against the
 * length of the attribute that carries them. Trailing octets after the last
 * attribute make the message malformed rather than being ignored.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/lwtunnel.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/seg6.h>
#include <linux/seg6_iptunnel.h>
#include <linux/seg6_local.h>

#include "lib/mem.h"
#include "router/rt.h"

/* Routes written by neto carry this protocol number, so that an operator
 * (ip -6 route show proto 77) and FRR's zebra can tell them from others. */
#define RT_PROTO_NETO 77

/* ---- policies ------------------------------------------------------------ */

void rt_policy_set_free(rt_policy_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

int rt_policy_check(const rt_policy *p, neto_err *err)
{
	if (p->table == 0)
		return neto_err_set(err, "policy: table 0 is not a routing table");
	if (p->n_prefixes == 0 || p->n_prefixes > RT_MAX_PREFIXES)
		return neto_err_set(err, "policy: %u endpoint prefixes (1..%d)", p->n_prefixes,
				    RT_MAX_PREFIXES);
	for (uint32_t i = 0; i < p->n_prefixes; i++)
		if (p->prefixes[i].len > 128)
			return neto_err_set(err, "policy: prefix length %u", p->prefixes[i].len);
	if (p->n_lists == 0 || p->n_lists > RT_MAX_LISTS)
		return neto_err_set(err, "policy: %u segment lists (1..%d)", p->n_lists,
				    RT_MAX_LISTS);
	for (uint32_t i = 0; i < p->n_lists; i++) {
		const rt_seglist *l = &p->lists[i];
		if (l->weight == 0 || l->weight > RT_MAX_WEIGHT)
			return neto_err_set(err, "policy: weight %u (1..%d)", l->weight,
					    RT_MAX_WEIGHT);
		if (l->n_segs == 0 || l->n_segs > RT_MAX_SEGS)
			return neto_err_set(err, "policy: %u segments (1..%d)", l->n_segs,
					    RT_MAX_SEGS);
		if (l->oif == 0 && !l->has_via)
			return neto_err_set(err, "policy: a segment list needs a device or a gateway");
		/* Linux refuses device-only next hops in an IPv6 multipath route */
		if (p->n_lists > 1 && !l->has_via)
			return neto_err_set(err, "policy: with several segment lists each needs a gateway");
	}
	return 0;
}

static int list_cmp(const void *a, const void *b)
{
	const rt_seglist *x = a, *y = b;
	if (x->n_segs != y->n_segs)
		return x->n_segs < y->n_segs ? -1 : 1;
	int c = memcmp(x->segs, y->segs, (size_t)x->n_segs * 16);
	if (c != 0)
		return c;
	if (x->weight != y->weight)
		return x->weight < y->weight ? -1 : 1;
	if (x->oif != y->oif)
		return x->oif < y->oif ? -1 : 1;
	if (x->has_via != y->has_via)
		return x->has_via ? 1 : -1;
	return x->has_via ? memcmp(x->via, y->via, 16) : 0;
}

static int prefix_cmp(const void *a, const void *b)
{
	const rt_prefix *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, 16);
	if (c != 0)
		return c;
	return (int)x->len - (int)y->len;
}

void rt_policy_canon(rt_policy *p)
{
	/* the kernel keeps no weight for a route with a single next hop */
	if (p->n_lists == 1)
		p->lists[0].weight = 1;
	for (uint32_t i = 0; i < p->n_lists; i++) {
		rt_seglist *l = &p->lists[i];
		/* unused slots zeroed so that memcmp-based comparison is exact */
		memset(l->segs[l->n_segs], 0, (size_t)(RT_MAX_SEGS - l->n_segs) * 16);
		if (!l->has_via)
			memset(l->via, 0, 16);
	}
	qsort(p->lists, p->n_lists, sizeof p->lists[0], list_cmp);
	qsort(p->prefixes, p->n_prefixes, sizeof p->prefixes[0], prefix_cmp);
}

static bool lists_equal(const rt_policy *a, const rt_policy *b)
{
	if (a->table != b->table || a->n_lists != b->n_lists)
		return false;
	for (uint32_t i = 0; i < a->n_lists; i++)
		if (list_cmp(&a->lists[i], &b->lists[i]) != 0)
			return false;
	return true;
}

bool rt_policy_equal(const rt_policy *a, const rt_policy *b)
{
	if (!lists_equal(a, b) || a->n_prefixes != b->n_prefixes)
		return false;
	for (uint32_t i = 0; i < a->n_prefixes; i++)
		if (prefix_cmp(&a->prefixes[i], &b->prefixes[i]) != 0)
			return false;
	return true;
}

/* snprintf that keeps a running position and never overruns. */
static void add(char *out, size_t cap, size_t *pos, int *total, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void add(char *out, size_t cap, size_t *pos, int *total, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(*pos < cap ? out + *pos : NULL, *pos < cap ? cap - *pos : 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*pos += (size_t)n;
	*total += n;
}

int rt_policy_format(const rt_policy *p, char *out, size_t cap)
{
	size_t pos = 0;
	int total = 0;
	char a[INET6_ADDRSTRLEN];
	if (cap > 0)
		out[0] = '\0';
	add(out, cap, &pos, &total, "table %u prefixes", p->table);
	for (uint32_t i = 0; i < p->n_prefixes && i < RT_MAX_PREFIXES; i++) {
		inet_ntop(AF_INET6, p->prefixes[i].addr, a, sizeof a);
		add(out, cap, &pos, &total, "%s%s/%u", i ? "," : " ", a, p->prefixes[i].len);
	}
	for (uint32_t i = 0; i < p->n_lists && i < RT_MAX_LISTS; i++) {
		const rt_seglist *l = &p->lists[i];
		add(out, cap, &pos, &total, "%s w=%u oif=%u", i ? ";" : " lists", l->weight,
		    l->oif);
		if (l->has_via) {
			inet_ntop(AF_INET6, l->via, a, sizeof a);
			add(out, cap, &pos, &total, " via=%s", a);
		}
		for (uint32_t s = 0; s < l->n_segs && s < RT_MAX_SEGS; s++) {
			inet_ntop(AF_INET6, l->segs[s], a, sizeof a);
			add(out, cap, &pos, &total, "%s%s", s ? "," : " segs=", a);
		}
	}
	return total;
}

int rt_prefix_parse(const char *s, rt_prefix *p, neto_err *err)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	if (n >= INET6_ADDRSTRLEN)
		return neto_err_set(err, "'%s': not an IPv6 prefix", s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (inet_pton(AF_INET6, buf, p->addr) != 1)
		return neto_err_set(err, "'%s': not an IPv6 address", buf);
	p->len = 128;
	if (slash) {
		char *end;
		long l = strtol(slash + 1, &end, 10);
		if (*end != '\0' || end == slash + 1 || l < 0 || l > 128)
			return neto_err_set(err, "'%s': prefix length must be 0..128", s);
		p->len = (uint8_t)l;
	}
	/* a route's destination has no host bits */
	for (unsigned b = p->len; b < 128; b++)
		p->addr[b / 8] &= (uint8_t)~(0x80u >> (b % 8));
	return 0;
}

int rt_seglist_parse(const char *s, rt_seglist *l, neto_err *err)
{
	memset(l, 0, sizeof *l);
	char *end;
	long w = strtol(s, &end, 10);
	if (end == s || *end != ':' || w < 1 || w > RT_MAX_WEIGHT)
		return neto_err_set(err, "'%s': expected WEIGHT:SID[,SID...] with weight 1..%d", s,
				    RT_MAX_WEIGHT);
	l->weight = (uint32_t)w;
	const char *p = end + 1;
	for (;;) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		char buf[INET6_ADDRSTRLEN];
		if (n == 0 || n >= sizeof buf)
			return neto_err_set(err, "'%s': empty or overlong SID", s);
		if (l->n_segs == RT_MAX_SEGS)
			return neto_err_set(err, "'%s': more than %d segments", s, RT_MAX_SEGS);
		memcpy(buf, p, n);
		buf[n] = '\0';
		if (inet_pton(AF_INET6, buf, l->segs[l->n_segs]) != 1)
			return neto_err_set(err, "'%s': '%s' is not an IPv6 SID", s, buf);
		l->n_segs++;
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

/* ---- builders ------------------------------------------------------------ */

static struct nlmsghdr *put_header(void *buf, size_t cap, uint16_t type, uint16_t flags,
				   uint32_t seq, size_t extra, neto_err *err)
{
	if (cap < MNL_NLMSG_HDRLEN + MNL_ALIGN(extra) || cap > UINT32_MAX) {
		neto_err_set(err, "netlink buffer of %zu octets is too small", cap);
		return NULL;
	}
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	nlh->nlmsg_seq = seq;
	mnl_nlmsg_put_extra_header(nlh, extra);
	return nlh;
}

/* The SEG6_IPTUNNEL_SRH attribute: struct seg6_iptunnel_encap (mode) and the
 * SRH. RFC 8754 section 2: Segment List[0] is the LAST segment, Last Entry
 * (first_segment) indexes the first, Segments Left starts there; Hdr Ext Len
 * counts 8-octet units after the first 8. */
static bool put_srh(struct nlmsghdr *nlh, size_t cap, const rt_seglist *l)
{
	uint8_t tmp[sizeof(int) + 8 + RT_MAX_SEGS * 16];
	size_t n = l->n_segs;
	size_t len = sizeof(int) + 8 + n * 16;
	memset(tmp, 0, len);
	int mode = SEG6_IPTUN_MODE_ENCAP;
	memcpy(tmp, &mode, sizeof mode);
	uint8_t *srh = tmp + sizeof(int);
	srh[0] = 0;			/* next header: the kernel sets it */
	srh[1] = (uint8_t)(2 * n);	/* hdrlen */
	srh[2] = 4;			/* routing type 4: SRH */
	srh[3] = (uint8_t)(n - 1);	/* segments left */
	srh[4] = (uint8_t)(n - 1);	/* last entry */
	for (size_t i = 0; i < n; i++)
		memcpy(srh + 8 + 16 * i, l->segs[n - 1 - i], 16);
	return mnl_attr_put_check(nlh, cap, SEG6_IPTUNNEL_SRH, len, tmp);
}

static bool put_encap(struct nlmsghdr *nlh, size_t cap, const rt_seglist *l)
{
	if (!mnl_attr_put_check(nlh, cap, RTA_ENCAP_TYPE, sizeof(uint16_t),
				&(uint16_t){ LWTUNNEL_ENCAP_SEG6 }))
		return false;
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, cap, RTA_ENCAP);
	if (!nest || !put_srh(nlh, cap, l))
		return false;
	mnl_attr_nest_end(nlh, nest);
	return true;
}

size_t rt_build_policy_route(void *buf, size_t cap, uint32_t seq, enum rt_op op,
			     const rt_policy *p, uint32_t prefix, neto_err *err)
{
	if (op == RT_OP_REPLACE && rt_policy_check(p, err) != 0)
		return 0;
	if (prefix >= p->n_prefixes || prefix >= RT_MAX_PREFIXES || p->table == 0) {
		neto_err_set(err, "policy: no prefix %u", prefix);
		return 0;
	}
	uint16_t type = op == RT_OP_REPLACE ? RTM_NEWROUTE : RTM_DELROUTE;
	uint16_t flags = NLM_F_ACK;
	if (op == RT_OP_REPLACE)
		flags |= NLM_F_CREATE | NLM_F_REPLACE;
	struct nlmsghdr *nlh = put_header(buf, cap, type, flags, seq, sizeof(struct rtmsg), err);
	if (!nlh)
		return 0;
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = p->prefixes[prefix].len;
	rtm->rtm_table = p->table < 256 ? (uint8_t)p->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = RT_PROTO_NETO;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	bool ok = mnl_attr_put_check(nlh, cap, RTA_TABLE, sizeof(uint32_t), &p->table) &&
		  mnl_attr_put_check(nlh, cap, RTA_DST, 16, p->prefixes[prefix].addr);
	if (ok && op == RT_OP_REPLACE && p->n_lists == 1) {
		const rt_seglist *l = &p->lists[0];
		if (l->oif)
			ok = mnl_attr_put_check(nlh, cap, RTA_OIF, sizeof(uint32_t), &l->oif);
		if (ok && l->has_via)
			ok = mnl_attr_put_check(nlh, cap, RTA_GATEWAY, 16, l->via);
		ok = ok && put_encap(nlh, cap, l);
	} else if (ok && op == RT_OP_REPLACE) {
		/* RTA_MULTIPATH: a sequence of struct rtnexthop, each followed by
		 * its own attributes and covering them in rtnh_len */
		struct nlattr *mp = mnl_attr_nest_start_check(nlh, cap, RTA_MULTIPATH);
		ok = mp != NULL;
		for (uint32_t i = 0; ok && i < p->n_lists; i++) {
			const rt_seglist *l = &p->lists[i];
			size_t at = nlh->nlmsg_len;
			if (cap - at < sizeof(struct rtnexthop)) {
				ok = false;
				break;
			}
			struct rtnexthop *nh = mnl_nlmsg_get_payload_tail(nlh);
			memset(nh, 0, sizeof *nh);
			nh->rtnh_hops = (uint8_t)(l->weight - 1);
			nh->rtnh_ifindex = (int)l->oif;
			nlh->nlmsg_len += (uint32_t)RTNH_ALIGN(sizeof *nh);
			if (l->has_via)
				ok = mnl_attr_put_check(nlh, cap, RTA_GATEWAY, 16, l->via);
			ok = ok && put_encap(nlh, cap, l);
			nh = (struct rtnexthop *)((uint8_t *)buf + at);
			nh->rtnh_len = (uint16_t)(nlh->nlmsg_len - at);
		}
		if (ok)
			mnl_attr_nest_end(nlh, mp);
	}
	if (!ok) {
		neto_err_set(err, "policy route does not fit in %zu octets", cap);
		return 0;
	}
	return nlh->nlmsg_len;
}

size_t rt_build_dscp_rule(void *buf, size_t cap, uint32_t seq, enum rt_op op, uint8_t dscp,
			  uint32_t table, uint32_t prio, neto_err *err)
{
	if (dscp > 63 || table == 0) {
		neto_err_set(err, "rule: DSCP %u (0..63) or table %u (not 0)", dscp, table);
		return 0;
	}
	uint16_t type = op == RT_OP_REPLACE ? RTM_NEWRULE : RTM_DELRULE;
	/* rules have no replace: EXCL makes a second identical add fail with
	 * EEXIST instead of stacking a duplicate rule */
	uint16_t flags = NLM_F_ACK;
	if (op == RT_OP_REPLACE)
		flags |= NLM_F_CREATE | NLM_F_EXCL;
	struct nlmsghdr *nlh =
		put_header(buf, cap, type, flags, seq, sizeof(struct fib_rule_hdr), err);
	if (!nlh)
		return 0;
	struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	frh->family = AF_INET6;
	frh->tos = (uint8_t)(dscp << 2);	/* the DS field: DSCP in the upper 6 bits */
	frh->table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	frh->action = FR_ACT_TO_TBL;
	if (!mnl_attr_put_check(nlh, cap, FRA_TABLE, sizeof(uint32_t), &table) ||
	    !mnl_attr_put_check(nlh, cap, FRA_PRIORITY, sizeof(uint32_t), &prio)) {
		neto_err_set(err, "rule does not fit in %zu octets", cap);
		return 0;
	}
	return nlh->nlmsg_len;
}

size_t rt_build_local_sid(void *buf, size_t cap, uint32_t seq, enum rt_op op,
			  const uint8_t sid[16], enum rt_sid_action action, uint32_t table,
			  uint32_t oif, neto_err *err)
{
	uint32_t kaction;
	switch (action) {
	case RT_SID_END:
		kaction = SEG6_LOCAL_ACTION_END;
		break;
	case RT_SID_END_DT6:
		kaction = SEG6_LOCAL_ACTION_END_DT6;
		break;
	default:
		neto_err_set(err, "local SID: unknown action %d", (int)action);
		return 0;
	}
	if (op == RT_OP_REPLACE && (oif == 0 || (action == RT_SID_END_DT6 && table == 0))) {
		neto_err_set(err, "local SID: needs a device (and a table for End.DT6)");
		return 0;
	}
	uint16_t type = op == RT_OP_REPLACE ? RTM_NEWROUTE : RTM_DELROUTE;
	uint16_t flags = NLM_F_ACK;
	if (op == RT_OP_REPLACE)
		flags |= NLM_F_CREATE | NLM_F_REPLACE;
	struct nlmsghdr *nlh = put_header(buf, cap, type, flags, seq, sizeof(struct rtmsg), err);
	if (!nlh)
		return 0;
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = AF_INET6;
	rtm->rtm_dst_len = 128;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RT_PROTO_NETO;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	bool ok = mnl_attr_put_check(nlh, cap, RTA_DST, 16, sid);
	if (ok && op == RT_OP_REPLACE) {
		ok = mnl_attr_put_check(nlh, cap, RTA_OIF, sizeof(uint32_t), &oif) &&
		     mnl_attr_put_check(nlh, cap, RTA_ENCAP_TYPE, sizeof(uint16_t),
					&(uint16_t){ LWTUNNEL_ENCAP_SEG6_LOCAL });
		struct nlattr *nest = ok ? mnl_attr_nest_start_check(nlh, cap, RTA_ENCAP) : NULL;
		ok = nest && mnl_attr_put_check(nlh, cap, SEG6_LOCAL_ACTION, sizeof(uint32_t),
						&kaction);
		if (ok && action == RT_SID_END_DT6)
			ok = mnl_attr_put_check(nlh, cap, SEG6_LOCAL_TABLE, sizeof(uint32_t),
						&table);
		if (ok)
			mnl_attr_nest_end(nlh, nest);
	}
	if (!ok) {
		neto_err_set(err, "local SID route does not fit in %zu octets", cap);
		return 0;
	}
	return nlh->nlmsg_len;
}

size_t rt_build_route_dump(void *buf, size_t cap, uint32_t seq, uint32_t table, neto_err *err)
{
	struct nlmsghdr *nlh =
		put_header(buf, cap, RTM_GETROUTE, NLM_F_DUMP, seq, sizeof(struct rtmsg), err);
	if (!nlh)
		return 0;
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = AF_INET6;
	if (table != 0 &&
	    !mnl_attr_put_check(nlh, cap, RTA_TABLE, sizeof(uint32_t), &table)) {
		neto_err_set(err, "dump request does not fit in %zu octets", cap);
		return 0;
	}
	return nlh->nlmsg_len;
}

size_t rt_build_rule_dump(void *buf, size_t cap, uint32_t seq, neto_err *err)
{
	struct nlmsghdr *nlh = put_header(buf, cap, RTM_GETRULE, NLM_F_DUMP, seq,
					  sizeof(struct fib_rule_hdr), err);
	if (!nlh)
		return 0;
	struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	frh->family = AF_INET6;
	return nlh->nlmsg_len;
}

/* ---- parsers ------------------------------------------------------------- */

/* Indexes the attributes in (payload, len) by type into tb[0..max]; types
 * above max are ignored (newer kernels add attributes). Fails when an
 * attribute's length runs past the end or octets are left over. */
static int attrs_index(const void *payload, size_t len, const struct nlattr **tb, unsigned max,
		       const char *what, neto_err *err)
{
	memset(tb, 0, sizeof *tb * (max + 1));
	if (len > INT_MAX)
		return neto_err_set(err, "%s: %zu octets of attributes", what, len);
	const uint8_t *p = payload;
	const uint8_t *end = p + len;
	while (end - p >= (ptrdiff_t)sizeof(struct nlattr)) {
		const struct nlattr *a = (const struct nlattr *)p;
		if (!mnl_attr_ok(a, (int)(end - p)))
			return neto_err_set(err, "%s: attribute of length %u runs past the end",
					    what, a->nla_len);
		uint16_t type = mnl_attr_get_type(a);
		if (type <= max)
			tb[type] = a;
		size_t step = MNL_ALIGN(a->nla_len);
		if (step >= (size_t)(end - p))
			return 0;	/* the last attribute (padding may be absent) */
		p += step;
	}
	if (p != end)
		return neto_err_set(err, "%s: %td trailing octets", what, end - p);
	return 0;
}

static int need_len(const struct nlattr *a, size_t n, const char *what, neto_err *err)
{
	if (mnl_attr_validate2(a, MNL_TYPE_BINARY, n) < 0)
		return neto_err_set(err, "%s: length %u, expected %zu", what,
				    mnl_attr_get_payload_len(a), n);
	return 0;
}

/* SEG6_IPTUNNEL_SRH into *l. Returns 1 when the encapsulation is not
 * encap-mode SRv6 (an inline or L2 tunnel is not a policy of ours). */
static int parse_srh(const struct nlattr *a, rt_seglist *l, neto_err *err)
{
	size_t len = mnl_attr_get_payload_len(a);
	const uint8_t *p = mnl_attr_get_payload(a);
	if (len < sizeof(int) + 8)
		return neto_err_set(err, "seg6 encap: %zu octets, too short for an SRH", len);
	int mode;
	memcpy(&mode, p, sizeof mode);
	if (mode != SEG6_IPTUN_MODE_ENCAP)
		return 1;
	const uint8_t *srh = p + sizeof(int);
	size_t srh_len = len - sizeof(int);
	/* RFC 8754 section 2: Hdr Ext Len in 8-octet units not counting the
	 * first 8; routing type 4; Last Entry indexes the final list element */
	if (((size_t)srh[1] + 1) * 8 != srh_len)
		return neto_err_set(err, "SRH: Hdr Ext Len %u does not match %zu octets", srh[1],
				    srh_len);
	if (srh[2] != 4)
		return neto_err_set(err, "SRH: routing type %u, expected 4", srh[2]);
	size_t n = (size_t)srh[4] + 1;
	if (8 + n * 16 > srh_len)
		return neto_err_set(err, "SRH: Last Entry %u beyond the header", srh[4]);
	if (srh[3] > srh[4])
		return neto_err_set(err, "SRH: Segments Left %u above Last Entry %u", srh[3],
				    srh[4]);
	if (n > RT_MAX_SEGS)
		return neto_err_set(err, "SRH: %zu segments, at most %d supported", n,
				    RT_MAX_SEGS);
	l->n_segs = (uint32_t)n;
	for (size_t i = 0; i < n; i++)
		memcpy(l->segs[i], srh + 8 + 16 * (n - 1 - i), 16);
	return 0;
}

/* The encapsulation of one next hop (RTA_ENCAP_TYPE + RTA_ENCAP). Returns 1
 * when it is not an SRv6 encap-mode tunnel. */
static int parse_encap(const struct nlattr *type, const struct nlattr *encap, rt_seglist *l,
		       neto_err *err)
{
	if (!type || !encap)
		return 1;
	if (mnl_attr_validate(type, MNL_TYPE_U16) < 0)
		return neto_err_set(err, "RTA_ENCAP_TYPE: bad length");
	if (mnl_attr_get_u16(type) != LWTUNNEL_ENCAP_SEG6)
		return 1;
	if (mnl_attr_validate(encap, MNL_TYPE_NESTED) < 0)
		return neto_err_set(err, "RTA_ENCAP: bad length");
	const struct nlattr *tb[SEG6_IPTUNNEL_MAX + 1];
	if (attrs_index(mnl_attr_get_payload(encap), mnl_attr_get_payload_len(encap), tb,
			SEG6_IPTUNNEL_MAX, "RTA_ENCAP", err) != 0)
		return -1;
	if (!tb[SEG6_IPTUNNEL_SRH])
		return neto_err_set(err, "seg6 encap without an SRH");
	return parse_srh(tb[SEG6_IPTUNNEL_SRH], l, err);
}

static int parse_gateway(const struct nlattr *a, rt_seglist *l, neto_err *err)
{
	if (!a)
		return 0;
	if (need_len(a, 16, "RTA_GATEWAY", err) != 0)
		return -1;
	l->has_via = true;
	memcpy(l->via, mnl_attr_get_payload(a), 16);
	return 0;
}

/* RTA_MULTIPATH: struct rtnexthop records, each rtnh_len long including
 * its attributes, 4-aligned (RTNH_ALIGN). */
static int parse_multipath(const struct nlattr *a, rt_policy *p, neto_err *err)
{
	const uint8_t *q = mnl_attr_get_payload(a);
	size_t left = mnl_attr_get_payload_len(a);
	while (left > 0) {
		struct rtnexthop nh;
		if (left < sizeof nh)
			return neto_err_set(err, "RTA_MULTIPATH: %zu trailing octets", left);
		memcpy(&nh, q, sizeof nh);
		if (nh.rtnh_len < sizeof nh || nh.rtnh_len > left)
			return neto_err_set(err, "RTA_MULTIPATH: next hop length %u of %zu",
					    nh.rtnh_len, left);
		if (p->n_lists == RT_MAX_LISTS)
			return neto_err_set(err, "RTA_MULTIPATH: more than %d next hops",
					    RT_MAX_LISTS);
		rt_seglist *l = &p->lists[p->n_lists];
		memset(l, 0, sizeof *l);
		l->weight = (uint32_t)nh.rtnh_hops + 1;
		l->oif = nh.rtnh_ifindex > 0 ? (uint32_t)nh.rtnh_ifindex : 0;
		const struct nlattr *tb[RTA_MAX + 1];
		if (attrs_index(q + sizeof nh, nh.rtnh_len - sizeof nh, tb, RTA_MAX,
				"next hop", err) != 0)
			return -1;
		if (parse_gateway(tb[RTA_GATEWAY], l, err) != 0)
			return -1;
		int rc = parse_encap(tb[RTA_ENCAP_TYPE], tb[RTA_ENCAP], l, err);
		if (rc != 0)
			return rc;	/* a next hop that is no tunnel: not a policy */
		p->n_lists++;
		size_t step = RTNH_ALIGN(nh.rtnh_len);
		if (step >= left)
			break;
		q += step;
		left -= step;
	}
	return p->n_lists > 0 ? 0 : 1;
}

/* One RTM_NEWROUTE. Returns 0 with *p filled (one prefix), 1 when the route
 * is not an SRv6 policy route of `table`, -1 when malformed. */
static int parse_route(const struct nlmsghdr *nlh, uint32_t table, rt_policy *p, neto_err *err)
{
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct rtmsg))
		return neto_err_set(err, "route message of %u octets", nlh->nlmsg_len);
	struct rtmsg rtm;
	memcpy(&rtm, mnl_nlmsg_get_payload(nlh), sizeof rtm);
	if (rtm.rtm_family != AF_INET6 || rtm.rtm_type != RTN_UNICAST)
		return 1;
	if (rtm.rtm_dst_len > 128)
		return neto_err_set(err, "route: prefix length %u", rtm.rtm_dst_len);
	const struct nlattr *tb[RTA_MAX + 1];
	size_t off = MNL_ALIGN(sizeof(struct rtmsg));
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	if (attrs_index((const uint8_t *)mnl_nlmsg_get_payload(nlh) + off,
			plen > off ? plen - off : 0, tb, RTA_MAX, "route", err) != 0)
		return -1;
	memset(p, 0, sizeof *p);
	p->table = rtm.rtm_table;
	if (tb[RTA_TABLE]) {
		if (mnl_attr_validate(tb[RTA_TABLE], MNL_TYPE_U32) < 0)
			return neto_err_set(err, "RTA_TABLE: bad length");
		p->table = mnl_attr_get_u32(tb[RTA_TABLE]);
	}
	if (table != 0 && p->table != table)
		return 1;
	p->n_prefixes = 1;
	p->prefixes[0].len = rtm.rtm_dst_len;
	if (tb[RTA_DST]) {
		if (need_len(tb[RTA_DST], 16, "RTA_DST", err) != 0)
			return -1;
		memcpy(p->prefixes[0].addr, mnl_attr_get_payload(tb[RTA_DST]), 16);
	} else if (rtm.rtm_dst_len != 0) {
		return neto_err_set(err, "route: /%u without RTA_DST", rtm.rtm_dst_len);
	}
	if (tb[RTA_MULTIPATH])
		return parse_multipath(tb[RTA_MULTIPATH], p, err);
	rt_seglist *l = &p->lists[0];
	l->weight = 1;
	if (tb[RTA_OIF]) {
		if (mnl_attr_validate(tb[RTA_OIF], MNL_TYPE_U32) < 0)
			return neto_err_set(err, "RTA_OIF: bad length");
		l->oif = mnl_attr_get_u32(tb[RTA_OIF]);
	}
	if (parse_gateway(tb[RTA_GATEWAY], l, err) != 0)
		return -1;
	int rc = parse_encap(tb[RTA_ENCAP_TYPE], tb[RTA_ENCAP], l, err);
	if (rc != 0)
		return rc;
	p->n_lists = 1;
	return 0;
}

static void set_add(rt_policy_set *s, rt_policy *p)
{
	rt_policy_canon(p);
	for (size_t i = 0; i < s->n; i++) {
		rt_policy *q = &s->v[i];
		if (q->n_prefixes < RT_MAX_PREFIXES && lists_equal(q, p)) {
			q->prefixes[q->n_prefixes++] = p->prefixes[0];
			rt_policy_canon(q);
			return;
		}
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4;
		s->v = neto_reallocarray(s->v, s->cap, sizeof *s->v);
	}
	s->v[s->n++] = *p;
}

static int parse_error(const struct nlmsghdr *nlh, int *kernel_errno, neto_err *err)
{
	*kernel_errno = 0;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct nlmsgerr))
		return neto_err_set(err, "netlink error message of %u octets", nlh->nlmsg_len);
	struct nlmsgerr e;
	memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof e);
	if (e.error == 0)
		return 0;
	*kernel_errno = e.error < 0 && e.error != INT_MIN ? -e.error : EPROTO;
	const char *why = NULL;
	/* RFC 3549 has no extended acks; Linux appends NLMSGERR_ATTR_* after
	 * the (capped) request when NETLINK_EXT_ACK is on */
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		size_t off = sizeof e;
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e.msg.nlmsg_len >= sizeof e.msg ? e.msg.nlmsg_len - sizeof e.msg : 0;
		size_t plen = mnl_nlmsg_get_payload_len(nlh);
		const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
		neto_err ignored;
		if (MNL_ALIGN(off) <= plen &&
		    attrs_index((const uint8_t *)mnl_nlmsg_get_payload(nlh) + MNL_ALIGN(off),
				plen - MNL_ALIGN(off), tb, NLMSGERR_ATTR_MAX, "ext ack",
				&ignored) == 0 &&
		    tb[NLMSGERR_ATTR_MSG] &&
		    mnl_attr_validate(tb[NLMSGERR_ATTR_MSG], MNL_TYPE_NUL_STRING) == 0)
			why = mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]);
	}
	return neto_err_set(err, "kernel: %s%s%s", strerror(*kernel_errno), why ? ": " : "",
			    why ? why : "");
}

/* mnl_nlmsg_ok casts nlmsg_len to int, so a length of 2^31 or more would
 * pass its check; this one compares unsigned. */
static bool msg_ok(const struct nlmsghdr *nlh, int left)
{
	return left >= (int)sizeof(struct nlmsghdr) && nlh->nlmsg_len >= sizeof(struct nlmsghdr) &&
	       nlh->nlmsg_len <= (uint32_t)left;
}

int rt_parse_ack(const void *buf, size_t len, uint32_t seq, int *kernel_errno, neto_err *err)
{
	*kernel_errno = 0;
	int left = len > INT_MAX ? INT_MAX : (int)len;
	for (const struct nlmsghdr *nlh = buf; msg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left)) {
		if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_seq != seq)
			continue;
		return parse_error(nlh, kernel_errno, err);
	}
	return neto_err_set(err, "no acknowledgement of request %u", seq);
}

int rt_parse_dump(const void *buf, size_t len, uint32_t table, rt_policy_set *out,
		  neto_err *err)
{
	int left = len > INT_MAX ? INT_MAX : (int)len;
	const struct nlmsghdr *nlh = buf;
	for (; msg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		int kerr;
		switch (nlh->nlmsg_type) {
		case NLMSG_DONE:
			return RT_DUMP_DONE;
		case NLMSG_ERROR:
			if (parse_error(nlh, &kerr, err) != 0)
				return -1;
			continue;
		case RTM_NEWROUTE: {
			rt_policy p;
			int rc = parse_route(nlh, table, &p, err);
			if (rc < 0)
				return -1;
			if (rc == 0)
				set_add(out, &p);
			continue;
		}
		default:
			continue;
		}
	}
	if (left != 0)
		return neto_err_set(err, "route dump: %d octets that are not a message", left);
	return RT_DUMP_MORE;
}

void rt_rule_set_free(rt_rule_set *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
}

/* One RTM_NEWRULE: 0 with *r filled, 1 when it is not a DSCP-to-table rule,
 * -1 when malformed. */
static int parse_rule(const struct nlmsghdr *nlh, rt_rule *r, neto_err *err)
{
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct fib_rule_hdr))
		return neto_err_set(err, "rule message of %u octets", nlh->nlmsg_len);
	struct fib_rule_hdr frh;
	memcpy(&frh, mnl_nlmsg_get_payload(nlh), sizeof frh);
	if (frh.family != AF_INET6 || frh.action != FR_ACT_TO_TBL || frh.tos == 0 ||
	    frh.src_len != 0 || frh.dst_len != 0 || (frh.flags & FIB_RULE_INVERT))
		return 1;
	const struct nlattr *tb[FRA_MAX + 1];
	size_t off = MNL_ALIGN(sizeof frh);
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	if (attrs_index((const uint8_t *)mnl_nlmsg_get_payload(nlh) + off,
			plen > off ? plen - off : 0, tb, FRA_MAX, "rule", err) != 0)
		return -1;
	/* a rule that also selects on an interface or a mark is not a class rule */
	if (tb[FRA_IIFNAME] || tb[FRA_OIFNAME] || tb[FRA_FWMARK])
		return 1;
	r->dscp = (uint8_t)(frh.tos >> 2);
	r->table = frh.table;
	r->prio = 0;
	if (tb[FRA_TABLE]) {
		if (mnl_attr_validate(tb[FRA_TABLE], MNL_TYPE_U32) < 0)
			return neto_err_set(err, "FRA_TABLE: bad length");
		r->table = mnl_attr_get_u32(tb[FRA_TABLE]);
	}
	if (tb[FRA_PRIORITY]) {
		if (mnl_attr_validate(tb[FRA_PRIORITY], MNL_TYPE_U32) < 0)
			return neto_err_set(err, "FRA_PRIORITY: bad length");
		r->prio = mnl_attr_get_u32(tb[FRA_PRIORITY]);
	}
	return 0;
}

int rt_parse_rule_dump(const void *buf, size_t len, rt_rule_set *out, neto_err *err)
{
	int left = len > INT_MAX ? INT_MAX : (int)len;
	const struct nlmsghdr *nlh = buf;
	for (; msg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
		int kerr;
		if (nlh->nlmsg_type == NLMSG_DONE)
			return RT_DUMP_DONE;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			if (parse_error(nlh, &kerr, err) != 0)
				return -1;
			continue;
		}
		if (nlh->nlmsg_type != RTM_NEWRULE)
			continue;
		rt_rule r;
		int rc = parse_rule(nlh, &r, err);
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		if (out->n == out->cap) {
			out->cap = out->cap ? 2 * out->cap : 8;
			out->v = neto_reallocarray(out->v, out->cap, sizeof *out->v);
		}
		out->v[out->n++] = r;
	}
	if (left != 0)
		return neto_err_set(err, "rule dump: %d octets that are not a message", left);
	return RT_DUMP_MORE;
}
