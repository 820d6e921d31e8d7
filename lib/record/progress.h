/* progress.h: a one-line progress meter on standard error for long
 * inputs, driven by the record reader's block refills (never per row).
 *
 * Shown when --progress forces it, or on a terminal (stderr) when the
 * known input size is over 50 MB (after a quarter second) or the read has
 * taken 2 s; --no-progress turns it off.  The line is redrawn in place
 * with "\r" and erased (spaces, "\r") at the end of the input and before
 * any message is printed, so messages never land on the meter's line. */
#ifndef SK_PROGRESS_H
#define SK_PROGRESS_H

#include <stddef.h>

#include "opts.h"

struct sk_progress;

/* A meter for one reader, or NULL when it is off (then the reader pays
 * nothing).  total_bytes is the size of all inputs, -1 when unknown (a
 * pipe); rows points to the reader's count of records. */
struct sk_progress *sk_progress_new(const struct sk_opts *o, long long total_bytes,
				    const unsigned long *rows);
/* n more bytes read from the input (compressed bytes for compressed
 * input, so the percentage is of the file sizes).  Called once per
 * block read; looks at the clock at most once per 32 KiB (about once
 * per block: the reader reads files 64 KiB at a time). */
void sk_progress_add(struct sk_progress *p, size_t n);
/* Erase the meter and free it; NULL is fine. */
void sk_progress_end(struct sk_progress *p);
/* Erase whatever meter is on the screen before another message goes to
 * standard error; the next refill redraws it. */
void sk_progress_erase(void);

#endif
