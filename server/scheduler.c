/* scheduler.c -- placeholder, being written. */
