/*
 * chat_daemon_test.c: the chat across processes: fan-out of one message
 * to 100 waiting polls spread over 2 and 4 workers, a worker killed with
 * polls waiting, the per-worker cap on waiting polls (503), the cache kept
 * across a reload and, in a cache file, across a restart, and a damaged
 * cache file refused.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "chat_http.h"
#include "daemon_harness.h"
#include "test_util.h"

#define POLLERS		100

static struct daemon_process	chat_daemon;
static struct http_client	pollers[POLLERS];
static char			directory[] = "/tmp/pforkd-chat-test.XXXXXX";
static char			cache_path[300];

/* Start pforkd with workers and a chat listener with extra options. */
static void
start_chat(const char *workers, const char *options)
{
	char		listen[512];
	const char	*arguments[] = { "-d", "-v", "-w", workers, "-l",
			    listen, NULL };

	(void)snprintf(listen, sizeof(listen), "chat@127.0.0.1:0%s", options);
	harness_must_start(&chat_daemon, arguments, 1);
}

/* Post a message (form-encoded body); its id into id. */
static void
post_message(const char *encoded, char *id, size_t id_size)
{
	struct http_reply	reply;
	char			form[1024];

	(void)snprintf(form, sizeof(form), "body=%s", encoded);
	assert_int_equal(post_form(chat_daemon.ports[0], "/a/message/new",
	    form, &reply), 0);
	assert_int_equal(reply.status, 200);
	assert_int_equal(last_id(reply.body, id, id_size), 0);
	reply_free(&reply);
}

/* Every message of the cache, as the updates route gives them. */
static void
all_messages(struct http_reply *reply)
{
	assert_int_equal(post_form(chat_daemon.ports[0], "/a/message/updates",
	    "", reply), 0);
	assert_int_equal(reply->status, 200);
}

/* Open count polls waiting after cursor. */
static void
open_pollers(size_t count, const char *cursor)
{
	char	form[256];
	size_t	i;

	(void)snprintf(form, sizeof(form), "cursor=%s", cursor);
	for (i = 0; i < count; i++) {
		assert_int_equal(client_open(&pollers[i], chat_daemon.ports[0]),
		    0);
		assert_int_equal(send_post(&pollers[i], "/a/message/updates",
		    form), 0);
	}
}

/* Close every poller. */
static void
close_pollers(void)
{
	size_t	i;

	for (i = 0; i < POLLERS; i++)
		client_close(&pollers[i]);
}

/* Sockets a process holds, from /proc (Linux); -1 where unknown. */
static int
socket_count(long pid)
{
	struct dirent	*entry;
	char		 path[64], link[384], target[64];
	ssize_t		 length;
	DIR		*directory_stream;
	int		 count = 0;

	(void)snprintf(path, sizeof(path), "/proc/%ld/fd", pid);
	if ((directory_stream = opendir(path)) == NULL)
		return -1;
	while ((entry = readdir(directory_stream)) != NULL) {
		(void)snprintf(link, sizeof(link), "%s/%s", path,
		    entry->d_name);
		length = readlink(link, target, sizeof(target) - 1);
		if (length > 0 && strncmp(target, "socket:", 7) == 0)
			count++;
	}
	(void)closedir(directory_stream);
	return count;
}

/* How many of the logged workers hold more than a few connections. */
static int
workers_holding_polls(void)
{
	const char	*at = chat_daemon.log;
	int		 holding = 0, sockets;

	while ((at = strstr(at, "]: worker ")) != NULL) {
		at += 10;
		if (strstr(at, " started") != strchr(at, ' '))
			continue;
		sockets = socket_count(strtol(at, NULL, 10));
		if (sockets == -1)
			return -1;
		/* Each also holds the listening socket. */
		if (sockets > 5)
			holding++;
	}
	return holding;
}

/*
 * Open the pollers so that at least two workers hold some (the shared
 * accept may hand a whole burst to one): retry a bounded number of times.
 * Where /proc is missing, take the spread as it comes.
 */
static void
open_pollers_spread(const char *cursor)
{
	int	attempt, holding;

	for (attempt = 0; attempt < 20; attempt++) {
		open_pollers(POLLERS, cursor);
		(void)usleep(300 * 1000);
		(void)harness_read_log(&chat_daemon, 100);
		if ((holding = workers_holding_polls()) == -1 || holding >= 2)
			return;
		close_pollers();
		(void)usleep(200 * 1000);
	}
	fail_msg("the polls never reached two workers");
}

/* How many distinct processes logged closing a chat connection. */
static int
workers_that_served(void)
{
	long		 pids[64];
	const char	*at = chat_daemon.log, *line;
	int		 count = 0, i;
	long		 pid;

	(void)harness_read_log(&chat_daemon, 500);
	while ((at = strstr(at, ": chat: ")) != NULL) {
		line = at;
		while (line > chat_daemon.log && line[-1] != '\n')
			line--;
		at += 8;
		if (strncmp(at, "listening", 9) == 0 ||
		    sscanf(line, "pforkd[%ld]", &pid) != 1)
			continue;
		for (i = 0; i < count && pids[i] != pid; i++)
			continue;
		if (i == count && count < 64)
			pids[count++] = pid;
	}
	return count;
}

/* One message answers polls waiting in every worker. */
static void
fan_out(const char *workers)
{
	struct http_reply	reply;
	char			id[64], body[128];
	size_t			i;

	start_chat(workers, "");
	post_message("start", id, sizeof(id));
	harness_must_log(&chat_daemon, "started in slot 1", 3000);
	open_pollers_spread(id);
	post_message("fan+out", id, sizeof(id));
	(void)snprintf(body, sizeof(body), "\"id\": \"%s\"", id);
	for (i = 0; i < POLLERS; i++) {
		assert_int_equal(client_read_reply(&pollers[i], &reply, 5000),
		    0);
		assert_int_equal(reply.status, 200);
		assert_int_equal(count_text(reply.body, "\"id\": "), 1);
		assert_non_null(strstr(reply.body, body));
		reply_free(&reply);
	}
	close_pollers();
	(void)usleep(200 * 1000);
	/* The polls were spread: more than one worker answered some. */
	assert_true(workers_that_served() >= 2);
	harness_must_stop(&chat_daemon, 3000);
}

/* 100 polls over 2 workers. */
static void
test_fan_out_two_workers(void **state)
{
	(void)state;
	fan_out("2");
}

/* 100 polls over 4 workers. */
static void
test_fan_out_four_workers(void **state)
{
	(void)state;
	fan_out("4");
}

/* The pid of the first worker the log says was started. */
static long
first_worker_pid(void)
{
	const char	*at = strstr(chat_daemon.log, "]: worker ");

	return at == NULL ? -1 : strtol(at + 10, NULL, 10);
}

/* The pid of the second worker the log says was started. */
static long
second_worker_pid(void)
{
	const char	*at = strstr(chat_daemon.log, "]: worker ");

	if (at == NULL || (at = strstr(at + 1, "]: worker ")) == NULL)
		return -1;
	return strtol(at + 10, NULL, 10);
}

/* kill -9 of a worker with polls: the others still answer, cache intact. */
static void
test_worker_killed_with_waiting_polls(void **state)
{
	struct http_reply	reply;
	char			id[64], first[64];
	size_t			i, answered = 0, lost = 0;
	long			victim, survivor;

	(void)state;
	start_chat("2", "");
	harness_must_log(&chat_daemon, "started in slot 1", 3000);
	post_message("one", first, sizeof(first));
	post_message("two", id, sizeof(id));
	victim = first_worker_pid();
	survivor = second_worker_pid();
	if (victim <= 0 || survivor <= 0)
		fail_msg("no worker pids in the log:\n%s", chat_daemon.log);
	open_pollers_spread(id);
	assert_int_equal(kill((pid_t)victim, SIGKILL), 0);
	harness_must_log(&chat_daemon, "killed by signal 9", 3000);
	post_message("three", id, sizeof(id));
	for (i = 0; i < POLLERS; i++) {
		if (client_read_reply(&pollers[i], &reply, 5000) == -1) {
			lost++;		/* its worker was the one killed */
			continue;
		}
		assert_int_equal(reply.status, 200);
		assert_non_null(strstr(reply.body, "\"body\": \"three\""));
		reply_free(&reply);
		answered++;
	}
	assert_int_equal(answered + lost, POLLERS);
	assert_true(answered > 0);
	close_pollers();
	all_messages(&reply);
	assert_int_equal(count_text(reply.body, "\"id\": "), 3);
	assert_non_null(strstr(reply.body, first));
	reply_free(&reply);
	harness_must_stop(&chat_daemon, 3000);
}

/* Past max-waiters, a worker answers 503 instead of parking the poll. */
static void
test_waiter_cap(void **state)
{
	struct http_reply	reply;
	struct pollfd		ready[4];
	char			id[64];
	int			i, refused = -1;

	(void)state;
	start_chat("1", ",max-waiters=3");
	post_message("cap", id, sizeof(id));
	/* Four polls, one worker: whichever comes fourth is refused. */
	open_pollers(4, id);
	for (i = 0; i < 4; i++) {
		ready[i].fd = pollers[i].fd;
		ready[i].events = POLLIN;
	}
	/* Wait for the one answer (slow under sanitizers: bounded, 10 s). */
	assert_int_equal(poll(ready, 4, 10000), 1);
	for (i = 0; i < 4; i++) {
		if (!(ready[i].revents & POLLIN))
			continue;
		assert_int_equal(client_read_reply(&pollers[i], &reply, 3000),
		    0);
		assert_int_equal(reply.status, 503);
		assert_string_equal(reply.body, "503 Service Unavailable: too "
		    "many waiting polls\n");
		reply_free(&reply);
		refused = i;
	}
	/* The other three keep waiting. */
	for (i = 0; i < 4; i++)
		ready[i].fd = i == refused ? -1 : pollers[i].fd;
	assert_int_equal(poll(ready, 4, 500), 0);
	close_pollers();
	harness_must_stop(&chat_daemon, 3000);
}

/* A reload keeps the messages (same cache settings, same cache). */
static void
test_reload_keeps_messages(void **state)
{
	struct http_reply	reply;
	char			id[64];

	(void)state;
	start_chat("2", "");
	post_message("kept+over+reload", id, sizeof(id));
	assert_int_equal(kill(chat_daemon.pid, SIGHUP), 0);
	harness_must_log(&chat_daemon, "reloaded", 5000);
	(void)usleep(300 * 1000);
	all_messages(&reply);
	assert_non_null(strstr(reply.body, "kept over reload"));
	reply_free(&reply);
	harness_must_stop(&chat_daemon, 3000);
}

/* With cache-file, a restart keeps every message and its id. */
static void
test_cache_file_survives_restart(void **state)
{
	struct http_reply	reply;
	char			options[400], ids[3][64];
	int			i;

	(void)state;
	(void)snprintf(options, sizeof(options), ",cache-file=%s,cache=50",
	    cache_path);
	start_chat("2", options);
	post_message("alpha", ids[0], sizeof(ids[0]));
	post_message("beta", ids[1], sizeof(ids[1]));
	post_message("gamma", ids[2], sizeof(ids[2]));
	harness_must_stop(&chat_daemon, 3000);
	start_chat("2", options);
	all_messages(&reply);
	for (i = 0; i < 3; i++)
		assert_non_null(strstr(reply.body, ids[i]));
	assert_true(strstr(reply.body, "alpha") < strstr(reply.body, "gamma"));
	reply_free(&reply);
	post_message("delta", ids[0], sizeof(ids[0]));
	assert_string_not_equal(ids[0], ids[1]);
	assert_string_not_equal(ids[0], ids[2]);
	harness_must_stop(&chat_daemon, 3000);
}

/* A damaged cache file stops the daemon from starting, with a reason. */
static void
test_damaged_cache_file_refused(void **state)
{
	char		options[400], output[4096], listen[512];
	const char	*arguments[] = { "-d", "-l", listen, NULL };
	const char	*check[] = { "-n", "-l", listen, NULL };
	int		fd;

	(void)state;
	(void)snprintf(options, sizeof(options), ",cache-file=%s,cache=50",
	    cache_path);
	start_chat("1", options);
	post_message("soon+damaged", options + 300, 64);
	harness_must_stop(&chat_daemon, 3000);
	assert_true((fd = open(cache_path, O_WRONLY)) != -1);
	assert_int_equal(pwrite(fd, "\xff\xff\xff\xff", 4, 128 + 24), 4);
	assert_int_equal(close(fd), 0);
	(void)snprintf(listen, sizeof(listen), "chat@127.0.0.1:0,cache-file="
	    "%s,cache=50", cache_path);
	assert_int_not_equal(harness_run(arguments, output, sizeof(output),
	    5000), 0);
	assert_non_null(strstr(output, "damaged"));
	assert_non_null(strstr(output, cache_path));
	/* pforkd -n finds it too, without taking the file. */
	assert_int_equal(harness_run(check, output, sizeof(output), 5000), 1);
	assert_non_null(strstr(output, "damaged"));
	/* The wrong geometry is refused too, with what to do about it. */
	assert_int_equal(unlink(cache_path), 0);
	start_chat("1", options);
	harness_must_stop(&chat_daemon, 3000);
	(void)snprintf(listen, sizeof(listen), "chat@127.0.0.1:0,cache-file="
	    "%s,cache=60", cache_path);
	assert_int_not_equal(harness_run(arguments, output, sizeof(output),
	    5000), 0);
	assert_non_null(strstr(output, "made for cache 50"));
}

/*
 * Run pforkd -n -l chat@...TAIL; its exit status, output in output.  The
 * bound is generous: a name lookup may wait for a slow name server.
 */
static int
check_chat_listen(const char *tail, char *output, size_t size)
{
	char		listen[512];
	const char	*check[] = { "-n", "-l", listen, NULL };

	(void)snprintf(listen, sizeof(listen), "chat@127.0.0.1:0%s", tail);
	return harness_run(check, output, size, 30000);
}

/*
 * The Redis keywords' mistakes are configuration errors that name the
 * problem: an address without a port, a name that cannot be looked up
 * (looked up when the configuration is read, never while serving), the
 * stream's keywords without redis, redis with a cache file.
 */
static void
test_redis_configuration_errors(void **state)
{
	char	output[4096];

	(void)state;
	assert_int_equal(check_chat_listen(",redis=127.0.0.1", output,
	    sizeof(output)), 1);
	assert_non_null(strstr(output, "expected ADDRESS:PORT"));
	assert_int_equal(check_chat_listen(",redis=no-such-host.invalid:6379",
	    output, sizeof(output)), 1);
	assert_non_null(strstr(output, "redis no-such-host.invalid: "));
	assert_int_equal(check_chat_listen(",redis-stream=a", output,
	    sizeof(output)), 1);
	assert_non_null(strstr(output, "need redis"));
	assert_int_equal(check_chat_listen(",redis=127.0.0.1:6379,cache-file="
	    "/tmp/x", output, sizeof(output)), 1);
	assert_non_null(strstr(output, "exclude each other"));
	assert_int_equal(check_chat_listen(",redis=[::1]:6379", output,
	    sizeof(output)), 0);
	assert_non_null(strstr(output, "configuration OK: 1 service\n"));
}

/* Write text into the file name of the test directory. */
static void
write_asset(const char *name, const char *text)
{
	char	path[400];
	FILE	*file;

	(void)snprintf(path, sizeof(path), "%s/%s", directory, name);
	assert_non_null(file = fopen(path, "w"));
	assert_true(fputs(text, file) >= 0);
	assert_int_equal(fclose(file), 0);
}

/* Remove a file of the test directory. */
static void
remove_asset(const char *name)
{
	char	path[400];

	(void)snprintf(path, sizeof(path), "%s/%s", directory, name);
	(void)unlink(path);
}

/* assets=DIR serves the page from files; a missing one stops the start. */
static void
test_assets_directory(void **state)
{
	struct http_reply	reply;
	char			options[400], output[4096], listen[512], id[64];
	const char		*arguments[] = { "-d", "-l", listen, NULL };

	(void)state;
	write_asset("index.html", "<p>@MESSAGES@</p><i>@XSRF@</i>@\n");
	write_asset("chat.js", "/* custom script */\n");
	write_asset("chat.css", "/* custom style */\n");
	(void)snprintf(options, sizeof(options), ",assets=%s", directory);
	start_chat("1", options);
	post_message("from+files", id, sizeof(id));
	assert_int_equal(request(chat_daemon.ports[0], "GET / HTTP/1.1\r\n"
	    "Host: t\r\nCookie: _xsrf=Tok3n\r\n\r\n", &reply), 0);
	assert_int_equal(reply.status, 200);
	assert_int_equal(strncmp(reply.body, "<p><div class=\"message\"", 23),
	    0);
	assert_non_null(strstr(reply.body, "from files</div>\n</p><i>Tok3n</i>"
	    "@\n"));
	reply_free(&reply);
	assert_int_equal(request(chat_daemon.ports[0], "GET /static/chat.js "
	    "HTTP/1.1\r\nHost: t\r\n\r\n", &reply), 0);
	assert_string_equal(reply.body, "/* custom script */\n");
	reply_free(&reply);
	harness_must_stop(&chat_daemon, 3000);
	remove_asset("chat.css");
	(void)snprintf(listen, sizeof(listen), "chat@127.0.0.1:0,assets=%s",
	    directory);
	assert_int_not_equal(harness_run(arguments, output, sizeof(output),
	    5000), 0);
	assert_non_null(strstr(output, "chat.css"));
	remove_asset("index.html");
	remove_asset("chat.js");
}

/* A directory for cache files. */
static int
group_setup(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < POLLERS; i++)
		pollers[i].fd = -1;
	if (mkdtemp(directory) == NULL)
		return -1;
	(void)snprintf(cache_path, sizeof(cache_path), "%s/chat.cache",
	    directory);
	return 0;
}

/* Remove it and what the cases left in it. */
static int
group_teardown(void **state)
{
	(void)state;
	return test_remove_tree(directory);
}

/* Stop a daemon a failed case left running. */
static int
case_teardown(void **state)
{
	(void)state;
	close_pollers();
	harness_stop_leftover(&chat_daemon);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_teardown(test_fan_out_two_workers,
		    case_teardown),
		cmocka_unit_test_teardown(test_fan_out_four_workers,
		    case_teardown),
		cmocka_unit_test_teardown(test_worker_killed_with_waiting_polls,
		    case_teardown),
		cmocka_unit_test_teardown(test_waiter_cap, case_teardown),
		cmocka_unit_test_teardown(test_reload_keeps_messages,
		    case_teardown),
		cmocka_unit_test_teardown(test_cache_file_survives_restart,
		    case_teardown),
		cmocka_unit_test_teardown(test_damaged_cache_file_refused,
		    case_teardown),
		cmocka_unit_test_teardown(test_assets_directory,
		    case_teardown),
		cmocka_unit_test_teardown(test_redis_configuration_errors,
		    case_teardown),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
