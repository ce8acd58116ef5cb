// The editor a contributor sees, in their language: the form's "translations" for the sections
// they write (forms/README.md), English where a word has none, and the plan's own English for
// everyone else.
#include <catch2/catch.hpp>
#include <kainjow/mustache.hpp>
#include <memory>
#include <set>
#include <string>

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
