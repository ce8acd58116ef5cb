#include "sendflow/engine/definitions/definitions.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "app/definition_folders.h"
#include "i18n/language_list.h"
#include "sendflow/engine/core/language.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/plans/lifecycle.h"

using namespace sendflow::engine;
namespace fs = std::filesystem;

namespace {

const char* kMiniForm = R"({"type": "mini", "title": "Mini plan", "version": 1,
 "sections": [
  {"id": "main", "title": "Main", "fields": [
    {"id": "name", "label": "Name", "kind": "text", "required": true},
    {"id": "meeting", "label": "Meeting date", "kind": "date", "visible_when": {"field": "name", "not_empty": true}},
    {"id": "score", "label": "Score", "kind": "number", "min": 1, "max": 5},
    {"id": "double", "label": "Double", "kind": "computed", "formula": {"product": ["score", 2]}}]},
  {"id": "voice", "title": "My views", "pupil_voice": true, "fields": [
    {"id": "views", "label": "Views", "kind": "long_text"}]}]})";

const char* kMiniWorkflow = R"({"type": "mini", "title": "Mini plan", "form": "mini", "version": 1,
 "initial": "draft",
 "states": [{"name": "draft", "editable": true}, {"name": "active", "active": true},
            {"name": "closed", "final": true}],
 "transitions": [
  {"name": "approve", "from": "draft", "to": "active", "roles": ["senco"],
   "guards": ["form_complete"], "actions": ["schedule_review"]},
  {"name": "close", "from": ["draft", "active"], "to": "closed", "roles": ["senco"], "requires": "reason"}],
 "signers": [{"role": "senco", "label": "SENCO", "kind": "senco", "required": true}],
 "review": {"every": "P12M", "remind": ["P7D"], "recipients": ["senco"]},
 "retention": {"from": "date_of_birth", "keep": "P31Y"}})";

// The languages the shipped translations/LANGUAGES offers (a server's list: the engine has none).
const LanguageList& shippedLanguages() {
  static const LanguageList list =
      sendflow::web::offeredLanguages(SENDFLOW_SOURCE_ROOT "/translations");
  return list;
}

fs::path freshDir() {
  static std::atomic<int> n{0};
  const char* base = std::getenv("SENDFLOW_TEST_TMP");
  fs::path root = base ? fs::path(base) : fs::temp_directory_path();
  fs::path dir = root / ("defs_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
  fs::remove_all(dir);
  fs::create_directories(dir / "forms");
  fs::create_directories(dir / "workflows");
  return dir;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

struct Loaded {
  fs::path dir;
  std::string error;  // what() of the DefinitionError, or empty
};

// Loads a directory holding the mini type (form + workflow as given).
Loaded loadMini(const std::string& form, const std::string& workflow,
                const std::string& type = "mini",
                const LanguageList& languages = shippedLanguages()) {
  Loaded out{freshDir(), ""};
  write(out.dir / "forms" / type / "form.json", form);
  write(out.dir / "workflows" / (type + ".json"), workflow);
  try {
    sendflow::web::loadDefinitionFolders((out.dir / "forms").string(),
                                         (out.dir / "workflows").string(), languages);
  } catch (const DefinitionError& e) {
    out.error = e.what();
  }
  return out;
}

void expectFormError(const std::string& form, const std::string& path, const std::string& text) {
  auto r = loadMini(form, kMiniWorkflow);
  INFO(r.error);
  CHECK_THAT(r.error, Catch::Contains("mini/form.json: " + path + ": "));
  CHECK_THAT(r.error, Catch::Contains(text));
}

void expectWorkflowError(const std::string& workflow, const std::string& path,
                         const std::string& text) {
  auto r = loadMini(kMiniForm, workflow);
  INFO(r.error);
  CHECK_THAT(r.error, Catch::Contains("mini.json: " + path + ": "));
  CHECK_THAT(r.error, Catch::Contains(text));
}

}  // namespace

TEST_CASE("the mini definitions load", "[engine][definitions]") {
  auto r = loadMini(kMiniForm, kMiniWorkflow);
  CHECK(r.error.empty());
}

TEST_CASE("invalid JSON names the file, line and column", "[engine][definitions]") {
  std::string broken = replaced(kMiniWorkflow, R"("initial": "draft",)", R"("initial": "draft",,)");
  auto r = loadMini(kMiniForm, broken);
  CHECK_THAT(r.error, Catch::Contains("mini.json: $: invalid JSON at line 2, column"));
}

TEST_CASE("an unknown state is named with its path", "[engine][definitions]") {
  expectWorkflowError(replaced(kMiniWorkflow, R"("to": "closed")", R"("to": "closd")"),
                      "$.transitions[1].to", "unknown state 'closd'");
  expectWorkflowError(replaced(kMiniWorkflow, R"("initial": "draft")", R"("initial": "start")"),
                      "$.initial", "unknown state 'start'");
  expectWorkflowError(
      replaced(kMiniWorkflow, R"("from": ["draft", "active"])", R"("from": ["draft", "actve"])"),
      "$.transitions[1].from[1]", "unknown state 'actve'");
}

TEST_CASE("an unknown role is named with its path", "[engine][definitions]") {
  expectWorkflowError(replaced(kMiniWorkflow, R"("roles": ["senco"],)", R"("roles": ["sneco"],)"),
                      "$.transitions[0].roles[0]", "unknown role 'sneco'");
  expectWorkflowError(replaced(kMiniWorkflow, R"("kind": "senco")", R"("kind": "janitor")"),
                      "$.signers[0].kind", "unknown role 'janitor'");
  expectFormError(
      replaced(kMiniForm, R"("pupil_voice": true,)", R"("pupil_voice": true, "roles": ["aunt"],)"),
      "$.sections[1].roles[0]", "unknown role 'aunt'");
}

TEST_CASE("an unknown field in visible_when, formula, guard or deadline is named",
          "[engine][definitions]") {
  expectFormError(replaced(kMiniForm, R"({"field": "name", "not_empty": true})",
                           R"({"field": "nmae", "not_empty": true})"),
                  "$.sections[0].fields[1].visible_when.field", "unknown field 'nmae'");
  expectFormError(replaced(kMiniForm, R"(["score", 2])", R"(["scor", 2])"),
                  "$.sections[0].fields[3].formula.product[0]", "unknown field 'scor'");
  expectWorkflowError(replaced(kMiniWorkflow, R"("guards": ["form_complete"])",
                               R"("guards": ["form_complete", {"field_set": "meting"}])"),
                      "$.transitions[0].guards[1].field_set", "unknown field 'meting'");
  expectWorkflowError(replaced(kMiniWorkflow, R"("retention")",
                               R"("deadlines": {"anchor_field": "meeting", "rules": [
                   {"id": "invites", "label": "Invites", "before": "P2W", "done_field": "sent"}]},
                  "retention")"),
                      "$.deadlines.rules[0].done_field", "unknown field 'sent'");
}

TEST_CASE("an unknown guard or action is named", "[engine][definitions]") {
  expectWorkflowError(replaced(kMiniWorkflow, R"(["form_complete"])", R"(["form_completed"])"),
                      "$.transitions[0].guards[0]", "unknown guard 'form_completed'");
  expectWorkflowError(replaced(kMiniWorkflow, R"(["schedule_review"])", R"(["send_fax"])"),
                      "$.transitions[0].actions[0]", "unknown action 'send_fax'");
}

TEST_CASE("an unreachable state is named", "[engine][definitions]") {
  expectWorkflowError(replaced(kMiniWorkflow, R"({"name": "closed", "final": true})",
                               R"({"name": "closed", "final": true}, {"name": "limbo"})"),
                      "$.states[3]", "state 'limbo' is unreachable from 'draft'");
}

TEST_CASE("duplicate names are refused", "[engine][definitions]") {
  expectWorkflowError(replaced(kMiniWorkflow, R"({"name": "active", "active": true})",
                               R"({"name": "draft", "active": true})"),
                      "$.states[1].name", "duplicate state 'draft'");
  expectWorkflowError(replaced(kMiniWorkflow, R"("name": "close")", R"("name": "approve")"),
                      "$.transitions[1].name", "duplicate transition 'approve'");
  expectFormError(replaced(kMiniForm, R"({"id": "views")", R"({"id": "score")"),
                  "$.sections[1].fields[0].id", "duplicate field id 'score'");
  expectFormError(replaced(kMiniForm, R"({"id": "voice")", R"({"id": "main")"), "$.sections[1].id",
                  "duplicate section id 'main'");

  // Two workflow files declaring the same type.
  auto r = loadMini(kMiniForm, kMiniWorkflow);
  write(r.dir / "workflows" / "mini_copy.json", kMiniWorkflow);
  std::string error;
  try {
    sendflow::web::loadDefinitionFolders((r.dir / "forms").string(), (r.dir / "workflows").string(),
                                         shippedLanguages());
  } catch (const DefinitionError& e) {
    error = e.what();
  }
  CHECK_THAT(error, Catch::Contains("mini_copy.json: $.type: duplicate type 'mini'"));
}

TEST_CASE("a bad ISO-8601 duration is named", "[engine][definitions]") {
  expectWorkflowError(replaced(kMiniWorkflow, R"("every": "P12M")", R"("every": "12 months")"),
                      "$.review.every", "not an ISO-8601 duration");
  expectWorkflowError(replaced(kMiniWorkflow, R"("keep": "P31Y")", R"("keep": "P31YT1H")"),
                      "$.retention.keep", "not an ISO-8601 duration");
  expectWorkflowError(
      replaced(kMiniWorkflow, R"("remind": ["P7D"])", R"("remind": ["P7D", "P1D2M"])"),
      "$.review.remind[1]", "not an ISO-8601 duration");
}

TEST_CASE("a bad date rule is named", "[engine][definitions]") {
  expectFormError(
      replaced(kMiniForm, R"("kind": "date",)", R"("kind": "date", "after": "tomorow!",)"),
      "$.sections[0].fields[1].after", "bad date rule");
  expectFormError(
      replaced(kMiniForm, R"("kind": "date",)", R"("kind": "date", "not_before": "score",)"),
      "$.sections[0].fields[1].not_before", "field 'score' is not a date");
  expectFormError(
      replaced(kMiniForm, R"("kind": "date",)", R"("kind": "date", "within": "a year",)"),
      "$.sections[0].fields[1].within", "bad date rule");
  expectWorkflowError(replaced(kMiniWorkflow, R"("retention")",
                               R"("deadlines": {"anchor_field": "meeting", "phase_transfers": [
                   {"from_year": "6", "label": "Transfer", "by": "--02-30"}]},
                  "retention")"),
                      "$.deadlines.phase_transfers[0].by", "bad date rule");
}

TEST_CASE("a workflow naming a missing form is refused", "[engine][definitions]") {
  expectWorkflowError(replaced(kMiniWorkflow, R"("form": "mini")", R"("form": "maxi")"), "$.form",
                      "unknown form 'maxi'");
}

TEST_CASE("a missing required key is named", "[engine][definitions]") {
  expectWorkflowError(replaced(kMiniWorkflow, R"("initial": "draft",)", ""), "$",
                      "missing required key 'initial'");
  expectFormError(replaced(kMiniForm, R"("label": "Score", )", ""), "$.sections[0].fields[2]",
                  "missing required key 'label'");
}

TEST_CASE("wrong JSON types and unknown keys are named", "[engine][definitions]") {
  expectFormError(replaced(kMiniForm, R"("version": 1)", R"("version": "1")"), "$.version",
                  "expected a whole number, found a string");
  expectWorkflowError(replaced(kMiniWorkflow, R"("editable": true)", R"("editable": "yes")"),
                      "$.states[0].editable", "expected true or false");
  expectFormError(replaced(kMiniForm, R"("required": true)", R"("requird": true)"),
                  "$.sections[0].fields[0].requird", "unknown key 'requird'");
  expectFormError(
      replaced(kMiniForm, R"("min": 1, "max": 5)", R"("min": 1, "max": 5, "options": ["a"])"),
      "$.sections[0].fields[2].options", "does not apply to a number field");
  expectFormError(replaced(kMiniForm, R"("kind": "number")", R"("kind": "slider")"),
                  "$.sections[0].fields[2].kind", "unknown field kind 'slider'");
}

TEST_CASE("a field's own error words are read strictly", "[engine][definitions]") {
  const std::string field = R"("kind": "text", "required": true)";
  auto with = [&](const std::string& extra) {
    return replaced(kMiniForm, field, field + ", " + extra);
  };
  const auto ok = parseForm(with(R"("error_name": "the pupil's name",
      "error_messages": {"required": "Enter the pupil's name", "invalid": "Check the name"})"),
                            "mini");
  CHECK(ok.sections[0].fields[0].errorName == "the pupil's name");
  CHECK(ok.sections[0].fields[0].requiredMessage == "Enter the pupil's name");
  CHECK(ok.sections[0].fields[0].invalidMessage == "Check the name");
  const std::string at = "$.sections[0].fields[0].";
  expectFormError(with(R"("error_messages": {"requird": "Enter it"})"),
                  at + "error_messages.requird", "unknown key 'requird'");
  expectFormError(with(R"("error_messages": {"required": 5})"), at + "error_messages.required",
                  "expected a string");
  expectFormError(with(R"("error_messages": {})"), at + "error_messages",
                  "give a 'required' or an 'invalid' message");
  expectFormError(with(R"("error_messages": "Enter it")"), at + "error_messages",
                  "expected an object");
  expectFormError(with(R"("error_name": "")"), at + "error_name", "one line of text");
  expectFormError(with(R"("error_name": "two\nlines")"), at + "error_name", "one line of text");
  // A message that can never show, and words for a field that is never judged.
  expectFormError(
      replaced(kMiniForm, R"("min": 1, "max": 5)",
               R"("min": 1, "max": 5, "error_messages": {"required": "Enter a score"})"),
      "$.sections[0].fields[2].error_messages.required", "not required");
  expectFormError(
      replaced(kMiniForm, R"("kind": "computed")", R"("kind": "computed", "error_name": "double")"),
      "$.sections[0].fields[3].error_name", "unknown key 'error_name'");
}

TEST_CASE("other definition mistakes are caught", "[engine][definitions]") {
  expectFormError(replaced(kMiniForm, R"("pupil_voice": true, )", ""), "$.sections",
                  "pupil's own views");
  expectFormError(replaced(kMiniForm, R"("kind": "text", "required": true)",
                           R"("kind": "text", "required": true, "pattern": "[a-")"),
                  "$.sections[0].fields[0].pattern", "invalid regular expression");
  expectFormError(
      replaced(kMiniForm, R"({"product": ["score", 2]})", R"({"product": ["double", 2]})"), "$",
      "depends on itself");
  expectFormError(replaced(kMiniForm, R"("type": "mini")", R"("type": "other")"), "$.type",
                  "does not match its folder 'mini'");
  expectWorkflowError(replaced(kMiniWorkflow, R"("to": "closed", "roles": ["senco"])",
                               R"("to": "closed", "auto": "whenever")"),
                      "$.transitions[1].auto", "unknown auto trigger 'whenever'");
}

TEST_CASE("every shipped definition loads", "[engine][definitions]") {
  auto reg = sendflow::web::loadDefinitionFolders(
      SENDFLOW_SOURCE_ROOT "/forms", SENDFLOW_SOURCE_ROOT "/workflows", shippedLanguages());
  CHECK(reg.types() == std::vector<std::string>{"ehcp_annual_review", "healthcare_plan",
                                                "intimate_care", "peep", "physical_handling",
                                                "risk_assessment"});
  for (const auto& type : reg.types()) {
    INFO(type);
    const auto* wf = reg.workflow(type);
    REQUIRE(wf);
    const auto* form = reg.formFor(*wf);
    REQUIRE(form);
    CHECK(std::any_of(form->sections.begin(), form->sections.end(),
                      [](const SectionDef& s) { return s.pupilVoice; }));
    CHECK(wf->initial == "draft");
    for (const char* s :
         {"draft", "awaiting_signatures", "active", "review_due", "superseded", "withdrawn"})
      CHECK(wf->state(s));
    CHECK(wf->retention.keep == Duration{31, 0, 0, 0});
    CHECK(wf->signer("parent_carer"));
    CHECK(wf->transition("trigger_review"));
    // The canonical source re-parses to the same definition (snapshots of pinned versions).
    CHECK(parseForm(form->sourceJson, "snapshot").sourceJson == form->sourceJson);
    CHECK(parseWorkflow(wf->sourceJson, "snapshot", form).sourceJson == wf->sourceJson);
  }

  const auto* peep = reg.workflow("peep");
  CHECK(peep->signer("premises_lead"));
  CHECK(peep->signer("named_helper")->multiple);
  CHECK(peep->signer("health_professional")->required == SignerSlot::Required::kIfInvolved);

  const auto* php = reg.workflow("physical_handling");
  const auto* incident = php->transition("record_incident");
  REQUIRE(incident);
  CHECK(incident->reasons == std::vector<std::string>{"incident"});
  CHECK(std::count(php->review.triggers.begin(), php->review.triggers.end(), "incident") == 1);

  const auto* ehcp = reg.workflow("ehcp_annual_review");
  REQUIRE(ehcp->deadlines);
  CHECK(ehcp->review.under5Every == Duration{0, 6, 0, 0});
  CHECK(ehcp->review.anchorField == "meeting_date");
  CHECK(ehcp->deadlines->phaseTransfers.size() == 4);
  const auto* ehcpForm = reg.form("ehcp_annual_review");
  const auto* pfa = &ehcpForm->sections[0];
  for (const auto& s : ehcpForm->sections)
    if (s.id == "preparing_for_adulthood") pfa = &s;
  REQUIRE(pfa->visibleWhen);
  CHECK(pfa->visibleWhen->field == "year_group");

  const auto* ra = reg.form("risk_assessment");
  const auto* hazards = ra->field("hazards");
  REQUIRE(hazards);
  REQUIRE(hazards->column("rating"));
  CHECK(hazards->column("rating")->bands.size() == 4);

  // Every question a shipped form requires has its own words for its error message.
  for (const auto& type : reg.types()) {
    for (const auto* f : reg.form(type)->fields()) {
      INFO(type << "." << f->id);
      if (f->required) CHECK(!(f->errorName.empty() && f->requiredMessage.empty()));
      for (const auto& c : f->columns) {
        INFO(type << "." << f->id << "." << c.id);
        if (c.required) CHECK(!(c.errorName.empty() && c.requiredMessage.empty()));
      }
    }
  }

  const auto* ihp = reg.form("healthcare_plan");
  REQUIRE(ihp->field("parent_agreement"));
  CHECK(ihp->field("parent_agreement")->kind == FieldKind::kYesNo);
  CHECK(ihp->field("parent_agreement")->required);
}

TEST_CASE("a seventh, test-only document type works with no code change", "[engine][definitions]") {
  auto dir = freshDir();
  // The shipped six plus a home visit record.
  for (const auto& e : fs::directory_iterator(SENDFLOW_SOURCE_ROOT "/forms"))
    fs::copy(e.path(), dir / "forms" / e.path().filename(), fs::copy_options::recursive);
  for (const auto& e : fs::directory_iterator(SENDFLOW_SOURCE_ROOT "/workflows"))
    fs::copy(e.path(), dir / "workflows" / e.path().filename());
  std::string form = replaced(kMiniForm, R"("type": "mini")", R"("type": "home_visit")");
  std::string wf = replaced(replaced(kMiniWorkflow, R"("type": "mini")", R"("type": "home_visit")"),
                            R"("form": "mini")", R"("form": "home_visit")");
  write(dir / "forms" / "home_visit" / "form.json", form);
  write(dir / "workflows" / "home_visit.json", wf);

  auto reg = sendflow::web::loadDefinitionFolders((dir / "forms").string(),
                                                  (dir / "workflows").string(), shippedLanguages());
  REQUIRE(reg.types().size() == 7);
  const auto* def = reg.workflow("home_visit");
  REQUIRE(def);
  const auto* f = reg.formFor(*def);
  REQUIRE(f);

  Poco::JSON::Object values;
  values.set("score", 3);
  ValueContext ctx;
  ctx.today = Date{std::chrono::year{2026}, std::chrono::month{3}, std::chrono::day{1}};
  auto check = validateValues(*f, values, ctx);
  CHECK(check.valid());
  REQUIRE(check.missing.size() == 1);
  CHECK(check.missing[0].field == "name");
  CHECK(computeValues(*f, values).at(0).value == 6.0);

  GuardFacts facts;
  facts.form = f;
  facts.values = &values;
  facts.valueContext = ctx;
  TransitionRequest senco;
  senco.roles = {"senco"};
  auto r = checkTransition(*def, "draft", "approve", senco, facts);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalid);
  values.set("name", "Visit");
  CHECK(checkTransition(*def, "draft", "approve", senco, facts).ok());
}

TEST_CASE("durations parse strictly", "[engine][definitions]") {
  CHECK(parseDuration("P12M") == Duration{0, 12, 0, 0});
  CHECK(parseDuration("P1Y6M2W3D") == Duration{1, 6, 2, 3});
  CHECK(parseDuration("P0D") == Duration{0, 0, 0, 0});
  for (const char* bad : {"", "P", "12M", "PM", "P1M1Y", "P1H", "PT1H", "P-1D", "P1.5M", "P1M1M"})
    CHECK_FALSE(parseDuration(bad));
  CHECK(durationText(Duration{0, 6, 0, 0}) == "P6M");
}

TEST_CASE("a workflow may require an emailed code from contacts who sign",
          "[engine][definitions]") {
  const std::string with = replaced(kMiniWorkflow, R"("initial": "draft",)",
                                    R"("initial": "draft", "require_code": true,)");
  CHECK(parseWorkflow(with, "mini.json").requireCode);
  CHECK_FALSE(parseWorkflow(kMiniWorkflow, "mini.json").requireCode);
  expectWorkflowError(replaced(kMiniWorkflow, R"("initial": "draft",)",
                               R"("initial": "draft", "require_code": "yes",)"),
                      "$.require_code", "");
}

TEST_CASE("a state's tone and a destructive transition come from the definition, not names",
          "[engine][definitions]") {
  // Named unlike any shipped state or transition: the definition alone decides.
  const std::string custom =
      replaced(replaced(kMiniWorkflow, R"({"name": "active", "active": true})",
                        R"({"name": "active", "active": true, "tone": "attention"})"),
               R"("to": "closed", "roles": ["senco"], "requires": "reason"})",
               R"("to": "closed", "roles": ["senco"], "requires": "reason", "destructive": true})");
  auto wf = parseWorkflow(custom, "mini.json");
  CHECK(wf.state("active")->tone == StateTone::kAttention);
  CHECK(wf.state("draft")->tone == StateTone::kInProgress);  // from the flags
  CHECK(wf.state("closed")->tone == StateTone::kNeutral);
  CHECK(wf.transition("close")->destructive);
  CHECK_FALSE(wf.transition("approve")->destructive);

  // Without a tone: an active state the review date leads to needs attention, whatever its name.
  auto plain = parseWorkflow(kMiniWorkflow, "mini.json");
  CHECK(plain.state("active")->tone == StateTone::kGood);
  const std::string dueByDate = replaced(
      replaced(kMiniWorkflow, R"({"name": "closed", "final": true})",
               R"({"name": "look_again", "active": true}, {"name": "closed", "final": true})"),
      R"("requires": "reason"}],)",
      R"("requires": "reason"},
  {"name": "date_came", "from": "active", "to": "look_again", "auto": "review_date_reached"}],)");
  auto due = parseWorkflow(dueByDate, "mini.json");
  CHECK(due.state("look_again")->tone == StateTone::kAttention);
  CHECK(due.state("active")->tone == StateTone::kGood);

  // Every shipped workflow sets both: review due needs attention, withdraw is destructive.
  auto reg = sendflow::web::loadDefinitionFolders(
      SENDFLOW_SOURCE_ROOT "/forms", SENDFLOW_SOURCE_ROOT "/workflows", shippedLanguages());
  for (const auto& type : reg.types()) {
    INFO(type);
    const auto* shipped = reg.workflow(type);
    CHECK(shipped->state("review_due")->tone == StateTone::kAttention);
    CHECK(shipped->state("active")->tone == StateTone::kGood);
    CHECK(shipped->transition("withdraw")->destructive);
    CHECK(shipped->sourceJson.find("\"tone\"") != std::string::npos);
  }

  expectWorkflowError(replaced(kMiniWorkflow, R"({"name": "active", "active": true})",
                               R"({"name": "active", "active": true, "tone": "red"})"),
                      "$.states[1].tone", "unknown tone 'red'");
  expectWorkflowError(replaced(kMiniWorkflow, R"("requires": "reason"})",
                               R"("requires": "reason", "destructive": "yes"})"),
                      "$.transitions[1].destructive", "");
}

namespace {

// The mini form with a parent's section whose words are given in some languages.
const char* kTranslatedForm = R"({"type": "mini", "title": "Mini plan", "version": 1,
 "sections": [
  {"id": "main", "title": "Main", "fields": [
    {"id": "name", "label": "Name", "kind": "text", "required": true}]},
  {"id": "parent", "title": "Your views", "help": "Write in any language.", "roles": ["parent_carer"],
   "translations": {"pl": {"title": "Twoje zdanie", "help": "Prosimy pisać w dowolnym języku."},
                    "ur": {"title": "آپ کی رائے"}},
   "fields": [
    {"id": "views", "label": "What would you like everyone to know?", "kind": "long_text",
     "help": "Take your time.",
     "translations": {"ur": {"label": "آپ سب کو کیا بتانا چاہیں گے؟"},
                      "pl": {"label": "Co chcieliby Państwo przekazać wszystkim?", "help": "Bez pośpiechu."}}},
    {"id": "agree", "label": "Do you agree?", "kind": "choice",
     "options": [{"value": "yes", "label": "Yes", "translations": {"pl": {"label": "Tak"}}}, "no"]},
    {"id": "people", "label": "People who help", "kind": "table", "columns": [
      {"id": "who", "label": "Who", "kind": "text", "translations": {"pl": {"label": "Kto"}}}]}]},
  {"id": "voice", "title": "My views", "pupil_voice": true, "fields": [
    {"id": "my_views", "label": "Views", "kind": "long_text"}]}]})";

}  // namespace

TEST_CASE("a contact's section may give its words per language, with English as the fallback",
          "[engine][definitions][languages]") {
  auto r = loadMini(kTranslatedForm, kMiniWorkflow);
  REQUIRE(r.error.empty());
  const auto form = parseForm(kTranslatedForm, "mini");
  const auto& parent = form.sections[1];

  CHECK(parent.titleIn("pl").text == "Twoje zdanie");
  CHECK_FALSE(parent.titleIn("pl").fellBack);
  CHECK(parent.helpIn("pl").text == "Prosimy pisać w dowolnym języku.");
  CHECK(parent.titleIn("ur").text == "آپ کی رائے");
  // Urdu gives no help: the English help, marked as fallen back.
  CHECK(parent.helpIn("ur").text == "Write in any language.");
  CHECK(parent.helpIn("ur").fellBack);
  // A language the section does not give at all.
  CHECK(parent.titleIn("so").text == "Your views");
  CHECK(parent.titleIn("so").fellBack);
  // English is the definition's own words, never a fallback.
  CHECK(parent.titleIn("en-GB").text == "Your views");
  CHECK_FALSE(parent.titleIn("en-GB").fellBack);

  const auto* views = form.field("views");
  REQUIRE(views);
  CHECK(views->labelIn("ur").text == "آپ سب کو کیا بتانا چاہیں گے؟");
  CHECK_FALSE(views->labelIn("ur").fellBack);
  CHECK(views->helpIn("ur").fellBack);
  CHECK(views->helpIn("pl").text == "Bez pośpiechu.");
  // No English help: nothing to show, nothing fallen back.
  const auto* agree = form.field("agree");
  REQUIRE(agree);
  CHECK(agree->helpIn("pl").text.empty());
  CHECK_FALSE(agree->helpIn("pl").fellBack);
  CHECK(agree->option("yes")->labelIn("pl").text == "Tak");
  CHECK(agree->option("no")->labelIn("pl").text == "no");
  CHECK(agree->option("no")->labelIn("pl").fellBack);

  // By id: a field, a table's column, an unknown id.
  CHECK(form.labelIn("views", "pl")->text == "Co chcieliby Państwo przekazać wszystkim?");
  CHECK(form.labelIn("people.who", "pl")->text == "Kto");
  CHECK(form.labelIn("people.who", "ur")->fellBack);
  CHECK(form.labelIn("people", "pl")->fellBack);
  CHECK_FALSE(form.labelIn("nothing", "pl"));
  CHECK_FALSE(form.labelIn("people.nobody", "pl"));

  // Whether a page must say that some of a section is in English.
  CHECK_FALSE(parent.fullyIn("pl"));  // the "no" option, the table's label
  CHECK(parent.fullyIn("en-GB"));
  CHECK_FALSE(parent.fullyIn("ur"));
  CHECK(form.sections[0].fullyIn("en-GB"));
  CHECK_FALSE(form.sections[0].fullyIn("so"));

  // The words are part of the snapshot a plan pins, and re-parse the same.
  CHECK(parseForm(form.sourceJson, "snapshot").sourceJson == form.sourceJson);
  CHECK(parseForm(form.sourceJson, "snapshot").field("views")->labelIn("ur").text ==
        "آپ سب کو کیا بتانا چاہیں گے؟");
}

TEST_CASE("per-language words are refused when wrong, with their path",
          "[engine][definitions][languages]") {
  auto with = [](const std::string& from, const std::string& to) {
    return replaced(kTranslatedForm, from, to);
  };
  const std::string sectionAt = "$.sections[1].translations";
  const std::string ur = R"("ur": {"title": "آپ کی رائے"})";
  // Languages the server does not offer (translations/LANGUAGES), tags that are not BCP 47, and
  // English given twice.
  expectFormError(with(ur, R"("de": {"title": "Ihre Meinung"})"), sectionAt + ".de",
                  "unknown language 'de': the languages offered are pl, ur, ro, ar, bn, pa, so (" +
                      std::string(SENDFLOW_SOURCE_ROOT) + "/translations/LANGUAGES)");
  expectFormError(with(ur, R"("UR": {"title": "آپ کی رائے"})"), sectionAt + ".UR",
                  "unknown language 'UR'");
  expectFormError(with(ur, R"("pa-Arab": {"title": "x"})"), sectionAt + ".pa-Arab",
                  "unknown language 'pa-Arab'");
  expectFormError(with(ur, R"("ur_PK": {"title": "x"})"), sectionAt + ".ur_PK",
                  "'ur_PK' is not a language tag (BCP 47");
  expectFormError(with(ur, R"("u": {"title": "x"})"), sectionAt + ".u", "is not a language tag");
  expectFormError(with(ur, R"("": {"title": "x"})"), sectionAt + ".", "is not a language tag");
  expectFormError(with(ur, R"("en-GB": {"title": "Your views"})"), sectionAt + ".en-GB",
                  "the definition's own words are en-GB");
  // Empty words, empty languages, empty maps.
  expectFormError(with(ur, R"("ur": {"title": ""})"), sectionAt + ".ur.title", "empty");
  expectFormError(with(ur, R"("ur": {"title": "  "})"), sectionAt + ".ur.title", "empty");
  expectFormError(with(ur, R"("ur": {})"), sectionAt + ".ur", "give the 'title' or the 'help'");
  expectFormError(
      with(
          R"("translations": {"pl": {"title": "Twoje zdanie", "help": "Prosimy pisać w dowolnym języku."},
                    "ur": {"title": "آپ کی رائے"}},)",
          R"("translations": {},)"),
      sectionAt, "at least one language");
  expectFormError(with(ur, R"("ur": {"title": "two\nlines"})"), sectionAt + ".ur.title",
                  "one line of text");
  // Wrong keys and types.
  expectFormError(with(ur, R"("ur": {"label": "آپ کی رائے"})"), sectionAt + ".ur.label",
                  "unknown key 'label'");
  expectFormError(with(R"("pl": {"label": "Tak"})", R"("pl": {"label": "Tak", "help": "?"})"),
                  "$.sections[1].fields[1].options[0].translations.pl.help", "unknown key 'help'");
  expectFormError(with(ur, R"("ur": "آپ کی رائے")"), sectionAt + ".ur", "expected an object");
  expectFormError(with(ur, R"("ur": {"title": 7})"), sectionAt + ".ur.title", "expected a string");
  expectFormError(with(R"("kind": "choice",)",
                       R"("kind": "choice", "translations": "Czy się Państwo zgadzają?",)"),
                  "$.sections[1].fields[1].translations", "expected an object");
  // Help where there is no English help to translate.
  expectFormError(with(R"("pl": {"label": "Kto"})", R"("pl": {"label": "Kto", "help": "Imię"})"),
                  "$.sections[1].fields[2].columns[0].translations.pl.help",
                  "no English 'help' here to translate");
  // Words no contact would read: a section without roles, and its fields.
  expectFormError(replaced(kTranslatedForm, R"("title": "Main",)",
                           R"("title": "Main", "translations": {"pl": {"title": "Główne"}},)"),
                  "$.sections[0].translations", "only a section a contact writes");
  expectFormError(
      replaced(kTranslatedForm, R"("kind": "text", "required": true)",
               R"("kind": "text", "required": true, "translations": {"pl": {"label": "Imię"}})"),
      "$.sections[0].fields[0].translations", "only a section a contact writes");
  expectFormError(replaced(kTranslatedForm, R"("roles": ["parent_carer"],)", ""),
                  "$.sections[1].translations", "only a section a contact writes");
  // The pupil writes their section with staff, in English: no contact reads it.
  expectFormError(
      replaced(kTranslatedForm, R"("roles": ["parent_carer"],)", R"("roles": ["pupil"],)"),
      "$.sections[1].translations", "only a section a contact writes");
  CHECK(loadMini(replaced(kTranslatedForm, R"("roles": ["parent_carer"],)",
                          R"("roles": ["pupil", "health_professional"],)"),
                 kMiniWorkflow)
            .error.empty());
}

TEST_CASE("a language the server's list adds is accepted in definitions, with no code change",
          "[engine][definitions][languages]") {
  // Pashto, added the way a trust adds it: a line in its own translations/LANGUAGES (and its
  // catalogue, which the definitions' loader does not read).
  const fs::path dir = freshDir() / "translations";
  fs::copy(SENDFLOW_SOURCE_ROOT "/translations", dir);
  std::ofstream(dir / "LANGUAGES", std::ios::app) << "ps  rtl  پښتو  Pashto\n";
  fs::copy_file(dir / "en-GB.po", dir / "ps.po");
  const LanguageList withPashto = sendflow::web::offeredLanguages(dir.string());
  CHECK(withPashto.offers("ps"));
  CHECK(withPashto.source == (dir / "LANGUAGES").string());

  const std::string form =
      replaced(kTranslatedForm, R"("ur": {"title": "آپ کی رائے"})",
               R"("ur": {"title": "آپ کی رائے"}, "ps": {"title": "ستاسو نظر"})");
  const std::string workflow =
      replaced(kMiniWorkflow, R"("kind": "senco", "required": true)",
               R"("kind": "senco", "required": true, "translations": {"ps": {"label": "SENCO"}})");
  auto accepted = loadMini(form, workflow, "mini", withPashto);
  INFO(accepted.error);
  CHECK(accepted.error.empty());
  CHECK(parseForm(form, "mini", &withPashto).sections[1].titleIn("ps").text == "ستاسو نظر");

  // The same files against the shipped list: refused, naming the file, the path and the list.
  auto refused = loadMini(form, kMiniWorkflow);
  CHECK_THAT(refused.error, Catch::Contains("mini/form.json: $.sections[1].translations.ps: "
                                            "unknown language 'ps'"));
  CHECK_THAT(refused.error, Catch::Contains("translations/LANGUAGES"));
  expectWorkflowError(workflow, "$.signers[0].translations.ps", "unknown language 'ps'");

  // A plan's stored snapshot is read with no list: a language withdrawn since (or never offered
  // here) must not make the plan unreadable, but the tag must still be a tag.
  CHECK(parseForm(form, "snapshot").sections[1].titleIn("ps").text == "ستاسو نظر");
  CHECK(parseWorkflow(workflow, "snapshot").signers[0].labelIn("ps").text == "SENCO");
  CHECK_THROWS_WITH(
      parseForm(replaced(form, R"("ps":)", R"("ps_AF":)"), "snapshot"),
      Catch::Contains("snapshot: $.sections[1].translations.ps_AF: 'ps_AF' is not a language tag"));
}

TEST_CASE("a language tag is well-formed BCP 47 or refused", "[engine][languages]") {
  for (const char* tag :
       {"en-GB", "ur", "pa", "pa-Arab", "zh-Hant-TW", "ps", "sr-Latn", "ckb", "es-419", "UR"})
    CHECK(isWellFormedLanguageTag(tag));
  for (const char* tag :
       {"", "u", "ur_PK", "ur-", "-ur", "en--GB", "english language", "ur-PK-", "abcdefghi", "e1"})
    CHECK_FALSE(isWellFormedLanguageTag(tag));
}

namespace {

// The mini workflow with its signer slots' labels in some languages.
const char* kTranslatedWorkflow =
    R"j({"type": "mini", "title": "Mini plan", "form": "mini", "version": 1,
 "initial": "draft",
 "states": [{"name": "draft", "editable": true}, {"name": "active", "active": true},
            {"name": "closed", "final": true}],
 "transitions": [
  {"name": "approve", "from": "draft", "to": "active", "roles": ["senco"],
   "guards": ["form_complete"], "actions": ["schedule_review"]},
  {"name": "close", "from": ["draft", "active"], "to": "closed", "roles": ["senco"], "requires": "reason"}],
 "signers": [{"role": "senco", "label": "SENCO", "kind": "senco", "required": true},
             {"role": "parent", "label": "Parent or carer (consulted)", "kind": "parent_carer", "required": true,
              "translations": {"pl": {"label": "Rodzic lub opiekun (po konsultacji)"}, "ur": {"label": "والدین یا نگہداشت کرنے والا (مشاورت شدہ)"}}}],
 "review": {"every": "P12M", "remind": ["P7D"], "recipients": ["senco"]},
 "retention": {"from": "date_of_birth", "keep": "P31Y"}})j";

}  // namespace

TEST_CASE("a workflow's signer labels may give their words per language",
          "[engine][definitions][languages]") {
  auto r = loadMini(kMiniForm, kTranslatedWorkflow);
  INFO(r.error);
  REQUIRE(r.error.empty());
  const auto wf = parseWorkflow(kTranslatedWorkflow, "mini.json", nullptr, &shippedLanguages());
  const auto* parent = wf.signer("parent");
  REQUIRE(parent);
  CHECK(parent->labelIn("pl").text == "Rodzic lub opiekun (po konsultacji)");
  CHECK_FALSE(parent->labelIn("pl").fellBack);
  CHECK(parent->labelIn("so").text == "Parent or carer (consulted)");
  CHECK(parent->labelIn("so").fellBack);
  CHECK(parent->labelIn("en-GB").text == "Parent or carer (consulted)");
  CHECK_FALSE(parent->labelIn("en-GB").fellBack);

  // As a request recorded the label: the words only for that same English label.
  CHECK(wf.signerLabelIn("parent", "Parent or carer (consulted)", "ur") ==
        "والدین یا نگہداشت کرنے والا (مشاورت شدہ)");
  CHECK_FALSE(wf.signerLabelIn("parent", "Parent or carer (consulted)", "so"));  // not given
  CHECK_FALSE(wf.signerLabelIn("parent", "Parent or carer (consulted)", "en-GB"));
  CHECK_FALSE(wf.signerLabelIn("parent", "Parent", "pl"));  // the label was changed since
  CHECK_FALSE(wf.signerLabelIn("senco", "SENCO", "pl"));    // none given: the catalogue's turn
  CHECK_FALSE(wf.signerLabelIn("nobody", "SENCO", "pl"));

  // Part of the snapshot a plan pins.
  CHECK(parseWorkflow(wf.sourceJson, "snapshot").sourceJson == wf.sourceJson);
  CHECK(parseWorkflow(wf.sourceJson, "snapshot").signer("parent")->labelIn("pl").text ==
        "Rodzic lub opiekun (po konsultacji)");
}

TEST_CASE("a workflow's per-language words are read strictly, with their path",
          "[engine][definitions][languages]") {
  auto with = [](const std::string& from, const std::string& to) {
    return replaced(kTranslatedWorkflow, from, to);
  };
  const std::string at = "$.signers[1].translations";
  const std::string pl = R"j("pl": {"label": "Rodzic lub opiekun (po konsultacji)"})j";
  const std::string ur = R"j("ur": {"label": "والدین یا نگہداشت کرنے والا (مشاورت شدہ)"})j";
  expectWorkflowError(with(pl, R"("pl": {"label": "Rodzic", "help": "Pomoc"})"), at + ".pl.help",
                      "unknown key 'help'");
  expectWorkflowError(with(pl, R"("pl": {"title": "Rodzic"})"), at + ".pl.title",
                      "unknown key 'title'");
  expectWorkflowError(with(pl, R"("pl": {})"), at + ".pl", "give the 'label'");
  expectWorkflowError(with(pl, R"("pl": {"label": ""})"), at + ".pl.label", "empty");
  expectWorkflowError(with(pl, R"("pl": {"label": " \t"})"), at + ".pl.label", "empty");
  expectWorkflowError(with(pl, R"("pl": {"label": 3})"), at + ".pl.label", "expected a string");
  expectWorkflowError(with(pl, R"("pl": {"label": ["Rodzic"]})"), at + ".pl.label",
                      "expected a string");
  expectWorkflowError(with(pl, R"("pl": {"label": "dwie\nlinie"})"), at + ".pl.label",
                      "one line of text");
  expectWorkflowError(with(pl, R"("pl": "Rodzic")"), at + ".pl", "expected an object");
  expectWorkflowError(with(pl, R"("de": {"label": "Elternteil"})"), at + ".de",
                      "unknown language 'de'");
  expectWorkflowError(with(pl, R"("en-GB": {"label": "Parent"})"), at + ".en-GB",
                      "the definition's own words are en-GB");
  expectWorkflowError(with(pl, R"("pl_PL": {"label": "Rodzic"})"), at + ".pl_PL",
                      "is not a language tag");
  expectWorkflowError(with("{" + pl + ", " + ur + "}", "{}"), at, "at least one language");
  expectWorkflowError(with("{" + pl + ", " + ur + "}", R"(["pl", "ur"])"), at,
                      "expected an object");
  expectWorkflowError(with(R"("translations":)", R"("translation":)"), "$.signers[1].translation",
                      "unknown key 'translation'");
}

TEST_CASE("the shipped forms give every section a contact writes in every language offered",
          "[engine][definitions][languages]") {
  auto reg = sendflow::web::loadDefinitionFolders(
      SENDFLOW_SOURCE_ROOT "/forms", SENDFLOW_SOURCE_ROOT "/workflows", shippedLanguages());
  std::set<std::string> kinds;
  for (const auto& type : reg.types()) {
    const auto* form = reg.form(type);
    for (const auto& s : form->sections) {
      // The pupil writes with staff (in English); every other role is a kind of contact.
      if (std::all_of(s.roles.begin(), s.roles.end(), [](const auto& r) { return r == "pupil"; }))
        continue;
      kinds.insert(s.roles.begin(), s.roles.end());
      for (const auto& language : shippedLanguages().tags) {
        INFO(type << " " << s.id << " " << language);
        CHECK(s.fullyIn(language));
        for (const auto& f : s.fields) {
          INFO(f.id);
          // A translation is never the English words left in place.
          if (language != "en-GB") CHECK(f.labelIn(language).text != f.label);
        }
      }
      // The plan itself stays English: the definition's own words are unchanged.
      CHECK(s.titleIn("en-GB").text == s.title);
    }
  }
  CHECK(kinds == std::set<std::string>{"parent_carer", "health_professional"});
  CHECK(shippedLanguages().tags.size() == 8);
}

TEST_CASE(
    "the shipped workflows give each signer label contacts read once: in the definition "
    "or in the catalogue",
    "[engine][definitions][languages]") {
  // The labels that are also the server's own words (kinds of contact, "SENCO") are translated
  // in the message catalogue (translations/*.po, from web/pages/contact_language.cpp); every
  // other label in its workflow.
  std::ifstream potFile(SENDFLOW_SOURCE_ROOT "/translations/sendflow.pot");
  const std::string pot((std::istreambuf_iterator<char>(potFile)), {});
  REQUIRE(pot.size() > 1000);
  auto inCatalogue = [&](const std::string& label) {
    return pot.find("\nmsgid \"" + label + "\"\n") != std::string::npos;
  };
  CHECK(inCatalogue("Parent or carer"));
  CHECK_FALSE(inCatalogue("Named helpers"));
  auto reg = sendflow::web::loadDefinitionFolders(
      SENDFLOW_SOURCE_ROOT "/forms", SENDFLOW_SOURCE_ROOT "/workflows", shippedLanguages());
  std::size_t given = 0;
  for (const auto& type : reg.types()) {
    for (const auto& slot : reg.workflow(type)->signers) {
      INFO(type << " " << slot.role);
      if (inCatalogue(slot.label)) {
        CHECK(slot.translations.empty());  // never the same words in two places
        continue;
      }
      for (const auto& language : shippedLanguages().tags) {
        INFO(language);
        CHECK_FALSE(slot.labelIn(language).fellBack);
        if (language != "en-GB") CHECK(slot.labelIn(language).text != slot.label);
      }
      ++given;
    }
  }
  CHECK(given == 8);
}

namespace {

// A parent's section whose field writes its own error messages, given per language (issue 16).
const char* kOwnMessagesForm = R"({"type": "mini", "title": "Mini plan", "version": 1,
 "sections": [
  {"id": "main", "title": "Main", "fields": [
    {"id": "name", "label": "Name", "kind": "text", "required": true}]},
  {"id": "parent", "title": "Your views", "roles": ["parent_carer"],
   "translations": {"pl": {"title": "Twoje zdanie"}, "ur": {"title": "آپ کی رائے"}},
   "fields": [
    {"id": "code", "label": "Family code", "kind": "text", "required": true,
     "pattern": "[A-Z]{2}[0-9]", "pattern_message": "Enter a code like AB1",
     "error_messages": {"required": "Enter your family code"},
     "translations": {"pl": {"label": "Kod rodziny", "pattern_message": "Prosimy wpisać kod, np. AB1",
                             "error_messages": {"required": "Prosimy wpisać kod rodziny"}},
                      "ur": {"label": "خاندانی کوڈ", "pattern_message": "کوڈ اس طرح لکھیں: AB1"}}},
    {"id": "when", "label": "Date of the visit", "kind": "date",
     "error_messages": {"invalid": "Enter the date of the visit as a real date"},
     "translations": {"pl": {"label": "Data wizyty",
                             "error_messages": {"invalid": "Prosimy wpisać prawdziwą datę wizyty"}}}}]},
  {"id": "voice", "title": "My views", "pupil_voice": true, "fields": [
    {"id": "my_views", "label": "Views", "kind": "long_text"}]}]})";

Poco::JSON::Object::Ptr valuesOf(const std::string& json) {
  return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
}

// The form's own message among `errors` about `field`: its English and its words per language.
const TextArg* ownMessageAbout(const std::vector<FieldError>& errors, const std::string& field) {
  for (const auto& e : errors)
    if (e.field == field && e.text.args.size() == 1 && e.text.args[0].whole) return &e.text.args[0];
  return nullptr;
}

}  // namespace

TEST_CASE("a field's own error messages may be given per language, as its labels are",
          "[engine][definitions][languages]") {
  REQUIRE(loadMini(kOwnMessagesForm, kMiniWorkflow).error.empty());
  const auto form = parseForm(kOwnMessagesForm, "mini");
  const auto* code = form.field("code");
  REQUIRE(code);
  CHECK(code->translations.at("pl").patternMessage == "Prosimy wpisać kod, np. AB1");
  CHECK(code->translations.at("pl").requiredMessage == "Prosimy wpisać kod rodziny");
  CHECK(code->translations.at("ur").requiredMessage.empty());
  // Polish gives every word of the section; Urdu lacks the "required" message (and the date's
  // words), so its page says that some of the section is in English.
  CHECK(form.sections[1].fields[0].fullyIn("pl"));
  CHECK_FALSE(code->fullyIn("ur"));
  CHECK(code->fullyIn("en-GB"));

  // Validation names the messages by the form's own words in each language that gives them.
  ValueContext ctx;
  ctx.today = Date{std::chrono::year{2026}, std::chrono::month{12}, std::chrono::day{3}};
  auto missing = validateValues(form, *valuesOf(R"({"name": "A"})"), ctx).missing;
  const TextArg* required = ownMessageAbout(missing, "code");
  REQUIRE(required);
  CHECK(required->value == "Enter your family code");
  CHECK(required->words.at("pl") == "Prosimy wpisać kod rodziny");
  CHECK_FALSE(required->words.count("ur"));
  CHECK(missing.front().message == "Enter your family code");  // English, for staff and the API

  auto invalid =
      validateValues(form, *valuesOf(R"({"name": "A", "code": "ab", "when": "2026-02-31"})"), ctx)
          .invalid;
  const TextArg* pattern = ownMessageAbout(invalid, "code");
  REQUIRE(pattern);
  CHECK(pattern->value == "Enter a code like AB1");
  CHECK(pattern->words.at("ur") == "کوڈ اس طرح لکھیں: AB1");
  const TextArg* date = ownMessageAbout(invalid, "when");
  REQUIRE(date);
  CHECK(date->words.at("pl") == "Prosimy wpisać prawdziwą datę wizyty");

  // The words are part of the snapshot a plan pins.
  CHECK(
      parseForm(form.sourceJson, "snapshot").field("code")->translations.at("pl").patternMessage ==
      "Prosimy wpisać kod, np. AB1");
}

TEST_CASE("a field's own error messages per language are refused when wrong, named",
          "[engine][definitions][languages]") {
  auto with = [](const std::string& from, const std::string& to) {
    return replaced(kOwnMessagesForm, from, to);
  };
  const std::string at = "$.sections[1].fields[0].translations";
  const std::string plRequired = R"("error_messages": {"required": "Prosimy wpisać kod rodziny"})";
  // Unknown keys, in the language's words and in its error messages.
  expectFormError(with(plRequired, R"("error_messages": {"requird": "Prosimy wpisać kod"})"),
                  at + ".pl.error_messages.requird", "unknown key 'requird'");
  expectFormError(with(plRequired, R"("error_mesages": {"required": "Prosimy wpisać kod"})"),
                  at + ".pl.error_mesages", "unknown key 'error_mesages'");
  expectFormError(with(plRequired, R"("error_messages": {})"), at + ".pl.error_messages",
                  "give the 'required' or the 'invalid' message");
  expectFormError(with(plRequired, R"("error_messages": "Prosimy wpisać kod")"),
                  at + ".pl.error_messages", "expected an object");
  // A message the field does not write in English: nothing to translate.
  expectFormError(with(plRequired, R"("error_messages": {"invalid": "Zły kod"})"),
                  at + ".pl.error_messages.invalid",
                  "there is no English 'error_messages.invalid' here to translate");
  expectFormError(with(R"("pattern_message": "Enter a code like AB1",)", ""),
                  at + ".pl.pattern_message",
                  "there is no English 'pattern_message' here to translate");
  // A pattern message only where the kind has a pattern.
  expectFormError(
      with(R"("translations": {"pl": {"label": "Data wizyty",)",
           R"("translations": {"pl": {"label": "Data wizyty", "pattern_message": "Zła data",)"),
      "$.sections[1].fields[1].translations.pl.pattern_message", "unknown key 'pattern_message'");
  // Each message one line of 1 to 300 bytes, never blank.
  expectFormError(with(plRequired, R"("error_messages": {"required": "  "})"),
                  at + ".pl.error_messages.required", "empty");
  expectFormError(with(plRequired, R"("error_messages": {"required": "a\nb"})"),
                  at + ".pl.error_messages.required", "one line of text");
  expectFormError(
      with(plRequired, R"("error_messages": {"required": ")" + std::string(301, 'x') + "\"}"),
      at + ".pl.error_messages.required", "1 to 300 bytes");
  // A language the server does not offer.
  expectFormError(with(R"("ur": {"label": "خاندانی کوڈ",)", R"("de": {"label": "Familiencode",)"),
                  at + ".de", "unknown language 'de': the languages offered are");
}

TEST_CASE("a workflow's states and transitions may give their labels per language",
          "[engine][definitions][languages]") {
  const std::string wf =
      replaced(replaced(kMiniWorkflow, R"({"name": "active", "active": true})",
                        R"({"name": "active", "label": "Active", "active": true,
                            "translations": {"pl": {"label": "Obowiązujący"}}})"),
               R"("requires": "reason"})",
               R"("requires": "reason", "translations": {"ur": {"label": "بند کریں"}}})");
  auto r = loadMini(kMiniForm, wf);
  INFO(r.error);
  REQUIRE(r.error.empty());
  const auto parsed = parseWorkflow(wf, "mini");
  CHECK(parsed.state("active")->translations.at("pl").label == "Obowiązujący");
  CHECK(parsed.transition("close")->translations.at("ur").label == "بند کریں");
  expectWorkflowError(
      replaced(wf, R"({"pl": {"label": "Obowiązujący"}})", R"({"de": {"label": "Gültig"}})"),
      "$.states[1].translations.de", "unknown language 'de'");
  expectWorkflowError(replaced(wf, R"({"pl": {"label": "Obowiązujący"}})",
                               R"({"pl": {"label": "Obowiązujący", "help": "?"}})"),
                      "$.states[1].translations.pl.help", "unknown key 'help'");
  expectWorkflowError(replaced(wf, R"({"ur": {"label": "بند کریں"}})", R"({"ur": {"label": ""}})"),
                      "$.transitions[1].translations.ur.label", "empty");
}
