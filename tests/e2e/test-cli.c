/* test-cli.c -- placeholder, being written. */
#include <check.h>

#include "client.h"

Suite *test_suite(void)
{
	return suite_create("e2e-cli");
}
