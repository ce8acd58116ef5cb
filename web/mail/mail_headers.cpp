#include "mail/mail_headers.h"

#include <Poco/Base64Encoder.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "sendflow/engine/core/text.h"
#include "sendflow/engine/core/utf8.h"

namespace sendflow::web::mailheader {
namespace {

constexpr std::size_t kFoldAt = 78;      // RFC 5322 2.1.1: lines SHOULD be 78 characters at most
constexpr std::size_t kMaxLine = 998;    // and MUST be 998 at most
constexpr std::size_t kWordOctets = 45;  // "=?UTF-8?B?" + 60 base64 + "?=" = 72 (RFC 2047: 75)

bool isControl(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }

// atext without '=' and '?', so that no plain word can look like an encoded-word.
bool isPlainWordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-/^_`{|}~").find(c) != std::string_view::npos;
}

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t space = text.find(' ', start);
    out.emplace_back(text.substr(start, space == std::string_view::npos ? space : space - start));
    if (space == std::string_view::npos) return out;
    start = space + 1;
  }
}

// Words separated by single spaces, none longer than a folded line can hold.
template <typename CharOk>
bool isPlain(std::string_view text, CharOk charOk) {
  if (text.find("=?") != std::string_view::npos) return false;
  const auto ws = words(text);
  return std::all_of(ws.begin(), ws.end(), [&](const std::string& w) {
    return !w.empty() && w.size() < kFoldAt - 1 && std::all_of(w.begin(), w.end(), charOk);
  });
}

std::string base64(std::string_view bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  encoder.close();
  return out.str();
}

// RFC 2047 encoded-words of whole UTF-8 characters.
std::vector<std::string> encodedWords(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    std::size_t cut = engine::utf8::boundaryAtOrBefore(text, std::min(text.size(), kWordOctets));
    if (cut == 0) cut = std::min(text.size(), kWordOctets);  // not UTF-8: cut anywhere
    out.push_back("=?UTF-8?B?" + base64(text.substr(0, cut)) + "?=");
    text.remove_prefix(cut);
  }
  return out;
}

// Tokens joined by one space each, or by a fold (CRLF + space) where a line would grow too long.
std::string joinFolded(const std::vector<std::string>& tokens, std::size_t column) {
  std::string out;
  std::size_t line = column;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0 && line + 1 + tokens[i].size() > kFoldAt) {
      out += "\r\n ";
      line = 1;
    } else if (i > 0) {
      out += ' ';
      ++line;
    }
    out += tokens[i];
    line += tokens[i].size();
  }
  return out;
}

std::size_t lastLineLength(std::string_view s, std::size_t column) {
  const std::size_t nl = s.rfind('\n');
  return nl == std::string_view::npos ? column + s.size() : s.size() - nl - 1;
}

}  // namespace

std::string oneLine(std::string_view text) {
  std::string out(text);
  std::replace_if(out.begin(), out.end(), isControl, ' ');
  const std::size_t begin = out.find_first_not_of(' ');
  if (begin == std::string::npos) return "";
  return out.substr(begin, out.find_last_not_of(' ') - begin + 1);
}

std::string phrase(std::string_view displayName, std::size_t column) {
  const std::string name = oneLine(displayName);
  if (name.empty()) return "";
  return joinFolded(isPlain(name, isPlainWordChar) ? words(name) : encodedWords(name), column);
}

std::string unstructured(std::string_view text, std::size_t column) {
  const std::string value = oneLine(text);
  const bool plain = !value.empty() && isPlain(value, [](char c) { return c > ' ' && c < 0x7f; });
  return joinFolded(plain ? words(value) : encodedWords(value), column);
}

std::string mailbox(const engine::EmailAddress& address, std::string_view displayName,
                    std::size_t column) {
  std::string out = phrase(displayName, column);
  if (out.empty()) return address.str();
  const std::string angle = "<" + address.str() + ">";
  out += lastLineLength(out, column) + 1 + angle.size() > kFoldAt ? "\r\n " : " ";
  return out + angle;
}

bool isSafeHeader(std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(),
                                   [](char c) { return c > ' ' && c < 0x7f && c != ':'; }))
    return false;
  std::size_t line = name.size() + 2;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\r') {  // only as a fold: CRLF then a space or tab
      if (i + 2 >= value.size() || value[i + 1] != '\n' ||
          (value[i + 2] != ' ' && value[i + 2] != '\t'))
        return false;
      ++i;
      line = 0;
      continue;
    }
    if ((isControl(c) && c != '\t') || static_cast<unsigned char>(c) > 0x7f || ++line > kMaxLine)
      return false;
  }
  return true;
}

void requireSafeHeaders(const Poco::Net::MessageHeader& headers) {
  for (const auto& [name, value] : headers)
    if (!isSafeHeader(name, value))
      throw std::logic_error("unsafe mail header '" + engine::trimmed(oneLine(name)) + "'");
}

}  // namespace sendflow::web::mailheader
