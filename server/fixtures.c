/* fixtures.c -- placeholder, being written. */
