/* correlate.c - placeholder until its module lands */
#include "config.h"
#include "lmhunt.h"
