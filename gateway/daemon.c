/*
 * daemon.c - signal flags with a self-pipe, and the process supervisor;
 * see include/daemon.h.
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "util.h"

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t reload_flag;
static int sig_pipe[2] = { -1, -1 };
/* The mask to wait with: the signals below are blocked while working and
 * let in only inside ppoll(), so a signal never cuts a libetpan or SQLite
 * call in half; the work in hand finishes and the flag is seen after. */
static sigset_t wait_mask;

static void on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGHUP)
		reload_flag = 1;
	else if (sig == SIGTERM || sig == SIGINT)
		stop_flag = 1;
	/* SIGCHLD only wakes the supervisor. */
	if (sig_pipe[1] >= 0 && write(sig_pipe[1], "", 1) < 0) {
		/* full pipe: a wake-up is already pending */
	}
	errno = saved;
}

int daemon_signals_init(void)
{
	struct sigaction sa;
	sigset_t block;

	if (sig_pipe[0] >= 0) {
		close(sig_pipe[0]);
		close(sig_pipe[1]);
	}
	if (pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		fatal("pipe: %s", strerror(errno));
	stop_flag = 0;
	reload_flag = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGHUP);
	sigdelset(&wait_mask, SIGCHLD);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	/* A server closing the connection must be an error, not a death. */
	signal(SIGPIPE, SIG_IGN);
	return sig_pipe[0];
}

bool daemon_stopping(void)
{
	sigset_t pending;

	if (stop_flag != 0)
		return true;
	/* Blocked while working: a stop asked meanwhile is pending. */
	if (sig_pipe[0] >= 0 && sigpending(&pending) == 0 &&
	    (sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1))
		return true;
	return false;
}

const sigset_t *daemon_wait_mask(void)
{
	return sig_pipe[0] >= 0 ? &wait_mask : NULL;
}

int daemon_poll(struct pollfd *fds, size_t n, int timeout_ms)
{
	struct timespec ts, *tsp = NULL;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tsp = &ts;
	}
	return ppoll(fds, (nfds_t)n, tsp, daemon_wait_mask());
}

bool daemon_take_reload(void)
{
	if (!reload_flag)
		return false;
	reload_flag = 0;
	return true;
}

int daemon_signal_fd(void)
{
	return sig_pipe[0];
}

void daemon_signals_drain(void)
{
	char buf[64];

	while (sig_pipe[0] >= 0 && read(sig_pipe[0], buf, sizeof(buf)) > 0)
		;
}

void daemon_sleep(int ms)
{
	struct pollfd p = { .fd = sig_pipe[0], .events = POLLIN };

	if (daemon_stopping())
		return;
	if (daemon_poll(&p, sig_pipe[0] >= 0 ? 1 : 0, ms) > 0)
		daemon_signals_drain();
}

/* ---- supervisor ---- */

struct worker {
	pid_t pid;              /* 0: not running */
	time_t restart_at;      /* when to start it again (0: now) */
	unsigned delay;         /* next restart delay, seconds */
	time_t started;
};

static int64_t now_ms(void)
{
	return clock_monotonic_us() / 1000;
}

static pid_t spawn(const struct config *config, const struct daemon_jobs *jobs,
		   size_t index)
{
	pid_t pid = fork();

	if (pid < 0) {
		log_error("cannot start the worker for %s: fork: %s",
			  jobs->name(config, index, jobs->ctx), strerror(errno));
		return 0;
	}
	if (pid == 0) {
		int status;

		daemon_signals_init();
		/* Workers leave SIGCHLD alone (the token command is waited
		 * for) and SIGHUP to the supervisor. */
		signal(SIGCHLD, SIG_DFL);
		signal(SIGHUP, SIG_IGN);
		status = jobs->run(config, index, jobs->ctx);
		/* exit(), not _exit(): stdio and SQLite's files are the
		 * child's own to close. */
		exit(status);
	}
	log_debug("worker %s started (pid %ld)", jobs->name(config, index, jobs->ctx),
		  (long)pid);
	return pid;
}

/* Reaps exited workers; marks them for a restart unless stopping. */
static void reap(const struct config *config, const struct daemon_jobs *jobs,
		 struct worker *w, size_t n, bool stopping)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (size_t i = 0; i < n; i++) {
			if (w[i].pid != pid)
				continue;
			w[i].pid = 0;
			if (stopping)
				break;
			/* A worker that ran a while before dying gets a
			 * quick restart; one that dies at once backs off. */
			if (time(NULL) - w[i].started > 60)
				w[i].delay = 1;
			w[i].restart_at = time(NULL) + w[i].delay;
			if (WIFEXITED(status))
				log_error("worker %s exited with status %d; "
					  "restarting it in %u s",
					  jobs->name(config, i, jobs->ctx),
					  WEXITSTATUS(status), w[i].delay);
			else
				log_error("worker %s was killed by signal %d; "
					  "restarting it in %u s",
					  jobs->name(config, i, jobs->ctx),
					  WIFSIGNALED(status) ? WTERMSIG(status) : 0,
					  w[i].delay);
			w[i].delay = w[i].delay >= 60 ? 60 : w[i].delay * 2;
			break;
		}
	}
}

static size_t running(const struct worker *w, size_t n)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += w[i].pid != 0;
	return count;
}

/* SIGTERM to every worker, then waits up to 4.5 s before SIGKILL: the
 * whole stop stays within the 5 s an init system is promised. */
static void stop_all(const struct config *config, const struct daemon_jobs *jobs,
		     struct worker *w, size_t n)
{
	int64_t deadline = now_ms() + 4500;

	for (size_t i = 0; i < n; i++) {
		if (w[i].pid != 0)
			kill(w[i].pid, SIGTERM);
	}
	while (running(w, n) > 0 && now_ms() < deadline) {
		reap(config, jobs, w, n, true);
		if (running(w, n) == 0)
			break;
		{
			struct pollfd p = { .fd = daemon_signal_fd(), .events = POLLIN };
			int64_t left = deadline - now_ms();

			if (daemon_poll(&p, 1, left > 100 ? 100 : (int)(left > 0 ? left : 0)) > 0)
				daemon_signals_drain();
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (w[i].pid != 0) {
			log_error("worker %s did not stop in time; killing it",
				  jobs->name(config, i, jobs->ctx));
			kill(w[i].pid, SIGKILL);
			while (waitpid(w[i].pid, NULL, 0) < 0 && errno == EINTR)
				;
			w[i].pid = 0;
		}
	}
}

static struct worker *workers_new(size_t n)
{
	struct worker *w = calloc(n > 0 ? n : 1, sizeof(*w));

	if (w == NULL)
		fatal("out of memory");
	for (size_t i = 0; i < n; i++)
		w[i].delay = 1;
	return w;
}

int daemon_supervise(struct config **configp, const struct daemon_jobs *jobs)
{
	struct config *config = *configp;
	size_t n = jobs->count(config, jobs->ctx);
	struct worker *w = workers_new(n);
	int fd = daemon_signals_init();

	log_info("supervisor started: %zu worker%s", n, n == 1 ? "" : "s");
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		time_t now = time(NULL);

		for (size_t i = 0; i < n && !daemon_stopping(); i++) {
			if (w[i].pid == 0 && w[i].restart_at <= now) {
				w[i].pid = spawn(config, jobs, i);
				w[i].started = now;
				if (w[i].pid == 0)
					w[i].restart_at = now + 5;
			}
		}
		if (daemon_poll(&p, 1, 1000) > 0)
			daemon_signals_drain();
		reap(config, jobs, w, n, daemon_stopping());
		if (daemon_stopping()) {
			log_info("stopping: %zu worker%s", running(w, n),
				 running(w, n) == 1 ? "" : "s");
			stop_all(config, jobs, w, n);
			break;
		}
		if (daemon_take_reload()) {
			struct config *fresh = NULL;
			char *error = NULL;

			if (config_load(config->path, &fresh, &error) < 0) {
				log_error("reload: %s; keeping the running "
					  "configuration", error);
				free(error);
				continue;
			}
			stop_all(config, jobs, w, n);
			config_free(&config);
			config = fresh;
			*configp = config;
			free(w);
			n = jobs->count(config, jobs->ctx);
			w = workers_new(n);
			log_info("configuration reloaded: %zu worker%s", n,
				 n == 1 ? "" : "s");
		}
	}
	free(w);
	*configp = config;
	return 0;
}
