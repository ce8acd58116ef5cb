// The one UTF-8 module: strict where input is judged, explicit where bad bytes are stepped over.
#include "sendflow/engine/core/utf8.h"

#include <catch2/catch.hpp>
#include <string>

using namespace sendflow::engine;

TEST_CASE("utf8 decodes and encodes every length of sequence", "[engine][utf8]") {
  const std::string text = "a\xC3\xAB\xE2\x82\xAC\xF0\x9F\xA6\xBD";  // a ë € 🦽
  auto cps = utf8::decode(text);
  REQUIRE(cps);
  CHECK(*cps == std::u32string{U'a', U'\u00EB', U'\u20AC', U'\U0001F9BD'});
  CHECK(utf8::encode(*cps) == text);
  CHECK(utf8::length(text) == 4u);
  CHECK(utf8::isValid(text));
  CHECK(utf8::isValid(""));
  CHECK(utf8::encode(U"\U0010FFFF") == "\xF4\x8F\xBF\xBF");  // the last code point
}

TEST_CASE("utf8 refuses overlong forms, surrogates, truncation and > U+10FFFF", "[engine][utf8]") {
  const char* bad[] = {
      "\xC0\xAF",              // overlong '/'
      "\xC1\xBF",              // overlong
      "\xE0\x80\xAF",          // overlong (3 bytes)
      "\xF0\x80\x80\xAF",      // overlong (4 bytes)
      "\xED\xA0\x80",          // U+D800, a surrogate
      "\xED\xBF\xBF",          // U+DFFF
      "\xF4\x90\x80\x80",      // U+110000
      "\xF5\x80\x80\x80",      // lead byte beyond U+10FFFF
      "\xF8\x88\x80\x80\x80",  // 5-byte form
      "\xC3",                  // truncated at the end
      "abc\xE2\x82",           // truncated at the end
      "\xE2\x82x",             // cut short by an ASCII byte
      "\x80",                  // stray continuation byte
      "a\xBF"
      "b",     // stray continuation byte in the middle
      "\xFF",  // never valid
  };
  for (const char* s : bad) {
    INFO(s);
    CHECK_FALSE(utf8::isValid(s));
    CHECK_FALSE(utf8::decode(s));
    CHECK_FALSE(utf8::length(s));
  }
  CHECK(utf8::isValid("\xED\x9F\xBF"));      // U+D7FF, just below the surrogates
  CHECK(utf8::isValid("\xEE\x80\x80"));      // U+E000, just above
  CHECK(utf8::isValid("\xF0\x90\x80\x80"));  // U+10000, the shortest 4-byte form
}

TEST_CASE("utf8 replaces and counts bad bytes one by one only where asked", "[engine][utf8]") {
  CHECK(utf8::decodeReplacing("a\xC0\xAF"
                              "b",
                              U'?') == U"a??b");
  CHECK(utf8::decodeReplacing("\xE2\x82", U'\uFFFD') == U"\uFFFD\uFFFD");
  CHECK(utf8::countLenient("Zo\xC3\xAB") == 3u);
  CHECK(utf8::countLenient("Zo\xC3") == 3u);
  CHECK(utf8::firstCharacterBytes("\xF0\x9F\xA6\xBD!") == 4u);
  CHECK(utf8::firstCharacterBytes("\xC3x") == 1u);
  CHECK(utf8::firstCharacterBytes("") == 0u);
}

TEST_CASE("utf8 finds a cut that splits no character", "[engine][utf8]") {
  const std::string s =
      "ab\xE2\x82\xAC"
      "c";  // a b € c
  CHECK(utf8::boundaryAtOrBefore(s, 2) == 2u);
  CHECK(utf8::boundaryAtOrBefore(s, 3) == 2u);
  CHECK(utf8::boundaryAtOrBefore(s, 4) == 2u);
  CHECK(utf8::boundaryAtOrBefore(s, 5) == 5u);
  CHECK(utf8::boundaryAtOrBefore(s, s.size()) == s.size());
  CHECK(utf8::boundaryAtOrBefore("\x80\x80", 1) == 0u);
}
