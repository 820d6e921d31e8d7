/* test_crm.c: unit tests for the CRM levers of lib/crm (whatif.c's
 * dropout change, plan.c's option lists).  Prints one "ok - ..." /
 * "not ok - ..." line per check and exits 1 if any failed. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "model/model.h"
#include "crm/plan.h"
#include "crm/whatif.h"

static int failures, checks;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;
	checks++;
	if (!ok)
		failures++;
	printf("%s - ", ok ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static int near(double a, double b)
{
	return fabs(a - b) <= 1e-12 * (fabs(a) + fabs(b)) + 1e-15;
}

int main(void)
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

	double v[SK_NACT] = { 0 };
	check(sk_plan_parse_list("retain=2.5,win_back=10", 0, 100, v, why, sizeof why) == 0 &&
	      v[SK_ACT_RETAIN] == 2.5 && v[SK_ACT_WIN_BACK] == 10 && v[SK_ACT_ACQUIRE] == 0,
	      "plan: ACTION=NUMBER list");
	check(sk_plan_parse_list("retain=", 0, 100, v, why, sizeof why) == 1 &&
	      sk_plan_parse_list("retain=1,", 0, 100, v, why, sizeof why) == 1 &&
	      sk_plan_parse_list("none=1", 0, 100, v, why, sizeof why) == 1 &&
	      sk_plan_parse_list("retain=101", 0, 100, v, why, sizeof why) == 1,
	      "plan: empty value, trailing comma, none, out of range refused");
	printf("%d checks, %d failed\n", checks, failures);
	return failures != 0;
}
