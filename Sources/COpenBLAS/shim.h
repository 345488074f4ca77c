#ifndef ENCORE_COPENBLAS_SHIM_H
#define ENCORE_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
