// SignatureService with fakes of its ports (plans, signatures, people and documents in memory, an
// injected clock, predictable random bytes) and the tests' mini plan (engine/mini_plan.h): who may
// sign and in which order, what a link shows once expired, void or used, the emailed code,
// reminders and expiry warnings on the clock, and the seal when the last required signature lands.
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>

#include "engine/fakes.h"
#include "engine/mini_plan.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/signing/signatures.h"
#include "support/pdf_fonts.h"

using namespace sendflow::engine;
using namespace std::chrono_literals;
using sendflow::testing::actionsOf;
using sendflow::testing::actorWith;
using sendflow::testing::CountingRandom;
using sendflow::testing::FakeDocuments;
using sendflow::testing::FakePeople;
using sendflow::testing::FakePlans;
using sendflow::testing::FakeSignatures;

namespace {

constexpr Id kPlan = 40;
constexpr Id kPupil = 3;
constexpr Id kParent = 5;

const SealKey& sealKey() {
  static const SealKey key =
      SealKey::generateSelfSigned("sendflow test seal", fromUnix(1780000000));
  return key;
}

SignInput typed(const std::string& name) {
  SignInput in;
  in.consent = true;
  in.method = "typed";
  in.typedName = name;
  in.ip = "192.0.2.1";
  return in;
}

// One draft plan with every slot assigned, in academy 1 (Oak).
struct World {
  explicit World(SignatureSettings settings = {})
      : clock(startOf(*parseIsoDate("2026-03-02"))),
        plans(plansRepo, people, defs, clock),
        service(
            plans, sigs, people, documents, clock, random, std::move(settings),
            SealKey::fromPem(sealKey().certificatePem(), sealKey().privateKeyPem()),
            [](const PdfDocument& d) { return sendflow::testing::testRenderer().render(d); },
            [](const PlanView&) {
              return PlanDocumentOptions{"Oak Academy", "", {}, {}, {}};
            }) {
    plansRepo.signatures = &sigs;
    sigs.plans = &plansRepo;
    people.academiesById = {{1, {1, "Oak"}}, {2, {2, "Elm"}}};
    people.byId[7] = {7, "senco@oak.example", "Ms Senco", "", true, {{1, Role::kSenco}}};
    people.byId[8] = {8, "head@oak.example", "Mr Head", "", true, {{1, Role::kHead}}};
    people.byId[9] = {9, "staff@oak.example", "Ms Staff", "", true, {{1, Role::kStaff}}};
    people.pupilsById[kPupil] = {kPupil, 1, "Zoë Khan", "", "2014-05-02", "6", "", true};
    people.contactsById[kParent] = {
        kParent, kPupil, "Ann Khan", "ann@home.example", "Mother", ContactKind::kParentCarer, true};
    sendflow::testing::addMiniPlan(plansRepo, kPlan, 1, kPupil, 7);
    plansRepo.signersOf[kPlan] = {{"senco", "user:7", "Ms Senco"},
                                  {"head", "user:8", "Mr Head"},
                                  {"parent_carer", "contact:5", "Ann Khan"},
                                  {"pupil", "pupil:3", "Zoë Khan"}};
  }

  void send() {
    auto r = plans.fire(senco, kPlan, "send", {});
    REQUIRE(r);
    REQUIRE(plansRepo.byId[kPlan].state == "awaiting");
  }
  // The live request of a person on the plan.
  SignatureRequest request(const std::string& personRef) {
    std::optional<SignatureRequest> out;
    for (auto& [id, r] : sigs.byId)
      if (r.personRef == personRef && r.state != requeststate::kReplaced) out = r;
    REQUIRE(out);
    return *out;
  }
  SignerAccess staffAccess(const Actor& a, const std::string& personRef) {
    return {"", &a, request(personRef).id};
  }
  SignerAccess link(const std::string& personRef) {
    auto r = request(personRef);
    REQUIRE_FALSE(r.linkSalt.empty());
    return {service.linkTokenFor(r.linkSalt), nullptr, 0};
  }
  // Every outbox message of every fake, in the order the fakes hold them.
  std::vector<OutboxMessage> mails() {
    auto out = plansRepo.outbox.messages;
    out.insert(out.end(), sigs.outbox.messages.begin(), sigs.outbox.messages.end());
    return out;
  }
  std::vector<OutboxMessage> mailsOf(const std::string& kind) {
    std::vector<OutboxMessage> out;
    for (auto& m : mails())
      if (m.kind == kind) out.push_back(m);
    return out;
  }

  FakePeople people;
  FakePlans plansRepo;
  FakeSignatures sigs;
  FakeDocuments documents;
  CountingRandom random;
  DefinitionRegistry defs;
  FixedClock clock;
  PlanService plans;
  SignatureService service;
  Actor senco = actorWith(7, "Ms Senco", {{1, Role::kSenco}});
  Actor head = actorWith(8, "Mr Head", {{1, Role::kHead}});
  Actor staff = actorWith(9, "Ms Staff", {{1, Role::kStaff}});
  Actor elmSenco = actorWith(10, "Elm Senco", {{2, Role::kSenco}});
};

Poco::JSON::Object::Ptr dataOf(const OutboxMessage& m) {
  return Poco::JSON::Parser().parse(m.data).extract<Poco::JSON::Object::Ptr>();
}

}  // namespace

TEST_CASE(
    "signatures: sending asks every assigned signer to sign that exact version and invites only "
    "those whose turn has come",
    "[engine][signing]") {
  World w;
  w.send();
  REQUIRE(w.sigs.byId.size() == 4);
  for (auto& [id, r] : w.sigs.byId) {
    CHECK(r.version == 1);
    CHECK(r.contentHash == w.plansRepo.versionsOf[kPlan][0].contentHash);
    CHECK(r.state == requeststate::kInvited);
    CHECK(r.expiresAt == "2026-03-16T00:00:00Z");  // linkDays (14) from now
  }
  CHECK(w.request("user:7").sends == 1);          // first in order: emailed now
  CHECK(w.request("user:8").lastSentAt.empty());  // order 2: waits for the SENCO
  CHECK(w.request("contact:5").lastSentAt.empty());
  CHECK(w.request("contact:5").tokenHash.empty());  // no link before its turn
  CHECK_FALSE(w.request("pupil:3").required);
  auto invites = w.mailsOf(mailkind::kSignInvite);
  REQUIRE(invites.size() == 1);
  CHECK(invites[0].toAddress == "senco@oak.example");
  CHECK(invites[0].planId == kPlan);
  CHECK(dataOf(invites[0])->getValue<std::string>("initials") == "Z. K.");
  auto actions = actionsOf(w.plansRepo.audit);
  CHECK(std::count(actions.begin(), actions.end(), "signature.invited") == 1);
}

TEST_CASE("signatures: a later signer waits for earlier required ones, then is invited",
          "[engine][signing]") {
  World w;
  w.send();
  auto early = w.service.sign(w.staffAccess(w.head, "user:8"), typed("Mr Head"));
  REQUIRE_FALSE(early);
  CHECK(early.error().code == ErrorCode::kConflict);
  CHECK_THAT(early.error().message, Catch::Contains("SENCO must sign first"));
  CHECK(w.sigs.signed_.empty());
  auto view = w.service.open(w.staffAccess(w.head, "user:8"), "192.0.2.9");
  REQUIRE(view);
  CHECK_FALSE(view->yourTurn);
  REQUIRE(view->waitingFor.size() == 1);
  CHECK(view->waitingFor.front().slotLabel == "SENCO");

  // The pupil (no order) may sign in person with the SENCO at any time.
  REQUIRE(w.service.sign(w.staffAccess(w.senco, "pupil:3"), typed("Zoë Khan")));
  CHECK(w.mailsOf(mailkind::kSignInvite).size() == 1);  // nobody new is invited by that

  REQUIRE(w.service.sign(w.staffAccess(w.senco, "user:7"), typed("Ms Senco")));
  CHECK(w.request("user:7").state == requeststate::kSigned);
  auto invites = w.mailsOf(mailkind::kSignInvite);
  REQUIRE(invites.size() == 3);
  CHECK(invites[1].toAddress == "head@oak.example");
  CHECK(invites[2].toAddress == "ann@home.example");
  // The parent's email carries the salt, never the link; the link's hash is stored.
  auto parent = w.request("contact:5");
  CHECK(dataOf(invites[2])->getValue<std::string>("link_salt") == parent.linkSalt);
  CHECK(parent.tokenHash == sha256Hex(w.service.linkTokenFor(parent.linkSalt)));
  CHECK(invites[2].data.find(w.service.linkTokenFor(parent.linkSalt)) == std::string::npos);
  REQUIRE(w.service.sign(w.staffAccess(w.head, "user:8"), typed("Mr Head")));
  CHECK(w.plansRepo.byId[kPlan].state == "awaiting");  // the parent has not signed yet
}

TEST_CASE("signatures: only the person asked (or the SENCO for the pupil) signs from an account",
          "[engine][signing]") {
  World w;
  w.send();
  auto ids = [](const std::vector<SignatureRequest>& rs) {
    std::vector<std::string> out;
    for (auto& r : rs) out.push_back(r.personRef);
    return out;
  };
  CHECK(ids(w.service.signableBy(w.senco, kPlan)) == std::vector<std::string>{"user:7", "pupil:3"});
  CHECK(ids(w.service.signableBy(w.head, kPlan)) == std::vector<std::string>{"user:8"});
  CHECK(w.service.signableBy(w.staff, kPlan).empty());
  CHECK(w.service.signableBy(w.elmSenco, kPlan).empty());
  // Someone else's request is not found for them, whatever their role.
  for (const Actor* a : {&w.staff, &w.head, &w.elmSenco}) {
    auto r = w.service.sign(w.staffAccess(*a, "user:7"), typed("x"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kNotFound);
  }
  auto headForPupil = w.service.sign(w.staffAccess(w.head, "pupil:3"), typed("Zoë Khan"));
  CHECK(headForPupil.error().code == ErrorCode::kNotFound);
  CHECK(w.sigs.signed_.empty());
  // What is signed is checked whole: consent, a method, a name on one line.
  SignInput noConsent = typed("Ms Senco");
  noConsent.consent = false;
  CHECK(w.service.sign(w.staffAccess(w.senco, "user:7"), noConsent).error().fields.at(0).field ==
        "consent");
  SignInput twoLines = typed("Ms\nSenco");
  CHECK(w.service.sign(w.staffAccess(w.senco, "user:7"), twoLines).error().fields.at(0).field ==
        "typed_name");
  SignInput drawn = typed("Ms Senco");
  drawn.method = "drawn";
  drawn.drawnPng = "not a png at all, not a png at all, not a png";
  CHECK(w.service.sign(w.staffAccess(w.senco, "user:7"), drawn).error().fields.at(0).field ==
        "drawing");
  CHECK(w.sigs.signed_.empty());
}

TEST_CASE("signatures: the last required signature seals the version and tells every signer",
          "[engine][signing]") {
  World w;
  w.send();
  REQUIRE(w.service.sign(w.staffAccess(w.senco, "user:7"), typed("Ms Senco")));
  REQUIRE(w.service.sign(w.staffAccess(w.head, "user:8"), typed("Mr Head")));
  CHECK(w.sigs.sealedDocs.empty());
  auto parentLink = w.link("contact:5");
  // The optional pupil has not signed: it does not hold the seal back.
  REQUIRE(w.service.sign(parentLink, typed("Ann Khan")));
  CHECK(w.plansRepo.byId[kPlan].state == "active");
  REQUIRE(w.sigs.sealedDocs.size() == 1);
  const auto sealed = w.sigs.sealedDocs[0];
  CHECK(sealed.version == 1);
  CHECK(sealed.contentHash == w.plansRepo.versionsOf[kPlan][0].contentHash);
  CHECK(sealed.certSha256 == sealKey().certificateSha256());
  const std::string pdf = w.documents.get(sealed.path);
  CHECK(sha256Hex(pdf) == sealed.pdfSha256);
  CHECK(w.sigs.signed_.size() == 3);  // the parent's signature went in with the transition
  CHECK(w.request("contact:5").state == requeststate::kSigned);
  auto v = w.service.verify(pdf);
  INFO(v.message);
  CHECK(v.ok());
  CHECK(v.planId == kPlan);
  auto changed = pdf;
  changed[changed.size() / 3] = static_cast<char>(changed[changed.size() / 3] ^ 1);
  CHECK_FALSE(w.service.verify(changed).ok());

  std::vector<std::string> to;
  for (auto& m : w.mailsOf(mailkind::kSigned)) to.push_back(m.toAddress);
  CHECK(to ==
        std::vector<std::string>{"senco@oak.example", "head@oak.example", "ann@home.example"});
  auto actions = actionsOf(w.plansRepo.audit);
  CHECK(std::count(actions.begin(), actions.end(), "plan.sealed") == 1);
  CHECK(std::count(actions.begin(), actions.end(), "signature.signed") == 1);
  // The parent's link now downloads the sealed copy (audited), and signs nothing more.
  auto copy = w.service.sealedForLink(parentLink.token);
  REQUIRE(copy);
  CHECK(copy->pdfSha256 == sealed.pdfSha256);
  CHECK(w.sigs.audit.back().action == "plan.pdf_download");
  CHECK(w.service.sign(parentLink, typed("Ann Khan")).error().code == ErrorCode::kGone);
}

TEST_CASE("signatures: a link shows nothing once expired, void or replaced, and nothing if unknown",
          "[engine][signing]") {
  World w;
  w.send();
  REQUIRE(w.service.sign(w.staffAccess(w.senco, "user:7"), typed("Ms Senco")));
  auto parentLink = w.link("contact:5");
  REQUIRE(w.service.open(parentLink, "192.0.2.1"));

  CHECK(w.service.open({"short", nullptr, 0}, "").error().code == ErrorCode::kNotFound);
  CHECK(w.service.open({std::string(43, 'x'), nullptr, 0}, "").error().code ==
        ErrorCode::kNotFound);

  SECTION("expired after linkDays, until the SENCO renews it") {
    w.clock.advance(std::chrono::days(14) + 1s);
    CHECK(w.service.open(parentLink, "").error().code == ErrorCode::kGone);
    CHECK(w.service.displayState(w.request("contact:5")) == "expired");
    CHECK(w.service.renewLink(w.staff, w.request("contact:5").id).error().code ==
          ErrorCode::kForbidden);
    REQUIRE(w.service.renewLink(w.senco, w.request("contact:5").id));
    REQUIRE(w.service.open(parentLink, ""));  // the same link works again
  }
  SECTION("void once the SENCO recalls the plan") {
    REQUIRE(w.plans.fire(w.senco, kPlan, "recall", {}));
    CHECK(w.request("contact:5").state == requeststate::kVoid);
    CHECK(w.request("user:7").state == requeststate::kVoid);  // signed, and void now
    CHECK_FALSE(w.sigs.signed_.at(0).voidedAt.empty());
    auto r = w.service.open(parentLink, "");
    CHECK(r.error().code == ErrorCode::kGone);
    CHECK_THAT(r.error().message, Catch::Contains("changed or withdrawn"));
  }
  SECTION("replaced when the SENCO names someone else") {
    Contact other{6,   kPupil, "Raj Khan", "raj@home.example", "Father", ContactKind::kParentCarer,
                  true};
    w.people.contactsById[6] = other;
    auto r = w.service.replaceSigner(w.senco, w.request("contact:5").id, "contact:6", "");
    CHECK(r.error().fields.at(0).field == "reason");
    REQUIRE(w.service.replaceSigner(w.senco, w.request("contact:5").id, "contact:6", "away"));
    CHECK(w.service.open(parentLink, "").error().code == ErrorCode::kGone);
    CHECK(w.request("contact:6").sends == 1);  // invited at once: their turn has come
  }
}

TEST_CASE("signatures: a signer declines with a reason and every signature of the round is void",
          "[engine][signing]") {
  World w;
  w.send();
  REQUIRE(w.service.sign(w.staffAccess(w.senco, "user:7"), typed("Ms Senco")));
  auto parentLink = w.link("contact:5");
  auto blank = w.service.decline(parentLink, "  ", "192.0.2.1");
  CHECK(blank.error().fields.at(0).field == "reason");
  CHECK(w.plansRepo.byId[kPlan].state == "awaiting");
  REQUIRE(w.service.decline(parentLink, "The exits are wrong", "192.0.2.1"));
  CHECK(w.plansRepo.byId[kPlan].state == "draft");
  CHECK(w.request("contact:5").state == requeststate::kDeclined);
  CHECK(w.request("contact:5").stateReason == "The exits are wrong");
  CHECK(w.request("user:7").state == requeststate::kVoid);
  CHECK(w.request("user:8").state == requeststate::kVoid);
  CHECK_FALSE(w.sigs.signed_.at(0).voidedAt.empty());
  CHECK(w.service.sign(parentLink, typed("Ann Khan")).error().code == ErrorCode::kGone);
}

TEST_CASE("signatures: with codes required a contact signs only after the emailed code",
          "[engine][signing]") {
  SignatureSettings settings;
  settings.requireCode = true;
  World w(settings);
  w.send();
  CHECK_FALSE(w.request("user:7").codeRequired);  // staff sign from their account
  REQUIRE(w.service.sign(w.staffAccess(w.senco, "user:7"), typed("Ms Senco")));
  auto parentLink = w.link("contact:5");
  CHECK(w.service.sign(parentLink, typed("Ann Khan")).error().code == ErrorCode::kForbidden);
  REQUIRE(w.service.sendCode(parentLink));
  auto codes = w.mailsOf(mailkind::kSignCode);
  REQUIRE(codes.size() == 1);
  CHECK(codes[0].toAddress == "ann@home.example");
  const std::string code = dataOf(codes[0])->getValue<std::string>("code");
  CHECK(code.size() == 6);
  // One code a minute.
  auto again = w.service.sendCode(parentLink);
  CHECK(again.error().code == ErrorCode::kTooManyRequests);
  const std::string wrong = code == "000000" ? "111111" : "000000";

  SECTION("the right code, then the signature") {
    auto r = w.service.checkCode(parentLink, wrong);
    CHECK(r.error().code == ErrorCode::kInvalid);
    CHECK_THAT(r.error().message, Catch::Contains("Tries left: 4."));
    REQUIRE(w.service.checkCode(parentLink, code));
    REQUIRE(w.service.sign(parentLink, typed("Ann Khan")));
  }
  SECTION("five wrong codes lock the link, even for the right one") {
    for (int i = 0; i < 4; ++i)
      CHECK(w.service.checkCode(parentLink, wrong).error().code == ErrorCode::kInvalid);
    CHECK(w.service.checkCode(parentLink, wrong).error().code == ErrorCode::kTooManyRequests);
    CHECK(w.service.checkCode(parentLink, code).error().code == ErrorCode::kTooManyRequests);
    CHECK(w.service.sign(parentLink, typed("Ann Khan")).error().code == ErrorCode::kForbidden);
  }
  SECTION("a code expires after codeMinutes") {
    w.clock.advance(10min + 1s);
    CHECK(w.service.checkCode(parentLink, code).error().code == ErrorCode::kGone);
  }
}

TEST_CASE("signatures: opening a link or a staff page is audited once, with its door",
          "[engine][signing]") {
  World w;
  w.send();
  REQUIRE(w.service.sign(w.staffAccess(w.senco, "user:7"), typed("Ms Senco")));
  auto parentLink = w.link("contact:5");
  w.sigs.audit.clear();
  REQUIRE(w.service.open(parentLink, "192.0.2.1"));
  REQUIRE(w.service.open(parentLink, "192.0.2.1"));
  REQUIRE(w.service.document(parentLink));
  REQUIRE(w.service.open(w.staffAccess(w.head, "user:8"), "192.0.2.2"));
  REQUIRE(w.service.document(w.staffAccess(w.head, "user:8")));
  REQUIRE(w.sigs.audit.size() == 5);
  CHECK(actionsOf(w.sigs.audit) ==
        std::vector<std::string>{"signature.link_opened", "plan.view", "plan.pdf_download",
                                 "signature.link_opened", "plan.pdf_download"});
  const std::vector<std::string> doors{"signer_link", "signer_link", "signer_link", "page", "pdf"};
  for (std::size_t i = 0; i < doors.size(); ++i) {
    INFO(w.sigs.audit[i].detail);
    CHECK(w.sigs.audit[i].detail.find(R"("door":")" + doors[i] + '"') != std::string::npos);
  }
  CHECK(w.sigs.audit[0].actor == "contact:5");
  CHECK(w.sigs.audit[3].actor == "user:8");
  CHECK(w.request("contact:5").state == requeststate::kOpened);
}

TEST_CASE(
    "signatures: the scheduler re-sends unsigned invitations after 3 days then weekly, and warns "
    "the SENCO once before a link expires",
    "[engine][signing]") {
  World w;
  w.send();
  CHECK(w.service.tick() == 0);
  w.clock.advance(std::chrono::days(3) - 1s);
  CHECK(w.service.tick() == 0);
  w.clock.advance(1s);
  CHECK(w.service.tick() == 1);
  CHECK(w.service.tick() == 0);  // the same day again: nothing more
  CHECK(w.request("user:7").sends == 2);
  w.clock.advance(std::chrono::days(6));  // day 9: a week after the reminder is day 10
  CHECK(w.service.tick() == 0);
  w.clock.advance(std::chrono::days(1));
  CHECK(w.service.tick() == 1);
  auto invites = w.mailsOf(mailkind::kSignInvite);
  REQUIRE(invites.size() == 3);
  CHECK(invites[0].key != invites[1].key);
  CHECK(invites[1].key != invites[2].key);
  CHECK(dataOf(invites[1])->getValue<bool>("reminder"));
  CHECK(w.mailsOf(mailkind::kLinkExpiring).empty());
  w.clock.advance(std::chrono::days(2));  // two days before expiry
  CHECK(w.service.tick() == 1);
  auto warned = w.mailsOf(mailkind::kLinkExpiring);
  REQUIRE(warned.size() == 1);
  CHECK(warned[0].toAddress == "senco@oak.example");  // the plan's owner
  CHECK(w.request("user:7").expiryWarned);
  w.clock.advance(std::chrono::days(1));
  CHECK(w.service.tick() == 0);  // warned once; no reminder on the last day
  w.clock.advance(std::chrono::days(2));
  CHECK(w.service.tick() == 0);  // expired: nothing is sent any more
  CHECK(w.mailsOf(mailkind::kSignInvite).size() == 3);
}
