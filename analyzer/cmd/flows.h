/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `flightrec flows DB [filters] [-o table|jsonpb]`: the recorded Hubble
 * flows back out, in stream order. jsonpb prints each flow's
 * GetFlowsResponse as `hubble observe -o jsonpb` does (one JSON object a
 * line, from the payload as received); table a readable summary. Filters
 * (AND'ed): --namespace NS (either side), --pod [NS/]POD (a pod name
 * prefix, either side), --verdict V, --protocol P (tcp, udp, icmp,
 * icmpv4, icmpv6, sctp, http, dns, kafka), --http-status CODE|4+|5+,
 * --type l34|l7|drop|policy, --node NAME, --from T, --to T, --limit N.
 */
#ifndef FR_ANALYZER_CMD_FLOWS_H
#define FR_ANALYZER_CMD_FLOWS_H

/* Return: process exit code (2: usage, missing database). */
int fr_cmd_flows(int argc, char **argv);

#endif /* FR_ANALYZER_CMD_FLOWS_H */
