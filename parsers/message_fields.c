/*
 * message_fields.c - the address, date and Message-ID fields of a message,
 * each read by libetpan's own parser for it (mailimf_address_list_parse,
 * mailimf_date_time_parse, mailimf_msg_id_parse...), with the tolerances
 * of parsers/TOLERANCES.md where libetpan refuses what real mail holds.
 * Part of the message parser; see parsers/message_private.h.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libetpan/mailimf.h>
#include <libetpan/mailmime.h>

#include "charset.h"
#include "message_private.h"
#include "pool.h"
#include "util.h"

/* ---- addresses -------------------------------------------------------- */

static void addr_push(struct parser *ps, struct addr_vec *av, const char *name,
		      const char *addr, size_t addr_len)
{
	if (av->n == av->alloc) {
		size_t n = av->alloc ? av->alloc * 2 : 4;

		av->v = pool_realloc(ps->pool, av->v, av->alloc * sizeof(*av->v),
				     n * sizeof(*av->v));
		av->alloc = n;
	}
	av->v[av->n].name = name;
	av->v[av->n].addr = str_lower(pool_strndup(ps->pool, addr, addr_len));
	av->n++;
}

static void push_mailbox(struct parser *ps, struct addr_vec *av,
			 const struct mailimf_mailbox *mb)
{
	const char *name = "";

	if (mb->mb_display_name != NULL) {
		char *dec = charset_decode_header(ps->pool, mb->mb_display_name,
						  strlen(mb->mb_display_name), NULL);
		size_t n = strlen(dec);

		/* libetpan keeps the quotes around an encoded word
		 * ("=?utf-8?q?...?=" <a@b>) for its own decoder. */
		if (n >= 2 && dec[0] == '"' && dec[n - 1] == '"') {
			dec[n - 1] = '\0';
			dec++;
		}
		name = dec;
	}
	addr_push(ps, av, name, mb->mb_addr_spec, strlen(mb->mb_addr_spec));
}

/* Would a person recognise this addr-spec?  libetpan accepts some
 * garbage ("broken<a@b" from "broken <a@b"). */
static bool addr_sane(const char *a)
{
	const char *p = a;

	if (a == NULL || a[0] == '\0')
		return false;
	if (a[0] == '"') {
		/* A quoted local part: "john doe"@example.com */
		const char *q = strchr(a + 1, '"');

		if (q == NULL || q[1] != '@')
			return false;
		p = q + 1;
	}
	for (; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || strchr("<>(),;\\\"", *p) != NULL)
			return false;
	/* libetpan reads "nobody at all" as the local address
	 * "nobodyatall": without a domain, let the scan judge. */
	return strchr(a, '@') != NULL;
}

static bool list_sane(const struct mailimf_address_list *al)
{
	for (clistiter *it = clist_begin(al->ad_list); it != NULL; it = clist_next(it)) {
		const struct mailimf_address *ad = clist_content(it);

		if (ad->ad_type == MAILIMF_ADDRESS_MAILBOX) {
			if (!addr_sane(ad->ad_data.ad_mailbox->mb_addr_spec))
				return false;
		} else if (ad->ad_data.ad_group->grp_mb_list != NULL) {
			clist *l = ad->ad_data.ad_group->grp_mb_list->mb_list;

			for (clistiter *g = clist_begin(l); g != NULL; g = clist_next(g)) {
				const struct mailimf_mailbox *mb = clist_content(g);

				if (!addr_sane(mb->mb_addr_spec))
					return false;
			}
		}
	}
	return true;
}

static bool is_local_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80 ||
	       (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL);
}

static bool is_domain_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c >= 0x80 || c == '-' || c == '.' ||
	       c == '_' || c == '[' || c == ']';
}

/* The tolerant scan for text libetpan could not read: every "x@y" is an
 * address; the text before it (without quotes and brackets) its name. */
static void salvage_addresses(struct parser *ps, struct addr_vec *av,
			      const char *s, size_t len)
{
	size_t seg = 0, before = av->n, b = 0, e = len;

	for (size_t i = 0; i < len; i++) {
		size_t l = i, r = i + 1, nb, ne;
		char *name;

		if (s[i] != '@')
			continue;
		while (l > seg && is_local_char((unsigned char)s[l - 1]))
			l--;
		while (r < len && is_domain_char((unsigned char)s[r]))
			r++;
		while (r > i + 1 && s[r - 1] == '.')
			r--;
		if (l == i || r == i + 1)
			continue;
		nb = seg;
		ne = l;
		while (nb < ne && s[nb] != '\0' && strchr(" \t,\"<>()", s[nb]) != NULL)
			nb++;
		while (ne > nb && s[ne - 1] != '\0' && strchr(" \t,\"<>()", s[ne - 1]) != NULL)
			ne--;
		name = charset_decode_header(ps->pool, s + nb, ne - nb, NULL);
		addr_push(ps, av, name, s + l, r - l);
		seg = r;
		while (seg < len && (s[seg] == '>' || s[seg] == ')' || message_is_wsp(s[seg])))
			seg++;
		i = r;
	}
	if (av->n > before)
		return;
	/* A lone local name ("MAILER-DAEMON", "<root>") is an address too. */
	while (b < e && (message_is_wsp(s[b]) || s[b] == '<'))
		b++;
	while (e > b && (message_is_wsp(s[e - 1]) || s[e - 1] == '>'))
		e--;
	for (size_t i = b; i < e; i++)
		if (!is_local_char((unsigned char)s[i]) || (unsigned char)s[i] >= 0x80)
			return;
	if (e > b)
		addr_push(ps, av, "", s + b, e - b);
}

static size_t skip_to_comma(const char *s, size_t i, size_t len)
{
	bool quoted = false;

	for (; i < len; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (s[i] == ',' && !quoted)
			return i;
	}
	return len;
}

/* An address list field into av: libetpan first, piece by piece; what it
 * cannot read, or reads into nonsense, goes through salvage_addresses(). */
void message_parse_addresses(struct parser *ps, const struct raw_field *f,
			    struct addr_vec *av)
{
	size_t len, idx = 0;
	char *v = message_unfold(ps, f->value, f->value_len, &len);
	bool broken = false;

	while (idx < len) {
		struct mailimf_address_list *al = NULL;
		size_t start;

		while (idx < len && (message_is_wsp(v[idx]) || v[idx] == ','))
			idx++;
		if (idx >= len)
			break;
		start = idx;
		if (mailimf_address_list_parse(v, len, &idx, &al) != MAILIMF_NO_ERROR ||
		    idx <= start) {
			if (al != NULL)
				mailimf_address_list_free(al);
			idx = skip_to_comma(v, start + 1, len);
			salvage_addresses(ps, av, v + start, idx - start);
			broken = true;
			continue;
		}
		if (!list_sane(al)) {
			mailimf_address_list_free(al);
			salvage_addresses(ps, av, v + start, idx - start);
			broken = true;
		} else {
			for (clistiter *it = clist_begin(al->ad_list); it != NULL;
			     it = clist_next(it)) {
				const struct mailimf_address *ad = clist_content(it);

				if (ad->ad_type == MAILIMF_ADDRESS_MAILBOX) {
					push_mailbox(ps, av, ad->ad_data.ad_mailbox);
				} else if (ad->ad_data.ad_group->grp_mb_list != NULL) {
					clist *l = ad->ad_data.ad_group->grp_mb_list->mb_list;

					for (clistiter *g = clist_begin(l); g != NULL;
					     g = clist_next(g))
						push_mailbox(ps, av, clist_content(g));
				}
			}
			mailimf_address_list_free(al);
		}
		while (idx < len && message_is_wsp(v[idx]))
			idx++;
		if (idx < len && v[idx] == '(') {
			/* "user@host (Real Name)": the old comment form. */
			size_t e = idx + 1, depth = 1;

			while (e < len && depth > 0) {
				depth += v[e] == '(';
				depth -= v[e] == ')';
				e++;
			}
			if (av->n > 0 && av->v[av->n - 1].name[0] == '\0')
				av->v[av->n - 1].name = charset_decode_header(ps->pool,
					v + idx + 1, e - idx - 1 - (depth == 0), NULL);
			idx = e;
		}
		if (idx < len && v[idx] != ',') {
			size_t e = skip_to_comma(v, idx, len);

			salvage_addresses(ps, av, v + idx, e - idx);
			broken = true;
			idx = e;
		}
	}
	if (broken)
		message_note(ps, "%s: broken address list read leniently", message_note_name(ps, f));
}

const char *message_first_address(struct parser *ps, const struct raw_field *f)
{
	struct addr_vec av = { NULL, 0, 0 };

	message_parse_addresses(ps, f, &av);
	return av.n > 0 ? av.v[0].addr : NULL;
}

/* ---- date and message ids --------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

bool message_parse_date(struct parser *ps, const struct raw_field *f, int64_t *t)
{
	struct mailimf_date_time *dt = NULL;
	size_t len, idx = 0;
	char *v = message_unfold(ps, f->value, f->value_len, &len);
	int year, zone, zh, zm;
	bool ok;

	if (mailimf_date_time_parse(v, len, &idx, &dt) != MAILIMF_NO_ERROR)
		return false;
	year = dt->dt_year;
	/* RFC 5322 4.3: two-digit years are 19xx from 50, 20xx below. */
	if (year < 50)
		year += 2000;
	else if (year < 1000)
		year += 1900;
	zone = dt->dt_zone < 0 ? -dt->dt_zone : dt->dt_zone;
	zh = zone / 100;
	zm = zone % 100;
	ok = dt->dt_month >= 1 && dt->dt_month <= 12 && dt->dt_day >= 1 &&
	     dt->dt_day <= 31 && dt->dt_hour >= 0 && dt->dt_hour <= 23 &&
	     dt->dt_min >= 0 && dt->dt_min <= 59 && dt->dt_sec >= 0 &&
	     dt->dt_sec <= 60 && year <= 9999 && zh <= 23 && zm <= 59;
	if (ok) {
		int64_t off = (int64_t)zh * 3600 + zm * 60;

		*t = days_from_civil(year, dt->dt_month, dt->dt_day) * 86400 +
		     dt->dt_hour * 3600 + dt->dt_min * 60 + dt->dt_sec -
		     (dt->dt_zone < 0 ? -off : off);
	}
	mailimf_date_time_free(dt);
	return ok;
}

/* Every "<...>" in s, brackets removed: the lenient reading of broken
 * References and In-Reply-To fields. */
static size_t scan_ids(struct parser *ps, const char *s, size_t len,
		       const char ***ids_r, size_t max)
{
	const char **ids = NULL;
	size_t n = 0, alloc = 0;

	for (size_t i = 0; i < len && n < max; i++) {
		const char *gt;
		size_t b, e;

		if (s[i] != '<' || (gt = memchr(s + i, '>', len - i)) == NULL)
			continue;
		b = i + 1;
		e = (size_t)(gt - s);
		while (b < e && message_is_wsp(s[b]))
			b++;
		while (e > b && message_is_wsp(s[e - 1]))
			e--;
		if (e > b) {
			if (n == alloc) {
				size_t na = alloc ? alloc * 2 : 8;

				ids = pool_realloc(ps->pool, ids, alloc * sizeof(*ids),
						   na * sizeof(*ids));
				alloc = na;
			}
			ids[n++] = pool_strndup(ps->pool, s + b, e - b);
		}
		i = (size_t)(gt - s);
	}
	*ids_r = ids;
	return n;
}

/* Message-ids of a field: mailimf_msg_id_list_parse, or the scan when it
 * fails or leaves text unread. */
size_t message_parse_ids(struct parser *ps, const struct raw_field *f,
			const char ***ids_r, size_t max)
{
	clist *list = NULL;
	size_t len, idx = 0, n = 0;
	char *v = message_unfold(ps, f->value, f->value_len, &len);
	const char **ids;
	bool complete;

	if (mailimf_msg_id_list_parse(v, len, &idx, &list) != MAILIMF_NO_ERROR)
		return scan_ids(ps, v, len, ids_r, max);
	complete = message_rest_is_empty(v, idx, len);
	ids = pool_alloc(ps->pool, (clist_count(list) + 1) * sizeof(*ids));
	for (clistiter *it = clist_begin(list); it != NULL; it = clist_next(it)) {
		char *id = clist_content(it);

		if (complete && n < max)
			ids[n++] = pool_strdup(ps->pool, id);
		mailimf_msg_id_free(id);
	}
	clist_free(list);
	if (!complete)
		return scan_ids(ps, v, len, ids_r, max);
	*ids_r = ids;
	return n;
}

void message_parse_message_id(struct parser *ps, const struct raw_field *f)
{
	struct message *msg = ps->msg;
	size_t len, idx = 0;
	char *v = message_unfold(ps, f->value, f->value_len, &len);
	char *id = NULL;

	if (mailimf_msg_id_parse(v, len, &idx, &id) == MAILIMF_NO_ERROR) {
		if (id[0] != '\0')
			msg->message_id = pool_strdup(ps->pool, id);
		mailimf_msg_id_free(id);
		if (msg->message_id != NULL)
			return;
	}
	/* "Message-ID: 000000B9" (Lotus Notes) and other bracketless ids:
	 * the first word, brackets removed. */
	{
		size_t b = 0, e;

		while (b < len && (message_is_wsp(v[b]) || v[b] == '<'))
			b++;
		e = b;
		while (e < len && !message_is_wsp(v[e]) && v[e] != '>')
			e++;
		if (e > b) {
			msg->message_id = pool_strndup(ps->pool, v + b, e - b);
			message_note(ps, "Message-ID: malformed, read leniently");
		}
	}
}
