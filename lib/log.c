/* log.c - stderr or syslog logger; see include/log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <syslog.h>

static enum log_level current_level = LOG_LEVEL_WARN;
static bool to_syslog;

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

void log_use_syslog(void)
{
	/* LOG_PID: one daemon runs a process per account. */
	openlog("supportgw", LOG_PID | LOG_NDELAY, LOG_MAIL);
	to_syslog = true;
}

int log_level_parse(const char *name, enum log_level *level_r)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (strcmp(name, names[i]) == 0) {
			*level_r = (enum log_level)i;
			return 0;
		}
	}
	return -1;
}

static void vlog(enum log_level level, const char *label, const char *fmt, va_list ap)
{
	char line[2048];

	if (level > current_level)
		return;
	/* One write per line so lines of concurrent deliver processes do not
	 * interleave mid-line; long lines are cut, never overflowed. */
	vsnprintf(line, sizeof(line), fmt, ap);
	if (to_syslog) {
		static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };

		syslog(prio[level], "%s: %s", label, line);
		return;
	}
	fprintf(stderr, "supportgw: %s: %s\n", label, line);
}

#define DEFINE_LOG(fn, level, label)			\
	void fn(const char *fmt, ...)			\
	{						\
		va_list ap;				\
		va_start(ap, fmt);			\
		vlog(level, label, fmt, ap);		\
		va_end(ap);				\
	}

DEFINE_LOG(log_error, LOG_LEVEL_ERROR, "error")
DEFINE_LOG(log_warn, LOG_LEVEL_WARN, "warning")
DEFINE_LOG(log_info, LOG_LEVEL_INFO, "info")
DEFINE_LOG(log_debug, LOG_LEVEL_DEBUG, "debug")

void fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	current_level = LOG_LEVEL_DEBUG;
	vlog(LOG_LEVEL_ERROR, "fatal", fmt, ap);
	va_end(ap);
	exit(EX_SOFTWARE);
}
