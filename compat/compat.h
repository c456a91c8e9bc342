/*
 * compat.h: prototypes of the replacements in compat/ for functions some
 * systems lack (configure's AC_REPLACE_FUNCS builds only those needed).
 */
#ifndef PFORKD_COMPAT_H
#define PFORKD_COMPAT_H

#include <stddef.h>

/* glibc before 2.38 has no strlcpy (the BSDs, musl and macOS do). */
#if !HAVE_DECL_STRLCPY
size_t	strlcpy(char *, const char *, size_t);
#endif

#endif /* PFORKD_COMPAT_H */
