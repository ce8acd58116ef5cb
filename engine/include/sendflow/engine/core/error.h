// Expected outcomes of engine commands: a closed set of codes the web layer maps to HTTP.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "sendflow/engine/core/message.h"

namespace sendflow::engine {

enum class ErrorCode {
  kInvalid,         // 422 (or 400 for unparseable input): fields name what is wrong
  kBadRequest,      // 400: the request itself is malformed
  kUnauthorized,    // 401: no valid session
  kForbidden,       // 403: the actor may not do this
  kNotFound,        // 404: missing, or outside the actor's academies
  kConflict,        // 409: stale version or wrong state
  kGone,            // 410: expired or used link
  kTooManyRequests  // 429: throttled
};

// `message` is plain English (staff pages, the API, logs). `text`, when set, is the same
// message for a contact to read in their language (message.h); str() of it is `message`.
struct FieldError {
  std::string field;    // field id or form input name
  std::string message;  // plain English, shown to the user
  Text text{};
};

struct Error {
  ErrorCode code;
  std::string message;
  std::vector<FieldError> fields;  // for kInvalid
  int retryAfterSeconds = 0;       // for kTooManyRequests
  Text text{};
};

inline FieldError fieldError(std::string field, Text t) {
  std::string message = t.str();
  return FieldError{std::move(field), std::move(message), std::move(t)};
}
inline Error errorOf(ErrorCode code, Text t, std::vector<FieldError> fields = {},
                     int retryAfterSeconds = 0) {
  std::string message = t.str();
  return Error{code, std::move(message), std::move(fields), retryAfterSeconds, std::move(t)};
}
inline Error invalid(Text t, std::vector<FieldError> fields = {}) {
  return errorOf(ErrorCode::kInvalid, std::move(t), std::move(fields));
}
inline Error notFound(Text t) { return errorOf(ErrorCode::kNotFound, std::move(t)); }
inline Error forbidden(Text t) { return errorOf(ErrorCode::kForbidden, std::move(t)); }
inline Error conflict(Text t) { return errorOf(ErrorCode::kConflict, std::move(t)); }
inline Error gone(Text t) { return errorOf(ErrorCode::kGone, std::move(t)); }

inline Error invalid(std::string message, std::vector<FieldError> fields = {}) {
  return Error{ErrorCode::kInvalid, std::move(message), std::move(fields)};
}
inline Error notFound(std::string what = "Not found") {
  return Error{ErrorCode::kNotFound, std::move(what), {}};
}
inline Error forbidden(std::string why) { return Error{ErrorCode::kForbidden, std::move(why), {}}; }
inline Error conflict(std::string why) { return Error{ErrorCode::kConflict, std::move(why), {}}; }
inline Error gone(std::string why) { return Error{ErrorCode::kGone, std::move(why), {}}; }

// A value or an Error. REQUIRES: value() only when ok(), error() only when !ok().
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>
struct Ok {};
using Status = Result<Ok>;

// Infrastructure faults (disk, SQLite, OpenSSL, libharu): thrown by adapters, caught at one
// boundary per request/command, never shown to a client.
class InfraError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace sendflow::engine
