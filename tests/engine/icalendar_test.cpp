// iCalendar text (RFC 5545): TEXT escaping and folding at 75 octets without splitting a UTF-8
// character; unfolding and unescaping give back exactly what went in.
#include "sendflow/engine/reminders/icalendar.h"

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

using namespace sendflow::engine;

namespace {

// RFC 5545 3.1 unfolding (drop every CRLF followed by one space or tab), then lines.
std::vector<std::string> unfoldedLines(const std::string& text) {
  std::string joined;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text.compare(i, 2, "\r\n") == 0 && i + 2 < text.size() &&
        (text[i + 2] == ' ' || text[i + 2] == '\t')) {
      i += 2;
      continue;
    }
    joined += text[i];
  }
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = joined.find("\r\n", start)) != std::string::npos; start = end + 2)
    lines.push_back(joined.substr(start, end - start));
  CHECK(start == joined.size());  // every line ends in CRLF
  return lines;
}

// RFC 5545 3.3.11, the other way.
std::string unescapeText(const std::string& v) {
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] != '\\') {
      out += v[i];
      continue;
    }
    const char n = v.at(++i);
    out += (n == 'n' || n == 'N') ? '\n' : n;
  }
  return out;
}

std::vector<std::string> physicalLines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t end; (end = text.find("\r\n", start)) != std::string::npos; start = end + 2)
    lines.push_back(text.substr(start, end - start));
  return lines;
}

bool startsUtf8Character(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }

}  // namespace

TEST_CASE("TEXT values escape backslash, semicolon, comma and line breaks", "[engine][ics]") {
  CHECK(icalText("Review due: PEEP, for Z. E.; see \\notes") ==
        "Review due: PEEP\\, for Z. E.\\; see \\\\notes");
  CHECK(icalText("one\ntwo\r\nthree\rfour") == "one\\ntwo\\nthree\\nfour");
  CHECK(icalText(std::string("a\0b\x01"
                             "c\td",
                             7)) == "a b c\td");  // TEXT cannot carry controls
  CHECK(icalText("Zoë Łukasz 王小明 فاطمة") == "Zoë Łukasz 王小明 فاطمة");
}

TEST_CASE("content lines fold at 75 octets, never inside a UTF-8 character", "[engine][ics]") {
  CHECK(icalContentLine("SUMMARY:short") == "SUMMARY:short\r\n");
  const std::string exact = "SUMMARY:" + std::string(67, 'x');  // 75 octets: no fold
  CHECK(icalContentLine(exact) == exact + "\r\n");
  CHECK(icalContentLine(exact + "y") == exact + "\r\n y\r\n");
  for (const std::string& value : {std::string(500, 'a'),
                                   std::string("Zoë ") + std::string(40, 'x') +
                                       "王小明王小明王小明王小明王小明王小明王小明王小明",
                                   std::string("فاطمة الزهراء ") + std::string(200, 'z'),
                                   std::string(60, 'x') + std::string(30, 'e') + "ë王€😀"}) {
    const std::string line = "DESCRIPTION:" + value;
    const std::string folded = icalContentLine(line);
    for (const auto& physical : physicalLines(folded)) {
      CHECK(physical.size() <= 75);
      if (!physical.empty()) CHECK(startsUtf8Character(physical[physical[0] == ' ' ? 1 : 0]));
    }
    CHECK(unfoldedLines(folded) == std::vector<std::string>{line});
  }
  CHECK_THROWS_AS(icalContentLine("SUMMARY:a\r\nBEGIN:VEVENT"), std::logic_error);
}

TEST_CASE("a calendar entry parses back to what went in", "[engine][ics]") {
  CalendarEntry e;
  e.uid = "sendflow-review-42-20260310@send.trust.test";
  e.stamp = startOf(*parseIsoDate("2026-03-03")) + std::chrono::hours(7);
  e.day = *parseIsoDate("2026-03-10");
  e.summary =
      "Review due: Personal Emergency Evacuation Plan; with a very long title, commas, a \\ and "
      "Zoë Łukasz 王小明 فاطمة for Ł. N.";
  e.url = "https://send.trust.test/plans/42";
  e.description = "Line one,\nline two; " + std::string(100, 'x');
  const std::string text = calendarText(e);
  for (const auto& physical : physicalLines(text)) CHECK(physical.size() <= 75);
  const auto lines = unfoldedLines(text);
  REQUIRE(lines.size() == 15);
  CHECK(lines.front() == "BEGIN:VCALENDAR");
  CHECK(lines.back() == "END:VCALENDAR");
  std::map<std::string, std::string> props;
  for (const auto& l : lines) props[l.substr(0, l.find(':'))] = l.substr(l.find(':') + 1);
  CHECK(props["UID"] == e.uid);
  CHECK(props["DTSTAMP"] == "20260303T070000Z");
  CHECK(props["DTSTART;VALUE=DATE"] == "20260310");
  CHECK(props["DTEND;VALUE=DATE"] == "20260311");
  CHECK(unescapeText(props["SUMMARY"]) == e.summary);
  CHECK(props["URL"] == e.url);
  CHECK(unescapeText(props["DESCRIPTION"]) == e.description);
}
