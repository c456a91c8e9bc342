/*
 * service_manager.h: telling a service manager (systemd's notification
 * protocol) how pforkd is doing: ready, reloading, stopping, a status
 * line and the watchdog's keep-alive.  Without NOTIFY_SOCKET in the
 * environment every call here does nothing.
 */
#ifndef PFORKD_SERVICE_MANAGER_H
#define PFORKD_SERVICE_MANAGER_H

#include <stdint.h>

int		 service_manager_open(void);
int		 service_manager_active(void);
uint64_t	 service_manager_watchdog_interval(void);
void		 service_manager_notify(const char *, ...)
		    __attribute__((__format__(__printf__, 1, 2)));
void		 service_manager_reloading(void);
void		 service_manager_forget(void);

#endif /* PFORKD_SERVICE_MANAGER_H */
