/* fuzz_date: the date parser, built-in forms and a strptime format, and
 * the round trip through the formatter. */
#include "fuzz.h"

#include "record/date.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long d;
	char buf[11];
	if (sk_date_parse((const char *)data, size, NULL, &d) == 0) {
		sk_date_format(d, buf);
		long back;
		if (sk_date_parse(buf, 10, NULL, &back) != 0 || back != d)
			abort();
	}
	if (sk_date_parse((const char *)data, size, "%d/%m/%Y", &d) == 0)
		sk_date_format(d, buf);
	return 0;
}
