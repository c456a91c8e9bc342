/*
 * scoreboard.c: per-worker connection counts in shared memory.
 *
 * Rows are written with atomic stores by their one owner and read with
 * atomic loads by everyone else (gcc and clang __atomic builtins).  The
 * per-source table of a row is open addressing with linear probing and
 * backward-shift deletion; a reader racing a deletion may miss an entry
 * for an instant, which can only let one extra connection in.
 *
 * Counts are kept per service name, not per position in a configuration:
 * the master gives every name a slot that outlives reloads, so the caps
 * count the connections of workers still draining from an older
 * generation too.  A row's source table has room for twice the
 * descriptors a worker may open, so it never fills before the worker
 * runs out of descriptors: no connection is refused for want of a slot.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <sys/resource.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "compat/compat.h"
#include "connection/service.h"
#include "server/scoreboard.h"
#include "util/log.h"

#define SOURCE_SLOTS_MIN	1024		/* a power of two */
#define SOURCE_SLOTS_MAX	(1 << 17)	/* a power of two */
#define SERVICE_SLOTS		(2 * CONFIGURATION_SERVICES_MAX)
#define NO_SLOT			0xffff

/*
 * The compare-and-swap seam, for the accept token: configure finds the
 * __atomic builtins (gcc 4.7, clang), C11's <stdatomic.h> or the older
 * __sync builtins.  token_cas() stores desired in *word if it holds
 * expected and says whether it did; token_load() reads it.  The counts
 * below use the __atomic builtins directly.
 */
#if defined(HAVE_ATOMIC_BUILTINS)
typedef uint32_t token_word;
#define token_load(word)	__atomic_load_n((word), __ATOMIC_ACQUIRE)
#define token_cas(word, expected, desired) \
	token_cas_atomic((word), (expected), (desired))

/* Compare-and-swap with the __atomic builtins. */
static int
token_cas_atomic(token_word *word, uint32_t expected, uint32_t desired)
{
	return __atomic_compare_exchange_n(word, &expected, desired, 0,
	    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}
#elif defined(HAVE_STDATOMIC)
#include <stdatomic.h>
typedef _Atomic uint32_t token_word;
#define token_load(word)	atomic_load(word)
#define token_cas(word, expected, desired) \
	token_cas_c11((word), (expected), (desired))

/* Compare-and-swap with C11 <stdatomic.h>. */
static int
token_cas_c11(token_word *word, uint32_t expected, uint32_t desired)
{
	return atomic_compare_exchange_strong(word, &expected, desired);
}
#elif defined(HAVE_SYNC_BUILTINS)
typedef volatile uint32_t token_word;
#define token_load(word)	__sync_fetch_and_add((word), 0)
#define token_cas(word, expected, desired) \
	__sync_bool_compare_and_swap((word), (expected), (desired))
#else
#error "configure found no atomic compare-and-swap"
#endif

struct source_entry {
	unsigned char	key[SOURCE_KEY_SIZE];
	uint8_t		in_use;
	uint16_t	slot;		/* the service's name slot */
	uint32_t	count;
};

struct scoreboard_row {
	pid_t			pid;		/* 0: free */
	unsigned int		generation;
	uint32_t		total;
	uint32_t		per_slot[SERVICE_SLOTS];
	/* The name slot of each service of this row's configuration. */
	uint16_t		slot_of[CONFIGURATION_SERVICES_MAX];
	struct source_entry	sources[];	/* source_slots of them */
};

/*
 * The accept mutex (accept-balance mutex), alone in its cache line: the
 * workers write it, unlike the rest of the header.  Only workers of the
 * generation the master names may take it; the master frees it when it
 * reaps its holder or starts a generation.
 */
struct accept_token {
	token_word	holder;		/* the holder's row + 1; 0: free */
	uint32_t	generation;	/* whose workers may take it */
	uint32_t	accepted_msec;	/* a holder last accepted then */
	unsigned char	padding[64 - 3 * sizeof(uint32_t)];
};

/* Written by the master only, before it forks, but for the token. */
struct scoreboard {
	struct accept_token	token;
	size_t			source_slots;	/* per row; a power of two */
	size_t			row_size;
	size_t			mapping_size;
	char			names[SERVICE_SLOTS][SERVICE_NAME_MAX];
	unsigned char		rows[];		/* SCOREBOARD_ROWS rows */
};

#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Row number row of the board. */
static struct scoreboard_row *
row_at(const struct scoreboard *board, int row)
{
	return (struct scoreboard_row *)(void *)((unsigned char *)board->rows +
	    (size_t)row * board->row_size);
}

/*
 * Source slots per row: a power of two at least twice the descriptors a
 * worker may hold (its RLIMIT_NOFILE, which workers inherit), so the
 * table is never more than half full.
 */
static size_t
source_slots_for_limit(void)
{
	struct rlimit	limit;
	size_t		slots = SOURCE_SLOTS_MIN;

	if (getrlimit(RLIMIT_NOFILE, &limit) == -1)
		return SOURCE_SLOTS_MAX;
	while (slots < SOURCE_SLOTS_MAX && (limit.rlim_cur == RLIM_INFINITY ||
	    (rlim_t)slots < 2 * limit.rlim_cur))
		slots *= 2;
	return slots;
}

/*
 * Map a zeroed scoreboard shared with future children; NULL on failure.
 * Only rows in use are ever written, so untouched ones cost no memory.
 */
struct scoreboard *
scoreboard_create(void)
{
	struct scoreboard	*board;
	size_t			 slots = source_slots_for_limit(), row_size;
	size_t			 size;
	void			*memory;

	row_size = sizeof(struct scoreboard_row) +
	    slots * sizeof(struct source_entry);
	row_size = (row_size + 63) & ~(size_t)63;
	size = sizeof(struct scoreboard) + SCOREBOARD_ROWS * row_size;
	memory = mmap(NULL, size, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (memory == MAP_FAILED)
		return NULL;
	board = memory;
	board->source_slots = slots;
	board->row_size = row_size;
	board->mapping_size = size;
	return board;
}

/* Unmap the scoreboard. */
void
scoreboard_destroy(struct scoreboard *board)
{
	if (board != NULL)
		(void)munmap(board, board->mapping_size);
}

/* How many distinct sources a worker's row can count. */
size_t
scoreboard_source_capacity(const struct scoreboard *board)
{
	return board->source_slots;
}

/* Connections counted under name slot in every live row. */
static uint32_t
slot_sum(const struct scoreboard *board, int slot)
{
	uint32_t	sum = 0;
	int		row;

	for (row = 0; row < SCOREBOARD_ROWS; row++)
		if (LOAD(row_at(board, row)->pid) != 0)
			sum += LOAD(row_at(board, row)->per_slot[slot]);
	return sum;
}

/*
 * The name slot of service name: the one it had, else a free one, else
 * one whose name the configuration no longer has and that no live worker
 * counts anything under.  NO_SLOT when every slot is taken.
 */
static uint16_t
name_slot(struct scoreboard *board, const struct configuration *configuration,
    const char *name)
{
	int	slot, free_slot = -1;
	size_t	i;

	for (slot = 0; slot < SERVICE_SLOTS; slot++) {
		if (strcmp(board->names[slot], name) == 0)
			return (uint16_t)slot;
		if (free_slot == -1 && board->names[slot][0] == '\0')
			free_slot = slot;
	}
	for (slot = 0; free_slot == -1 && slot < SERVICE_SLOTS; slot++) {
		for (i = 0; i < configuration->service_count; i++)
			if (strcmp(board->names[slot],
			    configuration->services[i].name) == 0)
				break;
		if (i == configuration->service_count &&
		    slot_sum(board, slot) == 0)
			free_slot = slot;
	}
	if (free_slot == -1)
		return NO_SLOT;
	(void)strlcpy(board->names[free_slot], name, SERVICE_NAME_MAX);
	return (uint16_t)free_slot;
}

/*
 * Reset a row for a worker of generation about to be forked into it, and
 * give each service of its configuration its name slot.
 */
void
scoreboard_prepare_row(struct scoreboard *board, int row,
    unsigned int generation, const struct configuration *configuration)
{
	struct scoreboard_row	*entry = row_at(board, row);
	size_t			 i;

	scoreboard_clear_row(board, row);
	for (i = 0; i < configuration->service_count; i++) {
		entry->slot_of[i] = name_slot(board, configuration,
		    configuration->services[i].name);
		if (entry->slot_of[i] == NO_SLOT)
			log_message(LOG_LEVEL_WARNING, "%s: too many services "
			    "across draining generations: only the global "
			    "max-connections counts it until they finish",
			    configuration->services[i].name);
	}
	STORE(entry->generation, generation);
	STORE(entry->pid, (pid_t)-1);	/* reserved until forked */
}

/* Record which process owns a row. */
void
scoreboard_set_pid(struct scoreboard *board, int row, pid_t pid)
{
	STORE(row_at(board, row)->pid, pid);
}

/* Forget everything a (dead) worker counted; the master calls this. */
void
scoreboard_clear_row(struct scoreboard *board, int row)
{
	struct scoreboard_row	*entry = row_at(board, row);

	STORE(entry->total, 0);
	memset(entry->per_slot, 0, sizeof(entry->per_slot));
	memset(entry->sources, 0, board->source_slots *
	    sizeof(struct source_entry));
	STORE(entry->pid, 0);
	/* A worker killed while it held the token must not wedge accepting. */
	scoreboard_token_release(board, row);
}

/*
 * The per-source key of a peer: IPv4 addresses whole (v4-mapped IPv6
 * addresses count as IPv4), IPv6 addresses cut to ipv6_prefix bits.
 */
void
source_key_make(const struct sockaddr *peer, unsigned int ipv6_prefix,
    unsigned char key[SOURCE_KEY_SIZE])
{
	const struct sockaddr_in6	*v6;
	const unsigned char		*bytes;
	unsigned int			 i, bits;

	memset(key, 0, SOURCE_KEY_SIZE);
	if (peer->sa_family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, &((const struct sockaddr_in *)peer)->sin_addr,
		    4);
		return;
	}
	if (peer->sa_family != AF_INET6)
		return;
	v6 = (const struct sockaddr_in6 *)peer;
	bytes = v6->sin6_addr.s6_addr;
	if (IN6_IS_ADDR_V4MAPPED(&v6->sin6_addr)) {
		key[0] = 4;
		memcpy(key + 1, bytes + 12, 4);
		return;
	}
	key[0] = 6;
	for (i = 0; i < 16; i++) {
		bits = ipv6_prefix > i * 8 ? ipv6_prefix - i * 8 : 0;
		if (bits >= 8)
			key[1 + i] = bytes[i];
		else if (bits > 0)
			key[1 + i] = bytes[i] & (unsigned char)(0xff << (8 - bits));
	}
}

/* Hash of a (source, name slot) pair into an index of the table. */
static size_t
source_hash(const struct scoreboard *board,
    const unsigned char key[SOURCE_KEY_SIZE], int slot)
{
	uint32_t	hash = 2166136261u;	/* FNV-1a */
	size_t		i;

	for (i = 0; i < SOURCE_KEY_SIZE; i++)
		hash = (hash ^ key[i]) * 16777619u;
	hash = (hash ^ (uint32_t)slot) * 16777619u;
	return hash & (board->source_slots - 1);
}

/* The index holding (key, name slot) in a row's table, or -1. */
static long
source_find(const struct scoreboard *board, const struct scoreboard_row *entry,
    const unsigned char key[SOURCE_KEY_SIZE], int slot)
{
	size_t	index, probes, mask = board->source_slots - 1;

	index = source_hash(board, key, slot);
	for (probes = 0; probes < board->source_slots; probes++) {
		if (!LOAD(entry->sources[index].in_use))
			return -1;
		if (entry->sources[index].slot == slot &&
		    memcmp(entry->sources[index].key, key, SOURCE_KEY_SIZE) == 0)
			return (long)index;
		index = (index + 1) & mask;
	}
	return -1;
}

/* Connections from (key, name slot) counted in every live row. */
static uint32_t
source_sum(const struct scoreboard *board,
    const unsigned char key[SOURCE_KEY_SIZE], int slot)
{
	const struct scoreboard_row	*entry;
	uint32_t			 sum = 0;
	long				 index;
	int				 row;

	for (row = 0; row < SCOREBOARD_ROWS; row++) {
		entry = row_at(board, row);
		if (LOAD(entry->pid) == 0)
			continue;
		index = source_find(board, entry, key, slot);
		if (index != -1)
			sum += LOAD(entry->sources[index].count);
	}
	return sum;
}

/* Every connection counted in the scoreboard. */
uint32_t
scoreboard_total(const struct scoreboard *board)
{
	uint32_t	sum = 0;
	int		row;

	for (row = 0; row < SCOREBOARD_ROWS; row++)
		if (LOAD(row_at(board, row)->pid) != 0)
			sum += LOAD(row_at(board, row)->total);
	return sum;
}

/* The connections one worker holds. */
uint32_t
scoreboard_row_total(const struct scoreboard *board, int row)
{
	return LOAD(row_at(board, row)->total);
}

/* The pid that owns a row (0 free, -1 reserved). */
pid_t
scoreboard_row_pid(const struct scoreboard *board, int row)
{
	return LOAD(row_at(board, row)->pid);
}

/* Up to max pids of live workers in rows other than row; the count. */
size_t
scoreboard_other_pids(const struct scoreboard *board, int row, pid_t *pids,
    size_t max)
{
	size_t	count = 0;
	pid_t	pid;
	int	other;

	for (other = 0; other < SCOREBOARD_ROWS && count < max; other++) {
		if (other == row)
			continue;
		if ((pid = scoreboard_row_pid(board, other)) > 0)
			pids[count++] = pid;
	}
	return count;
}

/*
 * Count one more connection from key in the caller's own row; 0, or -1
 * when the table is full (it is sized so that this cannot happen).
 */
static int
source_add(const struct scoreboard *board, struct scoreboard_row *entry,
    const unsigned char key[SOURCE_KEY_SIZE], int slot)
{
	size_t	index, probes, mask = board->source_slots - 1;
	long	found;

	if ((found = source_find(board, entry, key, slot)) != -1) {
		STORE(entry->sources[found].count,
		    entry->sources[found].count + 1);
		return 0;
	}
	index = source_hash(board, key, slot);
	for (probes = 0; probes < board->source_slots; probes++) {
		if (!entry->sources[index].in_use) {
			memcpy(entry->sources[index].key, key, SOURCE_KEY_SIZE);
			entry->sources[index].slot = (uint16_t)slot;
			STORE(entry->sources[index].count, 1);
			STORE(entry->sources[index].in_use, 1);
			return 0;
		}
		index = (index + 1) & mask;
	}
	return -1;
}

/* Remove an entry by shifting later members of its probe chain back. */
static void
source_delete(const struct scoreboard *board, struct scoreboard_row *entry,
    size_t hole)
{
	size_t	index = hole, home, mask = board->source_slots - 1;

	for (;;) {
		index = (index + 1) & mask;
		if (!entry->sources[index].in_use)
			break;
		home = source_hash(board, entry->sources[index].key,
		    entry->sources[index].slot);
		/* Move it back unless its home lies in (hole, index]. */
		if (((index - home) & mask) < ((index - hole) & mask))
			continue;
		entry->sources[hole] = entry->sources[index];
		hole = index;
	}
	STORE(entry->sources[hole].in_use, 0);
	STORE(entry->sources[hole].count, 0);
}

/*
 * Admit a new connection of service_index from peer into the worker's own
 * row, or refuse it (-1, with the cap that refused it in *refusal).  The
 * caps count every live worker, of this generation and older ones.
 */
int
scoreboard_admit(struct scoreboard *board, int row,
    const struct configuration *configuration, int service_index,
    const struct sockaddr *peer, struct admission *admission,
    const char **refusal)
{
	struct scoreboard_row	*entry = row_at(board, row);
	const struct service	*service;
	int			 slot = entry->slot_of[service_index];

	service = &configuration->services[service_index];
	admission->slot = slot;
	admission->source_counted = 0;
	source_key_make(peer, configuration->ipv6_prefix, admission->source);
	if (configuration->max_connections != 0 &&
	    scoreboard_total(board) >= configuration->max_connections) {
		*refusal = "global max-connections reached";
		return -1;
	}
	if (slot == NO_SLOT)
		goto admitted;	/* logged by the master; only global caps */
	if (service->max_connections != 0 &&
	    slot_sum(board, slot) >= service->max_connections) {
		*refusal = "service max-connections reached";
		return -1;
	}
	if (service->per_source_max != 0) {
		if (source_sum(board, admission->source, slot) >=
		    service->per_source_max) {
			*refusal = "per-source-max reached";
			return -1;
		}
		/* Never refuse for want of room: count what fits. */
		admission->source_counted = source_add(board, entry,
		    admission->source, slot) == 0;
	}
	STORE(entry->per_slot[slot], entry->per_slot[slot] + 1);
admitted:
	STORE(entry->total, entry->total + 1);
	return 0;
}

/* Count a connection out of the worker's own row. */
void
scoreboard_leave(struct scoreboard *board, int row,
    const struct admission *admission)
{
	struct scoreboard_row	*entry = row_at(board, row);
	long			 index;

	STORE(entry->total, entry->total - 1);
	if (admission->slot == NO_SLOT)
		return;
	STORE(entry->per_slot[admission->slot],
	    entry->per_slot[admission->slot] - 1);
	if (!admission->source_counted)
		return;
	index = source_find(board, entry, admission->source, admission->slot);
	if (index == -1)
		return;
	if (entry->sources[index].count > 1)
		STORE(entry->sources[index].count,
		    entry->sources[index].count - 1);
	else
		source_delete(board, entry, (size_t)index);
}

/*
 * The master: from now on only workers of generation may take the accept
 * token, and an older generation's holder loses it.  A worker that still
 * accepts for a moment after losing it does no harm: the listeners are
 * non-blocking and the token only spreads connections, it guards nothing.
 */
void
scoreboard_token_open(struct scoreboard *board, unsigned int generation)
{
	uint32_t	holder;

	STORE(board->token.generation, (uint32_t)generation);
	while ((holder = token_load(&board->token.holder)) != 0 &&
	    LOAD(row_at(board, (int)holder - 1)->generation) != generation)
		if (token_cas(&board->token.holder, holder, 0))
			break;
}

/*
 * Take the accept token for the worker in row, unless another holds it or
 * the row's generation may not: whether the row holds it now.
 */
int
scoreboard_token_take(struct scoreboard *board, int row)
{
	uint32_t	mine = (uint32_t)row + 1, holder;

	holder = token_load(&board->token.holder);
	if (holder == mine)
		return 1;
	if (holder != 0 || LOAD(board->token.generation) !=
	    (uint32_t)LOAD(row_at(board, row)->generation))
		return 0;
	return token_cas(&board->token.holder, 0, mine);
}

/* Give the accept token back if row holds it. */
void
scoreboard_token_release(struct scoreboard *board, int row)
{
	(void)token_cas(&board->token.holder, (uint32_t)row + 1, 0);
}

/* The row holding the accept token, or -1 when it is free. */
int
scoreboard_token_holder(struct scoreboard *board)
{
	return (int)token_load(&board->token.holder) - 1;
}

/* Record that a holder accepted at now_msec (a monotonic clock, wrapping). */
void
scoreboard_token_accepted(struct scoreboard *board, uint32_t now_msec)
{
	if (LOAD(board->token.accepted_msec) != now_msec)
		STORE(board->token.accepted_msec, now_msec);
}

/* Milliseconds since a holder last accepted, as of now_msec. */
uint32_t
scoreboard_token_quiet_msec(const struct scoreboard *board, uint32_t now_msec)
{
	return now_msec - LOAD(board->token.accepted_msec);
}

/* Connections held by the live workers of row's generation other than row. */
uint32_t
scoreboard_generation_others(const struct scoreboard *board, int row)
{
	const struct scoreboard_row	*entry;
	unsigned int			 generation;
	uint32_t			 sum = 0;
	int				 other;

	generation = LOAD(row_at(board, row)->generation);
	for (other = 0; other < SCOREBOARD_ROWS; other++) {
		entry = row_at(board, other);
		if (other != row && LOAD(entry->pid) > 0 &&
		    LOAD(entry->generation) == generation)
			sum += LOAD(entry->total);
	}
	return sum;
}

/*
 * How many more connections a worker holding mine of the sum connections
 * of its generation's workers may accept and stay within its share: a
 * sixteenth and one connection above an even share (nginx's
 * accept_disabled, by share).  The least loaded worker may always take
 * one; a lone worker, any number.
 */
uint32_t
scoreboard_share_headroom(uint32_t mine, uint32_t sum, unsigned int workers)
{
	uint64_t	allowed, held;

	if (workers <= 1)
		return UINT32_MAX;
	/* (mine + k) * 16 workers <= (sum + k) * 17 + 16 workers */
	allowed = (uint64_t)sum * 17 + (uint64_t)workers * 16;
	held = (uint64_t)mine * workers * 16;
	if (held >= allowed)
		return 0;
	allowed = (allowed - held) / ((uint64_t)workers * 16 - 17);
	return allowed > UINT32_MAX ? UINT32_MAX : (uint32_t)allowed;
}
