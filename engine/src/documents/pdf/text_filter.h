// Text as the renderer draws it: UTF-8 decoded, invisible characters dropped, and every run of
// characters the fonts cannot show replaced by one visible placeholder naming its script.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace sendflow::engine::pdf {

// Code points of UTF-8 text (engine/core/utf8), each invalid byte decoded as kBadUtf8
// (scripts.h), so it becomes a visible placeholder instead of vanishing.
std::u32string decodeUtf8(std::string_view s);
// The byte offset of each code point of decodeUtf8(s) in s, and s.size() last: so text is cut
// from the bytes it came from instead of being encoded again.
std::vector<std::size_t> byteOffsets(const std::u32string& decoded);

struct Cleaned {
  std::string text;
  bool replaced = false;  // a placeholder was written
};

// CR LF and lone CR become "\n", tabs a space; `shown(cp)` says which characters the fonts draw.
Cleaned clean(std::string_view utf8, const std::function<bool(char32_t)>& shown);

}  // namespace sendflow::engine::pdf
