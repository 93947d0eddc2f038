/* SPDX-License-Identifier: BSD-2-Clause */
#include "hubble_filter.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Cilium monitor message types (pkg/monitor/api/types.go). */
#define EV_DROP		  1
#define EV_POLICY_VERDICT 5
#define EV_ACCESS_LOG	  129

#define NS_PER_S 1000000000ull
#define CAP_MAX	 1000000000ull

struct fr_hubble_filter {
	unsigned kinds;
	char **watch, **exclude;
	size_t n_watch, n_exclude;
	uint32_t sample;
	uint64_t sample_ctr;
	uint64_t cap;
	/* token bucket in 1e-9 tokens, so refills are exact integers */
	uint64_t tokens, bucket_max, last_ns;
	bool bucket_started;
	struct fr_hubble_filter_counts counts;
};

static const struct {
	const char *name;
	unsigned bit;
} kind_names[] = {
	{"l34", FR_HUBBLE_KIND_L34},   {"l7", FR_HUBBLE_KIND_L7},
	{"drop", FR_HUBBLE_KIND_DROP}, {"policy", FR_HUBBLE_KIND_POLICY},
	{"all", FR_HUBBLE_KIND_ALL},
};

int fr_hubble_filter__parse_kinds(const char *s, unsigned *bits, char *err, size_t err_size)
{
	unsigned out = 0;
	const char *p = s ? s : "";

	if (!*p) {
		snprintf(err, err_size, "empty Hubble kinds list (want l34,l7,drop,policy)");
		return -EINVAL;
	}
	for (;;) {
		size_t len = strcspn(p, ",");
		size_t i;

		for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
			if (strlen(kind_names[i].name) == len &&
			    !strncasecmp(p, kind_names[i].name, len))
				break;
		if (i == sizeof(kind_names) / sizeof(kind_names[0])) {
			snprintf(err, err_size,
				 "unknown Hubble kind '%.*s' (want l34, l7, drop, policy or all)",
				 (int)(len > 40 ? 40 : len), p);
			return -EINVAL;
		}
		out |= kind_names[i].bit;
		if (!p[len])
			break;
		p += len + 1;
	}
	*bits = out;
	return 0;
}

void fr_hubble_filter__free_list(char **list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* Kubernetes namespace names are RFC 1123 labels. */
static bool ns_valid(const char *s, size_t len)
{
	if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
			return false;
	return true;
}

int fr_hubble_filter__parse_list(const char *s, char ***out, size_t *n, char *err, size_t err_size)
{
	char **list = NULL;
	size_t cnt = 0;
	const char *p = s ? s : "";

	if (!*p) {
		snprintf(err, err_size, "empty namespace list");
		return -EINVAL;
	}
	for (;;) {
		size_t len = strcspn(p, ",");
		char **grown;

		if (!ns_valid(p, len)) {
			snprintf(err, err_size,
				 "bad namespace '%.*s' in list (lower-case letters, digits, '-', "
				 "1 to 63)",
				 (int)(len > 70 ? 70 : len), p);
			fr_hubble_filter__free_list(list, cnt);
			return -EINVAL;
		}
		grown = realloc(list, (cnt + 1) * sizeof(*list));
		if (!grown || !(grown[cnt] = strndup(p, len))) {
			fr_hubble_filter__free_list(grown ? grown : list, cnt);
			snprintf(err, err_size, "out of memory");
			return -ENOMEM;
		}
		list = grown;
		cnt++;
		if (!p[len])
			break;
		p += len + 1;
	}
	*out = list;
	*n = cnt;
	return 0;
}

static char **copy_list(const char *const *src, size_t n)
{
	char **dst = calloc(n ? n : 1, sizeof(*dst));

	if (!dst)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!(dst[i] = strdup(src[i]))) {
			fr_hubble_filter__free_list(dst, i);
			return NULL;
		}
	}
	return dst;
}

struct fr_hubble_filter *fr_hubble_filter__new(const struct fr_hubble_filter_opts *o)
{
	struct fr_hubble_filter *f;

	if (o->cap_per_s > CAP_MAX || (o->kinds & ~(unsigned)FR_HUBBLE_KIND_ALL)) {
		errno = EINVAL;
		return NULL;
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->kinds = o->kinds ? o->kinds : FR_HUBBLE_KIND_ALL;
	f->sample = o->sample > 1 ? o->sample : 1;
	f->cap = o->cap_per_s;
	f->bucket_max = f->cap * NS_PER_S;
	f->n_watch = o->watch ? o->n_watch : 0;
	f->n_exclude = o->exclude ? o->n_exclude : 0;
	f->watch = copy_list(o->watch, f->n_watch);
	f->exclude = copy_list(o->exclude, f->n_exclude);
	if (!f->watch || !f->exclude) {
		fr_hubble_filter__free(f);
		errno = ENOMEM;
		return NULL;
	}
	return f;
}

void fr_hubble_filter__free(struct fr_hubble_filter *f)
{
	if (!f)
		return;
	fr_hubble_filter__free_list(f->watch, f->n_watch);
	fr_hubble_filter__free_list(f->exclude, f->n_exclude);
	free(f);
}

void fr_hubble_filter__keys_of(const Flow__Flow *flow, struct fr_hubble_flow_keys *k)
{
	const char *src = flow->source ? flow->source->namespace_ : NULL;
	const char *dst = flow->destination ? flow->destination->namespace_ : NULL;

	*k = (struct fr_hubble_flow_keys){
		.type = flow->type,
		.event_type = flow->event_type ? flow->event_type->type : 0,
		.verdict = flow->verdict,
		.src_ns = src,
		.dst_ns = dst,
		.src_ns_len = src ? strlen(src) : 0,
		.dst_ns_len = dst ? strlen(dst) : 0,
	};
}

unsigned fr_hubble_filter__kinds_of_keys(const struct fr_hubble_flow_keys *f)
{
	unsigned k = 0;

	if (f->type == FLOW__FLOW_TYPE__L7 || f->event_type == EV_ACCESS_LOG)
		k |= FR_HUBBLE_KIND_L7;
	if (f->verdict == FLOW__VERDICT__DROPPED)
		k |= FR_HUBBLE_KIND_DROP;
	if (f->event_type == EV_POLICY_VERDICT)
		k |= FR_HUBBLE_KIND_POLICY;
	return k ? k : FR_HUBBLE_KIND_L34;
}

unsigned fr_hubble_filter__kinds_of(const Flow__Flow *flow)
{
	struct fr_hubble_flow_keys k;

	fr_hubble_filter__keys_of(flow, &k);
	return fr_hubble_filter__kinds_of_keys(&k);
}

static bool in_list(char *const *list, size_t n, const char *ns, size_t len)
{
	if (!ns || !len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strncmp(list[i], ns, len) && !list[i][len])
			return true;
	return false;
}

static bool take_token(struct fr_hubble_filter *f, uint64_t now_ns)
{
	if (!f->bucket_started) {
		f->bucket_started = true;
		f->tokens = f->bucket_max;
		f->last_ns = now_ns;
	} else if (now_ns > f->last_ns) {
		uint64_t dt = now_ns - f->last_ns;

		/* dt * cap stays below 2^64: cap <= 1e9 and dt < 1e9 here */
		if (dt >= NS_PER_S || f->bucket_max - f->tokens <= dt * f->cap)
			f->tokens = f->bucket_max;
		else
			f->tokens += dt * f->cap;
		f->last_ns = now_ns;
	}
	if (f->tokens < NS_PER_S)
		return false;
	f->tokens -= NS_PER_S;
	return true;
}

static enum fr_hubble_verdict decide(struct fr_hubble_filter *f,
				     const struct fr_hubble_flow_keys *k, uint64_t now_ns)
{
	if (!(fr_hubble_filter__kinds_of_keys(k) & f->kinds))
		return FR_HUBBLE_FILTERED;
	if (f->n_watch && !in_list(f->watch, f->n_watch, k->src_ns, k->src_ns_len) &&
	    !in_list(f->watch, f->n_watch, k->dst_ns, k->dst_ns_len))
		return FR_HUBBLE_FILTERED;
	if (f->n_exclude && (in_list(f->exclude, f->n_exclude, k->src_ns, k->src_ns_len) ||
			     in_list(f->exclude, f->n_exclude, k->dst_ns, k->dst_ns_len)))
		return FR_HUBBLE_FILTERED;
	if (f->sample > 1 && f->sample_ctr++ % f->sample != 0)
		return FR_HUBBLE_SAMPLED;
	if (f->cap && !take_token(f, now_ns))
		return FR_HUBBLE_CAPPED;
	return FR_HUBBLE_KEEP;
}

enum fr_hubble_verdict fr_hubble_filter__check_keys(struct fr_hubble_filter *f,
						    const struct fr_hubble_flow_keys *k,
						    uint64_t now_ns)
{
	struct fr_hubble_filter_count *c;
	enum fr_hubble_verdict v;

	if (!k)
		return FR_HUBBLE_KEEP;
	f->counts.seen++;
	v = decide(f, k, now_ns);
	c = &f->counts.by[v];
	if (!c->n++)
		c->first_ns = now_ns;
	c->last_ns = now_ns;
	return v;
}

enum fr_hubble_verdict fr_hubble_filter__check_flow(struct fr_hubble_filter *f,
						    const Flow__Flow *flow, uint64_t now_ns)
{
	struct fr_hubble_flow_keys k;

	if (!flow)
		return FR_HUBBLE_KEEP;
	fr_hubble_filter__keys_of(flow, &k);
	return fr_hubble_filter__check_keys(f, &k, now_ns);
}

enum fr_hubble_verdict fr_hubble_filter__check(struct fr_hubble_filter *f,
					       const Observer__GetFlowsResponse *resp,
					       uint64_t now_ns)
{
	if (resp->response_types_case != OBSERVER__GET_FLOWS_RESPONSE__RESPONSE_TYPES_FLOW)
		return FR_HUBBLE_KEEP;
	return fr_hubble_filter__check_flow(f, resp->flow, now_ns);
}

const struct fr_hubble_filter_counts *fr_hubble_filter__counts(const struct fr_hubble_filter *f)
{
	return &f->counts;
}

const char *fr_hubble_filter__reason(enum fr_hubble_verdict v)
{
	static const char *const names[] = {"keep", "filtered", "sampled", "capped"};

	return (unsigned)v < FR_HUBBLE_NVERDICT ? names[v] : "?";
}

/* One FlowFilter to build: fields are ANDed, entries of a field ORed. */
struct spec {
	int types[3];
	size_t n_types;
	bool dropped;
	int side; /* 0: no pod field, 1: source_pod, 2: destination_pod */
	char *const *ns;
	size_t n_ns;
};

/* Everything malloc'ed, so protobuf_c_message_free_unpacked frees it. */
static Flow__FlowFilter *build(const struct spec *s)
{
	Flow__FlowFilter *ff = malloc(sizeof(*ff));
	char ***pods;
	size_t *n_pods;

	if (!ff)
		return NULL;
	flow__flow_filter__init(ff);
	if (s->n_types) {
		if (!(ff->event_type = calloc(s->n_types, sizeof(*ff->event_type))))
			goto fail;
		for (size_t i = 0; i < s->n_types; i++) {
			Flow__EventTypeFilter *et = malloc(sizeof(*et));

			if (!et)
				goto fail;
			flow__event_type_filter__init(et);
			et->type = s->types[i];
			ff->event_type[ff->n_event_type++] = et;
		}
	}
	if (s->dropped) {
		if (!(ff->verdict = malloc(sizeof(*ff->verdict))))
			goto fail;
		ff->verdict[0] = FLOW__VERDICT__DROPPED;
		ff->n_verdict = 1;
	}
	if (s->side) {
		pods = s->side == 1 ? &ff->source_pod : &ff->destination_pod;
		n_pods = s->side == 1 ? &ff->n_source_pod : &ff->n_destination_pod;
		if (!(*pods = calloc(s->n_ns, sizeof(**pods))))
			goto fail;
		for (size_t i = 0; i < s->n_ns; i++) {
			size_t len = strlen(s->ns[i]);
			char *pre = malloc(len + 2);

			if (!pre)
				goto fail;
			memcpy(pre, s->ns[i], len);
			memcpy(pre + len, "/", 2); /* "ns/": every pod of ns */
			(*pods)[(*n_pods)++] = pre;
		}
	}
	return ff;
fail:
	protobuf_c_message_free_unpacked(&ff->base, NULL);
	return NULL;
}

static void free_filters(Flow__FlowFilter **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		protobuf_c_message_free_unpacked(&v[i]->base, NULL);
}

static int append(Flow__FlowFilter ***arr, size_t *n, Flow__FlowFilter **add, size_t n_add)
{
	Flow__FlowFilter **grown;

	if (!n_add)
		return 0;
	grown = realloc(*arr, (*n + n_add) * sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	memcpy(grown + *n, add, n_add * sizeof(*add));
	*arr = grown;
	*n += n_add;
	return 0;
}

/*
 * The server's whitelist is an OR of filters, so "kind AND namespace" is
 * the product of the kind filters with a source_pod and a destination_pod
 * filter. "L34" is "none of the others", which no positive filter says:
 * with it chosen, the kinds left out are blacklisted where that is safe
 * (a dropped L7 flow must stay when L7 is chosen), and the local check
 * does the rest.
 */
int fr_hubble_filter__to_request(const struct fr_hubble_filter *f, Observer__GetFlowsRequest *req)
{
	struct spec kinds[2] = {{.n_types = 0}}, black[5] = {{.n_types = 0}};
	Flow__FlowFilter *wl[4] = {NULL}, *bl[5] = {NULL};
	size_t n_kinds = 0, n_wl = 0, n_bl = 0;
	unsigned k = f->kinds;
	bool ok = true;

	if (!(k & FR_HUBBLE_KIND_L34)) {
		struct spec *t = &kinds[n_kinds];

		if (k & FR_HUBBLE_KIND_L7)
			t->types[t->n_types++] = EV_ACCESS_LOG;
		if (k & FR_HUBBLE_KIND_POLICY)
			t->types[t->n_types++] = EV_POLICY_VERDICT;
		if (t->n_types)
			n_kinds++;
		if (k & FR_HUBBLE_KIND_DROP)
			kinds[n_kinds++].dropped = true;
	} else if (k != FR_HUBBLE_KIND_ALL && !(k & FR_HUBBLE_KIND_DROP)) {
		black[n_bl++] = (struct spec){.types = {EV_DROP}, .n_types = 1, .dropped = true};
		if (!(k & FR_HUBBLE_KIND_L7))
			black[n_bl++] = (struct spec){.types = {EV_ACCESS_LOG}, .n_types = 1};
		if (!(k & FR_HUBBLE_KIND_POLICY))
			black[n_bl++] = (struct spec){.types = {EV_POLICY_VERDICT}, .n_types = 1};
	}
	if (f->n_exclude) {
		black[n_bl++] = (struct spec){.side = 1, .ns = f->exclude, .n_ns = f->n_exclude};
		black[n_bl++] = (struct spec){.side = 2, .ns = f->exclude, .n_ns = f->n_exclude};
	}
	if (f->n_watch) {
		if (!n_kinds)
			n_kinds = 1; /* one filter without a kind field */
		for (size_t i = 0; i < n_kinds; i++) {
			for (int side = 1; side <= 2; side++) {
				struct spec s = kinds[i];

				s.side = side;
				s.ns = f->watch;
				s.n_ns = f->n_watch;
				ok = ok && (wl[n_wl++] = build(&s));
			}
		}
	} else {
		for (size_t i = 0; i < n_kinds; i++)
			ok = ok && (wl[n_wl++] = build(&kinds[i]));
	}
	for (size_t i = 0; i < n_bl; i++)
		ok = ok && (bl[i] = build(&black[i]));
	if (!ok || append(&req->whitelist, &req->n_whitelist, wl, n_wl) < 0)
		goto nomem;
	if (append(&req->blacklist, &req->n_blacklist, bl, n_bl) < 0) {
		req->n_whitelist -= n_wl;
		goto nomem;
	}
	return 0;
nomem:
	free_filters(wl, n_wl);
	free_filters(bl, n_bl);
	return -ENOMEM;
}

void fr_hubble_filter__clear_request(Observer__GetFlowsRequest *req)
{
	free_filters(req->whitelist, req->n_whitelist);
	free_filters(req->blacklist, req->n_blacklist);
	free(req->whitelist);
	free(req->blacklist);
	req->whitelist = req->blacklist = NULL;
	req->n_whitelist = req->n_blacklist = 0;
}
