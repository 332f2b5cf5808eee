/* fixtures_graph.c -- a workflow's graph once its edges are read: the
 * cycle check, the edges grouped by source and by target, and which nodes
 * end differently from run to run. Plain graph code over node indexes: no
 * JSON, no problems reported here. */
#include "fixtures_parse.h"
#include "hmap.h"

#include <stdlib.h>
#include "buf.h"
#include "json.h"

/* One node on a cycle over the edges, or -1. Iterative DFS in node and edge
 * order, so the node named is always the same for the same fixture. */
long fx_find_cycle(size_t n, const struct fx_edge *edges, size_t n_edges)
{
	size_t *off = xcalloc(n + 1, sizeof *off), *adj = xcalloc(n_edges ? n_edges : 1, sizeof *adj);
	size_t *stack = xcalloc(n ? n : 1, sizeof *stack), *pos = xcalloc(n ? n : 1, sizeof *pos);
	unsigned char *color = xcalloc(n ? n : 1, 1); /* 0 new, 1 on the stack, 2 done */
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

/* Keeps edges as wf's, without repeats (the same source, target and handle
 * again), and groups their indexes by source and by target in wf->out and
 * wf->in, each group in edge order. */
void fx_link_nodes(struct json_arena *arena, struct fx_workflow *wf, const struct fx_edge *edges, size_t n_edges)
{
	size_t cap = n_edges ? n_edges : 1;
	wf->edges = json_arena_calloc(arena, cap, sizeof *wf->edges);
	wf->out = json_arena_calloc(arena, cap, sizeof *wf->out);
	wf->in = json_arena_calloc(arena, cap, sizeof *wf->in);
	wf->n_edges = 0;
	struct hmap seen = HMAP_INIT;
	char **keys = xcalloc(cap, sizeof *keys);
	for (size_t e = 0; e < n_edges; e++) {
		struct buf k = BUF_INIT;
		buf_printf(&k, "%u %u ", edges[e].from, edges[e].to);
		buf_puts(&k, edges[e].handle);
		keys[e] = buf_steal(&k, NULL);
		if (!hmap_add(&seen, keys[e], (void *)1))
			wf->edges[wf->n_edges++] = edges[e];
	}
	hmap_free(&seen);
	for (size_t e = 0; e < n_edges; e++)
		free(keys[e]);
	free(keys);
	uint32_t *n_out = xcalloc(wf->n_nodes ? wf->n_nodes : 1, sizeof *n_out);
	uint32_t *n_in = xcalloc(wf->n_nodes ? wf->n_nodes : 1, sizeof *n_in);
	for (size_t e = 0; e < wf->n_edges; e++) {
		n_out[wf->edges[e].from]++;
		n_in[wf->edges[e].to]++;
	}
	uint32_t at_out = 0, at_in = 0;
	for (size_t i = 0; i < wf->n_nodes; i++) {
		struct fx_node *n = &wf->nodes[i];
		n->first_out = at_out, n->n_out = 0, at_out += n_out[i];
		n->first_in = at_in, n->n_in = 0, at_in += n_in[i];
	}
	free(n_out);
	free(n_in);
	for (size_t e = 0; e < wf->n_edges; e++) {
		struct fx_node *src = &wf->nodes[wf->edges[e].from], *dst = &wf->nodes[wf->edges[e].to];
		wf->out[src->first_out + src->n_out++] = (uint32_t)e;
		wf->in[dst->first_in + dst->n_in++] = (uint32_t)e;
	}
}

/* A node's outcome depends on the run when the node decides with the
 * run's values: if-else (its branch), datasource nodes (the item may name
 * no file), and the kinds whose default outputs read other nodes and fail
 * without them. Other nodes end as their fixture says, whatever the run. */
void fx_mark_dynamic(struct fx_workflow *wf)
{
	for (size_t i = 0; i < wf->n_nodes; i++) {
		struct fx_node *n = &wf->nodes[i];
		switch (n->kind) {
		case FX_NODE_IF_ELSE:
		case FX_NODE_DATASOURCE:
			n->dynamic = true;
			break;
		case FX_NODE_KNOWLEDGE_INDEX:
		case FX_NODE_DOCUMENT_EXTRACTOR:
			n->dynamic = !n->outputs;
			break;
		default:
			n->dynamic = false;
			break;
		}
	}
}
