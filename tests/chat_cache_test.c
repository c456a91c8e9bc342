/*
 * chat_cache_test.c: the shared message cache: order, eviction, ids, a
 * writer SIGKILLed at every step of its critical section, concurrent
 * writers, and cache files (kept across a reopen, refused when damaged).
 *
 * Built with CHAT_CACHE_TEST_HOOKS, which only this test defines: the
 * daemon's cache has no crash points.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "protocols/chat/chat_cache.h"
#include "test_util.h"

#define TEST_TIMEOUT_SECONDS	20
#define WRITERS			4
#define WRITES_PER_WRITER	300

static char	directory[] = "/tmp/pforkd-cache-test.XXXXXX";

/* Open an anonymous cache of capacity messages of up to 64 bytes. */
static struct chat_cache *
open_anonymous(unsigned int capacity)
{
	struct chat_cache_settings	settings = { capacity, 64, NULL, 0 };
	struct chat_cache		*cache;
	char				 error[256];

	cache = chat_cache_open(&settings, error, sizeof(error));
	if (cache == NULL)
		fail_msg("chat_cache_open: %s", error);
	return cache;
}

/* Open a cache file in the test directory; NULL with error filled. */
static struct chat_cache *
open_file(const char *name, unsigned int capacity, size_t message_max,
    char *error, size_t error_size)
{
	struct chat_cache_settings	settings;
	char				path[256];

	(void)snprintf(path, sizeof(path), "%s/%s", directory, name);
	memset(&settings, 0, sizeof(settings));
	settings.capacity = capacity;
	settings.message_max = message_max;
	settings.path = path;
	return chat_cache_open(&settings, error, error_size);
}

/* Add a C string and return its id in id. */
static void
add_text(struct chat_cache *cache, const char *text, char id[CHAT_ID_SIZE])
{
	assert_int_equal(chat_cache_add(cache, text, strlen(text), id), 0);
}

/* Whether every character of an id is safe in a CSS #id selector. */
static int
id_is_css_safe(const char *id)
{
	if (*id == '\0')
		return 0;
	for (; *id != '\0'; id++)
		if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' &&
		    *id <= 'Z') || (*id >= '0' && *id <= '9') ||
		    *id == '-' || *id == '_'))
			return 0;
	return 1;
}

/* Check a snapshot's structure: sequences increase, ids unique and safe. */
static void
check_snapshot_sound(const struct chat_snapshot *snapshot)
{
	size_t	i, j;

	for (i = 0; i < snapshot->count; i++) {
		assert_true(id_is_css_safe(snapshot->messages[i].id));
		assert_int_equal(strlen(snapshot->messages[i].body),
		    snapshot->messages[i].length);
		if (i > 0)
			assert_true(snapshot->messages[i].sequence >
			    snapshot->messages[i - 1].sequence);
		for (j = 0; j < i; j++)
			assert_string_not_equal(snapshot->messages[i].id,
			    snapshot->messages[j].id);
	}
	if (snapshot->count > 0)
		assert_true(snapshot->newest ==
		    snapshot->messages[snapshot->count - 1].sequence);
}

/* Messages come back oldest first; the oldest go when the cache is full. */
static void
test_order_and_eviction(void **state)
{
	struct chat_cache	*cache = open_anonymous(5);
	struct chat_snapshot	 snapshot;
	char			 id[CHAT_ID_SIZE], text[32];
	int			 i;

	(void)state;
	assert_int_equal(chat_cache_snapshot(cache, &snapshot), 0);
	assert_int_equal(snapshot.count, 0);
	assert_true(snapshot.newest == 0);
	chat_snapshot_free(&snapshot);
	for (i = 1; i <= 8; i++) {
		(void)snprintf(text, sizeof(text), "message %d", i);
		add_text(cache, text, id);
		assert_true(chat_cache_newest(cache) == (uint64_t)i);
	}
	assert_int_equal(chat_cache_snapshot(cache, &snapshot), 0);
	assert_int_equal(snapshot.count, 5);
	check_snapshot_sound(&snapshot);
	for (i = 0; i < 5; i++) {
		(void)snprintf(text, sizeof(text), "message %d", i + 4);
		assert_string_equal(snapshot.messages[i].body, text);
	}
	assert_string_equal(snapshot.messages[4].id, id);
	chat_snapshot_free(&snapshot);
	chat_cache_close(cache);
}

/* A body over the maximum is refused; empty and maximal bodies are kept. */
static void
test_sizes(void **state)
{
	struct chat_cache	*cache = open_anonymous(4);
	struct chat_snapshot	 snapshot;
	char			 id[CHAT_ID_SIZE], body[65];

	(void)state;
	memset(body, 'x', sizeof(body));
	errno = 0;
	assert_int_equal(chat_cache_add(cache, body, 65, id), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(chat_cache_add(cache, body, 64, id), 0);
	assert_int_equal(chat_cache_add(cache, "", 0, id), 0);
	assert_int_equal(chat_cache_snapshot(cache, &snapshot), 0);
	assert_int_equal(snapshot.count, 2);
	assert_int_equal(snapshot.messages[0].length, 64);
	assert_int_equal(snapshot.messages[1].length, 0);
	chat_snapshot_free(&snapshot);
	chat_cache_close(cache);
}

/* Two caches (two daemon starts) never hand out the same id. */
static void
test_ids_differ_between_caches(void **state)
{
	struct chat_cache	*first = open_anonymous(2);
	struct chat_cache	*second = open_anonymous(2);
	char			 id1[CHAT_ID_SIZE], id2[CHAT_ID_SIZE];

	(void)state;
	add_text(first, "a", id1);
	add_text(second, "a", id2);
	assert_string_not_equal(id1, id2);
	assert_true(id_is_css_safe(id1));
	chat_cache_close(first);
	chat_cache_close(second);
}

/* Fork a child that adds text and is SIGKILLed at step; reap it or not. */
static pid_t
crash_while_adding(struct chat_cache *cache, int step, const char *text,
    int reap)
{
	char	id[CHAT_ID_SIZE];
	pid_t	pid;
	int	status;

	if ((pid = fork()) == -1)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		chat_cache_crash_step = step;
		(void)chat_cache_add(cache, text, strlen(text), id);
		_exit(0);	/* not reached when step is 1-5 */
	}
	if (!reap)
		return pid;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	return pid;
}

/* Count the messages of a snapshot whose body is text. */
static size_t
count_body(const struct chat_snapshot *snapshot, const char *text)
{
	size_t	i, found = 0;

	for (i = 0; i < snapshot->count; i++)
		if (strcmp(snapshot->messages[i].body, text) == 0)
			found++;
	return found;
}

/*
 * A writer killed at each step of the critical section: the others are
 * not wedged, nothing half-written is ever read, earlier messages stay.
 */
static void
test_writer_killed_in_critical_section(void **state)
{
	static const char	crashed[] =
	    "this message is being written when its writer dies";
	struct chat_cache	*cache;
	struct chat_snapshot	 snapshot;
	char			 id[CHAT_ID_SIZE], text[32];
	int			 step, full, i;

	(void)state;
	for (full = 0; full <= 1; full++) {
		for (step = 1; step <= 5; step++) {
			cache = open_anonymous(4);
			for (i = 0; i < (full ? 6 : 2); i++) {
				(void)snprintf(text, sizeof(text), "before %d",
				    i);
				add_text(cache, text, id);
			}
			(void)crash_while_adding(cache, step, crashed, 1);
			add_text(cache, "after", id);
			assert_int_equal(chat_cache_snapshot(cache, &snapshot),
			    0);
			check_snapshot_sound(&snapshot);
			assert_int_equal(count_body(&snapshot, "after"), 1);
			assert_string_equal(snapshot.messages[snapshot.count -
			    1].body, "after");
			/* Published from step 3 on; never half there. */
			assert_int_equal(count_body(&snapshot, crashed),
			    step >= 3 ? 1 : 0);
			for (i = 0; i < (int)snapshot.count; i++)
				assert_true(strcmp(snapshot.messages[i].body,
				    crashed) == 0 || strcmp(snapshot.messages[
				    i].body, "after") == 0 || strncmp(
				    snapshot.messages[i].body, "before ", 7) ==
				    0);
			assert_string_equal(snapshot.messages[0].body, full ?
			    (step >= 3 ? "before 4" : "before 3") : "before 0");
			chat_snapshot_free(&snapshot);
			chat_cache_close(cache);
		}
	}
}

/* The master reaps a writer that died holding the lock and frees it. */
static void
test_owner_died_releases_lock(void **state)
{
	struct chat_cache	*cache = open_anonymous(4);
	struct chat_snapshot	 snapshot;
	char			 id[CHAT_ID_SIZE];
	siginfo_t		 info;
	pid_t			 pid;
	int			 status;

	(void)state;
	add_text(cache, "kept", id);
	pid = crash_while_adding(cache, 2, "torn", 0);
	/* Wait for death without reaping: the zombie still holds the lock. */
	memset(&info, 0, sizeof(info));
	assert_int_equal(waitid(P_PID, (id_t)pid, &info, WEXITED | WNOWAIT),
	    0);
	chat_cache_owner_died(cache, pid);
	add_text(cache, "next", id);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(chat_cache_snapshot(cache, &snapshot), 0);
	check_snapshot_sound(&snapshot);
	assert_int_equal(snapshot.count, 2);
	assert_string_equal(snapshot.messages[0].body, "kept");
	assert_string_equal(snapshot.messages[1].body, "next");
	chat_snapshot_free(&snapshot);
	chat_cache_close(cache);
}

/* Several processes add at once, one of them killed mid-write. */
static void
test_concurrent_writers(void **state)
{
	struct chat_cache	*cache = open_anonymous(WRITERS *
	    WRITES_PER_WRITER + 8);
	struct chat_snapshot	 snapshot;
	char			 id[CHAT_ID_SIZE], text[32];
	pid_t			 pids[WRITERS];
	int			 writer, i, status, seen[WRITERS];
	size_t			 m;

	(void)state;
	for (writer = 0; writer < WRITERS; writer++) {
		if ((pids[writer] = fork()) == -1)
			fail_msg("fork: %s", strerror(errno));
		if (pids[writer] != 0)
			continue;
		for (i = 0; i < WRITES_PER_WRITER; i++) {
			(void)snprintf(text, sizeof(text), "w%d-%d", writer, i);
			if (writer == 0 && i == WRITES_PER_WRITER / 2)
				chat_cache_crash_step = 2;
			if (chat_cache_add(cache, text, strlen(text), id) == -1)
				_exit(1);
		}
		_exit(0);
	}
	for (writer = 0; writer < WRITERS; writer++) {
		assert_int_equal(waitpid(pids[writer], &status, 0),
		    pids[writer]);
		if (writer == 0)
			assert_true(WIFSIGNALED(status));
		else
			assert_true(WIFEXITED(status) &&
			    WEXITSTATUS(status) == 0);
	}
	assert_int_equal(chat_cache_snapshot(cache, &snapshot), 0);
	check_snapshot_sound(&snapshot);
	assert_int_equal(snapshot.count, WRITES_PER_WRITER / 2 +
	    (WRITERS - 1) * WRITES_PER_WRITER);
	/* Each writer's messages appear in the order it added them. */
	memset(seen, 0, sizeof(seen));
	for (m = 0; m < snapshot.count; m++) {
		assert_int_equal(sscanf(snapshot.messages[m].body, "w%d-%d",
		    &writer, &i), 2);
		assert_int_equal(i, seen[writer]);
		seen[writer]++;
	}
	chat_snapshot_free(&snapshot);
	chat_cache_close(cache);
}

/* A cache file keeps its messages and its ids across a reopen. */
static void
test_file_survives_reopen(void **state)
{
	struct chat_cache	*cache;
	struct chat_snapshot	 snapshot;
	char			 error[256], first_id[CHAT_ID_SIZE];
	char			 id[CHAT_ID_SIZE];

	(void)state;
	cache = open_file("kept.cache", 3, 100, error, sizeof(error));
	assert_non_null(cache);
	add_text(cache, "one", first_id);
	add_text(cache, "two", id);
	add_text(cache, "three", id);
	add_text(cache, "four", id);
	chat_cache_close(cache);
	cache = open_file("kept.cache", 3, 100, error, sizeof(error));
	if (cache == NULL)
		fail_msg("reopen: %s", error);
	assert_int_equal(chat_cache_snapshot(cache, &snapshot), 0);
	assert_int_equal(snapshot.count, 3);
	assert_string_equal(snapshot.messages[0].body, "two");
	assert_string_equal(snapshot.messages[2].body, "four");
	assert_string_equal(snapshot.messages[2].id, id);
	chat_snapshot_free(&snapshot);
	add_text(cache, "five", id);
	assert_string_not_equal(id, first_id);
	assert_true(chat_cache_newest(cache) == 5);
	chat_cache_close(cache);
}

/* A half-written slot left in a file by a killed writer is dropped. */
static void
test_file_with_torn_write_opens(void **state)
{
	struct chat_cache	*cache;
	struct chat_snapshot	 snapshot;
	char			 error[256], id[CHAT_ID_SIZE];

	(void)state;
	cache = open_file("torn.cache", 4, 100, error, sizeof(error));
	assert_non_null(cache);
	add_text(cache, "whole", id);
	(void)crash_while_adding(cache, 2, "torn in half", 1);
	chat_cache_close(cache);
	cache = open_file("torn.cache", 4, 100, error, sizeof(error));
	if (cache == NULL)
		fail_msg("reopen: %s", error);
	assert_int_equal(chat_cache_snapshot(cache, &snapshot), 0);
	assert_int_equal(snapshot.count, 1);
	assert_string_equal(snapshot.messages[0].body, "whole");
	chat_snapshot_free(&snapshot);
	add_text(cache, "later", id);
	chat_cache_close(cache);
}

/* Overwrite length bytes at offset of a file in the test directory. */
static void
patch_file(const char *name, off_t offset, const void *bytes, size_t length)
{
	char	path[256];
	int	fd;

	(void)snprintf(path, sizeof(path), "%s/%s", directory, name);
	assert_true((fd = open(path, O_WRONLY)) != -1);
	assert_int_equal(pwrite(fd, bytes, length, offset), (ssize_t)length);
	assert_int_equal(close(fd), 0);
}

/* Make a cache file holding one message, closed. */
static void
make_file(const char *name)
{
	struct chat_cache	*cache;
	char			 error[256], id[CHAT_ID_SIZE];

	cache = open_file(name, 3, 100, error, sizeof(error));
	assert_non_null(cache);
	add_text(cache, "a message in a file", id);
	chat_cache_close(cache);
}

/* Expect opening a file to fail with a message containing needle. */
static void
expect_refused(const char *name, unsigned int capacity, const char *needle)
{
	struct chat_cache	*cache;
	char			 error[256];

	error[0] = '\0';
	cache = open_file(name, capacity, 100, error, sizeof(error));
	if (cache != NULL) {
		chat_cache_close(cache);
		fail_msg("%s was accepted", name);
	}
	if (strstr(error, needle) == NULL)
		fail_msg("%s: \"%s\" lacks \"%s\"", name, error, needle);
	if (strstr(error, name) == NULL)
		fail_msg("\"%s\" does not name the file", error);
}

/* Damaged, foreign, resized and mismatched files are refused clearly. */
static void
test_bad_files_refused(void **state)
{
	static const char	garbage[] = "#!/bin/sh\necho not a cache\n";
	uint32_t		version = 99;
	char			path[256];
	int			fd;

	(void)state;
	make_file("body.cache");
	patch_file("body.cache", 128 + 24 + 3, "X", 1);
	expect_refused("body.cache", 3, "damaged");

	make_file("header.cache");
	patch_file("header.cache", 40, "\x7f", 1);
	expect_refused("header.cache", 3, "damaged");

	make_file("version.cache");
	patch_file("version.cache", 12, &version, sizeof(version));
	expect_refused("version.cache", 3, "format version 99");

	make_file("geometry.cache");
	expect_refused("geometry.cache", 5, "made for cache 3");

	make_file("short.cache");
	(void)snprintf(path, sizeof(path), "%s/short.cache", directory);
	assert_int_equal(truncate(path, 300), 0);
	expect_refused("short.cache", 3, "wrong size");

	(void)snprintf(path, sizeof(path), "%s/script.cache", directory);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) != -1);
	assert_int_equal(write(fd, garbage, sizeof(garbage) - 1),
	    (ssize_t)sizeof(garbage) - 1);
	assert_int_equal(close(fd), 0);
	expect_refused("script.cache", 3, "not a pforkd chat cache");
}

/* A second process cannot open a cache file that is in use. */
static void
test_file_in_use_refused(void **state)
{
	struct chat_cache	*cache;
	char			 error[256];
	pid_t			 pid;
	int			 status;

	(void)state;
	cache = open_file("busy.cache", 3, 100, error, sizeof(error));
	assert_non_null(cache);
	if ((pid = fork()) == 0) {
		/* fcntl locks are per process: only another one sees it. */
		_exit(open_file("busy.cache", 3, 100, error, sizeof(error)) ==
		    NULL && strstr(error, "in use") != NULL ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	chat_cache_close(cache);
}

/* Bound every case in time: a wedged lock fails instead of hanging. */
static int
case_setup(void **state)
{
	(void)state;
	(void)alarm(TEST_TIMEOUT_SECONDS);
	return 0;
}

/* Make the directory that holds the cache files. */
static int
group_setup(void **state)
{
	(void)state;
	return mkdtemp(directory) == NULL ? -1 : 0;
}

/* Remove the cache files and their directory. */
static int
group_teardown(void **state)
{
	(void)state;
	(void)alarm(0);
	return test_remove_tree(directory);
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup(test_order_and_eviction, case_setup),
		cmocka_unit_test_setup(test_sizes, case_setup),
		cmocka_unit_test_setup(test_ids_differ_between_caches,
		    case_setup),
		cmocka_unit_test_setup(test_writer_killed_in_critical_section,
		    case_setup),
		cmocka_unit_test_setup(test_owner_died_releases_lock,
		    case_setup),
		cmocka_unit_test_setup(test_concurrent_writers, case_setup),
		cmocka_unit_test_setup(test_file_survives_reopen, case_setup),
		cmocka_unit_test_setup(test_file_with_torn_write_opens,
		    case_setup),
		cmocka_unit_test_setup(test_bad_files_refused, case_setup),
		cmocka_unit_test_setup(test_file_in_use_refused, case_setup),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
