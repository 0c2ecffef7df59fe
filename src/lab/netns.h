/*
 * netns.h - entering a named network namespace (/run/netns/NAME, the ones
 * `ip netns add` creates), for the lab's one-shot commands.
 */
#ifndef NETO_LAB_NETNS_H
#define NETO_LAB_NETNS_H

#include "lib/err.h"

/* Moves the calling process (all of it: call before starting threads) into
 * network namespace `name`. NULL: stays where it is. */
int lab_enter_netns(const char *name, neto_err *err);

#endif
