/* reply.c - split the control socket's reply lines into fields (see
 * reply.h). The framing and the OK/ERR/BYE lines are common/protocol.c's;
 * these are the admin-only lines it does not know. */
#include "reply.h"

#include <string.h>

#include "protocol.h"

/* The next space-separated word of [*p, e); advances *p past it and one
 * space. An empty word (two spaces) is returned as such. */
static struct field next_field(const char **p, const char *e)
{
	struct field f = { *p, 0 };
	const char *sp = memchr(*p, ' ', (size_t)(e - *p));

	f.n = (size_t)((sp ? sp : e) - *p);
	*p = sp ? sp + 1 : e;
	return f;
}

bool field_is(struct field f, const char *s)
{
	return f.n == strlen(s) && memcmp(f.s, s, f.n) == 0;
}

static bool field_u64(struct field f, uint64_t *v)
{
	return f.n > 0 && proto_parse_u64(f.s, f.n, v);
}

static bool field_i64(struct field f, int64_t *v)
{
	uint64_t u;

	if (!field_u64(f, &u) || u > INT64_MAX)
		return false;
	*v = (int64_t)u;
	return true;
}

/* Split exactly n words (no rest) from [p, e), after checking the first
 * is `verb`. */
static bool split(const char *line, size_t len, const char *verb, struct field *w, int n,
		  struct field *rest)
{
	const char *p = line, *e = line + len;

	if (!field_is(next_field(&p, e), verb))
		return false;
	for (int i = 0; i < n; i++) {
		if (p >= e)
			return false;
		w[i] = next_field(&p, e);
		if (w[i].n == 0)
			return false;
	}
	if (rest) {
		rest->s = p;
		rest->n = (size_t)(e - p);
	} else if (p < e) {
		return false;
	}
	return true;
}

bool parse_who_line(const char *line, size_t len, struct who_row *w)
{
	struct field f[7];

	memset(w, 0, sizeof(*w));
	if (!split(line, len, "WHO", f, 7, NULL))
		return false;
	w->name = f[0];
	w->login = f[1];
	if (!field_u64(f[2], &w->uid) || !field_i64(f[3], &w->idle_s) ||
	    !field_i64(f[4], &w->joined_ms) || !field_i64(f[5], &w->connected_ms))
		return false;
	if (field_is(f[6], "-"))
		return true;
	w->muted = true;
	if (field_is(f[6], "forever"))
		w->muted_forever = true;
	else if (!field_i64(f[6], &w->muted_s))
		return false;
	return true;
}

bool parse_sanction_line(const char *line, size_t len, struct sanction_row *s)
{
	struct field f[4];

	memset(s, 0, sizeof(*s));
	if (!split(line, len, "SANCTION", f, 4, &s->reason))
		return false;
	s->kind = f[0];
	s->login = f[1];
	if (!field_u64(f[2], &s->uid))
		return false;
	if (field_is(f[3], "forever"))
		s->forever = true;
	else if (!field_i64(f[3], &s->left_s))
		return false;
	return true;
}

bool parse_status_line(const char *line, size_t len, struct field *key, struct field *value)
{
	return split(line, len, "STATUS", key, 1, value);
}

bool find_key_value(const char *s, size_t n, const char *key, struct field *value)
{
	const char *p = s, *e = s + n;
	size_t kn = strlen(key);

	while (p < e) {
		struct field w = next_field(&p, e);
		if (w.n > kn && memcmp(w.s, key, kn) == 0 && w.s[kn] == '=') {
			value->s = w.s + kn + 1;
			value->n = w.n - kn - 1;
			return true;
		}
	}
	return false;
}
