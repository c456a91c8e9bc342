/*
 * compat.h: prototypes of the replacements in compat/ for functions some
 * systems lack (configure's AC_REPLACE_FUNCS builds only those needed).
 */
#ifndef PFORKD_COMPAT_H
#define PFORKD_COMPAT_H

#include <sys/types.h>
#include <sys/mman.h>
#include <stddef.h>

/* glibc before 2.38 has no strlcpy (the BSDs, musl and macOS do). */
#if !HAVE_DECL_STRLCPY
size_t	strlcpy(char *, const char *, size_t);
#endif

/* glibc before 2.26 and older macOS have no reallocarray. */
#if !HAVE_DECL_REALLOCARRAY
void	*reallocarray(void *, size_t, size_t);
#endif

/* macOS and older BSDs spell the anonymous mapping flag MAP_ANON only. */
#if !defined(MAP_ANONYMOUS) && defined(MAP_ANON)
#define MAP_ANONYMOUS	MAP_ANON
#endif

#endif /* PFORKD_COMPAT_H */
