/*
 * daytime.c: the daytime protocol (RFC 867) over TCP.
 *
 * RFC 867 fixes no syntax.  pforkd sends what OpenBSD inetd sends: the
 * local time in ctime(3) layout, then CR LF, and closes:
 *	Sun Nov 22 09:06:04 2026\r\n
 * Input is ignored.
 */
#include "config.h"

#include <errno.h>
#include <time.h>

#include "connection/connection.h"
#include "connection/protocol.h"
#include "protocols/daytime.h"
#include "protocols/protocol_clock.h"
#include "protocols/protocol_table.h"
#include "protocols/short_reply.h"

/*
 * Write the daytime line for when into buffer (NUL-terminated); its
 * length without the NUL, or 0 when the time cannot be shown or the line
 * does not fit.
 */
size_t
daytime_format(time_t when, char *buffer, size_t size)
{
	struct tm	local;

	/* POSIX lets localtime_r() skip reading TZ; tzset() makes it count. */
	tzset();
	if (localtime_r(&when, &local) == NULL)
		return 0;
	/*
	 * ctime(3) layout without its "\n"; the names are the C locale's,
	 * since pforkd never calls setlocale().  %e pads the day with a
	 * space, as ctime() does.
	 */
	return strftime(buffer, size, "%a %b %e %H:%M:%S %Y\r\n", &local);
}

/* Compose the line for this moment and send it. */
static int
daytime_open(struct connection *connection)
{
	char	line[DAYTIME_LINE_MAX];
	size_t	length;

	length = daytime_format(protocol_clock_now(), line, sizeof(line));
	if (length == 0) {
		errno = EOVERFLOW;
		return -1;
	}
	return short_reply_start(connection, line, length);
}

const struct protocol protocol_daytime = {
	.name = "daytime",
	.open = daytime_open,
	.release = short_reply_release,
};
