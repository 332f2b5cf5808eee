/* scenario.c -- scenario choice per request, armed queues, sequences. */
#include "scenario.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ids.h"

struct armed {
	char *kb_id, *name;
	unsigned remaining;
	struct armed *next;
};

struct seq_pos {
	char *kb_id;
	size_t pos;
	struct seq_pos *next;
};

struct scenarios {
	pthread_mutex_t lock;
	struct armed *armed;      /* oldest first */
	struct seq_pos *seqs;
};

struct scenarios *scenarios_new(void)
{
	struct scenarios *s = xcalloc(1, sizeof *s);
	pthread_mutex_init(&s->lock, NULL);
	return s;
}

static void clear_locked(struct scenarios *s)
{
	for (struct armed *a = s->armed, *n; a; a = n) {
		n = a->next;
		free(a->kb_id);
		free(a->name);
		free(a);
	}
	for (struct seq_pos *p = s->seqs, *n; p; p = n) {
		n = p->next;
		free(p->kb_id);
		free(p);
	}
	s->armed = NULL;
	s->seqs = NULL;
}

void scenarios_reset(struct scenarios *s)
{
	pthread_mutex_lock(&s->lock);
	clear_locked(s);
	pthread_mutex_unlock(&s->lock);
}

void scenarios_free(struct scenarios *s)
{
	if (!s)
		return;
	clear_locked(s);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int scenarios_arm(struct scenarios *s, const char *kb_id, const char *name, unsigned count)
{
	if (!count)
		return 0;
	pthread_mutex_lock(&s->lock);
	struct armed **tail = &s->armed, *last = NULL;
	size_t n = 0;
	for (; *tail; tail = &(*tail)->next, n++)
		last = *tail;
	/* The same scenario armed again right after itself just runs longer. */
	if (last && !strcmp(last->kb_id, kb_id) && !strcmp(last->name, name)) {
		last->remaining = last->remaining > UINT_MAX - count ? UINT_MAX : last->remaining + count;
		pthread_mutex_unlock(&s->lock);
		return 0;
	}
	if (n >= SCENARIOS_MAX_ARMED) {
		pthread_mutex_unlock(&s->lock);
		return -1;
	}
	struct armed *a = xcalloc(1, sizeof *a);
	a->kb_id = xstrdup(kb_id);
	a->name = xstrdup(name);
	a->remaining = count;
	*tail = a;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

cJSON *scenarios_armed_json(struct scenarios *s)
{
	cJSON *arr = cJSON_CreateArray();
	pthread_mutex_lock(&s->lock);
	for (struct armed *a = s->armed; a; a = a->next) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "knowledge_base", a->kb_id);
		cJSON_AddStringToObject(o, "scenario", a->name);
		cJSON_AddNumberToObject(o, "remaining", a->remaining);
		cJSON_AddItemToArray(arr, o);
	}
	pthread_mutex_unlock(&s->lock);
	return arr;
}

/* Under the lock: consumes one armed use, the oldest for one of kbs whose
 * scenario applies to endpoint; that knowledge base's scenario (NULL, with
 * *ret_taken set, when a reload removed it: a run's, normal behaviour). */
static const struct fx_scenario *take_armed(struct scenarios *s, const struct fx_kb *const *kbs, size_t n_kbs,
					    unsigned endpoint, bool *ret_taken)
{
	*ret_taken = false;
	for (struct armed **p = &s->armed; *p; p = &(*p)->next) {
		struct armed *a = *p;
		const struct fx_kb *kb = NULL;
		for (size_t i = 0; i < n_kbs && !kb; i++)
			if (!strcmp(a->kb_id, kbs[i]->id))
				kb = kbs[i];
		if (!kb)
			continue;
		const struct fx_scenario *sc = fx_kb_scenario(kb, a->name);
		if (!((sc ? sc->endpoints : FX_EP_PIPELINE_RUN) & endpoint))
			continue;
		if (!--a->remaining) {
			*p = a->next;
			free(a->kb_id);
			free(a->name);
			free(a);
		}
		*ret_taken = true;
		return sc;
	}
	return NULL;
}

/* Under the lock: the sequence entry for this request, then advances. */
static const char *take_sequence(struct scenarios *s, const struct fx_kb *kb)
{
	struct seq_pos *p = s->seqs;
	while (p && strcmp(p->kb_id, kb->id))
		p = p->next;
	if (!p) {
		p = xcalloc(1, sizeof *p);
		p->kb_id = xstrdup(kb->id);
		p->next = s->seqs;
		s->seqs = p;
	}
	size_t i = p->pos < kb->n_sequence ? p->pos : kb->n_sequence - 1;
	p->pos++;
	return kb->sequence[i];
}

static const struct fx_scenario *by_key(const struct fx_kb *kb, const char *token, unsigned endpoint)
{
	for (size_t i = 0; token && i < kb->n_scenarios; i++)
		for (size_t k = 0; k < kb->scenarios[i].n_api_keys; k++)
			if (!strcmp(kb->scenarios[i].api_keys[k], token) && (kb->scenarios[i].endpoints & endpoint))
				return &kb->scenarios[i];
	return NULL;
}

int scenarios_select_in(struct scenarios *s, const struct fx_kb *const *kbs, size_t n_kbs, unsigned endpoint,
			const char *header, const char *token, const struct fx_scenario **ret,
			enum scenario_source *ret_from, struct dm_error *reterr)
{
	const struct fx_scenario *sc = NULL;
	enum scenario_source from = SCENARIO_NONE;
	*ret = NULL;
	*ret_from = SCENARIO_NONE;
	if (header && *header) {
		if (!strcmp(header, "default"))
			return 0;
		/* The first that applies here, else the first of that name. */
		const struct fx_scenario *named = NULL;
		for (size_t i = 0; i < n_kbs && !sc; i++) {
			const struct fx_scenario *x = fx_kb_scenario(kbs[i], header);
			if (x && (x->endpoints & endpoint))
				sc = x;
			else if (x && !named)
				named = x;
		}
		if (!sc)
			sc = named;
		if (!sc && n_kbs == 1)
			return dm_error_set(reterr, 400, "unknown_scenario",
					    "dify-mock: knowledge base %s has no scenario '%s' (X-Dify-Mock-Scenario)",
					    kbs[0]->id, header);
		if (!sc)
			return dm_error_set(reterr, 400, "unknown_scenario",
					    "dify-mock: no knowledge base of this workspace has a scenario '%s' "
					    "(X-Dify-Mock-Scenario)",
					    header);
		if (!(sc->endpoints & endpoint))
			return 0; /* named for other endpoints: this request is normal */
		from = SCENARIO_HEADER;
	}
	if (!sc) {
		pthread_mutex_lock(&s->lock);
		bool taken;
		sc = take_armed(s, kbs, n_kbs, endpoint, &taken);
		if (taken) {
			from = SCENARIO_ARMED;
		} else {
			for (size_t i = 0; i < n_kbs && !sc; i++)
				sc = by_key(kbs[i], token, endpoint);
			if (sc) {
				from = SCENARIO_API_KEY;
			} else if (n_kbs == 1 && kbs[0]->n_sequence && endpoint == FX_EP_PIPELINE_RUN) {
				const char *name = take_sequence(s, kbs[0]);
				sc = name ? fx_kb_scenario(kbs[0], name) : NULL;
				from = SCENARIO_SEQUENCE;
			}
		}
		pthread_mutex_unlock(&s->lock);
	}
	if (sc && sc->probability < 1.0 && (double)ids_range(0, 999999) / 1e6 >= sc->probability)
		sc = NULL;
	*ret = sc;
	*ret_from = sc ? from : SCENARIO_NONE;
	return 0;
}

int scenarios_select(struct scenarios *s, const struct fx_kb *kb, unsigned endpoint, const char *header,
		     const char *token, const struct fx_scenario **ret, enum scenario_source *ret_from,
		     struct dm_error *reterr)
{
	return scenarios_select_in(s, &kb, 1, endpoint, header, token, ret, ret_from, reterr);
}

const char *scenario_source_name(enum scenario_source from)
{
	static const char *names[] = { "none", "header", "armed", "api_key", "sequence" };
	return names[from];
}
