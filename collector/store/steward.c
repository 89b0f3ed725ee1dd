/* steward.c -- see steward.h. */
#include "steward.h"
