/* pyrepr.c -- placeholder, being written. */
