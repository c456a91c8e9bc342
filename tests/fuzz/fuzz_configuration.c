/*
 * fuzz_configuration.c: libFuzzer harness of the pforkd.conf parser.
 *
 * configuration.h reads only from a path, so each input is written to a
 * file in a scratch folder of TMPDIR made once, and loaded from there
 * through configuration_load_file(), the public entry point, whatever
 * tables lie behind it.  A loaded configuration that names no file at all
 * (no '/' in the input) is finished too, as pforkd -n would, so the
 * protocols check their options; one that names files is not, since
 * preparing may open them.  Inputs that reach into /dev, /proc or /sys are
 * skipped: reading a terminal or a FIFO there would hang the run.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "connection/service.h"
#include "server/configuration.h"

#include "fuzz.h"

static char	folder[256];
static char	path[300];

/* Remove the scratch file and folder when the run ends. */
static void
remove_scratch(void)
{
	(void)unlink(path);
	(void)rmdir(folder);
}

/* Make the scratch folder once; 0 or -1. */
static int
make_scratch(void)
{
	const char	*tmp = getenv("TMPDIR");

	if (folder[0] != '\0')
		return 0;
	(void)snprintf(folder, sizeof(folder), "%s/pforkd-fuzz-XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
	if (mkdtemp(folder) == NULL) {
		folder[0] = '\0';
		return -1;
	}
	(void)snprintf(path, sizeof(path), "%s/pforkd.conf", folder);
	(void)atexit(remove_scratch);
	return 0;
}

/* Write the input to the scratch file; 0 or -1. */
static int
write_input(const uint8_t *data, size_t size)
{
	ssize_t	written;
	size_t	done = 0;
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	while (done < size) {
		written = write(fd, data + done, size - done);
		if (written <= 0) {
			(void)close(fd);
			return -1;
		}
		done += (size_t)written;
	}
	return close(fd);
}

/* Whether the input names a path under /dev, /proc or /sys. */
static int
reaches_devices(const uint8_t *data, size_t size)
{
	static const char *const words[] = { "dev/", "proc/", "sys/" };
	size_t			 i, k, length;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		length = strlen(words[i]);
		for (k = 0; k + length <= size; k++)
			if (memcmp(data + k, words[i], length) == 0)
				return 1;
	}
	return 0;
}

/* Check what a loaded configuration holds. */
static void
check_loaded(const struct configuration *configuration)
{
	const struct service	*service;
	size_t			 i;

	FUZZ_CHECK(configuration->service_count <= CONFIGURATION_SERVICES_MAX);
	FUZZ_CHECK(configuration->workers <= CONFIGURATION_WORKERS_MAX);
	for (i = 0; i < configuration->service_count; i++) {
		service = &configuration->services[i];
		FUZZ_CHECK(service->name[0] != '\0');
		FUZZ_CHECK(memchr(service->name, '\0', SERVICE_NAME_MAX) !=
		    NULL);
		FUZZ_CHECK(service->listen_count <= SERVICE_LISTENS_MAX);
	}
}

/* One input: load it as a configuration file. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct configuration	configuration;
	char				error[1024];
	int				result;

	if (reaches_devices(data, size) || make_scratch() == -1 ||
	    write_input(data, size) == -1)
		return 0;
	service_check_only = 1;
	configuration_init(&configuration);
	error[0] = '\0';
	result = configuration_load_file(&configuration, path, error,
	    sizeof(error));
	FUZZ_CHECK(result == 0 || result == -1);
	if (result == -1)
		FUZZ_CHECK(error[0] != '\0');
	else
		check_loaded(&configuration);
	if (result == 0 && memchr(data, '/', size) == NULL) {
		error[0] = '\0';
		if (configuration_finish(&configuration, error,
		    sizeof(error)) == -1)
			FUZZ_CHECK(error[0] != '\0');
	}
	configuration_release(&configuration);
	return 0;
}
