# SPDX-License-Identifier: BSD-2-Clause
# bpf_object(<name> <src.bpf.c> [clang flags...]): compile a CO-RE BPF object
# with clang and generate its libbpf skeleton <name>.skel.h with bpftool. Exposes the
# INTERFACE target <name>_skel (include dir + libbpf). Header dependencies
# come from clang's depfile, so editing fr_abi.h rebuilds every object.
include_guard(GLOBAL)

find_program(BPF_CLANG_EXE NAMES clang-14 clang REQUIRED)
find_program(BPF_BPFTOOL_EXE NAMES bpftool PATHS /usr/sbin /sbin /usr/local/sbin REQUIRED)

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|amd64")
  set(BPF_ARCH x86 CACHE INTERNAL "BPF target architecture")
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(BPF_ARCH arm64 CACHE INTERNAL "BPF target architecture")
else()
  message(FATAL_ERROR "bpf_object: unsupported architecture ${CMAKE_SYSTEM_PROCESSOR}")
endif()

# clang -target bpf does not search the host's multiarch include dir, which
# holds asm/types.h; ask clang for its system dirs and pass them as -idirafter.
execute_process(COMMAND ${BPF_CLANG_EXE} -v -E - INPUT_FILE /dev/null
                OUTPUT_QUIET ERROR_VARIABLE _bpf_clang_v)
string(REGEX MATCH "#include <...> search starts here:\n(.*)End of search list"
       _bpf_inc_block "${_bpf_clang_v}")
string(REGEX REPLACE "\n" ";" _bpf_inc_lines "${CMAKE_MATCH_1}")
set(BPF_CLANG_SYS_INCLUDES "")
foreach(_d ${_bpf_inc_lines})
  string(STRIP "${_d}" _d)
  if(_d)
    list(APPEND BPF_CLANG_SYS_INCLUDES -idirafter ${_d})
  endif()
endforeach()
# cached: the include guard skips this file in every later directory scope
set(BPF_CLANG_SYS_INCLUDES "${BPF_CLANG_SYS_INCLUDES}" CACHE INTERNAL "clang system include dirs")

function(bpf_object name src)
  set(_src ${CMAKE_CURRENT_SOURCE_DIR}/${src})
  set(_obj ${CMAKE_CURRENT_BINARY_DIR}/${name}.bpf.o)
  set(_skel ${CMAKE_CURRENT_BINARY_DIR}/${name}.skel.h)
  add_custom_command(
    OUTPUT ${_obj}
    COMMAND ${BPF_CLANG_EXE} -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_${BPF_ARCH}
            ${ARGN} ${BPF_CLANG_SYS_INCLUDES}
            -I${CMAKE_SOURCE_DIR}/bpf/vmlinux/${BPF_ARCH} -I${CMAKE_SOURCE_DIR}/bpf/include
            -MD -MF ${_obj}.d -c ${_src} -o ${_obj}
    DEPENDS ${_src}
    DEPFILE ${_obj}.d
    COMMENT "BPF ${name}.bpf.o"
    VERBATIM)
  # Not VERBATIM: the redirection must reach the shell.
  add_custom_command(
    OUTPUT ${_skel}
    COMMAND ${BPF_BPFTOOL_EXE} gen skeleton ${_obj} name ${name}_bpf > ${_skel}
    DEPENDS ${_obj}
    COMMENT "BPF skeleton ${name}.skel.h")
  add_custom_target(${name}_skel_gen DEPENDS ${_skel})
  add_library(${name}_skel INTERFACE)
  add_dependencies(${name}_skel ${name}_skel_gen)
  target_include_directories(${name}_skel INTERFACE ${CMAKE_CURRENT_BINARY_DIR})
  target_link_libraries(${name}_skel INTERFACE PkgConfig::LIBBPF)
endfunction()
