// The first five minutes (issue 14, point 15): a demo server (demo.mailbox=true, which only
// scripts/run sets) keeps every email in a Maildir in its data directory and shows each on a
// clearly marked demo mailbox page, links clickable, so a newcomer can open a parent's signing
// link; every page says the server is a demo. A real server without a mail server keeps its
// mail queued and says so, has no demo mailbox and never writes one.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "support/demo.h"
#include "support/server.h"
#include "support/smtp.h"

using namespace sendflow;
using namespace sendflow::testing;
namespace fs = std::filesystem;

namespace {

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string fileText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::vector<fs::path> filesIn(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    out.push_back(it->path());
  return out;
}

// The demo's queued mail, delivered by the server's sender (a few seconds): at least `atLeast`
// messages, and no new one for two seconds.
std::vector<fs::path> waitForMail(const fs::path& newDir, std::size_t atLeast) {
  std::size_t seen = 0;
  int quiet = 0;
  for (int i = 0; i < 120 && (seen < atLeast || quiet < 4); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto now = filesIn(newDir).size();
    quiet = now == seen ? quiet + 1 : 0;
    seen = now;
  }
  return filesIn(newDir);
}

std::string mailMessage(Demo& demo) {
  return demo.server.client()
      .get("/healthz")
      .json()
      ->getObject("checks")
      ->getObject("mail")
      ->getValue<std::string>("message");
}

}  // namespace

TEST_CASE("A demo server keeps every email in its demo mailbox, and a signer's link opens from it",
          "[web][demo]") {
  Demo demo({{"SENDFLOW_DEMO_MAILBOX", "true"}, {"SENDFLOW_MAIL_POLL_SECONDS", "1"}});
  const fs::path box = fs::path(demo.server.home()) / "demo-mailbox";

  // Delivered into new/ through tmp/ (nothing left there), as the real RFC 5322 message.
  auto files = waitForMail(box / "new", 10);
  REQUIRE(files.size() >= 10);
  CHECK(filesIn(box / "tmp").empty());
  const std::string raw = fileText(files.front());
  CHECK(contains(raw, "Message-ID: <sendflow."));
  CHECK(contains(raw, "\r\nSubject: "));
  CHECK(contains(raw, "Content-Type: multipart/"));
  CHECK(contains(raw, "\r\n\r\n"));

  // Marked sent: nothing is left waiting, and /healthz does not complain about mail.
  Client admin = demo.signedIn("trust_admin", "");
  auto mailPage = admin.get("/admin/mail");
  REQUIRE(mailPage.status == 200);
  CHECK(contains(mailPage.body, "Failed (0)"));
  CHECK(contains(mailPage.body, "Retrying (0)"));
  CHECK(contains(mailPage.body, "demo mailbox"));
  CHECK(contains(mailPage.body, "kept in the demo mailbox as "));
  CHECK(mailMessage(demo) == "No message is uncertain.");

  // The mailbox page lists each message: to, subject, a date in plain English.
  Client senco = demo.senco();
  auto page = senco.get("/demo/mailbox");
  REQUIRE(page.status == 200);
  CHECK(contains(page.body, "<h1>Demo mailbox</h1>"));
  CHECK(contains(page.body, "For the demo only."));
  CHECK(std::regex_search(
      page.body, std::regex(R"(<td>\d{1,2} [A-Z][a-z]+ 20\d\d at \d{1,2}:\d\d[ap]m</td>)")));
  CHECK(page.headers["Cache-Control"] == "no-store");

  // A contact's signing link: shown on the message's page as a link that opens the signing
  // page, for someone with no session at all (the parent). The demo sent some links again, so
  // older ones are gone (410): the newest of each opens.
  std::string signerPath, tried;
  Response signing;
  for (const auto& f : files) {
    const std::string name = f.filename().string();
    auto message = senco.get("/demo/mailbox/" + name);
    REQUIRE(message.status == 200);
    std::smatch m;
    if (!std::regex_search(message.body, m,
                           std::regex(R"re(<a href="(/s/[A-Za-z0-9_-]+)">http)re")))
      continue;
    Client parent = demo.server.client();
    signing = parent.get(m[1]);
    if (signing.status == 303) signing = parent.get(signing.headers["Location"]);
    tried += std::string(m[1]).substr(0, 8) + "=" + std::to_string(signing.status) + " ";
    if (signing.status == 200) {
      signerPath = m[1];
      break;
    }
  }
  INFO("signer links tried: " << tried);
  REQUIRE_FALSE(signerPath.empty());
  CHECK(contains(signing.body, "You are asked to sign as"));

  // Every page says this is a demo and links the mailbox: staff pages, a signer's, the login.
  for (const auto& body :
       {page.body, signing.body, demo.server.client().get("/login").body, senco.get("/").body}) {
    CHECK(contains(body, "This is a demo server."));
    CHECK(contains(body, "<a href=\"/demo/mailbox\">Open the demo mailbox</a>"));
  }

  // Who may see it: staff who may see contacts; not a governor (404, as any page of pupils'
  // records for them), nor anyone signed out (to the login page).
  CHECK(demo.signedIn("governor").get("/demo/mailbox").status == 404);
  CHECK(demo.server.client().get("/demo/mailbox").status == 303);
  // Only the mailbox's own messages, by their names.
  CHECK(senco.get("/demo/mailbox/nosuch.Q1.sendflow").status == 404);
  CHECK(senco.get("/demo/mailbox/..%2Fsendflow.db").status == 404);
  CHECK(senco.get("/demo/mailbox/.hidden").status == 404);
}

TEST_CASE("A server without a mail server keeps its mail queued, says so, and has no mailbox",
          "[web][demo]") {
  Demo demo(std::map<std::string, std::string>{{"SENDFLOW_MAIL_POLL_SECONDS", "1"}});
  std::this_thread::sleep_for(std::chrono::seconds(3));  // a few rounds of the sender
  const fs::path home(demo.server.home());

  // Nothing tried, nothing failed: every message waits, and the trust admin and /healthz are
  // told why.
  Client admin = demo.signedIn("trust_admin", "");
  auto mailPage = admin.get("/admin/mail");
  REQUIRE(mailPage.status == 200);
  CHECK(contains(mailPage.body, "No mail server is configured (set smtp.host): "));
  CHECK(contains(mailPage.body, " messages are waiting in the outbox"));
  CHECK(contains(mailPage.body, "Failed (0)"));
  CHECK(contains(mailPage.body, "Retrying (0)"));
  CHECK(contains(mailPage.body, "Sent (0)"));
  CHECK_FALSE(contains(mailPage.body, "Queued (0)"));
  auto health = demo.server.client().get("/healthz").json()->getObject("checks")->getObject("mail");
  CHECK(health->getValue<std::string>("status") == "warning");
  CHECK(contains(health->getValue<std::string>("message"), "No mail server is configured"));
  CHECK(health->getValue<bool>("mail_server_configured") == false);

  // No demo mailbox: no route, no banner, no Maildir written.
  Client senco = demo.senco();
  CHECK(senco.get("/demo/mailbox").status == 404);
  CHECK(senco.get("/demo/mailbox/1.Q1.sendflow").status == 404);
  for (const auto& body : {senco.get("/").body, demo.server.client().get("/login").body}) {
    CHECK_FALSE(contains(body, "demo-banner"));
    CHECK_FALSE(contains(body, "demo mailbox"));
  }
  CHECK_FALSE(fs::exists(home / "demo-mailbox"));

  // The command line says the same.
  auto drain = demo.server.run({"mail", "drain"});
  CHECK(drain.exitCode == 0);
  CHECK(contains(drain.out, "No mail server is configured (set smtp.host)"));
  auto test = demo.server.run({"mail", "test", "--to", "someone@example.test"});
  CHECK(test.exitCode == 75);
  CHECK(contains(test.err, "no mail server is configured"));
  CHECK_FALSE(fs::exists(home / "demo-mailbox"));
}

TEST_CASE("sendflow serve with a mail server never writes a demo mailbox", "[web][demo]") {
  SmtpServer smtp;
  smtp.start();
  Demo demo({{"SENDFLOW_SMTP_HOST", "127.0.0.1"},
             {"SENDFLOW_SMTP_PORT", std::to_string(smtp.port())},
             {"SENDFLOW_MAIL_POLL_SECONDS", "1"}});
  REQUIRE(smtp.waitFor(5, 60));
  CHECK_FALSE(fs::exists(fs::path(demo.server.home()) / "demo-mailbox"));
  CHECK(demo.senco().get("/demo/mailbox").status == 404);
  CHECK(mailMessage(demo) == "No message is uncertain.");
}
