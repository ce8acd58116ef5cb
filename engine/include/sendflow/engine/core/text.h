// Text helpers. UTF-8 (validity, code points) is in utf8.h.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sendflow::engine {

std::string trimmed(std::string_view s);  // ASCII whitespace at both ends

}  // namespace sendflow::engine
