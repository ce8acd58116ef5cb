// Mail header values from web/mail/mail_headers.h: display names and subjects as encoded-words of
// whole characters, folded lines, and the last check that no header can carry a bare CR or LF.
#include "mail/mail_headers.h"

#include <Poco/Base64Decoder.h>
#include <Poco/StreamCopier.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "sendflow/engine/core/utf8.h"

using namespace sendflow;
using namespace sendflow::web::mailheader;

namespace {

std::vector<std::string> physicalLines(const std::string& v) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t end; (end = v.find("\r\n", start)) != std::string::npos; start = end + 2)
    out.push_back(v.substr(start, end - start));
  out.push_back(v.substr(start));
  return out;
}

// The decoded text of a value made only of "=?UTF-8?B?...?=" words; each must hold valid UTF-8.
std::string decodeWords(const std::string& v) {
  std::string out;
  std::size_t pos = 0;
  while ((pos = v.find("=?UTF-8?B?", pos)) != std::string::npos) {
    const std::size_t end = v.find("?=", pos + 10);
    REQUIRE(end != std::string::npos);
    CHECK(end + 2 - pos <= 75);
    std::istringstream in(v.substr(pos + 10, end - pos - 10));
    Poco::Base64Decoder decoder(in);
    std::string word;
    Poco::StreamCopier::copyToString(decoder, word);
    CHECK(engine::utf8::isValid(word));  // whole characters in every word
    out += word;
    pos = end + 2;
  }
  return out;
}

}  // namespace

TEST_CASE("plain names stay readable, everything else becomes encoded-words", "[web][mail]") {
  CHECK(phrase("Tom Teacher", 4) == "Tom Teacher");
  CHECK(phrase("O'Brien-Smith", 4) == "O'Brien-Smith");
  CHECK(phrase("", 4).empty());
  for (const std::string& name :
       {std::string("Zoë Ellis"), std::string("Łukasz Nowak"), std::string("فاطمة الزهراء"),
        std::string("王小明"), std::string("Smith, John"), std::string("\"Pat\" <x@evil.test>"),
        std::string("back\\slash"), std::string("J. Smith"), std::string("=?UTF-8?B?QQ==?="),
        std::string("two  spaces"),
        std::string("王小明") + std::string(40, 'x') +
            "王小明王小明王小明王小明王小明王小明王小明王小明王小明"}) {
    INFO(name);
    const std::string v = phrase(name, 4);
    CHECK(v.rfind("=?UTF-8?B?", 0) == 0);
    CHECK(decodeWords(v) == name);
    for (const auto& line : physicalLines(v)) CHECK(line.size() + 4 <= 78);
    CHECK(isSafeHeader("To", v));
  }
}

TEST_CASE("a name with CR, LF or NUL cannot end its header line", "[web][mail]") {
  const std::string evil = "A\r\nBcc: x@evil.test";
  CHECK(oneLine(evil) == "A  Bcc: x@evil.test");
  CHECK(oneLine(std::string("A\0B\x7f", 4)) == "A B");
  const std::string v = phrase(evil, 4);
  CHECK(decodeWords(v) == "A  Bcc: x@evil.test");
  CHECK(v.find("Bcc") == std::string::npos);
  auto to = engine::parseEmailAddress("parent@example.com");
  REQUIRE(to);
  const std::string box = mailbox(*to, evil, 4);
  CHECK(isSafeHeader("To", box));
  CHECK(box.substr(box.size() - 20) == "<parent@example.com>");
  CHECK(mailbox(*to, "", 4) == "parent@example.com");
  CHECK(mailbox(*to, "Tom Teacher", 4) == "Tom Teacher <parent@example.com>");
}

TEST_CASE("subjects: ASCII folded at spaces, the rest encoded", "[web][mail]") {
  CHECK(unstructured("Signed: PEEP for Z. E.", 9) == "Signed: PEEP for Z. E.");
  const std::string longAscii =
      "Review due in 7 days: Personal Emergency Evacuation Plan for Z. E. at Oakfield Primary "
      "Academy";
  const std::string folded = unstructured(longAscii, 9);
  CHECK(folded.find("\r\n ") != std::string::npos);
  std::string unfolded = folded;
  for (std::size_t p; (p = unfolded.find("\r\n")) != std::string::npos;) unfolded.erase(p, 2);
  CHECK(unfolded == longAscii);
  const std::string nonAscii = "Oakfield asks for your part of the Plan for Ł. N. ✓ مدرسة 学校";
  CHECK(decodeWords(unstructured(nonAscii, 9)) == nonAscii);
  CHECK(unstructured("Academy\rBcc: x@evil.test", 9) == "Academy Bcc: x@evil.test");  // one line
  const std::string twoSpaces = unstructured("Academy\r\nBcc: x@evil.test", 9);
  CHECK(decodeWords(twoSpaces) == "Academy  Bcc: x@evil.test");  // spaces kept exactly
  CHECK(isSafeHeader("Subject", twoSpaces));
}

TEST_CASE("the last check refuses bare CR, LF, NUL and 8-bit bytes in any header", "[web][mail]") {
  CHECK(isSafeHeader("Subject", "plain"));
  CHECK(isSafeHeader("Subject", "folded\r\n line"));
  CHECK(isSafeHeader("Subject", "folded\r\n\tline"));
  CHECK_FALSE(isSafeHeader("Subject", "a\r\nBcc: x@evil.test"));
  CHECK_FALSE(isSafeHeader("Subject", "a\nBcc: x@evil.test"));
  CHECK_FALSE(isSafeHeader("Subject", "a\rb"));
  CHECK_FALSE(isSafeHeader("Subject", "a\r\n"));
  CHECK_FALSE(isSafeHeader("Subject", std::string("a\0b", 3)));
  CHECK_FALSE(isSafeHeader("Subject", "Zoë"));
  CHECK_FALSE(isSafeHeader("Subject", std::string(1000, 'a')));
  CHECK_FALSE(isSafeHeader("Bad Name", "x"));
  CHECK_FALSE(isSafeHeader("Bad:Name", "x"));
  CHECK_FALSE(isSafeHeader("", "x"));
  Poco::Net::MessageHeader h;
  h.set("Subject", "fine");
  CHECK_NOTHROW(requireSafeHeaders(h));
  h.set("Reply-To", "a@b.test\r\nBcc: x@evil.test");
  CHECK_THROWS_AS(requireSafeHeaders(h), std::logic_error);
}
