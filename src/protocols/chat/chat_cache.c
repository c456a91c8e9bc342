/*
 * chat_cache.c: the shared ring of the newest chat messages.
 *
 * Layout (native byte order; a file from another architecture is refused):
 *   header   geometry and a random epoch (checksummed, written once), then
 *            the lock word, the newest sequence number and the next slot;
 *   slots    capacity slots of slot_size bytes, each a state word
 *            (empty, being written, ready), the sequence, the length, a
 *            checksum of those and of the body, then the body.
 * Adding a message: lock, mark the oldest slot "being written", fill it,
 * mark it ready, publish the new sequence, advance the head, unlock.  A
 * writer killed at any step leaves either an unpublished slot that
 * readers skip or a published one the repair finds; the repair runs under
 * the lock whenever the lock is taken over from a dead owner.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "compat/compat.h"
#include "protocols/chat/chat_cache.h"
#include "util/descriptor.h"
#include "util/random_bytes.h"

#define CACHE_MAGIC		"PFKDCHAT"
#define CACHE_BYTE_ORDER	0x01020304u
#define CACHE_HEADER_SIZE	128
#define LOCK_SPINS		64
#define LOCK_YIELDS		1024
#define LOCK_NAP_NSEC		(100 * 1000)

enum slot_state { SLOT_EMPTY = 0, SLOT_WRITING = 1, SLOT_READY = 2 };

struct cache_header {
	char		magic[8];
	uint32_t	byte_order;
	uint32_t	version;
	uint32_t	header_size;
	uint32_t	capacity;
	uint64_t	message_max;
	uint64_t	slot_size;
	uint64_t	total_size;
	uint64_t	epoch;		/* random: names this cache's ids */
	uint32_t	checksum;	/* of everything above */
	uint32_t	lock_owner;	/* pid holding the lock, 0 when free */
	uint64_t	newest;		/* sequence of the newest message */
	uint32_t	head;		/* the next slot to write: the oldest */
};

struct cache_slot {
	uint32_t	state;		/* enum slot_state */
	uint32_t	length;
	uint64_t	sequence;
	uint32_t	checksum;	/* of sequence, length and body */
	uint32_t	reserved;
	char		body[];
};

struct chat_cache {
	struct cache_header	*header;
	unsigned char		*slots;
	size_t			 mapping_size;
	int			 fd;		/* the lock; -1: anonymous */
	pid_t			 opener;	/* the process that opened it */
	unsigned int		 capacity;
	size_t			 message_max;
	size_t			 slot_size;
	char			*path;
	int			 stream_ids;
};

#ifdef CHAT_CACHE_TEST_HOOKS
int	chat_cache_crash_step;
#define CRASH_POINT(step) do {						\
	if (chat_cache_crash_step == (step))				\
		(void)kill(getpid(), SIGKILL);				\
} while (0)
#else
#define CRASH_POINT(step) do { } while (0)
#endif

/* FNV-1a over bytes, continuing from hash. */
static uint32_t
checksum_add(uint32_t hash, const void *bytes, size_t length)
{
	const unsigned char	*byte = bytes;

	while (length-- > 0) {
		hash ^= *byte++;
		hash *= 16777619u;
	}
	return hash;
}

/* The checksum of the header's fixed part. */
static uint32_t
header_checksum(const struct cache_header *header)
{
	return checksum_add(2166136261u, header,
	    offsetof(struct cache_header, checksum));
}

/* The checksum of a slot's contents. */
static uint32_t
slot_checksum(const struct cache_slot *slot, size_t length)
{
	uint32_t	hash = 2166136261u;

	hash = checksum_add(hash, &slot->sequence, sizeof(slot->sequence));
	hash = checksum_add(hash, &slot->length, sizeof(slot->length));
	return checksum_add(hash, slot->body, length);
}

/* The slot at index. */
static struct cache_slot *
slot_at(const struct chat_cache *cache, uint32_t index)
{
	return (struct cache_slot *)(void *)(cache->slots +
	    (size_t)index * cache->slot_size);
}

/* Whether a ready slot holds what its checksum says. */
static int
slot_is_sound(const struct chat_cache *cache, const struct cache_slot *slot)
{
	return slot->length <= cache->message_max && slot->sequence != 0 &&
	    slot->checksum == slot_checksum(slot, slot->length);
}

/* Whether the process holding the lock no longer exists. */
static int
owner_is_gone(uint32_t owner)
{
	if (owner == (uint32_t)getpid())
		return 1;	/* a dead process that had our pid */
	return kill((pid_t)owner, 0) == -1 && errno == ESRCH;
}

/*
 * Make the shared state consistent after a writer died: drop slots it left
 * half-written (or that fail their checksum), and point the newest
 * sequence and the head at the newest complete message.  Lock held.
 */
static void
cache_repair(struct chat_cache *cache)
{
	struct cache_header	*header = cache->header;
	struct cache_slot	*slot;
	uint64_t		 newest = 0;
	uint32_t		 index, newest_index = 0;

	for (index = 0; index < cache->capacity; index++) {
		slot = slot_at(cache, index);
		if (slot->state == SLOT_EMPTY)
			continue;
		if (slot->state != SLOT_READY || !slot_is_sound(cache, slot)) {
			__atomic_store_n(&slot->state, SLOT_EMPTY,
			    __ATOMIC_RELEASE);
			continue;
		}
		if (slot->sequence > newest) {
			newest = slot->sequence;
			newest_index = index;
		}
	}
	if (newest != 0)
		header->head = (newest_index + 1) % cache->capacity;
	if (newest > header->newest)
		__atomic_store_n(&header->newest, newest, __ATOMIC_RELEASE);
}

/*
 * Take the lock: spin briefly, then yield, then nap.  An owner that is
 * gone loses the lock to us, and we repair what it may have left.
 */
static void
cache_lock(struct chat_cache *cache)
{
	struct cache_header	*header = cache->header;
	struct timespec		 nap = { 0, LOCK_NAP_NSEC };
	uint32_t		 self = (uint32_t)getpid(), owner;
	unsigned int		 attempt;

	for (attempt = 0;; attempt++) {
		owner = 0;
		if (__atomic_compare_exchange_n(&header->lock_owner, &owner,
		    self, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return;
		if (attempt < LOCK_SPINS)
			continue;
		if (owner != 0 && owner_is_gone(owner) &&
		    __atomic_compare_exchange_n(&header->lock_owner, &owner,
		    self, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
			cache_repair(cache);
			return;
		}
		if (attempt < LOCK_SPINS + LOCK_YIELDS)
			(void)sched_yield();
		else
			(void)nanosleep(&nap, NULL);
	}
}

/* Release the lock. */
static void
cache_unlock(struct chat_cache *cache)
{
	__atomic_store_n(&cache->header->lock_owner, 0, __ATOMIC_RELEASE);
}

/* The master reaped pid: if it died holding the lock, take it and repair. */
void
chat_cache_owner_died(struct chat_cache *cache, pid_t pid)
{
	uint32_t	owner = (uint32_t)pid;

	if (__atomic_compare_exchange_n(&cache->header->lock_owner, &owner,
	    (uint32_t)getpid(), 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
		cache_repair(cache);
		cache_unlock(cache);
	}
}

/* Write a stream id "MS-SEQ" from its packed sequence number. */
void
chat_stream_id_format(uint64_t sequence, char id[CHAT_ID_SIZE])
{
	(void)snprintf(id, CHAT_ID_SIZE, "%" PRIu64 "-%" PRIu64,
	    sequence >> CHAT_STREAM_SEQ_BITS,
	    sequence & ((UINT64_C(1) << CHAT_STREAM_SEQ_BITS) - 1));
}

/* Parse decimal digits text[0..length) within max; 0 or -1. */
static int
parse_decimal(const char *text, size_t length, uint64_t max, uint64_t *value)
{
	size_t	i;

	*value = 0;
	if (length == 0 || length > 20 || (length > 1 && text[0] == '0'))
		return -1;
	for (i = 0; i < length; i++) {
		if (text[i] < '0' || text[i] > '9' ||
		    *value > (max - (uint64_t)(text[i] - '0')) / 10)
			return -1;
		*value = *value * 10 + (uint64_t)(text[i] - '0');
	}
	return 0;
}

/*
 * Pack a stream id "MS-SEQ" into a sequence number; 0, or -1 when it is
 * not one or does not fit (MS past the year 2248, SEQ of a million).
 */
int
chat_stream_id_parse(const char *text, uint64_t *sequence)
{
	const char	*dash = strchr(text, '-');
	uint64_t	 ms, seq;

	if (dash == NULL || parse_decimal(text, (size_t)(dash - text),
	    CHAT_STREAM_MS_MAX, &ms) == -1 || parse_decimal(dash + 1,
	    strlen(dash + 1), (UINT64_C(1) << CHAT_STREAM_SEQ_BITS) - 1,
	    &seq) == -1)
		return -1;
	*sequence = ms << CHAT_STREAM_SEQ_BITS | seq;
	return 0;
}

/* Write a message's id from its sequence number. */
static void
format_id(const struct chat_cache *cache, uint64_t sequence,
    char id[CHAT_ID_SIZE])
{
	if (cache->stream_ids) {
		chat_stream_id_format(sequence, id);
		return;
	}
	(void)snprintf(id, CHAT_ID_SIZE, "%012" PRIx64 "-%" PRIu64,
	    cache->header->epoch & UINT64_C(0xffffffffffff), sequence);
}

/*
 * Add a message as sequence (0: the next one), evicting the oldest when
 * full; 0 or -1 with errno (EINVAL: sequence is not past the newest).
 */
static int
cache_add(struct chat_cache *cache, uint64_t sequence, const char *body,
    size_t length)
{
	struct cache_header	*header = cache->header;
	struct cache_slot	*slot;
	uint32_t		 index;

	if (length > cache->message_max) {
		errno = EMSGSIZE;
		return -1;
	}
	cache_lock(cache);
	if (sequence == 0)
		sequence = header->newest + 1;
	else if (sequence <= header->newest) {
		cache_unlock(cache);
		errno = EINVAL;
		return -1;
	}
	index = header->head;
	slot = slot_at(cache, index);
	__atomic_store_n(&slot->state, SLOT_WRITING, __ATOMIC_RELEASE);
	CRASH_POINT(1);
	slot->sequence = sequence;
	slot->length = (uint32_t)length;
	memcpy(slot->body, body, length / 2);
	CRASH_POINT(2);
	memcpy(slot->body + length / 2, body + length / 2,
	    length - length / 2);
	slot->checksum = slot_checksum(slot, length);
	__atomic_store_n(&slot->state, SLOT_READY, __ATOMIC_RELEASE);
	CRASH_POINT(3);
	__atomic_store_n(&header->newest, sequence, __ATOMIC_RELEASE);
	CRASH_POINT(4);
	header->head = (index + 1) % cache->capacity;
	CRASH_POINT(5);
	cache_unlock(cache);
	return 0;
}

/* Add a message, evicting the oldest when full; 0 or -1 with errno. */
int
chat_cache_add(struct chat_cache *cache, const char *body, size_t length,
    char id[CHAT_ID_SIZE])
{
	if (cache_add(cache, 0, body, length) == -1)
		return -1;
	format_id(cache, chat_cache_newest(cache), id);
	return 0;
}

/*
 * Add a message whose sequence number comes from elsewhere (a stream id),
 * past the newest; 0 or -1 with errno.
 */
int
chat_cache_add_sequence(struct chat_cache *cache, uint64_t sequence,
    const char *body, size_t length)
{
	if (sequence == 0) {
		errno = EINVAL;
		return -1;
	}
	return cache_add(cache, sequence, body, length);
}

/*
 * Drop every message (the stream they came from is gone): the newest
 * sequence number becomes 0, so every view that had messages sees a
 * change, and the stream's messages can be added again from the oldest.
 */
void
chat_cache_reset(struct chat_cache *cache)
{
	uint32_t	index;

	cache_lock(cache);
	for (index = 0; index < cache->capacity; index++)
		__atomic_store_n(&slot_at(cache, index)->state, SLOT_EMPTY,
		    __ATOMIC_RELEASE);
	cache->header->head = 0;
	__atomic_store_n(&cache->header->newest, 0, __ATOMIC_RELEASE);
	cache_unlock(cache);
}

/* The sequence number of the newest message, read without the lock. */
uint64_t
chat_cache_newest(const struct chat_cache *cache)
{
	return __atomic_load_n(&cache->header->newest, __ATOMIC_ACQUIRE);
}

/* Bytes a snapshot needs for the bodies of the ready slots.  Lock held. */
static size_t
snapshot_storage_size(const struct chat_cache *cache)
{
	const struct cache_slot	*slot;
	size_t			 size = 1;
	uint32_t		 index;

	for (index = 0; index < cache->capacity; index++) {
		slot = slot_at(cache, index);
		if (slot->state == SLOT_READY && slot->length <=
		    cache->message_max)
			size += slot->length + 1;
	}
	return size;
}

/* Copy every message, oldest first, into a private snapshot; 0 or -1. */
int
chat_cache_snapshot(struct chat_cache *cache, struct chat_snapshot *snapshot)
{
	struct chat_cached_message	*message;
	struct cache_slot		*slot;
	size_t				 used = 0;
	uint32_t			 step, index;

	memset(snapshot, 0, sizeof(*snapshot));
	if ((snapshot->messages = calloc(cache->capacity,
	    sizeof(*message))) == NULL)
		return -1;
	cache_lock(cache);
	if ((snapshot->storage = malloc(snapshot_storage_size(cache))) ==
	    NULL) {
		cache_unlock(cache);
		chat_snapshot_free(snapshot);
		return -1;
	}
	for (step = 0; step < cache->capacity; step++) {
		index = (cache->header->head + step) % cache->capacity;
		slot = slot_at(cache, index);
		if (slot->state != SLOT_READY || !slot_is_sound(cache, slot))
			continue;
		message = &snapshot->messages[snapshot->count++];
		message->sequence = slot->sequence;
		message->length = slot->length;
		memcpy(snapshot->storage + used, slot->body, slot->length);
		snapshot->storage[used + slot->length] = '\0';
		message->body = snapshot->storage + used;
		used += slot->length + 1;
		format_id(cache, slot->sequence, message->id);
	}
	snapshot->newest = cache->header->newest;
	cache_unlock(cache);
	return 0;
}

/* Free a snapshot. */
void
chat_snapshot_free(struct chat_snapshot *snapshot)
{
	free(snapshot->messages);
	free(snapshot->storage);
	memset(snapshot, 0, sizeof(*snapshot));
}

/* Fill in the fixed part of a header for these settings. */
static void
header_describe(const struct chat_cache *cache, struct cache_header *header)
{
	memset(header, 0, sizeof(*header));
	memcpy(header->magic, CACHE_MAGIC, sizeof(header->magic));
	header->byte_order = CACHE_BYTE_ORDER;
	header->version = CHAT_CACHE_VERSION;
	header->header_size = CACHE_HEADER_SIZE;
	header->capacity = cache->capacity;
	header->message_max = cache->message_max;
	header->slot_size = cache->slot_size;
	header->total_size = cache->mapping_size;
}

/* Write a fresh header with a new random epoch; 0 or -1 with a message. */
static int
header_create(struct chat_cache *cache, char *error, size_t error_size)
{
	struct cache_header	*header = cache->header;

	header_describe(cache, header);
	if (random_bytes(&header->epoch, sizeof(header->epoch)) == -1) {
		(void)snprintf(error, error_size, "no random bytes: %s",
		    strerror(errno));
		return -1;
	}
	header->checksum = header_checksum(header);
	return 0;
}

/* Explain why an existing file's header does not fit; 0 if it does. */
static int
header_check(const struct chat_cache *cache, const struct cache_header *found,
    size_t file_size, char *error, size_t error_size)
{
	struct cache_header	expected;

	header_describe(cache, &expected);
	if (file_size < sizeof(*found) ||
	    memcmp(found->magic, CACHE_MAGIC, sizeof(found->magic)) != 0)
		(void)snprintf(error, error_size, "not a pforkd chat cache");
	else if (found->byte_order != CACHE_BYTE_ORDER)
		(void)snprintf(error, error_size,
		    "written on a machine of another byte order");
	else if (found->version != CHAT_CACHE_VERSION)
		(void)snprintf(error, error_size, "format version %" PRIu32
		    ", this pforkd reads version %d", found->version,
		    CHAT_CACHE_VERSION);
	else if (found->checksum != header_checksum(found))
		(void)snprintf(error, error_size,
		    "damaged (its header fails its checksum)");
	else if (found->capacity != expected.capacity ||
	    found->message_max != expected.message_max)
		(void)snprintf(error, error_size, "made for cache %" PRIu32
		    " and message-size %" PRIu64 ", not cache %u and "
		    "message-size %zu: move it away or restore those settings",
		    found->capacity, found->message_max, cache->capacity,
		    cache->message_max);
	else if (found->header_size != expected.header_size ||
	    found->slot_size != expected.slot_size ||
	    found->total_size != expected.total_size ||
	    file_size != expected.total_size)
		(void)snprintf(error, error_size, "the wrong size (%zu bytes, "
		    "expected %zu)", file_size, cache->mapping_size);
	else if (found->head >= found->capacity)
		(void)snprintf(error, error_size,
		    "damaged (its head is out of range)");
	else
		return 0;
	return -1;
}

/* Check every slot of a cache file; 0, or -1 with a message. */
static int
slots_check(struct chat_cache *cache, char *error, size_t error_size)
{
	struct cache_slot	*slot;
	uint32_t		 index;

	for (index = 0; index < cache->capacity; index++) {
		slot = slot_at(cache, index);
		if (slot->state > SLOT_READY || (slot->state == SLOT_READY &&
		    !slot_is_sound(cache, slot))) {
			(void)snprintf(error, error_size, "damaged (message "
			    "slot %" PRIu32 " fails its checksum)", index);
			return -1;
		}
	}
	return 0;
}

/* Whether a region is all zero bytes (a file created but never set up). */
static int
all_zero(const void *bytes, size_t length)
{
	const unsigned char	*byte = bytes;

	while (length-- > 0)
		if (*byte++ != 0)
			return 0;
	return 1;
}

/*
 * Take the cache file's lock: a read-only descriptor, locked with flock(2)
 * so the lock belongs to the open file that every worker inherits.  It
 * lasts until the last process holding it exits, so workers orphaned by a
 * killed master keep a new daemon out until they are gone: two daemons
 * never write one file.  (fcntl(2) locks would die with the master.)  The
 * workers keep only this read-only descriptor: they cannot truncate the
 * file.  flock is not POSIX, but Linux, the BSDs and macOS all have it.
 */
static int
cache_lock_file(struct chat_cache *cache, char *error, size_t error_size)
{
	cache->fd = descriptor_open_regular(cache->path, O_RDONLY | O_CREAT,
	    0600);
	if (cache->fd == -1) {
		(void)snprintf(error, error_size, "%s",
		    descriptor_open_error(errno));
		return -1;
	}
	if (flock(cache->fd, LOCK_EX | LOCK_NB) == -1) {
		(void)snprintf(error, error_size, "in use by another process "
		    "(a running pforkd, or workers of one whose master was "
		    "killed, which exit once their connections are done): %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

/* Size (if new), map and check the open cache file; 0 or -1. */
static int
cache_map_open_file(struct chat_cache *cache, int fd,
    const struct stat *status, char *error, size_t error_size)
{
	void	*mapping;
	int	 fresh;

	fresh = status->st_size == 0;
	if (fresh && ftruncate(fd, (off_t)cache->mapping_size) == -1) {
		(void)snprintf(error, error_size, "cannot size it: %s",
		    strerror(errno));
		return -1;
	}
	if (!fresh && (uintmax_t)status->st_size != cache->mapping_size) {
		mapping = mmap(NULL, sizeof(struct cache_header), PROT_READ,
		    MAP_SHARED, fd, 0);
		if (mapping == MAP_FAILED) {
			(void)snprintf(error, error_size, "not a pforkd chat "
			    "cache");
			return -1;
		}
		(void)header_check(cache, mapping, (size_t)status->st_size,
		    error, error_size);
		(void)munmap(mapping, sizeof(struct cache_header));
		return -1;
	}
	mapping = mmap(NULL, cache->mapping_size, PROT_READ | PROT_WRITE,
	    MAP_SHARED, fd, 0);
	if (mapping == MAP_FAILED) {
		(void)snprintf(error, error_size, "cannot map it: %s",
		    strerror(errno));
		return -1;
	}
	cache->header = mapping;
	cache->slots = (unsigned char *)mapping + CACHE_HEADER_SIZE;
	if (fresh || all_zero(mapping, sizeof(struct cache_header)))
		return header_create(cache, error, error_size);
	if (header_check(cache, cache->header, cache->mapping_size, error,
	    error_size) == -1)
		return -1;
	if (slots_check(cache, error, error_size) == -1)
		return -1;
	/* We hold the file lock: a pid left in the lock word is stale. */
	cache->header->lock_owner = 0;
	/* Slots left half-written by a daemon killed mid-write are dropped. */
	cache_repair(cache);
	return 0;
}

/*
 * Open the locked file for writing, check it is the same file, size it if
 * new, and map it; the writable descriptor is closed before returning.
 */
static int
cache_map_file(struct chat_cache *cache, char *error, size_t error_size)
{
	struct stat	 locked, status;
	int		 fd, result = -1;

	if (cache_lock_file(cache, error, error_size) == -1)
		return -1;
	if ((fd = descriptor_open_regular(cache->path, O_RDWR, 0)) == -1) {
		(void)snprintf(error, error_size, "%s",
		    descriptor_open_error(errno));
		return -1;
	}
	if (fstat(cache->fd, &locked) == -1 || fstat(fd, &status) == -1) {
		(void)snprintf(error, error_size, "%s", strerror(errno));
		goto done;
	}
	if (locked.st_dev != status.st_dev || locked.st_ino != status.st_ino) {
		(void)snprintf(error, error_size, "replaced while opening it");
		goto done;
	}
	result = cache_map_open_file(cache, fd, &status, error, error_size);
done:
	(void)close(fd);
	return result;
}

/*
 * For pforkd -n: check a cache file as chat_cache_open() would, without
 * creating, locking or changing it (the running daemon may hold it); 0,
 * or -1 with a message.  A file that does not exist yet is fine.
 */
int
chat_cache_check_file(const struct chat_cache_settings *settings,
    char *error, size_t error_size)
{
	struct chat_cache	 cache;
	struct stat		 status;
	void			*mapping = MAP_FAILED;
	char			 reason[256];
	int			 fd, result = -1;

	memset(&cache, 0, sizeof(cache));
	cache.capacity = settings->capacity;
	cache.message_max = settings->message_max;
	cache.slot_size = (sizeof(struct cache_slot) + settings->message_max +
	    7) & ~(size_t)7;
	cache.mapping_size = CACHE_HEADER_SIZE +
	    (size_t)settings->capacity * cache.slot_size;
	if ((fd = descriptor_open_regular(settings->path, O_RDONLY, 0)) == -1) {
		if (errno == ENOENT)
			return 0;	/* made at start-up */
		(void)snprintf(error, error_size, "cache-file %s: %s",
		    settings->path, descriptor_open_error(errno));
		return -1;
	}
	if (fstat(fd, &status) == -1 || status.st_size == 0) {
		(void)close(fd);
		return 0;
	}
	mapping = mmap(NULL, cache.mapping_size, PROT_READ, MAP_PRIVATE, fd,
	    0);
	if (mapping == MAP_FAILED)
		(void)snprintf(reason, sizeof(reason), "%s", strerror(errno));
	else {
		cache.header = mapping;
		cache.slots = (unsigned char *)mapping + CACHE_HEADER_SIZE;
		/* Slots are read only when the size is right. */
		if (header_check(&cache, cache.header, (size_t)status.st_size,
		    reason, sizeof(reason)) == 0 && slots_check(&cache, reason,
		    sizeof(reason)) == 0)
			result = 0;
		(void)munmap(mapping, cache.mapping_size);
	}
	(void)close(fd);
	if (result == -1)
		(void)snprintf(error, error_size, "cache-file %s: %s",
		    settings->path, reason);
	return result;
}

/* Map a new cache (or open a cache file); NULL with a message on error. */
struct chat_cache *
chat_cache_open(const struct chat_cache_settings *settings, char *error,
    size_t error_size)
{
	struct chat_cache	*cache;
	char			 reason[256];
	void			*mapping;

	if ((cache = calloc(1, sizeof(*cache))) == NULL) {
		(void)snprintf(error, error_size, "out of memory");
		return NULL;
	}
	cache->fd = -1;
	cache->opener = getpid();
	cache->stream_ids = settings->stream_ids;
	cache->capacity = settings->capacity;
	cache->message_max = settings->message_max;
	cache->slot_size = (sizeof(struct cache_slot) + settings->message_max +
	    7) & ~(size_t)7;
	cache->mapping_size = CACHE_HEADER_SIZE +
	    (size_t)settings->capacity * cache->slot_size;
	if (settings->path == NULL) {
		mapping = mmap(NULL, cache->mapping_size,
		    PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (mapping == MAP_FAILED) {
			(void)snprintf(error, error_size, "cannot map the chat "
			    "cache: %s", strerror(errno));
			free(cache);
			return NULL;
		}
		cache->header = mapping;
		cache->slots = (unsigned char *)mapping + CACHE_HEADER_SIZE;
		if (header_create(cache, error, error_size) == 0)
			return cache;
		chat_cache_close(cache);
		return NULL;
	}
	if ((cache->path = strdup(settings->path)) == NULL ||
	    cache_map_file(cache, reason, sizeof(reason)) == -1) {
		(void)snprintf(error, error_size, "cache-file %s: %s",
		    settings->path, cache->path == NULL ? "out of memory" :
		    reason);
		chat_cache_close(cache);
		return NULL;
	}
	return cache;
}

/* Whether the cache was opened with these settings (reuse on reload). */
int
chat_cache_matches(const struct chat_cache *cache,
    const struct chat_cache_settings *settings)
{
	if (cache->capacity != settings->capacity ||
	    cache->message_max != settings->message_max ||
	    cache->stream_ids != settings->stream_ids)
		return 0;
	if (cache->path == NULL || settings->path == NULL)
		return cache->path == NULL && settings->path == NULL;
	return strcmp(cache->path, settings->path) == 0;
}

/* Whether the cache lives in the file at path. */
int
chat_cache_uses_path(const struct chat_cache *cache, const char *path)
{
	return cache->path != NULL && strcmp(cache->path, path) == 0;
}

/* Unmap the cache and close its file. */
void
chat_cache_close(struct chat_cache *cache)
{
	if (cache == NULL)
		return;
	if (cache->header != NULL)
		(void)munmap(cache->header, cache->mapping_size);
	/* A worker's copy of the lock is left to its exit. */
	if (cache->fd != -1 && cache->opener == getpid())
		(void)close(cache->fd);
	free(cache->path);
	free(cache);
}
