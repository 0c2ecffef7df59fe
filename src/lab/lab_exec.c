/*
 * lab_exec.c - running the lab's commands (lab_exec.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab/lab_exec.h"
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
