/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Compares analyzer output with the ground truth written by fr-gen-fixture
 * (which knows what it generated without asking the analyzer).
 *
 *   check_truth metrics TRUTH.json METRICS.json   (metrics --format json
 *                                                   --by namespace,workload,pod,node,container)
 *   check_truth deps TRUTH.json DEPS.json LEVEL     (deps --format json --level pod|workload)
 *   check_truth drops TRUTH.json DROPS.json BY      (drops --format json --by reason|workload|node)
 *   check_truth ipreuse TRUTH.json ROWS.json        (query --name connections_by_ip
 *                                                   --format json: reused IPs split by pod)
 *   check_truth metrics_by TRUTH.json METRICS.json LABEL HOST  (metrics --format json
 *        --by DIM, whose LABEL is the workload's name for a pod's process and one of
 *        the comma-separated HOST values for a host process: comm, label_app)
 *
 * Missing series count as zero on both sides. Exit 0 when equal, 1 with
 * every difference printed.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

static void fail(const char *fmt, const char *a, const char *b, double x, double y)
{
	if (failures++ < 40)
		fprintf(stderr, fmt, a, b, x, y);
}

static json_t *load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	if (!j) {
		fprintf(stderr, "check_truth: %s: %s (line %d)\n", path, e.text, e.line);
		exit(2);
	}
	return j;
}

static char *key_of(json_t *labels)
{
	return json_dumps(labels, JSON_SORT_KEYS | JSON_COMPACT);
}

static double num(json_t *v)
{
	return v ? json_number_value(v) : 0;
}

/* Compare two histogram bucket arrays, ignoring trailing zeros. */
static int same_buckets(json_t *a, json_t *b)
{
	const size_t n =
		json_array_size(a) > json_array_size(b) ? json_array_size(a) : json_array_size(b);

	for (size_t i = 0; i < n; i++)
		if (num(json_array_get(a, i)) != num(json_array_get(b, i)))
			return 0;
	return 1;
}

static void compare_series(const char *fam, const char *key, json_t *t, json_t *a, int hist,
			   double scale)
{
	static json_t *const none = NULL;

	if (!hist) {
		const double tv = num(t ? json_object_get(t, "value") : none);
		const double av = num(a ? json_object_get(a, "value") : none);

		if (tv != av)
			fail("%s %s: truth %.0f, analyzer %.0f\n", fam, key, tv, av);
		return;
	}
	const double tc = num(t ? json_object_get(t, "count") : none);
	const double ac = num(a ? json_object_get(a, "count") : none);
	const double ts = num(t ? json_object_get(t, "sum") : none) * scale;
	const double as = num(a ? json_object_get(a, "sum") : none);

	if (tc != ac)
		fail("%s %s: count truth %.0f, analyzer %.0f\n", fam, key, tc, ac);
	if (fabs(ts - as) > 1e-6 * fabs(ts) + 1e-9)
		fail("%s %s: sum truth %g, analyzer %g\n", fam, key, ts, as);
	if (!same_buckets(t ? json_object_get(t, "buckets") : none,
			  a ? json_object_get(a, "buckets") : none))
		fail("%s %s: buckets differ%s%.0f%.0f\n", fam, key, 0, 0);
}

static int check_metrics(json_t *truth, json_t *out)
{
	json_t *tf = json_object_get(truth, "families"), *fam, *s;
	const char *name, *k;
	size_t i;

	json_object_foreach(tf, name, fam)
	{
		json_t *afam = NULL, *amap = json_object(), *f;
		const int hist =
			!strcmp(json_string_value(json_object_get(fam, "type")), "histogram");
		const double scale = strstr(name, "_seconds") ? 1e-9 : 1;

		json_array_foreach(json_object_get(out, "families"), i,
				   f) if (!strcmp(json_string_value(json_object_get(f, "name")),
						  name)) afam = f;
		if (!afam) {
			fail("%s%s: family missing from the analyzer output\n", name, "", 0, 0);
			json_decref(amap);
			continue;
		}
		json_array_foreach(json_object_get(afam, "series"), i, s)
		{
			char *key = key_of(json_object_get(s, "labels"));

			json_object_set(amap, key, s);
			free(key);
		}
		json_object_foreach(json_object_get(fam, "series"), k, s)
			compare_series(name, k, s, json_object_get(amap, k), hist, scale);
		json_object_foreach(amap, k,
				    s) if (!json_object_get(json_object_get(fam, "series"), k))
			compare_series(name, k, NULL, s, hist, scale);
		json_decref(amap);
	}
	return 0;
}

static const char *const pod_labels[] = {"namespace", "workload", "pod", "node", "container"};

/* Key of a series: `group` | the labels but those of `drop` (n of them). */
static char *group_key(const char *group, json_t *labels, const char *const *drop, size_t n)
{
	json_t *l = json_copy(labels);
	char *rest, *key;
	size_t len;

	for (size_t i = 0; i < n; i++)
		json_object_del(l, drop[i]);
	rest = key_of(l);
	len = strlen(group) + strlen(rest) + 2;
	key = malloc(len);
	snprintf(key, len, "%s|%s", group, rest);
	free(rest);
	json_decref(l);
	return key;
}

static void add_to(json_t *map, const char *key, json_t *s)
{
	json_t *v = json_object_get(s, "value") ? json_object_get(s, "value")
						: json_object_get(s, "count");

	json_object_set_new(map, key, json_real(num(json_object_get(map, key)) + num(v)));
}

/* Series of every family summed by workload (truth) and by `label` (the
 * output, host values read as ''): the same sums when the label names the
 * workload's program or pod label. */
static int check_metrics_by(json_t *truth, json_t *out, const char *label, const char *host)
{
	json_t *tmap = json_object(), *amap = json_object(), *fam, *s, *v;
	const char *name, *k;
	char key[2048];
	size_t i, j;

	json_object_foreach(json_object_get(truth, "families"), name, fam)
	{
		/* process dimensions do not apply to the connection and Hubble
		 * families (checked by check_hubble.py) */
		if (!strncmp(name, "kube_ebpf_", 10) || !strncmp(name, "hubble_", 7))
			continue;
		json_object_foreach(json_object_get(fam, "series"), k, s)
		{
			json_t *l = json_loads(k, 0, NULL);
			const char *w = json_string_value(json_object_get(l, "workload"));
			char *g = group_key(w ? w : "", l, pod_labels, 5);

			snprintf(key, sizeof(key), "%s %s", name, g);
			add_to(tmap, key, s);
			free(g);
			json_decref(l);
		}
	}
	json_array_foreach(json_object_get(out, "families"), i, fam)
	{
		const char *fname = json_string_value(json_object_get(fam, "name"));

		if (!strncmp(fname, "kube_ebpf_", 10) || !strncmp(fname, "hubble_", 7))
			continue;
		json_array_foreach(json_object_get(fam, "series"), j, s)
		{
			json_t *l = json_object_get(s, "labels");
			const char *val = json_string_value(json_object_get(l, label));
			char hosts[256], *save = NULL, *g;

			snprintf(hosts, sizeof(hosts), "%s", host);
			for (char *h = strtok_r(hosts, ",", &save); val && h;
			     h = strtok_r(NULL, ",", &save))
				if (!strcmp(h, val))
					val = "";
			g = group_key(val ? val : "", l, &label, 1);
			snprintf(key, sizeof(key), "%s %s",
				 json_string_value(json_object_get(fam, "name")), g);
			add_to(amap, key, s);
			free(g);
		}
	}
	json_object_foreach(tmap, k, v) if (num(v) != num(json_object_get(amap, k))) fail(
		"%s%s: truth %.0f, analyzer %.0f\n", k, "", num(v), num(json_object_get(amap, k)));
	json_object_foreach(amap, k, v) if (num(v) && !json_object_get(tmap, k))
		fail("%s%s: truth %.0f, analyzer %.0f\n", k, "", 0, num(v));
	json_decref(tmap);
	json_decref(amap);
	return 0;
}

static const char *const edge_fields[] = {"connections", "bytes_sent",	"bytes_received",
					  "resets",	 "retransmits", "drops"};

static int check_deps(json_t *truth, json_t *out, const char *level)
{
	json_t *te = json_object_get(json_object_get(truth, "edges"), level), *amap = json_object();
	json_t *e;
	const char *k;
	char key[1024];
	size_t i;

	json_array_foreach(json_object_get(out, "edges"), i, e)
	{
		snprintf(key, sizeof(key), "%s|%s|%lld",
			 json_string_value(json_object_get(e, "src")),
			 json_string_value(json_object_get(e, "dst")),
			 (long long)json_integer_value(json_object_get(e, "port")));
		json_object_set(amap, key, e);
	}
	json_object_foreach(te, k, e)
	{
		json_t *a = json_object_get(amap, k);

		if (!a) {
			fail("edge %s%s missing from the analyzer output\n", k, "", 0, 0);
			continue;
		}
		for (size_t f = 0; f < sizeof(edge_fields) / sizeof(edge_fields[0]); f++)
			if (num(json_object_get(e, edge_fields[f])) !=
			    num(json_object_get(a, edge_fields[f])))
				fail("edge %s %s: truth %.0f, analyzer %.0f\n", k, edge_fields[f],
				     num(json_object_get(e, edge_fields[f])),
				     num(json_object_get(a, edge_fields[f])));
	}
	json_object_foreach(amap, k, e) if (!json_object_get(te, k))
		fail("edge %s%s in the analyzer output is not in the truth\n", k, "", 0, 0);
	json_decref(amap);
	return 0;
}

static int check_drops(json_t *truth, json_t *out, const char *by)
{
	char section[64];
	json_t *t, *r;
	const char *k;
	size_t i;
	json_t *amap = json_object();

	snprintf(section, sizeof(section), "by_%s", by);
	t = json_object_get(json_object_get(truth, "drops"), section);
	json_array_foreach(json_object_get(out, "rows"), i, r) json_object_set(
		amap, json_string_value(json_object_get(r, "key")), json_object_get(r, "drops"));
	json_object_foreach(t, k, r) if (num(r) != num(json_object_get(amap, k)))
		fail("drops by %s %s: truth %.0f, analyzer %.0f\n", by, k, num(r),
		     num(json_object_get(amap, k)));
	json_object_foreach(amap, k, r) if (num(r) && !json_object_get(t, k))
		fail("drops by %s %s: not in the truth%.0f%.0f\n", by, k, 0, 0);
	/* retransmits and resets are totals in the truth */
	r = json_object_get(json_object_get(truth, "drops"), "totals");
	if (num(json_object_get(r, "retransmits")) !=
	    num(json_object_get(json_object_get(out, "totals"), "retransmits")))
		fail("drops %s%s: retransmits truth %.0f, analyzer %.0f\n", "", "",
		     num(json_object_get(r, "retransmits")),
		     num(json_object_get(json_object_get(out, "totals"), "retransmits")));
	if (num(json_object_get(r, "resets")) !=
	    num(json_object_get(json_object_get(out, "totals"), "resets")))
		fail("drops %s%s: resets truth %.0f, analyzer %.0f\n", "", "",
		     num(json_object_get(r, "resets")),
		     num(json_object_get(json_object_get(out, "totals"), "resets")));
	json_decref(amap);
	return 0;
}

/* Every reused IP must show, per pod that held it, exactly the pod-level
 * connections the truth counts for that pod and IP. */
static int check_ipreuse(json_t *truth, json_t *out)
{
	json_t *ips = json_object_get(truth, "ip_connections"), *holders, *n, *e;
	const char *ip, *pod;
	int reused = 0;
	size_t i;

	json_object_foreach(ips, ip, holders)
	{
		if (json_object_size(holders) < 2)
			continue;
		reused++;
		json_object_foreach(holders, pod, n)
		{
			double got = 0;

			json_array_foreach(
				out, i,
				e) if (!strcmp(json_string_value(json_object_get(e, "pod")), pod) &&
				       !strcmp(json_string_value(json_object_get(e, "ip")), ip))
				got += num(json_object_get(e, "connections"));
			if (got != num(n))
				fail("ip %s pod %s: truth %.0f connections, analyzer %.0f\n", ip,
				     pod, num(n), got);
		}
	}
	if (!reused)
		fail("no reused IP in the fixture%s%s%.0f%.0f\n", "", "", 0, 0);
	return 0;
}

int main(int argc, char **argv)
{
	json_t *truth, *out;

	if (argc < 4) {
		fprintf(stderr, "usage: check_truth metrics|deps|drops|ipreuse TRUTH OUT [ARG]\n");
		return 2;
	}
	truth = load(argv[2]);
	out = load(argv[3]);
	if (!strcmp(argv[1], "metrics"))
		check_metrics(truth, out);
	else if (!strcmp(argv[1], "deps") && argc == 5)
		check_deps(truth, out, argv[4]);
	else if (!strcmp(argv[1], "drops") && argc == 5)
		check_drops(truth, out, argv[4]);
	else if (!strcmp(argv[1], "ipreuse"))
		check_ipreuse(truth, out);
	else if (!strcmp(argv[1], "metrics_by") && argc == 6)
		check_metrics_by(truth, out, argv[4], argv[5]);
	else {
		fprintf(stderr, "check_truth: unknown check %s\n", argv[1]);
		return 2;
	}
	if (failures)
		fprintf(stderr, "check_truth %s: %d differences\n", argv[1], failures);
	json_decref(truth);
	json_decref(out);
	return failures ? 1 : 0;
}
