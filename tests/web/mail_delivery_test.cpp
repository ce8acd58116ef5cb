// Delivery against a real SMTP server (aiosmtpd started here on a free port): content of the
// messages, retries while the server is down, permanent rejections, `mail test`, and SIGKILL in
// the middle of draining.
#include <Poco/Process.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "app/system_clock.h"
#include "mail_world.h"
#include "sendflow/engine/core/audit_anchor.h"
#include "sendflow/engine/core/text.h"
#include "support/server.h"
#include "support/smtp.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

std::string str(const Poco::JSON::Object::Ptr& o, const std::string& k) {
  return o->getValue<std::string>(k);
}

}  // namespace

TEST_CASE("reminder emails arrive with recipients, subject, text, HTML, link and calendar entry",
          "[mail][smtp]") {
  SmtpServer smtp;
  smtp.start();
  const engine::Date today = day("2026-03-03");  // a Tuesday; digest on Mondays
  MailWorld w(today, smtp.port());
  const engine::Id plan = w.addPlan("peep", "active", engine::isoDate(plus(today, 7)));
  REQUIRE(w.app->reminders().run(today, false).queued == 2);
  auto r = w.app->mail().drain();
  CHECK(r.sent == 2);
  REQUIRE(smtp.waitFor(2));
  auto msgs = smtp.messages();
  REQUIRE(msgs->size() == 2);
  std::set<std::string> to;
  for (size_t i = 0; i < msgs->size(); ++i) {
    auto m = msgs->getObject(static_cast<unsigned>(i));
    to.insert(str(m, "rcpt"));
    CHECK(str(m, "subject") ==
          "Review due in 7 days: Personal Emergency Evacuation Plan for Ł. N.");
    CHECK(str(m, "from") == "SEND team <send@trust.test>");
    const std::string link = "https://send.trust.test/plans/" + std::to_string(plan);
    const std::string text = str(m, "text"), html = str(m, "html");
    CHECK(text.find("is due for review on 10 March 2026, in 7 days") != std::string::npos);
    CHECK(text.find(link) != std::string::npos);
    CHECK(html.find("href=\"" + link + "\"") != std::string::npos);
    // Initials only: no name, no special-category detail.
    for (const auto& body : {text, html, str(m, "subject")}) {
      CHECK(body.find("Łukasz") == std::string::npos);
      CHECK(body.find("Nowak") == std::string::npos);
    }
    auto att = m->getArray("attachments");
    REQUIRE(att->size() == 1);
    auto ics = att->getObject(0);
    CHECK(str(ics, "name") == "review.ics");
    CHECK(str(ics, "type") == "text/calendar");
    const std::string cal = str(ics, "content");
    CHECK(cal.find("DTSTART;VALUE=DATE:20260310") != std::string::npos);
    CHECK(cal.find("UID:sendflow-review-" + std::to_string(plan) + "-20260310@send.trust.test") !=
          std::string::npos);
  }
  CHECK(to == std::set<std::string>{"senco@oak.test", "teacher@oak.test"});
  for (const auto& m : w.app->outbox().list("sent", 10)) CHECK(m.serverReply == "250 OK");
}

TEST_CASE("a review trigger notifies the SENCO at once, without the free-text reason",
          "[mail][smtp]") {
  SmtpServer smtp;
  smtp.start();
  MailWorld w(day("2026-03-03"), smtp.port());
  const engine::Id plan = w.addPlan("physical_handling", "active", "2026-12-01");
  auto fired = w.app->plans().fire(w.sencoActor(), plan, "record_incident",
                                   {"incident", "Restrained in the hall after a seizure"});
  REQUIRE(fired.ok());
  CHECK(w.app->outbox().counts().queued == 3);  // SENCO, owner, governor: same transaction
  CHECK(w.app->mail().drain().sent == 3);
  REQUIRE(smtp.waitFor(3));
  auto msgs = smtp.messages();
  for (size_t i = 0; i < msgs->size(); ++i) {
    auto m = msgs->getObject(static_cast<unsigned>(i));
    CHECK(str(m, "subject") == "Review needed now: Physical Handling Plan for Ł. N.");
    CHECK(str(m, "text").find("Reason: incident.") != std::string::npos);
    CHECK(str(m, "text").find("seizure") == std::string::npos);
  }
}

TEST_CASE("mail server down: messages wait, retry with backoff and go out exactly once",
          "[mail][smtp]") {
  const int port = freePort();
  MailWorld w(day("2026-03-03"), port);
  w.addPlan("peep", "active", "2026-03-10");
  REQUIRE(w.app->reminders().run(day("2026-03-03"), false).queued == 2);
  auto first = w.app->mail().drain();
  CHECK(first.sent == 0);
  CHECK(first.paused);  // unreachable: one attempt, the rest waits (no storm)
  auto c = w.app->outbox().counts();
  CHECK(c.retrying == 1);
  CHECK(c.queued == 1);
  auto retrying = w.app->outbox().list("retrying", 5).at(0);
  CHECK(retrying.lastError.find("connection refused") != std::string::npos);
  CHECK(retrying.nextAttemptAt - w.clock.now() == std::chrono::seconds(60));
  // Still down an hour later: more attempts, further apart.
  for (int i = 0; i < 6; ++i) {
    w.clock.advance(std::chrono::minutes(10));
    w.app->mail().drain();
  }
  int attempts = 0;
  for (const auto& m : w.app->outbox().list("", 5)) attempts += m.attempts;
  CHECK(attempts >= 3);
  CHECK(attempts <= 8);  // backoff, not one attempt per message per pass
  SmtpServer smtp(port);
  smtp.start();
  w.clock.advance(std::chrono::hours(3));
  auto back = w.app->mail().drain();
  CHECK(back.sent == 2);
  w.clock.advance(std::chrono::hours(3));
  CHECK(w.app->mail().drain().sent == 0);
  CHECK(w.app->reminders().run(day("2026-03-03"), false).queued == 0);
  // drain() returns once the server has answered each DATA, and aiosmtpd stores a message before
  // it answers: the count is final here.
  REQUIRE(smtp.waitFor(2));
  CHECK(smtp.count() == 2);
  CHECK(w.app->outbox().counts().sent == 2);
}

TEST_CASE("a permanent 5xx reply marks the message failed with the reply, no retries",
          "[mail][smtp]") {
  SmtpServer smtp(0, SmtpServer::Mode::kRejectSender);
  smtp.start();
  MailWorld w(day("2026-03-03"), smtp.port());
  w.addPlan("peep", "active", "2026-03-10");
  w.app->reminders().run(day("2026-03-03"), false);
  auto r = w.app->mail().drain();
  CHECK(r.failed == 2);
  for (int i = 0; i < 5; ++i) {
    w.clock.advance(std::chrono::hours(24));
    CHECK(w.app->mail().drain().sent + w.app->mail().drain().failed == 0);
  }
  auto failed = w.app->outbox().list("failed", 5);
  REQUIRE(failed.size() == 2);
  for (const auto& m : failed) {
    CHECK(m.attempts == 1);
    CHECK(m.lastError.find("550 5.7.1 Sender address rejected") != std::string::npos);
  }
  // The trust admin retries one: it is attempted again (and rejected again) exactly once.
  REQUIRE(w.app->outbox().retry(failed[0].id, w.clock.now()));
  CHECK(w.app->mail().drain().failed == 1);
  CHECK(w.app->outbox().get(failed[0].id)->attempts == 1);
}

TEST_CASE("mail test reports exactly what the SMTP server said", "[mail][smtp]") {
  TempDir home;
  std::map<std::string, std::string> env{{"SENDFLOW_HOME", home.path()},
                                         {"SENDFLOW_SMTP_HOST", "127.0.0.1"},
                                         {"SENDFLOW_SMTP_TLS", "none"},
                                         {"SENDFLOW_LOG_FILE", home.path() + "/log"}};
  SECTION("accepted") {
    SmtpServer smtp;
    smtp.start();
    env["SENDFLOW_SMTP_PORT"] = std::to_string(smtp.port());
    auto r = runSendflow({"mail", "test", "--to", "governor@example.test"}, env);
    CHECK(r.exitCode == 0);
    CHECK(r.out.find("250 OK") != std::string::npos);
    REQUIRE(smtp.waitFor(1));
    CHECK(str(smtp.messages()->getObject(0), "rcpt") == "governor@example.test");
  }
  SECTION("closed port") {
    env["SENDFLOW_SMTP_PORT"] = std::to_string(freePort());
    auto r = runSendflow({"mail", "test", "--to", "x@example.test"}, env);
    CHECK(r.exitCode != 0);
    CHECK(r.err.find("could not connect to the SMTP server 127.0.0.1:" + env["SENDFLOW_SMTP_PORT"] +
                     ": connection refused") != std::string::npos);
  }
  SECTION("sender rejected") {
    SmtpServer smtp(0, SmtpServer::Mode::kRejectSender);
    smtp.start();
    env["SENDFLOW_SMTP_PORT"] = std::to_string(smtp.port());
    auto r = runSendflow({"mail", "test", "--to", "x@example.test"}, env);
    CHECK(r.exitCode != 0);
    CHECK(r.err.find("refused the sender") != std::string::npos);
    CHECK(r.err.find("550 5.7.1 Sender address rejected: not allowed to relay") !=
          std::string::npos);
  }
}

TEST_CASE("SIGKILL in the middle of draining: after restart nothing is lost and nothing doubled",
          "[mail][smtp][slow]") {
  SmtpServer smtp;
  smtp.start();
  const int n = 80;
  const auto now = web::SystemClock().now();
  const char* names[] = {"sunday",   "monday", "tuesday", "wednesday",
                         "thursday", "friday", "saturday"};
  const unsigned tomorrow =
      (std::chrono::weekday{std::chrono::sys_days{engine::dateOf(now)}}.c_encoding() + 1) % 7;
  auto w = std::make_unique<MailWorld>(engine::dateOf(now), smtp.port(), names[tomorrow]);
  w->clock.set(now - std::chrono::seconds(5));
  for (int i = 0; i < n; ++i) {
    engine::OutboxMessage m;
    m.kind = engine::mailkind::kTest;
    m.key = "kill-test:" + std::to_string(i);
    m.toAddress = "person" + std::to_string(i) + "@example.test";
    m.data = "{}";
    m.createdAt = m.nextAttemptAt = w->clock.now();
    REQUIRE(w->app->outbox().enqueue(m) > 0);
  }
  const std::string home = w->home.path();
  auto env = environmentFor(w->keys);
  env.insert({{"SENDFLOW_HOME", home},
              {"SENDFLOW_PORT", "0"},
              {"SENDFLOW_LOG_FILE", home + "/server.log"},
              {"SENDFLOW_MAIL_POLL_SECONDS", "1"}});
  w->app.reset();
  {
    ServeProcess serve(SENDFLOW_BINARY, env);
    REQUIRE(smtp.waitFor(n / 3, 30));
    std::mt19937 rng(std::random_device{}());
    std::this_thread::sleep_for(
        std::chrono::microseconds(std::uniform_int_distribution<int>(0, 3000)(rng)));
    serve.kill(SIGKILL);
  }
  const size_t atKill = smtp.count();
  CHECK(atKill < static_cast<size_t>(n));  // killed mid-drain
  {
    ServeProcess serve(SENDFLOW_BINARY, env);
    REQUIRE(smtp.waitFor(n, 60));
    // Until the outbox has settled every row (nothing queued, sending or retrying is left that a
    // late duplicate could come from), asked through `sendflow mail status`, with a deadline.
    auto settled = [](const std::string& st) {
      return st.find("queued 0, sending 0, ") != std::string::npos &&
             st.find(", retrying 0, failed 0, ") != std::string::npos;
    };
    std::string status;
    for (auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
         !settled(status) && std::chrono::steady_clock::now() < until;)
      status = runSendflow({"mail", "status"}, env).out;
    INFO(status);
    CHECK(settled(status));
  }
  {
    auto world =
        std::make_unique<web::App>(w->settings, w->clock, Poco::Logger::get("mail-test"), false);
    for (const auto& m : world->outbox().list("", n + 5))
      if (m.attempts > 1 || m.serverReply.rfind("250", 0) != 0)
        UNSCOPED_INFO("row " << m.id << " attempts " << m.attempts << " reply '" << m.serverReply
                             << "' error '" << m.lastError << "'");
  }
  std::set<std::string> ids, rcpts;
  auto msgs = smtp.messages();
  std::map<std::string, int> seen;
  for (size_t i = 0; i < msgs->size(); ++i) {
    auto m = msgs->getObject(static_cast<unsigned>(i));
    if (++seen[str(m, "message_id")] > 1)
      UNSCOPED_INFO("twice: " << str(m, "message_id") << " to " << str(m, "rcpt") << ", message "
                              << i << " of " << msgs->size() << ", text " << str(m, "text").size()
                              << " bytes");
  }
  for (size_t i = 0; i < msgs->size(); ++i) {
    ids.insert(str(msgs->getObject(static_cast<unsigned>(i)), "message_id"));
    rcpts.insert(str(msgs->getObject(static_cast<unsigned>(i)), "rcpt"));
  }
  CHECK(smtp.count() == static_cast<size_t>(n));
  CHECK(ids.size() == static_cast<size_t>(n));
  CHECK(rcpts.size() == static_cast<size_t>(n));
  w->app = std::make_unique<web::App>(w->settings, w->clock, Poco::Logger::get("mail-test"), false);
  // Killed after handing a message over but before its reply was recorded: that one row is
  // "uncertain" (here the server did take it), never sent twice.
  const auto counts = w->app->outbox().counts();
  CHECK(counts.sent + counts.uncertain == n);
  CHECK(counts.uncertain <= 1);
}

TEST_CASE("the governors' weekly digest carries the week's anchor of the audit trail",
          "[mail][smtp][audit]") {
  SmtpServer smtp;
  smtp.start();
  const engine::Date monday = day("2026-03-02");
  MailWorld w(monday, smtp.port());
  w.addPlan("peep", "active", "2026-03-20");
  w.app->anchorAuditHead(false);  // the server's scheduler does this before the reminders
  std::ifstream file(w.home.path() + "/audit.anchor");
  std::string line;
  REQUIRE(std::getline(file, line));
  auto anchor = engine::parseAnchorLine(line);
  REQUIRE(anchor.ok());
  CHECK(anchor->kind == "weekly");
  REQUIRE(w.app->reminders().run(monday, false).queued >= 1);
  w.app->mail().drain();
  auto msgs = smtp.messages();
  int digests = 0;
  for (size_t i = 0; i < msgs->size(); ++i) {
    auto m = msgs->getObject(static_cast<unsigned>(i));
    if (str(m, "subject").rfind("SEND reviews at", 0) != 0) continue;
    CHECK(str(m, "rcpt") == "governor@oak.test");
    ++digests;
    INFO(str(m, "text"));
    CHECK(str(m, "text").find("This week's audit trail anchor") != std::string::npos);
    CHECK(str(m, "text").find("event " + std::to_string(anchor->eventId) + " of 2 March 2026, " +
                              engine::anchorReference(*anchor)) != std::string::npos);
    CHECK(str(m, "html").find(engine::anchorReference(*anchor)) != std::string::npos);
  }
  CHECK(digests == 1);
}

TEST_CASE(
    "reminders run --now a year ahead, then mail drain says those messages are not due yet and "
    "when they are",
    "[mail][smtp][cli]") {
  SmtpServer smtp;
  smtp.start();
  Server s(environmentFor({{"smtp.host", "127.0.0.1"},
                           {"smtp.port", std::to_string(smtp.port())},
                           {"smtp.tls", "none"}}));
  s.seedDemo();
  REQUIRE(s.run({"mail", "drain"}).exitCode == 0);  // what the demo queued for now goes first
  const engine::Date ahead = plus(engine::dateOf(web::SystemClock().now()), 365);
  auto run = s.run({"reminders", "run", "--now", engine::isoDate(ahead)});
  INFO(run.out << run.err);
  REQUIRE(run.exitCode == 0);
  CHECK(run.out.find(", due on " + engine::ukDate(ahead) + ": `sendflow mail drain` sends them") !=
        std::string::npos);
  auto drain = s.run({"mail", "drain"});
  INFO(drain.out << drain.err);
  CHECK(drain.out.find("sent 0,") == 0);
  CHECK(drain.out.find(" not due yet: the first is due on " + engine::ukDate(ahead) + " at ") !=
        std::string::npos);
}

TEST_CASE(
    "the governors' digest has the overview's 12-month table as an email-safe bar chart, a "
    "viewport, 'None' for an empty list and links that say where they go",
    "[mail][smtp]") {
  SmtpServer smtp;
  smtp.start();
  const engine::Date monday = day("2026-03-02");
  MailWorld w(monday, smtp.port());
  w.addPlan("peep", "active", "2026-03-20");
  w.addPlan("peep", "active", "2026-03-27");
  w.addPlan("peep", "active", "2026-07-01");
  REQUIRE(w.app->reminders().run(monday, false).queued >= 1);
  w.app->mail().drain();
  // The reviews overview (governor page) reads the same figures from here.
  const auto overview = w.app->reminders().oversight(w.academy, monday, true);
  REQUIRE(overview.months.size() == 12);
  auto msgs = smtp.messages();
  int digests = 0;
  for (size_t i = 0; i < msgs->size(); ++i) {
    auto m = msgs->getObject(static_cast<unsigned>(i));
    if (str(m, "subject").rfind("SEND reviews at", 0) != 0) continue;
    ++digests;
    const std::string html = str(m, "html"), text = str(m, "text");
    INFO(html);
    CHECK(html.find("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">") !=
          std::string::npos);
    // No SVG, script or image: table cells with widths and background colours.
    for (const char* banned : {"<svg", "<script", "<img"})
      CHECK(html.find(banned) == std::string::npos);
    CHECK(html.find("bgcolor=\"#1d70b8\"") != std::string::npos);
    static const char* kNames[] = {"January",   "February", "March",    "April",
                                   "May",       "June",     "July",     "August",
                                   "September", "October",  "November", "December"};
    for (const auto& month : overview.months) {
      const std::string name = std::string(kNames[static_cast<unsigned>(month.first.month()) - 1]) +
                               " " + std::to_string(static_cast<int>(month.first.year()));
      const std::string row =
          "<th scope=\"row\" align=\"left\" style=\"font-weight: normal; "
          "white-space: nowrap; border-top: 1px solid #b1b4b6;\">" +
          name + "</th>";
      const auto at = html.find(row);
      REQUIRE(at != std::string::npos);
      const auto end = html.find("</tr>", html.find("</table>", html.find("</table>", at) + 1));
      const std::string cells = html.substr(at, end - at);
      const std::string reviews =
          "border-top: 1px solid #b1b4b6;\">" + std::to_string(month.reviews);
      CHECK(cells.find(reviews) != std::string::npos);
      CHECK(cells.find("\">" + std::to_string(month.deadlines)) != std::string::npos);
      CHECK(text.find("  - " + name + ": " +
                      engine::countOf(month.reviews, "review date", "review dates") + ", " +
                      engine::countOf(month.deadlines, "EHCP deadline", "EHCP deadlines")) !=
            std::string::npos);
    }
    CHECK(overview.months[0].reviews == 2);  // the two March reviews
    // Descriptive links: where each one goes, never "open" or "click here" alone.
    CHECK(html.find(">Open the reviews overview on sendflow</a>") != std::string::npos);
    CHECK(html.find(">open</a>") == std::string::npos);
    CHECK(html.find("click here") == std::string::npos);
    // No EHCP in this academy: the empty list says so.
    CHECK(html.find("EHCP statutory deadlines not yet met: 0</h2>\n<p>None.</p>") !=
          std::string::npos);
    CHECK(text.find("EHCP statutory deadlines not yet met: 0\n  None.") != std::string::npos);
  }
  CHECK(digests == 1);
}
