#include "json_reader.h"

#include <Poco/Exception.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include "json_syntax.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

DefinitionError::DefinitionError(std::string file, std::string jsonPath, const std::string& problem)
    : std::runtime_error(file + ": " + jsonPath + ": " + problem),
      file_(std::move(file)),
      jsonPath_(std::move(jsonPath)) {}

bool isIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 64 || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool isJsonObject(const Var& v) { return !v.isEmpty() && v.type() == typeid(Object::Ptr); }
bool isJsonArray(const Var& v) { return !v.isEmpty() && v.type() == typeid(Array::Ptr); }

std::string jsonTypeName(const Var& v) {
  if (v.isEmpty()) return "null";
  if (isJsonObject(v)) return "an object";
  if (isJsonArray(v)) return "an array";
  if (v.isBoolean()) return "a boolean";
  if (v.isNumeric()) return "a number";
  if (v.isString()) return "a string";
  return "an unknown value";
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void Reader::fail(const std::string& path, const std::string& what) const {
  throw DefinitionError(file_, path, what);
}

Object::Ptr Reader::parse(const std::string& json) const {
  try {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
    Var root = parser.parse(json);
    if (!isJsonObject(root)) fail("$", "the definition must be a JSON object");
    return root.extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    const TextPosition at = jsonSyntaxErrorAt(json);
    fail("$", "invalid JSON at line " + std::to_string(at.line) + ", column " +
                  std::to_string(at.column) + ": " + e.message());
  }
}

void Reader::keys(const Object& o, const std::string& path,
                  std::initializer_list<std::string_view> required,
                  std::initializer_list<std::string_view> optional) const {
  for (auto k : required)
    if (!o.has(std::string(k))) fail(path, "missing required key '" + std::string(k) + "'");
  std::vector<std::string> names;
  o.getNames(names);
  for (const auto& n : names) {
    if (!contains(required, n) && !contains(optional, n))
      fail(path + "." + n, "unknown key '" + n + "'");
  }
}

Object::Ptr Reader::object(const Var& v, const std::string& path) const {
  if (!isJsonObject(v)) fail(path, "expected an object, found " + jsonTypeName(v));
  return v.extract<Object::Ptr>();
}

Array::Ptr Reader::array(const Var& v, const std::string& path) const {
  if (!isJsonArray(v)) fail(path, "expected an array, found " + jsonTypeName(v));
  return v.extract<Array::Ptr>();
}

std::string Reader::string(const Var& v, const std::string& path) const {
  if (v.isEmpty() || !v.isString()) fail(path, "expected a string, found " + jsonTypeName(v));
  return v.extract<std::string>();
}

std::string Reader::identifier(const Var& v, const std::string& path) const {
  std::string s = string(v, path);
  if (!isIdentifier(s))
    fail(path, "'" + s + "' is not a valid id (lower-case letters, digits and _; up to 64)");
  return s;
}

bool Reader::boolean(const Var& v, const std::string& path) const {
  if (v.isEmpty() || !v.isBoolean()) fail(path, "expected true or false, found " + jsonTypeName(v));
  return v.extract<bool>();
}

double Reader::number(const Var& v, const std::string& path) const {
  if (v.isEmpty() || !v.isNumeric() || v.isBoolean())
    fail(path, "expected a number, found " + jsonTypeName(v));
  return v.convert<double>();
}

long Reader::integer(const Var& v, const std::string& path, long min, long max) const {
  if (v.isEmpty() || !v.isInteger() || v.isBoolean())
    fail(path, "expected a whole number, found " + jsonTypeName(v));
  long n = v.convert<long>();
  if (n < min || n > max)
    fail(path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  return n;
}

Duration Reader::duration(const Var& v, const std::string& path) const {
  std::string s = string(v, path);
  auto d = parseDuration(s);
  if (!d) fail(path, "'" + s + "' is not an ISO-8601 duration like P12M, P2W or P30D");
  return *d;
}

std::vector<std::string> Reader::strings(const Var& v, const std::string& path) const {
  std::vector<std::string> out;
  if (v.isString()) {
    out.push_back(v.extract<std::string>());
    return out;
  }
  auto a = array(v, path);
  for (std::size_t i = 0; i < a->size(); ++i)
    out.push_back(string(a->get(static_cast<unsigned>(i)), path + "[" + std::to_string(i) + "]"));
  return out;
}

}  // namespace sendflow::engine
