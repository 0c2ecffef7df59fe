/*
 * netns.c - setns(2) into a namespace named by iproute2's convention.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab/netns.h"

int lab_enter_netns(const char *name, neto_err *err)
{
	if (!name)
		return 0;
	if (strchr(name, '/') || name[0] == '.' || name[0] == '\0')
		return neto_err_set(err, "namespace '%s': not a name", name);
	char path[256];
	snprintf(path, sizeof path, "/run/netns/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return neto_err_set(err, "namespace %s: %s", name, strerror(errno));
	int rc = setns(fd, CLONE_NEWNET);
	int e = errno;
	close(fd);
	if (rc != 0)
		return neto_err_set(err, "entering namespace %s: %s", name, strerror(e));
	return 0;
}
