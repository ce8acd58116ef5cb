// iCalendar (RFC 5545) text for the all-day calendar entry a reminder email carries.
#pragma once

#include <string>
#include <string_view>

#include "sendflow/engine/core/clock.h"

namespace sendflow::engine {

struct CalendarEntry {
  std::string uid;          // REQUIRES: printable ASCII without spaces (ids and a host name)
  TimePoint stamp{};        // DTSTAMP, in UTC
  Date day{};               // the all-day event: DTSTART this day, DTEND the next
  std::string summary;      // text (UTF-8)
  std::string url;          // REQUIRES: printable ASCII (an http(s) link)
  std::string description;  // text (UTF-8)
};

// A VCALENDAR (METHOD:PUBLISH) with one VEVENT; CRLF line ends, every line folded.
std::string calendarText(const CalendarEntry& e);

// A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, a line break (CRLF,
// LF or CR) as \n. Other control characters, which TEXT cannot carry, become spaces.
std::string icalText(std::string_view text);

// One content line, folded (3.1): at most 75 octets per line before its CRLF, continuation lines
// start with one space, and a UTF-8 character is never split. Ends with CRLF.
// REQUIRES: no CR or LF in `line` (escape values with icalText first).
std::string icalContentLine(std::string_view line);

}  // namespace sendflow::engine
