/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Recorder configuration: what the command line (or a config file with
 * the same option names) asks for, and the parsers for its values.
 * Parsers return 0 or -EINVAL and never print; main.c reports the error.
 */
#ifndef FR_RECORDER_CONFIG_H
#define FR_RECORDER_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* The smallest --max-size: 4 segments of two 256 KiB blocks. */
#define FR_RING_MIN_SIZE (2u << 20)

enum fr_family_id {
	FR_FAM_PROC = 0,
	FR_FAM_SYSCALLS,
	FR_FAM_NET,
	FR_FAM_DROP,
	FR_FAM_FILE,
	FR_FAM_SCHED,
	FR_FAM_MEM,
	FR_FAM_COUNT,
};

enum fr_mode {
	FR_MODE_AGGREGATE = 0,
	FR_MODE_STREAM = 1,
};

enum fr_attach_pref {
	FR_ATTACH_AUTO = 0,   /* tp_btf when the kernel supports it, else raw_tp */
	FR_ATTACH_RAW_TP = 1, /* force the fallback (testing older-kernel paths) */
};

enum fr_kube_mode {
	FR_KUBE_MODE_AUTO = 0, /* on with --kube-api, --kube-snapshot or in a cluster */
	FR_KUBE_MODE_OFF,
	FR_KUBE_MODE_ON, /* a recorder that cannot reach the API refuses to start */
};

struct fr_config {
	char *dir; /* owned (fr_config__free) */
	bool family_on[FR_FAM_COUNT];
	enum fr_mode mode[FR_FAM_COUNT];
	uint32_t pid;		    /* 0: all processes */
	char *cgroup;		    /* cgroup v2 directory, NULL: all; owned */
	uint64_t duration_ns;	    /* 0: until a signal */
	uint64_t max_segment_bytes; /* rotate past this size */
	uint64_t max_segment_age_ns;
	uint64_t max_size;	 /* whole recording directory; 0: unbounded */
	uint64_t max_age_ns;	 /* delete sealed segments older than this; 0: keep */
	unsigned min_free_pct;	 /* free-space floor of the ring's file system, 1-99 */
	uint64_t min_free_bytes; /* or in bytes; both 0: none */
	uint64_t interval_ns;	 /* aggregate flush and statistics period */
	uint64_t clock_sync_ns;	 /* clock-sync record period */
	uint32_t drain_ms;	 /* ring drain timer */
	uint32_t ring_kib[FR_FAM_COUNT];
	enum fr_attach_pref attach;
	int nice;     /* scheduling priority of the drain loop */
	bool stats;   /* print statistics to stderr at the end */
	bool verbose; /* libbpf debug output */
	bool check;   /* --check-config: print the settings and exit */
	/* the kubernetes source (sources/kube); strings owned */
	enum fr_kube_mode kube;
	char *kube_api, *kube_token_file, *kube_ca, *kube_node;
	char **kube_snapshots; /* --kube-snapshot, repeatable */
	size_t nkube_snapshots;
	/* the Hubble source (sources/hubble); strings owned */
	char *hubble;	       /* gRPC target: "unix:PATH" or "host:port"; NULL: off */
	char *hubble_tls_ca;   /* TLS (host:port only) when any of the four is set */
	char *hubble_tls_cert; /* client certificate (mTLS), with the key */
	char *hubble_tls_key;
	char *hubble_tls_server_name;
	char *hubble_jsonpb;   /* a jsonpb file or "-": instead of gRPC */
	unsigned hubble_kinds; /* FR_HUBBLE_KIND_* bits (hubble_filter.h); 0: all */
	char **hubble_ns;      /* --hubble-namespace, repeatable */
	size_t nhubble_ns;
	char **hubble_exclude_ns; /* --hubble-exclude-namespace, repeatable */
	size_t nhubble_exclude_ns;
	uint32_t hubble_sample;	     /* keep 1 flow in N; 0 or 1: all */
	uint64_t hubble_max_fps;     /* flows per second; 0: no cap */
	uint64_t hubble_queue_bytes; /* thread -> loop queue; 0: default */
};

/* Defaults: every family on, modes as documented in recorder/README.md. */
void fr_config__init(struct fr_config *cfg);

/* Free the strings cfg owns. */
void fr_config__free(struct fr_config *cfg);

/* The effective settings, in config-file syntax (--check-config). */
void fr_config__print(const struct fr_config *cfg, FILE *f);

const char *fr_family__name(enum fr_family_id id);

/* Family id by name ("proc", "syscalls", ...), or -EINVAL. */
int fr_family__from_name(const char *name);

/* "10s", "500ms", "2m", "1h", "1d" or plain seconds. */
int fr_parse_duration(const char *s, uint64_t *ns);

/* "512", "64K", "16M", "2G" (powers of 1024). */
int fr_parse_size(const char *s, uint64_t *bytes);

/* "proc,syscalls,net", "all" or "none" (no kernel family: another
 * source records); sets family_on; a list naming nothing is -EINVAL. */
int fr_config__parse_families(struct fr_config *cfg, const char *list);

/* "syscalls=stream,sched=aggregate". Rejects modes a family lacks; on
 * -EINVAL nothing is changed. */
int fr_config__parse_modes(struct fr_config *cfg, const char *list);

/* Is any kernel family on? */
bool fr_config__any_family(const struct fr_config *cfg);

/* Does the family have an aggregate mode at all? */
bool fr_family__has_aggregate(enum fr_family_id id);

#endif /* FR_RECORDER_CONFIG_H */
