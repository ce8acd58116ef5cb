// The editor a contributor sees, in their language: the form's "translations" for the sections
// they write (forms/README.md), English where a word has none, and the plan's own English for
// everyone else.
#include <catch2/catch.hpp>
#include <fstream>
#include <kainjow/mustache.hpp>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "i18n/translations.h"
#include "pages/plan_form.h"
#include "sendflow/engine/definitions/registry.h"

using sendflow::web::EditorInput;

namespace {

const char* kForm = R"({"type": "mini", "title": "Mini plan", "version": 1,
 "sections": [
  {"id": "main", "title": "Main", "fields": [{"id": "name", "label": "Name", "kind": "text"}]},
  {"id": "parent", "title": "Your views", "roles": ["parent_carer"],
   "translations": {"ur": {"title": "آپ کی رائے"}},
   "fields": [
    {"id": "views", "label": "What would you like everyone to know?", "kind": "long_text",
     "help": "Take your time.", "translations": {"ur": {"label": "آپ سب کو کیا بتانا چاہیں گے؟"}}},
    {"id": "agree", "label": "Do you agree?", "kind": "choice",
     "options": [{"value": "yes", "label": "Yes", "translations": {"ur": {"label": "ہاں"}}},
                 {"value": "no", "label": "No", "translations": {"ur": {"label": "نہیں"}}}],
     "translations": {"ur": {"label": "کیا آپ متفق ہیں؟"}}},
    {"id": "helpers", "label": "Who helps", "kind": "table", "translations": {"ur": {"label": "کون مدد کرتا ہے"}},
     "columns": [{"id": "who", "label": "Name", "kind": "text", "translations": {"ur": {"label": "نام"}}}]}]},
  {"id": "voice", "title": "My views", "pupil_voice": true, "fields": [
    {"id": "mine", "label": "Views", "kind": "long_text"}]}]})";

// What the editor shows of each section: [title|in_english] then <label: help> and (options).
std::string shown(const std::string& language) {
  sendflow::engine::PlanView v;
  v.form = std::make_shared<const sendflow::engine::FormDefinition>(
      sendflow::engine::parseForm(kForm, "mini"));
  Poco::JSON::Object::Ptr values = new Poco::JSON::Object;
  const std::set<std::string> parent{"parent"};
  EditorInput in{&v, values.get(), {}, {}, true, &parent};
  in.language = language;
  kainjow::mustache::mustache t(
      "{{#sections}}[{{title}}|{{#in_english}}en{{/in_english}}]{{#fields}}<{{label}}: {{help}}>"
      "{{#options}}({{label}}){{/options}}{{#columns}}{{label}};{{/columns}}{{/fields}}"
      "{{/sections}}");
  REQUIRE(t.is_valid());
  sendflow::web::Data root;
  root.set("sections", sendflow::web::editorSections(in));
  return t.render(root);
}

}  // namespace

TEST_CASE("a contributor's editor shows the form's words in their language, English where none",
          "[web][languages]") {
  CHECK(shown("ur") ==
        "[آپ کی رائے|en]<آپ سب کو کیا بتانا چاہیں گے؟: Take your time.>"
        "<کیا آپ متفق ہیں؟: >(ہاں)(نہیں)<کون مدد کرتا ہے: >نام;");
  // A language the form does not give: all English, and the section says so.
  CHECK(shown("pl") ==
        "[Your views|en]<What would you like everyone to know?: Take your time.>"
        "<Do you agree?: >(Yes)(No)<Who helps: >Name;");
  // The school's own pages: the definition's English, no note.
  CHECK(shown("en-GB") ==
        "[Your views|]<What would you like everyone to know?: Take your time.>"
        "<Do you agree?: >(Yes)(No)<Who helps: >Name;");
}

namespace {

// The editor as the contribution page renders it (templates/_sections.mustache and _field),
// in `language`.
std::string renderedEditor(const std::string& language) {
  const std::string dir = std::string(SENDFLOW_SOURCE_ROOT) + "/web/templates/";
  auto read = [&](const std::string& name) {
    std::ifstream in(dir + name);
    std::stringstream s;
    s << in.rdbuf();
    // The page's own words ({{#t}}) in English: only the form's words are looked at here.
    return sendflow::web::translateTemplate(name, s.str(), sendflow::web::Translations(), "en-GB",
                                            sendflow::web::TextKind::kHtml);
  };
  sendflow::engine::PlanView v;
  v.form = std::make_shared<const sendflow::engine::FormDefinition>(
      sendflow::engine::parseForm(kForm, "mini"));
  Poco::JSON::Object::Ptr values = new Poco::JSON::Object;
  const std::set<std::string> parent{"parent"};
  EditorInput in{&v, values.get(), {}, {}, true, &parent};
  in.language = language;
  kainjow::mustache::mustache t(read("_sections.mustache"));
  REQUIRE(t.is_valid());
  const std::string field = read("_field.mustache");
  sendflow::web::Data root;
  root.set("sections", sendflow::web::editorSections(in));
  root.set("_field", kainjow::mustache::partial([field] { return field; }));
  return t.render(root);
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a word shown in English on a translated page is marked as English for screen readers",
          "[web][languages]") {
  const std::string ur = renderedEditor("ur");
  INFO(ur);
  // The help has no Urdu: it is English, and says so (lang, and ltr inside the rtl page).
  CHECK(has(ur, "id=\"f-views-hint\" lang=\"en-GB\" dir=\"ltr\">Take your time."));
  // What the form gives in Urdu is not marked.
  CHECK(has(ur, "<h2 id=\"s-parent\">آپ کی رائے</h2>"));
  CHECK(has(ur, ">آپ سب کو کیا بتانا چاہیں گے؟"));
  CHECK_FALSE(has(ur, "lang=\"en-GB\" dir=\"ltr\">آپ"));
  // A language the form does not give at all: every word of it marked.
  const std::string pl = renderedEditor("pl");
  CHECK(has(pl, "<h2 id=\"s-parent\" lang=\"en-GB\" dir=\"ltr\">Your views</h2>"));
  CHECK(has(pl, "<span lang=\"en-GB\" dir=\"ltr\">What would you like everyone to know?</span>"));
  CHECK(has(pl, "lang=\"en-GB\" dir=\"ltr\">Yes</label>"));
  CHECK(has(pl, "lang=\"en-GB\" dir=\"ltr\">Who helps</h3>"));
  CHECK(has(pl, "<span lang=\"en-GB\" dir=\"ltr\">Name</span>"));
  // The school's own English pages mark nothing.
  CHECK_FALSE(has(renderedEditor("en-GB"), "lang=\"en-GB\""));
}
