// Header and SMTP command injection, tested on the raw messages a real SMTP server (aiosmtpd)
// delivered: legacy names with CR LF in every kind of email, non-ASCII names and subjects, the
// calendar attachment, and `mail test` / the admin's test form with a forged address.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "mail_legacy_world.h"
#include "mail_world.h"
#include "support/demo.h"
#include "support/server.h"
#include "support/smtp.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

std::string str(const Poco::JSON::Object::Ptr& o, const std::string& k) {
  return o->getValue<std::string>(k);
}

std::string withoutControls(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }, ' ');
  return s;
}

// The raw header lines as sent, each as [name, raw value].
std::vector<std::pair<std::string, std::string>> headers(const Poco::JSON::Object::Ptr& m) {
  std::vector<std::pair<std::string, std::string>> out;
  auto arr = m->getArray("headers");
  for (size_t i = 0; i < arr->size(); ++i) {
    auto h = arr->getArray(static_cast<unsigned>(i));
    out.emplace_back(h->getElement<std::string>(0), h->getElement<std::string>(1));
  }
  return out;
}

size_t countHeader(const Poco::JSON::Object::Ptr& m, const std::string& name) {
  size_t n = 0;
  for (const auto& [k, v] : headers(m)) n += Poco::icompare(k, name) == 0;
  return n;
}

std::string rawHeader(const Poco::JSON::Object::Ptr& m, const std::string& name) {
  for (const auto& [k, v] : headers(m))
    if (Poco::icompare(k, name) == 0) return v;
  return "";
}

// One recipient in To, the one the envelope named; no Cc or Bcc; every header line printable
// ASCII within 998 characters; the display name, decoded, is the stored name on one line.
void checkOneRecipient(const Poco::JSON::Object::Ptr& m,
                       const std::map<std::string, std::string>& names) {
  INFO("To: " << rawHeader(m, "To") << "\nparse errors: " << str(m, "parse_error"));
  CHECK(str(m, "parse_error").empty());
  CHECK(countHeader(m, "To") == 1);
  CHECK(countHeader(m, "Bcc") == 0);
  CHECK(countHeader(m, "Cc") == 0);
  CHECK(countHeader(m, "From") == 1);
  CHECK(countHeader(m, "Subject") == 1);
  const std::string rcpt = str(m, "rcpt");
  CHECK(rcpt.find(',') == std::string::npos);  // one RCPT TO
  CHECK(rcpt.find("evil") == std::string::npos);
  auto to = m->getArray("to_addresses");
  REQUIRE(to->size() == 1);
  CHECK(to->getArray(0)->getElement<std::string>(1) == rcpt);
  REQUIRE(names.count(rcpt));
  const std::string name = names.at(rcpt);
  CHECK(to->getArray(0)->getElement<std::string>(0) == withoutControls(name));
  if (name.find('\n') != std::string::npos)
    CHECK(rawHeader(m, "To").find("=?UTF-8?B?") != std::string::npos);
  const std::string block = str(m, "raw_header");
  std::size_t start = 0;
  for (std::size_t end = 0; start < block.size(); start = end + 2) {
    end = block.find("\r\n", start);
    if (end == std::string::npos) end = block.size();
    const std::string line = block.substr(start, end - start);
    CHECK(line.size() <= 998);
    CHECK(std::all_of(line.begin(), line.end(), [](char c) { return c >= 0x20 && c < 0x7f; }));
    CHECK(Poco::icompare(line.substr(0, 4), "Bcc:") != 0);
  }
}

}  // namespace

TEST_CASE("legacy names with CR LF add no header and no recipient to any kind of email",
          "[mail][smtp][security]") {
  SmtpServer smtp;
  smtp.start();
  LegacyMailWorld w(smtp.port());
  // Sign-off with the emailed code: invitations, codes, "signed"; then a review is asked for.
  const engine::Id signedPlan = w.sentForSignature("healthcare_plan", w.pupil(2));  // a physio too
  w.signAll(signedPlan);
  REQUIRE(w.app->planRepository().plan(signedPlan)->state == "active");
  REQUIRE(w.app->plans().fire(w.senco, signedPlan, "trigger_review", {"change", "New equipment"}));
  // A contribution invitation, and a link left unsigned until it is about to expire.
  const engine::Pupil first = w.pupil(0);
  const engine::Id draft = w.launchFilled("peep", first);
  REQUIRE(w.app->contributions().invite(w.senco, draft,
                                        w.app->peopleRepository().contacts(first.id).front().id));
  w.sentForSignature("healthcare_plan", w.pupil(1));
  w.clock.advance(std::chrono::days(3) + std::chrono::hours(1));
  w.sig().tick();
  w.clock.advance(std::chrono::days(9));
  w.sig().tick();
  // Reminders, escalations, deadlines and digests over the weeks ahead.
  const engine::Date today = engine::dateOf(w.clock.now());
  for (int n = 0; n <= 70; n += 7) {
    const engine::Date d = plus(today, n);
    w.clock.set(engine::startOf(d) + std::chrono::hours(7));
    w.app->reminders().run(d, false);
  }
  const auto queued = w.app->outbox().list("", 5000);
  std::set<std::string> kinds;
  for (const auto& m : queued) kinds.insert(m.kind);
  CHECK(kinds == std::set<std::string>{"contribute_invite", "deadline", "digest", "escalation",
                                       "notice", "review_reminder", "sign_code", "sign_expiring",
                                       "sign_invite", "signed"});
  // Every one of them named a poisoned name as its recipient.
  const auto names = w.people();
  for (const auto& m : queued) {
    INFO(m.kind << " to " << m.toAddress);
    CHECK(m.toName.find(kInjected) != std::string::npos);
  }
  while (w.app->mail().drain().sent > 0) {
  }
  CHECK(w.app->outbox().counts().sent == static_cast<int>(queued.size()));
  REQUIRE(smtp.waitFor(queued.size()));
  auto msgs = smtp.messages();
  REQUIRE(msgs->size() == queued.size());
  for (size_t i = 0; i < msgs->size(); ++i)
    checkOneRecipient(msgs->getObject(static_cast<unsigned>(i)), names);
  // The server was asked for exactly one recipient per message, each a real person's address.
  size_t rcpts = 0;
  for (const auto& c : smtp.commands()) {
    if (c.rfind("RCPT ", 0) != 0) continue;
    ++rcpts;
    CHECK(names.count(c.substr(5)) == 1);
  }
  CHECK(rcpts == queued.size());
}

TEST_CASE("non-ASCII and awkward names and subjects arrive exactly as stored", "[mail][smtp]") {
  SmtpServer smtp;
  smtp.start();
  MailWorld w(day("2026-03-03"), smtp.port());
  const std::vector<std::string> names = {"Zoë Ó Súilleabháin",
                                          "Łukasz Żółkiewski",
                                          "فاطمة الزهراء",
                                          "王小明",
                                          "Nguyễn Thị Ánh " + std::string(30, 'x') +
                                              " 王小明王小明王小明王小明王小明王小明王小明王小明",
                                          "O'Brien, \"Pat\" \\ <pat@evil.test>",
                                          "Tom Teacher"};
  const std::string academy = "مدرسة النور — Łódź 学校, Oakfield; “Zoë”";
  const std::string title = "Plan de soins: Zoë’s café ✓";
  std::map<std::string, std::string> byAddress;
  int i = 0;
  for (const auto& name : names) {
    const std::string address = "person" + std::to_string(++i) + "@example.test";
    byAddress[address] = name;
    engine::OutboxMessage m;
    m.kind = engine::mailkind::kContributeInvite;
    m.key = "names:" + address;
    m.toAddress = address;
    m.toName = name;
    Poco::JSON::Object data;
    data.set("academy", academy);
    data.set("plan_title", title);
    data.set("initials", "王. Ł.");
    std::ostringstream json;
    data.stringify(json);
    m.data = json.str();
    m.createdAt = m.nextAttemptAt = w.clock.now();
    REQUIRE(w.app->outbox().enqueue(m) > 0);
  }
  CHECK(w.app->mail().drain().sent == static_cast<int>(names.size()));
  REQUIRE(smtp.waitFor(names.size()));
  auto msgs = smtp.messages();
  REQUIRE(msgs->size() == names.size());
  for (size_t k = 0; k < msgs->size(); ++k) {
    auto m = msgs->getObject(static_cast<unsigned>(k));
    checkOneRecipient(m, byAddress);
    CHECK(str(m, "subject") == academy + " asks for your part of the " + title + " for 王. Ł.");
    CHECK(str(m, "from") == "SEND team <send@trust.test>");
  }
}

TEST_CASE("the calendar entry: folded at 75 octets, escaped, and parsed back intact",
          "[mail][smtp]") {
  SmtpServer smtp;
  smtp.start();
  MailWorld w(day("2026-03-03"), smtp.port());
  const std::string title =
      "Personal Emergency Evacuation Plan; fire drill, lifts \\ stairs — Zoë’s 王小明 فاطمة "
      "plan with a title long enough to fold more than once";
  engine::OutboxMessage m;
  m.kind = engine::mailkind::kReview;
  m.key = "ics-test";
  m.toAddress = "senco@oak.test";
  m.toName = "Siobhán Senco";
  m.data = "{\"plan_id\":7,\"plan_title\":\"" + title +
           "\",\"initials\":\"Ł. N.\",\"phase\":\"before\",\"days\":\"7 days\","
           "\"ics_date\":\"2026-03-10\",\"review_date_uk\":\"10 March 2026\"}";
  m.data.replace(m.data.find("\\ stairs"), 1, "\\\\");
  m.createdAt = m.nextAttemptAt = w.clock.now();
  REQUIRE(w.app->outbox().enqueue(m) > 0);
  REQUIRE(w.app->mail().drain().sent == 1);
  REQUIRE(smtp.waitFor(1));
  auto msg = smtp.messages()->getObject(0);
  auto att = msg->getArray("attachments");
  REQUIRE(att->size() == 1);
  const std::string raw = str(att->getObject(0), "raw");
  std::size_t start = 0, lines = 0, folds = 0;
  for (std::size_t end; (end = raw.find("\r\n", start)) != std::string::npos;
       start = end + 2, ++lines) {
    CHECK(end - start <= 75);  // octets
    folds += raw[start] == ' ';
    // A fold never splits a UTF-8 character: no physical line starts inside one.
    const std::size_t first = start + (raw[start] == ' ' ? 1 : 0);
    if (first < end) CHECK((static_cast<unsigned char>(raw[first]) & 0xC0) != 0x80);
  }
  CHECK(raw.find("\xEF\xBF\xBD") == std::string::npos);  // no U+FFFD: the bytes decode whole
  CHECK(start == raw.size());                            // every line ends in CRLF
  CHECK(folds >= 2);
  auto ical = att->getObject(0)->getObject("ical");
  REQUIRE(ical);
  CHECK(str(ical, "summary") == "Review due: " + title + " for Ł. N.");
  CHECK(str(ical, "description") == "https://send.trust.test/plans/7");
  CHECK(str(ical, "url") == "https://send.trust.test/plans/7");
  CHECK(str(ical, "uid") == "sendflow-review-7-20260310@send.trust.test");
  CHECK(str(ical, "dtstart") == "2026-03-10");
}

TEST_CASE("mail test --to refuses a forged address and sends nothing, odd legal ones go",
          "[mail][smtp][security]") {
  SmtpServer smtp;
  smtp.start();
  TempDir home;
  std::map<std::string, std::string> env{{"SENDFLOW_HOME", home.path()},
                                         {"SENDFLOW_SMTP_HOST", "127.0.0.1"},
                                         {"SENDFLOW_SMTP_TLS", "none"},
                                         {"SENDFLOW_SMTP_PORT", std::to_string(smtp.port())},
                                         {"SENDFLOW_LOG_FILE", home.path() + "/log"}};
  for (const std::string& forged :
       {std::string("a@b.test\r\nRCPT TO:<x@evil.test>"),
        std::string("a@b.test\nRCPT TO:<x@evil.test>"),
        std::string("a@b.test>\r\nRCPT TO:<x@evil.test"), std::string("a@b.test> NOTIFY=NEVER"),
        std::string("Name <a@b.test>"), std::string("a@b.test,x@evil.test")}) {
    INFO(forged);
    auto r = runSendflow({"mail", "test", "--to", forged}, env);
    CHECK(r.exitCode == 2);
    // A line break is refused by the command line itself, before any address is read.
    if (forged.find('\n') != std::string::npos) {
      CHECK(r.err.find("--to contains a control character") != std::string::npos);
    } else {
      CHECK(r.err.find("not an email address sendflow can send to") != std::string::npos);
      CHECK(r.err.find("Nothing was sent") != std::string::npos);
    }
  }
  CHECK(smtp.commands().empty());
  CHECK(smtp.count() == 0);
  const std::vector<std::string> odd = {"jo+send@mail.sub.example.org", "user123@123example.com",
                                        "o'brien@example.ie", "x_y-z.1@a-b.example.co.uk"};
  for (const auto& address : odd) {
    auto r = runSendflow({"mail", "test", "--to", address}, env);
    CHECK(r.exitCode == 0);
  }
  REQUIRE(smtp.waitFor(odd.size()));
  std::vector<std::string> rcpts;
  for (const auto& c : smtp.commands())
    if (c.rfind("RCPT ", 0) == 0) rcpts.push_back(c.substr(5));
  CHECK(rcpts == odd);
}

TEST_CASE("the admin's test form refuses a forged address and sends nothing",
          "[mail][smtp][security]") {
  SmtpServer smtp;
  smtp.start();
  Demo demo({{"SENDFLOW_SMTP_HOST", "127.0.0.1"},
             {"SENDFLOW_SMTP_TLS", "none"},
             {"SENDFLOW_SMTP_PORT", std::to_string(smtp.port())},
             {"SENDFLOW_MAIL_POLL_SECONDS", "3600"}});
  Client admin = demo.server.client();
  REQUIRE(admin.login("admin@trust.example", "trust-admin-demo-1").status == 303);
  const std::string csrf = Client::hiddenValue(admin.get("/admin/mail").body, "csrf");
  REQUIRE_FALSE(csrf.empty());
  const std::size_t before = smtp.commands().size();  // the demo's own mail may be going out
  auto r = admin.postForm("/admin/mail/test",
                          {{"csrf", csrf}, {"to", "a@b.test\r\nRCPT TO:<x@evil.test>"}});
  CHECK(r.status == 422);
  CHECK(r.body.find("Nothing was sent.") != std::string::npos);
  CHECK(r.body.find("line breaks") != std::string::npos);
  for (const auto& c : smtp.commands()) CHECK(c.find("evil") == std::string::npos);
  auto ok =
      admin.postForm("/admin/mail/test", {{"csrf", csrf}, {"to", "admin+test@mail.trust.example"}});
  CHECK(ok.status == 200);
  CHECK(ok.body.find("accepted by the mail server") != std::string::npos);
  const auto after = smtp.commands();
  CHECK(std::count(after.begin() + static_cast<long>(before), after.end(),
                   "RCPT admin+test@mail.trust.example") == 1);
  for (const auto& c : after) CHECK(c.find("evil") == std::string::npos);
}
