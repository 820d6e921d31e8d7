/* csvsplit.h: the CSV reader's fast path, included by io.c alone: a
 * record's first line, when it holds no quote and no carriage return, cut
 * at its delimiters without libcsv (io.c reads the other lines with
 * libcsv, and TSV and JSON, into the same record).
 *
 * The functions are static in this header rather than compiled in a .c
 * of their own so that the compiler inlines rec_split into io.c's reader
 * as it did when the code lived there.  As a call into another object
 * file it cost ~27 instructions a line (the call and the saving of
 * registers): +1.1% instructions and ~3% CPU time for summarize over
 * bench/data/tx5m.csv.  They keep io.c's storage classes too: with
 * rec_more_fields (the rare growth) static inline, GCC inlined it into
 * the splitting loop and the count rose as much. */
#ifndef SK_CSVSPLIT_H
#define SK_CSVSPLIT_H

#include <stddef.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "io.h"
#include "util.h"

/* The current record: its fields as offsets into rbuf, NUL-terminated
 * there, their lengths and their types (enum sk_ftype); io.c turns the
 * offsets into pointers once the record is whole. */
struct rec {
	char *rbuf;
	size_t rlen, rcap;
	size_t *foff, *flen;
	unsigned char *ftype;
	size_t nf, fcap;
};

/* Room for field nf: foff, flen and ftype grow together. */
static void rec_more_fields(struct rec *r)
{
	size_t c = r->fcap;
	sk_grow((void **)&r->foff, &c, r->nf + 1, sizeof *r->foff);
	c = r->fcap;
	sk_grow((void **)&r->flen, &c, r->nf + 1, sizeof *r->flen);
	c = r->fcap;
	sk_grow((void **)&r->ftype, &c, r->nf + 1, 1);
	r->fcap = c;
}

static inline void rec_field(struct rec *r, size_t off, size_t len)
{
	if (r->nf >= r->fcap)
		rec_more_fields(r);
	r->foff[r->nf] = off;
	r->flen[r->nf] = len;
	r->ftype[r->nf] = SK_STR;
	r->nf++;
}

/* The record is the line p[0..len) cut at every delimiter: copied once,
 * each delimiter becoming the NUL that ends a field.  0 (and no fields)
 * when the line holds a quote or a carriage return: such a line is
 * libcsv's to read (a quote starts RFC 4180 quoting, a bare CR would end
 * a record there).  With SSE2, sixteen bytes are compared with the
 * delimiter, the quote and CR at once and the delimiters found from the
 * bit mask: a memchr call per field and two per line for the quote and
 * CR were a tenth of every stage that reads customer records (issue 21). */
static int rec_split(struct rec *r, const char *p, size_t len, char delim)
{
	if (len + 17 > r->rcap)
		sk_grow((void **)&r->rbuf, &r->rcap, len + 17, 1);
	char *b = r->rbuf, *end = b + len;
	memcpy(b, p, len);
	/* The tail of the last block is compared too: defined bytes that
	 * match nothing (its bits are masked off below anyway). */
	memset(end, 0, 17);
#ifdef __SSE2__
	if (delim != '"' && delim != '\r' && delim != 0) {
		const __m128i vd = _mm_set1_epi8(delim), vq = _mm_set1_epi8('"'),
			      vc = _mm_set1_epi8('\r');
		size_t q = 0;
		for (size_t i = 0; i < len; i += 16) {
			__m128i v = _mm_loadu_si128((const __m128i *)(b + i));
			unsigned keep = len - i >= 16 ? 0xffffu : (1u << (len - i)) - 1;
			unsigned bad = (unsigned)_mm_movemask_epi8(_mm_or_si128(
				_mm_cmpeq_epi8(v, vq), _mm_cmpeq_epi8(v, vc))) & keep;
			if (bad) {
				r->nf = 0;
				return 0;
			}
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, vd)) & keep;
			while (m) {
				size_t d = i + (size_t)__builtin_ctz(m);
				m &= m - 1;
				rec_field(r, q, d - q);
				b[d] = 0;
				q = d + 1;
			}
		}
		rec_field(r, q, len - q);
		r->rlen = len + 1;
		return 1;
	}
#endif
	if (memchr(b, '"', len) || memchr(b, '\r', len))
		return 0;
	for (char *q = b;;) {
		char *d = memchr(q, delim, (size_t)(end - q));
		if (!d)
			d = end;
		rec_field(r, (size_t)(q - b), (size_t)(d - q));
		if (d == end)
			break;
		*d = 0;
		q = d + 1;
	}
	r->rlen = len + 1;
	return 1;
}

#endif
