/* ids.c -- placeholder, being written. */
