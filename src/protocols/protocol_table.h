/*
 * protocol_table.h: the built-in protocols, found by name.
 *
 * The server looks a service's protocol up here; the table is the one
 * place that lists every protocol pforkd has.
 */
#ifndef PFORKD_PROTOCOL_TABLE_H
#define PFORKD_PROTOCOL_TABLE_H

#include <stddef.h>

#include "connection/protocol.h"

const struct protocol	*protocol_find(const char *name);
const struct protocol	*protocol_at(size_t index);
const char		*protocol_names(void);

extern const struct protocol protocol_echo;
extern const struct protocol protocol_discard;
extern const struct protocol protocol_chargen;
extern const struct protocol protocol_daytime;
extern const struct protocol protocol_time;
extern const struct protocol protocol_poetry;
extern const struct protocol protocol_chat;

#endif /* PFORKD_PROTOCOL_TABLE_H */
