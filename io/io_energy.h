/*
 * io_energy.h: the reader of energy-constants files (configs/energy/NAME.ini):
 * INI sections [digital], [crossbar], [snn_digital], [snn_crossbar] with
 * every key of NET_ENERGY_KEYS (network/net_energy.h), each in its domain.
 */
#ifndef IO_ENERGY_H
#define IO_ENERGY_H

#include "../network/net_energy.h"

/* Load FILE into a new net_energy_param holding every constant.  Errors
   name file, line, key and the expectation (SIM_ECONFIG: unknown section
   or key, key set twice or missing, value outside its domain, the checks
   across keys of net_energy_param) or the file (SIM_EIO).  Returns 0 and
   *out (caller owns; free with io_energy_destroy); on failure *out is
   NULL. */
int io_energy_load(const char *path, net_energy_param **out /* OUT */);

/* Free what io_energy_load returned; NULL is a no-op. */
void io_energy_destroy(net_energy_param *p);

#endif
