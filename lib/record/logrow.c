/* logrow.c: the customer id and the day of a row of a transaction log,
 * read and checked the one way summarize, cohort and xsell all need. */
#include "io.h"

#include "date.h"
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
