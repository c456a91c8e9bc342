/*
 * socket_activation_test.c: pforkd adopts the sockets systemd passes.
 *
 * Each case runs the real daemon under systemd's own
 * systemd-socket-activate, which binds the sockets on 127.0.0.1, waits
 * for the first connection and then starts pforkd with LISTEN_FDS:
 * one socket matched by address, several, sockets matched by name, a
 * reload keeping them, and the refusals: a socket no service claims, a
 * service left without a socket, a datagram socket.  Without
 * systemd-socket-activate the program reports every case skipped.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <limits.h>
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

#include "daemon_harness.h"
#include "test_util.h"

#define WAIT_MS		5000
#define ARGUMENTS_MAX	24

static char	activate_path[PATH_MAX];

struct activation {
	struct daemon_process	process;
	char			text[ARGUMENTS_MAX][64];
	const char		*argv[ARGUMENTS_MAX + 1];
	size_t			count;
};

/* Append one printf-formatted argument. */
static void
add(struct activation *activation, const char *format, ...)
    __attribute__((__format__(__printf__, 2, 3)));

static void
add(struct activation *activation, const char *format, ...)
{
	va_list	arguments;

	assert_true(activation->count < ARGUMENTS_MAX);
	va_start(arguments, format);
	(void)vsnprintf(activation->text[activation->count],
	    sizeof(activation->text[0]), format, arguments);
	va_end(arguments);
	activation->argv[activation->count] =
	    activation->text[activation->count];
	activation->argv[++activation->count] = NULL;
}

/* Begin a command line: systemd-socket-activate, its options follow. */
static void
begin(struct activation *activation)
{
	memset(activation, 0, sizeof(*activation));
	activation->process.pid = -1;
	add(activation, "%s", activate_path);
}

/* Add pforkd in the foreground with one worker; its options follow. */
static void
add_pforkd(struct activation *activation)
{
	add(activation, "%s", harness_pforkd_path());
	add(activation, "-d");
	add(activation, "-w");
	add(activation, "1");
}

/* Run the command; wait until the first socket listens. */
static void
start(struct activation *activation, int first_port)
{
	char	listening[64];

	assert_int_equal(harness_spawn_program(&activation->process,
	    activation->argv), 0);
	(void)snprintf(listening, sizeof(listening), "Listening on "
	    "127.0.0.1:%d", first_port);
	if (harness_wait_log(&activation->process, listening, WAIT_MS) == -1)
		fail_msg("systemd-socket-activate did not listen: %s",
		    activation->process.log);
}

/* Connect to port and check that it echoes. */
static void
check_echo(int port)
{
	char	reply[6];
	int	fd = harness_connect("127.0.0.1", port);

	assert_true(fd >= 0);
	assert_int_equal(harness_write_all(fd, "hello\n", 6), 0);
	assert_int_equal(harness_read_exact(fd, reply, 6, WAIT_MS), 0);
	assert_memory_equal(reply, "hello\n", 6);
	(void)close(fd);
}

/* Connect to port and check that it tells the time (a daytime line). */
static void
check_daytime(int port)
{
	char	reply[128];
	ssize_t	length;
	int	fd = harness_connect("127.0.0.1", port);

	assert_true(fd >= 0);
	length = harness_read_until_eof(fd, reply, sizeof(reply) - 1, WAIT_MS);
	(void)close(fd);
	assert_true(length > 2);
	assert_int_equal(reply[length - 1], '\n');
}

/* Wait for pforkd's own log line, failing the case with the log. */
static void
must_log(struct activation *activation, const char *needle)
{
	if (harness_wait_log(&activation->process, needle, WAIT_MS) == -1)
		fail_msg("no \"%s\" in the log:\n%s", needle,
		    activation->process.log);
}

/* Stop the activated pforkd (the same pid, exec'd) with SIGTERM. */
static void
stop(struct activation *activation)
{
	assert_int_equal(harness_stop(&activation->process, SIGTERM,
	    WAIT_MS), 0);
}

/* Wake the activator with a connection; pforkd must refuse and exit 1. */
static void
expect_refusal(struct activation *activation, int port, const char *needle)
{
	int	fd = harness_connect("127.0.0.1", port);

	assert_true(fd >= 0);
	(void)close(fd);
	must_log(activation, needle);
	assert_int_equal(harness_stop(&activation->process, 0, WAIT_MS), 1);
}

/* One socket, matched to the service listening on its address. */
static void
test_one_socket(void **state)
{
	struct activation	*activation = *state;
	int			 port = harness_free_port(SOCK_STREAM);
	char			 line[64];

	begin(activation);
	add(activation, "-l");
	add(activation, "127.0.0.1:%d", port);
	add_pforkd(activation);
	add(activation, "-l");
	add(activation, "echo@127.0.0.1:%d", port);
	start(activation, port);
	/* The connection that wakes the activator is served too. */
	check_echo(port);
	(void)snprintf(line, sizeof(line), "echo: listening on 127.0.0.1:%d",
	    port);
	must_log(activation, line);
	assert_null(strstr(activation->process.log, "Address already"));
	stop(activation);
}

/* Two sockets, given in the other order than the services. */
static void
test_several_sockets(void **state)
{
	struct activation	*activation = *state;
	int			 echo_port = harness_free_port(SOCK_STREAM);
	int			 daytime_port = harness_free_port(SOCK_STREAM);

	begin(activation);
	add(activation, "-l");
	add(activation, "127.0.0.1:%d", daytime_port);
	add(activation, "-l");
	add(activation, "127.0.0.1:%d", echo_port);
	add_pforkd(activation);
	add(activation, "-l");
	add(activation, "echo@127.0.0.1:%d", echo_port);
	add(activation, "-l");
	add(activation, "daytime@127.0.0.1:%d", daytime_port);
	start(activation, daytime_port);
	check_daytime(daytime_port);
	must_log(activation, "pforkd 0");
	check_echo(echo_port);
	stop(activation);
}

/* Names in LISTEN_FDNAMES win over the configured addresses. */
static void
test_named_sockets(void **state)
{
	struct activation	*activation = *state;
	int			 first = harness_free_port(SOCK_STREAM);
	int			 second = harness_free_port(SOCK_STREAM);

	begin(activation);
	add(activation, "-l");
	add(activation, "127.0.0.1:%d", first);
	add(activation, "-l");
	add(activation, "127.0.0.1:%d", second);
	add(activation, "--fdname=daytime:echo");
	add_pforkd(activation);
	/* Addresses nothing listens on: only the names can match. */
	add(activation, "-l");
	add(activation, "echo@127.0.0.1:1");
	add(activation, "-l");
	add(activation, "daytime@127.0.0.1:2");
	start(activation, first);
	check_daytime(first);
	must_log(activation, "pforkd 0");
	check_echo(second);
	stop(activation);
}

/* A reload keeps the passed sockets: no "Address in use", still served. */
static void
test_reload_keeps_sockets(void **state)
{
	struct activation	*activation = *state;
	int			 port = harness_free_port(SOCK_STREAM);

	begin(activation);
	add(activation, "-l");
	add(activation, "127.0.0.1:%d", port);
	add_pforkd(activation);
	add(activation, "-l");
	add(activation, "echo@127.0.0.1:%d,idle=10", port);
	start(activation, port);
	check_echo(port);
	must_log(activation, "pforkd 0");
	assert_int_equal(kill(activation->process.pid, SIGHUP), 0);
	must_log(activation, "reloaded");
	assert_null(strstr(activation->process.log, "reload refused"));
	check_echo(port);
	stop(activation);
}

/* A socket on an address no service listens on is refused. */
static void
test_socket_matching_nothing(void **state)
{
	struct activation	*activation = *state;
	int			 port = harness_free_port(SOCK_STREAM);
	char			 needle[128];

	begin(activation);
	add(activation, "-l");
	add(activation, "127.0.0.1:%d", port);
	add_pforkd(activation);
	add(activation, "-l");
	add(activation, "echo@127.0.0.1:%d", harness_free_port(SOCK_STREAM));
	start(activation, port);
	(void)snprintf(needle, sizeof(needle), "fd 3 (127.0.0.1:%d): no "
	    "service", port);
	expect_refusal(activation, port, needle);
}

/* A service without a socket, when systemd passed the others, is refused. */
static void
test_service_without_socket(void **state)
{
	struct activation	*activation = *state;
	int			 port = harness_free_port(SOCK_STREAM);

	begin(activation);
	add(activation, "-l");
	add(activation, "127.0.0.1:%d", port);
	add_pforkd(activation);
	add(activation, "-l");
	add(activation, "echo@127.0.0.1:%d", port);
	add(activation, "-l");
	add(activation, "daytime@127.0.0.1:%d",
	    harness_free_port(SOCK_STREAM));
	start(activation, port);
	expect_refusal(activation, port, "service daytime (-l daytime@");
}

/* A datagram socket is no listening TCP socket. */
static void
test_datagram_socket(void **state)
{
	struct activation	*activation = *state;
	struct sockaddr_in	 address;
	int			 port = harness_free_port(SOCK_DGRAM), fd;
	char			 needle[128];

	begin(activation);
	add(activation, "--datagram");
	add(activation, "-l");
	add(activation, "127.0.0.1:%d", port);
	add_pforkd(activation);
	add(activation, "-l");
	add(activation, "echo@127.0.0.1:%d", port);
	start(activation, port);
	/* A datagram wakes the activator. */
	memset(&address, 0, sizeof(address));
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	address.sin_port = htons((uint16_t)port);
	assert_true((fd = socket(AF_INET, SOCK_DGRAM, 0)) >= 0);
	assert_true(sendto(fd, "x", 1, 0, (struct sockaddr *)&address,
	    sizeof(address)) == 1);
	(void)close(fd);
	(void)snprintf(needle, sizeof(needle), "fd 3 (127.0.0.1:%d): not a "
	    "listening TCP socket", port);
	must_log(activation, needle);
	assert_int_equal(harness_stop(&activation->process, 0, WAIT_MS), 1);
}

/* A fresh command line for the case. */
static int
setup(void **state)
{
	struct activation	*activation = calloc(1, sizeof(*activation));

	if (activation == NULL)
		return -1;
	activation->process.pid = -1;
	*state = activation;
	return 0;
}

/* Kill what the case left running (by its pid). */
static int
teardown(void **state)
{
	struct activation	*activation = *state;

	harness_stop_leftover(&activation->process);
	free(activation);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest	tests[] = {
		cmocka_unit_test_setup_teardown(test_one_socket, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_several_sockets, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_named_sockets, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reload_keeps_sockets,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_matching_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_service_without_socket,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_datagram_socket, setup,
		    teardown),
	};

	(void)signal(SIGPIPE, SIG_IGN);
	/*
	 * cmocka's skip() counts as a failure under automake's TAP driver:
	 * without the tool, say the whole program is skipped instead.
	 */
	if (harness_find_program("systemd-socket-activate", activate_path,
	    sizeof(activate_path)) == -1) {
		(void)printf("1..0 # SKIP systemd-socket-activate is not "
		    "installed\n");
		return 0;
	}
	test_watchdog_arm(120, "socket_activation_test");
	return cmocka_run_group_tests_name("socket_activation", tests, NULL,
	    NULL);
}
