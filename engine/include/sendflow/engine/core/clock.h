// Time is injected: services read it from a Clock so tests can run a year in milliseconds.
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

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
};

// A settable clock (tests, `--now`): thread-safe reads of an atomic value.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(TimePoint t);
  TimePoint now() const override;
  void set(TimePoint t);
  void advance(std::chrono::seconds by);

 private:
  std::atomic<std::int64_t> seconds_;
};

int64_t toUnix(TimePoint t);
TimePoint fromUnix(int64_t s);
Date dateOf(TimePoint t);  // UTC calendar date
TimePoint startOf(Date d);
std::string isoDate(Date d);                           // 2026-11-29
std::string isoTime(TimePoint t);                      // 2026-11-29T07:51:26Z
std::string ukDate(Date d);                            // 29 November 2026
std::optional<Date> parseIsoDate(std::string_view s);  // strict YYYY-MM-DD, valid calendar day
int daysBetween(Date from, Date to);

}  // namespace sendflow::engine
