// Plan version → PdfDocument: driven by the form definition alone (order, visibility, hidden
// fields, empty values, choices, people, tables, ratings, deadlines, signer slots), and every
// shipped type renders to a valid PDF.
#include "sendflow/engine/documents/plan_document.h"

#include <Poco/JSON/Parser.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "app/definition_folders.h"
#include "i18n/language_list.h"
#include "sendflow/engine/forms/form_values.h"
#include "support/pdf_fonts.h"

using namespace sendflow::engine;

namespace {

const char* kForm = R"({
  "type": "sample", "title": "Sample plan", "version": 3,
  "sections": [
    {"id": "about", "title": "About", "help": "Who and where.", "fields": [
      {"id": "name", "label": "Name", "kind": "text"},
      {"id": "secret", "label": "Internal flag", "kind": "text", "hidden": true},
      {"id": "nickname", "label": "Nickname", "kind": "text"},
      {"id": "uses_chair", "label": "Uses a wheelchair", "kind": "yes_no"},
      {"id": "chair_model", "label": "Wheelchair model", "kind": "text",
       "visible_when": {"field": "uses_chair", "equals": true}},
      {"id": "kind", "label": "Kind", "kind": "choice",
       "options": [{"value": "a", "label": "Option A"}, {"value": "b", "label": "Option B"}]},
      {"id": "needs", "label": "Needs", "kind": "multi_choice",
       "options": [{"value": "x", "label": "Needs X"}, {"value": "y", "label": "Needs Y"},
                   {"value": "z", "label": "Needs Z"}]},
      {"id": "lead", "label": "Lead", "kind": "person", "people": ["staff", "contact", "free_text"]},
      {"id": "met", "label": "Met on", "kind": "date"}
    ]},
    {"id": "risks", "title": "Risks", "fields": [
      {"id": "hazards", "label": "Hazards", "kind": "table", "columns": [
        {"id": "hazard", "label": "Hazard", "kind": "long_text"},
        {"id": "likelihood", "label": "Likelihood", "kind": "number", "integer": true},
        {"id": "severity", "label": "Severity", "kind": "number", "integer": true},
        {"id": "owner", "label": "Owner", "kind": "person", "people": ["staff"]},
        {"id": "rating", "label": "Rating", "kind": "computed",
         "formula": {"product": ["likelihood", "severity"]},
         "bands": [{"max": 4, "label": "Low", "colour": "#00703c"},
                   {"label": "High", "colour": "#d4351c"}]}]},
      {"id": "overall", "label": "Overall rating", "kind": "computed",
       "formula": {"max_of": "hazards.rating"},
       "bands": [{"max": 4, "label": "Low", "colour": "#00703c"},
                 {"label": "High", "colour": "#d4351c"}]}
    ]},
    {"id": "later", "title": "Only when there is a wheelchair",
     "visible_when": {"field": "uses_chair", "equals": true}, "fields": [
      {"id": "ramp", "label": "Ramp", "kind": "text"}]},
    {"id": "voice", "title": "My views", "pupil_voice": true, "fields": [
      {"id": "views", "label": "What I think", "kind": "long_text"}]}
  ]})";

const DefinitionRegistry& registry() {
  static const DefinitionRegistry r = sendflow::web::loadDefinitionFolders(
      std::string(SENDFLOW_SOURCE_ROOT) + "/forms",
      std::string(SENDFLOW_SOURCE_ROOT) + "/workflows",
      sendflow::web::offeredLanguages(SENDFLOW_SOURCE_ROOT "/translations"));
  return r;
}

Poco::JSON::Object::Ptr json(const std::string& s) {
  return Poco::JSON::Parser().parse(s).extract<Poco::JSON::Object::Ptr>();
}

PlanView sampleView(const std::string& valuesJson) {
  static auto form = std::make_shared<const FormDefinition>(parseForm(kForm, "sample.json"));
  auto wf = registry().workflow("risk_assessment");
  REQUIRE(wf != nullptr);
  PlanView v;
  v.plan.id = 7;
  v.plan.type = "risk_assessment";
  v.plan.state = "draft";
  v.plan.reviewDate = "2027-03-01";
  v.pupil.legalName = "Łukasz Nowak";
  v.pupil.preferredName = "Luke";
  v.pupil.dateOfBirth = "2017-09-02";
  v.pupil.yearGroup = "4";
  v.form = form;
  v.workflow = std::shared_ptr<const WorkflowDefinition>(wf, [](const WorkflowDefinition*) {});
  v.state = wf->state("draft");
  v.version.number = 4;
  v.version.createdAt = "2026-02-03T10:20:30Z";
  v.version.contentHash = "ab12cd34ef56ab12cd34ef56";
  v.values = json(valuesJson);
  return v;
}

const PdfItem* findItem(const PdfDocument& d, const std::string& id) {
  for (const auto& s : d.sections)
    for (const auto& it : s.items)
      if (it.id == id) return &it;
  return nullptr;
}

}  // namespace

TEST_CASE("plan document follows the form: order, hidden and conditional fields, empty values",
          "[pdf][plan_document]") {
  PlanView v = sampleView(R"({"name": "Zoë", "secret": "x", "uses_chair": false,
      "chair_model": "stale value", "ramp": "stale", "kind": "b", "needs": ["x", "z"],
      "lead": "user:3", "met": "2026-01-15"})");
  PlanDocumentOptions o;
  o.academyName = "Oakfield Primary Academy";
  o.people["user:3"] = "Ms Siobhán Ní Bhriain";
  PdfDocument d = planDocument(v, o);

  REQUIRE(d.sections.size() == 3);  // "later" is not visible
  CHECK(d.sections[0].title == "About");
  CHECK(d.sections[0].intro == "Who and where.");
  CHECK(d.sections[1].title == "Risks");
  CHECK(d.sections[2].title == "My views");
  std::vector<std::string> ids;
  for (const auto& it : d.sections[0].items) ids.push_back(it.id);
  // Hidden and invisible (chair_model) are left out; the rest keep template order.
  CHECK(ids ==
        std::vector<std::string>{"name", "nickname", "uses_chair", "kind", "needs", "lead", "met"});

  CHECK(std::get<PdfText>(findItem(d, "name")->content).value == "Zoë");
  CHECK_FALSE(std::get<PdfText>(findItem(d, "nickname")->content).value.has_value());  // "—"
  CHECK(std::get<PdfYesNo>(findItem(d, "uses_chair")->content).value == false);
  auto kind = std::get<PdfChoice>(findItem(d, "kind")->content);
  CHECK(kind.options == std::vector<std::string>{"Option A", "Option B"});
  CHECK(kind.chosen == std::vector<std::string>{"Option B"});
  CHECK_FALSE(kind.multiple);
  auto needs = std::get<PdfChoice>(findItem(d, "needs")->content);
  CHECK(needs.multiple);
  CHECK(needs.chosen == std::vector<std::string>{"Needs X", "Needs Z"});
  CHECK(std::get<PdfText>(findItem(d, "lead")->content).value == "Ms Siobhán Ní Bhriain");
  CHECK(std::get<PdfText>(findItem(d, "met")->content).value == "15 January 2026");
  CHECK_FALSE(std::get<PdfLongText>(findItem(d, "views")->content).text.has_value());

  CHECK(d.header.academyName == "Oakfield Primary Academy");
  CHECK(d.header.pupilName == "Łukasz Nowak (known as Luke)");
  CHECK(d.header.version == 4);
  CHECK(d.header.planState == "Draft");
  CHECK(d.header.versionDate == parseIsoTime("2026-02-03T10:20:30Z"));
  CHECK(d.header.yearGroup == "Year 4");
  CHECK(d.reviewDate == parseIsoDate("2027-03-01"));
  CHECK(planPdfFileName(v) == "risk_assessment-LN-v4.pdf");
}

TEST_CASE("plan document: a visible condition shows the field, tables, people and ratings",
          "[pdf][plan_document]") {
  PlanView v = sampleView(R"({"uses_chair": true, "chair_model": "Quickie", "lead": "contact:9",
      "hazards": [{"hazard": "Stairs", "likelihood": 2, "severity": 5, "owner": "user:3"},
                  {"hazard": "Door", "likelihood": 1, "severity": 2, "owner": "user:404"}]})");
  PlanDocumentOptions o;
  o.people["user:3"] = "Mr Kwame Mensah";
  o.people["contact:9"] = "Hannah Ellis (Mother)";
  PdfDocument d = planDocument(v, o);
  REQUIRE(d.sections.size() == 4);
  CHECK(d.sections[2].title == "Only when there is a wheelchair");
  CHECK(std::get<PdfText>(findItem(d, "chair_model")->content).value == "Quickie");
  CHECK(std::get<PdfText>(findItem(d, "lead")->content).value == "Hannah Ellis (Mother)");

  auto t = std::get<PdfTable>(findItem(d, "hazards")->content);
  REQUIRE(t.columns.size() == 5);
  CHECK(t.columns[0].header == "Hazard");
  CHECK(t.columns[4].header == "Rating");
  REQUIRE(t.rows.size() == 2);
  CHECK(t.rows[0][0] == "Stairs");
  CHECK(t.rows[0][3] == "Mr Kwame Mensah");
  CHECK(t.rows[0][4] == "10 (High)");
  CHECK(t.rows[1][3] == "Unknown person (user:404)");
  CHECK(t.rows[1][4] == "2 (Low)");

  auto r = std::get<PdfRating>(findItem(d, "overall")->content);
  CHECK(r.score == "10");
  CHECK(r.band == "High");
  CHECK(r.colour.r == 0xd4);
  CHECK(r.colour.g == 0x35);
  CHECK(r.colour.b == 0x1c);
}

TEST_CASE("plan document: one signature block per signer slot, names of assigned people",
          "[pdf][plan_document]") {
  PlanView v = sampleView("{}");
  v.signers = {{"senco", "user:3", "Ms Siobhán Ní Bhriain"}};
  PdfDocument d = planDocument(v, {});
  REQUIRE(d.signatures.size() == v.workflow->signers.size());
  for (std::size_t i = 0; i < d.signatures.size(); ++i) {
    const auto& slot = v.workflow->signers[i];
    CHECK(d.signatures[i].role.rfind(slot.label, 0) == 0);
    CHECK_FALSE(d.signatures[i].signedAt.has_value());
    if (slot.role == "senco")
      CHECK(d.signatures[i].name == "Ms Siobhán Ní Bhriain");
    else
      CHECK_FALSE(d.signatures[i].name.has_value());
  }
  // Empty rating: named, not blank.
  auto r = std::get<PdfRating>(findItem(d, "overall")->content);
  CHECK_FALSE(r.score.has_value());
  CHECK_FALSE(r.band.empty());
}

TEST_CASE("plan document: deadlines are given as at the version's date", "[pdf][plan_document]") {
  PlanView v = sampleView("{}");
  auto day = [](const char* s) { return *parseIsoDate(s); };
  v.deadlines = {
      {"a", "Invite sent", day("2026-01-10"), DeadlineStatus::kDone, day("2026-01-05"), 0},
      {"b", "Report out", day("2026-02-10"), DeadlineStatus::kDone, day("2026-03-01"), 0},
      {"c", "Meeting", day("2026-01-20"), DeadlineStatus::kOnTrack, std::nullopt, 0},
  };
  PdfDocument d = planDocument(v, {});
  REQUIRE(d.deadlines.size() == 3);
  CHECK(d.deadlines[0].status == "Done (5 January 2026)");
  CHECK(d.deadlines[1].status == "Due soon");  // done after the version: not part of it
  CHECK(d.deadlines[2].status == "Missed");
}

TEST_CASE("plan PDF file names are ASCII initials, never the full name", "[pdf][plan_document]") {
  PlanView v = sampleView("{}");
  auto name = [&](const char* legal) {
    v.pupil.legalName = legal;
    return planPdfFileName(v);
  };
  CHECK(name("Zoë Ellis") == "risk_assessment-ZE-v4.pdf");
  CHECK(name("Nguyễn Thị Ánh") == "risk_assessment-NTA-v4.pdf");
  CHECK(name("Νίκος Ψάρης") == "risk_assessment-NP-v4.pdf");
  CHECK(name("Юлия Иванова") == "risk_assessment-YI-v4.pdf");
  CHECK(name("Ærøskøbing Øst") == "risk_assessment-AO-v4.pdf");
  CHECK(name("محمد") == "risk_assessment-pupil-v4.pdf");
  CHECK(name("") == "risk_assessment-pupil-v4.pdf");
}

TEST_CASE("every shipped plan type maps and renders to a valid PDF", "[pdf][plan_document]") {
  const PdfRenderer& renderer = sendflow::testing::testRenderer();
  namespace fs = std::filesystem;
  const char* env = std::getenv("SENDFLOW_TEST_TMP");
  fs::path dir = fs::path(env ? env : fs::temp_directory_path().string()) /
                 ("plan_document_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const auto& type : registry().types()) {
    INFO(type);
    const WorkflowDefinition* wf = registry().workflow(type);
    PlanView v;
    v.plan.type = type;
    v.plan.state = wf->initial;
    v.pupil.legalName = "Zoë Ellis";
    v.form = std::shared_ptr<const FormDefinition>(registry().formFor(*wf), [](auto*) {});
    v.workflow = std::shared_ptr<const WorkflowDefinition>(wf, [](auto*) {});
    v.state = wf->state(wf->initial);
    v.version.number = 1;
    v.version.createdAt = "2026-02-03T10:20:30Z";
    v.values = json("{}");
    PdfDocument d = planDocument(v, {"Oakfield Primary Academy", "", {}, {}, {}});
    CHECK(d.sections.size() >= 2);
    CHECK(d.signatures.size() == wf->signers.size());
    RenderedPdf a = renderer.render(d);
    RenderedPdf b = renderer.render(d);
    CHECK(a.bytes == b.bytes);
    CHECK(a.placeholderFields.empty());
    fs::path file = dir / (type + ".pdf");
    std::ofstream(file, std::ios::binary) << a.bytes;
    CHECK(std::system(("qpdf --check '" + file.string() + "' >/dev/null 2>&1").c_str()) == 0);
  }
}
