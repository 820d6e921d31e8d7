/* test_nested.c: unit tests for the nested-model table of the fit report
 * (lib/model/nested.c).  The p values are Self & Liang's (1987, case 5)
 * 50:50 mixture of chi-square(0) and chi-square(1) for one boundary
 * parameter: P = Q_chi2(1)(LR) / 2, so LR = 2.7055 (the chi-square(1)
 * 10 % point) gives 0.05. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tap.h"
#include "model/nested.h"

int main(void)
{
	struct sk_nested nt = { 0 };
	sk_nested_add(&nt, "GGom/NBD", "Pareto/NBD", "b -> 0", -100, -101.35275, 1, 1);
	check(nt.n == 1 && fabs(nt.row[0].t.stat - 2.7055) < 1e-9 &&
	      fabs(nt.row[0].t.p - 0.05) < 1e-4 && nt.row[0].note[0] == 0,
	      "nested: LR 2.7055 on the boundary gives p = %.5f (0.05)", nt.row[0].t.p);
	sk_nested_add(&nt, "full", "restricted", "k = 1", -100, -101.35275, 1, 0);
	check(fabs(nt.row[1].t.p - 0.1) < 1e-4, "nested: the same LR inside the space gives "
	      "p = %.5f (0.10)", nt.row[1].t.p);
	sk_nested_add(&nt, "full", "restricted", "b -> 0", -100.0005, -100, 1, 1);
	check(nt.row[2].t.stat == 0 && nt.row[2].t.p == 1 &&
	      strstr(nt.row[2].note, "converged to the restriction") != NULL,
	      "nested: a full fit 5e-4 below the restricted one ran to the restriction: LR 0, "
	      "p 1 (%s)", nt.row[2].note);
	sk_nested_add(&nt, "full", "restricted", "b -> 0", -101, -100, 1, 1);
	check(isnan(nt.row[3].t.p) && strstr(nt.row[3].note, "did not reach") != NULL,
	      "nested: a full fit 1 below the restricted one has no p (%s)", nt.row[3].note);
	for (int i = 0; i < 10; i++)
		sk_nested_add(&nt, "a", "b", "c", -1, -2, 1, 0);
	check(nt.n == SK_NESTED_MAX, "nested: the table keeps at most %d rows (%d)",
	      SK_NESTED_MAX, nt.n);
	json_t *j = sk_nested_json(&nt);
	json_t *r3 = json_array_get(j, 3);
	check(json_array_size(j) == SK_NESTED_MAX && json_is_null(json_object_get(r3, "p")) &&
	      json_is_null(json_object_get(r3, "lr")) &&
	      fabs(json_real_value(json_object_get(json_array_get(j, 0), "p")) - 0.05) < 1e-4,
	      "nested: JSON rows, null p and lr where there is no test");
	json_decref(j);
	FILE *f = tmpfile();
	sk_nested_print(f, &nt);
	long len = ftell(f);
	rewind(f);
	char buf[4096] = "";
	size_t got = fread(buf, 1, sizeof buf - 1, f);
	buf[got] = 0;
	fclose(f);
	check(len > 0 && strstr(buf, "GGom/NBD vs Pareto/NBD") && strstr(buf, "0.05"),
	      "nested: the text section names the pair and its p");
	struct sk_nested empty = { 0 };
	f = tmpfile();
	sk_nested_print(f, &empty);
	check(ftell(f) == 0, "nested: no section without a row");
	fclose(f);
	printf("# %d checks, %d failed\n", checks, failures);
	return failures != 0;
}
