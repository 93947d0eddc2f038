/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What replay stores of a flow (the columns of hubble_flow_row and the
 * flow's HTTP header and policy rows, docs/HUBBLE.md), got two ways:
 *
 * - fr_hubble_cols__from_wire reads them off the bytes of a protobuf
 *   GetFlowsResponse in one pass that is also fr_hubble__validate's scan
 *   (same limits, every string's UTF-8), without building a message. It
 *   takes the common shapes and leaves the rest (a message field or oneof
 *   given twice, which protobuf-c merges or replaces; an endpoint given
 *   twice; lost_events, node_status) to the other way;
 * - fr_hubble_cols__from_msg reads them from a decoded message.
 *
 * For any bytes from_wire takes, fr_hubble__decode accepts them and
 * from_msg of its message gives the same values (fuzz_hubble and
 * unit.hubble_cols check it). Strings point into the input (or into the
 * message); a set of columns is reused from flow to flow.
 */
#ifndef FR_FORMAT_HUBBLE_FLOW_COLS_H
#define FR_FORMAT_HUBBLE_FLOW_COLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/hubble/flow.h"

/* A string of the flow: UTF-8 without NUL, not terminated; n 0 is
 * proto3's absent (also an empty string). */
struct fr_hubble_str {
	const char *p;
	size_t n;
};

struct fr_hubble_strs {
	struct fr_hubble_str *v;
	size_t n, cap;
};

/* The repeated strings of a flow. HEADERS holds key, value, key, ... */
enum {
	FR_HC_SRC_NAMES,
	FR_HC_DST_NAMES,
	FR_HC_DNS_IPS,
	FR_HC_DNS_CNAMES,
	FR_HC_DNS_QTYPES,
	FR_HC_DNS_RRTYPES,
	FR_HC_HEADERS,
	FR_HC_POLICY_LABELS,
	FR_HC_NLISTS
};

/* The policy lists, in the order replay writes them. */
enum {
	FR_HC_INGRESS_ALLOWED,
	FR_HC_EGRESS_ALLOWED,
	FR_HC_INGRESS_DENIED,
	FR_HC_EGRESS_DENIED,
	FR_HC_NPOLICY_LISTS
};

struct fr_hubble_policy {
	struct fr_hubble_str name, ns, kind;
	uint64_t revision;
	size_t label0, nlabels; /* in lists[FR_HC_POLICY_LABELS] */
};

struct fr_hubble_policies {
	struct fr_hubble_policy *v;
	size_t n, cap;
};

/* Which optional messages are there (their columns are NULL otherwise). */
enum {
	FR_HC_HAS_TIME = 1,	  /* Flow.time */
	FR_HC_HAS_RESP_TIME = 2,  /* GetFlowsResponse.time */
	FR_HC_HAS_EVENT_TYPE = 4, /* event_type */
	FR_HC_HAS_IP = 8,	  /* IP */
	FR_HC_HAS_IS_REPLY = 16,  /* is_reply */
	FR_HC_HAS_TCP_FLAGS = 32, /* l4.TCP.flags */
	FR_HC_HAS_L7 = 64,	  /* l7 */
};

struct fr_hubble_cols {
	unsigned has;		 /* FR_HC_HAS_* */
	int64_t time, resp_time; /* UTC ns */
	struct fr_hubble_str node_name, resp_node_name, uuid, summary;
	int32_t verdict, type, auth_type, drop_reason_desc, traffic_direction;
	int32_t trace_observation_point, trace_reason, event_type, event_subtype;
	uint32_t drop_reason, policy_match_type, proxy_port;
	uint64_t socket_cookie, cgroup_id;
	int32_t ip_version;
	bool encrypted, is_reply;
	struct fr_hubble_str ip_src, ip_dst, ip_xlated;
	struct fr_hubble_str src_svc[2], dst_svc[2]; /* Service: name, namespace */
	struct fr_hubble_str interface, trace_id;
	unsigned l4;	     /* Layer4's oneof: FLOW__LAYER4__PROTOCOL_* (0: none) */
	uint32_t l4_a, l4_b; /* TCP, UDP, SCTP: ports; ICMP: type, code */
	uint32_t tcp_flags;  /* FIN 1, SYN 2, ... NS 256 */
	int32_t l7_type;
	uint64_t l7_latency;
	unsigned l7; /* Layer7's oneof: FLOW__LAYER7__RECORD_* (0: none) */
	uint32_t http_code, dns_rcode, dns_ttl;
	struct fr_hubble_str http_method, http_url, http_protocol, dns_query, dns_source;
	struct fr_hubble_str kafka_api_key, kafka_topic;
	int32_t kafka_api_version, kafka_error_code, kafka_correlation_id;
	/* from_wire: where Flow.source and .destination are in the input (off
	 * of the value, len bytes; off -1: not there) */
	long long ep_off[2];
	size_t ep_len[2];
	/* last: a reset empties them and keeps their memory */
	struct fr_hubble_strs lists[FR_HC_NLISTS];
	struct fr_hubble_policies policies[FR_HC_NPOLICY_LISTS];
};

/* Frees the lists of c (zeroes it; also a fresh c). */
void fr_hubble_cols__free(struct fr_hubble_cols *c);

/*
 * Reads c from the GetFlowsResponse buf[0..len) (of at most
 * FR_HUBBLE_MAX_MSG bytes). The endpoints are not read: their bytes are
 * where ep_off and ep_len say, and the caller validates them (Endpoint).
 * The source comes before the destination. Return: 0; -EAGAIN: not a
 * shape read here (or not valid: fr_hubble__decode says why); -ENOMEM.
 */
int fr_hubble_cols__from_wire(struct fr_hubble_cols *c, const uint8_t *buf, size_t len);

/* Reads c from r, a flow response (r->flow set); ep_off -1. The strings
 * point into r. Return: 0 or -ENOMEM. */
int fr_hubble_cols__from_msg(struct fr_hubble_cols *c, const Observer__GetFlowsResponse *r);

#endif /* FR_FORMAT_HUBBLE_FLOW_COLS_H */
