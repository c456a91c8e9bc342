/*
 * backend_cases.h: build one cmocka group that runs every integration case
 * once per compiled backend, named "BACKEND: case".
 *
 * One group only: cmocka's TAP output prints a plan per group, which
 * automake's TAP driver rejects.  Cases a host cannot run are left out of
 * the group by a filter (cmocka 1.1 prints skip() as a failure).
 */
#ifndef PFORKD_BACKEND_CASES_H
#define PFORKD_BACKEND_CASES_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define BACKEND_CASES_MAX	128
#define BACKEND_CASE_NAME_MAX	96

struct backend_case {
	const char		*name;
	CMUnitTestFunction	 function;
};

/* Whether a case can run on backend here; prints why when it cannot. */
typedef int backend_case_filter(CMUnitTestFunction, const char *backend);

struct backend_case_list {
	struct CMUnitTest	tests[BACKEND_CASES_MAX];
	char			names[BACKEND_CASES_MAX][BACKEND_CASE_NAME_MAX];
	size_t			count;
};

void	backend_cases_add_plain(struct backend_case_list *, const char *name,
	    CMUnitTestFunction);
void	backend_cases_add_all(struct backend_case_list *,
	    const struct backend_case *, size_t count, backend_case_filter *);
int	backend_cases_run(struct backend_case_list *, const char *group);

#endif /* PFORKD_BACKEND_CASES_H */
