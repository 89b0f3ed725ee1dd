/* session.c -- see session.h. */
#include "session.h"
