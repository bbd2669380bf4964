#include <png.h>
#include "drift_png.h"
int drift_png_version(void) { return (int)png_access_version_number(); }
