/* xlsform.c -- forms as XLSForm workbooks. See xlsform.h. */
#include "xlsform.h"
