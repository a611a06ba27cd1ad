/*
 * daemon.h - signals and the supervisor of worker processes.
 *
 * Signals: SIGTERM and SIGINT ask to stop, SIGHUP to reload.  They are
 * blocked while the process works and let in only while it waits (IDLE,
 * backoff: daemon_poll()), so a signal never cuts a libetpan or SQLite
 * call in half: the batch in hand is finished, then the flag is seen
 * (daemon_stopping() also looks at signals still pending).  The handlers
 * only set a flag and write a byte to a self-pipe.  These flags are
 * process-wide state by nature (a signal handler has nowhere else to put
 * them).
 *
 * Supervisor (OpenSMTPD / Dovecot style): one process per job, here one per
 * IMAP account (later: the outbox and the reminder scheduler), so a stuck
 * server or a crash touches one account only, and no libetpan or SQLite
 * handle is ever shared between threads.  The supervisor restarts a worker
 * that dies (with a growing delay), forwards SIGTERM and waits for the
 * workers (killing those still there after 4.5 s), and on SIGHUP reloads
 * the configuration: when it loads, the workers are stopped and started
 * again with it; when it does not, the error is logged and the running
 * configuration kept.
 *
 * Ownership: the supervisor owns *config while it runs (it may replace it
 * on reload) and hands the current one back.
 * Errors: daemon_signals_init() and daemon_supervise() return an exit code
 * (0 when stopped by a signal).
 */
#ifndef SUPPORTGW_DAEMON_H
#define SUPPORTGW_DAEMON_H

#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct config;

/* Installs the handlers (again in a forked child: a fresh pipe of its
 * own).  Returns the pipe's read end, to poll(). */
int daemon_signals_init(void);
/* SIGTERM or SIGINT was received. */
bool daemon_stopping(void);
/* SIGHUP was received since the last call. */
bool daemon_take_reload(void);
/* Empties the self-pipe after poll() said it is readable. */
void daemon_signals_drain(void);
/* The self-pipe's read end (-1 before init). */
int daemon_signal_fd(void);
/* Sleeps ms milliseconds, or less when a signal arrives. */
void daemon_sleep(int ms);
/* The signal mask to wait with (ppoll), or NULL before init. */
const sigset_t *daemon_wait_mask(void);
/* poll() that lets the signals in while it waits; -1/EINTR when one came. */
int daemon_poll(struct pollfd *fds, size_t n, int timeout_ms);

/*
 * A worker: runs job `index` of `config` in a fresh child process until
 * asked to stop (daemon_stopping()), then returns its exit status.
 * count() says how many jobs a configuration has; name() names job index
 * for the log.
 */
struct daemon_jobs {
	size_t (*count)(const struct config *config, void *ctx);
	const char *(*name)(const struct config *config, size_t index, void *ctx);
	int (*run)(const struct config *config, size_t index, void *ctx);
	void *ctx;
};

int daemon_supervise(struct config **config, const struct daemon_jobs *jobs);

#endif
