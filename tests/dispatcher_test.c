/*
 * dispatcher_test.c: the dispatcher's behaviour, checked on every backend.
 *
 * Every case runs once per backend compiled into the library (and once on
 * the kqueue backend over the test-only emulation where the system has no
 * kqueue).  All the runs form one cmocka group built at run time, named
 * "<backend>: <case>", because several groups would print several TAP
 * plans.  Every wait is bounded in iterations and in time, and a watchdog
 * ends the program if a test hangs anyway; timing is only ever checked from
 * below, never against a tight upper bound.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/select.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "backend_cases.h"
#include "event/backend.h"
#include "event/dispatcher.h"
#include "test_util.h"

#define SLICE_USEC		100000		/* longest single loop wait */
#define QUIET_USEC		20000		/* wait that must stay quiet */
#define LIMIT_USEC		5000000		/* bound of one wait */
#define BULK_LIMIT_USEC		30000000	/* the same for 10,000 things */
#define LIMIT_ITERATIONS	1000000L
#define WATCHDOG_SECONDS	60		/* per case */
#define RUN_WATCHDOG_SECONDS	10		/* per dispatcher_run() */
#define FIXTURE_BLOCKS		4

#define MANY_PIPES		5000		/* 10,000 fds */
#define MANY_FDS_NOFILE		10100
#define MANY_TIMERS		10000
#define MANY_TIMERS_SPREAD	100000		/* delays up to 100 ms */
#define REPEAT_INTERVAL_USEC	2000
#define REPEAT_COUNT		25
#define REARM_COUNT		5
#define MSEC			1000

/* What every case gets; teardown releases it even after a failure. */
struct fixture {
	const struct backend_run	*instance;
	struct dispatcher		*dispatcher;
	struct test_fd_list		 fds;
	void				*blocks[FIXTURE_BLOCKS];
	int				 signals_used;
	struct sigaction		 saved_usr1;
	struct sigaction		 saved_usr2;
};

/* A record of an fd callback's calls. */
struct io_record {
	int	calls;
	int	fd;		/* of the last call */
	int	events;		/* of the last call */
	int	events_seen;	/* union over the calls */
	int	misdelivered;	/* calls with events outside the interest */
};

/* A record of the reads done by a callback. */
struct read_record {
	int	calls;
	int	misdelivered;
	ssize_t	result;		/* of the last read */
	int	error;		/* errno of the last read */
};

/* Shared bookkeeping of a group of timer probes. */
struct timer_log {
	int		fired;
	int		early;		/* fired before their deadline */
	int		out_of_order;	/* fired after a later deadline's */
	uint64_t	latest_low;	/* highest low bound fired so far */
};

/* A timer whose deadline is known to lie within [low, high]. */
struct timer_probe {
	struct timer		 timer;
	struct timer_log	*log;
	struct timer_probe	*victim;	/* stopped by this one's call */
	uint64_t		 low;
	uint64_t		 high;
	int			 calls;
	int			 rank;		/* log->fired when it fired */
};

static int	in_loop;	/* whether a dispatcher_run* call is active */
static long	nofile_limit;	/* the soft fd limit, raised by main() */

/* Count a call whose events are empty or outside the fd's interest. */
static void
check_interest(struct dispatcher *d, int fd, int events, int *misdelivered)
{
	if (events == 0 || (events & ~dispatcher_events(d, fd)) != 0)
		(*misdelivered)++;
}

/* fd callback: count the call and remember what it was told. */
static void
record_io(struct dispatcher *d, int fd, int events, void *arg)
{
	struct io_record	*record = arg;

	check_interest(d, fd, events, &record->misdelivered);
	record->calls++;
	record->fd = fd;
	record->events = events;
	record->events_seen |= events;
}

/* fd callback: read once and remember the result. */
static void
record_read(struct dispatcher *d, int fd, int events, void *arg)
{
	struct read_record	*record = arg;
	char			 buffer[64];

	check_interest(d, fd, events, &record->misdelivered);
	record->calls++;
	errno = 0;
	record->result = read(fd, buffer, sizeof(buffer));
	record->error = errno;
}

/* fd callback: read once, remember the result and stop watching. */
static void
record_read_once(struct dispatcher *d, int fd, int events, void *arg)
{
	record_read(d, fd, events, arg);
	(void)dispatcher_unwatch(d, fd);
}

/* One dispatcher_run_once(); fails the test if the loop fails. */
static int
loop_once(struct dispatcher *d, int64_t max_wait_usec)
{
	int	ran;

	in_loop = 1;
	ran = dispatcher_run_once(d, max_wait_usec);
	in_loop = 0;
	if (ran == -1)
		fail_msg("dispatcher_run_once: %s", strerror(errno));
	return ran;
}

/* Run the loop until *counter reaches target, within limit_usec. */
static void
run_until(struct dispatcher *d, const int *counter, int target,
    uint64_t limit_usec, const char *what)
{
	uint64_t	start = monotonic_usec(), elapsed;
	long		iterations;

	for (iterations = 0; *counter < target; iterations++) {
		elapsed = monotonic_usec() - start;
		if (iterations >= LIMIT_ITERATIONS || elapsed >= limit_usec)
			fail_msg("%s: %d of %d after %ld iterations in %llu ms",
			    what, *counter, target, iterations,
			    (unsigned long long)(elapsed / MSEC));
		(void)loop_once(d, SLICE_USEC);
	}
}

/* Run one short iteration that must call nothing back. */
static void
expect_quiet(struct dispatcher *d, const char *what)
{
	int	ran;

	if ((ran = loop_once(d, QUIET_USEC)) != 0)
		fail_msg("%s: %d unexpected callbacks", what, ran);
}

/* The fixture of the running case. */
static struct fixture *
fixture_of(void **state)
{
	return *state;
}

/* Whether the backend stops below the fds the bulk cases need. */
static int
backend_fd_limited(const struct fixture *fixture)
{
	int	limit = backend_ops_fd_limit(fixture->instance->ops);

	return limit != 0 && limit < MANY_PIPES * 2 + 64;
}

/* Zeroed memory released after the dispatcher at teardown. */
static void *
fixture_alloc(struct fixture *fixture, size_t count, size_t size)
{
	size_t	i;

	for (i = 0; i < FIXTURE_BLOCKS; i++) {
		if (fixture->blocks[i] != NULL)
			continue;
		fixture->blocks[i] = calloc(count, size);
		assert_non_null(fixture->blocks[i]);
		return fixture->blocks[i];
	}
	fail_msg("fixture_alloc: more than %d blocks", FIXTURE_BLOCKS);
	return NULL;
}

/* Have teardown unwatch and close fd. */
static void
fixture_own(struct fixture *fixture, int fd)
{
	if (test_fd_list_add(&fixture->fds, fd) == -1) {
		(void)close(fd);
		fail_msg("test_fd_list_add: %s", strerror(errno));
	}
}

/* Unwatch and close an fd the fixture owns, before teardown. */
static void
fixture_close(struct fixture *fixture, int fd)
{
	(void)dispatcher_unwatch(fixture->dispatcher, fd);
	assert_int_equal(test_fd_list_remove(&fixture->fds, fd), 0);
	assert_int_equal(close(fd), 0);
}

/* A socket pair owned by the fixture. */
static void
fixture_socketpair(struct fixture *fixture, int pair[2])
{
	if (test_socketpair(pair) == -1)
		fail_msg("socketpair: %s", strerror(errno));
	fixture_own(fixture, pair[0]);
	fixture_own(fixture, pair[1]);
}

/* A pipe owned by the fixture. */
static void
fixture_pipe(struct fixture *fixture, int fds[2])
{
	if (test_pipe(fds) == -1)
		fail_msg("pipe: %s", strerror(errno));
	fixture_own(fixture, fds[0]);
	fixture_own(fixture, fds[1]);
}

/* A socket pair whose pair[0] is readable (one byte waits in it). */
static void
fixture_readable_pair(struct fixture *fixture, int pair[2])
{
	fixture_socketpair(fixture, pair);
	assert_int_equal(test_send_byte(pair[1]), 0);
}

/* Say that the case catches signals, so that teardown undoes it. */
static void
fixture_uses_signals(struct fixture *fixture)
{
	fixture->signals_used = 1;
}

/* Create the backend's dispatcher and arm the watchdog. */
static int
setup(void **state)
{
	const struct backend_run	*instance = *state;
	struct fixture			*fixture;

	if ((fixture = calloc(1, sizeof(*fixture))) == NULL)
		return -1;
	fixture->instance = instance;
	test_fd_list_init(&fixture->fds);
	fixture->dispatcher = dispatcher_create_with(instance->ops);
	if (fixture->dispatcher == NULL) {
		fprintf(stderr, "%s: dispatcher_create_with: %s\n",
		    instance->name, strerror(errno));
		free(fixture);
		return -1;
	}
	(void)sigaction(SIGUSR1, NULL, &fixture->saved_usr1);
	(void)sigaction(SIGUSR2, NULL, &fixture->saved_usr2);
	test_watchdog_arm(WATCHDOG_SECONDS, instance->name);
	*state = fixture;
	return 0;
}

/* Undo everything a case did, whether it passed or not. */
static int
teardown(void **state)
{
	struct fixture	*fixture = *state;
	size_t		 i;

	test_watchdog_disarm();
	if (fixture->signals_used) {
		(void)dispatcher_signal_ignore(fixture->dispatcher, SIGUSR1);
		(void)dispatcher_signal_ignore(fixture->dispatcher, SIGUSR2);
	}
	for (i = 0; i < fixture->fds.count; i++)
		(void)dispatcher_unwatch(fixture->dispatcher,
		    fixture->fds.fds[i]);
	test_fd_list_close_all(&fixture->fds);
	/* Timers live in the blocks: free them after the dispatcher. */
	dispatcher_free(fixture->dispatcher);
	if (fixture->signals_used) {
		(void)sigaction(SIGUSR1, &fixture->saved_usr1, NULL);
		(void)sigaction(SIGUSR2, &fixture->saved_usr2, NULL);
	}
	for (i = 0; i < FIXTURE_BLOCKS; i++)
		free(fixture->blocks[i]);
	free(fixture);
	return 0;
}

/* The dispatcher names its backend; unknown names are refused. */
static void
case_create(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	const char		*name;
	struct dispatcher	*other;

	name = backend_ops_name(fixture->instance->ops);
	assert_string_equal(dispatcher_backend_name(fixture->dispatcher),
	    name);
	errno = 0;
	assert_null(dispatcher_create("nosuch"));
	assert_int_equal(errno, ENOENT);
	assert_non_null(other = dispatcher_create(NULL));
	assert_string_equal(dispatcher_backend_name(other),
	    backend_ops_name(dispatcher_backends()[0]));
	dispatcher_free(other);
	if (dispatcher_find_backend(name) == fixture->instance->ops) {
		assert_non_null(other = dispatcher_create(name));
		assert_string_equal(dispatcher_backend_name(other), name);
		dispatcher_free(other);
	}
}

/* A readable fd calls back with EVENT_READ until it is drained. */
static void
case_read_readiness(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct io_record	 record = { 0 };
	int			 pair[2];

	fixture_socketpair(fixture, pair);
	assert_int_equal(dispatcher_watch(d, pair[0], EVENT_READ, record_io,
	    &record), 0);
	assert_int_equal(dispatcher_events(d, pair[0]), EVENT_READ);
	assert_int_equal(loop_once(d, 0), 0);
	assert_int_equal(test_send_byte(pair[1]), 0);
	run_until(d, &record.calls, 1, LIMIT_USEC, "read event");
	assert_int_equal(record.fd, pair[0]);
	assert_int_equal(record.events, EVENT_READ);
	/* Level-triggered: the unread byte keeps it ready. */
	run_until(d, &record.calls, 3, LIMIT_USEC, "repeated read event");
	assert_int_equal(test_drain(pair[0]), 1);
	record.calls = 0;
	assert_int_equal(loop_once(d, 0), 0);
	assert_int_equal(record.calls, 0);
	assert_int_equal(record.misdelivered, 0);
}

/* A writable fd calls back with EVENT_WRITE, and not while it is full. */
static void
case_write_readiness(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct io_record	 record = { 0 };
	int			 pair[2];

	fixture_socketpair(fixture, pair);
	assert_int_equal(dispatcher_watch(d, pair[0], EVENT_WRITE, record_io,
	    &record), 0);
	assert_int_equal(dispatcher_events(d, pair[0]), EVENT_WRITE);
	run_until(d, &record.calls, 1, LIMIT_USEC, "write event");
	assert_int_equal(record.fd, pair[0]);
	assert_int_equal(record.events, EVENT_WRITE);
	assert_true(test_fill(pair[0]) > 0);
	record.calls = 0;
	assert_int_equal(loop_once(d, 0), 0);
	assert_int_equal(record.calls, 0);
	assert_true(test_drain(pair[1]) > 0);
	run_until(d, &record.calls, 1, LIMIT_USEC, "write event after drain");
	assert_int_equal(record.events, EVENT_WRITE);
	assert_int_equal(record.misdelivered, 0);
}

/* A closed peer makes the fd readable, read gives 0, and it stays so. */
static void
case_eof(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct read_record	 record = { 0 };
	int			 pair[2];

	fixture_socketpair(fixture, pair);
	assert_int_equal(dispatcher_watch(d, pair[0], EVENT_READ, record_read,
	    &record), 0);
	fixture_close(fixture, pair[1]);
	run_until(d, &record.calls, 1, LIMIT_USEC, "EOF");
	assert_int_equal(record.result, 0);
	run_until(d, &record.calls, 2, LIMIT_USEC, "EOF again");
	assert_int_equal(record.result, 0);
	assert_int_equal(record.misdelivered, 0);
}

/* Connect a TCP pair, or fall back to a socket pair. */
static int
reset_pair(struct fixture *fixture, int pair[2])
{
	if (test_tcp_pair(pair) == -1) {
		fixture_socketpair(fixture, pair);
		return 0;
	}
	fixture_own(fixture, pair[0]);
	fixture_own(fixture, pair[1]);
	return 1;
}

/* A peer that closes with a reset makes the fd readable with an error. */
static void
case_peer_reset(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct read_record	 record = { 0 };
	struct linger		 linger;
	int			 pair[2];

	if (reset_pair(fixture, pair)) {
		/* SO_LINGER with a zero timeout: close sends RST. */
		linger.l_onoff = 1;
		linger.l_linger = 0;
		assert_int_equal(setsockopt(pair[1], SOL_SOCKET, SO_LINGER,
		    &linger, sizeof(linger)), 0);
	} else {
		/* Unread data at close resets a Unix stream socket. */
		assert_int_equal(test_send_byte(pair[0]), 0);
	}
	assert_int_equal(dispatcher_watch(d, pair[0], EVENT_READ,
	    record_read_once, &record), 0);
	fixture_close(fixture, pair[1]);
	run_until(d, &record.calls, 1, LIMIT_USEC, "reset");
	if (record.result != 0 &&
	    !(record.result == -1 && record.error == ECONNRESET))
		fail_msg("read after reset: %zd (%s)", record.result,
		    strerror(record.error));
	expect_quiet(d, "after unwatching the reset fd");
	assert_int_equal(record.calls, 1);
	assert_int_equal(record.misdelivered, 0);
}

/* Run until the record has seen exactly the events expected. */
static void
observe_events(struct dispatcher *d, struct io_record *record, int expected,
    const char *what)
{
	memset(record, 0, sizeof(*record));
	if (expected == 0) {
		expect_quiet(d, what);
		expect_quiet(d, what);
		return;
	}
	run_until(d, &record->events_seen, expected, LIMIT_USEC, what);
	assert_int_equal(record->events_seen, expected);
	assert_int_equal(record->misdelivered, 0);
}

/* Interest set from inside: READ, then WRITE, then nothing. */
struct interest_steps {
	int	step;
	int	wrong;		/* calls not matching the step */
};

/* fd callback: walk READ -> WRITE -> 0 by changing its own interest. */
static void
step_interest(struct dispatcher *d, int fd, int events, void *arg)
{
	struct interest_steps	*steps = arg;

	if (steps->step == 0 && events == EVENT_READ)
		(void)dispatcher_set_events(d, fd, EVENT_WRITE);
	else if (steps->step == 1 && events == EVENT_WRITE)
		(void)dispatcher_set_events(d, fd, 0);
	else
		steps->wrong++;
	steps->step++;
}

/* Callbacks follow the interest, whether it changes outside or inside. */
static void
case_interest_changes(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct io_record	 record;
	struct interest_steps	 steps = { 0, 0 };
	int			 pair[2], fd;

	/* pair[0] is readable and writable all along: never drained. */
	fixture_readable_pair(fixture, pair);
	fd = pair[0];
	assert_int_equal(dispatcher_watch(d, fd, EVENT_READ, record_io,
	    &record), 0);
	observe_events(d, &record, EVENT_READ, "read interest");
	assert_int_equal(dispatcher_set_events(d, fd, EVENT_WRITE), 0);
	assert_int_equal(dispatcher_events(d, fd), EVENT_WRITE);
	observe_events(d, &record, EVENT_WRITE, "write interest");
	assert_int_equal(dispatcher_set_events(d, fd, EVENT_READ | EVENT_WRITE),
	    0);
	observe_events(d, &record, EVENT_READ | EVENT_WRITE, "both");
	assert_int_equal(dispatcher_set_events(d, fd, 0), 0);
	assert_int_equal(dispatcher_events(d, fd), 0);
	observe_events(d, &record, 0, "no interest");
	assert_int_equal(dispatcher_set_events(d, fd, EVENT_READ), 0);
	observe_events(d, &record, EVENT_READ, "read interest again");

	errno = 0;
	assert_int_equal(dispatcher_set_events(d, pair[1], EVENT_READ), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(dispatcher_events(d, pair[1]), 0);

	/* Watching again replaces the callback; it then steps by itself. */
	memset(&record, 0, sizeof(record));
	assert_int_equal(dispatcher_watch(d, fd, EVENT_READ, step_interest,
	    &steps), 0);
	run_until(d, &steps.step, 2, LIMIT_USEC, "interest set in callbacks");
	assert_int_equal(dispatcher_events(d, fd), 0);
	expect_quiet(d, "interest dropped in a callback");
	assert_int_equal(steps.step, 2);
	assert_int_equal(steps.wrong, 0);
	assert_int_equal(record.calls, 0);
}

/* Two fds whose callback unwatches both. */
struct unwatch_both {
	int	fds[2];
	int	calls;
	int	failures;
};

/* fd callback: unwatch both fds, this one included. */
static void
unwatch_both(struct dispatcher *d, int fd, int events, void *arg)
{
	struct unwatch_both	*both = arg;

	(void)fd;
	(void)events;
	both->calls++;
	if (dispatcher_unwatch(d, both->fds[0]) == -1 ||
	    dispatcher_unwatch(d, both->fds[1]) == -1)
		both->failures++;
}

/* An fd unwatched by a callback gets no more events, even in that batch. */
static void
case_unwatch_in_callback(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct unwatch_both	 both = { { -1, -1 }, 0, 0 };
	int			 first[2], second[2], i;

	fixture_readable_pair(fixture, first);
	fixture_readable_pair(fixture, second);
	both.fds[0] = first[0];
	both.fds[1] = second[0];
	for (i = 0; i < 2; i++)
		assert_int_equal(dispatcher_watch(d, both.fds[i], EVENT_READ,
		    unwatch_both, &both), 0);
	run_until(d, &both.calls, 1, LIMIT_USEC, "first callback");
	expect_quiet(d, "after both were unwatched");
	assert_int_equal(both.calls, 1);
	assert_int_equal(both.failures, 0);
	for (i = 0; i < 2; i++) {
		assert_int_equal(dispatcher_events(d, both.fds[i]), 0);
		errno = 0;
		assert_int_equal(dispatcher_set_events(d, both.fds[i],
		    EVENT_READ), -1);
		assert_int_equal(errno, ENOENT);
	}
}

/* Two ready fds; the first callback closes the other and reuses its number. */
struct reuse {
	int	fds[2];
	int	spare;		/* readable fd duplicated onto the number */
	int	reused;		/* the number reused, or -1 */
	int	first_calls;
	int	new_calls;
	int	failures;
};

/* fd callback of the new fd that took over the closed one's number. */
static void
reuse_new(struct dispatcher *d, int fd, int events, void *arg)
{
	struct reuse	*reuse = arg;

	(void)d;
	(void)fd;
	(void)events;
	reuse->new_calls++;
}

/* fd callback of both old fds: close the other, reuse its number. */
static void
reuse_first(struct dispatcher *d, int fd, int events, void *arg)
{
	struct reuse	*reuse = arg;
	int		 other;

	(void)events;
	if (reuse->first_calls++ > 0)
		return;
	other = fd == reuse->fds[0] ? reuse->fds[1] : reuse->fds[0];
	if (dispatcher_unwatch(d, other) == -1 || close(other) == -1) {
		reuse->failures++;
		return;
	}
	/* What accept() would do: the lowest free number is other's. */
	if (dup2(reuse->spare, other) != other) {
		reuse->failures++;
		return;
	}
	reuse->reused = other;
	if (dispatcher_watch(d, other, EVENT_READ, reuse_new, reuse) == -1)
		reuse->failures++;
}

/* A stale event of a closed fd never reaches the fd that reuses its number. */
static void
case_close_reuse(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct reuse		 reuse;
	int			 first[2], second[2], spare[2], survivor;

	fixture_readable_pair(fixture, first);
	fixture_readable_pair(fixture, second);
	fixture_readable_pair(fixture, spare);
	memset(&reuse, 0, sizeof(reuse));
	reuse.fds[0] = first[0];
	reuse.fds[1] = second[0];
	reuse.spare = spare[0];
	reuse.reused = -1;
	/* The fixture keeps owning the reused number: it is closed later. */
	assert_int_equal(dispatcher_watch(d, first[0], EVENT_READ,
	    reuse_first, &reuse), 0);
	assert_int_equal(dispatcher_watch(d, second[0], EVENT_READ,
	    reuse_first, &reuse), 0);
	run_until(d, &reuse.first_calls, 1, LIMIT_USEC,
	    "callback of a ready fd");
	/* The batch that ran the first callback is over: check it. */
	assert_int_equal(reuse.failures, 0);
	assert_int_equal(reuse.first_calls, 1);
	if (reuse.new_calls != 0)
		fail_msg("the new fd %d got the closed fd's stale event",
		    reuse.reused);
	assert_int_not_equal(reuse.reused, -1);
	survivor = reuse.reused == first[0] ? second[0] : first[0];
	assert_int_equal(dispatcher_unwatch(d, survivor), 0);
	/* The new fd is readable too and is served from the next batch. */
	run_until(d, &reuse.new_calls, 1, LIMIT_USEC, "callback of the new fd");
	assert_int_equal(reuse.first_calls, 1);
	assert_int_equal(dispatcher_events(d, reuse.reused), EVENT_READ);
}

/* fd callback: count a call and drain what is there. */
static void
count_and_drain(struct dispatcher *d, int fd, int events, void *arg)
{
	char	bytes[64];

	(void)d;
	(void)events;
	(*(int *)arg)++;
	(void)read(fd, bytes, sizeof(bytes));
}

/*
 * dispatcher_close() unwatches and closes (without a backend call where
 * the kernel forgets closed fds): nothing more arrives for the closed fd,
 * and a new fd that reuses its number is watched and served normally.
 */
static void
case_dispatcher_close(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	int			 first[2], second[2], calls = 0;
	size_t			 watched;

	watched = dispatcher_watched_count(d);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, first), 0);
	assert_int_equal(dispatcher_watch(d, first[0], EVENT_READ,
	    count_and_drain, &calls), 0);
	assert_int_equal(write(first[1], "x", 1), 1);
	assert_int_equal(dispatcher_close(d, first[0]), 0);
	assert_int_equal(dispatcher_events(d, first[0]), 0);
	assert_int_equal(dispatcher_watched_count(d), watched);
	expect_quiet(d, "a closed fd");
	(void)close(first[1]);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, second), 0);
	assert_int_equal(dispatcher_watch(d, second[0], EVENT_READ,
	    count_and_drain, &calls), 0);
	assert_int_equal(write(second[1], "y", 1), 1);
	run_until(d, &calls, 1, LIMIT_USEC, "the fd after a closed one");
	assert_int_equal(calls, 1);
	assert_int_equal(dispatcher_close(d, second[0]), 0);
	(void)close(second[1]);
	assert_int_equal(dispatcher_watched_count(d), watched);
}

/*
 * An fd another holder still shares (a child given the socket, here a
 * dup) is closed with dispatcher_close(): its registration must go too,
 * or epoll goes on reporting the shared file's events under the number,
 * which the next fd reuses.
 */
static void
case_dispatcher_close_shared(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	int			 first[2], second[2], shared, calls = 0;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, first), 0);
	assert_true((shared = dup(first[0])) != -1);
	assert_int_equal(dispatcher_watch(d, first[0], EVENT_READ,
	    count_and_drain, &calls), 0);
	assert_int_equal(dispatcher_close(d, first[0]), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, second), 0);
	assert_int_equal(dispatcher_watch(d, second[0], EVENT_READ,
	    count_and_drain, &calls), 0);
	/* The shared file turns readable; the new fd has nothing. */
	assert_int_equal(write(first[1], "x", 1), 1);
	expect_quiet(d, "the events of a closed, shared fd");
	assert_int_equal(write(second[1], "y", 1), 1);
	run_until(d, &calls, 1, LIMIT_USEC, "the fd after a shared one");
	assert_int_equal(calls, 1);
	assert_int_equal(dispatcher_close(d, second[0]), 0);
	(void)close(second[1]);
	(void)close(shared);
	(void)close(first[1]);
}

/* One of many pipes. */
struct many_pipe {
	int	read_fd;
	int	calls;
	int	*total;
	int	*bad_reads;
};

/* fd callback: take the pipe's byte. */
static void
many_pipe_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct many_pipe	*pipe_entry = arg;
	char			 byte;

	(void)d;
	(void)events;
	pipe_entry->calls++;
	(*pipe_entry->total)++;
	if (fd != pipe_entry->read_fd || read(fd, &byte, 1) != 1)
		(*pipe_entry->bad_reads)++;
}

/* 10,000 fds at once, each called back exactly once. */
static void
case_many_fds(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct many_pipe	*pipes;
	int			 i, fds[2], total = 0, bad_reads = 0;

	/* main() leaves these runs out; this is only a fallback. */
	if (backend_fd_limited(fixture) || nofile_limit < MANY_FDS_NOFILE)
		skip();
	pipes = fixture_alloc(fixture, MANY_PIPES, sizeof(*pipes));
	for (i = 0; i < MANY_PIPES; i++) {
		fixture_pipe(fixture, fds);
		pipes[i].read_fd = fds[0];
		pipes[i].total = &total;
		pipes[i].bad_reads = &bad_reads;
		assert_int_equal(dispatcher_watch(d, fds[0], EVENT_READ,
		    many_pipe_ready, &pipes[i]), 0);
		assert_int_equal(test_send_byte(fds[1]), 0);
	}
	run_until(d, &total, MANY_PIPES, BULK_LIMIT_USEC, "10,000 fds");
	assert_int_equal(loop_once(d, 0), 0);
	assert_int_equal(total, MANY_PIPES);
	assert_int_equal(bad_reads, 0);
	for (i = 0; i < MANY_PIPES; i++)
		if (pipes[i].calls != 1)
			fail_msg("pipe %d (fd %d): %d calls", i,
			    pipes[i].read_fd, pipes[i].calls);
}

/* A duplicate of fd at the lowest free number >= lowest, owned. */
static int
fixture_dup_at(struct fixture *fixture, int fd, int lowest)
{
	int	copy;

	if ((copy = fcntl(fd, F_DUPFD, lowest)) == -1)
		fail_msg("F_DUPFD %d: %s", lowest, strerror(errno));
	fixture_own(fixture, copy);
	return copy;
}

/* A backend with an fd limit refuses fds past it; the others take them. */
static void
case_fd_setsize(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct io_record	 record = { 0 };
	int			 pair[2], high, low;

	if (nofile_limit <= FD_SETSIZE)
		skip();		/* main() leaves this run out */
	fixture_readable_pair(fixture, pair);
	high = fixture_dup_at(fixture, pair[0], FD_SETSIZE);
	if (backend_ops_fd_limit(fixture->instance->ops) == 0 ||
	    backend_ops_fd_limit(fixture->instance->ops) > high) {
		assert_int_equal(dispatcher_watch(d, high, EVENT_READ,
		    record_io, &record), 0);
		run_until(d, &record.calls, 1, LIMIT_USEC, "fd >= FD_SETSIZE");
		assert_int_equal(record.fd, high);
		return;
	}
	errno = 0;
	assert_int_equal(dispatcher_watch(d, high, EVENT_READ, record_io,
	    &record), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(dispatcher_events(d, high), 0);
	assert_int_equal(dispatcher_set_events(d, high, EVENT_READ), -1);
	/* The refusal leaves the dispatcher usable below the limit. */
	low = fixture_dup_at(fixture, pair[0], FD_SETSIZE - 1);
	if (low != FD_SETSIZE - 1)
		return;		/* the number was taken: nothing to probe */
	assert_int_equal(dispatcher_watch(d, low, EVENT_READ, record_io,
	    &record), 0);
	run_until(d, &record.calls, 1, LIMIT_USEC, "fd FD_SETSIZE - 1");
	assert_int_equal(record.fd, low);
}

/* timer callback: check the probe against its deadline and the others. */
static void
probe_fired(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct timer_probe	*probe = arg;
	struct timer_log	*log = probe->log;

	(void)timer;
	if (monotonic_usec() < probe->low)
		log->early++;
	/* Whatever fired before had a deadline not after this one's. */
	if (log->latest_low > probe->high)
		log->out_of_order++;
	if (probe->low > log->latest_low)
		log->latest_low = probe->low;
	probe->calls++;
	probe->rank = log->fired++;
	if (probe->victim != NULL)
		dispatcher_timer_stop(d, &probe->victim->timer);
}

/* (Re)start a probe as one-shot, bracketing its deadline with the clock. */
static void
probe_arm(struct dispatcher *d, struct timer_probe *probe, uint64_t delay)
{
	uint64_t	before;

	before = monotonic_usec();
	assert_int_equal(dispatcher_timer_start(d, &probe->timer, delay, 0),
	    0);
	probe->low = before + delay;
	/* A delay of 0 may mean "the next microsecond". */
	probe->high = monotonic_usec() + (delay > 0 ? delay : 1);
	assert_true(timer_is_pending(&probe->timer));
}

/* Initialise a probe and start it as one-shot. */
static void
probe_start(struct dispatcher *d, struct timer_probe *probe,
    struct timer_log *log, uint64_t delay)
{
	timer_init(&probe->timer, probe_fired, probe);
	probe->log = log;
	probe->rank = -1;
	probe_arm(d, probe, delay);
}

/* Fail if any probe of the log fired early or out of order. */
static void
check_log(const struct timer_log *log)
{
	if (log->early != 0)
		fail_msg("%d timers fired before their deadline", log->early);
	if (log->out_of_order != 0)
		fail_msg("%d timers fired after a later deadline's",
		    log->out_of_order);
}

/* Timers fire in the order of their deadlines. */
static void
case_timer_order(void **state)
{
	static const uint64_t	 delays_ms[] = { 40, 10, 50, 20, 30 };
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct timer_probe	*probes;
	struct timer_log	 log = { 0 };
	uint64_t		 started, finished;
	size_t			 i, count = sizeof(delays_ms) /
				    sizeof(delays_ms[0]);

	probes = fixture_alloc(fixture, count, sizeof(*probes));
	started = monotonic_usec();
	for (i = 0; i < count; i++)
		probe_start(d, &probes[i], &log, delays_ms[i] * MSEC);
	finished = monotonic_usec();
	assert_int_equal(dispatcher_timer_count(d), count);
	run_until(d, &log.fired, (int)count, LIMIT_USEC, "five timers");
	check_log(&log);
	assert_int_equal(dispatcher_timer_count(d), 0);
	for (i = 0; i < count; i++) {
		assert_int_equal(probes[i].calls, 1);
		assert_false(timer_is_pending(&probes[i].timer));
	}
	/* Started within 10 ms of each other, their order is the delays'. */
	if (finished - started < 10 * MSEC) {
		for (i = 0; i < count; i++)
			assert_int_equal(probes[i].rank,
			    (int)(delays_ms[i] / 10) - 1);
	}
}

/* No timer fires before its deadline; run_once(-1) waits for timers. */
static void
case_timer_never_early(void **state)
{
	static const uint64_t	 delays_usec[] = { 0, 1, 999, 1000, 1001,
				    2500, 5000, 13000 };
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct timer_probe	*probes;
	struct timer_log	 log = { 0 };
	size_t			 i, count = sizeof(delays_usec) /
				    sizeof(delays_usec[0]);
	int			 iterations;

	probes = fixture_alloc(fixture, count, sizeof(*probes));
	for (i = 0; i < count; i++)
		probe_start(d, &probes[i], &log, delays_usec[i]);
	/* Each wait ends by the next deadline, so this loop is bounded. */
	for (iterations = 0; dispatcher_timer_count(d) > 0; iterations++) {
		if (iterations >= 1000)
			fail_msg("timers still pending after %d iterations",
			    iterations);
		(void)loop_once(d, -1);
	}
	assert_int_equal(log.fired, (int)count);
	check_log(&log);
}

/* A stopped timer never fires, whoever stops it and when. */
static void
case_timer_cancel(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct timer_probe	*probes, *keeper, *stopped, *victim, *sentinel;
	struct timer_probe	*idle;
	struct timer_log	 log = { 0 };

	probes = fixture_alloc(fixture, 5, sizeof(*probes));
	keeper = &probes[0];
	stopped = &probes[1];
	victim = &probes[2];
	sentinel = &probes[3];
	idle = &probes[4];
	probe_start(d, keeper, &log, 10 * MSEC);
	probe_start(d, stopped, &log, 20 * MSEC);
	probe_start(d, victim, &log, 30 * MSEC);
	probe_start(d, sentinel, &log, 50 * MSEC);
	keeper->victim = victim;
	dispatcher_timer_stop(d, &stopped->timer);
	assert_false(timer_is_pending(&stopped->timer));
	dispatcher_timer_stop(d, &stopped->timer);	/* harmless twice */
	timer_init(&idle->timer, probe_fired, idle);
	dispatcher_timer_stop(d, &idle->timer);		/* and never started */
	assert_int_equal(dispatcher_timer_count(d), 3);
	/* The sentinel's deadline is after every other one. */
	run_until(d, &sentinel->calls, 1, LIMIT_USEC, "sentinel timer");
	assert_int_equal(keeper->calls, 1);
	assert_int_equal(stopped->calls, 0);
	assert_int_equal(victim->calls, 0);
	assert_false(timer_is_pending(&victim->timer));
	assert_int_equal(dispatcher_timer_count(d), 0);
	check_log(&log);
}

/* A repeating timer that stops itself after REPEAT_COUNT calls. */
struct repeater {
	struct timer	timer;
	int		calls;
	uint64_t	last_call;
};

/* timer callback: count, and stop after the last call. */
static void
repeater_fired(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct repeater	*repeater = arg;

	repeater->last_call = monotonic_usec();
	if (++repeater->calls == REPEAT_COUNT)
		dispatcher_timer_stop(d, timer);
}

/* A repeating timer keeps firing, never early, until it stops itself. */
static void
case_timer_repeat(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct repeater		*repeater;
	uint64_t		 started;

	repeater = fixture_alloc(fixture, 1, sizeof(*repeater));
	timer_init(&repeater->timer, repeater_fired, repeater);
	started = monotonic_usec();
	assert_int_equal(dispatcher_timer_start(d, &repeater->timer,
	    REPEAT_INTERVAL_USEC, REPEAT_INTERVAL_USEC), 0);
	run_until(d, &repeater->calls, REPEAT_COUNT, LIMIT_USEC,
	    "repeating timer");
	assert_false(timer_is_pending(&repeater->timer));
	assert_int_equal(dispatcher_timer_count(d), 0);
	/* The n-th call is due n intervals after the start at the earliest. */
	assert_true(repeater->last_call - started >=
	    (uint64_t)REPEAT_COUNT * REPEAT_INTERVAL_USEC);
	expect_quiet(d, "after the repeating timer stopped");
	assert_int_equal(repeater->calls, REPEAT_COUNT);
}

/* A timer that re-arms itself with delay 0 from its callback. */
struct rearmer {
	struct timer	timer;
	int		calls;
	int		failures;
};

/* timer callback: count and re-arm for "now" until REARM_COUNT calls. */
static void
rearmer_fired(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct rearmer	*rearmer = arg;

	if (++rearmer->calls < REARM_COUNT &&
	    dispatcher_timer_start(d, timer, 0, 0) == -1)
		rearmer->failures++;
}

/* A timer re-armed from its callback with delay 0 waits an iteration. */
static void
case_timer_rearm_zero(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct rearmer		*rearmer;
	int			 ran, iterations;

	rearmer = fixture_alloc(fixture, 1, sizeof(*rearmer));
	timer_init(&rearmer->timer, rearmer_fired, rearmer);
	assert_int_equal(dispatcher_timer_start(d, &rearmer->timer, 0, 0), 0);
	for (iterations = 0; rearmer->calls < REARM_COUNT; iterations++) {
		if (iterations >= 1000)
			fail_msg("%d calls after %d iterations", rearmer->calls,
			    iterations);
		if ((ran = loop_once(d, SLICE_USEC)) > 1)
			fail_msg("%d calls in one iteration", ran);
	}
	assert_int_equal(rearmer->calls, REARM_COUNT);
	assert_int_equal(rearmer->failures, 0);
	assert_false(timer_is_pending(&rearmer->timer));
	assert_int_equal(dispatcher_timer_count(d), 0);
}

/* Starting a pending timer re-arms it instead of adding a second one. */
static void
case_timer_restart(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct timer_probe	*probe;
	struct timer_log	 log = { 0 };

	probe = fixture_alloc(fixture, 1, sizeof(*probe));
	probe_start(d, probe, &log, 10000 * MSEC);
	probe_arm(d, probe, 5 * MSEC);
	assert_int_equal(dispatcher_timer_count(d), 1);
	run_until(d, &probe->calls, 1, LIMIT_USEC, "re-armed timer");
	check_log(&log);
	assert_int_equal(dispatcher_timer_count(d), 0);

	/* A repeating timer restarted as one-shot fires once. */
	assert_int_equal(dispatcher_timer_start(d, &probe->timer, MSEC, MSEC),
	    0);
	probe_arm(d, probe, 2 * MSEC);
	run_until(d, &probe->calls, 2, LIMIT_USEC, "restarted as one-shot");
	assert_false(timer_is_pending(&probe->timer));
	expect_quiet(d, "after the one-shot restart");
	assert_int_equal(probe->calls, 2);
}

/* 10,000 timers with random delays fire in order and never early. */
static void
case_many_timers(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct timer_probe	*probes;
	struct timer_log	 log = { 0 };
	uint32_t		 seed = 0x2545f491;
	int			 i;

	probes = fixture_alloc(fixture, MANY_TIMERS, sizeof(*probes));
	for (i = 0; i < MANY_TIMERS; i++)
		probe_start(d, &probes[i], &log,
		    test_random(&seed) % (MANY_TIMERS_SPREAD + 1));
	assert_int_equal(dispatcher_timer_count(d), MANY_TIMERS);
	run_until(d, &log.fired, MANY_TIMERS, BULK_LIMIT_USEC,
	    "10,000 timers");
	check_log(&log);
	assert_int_equal(dispatcher_timer_count(d), 0);
	for (i = 0; i < MANY_TIMERS; i++)
		if (probes[i].calls != 1)
			fail_msg("timer %d: %d calls", i, probes[i].calls);
}

/* Of 10,000 timers, half are stopped, before the loop or by callbacks. */
static void
case_many_timers_cancel(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct timer_probe	*probes, *keeper, *victim;
	struct timer_log	 log = { 0 };
	uint32_t		 seed = 0x9e3779b9;
	uint64_t		 delay;
	int			 pair;

	probes = fixture_alloc(fixture, MANY_TIMERS, sizeof(*probes));
	for (pair = 0; pair < MANY_TIMERS / 2; pair++) {
		keeper = &probes[2 * pair];
		victim = &probes[2 * pair + 1];
		/* The victim is started later and is due later. */
		delay = test_random(&seed) % MANY_TIMERS_SPREAD;
		probe_start(d, keeper, &log, delay);
		probe_start(d, victim, &log, delay + MSEC +
		    test_random(&seed) % MANY_TIMERS_SPREAD);
		if (pair % 2 == 0)
			dispatcher_timer_stop(d, &victim->timer);
		else
			keeper->victim = victim;
	}
	assert_int_equal(dispatcher_timer_count(d), MANY_TIMERS * 3 / 4);
	run_until(d, &log.fired, MANY_TIMERS / 2, BULK_LIMIT_USEC,
	    "the 5,000 timers kept");
	assert_int_equal(dispatcher_timer_count(d), 0);
	check_log(&log);
	for (pair = 0; pair < MANY_TIMERS / 2; pair++) {
		if (probes[2 * pair].calls != 1)
			fail_msg("kept timer %d: %d calls", 2 * pair,
			    probes[2 * pair].calls);
		if (probes[2 * pair + 1].calls != 0)
			fail_msg("stopped timer %d fired", 2 * pair + 1);
	}
}

/* A record of a signal callback's calls. */
struct signal_record {
	int	calls;
	int	signal_number;	/* of the last call */
	int	outside_loop;	/* calls not made from dispatcher_run* */
};

/* signal callback: count and check that the loop is running. */
static void
record_signal(struct dispatcher *d, int signal_number, void *arg)
{
	struct signal_record	*record = arg;

	(void)d;
	record->calls++;
	record->signal_number = signal_number;
	if (!in_loop)
		record->outside_loop++;
}

/* Whether signal_number is ignored by the process now. */
static int
signal_is_ignored(int signal_number)
{
	struct sigaction	action;

	assert_int_equal(sigaction(signal_number, NULL, &action), 0);
	return action.sa_handler == SIG_IGN;
}

/* Check signal delivery for one signal with a catcher installed. */
static void
check_signal_delivery(struct dispatcher *d, int signal_number,
    struct signal_record *record)
{
	int	before;

	memset(record, 0, sizeof(*record));
	assert_int_equal(raise(signal_number), 0);
	/* The handler ran inside raise(); the callback must not have. */
	assert_int_equal(record->calls, 0);
	run_until(d, &record->calls, 1, LIMIT_USEC, "signal callback");
	assert_int_equal(record->signal_number, signal_number);
	assert_int_equal(record->outside_loop, 0);

	/* Raises before the loop runs may merge, but at least one is seen. */
	before = record->calls;
	assert_int_equal(raise(signal_number), 0);
	assert_int_equal(raise(signal_number), 0);
	assert_int_equal(raise(signal_number), 0);
	run_until(d, &record->calls, before + 1, LIMIT_USEC,
	    "callback of repeated signals");
	expect_quiet(d, "after the repeated signals");
	assert_in_range(record->calls, before + 1, before + 3);
}

/* SIGUSR1 arrives as a callback from the loop; ignoring it silences it. */
static void
case_signal_usr1(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct signal_record	 record;

	fixture_uses_signals(fixture);
	memset(&record, 0, sizeof(record));
	assert_int_equal(dispatcher_signal(d, SIGUSR1, record_signal,
	    &record), 0);
	check_signal_delivery(d, SIGUSR1, &record);
	assert_int_equal(dispatcher_signal_ignore(d, SIGUSR1), 0);
	assert_true(signal_is_ignored(SIGUSR1));
	record.calls = 0;
	assert_int_equal(raise(SIGUSR1), 0);
	expect_quiet(d, "ignored SIGUSR1");
	assert_int_equal(record.calls, 0);
}

/* SIGUSR2 likewise, next to SIGUSR1; each reaches its own callback. */
static void
case_signal_usr2(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct signal_record	 usr1, usr2;

	fixture_uses_signals(fixture);
	memset(&usr1, 0, sizeof(usr1));
	memset(&usr2, 0, sizeof(usr2));
	assert_int_equal(dispatcher_signal(d, SIGUSR1, record_signal, &usr1),
	    0);
	assert_int_equal(dispatcher_signal(d, SIGUSR2, record_signal, &usr2),
	    0);
	check_signal_delivery(d, SIGUSR2, &usr2);
	assert_int_equal(usr1.calls, 0);
	memset(&usr2, 0, sizeof(usr2));
	assert_int_equal(raise(SIGUSR1), 0);
	assert_int_equal(raise(SIGUSR2), 0);
	run_until(d, &usr1.calls, 1, LIMIT_USEC, "SIGUSR1 beside SIGUSR2");
	run_until(d, &usr2.calls, 1, LIMIT_USEC, "SIGUSR2 beside SIGUSR1");
	assert_int_equal(usr1.signal_number, SIGUSR1);
	assert_int_equal(usr2.signal_number, SIGUSR2);
	assert_int_equal(usr1.outside_loop + usr2.outside_loop, 0);
	assert_int_equal(dispatcher_signal_ignore(d, SIGUSR2), 0);
	assert_true(signal_is_ignored(SIGUSR2));
}

/* The stop case's timers and what they saw. */
struct stop_state {
	struct timer	due;
	struct timer	safety;
	struct timer	repeating;
	int		io_calls;
	int		timer_calls;
	int		safety_fired;
	int		repeats;
};

/* fd callback: ask the loop to stop; the fd stays ready. */
static void
stop_from_io(struct dispatcher *d, int fd, int events, void *arg)
{
	struct stop_state	*stop = arg;

	(void)fd;
	(void)events;
	stop->io_calls++;
	dispatcher_stop(d);
}

/* timer callback: count a due timer of the stopping batch. */
static void
count_stop_timer(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct stop_state	*stop = arg;

	(void)d;
	(void)timer;
	stop->timer_calls++;
}

/* timer callback: the safety net; a correct loop never gets here. */
static void
stop_safety(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct stop_state	*stop = arg;

	(void)timer;
	stop->safety_fired++;
	dispatcher_stop(d);
}

/* timer callback: stop the loop on the third call of a repeating timer. */
static void
stop_on_third(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct stop_state	*stop = arg;

	(void)timer;
	if (++stop->repeats == 3)
		dispatcher_stop(d);
}

/* dispatcher_run() under a short watchdog, since it cannot be bounded. */
static int
run_loop(struct fixture *fixture)
{
	char	what[256];
	int	result;

	(void)snprintf(what, sizeof(what), "%s: dispatcher_run()",
	    fixture->instance->name);
	test_watchdog_arm(RUN_WATCHDOG_SECONDS, what);
	in_loop = 1;
	result = dispatcher_run(fixture->dispatcher);
	in_loop = 0;
	test_watchdog_arm(WATCHDOG_SECONDS, fixture->instance->name);
	return result;
}

/* dispatcher_stop() ends dispatcher_run() once the batch is done. */
static void
case_stop(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct stop_state	*stop;
	int			 first[2], second[2];

	stop = fixture_alloc(fixture, 1, sizeof(*stop));
	fixture_readable_pair(fixture, first);
	fixture_readable_pair(fixture, second);
	assert_int_equal(dispatcher_watch(d, first[0], EVENT_READ,
	    stop_from_io, stop), 0);
	assert_int_equal(dispatcher_watch(d, second[0], EVENT_READ,
	    stop_from_io, stop), 0);
	timer_init(&stop->safety, stop_safety, stop);
	assert_int_equal(dispatcher_timer_start(d, &stop->safety, LIMIT_USEC,
	    0), 0);
	/* A timer already due when the loop starts runs in its first batch. */
	timer_init(&stop->due, count_stop_timer, stop);
	assert_int_equal(dispatcher_timer_start(d, &stop->due, MSEC, 0), 0);
	test_sleep_until_after(monotonic_usec() + MSEC);
	assert_int_equal(run_loop(fixture), 0);
	assert_int_equal(stop->safety_fired, 0);
	/* Both ready fds were in the batch; nothing ran after it. */
	assert_int_equal(stop->io_calls, 2);
	assert_int_equal(stop->timer_calls, 1);

	/* The loop can run again, and a timer can stop it too. */
	assert_int_equal(dispatcher_unwatch(d, first[0]), 0);
	assert_int_equal(dispatcher_unwatch(d, second[0]), 0);
	timer_init(&stop->repeating, stop_on_third, stop);
	assert_int_equal(dispatcher_timer_start(d, &stop->repeating, MSEC,
	    MSEC), 0);
	assert_int_equal(run_loop(fixture), 0);
	assert_int_equal(stop->safety_fired, 0);
	assert_int_equal(stop->repeats, 3);
	assert_true(timer_is_pending(&stop->repeating));
	dispatcher_timer_stop(d, &stop->repeating);
	dispatcher_timer_stop(d, &stop->safety);
}

/* The "nothing left" case's timers and what they saw. */
struct leftover {
	struct timer	one_shot;
	struct timer	first_link;
	struct timer	chained;
	struct timer	stopped;
	int		io_calls;
	int		timer_calls;
	int		failures;
};

/* fd callback: drain and unwatch, leaving nothing behind. */
static void
drain_and_unwatch(struct dispatcher *d, int fd, int events, void *arg)
{
	struct leftover	*leftover = arg;

	(void)events;
	leftover->io_calls++;
	(void)test_drain(fd);
	if (dispatcher_unwatch(d, fd) == -1)
		leftover->failures++;
}

/* timer callback: count. */
static void
count_leftover_timer(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct leftover	*leftover = arg;

	(void)d;
	(void)timer;
	leftover->timer_calls++;
}

/* timer callback: count and start the chained timer. */
static void
start_chained(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct leftover	*leftover = arg;

	(void)timer;
	leftover->timer_calls++;
	timer_init(&leftover->chained, count_leftover_timer, leftover);
	if (dispatcher_timer_start(d, &leftover->chained, 3 * MSEC, 0) == -1)
		leftover->failures++;
}

/* dispatcher_run() returns once no fd, timer or signal is left. */
static void
case_run_until_empty(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct leftover		*leftover;
	struct io_record	 quiet = { 0 };
	struct signal_record	 signals = { 0, 0, 0 };
	int			 ready[2], idle[2];

	leftover = fixture_alloc(fixture, 1, sizeof(*leftover));
	assert_int_equal(run_loop(fixture), 0);	/* empty from the start */

	fixture_readable_pair(fixture, ready);
	fixture_readable_pair(fixture, idle);
	assert_int_equal(dispatcher_watch(d, ready[0], EVENT_READ,
	    drain_and_unwatch, leftover), 0);
	/* Registered without interest: nothing to wait for. */
	assert_int_equal(dispatcher_watch(d, idle[0], 0, record_io, &quiet),
	    0);
	timer_init(&leftover->one_shot, count_leftover_timer, leftover);
	assert_int_equal(dispatcher_timer_start(d, &leftover->one_shot,
	    2 * MSEC, 0), 0);
	timer_init(&leftover->first_link, start_chained, leftover);
	assert_int_equal(dispatcher_timer_start(d, &leftover->first_link,
	    MSEC, 0), 0);
	timer_init(&leftover->stopped, count_leftover_timer, leftover);
	assert_int_equal(dispatcher_timer_start(d, &leftover->stopped,
	    10000 * MSEC, 0), 0);
	dispatcher_timer_stop(d, &leftover->stopped);
	/* A signal caught and then ignored is not waited for either. */
	fixture_uses_signals(fixture);
	assert_int_equal(dispatcher_signal(d, SIGUSR1, record_signal,
	    &signals), 0);
	assert_int_equal(dispatcher_signal_ignore(d, SIGUSR1), 0);
	assert_int_equal(run_loop(fixture), 0);
	assert_int_equal(leftover->io_calls, 1);
	assert_int_equal(leftover->timer_calls, 3);
	assert_int_equal(leftover->failures, 0);
	assert_int_equal(quiet.calls, 0);
	assert_int_equal(signals.calls, 0);
	assert_int_equal(dispatcher_timer_count(d), 0);
}

/* What a wait hook saw and what it does. */
struct hook_record {
	int		 calls;
	int64_t		 cap_usec;	/* what it returns */
	int		 watch_fd;	/* watched by the hook, or -1 */
	struct io_record *io;
};

/* wait hook: count the call, watch an fd if asked, return the cap. */
static int64_t
record_hook(struct dispatcher *d, void *arg)
{
	struct hook_record	*hook = arg;

	hook->calls++;
	if (hook->watch_fd != -1) {
		(void)dispatcher_watch(d, hook->watch_fd, EVENT_READ,
		    record_io, hook->io);
		hook->watch_fd = -1;
	}
	return hook->cap_usec;
}

/*
 * The wait hook runs once before every wait, caps it (run_once(-1) with
 * nothing to wait for returns), and what it watches is waited on in the
 * same turn; NULL removes it.
 */
static void
case_wait_hook(void **state)
{
	struct fixture		*fixture = fixture_of(state);
	struct dispatcher	*d = fixture->dispatcher;
	struct io_record	 io = { 0 };
	struct hook_record	 hook = { 0, 20 * MSEC, -1, &io };
	uint64_t		 started, elapsed;
	int			 ready[2];

	dispatcher_before_wait(d, record_hook, &hook);
	started = monotonic_usec();
	assert_int_equal(loop_once(d, -1), 0);
	elapsed = monotonic_usec() - started;
	assert_int_equal(hook.calls, 1);
	assert_true(elapsed >= 19 * MSEC);
	assert_true(elapsed < 2000 * MSEC);
	/* A longer cap leaves the caller's shorter one. */
	hook.cap_usec = 10000 * MSEC;
	started = monotonic_usec();
	assert_int_equal(loop_once(d, 5 * MSEC), 0);
	assert_true(monotonic_usec() - started < 2000 * MSEC);
	assert_int_equal(hook.calls, 2);
	/* -1 leaves the wait to the timers and the caller. */
	hook.cap_usec = -1;
	fixture_readable_pair(fixture, ready);
	hook.watch_fd = ready[0];
	assert_int_equal(loop_once(d, -1), 1);
	assert_int_equal(io.calls, 1);
	assert_int_equal(io.fd, ready[0]);
	assert_int_equal(hook.calls, 3);
	dispatcher_before_wait(d, NULL, NULL);
	(void)dispatcher_unwatch(d, ready[0]);
	(void)loop_once(d, 0);
	assert_int_equal(hook.calls, 3);
}

/* Every case, run on every backend that meets its needs. */
static const struct backend_case	test_cases[] = {
	{ "create", case_create },
	{ "read readiness", case_read_readiness },
	{ "write readiness", case_write_readiness },
	{ "EOF", case_eof },
	{ "peer reset", case_peer_reset },
	{ "interest changes", case_interest_changes },
	{ "unwatch in callback", case_unwatch_in_callback },
	{ "close in callback with fd reuse", case_close_reuse },
	{ "dispatcher_close", case_dispatcher_close },
	{ "dispatcher_close of a shared fd", case_dispatcher_close_shared },
	{ "10,000 fds", case_many_fds },
	{ "FD_SETSIZE", case_fd_setsize },
	{ "timer order", case_timer_order },
	{ "timer never early", case_timer_never_early },
	{ "timer cancel", case_timer_cancel },
	{ "timer repeat", case_timer_repeat },
	{ "timer re-armed with delay 0", case_timer_rearm_zero },
	{ "timer restart", case_timer_restart },
	{ "10,000 timers", case_many_timers },
	{ "10,000 timers, half cancelled", case_many_timers_cancel },
	{ "signal SIGUSR1", case_signal_usr1 },
	{ "signal SIGUSR2", case_signal_usr2 },
	{ "stop from a callback", case_stop },
	{ "run returns when nothing is left", case_run_until_empty },
	{ "wait hook", case_wait_hook },
};

#define CASE_COUNT	(sizeof(test_cases) / sizeof(test_cases[0]))

/*
 * Why a case cannot run on a backend here, or NULL.  Such runs are left
 * out of the group instead of calling skip(): cmocka 1.1.5 prints a skipped
 * test as "not ok N # SKIP", which automake's tap-driver counts as FAIL.
 */
static const char *
unmet_need(const struct backend_case *test_case,
    const struct backend_ops *ops)
{
	if (test_case->function == case_many_fds &&
	    backend_ops_fd_limit(ops) != 0 &&
	    backend_ops_fd_limit(ops) < MANY_PIPES * 2 + 64)
		return "the backend cannot watch fds that high";
	if (test_case->function == case_many_fds &&
	    nofile_limit < MANY_FDS_NOFILE)
		return "the hard fd limit is too low";
	if (test_case->function == case_fd_setsize &&
	    nofile_limit <= FD_SETSIZE)
		return "the hard fd limit is not above FD_SETSIZE";
	return NULL;
}

/* Run every case on every backend as one cmocka group. */
int
main(void)
{
#if defined(TEST_KQUEUE_EMULATION) && !defined(HAVE_KQUEUE)
	static const struct backend_ops *const	emulated[] = {
		&backend_kqueue, NULL
	};
#endif
	struct backend_case_list		list;

	(void)signal(SIGPIPE, SIG_IGN);
	nofile_limit = test_raise_nofile();
	cmocka_set_message_output(CM_OUTPUT_TAP);
	backend_cases_init(&list, setup, teardown);
	backend_cases_add_all(&list, dispatcher_backends(), test_cases,
	    CASE_COUNT, unmet_need);
#if defined(TEST_KQUEUE_EMULATION) && !defined(HAVE_KQUEUE)
	/* Linux has no kqueue: the kqueue backend over the emulation. */
	backend_cases_add_all(&list, emulated, test_cases, CASE_COUNT,
	    unmet_need);
#endif
	return backend_cases_run(&list, "dispatcher");
}
