/* fuzz-fixtures.c -- fixture loading of arbitrary bytes: the input is the one
 * fixture file of a directory (made once), loaded with fixtures_load() as
 * `dify-mock --fixtures DIR` would. When it loads, every workflow (scenarios'
 * variants included) is run from each of its first nodes, every event and
 * blocking body is rendered and the stream is played with the scenario's
 * stream fault, so that odd graphs and faults reach the simulator. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "fixtures.h"
#include "ids.h"
#include "json.h"
#include "runs.h"

static char dir[64];
static char file[96];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void remove_dir(void)
{
	unlink(file);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/fuzz-fixtures-XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(file, sizeof file, "%s/fixture.json", dir);
	atexit(remove_dir);
	ids_seed(1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f = fopen(file, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f))
		abort();
	struct fixtures *fx;
	struct fx_problems problems = { NULL, 0 };
	if (fixtures_load(dir, &fx, &problems)) {
		if (!problems.n)
			abort(); /* a failed load always says why */
		fx_problems_free(&problems);
		return 0;
	}
	fuzz_run_fixtures(fx, false);
	fixtures_free(fx);
	return 0;
}
