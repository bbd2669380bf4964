#if __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>
#else
#include <hdf5.h>
#endif
/* Macros that do not import into Swift, re-exported as functions. */
static inline hid_t drift_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t drift_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t drift_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t drift_H5T_NATIVE_UINT32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t drift_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t drift_H5T_C_S1(void) { return H5T_C_S1; }
static inline hid_t drift_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t drift_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t drift_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t drift_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t drift_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline unsigned drift_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned drift_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned drift_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned drift_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline size_t drift_H5T_VARIABLE(void) { return H5T_VARIABLE; }
