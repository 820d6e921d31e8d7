/* fuzz_model: the model-file loader, and scoring with what it accepts. */
#include "fuzz.h"

#include <math.h>

#include "model/modelfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd;
	const char *path = fuzz_file(data, size, &fd);
	struct sk_modelfile m;
	sk_die_hook = fuzz_jump;
	if (setjmp(fuzz_env) == 0) {
		sk_modelfile_load(path, NULL, &m);
		if (m.tm) {
			double v = m.tm->p_alive(m.tfit.par, 2, 5, 10);
			double e = m.tm->expected(m.tfit.par, 3, 2, 5, 10);
			if (!isfinite(v) || !isfinite(e))
				abort();
		}
	}
	sk_die_hook = NULL;
	fuzz_close_from(fd);
	return 0;
}
