#include "sendflow/engine/definitions/duration.h"

namespace sendflow::engine {

std::optional<Duration> parseDuration(std::string_view s) {
  if (s.size() < 3 || s[0] != 'P') return std::nullopt;
  Duration d;
  std::size_t i = 1;
  int lastRank = -1;
  bool any = false;
  while (i < s.size()) {
    std::size_t start = i;
    long n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + (s[i] - '0');
      if (n > 100000) return std::nullopt;
      ++i;
    }
    if (i == start || i >= s.size()) return std::nullopt;
    int rank = 0;
    switch (s[i]) {
      case 'Y':
        rank = 0;
        d.years = static_cast<int>(n);
        break;
      case 'M':
        rank = 1;
        d.months = static_cast<int>(n);
        break;
      case 'W':
        rank = 2;
        d.weeks = static_cast<int>(n);
        break;
      case 'D':
        rank = 3;
        d.days = static_cast<int>(n);
        break;
      default:
        return std::nullopt;
    }
    if (rank <= lastRank) return std::nullopt;  // order Y M W D, each at most once
    lastRank = rank;
    any = true;
    ++i;
  }
  if (!any) return std::nullopt;
  return d;
}

std::string durationText(const Duration& d) {
  std::string out = "P";
  if (d.years) out += std::to_string(d.years) + "Y";
  if (d.months) out += std::to_string(d.months) + "M";
  if (d.weeks) out += std::to_string(d.weeks) + "W";
  if (d.days || out == "P") out += std::to_string(d.days) + "D";
  return out;
}

}  // namespace sendflow::engine
