/*
 * fuzz_preset.c: libFuzzer harness of the device preset reader
 * (io_preset_load).
 */
#include "fuzz_common.h"

#include "../../io/io_preset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  fz_write(data, size, "fuzz.ini");
  syn_device_param p;
  io_preset_load(fz_tmpdir(), "fuzz", &p);
  return 0;
}
