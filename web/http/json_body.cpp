#include "http/json_body.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <limits>
#include <set>
#include <stack>

#include "http/http.h"

namespace sendflow::web {
namespace {

constexpr std::size_t kMaxDepth = 64;

class DuplicateKey : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Poco's handler builds the value; this one also refuses a key seen twice in one object
// (Poco keeps the last, so two readers of the same body could disagree on what it says).
class StrictHandler : public Poco::JSON::ParseHandler {
 public:
  StrictHandler() : Poco::JSON::ParseHandler(false) {}
  void reset() override {
    Poco::JSON::ParseHandler::reset();
    keys_ = {};
  }
  void startObject() override {
    keys_.emplace();
    Poco::JSON::ParseHandler::startObject();
  }
  void endObject() override {
    if (!keys_.empty()) keys_.pop();
    Poco::JSON::ParseHandler::endObject();
  }
  void key(const std::string& k) override {
    if (!keys_.empty() && !keys_.top().insert(k).second)
      throw DuplicateKey("The JSON body repeats the key \"" + k.substr(0, 60) +
                         "\" in one object.");
    Poco::JSON::ParseHandler::key(k);
  }

 private:
  std::stack<std::set<std::string>> keys_;
};

// The integer a JSON number holds, if it is one (never a bool, a double or a string).
std::optional<std::int64_t> integerOf(const Poco::Dynamic::Var& v, bool& tooLarge) {
  const auto& t = v.type();
  if (t == typeid(int)) return v.extract<int>();
  if (t == typeid(unsigned)) return static_cast<std::int64_t>(v.extract<unsigned>());
  if (t == typeid(Poco::Int64)) return static_cast<std::int64_t>(v.extract<Poco::Int64>());
  if (t == typeid(Poco::UInt64)) {
    const auto u = v.extract<Poco::UInt64>();
    if (u > static_cast<Poco::UInt64>(std::numeric_limits<std::int64_t>::max())) {
      tooLarge = true;
      return std::nullopt;
    }
    return static_cast<std::int64_t>(u);
  }
  return std::nullopt;
}

}  // namespace

Poco::JSON::Object::Ptr parseJsonObject(const std::string& text) {
  Poco::Dynamic::Var v;
  try {
    Poco::JSON::Parser parser(new StrictHandler);
    parser.setDepth(kMaxDepth);
    v = parser.parse(text);
  } catch (const DuplicateKey& e) {
    throw BadRequest(e.what());
  } catch (const Poco::Exception& e) {
    throw BadRequest("The JSON body could not be parsed: " + e.message());
  }
  if (v.type() != typeid(Poco::JSON::Object::Ptr))
    throw BadRequest("The JSON body must be an object.");
  auto o = v.extract<Poco::JSON::Object::Ptr>();
  if (!o) throw BadRequest("The JSON body must be an object.");
  return o;
}

JsonBody::JsonBody(Poco::JSON::Object::Ptr o) : o_(std::move(o)) {}

void JsonBody::allowOnly(std::initializer_list<const char*> known) {
  std::string list;
  for (const char* k : known) list += (list.empty() ? "" : ", ") + std::string(k);
  for (const auto& member : *o_) {
    const std::string& k = member.first;
    if (std::none_of(known.begin(), known.end(), [&](const char* a) { return k == a; }))
      unknown_.push_back({k, "\"" + k.substr(0, 60) + "\" is not a field of this request" +
                                 (list.empty() ? " (it takes none)" : " (it takes " + list + ")")});
  }
}

void JsonBody::bad(const std::string& key, const std::string& message) {
  invalid_.push_back({key, key + " " + message});
}

void JsonBody::missing(const std::string& key, bool required) {
  if (required) bad(key, "is required");
}

std::optional<std::string> JsonBody::text(const std::string& key, bool required) {
  if (!o_->has(key)) return missing(key, required), std::nullopt;
  auto v = o_->get(key);
  if (v.isEmpty() || !v.isString() || v.type() != typeid(std::string)) {
    bad(key, "must be a string");
    return std::nullopt;
  }
  return v.extract<std::string>();
}

std::optional<bool> JsonBody::flag(const std::string& key, bool required) {
  if (!o_->has(key)) return missing(key, required), std::nullopt;
  auto v = o_->get(key);
  if (v.type() != typeid(bool)) {
    bad(key, "must be true or false");
    return std::nullopt;
  }
  return v.extract<bool>();
}

std::optional<std::int64_t> JsonBody::integer(const std::string& key, std::int64_t min,
                                              std::int64_t max, bool required) {
  if (!o_->has(key)) return missing(key, required), std::nullopt;
  bool tooLarge = false;
  auto n = integerOf(o_->get(key), tooLarge);
  if (!n && !tooLarge) {
    bad(key, "must be a whole number");
    return std::nullopt;
  }
  if (!n || *n < min || *n > max) {
    bad(key, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
    return std::nullopt;
  }
  return n;
}

std::optional<std::int64_t> JsonBody::id(const std::string& key, bool required) {
  return integer(key, 1, std::numeric_limits<std::int64_t>::max(), required);
}

std::optional<std::vector<std::string>> JsonBody::texts(const std::string& key, bool required) {
  if (!o_->has(key)) return missing(key, required), std::nullopt;
  auto v = o_->get(key);
  if (v.type() != typeid(Poco::JSON::Array::Ptr) || !v.extract<Poco::JSON::Array::Ptr>()) {
    bad(key, "must be a list of strings");
    return std::nullopt;
  }
  const auto& a = *v.extract<Poco::JSON::Array::Ptr>();
  std::vector<std::string> out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto x = a.get(static_cast<unsigned>(i));
    if (x.type() != typeid(std::string)) {
      invalid_.push_back({key + "[" + std::to_string(i) + "]",
                          key + "[" + std::to_string(i) + "] must be a string"});
      return std::nullopt;
    }
    out.push_back(x.extract<std::string>());
  }
  return out;
}

Poco::JSON::Object::Ptr JsonBody::object(const std::string& key, bool required) {
  if (!o_->has(key)) return missing(key, required), nullptr;
  auto v = o_->get(key);
  if (v.type() != typeid(Poco::JSON::Object::Ptr) || !v.extract<Poco::JSON::Object::Ptr>()) {
    bad(key, "must be an object");
    return nullptr;
  }
  return v.extract<Poco::JSON::Object::Ptr>();
}

std::optional<engine::Error> JsonBody::error() const {
  if (!unknown_.empty()) {
    std::string names;
    for (const auto& f : unknown_) names += (names.empty() ? "" : ", ") + f.field.substr(0, 60);
    return engine::Error{
        engine::ErrorCode::kBadRequest,
        "Unknown field" + std::string(unknown_.size() > 1 ? "s" : "") + " in the request: " + names,
        unknown_};
  }
  if (!invalid_.empty()) return engine::invalid("Check the request's fields", invalid_);
  return std::nullopt;
}

}  // namespace sendflow::web
