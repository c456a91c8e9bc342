/*
 * poetry.c: the slow poetry protocol: one poem, a few bytes at a time.
 *
 * The poem is read once per configuration by prepare(), in the master
 * before the workers fork, so every worker serves the same bytes from
 * memory shared copy-on-write.  A connection's own state is an offset, the
 * end of the chunk it may send by now, and a repeating timer: the first
 * chunk goes out at once, one more every `delay', and the connection
 * closes after the last.  A chunk the kernel did not take whole waits for
 * writability, and ticks that come meanwhile are let pass instead of
 * piling chunks up, so pforkd is never more than one chunk ahead of what
 * the kernel accepted.  With delay 0 the whole poem is one chunk, sent as
 * fast as the socket takes it.
 *
 * Input is read and dropped.  The fd is watched for reading all the time,
 * so EOF or a reset ends the connection at once, even while it waits for
 * its next chunk.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat/compat.h"
#include "connection/connection.h"
#include "connection/protocol.h"
#include "connection/service.h"
#include "event/dispatcher.h"
#include "protocols/protocol_table.h"
#include "util/array.h"
#include "util/option_table.h"
#include "util/path.h"

#define POETRY_DEFAULT_BYTES		10
#define POETRY_BYTES_MAX		65536
#define POETRY_DEFAULT_DELAY_USEC	700000
#define POETRY_DELAY_MAX		3600		/* seconds */
#define POETRY_FILE_MAX			(16 * 1024 * 1024)
#define POETRY_PATH_MAX			1024
#define POETRY_READ_CHUNK		4096
#define POETRY_DRAIN_ROUNDS		16

/* A poetry service's options and its poem: service->protocol_data. */
struct poetry_options {
	char		 file[POETRY_PATH_MAX];	/* as configured */
	unsigned int	 bytes;		/* per chunk */
	uint64_t	 delay_usec;	/* between chunks; 0 = all at once */
	char		*poem;		/* the file's bytes, once prepared */
	size_t		 poem_length;
};

/* One connection's whole state. */
struct poetry_state {
	struct timer	timer;		/* the next chunk is due */
	size_t		offset;		/* bytes the kernel has taken */
	size_t		chunk_end;	/* bytes that may be sent by now */
};

/*
 * Where a relative file= is looked for after the directory pforkd started
 * in: the installed poems, then the folder poetry under the start
 * directory, relative like the file itself.  The last one lets a pforkd
 * that was built but not installed, started from its source tree
 * (./pforkd -d), serve the bundled poems its defaults name, without
 * compiling the build tree's path into the program: an installed pforkd
 * started anywhere else never looks there.
 */
static const char *const poetry_folders[] = {
#ifdef POETRY_DIR
	POETRY_DIR,
#endif
	"poetry",
	NULL
};

static char	poetry_input[POETRY_READ_CHUNK];

#define POETRY(member)	OPTION_FIELD(struct poetry_options, member)

/* poetry's keywords: the poem, and how fast it goes out. */
static const struct option_keyword poetry_keywords[] = {
	{ .name = "file", .type = OPTION_TEXT, POETRY(file), .low = 1 },
	{ .name = "bytes", .type = OPTION_COUNT, POETRY(bytes), .low = 1,
	    .high = POETRY_BYTES_MAX, .initial = POETRY_DEFAULT_BYTES },
	{ .name = "delay", .type = OPTION_SECONDS, POETRY(delay_usec),
	    .high = POETRY_DELAY_MAX, .initial = POETRY_DEFAULT_DELAY_USEC },
	{ .name = NULL }
};

/* Its options are service->protocol_data, a struct poetry_options. */
static const struct option_table poetry_option_table = {
	.keywords = poetry_keywords,
	.base_size = sizeof(struct poetry_options),
};

/*
 * Open path for reading if it exists; the fd, or -1 with errno.  A FIFO
 * would block open(2) until a writer came: O_NONBLOCK prevents that, and
 * it changes nothing for a regular file, the only kind accepted later.
 */
static int
poetry_open_file(const char *path)
{
	return open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
}

/* Append text to the message in error, as far as it fits. */
static void
append_message(char *error, size_t error_size, const char *text)
{
	size_t	used = strlen(error);

	(void)snprintf(error + used, error_size - used, "%s", text);
}

/*
 * Write into path (path_size bytes) the name of file in folder, a relative
 * folder taken from the start directory; 0, or -1 when it does not fit.
 */
static int
poetry_folder_path(const char *folder, const char *file, char *path,
    size_t path_size)
{
	char	joined[2 * POETRY_PATH_MAX];
	int	length;

	if (file == NULL)
		length = snprintf(joined, sizeof(joined), "%s", folder);
	else
		length = snprintf(joined, sizeof(joined), "%s/%s", folder,
		    file);
	if (length < 0 || (size_t)length >= sizeof(joined))
		return -1;
	return path_resolve(joined, path, path_size);
}

/* Write "not found" and the places looked in into error. */
static void
poetry_not_found(const char *file, char *error, size_t error_size)
{
	char	folder[POETRY_PATH_MAX];
	size_t	i;

	(void)snprintf(error, error_size, "file: '%s' not found", file);
	if (file[0] == '/')
		return;
	append_message(error, error_size, " (looked in ");
	append_message(error, error_size, path_start_directory()[0] != '\0' ?
	    path_start_directory() : "the current directory");
	for (i = 0; poetry_folders[i] != NULL; i++) {
		if (poetry_folder_path(poetry_folders[i], NULL, folder,
		    sizeof(folder)) == -1)
			continue;
		append_message(error, error_size, ", ");
		append_message(error, error_size, folder);
	}
	append_message(error, error_size, ")");
}

/*
 * Open the poem: file as given, then a relative one in each folder of
 * poetry_folders.  The fd with its path in path, or -1 with a message.
 */
static int
poetry_find(const char *file, char *path, size_t path_size, char *error,
    size_t error_size)
{
	size_t	i;
	int	fd;

	/* Relative: the directory pforkd started in, not / once detached. */
	if (path_resolve(file, path, path_size) == -1)
		(void)strlcpy(path, file, path_size);
	fd = poetry_open_file(path);
	for (i = 0; fd == -1 && errno == ENOENT && file[0] != '/' &&
	    poetry_folders[i] != NULL; i++) {
		/* A name too long for a folder is not in it. */
		if (poetry_folder_path(poetry_folders[i], file, path,
		    path_size) == -1) {
			errno = ENOENT;
			continue;
		}
		fd = poetry_open_file(path);
	}
	if (fd != -1)
		return fd;
	if (errno == ENOENT)
		poetry_not_found(file, error, error_size);
	else
		(void)snprintf(error, error_size, "file: cannot open '%s': %s",
		    path, strerror(errno));
	return -1;
}

/* Read all of fd into a new buffer; 0, or -1 with a message. */
static int
poetry_read(int fd, const char *path, char **poem, size_t *length,
    char *error, size_t error_size)
{
	struct stat	 status;
	char		*buffer = NULL, *bigger;
	size_t		 used = 0, capacity = 0;
	ssize_t		 count;

	if (fstat(fd, &status) == -1)
		goto failed;
	if (!S_ISREG(status.st_mode)) {
		(void)snprintf(error, error_size, "file: cannot read '%s': "
		    "not a regular file", path);
		return -1;
	}
	for (;;) {
		if (used == capacity) {
			/* Room for one byte too many tells a file too large. */
			if (capacity == POETRY_FILE_MAX + 1) {
				(void)snprintf(error, error_size, "file: '%s' "
				    "is larger than %d bytes", path,
				    POETRY_FILE_MAX);
				free(buffer);
				return -1;
			}
			if ((bigger = array_grow(buffer, &capacity, used + 1, 1,
			    POETRY_READ_CHUNK, POETRY_FILE_MAX + 1)) == NULL)
				goto failed;
			buffer = bigger;
		}
		count = read(fd, buffer + used, capacity - used);
		if (count == -1 && errno == EINTR)
			continue;
		if (count == -1)
			goto failed;
		if (count == 0)
			break;
		used += (size_t)count;
	}
	if (used == 0) {
		(void)snprintf(error, error_size, "file: '%s' is empty", path);
		free(buffer);
		return -1;
	}
	*poem = buffer;
	*length = used;
	return 0;
failed:
	(void)snprintf(error, error_size, "file: cannot read '%s': %s", path,
	    strerror(errno));
	free(buffer);
	return -1;
}

/* Check the options and read the poem once; 0, or -1 with a message. */
static int
poetry_prepare(struct service *service, char *error, size_t error_size)
{
	struct poetry_options	*options = service->protocol_data;
	char			 path[POETRY_PATH_MAX];
	char			*poem;
	size_t			 length;
	int			 fd, result;

	if (options->file[0] == '\0') {
		(void)snprintf(error, error_size, "the poetry protocol needs "
		    "the file option, the poem to serve");
		return -1;
	}
	if ((fd = poetry_find(options->file, path, sizeof(path), error,
	    error_size)) == -1)
		return -1;
	result = poetry_read(fd, path, &poem, &length, error, error_size);
	(void)close(fd);
	if (result == -1)
		return -1;
	free(options->poem);
	options->poem = poem;
	options->poem_length = length;
	return 0;
}

/* Free the poem. */
static void
poetry_discard(struct service *service)
{
	struct poetry_options	*options = service->protocol_data;

	if (options == NULL)
		return;
	free(options->poem);
	options->poem = NULL;
}

/* The options of the connection's service. */
static const struct poetry_options *
connection_options(const struct connection *connection)
{
	return connection->service->protocol_data;
}

/* Where the chunk that starts at offset ends. */
static size_t
poetry_chunk_end(const struct poetry_options *options, size_t offset)
{
	if (options->delay_usec == 0 ||
	    options->poem_length - offset <= options->bytes)
		return options->poem_length;
	return offset + options->bytes;
}

/* Read and drop input; NULL, or why the connection ends. */
static const char *
poetry_receive(struct connection *connection)
{
	ssize_t	received;

	received = connection_read(connection, poetry_input,
	    sizeof(poetry_input));
	if (received == 0)
		return "peer closed";
	if (received == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
		return strerror(errno);
	return NULL;
}

/*
 * The whole poem is out: close.  Input not read yet is drained first,
 * because closing a TCP socket with unread input makes the kernel send an
 * RST instead of a FIN, and on receiving it the peer's kernel may throw
 * away the end of the poem still in its receive buffer.
 */
static void
poetry_done(struct connection *connection)
{
	int	round = 0;

	while (round++ < POETRY_DRAIN_ROUNDS &&
	    connection_read(connection, poetry_input,
	    sizeof(poetry_input)) > 0)
		continue;
	connection_finish(connection, "poem sent");
}

/*
 * Send what is due and the kernel takes; watch for writability while some
 * of it waits.  0, or -1 with errno when the connection is broken.
 */
static int
poetry_send(struct connection *connection, struct poetry_state *state)
{
	const struct poetry_options	*options;
	ssize_t				 sent;
	int				 events = EVENT_READ;

	options = connection_options(connection);
	if (state->offset < state->chunk_end) {
		sent = connection_write(connection,
		    options->poem + state->offset,
		    state->chunk_end - state->offset);
		if (sent == -1 && errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (sent > 0)
			state->offset += (size_t)sent;
	}
	if (state->offset < state->chunk_end)
		events |= EVENT_WRITE;
	if (dispatcher_events(connection->dispatcher, connection->fd) ==
	    events)
		return 0;
	return dispatcher_set_events(connection->dispatcher, connection->fd,
	    events);
}

/* Send what is due; close after the last byte or on an error. */
static void
poetry_progress(struct connection *connection, struct poetry_state *state)
{
	if (poetry_send(connection, state) == -1)
		connection_finish(connection, strerror(errno));
	else if (state->offset == connection_options(connection)->poem_length)
		poetry_done(connection);
}

/* The connection is readable and/or writable. */
static void
poetry_ready(struct dispatcher *d, int fd, int events, void *arg)
{
	struct connection	*connection = arg;
	const char		*ending;

	(void)d;
	(void)fd;
	if ((events & EVENT_READ) &&
	    (ending = poetry_receive(connection)) != NULL) {
		connection_finish(connection, ending);
		return;
	}
	if (events & EVENT_WRITE)
		poetry_progress(connection, connection->protocol_state);
}

/* The next chunk is due, unless the last one still waits for the kernel. */
static void
poetry_tick(struct dispatcher *d, struct timer *timer, void *arg)
{
	struct connection	*connection = arg;
	struct poetry_state	*state = connection->protocol_state;
	size_t			 length;

	if (state->offset < state->chunk_end)
		return;
	length = connection_options(connection)->poem_length;
	state->chunk_end = poetry_chunk_end(connection_options(connection),
	    state->offset);
	if (state->chunk_end == length)
		dispatcher_timer_stop(d, timer);
	poetry_progress(connection, state);
}

/* Start a poem: the first chunk as soon as the socket is writable. */
static int
poetry_open(struct connection *connection)
{
	const struct poetry_options	*options;
	struct poetry_state		*state;

	options = connection_options(connection);
	if (options == NULL || options->poem == NULL) {
		errno = EINVAL;		/* prepare() was never called */
		return -1;
	}
	if ((state = calloc(1, sizeof(*state))) == NULL)
		return -1;
	connection->protocol_state = state;
	timer_init(&state->timer, poetry_tick, connection);
	state->chunk_end = poetry_chunk_end(options, 0);
	if (state->chunk_end < options->poem_length &&
	    dispatcher_timer_start(connection->dispatcher, &state->timer,
	    options->delay_usec, options->delay_usec) == -1)
		return -1;
	return dispatcher_watch(connection->dispatcher, connection->fd,
	    EVENT_READ | EVENT_WRITE, poetry_ready, connection);
}

/* Stop the timer and free the state of a finished connection. */
static void
poetry_release(struct connection *connection)
{
	struct poetry_state	*state = connection->protocol_state;

	if (state == NULL)
		return;
	dispatcher_timer_stop(connection->dispatcher, &state->timer);
	free(state);
	connection->protocol_state = NULL;
}

const struct protocol protocol_poetry = {
	.name = "poetry",
	.open = poetry_open,
	.release = poetry_release,
	.options = &poetry_option_table,
	.prepare = poetry_prepare,
	.discard = poetry_discard,
};
