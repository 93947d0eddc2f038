/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * User-defined metrics (docs/METRICS_FILE.md): a YAML file of metrics over
 * any recorded event kind, computed by `flightrec metrics --file` over an
 * old recording exactly as the built-in families are.
 *
 *   parse.c    YAML -> struct fr_um_metric (three shapes: native,
 *              ebpf_exporter-like, Inspektor-Gadget-like), every error as
 *              FILE:LINE:COLUMN: message.
 *   fields.c   the sources (event kinds) and their fields: the only SQL
 *              identifiers a metric may reach (a whitelist).
 *   compile.c  one metric -> one SELECT of the contract of its attribution
 *              (analyzer/db/family.h: none, process or hubble); values
 *              from the file are bound parameters, never SQL text.
 *   builtin.c  the built-in families written as metric files.
 *   sqlfn.c    SQL functions the compiled SELECTs call (regexp, names).
 */
#ifndef FR_ANALYZER_USERMETRIC_USERMETRIC_H
#define FR_ANALYZER_USERMETRIC_USERMETRIC_H

#include <sqlite3.h>
#include <stdint.h>

#include "analyzer/db/family.h"

#define FR_UM_MAX_SEL	  16 /* selector terms of a metric */
#define FR_UM_MAX_LABELS  8
#define FR_UM_MAX_SET	  16 /* values of an in(...) set */
#define FR_UM_MAX_METRICS 64 /* per file */
#define FR_UM_VAL_MAX	  128
#define FR_UM_FIELD_MAX	  96

/* ---- fields.c: sources and fields ---- */

enum fr_um_ftype { FR_UM_INT, FR_UM_TEXT };

/* Joins a field needs, added to the FROM of a compiled SELECT. */
enum {
	FR_UM_J_ATTR = 1u << 0, /* proc_attr a ON a.pk = <pk> */
	FR_UM_J_PROC = 1u << 1, /* proc p ON p.pk = <pk> */
	FR_UM_J_NODE = 1u << 2, /* nodes nd ON nd.node = e.node */
	FR_UM_J_POD = 1u << 3,	/* pod_latest pl ON pl.uid = a.uid (needs ATTR) */
	FR_UM_J_CONN = 1u << 4, /* conn c ON c.cid = e.cid and the row's own tuple
				 * sock_tuple t, if any: a TCP event's ends */
};

struct fr_um_field {
	const char *name;
	enum fr_um_ftype type;
	const char *expr;     /* SQL over the raw row e (and the joins) */
	const char *agg_expr; /* the same over the source's aggregate view; NULL: raw only */
	const char *agg_sum;  /* sum(field) over the aggregate view; NULL: raw only */
	unsigned need;	      /* FR_UM_J_* */
	const char *doc;
	/* whether a selector may compare the field with this name in the
	 * recording `db`; NULL: any */
	int (*known)(sqlite3 *db, const char *name);
};

/* This build's syscall numbers and names (generated from asm/unistd_64.h
 * by recorder/sources/kernel/gen_syscall_names.cmake). */
struct fr_um_name {
	uint32_t value;
	const char *name;
};
extern const struct fr_um_name fr_um_syscall_names[];
extern const size_t fr_um_syscall_names_len;

struct fr_um_source {
	const char *name;
	const char *raw_from; /* FROM text of the raw rows, aliased e */
	const char *pk;	      /* process incarnation of a row; NULL: none */
	const char *count;    /* what `value: count` adds per raw row */
	const char *agg_from; /* aggregate view (rows with t), NULL: none */
	const char *agg_count;
	const char *agg_where; /* rows of the view that count; NULL: all */
	const char *agg_table; /* *_agg table the raw rows miss; NULL: none */
	const struct fr_um_field *fields;
	const char *doc;
	const char *flow; /* Hubble flow id of a raw row (attribution hubble); NULL: none */
};

size_t fr_um__nsources(void);
const struct fr_um_source *fr_um__source_at(size_t i);
/* A source by name or alias (syscall, syscalls, trace/exec...). */
const struct fr_um_source *fr_um__source(const char *name);
/* A field of `src` by name or alias (k8s.namespace, proc.comm, ...),
 * filling `tmp` for the families of fields with a key (pod_label.KEY).
 * NULL: no such field. */
const struct fr_um_field *fr_um__field(const struct fr_um_source *src, const char *name,
				       struct fr_um_field *tmp, char *expr_buf, size_t cap);
/* The hubble_enum of field `f` when its text is that enum's name of the
 * column of the same name (verdict, drop_reason, flow_type, l7_type),
 * else NULL; *nullable: the column may be NULL, whose text is ''. */
const char *fr_um__hubble_enum(const struct fr_um_field *f, int *nullable);
/* Whether `s` names an errno (EAGAIN); `db` is not read. */
int fr_um__errno_known(sqlite3 *db, const char *s);
/* "a, b, c": the fields of `src`, for an error message. */
void fr_um__field_list(const struct fr_um_source *src, char *buf, size_t cap);

/* ---- parse.c: the file ---- */

struct fr_um_mark {
	const char *file;
	int line, col; /* 1-based */
};

enum fr_um_op {
	FR_UM_EQ,
	FR_UM_NE,
	FR_UM_LT,
	FR_UM_LE,
	FR_UM_GT,
	FR_UM_GE,
	FR_UM_RE,
	FR_UM_NRE,
	FR_UM_IN,
	FR_UM_NIN
};

struct fr_um_sel {
	char field[FR_UM_FIELD_MAX];
	enum fr_um_op op;
	int nval; /* 1 but for in(...) */
	char val[FR_UM_MAX_SET][FR_UM_VAL_MAX];
	struct fr_um_mark at;
};

struct fr_um_label {
	char name[64], field[FR_UM_FIELD_MAX];
	struct fr_um_mark at;
};

enum fr_um_bkind { FR_UM_B_NONE, FR_UM_B_EXP2, FR_UM_B_LINEAR, FR_UM_B_EXPLICIT, FR_UM_B_LOG2 };

/* Which labels a metric gets past its own (analyzer/db/family.h):
 * none: only the file's; process: the --by dimensions of the event's
 * process, as the ebpf_* families; hubble: Hubble's context labels of the
 * flow, as the hubble_* families. */
enum fr_um_attr { FR_UM_A_NONE, FR_UM_A_PROCESS, FR_UM_A_HUBBLE };

/* A value of the file bound to parameter :uN of the compiled SELECT. */
struct fr_um_param {
	int is_int;
	int64_t i;
	const char *s; /* borrowed from the metric */
};

struct fr_um_metric {
	struct fr_family fam; /* name, help, type, scale, bounds; sql set by compile */
	char source[64];
	int nsel, nlabels;
	struct fr_um_sel sel[FR_UM_MAX_SEL];
	struct fr_um_label labels[FR_UM_MAX_LABELS];
	char sum_field[FR_UM_FIELD_MAX]; /* "": value is count */
	enum fr_um_bkind bkind;
	enum fr_um_attr attr;
	long max_label_sets; /* 0: no limit */
	struct fr_um_mark at, source_at, value_at, buckets_at, attr_at;
	int nparam; /* set by compile */
	struct fr_um_param *param;
};

struct fr_um_file {
	char path[512];
	int n, cap;
	struct fr_um_metric *m; /* n of them, room for cap */
};

/* Read metric file `path` into `f` (free with fr_um__free_file, after an
 * error too). Every
 * error is printed as PATH:LINE:COL: message. Return: 0, -EINVAL (a bad
 * file) or -errno. */
int fr_um__parse_file(const char *path, struct fr_um_file *f);
/* The same from a buffer (tests, fuzzing); `path` names it in messages. */
int fr_um__parse_buf(const char *path, const char *buf, size_t len, struct fr_um_file *f);
void fr_um__free_file(struct fr_um_file *f);
/* Room for one more metric in `f` (at most FR_UM_MAX_METRICS): the next,
 * zeroed, not counted in f->n yet; NULL when there is none (-ENOMEM or
 * full: f->n == FR_UM_MAX_METRICS). */
struct fr_um_metric *fr_um__file_room(struct fr_um_file *f);

/* ---- builtin.c ---- */

/* The built-in families written as metric files (queries/metrics/NAME.yaml,
 * embedded), one metric each, in name order, into `f` (free with
 * fr_um__free_file). Return: 0, -EINVAL (printed) or -ENOMEM. */
int fr_um__builtins(struct fr_um_file *f);

/* ---- compile.c ---- */

/*
 * Check metric `m` against the fields of its source (errors printed with
 * the file's marks) and build its SELECT for window [from, to) of `db`:
 * *sql (malloc'd, caller frees) binds :from, :to and parameters
 * :u1, :u2 ... (the file's values, bound by fr_um__bind). Warns on stderr when the
 * metric reads raw rows of a source whose window also has aggregate rows.
 * Return: 0, -EINVAL (printed) or -ENOMEM.
 */
int fr_um__compile(sqlite3 *db, struct fr_um_metric *m, int64_t from, int64_t to, char **sql);
/* Bind the file's values of `m` to `st` (a statement made of compile's SQL,
 * wrapped or not). */
void fr_um__bind(const struct fr_um_metric *m, sqlite3_stmt *st);

/* ---- sqlfn.c ---- */

/* Register on `db`: regexp(re, text) (POSIX extended, compiled once per
 * statement), errno_name(ret), syscall_name(node, nr),
 * drop_reason_name(node, reason), um_fold(rank, max) (1 past max, and
 * counts it). Return: 0 or -EIO. */
int fr_um__register(sqlite3 *db);
/* Label sets folded into __overflow__ since the last call (and reset). */
long fr_um__folded(void);

#endif /* FR_ANALYZER_USERMETRIC_USERMETRIC_H */
