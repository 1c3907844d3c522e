/*
 * fuzz_energy.c: libFuzzer harness of the energy constants reader
 * (io_energy_load).
 */
#include "fuzz_common.h"

#include "../../io/io_energy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  net_energy_param *p = NULL;
  if (io_energy_load(fz_write(data, size, "energy.ini"), &p) == 0)
    io_energy_destroy(p);
  return 0;
}
