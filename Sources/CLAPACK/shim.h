// LAPACKE, the C interface to reference LAPACK (Debian: liblapacke-dev, liblapack-dev).
// Drift uses only the symmetric eigendecomposition (dsyevd) for matrix square roots.
#include <lapacke.h>
