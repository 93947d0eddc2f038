/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The sources of user metrics and their fields: the one place that turns a
 * name from a metric file into SQL. Nothing a file says reaches SQL text
 * but through these tables (values are bound parameters, compile.c).
 * docs/METRICS_FILE.md lists the same table for users.
 */
#define _GNU_SOURCE /* strerrorname_np */
#include "analyzer/usermetric/usermetric.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define I FR_UM_INT
#define T FR_UM_TEXT
#define A FR_UM_J_ATTR

/* A field of raw rows only. */
#define RAW(n, t, e, d)                                                                            \
	{                                                                                          \
		n, t, e, NULL, NULL, 0, d, NULL                                                    \
	}
/* A field of raw rows of a TCP event that reads its connection (conn c). */
#define RAWC(n, t, e, d)                                                                           \
	{                                                                                          \
		n, t, e, NULL, NULL, FR_UM_J_CONN, d, NULL                                         \
	}
#define END                                                                                        \
	{                                                                                          \
		NULL, 0, NULL, NULL, NULL, 0, NULL, NULL                                           \
	}

/* The ends of a TCP event: its connection's (conn c), unless the row has a
 * tuple of its own (sock_tuple t), as the replay's ev_<kind> views read them
 * (analyzer/replay/loader.c); the pod or service that held the remote
 * address at the event's time (meta_*: docs/METADATA.md). */
#define TUP(col) "CASE WHEN t.id IS NULL THEN c." col " ELSE t." col " END"
#define POD_OF(col)                                                                                \
	"COALESCE((SELECT pl2." col " FROM meta_pod_ip i JOIN pod_latest pl2 ON pl2.uid = i.uid "  \
	"WHERE i.ip = CASE WHEN t.id IS NULL THEN c.daddr ELSE t.daddr END AND i.valid_from <= "   \
	"e.ts AND i.valid_to > e.ts ORDER BY i.valid_from DESC LIMIT 1), '')"
#define DST_SERVICE                                                                                \
	"COALESCE((SELECT s.namespace || '/' || s.name FROM meta_service_ip s WHERE s.ip = CASE "  \
	"WHEN t.id IS NULL THEN c.daddr ELSE t.daddr END AND s.valid_from <= e.ts AND "            \
	"s.valid_to > e.ts ORDER BY s.valid_from DESC LIMIT 1), (SELECT m.namespace || '/' || "    \
	"m.service FROM meta_endpoint m WHERE m.ip = CASE WHEN t.id IS NULL THEN c.daddr ELSE "    \
	"t.daddr END AND m.port = CASE WHEN t.id IS NULL THEN c.dport ELSE t.dport END AND "       \
	"m.service IS NOT NULL AND m.valid_from <= e.ts AND m.valid_to > e.ts ORDER BY "           \
	"m.valid_from DESC LIMIT 1), '')"
#define CONN_FIELDS                                                                                \
	RAWC("saddr", T, "COALESCE(CASE WHEN t.id IS NULL THEN c.saddr ELSE t.saddr END, '')",     \
	     "local address"),                                                                     \
		RAWC("sport", I, TUP("sport"), "local port"),                                      \
		RAWC("daddr", T,                                                                   \
		     "COALESCE(CASE WHEN t.id IS NULL THEN c.daddr ELSE t.daddr END, '')",         \
		     "remote address"),                                                            \
		RAWC("dport", I, TUP("dport"), "remote port"),                                     \
		RAWC("direction", T,                                                               \
		     "CASE c.active WHEN 1 THEN 'outbound' WHEN 0 THEN 'inbound' ELSE 'unknown' "  \
		     "END",                                                                        \
		     "outbound (connect), inbound (accept), unknown (opened before the "           \
		     "recording)"),                                                                \
		RAWC("dst_namespace", T, POD_OF("namespace"), "namespace of the remote pod"),      \
		RAWC("dst_pod", T, POD_OF("name"), "remote pod"),                                  \
		RAWC("dst_workload", T, POD_OF("workload"), "workload of the remote pod"),         \
		RAWC("dst_service", T, DST_SERVICE,                                                \
		     "namespace/name of the Service of the remote address (a cluster IP, or an "   \
		     "endpoint of the Service at that port)")
static int op_known(sqlite3 *db, const char *s);
static int fd_kind_known(sqlite3 *db, const char *s);
static int mode_known(sqlite3 *db, const char *s);
static int proto_known(sqlite3 *db, const char *s);
static int rxtx_known(sqlite3 *db, const char *s);
static int rw_known(sqlite3 *db, const char *s);
static int syscall_known(sqlite3 *db, const char *s);
static int l7_type_known(sqlite3 *db, const char *s);

static const struct fr_um_field f_syscall[] = {
	{"syscall", T, "syscall_name(e.node, e.nr)", "syscall_name(e.node, e.nr)", NULL, 0,
	 "syscall name: of the recording's table (ev_syscall_name) or of this build's, or sys_N",
	 syscall_known},
	{"nr", I, "e.nr", "e.nr", NULL, 0, "syscall number", NULL},
	RAW("ret", I, "e.ret", "return value"),
	{"errno", T, "errno_name(e.ret)", NULL, NULL, 0,
	 "errno name of a failed call (EAGAIN), else ''", fr_um__errno_known},
	{"error", I, "(e.ret < 0 AND e.ret >= -4095)", NULL, "e.errors", 0,
	 "1 for a call that failed (an errno value), else 0; value: error counts failed calls",
	 NULL},
	RAW("latency_ns", I, "e.latency_ns", "sys_enter to sys_exit"),
	RAW("tid", I, "e.tid", "thread id"),
	END};

#define PROTO_NAME                                                                                 \
	"CASE e.protocol WHEN 6 THEN 'tcp' WHEN 17 THEN 'udp' ELSE 'proto_' || e.protocol END"
#define RXTX "CASE WHEN e.received THEN 'rx' ELSE 'tx' END"

static const struct fr_um_field f_sock[] = {
	{"protocol", T, PROTO_NAME, PROTO_NAME, NULL, 0, "tcp, udp", proto_known},
	{"direction", T, RXTX, RXTX, NULL, 0, "rx (received) or tx (sent)", rxtx_known},
	{"bytes", I, "max(e.bytes, 0)", NULL, "e.bytes", 0, "bytes moved, errors as 0", NULL},
	RAW("saddr", T, "COALESCE(e.saddr, '')", "local address"),
	RAW("sport", I, "e.sport", "local port"),
	RAW("daddr", T, "COALESCE(e.daddr, '')", "remote address"),
	RAW("dport", I, "e.dport", "remote port"),
	END};

static const struct fr_um_field f_connect[] = {
	RAW("latency_ns", I, "e.latency_ns", "connect latency"),
	RAW("err", I, "e.err", "error of a failed connect (errno value), 0 else"),
	RAW("errno", T, "errno_name(-abs(e.err))", "its errno name, '' on success"), CONN_FIELDS,
	END};

static const struct fr_um_field f_retrans[] = {
	RAW("state", I, "e.state", "TCP state"),
	RAW("segs", I, "max(e.segs, 1)", "segments retransmitted by the event"), CONN_FIELDS, END};

static const struct fr_um_field f_close[] = {
	RAW("duration_ns", I, "e.duration_ns", "connection lifetime"),
	RAW("bytes_acked", I, "e.bytes_acked", "bytes the peer acknowledged"),
	RAW("bytes_received", I, "e.bytes_received", "bytes received"),
	RAW("segs_out", I, "e.segs_out", "segments sent"),
	RAW("segs_in", I, "e.segs_in", "segments received"),
	RAW("srtt_us", I, "e.srtt_us", "smoothed RTT at close"),
	RAW("total_retrans", I, "e.total_retrans", "segments retransmitted"),
	CONN_FIELDS,
	END};

static const struct fr_um_field f_rtt[] = {RAW("srtt_us", I, "e.srtt_us", "smoothed RTT"),
					   RAW("rttvar_us", I, "e.rttvar_us", "RTT variance"),
					   CONN_FIELDS, END};

static const struct fr_um_field f_reset[] = {
	RAW("received", I, "e.received", "1: the peer reset, 0: this end did"), CONN_FIELDS, END};

static const struct fr_um_field f_drop[] = {
	RAW("reason", T, "drop_reason_name(e.node, e.reason)", "kernel drop reason name"),
	RAW("reason_code", I, "e.reason", "its number"),
	RAW("protocol", I, "e.protocol", "IP protocol number"),
	RAW("saddr", T, "COALESCE(e.saddr, '')", "source address"),
	RAW("daddr", T, "COALESCE(e.daddr, '')", "destination address"),
	RAW("sport", I, "e.sport", "source port"),
	RAW("dport", I, "e.dport", "destination port"),
	RAW("ifindex", I, "e.ifindex", "interface index"),
	END};

#define OP_NAME                                                                                    \
	"CASE e.op WHEN 1 THEN 'read' WHEN 2 THEN 'write' WHEN 3 THEN 'pread64' WHEN 4 THEN "      \
	"'pwrite64' WHEN 5 THEN 'readv' WHEN 6 THEN 'writev' WHEN 9 THEN 'preadv' WHEN 10 THEN "   \
	"'pwritev' WHEN 11 THEN 'preadv2' WHEN 12 THEN 'pwritev2' WHEN 13 THEN 'copy_file_range' " \
	"WHEN 14 THEN 'copy_file_range' WHEN 15 THEN 'sendfile' WHEN 16 THEN 'sendfile' WHEN 17 "  \
	"THEN 'splice' WHEN 18 THEN 'splice' ELSE 'op_' || e.op END"
#define FD_KIND                                                                                    \
	"CASE e.fd_kind WHEN 1 THEN 'regular' WHEN 2 THEN 'block' WHEN 3 THEN 'char' WHEN 4 THEN " \
	"'fifo' WHEN 5 THEN 'socket' WHEN 6 THEN 'dir' WHEN 7 THEN 'anon' WHEN 8 THEN 'other' "    \
	"ELSE 'unknown' END"

#define RW_NAME                                                                                    \
	"CASE WHEN e.op IN (1, 3, 5, 9, 11, 13, 15, 17) THEN 'read' WHEN e.op IN (2, 4, 6, 10, "   \
	"12, "                                                                                     \
	"14, 16, 18) THEN 'write' ELSE 'other' END"

static const struct fr_um_field f_file_io[] = {
	{"op", T, OP_NAME, OP_NAME, NULL, 0, "read, write, pread64, ... copy_file_range, splice",
	 op_known},
	{"direction", T, RW_NAME, RW_NAME, NULL, 0,
	 "read (read, pread64, readv, preadv, preadv2 and the input of copy_file_range, sendfile, "
	 "splice) or write (the others); other for an op without a name",
	 rw_known},
	{"fd_kind", T, FD_KIND, FD_KIND, NULL, 0,
	 "regular, block, char, fifo, socket, dir, anon, other, unknown", fd_kind_known},
	{"bytes", I, "max(e.ret, 0)", NULL, "e.bytes", 0, "bytes moved, errors as 0", NULL},
	RAW("ret", I, "e.ret", "return value"),
	RAW("errno", T, "errno_name(e.ret)", "errno name of a failed call"),
	RAW("latency_ns", I, "e.latency_ns", "latency (0 on a copy call's other side)"),
	RAW("fd", I, "e.fd", "file descriptor"),
	END};

static const struct fr_um_field f_open[] = {
	RAW("filename", T, "COALESCE(e.filename, '')", "path opened"),
	RAW("ret", I, "e.ret", "fd or -errno"),
	RAW("errno", T, "errno_name(e.ret)", "errno name of a failed open"),
	RAW("flags", I, "e.flags", "open flags"),
	RAW("latency_ns", I, "e.latency_ns", "latency"),
	END};

static const struct fr_um_field f_sched[] = {
	{"runtime_ns", I, "e.prev_runtime_ns", NULL, "e.runtime_ns", 0,
	 "CPU time of the stint that ended", NULL},
	RAW("cpu", I, "e.cpu", "CPU"),
	RAW("prev_state", I, "e.prev_state", "task state at the switch"),
	RAW("runq_latency_ns", I, "e.runq_latency_ns", "run queue latency of the task switched in"),
	END};

#define MODE "CASE WHEN e.user THEN 'user' ELSE 'kernel' END"
static const struct fr_um_field f_fault[] = {
	{"mode", T, MODE, MODE, NULL, 0, "user or kernel", mode_known},
	RAW("address", I, "e.address", "faulting address"),
	RAW("error_code", I, "e.error_code", "x86 page fault error code"),
	END};

static const struct fr_um_field f_alloc[] = {
	RAW("bytes", I, "e.bytes", "bytes allocated"),
	RAW("allocs", I, "e.count", "allocations in the record"),
	RAW("alloc_source", I, "e.source", "allocator (page, slab)"), END};

static const struct fr_um_field f_oom[] = {
	RAW("victim_comm", T, "COALESCE(e.comm, '')", "program killed"),
	RAW("uid", I, "e.uid", "its user id"),
	RAW("total_vm_kb", I, "e.total_vm_kb", "virtual memory"),
	RAW("anon_rss_kb", I, "e.anon_rss_kb", "anonymous RSS"),
	RAW("file_rss_kb", I, "e.file_rss_kb", "file RSS"),
	RAW("shmem_rss_kb", I, "e.shmem_rss_kb", "shared memory RSS"),
	RAW("oom_score_adj", I, "e.oom_score_adj", "oom_score_adj"),
	END};

static const struct fr_um_field f_exec[] = {
	RAW("filename", T, "COALESCE(e.filename, '')", "program executed"),
	RAW("uid", I, "e.uid", "user id"), RAW("ppid", I, "e.ppid", "parent pid"), END};

static const struct fr_um_field f_exit[] = {
	RAW("exit_code", I, "e.exit_code", "exit status as wait() reports it"),
	RAW("runtime_ns", I, "e.runtime_ns", "CPU time of the process"), END};

#define ENUM(en, col)                                                                              \
	"COALESCE((SELECT name FROM hubble_enum WHERE enum = '" en "' AND number = e." col "), "   \
	"CAST(e." col " AS TEXT))"
#define END_FIELDS(p, w)                                                                           \
	RAW(p "namespace", T, "COALESCE(e." w "_namespace, '')", w " namespace"),                  \
		RAW(p "pod", T, "COALESCE(e." w "_pod, '')", w " pod"),                            \
		RAW(p "workload", T, "COALESCE(e." w "_workload, '')", w " workload"),             \
		RAW(p "workload_kind", T, "COALESCE(e." w "_workload_kind, '')", w " kind"),       \
		RAW(p "app", T, "COALESCE(e." w "_app, '')", w " app label"),                      \
		RAW(p "ip", T, "COALESCE(e." w "_ip, '')", w " IP"),                               \
		RAW(p "port", I, "e." w "_port", w " port"),                                       \
		RAW(p "identity", I, "e." w "_identity", w " security identity"),                  \
		RAW(p "service", T,                                                                \
		    "CASE WHEN COALESCE(e." w "_service, '') = '' THEN '' ELSE "                   \
		    "COALESCE(e." w "_service_namespace, '') || '/' || e." w "_service END",       \
		    w " service as namespace/name")

/* The labels Hubble's own metric handlers give a flow (hubble_* families,
 * queries/metric_views.sql hubble_win): FlowProtocol, the flow handler's
 * type and subtype, the HTTP and Kafka handlers' reporter. */
#define FLOW_PROTOCOL                                                                              \
	"CASE WHEN e.event_type = 129 THEN CASE e.l7_kind WHEN 'dns' THEN 'DNS' WHEN 'http' THEN " \
	"'HTTP' WHEN 'kafka' THEN 'Kafka' ELSE 'Unknown L7' END WHEN e.event_type IN (1, 3, 4, "   \
	"5) THEN COALESCE(e.protocol, 'Unknown L4') ELSE 'Unknown flow' END"
#define EVENT_TYPE                                                                                 \
	"CASE e.event_type WHEN 129 THEN 'L7' WHEN 1 THEN 'Drop' WHEN 3 THEN 'Capture' WHEN 4 "    \
	"THEN 'Trace' WHEN 5 THEN 'PolicyVerdict' ELSE 'Unknown' END"
#define EVENT_SUBTYPE                                                                              \
	"CASE WHEN e.event_type = 129 THEN CASE e.l7_kind WHEN 'dns' THEN 'DNS' WHEN 'http' THEN " \
	"'HTTP' WHEN 'kafka' THEN 'Kafka' ELSE '' END WHEN e.event_type = 4 THEN CASE "            \
	"e.event_subtype WHEN 0 THEN 'to-endpoint' WHEN 1 THEN 'to-proxy' WHEN 2 THEN 'to-host' "  \
	"WHEN 3 THEN 'to-stack' WHEN 4 THEN 'to-overlay' WHEN 5 THEN 'from-endpoint' WHEN 6 THEN " \
	"'from-proxy' WHEN 7 THEN 'from-host' WHEN 8 THEN 'from-stack' WHEN 9 THEN "               \
	"'from-overlay' WHEN 10 THEN 'from-network' WHEN 11 THEN 'to-network' WHEN 12 THEN "       \
	"'from-crypto' WHEN 13 THEN 'to-crypto' ELSE '' END WHEN e.event_type IN (1, 3, 5) THEN "  \
	"'' ELSE CAST(COALESCE(e.event_type, 0) AS TEXT) END"
#define REPORTER                                                                                   \
	"CASE e.traffic_direction WHEN 2 THEN 'client' WHEN 1 THEN 'server' ELSE 'unknown' END"

static const struct fr_um_field f_hubble[] = {
	RAW("verdict", T, ENUM("verdict", "verdict"), "FORWARDED, DROPPED, ..."),
	RAW("drop_reason", T, ENUM("drop_reason", "drop_reason"), "Hubble drop reason"),
	RAW("flow_type", T, ENUM("flow_type", "flow_type"), "L3_L4, L7, SOCK"),
	RAW("traffic_direction", T, "lower(" ENUM("traffic_direction", "traffic_direction") ")",
	    "ingress, egress"),
	RAW("protocol", T, "COALESCE(e.protocol, '')", "TCP, UDP, ICMPv4, ..."),
	RAW("is_reply", I, "COALESCE(e.is_reply, 0)", "1 for a reply"),
	RAW("l7", T, "COALESCE(e.l7_kind, '')", "dns, http, kafka or ''"),
	{"l7_type", T, "COALESCE(" ENUM("l7_type", "l7_type") ", '')", NULL, NULL, 0,
	 "REQUEST, RESPONSE, SAMPLE of an L7 flow, else ''", l7_type_known},
	RAW("flow_protocol", T, FLOW_PROTOCOL,
	    "Hubble's FlowProtocol label: DNS, HTTP, Kafka (L7), else the L4 protocol"),
	RAW("event_type", T, EVENT_TYPE,
	    "Hubble's flow type label: L7, Drop, Capture, Trace, PolicyVerdict, Unknown"),
	RAW("event_subtype", T, EVENT_SUBTYPE,
	    "Hubble's flow subtype label: the L7 protocol, the trace observation point "
	    "(to-endpoint ...) or an unknown type's number"),
	RAW("reporter", T, REPORTER, "client (EGRESS), server (INGRESS) or unknown"),
	RAW("node", T, "COALESCE(e.node_name, '')", "node that saw the flow"),
	END_FIELDS("src_", "src"),
	END_FIELDS("dst_", "dst"),
	RAW("http_method", T, "COALESCE(e.http_method, '')", "HTTP method"),
	RAW("http_code", I, "e.http_code", "HTTP status code"),
	RAW("http_status", T, "CAST(COALESCE(e.http_code, 0) AS TEXT)",
	    "HTTP status code as Hubble's label: decimal, 0 when absent"),
	RAW("http_protocol", T, "COALESCE(e.http_protocol, '')", "HTTP/1.1, HTTP/2, ..."),
	RAW("http_url", T, "COALESCE(e.http_url, '')", "HTTP URL"),
	RAW("http_path", T, "url_path(e.http_url)", "its path"),
	RAW("l7_latency_ns", I, "e.l7_latency_ns", "L7 latency"),
	RAW("dns_query", T, "COALESCE(e.dns_query, '')", "DNS query name"),
	RAW("dns_rcode", I, "e.dns_rcode", "DNS response code"),
	RAW("kafka_topic", T, "COALESCE(e.kafka_topic, '')", "Kafka topic"),
	RAW("kafka_api_key", T, "COALESCE(e.kafka_api_key, '')", "Kafka API key"),
	RAW("kafka_error_code", I, "e.kafka_error_code", "Kafka error code"),
	RAW("kafka_error", T, "CAST(COALESCE(e.kafka_error_code, 0) AS TEXT)",
	    "Kafka error code as Hubble's label: decimal, 0 when absent"),
	END};

const char *fr_um__hubble_enum(const struct fr_um_field *f, int *nullable)
{
	/* expr: ENUM(name, name); l7_type's COALESCE(ENUM(...), '') */
	static const char *const names[] = {"verdict", "drop_reason", "flow_type", "l7_type"};
	const size_t n = sizeof(f_hubble) / sizeof(f_hubble[0]);

	if (f < f_hubble || f >= f_hubble + n)
		return NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(f->name, names[i])) {
			*nullable = i == 3;
			return names[i];
		}
	return NULL;
}

/* The process of a row (proc_attr at its incarnation) and the node. */
static const struct fr_um_field f_proc[] = {
	{"comm", T, "COALESCE(a.comm, '')", "COALESCE(a.comm, '')", NULL, A, "program name", NULL},
	{"pid", I, "a.pid", "a.pid", NULL, A, "process id", NULL},
	{"exe", T, "COALESCE(p.exe, '')", "COALESCE(p.exe, '')", NULL, FR_UM_J_PROC,
	 "executable path", NULL},
	{"cgroup", T, "COALESCE(a.cgroup, '')", "COALESCE(a.cgroup, '')", NULL, A, "cgroup path",
	 NULL},
	{"container", T, "COALESCE(a.container, '')", "COALESCE(a.container, '')", NULL, A,
	 "container name", NULL},
	{"pod", T, "COALESCE(a.pod, '')", "COALESCE(a.pod, '')", NULL, A, "pod name", NULL},
	{"namespace", T, "COALESCE(a.namespace, '')", "COALESCE(a.namespace, '')", NULL, A,
	 "pod namespace", NULL},
	{"workload", T, "COALESCE(a.workload, '')", "COALESCE(a.workload, '')", NULL, A,
	 "pod workload", NULL},
	{"workload_kind", T, "COALESCE(a.workload_kind, '')", "COALESCE(a.workload_kind, '')", NULL,
	 A, "Deployment, StatefulSet, ...", NULL},
	{"node", T, "COALESCE(nd.name, '')", "COALESCE(nd.name, '')", NULL, FR_UM_J_NODE,
	 "node name", NULL},
	END};

/* Socket messages with their ends: TCP ones (sock_msg) as the TCP events
 * read theirs (TUP), and UDP datagrams (ev_udp_msg). */
#define SOCK_MSG_ROWS                                                                              \
	"(SELECT s.ts, s.node, s.pk, s.protocol, s.received, s.bytes, CASE WHEN t.id IS NULL "     \
	"THEN c.saddr ELSE t.saddr END AS saddr, CASE WHEN t.id IS NULL THEN c.sport ELSE "        \
	"t.sport END "                                                                             \
	"AS sport, CASE WHEN t.id IS NULL THEN c.daddr ELSE t.daddr END AS daddr, CASE WHEN t.id " \
	"IS NULL THEN c.dport ELSE t.dport END AS dport FROM sock_msg s LEFT JOIN conn c ON "      \
	"c.cid = s.cid LEFT JOIN sock_tuple t ON t.kind = 'sock_msg' AND t.id = s.id UNION ALL "   \
	"SELECT ts, node, pk, 17, received, bytes, saddr, sport, daddr, dport FROM ev_udp_msg) e"

static const struct fr_um_source sources[] = {
	{"syscall", "ev_syscall e", "e.pk", "1", "win_syscall e", "e.calls", NULL, "ev_syscall_agg",
	 f_syscall, "system calls (raw_syscalls)", NULL},
	{"sock_msg", SOCK_MSG_ROWS, "e.pk", "1", "win_net e", "e.msgs", "e.msgs <> 0",
	 "ev_sock_msg_agg", f_sock, "socket messages (sendmsg/recvmsg)", NULL},
	{"tcp_connect", "tcp_connect e", "e.pk", "1", NULL, NULL, NULL, NULL, f_connect,
	 "TCP connects (with latency)", NULL},
	{"tcp_retransmit", "tcp_retransmit e", "e.pk", "max(e.segs, 1)", NULL, NULL, NULL, NULL,
	 f_retrans, "TCP retransmits; count: segments retransmitted", NULL},
	{"tcp_close", "tcp_close e", "e.pk", "1", NULL, NULL, NULL, NULL, f_close,
	 "TCP connections closed", NULL},
	{"tcp_rtt", "tcp_rtt e", "e.pk", "1", NULL, NULL, NULL, NULL, f_rtt, "TCP RTT samples",
	 NULL},
	{"tcp_reset", "tcp_reset e", "e.pk", "1", NULL, NULL, NULL, NULL, f_reset, "TCP resets",
	 NULL},
	{"drop", "ev_skb_drop e", "e.pk", "1", NULL, NULL, NULL, NULL, f_drop,
	 "packets dropped by the kernel (skb:kfree_skb)", NULL},
	{"file_io", "ev_file_io e", "e.pk", "1", "win_file_io e", NULL, NULL, "ev_file_io_agg",
	 f_file_io, "read/write calls on any descriptor", NULL},
	{"file_open", "ev_file_open e", "e.pk", "1", NULL, NULL, NULL, NULL, f_open, "file opens",
	 NULL},
	{"sched", "(SELECT * FROM ev_sched_switch WHERE prev_pk IS NOT NULL) e", "e.prev_pk", "1",
	 "win_sched_out e", "e.switches", NULL, "ev_sched_agg", f_sched,
	 "context switches, of the task switched out", NULL},
	{"page_fault", "ev_page_fault e", "e.pk", "1", "win_page_fault e", "e.faults", NULL,
	 "ev_mem_agg", f_fault, "page faults", NULL},
	{"mem_alloc", "ev_mem_alloc e", "e.pk", "e.count", "win_mem_alloc e", "e.allocs", NULL,
	 "ev_mem_agg", f_alloc, "memory allocations; count: allocations", NULL},
	{"oom_kill", "ev_oom_kill e", "e.pk", "1", NULL, NULL, NULL, NULL, f_oom,
	 "OOM kills (the process is the victim)", NULL},
	{"proc_exec", "ev_proc_exec e", "e.pk", "1", NULL, NULL, NULL, NULL, f_exec,
	 "programs executed", NULL},
	{"proc_exit", "ev_proc_exit e", "e.pk", "1", NULL, NULL, NULL, NULL, f_exit,
	 "processes exited", NULL},
	{"hubble_flow", "hubble_flow e", NULL, "1", NULL, NULL, NULL, NULL, f_hubble,
	 "Cilium Hubble flows", "e.id"},
};
#define NSOURCES (sizeof(sources) / sizeof(sources[0]))

/* Other names of sources: plurals, Inspektor Gadget's category/gadget. */
static const struct {
	const char *alias, *name;
} source_alias[] = {
	{"syscalls", "syscall"},
	{"socket", "sock_msg"},
	{"net", "sock_msg"},
	{"trace/network", "sock_msg"},
	{"top/tcp", "sock_msg"},
	{"tcp", "tcp_connect"},
	{"trace/tcp", "tcp_connect"},
	{"trace/tcpconnect", "tcp_connect"},
	{"connections", "tcp_close"},
	{"retransmits", "tcp_retransmit"},
	{"trace/tcpretrans", "tcp_retransmit"},
	{"drops", "drop"},
	{"trace/tcpdrop", "drop"},
	{"top/file", "file_io"},
	{"trace/fsslower", "file_io"},
	{"trace/open", "file_open"},
	{"trace/oomkill", "oom_kill"},
	{"trace/exec", "proc_exec"},
	{"exec", "proc_exec"},
	{"exit", "proc_exit"},
	{"hubble", "hubble_flow"},
	{"flows", "hubble_flow"},
	{"hubble/flows", "hubble_flow"},
	{"top/syscall", "syscall"},
	{"trace/syscall", "syscall"},
};

/* Other names of fields: Inspektor Gadget's k8s.* and proc.*. */
static const struct {
	const char *alias, *name;
} field_alias[] = {
	{"k8s.namespace", "namespace"},
	{"k8s.pod", "pod"},
	{"k8s.podName", "pod"},
	{"k8s.container", "container"},
	{"k8s.containerName", "container"},
	{"k8s.node", "node"},
	{"k8s.workload", "workload"},
	{"proc.comm", "comm"},
	{"proc.pid", "pid"},
	{"mntns", "cgroup"},
};

#define POD_LABEL  "pod_label."
#define K8S_LABELS "k8s.labels."

static int in_list(const char *s, const char *const *l)
{
	for (; *l; l++)
		if (!strcmp(s, *l))
			return 1;
	return 0;
}

static int op_known(sqlite3 *db, const char *s)
{
	static const char *const l[] = {
		"read",	   "write",   "pread64",  "pwrite64",	     "readv",	 "writev", "preadv",
		"pwritev", "preadv2", "pwritev2", "copy_file_range", "sendfile", "splice", NULL};

	(void)db;
	return in_list(s, l);
}

static int fd_kind_known(sqlite3 *db, const char *s)
{
	static const char *const l[] = {"regular", "block", "char",  "fifo",	"socket",
					"dir",	   "anon",  "other", "unknown", NULL};

	(void)db;
	return in_list(s, l);
}

static int mode_known(sqlite3 *db, const char *s)
{
	(void)db;
	return !strcmp(s, "user") || !strcmp(s, "kernel");
}

static int proto_known(sqlite3 *db, const char *s)
{
	(void)db;
	return !strcmp(s, "tcp") || !strcmp(s, "udp") || !strncmp(s, "proto_", 6);
}

static int rxtx_known(sqlite3 *db, const char *s)
{
	(void)db;
	return !strcmp(s, "rx") || !strcmp(s, "tx");
}

static int rw_known(sqlite3 *db, const char *s)
{
	(void)db;
	return !strcmp(s, "read") || !strcmp(s, "write") || !strcmp(s, "other");
}

static int l7_type_known(sqlite3 *db, const char *s)
{
	static const char *const l[] = {"UNKNOWN_L7_TYPE", "REQUEST", "RESPONSE",
					"SAMPLE",	   "",	      NULL};

	(void)db;
	return in_list(s, l);
}

/* sys_N: what syscall_name() gives a number without a name. */
static int sys_number(const char *s)
{
	return !strncmp(s, "sys_", 4) && s[4] && strspn(s + 4, "0123456789") == strlen(s + 4);
}

/* A name of the recording's syscall table (a recorder writes its whole
 * table) or of this build's: else a typo, that no recording can match. */
static int syscall_known(sqlite3 *db, const char *s)
{
	sqlite3_stmt *st;
	int hit = 0;

	if (sys_number(s))
		return 1;
	for (size_t i = 0; i < fr_um_syscall_names_len; i++)
		if (!strcmp(fr_um_syscall_names[i].name, s))
			return 1;
	if (db && !sqlite3_prepare_v2(db, "SELECT 1 FROM ev_syscall_name WHERE name = ?1 LIMIT 1",
				      -1, &st, NULL)) {
		sqlite3_bind_text(st, 1, s, -1, SQLITE_STATIC);
		hit = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return hit;
}

size_t fr_um__nsources(void)
{
	return NSOURCES;
}

const struct fr_um_source *fr_um__source_at(size_t i)
{
	return i < NSOURCES ? &sources[i] : NULL;
}

const struct fr_um_source *fr_um__source(const char *name)
{
	for (size_t i = 0; i < sizeof(source_alias) / sizeof(source_alias[0]); i++)
		if (!strcmp(name, source_alias[i].alias))
			name = source_alias[i].name;
	for (size_t i = 0; i < NSOURCES; i++)
		if (!strcmp(name, sources[i].name))
			return &sources[i];
	return NULL;
}

/* A Kubernetes label key ([prefix/]name of [A-Za-z0-9._-]): safe to quote. */
static int label_key_ok(const char *k)
{
	size_t n = strlen(k);

	if (!n || n > 317 || !isalnum((unsigned char)k[0]) || !isalnum((unsigned char)k[n - 1]))
		return 0;
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && !strchr("-_./", *k))
			return 0;
	return 1;
}

static const struct fr_um_field *find(const struct fr_um_field *f, const char *name)
{
	for (; f->name; f++)
		if (!strcmp(f->name, name))
			return f;
	return NULL;
}

const struct fr_um_field *fr_um__field(const struct fr_um_source *src, const char *name,
				       struct fr_um_field *tmp, char *expr_buf, size_t cap)
{
	const struct fr_um_field *f;
	const char *key = NULL;

	for (size_t i = 0; i < sizeof(field_alias) / sizeof(field_alias[0]); i++)
		if (!strcmp(name, field_alias[i].alias))
			name = field_alias[i].name;
	if ((f = find(src->fields, name)))
		return f;
	if (!src->pk)
		return NULL;
	if ((f = find(f_proc, name)))
		return f;
	if (!strncmp(name, POD_LABEL, strlen(POD_LABEL)))
		key = name + strlen(POD_LABEL);
	else if (!strncmp(name, K8S_LABELS, strlen(K8S_LABELS)))
		key = name + strlen(K8S_LABELS);
	if (!key || !label_key_ok(key))
		return NULL;
	/* the key is checked above: letters, digits and -_./ only */
	if (snprintf(expr_buf, cap, "COALESCE(json_extract(pl.labels, '$.\"%s\"'), '')", key) >=
	    (int)cap)
		return NULL;
	*tmp = (struct fr_um_field){
		name, T, expr_buf, expr_buf, NULL, FR_UM_J_ATTR | FR_UM_J_POD, "pod label", NULL};
	return tmp;
}

void fr_um__field_list(const struct fr_um_source *src, char *buf, size_t cap)
{
	size_t off = 0;

	buf[0] = 0;
	for (int pass = 0; pass < 2; pass++) {
		const struct fr_um_field *f = pass ? f_proc : src->fields;

		if (pass && !src->pk)
			break;
		for (; f->name && off < cap; f++)
			off += (size_t)snprintf(buf + off, cap - off, "%s%s", off ? ", " : "",
						f->name);
	}
	if (src->pk && off < cap)
		snprintf(buf + off, cap - off, ", pod_label.KEY");
}

int fr_um__errno_known(sqlite3 *db, const char *s)
{
	(void)db;
	for (int e = 1; e < 4096; e++) {
		const char *n = strerrorname_np(e);

		if (n && !strcmp(n, s))
			return 1;
	}
	return !*s; /* '': no error */
}
