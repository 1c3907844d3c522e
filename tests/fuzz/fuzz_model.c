/*
 * fuzz_model.c: libFuzzer harness of the CNN model reader (io_model_load).
 */
#include "fuzz_common.h"

#include "../../io/io_model.h"
#include "../../network/net_model.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  cnn_model *m = NULL;
  if (io_model_load(fz_write(data, size, "model.msgpack"), &m) == 0)
    cnn_model_destroy(m);
  return 0;
}
