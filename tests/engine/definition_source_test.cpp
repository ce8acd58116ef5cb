// The definitions source port: the registry reads whatever source it is given, and a bad file
// from any source fails with a DefinitionError naming that file.
#include <catch2/catch.hpp>
#include <string>

#include "sendflow/engine/definitions/definitions.h"

using namespace sendflow::engine;

namespace {

const char* kForm = R"({"type": "visit", "title": "Home visit", "version": 1,
 "sections": [
  {"id": "main", "title": "Main", "fields": [{"id": "notes", "label": "Notes", "kind": "text"}]},
  {"id": "voice", "title": "My views", "pupil_voice": true, "fields": [
    {"id": "views", "label": "Views", "kind": "long_text"}]}]})";

const char* kWorkflow = R"({"type": "visit", "title": "Home visit", "form": "visit", "version": 1,
 "initial": "draft",
 "states": [{"name": "draft", "editable": true}, {"name": "closed", "final": true}],
 "transitions": [{"name": "close", "from": "draft", "to": "closed", "roles": ["senco"]}],
 "signers": [],
 "review": {"every": "P12M", "remind": [], "recipients": ["senco"]},
 "retention": {"from": "date_of_birth", "keep": "P31Y"}})";

// A server's list of languages, as its configuration would give it (the engine has none).
const LanguageList kLanguages{{"en-GB", "pl"}, "test LANGUAGES"};

std::string loadError(const DefinitionSource& source) {
  try {
    DefinitionRegistry::load(source, kLanguages);
  } catch (const DefinitionError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the registry loads document types from an in-memory source", "[engine][definitions]") {
  MemoryDefinitionSource source;
  source.addForm("visit", kForm).addWorkflow("visit", kWorkflow);
  auto reg = DefinitionRegistry::load(source, kLanguages);
  CHECK(reg.types() == std::vector<std::string>{"visit"});
  const WorkflowDefinition* wf = reg.workflow("visit");
  REQUIRE(wf);
  CHECK(wf->sourceName == "workflows/visit.json");
  REQUIRE(reg.formFor(*wf));
  CHECK(reg.formFor(*wf)->sourceName == "forms/visit/form.json");
}

TEST_CASE("a bad file from a source is a DefinitionError naming it", "[engine][definitions]") {
  MemoryDefinitionSource good;
  good.addForm("visit", kForm).addWorkflow("visit", kWorkflow);

  MemoryDefinitionSource badJson = good;
  badJson.addForm("other", "{\"type\": \"other\",\n \"title\": }");
  std::string error = loadError(badJson);
  CHECK_THAT(error,
             Catch::StartsWith("forms/other/form.json: $: invalid JSON at line 2, column 11"));

  MemoryDefinitionSource badField = good;
  std::string form = kForm;
  form.replace(form.find(R"("kind": "text")"), 14, R"("kind": "txet")");
  badField.addForm("visit", form);
  CHECK_THAT(loadError(badField),
             Catch::StartsWith("forms/visit/form.json: $.sections[0].fields[0].kind: unknown field "
                               "kind 'txet'"));

  MemoryDefinitionSource misfiled = good;
  misfiled.addWorkflow("home_visit", kWorkflow);
  CHECK_THAT(loadError(misfiled),
             Catch::StartsWith("workflows/home_visit.json: $.type: type 'visit' does not match the "
                               "file name 'home_visit.json'"));

  MemoryDefinitionSource noForm;
  noForm.addWorkflow("visit", kWorkflow);
  CHECK(loadError(noForm) ==
        "workflows/visit.json: $.form: unknown form 'visit': no forms/visit/form.json");
}

TEST_CASE("a source that cannot be read stops the load with its own error",
          "[engine][definitions]") {
  struct Unreadable final : DefinitionSource {
    std::vector<DefinitionText> forms() const override {
      throw DefinitionError("forms/", "$", "not a readable directory");
    }
    std::vector<DefinitionText> workflows() const override { return {}; }
    std::string formLocation(std::string_view type) const override { return std::string(type); }
  };
  CHECK(loadError(Unreadable{}) == "forms/: $: not a readable directory");
}

TEST_CASE("a deferred registry reads its source only when first asked, whole, and names a bad file",
          "[engine][definitions]") {
  MemoryDefinitionSource good;
  good.addForm("visit", kForm).addWorkflow("visit", kWorkflow);
  int reads = 0;
  auto reg = DefinitionRegistry::deferred([&] {
    ++reads;
    return DefinitionRegistry::load(good, kLanguages);
  });
  CHECK(reads == 0);  // a command that never asks (render: the plan's own snapshot) reads nothing
  const WorkflowDefinition* wf = reg.workflow("visit");
  REQUIRE(wf);
  CHECK(reads == 1);
  REQUIRE(reg.formFor(*wf));  // the whole source was read and checked: its form is there too
  CHECK(reg.types() == std::vector<std::string>{"visit"});
  reg.check();
  CHECK(reads == 1);  // once

  MemoryDefinitionSource bad = good;
  std::string form = kForm;
  form.replace(form.find(R"("kind": "text")"), 14, R"("kind": "txet")");
  bad.addForm("visit", form);
  int badReads = 0;
  auto broken = DefinitionRegistry::deferred([&] {
    ++badReads;
    return DefinitionRegistry::load(bad, kLanguages);
  });
  CHECK(badReads == 0);
  // check() (a server's start) and any lookup refuse it, naming the file and the JSON path, and
  // never hand out a definition from a source with a broken file.
  CHECK_THROWS_WITH(broken.check(),
                    Catch::StartsWith("forms/visit/form.json: $.sections[0].fields[0].kind"));
  CHECK_THROWS_AS(broken.workflow("visit"), DefinitionError);
  CHECK(badReads == 2);
}

TEST_CASE("a source's words in a language the server's list does not offer are refused by file",
          "[engine][definitions][languages]") {
  const std::string withWords = std::string(kForm).replace(
      std::string(kForm).find(R"("title": "Main",)"), std::string(R"("title": "Main",)").size(),
      R"("title": "Main", "roles": ["parent_carer"],
   "translations": {"pl": {"title": "Główne"}, "ps": {"title": "اصلي"}},)");
  MemoryDefinitionSource source;
  source.addForm("visit", withWords).addWorkflow("visit", kWorkflow);
  CHECK_THAT(loadError(source),
             Catch::Contains("forms/visit/form.json: $.sections[0].translations.ps: unknown "
                             "language 'ps': the languages offered are pl (test LANGUAGES)"));
  const LanguageList withPashto{{"en-GB", "pl", "ps"}, "test LANGUAGES"};
  auto reg = DefinitionRegistry::load(source, withPashto);
  CHECK(reg.form("visit")->sections[0].titleIn("ps").text == "اصلي");
}
