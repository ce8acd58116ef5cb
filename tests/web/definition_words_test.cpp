// A trust adds a language and its own words for its forms and workflows, with no code (issue 16,
// docs/translations.md): a line in its translations/LANGUAGES and a catalogue, then per-language
// words in its definitions. Over real HTTP against the demo trust: the server accepts them, a
// contact given the language reads the workflow's signer labels (and, where it has none, the
// catalogue's) on their signing page and in their invitation, and the form's words on their
// contribution page; definitions whose words use a language the list does not offer stop the
// server and every command that loads them, naming the file.
#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>

#include "app/app.h"
#include "mail/mail.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/storage/database.h"
#include "support/demo.h"
#include "support/smtp.h"
#include "test_settings.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

// Pashto: not shipped, so only this test's translations folder offers it.
const char* kPashtoLine = "ps  rtl  پښتو  Pashto\n";
// The words the test's definitions give in Pashto (a marker each, so a page shows which place
// its words came from).
const char* kParentSlotPs = "مور، پلار یا پالونکی";              // workflows: every parent slot
const char* kParentCatalogue = "پالونکی (د کتلاګ څخه)";          // ps.po: "Parent or carer"
const char* kSencoCatalogue = "SENCO (د زده کړې همغږي کوونکی)";  // ps.po: "SENCO"
const char* kSectionPs = "ستاسو نظر";                            // forms: every contact's section

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

std::string stringified(const Poco::JSON::Object::Ptr& o) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(o, out, 2);
  return out.str();
}

// Adds `words` in `tag` to the "translations" of `o` (made when it has none).
void addWords(Poco::JSON::Object::Ptr o, const std::string& tag, const std::string& key,
              const std::string& words) {
  Poco::JSON::Object::Ptr all = o->has("translations")
                                    ? o->getObject("translations")
                                    : Poco::JSON::Object::Ptr(new Poco::JSON::Object);
  Poco::JSON::Object::Ptr w(new Poco::JSON::Object);
  w->set(key, words);
  all->set(tag, w);
  o->set("translations", all);
}

// A trust's own folders: the shipped translations with Pashto added (LANGUAGES + ps.po), and
// the shipped forms and workflows with words in `tag` for every parent slot and every section a
// contact writes.
struct TrustFolders {
  TempDir root;
  std::string translations = root.path() + "/translations";
  std::string forms = root.path() + "/forms";
  std::string workflows = root.path() + "/workflows";

  TrustFolders(bool listPashto, const std::string& tag) {
    const std::string src = SENDFLOW_SOURCE_ROOT;
    Poco::File(src + "/translations").copyTo(translations);
    Poco::File(src + "/forms").copyTo(forms);
    Poco::File(src + "/workflows").copyTo(workflows);
    if (listPashto) {
      std::ofstream(translations + "/LANGUAGES", std::ios::app) << kPashtoLine;
      writeText(
          translations + "/ps.po",
          std::string("msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n"
                      "\"Language: ps\\n\"\n\n") +
              "msgid \"Parent or carer\"\nmsgstr \"" + kParentCatalogue + "\"\n\n" +
              "msgid \"SENCO\"\nmsgstr \"" + kSencoCatalogue + "\"\n");
    }
    for (const char* type : {"ehcp_annual_review", "healthcare_plan", "intimate_care", "peep",
                             "physical_handling", "risk_assessment"}) {
      const std::string wfPath = workflows + "/" + type + ".json";
      auto wf = Poco::JSON::Parser().parse(readText(wfPath)).extract<Poco::JSON::Object::Ptr>();
      auto signers = wf->getArray("signers");
      for (unsigned i = 0; i < signers->size(); ++i) {
        auto s = signers->getObject(i);
        if (s->getValue<std::string>("kind") == "parent_carer")
          addWords(s, tag, "label", kParentSlotPs);
      }
      writeText(wfPath, stringified(wf));
      const std::string formPath = forms + "/" + type + "/form.json";
      auto form = Poco::JSON::Parser().parse(readText(formPath)).extract<Poco::JSON::Object::Ptr>();
      auto sections = form->getArray("sections");
      for (unsigned i = 0; i < sections->size(); ++i) {
        auto s = sections->getObject(i);
        auto roles = s->getArray("roles");
        if (!roles) continue;
        bool contact = false;
        for (unsigned r = 0; r < roles->size(); ++r)
          contact = contact || roles->getElement<std::string>(r) != "pupil";
        if (contact) addWords(s, tag, "title", kSectionPs);
      }
      writeText(formPath, stringified(form));
    }
  }

  ConfigKeys keys() const {
    return {{"translations.dir", translations}, {"forms.dir", forms}, {"workflows.dir", workflows}};
  }
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct ParentRequest {
  int64_t id = 0, planId = 0, contactId = 0;
  std::string token;
};

// An open signing request of a parent or carer on a plan awaiting signatures, on a plan that has
// a SENCO's slot too, its link made current.
ParentRequest openParentRequest(Demo& d) {
  storage::Database conn(d.server.home() + "/sendflow.db");
  storage::Statement st(
      conn,
      "SELECT r.id, r.plan_id, r.link_salt, substr(r.person_ref, 9) FROM signature_request r "
      "JOIN plan p ON p.id=r.plan_id JOIN contact c ON 'contact:' || c.id = r.person_ref "
      "WHERE p.state='awaiting_signatures' AND r.state IN ('invited','opened') AND "
      "r.link_salt<>'' AND r.version=p.current_version AND c.kind='parent_carer' AND EXISTS "
      "(SELECT 1 FROM signature_request o WHERE o.plan_id=r.plan_id AND o.version=r.version AND "
      "o.slot_label='SENCO' AND o.id<>r.id) ORDER BY r.id LIMIT 1");
  REQUIRE(st.step());
  ParentRequest r;
  r.id = st.getInt(0);
  r.planId = st.getInt(1);
  const std::string salt = st.getText(2);
  r.contactId = std::stoll(st.getText(3));
  conn.exec("UPDATE signature_request SET expires_at='2999' || substr(expires_at, 5) WHERE id=" +
            std::to_string(r.id));
  r.token = engine::signerLinkToken(readText(d.server.home() + "/keys/link.key"), salt);
  return r;
}

}  // namespace

TEST_CASE("a language a trust adds reaches a contact's signing page and forms, with no code",
          "[web][i18n][definitions][slow]") {
  TrustFolders trust(true, "ps");
  Demo d(environmentFor(trust.keys()));
  auto senco = d.senco();
  auto req = openParentRequest(d);

  // The SENCO may give a contact the new language: it is in the server's one list.
  auto set = senco.postJson("PATCH", "/api/v1/contacts/" + std::to_string(req.contactId),
                            R"({"language":"ps"})");
  INFO(set.body);
  REQUIRE(set.status == 200);

  SECTION("the signing page: the workflow's words, then the catalogue's, then English") {
    Client parent = d.server.client();
    auto page = parent.get("/s/" + req.token);
    REQUIRE(page.status == 200);
    CHECK(has(page.body, "<html lang=\"ps\" dir=\"rtl\">"));
    // Their own slot: the workflow's words, before the catalogue's for the same English label.
    CHECK(has(page.body, kParentSlotPs));
    CHECK_FALSE(has(page.body, kParentCatalogue));
    // Another slot the workflow gives no Pashto for: the catalogue's.
    CHECK(has(page.body, std::string("(") + kSencoCatalogue + ")"));
    // In English on request, the definition's own words.
    auto english = parent.get("/s/" + req.token + "?lang=en");
    REQUIRE(english.status == 200);
    CHECK_FALSE(has(english.body, kParentSlotPs));
    CHECK_FALSE(has(english.body, kSencoCatalogue));
    CHECK(has(english.body, "(SENCO)"));
  }

  SECTION("their invitation names their slot in the workflow's words") {
    auto renew = senco.postForm(
        "/plans/" + std::to_string(req.planId) + "/signers/" + std::to_string(req.id) + "/renew",
        {{"csrf", senco.csrf}});
    REQUIRE(renew.status == 303);
    d.server.stop();  // the in-process App below reads the same home
    engine::FixedClock clock(engine::TimePoint{});
    web::App app(settingsFor(d.server.home(), trust.keys()), clock,
                 Poco::Logger::get("definition-words-test"), false);
    std::string mail;
    for (const auto& m : app.mail().list("", 5000)) {
      if (m.planId != req.planId || m.kind != "sign_invite" || !has(m.data, "\"lang\":\"ps\""))
        continue;
      std::ostringstream out;
      app.mail().compose(m, engine::parseEmailAddress(m.toAddress).value())->write(out);
      mail = readableMail(out.str());
    }
    REQUIRE_FALSE(mail.empty());
    CHECK(has(mail, std::string(", as ") + kParentSlotPs + "."));
  }

  SECTION("a contribution page shows the form's words in the new language") {
    std::string link;
    int64_t contactId = 0;
    auto plans = d.data->getArray("plans");
    for (size_t i = 0; link.empty() && i < plans->size(); ++i) {
      auto p = plans->getObject(static_cast<unsigned>(i));
      auto links = p->getArray("contribution_links");
      // One of the SENCO's own academy's plans (another's contacts are not theirs to change).
      if (!links || links->size() == 0 || p->getValue<std::string>("academy") != Demo::kOak)
        continue;
      auto l = links->getObject(0);
      link = l->getValue<std::string>("link");
      storage::Database conn(d.server.home() + "/sendflow.db");
      storage::Statement st(conn,
                            "SELECT contact_id FROM contribution_link WHERE plan_id=? AND name=?");
      st.bind(1, p->getValue<int64_t>("id"));
      st.bind(2, l->getValue<std::string>("name"));
      REQUIRE(st.step());
      contactId = st.getInt(0);
    }
    REQUIRE_FALSE(link.empty());
    REQUIRE(senco
                .postJson("PATCH", "/api/v1/contacts/" + std::to_string(contactId),
                          R"({"language":"ps"})")
                .status == 200);
    auto page = d.server.client().get(link.substr(link.find("/c/")));
    REQUIRE(page.status == 200);
    CHECK(has(page.body, "<html lang=\"ps\" dir=\"rtl\">"));
    CHECK(has(page.body, kSectionPs));
  }
}

TEST_CASE(
    "definitions whose words use a language the list does not offer stop the server and "
    "the commands that load them naming the file while migrate needs none of them",
    "[web][i18n][definitions][slow]") {
  // The trust's forms and workflows give Pashto words, but its LANGUAGES does not list Pashto.
  TrustFolders trust(false, "ps");
  Server server(environmentFor(trust.keys()));
  // `demo` first: were the words accepted, `serve` would start and not return.
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"demo", "--json"}, std::vector<std::string>{"serve"}}) {
    auto r = server.run(command);
    INFO(command[0] << "\n" << r.out << r.err);
    REQUIRE(r.exitCode != 0);
    // The first file read with Pashto words (forms load before workflows, in folder order).
    CHECK(has(r.err, trust.forms + "/ehcp_annual_review/form.json: $.sections["));
    CHECK(has(r.err, "].translations.ps: unknown language 'ps'"));
    CHECK(has(r.err, trust.translations + "/LANGUAGES"));
  }
  // Migrating the database reads no definition (they are read when first asked for).
  auto migrated = server.run({"migrate"});
  INFO(migrated.out << migrated.err);
  CHECK(migrated.exitCode == 0);

  // Only the workflows give words in a language not listed: the workflow's file is named.
  TrustFolders workflowsOnly(false, "ps");
  Poco::File(workflowsOnly.forms).remove(true);
  Poco::File(SENDFLOW_SOURCE_ROOT "/forms").copyTo(workflowsOnly.forms);
  Server other(environmentFor(workflowsOnly.keys()));
  auto r = other.run({"demo", "--json"});
  INFO(r.out << r.err);
  REQUIRE(r.exitCode != 0);
  CHECK(has(r.err, workflowsOnly.workflows +
                       "/ehcp_annual_review.json: $.signers[2].translations.ps: unknown language"));
}
