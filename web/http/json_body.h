// A JSON request body read strictly: parsed whole (duplicate keys refused), then each member
// taken with exactly its documented type. Unknown keys are a 400 naming them; a member of the
// wrong type or out of range is a 422 naming the field. Nothing is guessed: "3" is not 3, 1 is
// not true, "x" is not ["x"], 2^64 - 1 is not an id.
#pragma once

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "sendflow/engine/core/error.h"

namespace sendflow::web {

// Parses a JSON object (UTF-8 already checked by the caller). Throws BadRequest with a message
// when the text is not JSON, not an object, nests deeper than 64 or repeats a key in an object.
Poco::JSON::Object::Ptr parseJsonObject(const std::string& text);

class JsonBody {
 public:
  explicit JsonBody(Poco::JSON::Object::Ptr o);

  // Every key not in `known` is refused (400, each named).
  void allowOnly(std::initializer_list<const char*> known);

  // Readers: absent (or, where allowed, null) gives nullopt, plus "<key> is required" when
  // `required`. A wrong type records "<key> must be …" and gives nullopt.
  std::optional<std::string> text(const std::string& key, bool required = false);
  std::optional<bool> flag(const std::string& key, bool required = false);
  std::optional<std::int64_t> integer(const std::string& key, std::int64_t min, std::int64_t max,
                                      bool required = false);
  std::optional<std::int64_t> id(const std::string& key, bool required = false);  // 1..2^63-1
  std::optional<std::vector<std::string>> texts(const std::string& key, bool required = false);
  Poco::JSON::Object::Ptr object(const std::string& key, bool required = false);

  bool has(const std::string& key) const { return o_->has(key); }

  // The problems found so far: unknown keys first (kBadRequest), then wrong fields (kInvalid).
  std::optional<engine::Error> error() const;

 private:
  void bad(const std::string& key, const std::string& message);
  void missing(const std::string& key, bool required);
  Poco::JSON::Object::Ptr o_;
  std::vector<engine::FieldError> unknown_;
  std::vector<engine::FieldError> invalid_;
};

}  // namespace sendflow::web
