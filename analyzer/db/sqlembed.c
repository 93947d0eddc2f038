/* SPDX-License-Identifier: BSD-2-Clause */
#include "analyzer/db/sqlembed.h"

#include <string.h>

const char *fr_sql__get(const char *name)
{
	for (size_t i = 0; i < fr_sql_nfiles; i++)
		if (!strcmp(fr_sql_files[i].name, name))
			return fr_sql_files[i].text;
	return NULL;
}
