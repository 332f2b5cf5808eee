/* plan_memo.c -- the plans runs share, kept on their workflow: one list
 * per start node, each plan under the oracle's answers that produced it
 * (plan.h). Lists only grow, by compare-and-swap at the head, so readers
 * take no lock; two threads planning the same run at once may both keep
 * it, which costs a little memory and nothing else. */
#include "plan.h"

#include <stdatomic.h>
#include <string.h>

/* Different answers make different plans: a pipeline whose branches
 * depend on names or ids in the item could make one per request. Past
 * this many per start node, runs plan for themselves. */
#define PLAN_MEMO_MAX 64

static const struct run_plan *find_from(struct fx_memo_entry *e, const unsigned char *key, size_t len, size_t *count)
{
	for (*count = 0; e; e = e->next, ++*count) {
		const struct run_plan *p = (const struct run_plan *)e;
		if (p->key_len == len && !memcmp(p->key, key, len))
			return p;
	}
	return NULL;
}

const struct run_plan *plan_memo_find(const struct fx_workflow *wf, size_t start, const unsigned char *key,
				      size_t key_len)
{
	size_t count;
	return find_from(atomic_load(&wf->memo[start]), key, key_len, &count);
}

bool plan_memo_add(const struct fx_workflow *wf, struct run_plan *p, const struct run_plan **ret_kept)
{
	struct fx_memo_entry *head = atomic_load(&wf->memo[p->start]);
	for (;;) {
		size_t count;
		const struct run_plan *same = find_from(head, p->key, p->key_len, &count);
		if (same) {
			plan_free(p);
			*ret_kept = same;
			return true;
		}
		if (count >= PLAN_MEMO_MAX)
			return false;
		p->memo.next = head;
		if (atomic_compare_exchange_weak(&wf->memo[p->start], &head, &p->memo)) {
			*ret_kept = p;
			return true;
		}
	}
}
