/* siklus.h: the whole library for programs. */
#ifndef SIKLUS_H
#define SIKLUS_H

#include "record/date.h"
#include "record/emit.h"
#include "model/covar.h"
#include "model/fit.h"
#include "model/learn.h"
#include "model/interval.h"
#include "model/backtest.h"
#include "record/io.h"
#include "model/model.h"
#include "model/modelfile.h"
#include "model/modelopts.h"
#include "model/nested.h"
#include "record/num.h"
#include "record/opts.h"
#include "model/score.h"
#include "model/spend.h"
#include "model/sbg.h"
#include "crm/summary.h"
#include "crm/tracking.h"
#include "crm/value.h"
#include "crm/valuelayer.h"
#include "crm/xsell.h"
#include "record/util.h"

#endif
