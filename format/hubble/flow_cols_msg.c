/* SPDX-License-Identifier: BSD-2-Clause */
/* A flow's columns from a message protobuf-c decoded (flow_cols.h): what
 * replay reads of flows fr_hubble_cols__from_wire leaves, and of jsonpb
 * lines. */
#include "format/hubble/flow_cols.h"
#include "format/hubble/flow_priv.h"

#include <errno.h>
#include <string.h>

/* n C strings v into list l. */
static int push_all(struct fr_hubble_strs *l, size_t n, char *const *v)
{
	for (size_t i = 0; i < n; i++)
		if (fr_hubble_cols__push(l, v[i], strlen(v[i])))
			return -ENOMEM;
	return 0;
}

static struct fr_hubble_str cstr(const char *s)
{
	return (struct fr_hubble_str){s, s ? strlen(s) : 0};
}

static int policies_of(struct fr_hubble_cols *c, int list, size_t n, Flow__Policy *const *p)
{
	for (size_t i = 0; i < n; i++) {
		struct fr_hubble_policy *o = fr_hubble_cols__new_policy(&c->policies[list]);

		if (!o)
			return -ENOMEM;
		o->name = cstr(p[i]->name);
		o->ns = cstr(p[i]->namespace_);
		o->kind = cstr(p[i]->kind);
		o->revision = p[i]->revision;
		o->label0 = c->lists[FR_HC_POLICY_LABELS].n;
		o->nlabels = p[i]->n_labels;
		if (push_all(&c->lists[FR_HC_POLICY_LABELS], p[i]->n_labels, p[i]->labels))
			return -ENOMEM;
	}
	return 0;
}

static void l4_of(struct fr_hubble_cols *c, const Flow__Layer4 *l4)
{
	c->l4 = l4 ? (unsigned)l4->protocol_case : 0;
	switch (c->l4) {
	case FLOW__LAYER4__PROTOCOL_TCP:
		c->l4_a = l4->tcp->source_port;
		c->l4_b = l4->tcp->destination_port;
		if (l4->tcp->flags) {
			const Flow__TCPFlags *f = l4->tcp->flags;
			const protobuf_c_boolean bits[] = {f->fin, f->syn, f->rst, f->psh, f->ack,
							   f->urg, f->ece, f->cwr, f->ns};

			c->has |= FR_HC_HAS_TCP_FLAGS;
			for (unsigned i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
				if (bits[i])
					c->tcp_flags |= 1u << i;
		}
		break;
	case FLOW__LAYER4__PROTOCOL_UDP:
		c->l4_a = l4->udp->source_port;
		c->l4_b = l4->udp->destination_port;
		break;
	case FLOW__LAYER4__PROTOCOL_SCTP:
		c->l4_a = l4->sctp->source_port;
		c->l4_b = l4->sctp->destination_port;
		break;
	case FLOW__LAYER4__PROTOCOL_ICMPV4:
		c->l4_a = l4->icmpv4->type;
		c->l4_b = l4->icmpv4->code;
		break;
	case FLOW__LAYER4__PROTOCOL_ICMPV6:
		c->l4_a = l4->icmpv6->type;
		c->l4_b = l4->icmpv6->code;
		break;
	default:
		break;
	}
}

static int l7_of(struct fr_hubble_cols *c, const Flow__Layer7 *l7)
{
	const Flow__HTTP *http = l7->record_case == FLOW__LAYER7__RECORD_HTTP ? l7->http : NULL;
	const Flow__DNS *dns = l7->record_case == FLOW__LAYER7__RECORD_DNS ? l7->dns : NULL;
	const Flow__Kafka *kafka = l7->record_case == FLOW__LAYER7__RECORD_KAFKA ? l7->kafka : NULL;
	struct fr_hubble_strs *l = c->lists;

	c->has |= FR_HC_HAS_L7;
	c->l7_type = l7->type;
	c->l7_latency = l7->latency_ns;
	c->l7 = (unsigned)l7->record_case;
	if (http) {
		c->http_code = http->code;
		c->http_method = cstr(http->method);
		c->http_url = cstr(http->url);
		c->http_protocol = cstr(http->protocol);
		for (size_t i = 0; i < http->n_headers; i++)
			if (fr_hubble_cols__push(&l[FR_HC_HEADERS], http->headers[i]->key,
						 strlen(http->headers[i]->key)) ||
			    fr_hubble_cols__push(&l[FR_HC_HEADERS], http->headers[i]->value,
						 strlen(http->headers[i]->value)))
				return -ENOMEM;
	}
	if (dns) {
		c->dns_query = cstr(dns->query);
		c->dns_rcode = dns->rcode;
		c->dns_ttl = dns->ttl;
		c->dns_source = cstr(dns->observation_source);
		if (push_all(&l[FR_HC_DNS_QTYPES], dns->n_qtypes, dns->qtypes) ||
		    push_all(&l[FR_HC_DNS_RRTYPES], dns->n_rrtypes, dns->rrtypes) ||
		    push_all(&l[FR_HC_DNS_IPS], dns->n_ips, dns->ips) ||
		    push_all(&l[FR_HC_DNS_CNAMES], dns->n_cnames, dns->cnames))
			return -ENOMEM;
	}
	if (kafka) {
		c->kafka_api_key = cstr(kafka->api_key);
		c->kafka_api_version = kafka->api_version;
		c->kafka_topic = cstr(kafka->topic);
		c->kafka_error_code = kafka->error_code;
		c->kafka_correlation_id = kafka->correlation_id;
	}
	return 0;
}

/* Deprecated in flow.proto, still what older agents send. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void deprecated_of(struct fr_hubble_cols *c, const Flow__Flow *f)
{
	c->drop_reason = f->drop_reason;
	c->summary = cstr(f->summary);
}
#pragma GCC diagnostic pop

int fr_hubble_cols__from_msg(struct fr_hubble_cols *c, const Observer__GetFlowsResponse *r)
{
	const Flow__Flow *f = r->flow;
	struct fr_hubble_strs *l = c->lists;

	fr_hubble_cols__reset(c);
	if (r->time) {
		c->has |= FR_HC_HAS_RESP_TIME;
		c->resp_time = fr_hubble__ts_ns(r->time->seconds, r->time->nanos);
	}
	c->resp_node_name = cstr(r->node_name);
	if (f->time) {
		c->has |= FR_HC_HAS_TIME;
		c->time = fr_hubble__ts_ns(f->time->seconds, f->time->nanos);
	}
	c->node_name = cstr(f->node_name);
	c->uuid = cstr(f->uuid);
	c->verdict = f->verdict;
	c->drop_reason_desc = f->drop_reason_desc;
	c->type = f->type;
	c->auth_type = f->auth_type;
	deprecated_of(c, f);
	if (f->event_type) {
		c->has |= FR_HC_HAS_EVENT_TYPE;
		c->event_type = f->event_type->type;
		c->event_subtype = f->event_type->sub_type;
	}
	if (f->ip) {
		c->has |= FR_HC_HAS_IP;
		c->ip_version = f->ip->ipversion;
		c->ip_src = cstr(f->ip->source);
		c->ip_dst = cstr(f->ip->destination);
		c->ip_xlated = cstr(f->ip->source_xlated);
		c->encrypted = f->ip->encrypted;
	}
	l4_of(c, f->l4);
	if (f->source_service) {
		c->src_svc[0] = cstr(f->source_service->name);
		c->src_svc[1] = cstr(f->source_service->namespace_);
	}
	if (f->destination_service) {
		c->dst_svc[0] = cstr(f->destination_service->name);
		c->dst_svc[1] = cstr(f->destination_service->namespace_);
	}
	c->traffic_direction = f->traffic_direction;
	if (f->is_reply) {
		c->has |= FR_HC_HAS_IS_REPLY;
		c->is_reply = f->is_reply->value;
	}
	c->policy_match_type = f->policy_match_type;
	c->trace_observation_point = f->trace_observation_point;
	c->trace_reason = f->trace_reason;
	if (f->interface)
		c->interface = cstr(f->interface->name);
	c->proxy_port = f->proxy_port;
	c->socket_cookie = f->socket_cookie;
	c->cgroup_id = f->cgroup_id;
	if (f->trace_context && f->trace_context->parent)
		c->trace_id = cstr(f->trace_context->parent->trace_id);
	if (f->l7 && l7_of(c, f->l7))
		return -ENOMEM;
	if (push_all(&l[FR_HC_SRC_NAMES], f->n_source_names, f->source_names) ||
	    push_all(&l[FR_HC_DST_NAMES], f->n_destination_names, f->destination_names) ||
	    policies_of(c, FR_HC_INGRESS_ALLOWED, f->n_ingress_allowed_by, f->ingress_allowed_by) ||
	    policies_of(c, FR_HC_EGRESS_ALLOWED, f->n_egress_allowed_by, f->egress_allowed_by) ||
	    policies_of(c, FR_HC_INGRESS_DENIED, f->n_ingress_denied_by, f->ingress_denied_by) ||
	    policies_of(c, FR_HC_EGRESS_DENIED, f->n_egress_denied_by, f->egress_denied_by))
		return -ENOMEM;
	return 0;
}
