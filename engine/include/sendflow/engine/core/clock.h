// Time is injected: services read it from a Clock so tests can run a year in milliseconds.
// The engine reads no other clock: wall time (dates, expiries, audit) and monotonic time
// (intervals: quiet periods, rate limits, rechecks) both come from here. The system's clock is
// web/app/system_clock.h.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sendflow::engine {

using TimePoint = std::chrono::sys_seconds;
using Date = std::chrono::year_month_day;
// A point on a clock that never goes back and ignores changes to the wall clock; only the
// difference of two of them means anything.
using MonoTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;       // wall time, whole seconds (UTC)
  virtual MonoTime monotonic() const = 0;  // for measuring intervals
};

// A settable clock (tests, `--now`): thread-safe reads of atomic values. Its monotonic time
// moves only when advance() is called (or set() moves the wall time forward), so a test decides
// when a quiet period or a recheck interval has passed.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint t);
  TimePoint now() const override;
  MonoTime monotonic() const override;
  void set(TimePoint t);  // monotonic time advances by the step when it is forward
  // Advances wall and monotonic time together (the wall clock shows whole seconds).
  void advance(std::chrono::nanoseconds by);

 private:
  std::atomic<std::int64_t> wallNanos_;
  std::atomic<std::int64_t> monoNanos_{0};
};

int64_t toUnix(TimePoint t);
TimePoint fromUnix(int64_t s);
Date dateOf(TimePoint t);  // UTC calendar date
TimePoint startOf(Date d);
std::string isoDate(Date d);       // 2026-11-29
std::string isoTime(TimePoint t);  // 2026-11-29T07:51:26Z
std::string ukDate(Date d);        // 29 November 2026
// The time in England (Europe/London: GMT, BST from 01:00 UTC on the last Sunday of March to
// 01:00 UTC on the last Sunday of October), as people read it: "2 December 2026 at 3:48pm".
std::string ukDateTime(TimePoint t);
// An ISO stamp as stored ("2026-12-02T15:48:00Z", or a date alone) as people read it, like
// ukDateTime/ukDate; any other text is returned as it is. Every page and email that shows a
// stored time goes through this or ukDateTime; machine surfaces (API, exports) keep ISO.
std::string ukDateTimeOf(std::string_view iso);
std::optional<Date> parseIsoDate(std::string_view s);  // strict YYYY-MM-DD, valid calendar day
int daysBetween(Date from, Date to);

}  // namespace sendflow::engine
