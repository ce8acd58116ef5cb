#include "json_syntax.h"

#include <algorithm>
#include <cctype>
#include <string_view>

#include "sendflow/engine/core/utf8.h"

namespace sendflow::engine {
namespace {

// Scans until the first byte that cannot continue valid JSON; position() is then that byte.
class SyntaxScanner {
 public:
  explicit SyntaxScanner(const std::string& s) : s_(s) {}

  std::size_t scan() {
    try {
      ws();
      value(0);
      ws();
    } catch (const Stop&) {
    }
    return i_;
  }

 private:
  struct Stop {};

  bool at(char c) const { return i_ < s_.size() && s_[i_] == c; }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
      ++i_;
  }
  void expect(char c) {
    if (!at(c)) throw Stop{};
    ++i_;
  }
  void value(int depth) {
    if (depth > 200 || i_ >= s_.size()) throw Stop{};
    if (at('{')) return members(depth);
    if (at('[')) return elements(depth);
    if (at('"')) return string();
    for (std::string_view literal : {"true", "false", "null"}) {
      if (s_.compare(i_, literal.size(), literal) == 0) {
        i_ += literal.size();
        return;
      }
    }
    number();
  }
  void members(int depth) {
    expect('{');
    ws();
    if (at('}')) {
      ++i_;
      return;
    }
    for (;;) {
      ws();
      string();
      ws();
      expect(':');
      ws();
      value(depth + 1);
      ws();
      if (!at(',')) return expect('}');
      ++i_;
    }
  }
  void elements(int depth) {
    expect('[');
    ws();
    if (at(']')) {
      ++i_;
      return;
    }
    for (;;) {
      ws();
      value(depth + 1);
      ws();
      if (!at(',')) return expect(']');
      ++i_;
    }
  }
  void string() {
    expect('"');
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '"') {
        ++i_;
        return;
      }
      if (static_cast<unsigned char>(c) < 0x20) throw Stop{};
      if (c == '\\') escape();
      ++i_;
    }
    throw Stop{};
  }
  void escape() {
    ++i_;
    if (i_ >= s_.size()) throw Stop{};
    const char e = s_[i_];
    if (e == 'u') {
      for (int k = 0; k < 4; ++k) {
        ++i_;
        if (i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_]))) throw Stop{};
      }
    } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
      throw Stop{};
    }
  }
  void digits() {
    const std::size_t start = i_;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    if (start == i_) throw Stop{};
  }
  void number() {
    if (at('-')) ++i_;
    digits();
    if (at('.')) {
      ++i_;
      digits();
    }
    if (at('e') || at('E')) {
      ++i_;
      if (at('+') || at('-')) ++i_;
      digits();
    }
  }

  const std::string& s_;
  std::size_t i_ = 0;
};

}  // namespace

TextPosition jsonSyntaxErrorAt(const std::string& json) {
  const std::size_t end = std::min(SyntaxScanner(json).scan(), json.size());
  const std::string_view before = std::string_view(json).substr(0, end);
  TextPosition pos;
  std::size_t lineStart = 0;
  for (std::size_t k = 0; k < before.size(); ++k) {
    if (before[k] == '\n') {
      ++pos.line;
      lineStart = k + 1;
    }
  }
  pos.column = 1 + static_cast<int>(utf8::countLenient(before.substr(lineStart)));
  return pos;
}

}  // namespace sendflow::engine
