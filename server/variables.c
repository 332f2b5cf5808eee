/* variables.c -- placeholder, being written. */
