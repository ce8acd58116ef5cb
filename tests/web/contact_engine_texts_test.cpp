// The engine's own texts in a contact's language (issue 16), over real HTTP against the demo trust
// and the shipped catalogues: the emailed-code messages with the tries left, a refused answer on
// the contribution page, and a link's error page; none of them in English on a translated page.
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "sendflow/engine/core/crypto.h"
#include "sendflow/storage/database.h"
#include "support/demo.h"
#include "test_settings.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

const std::string kShipped = std::string(SENDFLOW_SOURCE_ROOT) + "/translations";

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

void exec(Demo& d, const std::string& sql) {
  storage::Database conn(d.server.home() + "/sendflow.db");
  conn.exec(sql);
}

// An open signing request of a contact on a plan awaiting signatures, its link made current and
// needing the emailed code, the contact speaking `language`: the link's token.
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
  conn.exec(
      "UPDATE signature_request SET code_required=1, expires_at='2999' || "
      "substr(expires_at, 5) WHERE id=" +
      id);
  conn.exec("UPDATE contact SET language='" + language + "' WHERE id=" + contact);
  std::ifstream keyFile(d.server.home() + "/keys/link.key", std::ios::binary);
  return engine::signerLinkToken(std::string((std::istreambuf_iterator<char>(keyFile)), {}), salt);
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
      exec(d, "UPDATE contact SET language='" + language +
                  "' WHERE id=(SELECT contact_id FROM contribution_link WHERE token_hash='" +
                  engine::sha256Hex(token) + "')");
      exec(d,
           "UPDATE contribution_link SET expires_at='2999' || substr(expires_at, 5) WHERE "
           "token_hash='" +
               engine::sha256Hex(token) + "'");
      return "/c/" + token;
    }
  }
  FAIL("the demo has no parent's contribution link");
  return "";
}

}  // namespace

TEST_CASE("a contact reads the engine's own messages in their language", "[web][i18n][slow]") {
  Demo d(environmentFor({{"translations.dir", kShipped}}));

  SECTION("a wrong emailed code says, in Polish, how many tries are left") {
    const std::string link = "/s/" + contactSigningLink(d, "pl");
    Client parent = d.server.client();
    auto page = parent.get(link);
    REQUIRE(page.status == 200);
    CHECK(has(page.body, "<html lang=\"pl\""));
    const std::string csrf = Client::hiddenValue(page.body, "csrf");
    auto sent = parent.postForm(link + "/code", {{"csrf", csrf}, {"action", "send"}});
    REQUIRE(sent.status == 200);
    // Asking again at once: the engine's refusal, in Polish.
    auto again = parent.postForm(link + "/code", {{"csrf", csrf}, {"action", "send"}});
    CHECK(again.status == 429);
    CHECK(has(again.body, "Wysłaliśmy Państwu kod e-mailem niecałą minutę temu."));
    auto wrong = parent.postForm(link + "/code", {{"csrf", csrf}, {"code", "00000x"}});
    INFO(wrong.body);
    CHECK(wrong.status == 422);
    CHECK(has(wrong.body, "Ten kod jest nieprawidłowy. Pozostałe próby: 4."));
    CHECK_FALSE(has(wrong.body, "Tries left"));
    CHECK_FALSE(has(wrong.body, "That code is not right"));
    // Signing before the code: the engine's refusal, in Polish too.
    auto early = parent.postForm(
        link + "/sign",
        {{"csrf", csrf}, {"consent", "yes"}, {"method", "typed"}, {"typed_name", "Ann Khan"}});
    CHECK(has(early.body, "prosimy wpisać kod, który wysłaliśmy e-mailem"));
  }

  SECTION("a wrong emailed code says it in Urdu, right to left") {
    const std::string link = "/s/" + contactSigningLink(d, "ur");
    Client parent = d.server.client();
    auto page = parent.get(link);
    REQUIRE(page.status == 200);
    const std::string csrf = Client::hiddenValue(page.body, "csrf");
    REQUIRE(parent.postForm(link + "/code", {{"csrf", csrf}, {"action", "send"}}).status == 200);
    auto wrong = parent.postForm(link + "/code", {{"csrf", csrf}, {"code", "00000x"}});
    INFO(wrong.body);
    CHECK(wrong.status == 422);
    CHECK(has(wrong.body, "<html lang=\"ur\" dir=\"rtl\">"));
    CHECK(has(wrong.body, "یہ کوڈ درست نہیں ہے۔ باقی کوششیں: 4۔"));
    CHECK_FALSE(has(wrong.body, "Tries left"));
    // The link expires: its page says so in Urdu, the message not marked as English.
    exec(d,
         "UPDATE signature_request SET expires_at='2000-01-01T00:00:00Z' WHERE "
         "token_hash='" +
             engine::sha256Hex(link.substr(3)) + "'");
    auto gone = d.server.client().get(link);
    CHECK(gone.status == 410);
    CHECK(has(gone.body, "<h1>اس لنک کی مدت ختم ہو گئی ہے"));
    CHECK_FALSE(has(gone.body, "This link has expired"));
  }

  SECTION("a refused answer on the contribution page is explained in Polish") {
    const std::string link = parentContributionLink(d, "pl");
    Client parent = d.server.client();
    auto page = parent.get(link);
    REQUIRE(page.status == 200);
    REQUIRE(has(page.body, "name=\"f.parent_views\""));
    auto r =
        parent.postForm(link, {{"csrf", Client::hiddenValue(page.body, "csrf")},
                               {"base_version", Client::hiddenValue(page.body, "base_version")},
                               {"f.parent_views", std::string(70 * 1024, 'a')}});
    INFO(r.body.substr(0, 4000));
    CHECK(r.status == 422);
    // The answer named by the form's Polish words, quoted; the rule in Polish.
    CHECK(has(r.body, "”: odpowiedź może mieć najwyżej 64 KiB"));
    CHECK(has(r.body, "„"));
    CHECK_FALSE(has(r.body, "must be 64 KiB or shorter"));
  }
}
