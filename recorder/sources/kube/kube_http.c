/* SPDX-License-Identifier: BSD-2-Clause */
#define _GNU_SOURCE /* asprintf */
#include "kube_http.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "format/grow.h"
#include "format/meta/kubeobj.h"

/* A service-account token is about 1 KiB; refuse what cannot be one. */
#define TOKEN_MAX 16384

char *fr_kube_http__url(CURL *h, const struct fr_kube_client_opts *o, int k, bool watch,
			const char *cont, const char *rv)
{
	const struct fr_kube_kind_info *ki = fr_kube__kind_info(k);
	char *sel = NULL, *c = NULL, *r = NULL, *url = NULL;
	const size_t base = strlen(o->url) - (o->url[0] && o->url[strlen(o->url) - 1] == '/');
	int n;

	if (k == FR_KUBE_POD && o->node && *o->node) {
		char *node = curl_easy_escape(h, o->node, 0);

		if (!node || asprintf(&sel, "&fieldSelector=spec.nodeName%%3D%s", node) < 0)
			sel = NULL;
		curl_free(node);
		if (!sel)
			return NULL;
	}
	if (cont && *cont)
		c = curl_easy_escape(h, cont, 0);
	if (rv && *rv)
		r = curl_easy_escape(h, rv, 0);
	if (watch)
		n = asprintf(&url,
			     "%.*s%s?watch=1&allowWatchBookmarks=true&timeoutSeconds=%u"
			     "&resourceVersion=%s%s",
			     (int)base, o->url, ki->path, o->watch_timeout_s, r ? r : "",
			     sel ? sel : "");
	else
		n = asprintf(&url, "%.*s%s?limit=%u%s%s%s", (int)base, o->url, ki->path,
			     o->page_size, c ? "&continue=" : "", c ? c : "", sel ? sel : "");
	curl_free(c);
	curl_free(r);
	free(sel);
	return n < 0 ? NULL : url;
}

static int read_token(const char *path, char *tok, size_t cap, char *why, size_t why_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	ssize_t n;
	size_t len;

	if (fd < 0) {
		snprintf(why, why_len, "cannot read the token file %s: %s", path, strerror(errno));
		return -errno;
	}
	n = read(fd, tok, cap - 1);
	close(fd);
	if (n < 0 || (size_t)n >= cap - 1) {
		snprintf(why, why_len, "token file %s: %s", path,
			 n < 0 ? strerror(errno) : "too large for a token");
		return n < 0 ? -errno : -EFBIG;
	}
	len = (size_t)n;
	while (len && strchr(" \t\r\n", tok[len - 1]))
		len--;
	tok[len] = '\0';
	if (!len || strpbrk(tok, "\r\n")) {
		snprintf(why, why_len, "token file %s: %s", path,
			 len ? "more than one line" : "empty");
		return -EINVAL;
	}
	return 0;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	return atomic_load((atomic_bool *)ctx) ? 1 : 0; /* non-zero aborts */
}

int fr_kube_http__setup(CURL *h, const struct fr_kube_client_opts *o, const char *url,
			struct curl_slist **hdrs, atomic_bool *stop, char *why, size_t why_len)
{
	char *tok = NULL, *auth = NULL;
	struct curl_slist *l = NULL, *t;
	int err = 0;

	*hdrs = NULL;
	if (o->token_file) {
		tok = malloc(TOKEN_MAX);
		err = tok ? read_token(o->token_file, tok, TOKEN_MAX, why, why_len) : -ENOMEM;
		if (!err && asprintf(&auth, "Authorization: Bearer %s", tok) < 0)
			err = -ENOMEM;
		if (tok)
			explicit_bzero(tok, TOKEN_MAX);
		free(tok);
		if (err)
			return err;
	}
	t = curl_slist_append(l, "Accept: application/json");
	if (t && auth)
		t = curl_slist_append(l = t, auth);
	if (auth) {
		explicit_bzero(auth, strlen(auth));
		free(auth);
	}
	if (!t) {
		curl_slist_free_all(l);
		return -ENOMEM;
	}
	*hdrs = t;
	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, t);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
	if (o->ca_file)
		curl_easy_setopt(h, CURLOPT_CAINFO, o->ca_file);
	/* a stalled server is a failure: nothing for a minute (a watch has
	 * bookmarks and ends after watch_timeout_s) */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L + o->watch_timeout_s);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, stop);
	return 0;
}

size_t fr_kube_http__to_buf(char *p, size_t size, size_t n, void *ctx)
{
	struct fr_kube_buf *b = ctx;
	const size_t len = size * n;

	if (len > b->max - b->len)
		return 0; /* over the bound: the transfer fails */
	if (fr_grow((void **)&b->p, &b->cap, b->len + len + 1, 1, 65536))
		return 0;
	memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
	return len;
}

void fr_kube_http__explain(long status, const char *verb, int k, const char *body, size_t len,
			   char *msg, size_t cap)
{
	const struct fr_kube_kind_info *ki = fr_kube__kind_info(k);
	json_t *st = body && len ? json_loadb(body, len, 0, NULL) : NULL;
	const char *server = json_string_value(json_object_get(st, "message"));
	const char *group = strchr(ki->path + 1, '/');

	/* "/apis/apps/v1/replicasets": group "apps"; "/api/v1/pods": core */
	const bool core = !strncmp(ki->path, "/api/", 5);
	const char *g = core ? "" : group ? group + 1 : "";
	const int glen = core ? 0 : (int)strcspn(g, "/");

	if (status == 401)
		snprintf(msg, cap,
			 "401 Unauthorized on %s %s: the API server refused the token "
			 "(expired, or not a service-account token)%s%s",
			 verb, ki->resource, server ? ": " : "", server ? server : "");
	else if (status == 403)
		snprintf(msg, cap,
			 "403 Forbidden: %s on %s (API group \"%.*s\") at cluster scope is not "
			 "allowed; the recorder's ClusterRole needs get, list and watch on %s "
			 "(recorder/deploy/daemonset.yaml)%s%s",
			 verb, ki->resource, glen, g, ki->resource, server ? ": " : "",
			 server ? server : "");
	else
		snprintf(msg, cap, "HTTP %ld on %s %s%s%s", status, verb, ki->resource,
			 server ? ": " : "", server ? server : "");
	json_decref(st);
}
