/*
 * scoreboard.c: per-worker connection counts in shared memory.
 *
 * Rows are written with atomic stores by their one owner and read with
 * atomic loads by everyone else (gcc and clang __atomic builtins).  The
 * per-source table of a row is open addressing with linear probing and
 * backward-shift deletion; a reader racing a deletion may miss an entry
 * for an instant, which can only let one extra connection in.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "compat/compat.h"
#include "connection/service.h"
#include "server/scoreboard.h"

#define SOURCE_SLOTS	1024	/* a power of two */

struct source_entry {
	unsigned char	key[SOURCE_KEY_SIZE];
	uint8_t		in_use;
	uint16_t	service_index;
	uint32_t	count;
};

struct scoreboard_row {
	pid_t			pid;		/* 0: free */
	unsigned int		generation;
	uint32_t		total;
	uint32_t		per_service[CONFIGURATION_SERVICES_MAX];
	struct source_entry	sources[SOURCE_SLOTS];
};

struct scoreboard {
	struct scoreboard_row	rows[SCOREBOARD_ROWS];
};

#define LOAD(x)		__atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v)	__atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Map a zeroed scoreboard shared with future children; NULL on failure. */
struct scoreboard *
scoreboard_create(void)
{
	void	*memory;

	memory = mmap(NULL, sizeof(struct scoreboard), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	return memory == MAP_FAILED ? NULL : memory;
}

/* Unmap the scoreboard. */
void
scoreboard_destroy(struct scoreboard *board)
{
	if (board != NULL)
		(void)munmap(board, sizeof(*board));
}

/* Reset a row for a worker of generation about to be forked into it. */
void
scoreboard_prepare_row(struct scoreboard *board, int row,
    unsigned int generation)
{
	scoreboard_clear_row(board, row);
	STORE(board->rows[row].generation, generation);
	STORE(board->rows[row].pid, (pid_t)-1);	/* reserved until forked */
}

/* Record which process owns a row. */
void
scoreboard_set_pid(struct scoreboard *board, int row, pid_t pid)
{
	STORE(board->rows[row].pid, pid);
}

/* Forget everything a (dead) worker counted; the master calls this. */
void
scoreboard_clear_row(struct scoreboard *board, int row)
{
	struct scoreboard_row	*entry = &board->rows[row];

	STORE(entry->total, 0);
	memset(entry->per_service, 0, sizeof(entry->per_service));
	memset(entry->sources, 0, sizeof(entry->sources));
	STORE(entry->pid, 0);
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

/* Hash of a (source, service) pair into a slot index. */
static size_t
source_hash(const unsigned char key[SOURCE_KEY_SIZE], int service_index)
{
	uint32_t	hash = 2166136261u;	/* FNV-1a */
	size_t		i;

	for (i = 0; i < SOURCE_KEY_SIZE; i++)
		hash = (hash ^ key[i]) * 16777619u;
	hash = (hash ^ (uint32_t)service_index) * 16777619u;
	return hash & (SOURCE_SLOTS - 1);
}

/* The slot holding (key, service) in a row, or -1. */
static int
source_find(const struct scoreboard_row *entry,
    const unsigned char key[SOURCE_KEY_SIZE], int service_index)
{
	size_t	slot, probes;

	slot = source_hash(key, service_index);
	for (probes = 0; probes < SOURCE_SLOTS; probes++) {
		if (!LOAD(entry->sources[slot].in_use))
			return -1;
		if (entry->sources[slot].service_index == service_index &&
		    memcmp(entry->sources[slot].key, key, SOURCE_KEY_SIZE) == 0)
			return (int)slot;
		slot = (slot + 1) & (SOURCE_SLOTS - 1);
	}
	return -1;
}

/* Connections from (key, service) counted in every row of generation. */
static uint32_t
source_sum(const struct scoreboard *board, unsigned int generation,
    const unsigned char key[SOURCE_KEY_SIZE], int service_index)
{
	uint32_t	sum = 0;
	int		row, slot;

	for (row = 0; row < SCOREBOARD_ROWS; row++) {
		if (LOAD(board->rows[row].pid) == 0 ||
		    LOAD(board->rows[row].generation) != generation)
			continue;
		slot = source_find(&board->rows[row], key, service_index);
		if (slot != -1)
			sum += LOAD(board->rows[row].sources[slot].count);
	}
	return sum;
}

/* Connections to service_index counted in every row of generation. */
static uint32_t
service_sum(const struct scoreboard *board, unsigned int generation,
    int service_index)
{
	uint32_t	sum = 0;
	int		row;

	for (row = 0; row < SCOREBOARD_ROWS; row++)
		if (LOAD(board->rows[row].pid) != 0 &&
		    LOAD(board->rows[row].generation) == generation)
			sum += LOAD(board->rows[row].per_service[service_index]);
	return sum;
}

/* Every connection counted in the scoreboard. */
uint32_t
scoreboard_total(const struct scoreboard *board)
{
	uint32_t	sum = 0;
	int		row;

	for (row = 0; row < SCOREBOARD_ROWS; row++)
		if (LOAD(board->rows[row].pid) != 0)
			sum += LOAD(board->rows[row].total);
	return sum;
}

/* The connections one worker holds. */
uint32_t
scoreboard_row_total(const struct scoreboard *board, int row)
{
	return LOAD(board->rows[row].total);
}

/* The pid that owns a row (0 free, -1 reserved). */
pid_t
scoreboard_row_pid(const struct scoreboard *board, int row)
{
	return LOAD(board->rows[row].pid);
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

/* Count one more connection from key in the caller's own row; 0 or -1. */
static int
source_add(struct scoreboard_row *entry,
    const unsigned char key[SOURCE_KEY_SIZE], int service_index)
{
	size_t	slot, probes;
	int	found;

	if ((found = source_find(entry, key, service_index)) != -1) {
		STORE(entry->sources[found].count,
		    entry->sources[found].count + 1);
		return 0;
	}
	slot = source_hash(key, service_index);
	for (probes = 0; probes < SOURCE_SLOTS; probes++) {
		if (!entry->sources[slot].in_use) {
			memcpy(entry->sources[slot].key, key, SOURCE_KEY_SIZE);
			entry->sources[slot].service_index =
			    (uint16_t)service_index;
			STORE(entry->sources[slot].count, 1);
			STORE(entry->sources[slot].in_use, 1);
			return 0;
		}
		slot = (slot + 1) & (SOURCE_SLOTS - 1);
	}
	return -1;
}

/* Remove a slot by shifting later members of its probe chain back. */
static void
source_delete(struct scoreboard_row *entry, size_t hole)
{
	size_t	slot = hole, home;

	for (;;) {
		slot = (slot + 1) & (SOURCE_SLOTS - 1);
		if (!entry->sources[slot].in_use)
			break;
		home = source_hash(entry->sources[slot].key,
		    entry->sources[slot].service_index);
		/* Move it back unless its home lies in (hole, slot]. */
		if (((slot - home) & (SOURCE_SLOTS - 1)) <
		    ((slot - hole) & (SOURCE_SLOTS - 1)))
			continue;
		entry->sources[hole] = entry->sources[slot];
		hole = slot;
	}
	STORE(entry->sources[hole].in_use, 0);
	STORE(entry->sources[hole].count, 0);
}

/*
 * Admit a new connection of service_index from peer into the worker's own
 * row, or refuse it (-1, with the cap that refused it in *refusal).
 */
int
scoreboard_admit(struct scoreboard *board, int row,
    const struct configuration *configuration, int service_index,
    const struct sockaddr *peer, struct admission *admission,
    const char **refusal)
{
	struct scoreboard_row	*entry = &board->rows[row];
	const struct service	*service;
	unsigned int		 generation = entry->generation;

	service = &configuration->services[service_index];
	admission->service_index = service_index;
	source_key_make(peer, configuration->ipv6_prefix, admission->source);
	if (configuration->max_connections != 0 &&
	    scoreboard_total(board) >= configuration->max_connections) {
		*refusal = "global max-connections reached";
		return -1;
	}
	if (service->max_connections != 0 && service_sum(board, generation,
	    service_index) >= service->max_connections) {
		*refusal = "service max-connections reached";
		return -1;
	}
	if (service->per_source_max != 0 && source_sum(board, generation,
	    admission->source, service_index) >= service->per_source_max) {
		*refusal = "per-source-max reached";
		return -1;
	}
	if (service->per_source_max != 0 &&
	    source_add(entry, admission->source, service_index) == -1) {
		*refusal = "per-source table full";
		return -1;
	}
	STORE(entry->per_service[service_index],
	    entry->per_service[service_index] + 1);
	STORE(entry->total, entry->total + 1);
	return 0;
}

/* Count a connection out of the worker's own row. */
void
scoreboard_leave(struct scoreboard *board, int row,
    const struct admission *admission)
{
	struct scoreboard_row	*entry = &board->rows[row];
	int			 slot;

	STORE(entry->total, entry->total - 1);
	STORE(entry->per_service[admission->service_index],
	    entry->per_service[admission->service_index] - 1);
	slot = source_find(entry, admission->source, admission->service_index);
	if (slot == -1)
		return;
	if (entry->sources[slot].count > 1)
		STORE(entry->sources[slot].count,
		    entry->sources[slot].count - 1);
	else
		source_delete(entry, (size_t)slot);
}
