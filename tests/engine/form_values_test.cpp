#include "sendflow/engine/forms/form_values.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/forms/hidden_answers.h"

using namespace sendflow::engine;
using Poco::JSON::Object;

namespace {

const char* kTestForm = R"({"type": "t", "title": "Test form", "version": 1, "sections": [
 {"id": "a", "title": "A", "fields": [
  {"id": "name", "label": "Name", "kind": "text", "required": true, "max_length": 5},
  {"id": "code", "label": "Code", "kind": "text", "pattern": "[A-Z]{2}[0-9]",
   "pattern_message": "Code must be two capital letters and a digit"},
  {"id": "notes", "label": "Notes", "kind": "long_text"},
  {"id": "start", "label": "Start", "kind": "date", "not_after": "today"},
  {"id": "review", "label": "Review", "kind": "date", "after": "today", "within": "P12M",
   "not_before": "start"},
  {"id": "count", "label": "Count", "kind": "number", "min": 0, "max": 10, "integer": true},
  {"id": "colour", "label": "Colour", "kind": "choice",
   "options": [{"value": "red", "label": "Red"}, {"value": "blue", "label": "Blue"}]},
  {"id": "tags", "label": "Tags", "kind": "multi_choice", "options": ["x", "y", "z"], "max_selected": 2},
  {"id": "agreed", "label": "Agreed", "kind": "yes_no", "required": true},
  {"id": "agreed_on", "label": "Agreed on", "kind": "date", "required": true,
   "visible_when": {"field": "agreed", "equals": true}},
  {"id": "lead", "label": "Lead", "kind": "person", "people": ["staff", "contact"]},
  {"id": "risks", "label": "Risks", "kind": "table", "max_rows": 3, "columns": [
    {"id": "what", "label": "What", "kind": "text", "required": true},
    {"id": "l", "label": "Likelihood", "kind": "choice", "options": ["1", "2", "3", "4", "5"], "required": true},
    {"id": "s", "label": "Severity", "kind": "number", "min": 1, "max": 5},
    {"id": "r", "label": "Rating", "kind": "computed", "formula": {"product": ["l", "s"]},
     "bands": [{"max": 4, "label": "Low"}, {"max": 9, "label": "Medium"}, {"label": "High"}]}]},
  {"id": "worst", "label": "Worst", "kind": "computed", "formula": {"max_of": "risks.r"},
   "bands": [{"max": 4, "label": "Low"}, {"label": "Higher"}]}]},
 {"id": "b", "title": "Extra", "visible_when": {"field": "colour", "equals": "red"}, "fields": [
  {"id": "why_red", "label": "Why red", "kind": "text", "required": true}]},
 {"id": "v", "title": "Voice", "pupil_voice": true, "fields": [
  {"id": "views", "label": "Views", "kind": "long_text"}]}]})";

const FormDefinition& testForm() {
  static const FormDefinition form = parseForm(kTestForm, "test form");
  return form;
}

Date d(int y, unsigned m, unsigned day) {
  return Date{std::chrono::year{y}, std::chrono::month{m}, std::chrono::day{day}};
}

ValueContext at(Date today) {
  ValueContext ctx;
  ctx.today = today;
  return ctx;
}

Object::Ptr json(const std::string& text) {
  Poco::JSON::Parser p;
  return p.parse(text).extract<Object::Ptr>();
}

std::vector<std::string> fieldsOf(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field);
  return out;
}

std::string messageFor(const std::vector<FieldError>& errors, const std::string& field) {
  for (const auto& e : errors)
    if (e.field == field) return e.message;
  return "";
}

ValueCheck check(const std::string& values, Date today = d(2026, 3, 1)) {
  return validateValues(testForm(), *json(values), at(today));
}

}  // namespace

TEST_CASE("empty values are valid but incomplete", "[engine][form_values]") {
  auto c = check("{}");
  CHECK(c.valid());
  CHECK_FALSE(c.complete());
  // agreed_on and why_red are hidden: not required.
  CHECK(fieldsOf(c.missing) == std::vector<std::string>{"name", "agreed"});
  CHECK(messageFor(c.missing, "name") == "Enter name");
  CHECK(messageFor(c.missing, "agreed") == "Select yes or no for agreed");
}

TEST_CASE("wrong types and out-of-range values are invalid and name the field",
          "[engine][form_values]") {
  struct Case {
    const char* values;
    const char* field;
    const char* message;
  };
  const Case cases[] = {
      {R"({"name": 5})", "name", "Name must be text"},
      {R"({"name": "abcdef"})", "name", "Name must be 5 characters or fewer"},
      {R"({"code": "ab1"})", "code", "Code must be two capital letters and a digit"},
      {R"({"count": "3"})", "count", "Count must be a number"},
      {R"({"count": 3.5})", "count", "Count must be a whole number"},
      {R"({"count": 11})", "count", "Count must be between 0 and 10"},
      {R"({"colour": "green"})", "colour", "Select one of the options for colour"},
      {R"({"tags": ["x", "q"]})", "tags", "Select only the listed options for tags"},
      {R"({"tags": ["x", "x"]})", "tags", "Tags lists an option twice"},
      {R"({"tags": ["x", "y", "z"]})", "tags", "Select 2 or fewer options for tags"},
      {R"({"tags": "x"})", "tags", "Tags must be a list of options"},
      {R"({"agreed": "yes"})", "agreed", "Select yes or no for agreed"},
      {R"({"start": "2026-02-30"})", "start", "Start must be a real date"},
      {R"({"start": "1/3/2026"})", "start", "Start must be a real date"},
      {R"({"nope": "x"})", "nope", "'nope' is not a field of this form"},
      {R"({"lead": "Mrs Smith"})", "lead", "Select a person from the list for lead"},
      {R"({"risks": {"what": "x"}})", "risks", "Risks must be a list of rows"},
      {R"({"risks": [{"what": "a"}, {"what": "b"}, {"what": "c"}, {"what": "d"}]})", "risks",
       "Risks can have at most 3 rows"},
      {R"({"risks": [{"what": "a", "l": "6"}]})", "risks[0].l",
       "Risks, row 1: Select one of the options for likelihood"},
      {R"({"risks": [{"what": "a", "zzz": 1}]})", "risks[0].zzz",
       "Risks, row 1: 'zzz' is not a column of this table"},
  };
  for (const auto& c : cases) {
    INFO(c.values);
    auto result = check(c.values);
    REQUIRE(result.invalid.size() == 1);
    CHECK(result.invalid[0].field == c.field);
    CHECK(result.invalid[0].message == c.message);
  }
}

TEST_CASE("lengths count code points, invalid UTF-8 and values over 64 KiB are refused",
          "[engine][form_values]") {
  CHECK(check(R"({"name": "Zoë Ł"})").valid());  // 5 code points, 7 bytes
  CHECK_FALSE(check(R"({"name": "Zoë Łu"})").valid());

  Object values;
  values.set("notes", std::string(kMaxValueBytes + 1, 'a'));
  auto big = validateValues(testForm(), values, at(d(2026, 3, 1)));
  REQUIRE(big.invalid.size() == 1);
  CHECK(big.invalid[0].message == "Notes must be 64 KiB or shorter");
  // Never truncated: the value is untouched.
  CHECK(values.getValue<std::string>("notes").size() == kMaxValueBytes + 1);
  values.set("notes", std::string(kMaxValueBytes, 'a'));
  CHECK(validateValues(testForm(), values, at(d(2026, 3, 1))).valid());

  values.set("notes", std::string("caf\xC3", 4));
  CHECK(validateValues(testForm(), values, at(d(2026, 3, 1))).invalid.at(0).message ==
        "Notes contains characters that are not valid UTF-8");

  // HTML is just text: kept exactly.
  CHECK(check(R"({"notes": "<script>alert(1)</script>"})").valid());
}

TEST_CASE("date relations: today, other fields, within a duration", "[engine][form_values]") {
  auto firstMessage = [](const std::string& v) {
    auto c = check(v);
    return c.invalid.empty() ? std::string() : c.invalid[0].message;
  };
  CHECK(firstMessage(R"({"start": "2026-03-01"})").empty());
  CHECK(firstMessage(R"({"start": "2026-03-02"})") == "Start must be the same as or before today");
  CHECK(firstMessage(R"({"review": "2026-03-01"})") == "Review must be after today");
  CHECK(firstMessage(R"({"review": "2027-03-01"})").empty());
  CHECK(firstMessage(R"({"review": "2027-03-02"})") == "Review must be within 12 months of today");
  CHECK(firstMessage(R"({"start": "2026-01-10", "review": "2026-06-01"})").empty());

  // A review date earlier than start: both the field relation and nothing else.
  auto c = check(R"({"start": "2026-02-10", "review": "2026-03-05"})", d(2026, 3, 1));
  CHECK(c.valid());
  c = validateValues(testForm(), *json(R"({"start": "2026-02-10", "review": "2026-02-09"})"),
                     at(d(2026, 2, 1)));
  CHECK(messageFor(c.invalid, "review") ==
        "Review must be the same as or after start (10 February 2026)");

  // A date saved when it was in the future stays valid when later saves do not change it.
  auto previous = json(R"({"review": "2026-04-01"})");
  ValueContext later = at(d(2026, 5, 1));
  later.previous = previous.get();
  CHECK(validateValues(testForm(), *json(R"({"review": "2026-04-01"})"), later).valid());
  CHECK_FALSE(validateValues(testForm(), *json(R"({"review": "2026-04-02"})"), later).valid());
}

TEST_CASE("hidden fields and sections are not required, their values are kept",
          "[engine][form_values]") {
  auto c = check(R"({"name": "Ann", "agreed": false, "colour": "blue"})");
  CHECK(c.complete());
  c = check(R"({"name": "Ann", "agreed": true, "colour": "red"})");
  CHECK(fieldsOf(c.missing) == std::vector<std::string>{"agreed_on", "why_red"});

  const auto& form = testForm();
  auto values =
      json(R"({"agreed": false, "agreed_on": "2026-01-01", "colour": "blue", "why_red": "x"})");
  CHECK_FALSE(isFieldVisible(form, *form.field("agreed_on"), *values));
  CHECK_FALSE(isFieldVisible(form, *form.field("why_red"), *values));
  auto normalised = normaliseValues(form, *values);
  CHECK(normalised->getValue<std::string>("agreed_on") == "2026-01-01");
  CHECK(normalised->getValue<std::string>("why_red") == "x");
}

TEST_CASE("answers to hidden questions are not judged, and saving drops them",
          "[engine][form_values]") {
  // A wrong date and a wrong type under "No" and under a hidden section: valid and complete.
  auto c = check(R"({"name": "Ann", "agreed": false, "agreed_on": "not a date", "colour": "blue",
                     "why_red": 7})");
  CHECK(c.valid());
  CHECK(c.complete());
  // Shown again, the same answers are judged.
  c = check(R"({"name": "Ann", "agreed": true, "agreed_on": "not a date", "colour": "red",
                "why_red": 7})");
  CHECK(fieldsOf(c.invalid) == std::vector<std::string>{"agreed_on", "why_red"});

  const auto& form = testForm();
  auto kept = withoutHiddenAnswers(
      form, *json(R"({"name": "Ann", "agreed": false, "agreed_on": "2026-01-01",
                      "colour": "blue", "why_red": "x"})"));
  CHECK(canonicalJson(*kept) == R"({"agreed":false,"colour":"blue","name":"Ann"})");

  // Chains (a dropped answer hides the next question), table cells by their row, rows left
  // empty, and a field marked "hidden" (the system's) kept.
  const auto chained = parseForm(R"({"type": "c", "title": "C", "version": 1, "sections": [
   {"id": "a", "title": "A", "pupil_voice": true, "fields": [
    {"id": "year", "label": "Year", "kind": "text", "hidden": true},
    {"id": "q1", "label": "Q1", "kind": "yes_no"},
    {"id": "q2", "label": "Q2", "kind": "choice", "options": ["a", "b"],
     "visible_when": {"field": "q1", "equals": true}},
    {"id": "q3", "label": "Q3", "kind": "text", "visible_when": {"field": "q2", "equals": "a"}},
    {"id": "t", "label": "T", "kind": "table", "columns": [
      {"id": "c1", "label": "C1", "kind": "yes_no"},
      {"id": "c2", "label": "C2", "kind": "text", "visible_when": {"field": "c1", "equals": true}}]}
   ]}]})",
                                 "chained form");
  auto values = json(R"({"year": "4", "q1": false, "q2": "a", "q3": "x",
    "t": [{"c1": false, "c2": "y"}, {"c1": true, "c2": "z"}, {"c2": "only"}]})");
  kept = withoutHiddenAnswers(chained, *values);
  CHECK(canonicalJson(*kept) ==
        R"({"q1":false,"t":[{"c1":false},{"c1":true,"c2":"z"}],"year":"4"})");
  CHECK(values->has("q3"));  // the input is left as it was
  c = validateValues(chained, *json(R"({"t": [{"c1": false, "c2": 5}]})"), at(d(2026, 3, 1)));
  CHECK(c.valid());
}

TEST_CASE("error messages follow GOV.UK patterns and never glue a question into a sentence",
          "[engine][form_values]") {
  const auto form = parseForm(R"({"type": "w", "title": "W", "version": 1, "sections": [
   {"id": "a", "title": "A", "pupil_voice": true, "fields": [
    {"id": "why", "label": "Why does the pupil need a PEEP?", "kind": "long_text",
     "required": true},
    {"id": "temp", "label": "Is this a temporary need?", "kind": "yes_no", "required": true},
    {"id": "until", "label": "Expected end date", "kind": "date", "required": true,
     "after": "today"},
    {"id": "aids", "label": "Alert methods", "kind": "multi_choice", "options": ["a", "b"],
     "required": true},
    {"id": "ehcp", "label": "EHC plan number", "kind": "text", "required": true},
    {"id": "meds", "label": "Medicines", "kind": "table", "min_rows": 1, "columns": [
      {"id": "dose", "label": "Dose", "kind": "text", "required": true},
      {"id": "when", "label": "When", "kind": "date"}]}]}]})",
                              "words form");
  auto c = validateValues(form, Object(), at(d(2026, 3, 1)));
  CHECK(messageFor(c.missing, "why") == "Enter the answer to “Why does the pupil need a PEEP?”");
  CHECK(messageFor(c.missing, "temp") == "Select yes or no for “Is this a temporary need?”");
  CHECK(messageFor(c.missing, "until") == "Enter expected end date");
  CHECK(messageFor(c.missing, "aids") == "Select alert methods");
  CHECK(messageFor(c.missing, "ehcp") == "Enter EHC plan number");  // capitals kept
  CHECK(messageFor(c.missing, "meds") == "Add at least 1 row to medicines");

  c = validateValues(form, *json(R"({"until": "2026-02-30", "temp": "yes",
      "meds": [{"when": "2026-13-01"}]})"),
                     at(d(2026, 3, 1)));
  CHECK(messageFor(c.invalid, "until") == "Expected end date must be a real date");
  CHECK(messageFor(c.invalid, "temp") == "Select yes or no for “Is this a temporary need?”");
  CHECK(messageFor(c.invalid, "meds[0].when") == "Medicines, row 1: When must be a real date");
  CHECK(messageFor(c.missing, "meds[0].dose") == "Medicines, row 1: Enter dose");
  c = validateValues(form, *json(R"({"until": "2026-01-01"})"), at(d(2026, 3, 1)));
  CHECK(messageFor(c.invalid, "until") == "Expected end date must be after today");
}

TEST_CASE("a form's own error words take the place of the label's", "[engine][form_values]") {
  const auto form = parseForm(R"({"type": "w", "title": "W", "version": 1, "sections": [
   {"id": "a", "title": "A", "pupil_voice": true, "fields": [
    {"id": "why", "label": "Why does the pupil need a PEEP?", "kind": "long_text",
     "required": true, "error_name": "why the pupil needs a PEEP"},
    {"id": "temp", "label": "Is this a temporary need?", "kind": "yes_no", "required": true,
     "error_name": "if this is a temporary need"},
    {"id": "aids", "label": "Alert methods", "kind": "multi_choice", "options": ["a", "b"],
     "required": true, "error_name": "how the pupil is alerted"},
    {"id": "until", "label": "Expected end date", "kind": "date", "required": true,
     "error_messages": {"required": "Enter the date the need is expected to end",
                        "invalid": "Enter the end date as a real date, like 27 3 2027"}},
    {"id": "upn", "label": "UPN", "kind": "text", "pattern": "[A-Z][0-9]{12}",
     "error_messages": {"invalid": "Enter a UPN like A123456789012"}},
    {"id": "meds", "label": "Medicines", "kind": "table", "min_rows": 1,
     "error_name": "the medicines the pupil takes", "columns": [
      {"id": "dose", "label": "Dose", "kind": "text", "required": true,
       "error_name": "the dose"}]}]}]})",
                              "own words form");
  auto c = validateValues(form, Object(), at(d(2026, 3, 1)));
  CHECK(messageFor(c.missing, "why") == "Enter why the pupil needs a PEEP");
  CHECK(messageFor(c.missing, "temp") == "Select if this is a temporary need");
  CHECK(messageFor(c.missing, "aids") == "Select how the pupil is alerted");
  CHECK(messageFor(c.missing, "until") == "Enter the date the need is expected to end");
  CHECK(messageFor(c.missing, "meds") == "Add at least 1 row to the medicines the pupil takes");
  c = validateValues(form, *json(R"({"until": "2026-02-30", "upn": "123", "temp": "no",
      "meds": [{}]})"),
                     at(d(2026, 3, 1)));
  CHECK(messageFor(c.invalid, "until") == "Enter the end date as a real date, like 27 3 2027");
  CHECK(messageFor(c.invalid, "upn") == "Enter a UPN like A123456789012");
  CHECK(messageFor(c.missing, "meds[0].dose") == "Medicines, row 1: Enter the dose");
}

TEST_CASE("table rows: required cells are missing, not invalid", "[engine][form_values]") {
  auto c = check(
      R"({"name": "Ann", "agreed": false, "risks": [{"l": "2"}, {"what": "Falls", "l": "3"}]})");
  CHECK(c.valid());
  CHECK(fieldsOf(c.missing) == std::vector<std::string>{"risks[0].what"});
  CHECK(messageFor(c.missing, "risks[0].what") == "Risks, row 1: Enter what");
}

TEST_CASE("people are references or free text as the field allows", "[engine][form_values]") {
  CHECK(check(R"({"lead": "user:12"})").valid());
  CHECK(check(R"({"lead": "contact:7"})").valid());
  CHECK_FALSE(check(R"({"lead": "user:0"})").valid());
  ValueContext ctx = at(d(2026, 3, 1));
  ctx.knownPeople = std::set<std::string>{"user:12", "contact:7"};
  CHECK(validateValues(testForm(), *json(R"({"lead": "user:12"})"), ctx).valid());
  CHECK_FALSE(validateValues(testForm(), *json(R"({"lead": "user:13"})"), ctx).valid());
}

TEST_CASE("computed values are derived, banded and never taken from input",
          "[engine][form_values]") {
  const auto& form = testForm();
  auto values = json(R"({"risks": [{"what": "Falls", "l": "4", "s": 4, "r": 1},
                                    {"what": "Trips", "l": "2", "s": 1},
                                    {"what": "Burns", "l": "3"}], "worst": 1})");
  auto computed = computeValues(form, *values);
  REQUIRE(computed.size() == 4);
  CHECK(computed[0].path == "risks[0].r");
  CHECK(computed[0].value == 16.0);
  CHECK(computed[0].band->label == "High");
  CHECK(computed[1].value == 2.0);
  CHECK(computed[1].band->label == "Low");
  CHECK(computed[2].path == "risks[2].r");
  CHECK_FALSE(computed[2].value);  // severity missing
  CHECK(computed[3].path == "worst");
  CHECK(computed[3].value == 16.0);
  CHECK(computed[3].band->label == "Higher");

  auto with = withComputed(form, *values);
  CHECK(with->getValue<double>("worst") == 16.0);
  auto rows = with->getArray("risks");
  CHECK(rows->getObject(0)->getValue<double>("r") == 16.0);
  CHECK_FALSE(rows->getObject(2)->has("r"));

  auto normalised = normaliseValues(form, *values);
  CHECK_FALSE(normalised->has("worst"));
  CHECK_FALSE(normalised->getArray("risks")->getObject(0)->has("r"));
}

TEST_CASE("values posted by HTML controls are typed: numbers and yes/no, empties dropped",
          "[engine][form_values]") {
  auto n = valuesFromControls(testForm(), *json(R"({"count": "3", "agreed": "yes", "notes": "",
      "tags": [], "colour": null, "risks": [{"what": "", "s": "2"}, {"what": ""}], "nope": "kept"})"));
  CHECK(canonicalJson(*n) == R"({"agreed":true,"count":3,"nope":"kept","risks":[{"s":2}]})");
  CHECK_FALSE(validateValues(testForm(), *n, at(d(2026, 3, 1))).valid());  // "nope"
  // Only what a control posts: "true" is not a yes/no's "yes", "3abc" is not a number.
  auto odd = valuesFromControls(testForm(), *json(R"({"agreed": "true", "count": "3abc"})"));
  CHECK(canonicalJson(*odd) == R"({"agreed":"true","count":"3abc"})");
}

TEST_CASE("normalising keeps every value's own type: nothing is guessed", "[engine][form_values]") {
  auto n = normaliseValues(testForm(), *json(R"({"count": "3", "agreed": "yes", "tags": "x",
      "notes": "", "risks": [{"what": "", "s": "2"}]})"));
  CHECK(canonicalJson(*n) == R"({"agreed":"yes","count":"3","risks":[{"s":"2"}],"tags":"x"})");
  auto c = validateValues(testForm(), *n, at(d(2026, 3, 1)));
  CHECK(messageFor(c.invalid, "agreed") == "Select yes or no for agreed");
  CHECK(messageFor(c.invalid, "count") == "Count must be a number");
  CHECK(messageFor(c.invalid, "tags") == "Tags must be a list of options");
  CHECK(messageFor(c.invalid, "risks[0].s") == "Risks, row 1: Severity must be a number");
}

TEST_CASE("text answers refuse control characters and line breaks are only for long text",
          "[engine][form_values]") {
  using namespace std::string_literals;
  // JSON escapes: the values hold CR LF, LF, NUL, ESC.
  for (const auto& bad : {R"(A\r\nB)"s, R"(A\nB)"s, R"(A\u0000B)"s, R"(A\u001bB)"s}) {
    INFO(bad);
    auto c = check(R"({"name": ")" + bad + R"(", "agreed": true})");
    CHECK(fieldsOf(c.invalid) == std::vector<std::string>{"name"});
    c = check(R"({"name": "Ann", "agreed": true, "risks": [{"what": ")" + bad +
              R"(", "l": "2"}]})");
    CHECK(fieldsOf(c.invalid) == std::vector<std::string>{"risks[0].what"});
  }
  CHECK(check(R"({"name": "A\tB", "agreed": true, "notes": "one\ntwo\r\nthree\tfour"})").valid());
  for (const auto& bad : {R"(A\u0000B)"s, R"(A\u0007B)"s, R"(A\rB)"s}) {
    INFO(bad);
    auto c = check(R"({"name": "Ann", "agreed": true, "notes": ")" + bad + R"("})");
    CHECK(fieldsOf(c.invalid) == std::vector<std::string>{"notes"});
  }
}
