{
  "targets": [
    {
      "target_name": "samkit_corosync",
      "sources": ["src/corosync_addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "cflags_cc": ["<!@(pkg-config --cflags libquorum libcmap)", "-std=c++17", "-Wall", "-Wextra"],
      "libraries": ["<!@(pkg-config --libs libquorum libcmap)"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"]
    }
  ]
}
