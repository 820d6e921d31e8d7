/* cdnow.h: the CDNOW sample's published customer summary
 * (tests/data/cdnow_customers_summary.csv: ID, x, t_x, T in weeks; the
 * data of Fader, Hardie & Lee 2005) as one sk_rfm a customer, weight 1,
 * for the unit tests that reproduce the published fits.  litt is not in
 * the summary (0: at k = 1 it does not enter the CNBD likelihoods). */
#ifndef SK_TEST_CDNOW_H
#define SK_TEST_CDNOW_H

#include <stdio.h>
#include <stdlib.h>

#include "model/model.h"

static struct sk_rfm *read_cdnow(size_t *n)
{
	const char *path = "tests/data/cdnow_customers_summary.csv";
	FILE *fp = fopen(path, "r");
	if (!fp) {
		printf("not ok - cannot open %s (run from the repository root)\n", path);
		exit(1);
	}
	char line[256];
	size_t cap = 4096, k = 0;
	struct sk_rfm *p = malloc(cap * sizeof *p);
	if (!p || !fgets(line, sizeof line, fp)) {	/* the header */
		printf("not ok - %s is empty\n", path);
		exit(1);
	}
	while (fgets(line, sizeof line, fp)) {
		double id, x, tx, T;
		if (sscanf(line, "%lf,%lf,%lf,%lf", &id, &x, &tx, &T) != 4)
			continue;
		if (k == cap) {
			struct sk_rfm *q = realloc(p, (cap *= 2) * sizeof *p);
			if (!q)
				exit(1);
			p = q;
		}
		p[k++] = (struct sk_rfm){ .x = x, .t_x = tx, .T = T, .w = 1 };
	}
	fclose(fp);
	*n = k;
	return p;
}

#endif
