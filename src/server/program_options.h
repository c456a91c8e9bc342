/*
 * program_options.h: the options of a program service, one that runs an
 * external program per connection (nowait) or hands it the listening
 * socket (wait) instead of serving a built-in protocol.
 *
 * A service becomes a program service with the "command" keyword.  Its
 * other keywords (argv0, wait, stderr, user, umask, directory, nice, the
 * limit-* family, environment, pass-environment, rate-limit and
 * per-source-rate-limit) fill the struct below through
 * program_option_table, from the configuration file, -l and an
 * inetd.conf line alike; service_set_option() routes them here.  The
 * master, which spawns every child (server/program_supervisor.h), reads
 * the struct; the workers never see a program service's listener.
 */
#ifndef PFORKD_PROGRAM_OPTIONS_H
#define PFORKD_PROGRAM_OPTIONS_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#define PROGRAM_PATH_MAX	1024
#define PROGRAM_NAME_MAX	64
#define PROGRAM_DEFAULT_UMASK	022

/* Where a child's fd 2 goes. */
enum program_stderr {
	PROGRAM_STDERR_LOG,	/* a pipe to the master: one log line a line */
	PROGRAM_STDERR_SOCKET,	/* the connection, as inetd does */
	PROGRAM_STDERR_NULL	/* /dev/null */
};

/* A rate: at most count connections in window_usec; count 0 = none. */
struct program_rate {
	unsigned int	count;
	uint64_t	window_usec;
};

/* A NULL-terminated, heap-allocated list of strings. */
struct program_strings {
	char	**items;	/* items[count] == NULL */
	size_t	  count;
};

/* Bits of program_options->explicit: options given for this service. */
#define PROGRAM_SET_STDERR	0x01
#define PROGRAM_SET_USER	0x02

struct program_options {
	char			 path[PROGRAM_PATH_MAX];  /* absolute */
	struct program_strings	 arguments;	/* argv, argv[0] included */
	int			 wait;		/* 1: hand over the listener */
	enum program_stderr	 stderr_target;
	char			 user[PROGRAM_NAME_MAX];  /* "" = see below */
	char			 group[PROGRAM_NAME_MAX]; /* "" = user's */
	mode_t			 umask;
	char			 directory[PROGRAM_PATH_MAX]; /* "" = "/" */
	int			 nice;
	int			 nice_set;
	/* Resource limits; 0 = inherit (none set). */
	uint64_t		 limit_files;
	uint64_t		 limit_cpu_seconds;
	uint64_t		 limit_memory_bytes;	/* address space */
	uint64_t		 limit_processes;
	struct program_strings	 environment;	/* "NAME=VALUE" */
	struct program_strings	 pass_environment; /* "NAME" */
	struct program_rate	 rate;		/* per service */
	struct program_rate	 per_source_rate;
	unsigned int		 explicit;	/* PROGRAM_SET_* */
	/* Filled by program_options_prepare(): who the child runs as. */
	uid_t			 uid;
	gid_t			 gid;
	int			 change_identity;
	/* Filled by the master: the user's supplementary groups. */
	gid_t			*groups;
	int			 group_count;
	/* Added: argv[0] as given with "argv0" ("" = the path), the
	 * service's name for messages (set by service_set_option()). */
	char			 argv0[PROGRAM_PATH_MAX];
	char			 service[PROGRAM_NAME_MAX];
};

struct option_table;
struct service;

/* The keywords of a program service; base: struct program_options. */
extern const struct option_table	program_option_table;

/* Give fresh options (zeroed) their defaults: umask 022, directory /. */
void	program_options_init(struct program_options *);

/* Whether the options name a program ("command" was given). */
int	program_options_have_command(const struct program_options *);

/* Whether key is one of program_option_table's keywords. */
int	program_option_is_keyword(const char *key);

/*
 * Split command text into words the way sh(1) would without expanding
 * anything: blanks separate, '...' and "..." quote, \ escapes one byte.
 * Fills list; 0, or -1 with a message in error.
 */
int	program_split_words(const char *text, struct program_strings *list,
	    char *error, size_t error_size);

/* Append a copy of text to list; 0 or -1 with errno. */
int	program_strings_add(struct program_strings *list, const char *text);

/* Free the strings of list and empty it. */
void	program_strings_clear(struct program_strings *list);

/*
 * Check a program service before it is used: the program exists and is
 * executable, the user and group exist (resolved into uid/gid); a
 * service without "user" runs as default_user ("" = pforkd's own
 * identity, refused when that is root).  0, or -1 with a message.
 */
int	program_options_prepare(struct program_options *,
	    const char *default_user, const char *default_group,
	    char *error, size_t error_size);

/* Free what the options hold (not the struct). */
void	program_options_release(struct program_options *);

#endif /* PFORKD_PROGRAM_OPTIONS_H */
