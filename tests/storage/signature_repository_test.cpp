// SqliteSignatureRepository against a real SQLite file: requests written by a transition, state
// checks on every change (a request signed, declined or replaced meanwhile is a conflict), the
// code attempt counter, voiding and sealed documents.
#include "sendflow/storage/signature_repository.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "storage/storage_world.h"

using namespace sendflow;
using engine::ErrorCode;
using testing::auditOf;
using testing::StorageWorld;

namespace {

engine::SignatureRequest requestFor(engine::Id plan, const std::string& person,
                                    const std::string& token) {
  engine::SignatureRequest r;
  r.planId = plan;
  r.version = 1;
  r.contentHash = "hash1";
  r.slot = "parent";
  r.slotLabel = "Parent or carer";
  r.personRef = person;
  r.name = "Ann Ellis";
  r.email = "ann@example.org";
  r.tokenHash = token;
  r.createdAt = "2026-05-28T00:00:00Z";
  r.expiresAt = "2026-06-27T00:00:00Z";
  return r;
}

engine::SignatureRecord signatureOf(const engine::SignatureRequest& r) {
  engine::SignatureRecord s;
  s.requestId = r.id;
  s.planId = r.planId;
  s.version = r.version;
  s.contentHash = r.contentHash;
  s.slot = r.slot;
  s.personRef = r.personRef;
  s.name = r.name;
  s.signedAt = "2026-05-28T01:00:00Z";
  s.method = "typed";
  s.typedName = r.name;
  s.consentText = "I agree";
  return s;
}

engine::OutboxMessage mail(const std::string& key) {
  engine::OutboxMessage m;
  m.key = key;
  m.kind = engine::mailkind::kNotice;
  m.toAddress = "senco@oak.example";
  m.data = "{}";
  return m;
}

// Sends the Oak plan for signature: draft → awaiting_signatures with two requests (a contact
// with a link token, and staff without one).
struct SigningWorld : StorageWorld {
  SigningWorld() {
    populate();
    engine::TransitionChange c;
    c.planId = oakPlan;
    c.expectedState = "draft";
    c.expectedVersion = 1;
    c.record = {"send", "draft", "awaiting_signatures", "user:1", "", "", "", 1};
    c.newRequests = {requestFor(oakPlan, "contact:1", "tok-1"), requestFor(oakPlan, "user:1", ""),
                     requestFor(oakPlan, "user:2", "")};
    REQUIRE(plans.applyTransition(c));
    auto rs = signatures.requests(oakPlan);
    REQUIRE(rs.size() == 3);
    contact = rs[0];
    staff = rs[1];
  }
  storage::SqliteSignatureRepository signatures{store};
  engine::SignatureRequest contact, staff;
};

}  // namespace

TEST_CASE(
    "signatures: requests from a transition are found by plan, id and token, and staff requests "
    "carry no token",
    "[storage][signatures]") {
  SigningWorld w;
  REQUIRE(w.contact.state == "invited");
  REQUIRE(w.signatures.requestByTokenHash("tok-1")->id == w.contact.id);
  REQUIRE(w.staff.tokenHash.empty());
  REQUIRE_FALSE(w.signatures.requestByTokenHash(""));  // the two empty tokens are NULL, not ""
  REQUIRE(w.signatures.request(w.staff.id)->personRef == "user:1");
  REQUIRE(w.signatures.requests(w.elmPlan).empty());
  REQUIRE(w.signatures.plansWithOpenRequests() == std::vector<engine::Id>{w.oakPlan});
}

TEST_CASE("signatures: a request update is refused when the request's state moved on",
          "[storage][signatures]") {
  SigningWorld w;
  auto r = w.contact;
  r.state = "opened";
  r.openedAt = "2026-05-28T00:10:00Z";
  REQUIRE(w.signatures.updateRequest(r, "invited", {auditOf("signature.open", "plan", w.oakPlan)},
                                     {mail("opened:1")}));
  REQUIRE(w.signatures.request(r.id)->state == "opened");
  const auto events = w.auditCount();
  // A second tab still thinks the request is invited.
  auto stale = w.contact;
  stale.state = "declined";
  auto s = w.signatures.updateRequest(stale, "invited", {auditOf("signature.decline")},
                                      {mail("declined:1")});
  REQUIRE(s.error().code == ErrorCode::kConflict);
  REQUIRE(w.signatures.request(r.id)->state == "opened");
  REQUIRE(w.auditCount() == events);
  REQUIRE(w.count("SELECT count(*) FROM outbox WHERE idem_key='declined:1'") == 0);
}

TEST_CASE("signatures: a signature is recorded once, on the current version, in the plan's state",
          "[storage][signatures]") {
  SigningWorld w;
  const auto sig = signatureOf(w.contact);
  // The plan is awaiting signatures at version 1; a signature for another state or version is
  // refused.
  REQUIRE(w.signatures.recordSignature(sig, "draft", {}, {}).error().code == ErrorCode::kConflict);
  auto wrongVersion = sig;
  wrongVersion.version = 2;
  REQUIRE(w.signatures.recordSignature(wrongVersion, "awaiting_signatures", {}, {}).error().code ==
          ErrorCode::kConflict);
  REQUIRE(w.signatures.signatures(w.oakPlan, true).empty());

  REQUIRE(w.signatures.recordSignature(sig, "awaiting_signatures",
                                       {auditOf("signature.sign", "plan", w.oakPlan)},
                                       {mail("signed:1")}));
  REQUIRE(w.signatures.request(w.contact.id)->state == "signed");
  REQUIRE(w.signatures.signatures(w.oakPlan, false).size() == 1);
  REQUIRE(w.count("SELECT count(*) FROM outbox") == 1);

  // The same request signed again (a double submit) is a conflict, not a second signature.
  const auto events = w.auditCount();
  REQUIRE(w.signatures.recordSignature(sig, "awaiting_signatures", {auditOf("signature.sign")}, {})
              .error()
              .code == ErrorCode::kConflict);
  REQUIRE(w.signatures.signatures(w.oakPlan, true).size() == 1);
  REQUIRE(w.auditCount() == events);
}

TEST_CASE(
    "signatures: replacing a request closes the old one and opens the new one, unless the "
    "old one is no longer open",
    "[storage][signatures]") {
  SigningWorld w;
  auto fresh = requestFor(w.oakPlan, "contact:2", "tok-2");
  REQUIRE(w.signatures.replaceRequest(w.contact.id, "wrong person", fresh,
                                      {auditOf("signature.replace")}, {mail("invite:2")}));
  auto old = *w.signatures.request(w.contact.id);
  REQUIRE(old.state == "replaced");
  REQUIRE(old.stateReason == "wrong person");
  REQUIRE(w.signatures.requestByTokenHash("tok-2")->state == "invited");

  const auto events = w.auditCount();
  auto again = requestFor(w.oakPlan, "contact:3", "tok-3");
  REQUIRE(
      w.signatures.replaceRequest(w.contact.id, "again", again, {auditOf("x")}, {}).error().code ==
      ErrorCode::kConflict);
  REQUIRE_FALSE(w.signatures.requestByTokenHash("tok-3"));
  REQUIRE(w.auditCount() == events);
}

TEST_CASE("signatures: a replacement reusing a live token is refused whole",
          "[storage][signatures]") {
  SigningWorld w;
  const auto events = w.auditCount();
  auto clash = requestFor(w.oakPlan, "contact:2", "tok-1");  // the contact's live token
  REQUIRE_THROWS_AS(w.signatures.replaceRequest(w.staff.id, "r", clash, {auditOf("x")}, {}),
                    storage::StorageError);
  REQUIRE(w.signatures.request(w.staff.id)->state == "invited");
  REQUIRE(w.auditCount() == events);
}

TEST_CASE(
    "signatures: the code attempt counter stops at its limit, also under concurrent "
    "guesses",
    "[storage][signatures]") {
  SigningWorld w;
  std::atomic<int> counted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i)
        if (w.signatures.countCodeAttempt(w.contact.id, 5)) ++counted;
    });
  for (auto& th : threads) th.join();
  REQUIRE(counted == 5);
  REQUIRE(w.signatures.request(w.contact.id)->codeAttempts == 5);
  REQUIRE_FALSE(w.signatures.countCodeAttempt(w.contact.id, 5));
  REQUIRE_FALSE(w.signatures.countCodeAttempt(999, 5));
  // A request update written from an older copy does not reset the count.
  REQUIRE(w.signatures.updateRequest(w.contact, "invited", {}, {}));
  REQUIRE(w.signatures.request(w.contact.id)->codeAttempts == 5);
}

TEST_CASE(
    "signatures: a transition voiding signatures voids every live request and signature of "
    "that plan only, and a completing signature needs its request still open",
    "[storage][signatures]") {
  SigningWorld w;
  REQUIRE(w.signatures.recordSignature(signatureOf(w.staff), "awaiting_signatures", {}, {}));

  // A transition completing with the contact's signature after the contact's request was
  // replaced is refused whole.
  auto fresh = requestFor(w.oakPlan, "contact:2", "tok-2");
  REQUIRE(w.signatures.replaceRequest(w.contact.id, "r", fresh, {}, {}));
  engine::TransitionChange done;
  done.planId = w.oakPlan;
  done.expectedState = "awaiting_signatures";
  done.expectedVersion = 1;
  done.record = {"signed", "awaiting_signatures", "active", "system", "", "", "", 1};
  done.signature = signatureOf(w.contact);
  REQUIRE(w.plans.applyTransition(done).error().code == ErrorCode::kConflict);
  REQUIRE(w.plans.plan(w.oakPlan)->state == "awaiting_signatures");

  engine::TransitionChange recall;
  recall.planId = w.oakPlan;
  recall.expectedState = "awaiting_signatures";
  recall.expectedVersion = 1;
  recall.record = {"recall", "awaiting_signatures", "draft", "user:1", "", "", "", 1};
  recall.voidSignatures = true;
  recall.voidReason = "recalled";
  REQUIRE(w.plans.applyTransition(recall));
  REQUIRE(w.signatures.signatures(w.oakPlan, false).empty());
  auto all = w.signatures.signatures(w.oakPlan, true);
  REQUIRE(all.size() == 1);
  REQUIRE(all[0].voidReason == "recalled");
  for (const auto& r : w.signatures.requests(w.oakPlan))
    REQUIRE((r.state == "void" || r.state == "replaced"));
  REQUIRE(w.signatures.plansWithOpenRequests().empty());
}

TEST_CASE(
    "signatures: a sealed document is found by its file hash, and the same file twice is "
    "refused",
    "[storage][signatures]") {
  SigningWorld w;
  auto seal = [&](const std::string& from, const std::string& to, const std::string& sha) {
    engine::TransitionChange c;
    c.planId = w.oakPlan;
    c.expectedState = from;
    c.expectedVersion = 1;
    c.record = {"seal", from, to, "system", "", "", "", 1};
    c.sealed = engine::SealedDocument{w.oakPlan, 1, "hash1", sha, "sealed/1.pdf", "cert", ""};
    return w.plans.applyTransition(c);
  };
  REQUIRE(seal("awaiting_signatures", "active", "sha-a"));
  auto doc = w.signatures.sealedByFileHash("sha-a");
  REQUIRE(doc);
  REQUIRE(doc->planId == w.oakPlan);
  REQUIRE(doc->sealedAt == engine::isoTime(w.clock.now()));
  REQUIRE(w.signatures.sealed(w.oakPlan).size() == 1);
  REQUIRE_FALSE(w.signatures.sealedByFileHash("sha-b"));
  REQUIRE_THROWS_AS(seal("active", "active", "sha-a"), storage::StorageError);
  REQUIRE(w.plans.transitions(w.oakPlan).size() == 2);  // send + seal; the refused one left none
}
