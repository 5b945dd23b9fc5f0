{
  "targets": [
    {
      "target_name": "samkit_notify",
      "sources": ["src/notify_socket.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
