#include "sendflow/engine/reminders/icalendar.h"

#include <stdexcept>

#include "sendflow/engine/core/utf8.h"

namespace sendflow::engine {
namespace {

constexpr std::size_t kMaxLineOctets = 75;

// 2026-03-10 → 20260310; 2026-03-03T07:00:00Z → 20260303T070000Z (the basic format).
std::string basicFormat(std::string iso) {
  std::string out;
  for (char c : iso)
    if (c != '-' && c != ':') out.push_back(c);
  return out;
}

}  // namespace

std::string icalText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\\' || c == ';' || c == ',') {
      out += '\\';
      out += c;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += "\\n";
    } else if ((static_cast<unsigned char>(c) < 0x20 && c != '\t') || c == 0x7f) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string icalContentLine(std::string_view line) {
  if (line.find_first_of("\r\n") != std::string_view::npos)
    throw std::logic_error("an iCalendar content line cannot contain CR or LF");
  std::string out;
  std::size_t room = kMaxLineOctets;  // the first line has no leading space
  while (line.size() > room) {
    std::size_t cut = utf8::boundaryAtOrBefore(line, room);  // never inside a UTF-8 character
    if (cut == 0) cut = room;                                // not UTF-8 at all: cut anywhere
    out.append(line.substr(0, cut)).append("\r\n ");
    line.remove_prefix(cut);
    room = kMaxLineOctets - 1;
  }
  return out.append(line).append("\r\n");
}

std::string calendarText(const CalendarEntry& e) {
  const Date next{std::chrono::sys_days{e.day} + std::chrono::days{1}};
  std::string out;
  for (const std::string& line :
       {std::string("BEGIN:VCALENDAR"), std::string("VERSION:2.0"),
        std::string("PRODID:-//sendflow//reminders//EN"), std::string("METHOD:PUBLISH"),
        std::string("BEGIN:VEVENT"), "UID:" + e.uid, "DTSTAMP:" + basicFormat(isoTime(e.stamp)),
        "DTSTART;VALUE=DATE:" + basicFormat(isoDate(e.day)),
        "DTEND;VALUE=DATE:" + basicFormat(isoDate(next)), "SUMMARY:" + icalText(e.summary),
        "URL:" + e.url, "DESCRIPTION:" + icalText(e.description), std::string("TRANSP:TRANSPARENT"),
        std::string("END:VEVENT"), std::string("END:VCALENDAR")})
    out += icalContentLine(line);
  return out;
}

}  // namespace sendflow::engine
