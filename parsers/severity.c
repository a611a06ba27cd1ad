/*
 * severity.c - severity keywords; see include/severity.h.
 *
 * All four lists become one pattern, a prefix tree of every keyword
 * between word boundaries, each keyword ending in (*MARK:severity):
 *   BEFORE (?:u(?:rgen(?:t(*MARK:A)|ce(*MARK:A))|...)|...) AFTER
 * so a text is read once whatever the number of keywords (16 KiB: about
 * 0.9 ms interpreted, 0.09 ms JIT compiled; the usual 1-2 KiB mail a few
 * microseconds).  At one place the longest keyword is the one that counts
 * ("prod down" over "prod"); a keyword listed under two severities
 * counts as the one that wins.  Whether a match counts at all (a quoted
 * line, a negation before it) is decided here in C, where "the three
 * words before" is simple.
 */
#include "severity.h"

#include "textmatch_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strbuf.h"

/* Keywords and the pattern stay small: a list is a few dozen words. */
#define SEV_KEYWORD_MAX 200u
#define SEV_REGEX_MAX (256u * 1024u)

/* A keyword does not start inside a word, nor right after a hyphen
 * joining it to one ("drop-down"); it does not end inside one either
 * (a combining accent continues a word), nor before "-word". */
#define SEV_HYPHENS "\\-\\x{2010}\\x{2011}"
#define SEV_BEFORE "(?<![\\p{L}\\p{N}\\p{M}_])(?<![\\p{L}\\p{N}][" SEV_HYPHENS "])"
#define SEV_AFTER "(?![\\p{L}\\p{N}\\p{M}_])(?![" SEV_HYPHENS "][\\p{L}\\p{N}])"

/* The order in which severities win. */
static const char group_severity[4] = { 'A', 'B', 'D', 'C' };

struct severity_matcher {
	struct txm_engine engine;
};

/* The letter without its accent for U+00C0..U+00FF (NULL: none). */
static const char *const latin1_base[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c",   /* C0-C7 */
	"e", "e", "e", "e", "i", "i", "i", "i",    /* C8-CF */
	"d", "n", "o", "o", "o", "o", "o", NULL,   /* D0-D7 */
	"o", "u", "u", "u", "u", "y", NULL, "ss",  /* D8-DF */
	"a", "a", "a", "a", "a", "a", "ae", "c",   /* E0-E7 */
	"e", "e", "e", "e", "i", "i", "i", "i",    /* E8-EF */
	"d", "n", "o", "o", "o", "o", "o", NULL,   /* F0-F7 */
	"o", "u", "u", "u", "u", "y", NULL, "y",   /* F8-FF */
};

static const char *accent_base(unsigned cp)
{
	if (cp >= 0xc0 && cp <= 0xff)
		return latin1_base[cp - 0xc0];
	if (cp == 0x152 || cp == 0x153)   /* Œ œ */
		return "oe";
	if (cp == 0x178)                  /* Ÿ */
		return "y";
	return NULL;
}

/* A letter and its accented forms (lower case: the match ignores case),
 * each maybe followed by combining accents (text in decomposed form). */
static const struct {
	char base;
	const char *forms;
} accented[] = {
	{ 'a', "a\\x{e0}-\\x{e5}" },
	{ 'c', "c\\x{e7}" },
	{ 'e', "e\\x{e8}-\\x{eb}" },
	{ 'i', "i\\x{ec}-\\x{ef}" },
	{ 'n', "n\\x{f1}" },
	{ 'o', "o\\x{f2}-\\x{f6}\\x{f8}" },
	{ 'u', "u\\x{f9}-\\x{fc}" },
	{ 'y', "y\\x{fd}\\x{ff}" },
};

static const char *letter_forms(char c)
{
	if (c >= 'A' && c <= 'Z')
		c = (char)(c + 32);
	for (size_t i = 0; i < sizeof(accented) / sizeof(accented[0]); i++) {
		if (accented[i].base == c)
			return accented[i].forms;
	}
	return NULL;
}

/* The code point of the UTF-8 sequence at p and its length; a stray byte
 * is itself, length 1. */
static unsigned utf8_decode(const unsigned char *p, size_t *len_r)
{
	if (p[0] >= 0xc2 && p[0] < 0xe0 && (p[1] & 0xc0) == 0x80) {
		*len_r = 2;
		return ((p[0] & 0x1fu) << 6) | (p[1] & 0x3fu);
	}
	if (p[0] >= 0xe0 && p[0] < 0xf0 && (p[1] & 0xc0) == 0x80 &&
	    (p[2] & 0xc0) == 0x80) {
		*len_r = 3;
		return ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu);
	}
	if (p[0] >= 0xf0 && p[0] < 0xf5 && (p[1] & 0xc0) == 0x80 &&
	    (p[2] & 0xc0) == 0x80 && (p[3] & 0xc0) == 0x80) {
		*len_r = 4;
		return ((p[0] & 0x07u) << 18) | ((p[1] & 0x3fu) << 12) |
			((p[2] & 0x3fu) << 6) | (p[3] & 0x3fu);
	}
	*len_r = 1;
	return p[0];
}

/* One step of a keyword: its regex, and the key by which two keywords
 * share it ("é" and "e" both have key 'e'). */
struct atom {
	unsigned key;
	char re[64];
};

#define KEY_SEP 0x110001u
#define KEY_APOS 0x110002u

/* The next atom of a keyword at *pp: 1, or 0 at its end.  Separators,
 * apostrophes and accents are loosened, everything else is literal. */
static int next_atom(const unsigned char **pp, struct atom *a)
{
	const unsigned char *p = *pp;
	size_t n;
	unsigned cp;
	const char *base, *forms;

	if (*p == '\0')
		return 0;
	cp = utf8_decode(p, &n);
	if (cp == ' ' || cp == '\t' || cp == '-' || cp == 0xa0 ||
	    cp == 0x2010 || cp == 0x2011) {
		while (*p == ' ' || *p == '\t' || *p == '-' ||
		       (p[0] == 0xc2 && p[1] == 0xa0) ||
		       (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x90 || p[2] == 0x91))) {
			utf8_decode(p, &n);
			p += n;
		}
		*pp = p;
		if (*p == '\0')
			return 0;   /* trailing separators */
		a->key = KEY_SEP;
		snprintf(a->re, sizeof(a->re), "[\\s" SEV_HYPHENS "]+");
		return 1;
	}
	*pp = p + n;
	base = cp < 0x80 ? NULL : accent_base(cp);
	if (base != NULL && base[1] == '\0')
		cp = (unsigned char)base[0];   /* é: as e */
	if (cp >= 'A' && cp <= 'Z')
		cp += 32;
	a->key = cp;
	if (cp == '\'' || cp == 0x2019) {
		a->key = KEY_APOS;
		snprintf(a->re, sizeof(a->re), "['\\x{2019}]");
	} else if (cp < 0x80 && (forms = letter_forms((char)cp)) != NULL) {
		snprintf(a->re, sizeof(a->re), "[%s]\\p{Mn}*", forms);
	} else if ((cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z')) {
		snprintf(a->re, sizeof(a->re), "%c", (char)cp);
	} else if (base != NULL) {         /* œ, æ, ß: the letters too */
		snprintf(a->re, sizeof(a->re), "(?:\\x{%x}|%s)", cp, base);
	} else {
		snprintf(a->re, sizeof(a->re), "\\x{%x}", cp);
	}
	return 1;
}

/*
 * Every keyword in one prefix tree, written as nested alternations
 * ("u(?:rgen(?:t|ce)|...)"): at each word start PCRE2 then tries a few
 * first letters instead of every keyword, which makes a 16 KiB text
 * several times faster to read.  Which severity a match is comes after,
 * from the per-severity patterns.
 */
struct trie {
	struct atom atom;
	struct trie *child, *next;
	char level;              /* a keyword of this severity ends here,
				  * or 0 (the best one when several do) */
};

/* Where severity c stands in the order they win: 0 (A) to 3 (C); 4 for
 * anything else. */
static int rank(char c)
{
	for (int i = 0; i < 4; i++) {
		if (group_severity[i] == c)
			return i;
	}
	return 4;
}

/* Whether severity a wins over b (0: none yet). */
static bool wins(char a, char b)
{
	return b == 0 || rank(a) < rank(b);
}

static void trie_insert(struct trie *root, const char *kw, char level)
{
	const unsigned char *p = (const unsigned char *)kw;
	struct trie *node = root;
	struct atom a;

	while (*p == ' ' || *p == '\t' || *p == '-')
		p++;
	while (next_atom(&p, &a) == 1) {
		struct trie **link = &node->child;

		while (*link != NULL && (*link)->atom.key != a.key)
			link = &(*link)->next;
		if (*link == NULL) {
			*link = calloc(1, sizeof(**link));
			if (*link == NULL)
				fatal("out of memory");
			(*link)->atom = a;
		}
		node = *link;
	}
	if (node != root && wins(level, node->level))
		node->level = level;
}

static void trie_free(struct trie *t)
{
	while (t != NULL) {
		struct trie *next = t->next;

		trie_free(t->child);
		free(t);
		t = next;
	}
}

/* The alternation below node: longer keywords first; a keyword ending
 * here comes last, as (*MARK:severity), which pcre2_get_mark() gives
 * back for the path that matched. */
static int trie_append(struct strbuf *re, const struct trie *node)
{
	size_t n = 0;
	int r = 0;

	for (const struct trie *c = node->child; c != NULL; c = c->next)
		n++;
	if (n == 0)
		return node->level != 0 ?
			strbuf_appendf(re, "(*MARK:%c)", node->level) : 0;
	if (n > 1 || node->level != 0)
		r = strbuf_appendstr(re, "(?:");
	for (const struct trie *c = node->child; c != NULL && r == 0; c = c->next) {
		if (c != node->child)
			r = strbuf_appendc(re, '|');
		if (r == 0)
			r = strbuf_appendstr(re, c->atom.re);
		if (r == 0)
			r = trie_append(re, c);
	}
	if (r == 0 && node->level != 0)
		r = strbuf_appendf(re, "|(*MARK:%c)", node->level);
	if (r == 0 && (n > 1 || node->level != 0))
		r = strbuf_appendc(re, ')');
	return r;
}

static bool blank_keyword(const char *kw)
{
	return strspn(kw, " \t-") == strlen(kw);
}

int severity_matcher_new(const char *const *const words[4],
			 const size_t counts[4],
			 struct severity_matcher **matcher_r, char **error_r)
{
	struct severity_matcher *m;
	struct trie root;
	struct strbuf re;
	pcre2_code *code;
	int r = 0;

	*matcher_r = NULL;
	*error_r = NULL;
	memset(&root, 0, sizeof(root));
	for (int level = 0; level < 4; level++) {
		for (size_t i = 0; i < counts[level]; i++) {
			if (strlen(words[level][i]) > SEV_KEYWORD_MAX) {
				if (asprintf(error_r, "[severity] %c: keyword \"%.40s...\" is longer than %u bytes",
					     'A' + level, words[level][i],
					     SEV_KEYWORD_MAX) < 0)
					*error_r = NULL;
				trie_free(root.child);
				return -1;
			}
			if (!blank_keyword(words[level][i]))
				trie_insert(&root, words[level][i], (char)('A' + level));
		}
	}
	strbuf_init(&re, SEV_REGEX_MAX);
	r = strbuf_appendstr(&re, SEV_BEFORE);
	if (r == 0)
		r = root.child != NULL ? trie_append(&re, &root) :
			strbuf_appendstr(&re, "(?!)");
	if (r == 0)
		r = strbuf_appendstr(&re, SEV_AFTER);
	trie_free(root.child);
	if (r < 0) {
		if (asprintf(error_r, "[severity]: too many keywords") < 0)
			*error_r = NULL;
		strbuf_deinit(&re);
		return -1;
	}
	code = txm_compile(strbuf_str(&re), 0, 0, "[severity] keywords", error_r);
	strbuf_deinit(&re);
	if (code == NULL)
		return -1;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		fatal("out of memory");
	txm_engine_init(&m->engine, 1);
	m->engine.codes[m->engine.count++] = code;
	*matcher_r = m;
	return 0;
}

void severity_matcher_free(struct severity_matcher **matcher)
{
	struct severity_matcher *m = matcher != NULL ? *matcher : NULL;

	if (m == NULL)
		return;
	txm_engine_deinit(&m->engine);
	free(m);
	*matcher = NULL;
}

/* ---- what counts ---- */

static bool word_in(const char *w, size_t n, const char *const *list)
{
	for (; *list != NULL; list++) {
		if (strlen(*list) == n && memcmp(*list, w, n) == 0)
			return true;
	}
	return false;
}

static const char *const negations[] = {
	"not", "no", "non", "nor", "never", "nothing", "without",
	"pas", "rien", "jamais", "sans", "aucun", "aucune", "ni", NULL,
};

/* Words that may stand between a negation and the keyword: "not very
 * urgent", "not at all urgent", "pas de panne", "pas en panne", "rien
 * d'urgent", "pas vraiment bloquant". */
static const char *const fillers[] = {
	"very", "really", "so", "too", "that", "at", "all", "quite", "a", "an",
	"particularly", "especially", "de", "d", "du", "des", "en", "un", "une",
	"tr\xc3\xa8s", "tres", "si", "vraiment", "trop", "aussi", "super",
	"particuli\xc3\xa8rement", NULL,
};

/*
 * Whether a negation stands among the three words before s[at]: words
 * are read backwards across spaces and apostrophes only (a line break or
 * punctuation ends the look), lower-cased, with ’ read as '.
 */
static bool negated(const char *s, size_t at)
{
	size_t p = at;

	for (int k = 0; k < 3; k++) {
		char word[48];
		size_t end, n = 0;

		for (;;) {
			if (p >= 1 && (s[p - 1] == ' ' || s[p - 1] == '\t' || s[p - 1] == '\''))
				p--;
			else if (p >= 2 && (unsigned char)s[p - 2] == 0xc2 &&
				 (unsigned char)s[p - 1] == 0xa0)
				p -= 2;
			else if (p >= 3 && memcmp(s + p - 3, "\xe2\x80\x99", 3) == 0)
				p -= 3;
			else
				break;
		}
		end = p;
		while (p > 0) {
			unsigned char c = (unsigned char)s[p - 1];

			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    c >= 0x80 || c == '\'')
				p--;
			else
				break;
		}
		if (p == end || end - p >= sizeof(word))
			return false;
		for (size_t i = p; i < end; i++) {
			unsigned char c = (unsigned char)s[i];

			if (i + 2 < end && memcmp(s + i, "\xe2\x80\x99", 3) == 0) {
				word[n++] = '\'';
				i += 2;
			} else {
				word[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			}
		}
		word[n] = '\0';
		if (word_in(word, n, negations) ||
		    (n > 3 && memcmp(word + n - 3, "n't", 3) == 0))
			return true;
		if (!word_in(word, n, fillers))
			return false;
	}
	return false;
}

/* The text up to a signature separator line "-- " (RFC 3676 4.3; also
 * "--" as many clients trim it). */
static size_t before_signature(const char *text, size_t len)
{
	size_t line = 0;

	while (line < len) {
		const char *nl = memchr(text + line, '\n', len - line);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;
		size_t n = end - line;

		if (n > 0 && text[end - 1] == '\r')
			n--;
		if ((n == 3 && memcmp(text + line, "-- ", 3) == 0) ||
		    (n == 2 && memcmp(text + line, "--", 2) == 0))
			return line;
		line = end + 1;
	}
	return len;
}

struct scan {
	int best;                /* index in group_severity, 4: none yet */
	struct severity_hit hit;
};

static void scan(const struct severity_matcher *m, const char *s, size_t len,
		 bool in_subject, struct scan *sc)
{
	const struct txm_engine *e = &m->engine;
	size_t off = 0, line_start = 0, scanned = 0;

	while (sc->best > 0 && txm_match(e, e->codes[0], s, len, off) == 1) {
		size_t ms, me, q;
		const char *mark;
		int g;

		if (!txm_group(e, 0, &ms, &me))
			break;
		off = txm_next(s, len, ms, me);
		if (!in_subject) {
			/* the line it is on, found moving forward only */
			for (; scanned < ms; scanned++) {
				if (s[scanned] == '\n')
					line_start = scanned + 1;
			}
			q = line_start;
			while (q < ms && (s[q] == ' ' || s[q] == '\t'))
				q++;
			if (q < ms && s[q] == '>')
				continue;
		}
		if (negated(s, ms))
			continue;
		mark = txm_mark(e);
		g = mark != NULL ? rank(mark[0]) : 4;
		if (g < sc->best) {
			sc->best = g;
			sc->hit.in_subject = in_subject;
			sc->hit.offset = ms;
			sc->hit.len = me - ms;
		}
	}
}

char severity_classify(const struct severity_matcher *m, const char *subject,
		       const char *text, size_t text_len,
		       struct severity_hit *hit_r)
{
	struct scan sc;

	memset(&sc, 0, sizeof(sc));
	sc.best = 4;
	txm_engine_use(&m->engine);
	if (subject != NULL)
		scan(m, subject, strlen(subject), true, &sc);
	if (text != NULL && sc.best > 0)
		scan(m, text, before_signature(text, text_len), false, &sc);
	sc.hit.found = sc.best < 4;
	sc.hit.severity = sc.best < 4 ? group_severity[sc.best] : 'C';
	if (hit_r != NULL)
		*hit_r = sc.hit;
	return sc.hit.severity;
}
