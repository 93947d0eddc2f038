/* SPDX-License-Identifier: BSD-2-Clause */
#include "names.h"

#include <bpf/btf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DROP_PREFIX "SKB_DROP_REASON_"

int fr_drop_reasons__load(struct fr_drop_reasons *dr)
{
	const struct btf_type *t;
	const struct btf_enum *e;
	size_t total = 0, off = 0;
	struct btf *btf;
	int id, err = 0;

	memset(dr, 0, sizeof(*dr));
	btf = btf__load_vmlinux_btf();
	if (!btf)
		return -errno;
	id = btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM);
	if (id <= 0) {
		err = -ENOENT;
		goto out;
	}
	t = btf__type_by_id(btf, id);
	e = btf_enum(t);
	for (unsigned i = 0; i < btf_vlen(t); i++)
		total += strlen(btf__name_by_offset(btf, e[i].name_off)) + 1;
	dr->names = calloc(btf_vlen(t), sizeof(*dr->names));
	dr->strings = malloc(total ?: 1);
	if (!dr->names || !dr->strings) {
		err = -ENOMEM;
		fr_drop_reasons__free(dr);
		goto out;
	}
	for (unsigned i = 0; i < btf_vlen(t); i++) {
		const char *name = btf__name_by_offset(btf, e[i].name_off);
		size_t n;

		if (!strncmp(name, DROP_PREFIX, strlen(DROP_PREFIX)))
			name += strlen(DROP_PREFIX);
		n = strlen(name) + 1;
		memcpy(dr->strings + off, name, n);
		dr->names[dr->len].value = (uint32_t)e[i].val;
		dr->names[dr->len].name = dr->strings + off;
		dr->len++;
		off += n;
	}
out:
	btf__free(btf);
	return err;
}

void fr_drop_reasons__free(struct fr_drop_reasons *dr)
{
	free(dr->names);
	free(dr->strings);
	memset(dr, 0, sizeof(*dr));
}
