// The one address parser (engine::parseEmailAddress): a table of addresses it must accept and
// of addresses it must refuse, with the reason a person is shown.
#include "sendflow/engine/core/email_address.h"

#include <catch2/catch.hpp>

using namespace sendflow::engine;

TEST_CASE("valid addresses, odd but legal, are accepted exactly as written", "[engine][email]") {
  const std::string longLocal(64, 'a');
  const std::string longDomain =
      std::string(63, 'b') + "." + std::string(63, 'c') + "." + std::string(58, 'd') + ".uk";
  const std::string longest = std::string(64, 'e') + "@" + std::string(63, 'f') + "." +
                              std::string(63, 'g') + "." + std::string(58, 'h') + ".uk";
  REQUIRE(longest.size() == 254);
  for (const std::string& s :
       {std::string("parent@example.com"), std::string("a@b.co"),
        std::string("first.last@example.co.uk"), std::string("jo+send@example.org"),
        std::string("jo+tag+more@mail.sub.example.org"), std::string("o'brien@example.ie"),
        std::string("user123@123example.com"), std::string("UPPER.Case@Example.COM"),
        std::string("x-y_z@a-b.example"), std::string("!#$%&'*+-/=?^_`{|}~@example.com"),
        std::string("senco@oak.test"), std::string("a@xn--bcher-kva.example"),
        longLocal + "@example.com", "a@" + longDomain, longest}) {
    INFO(s);
    auto a = parseEmailAddress(s);
    REQUIRE(a.ok());
    CHECK(a->str() == s);
    CHECK(std::string(a->localPart()) + "@" + std::string(a->domain()) == s);
    CHECK(isValidEmailAddress(s));
  }
}

TEST_CASE("anything outside the documented subset is refused, with a reason", "[engine][email]") {
  struct Case {
    std::string text;
    std::string reason;  // part of the message a person sees
  };
  const std::vector<Case> cases = {
      {"", "Enter an email address"},
      {"a@b.test\r\nRCPT TO:<x@evil.test>", "line breaks"},
      {"a@b.test\nRCPT TO:<x@evil.test>", "line breaks"},
      {"a@b.test\r", "line breaks"},
      {std::string("a@b.test\0x", 10), "control characters"},
      {"a\t@b.test", "tabs"},
      {" a@b.test", "spaces"},
      {"a@b.test ", "spaces"},
      {"a b@c.test", "spaces"},
      {"a@b.test\x7f", "control characters"},
      {"zoë@example.com", "no accented letters"},
      {"a@exämple.com", "no accented letters"},
      {"plain", "exactly one @"},
      {"a@@b.test", "exactly one @"},
      {"a@b@c.test", "exactly one @"},
      {"@b.test", "before the @"},
      {".a@b.test", "before the @"},
      {"a.@b.test", "before the @"},
      {"a..b@c.test", "before the @"},
      {"\"quoted\"@b.test", "before the @"},
      {"\"a b\"@c.test", "spaces"},
      {"a(comment)@b.test", "before the @"},
      {"a,b@c.test", "before the @"},
      {"a<b@c.test", "before the @"},
      {"Name <a@b.test>", "spaces"},
      {"<a@b.test>", "before the @"},
      {std::string(65, 'a') + "@b.test", "before the @"},
      {"a@", "after the @"},
      {"a@localhost", "after the @"},
      {"a@b", "after the @"},
      {"a@.b.test", "after the @"},
      {"a@b.test.", "after the @"},
      {"a@b..test", "after the @"},
      {"a@-b.test", "after the @"},
      {"a@b-.test", "after the @"},
      {"a@b_c.test", "after the @"},
      {"a@[192.0.2.1]", "after the @"},
      {"a@192.0.2.1", "after the @"},
      {"a@b.test>", "after the @"},
      {"a@b.test;x", "after the @"},
      {"a@" + std::string(64, 'b') + ".test", "after the @"},
      {std::string(64, 'a') + "@" + std::string(63, 'b') + "." + std::string(63, 'c') + "." +
           std::string(60, 'd') + ".uk",
       "254 characters"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto a = parseEmailAddress(c.text);
    REQUIRE_FALSE(a.ok());
    CHECK(a.error().code == ErrorCode::kInvalid);
    CHECK(a.error().message.find(c.reason) != std::string::npos);
    CHECK_FALSE(isValidEmailAddress(c.text));
  }
}

TEST_CASE("a mailbox setting: an address, optionally after a display name", "[engine][email]") {
  auto bare = parseMailbox("send@trust.example");
  REQUIRE(bare.ok());
  CHECK(bare->address.str() == "send@trust.example");
  CHECK(bare->name.empty());
  auto named = parseMailbox("SEND team <send@trust.example>");
  REQUIRE(named.ok());
  CHECK(named->name == "SEND team");
  CHECK(named->address.str() == "send@trust.example");
  auto quoted = parseMailbox("\"SEND team, Oakfield\" <send@trust.example>");
  REQUIRE(quoted.ok());
  CHECK(quoted->name == "SEND team, Oakfield");
  CHECK(parseMailbox("Zoë's SEND team <send@trust.example>")->name == "Zoë's SEND team");
  for (const std::string& bad :
       {std::string("SEND <send@trust.example"), std::string("SEND team <send@localhost>"),
        std::string("A\r\nBcc: x@evil.test <send@trust.example>"),
        std::string("<a@b.test> <c@d.test>"), std::string("Say \"hi\" <send@trust.example>"),
        std::string("send@trust.example\r\nRCPT TO:<x@evil.test>"), std::string("")}) {
    INFO(bad);
    CHECK_FALSE(parseMailbox(bad).ok());
  }
}

TEST_CASE("host names for EHLO, Message-IDs and calendar UIDs", "[engine][email]") {
  for (const char* ok : {"localhost", "send.trust.test", "a-b.example", "127.0.0.1"})
    CHECK(isValidHostName(ok));
  for (const char* bad : {"", "a..b", "-a.test", "a_b.test", "a b", "a\r\nb", "[::1]", "a.test."}) {
    INFO(bad);
    CHECK_FALSE(isValidHostName(bad));
  }
}
