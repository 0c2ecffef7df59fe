/*
 * render.h - the human-readable tables of `neto show`, from the API's JSON
 * documents (docs/api.md). Pure apart from writing to the stream given.
 */
#ifndef NETO_API_RENDER_H
#define NETO_API_RENDER_H

#include <stdio.h>

#include "api/client.h"
#include "lib/err.h"

/* Writes the table for WHAT from the document (doc, len) that the API
 * answered for it (SHOW_METRICS: the text as it is). Fails only on a
 * document that is not a JSON object, or an embedded topology that does
 * not parse. Timestamps print in UTC. */
int api_render(FILE *f, api_show_what what, const char *doc, size_t len, neto_err *err);

#endif
