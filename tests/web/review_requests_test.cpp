// Asking for a review (issue 14, points 5-7), over real HTTP with mail through a real SMTP
// server: every document type takes a change, an incident or a stakeholder's request, from the
// SENCO and from a contact's emailed link; every request is kept, shown and emailed on its own;
// the contact's page refuses bad input clearly and keeps the link working for the sealed copy.
#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <thread>

#include "app/definition_folders.h"
#include "i18n/language_list.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/storage/database.h"
#include "support/demo.h"
#include "support/smtp.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

int64_t scalar(const std::string& db, const std::string& sql) {
  storage::Database d(db);
  storage::Statement st(d, sql);
  REQUIRE(st.step());
  return st.getInt(0);
}

std::string text(const std::string& db, const std::string& sql) {
  storage::Database d(db);
  storage::Statement st(d, sql);
  REQUIRE(st.step());
  return st.getText(0);
}

// A contact's link to a signed, sealed plan of `type` that is in force: its plan id and token.
struct Link {
  int64_t planId = 0;
  int64_t academyId = 0;
  std::string token, contactName, salt;
};

std::optional<Link> contactLink(Demo& d, const std::string& type) {
  const std::string db = d.server.home() + "/sendflow.db";
  storage::Database conn(db);
  storage::Statement st(
      conn,
      "SELECT p.id, p.academy_id, r.link_salt, c.name FROM plan p JOIN sealed_document s ON "
      "s.plan_id=p.id JOIN signature_request r ON r.plan_id=p.id AND r.version=s.version AND "
      "r.version=p.current_version JOIN contact c ON 'contact:' || c.id = r.person_ref WHERE "
      "p.type=? AND p.state IN ('active','review_due') AND r.state='signed' AND r.link_salt<>'' "
      "ORDER BY p.id LIMIT 1");
  st.bind(1, type);
  if (!st.step()) return std::nullopt;
  Link l;
  l.planId = st.getInt(0);
  l.academyId = st.getInt(1);
  l.salt = st.getText(2);
  l.contactName = st.getText(3);
  // The demo signed it long ago: its link would have expired by now.
  conn.exec(
      "UPDATE signature_request SET expires_at='2999' || substr(expires_at, 5) WHERE "
      "link_salt='" +
      l.salt + "'");
  std::ifstream keyFile(d.server.home() + "/keys/link.key", std::ios::binary);
  const std::string key((std::istreambuf_iterator<char>(keyFile)), {});
  l.token = engine::signerLinkToken(key, l.salt);
  return l;
}

// The value of the hidden input `name` in a page.
std::string hidden(const std::string& html, const std::string& name) {
  std::smatch m;
  std::regex re("name=\"" + name + "\" value=\"([^\"]*)\"");
  return std::regex_search(html, m, re) ? m[1].str() : "";
}

// Review emails about plan `planId` delivered to `address`.
std::vector<Poco::JSON::Object::Ptr> reviewMails(const SmtpServer& smtp, int64_t planId,
                                                 const std::string& address) {
  std::vector<Poco::JSON::Object::Ptr> out;
  auto all = smtp.messages();
  const std::regex link("/plans/" + std::to_string(planId) + "([^0-9]|$)");
  for (std::size_t i = 0; i < all->size(); ++i) {
    auto m = all->getObject(static_cast<unsigned>(i));
    if (m->getValue<std::string>("subject").rfind("Review needed now", 0) != 0) continue;
    if (m->getValue<std::string>("to").find(address) == std::string::npos) continue;
    if (!std::regex_search(m->getValue<std::string>("text"), link)) continue;
    out.push_back(m);
  }
  return out;
}

bool waitForReviewMails(const SmtpServer& smtp, int64_t planId, const std::string& address,
                        std::size_t n) {
  for (int i = 0; i < 600; ++i) {  // up to a minute on a loaded machine
    if (reviewMails(smtp, planId, address).size() >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

Response fire(Client& c, int64_t id, const std::string& code, const std::string& why) {
  return c.postJson("POST", "/api/v1/plans/" + std::to_string(id) + "/transitions/trigger_review",
                    "{\"reason_code\":\"" + code + "\",\"reason_text\":\"" + why + "\"}");
}

Response ask(Client& c, const Link& l, const std::string& code, const std::string& why,
             bool withCsrf = true) {
  auto page = c.get("/s/" + l.token + "/review");
  std::map<std::string, std::string> form{{"reason_code", code}, {"reason_text", why}};
  // The page's token is the pre-session cookie's (an expired link shows no form: the cookie).
  if (withCsrf)
    form["csrf"] = page.status == 200 ? hidden(page.body, "csrf") : c.cookies()["sf_csrf"];
  return c.postForm("/s/" + l.token + "/review", form);
}

std::map<std::string, std::string> smtpEnv(const SmtpServer& smtp) {
  return {{"SENDFLOW_SMTP_HOST", "127.0.0.1"},
          {"SENDFLOW_SMTP_PORT", std::to_string(smtp.port())},
          {"SENDFLOW_MAIL_POLL_SECONDS", "1"}};
}

}  // namespace

TEST_CASE(
    "every document type takes a review for a change, an incident or anyone's request: from "
    "the SENCO and from a contact's emailed link, each kept, shown and emailed",
    "[web][plans][review][slow]") {
  SmtpServer smtp;
  smtp.start();
  Demo d(smtpEnv(smtp));
  auto defs = web::loadDefinitionFolders(
      SENDFLOW_SOURCE_ROOT "/forms", SENDFLOW_SOURCE_ROOT "/workflows",
      sendflow::web::offeredLanguages(SENDFLOW_SOURCE_ROOT "/translations"));
  REQUIRE(defs.types().size() >= 6);
  Client oak = d.signedIn("senco", Demo::kOak);
  Client hill = d.signedIn("senco", Demo::kHill);
  const std::string oakSenco = d.logins.at(std::string("senco@") + Demo::kOak).first;
  const std::string hillSenco = d.logins.at(std::string("senco@") + Demo::kHill).first;
  const std::regex ukTime(R"(\d{1,2} [A-Z][a-z]+ \d{4} at \d{1,2}:\d{2}(am|pm))");
  for (const auto& type : defs.types()) {
    INFO("type " << type);
    auto link = contactLink(d, type);
    REQUIRE(link);
    const bool atOak = link->academyId == d.firstAcademy();
    Client& senco = atOak ? oak : hill;
    const std::string sencoEmail = atOak ? oakSenco : hillSenco;
    const std::string id = std::to_string(link->planId);
    const auto before = senco.get("/api/v1/plans/" + id).json()->getArray("review_requests");
    REQUIRE(before);
    const std::size_t mailsBefore = reviewMails(smtp, link->planId, sencoEmail).size();

    // The SENCO: three requests, one straight after the other.
    for (const char* reason : {"change", "incident", "stakeholder_request"}) {
      auto r = fire(senco, link->planId, reason, std::string("SENCO: ") + reason);
      INFO(reason << ": " << r.body);
      CHECK(r.status == 200);
    }
    // The contact, through their link: the page offers the same reasons.
    Client visitor = d.server.client();
    auto page = visitor.get("/s/" + link->token + "/review");
    REQUIRE(page.status == 200);
    for (const char* reason : {"change", "incident", "stakeholder_request"}) {
      CHECK(page.body.find(std::string("value=\"") + reason + "\"") != std::string::npos);
      auto r = ask(visitor, *link, reason, std::string("Parent: ") + reason);
      INFO(reason << ": " << r.status << " " << r.body.substr(0, 2000));
      CHECK(r.status == 303);
    }

    // Every request kept on the plan, in the API and on the page.
    auto plan = senco.get("/api/v1/plans/" + id).json();
    CHECK(plan->getValue<std::string>("state") == "review_due");
    auto kept = plan->getArray("review_requests");
    REQUIRE(kept->size() == before->size() + 6);
    auto last = kept->getObject(static_cast<unsigned>(kept->size() - 1));
    CHECK(last->getValue<std::string>("by_name") == link->contactName);
    CHECK(last->getValue<std::string>("by").rfind("contact:", 0) == 0);
    CHECK(last->getValue<std::string>("reason_code") == "stakeholder_request");
    CHECK(last->getValue<std::string>("reason_text") == "Parent: stakeholder_request");
    auto first = kept->getObject(static_cast<unsigned>(before->size()));
    CHECK(first->getValue<std::string>("reason_code") == "change");
    auto planPage = senco.get("/plans/" + id).body;
    CHECK(planPage.find("Requests for a review") != std::string::npos);
    CHECK(planPage.find(link->contactName) != std::string::npos);
    CHECK(planPage.find("SENCO: incident") != std::string::npos);
    CHECK(std::regex_search(planPage, ukTime));

    // One email to the SENCO for each of the six requests; the contact's name who asked, never
    // the free text.
    REQUIRE(waitForReviewMails(smtp, link->planId, sencoEmail, mailsBefore + 6));
    auto mails = reviewMails(smtp, link->planId, sencoEmail);
    CHECK(mails.size() == mailsBefore + 6);
    bool namesContact = false;
    for (const auto& m : mails) {
      const std::string body = m->getValue<std::string>("text") + m->getValue<std::string>("html");
      CHECK(body.find("Parent: ") == std::string::npos);
      CHECK(body.find("SENCO: ") == std::string::npos);
      namesContact =
          namesContact || body.find("Asked for by " + link->contactName) != std::string::npos;
    }
    CHECK(namesContact);
  }
}

TEST_CASE(
    "a contact's review page: a clear error for a missing, unlisted, multi-line, too long or "
    "control-character reason, CSRF, and the link keeps its sealed copy until it expires",
    "[web][plans][review]") {
  Demo d;
  auto link = contactLink(d, "peep");
  REQUIRE(link);
  const std::string db = d.server.home() + "/sendflow.db";
  const std::string base = "/s/" + link->token;
  Client c = d.server.client();
  auto page = c.get(base + "/review");
  REQUIRE(page.status == 200);
  CHECK(page.body.find("Ask for a review") != std::string::npos);
  CHECK(page.body.find(base + "/sealed.pdf") != std::string::npos);
  // The signing page of the same link leads here.
  CHECK(c.get(base).body.find(base + "/review") != std::string::npos);

  const int64_t before = scalar(db, "SELECT COUNT(*) FROM plan_review_request");
  auto noCsrf = ask(c, *link, "change", "x", false);
  CHECK(noCsrf.status == 403);
  auto none = ask(c, *link, "", "Something changed.");
  CHECK(none.status == 422);
  CHECK(none.body.find("There is a problem") != std::string::npos);
  CHECK(none.body.find("href=\"#reason_code\"") != std::string::npos);
  CHECK(none.body.find("Select why this is needed") != std::string::npos);
  CHECK(none.body.find("Something changed.") != std::string::npos);  // kept as typed
  auto noText = ask(c, *link, "change", "  ");
  CHECK(noText.status == 422);
  CHECK(noText.body.find("href=\"#reason_text\"") != std::string::npos);
  CHECK(noText.body.find("Enter a reason") != std::string::npos);
  auto unlisted = ask(c, *link, "boredom", "x");
  CHECK(unlisted.status == 422);
  CHECK(unlisted.body.find("Select one of the reasons listed") != std::string::npos);
  CHECK(ask(c, *link, "change\nincident", "x").status == 422);
  auto control = ask(c, *link, "change", std::string("bell") + '\x07');
  CHECK(control.status == 422);
  CHECK(control.body.find("control character") != std::string::npos);
  auto tooLong = ask(c, *link, "change", std::string(1001, 'a'));
  CHECK(tooLong.status == 422);
  CHECK(tooLong.body.find("1000 characters or fewer") != std::string::npos);
  CHECK(scalar(db, "SELECT COUNT(*) FROM plan_review_request") == before);

  auto ok = ask(c, *link, "change", "We moved house.\r\nNew school bus.");
  REQUIRE(ok.status == 303);
  CHECK(ok.headers["Location"] == base + "/review?sent=1");
  auto thanked = c.get(base + "/review?sent=1");
  CHECK(thanked.body.find("Your request was sent") != std::string::npos);
  CHECK(thanked.body.find("Your requests so far") != std::string::npos);
  CHECK(scalar(db, "SELECT COUNT(*) FROM plan_review_request") == before + 1);
  CHECK(text(db,
             "SELECT detail FROM audit_event WHERE action='plan.review_requested' ORDER BY id "
             "DESC LIMIT 1")
            .find("\"door\":\"signer_link\"") != std::string::npos);
  // Asking again is another request, not a duplicate of the first.
  REQUIRE(ask(c, *link, "incident", "Another thing.").status == 303);
  CHECK(scalar(db, "SELECT COUNT(*) FROM plan_review_request") == before + 2);
  // The link still downloads the sealed copy.
  auto pdf = c.get(base + "/sealed.pdf");
  CHECK(pdf.status == 200);
  CHECK(pdf.headers["Content-Type"] == "application/pdf");

  // A link that is not one: 404; an expired one says how to ask instead (410), for the page and
  // the download alike.
  CHECK(c.get("/s/" + std::string(43, 'A') + "/review").status == 404);
  {
    storage::Database conn(db);
    conn.exec("UPDATE signature_request SET expires_at='2001-01-01T00:00:00Z' WHERE link_salt='" +
              link->salt + "'");
  }
  auto expired = c.get(base + "/review");
  CHECK(expired.status == 410);
  CHECK(expired.body.find("can no longer be used to ask for a review") != std::string::npos);
  CHECK(expired.body.find("SENCO by phone or email") != std::string::npos);
  CHECK(ask(c, *link, "change", "x").status == 410);
  CHECK(c.get(base + "/sealed.pdf").status == 410);
  CHECK(d.server.log().find(link->token) == std::string::npos);
}
