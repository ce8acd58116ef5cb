#include "sendflow/engine/core/clock.h"

#include <catch2/catch.hpp>

using namespace sendflow::engine;
using namespace std::chrono;

namespace {
TimePoint at(int y, unsigned m, unsigned d, int h, int min) {
  return TimePoint{sys_days{year{y} / month{m} / day{d}} + hours{h} + minutes{min}};
}
}  // namespace

TEST_CASE("times read as people in England read them", "[engine][clock]") {
  CHECK(ukDateTime(at(2026, 12, 2, 15, 48)) == "2 December 2026 at 3:48pm");  // GMT
  CHECK(ukDateTime(at(2026, 12, 2, 0, 5)) == "2 December 2026 at 12:05am");
  CHECK(ukDateTime(at(2026, 12, 2, 12, 0)) == "2 December 2026 at 12:00pm");
  CHECK(ukDateTime(at(2026, 7, 1, 23, 30)) == "2 July 2026 at 12:30am");  // BST moves the day
}

TEST_CASE("British Summer Time starts and ends at 01:00 UTC on the last Sundays",
          "[engine][clock]") {
  // 2026: the clocks go forward on 29 March and back on 25 October.
  CHECK(ukDateTime(at(2026, 3, 29, 0, 59)) == "29 March 2026 at 12:59am");
  CHECK(ukDateTime(at(2026, 3, 29, 1, 0)) == "29 March 2026 at 2:00am");
  CHECK(ukDateTime(at(2026, 10, 25, 0, 59)) == "25 October 2026 at 1:59am");
  CHECK(ukDateTime(at(2026, 10, 25, 1, 0)) == "25 October 2026 at 1:00am");
  // 2027: 28 March and 31 October.
  CHECK(ukDateTime(at(2027, 3, 28, 1, 0)) == "28 March 2027 at 2:00am");
  CHECK(ukDateTime(at(2027, 10, 31, 0, 30)) == "31 October 2027 at 1:30am");
  CHECK(ukDateTime(at(2027, 10, 31, 1, 30)) == "31 October 2027 at 1:30am");
}
