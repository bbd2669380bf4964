#include <mpi.h>
/* Open MPI's handles are macros over globals (MPI_COMM_WORLD is ((MPI_Comm)&ompi_mpi_comm_world)),
   which do not import into Swift: re-exported as functions. */
static inline MPI_Comm drift_MPI_COMM_WORLD(void) { return MPI_COMM_WORLD; }
static inline MPI_Datatype drift_MPI_FLOAT(void) { return MPI_FLOAT; }
static inline MPI_Datatype drift_MPI_DOUBLE(void) { return MPI_DOUBLE; }
static inline MPI_Datatype drift_MPI_INT64(void) { return MPI_INT64_T; }
static inline MPI_Datatype drift_MPI_BYTE(void) { return MPI_BYTE; }
static inline MPI_Op drift_MPI_MAX(void) { return MPI_MAX; }
static inline MPI_Op drift_MPI_SUM(void) { return MPI_SUM; }
static inline int drift_MPI_SUCCESS(void) { return MPI_SUCCESS; }
static inline MPI_Errhandler MPI_ERRORS_RETURN_HANDLE(void) { return MPI_ERRORS_RETURN; }
