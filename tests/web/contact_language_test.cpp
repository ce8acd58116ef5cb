// A contact's language (issue 16), over real HTTP against the demo trust: set by the SENCO on the
// API and the contact form (an unknown tag refused, nothing saved); the contact's signing page in
// Urdu, right to left, with a link to English and back; their email in Urdu, the staff's in
// English, neither naming more than the pupil's initials.
#include <Poco/File.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <fstream>
#include <sstream>

#include "app/app.h"
#include "i18n/translations.h"
#include "mail/mail.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/storage/database.h"
#include "support/demo.h"
#include "support/smtp.h"
#include "test_settings.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

const char* kFooterUr =
    "sendflow بچوں کے بارے میں خاص نوعیت کا ذاتی ڈیٹا رکھتا ہے۔ اسے صرف انہی لوگوں کے ساتھ شیئر "
    "کریں جنہیں اس کی ضرورت ہو۔";
const char* kFooterEn =
    "sendflow holds special category personal data about children. Share it only with people who "
    "need it.";
const char* kDearUr = "محترم";

// The shipped catalogues, with a few Urdu test messages in place of the shipped ur.po (so the
// test does not depend on how far the translators have got).
void writeTranslations(const TempDir& dir) {
  const std::string shipped = std::string(SENDFLOW_SOURCE_ROOT) + "/translations";
  Poco::File(shipped).copyTo(dir.path() + "/t");
  std::ofstream(dir.path() + "/t/ur.po")
      << "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
      << "\"Language: ur\\n\"\n\n"
      << "msgid \"" << kFooterEn << "\"\nmsgstr \"" << kFooterUr << "\"\n\n"
      << "msgid \"Dear {{recipient_name}},\"\nmsgstr \"" << kDearUr << " {{recipient_name}}،\"\n\n"
      << "msgid \"Please sign the {{plan_title}} for {{initials}}\"\n"
      << "msgstr \"براہ کرم {{initials}} کے لیے {{plan_title}} پر دستخط کریں\"\n\n"
      << "msgid \"Version\"\nmsgstr \"ورژن\"\n";
}

struct ContactRequest {
  int64_t id = 0, planId = 0, contactId = 0;
  std::string token, email;
};

// An open signing request of a contact on a plan awaiting signatures, its link made current.
ContactRequest openContactRequest(Demo& d) {
  const std::string db = d.server.home() + "/sendflow.db";
  storage::Database conn(db);
  storage::Statement st(
      conn,
      "SELECT r.id, r.plan_id, r.link_salt, substr(r.person_ref, 9), c.email FROM "
      "signature_request r JOIN plan p ON p.id=r.plan_id JOIN contact c ON 'contact:' || c.id = "
      "r.person_ref WHERE p.state='awaiting_signatures' AND r.state IN ('invited','opened') AND "
      "r.link_salt<>'' AND r.version=p.current_version ORDER BY r.id LIMIT 1");
  REQUIRE(st.step());
  ContactRequest r;
  r.id = st.getInt(0);
  r.planId = st.getInt(1);
  const std::string salt = st.getText(2);
  r.contactId = std::stoll(st.getText(3));
  r.email = st.getText(4);
  conn.exec("UPDATE signature_request SET expires_at='2999' || substr(expires_at, 5) WHERE id=" +
            std::to_string(r.id));
  std::ifstream keyFile(d.server.home() + "/keys/link.key", std::ios::binary);
  r.token =
      engine::signerLinkToken(std::string((std::istreambuf_iterator<char>(keyFile)), {}), salt);
  return r;
}

std::string contactLanguage(Demo& d, int64_t contactId) {
  storage::Database conn(d.server.home() + "/sendflow.db");
  storage::Statement st(conn, "SELECT language FROM contact WHERE id=?");
  st.bind(1, contactId);
  REQUIRE(st.step());
  return st.getText(0);
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a contact in Urdu gets right-to-left Urdu pages and email, with English a click away",
          "[web][i18n][slow]") {
  TempDir translations;
  writeTranslations(translations);
  const std::string dir = translations.path() + "/t";
  Demo d(environmentFor({{"translations.dir", dir}}));
  auto senco = d.senco();
  auto req = openContactRequest(d);
  const std::string contactPath = "/api/v1/contacts/" + std::to_string(req.contactId);
  REQUIRE(contactLanguage(d, req.contactId) == "en-GB");

  SECTION("an unknown language is refused on the API and the form, and nothing is saved") {
    auto r = senco.postJson("PATCH", contactPath, R"({"language":"ur-XX"})");
    CHECK(r.status == 422);
    INFO(r.body);
    CHECK(has(r.body, "language"));
    CHECK(has(r.body, "ur-XX"));
    CHECK(has(r.body, "ur"));  // names the languages offered
    CHECK(senco.postJson("PATCH", contactPath, R"({"language":""})").status == 422);
    CHECK(senco.postJson("PATCH", contactPath, R"({"language":7})").status == 422);
    CHECK(senco.postJson("PATCH", contactPath, R"({"langauge":"ur"})").status == 400);
    CHECK(contactLanguage(d, req.contactId) == "en-GB");

    auto edit = senco.get("/contacts/" + std::to_string(req.contactId) + "/edit");
    REQUIRE(edit.status == 200);
    CHECK(has(edit.body, "<option value=\"ur\""));
    auto form =
        senco.postForm("/contacts/" + std::to_string(req.contactId), {{"csrf", senco.csrf},
                                                                      {"name", "Amina Khan"},
                                                                      {"email", req.email},
                                                                      {"relationship", "Mother"},
                                                                      {"kind", "parent_carer"},
                                                                      {"active", "1"},
                                                                      {"language", "klingon"}});
    CHECK(form.status == 422);
    CHECK(has(form.body, "klingon"));
    CHECK(contactLanguage(d, req.contactId) == "en-GB");
  }

  SECTION("Urdu pages, the switch to English and back, English for the staff") {
    auto set = senco.postJson("PATCH", contactPath, R"({"language":"ur"})");
    INFO(set.body);
    REQUIRE(set.status == 200);
    CHECK(set.json()->getValue<std::string>("language") == "ur");
    CHECK(contactLanguage(d, req.contactId) == "ur");

    Client parent = d.server.client();
    const std::string link = "/s/" + req.token;
    auto page = parent.get(link);
    REQUIRE(page.status == 200);
    CHECK(has(page.body, "<html lang=\"ur\" dir=\"rtl\">"));
    CHECK(has(page.body, kFooterUr));
    CHECK(has(page.body, "<dt>ورژن</dt>"));
    CHECK(has(page.body, "Sign this version"));  // not translated here: English for that string
    CHECK(has(page.body, "href=\"" + link + "?lang=en\""));
    CHECK(has(page.body, "lang=\"en\""));

    auto english = parent.get(link + "?lang=en");
    REQUIRE(english.status == 200);
    CHECK(has(english.body, "<html lang=\"en-GB\" dir=\"ltr\">"));
    CHECK(has(english.body, kFooterEn));
    CHECK(has(english.body, "href=\"" + link + "?lang=ur\""));
    // The choice holds for the contact's next pages (and their forms: no query needed)...
    auto again = parent.get(link);
    CHECK(has(again.body, "<html lang=\"en-GB\" dir=\"ltr\">"));
    // ...until they switch back.
    auto back = parent.get(link + "?lang=ur");
    CHECK(has(back.body, "<html lang=\"ur\" dir=\"rtl\">"));
    CHECK(has(parent.get(link).body, "dir=\"rtl\""));
    // Only English or their own language.
    CHECK(parent.get(link + "?lang=pl").status == 400);
    CHECK(parent.get(link + "?lang=%3Cscript%3E").status == 400);
    // The token never reaches the log, with or without the query.
    CHECK_FALSE(has(d.server.log(), req.token));

    // A refusal this test's catalogue does not translate is shown in English, marked as English
    // in the error summary (a screen reader switches voice); the page stays Urdu.
    auto refused =
        parent.postForm(link + "/sign", {{"csrf", Client::hiddenValue(back.body, "csrf")},
                                         {"method", "typed"},
                                         {"typed_name", "Amina Khan"}});
    INFO(refused.body);
    CHECK(refused.status == 422);
    CHECK(has(refused.body, "<html lang=\"ur\" dir=\"rtl\">"));
    const auto summary = refused.body.find("class=\"error-summary\"");
    REQUIRE(summary != std::string::npos);
    const std::string listed =
        refused.body.substr(summary, refused.body.find("</ul>", summary) - summary);
    CHECK(has(listed, "<li><a href=\"#"));
    CHECK(has(listed, "\" lang=\"en-GB\" dir=\"ltr\">"));

    // The staff's pages stay English.
    auto plan = senco.get("/plans/" + std::to_string(req.planId));
    REQUIRE(plan.status == 200);
    CHECK(has(plan.body, "<html lang=\"en-GB\" dir=\"ltr\">"));
    CHECK_FALSE(has(plan.body, "?lang="));

    // An expired link says so in Urdu too (the page's frame, at least).
    {
      storage::Database conn(d.server.home() + "/sendflow.db");
      conn.exec("UPDATE signature_request SET expires_at='2000-01-01T00:00:00Z' WHERE id=" +
                std::to_string(req.id));
    }
    auto gone = d.server.client().get(link);
    CHECK(gone.status == 410);
    CHECK(has(gone.body, "dir=\"rtl\""));
    CHECK_FALSE(has(gone.body, "Go to your dashboard"));
  }

  SECTION("the contact's invitation is in Urdu, the staff's in English, with initials only") {
    REQUIRE(senco.postJson("PATCH", contactPath, R"({"language":"ur"})").status == 200);
    auto renew = senco.postForm(
        "/plans/" + std::to_string(req.planId) + "/signers/" + std::to_string(req.id) + "/renew",
        {{"csrf", senco.csrf}});
    REQUIRE(renew.status == 303);
    d.server.stop();  // the in-process App below reads the same home

    engine::FixedClock clock(engine::TimePoint{});
    web::App app(settingsFor(d.server.home(), {{"translations.dir", dir}}), clock,
                 Poco::Logger::get("i18n-test"), false);
    std::string contactMail, staffMail, pupilName, expiresAt;
    {
      storage::Database conn(d.server.home() + "/sendflow.db");
      storage::Statement st(conn,
                            "SELECT u.legal_name FROM pupil u JOIN plan p ON p.pupil_id=u.id "
                            "WHERE p.id=?");
      st.bind(1, req.planId);
      REQUIRE(st.step());
      pupilName = st.getText(0);
    }
    for (const auto& m : app.mail().list("", 5000)) {
      if (m.planId != req.planId || m.kind != "sign_invite") continue;
      std::ostringstream out;
      app.mail().compose(m, engine::parseEmailAddress(m.toAddress).value())->write(out);
      std::string& slot = m.toAddress == req.email ? contactMail : staffMail;
      if (slot.empty() || (m.toAddress == req.email && has(m.data, "\"lang\":\"ur\""))) {
        slot = readableMail(out.str());
        if (m.toAddress == req.email) {
          auto data = Poco::JSON::Parser().parse(m.data).extract<Poco::JSON::Object::Ptr>();
          expiresAt = data->optValue<std::string>("expires_at", "");
        }
      }
    }
    INFO("plan " << req.planId << " request " << req.id << " contact " << req.email);
    REQUIRE_FALSE(contactMail.empty());
    REQUIRE_FALSE(staffMail.empty());
    CHECK(has(contactMail, std::string(kDearUr) + " "));
    CHECK(has(contactMail, "=?UTF-8?"));  // the Urdu subject, encoded
    CHECK_FALSE(has(contactMail, "Dear "));
    // The link's expiry in Urdu, with its time (ICU), not the date alone.
    REQUIRE_FALSE(expiresAt.empty());
    const std::string until = web::localDateTime("ur", expiresAt);
    INFO(until);
    CHECK(until != web::localDate("ur", expiresAt));
    CHECK(has(contactMail, until));
    CHECK(has(staffMail, "Dear "));
    CHECK_FALSE(has(staffMail, kDearUr));
    // Emails carry no special-category details: never the pupil's name, in any language.
    CHECK_FALSE(has(contactMail, pupilName));
    CHECK_FALSE(has(staffMail, pupilName));
  }
}
