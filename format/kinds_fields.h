/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Fields of every schema kind, in encoding order: the one list that both the
 * codec's table (kinds.c) and the field indices FR_F_<KIND>_<FIELD> (with
 * FR_F_<KIND>__COUNT) are made from, so an index and the name and type it
 * stands for come from one line.
 *
 * FR_FIELDS_<KIND>(F, K) lists the fields of FR_KIND_<KIND> as
 * F(K, NAME, name, TYPE): the index's suffix (the name in capitals:
 * tests/unit/test_kinds.c looks each index up by it), the stable field name
 * (SQL column) and the type, FR_FIELD_<TYPE> of kinds.h. FR_SCHEMA_KINDS(X) lists
 * the schema kinds as X(KIND, kind_name).
 *
 * This is the on-disk format: add fields at the end of a kind, never
 * reorder, rename or retype one (docs/FORMAT.md).
 */
#ifndef FR_FORMAT_KINDS_FIELDS_H
#define FR_FORMAT_KINDS_FIELDS_H

/* A 5-tuple appears in many network kinds; addresses are 4 or 16 bytes. */
#define FR_FIELDS_TUPLE(F, K)                                                                      \
	F(K, FAMILY, family, U64)                                                                  \
	F(K, SADDR, saddr, BYTES)                                                                  \
	F(K, DADDR, daddr, BYTES)                                                                  \
	F(K, SPORT, sport, U64)                                                                    \
	F(K, DPORT, dport, U64)

/* The first fields of every kind about one socket: the process, the
 * socket's tuple (local end first) and its id. */
#define FR_FIELDS_SOCKET(F, K)                                                                     \
	F(K, PID, pid, U64)                                                                        \
	FR_FIELDS_TUPLE(F, K)                                                                      \
	F(K, SOCK_ID, sock_id, U64)

/* --- segment bookkeeping --- */
#define FR_FIELDS_CLOCK_SYNC(F, K)                                                                 \
	F(K, BOOT_NS, boot_ns, U64)                                                                \
	F(K, WALL_NS, wall_ns, U64)

#define FR_FIELDS_RECORDER_STATS(F, K)                                                             \
	F(K, SOURCE, source, BYTES)                                                                \
	F(K, REASON, reason, BYTES)                                                                \
	F(K, SEEN, seen, U64)                                                                      \
	F(K, LOST, lost, U64)                                                                      \
	F(K, FIRST_NS, first_ns, U64)                                                              \
	F(K, LAST_NS, last_ns, U64)

#define FR_FIELDS_FAMILY_STATUS(F, K)                                                              \
	F(K, FAMILY, family, BYTES)                                                                \
	F(K, ENABLED, enabled, U64)                                                                \
	F(K, ERR, err, S64)                                                                        \
	F(K, MODE, mode, BYTES)                                                                    \
	F(K, DETAIL, detail, BYTES)

#define FR_FIELDS_DROP_REASON_NAME(F, K)                                                           \
	F(K, REASON, reason, U64)                                                                  \
	F(K, NAME, name, BYTES)

#define FR_FIELDS_SYSCALL_NAME(F, K)                                                               \
	F(K, NR, nr, U64)                                                                          \
	F(K, NAME, name, BYTES)

/* --- processes --- */
#define FR_FIELDS_PROC_EXEC(F, K)                                                                  \
	F(K, PID, pid, U64)                                                                        \
	F(K, TID, tid, U64)                                                                        \
	F(K, PPID, ppid, U64)                                                                      \
	F(K, UID, uid, U64)                                                                        \
	F(K, CGROUP_ID, cgroup_id, U64)                                                            \
	F(K, COMM, comm, BYTES)                                                                    \
	F(K, FILENAME, filename, BYTES)

#define FR_FIELDS_PROC_EXIT(F, K)                                                                  \
	F(K, PID, pid, U64)                                                                        \
	F(K, TID, tid, U64)                                                                        \
	F(K, PPID, ppid, U64)                                                                      \
	F(K, CGROUP_ID, cgroup_id, U64)                                                            \
	F(K, EXIT_CODE, exit_code, S64)                                                            \
	F(K, RUNTIME_NS, runtime_ns, U64)                                                          \
	F(K, COMM, comm, BYTES)

#define FR_FIELDS_PROC_FORK(F, K)                                                                  \
	F(K, PARENT_PID, parent_pid, U64)                                                          \
	F(K, CHILD_PID, child_pid, U64)                                                            \
	F(K, CHILD_TID, child_tid, U64)                                                            \
	F(K, CGROUP_ID, cgroup_id, U64)                                                            \
	F(K, COMM, comm, BYTES)

/* --- syscalls --- */
#define FR_FIELDS_SYSCALL(F, K)                                                                    \
	F(K, PID, pid, U64)                                                                        \
	F(K, TID, tid, U64)                                                                        \
	F(K, NR, nr, U64)                                                                          \
	F(K, LATENCY_NS, latency_ns, U64)                                                          \
	F(K, RET, ret, S64)                                                                        \
	F(K, FLAGS, flags, U64)

#define FR_FIELDS_SYSCALL_AGG(F, K)                                                                \
	F(K, PID, pid, U64)                                                                        \
	F(K, NR, nr, U64)                                                                          \
	F(K, COUNT, count, U64)                                                                    \
	F(K, ERRORS, errors, U64)                                                                  \
	F(K, TOTAL_NS, total_ns, U64)                                                              \
	F(K, INTERVAL_NS, interval_ns, U64)                                                        \
	F(K, LATENCY_HIST, latency_hist, HIST)

/* --- network --- */
#define FR_FIELDS_TCP_CONNECT(F, K)                                                                \
	FR_FIELDS_SOCKET(F, K)                                                                     \
	F(K, LATENCY_NS, latency_ns, U64)                                                          \
	F(K, ERR, err, S64)

#define FR_FIELDS_TCP_ACCEPT(F, K) FR_FIELDS_SOCKET(F, K)

/* pkts_out/pkts_in: segments no sock_msg of the socket booked (0 for a
 * socket never seen before its close) */
#define FR_FIELDS_TCP_CLOSE(F, K)                                                                  \
	FR_FIELDS_SOCKET(F, K)                                                                     \
	F(K, DURATION_NS, duration_ns, U64)                                                        \
	F(K, BYTES_ACKED, bytes_acked, U64)                                                        \
	F(K, BYTES_RECEIVED, bytes_received, U64)                                                  \
	F(K, SEGS_OUT, segs_out, U64)                                                              \
	F(K, SEGS_IN, segs_in, U64)                                                                \
	F(K, SRTT_US, srtt_us, U64)                                                                \
	F(K, TOTAL_RETRANS, total_retrans, U64)                                                    \
	F(K, ACTIVE, active, U64)                                                                  \
	F(K, PKTS_OUT, pkts_out, S64)                                                              \
	F(K, PKTS_IN, pkts_in, S64)                                                                \
	F(K, FIN_ACKED, fin_acked, U64)

/* segs: segments retransmitted (0: a recorder before segs, one buffer) */
#define FR_FIELDS_TCP_RETRANSMIT(F, K)                                                             \
	FR_FIELDS_SOCKET(F, K)                                                                     \
	F(K, STATE, state, U64)                                                                    \
	F(K, SEGS, segs, U64)

#define FR_FIELDS_TCP_RESET(F, K)                                                                  \
	FR_FIELDS_SOCKET(F, K)                                                                     \
	F(K, RECEIVED, received, U64)

#define FR_FIELDS_TCP_RTT(F, K)                                                                    \
	FR_FIELDS_SOCKET(F, K)                                                                     \
	F(K, SRTT_US, srtt_us, U64)                                                                \
	F(K, RTTVAR_US, rttvar_us, U64)

/* pkts_out/pkts_in: packets booked (bpf/include/fr_abi.h, struct fr_sock_msg) */
#define FR_FIELDS_SOCK_MSG(F, K)                                                                   \
	FR_FIELDS_SOCKET(F, K)                                                                     \
	F(K, PROTOCOL, protocol, U64)                                                              \
	F(K, RECEIVED, received, U64)                                                              \
	F(K, BYTES, bytes, S64)                                                                    \
	F(K, PKTS_OUT, pkts_out, S64)                                                              \
	F(K, PKTS_IN, pkts_in, S64)

#define FR_FIELDS_UDP_MSG(F, K)                                                                    \
	F(K, PID, pid, U64)                                                                        \
	FR_FIELDS_TUPLE(F, K)                                                                      \
	F(K, RECEIVED, received, U64)                                                              \
	F(K, BYTES, bytes, S64)

#define FR_FIELDS_SKB_DROP(F, K)                                                                   \
	F(K, REASON, reason, U64)                                                                  \
	F(K, PROTOCOL, protocol, U64)                                                              \
	FR_FIELDS_TUPLE(F, K)                                                                      \
	F(K, IFINDEX, ifindex, U64)                                                                \
	F(K, PID, pid, U64)                                                                        \
	F(K, LOCATION, location, U64)

/* --- files --- */
#define FR_FIELDS_FILE_IO(F, K)                                                                    \
	F(K, PID, pid, U64)                                                                        \
	F(K, TID, tid, U64)                                                                        \
	F(K, OP, op, U64)                                                                          \
	F(K, FD, fd, U64)                                                                          \
	F(K, RET, ret, S64)                                                                        \
	F(K, LATENCY_NS, latency_ns, U64)                                                          \
	F(K, FD_KIND, fd_kind, U64)

#define FR_FIELDS_FILE_OPEN(F, K)                                                                  \
	F(K, PID, pid, U64)                                                                        \
	F(K, TID, tid, U64)                                                                        \
	F(K, RET, ret, S64)                                                                        \
	F(K, FLAGS, flags, U64)                                                                    \
	F(K, LATENCY_NS, latency_ns, U64)                                                          \
	F(K, FILENAME, filename, BYTES)

#define FR_FIELDS_FILE_IO_AGG(F, K)                                                                \
	F(K, PID, pid, U64)                                                                        \
	F(K, OP, op, U64)                                                                          \
	F(K, COUNT, count, U64)                                                                    \
	F(K, BYTES, bytes, U64)                                                                    \
	F(K, ERRORS, errors, U64)                                                                  \
	F(K, TOTAL_NS, total_ns, U64)                                                              \
	F(K, INTERVAL_NS, interval_ns, U64)                                                        \
	F(K, LATENCY_HIST, latency_hist, HIST)                                                     \
	F(K, FD_KIND, fd_kind, U64)

/* --- scheduler --- */
#define FR_FIELDS_SCHED_SWITCH(F, K)                                                               \
	F(K, CPU, cpu, U64)                                                                        \
	F(K, PREV_PID, prev_pid, U64)                                                              \
	F(K, PREV_STATE, prev_state, U64)                                                          \
	F(K, NEXT_PID, next_pid, U64)                                                              \
	F(K, RUNQ_LATENCY_NS, runq_latency_ns, U64)                                                \
	F(K, PREV_RUNTIME_NS, prev_runtime_ns, U64)

#define FR_FIELDS_SCHED_AGG(F, K)                                                                  \
	F(K, PID, pid, U64)                                                                        \
	F(K, RUNTIME_NS, runtime_ns, U64)                                                          \
	F(K, SWITCHES, switches, U64)                                                              \
	F(K, INVOLUNTARY, involuntary, U64)                                                        \
	F(K, RUNQ_COUNT, runq_count, U64)                                                          \
	F(K, RUNQ_TOTAL_NS, runq_total_ns, U64)                                                    \
	F(K, INTERVAL_NS, interval_ns, U64)                                                        \
	F(K, RUNQ_HIST, runq_hist, HIST)

/* --- memory --- */
#define FR_FIELDS_PAGE_FAULT(F, K)                                                                 \
	F(K, PID, pid, U64)                                                                        \
	F(K, TID, tid, U64)                                                                        \
	F(K, USER, user, U64)                                                                      \
	F(K, ADDRESS, address, U64)                                                                \
	F(K, ERROR_CODE, error_code, U64)

#define FR_FIELDS_MEM_ALLOC(F, K)                                                                  \
	F(K, PID, pid, U64)                                                                        \
	F(K, SOURCE, source, U64)                                                                  \
	F(K, BYTES, bytes, U64)                                                                    \
	F(K, COUNT, count, U64)

#define FR_FIELDS_OOM_KILL(F, K)                                                                   \
	F(K, PID, pid, U64)                                                                        \
	F(K, UID, uid, U64)                                                                        \
	F(K, CGROUP_ID, cgroup_id, U64)                                                            \
	F(K, TOTAL_VM_KB, total_vm_kb, U64)                                                        \
	F(K, ANON_RSS_KB, anon_rss_kb, U64)                                                        \
	F(K, FILE_RSS_KB, file_rss_kb, U64)                                                        \
	F(K, SHMEM_RSS_KB, shmem_rss_kb, U64)                                                      \
	F(K, OOM_SCORE_ADJ, oom_score_adj, S64)                                                    \
	F(K, COMM, comm, BYTES)

#define FR_FIELDS_MEM_AGG(F, K)                                                                    \
	F(K, PID, pid, U64)                                                                        \
	F(K, USER_FAULTS, user_faults, U64)                                                        \
	F(K, KERNEL_FAULTS, kernel_faults, U64)                                                    \
	F(K, ALLOCS, allocs, U64)                                                                  \
	F(K, ALLOC_BYTES, alloc_bytes, U64)                                                        \
	F(K, INTERVAL_NS, interval_ns, U64)

#define FR_FIELDS_SOCK_MSG_AGG(F, K)                                                               \
	F(K, PID, pid, U64)                                                                        \
	FR_FIELDS_TUPLE(F, K)                                                                      \
	F(K, PROTOCOL, protocol, U64)                                                              \
	F(K, RECEIVED, received, U64)                                                              \
	F(K, COUNT, count, U64)                                                                    \
	F(K, BYTES, bytes, U64)                                                                    \
	F(K, INTERVAL_NS, interval_ns, U64)

/* Every schema kind (opaque kinds have no fields: kinds.c lists them). */
#define FR_SCHEMA_KINDS(X)                                                                         \
	X(CLOCK_SYNC, clock_sync)                                                                  \
	X(RECORDER_STATS, recorder_stats)                                                          \
	X(FAMILY_STATUS, family_status)                                                            \
	X(DROP_REASON_NAME, drop_reason_name)                                                      \
	X(SYSCALL_NAME, syscall_name)                                                              \
	X(PROC_EXEC, proc_exec)                                                                    \
	X(PROC_EXIT, proc_exit)                                                                    \
	X(PROC_FORK, proc_fork)                                                                    \
	X(SYSCALL, syscall)                                                                        \
	X(SYSCALL_AGG, syscall_agg)                                                                \
	X(TCP_CONNECT, tcp_connect)                                                                \
	X(TCP_ACCEPT, tcp_accept)                                                                  \
	X(TCP_CLOSE, tcp_close)                                                                    \
	X(TCP_RETRANSMIT, tcp_retransmit)                                                          \
	X(TCP_RESET, tcp_reset)                                                                    \
	X(TCP_RTT, tcp_rtt)                                                                        \
	X(SOCK_MSG, sock_msg)                                                                      \
	X(UDP_MSG, udp_msg)                                                                        \
	X(SKB_DROP, skb_drop)                                                                      \
	X(FILE_IO, file_io)                                                                        \
	X(FILE_OPEN, file_open)                                                                    \
	X(FILE_IO_AGG, file_io_agg)                                                                \
	X(SCHED_SWITCH, sched_switch)                                                              \
	X(SCHED_AGG, sched_agg)                                                                    \
	X(PAGE_FAULT, page_fault)                                                                  \
	X(MEM_ALLOC, mem_alloc)                                                                    \
	X(OOM_KILL, oom_kill)                                                                      \
	X(MEM_AGG, mem_agg)                                                                        \
	X(SOCK_MSG_AGG, sock_msg_agg)

/*
 * The indices: enum { FR_F_SYSCALL_PID, ..., FR_F_SYSCALL_RET,
 * FR_F_SYSCALL__COUNT }, one per kind, and FR_F_TUPLE_* for the offsets
 * inside a 5-tuple (FR_F_<KIND>_FAMILY is where a kind's tuple starts).
 */
#define FR_F_INDEX_(K, NAME, name, TYPE) FR_F_##K##_##NAME,
#define FR_F_KIND_INDICES_(K, kind_name) enum { FR_FIELDS_##K(FR_F_INDEX_, K) FR_F_##K##__COUNT };
FR_SCHEMA_KINDS(FR_F_KIND_INDICES_)
enum { FR_FIELDS_TUPLE(FR_F_INDEX_, TUPLE) FR_F_TUPLE__COUNT };
#undef FR_F_KIND_INDICES_
#undef FR_F_INDEX_

#endif /* FR_FORMAT_KINDS_FIELDS_H */
