/*
 * Unit tests of parsers/severity.c with the default French and English
 * keywords (gateway/config.c) and with lists from a configuration file:
 * each severity, accents and case both ways, whole words ("down" is not in
 * "download", "shutdown" or "drop-down"), negations, quoted lines and
 * signatures, the order A > B > D > C, errors, and hostile text.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "severity.h"

static struct severity_matcher *from_config(const struct config *c)
{
	const char *const *words[4];
	size_t counts[4];
	struct severity_matcher *m = NULL;
	char *error = NULL;

	for (int i = 0; i < 4; i++) {
		words[i] = (const char *const *)c->entitlement.severity[i].items;
		counts[i] = c->entitlement.severity[i].count;
	}
	if (severity_matcher_new(words, counts, &m, &error) < 0)
		fail_msg("severity_matcher_new: %s", error);
	return m;
}

static int setup(void **state)
{
	struct config *c = config_defaults();

	*state = from_config(c);
	config_free(&c);
	return 0;
}

static int teardown(void **state)
{
	struct severity_matcher *m = *state;

	severity_matcher_free(&m);
	assert_null(m);
	return 0;
}

static char sev(const struct severity_matcher *m, const char *subject,
		const char *text)
{
	return severity_classify(m, subject, text, text != NULL ? strlen(text) : 0, NULL);
}

#define SEV(want, subject, text) do { \
		char got_ = sev(m, subject, text); \
		if (got_ != (want)) \
			fail_msg("\"%s\" / \"%s\": %c, want %c", (subject), \
				 (text) != NULL ? (text) : "(null)", got_, (want)); \
	} while (0)

static void test_defaults_english(void **state)
{
	const struct severity_matcher *m = *state;

	SEV('A', "URGENT: ERP unavailable", "");
	SEV('A', "Production down since 8am", NULL);
	SEV('A', "Our server is down", "");
	SEV('A', "", "Everything is down.");
	SEV('A', "Critical outage", "");
	SEV('A', "Severity A: cluster", "");
	SEV('A', "Please answer urgently", "");
	SEV('B', "Export is broken", "");
	SEV('B', "", "The scheduler doesn't work since the upgrade.");
	SEV('B', "", "The scheduler doesn\xe2\x80\x99t work since the upgrade.");
	SEV('B', "Service crashes at start", "");
	SEV('D', "Question about pricing", "");
	SEV('D', "", "Could you send me a quote for 20 more seats?");
	SEV('D', "Invoice 2026-113", "");
	SEV('D', "", "How do I change the admin password?");
	SEV('C', "Report is slow", "It takes 30 s to open the monthly report.");
	SEV('C', "", "");
	SEV('C', NULL, NULL);
}

static void test_defaults_french(void **state)
{
	const struct severity_matcher *m = *state;

	SEV('A', "Serveur en panne", "");
	SEV('A', "", "Bonjour, la production est à l'arrêt : arrêt de production depuis 9h.");
	SEV('A', "Application hors service", "");
	SEV('A', "Application hors-service", "");
	SEV('A', "Incident critique", "");
	SEV('A', "Bug bloquant", "");
	SEV('A', "Cas d'urgence", "");
	SEV('B', "L'export ne fonctionne pas", "");
	SEV('B', "", "Depuis la mise à jour, l'import ne fonctionne plus.");
	SEV('B', "Écran cassé", "");
	SEV('D', "Demande de devis", "");
	SEV('D', "", "Pourriez-vous m'envoyer la facture de mars ?");
	SEV('D', "Renouvellement de licence", "");
	SEV('C', "Lenteurs sur le module de paie", "Le module met une minute à s'ouvrir.");
}

static void test_accents_and_case(void **state)
{
	const struct severity_matcher *m = *state;

	/* the keyword has accents, the text not, or in capitals, or
	 * decomposed (e + U+0302 COMBINING CIRCUMFLEX) */
	SEV('A', "ARRET DE PRODUCTION", "");
	SEV('A', "ARRÊT DE PRODUCTION", "");
	SEV('A', "arre\xcc\x82t de production", "");
	SEV('A', "Severite A", "");
	SEV('A', "SÉVÉRITÉ A", "");
	SEV('B', "ecran casse", "");
	SEV('B', "ÉCRAN CASSÉ", "");
	SEV('B', "ne demarre plus", "");
	/* the keyword has none, the text has: "critique" for "crítique" is
	 * not a French word, but "prix" / "PRÎX" shows the reverse way */
	SEV('D', "PRÎX", "");
	SEV('A', "PaNnE", "");
	/* several spaces, a tab, a no-break space, a line break */
	SEV('A', "production  \t down", "");
	SEV('A', "hors\xc2\xa0service", "");
	SEV('A', "", "arrêt de\nproduction");
}

static void test_whole_words(void **state)
{
	const struct severity_matcher *m = *state;

	SEV('C', "Download fails", "");
	SEV('C', "Shutdown procedure", "");
	SEV('C', "Select from the drop-down list", "");
	SEV('C', "top-down design", "");
	SEV('C', "breakdown of costs per site", "");
	SEV('C', "Downloads", "");
	SEV('C', "Urgentissime", "");
	SEV('C', "critiquer", "");
	SEV('C', "panneau de contrôle", "");
	/* punctuation and brackets around a keyword are fine */
	SEV('A', "[URGENT] reboot", "");
	SEV('A', "(down)", "");
	SEV('A', "site down!!!", "");
	SEV('A', "\"urgent\"", "");
	SEV('A', "down", "");
	SEV('A', "_x_ urgent", "");
}

static void test_negations(void **state)
{
	const struct severity_matcher *m = *state;

	SEV('C', "Not urgent: report layout", "");
	SEV('C', "", "This is NOT urgent, but the layout is odd.");
	SEV('C', "", "It isn't critical.");
	SEV('C', "", "It isn\xe2\x80\x99t critical.");
	SEV('C', "", "Not at all urgent.");
	SEV('C', "", "Ce n'est pas urgent.");
	SEV('C', "", "Ce n\xe2\x80\x99" "est vraiment pas urgent.");
	SEV('C', "", "Rien d'urgent.");
	SEV('C', "Bug non bloquant", "");
	SEV('C', "Bug non-bloquant", "");
	SEV('C', "", "Le serveur n'est pas en panne, il est lent.");
	SEV('C', "", "Pas de panne, mais des lenteurs.");
	SEV('B', "Not urgent: the export is broken", "");
	/* a negation further away or behind punctuation does not count */
	SEV('A', "", "I could not log in, urgent");
	SEV('A', "", "Not sure why, but the server is down.");
	SEV('A', "", "No idea what happened. URGENT");
	SEV('A', "", "not\nurgent");
}

static void test_quotes_and_signature(void **state)
{
	const struct severity_matcher *m = *state;

	SEV('C', "Re: report", "See below.\n> production down\n>> urgent\nThanks");
	SEV('C', "", "  > urgent (quoted with spaces)\n");
	SEV('A', "", "quoted below > is not a quote: urgent\n");
	SEV('C', "", "The report is slow.\n-- \nJohn\nFor urgent matters call +33 1 23");
	SEV('C', "", "The report is slow.\r\n--\r\nFor urgent matters call +33 1 23");
	SEV('A', "", "Production down!\n-- \nJohn");
	/* "--" inside a line is no separator */
	SEV('A', "", "Result -- urgent\n");
}

static void test_priority(void **state)
{
	const struct severity_matcher *m = *state;
	struct severity_hit hit;
	const char *text = "A question: since yesterday the export is broken, "
			   "and now production is down.";

	SEV('A', "Urgent question", "");
	SEV('B', "Question: export broken", "");
	SEV('B', "Invoice export broken", "");
	SEV('D', "Question about the slow report", "");
	SEV('A', "Question", "Everything is down");
	/* the hit says which keyword decided, and where */
	assert_int_equal(severity_classify(m, "Question", text, strlen(text), &hit), 'A');
	assert_true(hit.found);
	assert_false(hit.in_subject);
	assert_int_equal(hit.len, strlen("down"));
	assert_memory_equal(text + hit.offset, "down", 4);
	assert_int_equal(severity_classify(m, "Prod down", "", 0, &hit), 'A');
	assert_true(hit.in_subject);
	assert_int_equal(hit.offset, 0);
	assert_int_equal(hit.len, strlen("Prod down"));   /* the longest */
	assert_int_equal(severity_classify(m, "slow", "slow", 4, &hit), 'C');
	assert_false(hit.found);
	/* only text_len bytes of the text are read */
	assert_int_equal(severity_classify(m, "", "slow. urgent", 5, NULL), 'C');
	assert_int_equal(severity_classify(m, "", "slow. urgent", 12, NULL), 'A');
}

static char *write_ini(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/sgw-severity-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* [severity] lists replace the defaults; C keywords are found but lose
 * to D. */
static void test_config_override(void **state)
{
	struct config *c = NULL;
	struct severity_matcher *m;
	struct severity_hit hit;
	char *error = NULL, *path;

	(void)state;
	path = write_ini("[severity]\nA = kaputt, tout est cassé\nA = c++ crash\n"
			 "C = lent, lenteur\nD = devis\n");
	if (config_load(path, &c, &error) < 0)
		fail_msg("config_load: %s", error);
	unlink(path);
	m = from_config(c);
	SEV('A', "Alles kaputt", "");
	SEV('A', "TOUT EST CASSE", "");
	SEV('A', "C++ crash at start", "");
	SEV('C', "Serveur en panne", "");             /* default A replaced */
	SEV('B', "Export is broken", "");             /* B kept its defaults */
	SEV('D', "Devis", "");
	SEV('D', "Devis lent", "");                   /* D before C */
	assert_int_equal(severity_classify(m, "Tout est lent", "", 0, &hit), 'C');
	assert_true(hit.found);
	SEV('C', "Question about pricing", "");       /* default D replaced */
	severity_matcher_free(&m);
	config_free(&c);
}

static void test_errors_and_empty_lists(void **state)
{
	static const char *const a[] = { "urgent" };
	static const char *const odd[] = { "a(b", "x|y", "[z]", "  -  ", "\\Q" };
	const char *const *words[4] = { a, NULL, NULL, NULL };
	size_t counts[4] = { 1, 0, 0, 0 };
	struct severity_matcher *m = NULL;
	char *error = NULL, long_kw[300];
	const char *const longs[] = { long_kw };

	(void)state;
	/* only A: everything else is C */
	assert_int_equal(severity_matcher_new(words, counts, &m, &error), 0);
	SEV('A', "urgent", "");
	SEV('C', "question", "");
	severity_matcher_free(&m);
	/* regex characters are literal; a keyword of separators only is
	 * ignored */
	words[1] = odd;
	counts[1] = 5;
	assert_int_equal(severity_matcher_new(words, counts, &m, &error), 0);
	SEV('B', "see a(b", "");
	SEV('B', "x|y", "");
	SEV('B', "[z]", "");
	SEV('B', "\\Q", "");
	SEV('C', "x", "");
	SEV('C', "ab", "");
	severity_matcher_free(&m);
	/* too long */
	memset(long_kw, 'k', sizeof(long_kw) - 1);
	long_kw[sizeof(long_kw) - 1] = '\0';
	words[1] = longs;
	counts[1] = 1;
	assert_int_equal(severity_matcher_new(words, counts, &m, &error), -1);
	assert_null(m);
	assert_non_null(error);
	assert_non_null(strstr(error, "longer than"));
	free(error);
	severity_matcher_free(&m);   /* NULL is fine */
}

/* 64 KiB of near-misses and invalid UTF-8: an answer, quickly. */
static void test_hostile_text(void **state)
{
	const struct severity_matcher *m = *state;
	size_t len = 64 * 1024;
	char *text = malloc(len + 1);

	static const char near[] = "xdown-\xff\xfe urgen nt not download ";

	for (size_t i = 0; i < len; i++)
		text[i] = near[i % (sizeof(near) - 1)];
	text[len] = '\0';
	assert_int_equal(severity_classify(m, "", text, len, NULL), 'C');
	memset(text, 'a', len);
	memcpy(text + len - 7, " panne", 6);
	text[len - 1] = '\0';
	assert_int_equal(severity_classify(m, text, text, len - 1, NULL), 'A');
	for (size_t i = 0; i < len; i++)
		text[i] = "not "[i % 4];
	memcpy(text + len - 6, "urgent", 6);
	assert_int_equal(severity_classify(m, "", text, len, NULL), 'C');
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_english),
		cmocka_unit_test(test_defaults_french),
		cmocka_unit_test(test_accents_and_case),
		cmocka_unit_test(test_whole_words),
		cmocka_unit_test(test_negations),
		cmocka_unit_test(test_quotes_and_signature),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_config_override),
		cmocka_unit_test(test_errors_and_empty_lists),
		cmocka_unit_test(test_hostile_text),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
