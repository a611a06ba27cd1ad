/*
 * log.h - the gateway's six-call logging API (OpenSMTPD style).
 *
 * Lines go to stderr as "supportgw: LEVEL: message", or to syslog.  Callers put the context
 * in the message as key=value pairs (account= uid= msgid= case=).  Never log
 * passwords, tokens or message bodies.
 *
 * The logger is one of the two pieces of global state (with the loaded
 * config); it is set once at start-up.
 */
#ifndef SUPPORTGW_LOG_H
#define SUPPORTGW_LOG_H

#include <stdbool.h>

enum log_level {
	LOG_LEVEL_ERROR = 0,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* From now on, lines go to syslog (facility mail, with the pid). */
void log_use_syslog(void);
/* Parses "error", "warn", "info", "debug"; -1 when unknown. */
int log_level_parse(const char *name, enum log_level *level_r);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs and exits with EX_SOFTWARE (70): for broken invariants and OOM. */
void fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

#endif
