/*
 * imap.c - one IMAP session over libetpan's mailimap; see include/imap.h.
 *
 * libetpan does the protocol (commands, parsing, TLS through GnuTLS); this
 * file adds what a daemon needs around it: errors with the server's own
 * words and a kind that says whether to reconnect, a certificate check
 * (libetpan's TLS does not verify the peer; GnuTLS's trust list does it
 * here, against the system CAs or tls_ca_file), a protocol log that hides
 * credentials, and an IDLE wait that a signal can cut short.
 */
#include "imap.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <libetpan/libetpan.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "secret.h"
#include "strbuf.h"

struct imap {
	const struct imap_account *account;
	mailimap *mi;
	bool protocol_log;
	bool hide_sent;          /* during authentication: log no client data */
	bool tls;                /* TLS in place (imaps or STARTTLS) */
	bool verified;           /* its certificate was checked */
	enum imap_failure failure;
	char error[1024];
};

/* ---- errors ---- */

static int imap_fail(struct imap *imap, enum imap_failure kind,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int imap_fail(struct imap *imap, enum imap_failure kind,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(imap->error, sizeof(imap->error), fmt, ap);
	va_end(ap);
	imap->failure = kind;
	return -1;
}

/* The server's last response text, when there is one worth quoting. */
static const char *server_says(const struct imap *imap)
{
	if (imap->mi == NULL || imap->mi->imap_response == NULL ||
	    imap->mi->imap_response[0] == '\0')
		return "no reason given";
	return imap->mi->imap_response;
}

/*
 * Maps a libetpan result to our failure kinds.  Stream, parse and
 * connection errors leave the session unusable: reconnect.  A command the
 * server refused (NO/BAD) leaves it usable.
 */
static int lib_fail(struct imap *imap, int r, const char *what)
{
	switch (r) {
	case MAILIMAP_ERROR_STREAM:
		return imap_fail(imap, IMAP_FAIL_NET,
				 "%s: connection lost or timed out", what);
	case MAILIMAP_ERROR_CONNECTION_REFUSED:
		return imap_fail(imap, IMAP_FAIL_NET, "%s: cannot connect to %s port %u",
				 what, imap->account->host, imap->account->port);
	case MAILIMAP_ERROR_SSL:
		return imap_fail(imap, IMAP_FAIL_NET, "%s: TLS handshake failed",
				 what);
	case MAILIMAP_ERROR_PARSE:
	case MAILIMAP_ERROR_PROTOCOL:
		return imap_fail(imap, IMAP_FAIL_NET,
				 "%s: the server's answer could not be understood", what);
	case MAILIMAP_ERROR_MEMORY:
		fatal("out of memory in libetpan (%s)", what);
	case MAILIMAP_ERROR_BAD_STATE:
		return imap_fail(imap, IMAP_FAIL_NET, "%s: not possible in this "
				 "state of the session", what);
	case MAILIMAP_ERROR_DONT_ACCEPT_CONNECTION:
		return imap_fail(imap, IMAP_FAIL_NET, "%s: the server refuses "
				 "connections: %s", what, server_says(imap));
	case MAILIMAP_ERROR_LOGIN:
	case MAILIMAP_ERROR_SASL:
		return imap_fail(imap, IMAP_FAIL_AUTH, "%s: authentication failed: %s",
				 what, server_says(imap));
	default:
		return imap_fail(imap, IMAP_FAIL_REFUSED, "%s: the server said: %s",
				 what, server_says(imap));
	}
}

const char *imap_error(const struct imap *imap)
{
	return imap->error;
}

enum imap_failure imap_failure(const struct imap *imap)
{
	return imap->failure;
}

/* ---- protocol log ---- */

static void log_chunk(const char *dir, const char *str, size_t size)
{
	/* Message bodies can be megabytes: the first line or so is enough
	 * to follow the dialogue. */
	size_t show = size, eol;

	for (eol = 0; eol < size && str[eol] != '\r' && str[eol] != '\n'; eol++)
		;
	if (show > 200)
		show = 200;
	if (eol < size && eol + 2 < show)
		show = eol;
	if (show < size)
		log_debug("imap %s %.*s ... (%zu bytes)", dir, (int)show, str, size);
	else
		log_debug("imap %s %.*s", dir, (int)(eol < size ? eol : size), str);
}

static void protocol_logger(mailimap *mi, int type, const char *str,
			    size_t size, void *context)
{
	struct imap *imap = context;

	(void)mi;
	switch (type) {
	case MAILSTREAM_LOG_TYPE_DATA_RECEIVED:
		log_chunk("S:", str, size);
		break;
	case MAILSTREAM_LOG_TYPE_DATA_SENT:
		if (imap->hide_sent)
			log_debug("imap C: [authentication data hidden]");
		else
			log_chunk("C:", str, size);
		break;
	case MAILSTREAM_LOG_TYPE_DATA_SENT_PRIVATE:
		log_debug("imap C: [credentials hidden]");
		break;
	default:
		break;
	}
}

/* ---- session ---- */

struct imap *imap_new(const struct imap_account *account, bool protocol_log)
{
	struct imap *imap = calloc(1, sizeof(*imap));

	if (imap == NULL)
		fatal("out of memory");
	imap->account = account;
	imap->protocol_log = protocol_log;
	return imap;
}

static void drop_connection(struct imap *imap)
{
	if (imap->mi != NULL) {
		mailimap_free(imap->mi);
		imap->mi = NULL;
	}
	imap->tls = false;
	imap->verified = false;
}

void imap_free(struct imap **imapp)
{
	if (imapp == NULL || *imapp == NULL)
		return;
	drop_connection(*imapp);
	free(*imapp);
	*imapp = NULL;
}

void imap_logout(struct imap *imap)
{
	if (imap->mi != NULL && imap->mi->imap_stream != NULL)
		(void)mailimap_logout(imap->mi);
	drop_connection(imap);
}

static void set_server_name(struct mailstream_ssl_context *ctx, void *data)
{
	const struct imap *imap = data;

	/* SNI: servers hosting several names pick the certificate by it. */
	(void)mailstream_ssl_set_server_name(ctx, (char *)imap->account->host);
}

/*
 * libetpan's TLS accepts any certificate; check the chain it received
 * against the trusted CAs and the host name, with GnuTLS.
 */
static int verify_certificate(struct imap *imap)
{
	const struct imap_account *a = imap->account;
	gnutls_x509_trust_list_t list = NULL;
	gnutls_x509_crt_t *certs = NULL;
	carray *chain;
	unsigned n = 0, status = 0;
	gnutls_typed_vdata_st vdata;
	gnutls_datum_t out = { NULL, 0 };
	int r, ret = -1;

	chain = mailstream_get_certificate_chain(imap->mi->imap_stream);
	if (chain == NULL || carray_count(chain) == 0) {
		if (chain != NULL)
			mailstream_certificate_chain_free(chain);
		return imap_fail(imap, IMAP_FAIL_TLS,
				 "TLS: the server sent no certificate");
	}
	if (gnutls_x509_trust_list_init(&list, 0) < 0)
		fatal("out of memory");
	if (a->tls_ca_file != NULL)
		r = gnutls_x509_trust_list_add_trust_file(list, a->tls_ca_file,
							  NULL, GNUTLS_X509_FMT_PEM,
							  0, 0);
	else
		r = gnutls_x509_trust_list_add_system_trust(list, 0, 0);
	if (r <= 0) {
		imap_fail(imap, IMAP_FAIL_TLS, "TLS: no trusted CA certificate "
			  "loaded from %s%s%s", a->tls_ca_file != NULL ?
			  a->tls_ca_file : "the system store",
			  r < 0 ? ": " : "", r < 0 ? gnutls_strerror(r) : "");
		goto out;
	}
	certs = calloc(carray_count(chain), sizeof(*certs));
	if (certs == NULL)
		fatal("out of memory");
	for (n = 0; n < carray_count(chain); n++) {
		MMAPString *der = carray_get(chain, n);
		gnutls_datum_t d = { (unsigned char *)der->str, (unsigned)der->len };

		if (gnutls_x509_crt_init(&certs[n]) < 0)
			fatal("out of memory");
		if ((r = gnutls_x509_crt_import(certs[n], &d, GNUTLS_X509_FMT_DER)) < 0) {
			n++;
			imap_fail(imap, IMAP_FAIL_TLS,
				  "TLS: cannot read the server's certificate: %s",
				  gnutls_strerror(r));
			goto out;
		}
	}
	memset(&vdata, 0, sizeof(vdata));
	vdata.type = GNUTLS_DT_DNS_HOSTNAME;
	vdata.data = (unsigned char *)a->host;
	vdata.size = (unsigned)strlen(a->host);
	r = gnutls_x509_trust_list_verify_crt2(list, certs, n, &vdata, 1, 0,
					       &status, NULL);
	if (r < 0) {
		imap_fail(imap, IMAP_FAIL_TLS, "TLS: cannot verify the "
			  "certificate: %s", gnutls_strerror(r));
	} else if (status != 0) {
		gnutls_certificate_verification_status_print(status,
			GNUTLS_CRT_X509, &out, 0);
		imap_fail(imap, IMAP_FAIL_TLS, "TLS: the certificate of %s is "
			  "not trusted: %s (set tls_ca_file to the CA that signed "
			  "it, or tls_verify = no)", a->host,
			  out.data != NULL ? (char *)out.data : "verification failed");
		gnutls_free(out.data);
	} else {
		imap->verified = true;
		ret = 0;
	}
out:
	for (unsigned i = 0; i < n; i++)
		gnutls_x509_crt_deinit(certs[i]);
	free(certs);
	gnutls_x509_trust_list_deinit(list, 1);
	mailstream_certificate_chain_free(chain);
	return ret;
}

/* CAPABILITY; libetpan keeps the answer in the connection info. */
static int refresh_caps(struct imap *imap)
{
	struct mailimap_capability_data *caps = NULL;
	int r = mailimap_capability(imap->mi, &caps);

	if (r != MAILIMAP_NO_ERROR)
		return lib_fail(imap, r, "CAPABILITY");
	mailimap_capability_data_free(caps);
	return 0;
}

int imap_connect(struct imap *imap)
{
	const struct imap_account *a = imap->account;
	int r;

	drop_connection(imap);
	imap->failure = IMAP_FAIL_NONE;
	imap->error[0] = '\0';
	imap->mi = mailimap_new(0, NULL);
	if (imap->mi == NULL)
		fatal("out of memory");
	mailimap_set_timeout(imap->mi, a->timeout_seconds);
	if (imap->protocol_log)
		mailimap_set_logger(imap->mi, protocol_logger, imap);
	if (a->tls) {
		r = mailimap_ssl_connect_with_callback(imap->mi, a->host,
						       (uint16_t)a->port,
						       set_server_name, imap);
		imap->tls = true;
	} else {
		r = mailimap_socket_connect(imap->mi, a->host, (uint16_t)a->port);
	}
	if (r != MAILIMAP_NO_ERROR && r != MAILIMAP_NO_ERROR_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED) {
		lib_fail(imap, r, "connect");
		drop_connection(imap);
		return -1;
	}
	if (!a->tls && a->starttls) {
		if (refresh_caps(imap) < 0) {
			drop_connection(imap);
			return -1;
		}
		if (!mailimap_has_extension(imap->mi, "STARTTLS")) {
			imap_fail(imap, IMAP_FAIL_TLS, "%s does not offer "
				  "STARTTLS; the password would go in clear text "
				  "(use imaps://, or starttls = no on a trusted "
				  "network)", a->host);
			drop_connection(imap);
			return -1;
		}
		r = mailimap_socket_starttls_with_callback(imap->mi,
							   set_server_name, imap);
		if (r != MAILIMAP_NO_ERROR) {
			lib_fail(imap, r, "STARTTLS");
			drop_connection(imap);
			return -1;
		}
		imap->tls = true;
	}
	if (imap->tls && a->tls_verify && verify_certificate(imap) < 0) {
		drop_connection(imap);
		return -1;
	}
	/* Capabilities change after STARTTLS and login: ask now (unless
	 * the greeting listed them), again after login. */
	if ((imap->tls || imap->mi->imap_connection_info == NULL ||
	     imap->mi->imap_connection_info->imap_capability == NULL) &&
	    refresh_caps(imap) < 0) {
		drop_connection(imap);
		return -1;
	}
	return 0;
}

static int login_result(struct imap *imap, int r, const char *method)
{
	const struct imap_account *a = imap->account;

	if (r == MAILIMAP_NO_ERROR)
		return 0;
	if (r == MAILIMAP_ERROR_LOGIN || r == MAILIMAP_ERROR_SASL ||
	    r == MAILIMAP_ERROR_EXTENSION)
		return imap_fail(imap, IMAP_FAIL_AUTH, "authentication failed "
				 "for user %s (%s): %s", a->user, method,
				 server_says(imap));
	return lib_fail(imap, r, method);
}

int imap_login(struct imap *imap, const char **method_r)
{
	const struct imap_account *a = imap->account;
	char *secret = NULL, *error = NULL, section[128];
	struct secret_source src = {
		section, a->password, a->password_file, a->oauth2_token_command,
		a->timeout_seconds,
	};
	const char *method;
	int r;

	*method_r = "none";
	if (imap->mi == NULL)
		return imap_fail(imap, IMAP_FAIL_NET, "not connected");
	snprintf(section, sizeof(section), "imap:%s", a->name);
	if (secret_read(&src, &secret, &error) < 0) {
		/* A token command may fail for a while (its provider is
		 * down); a bad password file waits for the operator. */
		imap_fail(imap, a->oauth2_token_command != NULL ?
			  IMAP_FAIL_AUTH : IMAP_FAIL_CONFIG, "%s", error);
		free(error);
		return -1;
	}
	imap->hide_sent = true;
	if (a->oauth2_token_command != NULL) {
		method = "XOAUTH2";
		r = mailimap_oauth2_authenticate(imap->mi, a->user, secret);
	} else if (mailimap_has_extension(imap->mi, "LOGINDISABLED") &&
		   mailimap_has_authentication(imap->mi, "PLAIN")) {
		/* LOGIN is refused, AUTHENTICATE PLAIN carries the same
		 * user and password (through libetpan's SASL client). */
		method = "AUTHENTICATE PLAIN";
		r = mailimap_authenticate(imap->mi, "PLAIN", a->host, NULL, NULL,
					  a->user, a->user, secret, NULL);
	} else {
		method = "LOGIN";
		r = mailimap_login(imap->mi, a->user, secret);
	}
	imap->hide_sent = false;
	secret_free(&secret);
	*method_r = method;
	if (login_result(imap, r, method) < 0)
		return -1;
	/* Servers advertise more once logged in (IDLE, MOVE, UIDPLUS...). */
	return refresh_caps(imap);
}

bool imap_has(struct imap *imap, const char *capability)
{
	if (imap->mi == NULL)
		return false;
	if (strcmp(capability, "IDLE") == 0)
		return mailimap_has_idle(imap->mi) != 0;
	return mailimap_has_extension(imap->mi, (char *)capability) != 0;
}

const char *imap_capabilities(struct imap *imap, char *buf, size_t size)
{
	struct strbuf b;
	clistiter *it;

	/* A full buffer just ends the list: it is for display. */
	strbuf_init(&b, size > 0 ? size - 1 : 0);
	if (imap->mi != NULL && imap->mi->imap_connection_info != NULL &&
	    imap->mi->imap_connection_info->imap_capability != NULL) {
		clist *caps = imap->mi->imap_connection_info->imap_capability->cap_list;

		for (it = clist_begin(caps); it != NULL; it = clist_next(it)) {
			struct mailimap_capability *c = clist_content(it);
			int r;

			if (c->cap_type == MAILIMAP_CAPABILITY_AUTH_TYPE)
				r = strbuf_appendf(&b, "%sAUTH=%s", b.len > 0 ? " " : "",
						   c->cap_data.cap_auth_type);
			else
				r = strbuf_appendf(&b, "%s%s", b.len > 0 ? " " : "",
						   c->cap_data.cap_name);
			if (r < 0)
				break;
		}
	}
	snprintf(buf, size, "%s", strbuf_str(&b));
	strbuf_deinit(&b);
	return buf;
}

const char *imap_tls_info(struct imap *imap, char *buf, size_t size)
{
	const struct imap_account *a = imap->account;

	if (!imap->tls)
		snprintf(buf, size, "none (plain text)");
	else
		snprintf(buf, size, "%s, certificate %s", a->tls ? "TLS" : "STARTTLS",
			 imap->verified ? "verified" : "not checked (tls_verify = no)");
	return buf;
}

int imap_select(struct imap *imap, const char *mailbox,
		struct imap_mailbox *info_r)
{
	struct mailimap_selection_info *sel;
	int r;

	memset(info_r, 0, sizeof(*info_r));
	r = mailimap_select(imap->mi, mailbox);
	if (r != MAILIMAP_NO_ERROR) {
		char what[300];

		snprintf(what, sizeof(what), "SELECT %s", mailbox);
		return lib_fail(imap, r, what);
	}
	sel = imap->mi->imap_selection_info;
	if (sel != NULL) {
		info_r->uidvalidity = sel->sel_uidvalidity;
		info_r->uidnext = sel->sel_uidnext;
		info_r->exists = sel->sel_has_exists ? sel->sel_exists : 0;
	}
	if (info_r->uidvalidity == 0)
		return imap_fail(imap, IMAP_FAIL_REFUSED, "SELECT %s: the server "
				 "gave no UIDVALIDITY; UIDs cannot be trusted", mailbox);
	return 0;
}

uint32_t imap_exists(const struct imap *imap)
{
	if (imap->mi == NULL || imap->mi->imap_selection_info == NULL)
		return 0;
	return imap->mi->imap_selection_info->sel_exists;
}

int imap_mailbox_exists(struct imap *imap, const char *mailbox)
{
	clist *list = NULL;
	int r, found;

	r = mailimap_list(imap->mi, "", mailbox, &list);
	if (r != MAILIMAP_NO_ERROR)
		return lib_fail(imap, r, "LIST");
	found = list != NULL && clist_count(list) > 0;
	if (list != NULL)
		mailimap_list_result_free(list);
	return found;
}

int imap_ensure_mailbox(struct imap *imap, const char *mailbox)
{
	int r = imap_mailbox_exists(imap, mailbox);

	if (r != 0)
		return r < 0 ? -1 : 0;
	r = mailimap_create(imap->mi, mailbox);
	if (r != MAILIMAP_NO_ERROR) {
		char what[300];

		snprintf(what, sizeof(what), "CREATE %s", mailbox);
		return lib_fail(imap, r, what);
	}
	return 1;
}

/* A UID set from a sorted array, with runs as ranges (1:200, not 200
 * numbers). */
static struct mailimap_set *uid_set(const uint32_t *uids, size_t count)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	size_t i = 0;

	if (set == NULL)
		fatal("out of memory");
	while (i < count) {
		size_t j = i;

		while (j + 1 < count && uids[j + 1] == uids[j] + 1)
			j++;
		if (mailimap_set_add_interval(set, uids[i], uids[j]) != MAILIMAP_NO_ERROR)
			fatal("out of memory");
		i = j + 1;
	}
	return set;
}

static int cmp_uid(const void *a, const void *b)
{
	const struct imap_uid *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

/* The UID attribute of a fetched message, 0 if absent. */
static uint32_t msg_uid(struct mailimap_msg_att *msg, uint32_t *size_r,
			const char **body_r, size_t *len_r)
{
	uint32_t uid = 0;

	for (clistiter *it = clist_begin(msg->att_list); it != NULL; it = clist_next(it)) {
		struct mailimap_msg_att_item *item = clist_content(it);
		struct mailimap_msg_att_static *st;

		if (item->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = item->att_data.att_static;
		switch (st->att_type) {
		case MAILIMAP_MSG_ATT_UID:
			uid = st->att_data.att_uid;
			break;
		case MAILIMAP_MSG_ATT_RFC822_SIZE:
			if (size_r != NULL)
				*size_r = st->att_data.att_rfc822_size;
			break;
		case MAILIMAP_MSG_ATT_BODY_SECTION:
			if (body_r != NULL && st->att_data.att_body_section != NULL) {
				*body_r = st->att_data.att_body_section->sec_body_part;
				*len_r = st->att_data.att_body_section->sec_length;
			}
			break;
		default:
			break;
		}
	}
	return uid;
}

int imap_list_new(struct imap *imap, uint32_t after_uid,
		  struct imap_uid **uids_r, size_t *count_r)
{
	struct mailimap_fetch_type *type;
	struct mailimap_set *set;
	struct imap_uid *uids = NULL;
	clist *result = NULL;
	size_t n = 0;
	int r;

	*uids_r = NULL;
	*count_r = 0;
	if (after_uid == UINT32_MAX)
		return 0;
	/* "N:*" also matches the highest UID when it is below N (RFC 3501
	 * 6.4.8: a range is unordered), so filter on uid > after_uid. */
	set = mailimap_set_new_interval(after_uid + 1, 0);
	type = mailimap_fetch_type_new_fetch_att_list_empty();
	if (set == NULL || type == NULL ||
	    mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_uid()) != 0 ||
	    mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_rfc822_size()) != 0)
		fatal("out of memory");
	r = mailimap_uid_fetch(imap->mi, set, type, &result);
	mailimap_fetch_type_free(type);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return lib_fail(imap, r, "UID FETCH (UID RFC822.SIZE)");
	if (clist_count(result) > 0) {
		uids = calloc(clist_count(result), sizeof(*uids));
		if (uids == NULL)
			fatal("out of memory");
	}
	for (clistiter *it = clist_begin(result); it != NULL; it = clist_next(it)) {
		uint32_t size = 0, uid = msg_uid(clist_content(it), &size, NULL, NULL);

		if (uid > after_uid) {
			uids[n].uid = uid;
			uids[n].size = size;
			n++;
		}
	}
	mailimap_fetch_list_free(result);
	if (n > 1)
		qsort(uids, n, sizeof(*uids), cmp_uid);
	if (n == 0) {
		free(uids);
		uids = NULL;
	}
	*uids_r = uids;
	*count_r = n;
	return 0;
}

struct fetched {
	uint32_t uid;
	const char *data;
	size_t len;
};

static int cmp_fetched(const void *a, const void *b)
{
	const struct fetched *x = a, *y = b;

	return x->uid < y->uid ? -1 : x->uid > y->uid;
}

int imap_fetch(struct imap *imap, const uint32_t *uids, size_t count,
	       bool headers_only, imap_message_cb *cb, void *ctx)
{
	struct mailimap_fetch_type *type;
	struct mailimap_section *section;
	struct mailimap_set *set;
	struct fetched *msgs = NULL;
	clist *result = NULL;
	size_t n = 0;
	int r, ret = 0;

	if (count == 0)
		return 0;
	set = uid_set(uids, count);
	section = headers_only ? mailimap_section_new_header() :
		mailimap_section_new(NULL);
	type = mailimap_fetch_type_new_fetch_att_list_empty();
	if (section == NULL || type == NULL ||
	    mailimap_fetch_type_new_fetch_att_list_add(type, mailimap_fetch_att_new_uid()) != 0 ||
	    mailimap_fetch_type_new_fetch_att_list_add(type,
		mailimap_fetch_att_new_body_peek_section(section)) != 0)
		fatal("out of memory");
	r = mailimap_uid_fetch(imap->mi, set, type, &result);
	mailimap_fetch_type_free(type);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return lib_fail(imap, r, headers_only ? "UID FETCH BODY.PEEK[HEADER]" :
				"UID FETCH BODY.PEEK[]");
	if (clist_count(result) > 0) {
		msgs = calloc(clist_count(result), sizeof(*msgs));
		if (msgs == NULL)
			fatal("out of memory");
	}
	for (clistiter *it = clist_begin(result); it != NULL; it = clist_next(it)) {
		const char *body = NULL;
		size_t len = 0;
		uint32_t uid = msg_uid(clist_content(it), NULL, &body, &len);

		/* Servers may add unsolicited FETCH responses (flag changes)
		 * without a body: not a message of ours. */
		if (uid == 0 || body == NULL)
			continue;
		msgs[n].uid = uid;
		msgs[n].data = body;
		msgs[n].len = len;
		n++;
	}
	if (n > 1)
		qsort(msgs, n, sizeof(*msgs), cmp_fetched);
	for (size_t i = 0; i < n && ret == 0; i++) {
		/* A duplicate response for one UID: keep the first. */
		if (i > 0 && msgs[i].uid == msgs[i - 1].uid)
			continue;
		ret = cb(ctx, msgs[i].uid, msgs[i].data, msgs[i].len);
	}
	free(msgs);
	mailimap_fetch_list_free(result);
	return ret;
}

int imap_copy(struct imap *imap, const uint32_t *uids, size_t count,
	      const char *mailbox)
{
	struct mailimap_set *set;
	int r;

	if (count == 0)
		return 0;
	set = uid_set(uids, count);
	r = mailimap_uid_copy(imap->mi, set, mailbox);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR) {
		char what[300];

		snprintf(what, sizeof(what), "UID COPY to %s", mailbox);
		return lib_fail(imap, r, what);
	}
	return 0;
}

static int add_flag(struct imap *imap, const uint32_t *uids, size_t count,
		    struct mailimap_flag *flag, const char *what)
{
	struct mailimap_flag_list *flags = mailimap_flag_list_new_empty();
	struct mailimap_store_att_flags *att;
	struct mailimap_set *set;
	int r;

	if (flags == NULL || flag == NULL ||
	    mailimap_flag_list_add(flags, flag) != MAILIMAP_NO_ERROR)
		fatal("out of memory");
	att = mailimap_store_att_flags_new_add_flags_silent(flags);
	if (att == NULL)
		fatal("out of memory");
	set = uid_set(uids, count);
	r = mailimap_uid_store(imap->mi, set, att);
	mailimap_store_att_flags_free(att);
	mailimap_set_free(set);
	if (r != MAILIMAP_NO_ERROR)
		return lib_fail(imap, r, what);
	return 0;
}

int imap_mark_seen(struct imap *imap, const uint32_t *uids, size_t count)
{
	if (count == 0)
		return 0;
	return add_flag(imap, uids, count, mailimap_flag_new_seen(),
			"UID STORE +FLAGS.SILENT (\\Seen)");
}

int imap_delete(struct imap *imap, const uint32_t *uids, size_t count)
{
	struct mailimap_set *set;
	int r;

	if (count == 0)
		return 0;
	if (add_flag(imap, uids, count, mailimap_flag_new_deleted(),
		     "UID STORE +FLAGS.SILENT (\\Deleted)") < 0)
		return -1;
	if (!imap_has(imap, "UIDPLUS")) {
		/* Plain EXPUNGE also removes whatever else is flagged
		 * \Deleted in the mailbox: that is what the flag asks for. */
		r = mailimap_expunge(imap->mi);
		return r == MAILIMAP_NO_ERROR ? 0 : lib_fail(imap, r, "EXPUNGE");
	}
	set = uid_set(uids, count);
	r = mailimap_uid_expunge(imap->mi, set);
	mailimap_set_free(set);
	return r == MAILIMAP_NO_ERROR ? 0 : lib_fail(imap, r, "UID EXPUNGE");
}

int imap_move(struct imap *imap, const uint32_t *uids, size_t count,
	      const char *mailbox)
{
	struct mailimap_set *set;
	uint32_t validity = 0;
	struct mailimap_set *src = NULL, *dst = NULL;
	int r;

	if (count == 0)
		return 0;
	if (!imap_has(imap, "MOVE")) {
		if (imap_copy(imap, uids, count, mailbox) < 0)
			return -1;
		return imap_delete(imap, uids, count);
	}
	set = uid_set(uids, count);
	r = mailimap_uidplus_uid_move(imap->mi, set, mailbox, &validity, &src, &dst);
	mailimap_set_free(set);
	if (src != NULL)
		mailimap_set_free(src);
	if (dst != NULL)
		mailimap_set_free(dst);
	if (r != MAILIMAP_NO_ERROR) {
		char what[300];

		snprintf(what, sizeof(what), "UID MOVE to %s", mailbox);
		return lib_fail(imap, r, what);
	}
	return 0;
}

/* Waits on the connection (unless fd < 0) and stop_fd: 1 data, 0 timeout,
 * 2 stop, -1 poll failed. */
static int wait_fds(int fd, int stop_fd, int timeout_ms, const sigset_t *mask)
{
	struct pollfd p[2];
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
	int n = 0, r;

	if (fd >= 0) {
		p[n].fd = fd;
		p[n].events = POLLIN;
		n++;
	}
	p[n].fd = stop_fd;
	p[n].events = POLLIN;
	n++;
	/* A signal (EINTR) ends the wait like stop_fd: the caller looks at
	 * its flags and waits again if it was not asked to stop. */
	r = ppoll(p, (nfds_t)n, timeout_ms >= 0 ? &ts : NULL, mask);
	if (r < 0)
		return errno == EINTR ? 2 : -1;
	if (r == 0)
		return 0;
	if (p[n - 1].revents != 0)
		return 2;
	return 1;
}

int imap_wait(struct imap *imap, int stop_fd, int timeout_ms,
	      const sigset_t *sigmask)
{
	int r, ret, fd;

	if (!imap_has(imap, "IDLE"))
		return wait_fds(-1, stop_fd, timeout_ms, sigmask) == 2 ? 2 : 0;
	r = mailimap_idle(imap->mi);
	if (r != MAILIMAP_NO_ERROR)
		return lib_fail(imap, r, "IDLE");
	/* The server may have sent news with its continuation: then it is
	 * already in libetpan's buffer and poll() would not see it. */
	if (imap->mi->imap_stream->read_buffer_len > 0) {
		ret = 1;
	} else {
		fd = mailimap_idle_get_fd(imap->mi);
		ret = wait_fds(fd, stop_fd, timeout_ms, sigmask);
		if (ret < 0) {
			imap_fail(imap, IMAP_FAIL_NET, "IDLE: poll: %s", strerror(errno));
			return -1;
		}
	}
	r = mailimap_idle_done(imap->mi);
	if (r != MAILIMAP_NO_ERROR)
		return lib_fail(imap, r, "IDLE DONE");
	return ret;
}
