/* modelopts.c: the options churn and clv share (modelopts.h). */
#include "modelopts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "score.h"
#include "record/util.h"

enum { M_TYPE = 1000, M_HORIZON, M_THRESHOLD, M_WEIGHT, M_MODEL, M_SAVE, M_REPORT,
       M_REPORT_JSON, M_PATTERNS, M_NEW,
       M_INTERVALS, M_PENALTY, M_COV, M_COV_P, M_COV_D, M_DROPFORM };

static const struct sk_opt shared[] = {
	{ "model-type", 1, 0, M_TYPE },
	{ "horizon", 1, 0, M_HORIZON },
	{ "threshold", 1, 0, M_THRESHOLD },
	{ "weight", 1, 0, M_WEIGHT },
	{ "model", 1, 0, M_MODEL },
	{ "save-model", 1, 0, M_SAVE },
	{ "report", 0, 0, M_REPORT },
	{ "report-json", 1, 0, M_REPORT_JSON },
	{ "patterns", 0, 0, M_PATTERNS },
	{ "new-customer", 1, 0, M_NEW },
	{ "intervals", 1, 0, M_INTERVALS },
	{ "penalty", 1, 0, M_PENALTY },
	{ "covariates", 1, 0, M_COV },
	{ "covariates-purchase", 1, 0, M_COV_P },
	{ "covariates-dropout", 1, 0, M_COV_D },
	{ "dropout-coefficients", 1, 0, M_DROPFORM },
};

#define NSHARED (sizeof shared / sizeof shared[0])

struct dispatch {
	struct sk_model_opts *m;
	sk_opt_fn fn;
	void *ctx;
};

static void on_opt(int id, const char *arg, void *ctx)
{
	struct dispatch *d = ctx;
	struct sk_model_opts *m = d->m;
	switch (id) {
	case M_TYPE: m->type = arg; break;
	case M_HORIZON: m->horizon = arg; break;
	case M_THRESHOLD: m->threshold = sk_opt_fraction("threshold", arg); break;
	case M_WEIGHT: m->weight = arg; break;
	case M_MODEL: m->model = arg; break;
	case M_SAVE: m->save = arg; break;
	case M_REPORT: m->report = 1; break;
	case M_REPORT_JSON: m->report_json = arg; break;
	case M_PATTERNS: m->patterns = 1; break;
	case M_INTERVALS:
		m->intervals = sk_opt_num("intervals", arg, 0, 1);
		if (!(m->intervals > 0 && m->intervals < 1))
			sk_die(SK_EX_USAGE, "--intervals: \"%s\" is not a level between 0 and 1 "
			       "(such as 0.9)", arg);
		break;
	case M_NEW: m->new_customers = sk_opt_num("new-customer", arg, 1, 1e12); break;
	case M_PENALTY: m->penalty = sk_opt_num("penalty", arg, 0, 1e6); break;
	case M_COV: case M_COV_P: case M_COV_D: m->cov[id - M_COV] = arg; break;
	case M_DROPFORM:
		if (strcmp(arg, "separate") != 0 && strcmp(arg, "shared") != 0)
			sk_die(SK_EX_USAGE, "--dropout-coefficients: \"%s\" is not separate or "
			       "shared", arg);
		m->dropout_form = arg;
		break;
	default: d->fn(id, arg, d->ctx); break;
	}
}

void sk_model_parse_args(struct sk_opts *o, struct sk_model_opts *m, int argc, char **argv,
			 const char *usage, const struct sk_opt *own, sk_opt_fn fn, void *ctx)
{
	size_t nown = 0;
	while (own && own[nown].name)
		nown++;
	struct sk_opt *all = sk_xcalloc(NSHARED + nown + 1, sizeof *all);
	memcpy(all, shared, sizeof shared);
	for (size_t i = 0; i < nown; i++) {
		if (own[i].id >= M_TYPE)
			sk_die(SK_EX_SOFTWARE, "option --%s: id %d clashes with the shared "
			       "model options", own[i].name, own[i].id);
		all[NSHARED + i] = own[i];
	}
	struct dispatch d = { m, fn, ctx };
	sk_parse_args(o, argc, argv, usage, all, on_opt, &d);
	free(all);
	/* The form is the BG/NBD's with dropout covariates (covar.h): a
	 * model file has its own; the Pareto/NBD's dropout has one
	 * parameter, so one coefficient per column. */
	if (m->dropout_form) {
		if (m->model)
			sk_die(SK_EX_USAGE, "--dropout-coefficients: --model %s scores with the "
			       "form it was fitted with; leave --dropout-coefficients out", m->model);
		if (!m->cov[0] && !m->cov[2])
			sk_die(SK_EX_USAGE, "--dropout-coefficients needs dropout covariates "
			       "(--covariates or --covariates-dropout)");
		if (strcmp(m->type, "pnbd") == 0)
			sk_die(SK_EX_USAGE, "--dropout-coefficients: --model-type pnbd has one "
			       "dropout parameter (beta) and one coefficient per column; the form "
			       "is the BG/NBD's (bgnbd, or auto)");
	}
}

const struct sk_tmodel *sk_model_opts_model(const struct sk_model_opts *m,
					    struct sk_opts *o, struct sk_modelfile *mf)
{
	const struct sk_tmodel *tm = NULL;
	if (m->model) {
		if (m->penalty > 0)
			sk_die(SK_EX_USAGE, "--penalty applies to a fit; --model %s scores with "
			       "saved parameters", m->model);
		sk_modelfile_load_for(m->model, o, mf);
		return mf->tm;
	}
	if (strcmp(m->type, "auto") != 0 && !(tm = sk_tmodel_find(m->type)))
		sk_die(SK_EX_USAGE, "--model-type: \"%s\" is not bgnbd, pnbd, mbgnbd, bgbb, "
		       "ggomnbd, bgcnbd, mbgcnbd or auto", m->type);
	/* A log summarized on the way in gets litt for the models that need
	 * it (auto tries them). */
	if (!tm || tm->ll_litt)
		o->litt = 1;
	return tm;
}

double sk_model_opts_horizon(const struct sk_model_opts *m, const struct sk_opts *o,
			     const struct sk_tmodel *tm, int lifetime)
{
	if (lifetime && strcmp(m->horizon, "lifetime") == 0)
		return -1;
	return sk_opt_horizon(o, m->horizon, tm && tm->discrete);
}

void sk_model_opts_fit(const struct sk_model_opts *m, const struct sk_opts *o,
		       const struct sk_tmodel *tm, const struct sk_rfm *pat, size_t npat,
		       struct sk_modelfile *mf)
{
	sk_modelfile_fit(mf, tm, m->penalty, pat, npat, o->unit_name);
	if (m->save)
		sk_modelfile_save(m->save, mf);
}
