#include "sendflow/engine/core/utf8.h"

#include <Poco/UTF8Encoding.h>

#include <algorithm>

namespace sendflow::engine::utf8 {
namespace {

// Poco's UTF8Encoding is stateless; one instance serves every thread.
const Poco::UTF8Encoding& encoding() {
  static const Poco::UTF8Encoding kEncoding;
  return kEncoding;
}

struct Step {
  int codePoint;      // < 0: the bytes at this position do not start a valid sequence
  std::size_t bytes;  // sequence length when valid, else 1
};

// The character at s[i]. Poco's queryConvert answers -1 for an invalid sequence and -n when
// the sequence needs n bytes but fewer remain (cut short): both are invalid here.
Step stepAt(std::string_view s, std::size_t i) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(s.data() + i);
  const int remaining = static_cast<int>(std::min<std::size_t>(s.size() - i, 4));
  const int cp = encoding().queryConvert(bytes, remaining);
  if (cp < 0) return {-1, 1};
  return {cp, static_cast<std::size_t>(encoding().sequenceLength(bytes, remaining))};
}

}  // namespace

std::optional<std::u32string> decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const Step step = stepAt(s, i);
    if (step.codePoint < 0) return std::nullopt;
    out.push_back(static_cast<char32_t>(step.codePoint));
    i += step.bytes;
  }
  return out;
}

std::optional<std::size_t> length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) {
    const Step step = stepAt(s, i);
    if (step.codePoint < 0) return std::nullopt;
    i += step.bytes;
  }
  return n;
}

bool isValid(std::string_view s) { return length(s).has_value(); }

std::u32string decodeReplacing(std::string_view s, char32_t replacement) {
  std::u32string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const Step step = stepAt(s, i);
    out.push_back(step.codePoint < 0 ? replacement : static_cast<char32_t>(step.codePoint));
    i += step.bytes;
  }
  return out;
}

std::size_t countLenient(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size(); ++n) i += stepAt(s, i).bytes;
  return n;
}

std::size_t firstCharacterBytes(std::string_view s) { return s.empty() ? 0 : stepAt(s, 0).bytes; }

std::size_t boundaryAtOrBefore(std::string_view s, std::size_t pos) {
  auto isContinuation = [&](std::size_t i) {
    return i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80;
  };
  std::size_t cut = pos;
  while (cut > 0 && isContinuation(cut)) --cut;
  return cut;
}

void append(std::string& out, char32_t codePoint) {
  unsigned char buf[4];
  const int n = encoding().convert(static_cast<int>(codePoint), buf, sizeof buf);
  out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
}

std::string encode(std::u32string_view codePoints) {
  std::string out;
  out.reserve(codePoints.size());
  for (char32_t cp : codePoints) append(out, cp);
  return out;
}

}  // namespace sendflow::engine::utf8
