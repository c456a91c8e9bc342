/*
 * chat_browser_test.c: the chat page in a real browser.
 *
 * Starts pforkd with a chat listener and headless Chromium, opens the page
 * twice, each in a browser context of its own (cookies and cache apart,
 * as two people's browsers), and drives both over the DevTools protocol
 * on a pipe (Chromium reads commands on its fd 3 and writes replies and
 * events on its fd 4, each a JSON text ended by a NUL byte).  Checks live
 * delivery between the pages both ways, that markup shows as text,
 * de-duplication, the server-side render after a reload, the icon, and a
 * third page opened in page 1's context with the _xsrf cookie another
 * (Tornado) application set.  Speaks TAP itself and skips when no
 * Chromium is installed.  Every wait is bounded; Chromium runs in a
 * process group of its own and is killed by that group only if it does
 * not close.
 *
 * Built with CHAT_BROWSER_HAPROXY (tests/chat_browser_haproxy_test), it
 * runs the same checks through the real haproxy in mode http with
 * send-proxy-v2 over two daemons that share one real redis-server, with
 * sticky sessions as a deployment would have them: a browser's first
 * request goes round-robin, and the cookie haproxy inserts in its answer
 * (SERVER=a or SERVER=b) keeps the browser on that daemon.  It checks that
 * the two pages' cookies name different daemons, so that their messages
 * cross from one daemon to the other through Redis; and, at the end, from
 * haproxy's request log and the daemons' -v logs (whose peers are the
 * browser's addresses, from the PROXY headers), that each page's polls
 * went to its daemon alone.  Skipped too without haproxy or redis-server.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon_harness.h"
#include "redis_haproxy.h"
#include "test_util.h"
#include "util/descriptor.h"

#define TEST_COUNT		17	/* the checks both builds make */
#define BUDGET_MS		45000	/* the checks end by then */
#define CLEANUP_MS		9000	/* closing, stopping */
#define ALARM_SECONDS		58	/* last resort */
#define CALL_TIMEOUT_MS		5000	/* one DevTools command */
#define LOAD_TIMEOUT_MS		10000	/* a page to load */
#define DELIVERY_MAX_MS		1000	/* page 1 to page 2 */
#define DELIVERY_WAIT_MS	5000	/* to say how late */
#define POLL_INTERVAL_MS	20
#define MESSAGE_MAX		(16 * 1024 * 1024)
#define TEXT_MAX		8192
#ifdef CHAT_BROWSER_HAPROXY
#define DAEMONS			2
#define RUN_CHECKS		(TEST_COUNT + 1)	/* the pages' servers */
#define CHECKS			(RUN_CHECKS + 2)	/* each page's polls */
#define STICKY_COOKIE		"SERVER"	/* haproxy's, naming a daemon */
#define POLL_PATH		"/a/message/updates"
#else
#define DAEMONS			1
#define RUN_CHECKS		TEST_COUNT
#define CHECKS			TEST_COUNT
#endif
#define ID_MAX			128

/* Chromium and what it said that was not taken yet. */
struct browser {
	pid_t	 pid;		/* and its process group */
	int	 command_fd;	/* its fd 3: we write commands */
	int	 event_fd;	/* its fd 4: we read replies and events */
	char	*data;		/* bytes read, from start to end */
	size_t	 start;
	size_t	 end;
	size_t	 size;
	char	*reply;		/* the last reply, NUL-terminated */
	int	 next_id;
};

/* A JSON or JavaScript text being written. */
struct text {
	char	data[TEXT_MAX];
	size_t	length;
	int	overflow;
};

static uint64_t			 budget_end;	/* monotonic ms */
static int			 test_number;
static int			 failures;
static struct daemon_process	*chat_daemon;	/* DAEMONS of them */
static volatile sig_atomic_t	 alarm_group;	/* Chromium */
static volatile sig_atomic_t	 alarm_daemon[DAEMONS + 2]; /* and more */
#ifdef CHAT_BROWSER_HAPROXY
static struct redis_server	 redis;
static struct haproxy_server	 haproxy;
static char			 page_server[2];	/* 'a', 'b' or 0 */
#endif

/* Monotonic milliseconds. */
static uint64_t
now_ms(void)
{
	struct timespec	now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

/* A deadline timeout_ms from now, never past the end of the budget. */
static uint64_t
deadline_in(int timeout_ms)
{
	uint64_t	deadline = now_ms() + (uint64_t)timeout_ms;

	return deadline < budget_end ? deadline : budget_end;
}

/* Milliseconds left until deadline, at least 0. */
static int
left_ms(uint64_t deadline)
{
	uint64_t	now = now_ms();

	return now >= deadline ? 0 : (int)(deadline - now);
}

/* Sleep about ms milliseconds, reading what the servers log meanwhile. */
static void
sleep_ms(int ms)
{
	struct timespec	pause;
	int		i;

	for (i = 0; chat_daemon != NULL && i < DAEMONS; i++)
		if (chat_daemon[i].pid > 0)
			(void)harness_read_log(&chat_daemon[i], 0);
#ifdef CHAT_BROWSER_HAPROXY
	if (haproxy.process.pid > 0)
		(void)harness_read_log(&haproxy.process, 0);
#endif
	pause.tv_sec = ms / 1000;
	pause.tv_nsec = (long)(ms % 1000) * 1000000;
	while (nanosleep(&pause, &pause) == -1 && errno == EINTR)
		continue;
}

/* Print one TAP result line; returns ok. */
static int
report(int ok, const char *format, ...)
{
	va_list	arguments;

	(void)printf("%s %d - ", ok ? "ok" : "not ok", ++test_number);
	va_start(arguments, format);
	(void)vprintf(format, arguments);
	va_end(arguments);
	(void)printf("\n");
	(void)fflush(stdout);
	if (!ok)
		failures++;
	return ok;
}

/* Print a TAP diagnostic line. */
static void
note(const char *format, ...)
{
	va_list	arguments;

	(void)printf("# ");
	va_start(arguments, format);
	(void)vprintf(format, arguments);
	va_end(arguments);
	(void)printf("\n");
	(void)fflush(stdout);
}

/* Print text as diagnostic lines, each with a prefix. */
static void
note_lines(const char *prefix, const char *text)
{
	const char	*end;

	while (*text != '\0') {
		end = strchr(text, '\n');
		if (end == NULL)
			end = text + strlen(text);
		note("%s%.*s", prefix, (int)(end - text), text);
		text = *end == '\n' ? end + 1 : end;
	}
}

/*
 * Print the end of the log file at path as diagnostics, without the
 * D-Bus complaints of a machine that has no bus.
 */
static void
note_log_tail(const char *prefix, const char *path)
{
	char	 line[1024];
	FILE	*file;
	long	 size;

	if ((file = fopen(path, "r")) == NULL)
		return;
	if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) > 8192 &&
	    fseek(file, size - 8192, SEEK_SET) == 0) {
		/* Start after the partial line. */
		if (fgets(line, sizeof(line), file) == NULL)
			rewind(file);
	} else
		rewind(file);
	while (fgets(line, sizeof(line), file) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strstr(line, "dbus") == NULL)
			note("%s%s", prefix, line);
	}
	(void)fclose(file);
}

/* Last resort: kill what this test started, say so, leave. */
static void
on_alarm(int signal_number)
{
	static const char	line[] = "Bail out! chat_browser_test ran out "
				    "of time\n";
	ssize_t			written;
	int			i;

	(void)signal_number;
	if (alarm_group > 0)
		(void)kill(-(pid_t)alarm_group, SIGKILL);
	for (i = 0; i < DAEMONS + 2; i++)
		if (alarm_daemon[i] > 0)
			(void)kill((pid_t)alarm_daemon[i], SIGKILL);
	written = write(STDOUT_FILENO, line, sizeof(line) - 1);
	(void)written;
	_exit(1);
}

/* Append to t as printf would; remembers when it did not fit. */
static void
text_add(struct text *t, const char *format, ...)
{
	va_list	arguments;
	int	count;

	if (t->overflow)
		return;
	va_start(arguments, format);
	count = vsnprintf(t->data + t->length, sizeof(t->data) - t->length,
	    format, arguments);
	va_end(arguments);
	if (count < 0 || (size_t)count >= sizeof(t->data) - t->length)
		t->overflow = 1;
	else
		t->length += (size_t)count;
}

/* Append s as a JSON string, which is also a JavaScript string literal. */
static void
text_quote(struct text *t, const char *s)
{
	const unsigned char	*c;

	text_add(t, "\"");
	for (c = (const unsigned char *)s; *c != '\0'; c++) {
		if (*c == '"' || *c == '\\')
			text_add(t, "\\%c", *c);
		else if (*c < 0x20)
			text_add(t, "\\u%04x", *c);
		else
			text_add(t, "%c", *c);
	}
	text_add(t, "\"");
}

/* Start t afresh. */
static void
text_init(struct text *t)
{
	t->data[0] = '\0';
	t->length = 0;
	t->overflow = 0;
}

/* Past the JSON whitespace at p. */
static const char *
json_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Past the JSON string at p (at its quote), or NULL. */
static const char *
json_skip_string(const char *p)
{
	if (*p++ != '"')
		return NULL;
	while (*p != '"') {
		if (*p == '\0' || (*p == '\\' && *++p == '\0'))
			return NULL;
		p++;
	}
	return p + 1;
}

/* Past the JSON value at p, or NULL when it is malformed or too deep. */
static const char *
json_skip_value(const char *p, int depth)
{
	char	close;

	p = json_space(p);
	if (*p == '"')
		return json_skip_string(p);
	if (*p == '{' || *p == '[') {
		if (depth > 100)
			return NULL;
		close = *p == '{' ? '}' : ']';
		p = json_space(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if ((p = json_skip_string(p)) == NULL)
					return NULL;
				p = json_space(p);
				if (*p++ != ':')
					return NULL;
			}
			if ((p = json_skip_value(p, depth + 1)) == NULL)
				return NULL;
			p = json_space(p);
			if (*p == close)
				return p + 1;
			if (*p++ != ',')
				return NULL;
			p = json_space(p);
		}
	}
	if (*p == '\0' || strchr("-0123456789tfn", *p) == NULL)
		return NULL;
	while (*p != '\0' && strchr(",}] \t\r\n", *p) == NULL)
		p++;
	return p;
}

/* The value of the member key of the JSON object at p, or NULL. */
static const char *
json_member(const char *p, const char *key)
{
	const char	*name, *end;
	size_t		 length = strlen(key);

	if (p == NULL || *(p = json_space(p)) != '{')
		return NULL;
	p = json_space(p + 1);
	if (*p == '}')
		return NULL;
	for (;;) {
		name = p;
		if ((end = json_skip_string(p)) == NULL)
			return NULL;
		p = json_space(end);
		if (*p++ != ':')
			return NULL;
		p = json_space(p);
		if ((size_t)(end - name) == length + 2 &&
		    memcmp(name + 1, key, length) == 0)
			return p;
		if ((p = json_skip_value(p, 0)) == NULL)
			return NULL;
		p = json_space(p);
		if (*p++ != ',')
			return NULL;
		p = json_space(p);
	}
}

/* Decode the JSON string at p into out (non-ASCII as '?'); 0 or -1. */
static int
json_string(const char *p, char *out, size_t size)
{
	unsigned int	code;
	size_t		n = 0;
	int		i;
	char		c;

	if (p == NULL || *p++ != '"' || size == 0)
		return -1;
	while ((c = *p++) != '"') {
		if (c == '\0')
			return -1;
		if (c == '\\') {
			switch (c = *p++) {
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'u':
				for (code = 0, i = 0; i < 4; i++, p++) {
					if (*p == '\0' ||
					    strchr("0123456789abcdefABCDEF",
					    *p) == NULL)
						return -1;
					code = code * 16 + (unsigned int)
					    (*p <= '9' ? *p - '0' :
					    (*p | 0x20) - 'a' + 10);
				}
				c = code < 0x80 ? (char)code : '?';
				break;
			case '"':
			case '\\':
			case '/':
				break;
			default:
				return -1;
			}
		}
		if (n + 1 >= size)
			return -1;
		out[n++] = c;
	}
	out[n] = '\0';
	return 0;
}

/* Write length bytes to the non-blocking fd by deadline; 0 or -1. */
static int
write_by(int fd, const char *data, size_t length, uint64_t deadline)
{
	struct pollfd	pfd;
	ssize_t		count;

	while (length > 0) {
		pfd.fd = fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, left_ms(deadline)) <= 0) {
			if (errno == EINTR && left_ms(deadline) > 0)
				continue;
			return -1;
		}
		count = write(fd, data, length);
		if (count == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (count <= 0)
			return -1;
		data += count;
		length -= (size_t)count;
	}
	return 0;
}

/*
 * The next whole message from Chromium, NUL-terminated and valid until the
 * next call; NULL at the deadline, at EOF, on an error or an oversized one.
 */
static const char *
browser_next(struct browser *b, uint64_t deadline)
{
	struct pollfd	 pfd;
	const char	*message;
	char		*nul, *bigger;
	ssize_t		 count;
	int		 ready;

	for (;;) {
		nul = memchr(b->data + b->start, '\0', b->end - b->start);
		if (nul != NULL) {
			message = b->data + b->start;
			b->start = (size_t)(nul - b->data) + 1;
			return message;
		}
		if (b->start > 0) {
			memmove(b->data, b->data + b->start,
			    b->end - b->start);
			b->end -= b->start;
			b->start = 0;
		}
		if (b->size - b->end < 16384) {
			if (b->size >= MESSAGE_MAX ||
			    (bigger = realloc(b->data, b->size * 2)) == NULL)
				return NULL;
			b->data = bigger;
			b->size *= 2;
		}
		pfd.fd = b->event_fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if ((ready = poll(&pfd, 1, left_ms(deadline))) == -1 &&
		    errno == EINTR)
			continue;
		if (ready <= 0)
			return NULL;
		count = read(b->event_fd, b->data + b->end, b->size - b->end);
		if (count == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (count <= 0)
			return NULL;
		b->end += (size_t)count;
	}
}

/*
 * Send method with params (a JSON object, or NULL) to session (NULL: the
 * browser itself) and wait for the reply with the same id, skipping the
 * events on the way.  0 with b->reply set, or -1 (b->reply holds the
 * error reply, if one came).
 */
static int
browser_call(struct browser *b, const char *session, const char *method,
    const char *params, int timeout_ms)
{
	struct text	 command;
	const char	*message, *id;
	char		*end;
	uint64_t	 deadline = deadline_in(timeout_ms);
	int		 number = ++b->next_id;

	free(b->reply);
	b->reply = NULL;
	text_init(&command);
	text_add(&command, "{\"id\":%d,\"method\":", number);
	text_quote(&command, method);
	if (params != NULL)
		text_add(&command, ",\"params\":%s", params);
	if (session != NULL) {
		text_add(&command, ",\"sessionId\":");
		text_quote(&command, session);
	}
	text_add(&command, "}");
	if (command.overflow || write_by(b->command_fd, command.data,
	    command.length + 1, deadline) == -1)
		return -1;
	for (;;) {
		if ((message = browser_next(b, deadline)) == NULL)
			return -1;
		id = json_member(message, "id");
		if (id == NULL || strtol(id, &end, 10) != number ||
		    end == id)
			continue;
		if ((b->reply = strdup(message)) == NULL)
			return -1;
		return json_member(message, "error") == NULL ? 0 : -1;
	}
}

/* Call and copy the string member key of the reply's result; 0 or -1. */
static int
browser_call_string(struct browser *b, const char *session,
    const char *method, const char *params, const char *key, char *out,
    size_t size)
{
	if (browser_call(b, session, method, params, CALL_TIMEOUT_MS) == -1 ||
	    json_string(json_member(json_member(b->reply, "result"), key),
	    out, size) == -1) {
		note("%s: no %s in %.300s", method, key,
		    b->reply != NULL ? b->reply : "(no reply)");
		return -1;
	}
	return 0;
}

/*
 * Evaluate expression in session and copy the JSON text of its value to
 * out (a string keeps its quotes; no value is "undefined").  0, or -1 on
 * an error or an exception.
 */
static int
evaluate(struct browser *b, const char *session, const char *expression,
    char *out, size_t size, int timeout_ms)
{
	struct text	 params;
	const char	*result, *value, *end;

	text_init(&params);
	text_add(&params, "{\"expression\":");
	text_quote(&params, expression);
	text_add(&params, ",\"returnByValue\":true}");
	if (params.overflow || browser_call(b, session, "Runtime.evaluate",
	    params.data, timeout_ms) == -1)
		return -1;
	result = json_member(b->reply, "result");
	if (json_member(result, "exceptionDetails") != NULL)
		return -1;
	value = json_member(json_member(result, "result"), "value");
	if (value == NULL) {
		(void)snprintf(out, size, "undefined");
		return 0;
	}
	if ((end = json_skip_value(value, 0)) == NULL ||
	    (size_t)(end - value) >= size)
		return -1;
	memcpy(out, value, (size_t)(end - value));
	out[end - value] = '\0';
	return 0;
}

/* 1 when expression is true in session, 0 when not, -1 on an error. */
static int
evaluate_true(struct browser *b, const char *session,
    const char *expression)
{
	char	value[64];

	if (evaluate(b, session, expression, value, sizeof(value),
	    CALL_TIMEOUT_MS) == -1)
		return -1;
	return strcmp(value, "true") == 0;
}

/* The whole number expression gives in session, or -1 on an error. */
static long
evaluate_count(struct browser *b, const char *session,
    const char *expression)
{
	char	value[64], *end;
	long	count;

	if (evaluate(b, session, expression, value, sizeof(value),
	    CALL_TIMEOUT_MS) == -1)
		return -1;
	count = strtol(value, &end, 10);
	return end == value || *end != '\0' ? -1 : count;
}

/*
 * Evaluate expression in session every POLL_INTERVAL_MS until it is true;
 * the milliseconds that took, or -1 when it was not true in timeout_ms.
 */
static long
wait_true(struct browser *b, const char *session, const char *expression,
    int timeout_ms)
{
	uint64_t	start = now_ms(), deadline = deadline_in(timeout_ms);

	do {
		if (evaluate_true(b, session, expression) == 1)
			return (long)(now_ms() - start);
		sleep_ms(POLL_INTERVAL_MS);
	} while (left_ms(deadline) > 0);
	return -1;
}

/* Set text's JavaScript expression: how many messages have exactly m. */
static void
count_expression(struct text *t, const char *m)
{
	text_init(t);
	text_add(t, "Array.from(document.querySelectorAll(\"#inbox "
	    ".message\")).filter((e) => e.textContent === ");
	text_quote(t, m);
	text_add(t, ").length");
}

/* Set text's JavaScript expression: whether the inbox text contains m. */
static void
contains_expression(struct text *t, const char *m)
{
	text_init(t);
	text_add(t, "document.getElementById(\"inbox\").textContent"
	    ".includes(");
	text_quote(t, m);
	text_add(t, ")");
}

/* Wait until the chat page in session has loaded; 0 or -1. */
static int
wait_loaded(struct browser *b, const char *session, const char *extra)
{
	struct text	expression;

	text_init(&expression);
	text_add(&expression, "%sdocument.readyState === \"complete\" && "
	    "!!document.getElementById(\"message\") && "
	    "!!document.getElementById(\"inbox\")", extra);
	if (wait_true(b, session, expression.data, LOAD_TIMEOUT_MS) == -1) {
		note("the page did not load; last reply: %.300s",
		    b->reply != NULL ? b->reply : "(none)");
		return -1;
	}
	return 0;
}

/*
 * Make a browser context, which has cookies and a cache of its own as a
 * second user's browser would, filling context; 0 or -1.
 */
static int
create_context(struct browser *b, char *context, size_t size)
{
	return browser_call_string(b, NULL, "Target.createBrowserContext",
	    NULL, "browserContextId", context, size);
}

/*
 * Open url in a new page of the browser context and attach to it, filling
 * session; 0 or -1.
 */
static int
open_page(struct browser *b, const char *context, const char *url,
    char *session, size_t size)
{
	struct text	params;
	char		target[ID_MAX];

	text_init(&params);
	text_add(&params, "{\"url\":");
	text_quote(&params, url);
	text_add(&params, ",\"browserContextId\":");
	text_quote(&params, context);
	text_add(&params, "}");
	if (browser_call_string(b, NULL, "Target.createTarget", params.data,
	    "targetId", target, sizeof(target)) == -1)
		return -1;
	text_init(&params);
	text_add(&params, "{\"targetId\":");
	text_quote(&params, target);
	text_add(&params, ",\"flatten\":true}");
	return browser_call_string(b, NULL, "Target.attachToTarget",
	    params.data, "sessionId", session, size);
}

/*
 * The Chromium to run, in path: $CHROMIUM, else chromium or
 * chromium-browser from $PATH; -1 when there is none.
 */
static int
find_chromium(char *path, size_t size)
{
	const char	*names[3], *search, *end;
	struct stat	 status;
	size_t		 i;
	int		 length;

	names[0] = getenv("CHROMIUM");
	names[1] = "chromium";
	names[2] = "chromium-browser";
	for (i = names[0] != NULL && names[0][0] != '\0' ? 0 : 1; i < 3;
	    i++) {
		if (strchr(names[i], '/') != NULL) {
			if (stat(names[i], &status) == 0 &&
			    S_ISREG(status.st_mode) &&
			    access(names[i], X_OK) == 0 &&
			    snprintf(path, size, "%s", names[i]) <
			    (int)size)
				return 0;
			continue;
		}
		if ((search = getenv("PATH")) == NULL)
			search = "/usr/bin:/bin";
		for (;;) {
			end = strchr(search, ':');
			if (end == NULL)
				end = search + strlen(search);
			length = (int)(end - search);
			if (snprintf(path, size, "%.*s/%s", length, search,
			    names[i]) < (int)size && length > 0 &&
			    stat(path, &status) == 0 &&
			    S_ISREG(status.st_mode) &&
			    access(path, X_OK) == 0)
				return 0;
			if (*end == '\0')
				break;
			search = end + 1;
		}
	}
	return -1;
}

/*
 * Start Chromium at path on the DevTools pipe in a process group of its
 * own, its profile in directory/profile and its output in
 * directory/chromium.log; 0 or -1.
 */
static int
browser_start(struct browser *b, const char *path, const char *directory)
{
	char		 profile[PATH_MAX + 32], log[PATH_MAX];
	const char	*argv[] = { path, "--headless=new", "--no-sandbox",
			    "--disable-gpu", "--disable-dev-shm-usage",
			    "--remote-debugging-pipe", "--no-first-run",
			    "--no-default-browser-check",
			    "--disable-background-networking",
			    "--disable-extensions", "--disable-sync",
			    "--disable-default-apps", "--mute-audio",
			    profile, "about:blank", NULL };
	int		 commands[2], events[2], null, output, in, out;

	(void)snprintf(profile, sizeof(profile), "--user-data-dir=%s/profile",
	    directory);
	(void)snprintf(log, sizeof(log), "%s/chromium.log", directory);
	b->size = 65536;
	if ((b->data = malloc(b->size)) == NULL)
		return -1;
	if (pipe(commands) == -1)
		return -1;
	if (pipe(events) == -1) {
		(void)close(commands[0]);
		(void)close(commands[1]);
		return -1;
	}
	if ((b->pid = fork()) == 0) {
		(void)setpgid(0, 0);
		null = open("/dev/null", O_RDONLY);
		output = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		if (null == -1 || output == -1 || dup2(null, 0) == -1 ||
		    dup2(output, 1) == -1 || dup2(output, 2) == -1)
			_exit(127);
		in = fcntl(commands[0], F_DUPFD, 10);
		out = fcntl(events[1], F_DUPFD, 10);
		if (in == -1 || out == -1 || dup2(in, 3) == -1 ||
		    dup2(out, 4) == -1)
			_exit(127);
		execv(path, (char *const *)argv);
		_exit(127);
	}
	(void)close(commands[0]);
	(void)close(events[1]);
	b->command_fd = commands[1];
	b->event_fd = events[0];
	if (b->pid == -1) {
		(void)close(b->command_fd);
		(void)close(b->event_fd);
		return -1;
	}
	(void)setpgid(b->pid, b->pid);
	alarm_group = b->pid;
	if (descriptor_set_cloexec(b->command_fd) == -1 ||
	    descriptor_set_nonblocking(b->command_fd) == -1 ||
	    descriptor_set_cloexec(b->event_fd) == -1 ||
	    descriptor_set_nonblocking(b->event_fd) == -1)
		return -1;
	return 0;
}

/*
 * Close Chromium with Browser.close and wait for it up to 5 s, reading
 * what it still writes; then kill its process group if it is still there.
 */
static void
browser_stop(struct browser *b)
{
	struct pollfd	pfd;
	char		discard[4096];
	uint64_t	deadline;
	int		status;

	if (b->pid <= 0)
		return;
	(void)browser_call(b, NULL, "Browser.close", NULL, 2000);
	(void)close(b->command_fd);
	deadline = now_ms() + 5000;
	while (waitpid(b->pid, &status, WNOHANG) != b->pid) {
		if (left_ms(deadline) == 0) {
			note("chromium did not close: killing its group");
			(void)kill(-b->pid, SIGKILL);
			(void)waitpid(b->pid, &status, 0);
			break;
		}
		pfd.fd = b->event_fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, POLL_INTERVAL_MS) > 0 &&
		    read(b->event_fd, discard, sizeof(discard)) == 0)
			sleep_ms(POLL_INTERVAL_MS);
	}
	alarm_group = 0;
	b->pid = -1;
	(void)close(b->event_fd);
	free(b->data);
	free(b->reply);
	b->data = b->reply = NULL;
}

/* Type m into the chat page in session and press Enter; 0 or -1. */
static int
type_and_enter(struct browser *b, const char *session, const char *m)
{
	static const char	*key_down = "{\"type\":\"keyDown\",\"key\":"
				    "\"Enter\",\"code\":\"Enter\","
				    "\"windowsVirtualKeyCode\":13,"
				    "\"nativeVirtualKeyCode\":13,"
				    "\"text\":\"\\r\","
				    "\"unmodifiedText\":\"\\r\"}";
	static const char	*key_up = "{\"type\":\"keyUp\",\"key\":"
				    "\"Enter\",\"code\":\"Enter\","
				    "\"windowsVirtualKeyCode\":13,"
				    "\"nativeVirtualKeyCode\":13}";
	struct text		 params;

	if (evaluate_true(b, session, "(() => { const i = document."
	    "getElementById(\"message\"); i.focus(); i.value = \"\"; "
	    "return document.activeElement === i; })()") != 1) {
		note("could not focus the message input");
		return -1;
	}
	text_init(&params);
	text_add(&params, "{\"text\":");
	text_quote(&params, m);
	text_add(&params, "}");
	if (browser_call(b, session, "Input.insertText", params.data,
	    CALL_TIMEOUT_MS) == -1 ||
	    browser_call(b, session, "Input.dispatchKeyEvent", key_down,
	    CALL_TIMEOUT_MS) == -1 ||
	    browser_call(b, session, "Input.dispatchKeyEvent", key_up,
	    CALL_TIMEOUT_MS) == -1) {
		note("typing failed: %.300s",
		    b->reply != NULL ? b->reply : "(no reply)");
		return -1;
	}
	return 0;
}

/* Put m in the input of the page in session and click Post; 0 or -1. */
static int
fill_and_click(struct browser *b, const char *session, const char *m)
{
	struct text	expression;

	text_init(&expression);
	text_add(&expression, "(() => { const i = document.getElementById("
	    "\"message\"); i.value = ");
	text_quote(&expression, m);
	text_add(&expression, "; i.dispatchEvent(new Event(\"input\", "
	    "{ bubbles: true })); document.querySelector(\"#messageform "
	    "[type=submit]\").click(); return true; })()");
	if (evaluate_true(b, session, expression.data) != 1) {
		note("could not click Post");
		return -1;
	}
	return 0;
}

/*
 * Check that m, typed in the page from (page number from_number), shows
 * in the page to (page number to_number) within DELIVERY_MAX_MS.
 */
static void
check_delivery(struct browser *b, const char *from, int from_number,
    const char *to, int to_number, const char *m)
{
	struct text	expression;
	uint64_t	start = now_ms();
	long		elapsed = -1;

	contains_expression(&expression, m);
	if (type_and_enter(b, from, m) == 0 && wait_true(b, to,
	    expression.data, DELIVERY_WAIT_MS) >= 0)
		elapsed = (long)(now_ms() - start);
	if (elapsed >= 0)
		note("page %d showed it %ld ms after Enter in page %d",
		    to_number, elapsed, from_number);
	report(elapsed >= 0 && elapsed <= DELIVERY_MAX_MS,
	    "a message typed in page %d shows in page %d within %d ms",
	    from_number, to_number, DELIVERY_MAX_MS);
}

/* Check that the page in session shows m exactly once, after a pause. */
static int
shows_once(struct browser *b, const char *session, const char *m)
{
	struct text	expression;
	long		count;

	contains_expression(&expression, m);
	(void)wait_true(b, session, expression.data, 3000);
	sleep_ms(300);
	count_expression(&expression, m);
	if ((count = evaluate_count(b, session, expression.data)) != 1)
		note("it shows %ld times", count);
	return count == 1;
}

/* Check that the page in session loads /favicon.ico as a 16x16 image. */
static void
check_icon(struct browser *b, const char *session)
{
	report(evaluate_true(b, session, "(() => { const i = new Image(); "
	    "window.__icon = 0; i.onload = () => { window.__icon = "
	    "i.naturalWidth * 100 + i.naturalHeight; }; i.onerror = () => { "
	    "window.__icon = -1; }; i.src = \"/favicon.ico\"; return true; "
	    "})()") == 1 && wait_true(b, session, "window.__icon === 1616",
	    3000) >= 0, "the page's /favicon.ico loads as a 16x16 icon");
}

/*
 * Another application on the same host (cookies ignore the port) set
 * Tornado's version-2 _xsrf cookie in page 1's browser context: a page
 * opened there with it keeps it, posts and receives; so does page 1.
 */
static void
check_tornado_cookie(struct browser *b, const char *context,
    const char *url, const char *page1)
{
	static const char	value[] =
	    "2|0a0b0c0d|0a1a2e3e4e5e6a7a8292a6b6c6d6e2f2|1700000000";
	struct text		 params, expression;
	char			 page3[ID_MAX], m[128];
	int			 ok;

	text_init(&params);
	text_add(&params, "{\"name\":\"_xsrf\",\"value\":");
	text_quote(&params, value);
	text_add(&params, ",\"url\":");
	text_quote(&params, url);
	text_add(&params, ",\"path\":\"/\"}");
	ok = browser_call(b, page1, "Network.setCookie", params.data,
	    CALL_TIMEOUT_MS) == 0;
	if (!ok)
		note("Network.setCookie: %.300s",
		    b->reply != NULL ? b->reply : "(no reply)");
	text_init(&expression);
	text_add(&expression, "document.cookie.includes(");
	text_quote(&expression, value);
	text_add(&expression, ") && document.querySelector(\"[name=_xsrf]\")"
	    ".value === ");
	text_quote(&expression, value);
	if (!report(ok && open_page(b, context, url, page3,
	    sizeof(page3)) == 0 && wait_loaded(b, page3, "") == 0 &&
	    evaluate_true(b, page3, expression.data) == 1,
	    "page 3 opens with Tornado's _xsrf cookie and keeps it")) {
		report(0, "page 3 was not opened");
		report(0, "page 3 was not opened");
		report(0, "page 3 was not opened");
		return;
	}
	(void)snprintf(m, sizeof(m), "from page 3, run %ld-%llu",
	    (long)getpid(), (unsigned long long)now_ms());
	contains_expression(&expression, m);
	ok = type_and_enter(b, page3, m) == 0;
	report(ok && shows_once(b, page3, m) && evaluate_true(b, page3,
	    "document.getElementById(\"message\").value === \"\" && "
	    "document.getElementById(\"notice\").hidden") == 1,
	    "page 3 posts a message with that cookie and shows it");
	report(ok && wait_true(b, page1, expression.data, DELIVERY_WAIT_MS) >=
	    0, "page 1 receives page 3's message");
	(void)snprintf(m, sizeof(m), "to page 3, run %ld-%llu",
	    (long)getpid(), (unsigned long long)now_ms());
	contains_expression(&expression, m);
	report(type_and_enter(b, page1, m) == 0 && wait_true(b, page3,
	    expression.data, DELIVERY_WAIT_MS) >= 0,
	    "page 3 receives page 1's message over its long poll");
}

#ifdef CHAT_BROWSER_HAPROXY
/*
 * The letter of the daemon ('a' is the first) that haproxy's cookie in
 * the page in session names, or 0 when it names none.
 */
static char
sticky_server(struct browser *b, const char *session)
{
	struct text	expression;
	char		value[64], letter[8];

	text_init(&expression);
	text_add(&expression, "(document.cookie.split(\"; \").find((c) => "
	    "c.startsWith(\"%s=\")) || \"\").slice(%zu)", STICKY_COOKIE,
	    strlen(STICKY_COOKIE) + 1);
	if (evaluate(b, session, expression.data, value, sizeof(value),
	    CALL_TIMEOUT_MS) == -1 || json_string(value, letter,
	    sizeof(letter)) == -1 || strlen(letter) != 1 ||
	    letter[0] < 'a' || letter[0] >= 'a' + DAEMONS)
		return 0;
	return letter[0];
}

/*
 * Check that haproxy's cookies, one in each page's browser context, keep
 * page 1 and page 2 on different daemons; remember which.
 */
static void
check_page_servers(struct browser *b, const char *page1, const char *page2)
{
	page_server[0] = sticky_server(b, page1);
	page_server[1] = sticky_server(b, page2);
	report(page_server[0] != 0 && page_server[1] != 0 &&
	    page_server[0] != page_server[1], "haproxy's cookie keeps page 1 "
	    "on daemon %c and page 2 on daemon %c", page_server[0] != 0 ?
	    page_server[0] : '?', page_server[1] != 0 ? page_server[1] : '?');
}
#endif

/* The checks, on a started daemon (or haproxy) listening on port. */
static void
run_checks(struct browser *b, int port)
{
	const char	*markup = "<img src=x onerror=alert(1)>";
	struct text	 expression;
	char		 url[64], context1[ID_MAX], context2[ID_MAX];
	char		 page1[ID_MAX], page2[ID_MAX], m[128], answer[128];
	char		 version[256];
	int		 ok;

	if (browser_call_string(b, NULL, "Browser.getVersion", NULL,
	    "product", version, sizeof(version)) == 0)
		note("%s", version);
	if (!report(b->reply != NULL && json_member(b->reply, "error") ==
	    NULL, "chromium answers on the DevTools pipe"))
		return;
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d/", port);
	if (!report(create_context(b, context1, sizeof(context1)) == 0 &&
	    open_page(b, context1, url, page1, sizeof(page1)) == 0 &&
	    wait_loaded(b, page1, "") == 0,
	    "page 1 loads %s in a browser context of its own", url))
		return;
	if (!report(create_context(b, context2, sizeof(context2)) == 0 &&
	    open_page(b, context2, url, page2, sizeof(page2)) == 0 &&
	    wait_loaded(b, page2, "") == 0 && evaluate_true(b, page2,
	    "window.__alerted = false; window.alert = () => { "
	    "window.__alerted = true; }; true") == 1,
	    "page 2 loads %s in another browser context", url))
		return;
#ifdef CHAT_BROWSER_HAPROXY
	check_page_servers(b, page1, page2);
#endif

	(void)snprintf(m, sizeof(m), "hello from page 1, run %ld-%llu",
	    (long)getpid(), (unsigned long long)now_ms());
	check_delivery(b, page1, 1, page2, 2, m);
	report(shows_once(b, page1, m) && evaluate_true(b, page1,
	    "document.getElementById(\"message\").value === \"\"") == 1,
	    "page 1 shows its message once and clears the input");
	(void)snprintf(answer, sizeof(answer), "hello from page 2, run "
	    "%ld-%llu", (long)getpid(), (unsigned long long)now_ms());
	check_delivery(b, page2, 2, page1, 1, answer);

	contains_expression(&expression, markup);
	ok = fill_and_click(b, page1, markup) == 0 &&
	    wait_true(b, page2, expression.data, 3000) >= 0;
	report(ok, "markup clicked in page 1 shows as text in page 2");
	report(evaluate_count(b, page2, "document.querySelectorAll("
	    "\"#inbox img\").length") == 0, "page 2 made no img of it");
	sleep_ms(300);
	report(evaluate_true(b, page2, "window.__alerted === false") == 1,
	    "page 2 ran no script of it");
	report(shows_once(b, page1, markup),
	    "page 1 shows the markup once");

	/*
	 * After a reload, what the inbox held when parsing ended is what
	 * the server rendered: the long poll cannot have answered yet.
	 */
	ok = browser_call(b, page2, "Page.enable", NULL, CALL_TIMEOUT_MS) ==
	    0 && browser_call(b, page2, "Page.addScriptToEvaluateOnNewDocument",
	    "{\"source\":\"window.__alerted = false; window.alert = () => "
	    "{ window.__alerted = true; }; document.addEventListener("
	    "\\\"readystatechange\\\", () => { if (document.readyState === "
	    "\\\"interactive\\\") window.__rendered = Array.from(document."
	    "querySelectorAll(\\\"#inbox .message\\\")).map((e) => "
	    "e.textContent); });\"}", CALL_TIMEOUT_MS) == 0 &&
	    evaluate_true(b, page2, "window.__old = true") == 1 &&
	    browser_call(b, page2, "Page.reload", "{\"ignoreCache\":true}",
	    CALL_TIMEOUT_MS) == 0 &&
	    wait_loaded(b, page2, "window.__old === undefined && ") == 0;
	if (!ok)
		note("reload failed: %.300s",
		    b->reply != NULL ? b->reply : "(no reply)");
	text_init(&expression);
	text_add(&expression, "Array.isArray(window.__rendered) && "
	    "window.__rendered.filter((t) => t === ");
	text_quote(&expression, m);
	text_add(&expression, ").length === 1 && window.__rendered.filter("
	    "(t) => t === ");
	text_quote(&expression, markup);
	text_add(&expression, ").length === 1");
	report(ok && evaluate_true(b, page2, expression.data) == 1,
	    "a reload of page 2 shows both messages, rendered by the server");
	sleep_ms(300);
	report(ok && evaluate_count(b, page2, "document.querySelectorAll("
	    "\"#inbox img\").length") == 0 && evaluate_true(b, page2,
	    "window.__alerted === false") == 1,
	    "the reloaded page 2 has no img and ran no script");
	check_icon(b, page2);
	check_tornado_cookie(b, context1, url, page1);
}

#ifdef CHAT_BROWSER_HAPROXY
/*
 * Start redis-server, two daemons on its stream with the PROXY protocol
 * from 127.0.0.1, and haproxy in front; the pages' port, or -1 (or 0:
 * skip, with the reason said).
 */
static int
servers_start(struct daemon_process *daemons)
{
	char		 listen[256];
	const char	*arguments[] = { "-d", "-v", "-w", "2", "-l", listen,
			    NULL };
	int		 ports[DAEMONS], i;

	if (harness_find_program("haproxy", haproxy.path,
	    sizeof(haproxy.path)) == -1 || harness_find_program("redis-server",
	    redis.path, sizeof(redis.path)) == -1) {
		(void)printf("1..0 # SKIP haproxy or redis-server not "
		    "installed\n");
		return 0;
	}
	(void)printf("1..%d\n", CHECKS);
	(void)fflush(stdout);
	if (redis_server_start(&redis, NULL) == -1) {
		note("%s did not start", redis.path);
		return -1;
	}
	alarm_daemon[DAEMONS] = redis.process.pid;
	(void)descriptor_set_cloexec(redis.process.log_fd);
	(void)snprintf(listen, sizeof(listen), "chat@127.0.0.1:0,redis="
	    "127.0.0.1:%d,redis-stream=test:browser,proxy-protocol=on,"
	    "proxy-from=127.0.0.1/32", redis.port);
	for (i = 0; i < DAEMONS; i++) {
		if (harness_start(&daemons[i], arguments, 1) == -1) {
			note("%s did not start a chat listener",
			    harness_pforkd_path());
			return -1;
		}
		alarm_daemon[i] = daemons[i].pid;
		(void)descriptor_set_cloexec(daemons[i].log_fd);
		ports[i] = daemons[i].ports[0];
	}
	haproxy.cookie = STICKY_COOKIE;
	if (haproxy_server_start(&haproxy, "http", ports, DAEMONS) == -1) {
		note("%s did not start", haproxy.path);
		return -1;
	}
	alarm_daemon[DAEMONS + 1] = haproxy.process.pid;
	(void)descriptor_set_cloexec(haproxy.process.log_fd);
	return haproxy.port;
}

/* Print, as a diagnostic with prefix, the first line of log with needle. */
static void
note_line_with(const char *prefix, const char *log, const char *needle)
{
	const char	*found, *start;

	if ((found = strstr(log, needle)) == NULL)
		return;
	for (start = found; start > log && start[-1] != '\n'; start--)
		continue;
	note("%s%.*s", prefix, (int)strcspn(start, "\n"), start);
}

/*
 * Check the polls that carried the cookie of page's browser context,
 * naming server, in haproxy's request log: haproxy sent each to that
 * server, and the daemon behind it logged the browser connection each
 * came on (the peer its PROXY header gave), no other daemon did.
 */
static void
check_page_polls(const struct daemon_process *daemons, int page,
    char server)
{
	const char	*cursor, *end;
	char		 line[512], client[64], to[16], cookie[64], method[16];
	char		 path[256], wanted[64], needle[96], prefix[32];
	int		 connection_port[64], connections = 0, polls = 0;
	int		 stray = 0, missing = 0, elsewhere = 0, status, port;
	int		 i;

	if (server == 0) {
		report(0, "page %d's polls: no cookie named a daemon", page);
		return;
	}
	(void)snprintf(wanted, sizeof(wanted), "%s=%c", STICKY_COOKIE,
	    server);
	for (cursor = haproxy.process.log; *cursor != '\0';
	    cursor = *end == '\n' ? end + 1 : end) {
		end = cursor + strcspn(cursor, "\n");
		(void)snprintf(line, sizeof(line), "%.*s", (int)(end - cursor),
		    cursor);
		if (sscanf(line, "%63s %15s %d %63s \"%15s %255s", client, to,
		    &status, cookie, method, path) != 6 ||
		    strcmp(cookie, wanted) != 0 ||
		    strcmp(method, "POST") != 0 ||
		    strcmp(path, POLL_PATH) != 0)
			continue;
		if (to[0] != server || to[1] != '\0') {
			/* Aborted before haproxy chose: nobody served it. */
			if (strcmp(to, "<NOSRV>") != 0)
				stray++;
			continue;
		}
		if (status != 200)
			continue;
		polls++;
		(void)snprintf(needle, sizeof(needle), "chat: %s closed ",
		    client);
		if (polls == 1) {
			/* Show one poll in both logs. */
			note("page %d, haproxy: %s", page, line);
			(void)snprintf(prefix, sizeof(prefix), "page %d, daemon "
			    "%c: ", page, server);
			note_line_with(prefix, daemons[server - 'a'].log,
			    needle);
		}
		for (i = 0; i < DAEMONS; i++)
			if ('a' + i == server)
				missing += strstr(daemons[i].log, needle) ==
				    NULL;
			else
				elsewhere += strstr(daemons[i].log, needle) !=
				    NULL;
		port = (int)strtol(strrchr(client, ':') != NULL ?
		    strrchr(client, ':') + 1 : client, NULL, 10);
		for (i = 0; i < connections && connection_port[i] != port;
		    i++)
			continue;
		if (i == connections && connections < 64)
			connection_port[connections++] = port;
	}
	note("page %d: %d polls with %s answered through haproxy, on %d "
	    "browser connections", page, polls, wanted, connections);
	if (stray + missing + elsewhere > 0)
		note("page %d: %d polls sent to another daemon; the "
		    "connections of %d polls not in daemon %c's log, of %d "
		    "in another's", page, stray, missing, server, elsewhere);
	report(polls > 0 && stray == 0 && missing == 0 && elsewhere == 0,
	    "the polls with page %d's cookie went to daemon %c alone: its log "
	    "names their %d connections, no other daemon's does", page,
	    server, connections);
}

/*
 * Stop haproxy, then the daemons; check that each page's polls were
 * served by its own daemon.
 */
static void
servers_stop(struct daemon_process *daemons, int checked)
{
	int	i;

	(void)haproxy_server_stop(&haproxy);
	alarm_daemon[DAEMONS + 1] = 0;
	for (i = 0; i < DAEMONS; i++)
		if (daemons[i].pid > 0) {
			(void)harness_stop(&daemons[i], SIGTERM, 3000);
			alarm_daemon[i] = 0;
		}
	if (checked)
		for (i = 0; i < 2; i++)
			check_page_polls(daemons, i + 1, page_server[i]);
	if (failures > 0)
		note_lines("haproxy: ", haproxy.process.log);
	(void)redis_server_stop(&redis);
	alarm_daemon[DAEMONS] = 0;
}
#else
/* Start one daemon; the pages' port, or -1 (0 is not returned). */
static int
servers_start(struct daemon_process *daemons)
{
	const char	*arguments[] = { "-d", "-w", "2", "-l",
			    "chat@127.0.0.1:0", NULL };

	(void)printf("1..%d\n", CHECKS);
	(void)fflush(stdout);
	if (harness_start(&daemons[0], arguments, 1) == -1) {
		note("%s did not start a chat listener", harness_pforkd_path());
		return -1;
	}
	alarm_daemon[0] = daemons[0].pid;
	(void)descriptor_set_cloexec(daemons[0].log_fd);
	return daemons[0].ports[0];
}

/* Stop the daemon. */
static void
servers_stop(struct daemon_process *daemons, int checked)
{
	(void)checked;
	if (daemons[0].pid > 0) {
		(void)harness_stop(&daemons[0], SIGTERM, 3000);
		alarm_daemon[0] = 0;
	}
}
#endif

int
main(void)
{
	struct daemon_process	*daemons;
	struct browser		 browser;
	char			 chromium[PATH_MAX], directory[] =
				    "/tmp/chat_browser_test.XXXXXX";
	char			 log[PATH_MAX + 16];
	int			 started = 0, have_directory = 0, port = -1;
	int			 i;

	if (find_chromium(chromium, sizeof(chromium)) == -1) {
		(void)printf("1..0 # SKIP chromium not installed\n");
		return 0;
	}
	(void)signal(SIGPIPE, SIG_IGN);
	(void)signal(SIGALRM, on_alarm);
	(void)alarm(ALARM_SECONDS);
	budget_end = now_ms() + BUDGET_MS;
	memset(&browser, 0, sizeof(browser));
	browser.pid = -1;
	if ((daemons = calloc(DAEMONS, sizeof(*daemons))) == NULL) {
		(void)printf("1..0 # SKIP out of memory\n");
		return 1;
	}
	if ((port = servers_start(daemons)) == 0) {
		free(daemons);
		return 0;
	}
	if (port > 0) {
		chat_daemon = daemons;
		if (mkdtemp(directory) == NULL)
			note("mkdtemp: %s", strerror(errno));
		else {
			have_directory = 1;
			if (browser_start(&browser, chromium, directory) == -1)
				note("could not start %s", chromium);
			else
				started = 1;
		}
	}
	if (started)
		run_checks(&browser, port);

	/* The cleanup has a budget of its own, past the checks'. */
	budget_end = now_ms() + CLEANUP_MS;
	browser_stop(&browser);
	servers_stop(daemons, started && test_number == RUN_CHECKS);
	while (test_number < CHECKS)
		report(0, "not run after an earlier failure");
	for (i = 0; failures > 0 && i < DAEMONS; i++)
		note_lines("pforkd: ", daemons[i].log);
	if (have_directory) {
		(void)snprintf(log, sizeof(log), "%s/chromium.log", directory);
		if (failures > 0)
			note_log_tail("chromium: ", log);
		(void)test_remove_tree(directory);
	}
	free(daemons);
	return failures > 0 ? 1 : 0;
}
