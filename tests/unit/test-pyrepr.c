/* test-pyrepr.c -- placeholder suite, being written. */
#include <check.h>

Suite *test_suite(void)
{
	return suite_create("pyrepr");
}
