#include "text_filter.h"

#include "scripts.h"

namespace sendflow::engine::pdf {

std::u32string decodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    char32_t cp = 0;
    std::size_t len = 0;
    if (b < 0x80) {
      cp = b;
      len = 1;
    } else if ((b & 0xE0) == 0xC0) {
      cp = b & 0x1F;
      len = 2;
    } else if ((b & 0xF0) == 0xE0) {
      cp = b & 0x0F;
      len = 3;
    } else if ((b & 0xF8) == 0xF0) {
      cp = b & 0x07;
      len = 4;
    }
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (c & 0x3F);
    }
    // Reject overlong forms, surrogates and values beyond Unicode.
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (ok && (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
    if (!ok) {
      out.push_back(kBadUtf8);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += len;
  }
  return out;
}

void appendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}
namespace {

// The end of the run of unshown characters of `kind` starting at i: characters of the same
// script, with the spaces between its words, and the marks attached to them.
std::size_t unshownRunEnd(const std::u32string& in, std::size_t i, Kind kind,
                          const std::function<bool(char32_t)>& visible) {
  std::size_t j = i + 1;
  for (;;) {
    if (j < in.size() && !visible(in[j]) && in[j] != '\n' &&
        (attaches(in[j]) || ignorable(in[j]) || kindOf(in[j]) == kind)) {
      ++j;
      continue;
    }
    std::size_t k = j;
    while (k < in.size() && (in[k] == ' ' || in[k] == 0x00A0)) ++k;
    if (k > j && k < in.size() && !visible(in[k]) && kindOf(in[k]) == kind) {
      j = k;
      continue;
    }
    return j;
  }
}

}  // namespace

Cleaned clean(std::string_view utf8, const std::function<bool(char32_t)>& shown) {
  std::u32string in = decodeUtf8(utf8);
  Cleaned out;
  out.text.reserve(utf8.size());
  std::size_t i = 0;
  const std::function<bool(char32_t)> visible = [&](char32_t cp) {
    return cp != kBadUtf8 && shown(cp);
  };
  while (i < in.size()) {
    char32_t cp = in[i];
    if (cp == '\r') {
      if (i + 1 >= in.size() || in[i + 1] != '\n') out.text.push_back('\n');
      ++i;
      continue;
    }
    if (cp == '\t') {
      out.text.push_back(' ');
      ++i;
      continue;
    }
    if (cp == '\n' || visible(cp)) {
      appendUtf8(out.text, cp);
      ++i;
      continue;
    }
    if (ignorable(cp) || (attaches(cp) && i > 0 && visible(in[i - 1]))) {
      ++i;  // invisible, or a selector/modifier on a character we do show
      continue;
    }
    // A run of characters we cannot show: one placeholder per run of the same kind.
    Kind kind = kindOf(cp);
    out.text += "[";
    out.text += describe(kind);
    out.text += " not shown — see the online record]";
    out.replaced = true;
    i = unshownRunEnd(in, i, kind, visible);
  }
  return out;
}

}  // namespace sendflow::engine::pdf
