/*
 * backend_cases.c: one cmocka group of cases, each once per backend.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend_cases.h"
#include "event/dispatcher.h"
#include "util/array.h"

/* End the program: the group cannot be built as asked. */
static void
bail(const char *what, const char *name)
{
	(void)printf("Bail out! cannot add case %s: %s\n", name, what);
	(void)fflush(stdout);
	exit(1);
}

/* Start an empty group whose per-backend runs get setup and teardown. */
void
backend_cases_init(struct backend_case_list *list, CMFixtureFunction setup,
    CMFixtureFunction teardown)
{
	memset(list, 0, sizeof(*list));
	list->setup = setup;
	list->teardown = teardown;
}

/* Append a run of function named "BACKEND: name", or name without ops. */
static void
add_run(struct backend_case_list *list, const struct backend_ops *ops,
    const char *name, CMUnitTestFunction function, int fixture)
{
	struct backend_run	**runs, *run;
	const char		 *backend = NULL;
	size_t			  size = strlen(name) + 1;

	if ((ops != NULL || fixture) &&
	    (list->setup == NULL || list->teardown == NULL))
		bail("a run with a fixture needs setup and teardown", name);
	if (ops != NULL) {
		backend = backend_ops_name(ops);
		size += strlen(backend) + 2;
	}
	runs = array_grow(list->runs, &list->capacity, list->count + 1,
	    sizeof(*runs), 16, SIZE_MAX / sizeof(*runs));
	if (runs == NULL)
		bail(strerror(errno), name);
	list->runs = runs;
	if ((run = malloc(sizeof(*run) + size)) == NULL)
		bail(strerror(errno), name);
	run->ops = ops;
	run->fixture = ops != NULL || fixture;
	run->function = function;
	if (backend != NULL)
		(void)snprintf(run->name, size, "%s: %s", backend, name);
	else
		(void)snprintf(run->name, size, "%s", name);
	runs[list->count++] = run;
}

/* Add a case that runs once, not per backend, with no fixture. */
void
backend_cases_add_plain(struct backend_case_list *list, const char *name,
    CMUnitTestFunction function)
{
	add_run(list, NULL, name, function, 0);
}

/*
 * Add a case that runs once on the default backend, with the list's
 * fixture (its setup sees a run whose ops is NULL).
 */
void
backend_cases_add_once(struct backend_case_list *list, const char *name,
    CMUnitTestFunction function)
{
	add_run(list, NULL, name, function, 1);
}

/*
 * Add every case for every backend of the NULL-terminated backends, but
 * those filter (which may be NULL) leaves out, printing why.
 */
void
backend_cases_add_all(struct backend_case_list *list,
    const struct backend_ops *const *backends,
    const struct backend_case *cases, size_t count,
    backend_case_filter *filter)
{
	const char	*reason;
	size_t		 i;

	for (; *backends != NULL; backends++) {
		for (i = 0; i < count; i++) {
			reason = filter != NULL ? filter(&cases[i],
			    *backends) : NULL;
			if (reason == NULL)
				add_run(list, *backends, cases[i].name,
				    cases[i].function, 1);
			else
				(void)printf("# skipped %s: %s: %s\n",
				    backend_ops_name(*backends),
				    cases[i].name, reason);
		}
	}
}

/* Free every run and empty the list. */
static void
free_runs(struct backend_case_list *list)
{
	size_t	i;

	for (i = 0; i < list->count; i++)
		free(list->runs[i]);
	free(list->runs);
	list->runs = NULL;
	list->count = list->capacity = 0;
}

/* Run the group and free it; returns cmocka's count of failures. */
int
backend_cases_run(struct backend_case_list *list, const char *group)
{
	struct CMUnitTest	*tests;
	struct backend_run	*run;
	size_t			 i;
	int			 failures;

	if ((tests = calloc(list->count, sizeof(*tests))) == NULL &&
	    list->count > 0)
		bail(strerror(errno), group);
	for (i = 0; i < list->count; i++) {
		run = list->runs[i];
		tests[i].name = run->name;
		tests[i].test_func = run->function;
		if (run->fixture) {
			tests[i].setup_func = list->setup;
			tests[i].teardown_func = list->teardown;
			tests[i].initial_state = run;
		}
	}
	(void)fflush(stdout);
	failures = _cmocka_run_group_tests(group, tests, list->count, NULL,
	    NULL);
	free(tests);
	free_runs(list);
	return failures;
}
