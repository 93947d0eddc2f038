# SPDX-License-Identifier: BSD-2-Clause
# cmake -DIN=<asm/unistd_64.h> -DOUT=<file.c> [-DTABLE=name -DHEADER=h -DTYPE=t]
#       -P gen_syscall_names.cmake
# Turns every "#define __NR_<name> <nr>" into a row of fr_syscall_names[]
# (struct fr_name of names.h), or of TABLE[] of TYPE declared in HEADER
# (the analyzer's own copy, analyzer/usermetric).
if(NOT DEFINED TABLE)
  set(TABLE fr_syscall_names)
  set(HEADER names.h)
  set(TYPE "struct fr_name")
endif()
file(STRINGS ${IN} lines REGEX "^#define __NR_[a-z0-9_]+ [0-9]+$")
set(body "")
set(count 0)
foreach(line ${lines})
  string(REGEX REPLACE "^#define __NR_([a-z0-9_]+) ([0-9]+)$" "\t{\\2, \"\\1\"},\n" row "${line}")
  string(APPEND body "${row}")
  math(EXPR count "${count} + 1")
endforeach()
if(count EQUAL 0)
  message(FATAL_ERROR "no syscall numbers found in ${IN}")
endif()
file(WRITE ${OUT}.tmp "/* Generated from ${IN} by gen_syscall_names.cmake. Do not edit. */
#include \"${HEADER}\"

const ${TYPE} ${TABLE}[] = {
${body}};
const size_t ${TABLE}_len = ${count};
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
