/*
 * netio.h - the listening side of TCP servers that run their own poll loop
 * (the BMP station of `neto bmp` and of the peering role): a non-blocking
 * listening socket, and non-blocking accepted connections named by the
 * peer's address.
 *
 * Ownership: the caller closes the descriptors.
 */
#ifndef NETO_LIB_NETIO_H
#define NETO_LIB_NETIO_H

#include <stddef.h>

#include "lib/err.h"

/* A non-blocking, close-on-exec TCP socket listening on addr (an IPv4 or
 * IPv6 literal) and port, SO_REUSEADDR set; -1 and *err on failure. */
int neto_tcp_listen(const char *addr, unsigned port, int backlog, neto_err *err);

/* One pending connection of lfd, non-blocking and close-on-exec, with the
 * peer's address in host ("?" for another family); -1 when none is
 * pending. */
int neto_tcp_accept(int lfd, char *host, size_t host_cap);

#endif
