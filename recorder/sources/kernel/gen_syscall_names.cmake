# SPDX-License-Identifier: BSD-2-Clause
# cmake -DIN=<asm/unistd_64.h> -DOUT=<file.c> -P gen_syscall_names.cmake
# Turns every "#define __NR_<name> <nr>" into a row of fr_syscall_names[].
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
#include \"names.h\"

const struct fr_name fr_syscall_names[] = {
${body}};
const size_t fr_syscall_names_len = ${count};
")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
