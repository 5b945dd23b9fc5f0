{
  "targets": [
    {
      "target_name": "samkit-guard",
      "type": "executable",
      "sources": ["src/guard.c"],
      "include_dirs": ["<!(node -p \"require('@samkit/native-build').includeDirectory\")"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"]
    }
  ]
}
