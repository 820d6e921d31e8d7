/* test_crm.c: unit tests for the CRM levers built on the models: plan's
 * action values, whatif's change in dropout and the win-back campaign's
 * intervals (lib/crm/plan.c, whatif.c, campaign.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "model/model.h"
#include "model/score.h"
#include "crm/campaign.h"
#include "crm/plan.h"
#include "crm/whatif.h"

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-12 * (fabs(a) + fabs(b)) + 1e-15;
}

/* The CRM levers built on the models (issue 19): whatif.c changes a
 * fitted dropout process; plan.c reads its ACTION=NUMBER lists. */
static void test_crm(void)
{
	char why[200];
	double out[4];
	/* CDNOW BG/NBD (Fader, Hardie & Lee 2005): r .243 alpha 4.414 a .793 b 2.426. */
	const double bg[4] = { 0.243, 4.414, 0.793, 2.426 };
	check(sk_whatif_dropout(&sk_bgnbd, bg, -0.05, out, why, sizeof why) == 0 &&
	      near(out[2] / (out[2] + out[3]), 0.95 * bg[2] / (bg[2] + bg[3])) &&
	      near(out[2] + out[3], bg[2] + bg[3]) && out[0] == bg[0] && out[1] == bg[1],
	      "bgnbd: mean dropout probability x 0.95, a + b and r, alpha kept");
	check(sk_whatif_dropout(&sk_bgnbd, bg, 0, out, why, sizeof why) == 0 &&
	      memcmp(out, bg, sizeof bg) == 0, "bgnbd: no change, same parameters");
	check(sk_whatif_dropout(&sk_bgnbd, bg, 5, out, why, sizeof why) == 1,
	      "bgnbd: a mean dropout probability above 1 is refused (%s)", why);
	/* Pareto/NBD: mu ~ Gamma(s, beta) scaled by k is Gamma(s, beta / k). */
	const double pn[4] = { 0.55, 10.58, 0.61, 11.67 };
	check(sk_whatif_dropout(&sk_pnbd, pn, -0.05, out, why, sizeof why) == 0 &&
	      near(out[3], pn[3] / 0.95) && out[2] == pn[2] &&
	      near(out[2] / out[3], 0.95 * pn[2] / pn[3]),
	      "pnbd: beta / 0.95, mean dropout rate s / beta x 0.95");
	/* BG/BB: theta ~ Beta(gamma, delta) at par[2], par[3]. */
	const double bb[4] = { 1.204, 0.750, 0.657, 2.783 };
	check(sk_whatif_dropout(&sk_bgbb, bb, 0.1, out, why, sizeof why) == 0 &&
	      near(out[2] / (out[2] + out[3]), 1.1 * bb[2] / (bb[2] + bb[3])),
	      "bgbb: mean dropout probability x 1.1");

	/* The conditional pmf (score.c) of every model sums to 1 and has the
	 * mean of the model's own conditional expectation (FHL 2005 eq. 10,
	 * SMC 1987, Batislam et al. 2007, FHS 2010 eq. 13), computed apart. */
	const struct sk_tmodel *const ms[] = { &sk_bgnbd, &sk_pnbd, &sk_mbgnbd, &sk_bgbb };
	const double *const mp[] = { bg, pn, bg, bb };
	const double hist[2][3][3] = { { { 2, 30.43, 38.86 }, { 0, 0, 38.86 }, { 7, 35, 38 } },
				       { { 2, 4, 6 }, { 0, 0, 6 }, { 5, 6, 6 } } };
	for (int j = 0; j < 4; j++)
		for (int h = 0; h < 3; h++) {
			const double *x = hist[j == 3][h];
			double t = j == 3 ? 5 : 39, sum = 0, mean = 0;
			for (int k = 0; k < 400; k++) {
				double q = sk_cond_pmf(ms[j], mp[j], t, k, x[0], x[1], x[2]);
				sum += q;
				mean += k * q;
			}
			double want = ms[j]->expected(mp[j], t, x[0], x[1], x[2]);
			check(fabs(sum - 1) < 1e-9 && fabs(mean - want) < 1e-7 * (1 + want),
			      "%s: conditional pmf of x=%g sums to 1 (%.12f), mean %.8f = "
			      "expected %.8f", ms[j]->name, x[0], sum, mean, want);
		}

	/* Newcombe 1998, Table II, method 10 (four of its examples), and
	 * Wilson's interval for 81/263 (Newcombe 1998, single proportions,
	 * Statistics in Medicine 17, 857-872, Table I). */
	const double nc[4][6] = { { 56, 70, 48, 80, 0.0524, 0.3339 },
				  { 9, 10, 3, 10, 0.1705, 0.8090 },
				  { 6, 7, 2, 7, 0.0582, 0.8062 },
				  { 5, 56, 0, 29, -0.0381, 0.1926 } };
	for (int j = 0; j < 4; j++) {
		double lo, hi;
		sk_newcombe(nc[j][0], nc[j][1], nc[j][2], nc[j][3], 1.959963984540054, &lo, &hi);
		check(fabs(lo - nc[j][4]) < 5e-5 && fabs(hi - nc[j][5]) < 5e-5,
		      "newcombe %g/%g - %g/%g: %.4f to %.4f", nc[j][0], nc[j][1], nc[j][2],
		      nc[j][3], lo, hi);
	}
	double wl, wh;
	sk_wilson(81, 263, 1.959963984540054, &wl, &wh);
	check(fabs(wl - 0.2553) < 5e-5 && fabs(wh - 0.3662) < 5e-5,
	      "wilson 81/263: %.4f to %.4f", wl, wh);
	int in = 0;
	char idb[16];
	for (int j = 0; j < 10000; j++) {
		int len = snprintf(idb, sizeof idb, "c%d", j);
		in += sk_campaign_control(idb, (size_t)len, 0.1, 1);
	}
	check(in > 900 && in < 1100 && sk_campaign_control("c1", 2, 0.1, 1) ==
	      sk_campaign_control("c1", 2, 0.1, 1), "control draw: %d of 10000 at 10 %%, "
	      "the same id always alike", in);

	double v[SK_NACT] = { 0 };
	check(sk_plan_parse_list("retain=2.5,win_back=10", 0, 100, v, why, sizeof why) == 0 &&
	      v[SK_ACT_RETAIN] == 2.5 && v[SK_ACT_WIN_BACK] == 10 && v[SK_ACT_ACQUIRE] == 0,
	      "plan: ACTION=NUMBER list");
	check(sk_plan_parse_list("retain=", 0, 100, v, why, sizeof why) == 1 &&
	      sk_plan_parse_list("retain=1,", 0, 100, v, why, sizeof why) == 1 &&
	      sk_plan_parse_list("none=1", 0, 100, v, why, sizeof why) == 1 &&
	      sk_plan_parse_list("retain=101", 0, 100, v, why, sizeof why) == 1,
	      "plan: empty value, trailing comma, none, out of range refused");
}

int main(void)
{
	test_crm();
	printf("# %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
