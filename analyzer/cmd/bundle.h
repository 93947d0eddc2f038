/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef FR_ANALYZER_CMD_BUNDLE_H
#define FR_ANALYZER_CMD_BUNDLE_H

/* flightrec bundle DIR... (--since D | --from T --to T) -o OUT.tar.zst [--redact ...] */
int fr_cmd_bundle(int argc, char **argv);

#endif /* FR_ANALYZER_CMD_BUNDLE_H */
