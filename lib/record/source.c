/* source.c: the buffered line source under the reader (io.c): physical
 * lines of a file or stdin, whatever their line ends (LF, CRLF, bare CR),
 * with gzip, zstd, bzip2 and xz decompressed below the line layer (zlib,
 * libzstd, libbz2 and liblzma from Debian), so that line numbers in
 * messages are lines of the text, compressed or not. */
#include "iopriv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bzlib.h>
#include <lzma.h>
#include <zlib.h>
#include <zstd.h>

#include "progress.h"
#include "util.h"

/* Only this file knows the decoders' types. */
struct codecs {
	z_stream *gz;
	ZSTD_DStream *zs;
	bz_stream *bz;
	lzma_stream *xz;
};

void sk_src_open(struct src *s, const char *name, struct sk_progress *pg)
{
	memset(s, 0, sizeof *s);
	s->name = name;
	s->pg = pg;
	if (strcmp(name, "-") == 0) {
		s->fd = 0;
		s->shown = "stdin";
	} else {
		s->fd = open(name, O_RDONLY);
		/* an input copied aside for a second reading keeps its name */
		const char *as = sk_spool_shown(name);
		s->shown = as ? as : name;
		if (s->fd < 0)
			sk_die(SK_EX_NOINPUT, "%s: %s", name, strerror(errno));
		struct stat st;
		if (fstat(s->fd, &st) == 0 && S_ISDIR(st.st_mode))
			sk_die(SK_EX_NOINPUT, "%s: %s", name, strerror(EISDIR));
	}
	/* stdin redirected from a file may start past its beginning; a
	 * size of 0 is not checked (files of /proc say 0 and have text). */
	struct stat st;
	off_t at = lseek(s->fd, 0, SEEK_CUR);
	s->size_at_open = fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
		at >= 0 ? (long long)(st.st_size - at) : -1;
	s->cap = 1 << 16;
	s->buf = sk_xmalloc(s->cap);
}

void sk_src_close(struct src *s)
{
	if (s->fd > 0)
		close(s->fd);
	free(s->buf);
	s->buf = NULL;
	free(s->zin);
	s->zin = NULL;
	if (!s->z)
		return;
	if (s->z->gz) {
		inflateEnd(s->z->gz);
		free(s->z->gz);
		s->z->gz = NULL;
	}
	ZSTD_freeDStream(s->z->zs);
	s->z->zs = NULL;
	if (s->z->bz) {
		BZ2_bzDecompressEnd(s->z->bz);
		free(s->z->bz);
		s->z->bz = NULL;
	}
	if (s->z->xz) {
		lzma_end(s->z->xz);
		free(s->z->xz);
		s->z->xz = NULL;
	}
	free(s->z);
	s->z = NULL;
}

/* read(2) up to n raw bytes; 0 at end of input.  The progress meter
 * counts raw bytes, so its percentage is of the (compressed) file size. */
static size_t raw_read(struct src *s, void *p, size_t n)
{
	for (;;) {
		ssize_t got = read(s->fd, p, n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			sk_die(SK_EX_IOERR, "%s: read error: %s", s->shown, strerror(errno));
		if (s->pg && got > 0)
			sk_progress_add(s->pg, (size_t)got);
		s->raw_bytes += got;
		/* At the end of a regular file every byte it had at open must
		 * have been read, and no more: a file cut short (or appended
		 * to) on a line boundary would otherwise read as a whole one
		 * with customers missing. */
		if (got == 0 && s->size_at_open >= 0 && s->raw_bytes != s->size_at_open)
			sk_die(SK_EX_IOERR, "%s: the file changed size while it was read "
			       "(%lld bytes at open, %lld read)", s->shown, s->size_at_open,
			       s->raw_bytes);
		return (size_t)got;
	}
}

static _Noreturn void corrupt(struct src *s, const char *what, const char *detail)
{
	/* The line the damage is on: lines handed out, plus the complete
	 * lines decoded but not yet read, plus one. */
	unsigned long line = s->line + 1;
	for (const char *p = s->buf + s->beg, *e = s->buf + s->end;
	     (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
		line++;
	sk_die(SK_EX_DATA, "%s:%lu: %s%s%s", s->shown, line, what,
	       detail ? ": " : "", detail ? detail : "");
}

/* Decide the codec from the first bytes (gzip 1f 8b, zstd 28 b5 2f fd,
 * bzip2 "BZh" and a block size digit, xz fd "7zXZ" 00), whatever the file
 * is called: stdin has no name, and a .gz that is
 * really plain text reads as plain text.  The bytes read stay in buf for
 * plain input, or move to zin for the decoder. */
static void src_sniff(struct src *s)
{
	size_t n = 0;
	while (n < 6) {
		size_t got = raw_read(s, s->buf + s->end + n, 6 - n);
		if (got == 0)
			break;
		n += got;
	}
	const unsigned char *m = (const unsigned char *)s->buf + s->end;
	/* UTF-16: a byte order mark, or ASCII text with every other byte 0. */
	if (n >= 2 && ((m[0] == 0xFF && m[1] == 0xFE) || (m[0] == 0xFE && m[1] == 0xFF) ||
		       (n >= 4 && m[0] && !m[1] && m[2] && !m[3]) ||
		       (n >= 4 && !m[0] && m[1] && !m[2] && m[3])))
		sk_die(SK_EX_DATA, "%s:1: the input is UTF-16 text; convert it to UTF-8 first "
		       "(iconv -f UTF-16 -t UTF-8 %s | ...)", s->shown, s->fd == 0 ? "FILE" : s->shown);
	if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
		s->codec = CODEC_GZIP;
	else if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		s->codec = CODEC_ZSTD;
	else if (n >= 4 && memcmp(m, "BZh", 3) == 0 && m[3] >= '1' && m[3] <= '9')
		s->codec = CODEC_BZIP2;
	else if (n >= 6 && memcmp(m, "\xfd" "7zXZ" "\0", 6) == 0)
		s->codec = CODEC_XZ;
	else {
		s->codec = CODEC_PLAIN;
		s->end += n;
		if (n == 0)
			s->eof = 1;
		return;
	}
	s->zin = sk_xmalloc(ZCAP);
	s->z = sk_xcalloc(1, sizeof *s->z);
	memcpy(s->zin, m, n);
	s->zend = n;
	if (s->codec == CODEC_GZIP) {
		s->z->gz = sk_xcalloc(1, sizeof *s->z->gz);
		/* 15 + 16: the largest window, gzip wrapper only. */
		if (inflateInit2(s->z->gz, 15 + 16) != Z_OK)
			sk_die(SK_EX_SOFTWARE, "%s: cannot initialise zlib", s->shown);
	} else if (s->codec == CODEC_ZSTD) {
		s->z->zs = ZSTD_createDStream();
		if (!s->z->zs || ZSTD_isError(ZSTD_initDStream(s->z->zs)))
			sk_die(SK_EX_SOFTWARE, "%s: cannot initialise zstd", s->shown);
	} else if (s->codec == CODEC_BZIP2) {
		s->z->bz = sk_xcalloc(1, sizeof *s->z->bz);
		if (BZ2_bzDecompressInit(s->z->bz, 0, 0) != BZ_OK)
			sk_die(SK_EX_SOFTWARE, "%s: cannot initialise bzip2", s->shown);
	} else {
		s->z->xz = sk_xcalloc(1, sizeof *s->z->xz);
		/* LZMA_CONCATENATED: xz files may hold several streams, like
		 * gzip members (xz -c a b > c). */
		if (lzma_stream_decoder(s->z->xz, UINT64_MAX, LZMA_CONCATENATED) != LZMA_OK)
			sk_die(SK_EX_SOFTWARE, "%s: cannot initialise xz", s->shown);
	}
}

/* Decode into buf[end..cap-1); 1 when text came out, 0 at the end. */
static int src_decode(struct src *s)
{
	for (;;) {
		if (s->zbeg == s->zend && !s->zeof) {
			s->zbeg = 0;
			s->zend = raw_read(s, s->zin, ZCAP);
			s->zeof = s->zend == 0;
		}
		if (s->zbeg == s->zend && s->zcomplete) {
			s->eof = 1;
			return 0;
		}
		/* With no input left the decoder may still hold text that did
		 * not fit last time; it gets one more call to give it. */
		size_t room = s->cap - s->end - 1, used, made;
		if (s->codec == CODEC_GZIP) {
			z_stream *z = s->z->gz;
			/* Bytes after the end of a member start the next one
			 * (gzip -c a b > c, pigz, bgzip). */
			int fresh = s->zcomplete;
			if (fresh) {
				inflateReset(z);
				s->zcomplete = 0;
			}
			z->next_in = s->zin + s->zbeg;
			z->avail_in = (uInt)(s->zend - s->zbeg);
			z->next_out = (Bytef *)s->buf + s->end;
			z->avail_out = (uInt)room;
			int rc = inflate(z, Z_NO_FLUSH);
			used = (size_t)(z->next_in - (s->zin + s->zbeg));
			made = room - z->avail_out;
			/* Text decoded before damage counts for the line. */
			s->zbeg += used;
			s->end += made;
			if (rc == Z_STREAM_END)
				s->zcomplete = 1;
			else if (rc != Z_OK && rc != Z_BUF_ERROR && fresh)
				corrupt(s, "trailing bytes after the gzip data", NULL);
			else if (rc != Z_OK && rc != Z_BUF_ERROR)
				corrupt(s, "bad gzip data", z->msg ? z->msg : "unknown error");
		} else if (s->codec == CODEC_BZIP2) {
			bz_stream *z = s->z->bz;
			/* Concatenated bzip2 streams (pbzip2, bzip2 -c a b > c):
			 * after one ends, the next starts afresh. */
			int fresh = s->zcomplete;
			if (fresh) {
				BZ2_bzDecompressEnd(z);
				memset(z, 0, sizeof *z);
				if (BZ2_bzDecompressInit(z, 0, 0) != BZ_OK)
					sk_die(SK_EX_SOFTWARE, "%s: cannot initialise bzip2", s->shown);
				s->zcomplete = 0;
			}
			z->next_in = (char *)s->zin + s->zbeg;
			z->avail_in = (unsigned)(s->zend - s->zbeg);
			z->next_out = s->buf + s->end;
			z->avail_out = (unsigned)room;
			int rc = BZ2_bzDecompress(z);
			used = (size_t)((unsigned char *)z->next_in - (s->zin + s->zbeg));
			made = room - z->avail_out;
			s->zbeg += used;
			s->end += made;
			if (rc == BZ_STREAM_END)
				s->zcomplete = 1;
			else if (rc != BZ_OK && fresh)
				corrupt(s, "trailing bytes after the bzip2 data", NULL);
			else if (rc != BZ_OK)
				corrupt(s, "bad bzip2 data", NULL);
		} else if (s->codec == CODEC_XZ) {
			lzma_stream *z = s->z->xz;
			z->next_in = s->zin + s->zbeg;
			z->avail_in = s->zend - s->zbeg;
			z->next_out = (uint8_t *)s->buf + s->end;
			z->avail_out = room;
			/* LZMA_FINISH once the input is all here: a concatenated
			 * decoder only ends the last stream when told. */
			lzma_ret rc = lzma_code(z, s->zeof ? LZMA_FINISH : LZMA_RUN);
			used = (size_t)(z->next_in - (s->zin + s->zbeg));
			made = room - z->avail_out;
			s->zbeg += used;
			s->end += made;
			if (rc == LZMA_STREAM_END)
				s->zcomplete = 1;
			else if (rc != LZMA_OK && rc != LZMA_BUF_ERROR)
				corrupt(s, "bad xz data", rc == LZMA_DATA_ERROR ? "corrupt data"
					: rc == LZMA_FORMAT_ERROR ? "not xz" : rc == LZMA_MEM_ERROR
					? "out of memory" : "decoder error");
		} else {
			ZSTD_inBuffer in = { s->zin + s->zbeg, s->zend - s->zbeg, 0 };
			ZSTD_outBuffer out = { s->buf + s->end, room, 0 };
			size_t rc = ZSTD_decompressStream(s->z->zs, &out, &in);
			used = in.pos;
			made = out.pos;
			s->zbeg += used;
			s->end += made;
			if (ZSTD_isError(rc))
				corrupt(s, "bad zstd data", ZSTD_getErrorName(rc));
			/* 0: a frame ended and was flushed; more input may start
			 * another. */
			s->zcomplete = rc == 0;
		}
		if (made)
			return 1;
		if (s->zbeg == s->zend && s->zeof) {
			if (!s->zcomplete)
				corrupt(s, s->codec == CODEC_GZIP ? "gzip data is truncated"
					: s->codec == CODEC_ZSTD ? "zstd data is truncated"
					: s->codec == CODEC_BZIP2 ? "bzip2 data is truncated"
					: "xz data is truncated", NULL);
			s->eof = 1;
			return 0;
		}
	}
}

/* Read more bytes; 0 at end of input. */
static int src_fill(struct src *s)
{
	if (s->eof)
		return 0;
	if (s->beg > 0) {
		memmove(s->buf, s->buf + s->beg, s->end - s->beg);
		s->end -= s->beg;
		s->nl_at = s->nl_at > s->beg ? s->nl_at - s->beg : 0;
		s->cr_at = s->cr_at > s->beg ? s->cr_at - s->beg : 0;
		s->beg = 0;
	}
	if (s->end + 4096 > s->cap) {
		s->cap *= 2;
		s->buf = sk_xrealloc(s->buf, s->cap);
	}
	if (s->codec == CODEC_UNKNOWN) {
		size_t had = s->end;
		src_sniff(s);
		if (s->codec == CODEC_PLAIN)
			return s->end > had;
	}
	if (s->codec != CODEC_PLAIN)
		return src_decode(s);
	size_t n = raw_read(s, s->buf + s->end, s->cap - s->end - 1);
	if (n == 0) {
		s->eof = 1;
		return 0;
	}
	s->end += n;
	return 1;
}

/* The first c at or after beg, or NULL when there is none before end;
 * *at remembers how far the buffer holds no c, so a file with no c at
 * all (no "\r" in a Unix file, no "\n" in an old Mac one) is scanned
 * once, not once a line. */
static char *next_of(struct src *s, size_t *at, char c)
{
	if (*at < s->beg)
		*at = s->beg;
	char *p = memchr(s->buf + *at, c, s->end - *at);
	*at = p ? (size_t)(p - s->buf) : s->end;
	return p;
}

/* Next physical line including its line end (the last may lack one);
 * NULL at end.  A line ends at "\n", "\r\n" or a bare "\r" (old Mac
 * exports), mixed as they come.  The pointer stays valid until the next
 * call. */
char *sk_src_line(struct src *s, size_t *len)
{
	for (;;) {
		char *nl = next_of(s, &s->nl_at, '\n');
		char *cr = next_of(s, &s->cr_at, '\r');
		char *stop = NULL;
		if (nl && (!cr || nl < cr))
			stop = nl;
		else if (cr && cr + 1 < s->buf + s->end)
			stop = cr[1] == '\n' ? cr + 1 : cr;
		else if (cr && s->eof)
			stop = cr;
		/* else a "\r" last in the buffer: the next byte says whether
		 * it is a CRLF */
		if (stop) {
			char *p = s->buf + s->beg;
			*len = (size_t)(stop + 1 - p);
			s->beg += *len;
			s->line++;
			return p;
		}
		if (!src_fill(s)) {
			if (s->end == s->beg)
				return NULL;
			char *p = s->buf + s->beg;
			*len = s->end - s->beg;
			s->beg = s->end;
			s->line++;
			return p;
		}
	}
}

/* Peek at the first bytes without consuming them (for detection). */
size_t sk_src_peek(struct src *s, const char **p)
{
	while (s->end - s->beg < 4096 && !s->eof) {
		if (!memchr(s->buf + s->beg, '\n', s->end - s->beg) || s->end - s->beg < 4)
			src_fill(s);
		else
			break;
	}
	*p = s->buf + s->beg;
	return s->end - s->beg;
}

/* ------------------------------------------------------------------ */
/* spooling inputs that cannot be read twice                          */

/* Each spooled input: the copy's path and the name messages give it. */
static struct spooled {
	char *path;
	const char *shown;
} *spooled;
static size_t nspooled;
static const char **spool_files;

static void spool_free(void)
{
	for (size_t k = 0; k < nspooled; k++)
		free(spooled[k].path);
	free(spooled);
	free(spool_files);
}

const char *sk_spool_shown(const char *name)
{
	for (size_t k = 0; k < nspooled; k++)
		if (strcmp(name, spooled[k].path) == 0)
			return spooled[k].shown;
	return NULL;
}

/* Copy fd (shown as shown) to a new file in TMPDIR, removed at exit and
 * on a fatal signal (sk_tmp_register); its path. */
static char *spool_one(int fd, const char *shown)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	size_t n = strlen(dir) + 32;
	char *path = sk_xmalloc(n);
	snprintf(path, n, "%s/siklus-spool.XXXXXX", dir);
	int out = mkstemp(path);
	if (out < 0)
		sk_die(SK_EX_CANTCREAT, "%s: cannot create: %s", path, strerror(errno));
	sk_tmp_register(path);
	char buf[1 << 16];
	for (;;) {
		ssize_t r = read(fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			sk_die(SK_EX_IOERR, "%s: read error: %s", shown, strerror(errno));
		if (r == 0)
			break;
		for (ssize_t off = 0; off < r;) {
			ssize_t w = write(out, buf + off, (size_t)(r - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				sk_die(SK_EX_IOERR, "%s: write error: %s", path, strerror(errno));
			off += w;
		}
	}
	if (close(out) != 0)
		sk_die(SK_EX_IOERR, "%s: write error: %s", path, strerror(errno));
	return path;
}

void sk_spool_streams(struct sk_opts *o)
{
	const char **files = sk_xmalloc((o->nfiles + 1) * sizeof *files);
	for (size_t k = 0; k < o->nfiles; k++) {
		const char *name = o->files[k];
		int is_stdin = strcmp(name, "-") == 0;
		struct stat st;
		files[k] = name;
		/* Standard input closed: checked before mkstemp could take
		 * descriptor 0 for the copy and read it back empty. */
		if (is_stdin && fstat(0, &st) != 0)
			sk_die(SK_EX_IOERR, "stdin: read error: %s", strerror(errno));
		if (!is_stdin && stat(name, &st) != 0)
			sk_die(SK_EX_NOINPUT, "%s: %s", name, strerror(errno));
		if (!is_stdin && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode)))
			continue;	/* read twice as it is; a directory fails at open */
		/* Standard input (whose offset the first reading moves to
		 * its end, even from a file), a pipe, FIFO, socket or
		 * terminal: copied once (a FIFO's second open would wait for a
		 * writer forever). */
		int fd = is_stdin ? 0 : open(name, O_RDONLY);
		if (fd < 0)
			sk_die(SK_EX_NOINPUT, "%s: %s", name, strerror(errno));
		spooled = sk_xrealloc(spooled, (nspooled + 1) * sizeof *spooled);
		spooled[nspooled].shown = is_stdin ? "stdin" : name;
		spooled[nspooled].path = spool_one(fd, spooled[nspooled].shown);
		if (!is_stdin)
			close(fd);
		files[k] = spooled[nspooled++].path;
	}
	files[o->nfiles] = NULL;
	if (!spool_files)
		atexit(spool_free);
	free(spool_files);
	o->files = spool_files = files;
}
