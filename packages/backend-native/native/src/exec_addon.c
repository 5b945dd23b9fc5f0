/*
 * The one thing Node 20 cannot do itself: replace the running process with another program while
 * keeping its PID (execv; Node 23.11 has process.execve). Also makes the descriptor that carries
 * the data stored before register() survive the exec (Node opens every file with O_CLOEXEC).
 */
#define _GNU_SOURCE
#include <node_api.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static napi_value throw_errno(napi_env env, const char *call)
{
	char message[256];
	snprintf(message, sizeof(message), "%s: %s", call, strerror(errno));
	napi_throw_error(env, NULL, message);
	return NULL;
}

static char *string_argument(napi_env env, napi_value value)
{
	size_t length;
	if (napi_get_value_string_utf8(env, value, NULL, 0, &length) != napi_ok) return NULL;
	char *text = malloc(length + 1);
	if (text == NULL) return NULL;
	napi_get_value_string_utf8(env, value, text, length + 1, &length);
	return text;
}

static char **string_array(napi_env env, napi_value array)
{
	uint32_t count;
	if (napi_get_array_length(env, array, &count) != napi_ok) return NULL;
	char **strings = calloc(count + 1, sizeof(char *));
	for (uint32_t index = 0; strings != NULL && index < count; index++) {
		napi_value element;
		napi_get_element(env, array, index, &element);
		strings[index] = string_argument(env, element);
		if (strings[index] == NULL) return NULL;
	}
	return strings;
}

/* execve(path, argv[], env[], inherit[]): returns only by throwing. Node marks every descriptor
 * up to 15 close-on-exec at start-up (libuv's uv_disable_stdio_inheritance), stdio included, so the
 * ones that must reach the new program are cleared first. */
static napi_value exec_program(napi_env env, napi_callback_info info)
{
	size_t argc = 4;
	napi_value args[4];
	napi_get_cb_info(env, info, &argc, args, NULL, NULL);
	if (argc != 4) {
		napi_throw_type_error(env, NULL, "execve(path, argv, env, inherit)");
		return NULL;
	}
	uint32_t count;
	if (napi_get_array_length(env, args[3], &count) != napi_ok) {
		napi_throw_type_error(env, NULL, "execve(): inherit must be an array of descriptors");
		return NULL;
	}
	for (uint32_t index = 0; index < count; index++) {
		napi_value element;
		int32_t fd;
		napi_get_element(env, args[3], index, &element);
		if (napi_get_value_int32(env, element, &fd) != napi_ok || fd < 0) continue;
		int flags = fcntl(fd, F_GETFD);
		if (flags >= 0) fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
	}
	char *path = string_argument(env, args[0]);
	char **argv = string_array(env, args[1]);
	char **envp = string_array(env, args[2]);
	if (path == NULL || argv == NULL || envp == NULL) {
		napi_throw_type_error(env, NULL, "execve(path, argv, env) takes a string and two arrays of strings");
		return NULL;
	}
	execve(path, argv, envp);
	return throw_errno(env, "execve");
}

/* dataDescriptor(bytes): an in-memory file holding `bytes`, without O_CLOEXEC; returns its number. */
static napi_value data_descriptor(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value args[1];
	napi_get_cb_info(env, info, &argc, args, NULL, NULL);
	void *data;
	size_t length;
	if (argc != 1 || napi_get_buffer_info(env, args[0], &data, &length) != napi_ok) {
		napi_throw_type_error(env, NULL, "dataDescriptor(buffer)");
		return NULL;
	}
	int fd = memfd_create("samkit-data", 0);
	if (fd < 0) return throw_errno(env, "memfd_create");
	const char *cursor = data;
	while (length > 0) {
		ssize_t written = write(fd, cursor, length);
		if (written < 0) {
			if (errno == EINTR) continue;
			close(fd);
			return throw_errno(env, "write");
		}
		cursor += written;
		length -= (size_t)written;
	}
	napi_value result;
	napi_create_int32(env, fd, &result);
	return result;
}

static napi_value init(napi_env env, napi_value exports)
{
	napi_value function;
	napi_create_function(env, "execve", NAPI_AUTO_LENGTH, exec_program, NULL, &function);
	napi_set_named_property(env, exports, "execve", function);
	napi_create_function(env, "dataDescriptor", NAPI_AUTO_LENGTH, data_descriptor, NULL, &function);
	napi_set_named_property(env, exports, "dataDescriptor", function);
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
