/*
 * strtab.c - the whois model's string arena with interning, and the small
 * open-addressing map from 32-bit keys to record indices (see model.h).
 */
#include "whois/model.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

int w_arena_init(struct w_arena *a)
{
	memset(a, 0, sizeof(*a));
	a->cap = 1 << 16;
	a->p = malloc(a->cap);
	if (!a->p)
		return VIGIL_ENOMEM;
	a->p[0] = '\0';
	a->len = 1; /* offset 0 is "" */
	return 0;
}

void w_arena_free(struct w_arena *a)
{
	free(a->p);
	free(a->ht);
	memset(a, 0, sizeof(*a));
}

int w_arena_add(struct w_arena *a, const char *s, size_t n, uint32_t *off)
{
	if (n == 0) {
		*off = 0;
		return 0;
	}
	if (a->len + n + 1 > W_MAX_ARENA)
		return VIGIL_ELIMIT;
	if (a->len + n + 1 > a->cap) {
		size_t nc = a->cap;
		while (nc < a->len + n + 1)
			nc *= 2;
		char *p = realloc(a->p, nc);
		if (!p)
			return VIGIL_ENOMEM;
		a->p = p;
		a->cap = nc;
	}
	memcpy(a->p + a->len, s, n);
	a->p[a->len + n] = '\0';
	*off = (uint32_t)a->len;
	a->len += n + 1;
	return 0;
}

static int rehash(struct w_arena *a)
{
	size_t nc = a->htcap ? a->htcap * 2 : 1024;
	uint32_t *t = calloc(nc, sizeof(*t));

	if (!t)
		return VIGIL_ENOMEM;
	for (size_t i = 0; i < a->htcap; i++) {
		uint32_t o = a->ht[i];
		if (!o)
			continue;
		size_t j = hash_bytes(a->p + o, strlen(a->p + o)) & (nc - 1);
		while (t[j])
			j = (j + 1) & (nc - 1);
		t[j] = o;
	}
	free(a->ht);
	a->ht = t;
	a->htcap = nc;
	return 0;
}

int w_arena_intern(struct w_arena *a, const char *s, size_t n, uint32_t *off)
{
	int rc;

	if (n == 0) {
		*off = 0;
		return 0;
	}
	if ((a->htn + 1) * 2 > a->htcap && (rc = rehash(a)) != 0)
		return rc;
	size_t j = hash_bytes(s, n) & (a->htcap - 1);
	while (a->ht[j]) {
		const char *c = a->p + a->ht[j];
		if (strncmp(c, s, n) == 0 && c[n] == '\0') {
			*off = a->ht[j];
			return 0;
		}
		j = (j + 1) & (a->htcap - 1);
	}
	if ((rc = w_arena_add(a, s, n, off)) != 0)
		return rc;
	a->ht[j] = *off;
	a->htn++;
	return 0;
}

int w_arena_intern_upper(struct w_arena *a, const char *s, uint32_t *off)
{
	char tmp[256];
	size_t n = 0;

	while (s[n] && s[n] != ' ' && s[n] != '\t' && s[n] != '\n' && n < sizeof(tmp)) {
		char c = s[n];
		tmp[n] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
		n++;
	}
	if (s[n] && s[n] != ' ' && s[n] != '\t' && s[n] != '\n')
		return VIGIL_EINVAL; /* a reference longer than any real one */
	return w_arena_intern(a, tmp, n, off);
}

static size_t mix(uint32_t k)
{
	uint64_t h = (uint64_t)k * 0x9e3779b97f4a7c15ull;
	return (size_t)(h >> 32);
}

void w_map_free(struct w_map *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}

/* Keys are stored + 1 so that 0 marks an empty slot. */
static int map_grow(struct w_map *m)
{
	size_t nc = m->cap ? m->cap * 2 : 256;
	uint32_t *k = calloc(nc, sizeof(*k)), *v = malloc(nc * sizeof(*v));

	if (!k || !v) {
		free(k);
		free(v);
		return VIGIL_ENOMEM;
	}
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		size_t j = mix(m->keys[i] - 1) & (nc - 1);
		while (k[j])
			j = (j + 1) & (nc - 1);
		k[j] = m->keys[i];
		v[j] = m->vals[i];
	}
	free(m->keys);
	free(m->vals);
	m->keys = k;
	m->vals = v;
	m->cap = nc;
	return 0;
}

int w_map_put(struct w_map *m, uint32_t key, uint32_t val)
{
	int rc;

	if (key == UINT32_MAX)
		return VIGIL_EINVAL;
	if ((m->n + 1) * 2 > m->cap && (rc = map_grow(m)) != 0)
		return rc;
	size_t j = mix(key) & (m->cap - 1);
	while (m->keys[j]) {
		if (m->keys[j] == key + 1)
			return 0; /* first one wins */
		j = (j + 1) & (m->cap - 1);
	}
	m->keys[j] = key + 1;
	m->vals[j] = val;
	m->n++;
	return 0;
}

uint32_t w_map_get(const struct w_map *m, uint32_t key)
{
	if (!m->cap || key == UINT32_MAX)
		return W_NONE;
	size_t j = mix(key) & (m->cap - 1);
	while (m->keys[j]) {
		if (m->keys[j] == key + 1)
			return m->vals[j];
		j = (j + 1) & (m->cap - 1);
	}
	return W_NONE;
}

int w_vec_reserve(void **v, size_t *cap, size_t n, size_t elem)
{
	if (n <= *cap)
		return 0;
	if (n >= W_NONE) /* indices are 32-bit, W_NONE reserved */
		return VIGIL_ELIMIT;
	size_t nc = *cap ? *cap * 2 : 64;
	while (nc < n)
		nc *= 2;
	void *p = realloc(*v, nc * elem);
	if (!p)
		return VIGIL_ENOMEM;
	*v = p;
	*cap = nc;
	return 0;
}
