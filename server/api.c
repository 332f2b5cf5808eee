/* api.c -- placeholder, being written. */
