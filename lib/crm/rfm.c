/* rfm.c: RFM scores by quintile of rank, from a customer set's own
 * distribution of recency, frequency and spend or from merged cuts files
 * (classify --rfm-cuts-out / --rfm-cuts), so that shards score as one
 * run would. */
#include "rfmint.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/util.h"

/* ------------------------------------------------------------------ */
/* distributions and scores                                           */

static const char dim_name[3] = { 'r', 'f', 'm' };

static void dist_free(struct dist *d)
{
	free(d->key);
	free(d->count);
	memset(d, 0, sizeof *d);
}

/* The distribution of the sorted keys a[0..n). */
static void dist_of_sorted(const struct sk_kv *a, size_t n, struct dist *d)
{
	size_t nd = 0;
	for (size_t i = 0; i < n; i++)
		nd += i == 0 || a[i].key != a[i - 1].key;
	d->n = nd;
	d->total = n;
	d->key = sk_xmalloc((nd ? nd : 1) * sizeof *d->key);
	d->count = sk_xmalloc((nd ? nd : 1) * sizeof *d->count);
	for (size_t i = 0, k = 0, e; i < n; i = e, k++) {
		for (e = i + 1; e < n && a[e].key == a[i].key; e++)
			;
		d->key[k] = a[i].key;
		d->count[k] = e - i;
	}
}

/* The one scoring rule, for a table ranked among its own buyers and for a
 * table scored against merged --rfm-cuts alike: score = floor(5 m / n) + 1
 * where n is the number of buyers in d and m the rank (0 = worst) of the
 * middle of the buyer's group of equal keys: m = b + (t - 1) / 2 with b
 * buyers strictly worse and t tied.  Without ties m = b.  Ties take the
 * score of their mid-rank, as rank statistics treat ties (Kendall &
 * Gibbons, Rank Correlation Methods, 5th ed., sec. 3.1, "mid-ranks"), so a
 * group never scores below a worse one however large it is: ten customers
 * who bought yesterday and one from a year ago score 3 and 1, not 1 and 1
 * as the lowest rank of the group gave (issue 17).  a[0..n) is sorted; its
 * keys need not be in d (a key not in d has m = b; better than all of d
 * scores 5).  When top is not NULL, also mark the buyers
 * that fewer than top_share x n buyers of d beat (ties at the boundary
 * are all in). */
static void score_sorted(const struct sk_kv *a, size_t n, const struct dist *d,
			 unsigned char *score, int stride, double top_share, unsigned char *top)
{
	size_t j = 0;
	uint64_t worse = 0;
	for (size_t s = 0, e; s < n; s = e) {
		uint64_t key = a[s].key;
		for (e = s + 1; e < n && a[e].key == key; e++)
			;
		while (j < d->n && d->key[j] < key)
			worse += d->count[j++];
		uint64_t same = j < d->n && d->key[j] == key ? d->count[j] : 0;
		/* 5 m / n + 1 in integers: m = (2 b + t - 1) / 2 */
		uint64_t q = 5 * (2 * worse + (same ? same - 1 : 0)) / (2 * d->total) + 1;
		unsigned char qc = (unsigned char)(q > 5 ? 5 : q);
		int is_top = (double)(d->total - worse - same) < top_share * (double)d->total;
		for (size_t i = s; i < e; i++) {
			if (score)
				score[(size_t)stride * a[i].idx] = qc;
			if (top)
				top[a[i].idx] = (unsigned char)is_top;
		}
	}
}

/* Sort a[0..n) (the keys of n buyers) and score them against the
 * distribution of cuts when not NULL, else against their own.  When own is
 * not NULL it receives the distribution of a. */
void sk_rfm_rank_scores(struct sk_kv *a, size_t n, const struct dist *cuts,
			struct dist *own, unsigned char *score, int stride, double top_share,
			unsigned char *top)
{
	struct dist mine = { 0 };
	if (sk_kv_sort(a, n, UINT64_MAX) < 0)
		sk_die(SK_EX_SOFTWARE, "out of memory ranking %zu customers", n);
	if (own || !cuts)
		dist_of_sorted(a, n, &mine);
	score_sorted(a, n, cuts ? cuts : &mine, score, stride, top_share, top);
	if (own)
		*own = mine;
	else
		dist_free(&mine);
}

/* ------------------------------------------------------------------ */
/* cuts files                                                         */

/* A cuts file is CSV, one row per distinct value of a dimension:
 *
 *	dimension,value,count
 *	r,0,12		days since the last purchase (hundredths exact)
 *	f,0,640		frequency
 *	m,74.02,3	total_spend, the shortest decimal that reads back
 *
 * Rows may come in any order and a value may repeat (its counts add), and
 * a repeated header line is skipped, so the files of several shards
 * concatenated are their merge. */

static const char cuts_header[] = "dimension,value,count";

#define SIGN_BIT (UINT64_C(1) << 63)
#define MAX_COUNT UINT64_C(1000000000000000)	/* 1e15 */
#define MAX_TOTAL (UINT64_C(1) << 53)	/* counts stay exact as doubles */

/* The value of a key as the file writes it. */
static void format_value(int dim, uint64_t key, char *buf, size_t size)
{
	if (dim == 2) {
		double v = sk_double_of_key(key);
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(buf, size, "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
		return;
	}
	int64_t x = (int64_t)(key ^ SIGN_BIT);
	if (dim == 1) {
		snprintf(buf, size, "%" PRId64, x);
		return;
	}
	/* R: the key is minus the days since in hundredths. */
	uint64_t h = x < 0 ? (uint64_t)-x : (uint64_t)x;
	unsigned cents = (unsigned)(h % 100);
	const char *sign = x > 0 ? "-" : "";
	if (cents == 0)
		snprintf(buf, size, "%s%" PRIu64, sign, h / 100);
	else if (cents % 10 == 0)
		snprintf(buf, size, "%s%" PRIu64 ".%u", sign, h / 100, cents / 10);
	else
		snprintf(buf, size, "%s%" PRIu64 ".%02u", sign, h / 100, cents);
}

void sk_classify_cuts_save(const char *path, const struct sk_classify_cuts *k)
{
	struct sk_atomic at;
	FILE *f = sk_atomic_open(&at, path);
	char buf[64];
	fprintf(f, "%s\n", cuts_header);
	for (int dim = 0; dim < 3; dim++) {
		const struct dist *d = &k->d[dim];
		for (size_t i = 0; i < d->n; i++) {
			/* Ascending values: R's keys run the other way. */
			size_t j = dim == 0 ? d->n - 1 - i : i;
			format_value(dim, d->key[j], buf, sizeof buf);
			fprintf(f, "%c,%s,%" PRIu64 "\n", dim_name[dim], buf, d->count[j]);
		}
	}
	sk_atomic_commit(&at);
}

/* A whole number of at most 15 digits, or -1. */
static int64_t parse_whole(const char *s, const char **end)
{
	int64_t v = 0;
	int nd = 0;
	while (*s >= '0' && *s <= '9' && nd < 16) {
		v = v * 10 + (*s++ - '0');
		nd++;
	}
	*end = s;
	return nd == 0 || nd > 15 ? -1 : v;
}

/* A value of dim from the file as its key; 0 and *key set, or -1. */
static int parse_value(int dim, const char *s, uint64_t *key)
{
	const char *end;
	if (dim == 2) {
		char *e;
		if (!*s || strchr(" \t\n\v\f\r", *s))
			return -1;
		double v = strtod(s, &e);
		if (*e || !isfinite(v))
			return -1;
		*key = sk_key_of_double(v);
		return 0;
	}
	int64_t w = parse_whole(s, &end);
	if (w < 0)
		return -1;
	if (dim == 1) {
		if (*end || w > 1000000000)
			return -1;
		*key = sk_key_of_int(w);
		return 0;
	}
	/* R: days in hundredths, at most two decimals. */
	int64_t h = w * 100;
	if (*end == '.') {
		end++;
		if (!(end[0] >= '0' && end[0] <= '9'))
			return -1;
		h += (end[0] - '0') * 10;
		end++;
		if (end[0] >= '0' && end[0] <= '9')
			h += *end++ - '0';
	}
	if (*end)
		return -1;
	*key = sk_key_of_int(-h);
	return 0;
}

/* The rows of one dimension as read: key, and idx into count. */
struct rows {
	size_t n, cap, ncap;
	struct sk_kv *kv;
	uint64_t *count;
};

struct sk_classify_cuts *sk_classify_cuts_load(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		sk_die(SK_EX_NOINPUT, "%s: %s", path, strerror(errno));
	struct rows rows[3] = { { 0 } };
	uint64_t total[3] = { 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	int seen_header = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = 0;
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = 0;
		if (strlen(line) != (size_t)len)
			sk_die(SK_EX_DATA, "%s:%lu: a NUL byte: not a cuts file", path, lineno);
		if (strcmp(line, cuts_header) == 0) {
			seen_header = 1;
			continue;
		}
		if (!seen_header)
			sk_die(SK_EX_DATA, "%s:%lu: not a cuts file: the first line is not "
			       "\"%s\"", path, lineno, cuts_header);
		if (len == 0)
			continue;
		char *field[3];
		size_t nf = 1;
		field[0] = line;
		for (char *p = line; *p; p++)
			if (*p == ',') {
				if (nf < 3)
					field[nf] = p + 1;
				nf++;
				*p = 0;
			}
		if (nf != 3)
			sk_die(SK_EX_DATA, "%s:%lu: %zu fields, expected 3 (%s)", path, lineno,
			       nf, cuts_header);
		int dim;
		for (dim = 0; dim < 3; dim++)
			if (field[0][0] == dim_name[dim] && !field[0][1])
				break;
		if (dim == 3)
			sk_die(SK_EX_DATA, "%s:%lu: unknown dimension \"%.40s\" (known: r, f, m)",
			       path, lineno, field[0]);
		uint64_t key;
		if (parse_value(dim, field[1], &key) != 0)
			sk_die(SK_EX_DATA, "%s:%lu: %c value \"%.40s\" is not %s", path, lineno,
			       dim_name[dim], field[1],
			       dim == 0 ? "a number of days >= 0 with at most two decimals" :
			       dim == 1 ? "a whole number from 0 to 1000000000" :
			       "a finite number");
		const char *end;
		int64_t count = parse_whole(field[2], &end);
		if (count < 1 || *end || (uint64_t)count > MAX_COUNT)
			sk_die(SK_EX_DATA, "%s:%lu: count \"%.40s\" is not a whole number from 1 "
			       "to 1e15", path, lineno, field[2]);
		total[dim] += (uint64_t)count;
		if (total[dim] > MAX_TOTAL)
			sk_die(SK_EX_DATA, "%s:%lu: the %c counts add up to more than 2^53", path,
			       lineno, dim_name[dim]);
		struct rows *r = &rows[dim];
		if (r->n == UINT32_MAX)
			sk_die(SK_EX_DATA, "%s:%lu: more than %" PRIu32 " %c rows", path, lineno,
			       UINT32_MAX, dim_name[dim]);
		sk_grow((void **)&r->kv, &r->cap, r->n + 1, sizeof *r->kv);
		sk_grow((void **)&r->count, &r->ncap, r->n + 1, sizeof *r->count);
		r->kv[r->n] = (struct sk_kv){ key, (uint32_t)r->n };
		r->count[r->n++] = (uint64_t)count;
	}
	if (ferror(f))
		sk_die(SK_EX_IOERR, "%s: read error: %s", path, strerror(errno));
	fclose(f);
	free(line);
	if (!seen_header)
		sk_die(SK_EX_DATA, "%s: empty: not a cuts file (header \"%s\")", path,
		       cuts_header);
	/* Every buyer is in each dimension once. */
	if (total[0] != total[1] || total[0] != total[2])
		sk_die(SK_EX_DATA, "%s: the dimensions count different numbers of customers "
		       "(r %" PRIu64 ", f %" PRIu64 ", m %" PRIu64 "): a truncated or mixed "
		       "file", path, total[0], total[1], total[2]);

	struct sk_classify_cuts *k = sk_xcalloc(1, sizeof *k);
	k->path = sk_xstrdup(path);
	for (int dim = 0; dim < 3; dim++) {
		struct rows *r = &rows[dim];
		struct dist *d = &k->d[dim];
		if (sk_kv_sort(r->kv, r->n, UINT64_MAX) < 0)
			sk_die(SK_EX_SOFTWARE, "out of memory sorting %s", path);
		d->key = sk_xmalloc((r->n ? r->n : 1) * sizeof *d->key);
		d->count = sk_xmalloc((r->n ? r->n : 1) * sizeof *d->count);
		for (size_t i = 0; i < r->n; i++) {
			if (d->n > 0 && d->key[d->n - 1] == r->kv[i].key) {
				d->count[d->n - 1] += r->count[r->kv[i].idx];
			} else {
				d->key[d->n] = r->kv[i].key;
				d->count[d->n++] = r->count[r->kv[i].idx];
			}
		}
		d->total = total[dim];
		free(r->kv);
		free(r->count);
	}
	return k;
}

void sk_classify_cuts_free(struct sk_classify_cuts *k)
{
	if (!k)
		return;
	for (int dim = 0; dim < 3; dim++)
		dist_free(&k->d[dim]);
	free(k->path);
	free(k);
}

