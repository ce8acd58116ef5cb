// Plans over real HTTP: every document type through its lifecycle, and the bad input around it.
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/JSON/Array.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <thread>

#include "app/definition_folders.h"
#include "app/system_clock.h"
#include "i18n/language_list.h"
#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/forms/sample_values.h"
#include "sendflow/engine/plans/lifecycle.h"
#include "sendflow/engine/plans/schedule.h"
#include "sendflow/storage/database.h"
#include "support/demo.h"

using namespace sendflow;
using testing::Client;
using testing::Demo;
using testing::toJson;

namespace {

Poco::JSON::Object::Ptr getPlan(Client& c, int64_t id) {
  auto r = c.get("/api/v1/plans/" + std::to_string(id));
  REQUIRE(r.status == 200);
  return r.json();
}

testing::Response patchValues(Client& c, int64_t id, int base, const Poco::JSON::Object& values) {
  Poco::JSON::Object body;
  body.set("base_version", base);
  body.set("values", values);
  return c.postJson("PATCH", "/api/v1/plans/" + std::to_string(id), toJson(body));
}

testing::Response fire(Client& c, int64_t id, const std::string& name,
                       const std::string& json = "{}") {
  return c.postJson("POST", "/api/v1/plans/" + std::to_string(id) + "/transitions/" + name, json);
}

engine::Pupil pupilOf(Client& c, int64_t pupilId) {
  auto p = c.get("/api/v1/pupils/" + std::to_string(pupilId)).json();
  return {pupilId,
          p->getValue<int64_t>("academy_id"),
          p->getValue<std::string>("legal_name"),
          p->getValue<std::string>("preferred_name"),
          p->getValue<std::string>("date_of_birth"),
          p->getValue<std::string>("year_group"),
          p->getValue<std::string>("upn"),
          true};
}

// A person who can sign in `kind`'s slot for this pupil, from the plan's people list.
std::string personFor(const std::string& kind, Demo& d, Client& c, int64_t pupilId) {
  if (kind == "senco") return "user:" + std::to_string(d.userId("senco"));
  if (kind == "head") return "user:" + std::to_string(d.userId("head"));
  if (kind == "staff") return "user:" + std::to_string(d.userId("staff"));
  if (kind == "pupil") return "pupil:" + std::to_string(pupilId);
  auto contacts = c.get("/api/v1/pupils/" + std::to_string(pupilId)).json()->getArray("contacts");
  for (size_t i = 0; i < contacts->size(); ++i) {
    auto ct = contacts->getObject(static_cast<unsigned>(i));
    if (ct->getValue<std::string>("kind") == kind)
      return "contact:" + std::to_string(ct->getValue<int64_t>("id"));
  }
  return "";
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("every document type goes from launch to sign-off over HTTP", "[web][plans]") {
  Demo d;
  auto c = d.senco();
  auto defs = sendflow::web::loadDefinitionFolders(
      SENDFLOW_SOURCE_ROOT "/forms", SENDFLOW_SOURCE_ROOT "/workflows",
      sendflow::web::offeredLanguages(SENDFLOW_SOURCE_ROOT "/translations"));
  REQUIRE(defs.types().size() >= 6);
  const auto today = engine::dateOf(web::SystemClock().now());
  size_t pupilIndex = 0;
  for (const auto& type : defs.types()) {
    INFO("type " << type);
    const auto* wf = defs.workflow(type);
    const auto* form = defs.formFor(*wf);
    const int64_t pupilId = d.ownPupils.at(pupilIndex++ % d.ownPupils.size());
    auto launched =
        c.postJson("POST", "/api/v1/plans",
                   "{\"pupil_id\":" + std::to_string(pupilId) + ",\"type\":\"" + type + "\"}");
    REQUIRE(launched.status == 201);
    const int64_t id = launched.json()->getValue<int64_t>("id");
    auto plan = getPlan(c, id);
    REQUIRE(plan->getValue<std::string>("state") == wf->initial);
    REQUIRE(plan->getValue<int>("version") == 1);
    // Prefilled from the pupil record.
    auto pupil = pupilOf(c, pupilId);
    REQUIRE(toJson(plan->get("values")).find(pupil.legalName) != std::string::npos);
    REQUIRE(plan->getArray("missing")->size() > 0);

    // Bad input never changes the plan.
    Poco::JSON::Object unknown;
    unknown.set("no_such_field", "x");
    auto r = patchValues(c, id, 1, unknown);
    REQUIRE(r.status == 422);
    REQUIRE(r.body.find("no_such_field") != std::string::npos);

    // Sending before it is complete lists what is missing: fields and signers.
    r = fire(c, id, "send_for_signature");
    REQUIRE(r.status == 422);
    REQUIRE(r.body.find("signer.") != std::string::npos);

    // Fill it in.
    auto current = plan->getObject("values");
    auto values =
        engine::sampleValues(*form, *current, pupil, today,
                             {"user:" + std::to_string(d.userId("staff")), {"review_date"}, {}});
    r = patchValues(c, id, 1, *values);
    INFO(r.body);
    REQUIRE(r.status == 200);
    REQUIRE(r.json()->getValue<int>("version") == 2);
    REQUIRE(r.json()->getArray("missing")->size() == 0);

    // A save based on version 1 is now stale: 409 with what changed, nothing lost.
    Poco::JSON::Object small;
    small.set(form->fields().back()->id, Poco::Dynamic::Var());
    r = patchValues(c, id, 1, small);
    REQUIRE(r.status == 409);
    REQUIRE(getPlan(c, id)->getValue<int>("version") == 2);

    // Assign the required signers, then send for signature.
    std::set<std::string> kinds;
    auto contacts = c.get("/api/v1/pupils/" + std::to_string(pupilId)).json()->getArray("contacts");
    for (size_t i = 0; i < contacts->size(); ++i)
      kinds.insert(contacts->getObject(static_cast<unsigned>(i))->getValue<std::string>("kind"));
    for (const auto* slot : engine::requiredSigners(*wf, kinds)) {
      std::string person = personFor(slot->kind, d, c, pupilId);
      REQUIRE_FALSE(person.empty());
      r = c.postJson("PUT", "/api/v1/plans/" + std::to_string(id) + "/signers/" + slot->role,
                     "{\"people\":[\"" + person + "\"]}");
      INFO(slot->role << ": " << r.body);
      REQUIRE(r.status == 200);
    }
    // Someone of the wrong kind is neither offered on the page nor accepted.
    if (wf->signer("parent_carer")) {
      auto page = c.get("/plans/" + std::to_string(id)).body;
      auto at = page.find("id=\"signer-parent_carer\"");
      REQUIRE(at != std::string::npos);
      const std::string select = page.substr(at, page.find("</select>", at) - at);
      CHECK(select.find("value=\"contact:") != std::string::npos);
      CHECK(select.find("value=\"user:") == std::string::npos);
      r = c.postJson("PUT", "/api/v1/plans/" + std::to_string(id) + "/signers/parent_carer",
                     "{\"people\":[\"user:" + std::to_string(d.userId("staff")) + "\"]}");
      CHECK(r.status == 422);
      CHECK(r.body.find("cannot sign as") != std::string::npos);
    }
    r = fire(c, id, "send_for_signature");
    INFO(r.body);
    REQUIRE(r.status == 200);
    REQUIRE(r.json()->getValue<std::string>("state") == "awaiting_signatures");

    // Once sent, the content is fixed: editing answers 409, not a silent change.
    r = patchValues(c, id, 2, *values);
    REQUIRE(r.status == 409);
    // The SENCO can take it back to edit.
    r = fire(c, id, "recall");
    REQUIRE(r.status == 200);
    REQUIRE(r.json()->getValue<std::string>("state") == "draft");
  }
}

TEST_CASE("transitions answer 404, 403, 409 and 422 as the rules say", "[web][plans]") {
  Demo d;
  auto senco = d.senco();
  auto active = d.plans("intimate_care", "active", Demo::kOak);
  REQUIRE_FALSE(active.empty());
  const int64_t id = active.front()->getValue<int64_t>("id");
  REQUIRE(fire(senco, id, "no_such_transition").status == 404);
  REQUIRE(fire(senco, id, "send_for_signature").status == 409);  // not from "active"
  // A governor may not even read the plan (docs/security.md): 404, as for another academy's plan.
  // A head may read it, but the workflow lets only the SENCO send it for signature: 403.
  auto governor = d.signedIn("governor");
  REQUIRE(fire(governor, id, "trigger_review", R"({"reason_code":"change","reason_text":"x"})")
              .status == 404);
  auto head = d.signedIn("head");
  REQUIRE(fire(head, id, "send_for_signature").status == 403);
  auto noReason = fire(senco, id, "trigger_review");
  REQUIRE(noReason.status == 422);
  REQUIRE(noReason.body.find("reason") != std::string::npos);
  auto badReason =
      fire(senco, id, "trigger_review", R"({"reason_code":"boredom","reason_text":"x"})");
  REQUIRE(badReason.status == 422);

  // Any participant (here a teacher) can make a review due at once, with a reason.
  auto teacher = d.signedIn("staff");
  auto r = fire(teacher, id, "trigger_review",
                R"({"reason_code":"change","reason_text":"New wheelchair from January"})");
  REQUIRE(r.status == 200);
  REQUIRE(r.json()->getValue<std::string>("state") == "review_due");
  REQUIRE(r.json()->getValue<std::string>("review_reason").find("New wheelchair") !=
          std::string::npos);
  // The review date stays visible while the review is due.
  REQUIRE_FALSE(r.json()->get("review_date").isEmpty());
}

TEST_CASE("a review drafts a successor, the plan in force stays until it is replaced",
          "[web][plans]") {
  Demo d;
  auto senco = d.senco();
  auto active = d.plans("healthcare_plan", "active");
  REQUIRE_FALSE(active.empty());
  auto academy = active.front()->getValue<std::string>("academy");
  auto c = d.signedIn("senco", academy);
  const int64_t id = active.front()->getValue<int64_t>("id");
  auto before = getPlan(c, id);
  auto r = fire(c, id, "start_review");
  INFO(r.body);
  REQUIRE(r.status == 200);
  const int64_t next = r.json()->getValue<int64_t>("successor_id");
  auto old = getPlan(c, id);
  REQUIRE(old->getValue<std::string>("state") == "review_due");
  REQUIRE(old->getValue<std::string>("review_date") ==
          before->getValue<std::string>("review_date"));
  auto draft = getPlan(c, next);
  REQUIRE(draft->getValue<std::string>("state") == "draft");
  REQUIRE(draft->getValue<int64_t>("reviews_plan_id") == id);
  // The answers are carried forward (except the review date).
  auto oldValues = old->getObject("values");
  auto newValues = draft->getObject("values");
  int carried = 0;
  for (const auto& [k, v] : *oldValues) {
    (void)v;
    if (newValues->has(k)) ++carried;
  }
  REQUIRE(carried >= static_cast<int>(oldValues->size()) - 3);
  // Only one review at a time.
  auto again = fire(c, id, "start_review");
  REQUIRE(again.status == 422);
}

TEST_CASE("EHCP reviews show their statutory deadlines with a status", "[web][plans]") {
  Demo d;
  auto drafts = d.plans("ehcp_annual_review", "draft");
  REQUIRE_FALSE(drafts.empty());
  auto c = d.signedIn("senco", drafts.front()->getValue<std::string>("academy"));
  auto plan = getPlan(c, drafts.front()->getValue<int64_t>("id"));
  auto deadlines = plan->getArray("deadlines");
  REQUIRE(deadlines->size() >= 4);
  std::set<std::string> ids, statuses;
  for (size_t i = 0; i < deadlines->size(); ++i) {
    ids.insert(deadlines->getObject(static_cast<unsigned>(i))->getValue<std::string>("id"));
    statuses.insert(
        deadlines->getObject(static_cast<unsigned>(i))->getValue<std::string>("status"));
  }
  REQUIRE(ids.count("invitations"));
  REQUIRE(ids.count("la_decision"));
  // The meeting is three weeks away: invitations (2 weeks before) are due soon.
  REQUIRE(statuses.count("due_soon"));
  auto page = c.get("/plans/" + std::to_string(drafts.front()->getValue<int64_t>("id")));
  REQUIRE(page.body.find("Statutory deadlines") != std::string::npos);
  auto dash = c.get("/");
  REQUIRE(dash.body.find("Due soon") != std::string::npos);
  // The dashboard's "Next deadline" of the plan is its own first deadline not done (worked out
  // from one read of the list, never by opening each plan): the label and date its API gives.
  bool shown = false;
  for (size_t i = 0; i < deadlines->size() && !shown; ++i) {
    auto dl = deadlines->getObject(static_cast<unsigned>(i));
    if (dl->getValue<std::string>("status") == "done") continue;
    auto due = engine::parseIsoDate(dl->getValue<std::string>("due"));
    REQUIRE(due);
    const std::string next = dl->getValue<std::string>("label") + ": " + engine::ukDate(*due);
    INFO(next);
    CHECK(dash.body.find(next) != std::string::npos);
    shown = true;
  }
  CHECK(shown);
  CHECK(dash.body.find(" pupils") != std::string::npos);  // "12 pupils", never "12 pupil(s)"
  CHECK(dash.body.find("(s)") == std::string::npos);
}

// Issue 14, point 4: a new EHCP review with no meeting set is due from the plan's issue date; a
// meeting set later than that is warned about on the page beside the field and by the API.
TEST_CASE(
    "an EHCP review with no meeting is due from its issue date, a late meeting is warned about",
    "[web][plans]") {
  Demo d;
  auto c = d.senco();
  const auto today = engine::dateOf(web::SystemClock().now());
  // A pupil over 5, so the 12-month cycle applies, and with no phase transfer within a year.
  int64_t pupilId = 0;
  for (auto id : d.ownPupils) {
    auto p = pupilOf(c, id);
    const std::set<std::string> transferring{"N", "R", "1", "2", "5", "6", "10", "11"};
    if (engine::ageOn(*engine::parseIsoDate(p.dateOfBirth), today) >= 6 &&
        !transferring.count(p.yearGroup))
      pupilId = id;
  }
  REQUIRE(pupilId);
  auto launched =
      c.postJson("POST", "/api/v1/plans",
                 "{\"pupil_id\":" + std::to_string(pupilId) + ",\"type\":\"ehcp_annual_review\"}");
  REQUIRE(launched.status == 201);
  const int64_t id = launched.json()->getValue<int64_t>("id");
  const auto issued = engine::subtractDuration(today, engine::Duration{0, 11, 0, 0});
  const auto due = engine::addDuration(issued, engine::Duration{0, 12, 0, 0});
  Poco::JSON::Object values;
  values.set("plan_issued", engine::isoDate(issued));
  auto saved = patchValues(c, id, 1, values);
  REQUIRE(saved.status == 200);
  CHECK(saved.json()->getArray("warnings")->size() == 0);

  auto plan = getPlan(c, id);
  REQUIRE_FALSE(plan->getObject("values")->has("meeting_date"));
  auto deadlines = plan->getArray("deadlines");
  Poco::JSON::Object::Ptr reviewDue;
  for (size_t i = 0; i < deadlines->size(); ++i)
    if (deadlines->getObject(static_cast<unsigned>(i))->getValue<std::string>("id") == "review_due")
      reviewDue = deadlines->getObject(static_cast<unsigned>(i));
  REQUIRE(reviewDue);
  CHECK(reviewDue->getValue<std::string>("due") == engine::isoDate(due));
  CHECK(reviewDue->getValue<std::string>("status") == "on_track");
  auto page = c.get("/plans/" + std::to_string(id));
  REQUIRE(page.status == 200);
  CHECK(page.body.find("Hold the review (within 12 months of the plan being issued)") !=
        std::string::npos);
  CHECK(page.body.find(engine::ukDate(due)) != std::string::npos);
  auto dash = c.get("/");
  CHECK(dash.body.find("Hold the review (within 12 months of the plan being issued)") !=
        std::string::npos);

  // A meeting after the due date: saved, with a warning beside the field and from the API.
  const std::string warning = "This meeting is after the review is due on " + engine::ukDate(due);
  Poco::JSON::Object late;
  late.set("meeting_date",
           engine::isoDate(engine::addDuration(due, engine::Duration{0, 0, 0, 10})));
  saved = patchValues(c, id, 2, late);
  REQUIRE(saved.status == 200);
  CHECK(saved.json()->getValue<int>("version") == 3);
  auto warnings = saved.json()->getArray("warnings");
  REQUIRE(warnings->size() == 1);
  CHECK(warnings->getObject(0)->getValue<std::string>("field") == "meeting_date");
  CHECK(warnings->getObject(0)->getValue<std::string>("message") == warning);
  CHECK(getPlan(c, id)->getArray("warnings")->size() == 1);
  page = c.get("/plans/" + std::to_string(id));
  auto field = page.body.find("id=\"f-meeting_date-field\"");
  REQUIRE(field != std::string::npos);
  auto shown = page.body.find(warning, field);
  REQUIRE(shown != std::string::npos);
  CHECK(shown < page.body.find("</div>", field));  // inside the meeting date's own field
  CHECK(page.body.find("aria-describedby=\"f-meeting_date-warning\"") != std::string::npos);

  // In time: no warning.
  Poco::JSON::Object onTime;
  onTime.set("meeting_date", engine::isoDate(due));
  saved = patchValues(c, id, 3, onTime);
  REQUIRE(saved.status == 200);
  CHECK(saved.json()->getArray("warnings")->size() == 0);
  CHECK(c.get("/plans/" + std::to_string(id)).body.find(warning) == std::string::npos);

  // Reviewing a plan in force: its meeting becomes the new draft's last review, which the review
  // is due from; the new meeting starts empty.
  auto active = d.plans("ehcp_annual_review", "active");
  REQUIRE_FALSE(active.empty());
  c = d.signedIn("senco", active.front()->getValue<std::string>("academy"));
  const int64_t inForce = active.front()->getValue<int64_t>("id");
  const auto held = getPlan(c, inForce)->getObject("values")->getValue<std::string>("meeting_date");
  auto started = fire(c, inForce, "start_review");
  REQUIRE(started.status == 200);
  auto next = getPlan(c, started.json()->getValue<int64_t>("successor_id"));
  CHECK(next->getObject("values")->getValue<std::string>("last_review") == held);
  CHECK_FALSE(next->getObject("values")->has("meeting_date"));
  bool dueFromLastReview = false;
  auto nextDeadlines = next->getArray("deadlines");
  for (size_t i = 0; i < nextDeadlines->size(); ++i) {
    auto dl = nextDeadlines->getObject(static_cast<unsigned>(i));
    if (dl->getValue<std::string>("id") == "review_due")
      dueFromLastReview =
          dl->getValue<std::string>("label").find("of the last review") != std::string::npos;
  }
  CHECK(dueFromLastReview);
}

TEST_CASE("another academy's plans are 404 on every plan route", "[web][plans]") {
  Demo d;
  auto c = d.senco();
  auto foreign = d.plans("", "", Demo::kHill);
  REQUIRE_FALSE(foreign.empty());
  for (const auto& p : foreign) {
    auto id = std::to_string(p->getValue<int64_t>("id"));
    INFO("plan " << id);
    REQUIRE(c.get("/plans/" + id).status == 404);
    REQUIRE(c.get("/plans/" + id + "/history").status == 404);
    REQUIRE(c.get("/plans/" + id + "/diff?from=1&to=2").status == 404);
    REQUIRE(c.postForm("/plans/" + id, {{"csrf", c.csrf}, {"base_version", "1"}}).status == 404);
    REQUIRE(c.postForm("/plans/" + id + "/transitions/start_review", {{"csrf", c.csrf}}).status ==
            404);
    REQUIRE(c.postForm("/plans/" + id + "/signers", {{"csrf", c.csrf}, {"slot", "senco"}}).status ==
            404);
    REQUIRE(c.get("/api/v1/plans/" + id).status == 404);
    REQUIRE(patchValues(c, p->getValue<int64_t>("id"), 1, Poco::JSON::Object()).status == 404);
    REQUIRE(fire(c, p->getValue<int64_t>("id"), "trigger_review").status == 404);
    REQUIRE(c.get("/api/v1/plans/" + id + "/versions").status == 404);
  }
  auto mine = c.get("/api/v1/plans").json()->getArray("plans");
  for (size_t i = 0; i < mine->size(); ++i)
    REQUIRE(mine->getObject(static_cast<unsigned>(i))->getValue<int64_t>("academy_id") ==
            d.firstAcademy());
  // Launching for another academy's pupil is 404 too.
  REQUIRE(
      c.postJson("POST", "/api/v1/plans",
                 "{\"pupil_id\":" + std::to_string(d.foreignPupils.front()) + ",\"type\":\"peep\"}")
          .status == 404);
}

TEST_CASE("values are never truncated: too long is 422, script is stored exactly and shown escaped",
          "[web][plans]") {
  Demo d;
  auto c = d.senco();
  auto drafts = d.plans("risk_assessment", "draft", Demo::kOak);
  REQUIRE_FALSE(drafts.empty());
  const int64_t id = drafts.front()->getValue<int64_t>("id");
  auto plan = getPlan(c, id);
  const int version = plan->getValue<int>("version");
  Poco::JSON::Object big;
  big.set("pupil_views", std::string(70 * 1024, 'a'));
  auto r = patchValues(c, id, version, big);
  REQUIRE(r.status == 422);
  REQUIRE(r.body.find("pupil_views") != std::string::npos);
  Poco::JSON::Object wrongType;
  wrongType.set("assessment_date", 42);
  r = patchValues(c, id, version, wrongType);
  REQUIRE(r.status == 422);
  REQUIRE(r.body.find("assessment_date") != std::string::npos);
  REQUIRE(getPlan(c, id)->getValue<int>("version") == version);

  const std::string nasty = "<script>alert(1)</script> \"Zoë\" & <b>Łukasz</b>";
  Poco::JSON::Object ok;
  ok.set("views_gathered", "conversation");  // the question is asked only then
  ok.set("pupil_views", nasty);
  r = patchValues(c, id, version, ok);
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(getPlan(c, id)->getObject("values")->getValue<std::string>("pupil_views") == nasty);
  auto page = c.get("/plans/" + std::to_string(id));
  REQUIRE(page.body.find("<script>alert(1)") == std::string::npos);
  REQUIRE(page.body.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  // Malformed JSON and wrong shapes are 400 / 422, never 5xx.
  REQUIRE(c.postJson("PATCH", "/api/v1/plans/" + std::to_string(id), "{\"base_version\":").status ==
          400);
  REQUIRE(c.postJson("PATCH", "/api/v1/plans/" + std::to_string(id),
                     "{\"base_version\":\"x\",\"values\":{}}")
              .status == 422);
  REQUIRE(c.postJson("PATCH", "/api/v1/plans/" + std::to_string(id),
                     "{\"base_version\":1,\"values\":[]}")
              .status == 422);
}

TEST_CASE("the editor works by plain form posts: errors keep the answers, stale saves show a merge",
          "[web][plans]") {
  Demo d;
  auto c = d.senco();
  auto drafts = d.plans("peep", "draft", "");
  auto academy = drafts.front()->getValue<std::string>("academy");
  auto s = d.signedIn("senco", academy);
  const auto id = std::to_string(drafts.front()->getValue<int64_t>("id"));
  auto page = s.get("/plans/" + id);
  REQUIRE(page.status == 200);
  REQUIRE(page.body.find("name=\"f.why_needed\"") != std::string::npos);
  const std::string base = Client::hiddenValue(page.body, "base_version");

  // A bad date: 422, summary, and the typed answer is still there.
  auto bad = s.postForm("/plans/" + id, {{"csrf", s.csrf},
                                         {"base_version", base},
                                         {"f.why_needed", "Typed answer kept"},
                                         {"f.last_drill", "2026-02-30"}});
  REQUIRE(bad.status == 422);
  REQUIRE(bad.body.find("There is a problem") != std::string::npos);
  REQUIRE(bad.body.find("Typed answer kept") != std::string::npos);

  auto ok = s.postForm(
      "/plans/" + id,
      {{"csrf", s.csrf}, {"base_version", base}, {"f.why_needed", "Uses a walking frame"}});
  REQUIRE(ok.status == 303);
  auto after = s.get(ok.headers["Location"]);
  REQUIRE(after.body.find("Uses a walking frame") != std::string::npos);

  // Someone saving from the old page: 409 with what changed, and their answer kept.
  auto stale =
      s.postForm("/plans/" + id,
                 {{"csrf", s.csrf}, {"base_version", base}, {"f.why_needed", "My stale edit"}});
  REQUIRE(stale.status == 409);
  REQUIRE(stale.body.find("Someone else changed this plan") != std::string::npos);
  REQUIRE(stale.body.find("Uses a walking frame") != std::string::npos);
  REQUIRE(stale.body.find("My stale edit") != std::string::npos);

  // History and a readable diff.
  auto history = s.get("/plans/" + id + "/history");
  REQUIRE(history.body.find("Version") != std::string::npos);
  int v = std::stoi(Client::hiddenValue(after.body, "base_version"));
  auto diff =
      s.get("/plans/" + id + "/diff?from=" + std::to_string(v - 1) + "&to=" + std::to_string(v));
  REQUIRE(diff.status == 200);
  REQUIRE(diff.body.find("Uses a walking frame") != std::string::npos);
  REQUIRE(s.get("/plans/" + id + "/diff?from=1&to=999").status == 404);
}

// Every '<a href="#x">' inside the element that opens with `opening`, and whether the page has an
// element with id "x".
std::vector<std::pair<std::string, bool>> linksIn(const std::string& html,
                                                  const std::string& opening) {
  std::vector<std::pair<std::string, bool>> out;
  auto at = html.find(opening);
  if (at == std::string::npos) return out;
  const auto end = html.find("</ul>", at);
  for (auto h = html.find("href=\"#", at); h != std::string::npos && h < end;
       h = html.find("href=\"#", h + 1)) {
    const auto from = h + 7;
    const std::string id = html.substr(from, html.find('"', from) - from);
    out.emplace_back(id, html.find("id=\"" + id + "\"") != std::string::npos);
  }
  return out;
}

TEST_CASE("a hidden answer neither blocks a save nor reaches the plan", "[web][plans]") {
  Demo d;
  auto drafts = d.plans("peep", "draft", "");
  auto academy = drafts.front()->getValue<std::string>("academy");
  auto s = d.signedIn("senco", academy);
  const auto planId = drafts.front()->getValue<int64_t>("id");
  const auto id = std::to_string(planId);
  const std::string base = Client::hiddenValue(s.get("/plans/" + id).body, "base_version");

  // Yes reveals the end date; a date that is not real is refused, by its own words.
  auto bad = s.postForm("/plans/" + id, {{"csrf", s.csrf},
                                         {"base_version", base},
                                         {"f.temporary", "yes"},
                                         {"f.temporary_until", "2026-02-30"}});
  REQUIRE(bad.status == 422);
  CHECK(bad.body.find("The expected end date must be a real date") != std::string::npos);
  CHECK(bad.body.find("href=\"#f-temporary_until\"") != std::string::npos);

  // No hides it: the same date, still posted by the page, neither blocks the save nor is kept.
  auto ok = s.postForm("/plans/" + id, {{"csrf", s.csrf},
                                        {"base_version", base},
                                        {"f.temporary", "no"},
                                        {"f.temporary_until", "2026-02-30"}});
  REQUIRE(ok.status == 303);
  auto values = getPlan(s, planId)->getObject("values");
  CHECK_FALSE(values->getValue<bool>("temporary"));
  CHECK_FALSE(values->has("temporary_until"));
  // The JSON API drops it the same way.
  Poco::JSON::Object patch;
  patch.set("temporary_until", "2020-01-01");
  auto patched = patchValues(s, planId, getPlan(s, planId)->getValue<int>("version"), patch);
  REQUIRE(patched.status == 200);
  CHECK_FALSE(getPlan(s, planId)->getObject("values")->has("temporary_until"));
  // ... and says so: nothing is dropped in silence.
  CHECK(patched.body.find("Expected end date") != std::string::npos);
  CHECK(patched.body.find("was not kept: the other answers do not ask this question") !=
        std::string::npos);
}

TEST_CASE("every error link of the editor reaches an input, and no message glues a question in",
          "[web][plans]") {
  Demo d;
  auto drafts = d.plans("peep", "draft", "");
  auto academy = drafts.front()->getValue<std::string>("academy");
  auto s = d.signedIn("senco", academy);
  const auto planId = drafts.front()->getValue<int64_t>("id");
  const auto id = std::to_string(planId);
  // Unanswered: a radio group, a checkbox group, a table and a long text.
  Poco::JSON::Object clear;
  for (const char* f : {"temporary", "alert_methods", "routes", "why_needed"})
    clear.set(f, Poco::Dynamic::Var());
  auto page = s.get("/plans/" + id);
  const int base = std::stoi(Client::hiddenValue(page.body, "base_version"));
  REQUIRE(patchValues(s, planId, base, clear).status == 200);
  page = s.get("/plans/" + id);
  REQUIRE(page.status == 200);
  for (const char* message :
       {"Select if this is a temporary need", "Select how the pupil is alerted",
        "Enter why the pupil needs a PEEP", "Add at least 1 row to the routes from each room"}) {
    INFO(message);
    CHECK(page.body.find(message) != std::string::npos);
  }
  auto missing = linksIn(page.body, "id=\"missing-title\"");
  CHECK(missing.size() >= 4);
  for (const auto& [target, exists] : missing) {
    INFO("Still to complete links to #" << target);
    CHECK(exists);
  }
  // A failed save: every link of the error summary reaches an input too.
  auto bad = s.postForm("/plans/" + id, {{"csrf", s.csrf},
                                         {"base_version", std::to_string(base + 1)},
                                         {"f.last_drill", "2026-02-30"},
                                         {"f.routes.0.location", std::string("a") + '\x01' + "b"},
                                         {"rows.routes", "1"}});
  REQUIRE(bad.status == 422);
  auto summary = linksIn(bad.body, "id=\"error-summary-title\"");
  CHECK(summary.size() == 2);
  for (const auto& [target, exists] : summary) {
    INFO("the error summary links to #" << target);
    CHECK(exists);
  }
}

TEST_CASE("a trust's own document type works end to end with no code change", "[web][plans]") {
  testing::TempDir defs;
  std::string forms = defs.path() + "/forms", workflows = defs.path() + "/workflows";
  Poco::File(SENDFLOW_SOURCE_ROOT "/forms").copyTo(forms);
  Poco::File(SENDFLOW_SOURCE_ROOT "/workflows").copyTo(workflows);
  Poco::File(forms + "/trip_plan").createDirectories();
  std::ofstream(forms + "/trip_plan/form.json") << R"({
    "type": "trip_plan", "title": "Educational visit plan", "version": 1,
    "sections": [
      {"id": "visit", "title": "The visit", "fields": [
        {"id": "pupil_name", "label": "Pupil", "kind": "text", "prefill": "pupil.legal_name", "readonly": true, "required": true},
        {"id": "destination", "label": "Where", "kind": "text", "required": true, "max_length": 200},
        {"id": "date", "label": "Date of the visit", "kind": "date", "required": true, "after": "today"},
        {"id": "needs_transport", "label": "Needs accessible transport", "kind": "yes_no", "required": true},
        {"id": "transport", "label": "Transport booked", "kind": "text", "required": true,
         "visible_when": {"field": "needs_transport", "equals": true}}]},
      {"id": "pupil_views", "title": "What the pupil thinks", "pupil_voice": true, "fields": [
        {"id": "views", "label": "In their own words", "kind": "long_text"}]}]})";
  std::ofstream(workflows + "/trip_plan.json") << R"({
    "type": "trip_plan", "title": "Educational visit plan", "form": "trip_plan", "version": 1,
    "initial": "draft",
    "states": [{"name": "draft", "editable": true}, {"name": "awaiting_signatures", "signing": true},
               {"name": "active", "active": true}, {"name": "withdrawn", "final": true}],
    "transitions": [
      {"name": "send_for_signature", "from": "draft", "to": "awaiting_signatures", "roles": ["senco"],
       "guards": ["form_complete", "signers_assigned"]},
      {"name": "all_signed", "from": "awaiting_signatures", "to": "active", "auto": "all_required_signed",
       "actions": ["schedule_review"]},
      {"name": "withdraw", "from": ["draft", "awaiting_signatures", "active"], "to": "withdrawn", "roles": ["senco"]}],
    "signers": [{"role": "senco", "label": "SENCO", "kind": "senco", "required": true},
                {"role": "parent_carer", "label": "Parent or carer", "kind": "parent_carer", "required": true}],
    "review": {"every": "P3M", "remind": ["P7D"], "overdue_every": "P7D", "recipients": ["senco"]},
    "retention": {"from": "date_of_birth", "keep": "P31Y"}})";

  Demo d({{"SENDFLOW_FORMS_DIR", forms}, {"SENDFLOW_WORKFLOWS_DIR", workflows}});
  auto c = d.senco();
  auto pupilId = d.ownPupils.front();
  auto r = c.postJson("POST", "/api/v1/plans",
                      "{\"pupil_id\":" + std::to_string(pupilId) + ",\"type\":\"trip_plan\"}");
  INFO(r.body);
  REQUIRE(r.status == 201);
  const int64_t id = r.json()->getValue<int64_t>("id");
  auto page = c.get("/plans/" + std::to_string(id));
  REQUIRE(page.body.find("Educational visit plan") != std::string::npos);
  REQUIRE(page.body.find("Needs accessible transport") != std::string::npos);
  Poco::JSON::Object v;
  v.set("destination", "Science Museum");
  v.set("date", engine::isoDate(
                    engine::Date{std::chrono::sys_days{engine::dateOf(web::SystemClock().now())} +
                                 std::chrono::days(30)}));
  v.set("needs_transport", true);
  r = patchValues(c, id, 1, v);
  REQUIRE(r.status == 200);
  REQUIRE(toJson(r.json()->get("missing")).find("transport") !=
          std::string::npos);  // conditional field now required
  v.set("transport", "Minibus with a lift, booked");
  r = patchValues(c, id, 2, v);
  REQUIRE(r.status == 200);
  REQUIRE(r.json()->getArray("missing")->size() == 0);
  REQUIRE(c.postJson("PUT", "/api/v1/plans/" + std::to_string(id) + "/signers/senco",
                     "{\"people\":[\"user:" + std::to_string(d.userId("senco")) + "\"]}")
              .status == 200);
  REQUIRE(c.postJson("PUT", "/api/v1/plans/" + std::to_string(id) + "/signers/parent_carer",
                     "{\"people\":[\"" + personFor("parent_carer", d, c, pupilId) + "\"]}")
              .status == 200);
  r = fire(c, id, "send_for_signature");
  REQUIRE(r.status == 200);
  REQUIRE(r.json()->getValue<std::string>("state") == "awaiting_signatures");
}

TEST_CASE("a trust's own workflow gives its states' colours and warnings by data, not names",
          "[web][plans]") {
  testing::TempDir defs;
  std::string forms = defs.path() + "/forms", workflows = defs.path() + "/workflows";
  Poco::File(SENDFLOW_SOURCE_ROOT "/forms").copyTo(forms);
  Poco::File(SENDFLOW_SOURCE_ROOT "/workflows").copyTo(workflows);
  // A first state that needs attention (red, though editable), a destructive transition named
  // unlike "withdraw", and a "withdraw" that is not destructive.
  std::ofstream(workflows + "/evac_notes.json") << R"({
    "type": "evac_notes", "title": "Evacuation notes", "form": "peep", "version": 1,
    "initial": "jotting",
    "states": [{"name": "jotting", "label": "Jotting", "editable": true, "tone": "attention"},
               {"name": "in_force", "active": true}, {"name": "binned", "final": true}],
    "transitions": [
      {"name": "adopt", "label": "Adopt", "from": "jotting", "to": "in_force", "roles": ["senco"]},
      {"name": "bin", "label": "Bin these notes", "from": ["jotting", "in_force"], "to": "binned",
       "roles": ["senco"], "destructive": true},
      {"name": "withdraw", "label": "Put aside", "from": "in_force", "to": "binned",
       "roles": ["senco"]}],
    "signers": [{"role": "senco", "label": "SENCO", "kind": "senco", "required": true}],
    "review": {"every": "P12M", "remind": ["P7D"], "recipients": ["senco"]},
    "retention": {"from": "date_of_birth", "keep": "P31Y"}})";

  Demo d({{"SENDFLOW_FORMS_DIR", forms}, {"SENDFLOW_WORKFLOWS_DIR", workflows}});
  auto c = d.senco();
  auto r = c.postJson(
      "POST", "/api/v1/plans",
      "{\"pupil_id\":" + std::to_string(d.ownPupils.front()) + ",\"type\":\"evac_notes\"}");
  INFO(r.body);
  REQUIRE(r.status == 201);
  const std::string path = "/plans/" + std::to_string(r.json()->getValue<int64_t>("id"));
  auto page = c.get(path);
  REQUIRE(page.status == 200);
  CHECK(page.body.find(R"(<span class="tag red">Jotting</span>)") != std::string::npos);
  CHECK(page.body.find(R"(class="button warning">Bin these notes</button>)") != std::string::npos);
  CHECK(page.body.find(R"(class="button secondary">Adopt</button>)") != std::string::npos);
  REQUIRE(fire(c, r.json()->getValue<int64_t>("id"), "adopt").status == 200);
  page = c.get(path);
  CHECK(page.body.find(R"(<span class="tag green">in_force</span>)") != std::string::npos);
  CHECK(page.body.find(R"(class="button secondary">Put aside</button>)") != std::string::npos);
}

TEST_CASE("a plan keeps the template version it was launched with", "[web][plans]") {
  testing::TempDir defs;
  std::string forms = defs.path() + "/forms", workflows = defs.path() + "/workflows";
  Poco::File(SENDFLOW_SOURCE_ROOT "/forms").copyTo(forms);
  Poco::File(SENDFLOW_SOURCE_ROOT "/workflows").copyTo(workflows);
  std::map<std::string, std::string> env{{"SENDFLOW_FORMS_DIR", forms},
                                         {"SENDFLOW_WORKFLOWS_DIR", workflows}};
  testing::Server server(env);
  auto demo = server.seedDemo();
  server.start();
  Client c = server.client();
  REQUIRE(c.login("senco@oakfield.example", "oakfield-senco-demo").status == 303);
  auto pupils = c.get("/api/v1/pupils").json()->getArray("pupils");
  auto pupilId = pupils->getObject(0)->getValue<int64_t>("id");
  auto r = c.postJson("POST", "/api/v1/plans",
                      "{\"pupil_id\":" + std::to_string(pupilId) + ",\"type\":\"peep\"}");
  const int64_t oldPlan = r.json()->getValue<int64_t>("id");
  auto before = getPlan(c, oldPlan);
  server.stop();

  // The trust adds a required question and bumps the template's version.
  std::string text = read(forms + "/peep/form.json");
  auto parsed = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
  parsed->set("version", parsed->getValue<int>("version") + 1);
  auto sections = parsed->getArray("sections");
  Poco::JSON::Object::Ptr extra = new Poco::JSON::Object;
  extra->set("id", "fire_marshal_phone");
  extra->set("label", "Fire marshal's phone number");
  extra->set("kind", "text");
  extra->set("required", true);
  sections->getObject(1)->getArray("fields")->add(extra);
  std::ofstream(forms + "/peep/form.json") << toJson(parsed);

  server.start();
  Client c2 = server.client();
  REQUIRE(c2.login("senco@oakfield.example", "oakfield-senco-demo").status == 303);
  auto after = getPlan(c2, oldPlan);
  REQUIRE(after->getValue<int>("form_version") == before->getValue<int>("form_version"));
  REQUIRE(toJson(after->get("missing")).find("fire_marshal_phone") == std::string::npos);
  REQUIRE(c2.get("/plans/" + std::to_string(oldPlan)).body.find("Fire marshal") ==
          std::string::npos);
  r = c2.postJson("POST", "/api/v1/plans",
                  "{\"pupil_id\":" + std::to_string(pupilId) + ",\"type\":\"peep\"}");
  auto fresh = getPlan(c2, r.json()->getValue<int64_t>("id"));
  REQUIRE(fresh->getValue<int>("form_version") == before->getValue<int>("form_version") + 1);
  REQUIRE(toJson(fresh->get("missing")).find("fire_marshal_phone") != std::string::npos);
}

TEST_CASE("a broken definition stops start-up naming the file and the JSON path", "[web][plans]") {
  testing::TempDir defs;
  std::string forms = defs.path() + "/forms", workflows = defs.path() + "/workflows";
  Poco::File(SENDFLOW_SOURCE_ROOT "/forms").copyTo(forms);
  Poco::File(SENDFLOW_SOURCE_ROOT "/workflows").copyTo(workflows);
  std::string text = read(workflows + "/peep.json");
  auto at = text.find("\"to\": \"active\"");
  REQUIRE(at != std::string::npos);
  text.replace(at, std::string("\"to\": \"active\"").size(), "\"to\": \"actve\"");
  std::ofstream(workflows + "/peep.json") << text;
  testing::Server server({{"SENDFLOW_FORMS_DIR", forms}, {"SENDFLOW_WORKFLOWS_DIR", workflows}});
  auto r = server.run({"serve"});
  REQUIRE(r.exitCode != 0);
  REQUIRE(r.err.find("peep.json") != std::string::npos);
  REQUIRE(r.err.find("$.transitions[") != std::string::npos);
  REQUIRE(r.err.find("actve") != std::string::npos);
}

TEST_CASE("the running server moves a plan whose review date has passed to review due",
          "[web][plans][slow]") {
  testing::Server server;
  auto demo = server.seedDemo();
  int64_t plan = 0;
  auto plans = demo->getArray("plans");
  for (size_t i = 0; i < plans->size() && !plan; ++i) {
    auto p = plans->getObject(static_cast<unsigned>(i));
    if (p->getValue<std::string>("state") == "active" &&
        p->getValue<std::string>("type") == "intimate_care")
      plan = p->getValue<int64_t>("id");
  }
  REQUIRE(plan != 0);
  const std::string db = server.home() + "/sendflow.db";
  auto stateOf = [&] {
    storage::Database d(db);
    storage::Statement st(d, "SELECT state FROM plan WHERE id=?");
    st.bind(1, plan);
    return st.step() ? st.getText(0) : std::string();
  };
  {
    storage::Database d(db);
    d.exec("UPDATE plan SET review_date=date('now','-1 day') WHERE id=" + std::to_string(plan));
  }
  REQUIRE(stateOf() == "active");
  server.start();  // the scheduler's first pass runs at start-up
  std::string state;
  for (int i = 0; i < 100 && (state = stateOf()) != "review_due"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(state == "review_due");
  storage::Database d(db);
  storage::Statement st(d,
                        "SELECT actor FROM audit_event WHERE subject_type='plan' AND subject_id=? "
                        "AND action='plan.transition' "
                        "ORDER BY id DESC LIMIT 1");
  st.bind(1, plan);
  REQUIRE(st.step());
  CHECK(st.getText(0) == "system:scheduler");
}

TEST_CASE("a review is due soon from 30 days before its date, the same on the pages and the API",
          "[web][plans]") {
  Demo d;
  auto c = d.senco();
  auto active = d.plans("", "active", Demo::kOak);
  REQUIRE_FALSE(active.empty());
  const int64_t plan = active.front()->getValue<int64_t>("id");
  const std::string db = d.server.home() + "/sendflow.db";
  auto reviewIn = [&](int days) {
    storage::Database database(db);
    database.exec("UPDATE plan SET review_date=date('now','" + std::to_string(days) +
                  " day') WHERE id=" + std::to_string(plan));
  };
  auto apiStatus = [&] {
    auto r = c.get("/api/v1/plans/" + std::to_string(plan));
    REQUIRE(r.status == 200);
    return r.json()->getValue<std::string>("review_status");
  };
  auto page = [&] { return c.get("/plans/" + std::to_string(plan)).body; };
  reviewIn(31);
  CHECK(apiStatus() == "not_yet");
  CHECK(page().find("Due in 31 days") == std::string::npos);
  reviewIn(30);
  CHECK(apiStatus() == "due_soon");
  CHECK(page().find("Due in 30 days") != std::string::npos);
  reviewIn(-2);
  CHECK(apiStatus() == "overdue");
  CHECK(page().find("Overdue by 2 days") != std::string::npos);
  auto listed = c.get("/api/v1/plans").json()->getArray("plans");
  bool found = false;
  for (size_t i = 0; i < listed->size(); ++i) {
    auto p = listed->getObject(static_cast<unsigned>(i));
    if (p->getValue<int64_t>("id") != plan) continue;
    found = true;
    CHECK(p->getValue<std::string>("review_status") == "overdue");
  }
  CHECK(found);
}

namespace {

// The editor's part of a plan page: from its first section to the end of its last.
std::string sectionsOf(const std::string& html) {
  const auto from = html.find("<section class=\"plan-section");
  const auto last = html.rfind("<section class=\"plan-section");
  const auto to = last == std::string::npos ? last : html.find("</section>", last);
  if (from == std::string::npos || to == std::string::npos) return "";
  return html.substr(from, to + 10 - from);
}

}  // namespace

// The editor's sections are rendered once and reused (pages/plan_form.h, editorHtml): the page
// around them stays each viewer's own, and any change they show is shown at the next read.
TEST_CASE(
    "a plan page reused across readers stays each reader's own and shows every change at once",
    "[web][plans][page]") {
  Demo d;
  auto api = d.senco();
  auto senco = d.signedIn("senco");
  auto teacher = d.signedIn("staff");
  REQUIRE(!senco.csrf.empty());
  REQUIRE(!teacher.csrf.empty());
  REQUIRE(senco.csrf != teacher.csrf);

  // A draft whose form names a pupil's contact (healthcare plan: health lead), for a pupil with
  // an active contact.
  int64_t pupilId = 0, contactId = 0;
  std::string contactName;
  for (const int64_t p : d.ownPupils) {
    auto pupil = api.get("/api/v1/pupils/" + std::to_string(p)).json();
    auto contacts = pupil->getArray("contacts");
    for (size_t i = 0; contacts && i < contacts->size() && !contactId; ++i) {
      auto c = contacts->getObject(static_cast<unsigned>(i));
      if (!c->getValue<bool>("active")) continue;
      pupilId = p;
      contactId = c->getValue<int64_t>("id");
      contactName = c->getValue<std::string>("name");
    }
    if (contactId) break;
  }
  REQUIRE(contactId);
  auto launched =
      api.postJson("POST", "/api/v1/plans",
                   "{\"pupil_id\":" + std::to_string(pupilId) + ",\"type\":\"healthcare_plan\"}");
  REQUIRE(launched.status == 201);
  const std::string path = "/plans/" + std::to_string(launched.json()->getValue<int64_t>("id"));

  // Two readers, twice each: the same editor, each page with its reader's own token only.
  std::string first;
  for (int round = 0; round < 2; ++round)
    for (auto* reader : {&senco, &teacher}) {
      auto page = reader->get(path);
      REQUIRE(page.status == 200);
      CHECK(Client::hiddenValue(page.body, "csrf") == reader->csrf);
      const auto& other = reader == &senco ? teacher : senco;
      CHECK(page.body.find(other.csrf) == std::string::npos);
      const std::string sections = sectionsOf(page.body);
      REQUIRE(sections.find("name=\"f.health_lead\"") != std::string::npos);
      REQUIRE(sections.find(">" + contactName + " (") != std::string::npos);
      if (first.empty()) first = sections;
      CHECK(sections == first);
    }

  // What is still missing comes from the stored values' check, kept per version
  // (PlanService::checkedValues): each read of version 1 lists the empty required answer.
  for (int round = 0; round < 2; ++round)
    CHECK(senco.get(path).body.find("<a href=\"#f-symptoms\">") != std::string::npos);

  // A new version: its answer is on the next read, and version 1 is shown read-only.
  const std::string base = Client::hiddenValue(senco.get(path).body, "base_version");
  auto saved = senco.postForm(
      path,
      {{"csrf", senco.csrf}, {"base_version", base}, {"f.symptoms", "Saved between two reads"}});
  REQUIRE(saved.status == 303);
  for (auto* reader : {&teacher, &senco}) {
    const std::string sections = sectionsOf(reader->get(path).body);
    CHECK(sections.find("Saved between two reads") != std::string::npos);
    CHECK(sections.find("name=\"f.health_lead\"") != std::string::npos);
  }
  const std::string missingAfter = senco.get(path).body;
  CHECK(missingAfter.find("Still to complete before sending for signature") != std::string::npos);
  CHECK(missingAfter.find("<a href=\"#f-symptoms\">") == std::string::npos);
  const std::string old = sectionsOf(senco.get(path + "?version=1").body);
  CHECK(old.find("Saved between two reads") == std::string::npos);
  CHECK(old.find("name=\"f.") == std::string::npos);  // an old version is never edited

  // The contact renamed: the next read names them anew.
  auto renamed = api.postJson("PATCH", "/api/v1/contacts/" + std::to_string(contactId),
                              "{\"name\":\"Renamed Between Reads\"}");
  REQUIRE(renamed.status == 200);
  const std::string after = sectionsOf(teacher.get(path).body);
  CHECK(after.find(">Renamed Between Reads (") != std::string::npos);  // the option's label
  CHECK(after.find(">" + contactName + " (") == std::string::npos);
}
