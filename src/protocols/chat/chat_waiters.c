/*
 * chat_waiters.c: this worker's view of the cache and its waiting polls.
 *
 * The view is a private snapshot of the shared cache with each message's
 * JSON and HTML rendered once; it is refreshed only when the cache's
 * newest sequence number has moved (one atomic load to find out).  A poll
 * whose cursor is the newest message waits in a list with a timer; when
 * any worker adds a message, every worker refreshes its view once and
 * answers each waiter with the messages after its own cursor.  A reply
 * is a list of parts that point into the messages' shared renderings, so
 * every poll, waiting or answered at once, whatever its cursor, sends the
 * same bytes without a copy of its own; the parts of the latest cursor's
 * reply are kept until the view changes.  Waiters are kept in the order
 * they came, which is their deadline order, so one timer per worker
 * answers those that time out.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "connection/connection.h"
#include "connection/peer_wake.h"
#include "connection/shared_body.h"
#include "protocols/chat/chat.h"
#include "protocols/chat/chat_format.h"
#include "util/array.h"

#define CURSOR_MAX	64
#define JSON_TYPE	"application/json; charset=UTF-8"
#define REPLY_START	"{\"messages\": ["
#define REPLY_END	"]}"
#define SEPARATOR	", "		/* before each message's JSON */
#define PARTS_FIRST	16
#define PARTS_MAX	((size_t)1 << 24)

struct chat_waiter {
	int			 kind;		/* CHAT_EXCHANGE_WAITER */
	struct chat_waiter	*previous;
	struct chat_waiter	*next;
	struct chat_service	*chat;
	struct http_connection	*http;
	uint64_t		 deadline;	/* of its poll-timeout */
	char			 cursor[CURSOR_MAX];	/* "": none, unknown */
};

static int	answering;		/* chat_waiters_answer() is running */
static int	answer_again;		/* ... and must look once more */

/* Free the rendered parts of a view; replies sending them keep theirs. */
static void
view_clear_rendering(struct chat_view *view)
{
	size_t	i;

	if (view->json != NULL)
		for (i = 0; i < view->snapshot.count; i++)
			shared_body_release(view->json[i]);
	free(view->json);
	view->json = NULL;
	shared_body_release(view->inbox);
	view->inbox = NULL;
	free(view->reply.parts);
	memset(&view->reply, 0, sizeof(view->reply));
	view->reply_valid = 0;
}

/* Free a view. */
void
chat_view_free(struct chat_view *view)
{
	view_clear_rendering(view);
	chat_snapshot_free(&view->snapshot);
}

/* Render one message as ", " and its JSON, in a shared body; 0 or -1. */
static int
render_message(struct shared_body **json,
    const struct chat_cached_message *message)
{
	struct buffer	text;

	buffer_init(&text);
	if (buffer_append_string(&text, SEPARATOR) == -1 ||
	    chat_message_json(&text, message->id, message->body,
	    message->length) == -1 || (*json = shared_body_adopt(&text)) ==
	    NULL) {
		buffer_free(&text);
		return -1;
	}
	return 0;
}

/*
 * Render each message of the view's snapshot as JSON, taking over the
 * rendering of every message the previous view (old) already had: a new
 * message costs one rendering per worker, not one per cached message.
 */
static int
view_render(struct chat_view *view, struct chat_view *old)
{
	const struct chat_cached_message	*message;
	size_t					 i, j = 0;

	view->json = calloc(view->snapshot.count + 1, sizeof(*view->json));
	if (view->json == NULL)
		return -1;
	for (i = 0; i < view->snapshot.count; i++) {
		message = &view->snapshot.messages[i];
		/* Both snapshots are in sequence order: walk them together. */
		while (old->json != NULL && j < old->snapshot.count &&
		    old->snapshot.messages[j].sequence < message->sequence)
			j++;
		if (old->json != NULL && j < old->snapshot.count &&
		    old->snapshot.messages[j].sequence == message->sequence) {
			view->json[i] = old->json[j];
			old->json[j] = NULL;
			continue;
		}
		if (render_message(&view->json[i], message) == -1)
			return -1;
	}
	return 0;
}

/* Bring the view up to date with the shared cache; 0 or -1. */
int
chat_view_refresh(struct chat_service *chat)
{
	struct chat_view	*view = &chat->view, old;
	int			 result = 0;

	/* A view never loaded is empty, like the view of an empty cache. */
	if (chat_cache_newest(chat->cache) == view->snapshot.newest)
		return 0;
	old = *view;
	memset(view, 0, sizeof(*view));
	view->reply = old.reply;	/* keep its memory */
	memset(&old.reply, 0, sizeof(old.reply));
	if (chat_cache_snapshot(chat->cache, &view->snapshot) == -1 ||
	    view_render(view, &old) == -1) {
		chat_view_free(view);
		result = -1;
	}
	chat_view_free(&old);
	return result;
}

/*
 * The HTML of every message, for the page, shared (the view holds it);
 * NULL when out of memory.
 */
struct shared_body *
chat_view_inbox(struct chat_view *view)
{
	const struct chat_cached_message	*message;
	struct buffer				 html;
	size_t					 i;

	if (view->inbox != NULL)
		return view->inbox;
	buffer_init(&html);
	for (i = 0; i < view->snapshot.count; i++) {
		message = &view->snapshot.messages[i];
		if (chat_message_html(&html, message->id, message->body,
		    message->length) == -1)
			break;
	}
	if (i == view->snapshot.count)
		view->inbox = shared_body_adopt(&html);
	buffer_free(&html);
	return view->inbox;
}

/* The index of the message with id cursor, or -1. */
static int
chat_view_find(const struct chat_view *view, const char *cursor)
{
	size_t	i;

	if (cursor[0] == '\0')
		return -1;
	/* Cursors are nearly always the newest: look from the end. */
	for (i = view->snapshot.count; i > 0; i--)
		if (strcmp(view->snapshot.messages[i - 1].id, cursor) == 0)
			return (int)(i - 1);
	return -1;
}

/* Set a part to bytes that are copied. */
static void
part_copied(struct http_body_part *part, const char *text)
{
	part->shared = NULL;
	part->bytes = text;
	part->offset = 0;
	part->length = strlen(text);
}

/*
 * The reply listing the messages from index from on: its start, each
 * message's shared JSON (the first without its separator), its end.
 * NULL when out of memory.
 */
const struct chat_reply *
chat_view_reply(struct chat_view *view, size_t from)
{
	struct chat_reply	*reply = &view->reply;
	struct http_body_part	*parts, *part;
	size_t			 i, skip;

	if (view->reply_valid && view->reply_from == from)
		return reply;
	view->reply_valid = 0;
	parts = array_grow(reply->parts, &reply->capacity,
	    view->snapshot.count - from + 2, sizeof(*parts), PARTS_FIRST,
	    PARTS_MAX);
	if (parts == NULL)
		return NULL;
	reply->parts = parts;
	part_copied(&parts[0], REPLY_START);
	for (i = from; i < view->snapshot.count; i++) {
		part = &parts[i - from + 1];
		skip = i == from ? strlen(SEPARATOR) : 0;
		part->shared = view->json[i];
		part->bytes = NULL;
		part->offset = skip;
		part->length = view->json[i]->length - skip;
	}
	part_copied(&parts[view->snapshot.count - from + 1], REPLY_END);
	reply->count = view->snapshot.count - from + 2;
	view->reply_from = from;
	view->reply_valid = 1;
	return reply;
}

/* Where a poll's answer starts in the view, or -1 when it must wait. */
int
chat_view_answer_start(const struct chat_view *view, const char *cursor)
{
	int	found;

	if (view->snapshot.count == 0)
		return -1;
	found = chat_view_find(view, cursor);
	if (found == -1)
		return 0;	/* none, unknown or evicted: everything */
	if ((size_t)found + 1 == view->snapshot.count)
		return -1;	/* the client is up to date */
	return found + 1;
}

/* Take a waiter out of the list; its HTTP answer is still owed. */
static void
waiter_unlink(struct chat_waiter *waiter)
{
	struct chat_service	*chat = waiter->chat;

	if (waiter->previous != NULL)
		waiter->previous->next = waiter->next;
	else
		chat->waiters = waiter->next;
	if (waiter->next != NULL)
		waiter->next->previous = waiter->previous;
	else
		chat->waiters_tail = waiter->previous;
	waiter->previous = waiter->next = NULL;
	chat->waiter_count--;
}

/* Put a waiter back in deadline order (from the tail: nearly always). */
static void
waiter_insert(struct chat_waiter *waiter)
{
	struct chat_service	*chat = waiter->chat;
	struct chat_waiter	*after = chat->waiters_tail;

	while (after != NULL && after->deadline > waiter->deadline)
		after = after->previous;
	waiter->previous = after;
	waiter->next = after != NULL ? after->next : chat->waiters;
	if (waiter->next != NULL)
		waiter->next->previous = waiter;
	else
		chat->waiters_tail = waiter;
	if (after != NULL)
		after->next = waiter;
	else
		chat->waiters = waiter;
	chat->waiter_count++;
}

/* Free an unlinked waiter; its connection no longer points at it. */
static void
waiter_free(struct chat_waiter *waiter)
{
	http_set_exchange(waiter->http, NULL);
	free(waiter);
}

/* Arm the poll timer for the oldest waiter, unless it is armed. */
static void
poll_timer_arm(struct chat_service *chat)
{
	uint64_t	now = dispatcher_now(chat->dispatcher);

	if (chat->waiters == NULL || timer_is_pending(&chat->poll_timer))
		return;
	(void)dispatcher_timer_start(chat->dispatcher, &chat->poll_timer,
	    chat->waiters->deadline > now ? chat->waiters->deadline - now : 0,
	    0);
}

/*
 * The oldest polls waited as long as allowed: answer {} so their clients
 * poll again.  Every poll waits the same time and joins at the tail, so
 * the list is in deadline order and one timer serves them all.
 */
static void
poll_timer_fired(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct chat_service	*chat = arg;
	struct chat_waiter	*waiter;
	struct http_connection	*http;

	(void)timer;
	while ((waiter = chat->waiters) != NULL &&
	    waiter->deadline <= dispatcher_now(d)) {
		http = waiter->http;
		waiter_unlink(waiter);
		waiter_free(waiter);
		(void)http_respond(http, 200, JSON_TYPE, NULL, "{}", 2);
	}
	poll_timer_arm(chat);
}

/* Another worker added a message. */
static void
chat_peer_woke(void *arg)
{
	chat_waiters_answer(arg);
}

/* Park a poll until a message newer than cursor exists; 0 or -1. */
int
chat_wait(struct chat_service *chat, struct http_connection *http,
    const char *cursor)
{
	struct chat_waiter	*waiter;

	if (chat->dispatcher == NULL) {
		/* This worker's first poll: its wake-ups and its poll timer. */
		if (peer_wake_subscribe(chat_peer_woke, chat) == -1)
			return -1;
		chat->dispatcher = http_base(http)->dispatcher;
		timer_init(&chat->poll_timer, poll_timer_fired, chat);
	}
	if ((waiter = calloc(1, sizeof(*waiter))) == NULL)
		return -1;
	waiter->kind = CHAT_EXCHANGE_WAITER;
	waiter->chat = chat;
	waiter->http = http;
	waiter->deadline = dispatcher_now(chat->dispatcher) +
	    chat->options.poll_timeout_usec;
	if (cursor != NULL && strlen(cursor) < sizeof(waiter->cursor))
		(void)strcpy(waiter->cursor, cursor);
	waiter_insert(waiter);
	http_set_exchange(http, waiter);
	poll_timer_arm(chat);
	return 0;
}

/* The connection of a waiting poll or post closed: forget it. */
void
chat_abandon(struct http_connection *http, void *arg)
{
	struct chat_waiter	*waiter = http_exchange(http);

	(void)arg;
	if (waiter != NULL && waiter->kind == CHAT_EXCHANGE_POST) {
		chat_stream_abandon(http, (struct chat_post *)(void *)waiter);
		return;
	}
	if (waiter != NULL) {
		waiter_unlink(waiter);
		waiter_free(waiter);
	}
}

/* Answer every waiter that has news. */
static void
answer_round(struct chat_service *chat)
{
	struct chat_waiter	*waiter, *next, *ready = NULL;
	struct http_connection	*http;
	const struct chat_reply	*reply;
	int			 start;

	if (chat_view_refresh(chat) == -1)
		return;		/* out of memory: the poll timeout answers */
	/* Detach first: answering may run a pipelined request of a peer. */
	for (waiter = chat->waiters; waiter != NULL; waiter = next) {
		next = waiter->next;
		if (chat_view_answer_start(&chat->view, waiter->cursor) == -1)
			continue;
		waiter_unlink(waiter);
		waiter->next = ready;
		ready = waiter;
	}
	for (waiter = ready; waiter != NULL; waiter = next) {
		next = waiter->next;
		waiter->next = NULL;
		/* The view may have moved on while an earlier answer went. */
		start = chat_view_answer_start(&chat->view, waiter->cursor);
		if (start == -1) {
			waiter_insert(waiter);
			continue;
		}
		reply = chat_view_reply(&chat->view, (size_t)start);
		http = waiter->http;
		waiter_free(waiter);
		if (reply == NULL)
			(void)http_respond_error(http, 500, "out of memory");
		else
			(void)http_respond_parts(http, 200, JSON_TYPE, NULL,
			    reply->parts, reply->count);
	}
}

/* The cache may have changed: answer this worker's waiters with news. */
void
chat_waiters_answer(struct chat_service *chat)
{
	if (answering) {
		answer_again = 1;
		return;
	}
	answering = 1;
	do {
		answer_again = 0;
		answer_round(chat);
	} while (answer_again);
	answering = 0;
}
