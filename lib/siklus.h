/* siklus.h: the whole library for programs. */
#ifndef SIKLUS_H
#define SIKLUS_H

#include "date.h"
#include "fit.h"
#include "io.h"
#include "num.h"
#include "opts.h"
#include "summary.h"
#include "util.h"

#endif
