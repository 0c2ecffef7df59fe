/*
 * topo_json.c - topologies as JSON (docs/formats.md, "neto JSON" and
 * "networkx node-link JSON").
 *
 * Two dialects share the entry point. neto's own format is strict: every
 * member is documented, an unknown member is an error (a misspelt "capcity"
 * must not vanish), and semantic errors name the JSON path of the value, e.g.
 * "links[3].capacity: must be positive". networkx node-link data (what
 * networkx.node_link_data writes, told apart by its top-level "directed"
 * member) is a foreign format: its free-form attributes are ignored apart
 * from the few neto uses, and missing delays take a documented default.
 *
 * Syntax errors come from jansson with a line and column. Duplicate object
 * keys are rejected (JSON_REJECT_DUPLICATES); strings with NUL bytes are
 * rejected by jansson's default. Nothing here sizes an allocation from a
 * declared count: arrays are walked as they are.
 */
#include "topo/topo_io.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/mem.h"
#include "lib/text.h"

/* Bigger inputs are refused before jansson builds a tree of them. */
#define JSON_MAX_BYTES ((size_t)256 << 20)

/* Delay of a networkx link that has neither "delay" nor "latency". */
#define NX_DEFAULT_DELAY_US 1000.0

#define IGP_MAX 16777215u /* IS-IS wide metric */

typedef struct jctx {
	topo *t;
	const char *fname;
	neto_err *err;
	/* link id base ("A-B") -> index into next_suffix, for generated ids */
	neto_strmap id_base;
	uint32_t *next_suffix;
	uint32_t n_bases;
	/* ids given explicitly in the file, so that generated ids avoid them */
	neto_strmap explicit_ids;
} jctx;

static int jerr(jctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int jerr(jctx *c, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return neto_err_at(c->err, c->fname, 0, "%s", msg);
}

/* Checks that obj has only the members listed in `known` (NULL-terminated). */
static int check_members(jctx *c, json_t *obj, const char *const *known, const char *what,
			 size_t idx, bool indexed)
{
	const char *key;
	json_t *val;
	json_object_foreach(obj, key, val) {
		bool ok = false;
		for (const char *const *k = known; *k && !ok; k++)
			ok = strcmp(key, *k) == 0;
		if (ok)
			continue;
		if (indexed)
			return jerr(c, "%s[%zu]: unknown member \"%.100s\"", what, idx, key);
		return jerr(c, "unknown member \"%.100s\" in %s", key, what);
	}
	return 0;
}

/* Returns a generated link id "<src>-<dst>", or "<src>-<dst>_<n>" (n >= 2) when
 * that is taken. Caller frees. */
static char *gen_link_id(jctx *c, const char *src, const char *dst)
{
	size_t blen = strlen(src) + 1 + strlen(dst);
	char *id = neto_malloc(blen + 12);
	snprintf(id, blen + 12, "%s-%s", src, dst);
	uint32_t slot;
	if (!neto_strmap_get(&c->id_base, id, blen, &slot)) {
		slot = c->n_bases++;
		c->next_suffix = neto_reallocarray(c->next_suffix, c->n_bases, sizeof *c->next_suffix);
		c->next_suffix[slot] = 1;
		neto_strmap_put(&c->id_base, id, blen, slot, NULL);
	}
	for (;;) {
		uint32_t n = c->next_suffix[slot]++;
		if (n > 1)
			snprintf(id + blen, 12, "_%u", n);
		size_t l = strlen(id);
		uint32_t dummy;
		if (topo_find_link(c->t, id, l) == TOPO_NONE &&
		    !neto_strmap_get(&c->explicit_ids, id, l, &dummy))
			return id;
	}
}

/* An integer-valued JSON number in [lo, hi]. */
static bool json_uint_in(const json_t *v, double lo, double hi, uint32_t *out)
{
	if (!json_is_number(v))
		return false;
	double d = json_number_value(v);
	if (!(d >= lo && d <= hi) || d != floor(d))
		return false;
	*out = (uint32_t)d;
	return true;
}

/* "fc00:0:1::/48": address and prefix length 1..128, no bits past the prefix. */
static bool parse_locator(const char *s, size_t len, uint8_t addr[16], uint8_t *plen)
{
	const char *slash = memchr(s, '/', len);
	if (slash == NULL)
		return false;
	size_t alen = (size_t)(slash - s);
	char a[INET6_ADDRSTRLEN + 1];
	if (alen == 0 || alen >= sizeof a)
		return false;
	memcpy(a, s, alen);
	a[alen] = '\0';
	if (inet_pton(AF_INET6, a, addr) != 1)
		return false;
	neto_span ls = { slash + 1, len - alen - 1 };
	uint32_t l;
	for (size_t i = 0; i < ls.len; i++)
		if (ls.p[i] < '0' || ls.p[i] > '9')
			return false;
	if (!neto_span_to_u32(ls, &l) || l < 1 || l > 128)
		return false;
	for (uint32_t bit = l; bit < 128; bit++)
		if (addr[bit / 8] & (0x80u >> (bit % 8)))
			return false;
	*plen = (uint8_t)l;
	return true;
}

static int coord(jctx *c, const json_t *node, size_t i, const char *key, double lim,
		 bool *has, double *out)
{
	json_t *v = json_object_get(node, key);
	*has = v != NULL;
	if (v == NULL)
		return 0;
	if (!json_is_number(v) || !(fabs(json_number_value(v)) <= lim))
		return jerr(c, "nodes[%zu].%s: must be a number in -%g..%g", i, key, lim, lim);
	*out = json_number_value(v);
	return 0;
}

static int neto_node(jctx *c, json_t *n, size_t i)
{
	static const char *const known[] = { "name", "locator", "lat", "lon", NULL };
	topo *t = c->t;
	if (!json_is_object(n))
		return jerr(c, "nodes[%zu]: must be an object", i);
	if (check_members(c, n, known, "nodes", i, true) != 0)
		return -1;
	json_t *name = json_object_get(n, "name");
	if (!json_is_string(name) || json_string_length(name) == 0)
		return jerr(c, "nodes[%zu].name: missing or not a non-empty string", i);
	neto_err e2;
	uint32_t v = topo_add_node(t, json_string_value(name), json_string_length(name), &e2);
	if (v == TOPO_NONE)
		return jerr(c, "nodes[%zu]: %s", i, e2.msg);
	json_t *loc = json_object_get(n, "locator");
	if (loc != NULL) {
		if (!json_is_string(loc) ||
		    !parse_locator(json_string_value(loc), json_string_length(loc),
				   t->nodes[v].locator, &t->nodes[v].locator_len))
			return jerr(c,
				    "nodes[%zu].locator: must be an IPv6 prefix like "
				    "\"fc00:0:1::/48\" (length 1..128, no bits set past it)",
				    i);
		t->nodes[v].has_locator = true;
	}
	bool has_lat, has_lon;
	double lat = 0, lon = 0;
	if (coord(c, n, i, "lat", 90, &has_lat, &lat) != 0 ||
	    coord(c, n, i, "lon", 180, &has_lon, &lon) != 0)
		return -1;
	if (has_lat != has_lon)
		return jerr(c, "nodes[%zu]: lat and lon must be given together", i);
	if (has_lat) {
		t->nodes[v].has_coord = true;
		t->nodes[v].lat = lat;
		t->nodes[v].lon = lon;
	}
	return 0;
}

static uint32_t link_end(jctx *c, const json_t *l, size_t i, const char *key)
{
	json_t *v = json_object_get(l, key);
	if (!json_is_string(v)) {
		jerr(c, "links[%zu].%s: missing or not a node name", i, key);
		return TOPO_NONE;
	}
	uint32_t n = topo_find_node(c->t, json_string_value(v), json_string_length(v));
	if (n == TOPO_NONE)
		jerr(c, "links[%zu].%s: unknown node \"%.100s\"", i, key, json_string_value(v));
	return n;
}

static int neto_link(jctx *c, json_t *l, size_t i)
{
	static const char *const known[] = { "id",  "src",   "dst",     "capacity", "delay",
					     "igp", "srlgs", "adj_sid", "up",       NULL };
	topo *t = c->t;
	if (!json_is_object(l))
		return jerr(c, "links[%zu]: must be an object", i);
	if (check_members(c, l, known, "links", i, true) != 0)
		return -1;
	uint32_t src = link_end(c, l, i, "src");
	if (src == TOPO_NONE)
		return -1;
	uint32_t dst = link_end(c, l, i, "dst");
	if (dst == TOPO_NONE)
		return -1;
	if (src == dst)
		return jerr(c, "links[%zu]: src and dst are the same node \"%.100s\"", i,
			    t->nodes[src].name);
	json_t *cap = json_object_get(l, "capacity");
	if (cap == NULL)
		return jerr(c, "links[%zu].capacity: missing", i);
	if (!json_is_number(cap) || !(json_number_value(cap) > 0))
		return jerr(c, "links[%zu].capacity: must be positive", i);
	double delay;
	json_t *dv = json_object_get(l, "delay");
	if (dv != NULL) {
		if (!json_is_number(dv) || !(json_number_value(dv) >= 0))
			return jerr(c, "links[%zu].delay: must be a number >= 0 (microseconds)", i);
		delay = json_number_value(dv);
	} else {
		const topo_node *a = &t->nodes[src], *b = &t->nodes[dst];
		if (!a->has_coord || !b->has_coord)
			return jerr(c,
				    "links[%zu].delay: missing, and node \"%.100s\" has no "
				    "lat/lon to derive it from",
				    i, a->has_coord ? b->name : a->name);
		delay = topo_geo_delay_us(a->lat, a->lon, b->lat, b->lon);
	}
	uint32_t igp = topo_default_igp(delay);
	json_t *iv = json_object_get(l, "igp");
	if (iv != NULL && !json_uint_in(iv, 1, IGP_MAX, &igp))
		return jerr(c, "links[%zu].igp: must be an integer in 1..%u", i, IGP_MAX);
	json_t *idv = json_object_get(l, "id");
	char *gen = NULL;
	const char *id;
	size_t id_len;
	if (idv != NULL) {
		if (!json_is_string(idv) || json_string_length(idv) == 0)
			return jerr(c, "links[%zu].id: must be a non-empty string", i);
		id = json_string_value(idv);
		id_len = json_string_length(idv);
	} else {
		gen = gen_link_id(c, t->nodes[src].name, t->nodes[dst].name);
		id = gen;
		id_len = strlen(gen);
	}
	neto_err e2;
	uint32_t li = topo_add_link(t, id, id_len, src, dst, json_number_value(cap), delay, igp,
				    &e2);
	free(gen);
	if (li == TOPO_NONE)
		return jerr(c, "links[%zu]: %s", i, e2.msg);
	topo_link *lk = &t->links[li];
	json_t *sv = json_object_get(l, "srlgs");
	if (sv != NULL) {
		if (!json_is_array(sv))
			return jerr(c, "links[%zu].srlgs: must be an array of integers", i);
		size_t n = json_array_size(sv);
		if (n > 0) {
			lk->srlgs = neto_reallocarray(NULL, n, sizeof *lk->srlgs);
			for (size_t k = 0; k < n; k++) {
				uint32_t g;
				if (!json_uint_in(json_array_get(sv, k), 0, UINT32_MAX, &g))
					return jerr(c,
						    "links[%zu].srlgs[%zu]: must be an integer in "
						    "0..%u",
						    i, k, UINT32_MAX);
				for (uint32_t j = 0; j < lk->n_srlgs; j++)
					if (lk->srlgs[j] == g)
						return jerr(c,
							    "links[%zu].srlgs[%zu]: %u is listed "
							    "twice",
							    i, k, g);
				lk->srlgs[lk->n_srlgs++] = g;
			}
		}
	}
	json_t *av = json_object_get(l, "adj_sid");
	if (av != NULL) {
		if (!json_is_string(av) || json_string_length(av) >= INET6_ADDRSTRLEN ||
		    inet_pton(AF_INET6, json_string_value(av), lk->adj_sid) != 1)
			return jerr(c, "links[%zu].adj_sid: must be an IPv6 address", i);
		lk->has_adj_sid = true;
	}
	json_t *up = json_object_get(l, "up");
	if (up != NULL) {
		if (!json_is_boolean(up))
			return jerr(c, "links[%zu].up: must be true or false", i);
		lk->up = json_is_true(up);
	}
	return 0;
}

static int parse_neto(jctx *c, json_t *root)
{
	static const char *const known[] = { "unit", "nodes", "links", "name", "description",
					     NULL };
	if (check_members(c, root, known, "the top-level object", 0, false) != 0)
		return -1;
	json_t *unit = json_object_get(root, "unit");
	if (unit != NULL) {
		if (!json_is_string(unit) || json_string_length(unit) == 0)
			return jerr(c, "unit: must be a non-empty string");
		c->t->unit = neto_strndup(json_string_value(unit), json_string_length(unit));
	}
	for (const char *const *k = known + 3; *k; k++) {
		json_t *v = json_object_get(root, *k);
		if (v != NULL && !json_is_string(v))
			return jerr(c, "%s: must be a string", *k);
	}
	json_t *nodes = json_object_get(root, "nodes");
	json_t *links = json_object_get(root, "links");
	if (!json_is_array(nodes))
		return jerr(c, "nodes: missing or not an array");
	if (!json_is_array(links))
		return jerr(c, "links: missing or not an array");
	for (size_t i = 0; i < json_array_size(nodes); i++)
		if (neto_node(c, json_array_get(nodes, i), i) != 0)
			return -1;
	/* Explicit ids first, so that generated ones ("A-B") step around them. */
	for (size_t i = 0; i < json_array_size(links); i++) {
		json_t *id = json_object_get(json_array_get(links, i), "id");
		if (json_is_string(id))
			neto_strmap_put(&c->explicit_ids, json_string_value(id),
					json_string_length(id), 0, NULL);
	}
	for (size_t i = 0; i < json_array_size(links); i++)
		if (neto_link(c, json_array_get(links, i), i) != 0)
			return -1;
	return 0;
}

/* networkx ids are integers or strings; neto names are their text. */
static int nx_id_text(const json_t *v, char *buf, size_t n, const char **out, size_t *len)
{
	if (json_is_integer(v)) {
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
		*out = buf;
		*len = strlen(buf);
		return 0;
	}
	if (json_is_string(v) && json_string_length(v) > 0) {
		*out = json_string_value(v);
		*len = json_string_length(v);
		return 0;
	}
	return -1;
}

static uint32_t nx_end(jctx *c, const json_t *l, const char *what, size_t i, const char *key)
{
	char b[32];
	const char *s;
	size_t n;
	json_t *v = json_object_get(l, key);
	if (v == NULL || nx_id_text(v, b, sizeof b, &s, &n) != 0) {
		jerr(c, "%s[%zu].%s: missing or not a node id", what, i, key);
		return TOPO_NONE;
	}
	uint32_t u = topo_find_node(c->t, s, n);
	if (u == TOPO_NONE)
		jerr(c, "%s[%zu].%s: unknown node \"%.*s\"", what, i, key, (int)(n > 100 ? 100 : n),
		     s);
	return u;
}

static int nx_add(jctx *c, const char *what, size_t i, uint32_t src, uint32_t dst, double cap,
		  double delay, uint32_t igp)
{
	char *id = gen_link_id(c, c->t->nodes[src].name, c->t->nodes[dst].name);
	neto_err e2;
	uint32_t li = topo_add_link(c->t, id, strlen(id), src, dst, cap, delay, igp, &e2);
	free(id);
	if (li == TOPO_NONE)
		return jerr(c, "%s[%zu]: %s", what, i, e2.msg);
	return 0;
}

static int parse_networkx(jctx *c, const json_t *root)
{
	json_t *dir = json_object_get(root, "directed");
	if (!json_is_boolean(dir))
		return jerr(c, "directed: must be true or false");
	bool directed = json_is_true(dir);
	json_t *nodes = json_object_get(root, "nodes");
	if (!json_is_array(nodes))
		return jerr(c, "nodes: missing or not an array");
	const char *what = "links";
	json_t *links = json_object_get(root, "links");
	json_t *edges = json_object_get(root, "edges");
	if (links != NULL && edges != NULL)
		return jerr(c, "both \"links\" and \"edges\" are present");
	if (links == NULL) {
		links = edges;
		what = "edges";
	}
	if (!json_is_array(links))
		return jerr(c, "links: missing or not an array");
	for (size_t i = 0; i < json_array_size(nodes); i++) {
		json_t *n = json_array_get(nodes, i);
		char b[32];
		const char *s;
		size_t len;
		if (!json_is_object(n) ||
		    nx_id_text(json_object_get(n, "id"), b, sizeof b, &s, &len) != 0)
			return jerr(c, "nodes[%zu].id: missing or not an integer or string", i);
		neto_err e2;
		if (topo_add_node(c->t, s, len, &e2) == TOPO_NONE)
			return jerr(c, "nodes[%zu]: %s", i, e2.msg);
	}
	for (size_t i = 0; i < json_array_size(links); i++) {
		json_t *l = json_array_get(links, i);
		if (!json_is_object(l))
			return jerr(c, "%s[%zu]: must be an object", what, i);
		uint32_t src = nx_end(c, l, what, i, "source");
		if (src == TOPO_NONE)
			return -1;
		uint32_t dst = nx_end(c, l, what, i, "target");
		if (dst == TOPO_NONE)
			return -1;
		json_t *cap = json_object_get(l, "capacity");
		if (cap == NULL)
			return jerr(c, "%s[%zu].capacity: missing", what, i);
		if (!json_is_number(cap) || !(json_number_value(cap) > 0))
			return jerr(c, "%s[%zu].capacity: must be positive", what, i);
		double delay = NX_DEFAULT_DELAY_US;
		json_t *dv = json_object_get(l, "delay");
		const char *dkey = "delay";
		if (dv == NULL) {
			dv = json_object_get(l, "latency");
			dkey = "latency";
		}
		if (dv != NULL) {
			if (!json_is_number(dv) || !(json_number_value(dv) >= 0))
				return jerr(c, "%s[%zu].%s: must be a number >= 0 (microseconds)",
					    what, i, dkey);
			delay = json_number_value(dv);
		}
		uint32_t igp = topo_default_igp(delay);
		json_t *iv = json_object_get(l, "igp");
		if (iv != NULL && !json_uint_in(iv, 1, IGP_MAX, &igp))
			return jerr(c, "%s[%zu].igp: must be an integer in 1..%u", what, i, IGP_MAX);
		double capv = json_number_value(cap);
		if (nx_add(c, what, i, src, dst, capv, delay, igp) != 0)
			return -1;
		if (!directed && nx_add(c, what, i, dst, src, capv, delay, igp) != 0)
			return -1;
	}
	return 0;
}

int topo_parse_json(topo *t, const char *buf, size_t len, const char *fname, neto_err *err)
{
	topo_free(t);
	if (len > JSON_MAX_BYTES)
		return neto_err_at(err, fname, 0, "larger than %zu bytes", JSON_MAX_BYTES);
	json_error_t je;
	json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return neto_err_at(err, fname, je.line > 0 ? (unsigned)je.line : 0,
				   "invalid JSON: %s (column %d)", je.text, je.column);
	jctx c = { .t = t, .fname = fname, .err = err };
	neto_strmap_init(&c.id_base);
	neto_strmap_init(&c.explicit_ids);
	int rc;
	if (!json_is_object(root))
		rc = jerr(&c, "top level must be an object");
	else if (json_object_get(root, "directed") != NULL)
		rc = parse_networkx(&c, root);
	else
		rc = parse_neto(&c, root);
	json_decref(root);
	neto_strmap_free(&c.id_base);
	neto_strmap_free(&c.explicit_ids);
	free(c.next_suffix);
	if (rc == 0) {
		neto_err e2;
		if (topo_finish(t, &e2) != 0)
			rc = neto_err_at(err, fname, 0, "%s", e2.msg);
	}
	if (rc != 0)
		topo_free(t);
	return rc;
}
