/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The user's Hubble selection (--hubble-kinds, namespaces to watch or to
 * exclude, 1-in-N sampling, a flows-per-second cap) applied to a decoded
 * GetFlowsResponse, and turned into the FlowFilters of a GetFlowsRequest
 * so that a real Hubble server filters before sending.
 *
 * Kinds of a flow: L7 when Type is L7 or event_type.type is 129; DROP when
 * the verdict is DROPPED; POLICY when event_type.type is 5 (policy
 * verdict); L34 when none of these (L3_L4 traces, sock traces, ...). A flow
 * is kept when any of its kinds is chosen. Then the namespaces (source or
 * destination namespace in the watch list; either in the exclude list
 * skips it), then sampling (the 1st, N+1th, ... flow that passed: a
 * counter, so the scale factor is exactly N), then the cap (token bucket
 * of `cap` flows/s, burst one second's worth, on the CLOCK_BOOTTIME time
 * given). lost_events and node_status responses are always kept.
 *
 * Every skip is counted per reason with the time range it covers; the
 * caller writes them as RECORDER_STATS records (reasons "filtered",
 * "sampled", "capped"). Not thread-safe: one filter per input thread.
 */
#ifndef FR_RECORDER_HUBBLE_FILTER_H
#define FR_RECORDER_HUBBLE_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "format/hubble/flow.h"

enum fr_hubble_kind_bits {
	FR_HUBBLE_KIND_L34 = 1u << 0,
	FR_HUBBLE_KIND_L7 = 1u << 1,
	FR_HUBBLE_KIND_DROP = 1u << 2,
	FR_HUBBLE_KIND_POLICY = 1u << 3,
	FR_HUBBLE_KIND_ALL = 0xf,
};

enum fr_hubble_verdict {
	FR_HUBBLE_KEEP = 0,
	FR_HUBBLE_FILTERED, /* kind or namespace */
	FR_HUBBLE_SAMPLED,
	FR_HUBBLE_CAPPED,
	FR_HUBBLE_NVERDICT,
};

/* What the user chose; strings are borrowed by fr_hubble_filter__new
 * (copied). */
struct fr_hubble_filter_opts {
	unsigned kinds;		  /* FR_HUBBLE_KIND_* bits; 0 = all */
	const char *const *watch; /* namespaces to watch (NULL or n_watch 0: all) */
	size_t n_watch;
	const char *const *exclude; /* namespaces to skip */
	size_t n_exclude;
	uint32_t sample;    /* keep 1 in sample; 0 or 1 = every flow */
	uint64_t cap_per_s; /* flows per second; 0 = no cap */
};

/* Per reason: how many, and over which receive times. */
struct fr_hubble_filter_count {
	uint64_t n, first_ns, last_ns;
};

struct fr_hubble_filter_counts {
	uint64_t seen; /* flows offered (not lost_events / node_status) */
	struct fr_hubble_filter_count by[FR_HUBBLE_NVERDICT]; /* [KEEP] = kept */
};

struct fr_hubble_filter;

/* What the selection looks at in a flow: read from a decoded Flow
 * (fr_hubble_filter__keys_of) or off the wire (hubble_wire.h). */
struct fr_hubble_flow_keys {
	int type;	/* Flow.Type (FLOW__FLOW_TYPE__*) */
	int event_type; /* event_type.type; 0 when absent */
	int verdict;	/* FLOW__VERDICT__* */
	/* source and destination namespaces, not NUL-terminated; NULL: none */
	const char *src_ns, *dst_ns;
	size_t src_ns_len, dst_ns_len;
};

/*
 * Parses a kinds list "l34,l7,drop,policy" (any order, case-insensitive,
 * "all" allowed) into *bits. Return: 0, or -EINVAL with a message naming
 * the bad word in err[0..err_size).
 */
int fr_hubble_filter__parse_kinds(const char *s, unsigned *bits, char *err, size_t err_size);

/*
 * Parses a comma-separated namespace list into *out (a malloc'ed array of
 * malloc'ed strings, *n entries; free with fr_hubble_filter__free_list).
 * Names must be DNS labels (lower-case alphanumerics and '-', 1..63).
 * Return: 0, -EINVAL with a message in err, -ENOMEM.
 */
int fr_hubble_filter__parse_list(const char *s, char ***out, size_t *n, char *err, size_t err_size);
void fr_hubble_filter__free_list(char **list, size_t n);

/* Return: a filter (copies opts' strings), or NULL with errno (EINVAL for a
 * cap over 10^9/s). Free with fr_hubble_filter__free (accepts NULL). */
struct fr_hubble_filter *fr_hubble_filter__new(const struct fr_hubble_filter_opts *opts);
void fr_hubble_filter__free(struct fr_hubble_filter *f);

/* The kinds bits of one flow (see above). */
unsigned fr_hubble_filter__kinds_of(const Flow__Flow *flow);
unsigned fr_hubble_filter__kinds_of_keys(const struct fr_hubble_flow_keys *k);

/* The keys of a decoded flow (strings borrowed from it). */
void fr_hubble_filter__keys_of(const Flow__Flow *flow, struct fr_hubble_flow_keys *k);

/*
 * Decides on one response received at now_ns (CLOCK_BOOTTIME) and counts
 * it. Return: FR_HUBBLE_KEEP or the reason to skip it.
 */
enum fr_hubble_verdict fr_hubble_filter__check(struct fr_hubble_filter *f,
					       const Observer__GetFlowsResponse *resp,
					       uint64_t now_ns);

/* The same for a bare flow (NULL: kept, as a non-flow response). */
enum fr_hubble_verdict fr_hubble_filter__check_flow(struct fr_hubble_filter *f,
						    const Flow__Flow *flow, uint64_t now_ns);

/* The same for a flow's keys (NULL: kept, as a non-flow response). */
enum fr_hubble_verdict fr_hubble_filter__check_keys(struct fr_hubble_filter *f,
						    const struct fr_hubble_flow_keys *k,
						    uint64_t now_ns);

/* Return: the counts since the filter was made (borrowed, live). */
const struct fr_hubble_filter_counts *fr_hubble_filter__counts(const struct fr_hubble_filter *f);

/* Short name of a verdict: "keep", "filtered", "sampled", "capped". */
const char *fr_hubble_filter__reason(enum fr_hubble_verdict v);

/*
 * Adds to req->whitelist / req->blacklist the FlowFilters that make a
 * Hubble server send a superset of what fr_hubble_filter__check keeps
 * (kinds as event_type 129/5/1 and verdict DROPPED, namespaces as
 * source_pod / destination_pod "ns/" prefixes; sampling and the cap stay
 * local). Ownership: every FlowFilter, array and string added is malloc'ed
 * and owned by req: a request from fr_hubble__decode or one malloc'ed whole
 * is freed, filters included, by fr_hubble__free; for a request on the
 * stack call fr_hubble_filter__clear_request. req's existing filters are
 * kept (the arrays are reallocated). Return: 0 or -ENOMEM (req unchanged).
 */
int fr_hubble_filter__to_request(const struct fr_hubble_filter *f, Observer__GetFlowsRequest *req);

/* Frees req's whitelist and blacklist (made as above) and empties them. */
void fr_hubble_filter__clear_request(Observer__GetFlowsRequest *req);

#endif /* FR_RECORDER_HUBBLE_FILTER_H */
