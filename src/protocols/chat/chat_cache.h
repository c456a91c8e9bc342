/*
 * chat_cache.h: the newest chat messages, shared by every worker.
 *
 * The master maps the cache before it forks, anonymously or, with a cache
 * file, as a shared mapping of that file so the messages outlive the
 * daemon.  Writers take a lock that is one word holding the owner's pid
 * (nginx's idea: no process-shared pthread mutex, which OpenBSD and NetBSD
 * lack).  A process that dies holding it, even halfway through writing a
 * message, cannot wedge the others: a waiter that finds the owner gone,
 * or the master when it reaps the owner, takes the lock over and repairs
 * the cache first.  Each slot says whether it is being written and carries
 * a checksum, so a half-written message is never read.
 */
#ifndef PFORKD_CHAT_CACHE_H
#define PFORKD_CHAT_CACHE_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#define CHAT_ID_SIZE		40	/* "<12 hex digits>-<sequence>" + NUL */

/*
 * With stream ids (chat over a Redis stream) a message's sequence number
 * is its stream id "MS-SEQ" packed as MS << 20 | SEQ, which keeps their
 * order, and its id is the stream id itself, written back from it.
 */
#define CHAT_STREAM_SEQ_BITS	20
#define CHAT_STREAM_MS_MAX	((UINT64_C(1) << 43) - 1)
#define CHAT_CACHE_VERSION	1

struct chat_cache;

struct chat_cache_settings {
	unsigned int	 capacity;	/* messages kept */
	size_t		 message_max;	/* bytes per message body */
	const char	*path;		/* NULL: anonymous, lost at exit */
	int		 stream_ids;	/* ids are a Redis stream's */
};

/* One message of a snapshot: points into the snapshot's storage. */
struct chat_cached_message {
	uint64_t	 sequence;
	char		 id[CHAT_ID_SIZE];
	const char	*body;
	size_t		 length;
};

/* A private copy of the cache, oldest message first. */
struct chat_snapshot {
	struct chat_cached_message	*messages;
	size_t				 count;
	char				*storage;
	uint64_t			 newest;	/* 0: empty */
};

struct chat_cache *chat_cache_open(const struct chat_cache_settings *,
	    char *error, size_t error_size);
void	 chat_cache_close(struct chat_cache *);
int	 chat_cache_check_file(const struct chat_cache_settings *,
	    char *error, size_t error_size);
int	 chat_cache_matches(const struct chat_cache *,
	    const struct chat_cache_settings *);
int	 chat_cache_uses_path(const struct chat_cache *, const char *path);
int	 chat_cache_add(struct chat_cache *, const char *body, size_t length,
	    char id[CHAT_ID_SIZE]);
int	 chat_cache_add_sequence(struct chat_cache *, uint64_t sequence,
	    const char *body, size_t length);
void	 chat_cache_reset(struct chat_cache *);
int	 chat_stream_id_parse(const char *text, uint64_t *sequence);
void	 chat_stream_id_format(uint64_t sequence, char id[CHAT_ID_SIZE]);
uint64_t chat_cache_newest(const struct chat_cache *);
int	 chat_cache_snapshot(struct chat_cache *, struct chat_snapshot *);
void	 chat_snapshot_free(struct chat_snapshot *);
void	 chat_cache_owner_died(struct chat_cache *, pid_t);

#ifdef CHAT_CACHE_TEST_HOOKS
/* Tests only: SIGKILL the adding process at this step (1-5), 0 never. */
extern int chat_cache_crash_step;
#endif

#endif /* PFORKD_CHAT_CACHE_H */
