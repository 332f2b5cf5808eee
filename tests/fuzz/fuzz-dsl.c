/* fuzz-dsl.c -- Dify DSL files of arbitrary bytes: the input is the YAML a
 * fixture's draft and published workflows name (fixture.json, written
 * once), loaded with fixtures_load(); a set that loads is run from each of
 * its first nodes with every datasource_type (runs.c). The input also goes
 * through json_parse_yaml with malloc'd nodes, whose frees the arena path
 * never exercises. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "ids.h"
#include "json.h"
#include "runs.h"

static char dir[64];
static char fixture[96], dsl[96];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void remove_dir(void)
{
	unlink(fixture);
	unlink(dsl);
	rmdir(dir);
}

static const char fixture_text[] =
	"{\"version\":1,\"workspaces\":[{\"id\":\"0a0a0a0a-0000-4000-8000-000000000000\",\"name\":\"W\","
	"\"owner\":{\"id\":\"0c0c0c0c-0000-4000-8000-000000000000\",\"name\":\"O\",\"email\":\"o@x\"},"
	"\"api_keys\":[\"dataset-fuzzkey\"]}],\"knowledge_bases\":[{\"id\":\"0b0b0b0b-0000-4000-8000-000000000000\","
	"\"workspace\":\"0a0a0a0a-0000-4000-8000-000000000000\",\"name\":\"KB\",\"strict_file_references\":true,"
	"\"pipeline\":{\"id\":\"0d0d0d0d-0000-4000-8000-000000000000\",\"published\":\"pipe.yml\","
	"\"draft\":{\"dsl\":\"pipe.yml\",\"overlay\":{}}}}]}";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/fuzz-dsl-XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	snprintf(fixture, sizeof fixture, "%s/fixture.json", dir);
	snprintf(dsl, sizeof dsl, "%s/pipe.yml", dir);
	atexit(remove_dir);
	FILE *f = fopen(fixture, "wb");
	if (!f || fputs(fixture_text, f) < 0 || fclose(f))
		abort();
	ids_seed(1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cJSON *tree;
	if (!json_parse_yaml(NULL, (const char *)data, size, &tree, NULL, 0))
		cJSON_Delete(tree);
	FILE *f = fopen(dsl, "wb");
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
	fuzz_run_fixtures(fx, true);
	fixtures_free(fx);
	return 0;
}
