#ifndef DRIFT_PNG_H
#define DRIFT_PNG_H
/* Placeholder until the PNG shim lands. */
int drift_png_version(void);
#endif
