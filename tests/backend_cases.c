/*
 * backend_cases.c: one cmocka group of integration cases per backend.
 */
#include "config.h"

#include <stdio.h>

#include "backend_cases.h"
#include "daemon_harness.h"
#include "event/dispatcher.h"

/* Add a case that runs once, not per backend. */
void
backend_cases_add_plain(struct backend_case_list *list, const char *name,
    CMUnitTestFunction function)
{
	struct CMUnitTest	*test;

	if (list->count == BACKEND_CASES_MAX)
		return;
	test = &list->tests[list->count++];
	test->name = name;
	test->test_func = function;
}

/*
 * Add every case for every compiled backend, with the harness fixture; the
 * fixture's initial state is the backend's name.  filter may be NULL.
 */
void
backend_cases_add_all(struct backend_case_list *list,
    const struct backend_case *cases, size_t count,
    backend_case_filter *filter)
{
	const struct backend_ops *const	*backend;
	struct CMUnitTest		*test;
	const char			*name;
	size_t				 i;

	for (backend = dispatcher_backends(); *backend != NULL; backend++) {
		name = backend_ops_name(*backend);
		for (i = 0; i < count && list->count < BACKEND_CASES_MAX; i++) {
			if (filter != NULL && !filter(cases[i].function, name))
				continue;
			(void)snprintf(list->names[list->count],
			    BACKEND_CASE_NAME_MAX, "%s: %s", name,
			    cases[i].name);
			test = &list->tests[list->count];
			test->name = list->names[list->count++];
			test->test_func = cases[i].function;
			test->setup_func = harness_fixture_setup;
			test->teardown_func = harness_fixture_teardown;
			test->initial_state = (void *)(uintptr_t)name;
		}
	}
}

/* Run the group; returns cmocka's count of failures. */
int
backend_cases_run(struct backend_case_list *list, const char *group)
{
	return _cmocka_run_group_tests(group, list->tests, list->count, NULL,
	    NULL);
}
