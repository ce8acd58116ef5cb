// ISO-8601 calendar durations of definitions: review intervals, reminders, deadlines.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace sendflow::engine {

// ISO-8601 calendar duration: PnYnMnWnD (no time part). Years and months are added first
// (clamping to the month's end), then weeks and days.
struct Duration {
  int years = 0;
  int months = 0;
  int weeks = 0;
  int days = 0;
  bool operator==(const Duration&) const = default;
};
std::optional<Duration> parseDuration(std::string_view s);  // "P12M", "P2W", "P1Y6M"
std::string durationText(const Duration& d);                // "P12M"

}  // namespace sendflow::engine
