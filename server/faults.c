/* faults.c -- the fault catalogue, one row per fault a scenario can apply. */
#include "faults.h"

struct fault_row {
	const char *fixture;   /* how a scenario spells it */
	const char *reproduces;
};

static const struct fault_row rows[] = {
	{ "\"http\": {\"status\": 503, \"headers\": {\"Retry-After\": \"2\"}}",
	  "any HTTP error with Dify's envelope (overload, maintenance, a 429 from a gateway)" },
	{ "\"http\": {\"status\": 502, \"body\": \"<html>...\"}",
	  "a proxy's own error page instead of JSON (nginx 502/504 in front of Dify)" },
	{ "\"delay_ms\": 30000", "a slow server or network: nothing until the headers, for client timeouts" },
	{ "\"connection\": \"close\"", "the server closes the connection without answering (worker killed, LB idle cut)" },
	{ "\"connection\": \"reset\"", "the connection is reset (RST): a crashed upstream or a firewall" },
	{ "\"nodes\": {\"<id>\": {\"fail\": {\"error\": \"...\"}}}",
	  "a pipeline node fails: node_finished failed, workflow failed (200)" },
	{ "\"nodes\": {\"<id>\": {\"duration_ms\": 60000}}", "a node runs long: timeouts of blocking calls, pings on streams" },
	{ "\"stream\": {\"fault\": \"error\", \"after\": 3}", "an `error` event mid-stream, then the end of the body" },
	{ "\"stream\": {\"fault\": \"error\", \"after\": 3, \"end\": false}",
	  "an `error` event and no terminal event: the stream stays open (a real Dify bug left clients hanging)" },
	{ "\"stream\": {\"fault\": \"drop\", \"after\": 3}",
	  "the connection drops after event 3, without the final chunk (worker restart, proxy timeout)" },
	{ "\"stream\": {\"fault\": \"cut\", \"after\": 3}",
	  "event 4 is cut in the middle of its JSON, then the connection closes (partial write)" },
	{ "\"stream\": {\"fault\": \"stall\", \"after\": 2, \"ms\": 30000}",
	  "nothing at all, pings included, for 30 s (a stuck worker; read timeouts)" },
	{ "\"stream\": {\"fault\": \"pings_only\", \"after\": 2, \"ms\": 60000}",
	  "only keep-alive pings for 60 s (a long node; clients must not time out while pinged)" },
	{ "\"stream\": {\"fault\": \"keep_open\", \"ms\": 30000}",
	  "the body stays open after the terminal event (clients that wait for the server to close)" },
	{ "\"stream\": {\"fault\": \"dribble\", \"after\": 1, \"bytes\": 1, \"interval_ms\": 20}",
	  "an event arrives a byte at a time (parsers that assume one read = one event)" },
	{ "\"stream\": {\"fault\": \"extra_event\", \"after\": 1, \"event\": {\"event\": \"agent_log\"}}",
	  "an event of a type the client does not know (newer Dify versions add events)" },
	{ "\"probability\": 0.3", "the scenario applies to a share of the requests (reproducible with --seed)" },
	{ "\"endpoints\": [\"indexing-status\", \"document\", \"file-upload\"]",
	  "HTTP, connection and delay faults on companion endpoints instead of pipeline/run (retries of pollers, uploads)" },
};

void faults_print(FILE *out)
{
	fputs("Faults a scenario can apply (fixtures/README.md, \"Scenarios\"):\n\n", out);
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		fprintf(out, "  %s\n      %s\n", rows[i].fixture, rows[i].reproduces);
	fputs("\nSelecting a scenario, first match wins: the X-Dify-Mock-Scenario header; POST /_mock/scenarios\n"
	      "(armed for the next N requests); a scenario's \"api_keys\"; the knowledge base's\n"
	      "\"scenario_sequence\".\n",
	      out);
}
