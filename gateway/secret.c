/*
 * secret.c - a password from the config or from password_file, or an
 * OAuth2 access token printed by oauth2_token_command; for the IMAP
 * accounts and the SMTP relay.  See include/secret.h.
 *
 * Read at each login, never kept: a rotated password or a refreshed token is
 * picked up at the next connection without a reload, and the secret spends
 * as little time in memory as possible (wiped before it is freed).
 */
#include "secret.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "strbuf.h"
#include "util.h"

#define SECRET_MAX 16384   /* OAuth2 tokens run to a few KiB */

static int secret_error(char **error_r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int secret_error(char **error_r, const char *fmt, ...)
{
	struct strbuf b;
	va_list ap;

	strbuf_init(&b, 2048);
	va_start(ap, fmt);
	if (strbuf_vappendf(&b, fmt, ap) < 0)
		strbuf_reset(&b);
	va_end(ap);
	*error_r = strbuf_detach(&b);
	return -1;
}

/* The first line of buf (len bytes), as a new string; NULL when empty. */
static char *first_line(const char *buf, size_t len)
{
	size_t n = 0;
	char *s;

	while (n < len && buf[n] != '\n' && buf[n] != '\r')
		n++;
	if (n == 0)
		return NULL;
	s = malloc(n + 1);
	if (s == NULL)
		fatal("out of memory");
	memcpy(s, buf, n);
	s[n] = '\0';
	return s;
}

static int read_password_file(const struct secret_source *a, char **secret_r,
			      char **error_r)
{
	char buf[SECRET_MAX];
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd;

	fd = open(a->password_file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return secret_error(error_r, "[%s] password_file %s: "
				    "cannot open: %s", a->section, a->password_file,
				    strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return secret_error(error_r, "[%s] password_file %s: "
				    "not a regular file", a->section, a->password_file);
	}
	if ((st.st_mode & (S_IROTH | S_IWOTH)) != 0) {
		close(fd);
		return secret_error(error_r, "[%s] password_file %s is "
				    "readable or writable by every user (mode "
				    "%04o); refusing to use it: chmod 600 %s",
				    a->section, a->password_file,
				    (unsigned)(st.st_mode & 07777), a->password_file);
	}
	while (len < sizeof(buf) &&
	       (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return secret_error(error_r, "[%s] password_file %s: "
					    "cannot read: %s", a->section,
					    a->password_file, strerror(errno));
		}
		len += (size_t)n;
	}
	close(fd);
	*secret_r = first_line(buf, len);
	explicit_bzero(buf, sizeof(buf));
	if (*secret_r == NULL)
		return secret_error(error_r, "[%s] password_file %s: its "
				    "first line is empty", a->section, a->password_file);
	return 0;
}

/*
 * Runs oauth2_token_command with /bin/sh -c (so the operator can give
 * arguments) and takes the first line of its output.  Its stderr goes to
 * ours, where the operator sees why it failed.  It gets timeout_seconds,
 * like any network step: a token service that hangs must not hang the
 * account's worker.
 */
static int run_token_command(const struct secret_source *a, char **secret_r,
			     char **error_r)
{
	char buf[SECRET_MAX];
	int pipefd[2], status;
	bool timed_out = false;
	size_t len = 0;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return secret_error(error_r, "[%s] oauth2_token_command: "
				    "pipe: %s", a->section, strerror(errno));
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return secret_error(error_r, "[%s] oauth2_token_command: "
				    "fork: %s", a->section, strerror(errno));
	}
	if (pid == 0) {
		/* The daemon blocks its signals in workers; the command gets
		 * the defaults. */
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* A group of its own, so a timeout kills what it started too. */
		setpgid(0, 0);
		if (dup2(pipefd[1], STDOUT_FILENO) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", a->oauth2_token_command, (char *)NULL);
		_exit(127);
	}
	/* Also here: the group exists whichever of the two runs first. */
	(void)setpgid(pid, pid);
	close(pipefd[1]);
	{
		int64_t deadline = (clock_monotonic_us() / 1000) + (int64_t)a->timeout_seconds * 1000;
		struct pollfd p = { .fd = pipefd[0], .events = POLLIN };

		while (len < sizeof(buf)) {
			int64_t left = deadline - (clock_monotonic_us() / 1000);

			if (left <= 0 || poll(&p, 1, (int)left) == 0) {
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				timed_out = true;
				break;
			}
			n = read(pipefd[0], buf + len, sizeof(buf) - len);
			if (n == 0)
				break;
			if (n < 0) {
				if (errno == EINTR || errno == EAGAIN)
					continue;
				break;
			}
			len += (size_t)n;
		}
	}
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = -1;
			break;
		}
	}
	if (timed_out) {
		explicit_bzero(buf, sizeof(buf));
		return secret_error(error_r, "[%s] oauth2_token_command did "
				    "not finish within %u s (timeout_seconds); killed",
				    a->section, a->timeout_seconds);
	}
	if (status != 0) {
		explicit_bzero(buf, sizeof(buf));
		if (status != -1 && WIFEXITED(status))
			return secret_error(error_r, "[%s] oauth2_token_command "
					    "exited with status %d", a->section,
					    WEXITSTATUS(status));
		return secret_error(error_r, "[%s] oauth2_token_command "
				    "failed (killed by a signal)", a->section);
	}
	*secret_r = first_line(buf, len);
	explicit_bzero(buf, sizeof(buf));
	if (*secret_r == NULL)
		return secret_error(error_r, "[%s] oauth2_token_command "
				    "printed no token", a->section);
	return 0;
}

int secret_read(const struct secret_source *a, char **secret_r, char **error_r)
{
	*secret_r = NULL;
	*error_r = NULL;
	if (a->password != NULL) {
		*secret_r = strdup(a->password);
		if (*secret_r == NULL)
			fatal("out of memory");
		return 0;
	}
	if (a->password_file != NULL)
		return read_password_file(a, secret_r, error_r);
	if (a->oauth2_token_command != NULL)
		return run_token_command(a, secret_r, error_r);
	return secret_error(error_r, "[%s] has no password, password_file "
			    "or oauth2_token_command", a->section);
}

void secret_free(char **secret)
{
	if (secret == NULL || *secret == NULL)
		return;
	explicit_bzero(*secret, strlen(*secret));
	free(*secret);
	*secret = NULL;
}
