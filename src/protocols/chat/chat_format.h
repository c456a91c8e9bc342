/*
 * chat_format.h: how a chat message is written out: HTML and JSON.
 *
 * The HTML of a message is the body escaped (& < > " ' become &amp; &lt;
 * &gt; &quot; &#39;), with http://, https:// and www. URLs made into links
 * byte for byte as tornado.escape.linkify() makes them (only those two
 * schemes ever become an href, escaped too), wrapped in
 * <div class="message" id="m<id>">...</div> and a newline, as Tornado's
 * chat demo renders it.  JSON strings are UTF-8 with '</' written '<\/'
 * and control characters as \uXXXX, so a reply can sit inside a <script>.
 */
#ifndef PFORKD_CHAT_FORMAT_H
#define PFORKD_CHAT_FORMAT_H

#include <stddef.h>

#include "util/buffer.h"

int	chat_html_escape(struct buffer *, const char *, size_t);
int	chat_linkify(struct buffer *, const char *, size_t);
int	chat_message_html(struct buffer *, const char *id, const char *body,
	    size_t body_length);
int	chat_json_string(struct buffer *, const char *, size_t);
int	chat_message_json(struct buffer *, const char *id, const char *body,
	    size_t body_length);

#endif /* PFORKD_CHAT_FORMAT_H */
