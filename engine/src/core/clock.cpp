#include "sendflow/engine/core/clock.h"

#include <array>
#include <cstdio>

namespace sendflow::engine {

using namespace std::chrono;

namespace {
constexpr std::int64_t kNanosPerSecond = 1'000'000'000;
}

FixedClock::FixedClock(TimePoint t) : wallNanos_(toUnix(t) * kNanosPerSecond) {}
TimePoint FixedClock::now() const {
  const std::int64_t n = wallNanos_.load();
  return fromUnix(n >= 0 ? n / kNanosPerSecond : -((-n + kNanosPerSecond - 1) / kNanosPerSecond));
}
MonoTime FixedClock::monotonic() const {
  return MonoTime{duration_cast<steady_clock::duration>(nanoseconds{monoNanos_.load()})};
}
void FixedClock::set(TimePoint t) {
  const std::int64_t before = wallNanos_.exchange(toUnix(t) * kNanosPerSecond);
  const std::int64_t step = toUnix(t) * kNanosPerSecond - before;
  if (step > 0) monoNanos_.fetch_add(step);
}
void FixedClock::advance(std::chrono::nanoseconds by) {
  wallNanos_.fetch_add(by.count());
  if (by.count() > 0) monoNanos_.fetch_add(by.count());
}

int64_t toUnix(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint fromUnix(int64_t s) { return TimePoint{seconds{s}}; }
Date dateOf(TimePoint t) { return Date{floor<days>(t)}; }
TimePoint startOf(Date d) { return TimePoint{sys_days{d}.time_since_epoch()}; }

std::string isoDate(Date d) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(d.year()),
                static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  return buf;
}

std::string isoTime(TimePoint t) {
  auto day = floor<days>(t);
  hh_mm_ss<seconds> hms{t - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", isoDate(Date{day}).c_str(),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string ukDate(Date d) {
  static constexpr std::array<const char*, 12> kMonths{
      "January", "February", "March",     "April",   "May",      "June",
      "July",    "August",   "September", "October", "November", "December"};
  return std::to_string(static_cast<unsigned>(d.day())) + " " +
         kMonths[static_cast<unsigned>(d.month()) - 1] + " " +
         std::to_string(static_cast<int>(d.year()));
}

namespace {
// 01:00 UTC on the last Sunday of `m` in year `y`.
TimePoint lastSundayOneAm(year y, month m) {
  const sys_days sunday{year_month_weekday_last{y, m, weekday_last{Sunday}}};
  return sunday + hours{1};
}
}  // namespace

std::string ukDateTime(TimePoint t) {
  const year y = Date{floor<days>(t)}.year();
  const bool summer = t >= lastSundayOneAm(y, March) && t < lastSundayOneAm(y, October);
  const TimePoint local = t + hours{summer ? 1 : 0};
  const auto day = floor<days>(local);
  const hh_mm_ss<seconds> hms{local - day};
  const int h = static_cast<int>(hms.hours().count());
  char clock[16];
  std::snprintf(clock, sizeof clock, "%d:%02d%s", h % 12 == 0 ? 12 : h % 12,
                static_cast<int>(hms.minutes().count()), h < 12 ? "am" : "pm");
  return ukDate(Date{day}) + " at " + clock;
}

std::string ukDateTimeOf(std::string_view iso) {
  if (iso.size() == 20 && iso[10] == 'T' && iso[13] == ':' && iso[16] == ':' && iso[19] == 'Z') {
    auto day = parseIsoDate(iso.substr(0, 10));
    auto two = [&](size_t at, int max) {
      const char a = iso[at], b = iso[at + 1];
      if (a < '0' || a > '9' || b < '0' || b > '9') return -1;
      const int n = (a - '0') * 10 + (b - '0');
      return n <= max ? n : -1;
    };
    const int h = two(11, 23), m = two(14, 59), s = two(17, 59);
    if (day && h >= 0 && m >= 0 && s >= 0)
      return ukDateTime(startOf(*day) + hours{h} + minutes{m} + seconds{s});
  }
  if (auto day = parseIsoDate(iso)) return ukDate(*day);
  return std::string(iso);
}

std::optional<Date> parseIsoDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto digits = [&](size_t from, size_t n, int& out) {
    out = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y = 0, m = 0, d = 0;
  if (!digits(0, 4, y) || !digits(5, 2, m) || !digits(8, 2, d)) return std::nullopt;
  Date date{year{y}, month{static_cast<unsigned>(m)}, day{static_cast<unsigned>(d)}};
  if (!date.ok() || y < 1900) return std::nullopt;
  return date;
}

int daysBetween(Date from, Date to) {
  return static_cast<int>((sys_days{to} - sys_days{from}).count());
}

}  // namespace sendflow::engine
