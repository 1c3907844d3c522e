/*
 * convert_report.h: the text and JSON reports of `memspike convert`.  They
 * only format a conv_result (tools/convert.h); cmd_convert prints each
 * part as soon as its step is done.
 */
#ifndef CONVERT_REPORT_H
#define CONVERT_REPORT_H

#include <stdio.h>

#include "../io/io_json.h"
#include "convert.h"

/* After conv_build, conv_run and conv_energy: the conversion, accuracy at
   each step count, speed, the per-layer table and the energy table. */
void conv_report_text(FILE *out, const conv_args *a, const conv_result *r);

/* After conv_map_arrays (conv_report_text ends with it): each weighted
   layer's arrays, tiles and the utilization of each array. */
void conv_report_arrays(FILE *out, const conv_args *a, const conv_result *r);

/* After conv_devices: accuracy on the devices against the ideal weights. */
void conv_report_devices(FILE *out, const conv_args *a, const conv_result *r);

/* After conv_finetune: what fine-tuning the last layer recovered. */
void conv_report_finetune(FILE *out, const conv_args *a, const conv_result *r);

/* Everything as one JSON object and a newline (tools/plot_energy.py reads
   it); the device part when a->device, the fine-tuning part when also
   a->finetune.  Written with io/io_json.h (names escaped, non-finite
   numbers null); returns 0 or SIM_EIO naming path. */
int conv_report_json(FILE *out, const conv_args *a, const conv_result *r, const char *path);
/* That object as a document (caller owns; free with io_json_destroy). */
io_json *conv_report_json_doc(const conv_args *a, const conv_result *r);

#endif
