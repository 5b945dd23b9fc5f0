// N-API binding over corosync's libquorum and libcmap. Corosync's file descriptor is watched by
// the libuv loop (uv_poll) and dispatched on readiness: no threads, no polling timers. Errors are
// JavaScript Errors carrying `csError`, the cs_error_t number; the TypeScript side maps them.
#include <napi.h>
#include <uv.h>

#include <corosync/cmap.h>
#include <corosync/corotypes.h>
#include <corosync/quorum.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>
#include <vector>

namespace {

Napi::Error CsError(Napi::Env env, const std::string& call, cs_error_t error) {
  Napi::Error result = Napi::Error::New(env, call + " failed with cs_error_t " + std::to_string(static_cast<int>(error)));
  result.Set("csError", Napi::Number::New(env, static_cast<int>(error)));
  result.Set("call", Napi::String::New(env, call));
  return result;
}

uint64_t MonotonicNanoseconds() {
  // cs_timestamp_get(): CLOCK_MONOTONIC in nanoseconds, what libsam writes to last_updated.
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<uint64_t>(now.tv_sec) * 1000000000ULL + static_cast<uint64_t>(now.tv_nsec);
}

// ---------------------------------------------------------------------------------------------
// Quorum

class Quorum : public Napi::ObjectWrap<Quorum> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Quorum", {
      InstanceMethod("quorate", &Quorum::Quorate),
      InstanceMethod("close", &Quorum::Close),
    });
  }

  // new Quorum(onChange(quorate: boolean), onLost(csError: number))
  Quorum(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Quorum>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsFunction() || !info[1].IsFunction()) {
      Napi::TypeError::New(env, "Quorum(onChange, onLost) takes two functions").ThrowAsJavaScriptException();
      return;
    }
    on_change_ = Napi::Persistent(info[0].As<Napi::Function>());
    on_lost_ = Napi::Persistent(info[1].As<Napi::Function>());

    quorum_callbacks_t callbacks;
    memset(&callbacks, 0, sizeof(callbacks));
    callbacks.quorum_notify_fn = &Quorum::OnNotify;
    uint32_t quorum_type = 0;
    cs_error_t error = quorum_initialize(&handle_, &callbacks, &quorum_type);
    if (error != CS_OK) {
      CsError(env, "quorum_initialize", error).ThrowAsJavaScriptException();
      return;
    }
    open_ = true;
    quorum_context_set(handle_, this);
    int quorate = 0;
    if ((error = quorum_getquorate(handle_, &quorate)) != CS_OK) {
      Shutdown();
      CsError(env, "quorum_getquorate", error).ThrowAsJavaScriptException();
      return;
    }
    quorate_ = quorate != 0;
    if ((error = quorum_trackstart(handle_, CS_TRACK_CHANGES)) != CS_OK) {
      Shutdown();
      CsError(env, "quorum_trackstart", error).ThrowAsJavaScriptException();
      return;
    }
    int fd = -1;
    if ((error = quorum_fd_get(handle_, &fd)) != CS_OK) {
      Shutdown();
      CsError(env, "quorum_fd_get", error).ThrowAsJavaScriptException();
      return;
    }
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    poll_ = new uv_poll_t;
    poll_->data = this;
    if (uv_poll_init(loop, poll_, fd) != 0) {
      delete poll_;
      poll_ = nullptr;
      Shutdown();
      Napi::Error::New(env, "uv_poll_init failed on the quorum fd").ThrowAsJavaScriptException();
      return;
    }
    uv_poll_start(poll_, UV_READABLE | UV_DISCONNECT, &Quorum::OnReadable);
    // The supervisor's own work keeps the process alive; this watch should not.
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    env_ = env;
  }

  ~Quorum() override { Shutdown(); }

 private:
  static void OnNotify(quorum_handle_t handle, uint32_t quorate, uint64_t, uint32_t, uint32_t*) {
    const void* context = nullptr;
    quorum_context_get(handle, &context);
    Quorum* self = const_cast<Quorum*>(static_cast<const Quorum*>(context));
    if (self == nullptr) return;
    bool now = quorate != 0;
    if (now == self->quorate_) return;
    self->quorate_ = now;
    self->changed_ = true;
  }

  static void OnReadable(uv_poll_t* poll, int status, int events) {
    Quorum* self = static_cast<Quorum*>(poll->data);
    if (self == nullptr || !self->open_) return;
    Napi::HandleScope scope(self->env_);
    cs_error_t error = CS_ERR_LIBRARY;
    if (status == 0 && (events & UV_READABLE)) {
      self->changed_ = false;
      error = quorum_dispatch(self->handle_, CS_DISPATCH_ALL);
      if (error == CS_OK || error == CS_ERR_TRY_AGAIN) {
        if (self->changed_) {
          self->changed_ = false;
          self->on_change_.MakeCallback(self->Value(), {Napi::Boolean::New(self->env_, self->quorate_)});
        }
        if (!(events & UV_DISCONNECT)) return;
        error = CS_ERR_LIBRARY;
      }
    }
    // The daemon went away (or the connection broke): stop watching and say so once.
    self->Shutdown();
    self->on_lost_.MakeCallback(self->Value(), {Napi::Number::New(self->env_, static_cast<int>(error))});
  }

  Napi::Value Quorate(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), open_ && quorate_); }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  void Shutdown() {
    if (poll_ != nullptr) {
      uv_poll_stop(poll_);
      poll_->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
      poll_ = nullptr;
    }
    if (open_) {
      open_ = false;
      quorum_finalize(handle_);
    }
  }

  quorum_handle_t handle_ = 0;
  bool open_ = false;
  bool quorate_ = false;
  bool changed_ = false;
  uv_poll_t* poll_ = nullptr;
  Napi::Env env_ = Napi::Env(nullptr);
  Napi::FunctionReference on_change_;
  Napi::FunctionReference on_lost_;
};

// ---------------------------------------------------------------------------------------------
// CMAP

class Cmap : public Napi::ObjectWrap<Cmap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Cmap", {
      InstanceMethod("setString", &Cmap::SetString),
      InstanceMethod("setUint64", &Cmap::SetUint64),
      InstanceMethod("touch", &Cmap::Touch),
      InstanceMethod("get", &Cmap::Get),
      InstanceMethod("keys", &Cmap::Keys),
      InstanceMethod("deleteKey", &Cmap::DeleteKey),
      InstanceMethod("close", &Cmap::Close),
    });
  }

  Cmap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Cmap>(info) {
    cs_error_t error = cmap_initialize(&handle_);
    if (error != CS_OK) {
      CsError(info.Env(), "cmap_initialize", error).ThrowAsJavaScriptException();
      return;
    }
    open_ = true;
  }

  ~Cmap() override { Shutdown(); }

 private:
  bool Check(const Napi::CallbackInfo& info, size_t strings) {
    if (!open_) {
      CsError(info.Env(), "cmap (closed)", CS_ERR_BAD_HANDLE).ThrowAsJavaScriptException();
      return false;
    }
    for (size_t index = 0; index < strings; index++) {
      if (info.Length() <= index || !info[index].IsString()) {
        Napi::TypeError::New(info.Env(), "expected a string argument").ThrowAsJavaScriptException();
        return false;
      }
    }
    return true;
  }

  Napi::Value Result(const Napi::CallbackInfo& info, const char* call, cs_error_t error) {
    if (error != CS_OK) CsError(info.Env(), call, error).ThrowAsJavaScriptException();
    return info.Env().Undefined();
  }

  Napi::Value SetString(const Napi::CallbackInfo& info) {
    if (!Check(info, 2)) return info.Env().Undefined();
    std::string key = info[0].As<Napi::String>();
    std::string value = info[1].As<Napi::String>();
    return Result(info, "cmap_set_string", cmap_set_string(handle_, key.c_str(), value.c_str()));
  }

  Napi::Value SetUint64(const Napi::CallbackInfo& info) {
    if (!Check(info, 1)) return info.Env().Undefined();
    std::string key = info[0].As<Napi::String>();
    uint64_t value = 0;
    if (info.Length() > 1 && info[1].IsBigInt()) {
      bool lossless = true;
      value = info[1].As<Napi::BigInt>().Uint64Value(&lossless);
    } else if (info.Length() > 1 && info[1].IsNumber()) {
      value = static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value());
    } else {
      Napi::TypeError::New(info.Env(), "setUint64(key, value) takes a number or bigint").ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
    return Result(info, "cmap_set_uint64", cmap_set_uint64(handle_, key.c_str(), value));
  }

  // touch(key): writes CLOCK_MONOTONIC nanoseconds, as libsam does for last_updated.
  Napi::Value Touch(const Napi::CallbackInfo& info) {
    if (!Check(info, 1)) return info.Env().Undefined();
    std::string key = info[0].As<Napi::String>();
    return Result(info, "cmap_set_uint64", cmap_set_uint64(handle_, key.c_str(), MonotonicNanoseconds()));
  }

  // get(key): string | bigint | number | undefined
  Napi::Value Get(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(info, 1)) return env.Undefined();
    std::string key = info[0].As<Napi::String>();
    char buffer[4096];
    size_t length = sizeof(buffer);
    cmap_value_types_t type;
    cs_error_t error = cmap_get(handle_, key.c_str(), buffer, &length, &type);
    if (error == CS_ERR_NOT_EXIST) return env.Undefined();
    if (error != CS_OK) return Result(info, "cmap_get", error);
    switch (type) {
      case CMAP_VALUETYPE_STRING: return Napi::String::New(env, buffer, length > 0 ? strnlen(buffer, length) : 0);
      case CMAP_VALUETYPE_UINT64: { uint64_t value; memcpy(&value, buffer, sizeof(value)); return Napi::BigInt::New(env, value); }
      case CMAP_VALUETYPE_INT64: { int64_t value; memcpy(&value, buffer, sizeof(value)); return Napi::BigInt::New(env, value); }
      case CMAP_VALUETYPE_UINT32: { uint32_t value; memcpy(&value, buffer, sizeof(value)); return Napi::Number::New(env, value); }
      case CMAP_VALUETYPE_INT32: { int32_t value; memcpy(&value, buffer, sizeof(value)); return Napi::Number::New(env, value); }
      case CMAP_VALUETYPE_UINT16: { uint16_t value; memcpy(&value, buffer, sizeof(value)); return Napi::Number::New(env, value); }
      case CMAP_VALUETYPE_INT16: { int16_t value; memcpy(&value, buffer, sizeof(value)); return Napi::Number::New(env, value); }
      case CMAP_VALUETYPE_UINT8: return Napi::Number::New(env, static_cast<uint8_t>(buffer[0]));
      case CMAP_VALUETYPE_INT8: return Napi::Number::New(env, static_cast<int8_t>(buffer[0]));
      default: return Napi::Buffer<char>::Copy(env, buffer, length);
    }
  }

  // keys(prefix): string[]
  Napi::Value Keys(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!Check(info, 1)) return env.Undefined();
    std::string prefix = info[0].As<Napi::String>();
    cmap_iter_handle_t iterator;
    cs_error_t error = cmap_iter_init(handle_, prefix.c_str(), &iterator);
    if (error != CS_OK) return Result(info, "cmap_iter_init", error);
    std::vector<std::string> names;
    char name[CMAP_KEYNAME_MAXLEN + 1];
    size_t length;
    cmap_value_types_t type;
    while ((error = cmap_iter_next(handle_, iterator, name, &length, &type)) == CS_OK) names.emplace_back(name);
    cmap_iter_finalize(handle_, iterator);
    if (error != CS_ERR_NO_SECTIONS) return Result(info, "cmap_iter_next", error);
    Napi::Array result = Napi::Array::New(env, names.size());
    for (size_t index = 0; index < names.size(); index++) result.Set(index, Napi::String::New(env, names[index]));
    return result;
  }

  Napi::Value DeleteKey(const Napi::CallbackInfo& info) {
    if (!Check(info, 1)) return info.Env().Undefined();
    std::string key = info[0].As<Napi::String>();
    cs_error_t error = cmap_delete(handle_, key.c_str());
    if (error == CS_ERR_NOT_EXIST) return info.Env().Undefined();
    return Result(info, "cmap_delete", error);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Shutdown();
    return info.Env().Undefined();
  }

  void Shutdown() {
    if (!open_) return;
    open_ = false;
    cmap_finalize(handle_);
  }

  cmap_handle_t handle_ = 0;
  bool open_ = false;
};

Napi::Value MonotonicNow(const Napi::CallbackInfo& info) { return Napi::BigInt::New(info.Env(), MonotonicNanoseconds()); }

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Quorum", Quorum::Define(env));
  exports.Set("Cmap", Cmap::Define(env));
  exports.Set("monotonicNanoseconds", Napi::Function::New(env, MonotonicNow));
  return exports;
}

}  // namespace

NODE_API_MODULE(samkit_corosync, Init)
