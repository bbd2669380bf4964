#include <string.h>
#if __has_include(<hdf5/serial/hdf5.h>)
#include <hdf5/serial/hdf5.h>
#else
#include <hdf5.h>
#endif
/* Macros that do not import into Swift, re-exported as functions
   (each expands to a global that calls H5open() first). */
static inline hid_t drift_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t drift_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t drift_H5T_NATIVE_INT64(void) { return H5T_NATIVE_INT64; }
static inline hid_t drift_H5T_NATIVE_UINT32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t drift_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t drift_H5T_C_S1(void) { return H5T_C_S1; }
/* Little-endian file types: what Drift stores on disk regardless of the host. */
static inline hid_t drift_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t drift_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t drift_H5T_STD_I64LE(void) { return H5T_STD_I64LE; }
static inline hid_t drift_H5T_STD_U32LE(void) { return H5T_STD_U32LE; }
static inline hid_t drift_H5T_STD_U8LE(void) { return H5T_STD_U8LE; }
static inline hid_t drift_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t drift_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t drift_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t drift_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
static inline hid_t drift_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t drift_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t drift_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline unsigned drift_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned drift_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }
static inline unsigned drift_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned drift_H5F_ACC_RDWR(void) { return H5F_ACC_RDWR; }
static inline size_t drift_H5T_VARIABLE(void) { return H5T_VARIABLE; }

/* Collects the descriptions of the current thread's error stack, innermost
   first, into `buf` ("desc; desc; ..."), then clears the stack. */
static inline herr_t drift_h5_walk_cb(unsigned n, const H5E_error2_t *err, void *data) {
    char *buf = ((char **)data)[0];
    size_t cap = (size_t)((char **)data)[1];
    size_t len = strlen(buf);
    if (err && err->desc && len + 3 < cap) {
        if (len > 0) { strncat(buf, "; ", cap - len - 1); len += 2; }
        strncat(buf, err->desc, cap - len - 1);
    }
    (void)n;
    return 0;
}
static inline void drift_h5_error_stack(char *buf, size_t cap) {
    if (cap == 0) return;
    buf[0] = 0;
    void *data[2] = { buf, (void *)cap };
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, drift_h5_walk_cb, data);
    H5Eclear2(H5E_DEFAULT);
}
