// Where a definition's JSON breaks: Poco's parser says what is wrong but not where.
#pragma once

#include <string>

namespace sendflow::engine {

struct TextPosition {
  int line = 1;    // 1-based
  int column = 1;  // 1-based, in characters (code points), not bytes
};

// The position of the first syntax error of `json` by a small strict scanner (RFC 8259 grammar,
// nesting up to 200 deep); the end of the text when the scanner finds none.
TextPosition jsonSyntaxErrorAt(const std::string& json);

}  // namespace sendflow::engine
