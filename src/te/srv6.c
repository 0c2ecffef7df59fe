/*
 * srv6.c - SRv6 SIDs, and segment lists that pin a path (see srv6.h).
 *
 * Encoding. A path v0 -l0-> v1 -l1-> ... -> vn is to be forced with as few
 * segments as possible. A node segment "go to vj" makes the routers forward
 * along the IGP shortest path, which follows our path only when that
 * shortest path is unique (ECMP would split the traffic) and is exactly
 * l_i .. l_{j-1}. Since a subpath of a unique shortest path is itself the
 * unique shortest path between its ends, the positions j a node segment can
 * reach from i form a prefix i+1 .. r(i), and r is non-decreasing; so the
 * greedy choice (always jump to the farthest reachable position, or take one
 * adjacency segment when no node segment works) uses the fewest segments.
 * The test for position j is O(1) given the SPF tree of v_i: the unique
 * shortest path to v_j ends with l_{j-1} (one bit, spf_unique_last) and, by
 * induction on j, the rest of it is the unique shortest path to v_{j-1},
 * already checked.
 *
 * Replay walks a segment list the way routers would; the tests use it to
 * check that every encoding gives back exactly its path.
 */
#include "te/srv6.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define FUNC_END 0x0001u
#define FUNC_ENDX 0xe000u
#define GEN_LOCATOR_LEN 48

/* Writes the nbits low bits of val at bit position pos (0 = most significant
 * bit of sid[0]); bits past 127 are dropped. */
static void put_bits(uint8_t sid[16], unsigned pos, unsigned nbits, uint32_t val)
{
	for (unsigned b = 0; b < nbits; b++) {
		unsigned at = pos + b;
		if (at >= 128)
			return;
		uint8_t mask = (uint8_t)(0x80u >> (at % 8));
		if ((val >> (nbits - 1 - b)) & 1u)
			sid[at / 8] |= mask;
		else
			sid[at / 8] &= (uint8_t)~mask;
	}
}

/* The node's locator prefix in sid (zero past the prefix); returns its
 * length in bits. */
static unsigned node_locator(const topo *t, uint32_t node, uint8_t sid[16])
{
	memset(sid, 0, 16);
	const topo_node *n = &t->nodes[node];
	if (n->has_locator) {
		unsigned len = n->locator_len;
		if (len > 128)
			len = 128;
		for (unsigned b = 0; b < len; b++) {
			uint8_t mask = (uint8_t)(0x80u >> (b % 8));
			sid[b / 8] |= (uint8_t)(n->locator[b / 8] & mask);
		}
		return len;
	}
	/* fc00::/16, then node + 1 as a 32-bit number: small indices read as
	 * fc00:0:<i+1>::, and the scheme stays unique for any uint32 index. */
	sid[0] = 0xfc;
	put_bits(sid, 16, 32, node + 1u);
	return GEN_LOCATOR_LEN;
}

void srv6_node_sid(const topo *t, uint32_t node, uint8_t sid[16])
{
	unsigned len = node_locator(t, node, sid);
	put_bits(sid, len, 16, FUNC_END);
}

void srv6_adj_sid(const topo *t, uint32_t link, uint8_t sid[16])
{
	const topo_link *l = &t->links[link];
	if (l->has_adj_sid) {
		memcpy(sid, l->adj_sid, 16);
		return;
	}
	uint32_t v = l->src, k = 0;
	for (uint32_t i = t->out_off[v]; i < t->out_off[v + 1]; i++, k++)
		if (t->out_links[i] == link)
			break;
	unsigned len = node_locator(t, v, sid);
	put_bits(sid, len, 16, FUNC_ENDX | (k & 0x1fffu));
	put_bits(sid, len + 16, 16, k >> 13);
}

const char *srv6_seg_str(const topo *t, uint32_t seg, char *buf, size_t n)
{
	uint8_t sid[16];
	uint32_t idx = seg & ~SRV6_SEG_ADJ;
	if (n == 0)
		return buf;
	if (seg & SRV6_SEG_ADJ) {
		if (idx >= t->n_links) {
			snprintf(buf, n, "?");
			return buf;
		}
		srv6_adj_sid(t, idx, sid);
	} else {
		if (idx >= t->n_nodes) {
			snprintf(buf, n, "?");
			return buf;
		}
		srv6_node_sid(t, idx, sid);
	}
	if (inet_ntop(AF_INET6, sid, buf, (socklen_t)(n > 65535 ? 65535 : n)) == NULL)
		snprintf(buf, n, "?");
	return buf;
}

int srv6_encode(spf_all *spf, const uint32_t *links, uint32_t n, uint32_t *segs, uint32_t max)
{
	const topo *t = spf->t;
	uint32_t cnt = 0, i = 0;
	bool last_is_node = false;

	if (n == 0)
		return 0;
	for (uint32_t j = 0; j < n; j++) {
		if (links[j] >= t->n_links)
			return -1;
		if (j > 0 && t->links[links[j]].src != t->links[links[j - 1]].dst)
			return -1; /* not a path */
	}
	while (i < n) {
		uint32_t vi = t->links[links[i]].src;
		const spf_tree *tr = spf_all_get(spf, vi);
		uint32_t j = i;
		/* Extend while the IGP, left alone at v_i, would carry the
		 * packet exactly along our links: unique shortest path whose
		 * last link is ours (the rest was checked at j - 1). */
		while (j < n && spf_unique_last(tr, links[j]))
			j++;
		if (cnt == max)
			return -1;
		if (j > i) {
			/* Farthest reach: a node SID of v_j. */
			segs[cnt++] = t->links[links[j - 1]].dst;
			last_is_node = true;
			i = j;
		} else {
			/* Even the first link is not the IGP's unique choice
			 * (a longer metric, or ECMP): pin it with its End.X. */
			segs[cnt++] = SRV6_SEG_ADJ | links[i];
			last_is_node = false;
			i++;
		}
	}
	if (!last_is_node) {
		/* An End.X as the last SID would be the final segment of the
		 * node that owns the link: that node would decapsulate and
		 * route the inner packet on its own. Ending with the egress's
		 * End SID sends the packet over the link still encapsulated
		 * and lets the egress decapsulate. */
		if (cnt == max)
			return -1;
		segs[cnt++] = t->links[links[n - 1]].dst;
	}
	return (int)cnt;
}

int srv6_replay(spf_all *spf, uint32_t head, const uint32_t *segs, uint32_t n_segs,
		uint32_t *out, uint32_t max)
{
	const topo *t = spf->t;
	uint32_t at = head, cnt = 0;

	if (head >= t->n_nodes)
		return -1;
	for (uint32_t s = 0; s < n_segs; s++) {
		uint32_t seg = segs[s];
		uint32_t idx = seg & ~SRV6_SEG_ADJ;
		if (seg & SRV6_SEG_ADJ) {
			/* End.X: the packet leaves over that very link, which
			 * only exists at the node that owns it. */
			if (idx >= t->n_links || t->links[idx].src != at)
				return -1;
			if (cnt == max)
				return -1;
			out[cnt++] = idx;
			at = t->links[idx].dst;
			continue;
		}
		if (idx >= t->n_nodes)
			return -1;
		if (idx == at)
			continue; /* already there: the SID is processed locally */
		/* End: routers forward on the IGP's shortest path, which
		 * pins a path only when it is unique. */
		const spf_tree *tr = spf_all_get(spf, at);
		if (tr->dist[idx] == SPF_INF || tr->npaths[idx] != 1)
			return -1;
		uint32_t hops = 0;
		for (uint32_t v = idx; v != at; v = t->links[tr->pred[v]].src)
			hops++;
		if (hops > max - cnt)
			return -1;
		uint32_t k = cnt + hops;
		for (uint32_t v = idx; v != at; v = t->links[tr->pred[v]].src)
			out[--k] = tr->pred[v];
		cnt += hops;
		at = idx;
	}
	return (int)cnt;
}
