// Text helpers that count what a person sees (code points), not bytes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sendflow::engine {

bool isValidUtf8(std::string_view s);            // strict: no overlongs, surrogates or > U+10FFFF
std::size_t codePointCount(std::string_view s);  // REQUIRES: valid UTF-8
std::string trimmed(std::string_view s);         // ASCII whitespace at both ends

}  // namespace sendflow::engine
