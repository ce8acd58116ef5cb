// The last English in a contact's messages (issue 16), over real HTTP against the demo trust with
// the shipped catalogues: a form's own messages ("pattern_message", "error_messages") in the
// words the form gives in the contact's language, else in English marked as English with the
// page's note; a date's "within" duration written by ICU; the control-character refusals and
// "Check the reason" of a decline; a workflow's state names inside a message, in its words.
#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <sstream>

#include "sendflow/engine/core/crypto.h"
#include "sendflow/storage/database.h"
#include "support/demo.h"
#include "support/temp_dir.h"
#include "test_settings.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

// Two questions every form's parent section gains in this test: a code with a pattern and its
// own message (given in Polish and Urdu), and a date with a "within" rule and its own "invalid"
// message (given in Polish only). The demo's sample answers ("Agreed at the planning meeting",
// a date near today) pass both.
const char* kParentFields = R"([
 {"id": "family_code", "label": "Family code", "kind": "text", "pattern": "[A-Z][A-Za-z0-9 ]*",
  "pattern_message": "Start the family code with a capital letter",
  "translations": {"pl": {"label": "Kod rodziny",
                          "pattern_message": "Kod rodziny prosimy zacząć wielką literą"},
                   "ur": {"label": "خاندانی کوڈ",
                          "pattern_message": "خاندانی کوڈ بڑے حرف سے شروع کریں"}}},
 {"id": "visit_date", "label": "Date of the visit", "kind": "date", "within": "P12M",
  "error_messages": {"invalid": "Enter the date of the visit as a real date"},
  "translations": {"pl": {"label": "Data wizyty",
                          "error_messages": {"invalid": "Prosimy wpisać prawdziwą datę wizyty"}},
                   "ur": {"label": "ملاقات کی تاریخ"}}}])";

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The shipped forms with kParentFields added to each parent's section.
struct FormsFolder {
  TempDir root;
  std::string forms = root.path() + "/forms";

  FormsFolder() {
    Poco::File(std::string(SENDFLOW_SOURCE_ROOT) + "/forms").copyTo(forms);
    for (const char* type : {"ehcp_annual_review", "healthcare_plan", "intimate_care", "peep",
                             "physical_handling", "risk_assessment"}) {
      const std::string path = forms + "/" + type + "/form.json";
      auto form = Poco::JSON::Parser().parse(readText(path)).extract<Poco::JSON::Object::Ptr>();
      auto sections = form->getArray("sections");
      for (unsigned i = 0; i < sections->size(); ++i) {
        auto s = sections->getObject(i);
        if (s->getValue<std::string>("id") != "parent_views") continue;
        auto added = Poco::JSON::Parser().parse(kParentFields).extract<Poco::JSON::Array::Ptr>();
        auto fields = s->getArray("fields");
        for (unsigned f = 0; f < added->size(); ++f) fields->add(added->get(f));
      }
      std::ostringstream out;
      Poco::JSON::Stringifier::stringify(form, out, 2);
      std::ofstream(path, std::ios::binary) << out.str();
    }
  }
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void exec(Demo& d, const std::string& sql) {
  storage::Database conn(d.server.home() + "/sendflow.db");
  conn.exec(sql);
}

// A parent's contribution link of the demo, its contact speaking `language`: the path /c/<token>.
std::string parentContributionLink(Demo& d, const std::string& language) {
  auto plans = d.data->getArray("plans");
  for (size_t i = 0; i < plans->size(); ++i) {
    auto links = plans->getObject(static_cast<unsigned>(i))->getArray("contribution_links");
    for (size_t j = 0; links && j < links->size(); ++j) {
      auto l = links->getObject(static_cast<unsigned>(j));
      if (l->getValue<std::string>("kind") != "parent_carer") continue;
      const std::string link = l->getValue<std::string>("link");
      const std::string token = link.substr(link.rfind("/c/") + 3);
      const std::string hash = engine::sha256Hex(token);
      exec(d, "UPDATE contact SET language='" + language +
                  "' WHERE id=(SELECT contact_id FROM contribution_link WHERE token_hash='" + hash +
                  "')");
      exec(d,
           "UPDATE contribution_link SET expires_at='2999' || substr(expires_at, 5) WHERE "
           "token_hash='" +
               hash + "'");
      return "/c/" + token;
    }
  }
  FAIL("the demo has no parent's contribution link");
  return "";
}

// An open signing request of a contact on a plan awaiting signatures, its link made current, the
// contact speaking `language`: the path /s/<token>.
std::string contactSigningLink(Demo& d, const std::string& language) {
  storage::Database conn(d.server.home() + "/sendflow.db");
  storage::Statement st(
      conn,
      "SELECT r.id, r.link_salt, substr(r.person_ref, 9) FROM signature_request r JOIN plan p ON "
      "p.id=r.plan_id WHERE p.state='awaiting_signatures' AND r.state IN ('invited','opened') AND "
      "r.person_ref LIKE 'contact:%' AND r.link_salt<>'' AND r.version=p.current_version ORDER BY "
      "r.id LIMIT 1");
  REQUIRE(st.step());
  const std::string id = std::to_string(st.getInt(0));
  const std::string salt = st.getText(1);
  const std::string contact = st.getText(2);
  conn.exec("UPDATE signature_request SET expires_at='2999' || substr(expires_at, 5) WHERE id=" +
            id);
  conn.exec("UPDATE contact SET language='" + language + "' WHERE id=" + contact);
  return "/s/" + engine::signerLinkToken(readText(d.server.home() + "/keys/link.key"), salt);
}

struct Contributed {
  int status = 0;
  std::string body;
};

// Posts the parent's answers to the two added questions (and their views) on `link`.
Contributed contribute(Demo& d, const std::string& link, const std::string& code,
                       const std::string& date, const std::string& views = "We agree.") {
  Client parent = d.server.client();
  auto page = parent.get(link);
  REQUIRE(page.status == 200);
  REQUIRE(has(page.body, "name=\"f.family_code\""));
  auto r = parent.postForm(link, {{"csrf", Client::hiddenValue(page.body, "csrf")},
                                  {"base_version", Client::hiddenValue(page.body, "base_version")},
                                  {"f.parent_views", views},
                                  {"f.family_code", code},
                                  {"f.visit_date", date}});
  return {r.status, r.body};
}

}  // namespace

TEST_CASE("a contact reads a form's own messages and the engine's refusals in their language",
          "[web][i18n][slow]") {
  FormsFolder folder;
  Demo d(environmentFor({{"translations.dir", std::string(SENDFLOW_SOURCE_ROOT) + "/translations"},
                         {"forms.dir", folder.forms}}));

  SECTION("Polish: the form's own messages, the duration, a control character, a state name") {
    const std::string link = parentContributionLink(d, "pl");
    // The form gives the pattern's message in Polish: shown as it is, not marked as English.
    auto bad = contribute(d, link, "ab1", "2099-01-01");
    INFO(bad.body.substr(0, 6000));
    CHECK(bad.status == 422);
    CHECK(has(bad.body, "Kod rodziny prosimy zacząć wielką literą"));
    CHECK_FALSE(has(bad.body, "Start the family code with a capital letter"));
    CHECK_FALSE(has(bad.body, "lang=\"en-GB\" dir=\"ltr\">Kod rodziny prosimy"));
    // "within" P12M, written by ICU in Polish.
    CHECK(has(bad.body, "w okresie 12 miesięcy od dzisiaj"));
    CHECK_FALSE(has(bad.body, "12 months"));
    // The date's own "invalid" message, in Polish.
    auto unreal = contribute(d, link, "Ab1", "2026-02-31");
    CHECK(unreal.status == 422);
    CHECK(has(unreal.body, "Prosimy wpisać prawdziwą datę wizyty"));
    // A control character in an answer: refused in Polish, the answer named by its Polish label.
    auto control = contribute(d, link, "Ab1", "", std::string("We agree.\x01"));
    CHECK(control.status == 422);
    CHECK(has(control.body, "”: odpowiedź zawiera znak sterujący (niewidoczny znak)"));
    CHECK_FALSE(has(control.body, "contains a control character"));
    // The plan moves on: the page says so with the state in the workflow's Polish words.
    exec(d,
         "UPDATE plan SET state='awaiting_signatures' WHERE id=(SELECT plan_id FROM "
         "contribution_link WHERE token_hash='" +
             engine::sha256Hex(link.substr(3)) + "')");
    auto closed = d.server.client().get(link);
    CHECK(closed.status == 200);
    CHECK(has(closed.body, "Ten plan ma teraz status: „Oczekuje na podpisy”"));
    CHECK_FALSE(has(closed.body, "Awaiting signatures"));
  }

  SECTION("Urdu: a message the form does not give is English, marked, with the page's note") {
    const std::string link = parentContributionLink(d, "ur");
    auto bad = contribute(d, link, "ab1", "2026-02-31");
    INFO(bad.body.substr(0, 6000));
    CHECK(bad.status == 422);
    CHECK(has(bad.body, "<html lang=\"ur\" dir=\"rtl\">"));
    // Given in Urdu: shown in Urdu.
    CHECK(has(bad.body, "خاندانی کوڈ بڑے حرف سے شروع کریں"));
    // Not given in Urdu: the English message, marked as English beside its input and in the
    // summary, and the note that some of the form is in English.
    CHECK(
        has(bad.body,
            "<span lang=\"en-GB\" dir=\"ltr\">Enter the date of the visit as a real date</span>"));
    CHECK(has(bad.body,
              " lang=\"en-GB\" dir=\"ltr\">Enter the date of the visit as a real date</a>"));
    CHECK(has(bad.body, "اس فارم کے سوالات انگریزی میں ہیں۔"));
    CHECK_FALSE(has(bad.body, "Prosimy wpisać prawdziwą datę wizyty"));
    // Within 12 months, in Urdu.
    auto far = contribute(d, link, "Ab1", "2099-01-01");
    CHECK(far.status == 422);
    CHECK(has(far.body, "12 مہینے"));
    CHECK_FALSE(has(far.body, "12 months"));
  }

  SECTION("Urdu: a decline whose reason holds a control character is refused in Urdu") {
    const std::string link = contactSigningLink(d, "ur");
    Client parent = d.server.client();
    auto page = parent.get(link);
    REQUIRE(page.status == 200);
    auto r = parent.postForm(link + "/decline", {{"csrf", Client::hiddenValue(page.body, "csrf")},
                                                 {"reason", std::string("Not yet\x07")}});
    INFO(r.body.substr(0, 6000));
    CHECK(r.status == 422);
    // The field's message, the reason named in Urdu (the page shows no headline for it).
    CHECK(has(r.body, "وجہ: جواب میں ایک کنٹرول کیریکٹر (نظر نہ آنے والا نشان) ہے"));
    CHECK_FALSE(has(r.body, "Check the reason"));
    CHECK_FALSE(has(r.body, "control character"));
  }
}
