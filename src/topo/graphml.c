/*
 * graphml.c - Internet Topology Zoo GraphML (docs/formats.md, "GraphML").
 *
 * libxml2 builds the tree with no network access, no DTD loading and no
 * entity substitution, and a document that carries a DTD at all is refused:
 * GraphML never needs one, and refusing it keeps entity expansion (and its
 * denial-of-service tricks) out of reach. Inputs are capped in size.
 *
 * Attributes are found through the <key> declarations by attr.name
 * (Latitude, Longitude and label on nodes; capacity and delay on edges), never
 * by the key ids, which differ from file to file.
 *
 * Names. A node is named by its label when that label is used by no other
 * node; otherwise (repeated label, no label, or the Topology Zoo placeholder
 * "None") by its label or id with "_2", "_3", ... appended until unique, in
 * document order, the first holder of a repeated label keeping it bare.
 * Links are named "<src name>-<dst name>", with the same suffixes for
 * parallel links. An undirected edge gives the two links "A-B" and "B-A".
 *
 * Self-loops join a node to itself; they are not links and are the one
 * thing skipped (documented). Everything else that cannot be turned into a
 * link is an error naming the line.
 *
 * Delay. An edge's delay attribute wins; otherwise the great-circle delay
 * between its end nodes. Topology Zoo leaves some nodes without coordinates
 * (junction points marked hyperedge, some foreign sites): such a node is
 * placed at the spherical centroid of its neighbours with coordinates, in
 * breadth-first layers from the located nodes, so that chains of such nodes
 * are placed too. A node that cannot be placed (no path to any located node)
 * is an error when one of its edges needs a derived delay. Placed positions
 * only serve delays: the node keeps has_coord false.
 */
#include "topo/topo_io.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/text.h"

#define GRAPHML_MAX_BYTES ((size_t)256 << 20)

#define LAYER_NONE UINT32_MAX

typedef struct gnode {
	const xmlChar *id; /* owned by the document */
	char *label;       /* trimmed label, NULL when absent; owned */
	char *name;        /* chosen name; owned */
	bool has_coord;
	double lat, lon;
	bool placed; /* has_coord, or placed from its neighbours */
	double plat, plon;
	uint32_t layer;
	unsigned line;
} gnode;

typedef struct gedge {
	uint32_t s, d;
	bool directed;
	bool has_cap, has_delay;
	double cap, delay;
	unsigned line;
} gedge;

typedef struct gctx {
	const char *fname;
	neto_err *err;
	/* key ids by meaning; NULL when the file declares none */
	const xmlChar *k_lat, *k_lon, *k_label, *k_cap, *k_delay;
	gnode *nodes;
	uint32_t n_nodes, cap_nodes;
	gedge *edges;
	size_t n_edges, cap_edges;
	size_t self_loops;
	neto_strmap node_by_id;
} gctx;

static unsigned line_of(const xmlNode *n)
{
	long l = xmlGetLineNo(n);
	return l > 0 && l <= (long)UINT_MAX ? (unsigned)l : 0;
}

static bool is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0;
}

static const xmlChar *attr(const xmlNode *n, const char *name)
{
	for (const xmlAttr *a = n->properties; a; a = a->next)
		if (strcmp((const char *)a->name, name) == 0 && a->children &&
		    a->children->type == XML_TEXT_NODE && a->children->next == NULL)
			return a->children->content;
	return NULL;
}

static bool ieq(const xmlChar *a, const char *b)
{
	return a && neto_span_ieq((neto_span){ (const char *)a, strlen((const char *)a) }, b);
}

/* Text content of an element (its text children only), trimmed. Caller frees. */
static char *text_of(const xmlNode *n)
{
	size_t len = 0;
	for (const xmlNode *c = n->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
			len += strlen((const char *)c->content);
	char *s = neto_malloc(len + 1);
	size_t at = 0;
	for (const xmlNode *c = n->children; c; c = c->next)
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
			size_t l = strlen((const char *)c->content);
			memcpy(s + at, c->content, l);
			at += l;
		}
	s[at] = '\0';
	neto_span sp = { s, at };
	while (sp.len > 0 && strchr(" \t\r\n\v\f", sp.p[0]) != NULL) {
		sp.p++;
		sp.len--;
	}
	while (sp.len > 0 && strchr(" \t\r\n\v\f", sp.p[sp.len - 1]) != NULL)
		sp.len--;
	char *out = neto_strndup(sp.p, sp.len);
	free(s);
	return out;
}

/* Records a key declaration that neto uses. */
static int read_key(gctx *c, const xmlNode *k)
{
	const xmlChar *id = attr(k, "id"), *name = attr(k, "attr.name"), *dom = attr(k, "for");
	if (id == NULL)
		return neto_err_at(c->err, c->fname, line_of(k), "<key> without an id");
	if (name == NULL)
		return 0;
	bool for_node = dom == NULL || ieq(dom, "node") || ieq(dom, "all");
	bool for_edge = dom == NULL || ieq(dom, "edge") || ieq(dom, "all");
	struct {
		bool dom;
		const char *attr;
		const xmlChar **slot;
	} want[] = {
		{ for_node, "Latitude", &c->k_lat }, { for_node, "Longitude", &c->k_lon },
		{ for_node, "label", &c->k_label },  { for_edge, "capacity", &c->k_cap },
		{ for_edge, "delay", &c->k_delay },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		if (!want[i].dom || !ieq(name, want[i].attr))
			continue;
		if (*want[i].slot != NULL)
			return neto_err_at(c->err, c->fname, line_of(k),
					   "two keys declare the attribute '%s'", want[i].attr);
		*want[i].slot = id;
	}
	return 0;
}

static bool key_is(const xmlNode *data, const xmlChar *key)
{
	const xmlChar *k = attr(data, "key");
	return key != NULL && k != NULL && xmlStrEqual(k, key);
}

/* A numeric <data> value; errors name the attribute and line. */
static int data_number(gctx *c, const xmlNode *data, const char *what, double *out)
{
	char *s = text_of(data);
	bool ok = neto_span_to_double((neto_span){ s, strlen(s) }, out);
	if (!ok)
		neto_err_at(c->err, c->fname, line_of(data), "%s '%.60s' is not a number", what, s);
	free(s);
	return ok ? 0 : -1;
}

static int read_node(gctx *c, const xmlNode *n)
{
	unsigned line = line_of(n);
	const xmlChar *id = attr(n, "id");
	if (id == NULL || id[0] == '\0')
		return neto_err_at(c->err, c->fname, line, "<node> without an id");
	size_t idlen = strlen((const char *)id);
	if (c->n_nodes == UINT32_MAX - 1)
		return neto_err_at(c->err, c->fname, line, "too many nodes");
	if (!neto_strmap_put(&c->node_by_id, (const char *)id, idlen, c->n_nodes, NULL))
		return neto_err_at(c->err, c->fname, line, "duplicate node id '%.100s'", id);
	if (c->n_nodes == c->cap_nodes) {
		c->cap_nodes = c->cap_nodes ? c->cap_nodes * 2 : 64;
		c->nodes = neto_reallocarray(c->nodes, c->cap_nodes, sizeof *c->nodes);
	}
	gnode *g = &c->nodes[c->n_nodes++];
	memset(g, 0, sizeof *g);
	g->id = id;
	g->line = line;
	g->layer = LAYER_NONE;
	bool has_lat = false, has_lon = false;
	for (const xmlNode *d = n->children; d; d = d->next) {
		if (is_elem(d, "graph"))
			return neto_err_at(c->err, c->fname, line_of(d),
					   "nested graphs are not supported");
		if (!is_elem(d, "data"))
			continue;
		if (key_is(d, c->k_lat)) {
			if (data_number(c, d, "Latitude", &g->lat) != 0)
				return -1;
			if (!(fabs(g->lat) <= 90))
				return neto_err_at(c->err, c->fname, line_of(d),
						   "Latitude %g is outside -90..90", g->lat);
			has_lat = true;
		} else if (key_is(d, c->k_lon)) {
			if (data_number(c, d, "Longitude", &g->lon) != 0)
				return -1;
			if (!(fabs(g->lon) <= 180))
				return neto_err_at(c->err, c->fname, line_of(d),
						   "Longitude %g is outside -180..180", g->lon);
			has_lon = true;
		} else if (key_is(d, c->k_label)) {
			char *l = text_of(d);
			free(g->label);
			g->label = NULL;
			/* The Topology Zoo writes "None" for unnamed nodes. */
			if (l[0] != '\0' && strcmp(l, "None") != 0)
				g->label = l;
			else
				free(l);
		}
	}
	if (has_lat != has_lon)
		return neto_err_at(c->err, c->fname, line, "node '%.100s' has %s but no %s", id,
				   has_lat ? "Latitude" : "Longitude",
				   has_lat ? "Longitude" : "Latitude");
	g->has_coord = g->placed = has_lat;
	g->plat = g->lat;
	g->plon = g->lon;
	return 0;
}

static uint32_t edge_end(gctx *c, const xmlNode *e, const char *which)
{
	const xmlChar *v = attr(e, which);
	uint32_t idx;
	if (v == NULL) {
		neto_err_at(c->err, c->fname, line_of(e), "<edge> without a %s", which);
		return TOPO_NONE;
	}
	if (!neto_strmap_get(&c->node_by_id, (const char *)v, strlen((const char *)v), &idx)) {
		neto_err_at(c->err, c->fname, line_of(e), "edge %s: unknown node '%.100s'", which,
			    v);
		return TOPO_NONE;
	}
	return idx;
}

static int read_edge(gctx *c, const xmlNode *e, bool directed_default)
{
	unsigned line = line_of(e);
	uint32_t s = edge_end(c, e, "source");
	if (s == TOPO_NONE)
		return -1;
	uint32_t d = edge_end(c, e, "target");
	if (d == TOPO_NONE)
		return -1;
	bool directed = directed_default;
	const xmlChar *dv = attr(e, "directed");
	if (dv != NULL) {
		if (ieq(dv, "true"))
			directed = true;
		else if (ieq(dv, "false"))
			directed = false;
		else
			return neto_err_at(c->err, c->fname, line,
					   "edge attribute directed='%.20s' is neither true nor "
					   "false",
					   dv);
	}
	gedge g = { .s = s, .d = d, .directed = directed, .line = line };
	for (const xmlNode *x = e->children; x; x = x->next) {
		if (is_elem(x, "graph"))
			return neto_err_at(c->err, c->fname, line_of(x),
					   "nested graphs are not supported");
		if (!is_elem(x, "data"))
			continue;
		if (key_is(x, c->k_cap)) {
			if (data_number(c, x, "capacity", &g.cap) != 0)
				return -1;
			if (!(g.cap > 0))
				return neto_err_at(c->err, c->fname, line_of(x),
						   "capacity must be positive");
			g.has_cap = true;
		} else if (key_is(x, c->k_delay)) {
			if (data_number(c, x, "delay", &g.delay) != 0)
				return -1;
			if (!(g.delay >= 0))
				return neto_err_at(c->err, c->fname, line_of(x),
						   "delay must be zero or positive (microseconds)");
			g.has_delay = true;
		}
	}
	if (s == d) {
		c->self_loops++;
		return 0;
	}
	if (c->n_edges == c->cap_edges) {
		c->cap_edges = c->cap_edges ? c->cap_edges * 2 : 64;
		c->edges = neto_reallocarray(c->edges, c->cap_edges, sizeof *c->edges);
	}
	c->edges[c->n_edges++] = g;
	return 0;
}

/* Gives every node a unique name (rules in the file comment). */
static void name_nodes(gctx *c)
{
	uint32_t n = c->n_nodes;
	neto_strmap count_of; /* label -> index into counts */
	neto_strmap taken;    /* names in use */
	neto_strmap next;     /* base -> index into suffix */
	neto_strmap_init(&count_of);
	neto_strmap_init(&taken);
	neto_strmap_init(&next);
	uint32_t *counts = neto_calloc(n ? n : 1, sizeof *counts);
	uint32_t *suffix = neto_calloc(n ? n : 1, sizeof *suffix);
	uint32_t n_labels = 0, n_bases = 0, v;
	for (uint32_t i = 0; i < n; i++) {
		const char *l = c->nodes[i].label;
		if (l == NULL)
			continue;
		if (!neto_strmap_put(&count_of, l, strlen(l), n_labels, &v))
			counts[v]++;
		else
			counts[n_labels++] = 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		const char *l = c->nodes[i].label;
		if (l && neto_strmap_get(&count_of, l, strlen(l), &v) && counts[v] == 1) {
			c->nodes[i].name = neto_strdup(l);
			neto_strmap_put(&taken, l, strlen(l), i, NULL);
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		gnode *g = &c->nodes[i];
		if (g->name != NULL)
			continue;
		const char *base = g->label ? g->label : (const char *)g->id;
		size_t blen = strlen(base);
		if (neto_strmap_put(&next, base, blen, n_bases, &v))
			suffix[v = n_bases++] = 1;
		char *cand = neto_malloc(blen + 12);
		for (;;) {
			uint32_t k = suffix[v]++;
			if (k == 1)
				memcpy(cand, base, blen + 1);
			else
				snprintf(cand, blen + 12, "%s_%u", base, k);
			if (neto_strmap_put(&taken, cand, strlen(cand), i, NULL))
				break;
		}
		g->name = cand;
	}
	free(counts);
	free(suffix);
	neto_strmap_free(&count_of);
	neto_strmap_free(&taken);
	neto_strmap_free(&next);
}

static void to_vec(double lat, double lon, double v[3])
{
	const double d2r = M_PI / 180.0;
	v[0] = cos(lat * d2r) * cos(lon * d2r);
	v[1] = cos(lat * d2r) * sin(lon * d2r);
	v[2] = sin(lat * d2r);
}

/* Places nodes without coordinates (see the file comment). */
static void place_nodes(gctx *c)
{
	uint32_t n = c->n_nodes;
	/* undirected adjacency in CSR form */
	uint32_t *off = neto_calloc((size_t)n + 1, sizeof *off);
	uint32_t *adj = neto_reallocarray(NULL, c->n_edges * 2 + 1, sizeof *adj);
	for (size_t i = 0; i < c->n_edges; i++) {
		off[c->edges[i].s + 1]++;
		off[c->edges[i].d + 1]++;
	}
	for (uint32_t v = 0; v < n; v++)
		off[v + 1] += off[v];
	uint32_t *fill = neto_malloc(((size_t)n + 1) * sizeof *fill);
	memcpy(fill, off, ((size_t)n + 1) * sizeof *fill);
	for (size_t i = 0; i < c->n_edges; i++) {
		adj[fill[c->edges[i].s]++] = c->edges[i].d;
		adj[fill[c->edges[i].d]++] = c->edges[i].s;
	}
	free(fill);
	uint32_t *queue = neto_malloc(((size_t)n + 1) * sizeof *queue);
	size_t head = 0, tail = 0;
	for (uint32_t v = 0; v < n; v++)
		if (c->nodes[v].has_coord) {
			c->nodes[v].layer = 0;
			queue[tail++] = v;
		}
	while (head < tail) {
		uint32_t u = queue[head++];
		gnode *g = &c->nodes[u];
		if (g->layer > 0) {
			double sum[3] = { 0, 0, 0 }, p[3];
			uint32_t first = TOPO_NONE;
			for (uint32_t k = off[u]; k < off[u + 1]; k++) {
				const gnode *w = &c->nodes[adj[k]];
				if (w->layer >= g->layer)
					continue;
				if (first == TOPO_NONE)
					first = adj[k];
				to_vec(w->plat, w->plon, p);
				for (int j = 0; j < 3; j++)
					sum[j] += p[j];
			}
			double r = sqrt(sum[0] * sum[0] + sum[1] * sum[1] + sum[2] * sum[2]);
			if (r > 1e-9) {
				g->plat = atan2(sum[2], hypot(sum[0], sum[1])) * 180.0 / M_PI;
				g->plon = atan2(sum[1], sum[0]) * 180.0 / M_PI;
			} else { /* neighbours cancel out (antipodes): take the first */
				g->plat = c->nodes[first].plat;
				g->plon = c->nodes[first].plon;
			}
			g->placed = true;
		}
		for (uint32_t k = off[u]; k < off[u + 1]; k++) {
			gnode *w = &c->nodes[adj[k]];
			if (w->layer == LAYER_NONE) {
				w->layer = g->layer + 1;
				queue[tail++] = adj[k];
			}
		}
	}
	free(queue);
	free(off);
	free(adj);
}

/* "<src>-<dst>" or "<src>-<dst>_<n>", the first not yet used. Caller frees. */
static char *link_id(const topo *t, neto_strmap *next, uint32_t **suffix, uint32_t *n_bases,
		     const char *a, const char *b)
{
	size_t blen = strlen(a) + 1 + strlen(b);
	char *id = neto_malloc(blen + 12);
	snprintf(id, blen + 12, "%s-%s", a, b);
	uint32_t v;
	if (neto_strmap_put(next, id, blen, *n_bases, &v)) {
		*suffix = neto_reallocarray(*suffix, (size_t)*n_bases + 1, sizeof **suffix);
		(*suffix)[v = (*n_bases)++] = 1;
	}
	for (;;) {
		uint32_t k = (*suffix)[v]++;
		if (k > 1)
			snprintf(id + blen, 12, "_%u", k);
		if (topo_find_link(t, id, strlen(id)) == TOPO_NONE)
			return id;
	}
}

static int build(gctx *c, topo *t, const topo_parse_opts *opts)
{
	neto_err e2;
	for (uint32_t i = 0; i < c->n_nodes; i++) {
		const gnode *g = &c->nodes[i];
		uint32_t v = topo_add_node(t, g->name, strlen(g->name), &e2);
		if (v == TOPO_NONE)
			return neto_err_at(c->err, c->fname, g->line, "%s", e2.msg);
		t->nodes[v].has_coord = g->has_coord;
		t->nodes[v].lat = g->lat;
		t->nodes[v].lon = g->lon;
	}
	double def_cap = opts ? opts->default_capacity : 0;
	neto_strmap next;
	uint32_t *suffix = NULL, n_bases = 0;
	neto_strmap_init(&next);
	int rc = 0;
	for (size_t i = 0; i < c->n_edges && rc == 0; i++) {
		const gedge *e = &c->edges[i];
		const gnode *a = &c->nodes[e->s], *b = &c->nodes[e->d];
		double cap = e->has_cap ? e->cap : def_cap;
		if (!(cap > 0)) {
			rc = neto_err_at(c->err, c->fname, e->line,
					 "edge '%.100s'-'%.100s' has no capacity, and no default "
					 "capacity was given",
					 a->name, b->name);
			break;
		}
		double delay = e->delay;
		if (!e->has_delay) {
			if (!a->placed || !b->placed) {
				const gnode *x = a->placed ? b : a;
				rc = neto_err_at(c->err, c->fname, e->line,
						 "edge '%.100s'-'%.100s' has no delay, and node "
						 "'%.100s' (id %.100s) has no coordinates to derive "
						 "it from",
						 a->name, b->name, x->name, x->id);
				break;
			}
			delay = topo_geo_delay_us(a->plat, a->plon, b->plat, b->plon);
		}
		uint32_t igp = topo_default_igp(delay);
		for (int dir = 0; dir < (e->directed ? 1 : 2) && rc == 0; dir++) {
			uint32_t s = dir ? e->d : e->s, d = dir ? e->s : e->d;
			char *id = link_id(t, &next, &suffix, &n_bases, c->nodes[s].name,
					   c->nodes[d].name);
			if (topo_add_link(t, id, strlen(id), s, d, cap, delay, igp, &e2) ==
			    TOPO_NONE)
				rc = neto_err_at(c->err, c->fname, e->line, "%s", e2.msg);
			free(id);
		}
	}
	free(suffix);
	neto_strmap_free(&next);
	return rc;
}

static int read_graph(gctx *c, const xmlNode *root, bool *directed)
{
	const xmlNode *graph = NULL;
	for (const xmlNode *n = root->children; n; n = n->next) {
		if (is_elem(n, "key")) {
			if (read_key(c, n) != 0)
				return -1;
		} else if (is_elem(n, "graph")) {
			if (graph != NULL)
				return neto_err_at(c->err, c->fname, line_of(n),
						   "more than one <graph>; neto reads one");
			graph = n;
		}
	}
	if (graph == NULL)
		return neto_err_at(c->err, c->fname, line_of(root), "no <graph> element");
	const xmlChar *ed = attr(graph, "edgedefault");
	if (ieq(ed, "directed"))
		*directed = true;
	else if (ieq(ed, "undirected"))
		*directed = false;
	else
		return neto_err_at(c->err, c->fname, line_of(graph),
				   "<graph> needs edgedefault=\"directed\" or \"undirected\"");
	for (const xmlNode *n = graph->children; n; n = n->next)
		if (is_elem(n, "node") && read_node(c, n) != 0)
			return -1;
	for (const xmlNode *n = graph->children; n; n = n->next) {
		if (is_elem(n, "edge")) {
			if (read_edge(c, n, *directed) != 0)
				return -1;
		} else if (is_elem(n, "hyperedge")) {
			return neto_err_at(c->err, c->fname, line_of(n),
					   "<hyperedge> is not supported");
		}
	}
	return 0;
}

/* libxml2 reports some errors (character encoding ones) through its generic
 * handler, not the parser context, and that handler prints to stderr. neto
 * reports the context's last error itself, so the generic one says nothing. */
static void xml_generic_silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

int topo_parse_graphml(topo *t, const char *buf, size_t len, const char *fname,
		       const topo_parse_opts *opts, neto_err *err)
{
	topo_free(t);
	/* thread-local in libxml2: affects only this thread's XML parsing */
	xmlSetGenericErrorFunc(NULL, xml_generic_silent);
	if (len > GRAPHML_MAX_BYTES || len > INT_MAX)
		return neto_err_at(err, fname, 0, "larger than %zu bytes", GRAPHML_MAX_BYTES);
	xmlParserCtxtPtr px = xmlNewParserCtxt();
	if (px == NULL)
		return neto_err_at(err, fname, 0, "cannot create an XML parser");
	xmlDocPtr doc = xmlCtxtReadMemory(px, buf, (int)len, NULL, NULL,
					  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
						  XML_PARSE_BIG_LINES);
	if (doc == NULL) {
		const xmlError *xe = xmlCtxtGetLastError(px);
		char msg[200] = "not well-formed XML";
		unsigned line = 0;
		if (xe != NULL && xe->message != NULL) {
			snprintf(msg, sizeof msg, "%s", xe->message);
			size_t l = strlen(msg);
			while (l > 0 && (msg[l - 1] == '\n' || msg[l - 1] == ' '))
				msg[--l] = '\0';
			line = xe->line > 0 ? (unsigned)xe->line : 0;
		}
		xmlFreeParserCtxt(px);
		return neto_err_at(err, fname, line, "XML: %s", msg);
	}
	xmlFreeParserCtxt(px);

	gctx c = { .fname = fname, .err = err };
	neto_strmap_init(&c.node_by_id);
	int rc = 0;
	bool directed = false;
	const xmlNode *root = xmlDocGetRootElement(doc);
	if (doc->intSubset != NULL || doc->extSubset != NULL)
		rc = neto_err_at(err, fname, 0,
				 "documents with a DTD (<!DOCTYPE>) are not accepted");
	else if (root == NULL || !is_elem(root, "graphml"))
		rc = neto_err_at(err, fname, root ? line_of(root) : 0,
				 "root element is not <graphml>");
	else
		rc = read_graph(&c, root, &directed);
	if (rc == 0) {
		name_nodes(&c);
		place_nodes(&c);
		rc = build(&c, t, opts);
	}
	if (rc == 0) {
		neto_err e2;
		if (topo_finish(t, &e2) != 0)
			rc = neto_err_at(err, fname, 0, "%s", e2.msg);
	}
	for (uint32_t i = 0; i < c.n_nodes; i++) {
		free(c.nodes[i].label);
		free(c.nodes[i].name);
	}
	free(c.nodes);
	free(c.edges);
	neto_strmap_free(&c.node_by_id);
	xmlFreeDoc(doc);
	if (rc != 0)
		topo_free(t);
	return rc;
}
