#include "text_filter.h"

#include "scripts.h"
#include "sendflow/engine/core/utf8.h"

namespace sendflow::engine::pdf {

std::u32string decodeUtf8(std::string_view s) { return utf8::decodeReplacing(s, kBadUtf8); }

std::vector<std::size_t> byteOffsets(const std::u32string& decoded) {
  std::vector<std::size_t> at;
  at.reserve(decoded.size() + 1);
  std::size_t offset = 0;
  for (char32_t cp : decoded) {
    at.push_back(offset);
    offset += cp == kBadUtf8 || cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  at.push_back(offset);
  return at;
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
  const std::u32string in = decodeUtf8(utf8);
  const std::vector<std::size_t> at = byteOffsets(in);
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
      out.text.append(utf8.substr(at[i], at[i + 1] - at[i]));
      ++i;
      continue;
    }
    // Zero-width (non-)joiners inside a shaped script (Persian, Urdu, Indic conjuncts) change
    // its shapes: they stay, and extract as typed.
    if ((cp == 0x200C || cp == 0x200D) && i > 0 && i + 1 < in.size() && visible(in[i - 1]) &&
        visible(in[i + 1]) && kindOf(in[i - 1]).tag == Kind::kScript &&
        row(kindOf(in[i - 1]).family).joiners) {
      out.text.append(utf8.substr(at[i], at[i + 1] - at[i]));
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
