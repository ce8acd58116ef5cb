// Canonical JSON: object keys sorted by UTF-8 bytes, no insignificant whitespace, strings
// escaped minimally (", \\, control characters), integers without exponent or fraction, other
// numbers in shortest round-trip form. The same values always give the same bytes, so a hash of
// them identifies a version (contentHash) and definitions are snapshotted byte for byte.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <initializer_list>
#include <string>
#include <utility>

namespace sendflow::engine {

// Throw std::invalid_argument for NaN/infinity, nesting deeper than 64 or an unsupported type.
std::string canonicalJson(const Poco::Dynamic::Var& v);
std::string canonicalJson(const Poco::JSON::Object& o);
// A number as canonical JSON writes it: "3", "2.5", "0.1".
std::string canonicalNumber(double d);
std::string contentHash(const Poco::JSON::Object& values);  // SHA-256 hex of canonicalJson
// Canonical JSON of a few key/value pairs: the detail of an audit event.
std::string detailJson(std::initializer_list<std::pair<const char*, Poco::Dynamic::Var>> items);

}  // namespace sendflow::engine
