/*
 * io_preset.h: device preset files (configs/devices/NAME.ini): a flat
 * list of 'key = value' lines read with the project's INI dialect
 * (io_ini.h) into a syn_device_param.  The keys are the device's own
 * tables (syn_device_param_key: the common keys and those of the rule the
 * file names), so this reader knows no rule.
 */
#ifndef IO_PRESET_H
#define IO_PRESET_H

#include "../synapses/syn_device.h"

/* Load DIR/NAME.ini into p (untouched on failure).  The file's `rule`
   line is applied first, then the other keys in file order, then the
   checks (syn_device_param_check), then the keys a preset must set.
   Errors (SIM_ECONFIG) name the file, the line and the key: a bad line,
   an unknown key, a key of another rule, a value out of range, a key set
   twice, a required key missing (an empty or truncated file); a missing
   file names the preset and the directory and lists the presets there. */
int io_preset_load(const char *dir, const char *name, syn_device_param *p);

/* The preset search path: DIR/devices next to config_path (skipped when
   config_path is NULL), then $MEMSPIKE_DEVICES, then configs/devices under
   each data directory (io_datadir.h: $MEMSPIKE_DATADIR, the current
   directory, the binary's source tree, the install prefix); the
   first directory holding NAME.ini is loaded with io_preset_load.  When
   none does, the message lists the directories searched and the presets
   of the first readable one. */
int io_preset_find(const char *config_path, const char *name, syn_device_param *p);

#endif
