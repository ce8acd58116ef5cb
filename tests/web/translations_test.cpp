// The message catalogues as the server reads them (libgettextpo): the shipped set loads, a
// translation that changes a placeholder or holds markup is refused, fuzzy and empty entries
// fall back to English, and a template's messages are written in escaped.
#include "i18n/translations.h"

#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <thread>
#include <vector>

#include "pages/live_words.h"
#include "pages/views.h"
#include "support/temp_dir.h"

using namespace sendflow;
using namespace sendflow::testing;
using web::TextKind;
using web::Translations;

namespace {

const std::string kShipped = std::string(SENDFLOW_SOURCE_ROOT) + "/translations";

const char* kHeader =
    "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\"Language: "
    "ur\\n\"\n\n";

// A translations folder with en-GB (empty: English from the msgids) and ur holding `urEntries`.
void writeCatalogues(const TempDir& dir, const std::string& urEntries) {
  std::ofstream(dir.file("LANGUAGES")) << "# test\nen-GB  ltr  English  English\n"
                                       << "ur  rtl  اردو  Urdu\n";
  std::ofstream(dir.file("en-GB.po")) << kHeader;
  std::ofstream(dir.file("ur.po")) << kHeader << urEntries;
}

}  // namespace

TEST_CASE("the shipped catalogues load, English first, Urdu and Arabic right to left",
          "[web][i18n]") {
  Translations tr(kShipped);
  REQUIRE_FALSE(tr.languages().empty());
  CHECK(tr.languages().front().tag == "en-GB");
  for (const char* tag : {"pl", "ur", "ro", "ar", "bn", "pa", "so"}) {
    INFO(tag);
    REQUIRE(tr.find(tag) != nullptr);
  }
  CHECK(tr.find("ur")->rtl);
  CHECK(tr.find("ar")->rtl);
  CHECK_FALSE(tr.find("pl")->rtl);
  CHECK(tr.find("UR") == nullptr);
  CHECK(tr.find("ur-PK") == nullptr);
  // Every page template compiles in every shipped language.
  CHECK_NOTHROW(web::Views(std::string(SENDFLOW_SOURCE_ROOT) + "/web/templates", &tr));
}

TEST_CASE("a translation is used, an untranslated or fuzzy one falls back to English alone",
          "[web][i18n]") {
  TempDir dir;
  writeCatalogues(dir,
                  "msgid \"Save\"\nmsgstr \"محفوظ کریں\"\n\n"
                  "#, fuzzy\nmsgid \"Decline\"\nmsgstr \"WRONG\"\n\n"
                  "msgid \"Sign\"\nmsgstr \"\"\n\n");
  Translations tr(dir.path());
  CHECK(tr.text("ur", "Save") == "محفوظ کریں");
  CHECK(tr.text("ur", "Decline") == "Decline");  // fuzzy: not shipped to contacts
  CHECK(tr.text("ur", "Sign") == "Sign");        // untranslated
  CHECK(tr.text("en-GB", "Save") == "Save");
  CHECK(tr.text("xx", "Save") == "Save");
  CHECK(tr.translatedCount("ur") == 1);
}

TEST_CASE("a catalogue whose translation changes a placeholder or holds a tag stops start-up",
          "[web][i18n]") {
  TempDir dir;
  SECTION("a placeholder renamed") {
    writeCatalogues(dir, "msgid \"Dear {{recipient_name}},\"\nmsgstr \"محترم {{name}}،\"\n");
    CHECK_THROWS_WITH(Translations(dir.path()),
                      Catch::Contains("ur.po") && Catch::Contains("{{recipient_name}}"));
  }
  SECTION("a placeholder dropped") {
    writeCatalogues(dir, "msgid \"Error {{status}}.\"\nmsgstr \"خرابی\"\n");
    CHECK_THROWS_WITH(Translations(dir.path()), Catch::Contains("{{status}}"));
  }
  SECTION("an unescaped tag smuggled in") {
    writeCatalogues(dir, "msgid \"Save\"\nmsgstr \"{{{evil}}}\"\n");
    CHECK_THROWS_WITH(Translations(dir.path()), Catch::Contains("Mustache tag"));
  }
  SECTION("a syntax error, named with its line") {
    writeCatalogues(dir, "msgid \"Save\"\nmsgstr \"unterminated\n");
    CHECK_THROWS_WITH(Translations(dir.path()), Catch::Contains("ur.po:"));
  }
  SECTION("a language listed without a catalogue") {
    writeCatalogues(dir, "");
    std::ofstream(dir.file("LANGUAGES"), std::ios::app) << "pl  ltr  Polski  Polish\n";
    CHECK_THROWS_WITH(Translations(dir.path()), Catch::Contains("pl.po"));
  }
  SECTION("a bad direction") {
    writeCatalogues(dir, "");
    std::ofstream(dir.file("LANGUAGES"), std::ios::app) << "pl  up  Polski  Polish\n";
    CHECK_THROWS_WITH(Translations(dir.path()), Catch::Contains("ltr or rtl"));
  }
}

TEST_CASE("template messages are written in escaped, their placeholders left to the render",
          "[web][i18n]") {
  TempDir dir;
  writeCatalogues(dir,
                  "msgid \"Thank you, {{name}}.\"\nmsgstr \"<b>شکریہ</b> & {{name}}\"\n\n"
                  "msgid \"Save\"\nmsgstr \"\\\"x\\\"\"\n");
  Translations tr(dir.path());
  const std::string text = "<p>{{#t}}Thank you, {{name}}.{{/t}}</p><a title=\"{{#t}}Save{{/t}}\">";
  CHECK(web::translateTemplate("t", text, tr, "ur", TextKind::kHtml) ==
        "<p>&lt;b&gt;شکریہ&lt;/b&gt; &amp; {{name}}</p><a title=\"&quot;x&quot;\">");
  CHECK(web::translateTemplate("t", text, tr, "en-GB", TextKind::kHtml) ==
        "<p>Thank you, {{name}}.</p><a title=\"Save\">");
  // Mail text is not HTML: text as written, placeholders unescaped.
  CHECK(web::translateTemplate("t", "{{#t}}Thank you, {{name}}.{{/t}}", tr, "ur",
                               TextKind::kPlain) == "<b>شکریہ</b> & {{{name}}}");
  CHECK_THROWS_WITH(web::translateTemplate("x.mustache", "{{#t}}Hi {{#a}}b{{/a}}{{/t}}", tr, "ur",
                                           TextKind::kHtml),
                    Catch::Contains("x.mustache"));
  CHECK_THROWS_WITH(web::translateTemplate("x.mustache", "{{#t}}Hi", tr, "ur", TextKind::kHtml),
                    Catch::Contains("never closed"));
}

// Views compile each template in each language on its first render (web/pages/views.h); two
// languages asked for at once, both for the first time, each get their own page.
TEST_CASE("views: pages in two languages rendered at once, each for the first time, are each right",
          "[web][i18n][views]") {
  TempDir dir;
  writeCatalogues(dir, "msgid \"Save\"\nmsgstr \"محفوظ کریں\"\n");
  Translations tr(dir.path());
  TempDir templates;
  std::ofstream(templates.file("page.mustache")) << "<p>{{#t}}Save{{/t}}, {{name}}</p>\n";
  std::ofstream(templates.file("plain.mustache")) << "<i>{{name}}</i>";
  for (int round = 0; round < 5; ++round) {  // a fresh Views each round: first renders racing
    const web::Views views(templates.path(), &tr);
    web::Data d;
    d.set("name", "Zoë <b>");
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    std::vector<int> right(8, 0);
    for (std::size_t t = 0; t < right.size(); ++t)
      threads.emplace_back([&, t] {
        while (!go.load()) std::this_thread::yield();
        const bool urdu = t % 2 == 1;
        for (int i = 0; i < 50; ++i) {
          right[t] +=
              views.render("page", d, urdu ? "ur" : "en-GB") ==
              (urdu ? "<p>محفوظ کریں, Zoë &lt;b&gt;</p>\n" : "<p>Save, Zoë &lt;b&gt;</p>\n");
          // A template without messages is English in every language.
          right[t] += views.render("plain", d, urdu ? "ur" : "en-GB") == "<i>Zoë &lt;b&gt;</i>";
        }
      });
    go = true;
    for (auto& t : threads) t.join();
    for (int n : right) CHECK(n == 100);
  }
}

// Compiling on first use must not let a template that only a catalogue breaks wait for its
// first visitor: every language is checked at start.
TEST_CASE("views: a catalogue that breaks a template in its language stops start-up, named",
          "[web][i18n][views]") {
  TempDir dir;
  // Valid as a message (no {{ or }}), but before the template's {{name}} it opens a {{{ tag
  // that never closes: only the Urdu page is broken.
  writeCatalogues(dir, "msgid \"Save\"\nmsgstr \"محفوظ {\"\n");
  Translations tr(dir.path());
  TempDir templates;
  std::ofstream(templates.file("page.mustache")) << "<p>{{#t}}Save{{/t}}{{name}}</p>\n";
  CHECK_THROWS_WITH(web::Views(templates.path(), &tr),
                    Catch::Contains("page.mustache in ur") && Catch::Contains("Unclosed tag"));
  // English alone compiles: it is the Urdu translation that is refused.
  CHECK_NOTHROW(web::Views(templates.path()));
}

TEST_CASE("dates are written out in the contact's language by ICU", "[web][i18n]") {
  CHECK(web::localDate("en-GB", "2026-12-03") == "3 December 2026");
  CHECK(web::localDate("pl", "2026-12-03").find("grudnia") != std::string::npos);
  CHECK(web::localDate("ur", "2026-12-03T10:00:00Z").find("دسمبر") != std::string::npos);
  CHECK(web::localDate("ur", "not a date") == "not a date");
  CHECK(web::localDate("ur", "2026-02-30") == "2026-02-30");
}

TEST_CASE("the engine's texts are read in the contact's language, with their values in its grammar",
          "[web][i18n]") {
  using engine::Text;
  using engine::TextArg;
  Translations tr(kShipped);
  // A count with no noun to agree with: "Tries left: 4." in every language.
  const Text tries(engine::N_("That code is not right. Tries left: {{count}}."),
                   {TextArg::number("count", 4)});
  CHECK(tries.str() == "That code is not right. Tries left: 4.");
  CHECK(tr.text("en-GB", tries) == "That code is not right. Tries left: 4.");
  CHECK(tr.text("pl", tries) == "Ten kod jest nieprawidłowy. Pozostałe próby: 4.");
  CHECK(tr.text("ur", tries) == "یہ کوڈ درست نہیں ہے۔ باقی کوششیں: 4۔");
  // Arabic digits where the language writes them (ICU).
  CHECK(tr.text("ar", tries) == "هذا الرمز غير صحيح. المحاولات المتبقية: ٤.");
  // Minutes with their noun in the language's grammar.
  const Text expired(
      engine::N_("This code has expired (codes last {{duration}}). Ask for a new code."),
      {TextArg::minutes("duration", 10)});
  CHECK(expired.str() == "This code has expired (codes last 10 minutes). Ask for a new code.");
  CHECK(tr.text("pl", expired) ==
        "Ten kod wygasł (kod jest ważny przez 10 minut). Prosimy poprosić o nowy kod.");
  // The slots a signer waits for: workflow words, translated, listed by ICU in the language.
  const Text turn(
      engine::N_("It is not your turn to sign yet: this plan is signed in order, and "
                 "{{signers}} must sign first. We will email you when it is your turn."),
      {TextArg::list("signers", {Text("SENCO"), Text("Headteacher")})});
  CHECK(turn.str().find("SENCO, Headteacher must sign first") != std::string::npos);
  const std::string pl = tr.text("pl", turn);
  CHECK(pl.find("najpierw musi podpisać SENCO i Dyrektor szkoły.") != std::string::npos);
  // A form's words: in English as they read in the sentence, else the form's own words in the
  // language, quoted; the English label, quoted, where the form has none.
  const Text enter(engine::N_("Enter {{answer}}"),
                   {TextArg::formWords("answer", "your views", {{"ur", "آپ کی رائے"}})});
  CHECK(tr.text("en-GB", enter) == "Enter your views");
  CHECK(tr.text("ur", enter) == "درج کریں: “آپ کی رائے”");
  CHECK(tr.text("pl", enter) == "Prosimy uzupełnić: „your views”");
  // A message no catalogue has (a form's own error message) stays English, and says so.
  bool fellBack = false;
  CHECK(tr.text("pl", Text("Enter the dose as on the label"), &fellBack) ==
        "Enter the dose as on the label");
  CHECK(fellBack);
  tr.text("pl", tries, &fellBack);
  CHECK_FALSE(fellBack);
}

TEST_CASE("a link's expiry is written with its time in England, in the contact's language",
          "[web][i18n]") {
  // 15:30 UTC in December is 15:30 in London; in July 09:00 UTC is 10:00 BST.
  const std::string pl = web::localDateTime("pl", "2026-12-17T15:30:00Z");
  INFO(pl);
  CHECK(pl.find("17 grudnia 2026") != std::string::npos);
  CHECK(pl.find("15:30") != std::string::npos);
  CHECK(web::localDateTime("pl", "2026-07-01T09:00:00Z").find("10:00") != std::string::npos);
  CHECK(web::localDateTime("ro", "2026-12-17T15:30:00Z").find("15:30") != std::string::npos);
  CHECK(web::localDateTime("pl", "not a time") == "not a time");
}

TEST_CASE("the live editor's words: every message translated in every shipped language",
          "[web][i18n]") {
  Translations tr(kShipped);
  const auto parse = [](const std::string& json) {
    return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
  };
  const auto english = parse(web::liveWords(tr, web::kEnglish));
  CHECK(english->getArray("en")->size() == 0);
  CHECK(english->getValue<std::string>("status") ==
        "Editing live. People on this page: {{count}}.");
  CHECK(english->getValue<std::string>("add_row") == "Add a row");
  for (const auto& language : tr.languages()) {
    INFO(language.tag);
    const auto words = parse(web::liveWords(tr, language.tag));
    // Each message has a translation in use (none shows in English, marked lang="en-GB")...
    CHECK(words->getArray("en")->size() == 0);
    for (const auto& key : english->getNames()) {
      if (key == "en") continue;
      INFO(key);
      const std::string message = words->getValue<std::string>(key);
      // ...with the placeholders the script fills, and no other Mustache.
      bool other = false;
      auto names = web::placeholdersOf(message, &other);
      auto expected = web::placeholdersOf(english->getValue<std::string>(key));
      std::sort(names.begin(), names.end());
      std::sort(expected.begin(), expected.end());
      CHECK(names == expected);
      CHECK_FALSE(other);
      if (language.tag != web::kEnglish) CHECK(message != english->getValue<std::string>(key));
    }
  }
  // Urdu as translations/ur.po has it.
  const auto urdu = parse(web::liveWords(tr, "ur"));
  CHECK(urdu->getValue<std::string>("add_row") == "قطار شامل کریں");
  CHECK(urdu->getValue<std::string>("row_legend") == "{{label}}: قطار {{number}}");
}
