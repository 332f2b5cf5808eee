/* test-hmap.c -- the shared hash map: adding, replacing, removing (with the
 * backward shift that keeps every remaining key findable), constant-time
 * lookups of secrets, iteration; then thousands of random operations
 * checked against a plain array. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

static int one = 1, two = 2, three = 3;

START_TEST(test_hmap_an_empty_map_finds_nothing)
{
	struct hmap m = HMAP_INIT;
	ck_assert_ptr_null(hmap_get(&m, "a"));
	ck_assert_ptr_null(hmap_get_secret(&m, "a", 1));
	ck_assert_ptr_null(hmap_remove(&m, "a"));
	ck_assert_ptr_null(hmap_next(&m, NULL));
	hmap_free(&m);
}
END_TEST

START_TEST(test_hmap_add_keeps_the_first_value_and_says_so)
{
	struct hmap m = HMAP_INIT;
	ck_assert_ptr_null(hmap_add(&m, "k", &one));
	ck_assert_ptr_eq(hmap_add(&m, "k", &two), &one);
	ck_assert_ptr_eq(hmap_get(&m, "k"), &one);
	ck_assert_uint_eq(m.n, 1);
	hmap_free(&m);
}
END_TEST

START_TEST(test_hmap_put_replaces_the_value_and_the_key_pointer)
{
	struct hmap m = HMAP_INIT;
	char *first = strdup("same"), *second = strdup("same");
	ck_assert_ptr_null(hmap_put(&m, first, &one));
	ck_assert_ptr_eq(hmap_put(&m, second, &two), &one);
	free(first); /* the entry no longer points at it */
	ck_assert_ptr_eq(hmap_get(&m, "same"), &two);
	ck_assert_ptr_eq(hmap_next(&m, NULL)->key, second);
	hmap_free(&m);
	free(second);
}
END_TEST

START_TEST(test_hmap_remove_returns_the_value_once)
{
	struct hmap m = HMAP_INIT;
	hmap_add(&m, "a", &one);
	hmap_add(&m, "b", &two);
	ck_assert_ptr_eq(hmap_remove(&m, "a"), &one);
	ck_assert_ptr_null(hmap_remove(&m, "a"));
	ck_assert_ptr_null(hmap_get(&m, "a"));
	ck_assert_ptr_eq(hmap_get(&m, "b"), &two);
	ck_assert_uint_eq(m.n, 1);
	hmap_free(&m);
}
END_TEST

START_TEST(test_hmap_finds_a_secret_of_the_same_length_only)
{
	struct hmap m = HMAP_INIT;
	hmap_add(&m, "dataset-abc", &one);
	hmap_add(&m, "dataset-abcd", &two);
	ck_assert_ptr_eq(hmap_get_secret(&m, "dataset-abcd", 12), &two);
	ck_assert_ptr_eq(hmap_get_secret(&m, "dataset-abcdef", 11), &one); /* the first 11 bytes */
	ck_assert_ptr_null(hmap_get_secret(&m, "dataset-abd", 11));
	ck_assert_ptr_null(hmap_get_secret(&m, "dataset-ab", 10));
	hmap_free(&m);
}
END_TEST

START_TEST(test_hmap_visits_every_entry_once)
{
	struct hmap m = HMAP_INIT;
	hmap_add(&m, "x", &one);
	hmap_add(&m, "y", &two);
	hmap_add(&m, "z", &three);
	int sum = 0, n = 0;
	for (struct hmap_slot *s = hmap_next(&m, NULL); s; s = hmap_next(&m, s), n++)
		sum += *(int *)s->value;
	ck_assert_int_eq(n, 3);
	ck_assert_int_eq(sum, 6);
	hmap_free(&m);
}
END_TEST

/* Random adds, puts and removes over a small key space (so that clusters
 * form and removals shift them), each checked against an array. */
START_TEST(test_hmap_agrees_with_a_plain_array)
{
	enum { KEYS = 600, OPS = 20000 };
	static char keys[KEYS][16];
	static int *model[KEYS];
	static int values[KEYS];
	for (int i = 0; i < KEYS; i++) {
		snprintf(keys[i], sizeof keys[i], "k%d", i * 7919);
		model[i] = NULL;
		values[i] = i;
	}
	struct hmap m = HMAP_INIT;
	unsigned seed = 12345;
	size_t live = 0;
	for (int op = 0; op < OPS; op++) {
		seed = seed * 1103515245u + 12345u;
		int k = (int)((seed >> 8) % KEYS), what = (int)((seed >> 20) % 3);
		if (what == 0) {
			void *had = hmap_add(&m, keys[k], &values[k]);
			ck_assert_ptr_eq(had, model[k]);
			if (!model[k]) {
				model[k] = &values[k];
				live++;
			}
		} else if (what == 1) {
			ck_assert_ptr_eq(hmap_put(&m, keys[k], &values[k]), model[k]);
			live += !model[k];
			model[k] = &values[k];
		} else {
			ck_assert_ptr_eq(hmap_remove(&m, keys[k]), model[k]);
			live -= model[k] != NULL;
			model[k] = NULL;
		}
		ck_assert_uint_eq(m.n, live);
		if (op % 997 == 0)
			for (int i = 0; i < KEYS; i++)
				ck_assert_ptr_eq(hmap_get(&m, keys[i]), model[i]);
	}
	for (int i = 0; i < KEYS; i++)
		ck_assert_ptr_eq(hmap_get(&m, keys[i]), model[i]);
	hmap_free(&m);
}
END_TEST

Suite *test_suite(void)
{
	Suite *s = suite_create("hmap");
	TCase *tc = tcase_create("hmap");
	tcase_add_test(tc, test_hmap_an_empty_map_finds_nothing);
	tcase_add_test(tc, test_hmap_add_keeps_the_first_value_and_says_so);
	tcase_add_test(tc, test_hmap_put_replaces_the_value_and_the_key_pointer);
	tcase_add_test(tc, test_hmap_remove_returns_the_value_once);
	tcase_add_test(tc, test_hmap_finds_a_secret_of_the_same_length_only);
	tcase_add_test(tc, test_hmap_visits_every_entry_once);
	tcase_add_test(tc, test_hmap_agrees_with_a_plain_array);
	suite_add_tcase(s, tc);
	return s;
}
