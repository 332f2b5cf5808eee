/* fixtures_graph.c -- a workflow's graph once its edges are read: the
 * cycle check, each node's next and fail_next lists, and the order the
 * simulator walks. Plain graph code over node indexes: no JSON, no
 * problems reported here. */
#include "fixtures_parse.h"

#include <stdlib.h>

#include "json.h"

/* n zeroed indexes from the fixtures' arena (they live as long as the workflow). */
static size_t *indexes(struct json_arena *arena, size_t n)
{
	return json_arena_calloc(arena, n, sizeof(size_t));
}

/* One node on a cycle over the edges, or -1. Iterative DFS in node and edge
 * order, so the node named is always the same for the same fixture. */
long fx_find_cycle(size_t n, const struct fx_edge *edges, size_t n_edges)
{
	size_t *off = xcalloc(n + 1, sizeof *off), *adj = xcalloc(n_edges, sizeof *adj);
	size_t *stack = xcalloc(n, sizeof *stack), *pos = xcalloc(n, sizeof *pos);
	unsigned char *color = xcalloc(n, 1); /* 0 new, 1 on the stack, 2 done */
	long found = -1;
	for (size_t e = 0; e < n_edges; e++)
		off[edges[e].from + 1]++;
	for (size_t i = 0; i < n; i++)
		off[i + 1] += off[i];
	for (size_t e = 0, *fill = pos; e < n_edges; e++)
		adj[off[edges[e].from] + fill[edges[e].from]++] = edges[e].to;
	for (size_t root = 0; root < n && found < 0; root++) {
		if (color[root])
			continue;
		size_t sp = 0;
		stack[sp] = root;
		pos[sp++] = off[root];
		color[root] = 1;
		while (sp && found < 0) {
			size_t u = stack[sp - 1];
			if (pos[sp - 1] == off[u + 1]) {
				color[u] = 2;
				sp--;
				continue;
			}
			size_t v = adj[pos[sp - 1]++];
			if (color[v] == 1) {
				found = (long)v;
			} else if (!color[v]) {
				color[v] = 1;
				stack[sp] = v;
				pos[sp++] = off[v];
			}
		}
	}
	free(off);
	free(adj);
	free(stack);
	free(pos);
	free(color);
	return found;
}

/* Fills next/fail_next from the edges, in edge order, without repeats. */
void fx_link_nodes(struct json_arena *arena, struct fx_workflow *wf, const struct fx_edge *edges, size_t n_edges)
{
	size_t *seen = xcalloc(wf->n_nodes, sizeof *seen);
	size_t *seen_fail = xcalloc(wf->n_nodes, sizeof *seen_fail);
	for (size_t e = 0; e < n_edges; e++) {
		struct fx_node *n = &wf->nodes[edges[e].from];
		if (edges[e].fail)
			n->n_fail_next++;
		else
			n->n_next++;
	}
	for (size_t i = 0; i < wf->n_nodes; i++) {
		struct fx_node *n = &wf->nodes[i];
		n->next = n->n_next ? indexes(arena, n->n_next) : NULL;
		n->fail_next = n->n_fail_next ? indexes(arena, n->n_fail_next) : NULL;
		n->n_next = n->n_fail_next = 0;
	}
	/* seen[v] == u + 1: the edge u -> v is already linked */
	for (size_t e = 0; e < n_edges; e++) {
		size_t u = edges[e].from, v = edges[e].to;
		struct fx_node *n = &wf->nodes[u];
		if (edges[e].fail) {
			if (seen_fail[v] != u + 1)
				n->fail_next[n->n_fail_next++] = v;
			seen_fail[v] = u + 1;
		} else {
			if (seen[v] != u + 1)
				n->next[n->n_next++] = v;
			seen[v] = u + 1;
		}
	}
	free(seen);
	free(seen_fail);
}

/* Sift helpers for a min-heap of node indexes. */
static void heap_push(size_t *h, size_t *n, size_t v)
{
	size_t i = (*n)++;
	for (h[i] = v; i && h[(i - 1) / 2] > h[i]; i = (i - 1) / 2) {
		size_t t = h[i];
		h[i] = h[(i - 1) / 2];
		h[(i - 1) / 2] = t;
	}
}

static size_t heap_pop(size_t *h, size_t *n)
{
	size_t top = h[0];
	h[0] = h[--*n];
	for (size_t i = 0;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < *n && h[l] < h[m])
			m = l;
		if (r < *n && h[r] < h[m])
			m = r;
		if (m == i)
			break;
		size_t t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
	return top;
}

/* Kahn's algorithm with the lowest ready index first: the simulator walks
 * this order, so runs are stable and planning a run is linear. Computed once
 * here, not per request. Call only on an acyclic graph. */
size_t *fx_topo_order(struct json_arena *arena, const struct fx_workflow *wf)
{
	size_t n = wf->n_nodes, *indeg = xcalloc(n, sizeof *indeg), *ready = xcalloc(n, sizeof *ready);
	size_t *order = indexes(arena, n), n_ready = 0, done = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < wf->nodes[i].n_next; k++)
			indeg[wf->nodes[i].next[k]]++;
		for (size_t k = 0; k < wf->nodes[i].n_fail_next; k++)
			indeg[wf->nodes[i].fail_next[k]]++;
	}
	for (size_t i = 0; i < n; i++)
		if (!indeg[i])
			heap_push(ready, &n_ready, i);
	while (n_ready) {
		size_t u = heap_pop(ready, &n_ready);
		const struct fx_node *nd = &wf->nodes[u];
		order[done++] = u;
		for (size_t k = 0; k < nd->n_next; k++)
			if (!--indeg[nd->next[k]])
				heap_push(ready, &n_ready, nd->next[k]);
		for (size_t k = 0; k < nd->n_fail_next; k++)
			if (!--indeg[nd->fail_next[k]])
				heap_push(ready, &n_ready, nd->fail_next[k]);
	}
	free(indeg);
	free(ready);
	return order;
}
