/* xlsx.c -- reads .xlsx workbooks with libzip and expat. See xlsx.h. */
#include "xlsx.h"
