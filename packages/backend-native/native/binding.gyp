{
  "targets": [
    {
      "target_name": "sam-agent",
      "type": "executable",
      "sources": ["src/sam_agent.c"],
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
