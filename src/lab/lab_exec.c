/*
 * lab_exec.c - running the lab's commands (lab_exec.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab/lab_exec.h"
#include "lab/netns.h"
#include "lib/mem.h"

/* Runs argv (NULL-terminated); returns its exit status (-1 when it could not
 * run). Its output goes to *out (caller frees) when out is not NULL, else
 * is discarded. */
int lab_exec_argv(char *const argv[], char **out)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		int nul = open("/dev/null", O_RDONLY);
		if (nul >= 0)
			dup2(nul, 0);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(pfd[1]);
	size_t len = 0, cap = 4096;
	char *buf = neto_malloc(cap);
	for (;;) {
		if (cap - len < 1024)
			buf = neto_realloc(buf, cap *= 2);
		ssize_t n = read(pfd[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	close(pfd[0]);
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (out)
		*out = buf;
	else
		free(buf);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Runs the command given as words (NULL-terminated); on failure fills *err
 * with the command and its output. */
int lab_exec(neto_err *err, const char *first, ...)
{
	char *argv[64];
	size_t n = 0;
	va_list ap;
	va_start(ap, first);
	for (const char *a = first; a && n < 63; a = va_arg(ap, const char *))
		argv[n++] = (char *)(uintptr_t)a;
	va_end(ap);
	argv[n] = NULL;
	char *out = NULL;
	int rc = lab_exec_argv(argv, &out);
	if (rc != 0) {
		char line[256] = "";
		size_t pos = 0;
		for (size_t i = 0; i < n && pos < sizeof line; i++)
			pos += (size_t)snprintf(line + pos, sizeof line - pos, "%s%s", i ? " " : "",
						argv[i]);
		size_t olen = strlen(out);
		while (olen > 0 && out[olen - 1] == '\n')
			out[--olen] = '\0';
		neto_err_set(err, "%s: exit %d: %.200s", line, rc, out);
	}
	free(out);
	return rc == 0 ? 0 : -1;
}

void lab_rec(FILE *st, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vfprintf(st, fmt, ap);
	va_end(ap);
	fputc('\n', st);
	fflush(st);
	fsync(fileno(st));
}

pid_t lab_spawn(FILE *st, const char *ns, const char *log, const char *exe,
		const char *const argv[], const char *what, neto_err *err)
{
	char self[PATH_MAX];
	if (exe == NULL) {
		ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
		if (n <= 0)
			return neto_err_set(err, "/proc/self/exe: %s", strerror(errno));
		self[n] = '\0';
	}
	/* the child waits on this pipe until its PID is in the state file */
	int hold[2];
	if (pipe2(hold, O_CLOEXEC) != 0)
		return neto_err_set(err, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		close(hold[0]);
		close(hold[1]);
		return neto_err_set(err, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(hold[1]);
		char b;
		if (read(hold[0], &b, 1) != 1)
			_exit(1);	/* the parent gave up before recording it */
		setsid();
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		int nul = open("/dev/null", O_RDONLY);
		if (fd < 0 || nul < 0)
			_exit(126);
		dup2(nul, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		neto_err e;
		if (ns && lab_enter_netns(ns, &e) != 0) {
			fprintf(stderr, "%s\n", e.msg);
			_exit(126);
		}
		/* exec takes char *const[]: argv is not written to */
		if (exe == NULL)
			execv(self, (char *const *)(uintptr_t)argv);
		else
			execvp(exe, (char *const *)(uintptr_t)argv);
		_exit(127);
	}
	close(hold[0]);
	if (exe == NULL)
		lab_rec(st, "proc %ld neto %s", (long)pid, what);
	else
		lab_rec(st, "pid %ld %s", (long)pid, what);
	int ok = write(hold[1], "g", 1) == 1;
	close(hold[1]);
	if (!ok)
		return neto_err_set(err, "%s: %s", what, strerror(errno));
	return pid;
}
