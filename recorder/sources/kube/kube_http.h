/* SPDX-License-Identifier: BSD-2-Clause */
/* HTTP details of the API client: URLs, the bearer token, TLS, and what a
 * refused request says (kube_client.c is the protocol). */
#ifndef FR_RECORDER_KUBE_HTTP_H
#define FR_RECORDER_KUBE_HTTP_H

#include <curl/curl.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "kube_client.h"

/* A growing response body, bounded by max (then the transfer fails). */
struct fr_kube_buf {
	char *p;
	size_t len, cap, max;
};

/*
 * The URL of kind k's collection: a list page (watch false: limit and the
 * continue token, may be NULL) or a watch from resource version rv.
 * Return: a string to free, or NULL.
 */
char *fr_kube_http__url(CURL *h, const struct fr_kube_client_opts *o, int k, bool watch,
			const char *cont, const char *rv);

/*
 * Set up handle h for a GET of url: TLS (the CA), the bearer token read
 * now from its file (so a rotated token is used from the next request),
 * Accept, and an abort when *stop becomes true. *hdrs receives the header
 * list to free after the transfer. Return: 0, or -errno when the token
 * file cannot be read (the reason in why).
 */
int fr_kube_http__setup(CURL *h, const struct fr_kube_client_opts *o, const char *url,
			struct curl_slist **hdrs, atomic_bool *stop, char *why, size_t why_len);

/* Write callback appending to a struct fr_kube_buf (CURLOPT_WRITEDATA). */
size_t fr_kube_http__to_buf(char *p, size_t size, size_t n, void *ctx);

/*
 * What a failed request means for an operator: "403 Forbidden: list pods
 * at cluster scope is not allowed ..." naming the verb and resource that
 * are missing; body is the API's Status (may be NULL).
 */
void fr_kube_http__explain(long status, const char *verb, int k, const char *body, size_t len,
			   char *msg, size_t cap);

#endif /* FR_RECORDER_KUBE_HTTP_H */
