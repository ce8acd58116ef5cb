// Text helpers. UTF-8 (validity, code points) is in utf8.h.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sendflow::engine {

std::string trimmed(std::string_view s);  // ASCII whitespace at both ends

// "1 pupil", "3 pupils", "0 pupils": a count with its words for one and for many, never
// "pupil(s)".
inline std::string countOf(long n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

}  // namespace sendflow::engine
