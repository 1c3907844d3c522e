/*
 * io_act.h: crossbar activation presets (configs/neurons/NAME.ini): a flat
 * list of 'key = value' lines, `kind` naming an analog activation of
 * network/net_act.h (vo2) and every key of NET_ACT_KEYS.
 */
#ifndef IO_ACT_H
#define IO_ACT_H

#include "../network/net_act.h"

/* Load FILE into p (untouched on failure).  Errors (SIM_ECONFIG) name the
   file, the line and the key: a bad line, an unknown key or kind, a value
   out of its domain, a key set twice, a key missing; SIM_EIO an unreadable
   file. */
int io_act_load(const char *path, net_act_param *p);

/* NAME as a preset: a path when it holds a '/' or ends in ".ini", else
   configs/neurons/NAME.ini in the data directories (io_datadir.h). */
int io_act_find(const char *name, net_act_param *p);

#endif
