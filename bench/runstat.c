/*
 * runstat.c - runs a command and reports its wall-clock time and peak memory.
 *
 * Usage: runstat [-o FILE] COMMAND [ARG...]
 *
 * Prints one line,
 *     wall_seconds=<s> user_seconds=<s> sys_seconds=<s> max_rss_kb=<kb> status=<n>
 * to FILE (or stderr), after the command has finished. The wall time is
 * measured with CLOCK_MONOTONIC around fork/exec/wait; CPU times and the
 * peak resident set size come from the rusage of wait4(). The peak is the
 * ru_maxrss that wait4() returns for the child (it covers the child's own
 * waited-for children too, e.g. when COMMAND is `timeout`). status is the
 * command's exit status, or 128 + the signal that ended it; runstat exits
 * with the same value (127 when the command cannot be run).
 *
 * The bench scripts use this instead of GNU time(1) so that they need no
 * package beyond a C compiler; the numbers are the same ones GNU time
 * prints as "Elapsed (wall clock) time" and "Maximum resident set size".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double rs_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	const char *out_path = NULL;
	int first = 1;

	if (argc > 2 && !strcmp(argv[1], "-o")) {
		out_path = argv[2];
		first = 3;
	}
	if (first >= argc || argv[first][0] == '-') {
		fprintf(stderr, "usage: runstat [-o FILE] COMMAND [ARG...]\n");
		return 2;
	}

	double t0 = rs_now();
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "runstat: fork: %s\n", strerror(errno));
		return 127;
	}
	if (pid == 0) {
		execvp(argv[first], &argv[first]);
		fprintf(stderr, "runstat: %s: %s\n", argv[first], strerror(errno));
		_exit(127);
	}

	int wstatus;
	struct rusage ru;
	pid_t r;
	do
		r = wait4(pid, &wstatus, 0, &ru);
	while (r < 0 && errno == EINTR);
	double wall = rs_now() - t0;
	if (r < 0) {
		fprintf(stderr, "runstat: wait4: %s\n", strerror(errno));
		return 127;
	}

	int status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus)
		   : WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus)
					  : 127;
	FILE *out = stderr;
	if (out_path) {
		out = fopen(out_path, "w");
		if (!out) {
			fprintf(stderr, "runstat: %s: %s\n", out_path, strerror(errno));
			return 127;
		}
	}
	/* ru_maxrss is in kilobytes on Linux */
	double user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6;
	double sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
	fprintf(out, "wall_seconds=%.6f user_seconds=%.6f sys_seconds=%.6f max_rss_kb=%ld status=%d\n",
		wall, user, sys, ru.ru_maxrss, status);
	if (out != stderr && fclose(out) != 0) {
		fprintf(stderr, "runstat: %s: %s\n", out_path, strerror(errno));
		return 127;
	}
	return status;
}
