#include "sendflow/engine/core/canonical_json.h"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "sendflow/engine/core/crypto.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

void writeString(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static const char* kHex = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void writeCanonical(std::string& out, const Var& v, int depth);

void writeObject(std::string& out, const Object& o, int depth) {
  std::vector<std::string> names;
  o.getNames(names);
  std::sort(names.begin(), names.end());
  out += '{';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) out += ',';
    writeString(out, names[i]);
    out += ':';
    writeCanonical(out, o.get(names[i]), depth + 1);
  }
  out += '}';
}

void writeArray(std::string& out, const Array& a, int depth) {
  out += '[';
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i) out += ',';
    writeCanonical(out, a.get(static_cast<unsigned>(i)), depth + 1);
  }
  out += ']';
}

void writeCanonical(std::string& out, const Var& v, int depth) {
  if (depth > 64) throw std::invalid_argument("JSON nested too deeply");
  if (v.isEmpty()) {
    out += "null";
  } else if (v.type() == typeid(Object)) {  // Poco stores nested objects by value too
    writeObject(out, v.extract<Object>(), depth);
  } else if (v.type() == typeid(Array)) {
    writeArray(out, v.extract<Array>(), depth);
  } else if (v.type() == typeid(Object::Ptr)) {
    writeObject(out, *v.extract<Object::Ptr>(), depth);
  } else if (v.type() == typeid(Array::Ptr)) {
    writeArray(out, *v.extract<Array::Ptr>(), depth);
  } else if (v.isBoolean()) {
    out += v.extract<bool>() ? "true" : "false";
  } else if (v.isString()) {
    writeString(out, v.extract<std::string>());
  } else if (v.isInteger()) {
    if (v.isSigned())
      out += std::to_string(v.convert<Poco::Int64>());
    else
      out += std::to_string(v.convert<Poco::UInt64>());
  } else if (v.isNumeric()) {
    out += canonicalNumber(v.convert<double>());
  } else {
    throw std::invalid_argument("value of an unsupported type in canonical JSON");
  }
}

}  // namespace

std::string canonicalNumber(double d) {
  if (!std::isfinite(d)) throw std::invalid_argument("canonical JSON has no NaN or infinity");
  if (d == 0) return "0";
  if (std::trunc(d) == d && std::fabs(d) < 9007199254740992.0) {
    return std::to_string(static_cast<long long>(d));
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

std::string canonicalJson(const Var& v) {
  std::string out;
  writeCanonical(out, v, 0);
  return out;
}

std::string canonicalJson(const Object& o) {
  Object::Ptr p = new Object(o);
  return canonicalJson(Var(p));
}

std::string detailJson(std::initializer_list<std::pair<const char*, Poco::Dynamic::Var>> items) {
  Poco::JSON::Object o;
  for (const auto& [k, v] : items) o.set(k, v);
  return canonicalJson(o);
}

std::string contentHash(const Object& values) { return sha256Hex(canonicalJson(values)); }

}  // namespace sendflow::engine
