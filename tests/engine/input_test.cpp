#include "sendflow/engine/core/input.h"

#include <catch2/catch.hpp>
#include <limits>
#include <string>

using namespace sendflow::engine;
using namespace std::string_literals;

TEST_CASE("integers are the whole text, digits only, in range", "[engine][input]") {
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  CHECK(parseInteger("0", 0, 10) == 0);
  CHECK(parseInteger("-3", -5, 5) == -3);
  CHECK(parseId("9223372036854775807") == kMax);
  for (const char* bad : {"", "-", "3abc", " 3", "3 ", "+3", "0x1F", "1e3", "3.0", "٣"}) {
    INFO(bad);
    CHECK_FALSE(parseInteger(bad, -100, 100));
  }
  CHECK_FALSE(parseId("9223372036854775808"));   // 2^63
  CHECK_FALSE(parseId("18446744073709551615"));  // 2^64 - 1
  CHECK_FALSE(
      parseInteger("-99999999999999999999999", std::numeric_limits<std::int64_t>::min(), 0));
  CHECK_FALSE(parseId("0"));
  CHECK_FALSE(parseId("-1"));
  CHECK_FALSE(parseInteger("11", 0, 10));
}

TEST_CASE("one line refuses line breaks and control characters, long text allows line breaks",
          "[engine][input]") {
  CHECK_FALSE(textProblem("Zoë O'Neill\tx", TextShape::kLine));
  for (const auto& bad : {"a\rb"s, "a\nb"s, "a\r\nb"s, "a\0b"s, "a\x1b"s, "a\x7f"s, "\x01"s}) {
    CHECK(textProblem(bad, TextShape::kLine));
  }
  CHECK_FALSE(textProblem("one\ntwo\r\nthree\t", TextShape::kLongText));
  for (const auto& bad : {"a\rb"s, "a\0b"s, "a\x1b"s, "a\r"s}) {
    CHECK(textProblem(bad, TextShape::kLongText));
  }
  std::vector<FieldError> errs;
  CHECK_FALSE(checkText(errs, "name", "The name", "A\r\nBcc: x@evil.test", TextShape::kLine));
  REQUIRE(errs.size() == 1);
  CHECK(errs[0].field == "name");
  CHECK(errs[0].message == "The name must be on one line (no line breaks)");
}
