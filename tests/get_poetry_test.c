/*
 * get_poetry_test.c: the get-poetry client against real pforkd poetry
 * services over loopback: its output format line by line, its exit
 * status, its -o files, and how it reports failures.
 *
 * The client is $GET_POETRY (else ./get-poetry); its stdout and stderr
 * are captured apart, since progress and failures go to different ones.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
#include "daemon_harness.h"
#include "event/dispatcher.h"
#include "test_util.h"

#define SERVERS		3
#define TASKS_MAX	8
#define OUTPUT_MAX	(256 * 1024)
#define ERRORS_MAX	8192

/* What one run of get-poetry printed and how it ended. */
struct client_run {
	char		out[OUTPUT_MAX];
	size_t		out_length;
	char		err[ERRORS_MAX];
	size_t		err_length;
	int		status;		/* exit status, or -1 */
	uint64_t	elapsed_usec;
};

/* What a run's stdout said, task by task (tasks count from 1). */
struct client_report {
	size_t		progress_bytes[TASKS_MAX + 1];
	unsigned int	progress_lines[TASKS_MAX + 1];
	unsigned int	finished_lines[TASKS_MAX + 1];
	long		summary_bytes[TASKS_MAX + 1];	/* -1: none */
	char		summary_rest[TASKS_MAX + 1][128];
	unsigned int	poems;				/* from "Got" */
	int		got_line;
};

struct client_fixture {
	const char		*backend;	/* the client's -b */
	struct daemon_process	 servers[SERVERS];
	struct client_run	 run;
	char			 folder[64];
};

static const char *const server_poems[SERVERS] = {
	"ecstasy.txt", "fascination.txt", "alla-sera.txt"
};
static const char *const server_pacing[SERVERS] = {
	"bytes=100,delay=0.01", "bytes=50,delay=0.01", "bytes=7,delay=0.005"
};

/* The get-poetry binary under test: $GET_POETRY, else ./get-poetry. */
static const char *
get_poetry_path(void)
{
	const char	*path = getenv("GET_POETRY");

	return path != NULL && path[0] != '\0' ? path : "./get-poetry";
}

/* The path of a bundled poem in the source tree. */
static const char *
poem_path(const char *name)
{
	static char	path[1024];

	(void)snprintf(path, sizeof(path), "%s/poetry/%s", test_srcdir(),
	    name);
	return path;
}

/* The size of the file at path; fails the test if it has none. */
static size_t
file_size(const char *path)
{
	struct stat	status;

	if (stat(path, &status) == -1)
		fail_msg("%s: %s", path, strerror(errno));
	return (size_t)status.st_size;
}

/* Whether the files at two paths hold the same bytes. */
static int
same_file(const char *one, const char *other)
{
	char	a[4096], b[4096];
	ssize_t	na, nb;
	int	fa, fb, same = 1;

	if ((fa = open(one, O_RDONLY)) == -1)
		return 0;
	if ((fb = open(other, O_RDONLY)) == -1) {
		(void)close(fa);
		return 0;
	}
	do {
		na = read(fa, a, sizeof(a));
		nb = read(fb, b, sizeof(b));
		if (na != nb || na < 0 || memcmp(a, b, (size_t)na) != 0)
			same = 0;
	} while (same && na > 0);
	(void)close(fa);
	(void)close(fb);
	return same;
}

/* Start a poetry server on 127.0.0.1 (or ::1) for poem at pacing. */
static void
start_server(struct daemon_process *server, const char *address,
    const char *poem, const char *pacing)
{
	char		 listen[1400];
	const char	*arguments[] = { "-d", "-w", "1", "-l", listen, NULL };

	(void)snprintf(listen, sizeof(listen), "poetry@%s:0,file=%s,%s",
	    address, poem_path(poem), pacing);
	harness_must_start(server, arguments, 1);
}

/* Append what fd has to buffer; 0, or -1 at EOF. */
static int
collect(int fd, char *buffer, size_t *length, size_t size)
{
	char	discard[4096];
	ssize_t	count;

	if (*length + 1 < size)
		count = read(fd, buffer + *length, size - 1 - *length);
	else
		count = read(fd, discard, sizeof(discard));
	if (count <= 0)
		return count == -1 && errno == EINTR ? 0 : -1;
	if (*length + 1 < size) {
		*length += (size_t)count;
		buffer[*length] = '\0';
	}
	return 0;
}

/* Read stdout and stderr of the child until both end or time runs out. */
static void
collect_output(struct client_run *run, int out_fd, int err_fd,
    uint64_t deadline)
{
	struct pollfd	pfds[2] = { { out_fd, POLLIN, 0 },
			    { err_fd, POLLIN, 0 } };
	uint64_t	now;

	while ((pfds[0].fd != -1 || pfds[1].fd != -1) &&
	    (now = monotonic_usec()) < deadline) {
		if (poll(pfds, 2, (int)((deadline - now) / 1000 + 1)) <= 0)
			continue;
		if (pfds[0].revents != 0 && collect(out_fd, run->out,
		    &run->out_length, sizeof(run->out)) == -1)
			pfds[0].fd = -1;
		if (pfds[1].revents != 0 && collect(err_fd, run->err,
		    &run->err_length, sizeof(run->err)) == -1)
			pfds[1].fd = -1;
	}
}

/* Run get-poetry with arguments (NULL-terminated) within timeout_ms. */
static void
run_client(struct client_run *run, const char *const *arguments,
    int timeout_ms)
{
	const char	*argv[32];
	uint64_t	 started = monotonic_usec();
	int		 out[2], err[2], status;
	pid_t		 pid;
	size_t		 i;

	memset(run, 0, sizeof(*run));
	argv[0] = get_poetry_path();
	for (i = 0; arguments[i] != NULL && i < 30; i++)
		argv[i + 1] = arguments[i];
	argv[i + 1] = NULL;
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	assert_true((pid = fork()) != -1);
	if (pid == 0) {
		(void)dup2(out[1], STDOUT_FILENO);
		(void)dup2(err[1], STDERR_FILENO);
		(void)close(out[0]);
		(void)close(err[0]);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	(void)close(out[1]);
	(void)close(err[1]);
	collect_output(run, out[0], err[0], started +
	    (uint64_t)timeout_ms * 1000);
	(void)close(out[0]);
	(void)close(err[0]);
	/* Its pipes close as it exits, a moment before it can be reaped. */
	while (waitpid(pid, &status, WNOHANG) != pid) {
		if (monotonic_usec() - started >= (uint64_t)timeout_ms * 1000) {
			(void)kill(pid, SIGKILL);
			(void)waitpid(pid, &status, 0);
			run->status = -1;
			run->elapsed_usec = monotonic_usec() - started;
			return;
		}
		(void)poll(NULL, 0, 1);
	}
	run->status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	run->elapsed_usec = monotonic_usec() - started;
}

/* Whether text is exactly H:MM:SS.ffffff. */
static int
is_elapsed_time(const char *text)
{
	const char	*pattern = "0:00:00.000000";
	size_t		 i;

	while (isdigit((unsigned char)text[0]) &&
	    isdigit((unsigned char)text[1]))
		text++;
	if (strlen(text) != strlen(pattern))
		return 0;
	for (i = 0; pattern[i] != '\0'; i++)
		if (pattern[i] == '0' ? !isdigit((unsigned char)text[i]) :
		    text[i] != pattern[i])
			return 0;
	return text[2] < '6' && text[5] < '6';
}

/* Take one progress line; the server's name must be expected. */
static void
take_progress(struct client_report *report, unsigned int task, size_t bytes,
    const char *from, const char *const *names)
{
	if (task < 1 || task > TASKS_MAX || names[task - 1] == NULL)
		fail_msg("progress of unknown task %u", task);
	if (strcmp(from, names[task - 1]) != 0)
		fail_msg("task %u: from %s, not %s", task, from,
		    names[task - 1]);
	if (report->finished_lines[task] != 0 ||
	    report->summary_bytes[1] != -1)
		fail_msg("task %u: progress after its end", task);
	if (bytes == 0)
		fail_msg("task %u: a read of 0 bytes", task);
	report->progress_bytes[task] += bytes;
	report->progress_lines[task]++;
}

/* Take one line of stdout into report; fails on a line out of format. */
static void
take_line(struct client_report *report, const char *line,
    const char *const *names)
{
	unsigned int	task;
	size_t		bytes;
	char		from[128];
	int		end = -1;

	if (sscanf(line, "Task %u: got %zu bytes of poetry from %127s%n",
	    &task, &bytes, from, &end) == 3 && end > 0 && line[end] == '\0') {
		take_progress(report, task, bytes, from, names);
		return;
	}
	end = -1;
	if (sscanf(line, "Task %u finished%n", &task, &end) == 1 &&
	    end > 0 && line[end] == '\0' && task >= 1 && task <= TASKS_MAX) {
		report->finished_lines[task]++;
		return;
	}
	end = -1;
	if (sscanf(line, "Task %u: %zu bytes of poetry%n", &task, &bytes,
	    &end) == 2 && end > 0 && task >= 1 && task <= TASKS_MAX &&
	    report->summary_bytes[task] == -1 && !report->got_line) {
		report->summary_bytes[task] = (long)bytes;
		(void)snprintf(report->summary_rest[task],
		    sizeof(report->summary_rest[task]), "%s", line + end);
		return;
	}
	end = -1;
	if (sscanf(line, "Got %u poems in %n", &report->poems, &end) == 1 &&
	    end > 0 && is_elapsed_time(line + end) && !report->got_line) {
		report->got_line = 1;
		return;
	}
	fail_msg("unexpected line '%s'", line);
}

/* Check every line of a run's stdout and sum it up in report. */
static void
parse_report(struct client_run *run, struct client_report *report,
    const char *const *names)
{
	char	*line, *next;
	size_t	 i;

	memset(report, 0, sizeof(*report));
	for (i = 0; i <= TASKS_MAX; i++)
		report->summary_bytes[i] = -1;
	for (line = run->out; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL)
			fail_msg("unterminated last line '%s'", line);
		*next++ = '\0';
		if (report->got_line)
			fail_msg("'%s' after the Got line", line);
		take_line(report, line, names);
	}
	if (!report->got_line)
		fail_msg("no Got line in:\n%s", run->out);
}

/* "127.0.0.1:PORT" for a server. */
static const char *
server_name(char *name, size_t size, const struct daemon_process *server)
{
	(void)snprintf(name, size, "127.0.0.1:%d", server->ports[0]);
	return name;
}

/*
 * Three servers at once, given as PORT, HOST:PORT and PORT: the spec's
 * format line by line, exit 0, and -o files identical to the poems.
 */
static void
test_three_servers(void **state)
{
	struct client_fixture	*fixture = *state;
	struct client_report	 report;
	char			 names[SERVERS][32], ports[SERVERS][32];
	char			 saved[256];
	const char		*expected[TASKS_MAX] = { NULL };
	const char		*arguments[] = { "-b", fixture->backend, "-o",
				    fixture->folder, ports[0], names[1],
				    ports[2], NULL };
	size_t			 i;

	for (i = 0; i < SERVERS; i++) {
		start_server(&fixture->servers[i], "127.0.0.1",
		    server_poems[i], server_pacing[i]);
		expected[i] = server_name(names[i], sizeof(names[i]),
		    &fixture->servers[i]);
		(void)snprintf(ports[i], sizeof(ports[i]), "%d",
		    fixture->servers[i].ports[0]);
	}
	run_client(&fixture->run, arguments, 60000);
	if (fixture->run.status != 0 || fixture->run.err_length != 0)
		fail_msg("exit %d, stderr:\n%s", fixture->run.status,
		    fixture->run.err);
	parse_report(&fixture->run, &report, expected);
	assert_int_equal(report.poems, SERVERS);
	for (i = 1; i <= SERVERS; i++) {
		assert_int_equal(report.progress_bytes[i],
		    file_size(poem_path(server_poems[i - 1])));
		assert_int_equal(report.summary_bytes[i],
		    (long)report.progress_bytes[i]);
		assert_string_equal(report.summary_rest[i], "");
		assert_int_equal(report.finished_lines[i], 1);
		assert_true(report.progress_lines[i] >= 2);
		(void)snprintf(saved, sizeof(saved), "%s/127.0.0.1-%s.txt",
		    fixture->folder, ports[i - 1]);
		if (!same_file(saved, poem_path(server_poems[i - 1])))
			fail_msg("%s differs from %s", saved,
			    poem_path(server_poems[i - 1]));
		(void)unlink(saved);
	}
	for (i = 0; i < SERVERS; i++)
		harness_must_stop(&fixture->servers[i], 5000);
}

/* -q: the per-task totals and the Got line only. */
static void
test_quiet(void **state)
{
	struct client_fixture	*fixture = *state;
	struct client_report	 report;
	char			 port[32], name[32];
	const char		*expected[TASKS_MAX] = { name };
	const char		*arguments[] = { "-q", port, NULL };

	start_server(&fixture->servers[0], "127.0.0.1", "science.txt",
	    "bytes=100,delay=0.01");
	(void)server_name(name, sizeof(name), &fixture->servers[0]);
	(void)snprintf(port, sizeof(port), "%d", fixture->servers[0].ports[0]);
	run_client(&fixture->run, arguments, 30000);
	assert_int_equal(fixture->run.status, 0);
	parse_report(&fixture->run, &report, expected);
	assert_int_equal(report.progress_lines[1], 0);
	assert_int_equal(report.finished_lines[1], 0);
	assert_int_equal(report.summary_bytes[1],
	    (long)file_size(poem_path("science.txt")));
	assert_int_equal(report.poems, 1);
	harness_must_stop(&fixture->servers[0], 5000);
}

/* A port on 127.0.0.1 that refuses connections while fd stays open. */
static int
refusing_port(int *fd)
{
	struct sockaddr_in	address;
	socklen_t		length = sizeof(address);

	memset(&address, 0, sizeof(address));
	address.sin_family = AF_INET;
	address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((*fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	/* Bound but not listening: connections to it are refused. */
	assert_int_equal(bind(*fd, (struct sockaddr *)&address,
	    sizeof(address)), 0);
	assert_int_equal(getsockname(*fd, (struct sockaddr *)&address,
	    &length), 0);
	return ntohs(address.sin_port);
}

/* A refused server fails its task only: exit 1, and stderr says why. */
static void
test_refused(void **state)
{
	struct client_fixture	*fixture = *state;
	struct client_report	 report;
	char			 good[32], bad[32], refused[64], saved[256];
	const char		*expected[TASKS_MAX] = { good, bad };
	const char		*arguments[] = { "-o", fixture->folder, good,
				    bad, NULL };
	int			 fd, bad_port;

	start_server(&fixture->servers[0], "127.0.0.1", "science.txt",
	    "delay=0");
	(void)server_name(good, sizeof(good), &fixture->servers[0]);
	bad_port = refusing_port(&fd);
	(void)snprintf(bad, sizeof(bad), "127.0.0.1:%d", bad_port);
	run_client(&fixture->run, arguments, 30000);
	(void)close(fd);
	assert_int_equal(fixture->run.status, 1);
	(void)snprintf(refused, sizeof(refused), "Task 2 failed: %s: ", bad);
	if (strstr(fixture->run.err, refused) == NULL ||
	    strstr(fixture->run.err, "refused") == NULL)
		fail_msg("stderr:\n%s", fixture->run.err);
	parse_report(&fixture->run, &report, expected);
	assert_int_equal(report.summary_bytes[1],
	    (long)file_size(poem_path("science.txt")));
	assert_int_equal(report.summary_bytes[2], 0);
	assert_string_equal(report.summary_rest[2],
	    " (failed: connection refused)");
	assert_int_equal(report.poems, 1);
	/* Only complete poems are saved. */
	(void)snprintf(saved, sizeof(saved), "%s/127.0.0.1-%d.txt",
	    fixture->folder, bad_port);
	assert_int_equal(access(saved, F_OK), -1);
	(void)snprintf(saved, sizeof(saved), "%s/127.0.0.1-%d.txt",
	    fixture->folder, fixture->servers[0].ports[0]);
	assert_true(same_file(saved, poem_path("science.txt")));
	(void)unlink(saved);
	harness_must_stop(&fixture->servers[0], 5000);
}

/* -t ends a run that would take minutes: exit 1, "timed out". */
static void
test_time_limit(void **state)
{
	struct client_fixture	*fixture = *state;
	struct client_report	 report;
	char			 name[32], expected_error[64];
	const char		*expected[TASKS_MAX] = { name };
	const char		*arguments[] = { "-t", "0.5", name, NULL };

	start_server(&fixture->servers[0], "127.0.0.1", "ecstasy.txt",
	    "bytes=10,delay=10");
	(void)server_name(name, sizeof(name), &fixture->servers[0]);
	run_client(&fixture->run, arguments, 30000);
	assert_int_equal(fixture->run.status, 1);
	assert_true(fixture->run.elapsed_usec >= 400000);
	assert_true(fixture->run.elapsed_usec < 8000000);
	(void)snprintf(expected_error, sizeof(expected_error),
	    "Task 1 failed: %s: timed out", name);
	if (strstr(fixture->run.err, expected_error) == NULL)
		fail_msg("stderr:\n%s", fixture->run.err);
	parse_report(&fixture->run, &report, expected);
	assert_int_equal(report.summary_bytes[1], 10);
	assert_string_equal(report.summary_rest[1], " (failed: timed out)");
	assert_int_equal(report.poems, 0);
	harness_must_stop(&fixture->servers[0], 5000);
}

/* An IPv6 server, written [::1]:PORT. */
static void
test_ipv6(void **state)
{
	struct client_fixture	*fixture = *state;
	struct client_report	 report;
	char			 name[32], saved[256];
	const char		*expected[TASKS_MAX] = { name };
	const char		*arguments[] = { "-o", fixture->folder, name,
				    NULL };

	start_server(&fixture->servers[0], "[::1]", "alla-sera.txt",
	    "bytes=64,delay=0.005");
	(void)snprintf(name, sizeof(name), "[::1]:%d",
	    fixture->servers[0].ports[0]);
	run_client(&fixture->run, arguments, 30000);
	assert_int_equal(fixture->run.status, 0);
	parse_report(&fixture->run, &report, expected);
	assert_int_equal(report.summary_bytes[1],
	    (long)file_size(poem_path("alla-sera.txt")));
	(void)snprintf(saved, sizeof(saved), "%s/::1-%d.txt", fixture->folder,
	    fixture->servers[0].ports[0]);
	assert_true(same_file(saved, poem_path("alla-sera.txt")));
	(void)unlink(saved);
	harness_must_stop(&fixture->servers[0], 5000);
}

/* Run get-poetry with one bad command line: exit 2 and the usage. */
static void
expect_usage_error(const char *const *arguments)
{
	struct client_run	*run;

	run = malloc(sizeof(*run));
	assert_non_null(run);
	run_client(run, arguments, 10000);
	if (run->status != 2 || strstr(run->err, "usage: get-poetry") ==
	    NULL || run->out_length != 0)
		fail_msg("'%s ...': exit %d, stderr:\n%s", arguments[0] !=
		    NULL ? arguments[0] : "", run->status, run->err);
	free(run);
}

/* Usage errors: exit 2 and the usage line on stderr, nothing on stdout. */
static void
test_usage_errors(void **state)
{
	const char	*none[] = { NULL };
	const char	*flag[] = { "-Z", "10000", NULL };
	const char	*soon[] = { "-t", "soon", "10000", NULL };
	const char	*zero[] = { "-t", "0", "10000", NULL };
	const char	*port[] = { "99999", NULL };
	const char	*name[] = { "localhost:10000", NULL };
	const char	*bare[] = { "::1:10000", NULL };
	const char	*junk[] = { "10000x", NULL };
	const char	*backend[] = { "-b", "nosuch", "10000", NULL };

	(void)state;
	expect_usage_error(none);
	expect_usage_error(flag);
	expect_usage_error(soon);
	expect_usage_error(zero);
	expect_usage_error(port);
	expect_usage_error(name);
	expect_usage_error(bare);
	expect_usage_error(junk);
	expect_usage_error(backend);
}

/* Create the fixture for one case, whose backend the client uses. */
static int
setup(void **state)
{
	const struct backend_run	*run = *state;
	struct client_fixture		*fixture;
	size_t				 i;

	if ((fixture = calloc(1, sizeof(*fixture))) == NULL)
		return -1;
	fixture->backend = backend_ops_name(run->ops);
	for (i = 0; i < SERVERS; i++)
		fixture->servers[i].pid = -1;
	(void)snprintf(fixture->folder, sizeof(fixture->folder),
	    "/tmp/get_poetry_test.XXXXXX");
	if (mkdtemp(fixture->folder) == NULL) {
		free(fixture);
		return -1;
	}
	*state = fixture;
	return 0;
}

/* Kill servers a failed case left running; remove the folder. */
static int
teardown(void **state)
{
	struct client_fixture	*fixture = *state;
	size_t			 i;

	for (i = 0; i < SERVERS; i++)
		harness_stop_leftover(&fixture->servers[i]);
	if (rmdir(fixture->folder) == -1)
		(void)fprintf(stderr, "# %s left behind: %s\n",
		    fixture->folder, strerror(errno));
	free(fixture);
	return 0;
}

/* Leave out the IPv6 case on a host without ::1. */
static const char *
case_unmet(const struct backend_case *client_case,
    const struct backend_ops *backend)
{
	(void)backend;
	if (client_case->function != test_ipv6 ||
	    harness_have_ipv6_loopback())
		return NULL;
	return "no ::1 on this host";
}

/* The cases that run on every backend, and those on the first only. */
static const struct backend_case	every_backend_cases[] = {
	{ "three servers", test_three_servers },
};
static const struct backend_case	first_backend_cases[] = {
	{ "-q", test_quiet },
	{ "refused port", test_refused },
	{ "-t expires", test_time_limit },
	{ "IPv6 server", test_ipv6 },
	{ "usage errors", test_usage_errors },
};

int
main(void)
{
	const struct backend_ops	*first[] = { dispatcher_backends()[0],
					    NULL };
	struct backend_case_list	 list;

	(void)signal(SIGPIPE, SIG_IGN);
	backend_cases_init(&list, setup, teardown);
	backend_cases_add_all(&list, dispatcher_backends(),
	    every_backend_cases, 1, NULL);
	backend_cases_add_all(&list, first, first_backend_cases,
	    sizeof(first_backend_cases) / sizeof(first_backend_cases[0]),
	    case_unmet);
	return backend_cases_run(&list, "get-poetry");
}
