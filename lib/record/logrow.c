/* logrow.c: the customer id, the day and the amount of a row of a
 * transaction log, read and checked the one way every program needs. */
#include "io.h"

#include <math.h>

#include "date.h"
#include "num.h"
#include "util.h"

int sk_reader_id_day(struct sk_reader *r, const struct sk_opts *o, size_t cid, size_t cdate,
		     struct sk_datecol *dc, const char **id, size_t *idlen, long *day)
{
	enum sk_ftype type;
	size_t dlen;
	*id = sk_reader_field(r, cid, idlen, &type);
	if (*idlen == 0 || type == SK_NULL) {
		sk_reader_bad(r, "column \"%s\": empty customer id", o->col_id);
		return -1;
	}
	const char *ds = sk_reader_field(r, cdate, &dlen, NULL);
	if (sk_datecol_read(dc, o, ds, dlen, day)) {
		char qb[320];
		sk_reader_bad(r, "column \"%s\": cannot parse %s%s", o->col_date,
			      sk_quoted(qb, ds, dlen), sk_datecol_why(dc, o, ds, dlen));
		return -1;
	}
	return 0;
}

int sk_reader_amount(struct sk_reader *r, size_t i, const char *colname, double *v,
		     int64_t *micro)
{
	size_t len;
	enum sk_ftype type;
	const char *s = sk_reader_field(r, i, &len, &type);
	/* Empty, JSON null, or a database's NULL in text (NULL, \N): no
	 * amount; the caller decides what that means (--null-amount). */
	if (len == 0 || type == SK_NULL || (type != SK_RAW && sk_null_text(s, len)))
		return 0;
	const char *why;
	char qb[320];
	if (sk_reader_num(r, i, v, &why)) {
		sk_reader_bad(r, "column \"%s\": cannot parse %s as a number%s", colname,
			      sk_quoted(qb, s, len), why);
		return -1;
	}
	if (fabs(*v) > SK_AMOUNT_MAX) {
		sk_reader_bad(r, "column \"%s\": amount %s is too large", colname,
			      sk_quoted(qb, s, len));
		return -1;
	}
	*micro = sk_micro_of(*v);
	return 1;
}
