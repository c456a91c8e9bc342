/*
 * accept_token_test.c: unit tests of the accept token in the scoreboard
 * (accept-balance mutex): one holder at a time, freed when the master
 * clears its holder's row or starts a generation, shared across fork, and
 * the share a worker may take before leaving it to the others.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "compat/compat.h"
#include "server/scoreboard.h"

/* A fresh board and a configuration of one service, for the cases. */
struct token_fixture {
	struct scoreboard	*board;
	struct configuration	*configuration;
};

/* Map a board and make a configuration with one service, "echo". */
static int
fixture_setup(void **state)
{
	struct token_fixture	*fixture;

	if ((fixture = calloc(1, sizeof(*fixture))) == NULL ||
	    (fixture->configuration = calloc(1,
	    sizeof(*fixture->configuration))) == NULL ||
	    (fixture->board = scoreboard_create()) == NULL)
		return -1;
	fixture->configuration->service_count = 1;
	(void)strlcpy(fixture->configuration->services[0].name, "echo",
	    sizeof(fixture->configuration->services[0].name));
	*state = fixture;
	return 0;
}

/* Unmap the board and free the configuration. */
static int
fixture_teardown(void **state)
{
	struct token_fixture	*fixture = *state;

	scoreboard_destroy(fixture->board);
	free(fixture->configuration);
	free(fixture);
	return 0;
}

/* Put a worker of generation with pid into row, as the master does. */
static void
start_row(struct token_fixture *fixture, int row, unsigned int generation,
    pid_t pid)
{
	scoreboard_prepare_row(fixture->board, row, generation,
	    fixture->configuration);
	scoreboard_set_pid(fixture->board, row, pid);
}

/* Count count connections from 127.0.0.1 into row. */
static void
admit(struct token_fixture *fixture, int row, int count)
{
	struct sockaddr_in	peer;
	struct admission	admission;
	const char		*refusal = NULL;
	int			 i;

	memset(&peer, 0, sizeof(peer));
	peer.sin_family = AF_INET;
	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < count; i++)
		assert_int_equal(scoreboard_admit(fixture->board, row,
		    fixture->configuration, 0, (struct sockaddr *)&peer,
		    &admission, &refusal), 0);
}

/* One holder at a time; taking it again is harmless; only it releases. */
static void
test_one_holder(void **state)
{
	struct token_fixture	*fixture = *state;
	struct scoreboard	*board = fixture->board;

	scoreboard_token_open(board, 0);
	start_row(fixture, 0, 0, 100);
	start_row(fixture, 1, 0, 101);
	assert_int_equal(scoreboard_token_holder(board), -1);
	assert_int_equal(scoreboard_token_take(board, 0), 1);
	assert_int_equal(scoreboard_token_take(board, 0), 1);
	assert_int_equal(scoreboard_token_take(board, 1), 0);
	assert_int_equal(scoreboard_token_holder(board), 0);
	scoreboard_token_release(board, 1);
	assert_int_equal(scoreboard_token_holder(board), 0);
	scoreboard_token_release(board, 0);
	assert_int_equal(scoreboard_token_holder(board), -1);
	assert_int_equal(scoreboard_token_take(board, 1), 1);
	assert_int_equal(scoreboard_token_take(board, 0), 0);
}

/* The master clearing a dead holder's row frees the token; no other's. */
static void
test_reaped_holder_frees_it(void **state)
{
	struct token_fixture	*fixture = *state;
	struct scoreboard	*board = fixture->board;

	scoreboard_token_open(board, 0);
	start_row(fixture, 0, 0, 100);
	start_row(fixture, 1, 0, 101);
	assert_int_equal(scoreboard_token_take(board, 0), 1);
	scoreboard_clear_row(board, 1);
	assert_int_equal(scoreboard_token_holder(board), 0);
	scoreboard_clear_row(board, 0);
	assert_int_equal(scoreboard_token_holder(board), -1);
	/* The respawned worker in the same row takes it like any other. */
	start_row(fixture, 0, 0, 102);
	assert_int_equal(scoreboard_token_take(board, 1), 1);
	assert_int_equal(scoreboard_token_take(board, 0), 0);
}

/*
 * A reload: the old generation's holder loses the token, its workers may
 * no longer take it, and the new generation's may; a generation started
 * while a worker of its own holds it (start-up) leaves it.
 */
static void
test_new_generation_takes_over(void **state)
{
	struct token_fixture	*fixture = *state;
	struct scoreboard	*board = fixture->board;

	scoreboard_token_open(board, 0);
	start_row(fixture, 0, 0, 100);
	start_row(fixture, 1, 0, 101);
	assert_int_equal(scoreboard_token_take(board, 0), 1);
	scoreboard_token_open(board, 0);
	assert_int_equal(scoreboard_token_holder(board), 0);
	scoreboard_token_open(board, 1);
	start_row(fixture, 2, 1, 102);
	start_row(fixture, 3, 1, 103);
	assert_int_equal(scoreboard_token_holder(board), -1);
	assert_int_equal(scoreboard_token_take(board, 1), 0);
	assert_int_equal(scoreboard_token_take(board, 0), 0);
	assert_int_equal(scoreboard_token_take(board, 3), 1);
	/* The old holder giving back what it lost changes nothing. */
	scoreboard_token_release(board, 0);
	assert_int_equal(scoreboard_token_holder(board), 3);
}

/* A worker process takes the token; killed, the master frees it. */
static void
test_shared_with_workers(void **state)
{
	struct token_fixture	*fixture = *state;
	struct scoreboard	*board = fixture->board;
	int			 ready[2], status;
	char			 byte = 'x';
	pid_t			 pid;

	scoreboard_token_open(board, 0);
	start_row(fixture, 0, 0, 100);
	/* As the master: the row is prepared before the fork. */
	scoreboard_prepare_row(board, 1, 0, fixture->configuration);
	assert_int_equal(pipe(ready), 0);
	assert_int_not_equal(pid = fork(), -1);
	if (pid == 0) {
		(void)close(ready[0]);
		if (scoreboard_token_take(board, 1) != 1)
			_exit(1);
		(void)write(ready[1], &byte, 1);
		for (;;)
			(void)pause();
	}
	scoreboard_set_pid(board, 1, pid);
	(void)close(ready[1]);
	assert_int_equal(read(ready[0], &byte, 1), 1);
	(void)close(ready[0]);
	assert_int_equal(scoreboard_token_holder(board), 1);
	assert_int_equal(scoreboard_token_take(board, 0), 0);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	scoreboard_clear_row(board, 1);
	assert_int_equal(scoreboard_token_take(board, 0), 1);
}

/* The time since a holder last accepted, across the clock's wrap. */
static void
test_quiet_time(void **state)
{
	struct token_fixture	*fixture = *state;
	struct scoreboard	*board = fixture->board;

	scoreboard_token_accepted(board, 5000);
	assert_int_equal(scoreboard_token_quiet_msec(board, 5000), 0);
	assert_int_equal(scoreboard_token_quiet_msec(board, 6500), 1500);
	scoreboard_token_accepted(board, UINT32_MAX - 9);
	assert_int_equal(scoreboard_token_quiet_msec(board, 10), 20);
}

/* Only live workers of the row's own generation count. */
static void
test_generation_others(void **state)
{
	struct token_fixture	*fixture = *state;
	struct scoreboard	*board = fixture->board;

	start_row(fixture, 0, 1, 100);
	start_row(fixture, 1, 1, 101);
	start_row(fixture, 2, 1, 102);
	start_row(fixture, 3, 0, 103);		/* draining */
	admit(fixture, 0, 3);
	admit(fixture, 1, 5);
	admit(fixture, 2, 7);
	admit(fixture, 3, 11);
	assert_int_equal(scoreboard_generation_others(board, 0), 12);
	assert_int_equal(scoreboard_generation_others(board, 1), 10);
	scoreboard_clear_row(board, 2);		/* reaped */
	assert_int_equal(scoreboard_generation_others(board, 0), 5);
	assert_int_equal(scoreboard_generation_others(board, 3), 0);
}

/*
 * The headroom: a lone worker any number; the least loaded always at
 * least one; and taking all of it keeps a worker within a sixteenth and
 * one connection of an even share, where one more would not.
 */
static void
test_share_headroom(void **state)
{
	uint32_t	mine, others, k;
	unsigned int	workers;

	(void)state;
	assert_int_equal(scoreboard_share_headroom(500, 500, 1), UINT32_MAX);
	assert_int_equal(scoreboard_share_headroom(0, 0, 2), 2);
	assert_int_equal(scoreboard_share_headroom(0, 0, 4), 1);
	assert_int_equal(scoreboard_share_headroom(100, 100, 2), 0);
	assert_true(scoreboard_share_headroom(250, 1000, 4) > 0);
	assert_int_equal(scoreboard_share_headroom(300, 1000, 4), 0);
	for (workers = 2; workers <= 64; workers *= 2)
		for (mine = 0; mine < 300; mine += 7)
			for (others = 0; others < 3000; others += 61) {
				k = scoreboard_share_headroom(mine,
				    mine + others, workers);
				if ((uint64_t)mine * workers <= mine + others)
					assert_true(k >= 1);
				/* Within the share after taking k... */
				assert_true((uint64_t)(mine + k) * workers *
				    16 <= (uint64_t)(mine + others + k) * 17 +
				    workers * 16 || k == 0);
				/* ...but not after one more. */
				assert_true((uint64_t)(mine + k + 1) *
				    workers * 16 > (uint64_t)(mine + others +
				    k + 1) * 17 + workers * 16);
			}
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_one_holder,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_reaped_holder_frees_it,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_new_generation_takes_over,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_shared_with_workers,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_quiet_time,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_generation_others,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test(test_share_headroom),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
