#include "vitrine_kernels.h"
int vitrine_kernels_version(void) { return 1; }
