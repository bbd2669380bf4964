// LAPACKE, the C interface to reference LAPACK (Debian: liblapacke-dev, liblapack-dev).
// Drift uses the symmetric eigendecomposition (dsyevd) for matrix square roots and the
// least-squares solve (dgelsd) of post-hoc EMA reconstruction.
#include <lapacke.h>
