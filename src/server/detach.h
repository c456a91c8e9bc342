/*
 * detach.h: leaving the terminal while the starting command still learns
 * whether start-up worked.
 */
#ifndef PFORKD_DETACH_H
#define PFORKD_DETACH_H

int	detach_begin(void);
void	detach_report(int report_fd, const char *message);

#endif /* PFORKD_DETACH_H */
