{
  "targets": [
    {
      "target_name": "sam-agent",
      "type": "executable",
      "sources": [
        "src/agent.c",
        "src/arguments.c",
        "src/channel.c",
        "src/data_file.c",
        "src/events.c",
        "src/health_check.c",
        "src/interpose.c",
        "src/libsam_worker.c",
        "src/relay.c",
        "src/scheduling.c",
        "src/spawn_node.c",
        "src/supervisor.c"
      ],
      "include_dirs": ["<!(node -p \"require('@samkit/native-build').includeDirectory\")"],
      "cflags": ["<!@(pkg-config --cflags libsam)", "-std=gnu11", "-Wall", "-Wextra", "-O2"],
      "libraries": ["<!@(pkg-config --libs libsam)", "-lpthread"],
      "ldflags": ["-Wl,--export-dynamic"]
    },
    {
      "target_name": "samkit_native",
      "sources": ["src/exec_addon.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
