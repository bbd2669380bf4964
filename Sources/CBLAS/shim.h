#include <cblas.h>
/* OpenBLAS extension: set the number of BLAS threads at run time. */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
