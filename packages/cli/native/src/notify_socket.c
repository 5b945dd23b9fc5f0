/*
 * The receiving end of the systemd notify protocol for samctl: a Unix datagram socket (which Node
 * cannot open) watched by Node's own event loop (uv_poll). Each datagram reaches JavaScript with
 * the sender's PID (SO_PASSCRED), so samctl accepts messages from its instance's process group only.
 *
 *   open(path, onMessage(text, pid)) -> handle { close() }
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct notify_socket {
	int fd;
	uv_poll_t poll;
	napi_env env;
	napi_ref callback;
	napi_ref self;
	int closed;
};

static void on_closed(uv_handle_t *handle)
{
	struct notify_socket *socket_state = handle->data;
	free(socket_state);
}

static void shut(struct notify_socket *state)
{
	if (state->closed) return;
	state->closed = 1;
	uv_poll_stop(&state->poll);
	close(state->fd);
	napi_delete_reference(state->env, state->callback);
	uv_close((uv_handle_t *)&state->poll, on_closed);
}

static void on_readable(uv_poll_t *poll, int status, int events)
{
	struct notify_socket *state = poll->data;
	if (state->closed || status < 0 || !(events & UV_READABLE)) return;
	for (;;) {
		char text[4096];
		char control[CMSG_SPACE(sizeof(struct ucred))];
		struct iovec vector = {text, sizeof(text) - 1};
		struct msghdr message = {0};
		message.msg_iov = &vector;
		message.msg_iovlen = 1;
		message.msg_control = control;
		message.msg_controllen = sizeof(control);
		ssize_t got = recvmsg(state->fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (got < 0) return;
		/* A datagram that came with descriptors (FDSTORE) is not for samctl: close them. */
		int pid = 0;
		for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header != NULL; header = CMSG_NXTHDR(&message, header)) {
			if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_CREDENTIALS) {
				struct ucred credentials;
				memcpy(&credentials, CMSG_DATA(header), sizeof(credentials));
				pid = credentials.pid;
			} else if (header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS) {
				int count = (int)((header->cmsg_len - CMSG_LEN(0)) / sizeof(int));
				for (int index = 0; index < count; index++) {
					int fd;
					memcpy(&fd, CMSG_DATA(header) + index * sizeof(int), sizeof(int));
					close(fd);
				}
			}
		}
		napi_handle_scope scope;
		napi_open_handle_scope(state->env, &scope);
		napi_value callback, receiver, arguments[2], result;
		napi_get_reference_value(state->env, state->callback, &callback);
		napi_get_undefined(state->env, &receiver);
		napi_create_string_utf8(state->env, text, (size_t)got, &arguments[0]);
		napi_create_int32(state->env, pid, &arguments[1]);
		napi_call_function(state->env, receiver, callback, 2, arguments, &result);
		napi_close_handle_scope(state->env, scope);
		if (state->closed) return;
	}
}

static napi_value close_socket(napi_env env, napi_callback_info info)
{
	void *data;
	napi_get_cb_info(env, info, NULL, NULL, NULL, &data);
	shut(data);
	napi_value undefined;
	napi_get_undefined(env, &undefined);
	return undefined;
}

static napi_value open_socket(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value args[2];
	napi_get_cb_info(env, info, &argc, args, NULL, NULL);
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	size_t length;
	/* The whole length first: a string copied into too small a buffer comes back cut, and would bind another name. */
	if (argc != 2 || napi_get_value_string_utf8(env, args[0], NULL, 0, &length) != napi_ok || length >= sizeof(path) ||
	    napi_get_value_string_utf8(env, args[0], path, sizeof(path), &length) != napi_ok) {
		napi_throw_type_error(env, NULL, "open(path, onMessage): path must be a string that fits in sun_path with its NUL");
		return NULL;
	}
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		napi_throw_error(env, NULL, strerror(errno));
		return NULL;
	}
	int on = 1;
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	struct sockaddr_un address = {0};
	address.sun_family = AF_UNIX;
	memcpy(address.sun_path, path, length + 1);
	unlink(path);
	/* Only this user (and root) may send: the program runs as this user. */
	mode_t previous = umask(0177);
	int bound = bind(fd, (struct sockaddr *)&address, sizeof(address));
	umask(previous);
	if (bound < 0) {
		char message[256];
		snprintf(message, sizeof(message), "bind %s: %s", path, strerror(errno));
		close(fd);
		napi_throw_error(env, NULL, message);
		return NULL;
	}
	struct notify_socket *state = calloc(1, sizeof(*state));
	state->fd = fd;
	state->env = env;
	napi_create_reference(env, args[1], 1, &state->callback);
	uv_loop_t *loop;
	napi_get_uv_event_loop(env, &loop);
	uv_poll_init(loop, &state->poll, fd);
	state->poll.data = state;
	uv_poll_start(&state->poll, UV_READABLE, on_readable);
	uv_unref((uv_handle_t *)&state->poll);
	napi_value handle, close_function;
	napi_create_object(env, &handle);
	napi_create_function(env, "close", NAPI_AUTO_LENGTH, close_socket, state, &close_function);
	napi_set_named_property(env, handle, "close", close_function);
	return handle;
}

static napi_value init(napi_env env, napi_value exports)
{
	napi_value function;
	napi_create_function(env, "open", NAPI_AUTO_LENGTH, open_socket, NULL, &function);
	napi_set_named_property(env, exports, "open", function);
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
