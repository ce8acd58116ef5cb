// Strict decoding of what arrives in a URL or a form post. Poco's URI::decode lets a decoded
// NUL or line break through and its errors surface as exceptions far from the input; these
// refuse malformed input where it is read, with a message that names it.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sendflow::web {

// RFC 3986 percent-decoding: each '%' must be followed by two hex digits. With plusIsSpace
// (application/x-www-form-urlencoded) '+' is a space. nullopt when an escape is malformed.
std::optional<std::string> percentDecode(std::string_view s, bool plusIsSpace);

// The path of a request target ("/plans/7" of "/plans/7?x=1"), decoded. Throws BadRequest when
// an escape is malformed, the decoded path is not UTF-8 or holds a control character.
std::string decodeRequestPath(std::string_view rawPath);

// name=value pairs of an application/x-www-form-urlencoded text (a form body or a query
// string), in order. Throws BadRequest (naming the field) when an escape is malformed, a name
// or value is not UTF-8, a name holds a control character, or there are more than maxFields
// pairs. Which control characters a value may hold is the rule of the field it fills (the
// engine's validators), or of the parser that reads it (numbers, local paths).
using FormFields = std::vector<std::pair<std::string, std::string>>;
FormFields decodeFormFields(std::string_view text, std::size_t maxFields);

}  // namespace sendflow::web
