/*
 * backend_cases.h: the one builder of the cases-times-backends matrix of
 * every test program: one cmocka group that runs each case once per
 * backend, named "BACKEND: case", plus the cases that run once.
 *
 * One group only: cmocka's TAP output prints a plan per group, which
 * automake's TAP driver rejects.  Cases a host cannot run are left out of
 * the group by a filter, which says why (cmocka 1.1 prints skip() as a
 * failure).  The list grows to any size; when it cannot, the program ends
 * with a TAP "Bail out!" and a failing status: no case is ever dropped.
 */
#ifndef PFORKD_BACKEND_CASES_H
#define PFORKD_BACKEND_CASES_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

struct backend_ops;

/* A case of the matrix: run once on every backend that can run it. */
struct backend_case {
	const char		*name;
	CMUnitTestFunction	 function;
};

/* One run of a case: the initial state its fixture's setup is given. */
struct backend_run {
	const struct backend_ops	*ops;	/* NULL: it runs once */
	int				 fixture; /* setup and teardown */
	CMUnitTestFunction		 function;
	char				 name[];	/* "BACKEND: it" */
};

/* Why the case cannot run on the backend here, or NULL when it can. */
typedef const char *backend_case_filter(const struct backend_case *,
    const struct backend_ops *);

/* The group being built, with the fixture of every per-backend run. */
struct backend_case_list {
	CMFixtureFunction	  setup;
	CMFixtureFunction	  teardown;
	struct backend_run	**runs;
	size_t			  count;
	size_t			  capacity;
};

void	backend_cases_init(struct backend_case_list *,
	    CMFixtureFunction setup, CMFixtureFunction teardown);
void	backend_cases_add_plain(struct backend_case_list *,
	    const char *name, CMUnitTestFunction);
void	backend_cases_add_once(struct backend_case_list *,
	    const char *name, CMUnitTestFunction);
void	backend_cases_add_all(struct backend_case_list *,
	    const struct backend_ops *const *backends,
	    const struct backend_case *, size_t count, backend_case_filter *);
int	backend_cases_run(struct backend_case_list *, const char *group);

#endif /* PFORKD_BACKEND_CASES_H */
