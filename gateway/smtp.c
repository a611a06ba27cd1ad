/*
 * smtp.c - one libcurl easy handle sending the outbox through the relay;
 * see include/smtp.h.
 *
 * libcurl speaks SMTP (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA with
 * dot-stuffing) and keeps the connection open between transfers on the
 * same handle.  What it does not give is the server's own words or the
 * step that failed, which decide between "retry" and "give up": the debug
 * callback keeps the last command sent and the last answer received.
 */
#include "smtp.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "secret.h"

struct smtp {
	const struct smtp_config *config;
	CURL *curl;
	char *secret;              /* password or token, wiped on free */
	bool protocol_log;
	/* per send */
	const char *data;
	size_t len, pos;
	char last_cmd[16];         /* "MAIL", "RCPT", "DATA", "AUTH"... */
	bool in_data;              /* the message body was being sent */
	char reply[512];           /* the server's last answer */
	char err_reply[512];       /* its first 4xx/5xx answer, and */
	char err_cmd[16];          /* the command that got it */
	bool err_in_data;
	char errbuf[CURL_ERROR_SIZE];
	char result[700];
};

static size_t read_cb(char *buf, size_t size, size_t nitems, void *ctx)
{
	struct smtp *s = ctx;
	size_t n = size * nitems;

	if (n > s->len - s->pos)
		n = s->len - s->pos;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return n;
}

/* One line of text without its CRLF, at most size - 1 bytes. */
static void copy_line(char *dst, size_t size, const char *src, size_t len)
{
	size_t n = 0;

	while (n < len && n + 1 < size && src[n] != '\r' && src[n] != '\n')
		n++;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int debug_cb(CURL *curl, curl_infotype type, char *data, size_t size,
		    void *ctx)
{
	struct smtp *s = ctx;
	char line[512];

	(void)curl;
	switch (type) {
	case CURLINFO_HEADER_OUT:
		copy_line(line, sizeof(line), data, size);
		/* the command word: what a later error answers */
		snprintf(s->last_cmd, sizeof(s->last_cmd), "%.*s",
			 (int)strcspn(line, " "), line);
		if (s->protocol_log)
			log_debug("smtp C: %s", strncmp(line, "AUTH", 4) == 0 ?
				  "AUTH [credentials hidden]" : line);
		break;
	case CURLINFO_HEADER_IN:
		copy_line(s->reply, sizeof(s->reply), data, size);
		/* The first refusal is the one that matters: libcurl then
		 * sends RSET or QUIT, whose "250"/"221" says nothing. */
		if ((s->reply[0] == '4' || s->reply[0] == '5') &&
		    s->err_reply[0] == '\0') {
			memcpy(s->err_reply, s->reply, sizeof(s->err_reply));
			memcpy(s->err_cmd, s->last_cmd, sizeof(s->err_cmd));
			s->err_in_data = s->in_data;
		}
		if (s->protocol_log)
			log_debug("smtp S: %s", s->reply);
		break;
	case CURLINFO_DATA_OUT:
		s->in_data = true;
		break;
	case CURLINFO_TEXT:
		if (s->protocol_log) {
			copy_line(line, sizeof(line), data, size);
			log_debug("smtp * %s", line);
		}
		break;
	default:
		break;
	}
	return 0;
}

struct smtp *smtp_new(const struct smtp_config *c, bool protocol_log,
		      char **error_r)
{
	struct secret_source src = {
		"smtp", c->password, c->password_file, c->oauth2_token_command,
		c->timeout_seconds,
	};
	struct smtp *s = calloc(1, sizeof(*s));
	CURL *curl;

	*error_r = NULL;
	if (s == NULL)
		fatal("out of memory");
	s->config = c;
	s->protocol_log = protocol_log;
	if (c->user != NULL && secret_read(&src, &s->secret, error_r) < 0) {
		free(s);
		return NULL;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatal("libcurl cannot be initialised");
	curl = s->curl = curl_easy_init();
	if (curl == NULL)
		fatal("out of memory");
	curl_easy_setopt(curl, CURLOPT_URL, c->url);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(curl, CURLOPT_READDATA, s);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, s->errbuf);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)c->timeout_seconds);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)c->timeout_seconds);
	/* The debug callback is how the server's words reach the outbox. */
	curl_easy_setopt(curl, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(curl, CURLOPT_DEBUGFUNCTION, debug_cb);
	curl_easy_setopt(curl, CURLOPT_DEBUGDATA, s);
	/* smtps:// is TLS from the first byte whatever this says. */
	curl_easy_setopt(curl, CURLOPT_USE_SSL,
			 c->starttls == SMTP_TLS_REQUIRED ? (long)CURLUSESSL_ALL :
			 c->starttls == SMTP_TLS_TRY ? (long)CURLUSESSL_TRY :
			 (long)CURLUSESSL_NONE);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, c->tls_verify ? 1L : 0L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, c->tls_verify ? 2L : 0L);
	if (c->tls_ca_file != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, c->tls_ca_file);
	if (c->user != NULL) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, c->user);
		if (c->oauth2_token_command != NULL)
			curl_easy_setopt(curl, CURLOPT_XOAUTH2_BEARER, s->secret);
		else if (s->secret != NULL)
			curl_easy_setopt(curl, CURLOPT_PASSWORD, s->secret);
	}
	return s;
}

void smtp_free(struct smtp **sp)
{
	struct smtp *s;

	if (sp == NULL || *sp == NULL)
		return;
	s = *sp;
	if (s->curl != NULL)
		curl_easy_cleanup(s->curl);
	secret_free(&s->secret);
	free(s);
	*sp = NULL;
}

/* "<addr>" list for RCPT TO, from space-separated addresses. */
static struct curl_slist *rcpt_list(const char *rcpts)
{
	struct curl_slist *list = NULL, *next;
	char buf[1024];

	while (*rcpts != '\0') {
		size_t n = strcspn(rcpts, " ");

		if (n > 0 && n < sizeof(buf) - 3) {
			snprintf(buf, sizeof(buf), "<%.*s>", (int)n, rcpts);
			next = curl_slist_append(list, buf);
			if (next == NULL)
				fatal("out of memory");
			list = next;
		}
		rcpts += n;
		rcpts += strspn(rcpts, " ");
	}
	return list;
}

enum smtp_result smtp_send(struct smtp *s, const char *mail_from,
			   const char *rcpts, const void *raw, size_t len,
			   const char **reply_r)
{
	struct curl_slist *list = rcpt_list(rcpts);
	char from[1024];
	enum smtp_result result;
	bool about_mail;
	long code = 0;
	CURLcode rc;

	s->data = raw;
	s->len = len;
	s->pos = 0;
	s->last_cmd[0] = s->reply[0] = s->errbuf[0] = '\0';
	s->err_reply[0] = s->err_cmd[0] = '\0';
	s->in_data = s->err_in_data = false;
	snprintf(from, sizeof(from), "<%s>", mail_from);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, list);
	curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
	rc = curl_easy_perform(s->curl);
	curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
	curl_slist_free_all(list);
	curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
	if (rc == CURLE_OK) {
		snprintf(s->result, sizeof(s->result), "%s", s->reply);
		*reply_r = s->result;
		return SMTP_SENT;
	}
	/*
	 * A 5xx to the mail itself (MAIL FROM, RCPT TO, DATA or its end)
	 * will be the same tomorrow: give up.  A 5xx to EHLO, STARTTLS or
	 * AUTH is the relay's setup or ours, and everything else (4xx, lost
	 * or refused connection, timeout) may pass later: retry.
	 */
	if (s->err_reply[0] != '\0') {
		/* the answer that refused, and what it refused */
		code = strtol(s->err_reply, NULL, 10);
		about_mail = s->err_in_data || strcmp(s->err_cmd, "MAIL") == 0 ||
			strcmp(s->err_cmd, "RCPT") == 0 || strcmp(s->err_cmd, "DATA") == 0;
		snprintf(s->result, sizeof(s->result), "after %s: %s",
			 s->err_in_data ? "the message data" :
			 s->err_cmd[0] != '\0' ? s->err_cmd : "connecting",
			 s->err_reply);
	} else {
		/* no refusal: the connection itself failed */
		code = 0;
		about_mail = s->in_data;
		snprintf(s->result, sizeof(s->result), "%s%s",
			 s->errbuf[0] != '\0' ? s->errbuf : curl_easy_strerror(rc),
			 s->in_data ? " (while sending the message data)" : "");
	}
	if (code >= 500 && code < 600 && rc != CURLE_LOGIN_DENIED && about_mail)
		result = SMTP_PERMANENT;
	else if (about_mail)
		result = SMTP_TEMPORARY;
	else
		result = SMTP_UNREACHABLE;
	*reply_r = s->result;
	return result;
}
