// E-signature rules, in process on a real SQLite store with a settable clock: token reuse and
// expiry, sequential order, void on recall, decline, replacement, the emailed code's lockout,
// drawn-signature checks, sealing and `verify`.
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "app/app.h"
#include "app/config.h"
#include "mail/mail.h"
#include "pages/documents.h"
#include "sendflow/engine/core/audit_anchor.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/documents/plan_document.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/forms/sample_values.h"
#include "sendflow/engine/plans/lifecycle.h"
#include "support/temp_dir.h"
#include "test_settings.h"

namespace sendflow::web {
int runDemo(App& app, engine::FixedClock& clock, bool json, std::ostream& out);  // web/cli/demo.h
}

using namespace sendflow;
using engine::Id;

namespace {

struct World {
  testing::TempDir home;
  engine::FixedClock clock{engine::fromUnix(1780000000)};  // 2026-05-28
  std::unique_ptr<web::App> app;
  engine::Actor senco, head, teacher;

  explicit World(bool requireCode = false, const std::string& workflowsDir = "") {
    web::Settings settings = testing::settingsFor(home.path());
    if (!workflowsDir.empty()) settings.workflowsDir = workflowsDir;
    settings.signing.requireCode = requireCode;
    app = std::make_unique<web::App>(std::move(settings), clock, Poco::Logger::get("esign-test"),
                                     false);
    std::ostringstream out;
    web::runDemo(*app, clock, true, out);
    senco = actor("senco@oakfield.example");
    head = actor("head@oakfield.example");
    teacher = actor("teacher@oakfield.example");
  }
  engine::Actor actor(const std::string& email) {
    return app->auth().actorFor(*app->peopleRepository().userByEmail(email));
  }
  engine::SignatureService& sig() { return app->signatures(); }

  std::vector<engine::Pupil> pupils() {
    auto ps =
        app->peopleRepository().pupils({{senco.memberships.front().academyId}, "", false, 100});
    std::sort(ps.begin(), ps.end(), [](auto& a, auto& b) { return a.id < b.id; });
    return ps;
  }

  // Launches, fills and sends a plan with every required signer assigned.
  Id sent(const std::string& type, size_t pupilIndex) {
    auto pupil = pupils().at(pupilIndex);
    auto id = app->plans().launch(senco, pupil.id, type);
    REQUIRE(id);
    auto v = app->plans().open(senco, id.value());
    std::map<std::string, Poco::Dynamic::Var> given;
    if (type == "peep") given["temporary"] = false;
    auto values =
        engine::sampleValues(*v->form, *v->values, v->pupil, engine::dateOf(clock.now()),
                             {"user:" + std::to_string(senco.userId), {"review_date"}, given});
    REQUIRE(app->plans().save(senco, id.value(), 1, *values));
    auto view = app->plans().open(senco, id.value());
    std::set<std::string> involved;
    for (const auto& c : app->peopleRepository().contacts(pupil.id))
      involved.insert(engine::contactKindName(c.kind));
    for (const auto* slot : engine::requiredSigners(*view->workflow, involved)) {
      std::string ref;
      if (slot->kind == "senco")
        ref = "user:" + std::to_string(senco.userId);
      else if (slot->kind == "head" || slot->role == "premises_lead")
        ref = "user:" + std::to_string(head.userId);
      else if (slot->kind == "staff")
        ref = "user:" + std::to_string(teacher.userId);
      else
        for (const auto& c : app->peopleRepository().contacts(pupil.id))
          if (engine::contactKindName(c.kind) == slot->kind && ref.empty())
            ref = "contact:" + std::to_string(c.id);
      REQUIRE_FALSE(ref.empty());
      REQUIRE(app->plans().assignSigners(senco, id.value(), slot->role, {ref}));
    }
    auto fired = app->plans().fire(senco, id.value(), "send_for_signature", {});
    INFO((fired ? std::string() : fired.error().message));
    REQUIRE(fired);
    return id.value();
  }

  std::string mailData(Id planId, const char* kind, const std::string& email,
                       const std::string& key) {
    for (const auto& m : app->outbox().list("", 5000)) {
      if (m.planId != planId || m.kind != kind || m.toAddress != email) continue;
      auto o = Poco::JSON::Parser().parse(m.data).extract<Poco::JSON::Object::Ptr>();
      return o->optValue<std::string>(key, "");
    }
    return "";
  }
  // The message as sent (both parts, quoted-printable soft line breaks undone).
  std::string mailText(Id planId, const char* kind, const std::string& email) {
    for (const auto& m : app->outbox().list("", 5000)) {
      if (m.planId != planId || m.kind != kind || m.toAddress != email) continue;
      std::ostringstream out;
      app->mail().compose(m, engine::parseEmailAddress(m.toAddress).value())->write(out);
      std::string text = out.str();
      for (auto at = text.find("=\r\n"); at != std::string::npos; at = text.find("=\r\n", at))
        text.erase(at, 3);
      return text;
    }
    return "";
  }
  std::string token(Id planId, const engine::SignatureRequest& r) {
    auto salt = mailData(planId, engine::mailkind::kSignInvite, r.email, "link_salt");
    return salt.empty() ? "" : sig().linkTokenFor(salt);
  }
  engine::SignatureRequest request(Id planId, const std::string& slot) {
    for (const auto& r : sig().requests(planId))
      if (r.slot == slot && r.state != "void" && r.state != "replaced") return r;
    FAIL("no request for " << slot);
    return {};
  }
  engine::SignInput typed(const std::string& name) {
    return {true, "typed", name, "", "203.0.113.9", "test agent"};
  }
  engine::Status signStaff(const engine::Actor& a, const engine::SignatureRequest& r) {
    return sig().sign({"", &a, r.id}, typed(a.name));
  }
  engine::Status signAll(Id planId) {
    for (int i = 0; i < 10; ++i) {
      bool any = false;
      for (const auto& r : sig().requests(planId)) {
        if ((r.state != "invited" && r.state != "opened") || !r.required || r.lastSentAt.empty())
          continue;
        any = true;
        engine::Status st = engine::Ok{};
        if (r.personRef.rfind("user:", 0) == 0) {
          auto u = app->peopleRepository().userById(std::stoll(r.personRef.substr(5)));
          st = signStaff(app->auth().actorFor(*u), r);
        } else
          st = sig().sign({token(planId, r), nullptr, 0}, typed(r.name));
        if (!st) return st;
        break;
      }
      if (!any) return engine::Ok{};
    }
    return engine::Ok{};
  }
  std::string state(Id planId) { return app->planRepository().plan(planId)->state; }
};

// The text of a PDF as pdftotext reads it (-raw: in drawing order), white space runs squashed.
std::string pdfText(const std::string& dir, const std::string& name, const std::string& bytes) {
  const std::string pdf = dir + "/" + name + ".pdf", txt = dir + "/" + name + ".txt";
  std::ofstream(pdf, std::ios::binary) << bytes;
  REQUIRE(std::system(
              ("/usr/bin/pdftotext -raw '" + pdf + "' '" + txt + "' 2>/dev/null").c_str()) == 0);
  std::ifstream in(txt);
  std::string out;
  bool space = false;
  for (char c; in.get(c);) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string pngBytes() {
  // A real 1×1 PNG.
  static const unsigned char png[] = {
      0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48,
      0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00,
      0x00, 0x3A, 0x7E, 0x9B, 0x55, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78,
      0x9C, 0x63, 0x60, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x48, 0xAF, 0xA4, 0x71, 0x00,
      0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82};
  return std::string(reinterpret_cast<const char*>(png), sizeof png);
}

}  // namespace

TEST_CASE("the demo's active plans are really signed and sealed, and verify holds",
          "[web][esign]") {
  World w;
  int sealed = 0;
  engine::PlanQuery q;
  for (const auto& a : w.app->peopleRepository().academies()) q.academyIds.push_back(a.id);
  for (const auto& p : w.app->planRepository().plans(q)) {
    auto s = w.sig().sealedFor(p.id);
    if (!s) continue;
    ++sealed;
    auto sigs = w.sig().signatures(p.id, false);
    CHECK_FALSE(sigs.empty());
    std::ifstream in(s->path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    auto v = w.sig().verify(bytes);
    INFO(v.message);
    CHECK(v.ok());
  }
  CHECK(sealed >= 4);
}

TEST_CASE("a contact's link signs once, reuse is refused, the last signature seals",
          "[web][esign]") {
  World w;
  Id plan = w.sent("healthcare_plan", 2);  // pupil 3 has a physiotherapist
  CHECK(w.state(plan) == "awaiting_signatures");
  auto parent = w.request(plan, "parent_carer");
  std::string token = w.token(plan, parent);
  REQUIRE(token.size() == 43);
  auto opened = w.sig().open({token, nullptr, 0}, "203.0.113.9");
  REQUIRE(opened);
  CHECK(opened->request.contentHash == opened->plan.version.contentHash);
  CHECK(w.request(plan, "parent_carer").state == "opened");
  REQUIRE(w.sig().sign({token, nullptr, 0}, w.typed("Nguyễn Văn Minh")));
  auto again = w.sig().sign({token, nullptr, 0}, w.typed("Nguyễn Văn Minh"));
  REQUIRE_FALSE(again);
  CHECK(again.error().code == engine::ErrorCode::kGone);
  CHECK_FALSE(w.sig().open({token + "x", nullptr, 0}, ""));
  CHECK(w.sig().open({std::string(43, 'A'), nullptr, 0}, "").error().code ==
        engine::ErrorCode::kNotFound);
  REQUIRE(w.signAll(plan));
  CHECK(w.state(plan) == "active");
  auto s = w.sig().sealedFor(plan);
  REQUIRE(s);
  const std::string bytes = w.sig().sealedPdf(*s);
  CHECK(w.sig().verify(bytes).ok());
  // Every signer is told, with a link, never the PDF.
  // The parent's one link: the invitation's, now offering the sealed PDF.
  CHECK(w.mailData(plan, engine::mailkind::kSigned, parent.email, "link_salt") == parent.linkSalt);
  CHECK(w.mailText(plan, engine::mailkind::kSigned, parent.email)
            .find("/s/" + token + "/sealed.pdf") != std::string::npos);
  CHECK(w.sig().sealedForLink(token));
  // No stored row holds the link: the outbox has the salt, the request the token's hash.
  for (const auto& m : w.app->outbox().list("", 5000))
    CHECK(m.data.find(token) == std::string::npos);
  CHECK(w.request(plan, "parent_carer").tokenHash == engine::sha256Hex(token));
  // Altering the signed version in the database breaks verify.
  w.app->store().write([&](storage::Database& db) {
    storage::Statement st(db,
                          "UPDATE plan_version SET values_json=json_set(values_json, '$.tampered', "
                          "'yes') WHERE plan_id=? AND number=?");
    st.bind(1, plan).bind(2, s->version).run();
  });
  auto bad = w.sig().verify(bytes);
  CHECK_FALSE(bad.ok());
  CHECK(bad.sealValid);
  CHECK(bad.message.find("no longer matches") != std::string::npos);
}

TEST_CASE("links expire, the SENCO is told first and invitations are re-sent", "[web][esign]") {
  World w;
  Id plan = w.sent("healthcare_plan", 2);
  auto parent = w.request(plan, "parent_carer");
  std::string token = w.token(plan, parent);
  w.clock.advance(std::chrono::days(3) + std::chrono::hours(1));
  CHECK(w.sig().tick() >= 1);  // a reminder, carrying the link the parent already has
  auto reminded = w.request(plan, "parent_carer");
  CHECK(reminded.sends == 2);
  CHECK(w.token(plan, reminded) == token);
  CHECK(w.sig().open({token, nullptr, 0}, ""));  // the first email's link still opens
  w.clock.advance(std::chrono::days(9));
  w.sig().tick();
  CHECK(w.request(plan, "parent_carer").expiryWarned);
  token = w.token(plan, w.request(plan, "parent_carer"));
  w.clock.advance(std::chrono::days(3));
  auto late = w.sig().open({token, nullptr, 0}, "");
  REQUIRE_FALSE(late);
  CHECK(late.error().code == engine::ErrorCode::kGone);
  auto expired = w.request(plan, "parent_carer");
  CHECK(w.sig().displayState(expired) == "expired");
  // The SENCO sends the same link again, valid for another linkDays; nobody else may.
  CHECK(w.sig().renewLink(w.teacher, expired.id).error().code == engine::ErrorCode::kForbidden);
  REQUIRE(w.sig().renewLink(w.senco, expired.id));
  auto renewed = w.request(plan, "parent_carer");
  CHECK(renewed.sends == expired.sends + 1);
  CHECK(w.sig().displayState(renewed) != "expired");
  CHECK(w.token(plan, renewed) == token);
  CHECK(w.sig().open({token, nullptr, 0}, ""));
}

TEST_CASE("ordered slots sign in turn", "[web][esign]") {
  World w;
  Id plan = w.sent("risk_assessment", 1);
  auto headReq = w.request(plan, "head");
  auto early = w.signStaff(w.head, headReq);
  REQUIRE_FALSE(early);
  CHECK(early.error().code == engine::ErrorCode::kConflict);
  CHECK(early.error().message.find("not your turn") != std::string::npos);
  CHECK(w.request(plan, "parent_carer").lastSentAt.empty());  // not invited yet
  REQUIRE(w.signStaff(w.senco, w.request(plan, "assessor")));
  CHECK_FALSE(w.token(plan, w.request(plan, "parent_carer")).empty());
  REQUIRE(w.signStaff(w.head, w.request(plan, "head")));
}

TEST_CASE("recalling voids signatures, old links are gone, signers are asked again",
          "[web][esign]") {
  World w;
  Id plan = w.sent("healthcare_plan", 2);
  auto parent = w.request(plan, "parent_carer");
  std::string token = w.token(plan, parent);
  REQUIRE(w.signStaff(w.senco, w.request(plan, "senco")));
  REQUIRE(w.app->plans().fire(w.senco, plan, "recall", {"", "Correcting the medication dose"}));
  CHECK(w.state(plan) == "draft");
  auto all = w.sig().signatures(plan, true);
  REQUIRE(all.size() == 1);
  CHECK_FALSE(all.front().voidedAt.empty());
  CHECK(w.sig().signatures(plan, false).empty());
  auto gone = w.sig().sign({token, nullptr, 0}, w.typed("x"));
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == engine::ErrorCode::kGone);
  REQUIRE(w.app->plans().fire(w.senco, plan, "send_for_signature", {}));
  auto fresh = w.request(plan, "parent_carer");
  CHECK(fresh.id != parent.id);
  CHECK(fresh.state == "invited");
}

TEST_CASE("declining returns the plan to draft with the reason, and tells the SENCO",
          "[web][esign]") {
  World w;
  Id plan = w.sent("healthcare_plan", 2);
  auto parent = w.request(plan, "parent_carer");
  std::string token = w.token(plan, parent);
  auto noReason = w.sig().decline({token, nullptr, 0}, " ", "");
  CHECK(noReason.error().code == engine::ErrorCode::kInvalid);
  REQUIRE(w.sig().decline({token, nullptr, 0}, "The inhaler dose is wrong", "203.0.113.9"));
  CHECK(w.state(plan) == "draft");
  bool declined = false;
  for (const auto& r : w.sig().requests(plan))
    if (r.id == parent.id)
      declined = r.state == "declined" && r.stateReason == "The inhaler dose is wrong";
  CHECK(declined);
  auto events = w.app->auditLog().forSubject("plan", plan);
  CHECK(std::any_of(events.begin(), events.end(),
                    [](auto& e) { return e.action == "signature.declined"; }));
  bool notified = false;
  for (const auto& m : w.app->outbox().list("", 5000))
    if (m.planId == plan && m.kind == std::string("notice") && m.toAddress == w.senco.email)
      notified = true;
  CHECK(notified);
}

TEST_CASE("the SENCO replaces a signer, with a reason", "[web][esign]") {
  World w;
  Id plan = w.sent("intimate_care", 4);
  auto care = w.request(plan, "care_staff");
  CHECK(w.sig()
            .replaceSigner(w.teacher, care.id, "user:" + std::to_string(w.head.userId), "cover")
            .error()
            .code == engine::ErrorCode::kForbidden);
  CHECK(w.sig()
            .replaceSigner(w.senco, care.id, "user:" + std::to_string(w.head.userId), "")
            .error()
            .code == engine::ErrorCode::kInvalid);
  REQUIRE(w.sig().replaceSigner(w.senco, care.id, "user:" + std::to_string(w.head.userId),
                                "Absence cover"));
  auto now = w.request(plan, "care_staff");
  CHECK(now.personRef == "user:" + std::to_string(w.head.userId));
  CHECK_FALSE(w.signStaff(w.teacher, care));
  REQUIRE(w.signStaff(w.head, now));
}

TEST_CASE("a workflow can require the emailed code for its contacts alone", "[web][esign]") {
  testing::TempDir defs;
  for (const auto& e :
       std::filesystem::directory_iterator(std::string(SENDFLOW_SOURCE_ROOT) + "/workflows")) {
    std::ifstream in(e.path());
    std::string json((std::istreambuf_iterator<char>(in)), {});
    if (e.path().filename() == "healthcare_plan.json")
      json.insert(json.find('{') + 1, "\"require_code\": true,");
    std::ofstream(defs.path() + "/" + e.path().filename().string()) << json;
  }
  World w(false, defs.path());
  Id plan = w.sent("healthcare_plan", 2);
  auto parent = w.request(plan, "parent_carer");
  CHECK(parent.codeRequired);
  engine::SignerAccess who{w.token(plan, parent), nullptr, 0};
  CHECK(w.sig().sign(who, w.typed("x")).error().code == engine::ErrorCode::kForbidden);
  Id other = w.sent("intimate_care", 3);  // its workflow does not ask for a code
  CHECK_FALSE(w.request(other, "parent_carer").codeRequired);
}

TEST_CASE("an emailed code is required when configured, and five wrong codes lock the link",
          "[web][esign]") {
  World w(true);
  Id plan = w.sent("healthcare_plan", 2);
  auto parent = w.request(plan, "parent_carer");
  CHECK(parent.codeRequired);
  std::string token = w.token(plan, parent);
  engine::SignerAccess who{token, nullptr, 0};
  CHECK(w.sig().open(who, "")->needsCode);
  CHECK(w.sig().sign(who, w.typed("x")).error().code == engine::ErrorCode::kForbidden);
  REQUIRE(w.sig().sendCode(who));
  std::string code = w.mailData(plan, engine::mailkind::kSignCode, parent.email, "code");
  REQUIRE(code.size() == 6);
  std::string wrong = code == "000000" ? "111111" : "000000";
  for (int i = 1; i <= 4; ++i)
    CHECK(w.sig().checkCode(who, wrong).error().code == engine::ErrorCode::kInvalid);
  CHECK(w.sig().checkCode(who, wrong).error().code == engine::ErrorCode::kTooManyRequests);
  CHECK(w.sig().checkCode(who, code).error().code == engine::ErrorCode::kTooManyRequests);
  CHECK(w.sig().sendCode(who).error().code == engine::ErrorCode::kTooManyRequests);
}

TEST_CASE("a right code within ten minutes lets the signer sign, an old code is refused",
          "[web][esign]") {
  World w(true);
  Id plan = w.sent("healthcare_plan", 2);
  auto parent = w.request(plan, "parent_carer");
  engine::SignerAccess who{w.token(plan, parent), nullptr, 0};
  REQUIRE(w.sig().sendCode(who));
  std::string code = w.mailData(plan, engine::mailkind::kSignCode, parent.email, "code");
  w.clock.advance(std::chrono::minutes(11));
  CHECK(w.sig().checkCode(who, code).error().code == engine::ErrorCode::kGone);
  w.clock.advance(std::chrono::seconds(5));
  REQUIRE(w.sig().sendCode(who));
  code = w.mailData(plan, engine::mailkind::kSignCode, parent.email, "code");
  REQUIRE(w.sig().checkCode(who, code));
  REQUIRE(w.sig().sign(who, w.typed("Parent")));
}

TEST_CASE("drawn signatures must be real, small PNGs", "[web][esign]") {
  World w;
  Id plan = w.sent("healthcare_plan", 2);
  engine::SignerAccess who{w.token(plan, w.request(plan, "parent_carer")), nullptr, 0};
  engine::SignInput in{true, "drawn", "", "GIF89a not a png at all, really not", "", ""};
  CHECK(w.sig().sign(who, in).error().code == engine::ErrorCode::kInvalid);
  in.drawnPng = pngBytes() + std::string(300 * 1024, '\0');
  CHECK(w.sig().sign(who, in).error().code == engine::ErrorCode::kInvalid);
  in.drawnPng = pngBytes();
  in.consent = false;
  CHECK(w.sig().sign(who, in).error().code == engine::ErrorCode::kInvalid);
  in.consent = true;
  REQUIRE(w.sig().sign(who, in));
  auto s = w.sig().signatures(plan, false);
  REQUIRE(s.size() == 1);
  CHECK(s.front().method == "drawn");
  CHECK(s.front().drawnPng == pngBytes());
  CHECK(s.front().consentText == w.sig().settings().consentText);
}

TEST_CASE("a sealed PDF's audit certificate carries the week's anchor of the audit trail",
          "[web][esign][audit]") {
  World w;
  w.app->anchorAuditHead(false);  // the server's scheduler writes the week's anchor
  std::ifstream file(w.home.path() + "/audit.anchor");
  std::string line;
  REQUIRE(std::getline(file, line));
  auto anchor = engine::parseAnchorLine(line);
  REQUIRE(anchor.ok());
  Id plan = w.sent("healthcare_plan", 2);
  REQUIRE(w.signAll(plan));
  auto s = w.sig().sealedFor(plan);
  REQUIRE(s);
  const std::string pdf = w.home.path() + "/sealed-copy.pdf";
  std::ofstream(pdf, std::ios::binary) << w.sig().sealedPdf(*s);
  const std::string txt = w.home.path() + "/sealed-copy.txt";
  REQUIRE(std::system(
              ("/usr/bin/pdftotext -raw '" + pdf + "' '" + txt + "' 2>/dev/null").c_str()) == 0);
  std::ifstream in(txt);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  // The hash may be wrapped in the table cell, each piece but the last ending in a hyphen:
  // compare without those hyphens and without white space.
  for (auto at = text.find("-\n"); at != std::string::npos; at = text.find("-\n", at))
    text.erase(at, 2);
  text.erase(std::remove_if(text.begin(), text.end(), [](char c) { return std::isspace(c); }),
             text.end());
  INFO(text);
  CHECK(text.find("Audittrailanchor(weekly)") != std::string::npos);
  CHECK(text.find("event" + std::to_string(anchor->eventId) + "of28May2026," +
                  engine::anchorReference(*anchor)) != std::string::npos);
}

TEST_CASE("the sealed PDF of every type shows the review date the plan got when it became active",
          "[web][esign][pdf]") {
  World w;
  for (const auto& type : w.app->definitions().types()) {
    INFO(type);
    Id plan = w.sent(type, 2);
    REQUIRE(w.signAll(plan));
    REQUIRE(w.state(plan) == "active");
    auto record = w.app->planRepository().plan(plan);
    REQUIRE(record->reviewDate);
    const std::string due = engine::ukDate(*engine::parseIsoDate(*record->reviewDate));
    CHECK(std::regex_match(due, std::regex(R"(\d{1,2} [A-Z][a-z]+ 20\d\d)")));
    auto s = w.sig().sealedFor(plan);
    REQUIRE(s);
    const std::string text = pdfText(w.home.path(), type + "-sealed", w.sig().sealedPdf(*s));
    INFO(text);
    // The header's card ("Next review date" over its value) and the Review section's row.
    CHECK(text.find("Next review date " + due) != std::string::npos);
    CHECK(text.find("Review date " + due) != std::string::npos);
    CHECK(text.find("Next review date —") == std::string::npos);
  }
}

TEST_CASE("the plain PDF of a signed plan says who signed, when and how, and names the sealed copy",
          "[web][esign][pdf]") {
  World w;
  Id plan = w.sent("healthcare_plan", 2);
  auto parent = w.request(plan, "parent_carer");
  REQUIRE(w.sig().sign({w.token(plan, parent), nullptr, 0}, w.typed("Nguyễn Văn Minh")));
  auto plain = [&] {
    auto v = w.app->plans().open(w.senco, plan);
    REQUIRE(v);
    return pdfText(w.home.path(), "plain", web::renderPlanPdf(*w.app, v.value()).bytes);
  };
  // Part-way: the parent's signature with its time (UK time, BST in May) and method; the others
  // not yet.
  std::string text = plain();
  INFO(text);
  CHECK(text.find("Nguyễn Văn Minh") != std::string::npos);
  auto signedSoFar = w.sig().signatures(plan, false);
  REQUIRE(signedSoFar.size() == 1);
  const std::string when = engine::ukDateTime(*engine::parseIsoTime(signedSoFar[0].signedAt));
  CHECK(std::regex_match(when, std::regex(R"(\d{1,2} [A-Z][a-z]+ 2026 at \d{1,2}:\d\d[ap]m)")));
  CHECK(text.find("Date " + when) != std::string::npos);
  CHECK(text.find("Method Typed") != std::string::npos);
  CHECK(text.find("Not signed yet") != std::string::npos);
  CHECK(text.find("sealed copy") == std::string::npos);

  REQUIRE(w.signAll(plan));
  auto sealed = w.sig().sealedFor(plan);
  REQUIRE(sealed);
  text = plain();
  INFO(text);
  CHECK(text.find("Not signed yet") == std::string::npos);
  const auto sigs = w.sig().signatures(plan, false);
  REQUIRE(sigs.size() >= 2);
  for (const auto& sig : sigs) {
    CHECK(text.find(sig.name) != std::string::npos);
  }
  CHECK(text.find("Method Typed") != std::string::npos);
  CHECK(text.find("The signed record is the sealed copy") != std::string::npos);
  CHECK(text.find(sealed->pdfSha256) != std::string::npos);
}
