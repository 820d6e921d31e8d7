/* fuzz_rules: classify's rules file and RFM segment file loaders. */
#include "fuzz.h"

#include "crm/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd;
	const char *path = fuzz_file(data, size, &fd);
	struct sk_classify_rules r;
	struct sk_classify_segments s;
	sk_classify_rules_init(&r);
	sk_classify_segments_init(&s);
	sk_die_hook = fuzz_jump;
	if (setjmp(fuzz_env) == 0)
		sk_classify_rules_load(&r, path);
	if (setjmp(fuzz_env) == 0)
		sk_classify_segments_load(&s, path);
	sk_die_hook = NULL;
	sk_classify_rules_free(&r);
	sk_classify_segments_free(&s);
	fuzz_close_from(fd);
	return 0;
}
