#include "http/url_decoding.h"

#include "http/http.h"
#include "sendflow/engine/core/input.h"
#include "sendflow/engine/core/utf8.h"

namespace sendflow::web {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A short, printable rendering of a client's name for a message (never the raw bytes).
std::string shown(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 40)) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u == 0x7F ? '?' : c);
  }
  return out;
}

}  // namespace

std::optional<std::string> percentDecode(std::string_view s, bool plusIsSpace) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      const int hi = hexValue(s[i + 1]), lo = hexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plusIsSpace) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string decodeRequestPath(std::string_view rawPath) {
  auto path = percentDecode(rawPath, false);
  if (!path)
    throw BadRequest(
        "The address has a malformed %-escape (a % must be followed by two hex digits).");
  if (!engine::utf8::isValid(*path)) throw BadRequest("The address is not valid UTF-8.");
  if (engine::textProblem(*path, engine::TextShape::kLine))
    throw BadRequest("The address contains a control character.");
  return *path;
}

FormFields decodeFormFields(std::string_view text, std::size_t maxFields) {
  FormFields out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('&', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view pair = text.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    if (out.size() == maxFields)
      throw BadRequest("The form has more than " + std::to_string(maxFields) + " fields.");
    const std::size_t eq = pair.find('=');
    const std::string_view rawName = pair.substr(0, eq);
    const std::string_view rawValue = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
    auto name = percentDecode(rawName, true);
    if (!name)
      throw BadRequest(
          "A field name has a malformed %-escape (a % must be followed by two hex digits).");
    auto value = percentDecode(rawValue, true);
    if (!value)
      throw BadRequest("The field '" + shown(*name) +
                       "' has a malformed %-escape (a % must be followed by two hex digits).");
    if (!engine::utf8::isValid(*name) || !engine::utf8::isValid(*value))
      throw BadRequest("The field '" + shown(*name) + "' is not valid UTF-8.");
    if (engine::textProblem(*name, engine::TextShape::kLine))
      throw BadRequest("A field name contains a control character.");
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

}  // namespace sendflow::web
