/* siklus.h: the whole library for programs. */
#ifndef SIKLUS_H
#define SIKLUS_H

#include "date.h"
#include "emit.h"
#include "fit.h"
#include "io.h"
#include "model.h"
#include "modelfile.h"
#include "num.h"
#include "opts.h"
#include "score.h"
#include "spend.h"
#include "sbg.h"
#include "summary.h"
#include "value.h"
#include "xsell.h"
#include "util.h"

#endif
