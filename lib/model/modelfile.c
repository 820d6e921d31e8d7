/* modelfile.c: save and load fitted models as JSON (jansson). */
#include "modelfile.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "record/util.h"

static const char *const spend_names[] = { "p", "q", "gamma" };

static json_t *fit_json(const char *type, const char *const *names, int npar,
		       const struct sk_fit *f)
{
	json_t *o = json_object(), *p = json_object(), *se = json_object();
	json_object_set_new(o, "type", json_string(type));
	for (int i = 0; i < npar; i++) {
		json_object_set_new(p, names[i], json_real(f->par[i]));
		json_object_set_new(se, names[i], json_real(f->se[i]));
	}
	json_object_set_new(o, "params", p);
	json_object_set_new(o, "stderr", se);
	json_object_set_new(o, "loglik", json_real(f->loglik));
	json_object_set_new(o, "customers", json_real(f->nobs));
	return o;
}

void sk_modelfile_save(const char *path, const struct sk_modelfile *m)
{
	/* Keys in the order of DESIGN.md: version, type, unit, then the fit. */
	json_t *root = json_object();
	json_object_set_new(root, "siklus_model", json_integer(1));
	if (m->tm) {
		json_t *fit = fit_json(m->tm->name, m->tm->parname, m->tm->npar, &m->tfit);
		json_object_set(root, "type", json_object_get(fit, "type"));
		json_object_set_new(root, "unit", json_string(m->unit));
		json_object_update(root, fit);
		json_decref(fit);
		if (m->cov.kp + m->cov.kd > 0)
			json_object_set_new(root, "covariates",
					    sk_cov_json_new(m->tm, &m->cov, &m->tfit));
	} else
		json_object_set_new(root, "unit", json_string(m->unit));
	char stamp[32];
	time_t now = time(NULL);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	json_object_set_new(root, "fitted", json_string(stamp));
	if (m->has_spend)
		json_object_set_new(root, "spend", fit_json("gammagamma", spend_names, 3, &m->sfit));
	if (m->has_value) {
		json_t *v = json_object();
		json_object_set_new(v, "horizon", json_string(m->value_horizon));
		json_object_set_new(v, "discount_rate", json_real(m->value_rate));
		json_object_set_new(v, "margin", json_real(m->value_margin));
		json_object_set_new(root, "value", v);
	}

	sk_atomic_json(path, root, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
}

static void bad(const char *path, const char *what)
{
	sk_die(SK_EX_DATA, "%s: not a siklus model file: %s", path, what);
}

static void read_fit(const char *path, json_t *o, const char *const *names, int npar,
		     struct sk_fit *f)
{
	json_t *p = json_object_get(o, "params"), *se = json_object_get(o, "stderr");
	if (!json_is_object(p))
		bad(path, "no \"params\" object");
	memset(f, 0, sizeof *f);
	f->npar = npar;
	for (int i = 0; i < npar; i++) {
		json_t *v = json_object_get(p, names[i]);
		if (!json_is_number(v))
			sk_die(SK_EX_DATA, "%s: parameter \"%s\" is missing or not a number",
			       path, names[i]);
		f->par[i] = json_number_value(v);
		if (!(f->par[i] > 0) || !isfinite(f->par[i]))
			sk_die(SK_EX_DATA, "%s: parameter \"%s\" must be a positive number",
			       path, names[i]);
		json_t *s = se ? json_object_get(se, names[i]) : NULL;
		f->se[i] = json_is_number(s) && isfinite(json_number_value(s)) ?
			json_number_value(s) : 0;
	}
	json_t *ll = json_object_get(o, "loglik"), *n = json_object_get(o, "customers");
	f->loglik = json_is_number(ll) ? json_number_value(ll) : 0;
	f->nobs = json_is_number(n) ? json_number_value(n) : 0;
	f->converged = 1;
	f->se_ok = 1;
}

void sk_modelfile_load(const char *path, const char *unit, struct sk_modelfile *m)
{
	json_error_t err;
	memset(m, 0, sizeof *m);
	FILE *f = fopen(path, "r");
	if (!f)
		sk_die(SK_EX_NOINPUT, "%s: %s", path, strerror(errno));
	/* A directory opens for reading on Linux and then reads as an empty
	 * document: say what it is, as for a missing file. */
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode))
		sk_die(SK_EX_NOINPUT, "%s: %s", path, strerror(EISDIR));
	json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &err);
	fclose(f);
	if (!root)
		sk_die(SK_EX_DATA, "%s:%d: %s", path, err.line, err.text);
	if (!json_is_object(root))
		bad(path, "not a JSON object");
	json_t *ver = json_object_get(root, "siklus_model");
	if (!json_is_integer(ver) || json_integer_value(ver) != 1)
		bad(path, "\"siklus_model\" is not 1");
	json_t *u = json_object_get(root, "unit");
	if (!json_is_string(u) || json_string_length(u) >= sizeof m->unit)
		bad(path, "no \"unit\"");
	strcpy(m->unit, json_string_value(u));
	if (unit && strcmp(unit, m->unit) != 0)
		sk_die(SK_EX_USAGE, "%s: the model was fitted with --unit %s; run with --unit %s "
		       "or refit", path, m->unit, m->unit);
	json_t *type = json_object_get(root, "type");
	if (json_is_string(type)) {
		m->tm = sk_tmodel_find(json_string_value(type));
		if (!m->tm)
			sk_die(SK_EX_DATA, "%s: unknown model type \"%s\"", path,
			       json_string_value(type));
		read_fit(path, root, m->tm->parname, m->tm->npar, &m->tfit);
		json_t *cv = json_object_get(root, "covariates");
		if (cv && !json_is_object(cv))
			bad(path, "\"covariates\" is not an object");
		if (cv) {
			if (m->tm != &sk_pnbd && m->tm != &sk_bgnbd)
				bad(path, "\"covariates\" with a model that takes none");
			sk_cov_json_read(path, cv, m->tm, &m->cov, &m->tfit);
		}
	}
	json_t *sp = json_object_get(root, "spend");
	if (json_is_object(sp)) {
		m->has_spend = 1;
		read_fit(path, sp, spend_names, 3, &m->sfit);
	}
	if (!m->tm && !m->has_spend)
		bad(path, "neither a \"type\" nor a \"spend\" model");
	json_t *val = json_object_get(root, "value");
	if (json_is_object(val)) {
		json_t *h = json_object_get(val, "horizon"), *dr = json_object_get(val,
			"discount_rate"), *mg = json_object_get(val, "margin");
		if (!json_is_string(h) || json_string_length(h) >= sizeof m->value_horizon ||
		    !json_is_number(dr) || !json_is_number(mg))
			bad(path, "\"value\" needs horizon, discount_rate and margin");
		m->has_value = 1;
		strcpy(m->value_horizon, json_string_value(h));
		m->value_rate = json_number_value(dr);
		m->value_margin = json_number_value(mg);
	}
	json_decref(root);
	/* A chosen parameter (BG/CNBD-k's k) is a whole number 1..12; checked
	 * with the document freed, as exit 65 leaves nothing behind. */
	for (int i = m->tm ? m->tm->npar - m->tm->nfixed : 0; m->tm && i < m->tm->npar; i++)
		if (m->tfit.par[i] != floor(m->tfit.par[i]) || m->tfit.par[i] > 12)
			sk_die(SK_EX_DATA, "%s: parameter \"%s\" must be a whole number from 1 "
			       "to 12", path, m->tm->parname[i]);
	if (m->tm)
		m->tfit.nfixed = m->tm->nfixed;
}

void sk_modelfile_load_for(const char *path, struct sk_opts *o, struct sk_modelfile *m)
{
	sk_modelfile_load(path, o->unit_given == 1 ? o->unit_name : NULL, m);
	if (o->unit_given == 2 && strcmp(o->unit_name, m->unit) != 0)
		sk_die(SK_EX_USAGE, "%s: the model was fitted with --unit %s and the records' "
		       "recency is in %ss: refit, or score records made with --unit %s", path,
		       m->unit, o->unit_name, m->unit);
	if (!o->unit_given && sk_opts_set_unit(o, m->unit))
		bad(path, "\"unit\" is not day, week, month or year");
}
