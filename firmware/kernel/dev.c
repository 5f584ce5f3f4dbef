// The character-device table (dev.h).
#include "kernel/dev.h"

static const struct dev_ops* devs[NR_DEVS];

int dev_register(int nr, const struct dev_ops* ops) {
  if (nr < 0 || nr >= NR_DEVS)
    return -1;
  devs[nr] = ops;
  return 0;
}

const struct dev_ops* dev_get(int nr) {
  return nr >= 0 && nr < NR_DEVS ? devs[nr] : 0;
}
